"""FabricClient against a live fabric server: every context method, errors and their codes, input
checks, deadlines, outages, tokens and TLS."""

from __future__ import annotations

import json
import re
import time
import unittest
import uuid
from datetime import datetime, timedelta, timezone

from support import ROOT, FabricServer, Pki, eventually, free_port

from cache_fabric import (
    ERROR_CODES,
    Context,
    DeleteOperation,
    DeleteResult,
    FabricClient,
    FabricError,
    SetOperation,
    TlsConfig,
)

server: FabricServer


def setUpModule() -> None:
    global server
    server = FabricServer("--search", "off").start()


def tearDownModule() -> None:
    server.stop()


class ContextTest(unittest.TestCase):
    def setUp(self) -> None:
        self.fabric = FabricClient(server.address)
        self.p = f"t{uuid.uuid4().hex[:8]}:"  # keys of this test only

    def tearDown(self) -> None:
        self.fabric.close()

    def test_set_get_delete_round_trip_json_values(self) -> None:
        value = {"s": "x", "n": 1, "f": 2.5, "b": True, "z": None, "l": [1, "two", {"three": 3}], "o": {}}
        ctx = self.fabric.set_context(self.p + "k", value, scope="USER", metadata={"user_id": "u1"})
        self.assertIsInstance(ctx, Context)
        self.assertEqual((ctx.key, ctx.scope, ctx.value, ctx.metadata, ctx.version), (self.p + "k", "USER", value, {"user_id": "u1"}, 1))
        self.assertEqual(ctx.create_revision, ctx.revision)
        self.assertIsNotNone(ctx.created_at.tzinfo)
        self.assertIsNone(ctx.expires_at)
        got = self.fabric.get_context(self.p + "k", "USER")
        self.assertEqual(got, ctx)
        self.assertIsInstance(got.value["n"], int)
        self.assertIsInstance(got.value["f"], float)
        # Another scope is another key space; GLOBAL is the default.
        self.assertIsNone(self.fabric.get_context(self.p + "k"))
        again = self.fabric.set_context(self.p + "k", "v2", "user")
        self.assertEqual((again.version, again.create_revision), (2, ctx.revision))
        self.assertGreater(again.revision, ctx.revision)
        deleted = self.fabric.delete_context(self.p + "k", "USER")
        self.assertIsInstance(deleted, DeleteResult)
        self.assertTrue(deleted.deleted)
        self.assertEqual(deleted.previous.value, "v2")
        self.assertIsNone(self.fabric.get_context(self.p + "k", "USER"))
        self.assertFalse(self.fabric.delete_context(self.p + "k", "USER").deleted)

    def test_compare_and_set_and_delete(self) -> None:
        first = self.fabric.set_context(self.p + "cas", 1, if_revision=0)
        with self.assertRaises(FabricError) as e:
            self.fabric.set_context(self.p + "cas", 2, if_revision=0)
        self.assertEqual(e.exception.code, "FAILED_PRECONDITION")
        self.fabric.set_context(self.p + "cas", 3, if_revision=first.revision)
        with self.assertRaises(FabricError) as e:
            self.fabric.delete_context(self.p + "cas", if_revision=first.revision)
        self.assertEqual(e.exception.code, "FAILED_PRECONDITION")
        self.assertEqual(self.fabric.get_context(self.p + "cas").value, 3)

    def test_ttl_as_seconds_or_timedelta(self) -> None:
        now = datetime.now(timezone.utc)
        a = self.fabric.set_context(self.p + "a", 1, ttl=3600)
        b = self.fabric.set_context(self.p + "b", 1, ttl=timedelta(hours=2))
        self.assertAlmostEqual((a.expires_at - now).total_seconds(), 3600, delta=300)
        self.assertAlmostEqual((b.expires_at - now).total_seconds(), 7200, delta=300)
        short = self.fabric.set_context(self.p + "short", 1, ttl=0.3)
        self.assertIsNotNone(short.expires_at)
        eventually(lambda: self.fabric.get_context(self.p + "short") is None, "the 0.3 s TTL to run out")

    def test_query_pages_and_query_all(self) -> None:
        for i in range(5):
            self.fabric.set_context(f"{self.p}q:{i}", {"latency_ms": i}, scope="EXECUTION")
        page = self.fabric.query(pattern=f"{self.p}q:*", scope="EXECUTION", limit=2)
        self.assertEqual(len(page), 2)
        self.assertEqual([c.key for c in page], [f"{self.p}q:4", f"{self.p}q:3"])  # newest first
        self.assertIsNotNone(page.next_page_token)
        self.assertGreaterEqual(page.revision, page[0].revision)
        rest = self.fabric.query(pattern=f"{self.p}q:*", scope="EXECUTION", limit=2, page_token=page.next_page_token)
        self.assertEqual([c.key for c in rest], [f"{self.p}q:2", f"{self.p}q:1"])
        every = [c.key for c in self.fabric.query_all(f"{self.p}q:*", "EXECUTION", page_size=2)]
        self.assertEqual(every, [f"{self.p}q:{i}" for i in range(4, -1, -1)])
        # The guide's metrics code, as written, over a page.
        executions = self.fabric.query(pattern=f"{self.p}q:*", scope="EXECUTION", limit=10)
        total = len(executions)
        avg = sum(e.value.get("latency_ms", 0) for e in executions) / total if total > 0 else 0
        self.assertEqual((total, avg), (5, 2))
        self.assertIsNone(executions.next_page_token)

    def test_batch_and_pipeline_are_atomic(self) -> None:
        result = self.fabric.batch([SetOperation(key=self.p + "x", value=1), SetOperation(key=self.p + "y", value=2), DeleteOperation(key=self.p + "x")])
        self.assertEqual([type(r).__name__ for r in result.results], ["Context", "Context", "DeleteResult"])
        self.assertTrue(result.results[2].deleted)
        self.assertEqual(result.revision, result.results[2].revision)
        # All or nothing: the bad key of operation 1 refuses the whole batch.
        with self.assertRaises(FabricError) as e:
            self.fabric.batch([SetOperation(key=self.p + "z", value=1), SetOperation(key="bad key", value=1)])
        self.assertEqual(e.exception.code, "INVALID_ARGUMENT")
        self.assertIn("operations[1]", e.exception.message)
        self.assertIsNone(self.fabric.get_context(self.p + "z"))

        with self.fabric.pipeline() as pipe:
            for i in range(100):
                pipe.set_context(f"{self.p}p:{i}", {"data": i})
            self.assertEqual(len(pipe), 100)
        self.assertEqual(len(pipe.result.results), 100)
        self.assertEqual(len(list(self.fabric.query_all(f"{self.p}p:*"))), 100)
        # A block that raises sends nothing.
        with self.assertRaises(RuntimeError):
            with self.fabric.pipeline() as pipe:
                pipe.set_context(self.p + "never", 1)
                raise RuntimeError("abandon")
        self.assertIsNone(self.fabric.get_context(self.p + "never"))
        chained = self.fabric.pipeline().set_context(self.p + "c", 1).delete_context(self.p + "c").execute()
        self.assertEqual(len(chained.results), 2)

    def test_stats_and_the_guide_monitoring_figures(self) -> None:
        self.fabric.set_context(self.p + "s", 1, scope="FEEDBACK")
        self.fabric.get_context(self.p + "s", "FEEDBACK")
        self.fabric.get_context(self.p + "missing")
        stats = self.fabric.stats()
        self.assertEqual(set(stats.counts), {"GLOBAL", "EXECUTION", "FEEDBACK", "USER"})
        self.assertEqual(stats.total_count, sum(stats.counts.values()))
        self.assertGreaterEqual(stats.hits, 1)
        self.assertGreaterEqual(stats.misses, 1)
        self.assertGreaterEqual(self.fabric.count_contexts("FEEDBACK"), 1)
        self.assertGreaterEqual(self.fabric.count_contexts(), self.fabric.count_contexts("feedback"))
        self.assertGreater(self.fabric.get_memory_usage(), 0)
        self.assertTrue(0 < self.fabric.get_hit_rate() < 1)
        self.assertGreater(self.fabric.get_avg_latency(), 0)

    def test_cleanup_before_an_instant(self) -> None:
        self.fabric.set_context(self.p + "old", 1, scope="EXECUTION")
        cut = datetime.now(timezone.utc) + timedelta(seconds=1)
        self.assertEqual(self.fabric.cleanup(before_timestamp="2024-01-01", scope="EXECUTION", pattern=self.p + "*").deleted, 0)
        result = self.fabric.cleanup(cut, "EXECUTION", self.p + "*")
        self.assertEqual(result.deleted, 1)
        self.assertIsNone(self.fabric.get_context(self.p + "old", "EXECUTION"))
        with self.assertRaises(FabricError) as e:
            self.fabric.cleanup()
        self.assertEqual((e.exception.code, e.exception.message), ("INVALID_ARGUMENT", "before: is required"))


