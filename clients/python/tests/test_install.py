"""The package installs with Debian's python and nothing but Debian's packages (no index, no pip
configuration), into a venv and with --target, and then works from outside the repository: the
README's quick start, a watch, and a prompt cache that sees a change made from TypeScript."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import unittest
from pathlib import Path

from support import ROOT, TYPESCRIPT_WRITER, FabricServer, readme_python_blocks, run_python

DEBIAN_PYTHON = "/usr/bin/python3"

#: Runs in the installed interpreter: a watch and a prompt cache, and a change made from TypeScript.
AGENT = r'''
import json, os, subprocess, time
import cache_fabric
from cache_fabric import FabricClient, PromptCache

assert cache_fabric.__file__.startswith(os.environ["EXPECT_PREFIX"]), cache_fabric.__file__
key = "install:router:main:system_message"
fabric = FabricClient()
fabric.set_context(key, "from Python")
with fabric.watch(key=key) as changes:
    assert next(changes).kind == "created"
    cache = PromptCache(fabric, keys=[key])
    cache.wait_ready(timeout=60)
    assert cache.get(key) == "from Python"
    writer = json.loads(os.environ["TS_WRITER"])
    subprocess.run(writer + [os.environ["FABRIC_ADDRESS"], key, json.dumps("from TypeScript")],
                   cwd=os.environ["TS_CWD"], check=True, capture_output=True, timeout=120)
    event = next(changes)
    assert (event.kind, event.event.context.value) == ("event", "from TypeScript"), event
deadline = time.monotonic() + 60
while cache.get(key) != "from TypeScript":
    assert time.monotonic() < deadline, "the prompt cache never saw the TypeScript change"
    time.sleep(0.02)
cache.close()
fabric.close()
print("agent ok")
'''


def debian_only_env(**extra: str) -> dict:
    """pip with no configuration at all (this machine's pip.conf points at local wheel folders): only
    what Debian installed can satisfy anything."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "PYTHON"))}
    return {**env, "PIP_CONFIG_FILE": os.devnull, **extra}


class InstallTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.server = FabricServer("--search", "off").start()
        cls.work = Path(tempfile.mkdtemp(prefix="cf-py-install-"))
        # A pristine copy of the package folder, so a build leaves nothing in the repository.
        cls.source = cls.work / "python"
        shutil.copytree(ROOT / "clients/python", cls.source, ignore=shutil.ignore_patterns("__pycache__", "build", "*.egg-info", "tests"))

    @classmethod
    def tearDownClass(cls) -> None:
        cls.server.stop()
        shutil.rmtree(cls.work, ignore_errors=True)

    def pip(self, python: str, *args: str) -> None:
        out = subprocess.run([python, "-m", "pip", "install", "--no-index", "--no-build-isolation", *args, str(self.source)],
                             env=debian_only_env(), capture_output=True, text=True, timeout=600)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)

    def run_agent(self, python: str, prefix: Path, **env: str) -> None:
        env = debian_only_env(
            FABRIC_ADDRESS=self.server.address, EXPECT_PREFIX=str(prefix), TS_WRITER=json.dumps(TYPESCRIPT_WRITER),
            TS_CWD=str(ROOT), **env,
        )
        quick_start = readme_python_blocks()[0]
        out = run_python(quick_start, env, python=python, cwd=str(self.work))
        self.assertEqual((out.returncode, out.stdout.splitlines()[:1]), (0, ["You are a helpful assistant"]), out.stderr)
        out = run_python(AGENT, env, python=python, cwd=str(self.work))
        self.assertEqual((out.returncode, out.stdout.strip()), (0, "agent ok"), out.stderr)

    def test_venv_with_system_site_packages(self) -> None:
        venv = self.work / "venv"
        subprocess.run([DEBIAN_PYTHON, "-m", "venv", "--system-site-packages", str(venv)], check=True, env=debian_only_env())
        self.pip(str(venv / "bin/python"))
        self.run_agent(str(venv / "bin/python"), venv)

    def test_target_folder(self) -> None:
        target = self.work / "vendor"
        self.pip(DEBIAN_PYTHON, "--no-deps", "--target", str(target))
        self.assertTrue((target / "cache_fabric/_gen/cachefabric/v1/context_pb2.pyi").exists())
        self.assertTrue((target / "cache_fabric/py.typed").exists())
        self.run_agent(DEBIAN_PYTHON, target, PYTHONPATH=str(target))


if __name__ == "__main__":
    unittest.main()
