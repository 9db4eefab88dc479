"""PromptCache against live servers: local reads kept fresh by watch, change callbacks, a change made
from TypeScript, stale-if-error through a server outage, and a fabric that is down at start."""

from __future__ import annotations

import threading
import unittest
import uuid
from typing import List, Optional, Tuple

from support import FabricServer, RedisServer, eventually, free_port, typescript_set

from cache_fabric import Context, FabricClient, FabricError, PromptCache, WatchRetry

FAST = WatchRetry(initial_delay=0.05, max_delay=0.5)


class PromptCacheTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.server = FabricServer("--search", "off").start()

    @classmethod
    def tearDownClass(cls) -> None:
        cls.server.stop()

    def setUp(self) -> None:
        self.fabric = FabricClient(self.server.address)
        self.p = f"pc{uuid.uuid4().hex[:8]}:"
        self.changes: List[Tuple[str, Optional[Context]]] = []

    def tearDown(self) -> None:
        self.fabric.close()

    def on_change(self, key: str, ctx: Optional[Context]) -> None:
        self.changes.append((key, ctx))

    def test_keys_are_read_locally_and_kept_fresh(self) -> None:
        prompt = self.p + "router:main:system_message"
        self.fabric.set_context(prompt, "You are a helpful assistant")
        with PromptCache(self.fabric, keys=[prompt, self.p + "absent"], on_change=self.on_change) as cache:
            cache.wait_ready(timeout=60)
            self.assertFalse(cache.stale)
            self.assertEqual(cache.get(prompt), "You are a helpful assistant")
            self.assertEqual(cache.get(self.p + "absent", "default"), "default")
            self.assertEqual(cache.keys(), [prompt])
            self.assertEqual([k for k, _ in self.changes], [prompt])  # the first load
            updated = self.fabric.set_context(prompt, "Updated system prompt")
            eventually(lambda: cache.get(prompt) == "Updated system prompt", "the update")
            self.assertEqual(cache.get_context(prompt).revision, updated.revision)
            self.assertGreaterEqual(cache.revision, updated.revision)
            self.assertEqual(self.changes[-1][1].value, "Updated system prompt")
            self.fabric.set_context(self.p + "absent", {"now": "present"})
            eventually(lambda: cache.get(self.p + "absent") == {"now": "present"}, "a key that appeared")
            self.fabric.delete_context(prompt)
            eventually(lambda: prompt not in cache, "the delete")
            self.assertEqual(self.changes[-1], (prompt, None))
            self.fabric.set_context(self.p + "other", "not held")
        self.assertNotIn(self.p + "other", cache.keys())
        self.assertEqual(cache.get(self.p + "absent"), {"now": "present"})  # still readable after close

    def test_sees_a_change_made_from_typescript(self) -> None:
        key = self.p + "router:main:system_message"
        self.fabric.set_context(key, "from Python")
        with PromptCache(self.fabric, prefix=self.p, on_change=self.on_change) as cache:
            cache.wait_ready(timeout=60)
            written = typescript_set(self.server.address, key, {"prompt": "from TypeScript", "version": 2})
            eventually(lambda: cache.get(key) == {"prompt": "from TypeScript", "version": 2}, "the TypeScript write")
            self.assertEqual(cache.get_context(key).revision, written["revision"])
            self.assertEqual(self.changes[-1][1].value["prompt"], "from TypeScript")

    def test_a_callback_that_raises_does_not_stop_the_cache(self) -> None:
        def boom(key: str, ctx: Optional[Context]) -> None:
            raise RuntimeError("consumer bug")

        with self.assertLogs("cache_fabric", "WARNING"), PromptCache(self.fabric, prefix=self.p, on_change=boom) as cache:
            cache.wait_ready(timeout=60)
            self.fabric.set_context(self.p + "a", 1)
            eventually(lambda: cache.get(self.p + "a") == 1, "the first change")
            self.fabric.set_context(self.p + "a", 2)
            eventually(lambda: cache.get(self.p + "a") == 2, "the next change")

    def test_exactly_one_of_keys_and_prefix(self) -> None:
        for kwargs in ({}, {"keys": ["a"], "prefix": "b"}):
            with self.assertRaises(FabricError) as e:
                PromptCache(self.fabric, **kwargs)
            self.assertEqual(e.exception.code, "INVALID_ARGUMENT")

    def test_bad_input_from_the_server_stops_the_cache_with_its_error(self) -> None:
        cache = PromptCache(self.fabric, keys=["bad key"])
        with self.assertRaises(FabricError) as e:
            cache.wait_ready(timeout=60)
        self.assertEqual(e.exception.code, "INVALID_ARGUMENT")
        cache.close()
        self.assertTrue(cache.stale)


class OutageTest(unittest.TestCase):
    def test_stale_if_error_through_an_outage_then_catch_up(self) -> None:
        redis = RedisServer().start()
        args = ("--store", "redis", "--redis-url", redis.url, "--search", "off")
        a, b = FabricServer(*args).start(), FabricServer(*args).start()
        agent, operator = FabricClient(a.address), FabricClient(b.address)
        try:
            operator.set_context("router:main:system_message", "v1")
            cache = PromptCache(agent, keys=["router:main:system_message"], retry=FAST)
            cache.wait_ready(timeout=60)
            a.stop()
            eventually(lambda: cache.stale, "the cache to notice the outage")
            self.assertEqual(cache.last_error.code, "UNAVAILABLE")
            self.assertEqual(cache.get("router:main:system_message"), "v1")  # stale, still served
            operator.set_context("router:main:system_message", "v2")  # while the agent's server is down
            a.start()
            eventually(lambda: cache.get("router:main:system_message") == "v2", "the change made during the outage")
            eventually(lambda: not cache.stale, "the cache to be current again")
            cache.close()
        finally:
            agent.close()
            operator.close()
            a.stop()
            b.stop()
            redis.stop()

    def test_a_fabric_down_at_start_fails_ready_and_fills_in_later(self) -> None:
        port = free_port()
        with FabricClient(f"127.0.0.1:{port}") as fabric:
            cache = PromptCache(fabric, keys=["k"], retry=FAST)
            with self.assertRaises(FabricError) as e:
                cache.wait_ready(timeout=60)
            self.assertEqual(e.exception.code, "UNAVAILABLE")
            self.assertTrue(cache.stale)
            self.assertEqual(cache.get("k", "default"), "default")
            # Its own subchannel: gRPC shares subchannels between channels of a process, and the
            # cache's is still in reconnect backoff from the refused connections.
            local = {"grpc.use_local_subchannel_pool": 1}
            with FabricServer("--search", "off", port=port) as server, FabricClient(server.address, channel_options=local) as writer:
                writer.set_context("k", "arrived")
                eventually(lambda: cache.get("k") == "arrived", "the cache to fill in once the fabric answers")
                self.assertFalse(cache.stale)
                cache.close()

    def test_wait_ready_times_out_while_the_first_attempt_is_pending(self) -> None:
        with FabricServer("--search", "off") as server, FabricClient(server.address) as fabric:
            server.pause()
            try:
                cache = PromptCache(fabric, keys=["k"])
                with self.assertRaises(TimeoutError):
                    cache.wait_ready(timeout=0.2)
            finally:
                server.resume()
            cache.wait_ready(timeout=60)
            closer = threading.Thread(target=cache.close)
            closer.start()
            closer.join(30)
            self.assertFalse(closer.is_alive())


if __name__ == "__main__":
    unittest.main()