class InputTest(unittest.TestCase):
    """Bad input is INVALID_ARGUMENT naming the field and the rule, and nothing is written."""

    def setUp(self) -> None:
        self.fabric = FabricClient(server.address)

    def tearDown(self) -> None:
        self.fabric.close()

    def assertInvalid(self, field: str, call) -> FabricError:
        before = self.fabric.stats().revision
        with self.assertRaises(FabricError) as e:
            call()
        self.assertEqual(e.exception.code, "INVALID_ARGUMENT", e.exception)
        self.assertTrue(e.exception.message.startswith(field + ":"), e.exception.message)
        self.assertEqual(self.fabric.stats().revision, before, "nothing is written")
        return e.exception

    def test_refused_by_the_client(self) -> None:
        f = self.fabric
        self.assertInvalid("key", lambda: f.set_context(5, 1))
        self.assertInvalid("value", lambda: f.set_context("k", object()))
        self.assertInvalid("value.a", lambda: f.set_context("k", {"a": float("nan")}))
        self.assertInvalid("value[1]", lambda: f.set_context("k", [1, 2**60]))
        self.assertInvalid("value", lambda: f.set_context("k", {1: "int key"}))
        self.assertInvalid("value.when", lambda: f.set_context("k", {"when": datetime.now()}))
        loop: list = []
        loop.append(loop)
        self.assertInvalid("value", lambda: f.set_context("k", loop))
        self.assertInvalid("scope", lambda: f.set_context("k", 1, scope="PLANET"))
        self.assertInvalid("metadata.a", lambda: f.set_context("k", 1, metadata={"a": 1}))
        self.assertInvalid("ttl", lambda: f.set_context("k", 1, ttl="1h"))
        self.assertInvalid("if_revision", lambda: f.set_context("k", 1, if_revision=True))
        self.assertInvalid("limit", lambda: f.query(limit=2**40))
        self.assertInvalid("before", lambda: f.cleanup("yesterday"))
        self.assertInvalid("timeout", lambda: f.get_context("k", timeout=-1))
        self.assertInvalid("key, prefix", lambda: f.watch(key="a", prefix="b"))
        self.assertInvalid("operations[0]", lambda: f.batch([{"key": "k"}]))

    def test_refused_by_the_server(self) -> None:
        f = self.fabric
        e = self.assertInvalid("key", lambda: f.set_context("bad key", 1))
        self.assertIn("may contain only", e.message)
        self.assertInvalid("key", lambda: f.set_context("", 1))
        self.assertInvalid("ttl", lambda: f.set_context("k", 1, ttl=-5))
        self.assertInvalid("pattern", lambda: f.query(pattern="[abc"))
        self.assertInvalid("limit", lambda: f.query(limit=5000))
        self.assertInvalid("value", lambda: f.set_context("k", {"a": "x" * (2 * 1024 * 1024)}))

    def test_a_request_over_the_message_limit_is_resource_exhausted(self) -> None:
        before = self.fabric.stats().revision
        with self.assertRaises(FabricError) as e:
            self.fabric.batch([SetOperation(key=f"big:{i}", value="x" * 1000) for i in range(20_000)])
        self.assertEqual(e.exception.code, "RESOURCE_EXHAUSTED")
        self.assertEqual(self.fabric.stats().revision, before)

    def test_error_codes_are_the_typescript_clients(self) -> None:
        source = (ROOT / "client/src/api/errors.ts").read_text()
        block = re.search(r"ERROR_CODES = \[(.*?)\] as const", source, re.S).group(1)
        self.assertEqual(ERROR_CODES, tuple(re.findall(r'"([A-Z_]+)"', block)))
        with self.assertRaises(ValueError):
            FabricError("NOT_A_CODE", "x")


