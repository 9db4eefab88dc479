"""A Python agent following a registry label, for test/prompts/python-agent.test.ts: one
LabelPromptCache over a FabricClient, resolving every sticky key given on the command line. It
prints a JSON line each time the label record it serves changes: the record's revision and the
version each sticky key runs, as the agent would run them. Stops when stdin closes.

    label-agent.py <address> <prompt> <label> <sticky key>...
"""

import json
import sys
import threading
import time

from cache_fabric import FabricClient, LabelPromptCache, WatchRetry

address, name, label, *keys = sys.argv[1:]
closed = threading.Event()
threading.Thread(target=lambda: (sys.stdin.read(), closed.set()), daemon=True).start()

with FabricClient(address) as fabric, LabelPromptCache(
    fabric, prompts=[name], label=label, sticky_key=keys[0], retry=WatchRetry(initial_delay=0.05, max_delay=0.5)
) as cache:
    reported = None
    while not closed.is_set():
        prompt = cache.get(name)
        if prompt is not None and not cache.stale and prompt.label_revision != reported:
            reported = prompt.label_revision
            versions = [cache.get(name, k).version for k in keys]
            print(json.dumps({"revision": reported, "versions": versions, "text": prompt.render(topic="billing"), "at": time.time()}), flush=True)
        time.sleep(0.002)
