"""Semantic search and executions/feedback through FabricClient, against a server with the bundled
model (search on, as `npm start` runs)."""

from __future__ import annotations

import unittest
import uuid
from datetime import datetime, timedelta, timezone

from support import FabricServer

from cache_fabric import Execution, FabricClient, FabricError, Score

server: FabricServer


def setUpModule() -> None:
    global server
    server = FabricServer().start()


def tearDownModule() -> None:
    server.stop()


class SearchTest(unittest.TestCase):
    def setUp(self) -> None:
        self.fabric = FabricClient(server.address, timeout=60)

    def tearDown(self) -> None:
        self.fabric.close()

    def test_search_by_meaning_and_status(self) -> None:
        p = f"s{uuid.uuid4().hex[:8]}:"
        self.fabric.set_context(p + "python", "You are a helpful assistant focused on Python", metadata={"team": p})
        self.fabric.set_context(p + "weather", "The weather is sunny today", metadata={"team": p})
        similar = self.fabric.search("Python programming help", scope="GLOBAL", limit=5, metadata={"team": p}, wait_for_index=True)
        self.assertEqual([r.key for r in similar], [p + "python", p + "weather"])
        self.assertGreater(similar[0].similarity, similar[1].similarity)
        self.assertEqual(similar[0].value, "You are a helpful assistant focused on Python")
        high = self.fabric.search("Python programming help", metadata={"team": p}, min_similarity=similar[0].similarity - 1e-6, wait_for_index=True)
        self.assertEqual([r.key for r in high], [p + "python"])
        status = self.fabric.search_status()
        self.assertEqual((status.index, status.dimension), ("memory", 512))
        self.assertIn("GLOBAL", status.scopes)
        self.assertGreaterEqual(status.indexed_revision, 1)
        self.assertGreaterEqual(status.vectors, 2)
        with self.assertRaises(FabricError) as e:
            self.fabric.search("")
        self.assertEqual(e.exception.code, "INVALID_ARGUMENT")

    def test_reindex_streams_progress(self) -> None:
        self.fabric.set_context(f"r{uuid.uuid4().hex[:8]}", "something to embed")
        progress = list(self.fabric.reindex())
        self.assertGreaterEqual(len(progress), 1)
        self.assertEqual(progress[-1].done, progress[-1].total)
        self.assertGreaterEqual(progress[-1].total, 1)

    def test_search_off_is_unimplemented(self) -> None:
        with FabricServer("--search", "off") as off, FabricClient(off.address) as fabric:
            with self.assertRaises(FabricError) as e:
                fabric.search("anything")
            self.assertEqual(e.exception.code, "UNIMPLEMENTED")