class DeadlineTest(unittest.TestCase):
    def test_a_server_that_stops_answering_gets_deadline_exceeded(self) -> None:
        with FabricServer("--search", "off") as stuck, FabricClient(stuck.address, timeout=30) as fabric:
            fabric.set_context("k", 1)  # connected
            stuck.pause()
            try:
                with self.assertRaises(FabricError) as e:
                    fabric.get_context("k", timeout=0.5)  # the call's own deadline wins
                self.assertEqual(e.exception.code, "DEADLINE_EXCEEDED")
            finally:
                stuck.resume()
            self.assertEqual(fabric.get_context("k").value, 1)
        with FabricServer("--search", "off") as stuck, FabricClient(stuck.address, timeout=0.5) as fabric:
            fabric.set_context("k", 1)
            stuck.pause()
            try:
                with self.assertRaises(FabricError) as e:
                    fabric.get_context("k")  # the client's default
                self.assertEqual(e.exception.code, "DEADLINE_EXCEEDED")
            finally:
                stuck.resume()

    def test_no_server_is_unavailable_not_a_hang(self) -> None:
        with FabricClient(f"127.0.0.1:{free_port()}", timeout=60) as fabric:
            started = time.monotonic()
            with self.assertRaises(FabricError) as e:
                fabric.get_context("k")
            self.assertEqual(e.exception.code, "UNAVAILABLE")
            # A bound on a hang, not a speed figure: far under the 60 s deadline.
            self.assertLess(time.monotonic() - started, 30)

    def test_closed_client(self) -> None:
        fabric = FabricClient(server.address)
        fabric.close()
        fabric.close()
        with self.assertRaises(FabricError) as e:
            fabric.get_context("k")
        self.assertEqual(e.exception.code, "FAILED_PRECONDITION")


