"""The prompt registry from Python (``fabric.prompts``) and the label-following ``LabelPromptCache``,
against live servers: versions, labels, history, rollouts and their gates; a cache that follows a
move and a rollout, resolving every sticky key as the server does, serves a fallback while the
fabric is down, and works over the asyncio client too."""

from __future__ import annotations

import asyncio
import unittest
import uuid
from typing import List, Optional, Tuple

from support import FabricServer, eventually, free_port

from cache_fabric import (
    AsyncFabricClient,
    CachedPrompt,
    ChatMessage,
    FabricClient,
    FabricError,
    LabelPromptCache,
    RolloutGate,
    RolloutStep,
    WatchRetry,
    render_template,
    resolve_label_version,
    rollout_bucket,
)

FAST = WatchRetry(initial_delay=0.05, max_delay=0.5)


def code(f) -> str:
    try:
        f()
    except FabricError as e:
        return str(e)
    return "OK"


class WithServer(unittest.TestCase):
    """A server of its own per test class (rollouts move only by hand: the controller never runs),
    a client, and a prompt name of its own per test."""

    @classmethod
    def setUpClass(cls) -> None:
        cls.server = FabricServer("--search", "off", "--rollout-evaluation-interval-ms", "0").start()

    @classmethod
    def tearDownClass(cls) -> None:
        cls.server.stop()

    def setUp(self) -> None:
        self.fabric = FabricClient(self.server.address)
        self.p = self.fabric.prompts
        self.name = f"py{uuid.uuid4().hex[:8]}:router"

    def tearDown(self) -> None:
        self.fabric.close()