class ExecutionTest(unittest.TestCase):
    def setUp(self) -> None:
        self.fabric = FabricClient(server.address)
        self.prompt_key = f"router:{uuid.uuid4().hex[:8]}:system_message"

    def tearDown(self) -> None:
        self.fabric.close()

    def test_record_read_list_and_summarise(self) -> None:
        prompt = self.fabric.set_context(self.prompt_key, "You are a helpful assistant")
        started = datetime.now(timezone.utc) - timedelta(seconds=1)
        ok = self.fabric.record_execution(
            input={"question": "hi"}, output={"answer": 42}, latency_ms=120, prompt_key=self.prompt_key,
            prompt_revision=prompt.revision, started_at=started, metadata={"agent": "py"},
        )
        self.assertIsInstance(ok, Execution)
        self.assertEqual((ok.status, ok.output, ok.latency_ms, ok.metadata), ("OK", {"answer": 42}, 120, {"agent": "py"}))
        self.assertLess(abs(ok.started_at - started), timedelta(milliseconds=1))
        self.assertEqual(ok.finished_at - ok.started_at, timedelta(milliseconds=120))
        failed = self.fabric.record_execution(input="x", error="timeout calling the model", latency_ms=900, prompt_key=self.prompt_key, prompt_revision=prompt.revision, id="py-" + uuid.uuid4().hex)
        self.assertEqual((failed.status, failed.error), ("ERROR", "timeout calling the model"))

        user = self.fabric.record_feedback(ok.id, rating=4, comment="ok", corrections={"category": "billing"})
        self.assertEqual((user.rating, user.comment, user.corrections, user.scores), (4, "ok", {"category": "billing"}, []))
        auto = self.fabric.record_feedback(ok.id, scores=[Score(name="auto_score", value=2, max=3), {"name": "parsed", "value": 1, "max": 1}])
        self.assertEqual([s.name for s in auto.scores], ["auto_score", "parsed"])

        got = self.fabric.get_execution(ok.id)
        self.assertEqual((got.execution.id, got.feedback.rating, got.automated_feedback.scores[0].value), (ok.id, 4, 2))
        self.assertIsNone(self.fabric.get_execution("no-such-execution"))

        page = self.fabric.list_executions(prompt_key=self.prompt_key, limit=1)
        self.assertEqual(len(page), 1)
        every = list(self.fabric.list_executions_all(prompt_key=self.prompt_key, page_size=1))
        self.assertEqual({e.id for e in every}, {ok.id, failed.id})
        errors = self.fabric.list_executions(prompt_key=self.prompt_key, status="ERROR")
        self.assertEqual([e.id for e in errors], [failed.id])

        stats = self.fabric.execution_stats(prompt_key=self.prompt_key, since=started - timedelta(minutes=1))
        self.assertEqual((stats.count, stats.error_count, stats.error_rate, stats.latency_max_ms), (2, 1, 0.5, 900))
        self.assertEqual([(g.prompt_key, g.prompt_revision, g.count) for g in stats.by_prompt_revision], [(self.prompt_key, prompt.revision, 2)])
        summary = self.fabric.feedback_summary(prompt_key=self.prompt_key)
        self.assertEqual((summary.executions, summary.rated_count, summary.rating_counts[4], summary.rating_mean), (2, 1, 1, 4))
        self.assertEqual([(s.name, s.mean) for s in summary.scores], [("auto_score", 2), ("parsed", 1)])

        exported = list(self.fabric.export_training_data(prompt_key=self.prompt_key, min_rating=4, has_corrections=True))
        self.assertEqual([(x.execution.id, x.feedback.corrections) for x in exported], [(ok.id, {"category": "billing"})])

        # The generic API sees the same records (the guide's keys and scopes).
        record = self.fabric.get_context(f"execution:{ok.id}", "EXECUTION")
        self.assertEqual(record.value["latency_ms"], 120)

    def test_registry_prompt_versions_and_labels(self) -> None:
        name = f"router:{uuid.uuid4().hex[:8]}"
        for version, label, latency in ((1, "production", 100), (2, "canary", 300)):
            e = self.fabric.record_execution(input=1, output=2, prompt_key=name, prompt_version=version, prompt_label=label, latency_ms=latency)
            self.assertEqual((e.prompt_version, e.prompt_label, e.prompt_revision), (version, label, None))
        stats = self.fabric.execution_stats(prompt_key=name)
        self.assertEqual([(g.prompt_version, g.count) for g in stats.by_prompt_revision], [(1, 1), (2, 1)])
        canary = self.fabric.execution_stats(prompt_key=name, prompt_label="canary")
        self.assertEqual((canary.count, canary.latency_max_ms), (1, 300))
        self.assertEqual(self.fabric.feedback_summary(prompt_key=name, prompt_label="production").executions, 1)

    def test_feedback_errors(self) -> None:
        with self.assertRaises(FabricError) as e:
            self.fabric.record_feedback("never-recorded", rating=5)
        self.assertEqual(e.exception.code, "NOT_FOUND")
        ok = self.fabric.record_execution(input=1, output=2)
        with self.assertRaises(FabricError) as e:
            self.fabric.record_feedback(ok.id, rating=9)
        self.assertEqual(e.exception.code, "INVALID_ARGUMENT")
        with self.assertRaises(FabricError) as e:
            self.fabric.record_feedback(ok.id, rating="five")
        self.assertEqual((e.exception.code, e.exception.message), ("INVALID_ARGUMENT", "feedback.rating: must be an integer"))
        with self.assertRaises(FabricError) as e:
            self.fabric.record_execution(status="MAYBE")
        self.assertEqual(e.exception.message, 'execution.status: must be "OK" or "ERROR"')
        with self.assertRaises(FabricError) as e:
            self.fabric.list_executions(since="not a date")
        self.assertEqual(e.exception.message, "since: must be an ISO-8601 date or time")


if __name__ == "__main__":
    unittest.main()