class AuthTest(unittest.TestCase):
    TOKEN = "py-agent-token-0123456789"
    READER = "py-reader-token-0123456789"

    @classmethod
    def setUpClass(cls) -> None:
        tokens = {
            "tokens": [
                {"name": "py-agent", "token": cls.TOKEN, "grants": [{"scope": "*", "access": "read-write"}]},
                {"name": "py-reader", "token": cls.READER, "grants": [{"scope": "GLOBAL", "access": "read"}]},
            ]
        }
        cls.server = FabricServer("--search", "off", env={"FABRIC_AUTH_TOKENS": json.dumps(tokens)}).start()

    @classmethod
    def tearDownClass(cls) -> None:
        cls.server.stop()

    def test_tokens(self) -> None:
        with FabricClient(self.server.address) as anonymous:
            with self.assertRaises(FabricError) as e:
                anonymous.get_context("k")
            self.assertEqual(e.exception.code, "UNAUTHENTICATED")
        with FabricClient(self.server.address, token=self.TOKEN) as agent:
            self.assertEqual(agent.set_context("k", "v").value, "v")
        with FabricClient(self.server.address, token=self.READER) as reader:
            self.assertEqual(reader.get_context("k").value, "v")
            with self.assertRaises(FabricError) as e:
                reader.set_context("k", "w")
            self.assertEqual(e.exception.code, "PERMISSION_DENIED")

    def test_a_token_that_cannot_be_a_header_is_refused_at_once(self) -> None:
        for token in ("two\nlines", "héllo", "with space"):
            with self.assertRaises(FabricError) as e:
                FabricClient(self.server.address, token=token)
            self.assertEqual(e.exception.code, "INVALID_ARGUMENT")
            self.assertTrue(e.exception.message.startswith("token:"))

    def test_address_and_token_from_the_environment(self) -> None:
        import os

        saved = {k: os.environ.get(k) for k in ("FABRIC_ADDRESS", "FABRIC_TOKEN")}
        os.environ.update(FABRIC_ADDRESS=self.server.address, FABRIC_TOKEN=self.TOKEN)
        try:
            with FabricClient() as fabric:
                self.assertEqual(fabric.address, self.server.address)
                fabric.set_context("env", 1)
        finally:
            for k, v in saved.items():
                os.environ.pop(k, None) if v is None else os.environ.__setitem__(k, v)


class TlsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.pki = Pki()

    @classmethod
    def tearDownClass(cls) -> None:
        cls.pki.remove()

    def test_tls_and_mutual_tls(self) -> None:
        pki = self.pki
        tls_env = {"FABRIC_TLS_CERT_FILE": pki.path("server.pem"), "FABRIC_TLS_KEY_FILE": pki.path("server-key.pem")}
        with FabricServer("--search", "off", env=tls_env) as tls:
            with FabricClient(tls.address, tls=TlsConfig.from_files(ca=pki.path("ca.pem"))) as fabric:
                self.assertEqual(fabric.set_context("tls", "over TLS").value, "over TLS")
            with FabricClient(tls.address, timeout=10) as plaintext:
                with self.assertRaises(FabricError) as e:
                    plaintext.get_context("tls")
                self.assertEqual(e.exception.code, "UNAVAILABLE")
        mtls_env = {**tls_env, "FABRIC_TLS_CLIENT_CA_FILE": pki.path("ca.pem")}
        with FabricServer("--search", "off", env=mtls_env) as mtls:
            with open(pki.path("ca.pem"), "rb") as ca:
                no_cert = TlsConfig(ca=ca.read())
            with FabricClient(mtls.address, tls=no_cert, timeout=10) as fabric:
                with self.assertRaises(FabricError) as e:
                    fabric.get_context("x")
                self.assertEqual(e.exception.code, "UNAVAILABLE")
            cert = TlsConfig.from_files(ca=pki.path("ca.pem"), cert=pki.path("client.pem"), key=pki.path("client-key.pem"))
            with FabricClient(mtls.address, tls=cert) as fabric:
                self.assertEqual(fabric.set_context("mtls", 1).value, 1)
        with self.assertRaises(FabricError):
            FabricClient("127.0.0.1:1", tls=TlsConfig(cert=b"only a cert"))


if __name__ == "__main__":
    unittest.main()