class RegistryTest(WithServer):

    def test_versions_labels_history_and_diff(self) -> None:
        first = self.p.publish(self.name, text="You route {{ topic }} for {{user}}.", config={"model": "m", "temperature": 0.2},
                               commit_message="first", tags=["router"])
        self.assertTrue(first.created)
        self.assertEqual((first.version.version, first.version.variables, first.version.author), (1, ["topic", "user"], "anonymous"))
        self.assertEqual(first.version.config, {"model": "m", "temperature": 0.2})
        again = self.p.publish(self.name, text="You route {{ topic }} for {{user}}.", config={"temperature": 0.2, "model": "m"})
        self.assertEqual((again.created, again.version.version), (False, 1))
        chat = self.p.publish(self.name, messages=[ChatMessage(role="system", content="Route {{topic}}."), {"role": "user", "content": "hi"}])
        self.assertEqual(chat.version.messages, [ChatMessage(role="system", content="Route {{topic}}."), ChatMessage(role="user", content="hi")])
        self.assertIsNone(chat.version.text)
        self.assertEqual([v.version for v in self.p.list_versions(self.name)], [2, 1])
        self.assertEqual(self.p.get(self.name, version=1).version, first.version)
        self.assertIsNone(self.p.get(self.name, version=9))
        self.assertIsNone(self.p.get(self.name, label="nowhere"))

        moved = self.p.move_label(self.name, "production", 1, reason="release 1", if_version=0)
        self.assertEqual((moved.move.kind, moved.move.from_version, moved.move.to_version, moved.move.reason), ("MOVE", 0, 1, "release 1"))
        conflict = code(lambda: self.p.move_label(self.name, "production", 2, reason="r", if_version=2))
        self.assertTrue(conflict.startswith("FAILED_PRECONDITION: "), conflict)
        self.assertEqual(self.p.move_label(self.name, "production", 1, reason="again").move, None)  # already there: nothing written
        self.assertEqual({label.label: label.version for label in self.p.list_labels(self.name)}, {"latest": 2, "production": 1})
        history = self.p.label_history(self.name, label="production")
        self.assertEqual([(m.seq, m.kind, m.to_version) for m in history], [(1, "MOVE", 1)])
        everything = self.p.label_history(self.name, limit=2)
        self.assertEqual(len(everything), 2)
        self.assertIsNotNone(everything.next_page_token)
        self.assertEqual(len(self.p.label_history(self.name, page_token=everything.next_page_token)), 1)

        diff = self.p.diff(self.name, 1, 2)
        self.assertEqual((diff.from_.version, diff.to.version), (1, 2))
        self.assertEqual([(c.path, c.kind) for c in diff.changes][:2], [("text", "REMOVED"), ("messages", "ADDED")])
        self.assertTrue(code(lambda: self.p.diff(self.name, 1, 9)).startswith("NOT_FOUND: to_version:"))

    def test_bad_input_is_invalid_argument_naming_the_field(self) -> None:
        for f, message in [
            (lambda: self.p.publish(self.name), "template: set exactly one of text, messages"),
            (lambda: self.p.publish(self.name, text="a", messages=[]), "template: set exactly one of text, messages"),
            (lambda: self.p.publish(self.name, text="a", config=[1]), "config: must be a JSON object (a dict)"),
            (lambda: self.p.publish("bad@name", text="a"), "name: may contain only letters, digits and _ - . : /"),
            (lambda: self.p.get(self.name, version=1, label="x"), "selector: set at most one of version, label"),
            (lambda: self.p.start_rollout(self.name, "production", 2, steps=[object()], reason="r"), "steps[0]: must be a RolloutStep"),
            (lambda: self.p.start_rollout(self.name, "production", 2, steps=[(5, 1)], gate={"min_sample": 1}, reason="r"),
             "gate.min_sample: is not a gate threshold"),
            (lambda: self.p.move_label(self.name, "latest", 1, reason="r"), "label: \"latest\" moves by itself"),
        ]:
            outcome = code(f)
            self.assertTrue(outcome.startswith(f"INVALID_ARGUMENT: {message}"), outcome)

    def test_a_rollout_runs_pauses_resumes_and_aborts_with_the_gate_reported(self) -> None:
        for text in ("A", "B"):
            self.p.publish(self.name, text=text)
        self.p.move_label(self.name, "production", 1, reason="A")
        started = self.p.start_rollout(
            self.name, "production", 2, steps=[RolloutStep(percent=10, bake=60), {"percent": 50, "bake": 60}, (100, 0)],
            gate=RolloutGate(min_samples=5, max_rating_drop=0.5), reason="try B",
        )
        r = started.rollout
        self.assertEqual((r.state, r.from_version, r.to_version, r.percent), ("RUNNING", 1, 2, 10))
        self.assertEqual([(s.percent, s.bake) for s in r.steps], [(10, 60), (50, 60), (100, 0)])
        self.assertEqual((r.gate.min_samples, r.gate.max_rating_drop, r.gate.max_error_rate_increase), (5, 0.5, 0.02))
        self.assertEqual((started.label.rollout.to_version, started.label.rollout.percent, started.label.rollout.salt), (2, 10, r.salt))
        # The server and this package resolve every sticky key the same way.
        for key in (f"user-{i}" for i in range(40)):
            got = self.p.get(self.name, label="production", sticky_key=key).version.version
            self.assertEqual(got, resolve_label_version(started.label, key), key)
        status = self.p.rollout_status(self.name, "production")
        self.assertEqual(status.evaluation.verdict, "WAIT")
        self.assertEqual([(c.name, c.result) for c in status.evaluation.checks][:2], [("error_rate", "INSUFFICIENT"), ("latency_p95", "INSUFFICIENT")])
        self.assertEqual(self.p.pause_rollout(self.name, "production").state, "PAUSED")
        self.assertEqual(self.p.resume_rollout(self.name, "production", reason="carry on").state, "RUNNING")
        aborted = self.p.abort_rollout(self.name, "production", reason="enough")
        self.assertEqual((aborted.rollout.state, aborted.label.version, aborted.label.rollout), ("ABORTED", 1, None))
        self.assertEqual([e.kind for e in aborted.rollout.events], ["STARTED", "PAUSED", "RESUMED", "ABORTED"])
        self.assertEqual([m.kind for m in self.p.label_history(self.name, label="production")][:2], ["ROLLOUT_ABORT", "ROLLOUT_START"])
        self.assertIsNone(self.p.rollout_status(self.name, "staging"))

    def test_sticky_buckets_and_rendering_match_the_typescript_rules(self) -> None:
        # Fixed points of SHA-256(salt \0 key): the TypeScript tests pin the same figures (resolve.test.ts).
        self.assertTrue(0 <= rollout_bucket("s", "k") < 10_000)
        self.assertEqual(rollout_bucket("salt", "user-1"), rollout_bucket("salt", "user-1"))
        self.assertEqual(render_template("Route {{ topic }} for {{user}}.", None, {"topic": "{{user}}", "user": 7.0}), "Route {{user}} for 7.")
        self.assertEqual(render_template(None, [ChatMessage(role="s", content="{{b}}")], {"b": True}), [{"role": "s", "content": "true"}])
        outcome = code(lambda: render_template("{{a}}{{b}}", None, {"a": 1}, 'version 3 of "r"'))
        self.assertEqual(outcome, 'INVALID_ARGUMENT: variables.b: is required by version 3 of "r"')


