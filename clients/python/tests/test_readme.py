"""Every ```python block of README.md runs as written, each as its own script, against a live server
(search on, as `npm start` serves)."""

from __future__ import annotations

import tempfile
import unittest

from support import FabricServer, python_env, readme_python_blocks, run_python


class ReadmeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.server = FabricServer().start()

    @classmethod
    def tearDownClass(cls) -> None:
        cls.server.stop()

    def test_every_python_block_runs(self) -> None:
        blocks = readme_python_blocks()
        self.assertGreaterEqual(len(blocks), 6, "the Python section's blocks were found")
        with tempfile.TemporaryDirectory() as cwd:  # outside the repository, as a user's project
            for i, block in enumerate(blocks):
                with self.subTest(block=i, first_line=block.splitlines()[0]):
                    out = run_python(block, python_env(FABRIC_ADDRESS=self.server.address), cwd=cwd)
                    self.assertEqual(out.returncode, 0, f"block {i} failed:\n{block}\n--- stderr ---\n{out.stderr}")
                    if "fabric.set_context(\n    key=\"router:main:system_message\"" in block:
                        self.assertEqual(out.stdout.splitlines()[0], "You are a helpful assistant")


if __name__ == "__main__":
    unittest.main()
