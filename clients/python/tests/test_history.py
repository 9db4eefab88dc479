"""Store identity and write outcomes: a watch and a prompt cache across a memory server's restart
(a new store history), resumes named with another history or ahead of the store, idempotency keys,
and writes retried after their answer was lost on the wire."""

from __future__ import annotations

import threading
import unittest
import uuid
from typing import List

from support import FabricServer, LosingProxy, eventually

from cache_fabric import (
    DeleteOperation,
    FabricClient,
    FabricError,
    PromptCache,
    SetOperation,
    WatchMessage,
    WatchRetry,
)

FAST = WatchRetry(initial_delay=0.05, max_delay=0.5)


class HistoryResetTest(unittest.TestCase):
    """A memory server restarted on the same port is a new store history: revisions count from 0."""

    def test_watch_and_prompt_cache_reset_after_a_memory_server_restart(self) -> None:
        server = FabricServer("--search", "off").start()
        try:
            fabric = FabricClient(server.address)
            for i in range(5):  # the old history runs ahead of the new one
                fabric.set_context("router:main:system_message", f"old {i}")
            before = fabric.stats().store_id
            messages: List[WatchMessage] = []
            watch = fabric.watch(prefix="router:", resume=FAST)
            reader = threading.Thread(target=lambda: messages.extend(watch), daemon=True)
            reader.start()
            cache = PromptCache(fabric, keys=["router:main:system_message"], retry=FAST)
            cache.wait_ready(timeout=60)
            self.assertEqual((cache.get("router:main:system_message"), cache.store_id), ("old 4", before))
            eventually(lambda: messages and messages[0].kind == "created", "the watch to start")

            server.restart()
            fresh = FabricClient(server.address, channel_options={"grpc.use_local_subchannel_pool": 1})
            after = fresh.set_context("router:main:system_message", "new history").revision
            self.assertLess(after, 5)  # a new history counts from lower
            self.assertNotEqual(fresh.stats().store_id, before)

            eventually(lambda: cache.get("router:main:system_message") == "new history", "the cache to re-read the new history")
            self.assertNotEqual(cache.store_id, before)
            self.assertEqual(cache.revision, fresh.stats().revision)
            eventually(lambda: any(m.kind == "reset" for m in messages), "the watch to reset")
            reset = next(m for m in messages if m.kind == "reset")
            self.assertNotEqual(reset.store_id, before)
            self.assertEqual([c.value for c in reset.contexts], ["new history"])
            fresh.set_context("router:main:system_message", "live in the new history")
            eventually(lambda: messages[-1].kind == "event" and messages[-1].event.context.value == "live in the new history", "live events")
            watch.close()
            reader.join(30)
            cache.close()
            fabric.close()
            fresh.close()
        finally:
            server.stop()

    def test_resume_from_another_history_or_ahead_of_the_store(self) -> None:
        with FabricServer("--search", "off") as server, FabricClient(server.address) as fabric:
            first = fabric.set_context("k:1", "a")
            page = fabric.query("k:*")
            self.assertTrue(page.store_id)
            # Another history's revision: raw, answered as compacted; resumable, a reset.
            raw = list(fabric.watch(prefix="k:", start_revision=first.revision, store_id="another-history", resume=False))
            self.assertEqual([m.kind for m in raw], ["created", "compacted"])
            with fabric.watch(prefix="k:", start_revision=first.revision, store_id="another-history") as w:
                m = next(w)
            self.assertEqual((m.kind, [c.value for c in m.contexts], m.store_id), ("reset", ["a"], page.store_id))
            # The same history resumes: the change after the revision, no reset.
            fabric.set_context("k:1", "b")
            with fabric.watch(prefix="k:", start_revision=first.revision, store_id=page.store_id) as w:
                kinds = [next(w).kind, next(w)]
            self.assertEqual((kinds[0], kinds[1].event.context.value), ("created", "b"))
            # Ahead of the store: OUT_OF_RANGE raw, a reset when resumable.
            with self.assertRaises(FabricError) as e:
                list(fabric.watch(prefix="k:", start_revision=10_000, resume=False))
            self.assertEqual(e.exception.code, "OUT_OF_RANGE")
            codes: List[str] = []
            retry = WatchRetry(on_retry=lambda err, n, d: codes.append(err.code))
            with fabric.watch(prefix="k:", start_revision=10_000, resume=retry) as w:
                m = next(w)
            self.assertEqual((m.kind, codes), ("reset", ["OUT_OF_RANGE"]))

    def test_answers_name_their_store(self) -> None:
        with FabricServer("--search", "off") as server, FabricClient(server.address) as fabric:
            store = fabric.stats().store_id
            self.assertTrue(store)
            self.assertEqual(fabric.query().store_id, store)
            self.assertEqual(fabric.batch([SetOperation(key="s", value=1)]).store_id, store)
            self.assertEqual(fabric.delete_context("s").store_id, store)
            self.assertEqual(fabric.cleanup("2000-01-01").store_id, store)
            with fabric.watch(prefix="s") as w:
                self.assertEqual(next(w).store_id, store)


class WriteOutcomeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.server = FabricServer("--search", "off").start()

    @classmethod
    def tearDownClass(cls) -> None:
        cls.server.stop()

    def setUp(self) -> None:
        self.fabric = FabricClient(self.server.address)
        self.p = f"o{uuid.uuid4().hex[:8]}:"

    def tearDown(self) -> None:
        self.fabric.close()

    def test_set_returns_the_stored_context_built_from_the_request(self) -> None:
        ctx = self.fabric.set_context(self.p + "k", {"n": 1, "t": (1, 2.0)}, metadata={"m": "1"})
        self.assertEqual((ctx.value, ctx.metadata), ({"n": 1, "t": [1, 2]}, {"m": "1"}))
        self.assertEqual(ctx, self.fabric.get_context(self.p + "k"))

    def test_an_idempotency_key_applies_a_write_once(self) -> None:
        key = str(uuid.uuid4())
        first = self.fabric.set_context(self.p + "i", "v", idempotency_key=key)
        revision = self.fabric.stats().revision
        again = self.fabric.set_context(self.p + "i", "v", idempotency_key=key)
        self.assertEqual((again.revision, again.version), (first.revision, first.version))
        self.assertEqual(self.fabric.stats().revision, revision, "nothing written the second time")
        with self.assertRaises(FabricError) as e:
            self.fabric.set_context(self.p + "i", "another value", idempotency_key=key)
        self.assertEqual(e.exception.code, "INVALID_ARGUMENT")
        self.assertTrue(e.exception.message.startswith("idempotency_key:"), e.exception.message)
        ops = [SetOperation(key=self.p + "b", value=1), DeleteOperation(key=self.p + "i")]
        batch_key = str(uuid.uuid4())
        one = self.fabric.batch(ops, idempotency_key=batch_key)
        two = self.fabric.batch(ops, idempotency_key=batch_key)
        self.assertEqual(one.revision, two.revision)
        self.assertIsNone(self.fabric.get_context(self.p + "i"))

    def test_batch_return_values(self) -> None:
        self.fabric.set_context(self.p + "d", "was here")
        plain = self.fabric.batch([DeleteOperation(key=self.p + "d"), SetOperation(key=self.p + "e", value=1)])
        self.assertTrue(plain.results[0].deleted)
        self.assertIsNone(plain.results[0].previous)
        self.assertEqual(plain.results[1].value, 1)
        self.fabric.set_context(self.p + "d", "was here")
        with self.fabric.pipeline() as pipe:
            pipe.delete_context(self.p + "d")
        self.assertIsNone(pipe.result.results[0].previous)
        self.fabric.set_context(self.p + "d", "was here")
        valued = self.fabric.pipeline().delete_context(self.p + "d").execute(return_values=True)
        self.assertEqual(valued.results[0].previous.value, "was here")
        self.assertFalse(valued.values_omitted)

    def test_a_write_whose_answer_is_lost_is_retried_and_applies_once(self) -> None:
        proxy = LosingProxy(self.server.address)
        try:
            with FabricClient(proxy.address, timeout=30) as through:
                ctx = through.set_context(self.p + "lost", "applied once")
            self.assertTrue(proxy.dropped.is_set(), "the first answer was lost")
            self.assertGreaterEqual(proxy.connections, 2, "and the write was sent again")
            self.assertEqual((ctx.version, self.fabric.get_context(self.p + "lost").version), (1, 1))
        finally:
            proxy.close()

    def test_without_retries_the_lost_answer_is_unavailable_though_the_write_applied(self) -> None:
        proxy = LosingProxy(self.server.address)
        try:
            with FabricClient(proxy.address, retry=False) as through:
                with self.assertRaises(FabricError) as e:
                    through.set_context(self.p + "maybe", "applied")
            self.assertEqual(e.exception.code, "UNAVAILABLE")
            self.assertEqual(self.fabric.get_context(self.p + "maybe").value, "applied")
        finally:
            proxy.close()

    def test_a_retried_execution_is_recorded_once(self) -> None:
        proxy = LosingProxy(self.server.address)
        prompt_key = self.p + "prompt"
        try:
            with FabricClient(proxy.address, timeout=30) as through:
                recorded = through.record_execution(input=1, output=2, prompt_key=prompt_key)
            self.assertTrue(proxy.dropped.is_set())
            listed = list(self.fabric.list_executions_all(prompt_key=prompt_key))
            self.assertEqual([e.id for e in listed], [recorded.id])
        finally:
            proxy.close()


if __name__ == "__main__":
    unittest.main()