class LabelPromptCacheTest(WithServer):
    def setUp(self) -> None:
        super().setUp()
        for text in ("You route {{topic}} questions.", "You route {{topic}} questions briefly."):
            self.p.publish(self.name, text=text)
        self.p.move_label(self.name, "production", 1, reason="A")
        self.changes: List[Tuple[Optional[int], Optional[int]]] = []

    def on_change(self, name: str, now: Optional[CachedPrompt], before: Optional[CachedPrompt]) -> None:
        self.changes.append((now.version if now else None, before.version if before else None))

    def test_follows_a_move_renders_and_records_the_version_that_ran(self) -> None:
        with LabelPromptCache(self.fabric, prompts=[self.name], label="production", on_change=self.on_change, retry=FAST) as cache:
            cache.wait_ready(timeout=60)
            self.assertFalse(cache.stale)
            first = cache.get(self.name)
            self.assertEqual((first.version, first.label, first.fallback, first.variables), (1, "production", False, ["topic"]))
            self.assertEqual(first.execution, {"prompt_key": self.name, "prompt_version": 1, "prompt_label": "production"})
            self.assertEqual(cache.render(self.name, topic="billing"), "You route billing questions.")
            outcome = code(lambda: cache.render(self.name))
            self.assertEqual(outcome, f'INVALID_ARGUMENT: variables.topic: is required by version 1 of "{self.name}"')
            self.assertTrue(code(lambda: cache.get("other")).startswith("INVALID_ARGUMENT: name:"))

            moved = self.p.move_label(self.name, "production", 2, reason="B")
            eventually(lambda: cache.get(self.name).version == 2, "the move to reach the cache")
            self.assertEqual(cache.get(self.name).label_revision, moved.label.revision)
            self.assertEqual(self.changes, [(1, None), (2, 1)])
            self.assertEqual(first.version, 1)  # what was handed out never changes
            run = self.fabric.record_execution(**cache.get(self.name).execution, input="q", output="a")
            self.assertEqual((run.prompt_key, run.prompt_version, run.prompt_label), (self.name, 2, "production"))

    def test_during_a_rollout_every_sticky_key_resolves_as_the_server_resolves_it(self) -> None:
        keys = [f"user-{i}" for i in range(200)]
        with LabelPromptCache(self.fabric, prompts=[self.name], label="production", sticky_key=keys[3], retry=FAST) as cache:
            cache.wait_ready(timeout=60)
            started = self.p.start_rollout(self.name, "production", 2, steps=[(40, 3600), (100, 0)], reason="try B")
            eventually(lambda: cache.get(self.name).label_revision == started.label.revision, "the rollout start")
            on_b = [k for k in keys if cache.get(self.name, k).version == 2]
            self.assertEqual(on_b, [k for k in keys if resolve_label_version(started.label, k) == 2])
            self.assertTrue(0 < len(on_b) < len(keys))
            for k in keys[:20]:
                self.assertEqual(cache.get(self.name, k).version, self.p.get(self.name, label="production", sticky_key=k).version.version, k)
            self.assertIs(cache.get(self.name), cache.get(self.name, keys[3]))
            self.assertEqual(cache.get(self.name, None).version, 1)  # no sticky key: the stable version
            split = cache.get(self.name, on_b[0]).rollout
            self.assertEqual((split.rollout_id, split.percent, split.candidate), (started.rollout.id, 40, True))
            aborted = self.p.abort_rollout(self.name, "production", reason="stop")
            eventually(lambda: cache.get(self.name).label_revision == aborted.label.revision, "the abort")
            self.assertEqual({cache.get(self.name, k).version for k in keys}, {1})

    def test_a_cold_start_with_the_fabric_down_serves_the_fallback_until_it_answers(self) -> None:
        server = FabricServer("--search", "off", port=free_port())
        with FabricClient(server.address) as fabric:
            cache = LabelPromptCache(
                fabric, prompts=["cold:router"], label="production", fallback={"cold:router": {"text": "Fallback {{x}}."}},
                on_change=self.on_change, retry=FAST,
            )
            try:
                self.assertEqual((cache.get("cold:router").fallback, cache.get("cold:router").version), (True, 0))
                self.assertEqual(cache.get("cold:router").execution, {"prompt_key": "cold:router"})
                with self.assertRaises(FabricError) as failed:
                    cache.wait_ready(timeout=60)
                self.assertEqual(failed.exception.code, "UNAVAILABLE")
                self.assertEqual(cache.render("cold:router", x=1), "Fallback 1.")
                server.start()
                try:
                    with FabricClient(server.address, channel_options={"grpc.use_local_subchannel_pool": 1}) as admin:  # not in reconnect backoff
                        admin.prompts.publish("cold:router", text="Real {{x}}.")
                        admin.prompts.move_label("cold:router", "production", 1, reason="first")
                    eventually(lambda: not cache.get("cold:router").fallback, "the fabric's version to replace the fallback")
                    self.assertEqual(cache.render("cold:router", {"x": 2}), "Real 2.")
                    self.assertEqual(self.changes, [(1, 0)])
                finally:
                    server.stop()
            finally:
                cache.close()

    def test_over_the_asyncio_client(self) -> None:
        async def main() -> None:
            async with AsyncFabricClient(self.server.address) as fabric:
                async with LabelPromptCache(fabric, prompts=[self.name], label="production", retry=FAST) as cache:
                    await asyncio.wrap_future(cache.ready)
                    self.assertEqual(cache.get(self.name).version, 1)
                    moved = await fabric.prompts.move_label(self.name, "production", 2, reason="B")
                    for _ in range(3000):
                        if cache.get(self.name).label_revision == moved.label.revision:
                            break
                        await asyncio.sleep(0.02)
                    self.assertEqual(cache.get(self.name).version, 2)
                    self.assertFalse(cache.stale)

        asyncio.run(main())

    def test_bad_options_are_invalid_argument_naming_the_field(self) -> None:
        for kwargs, message in [
            (dict(prompts=[self.name], label=""), "label: is required"),
            (dict(prompts=[], label="production"), "prompts: must name at least one prompt"),
            (dict(prompts=["a@b"], label="production"), "prompts[0]: may contain only letters, digits and _ - . : /"),
            (dict(prompts=["a", "a"], label="production"), "prompts: must not name a prompt twice"),
            (dict(prompts=["a"], label="production", fallback={"b": {"text": "x"}}), "fallback.b: is not one of prompts"),
            (dict(prompts=["a"], label="production", fallback={"a": {"text": "x", "messages": []}}), "fallback.a: set exactly one of text, messages"),
        ]:
            outcome = code(lambda: LabelPromptCache(self.fabric, **kwargs))
            self.assertEqual(outcome, f"INVALID_ARGUMENT: {message}")


if __name__ == "__main__":
    unittest.main()
