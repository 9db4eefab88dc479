"""watch() against live servers: the raw stream, resuming, resets after compaction, a server restart
under a running watch (Redis, two fabric servers), and how a watch ends."""

from __future__ import annotations

import threading
import unittest
import uuid
from typing import List

from support import FabricServer, RedisServer, eventually

from cache_fabric import FabricClient, FabricError, SetOperation, WatchMessage, WatchRetry

FAST_RETRY = dict(initial_delay=0.05, max_delay=0.5)


class Collector:
    """Iterates a watch on a thread, keeping every message."""

    def __init__(self, watch) -> None:
        self.watch = watch
        self.messages: List[WatchMessage] = []
        self.error: BaseException | None = None
        self.ended = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            for m in self.watch:
                self.messages.append(m)
        except BaseException as e:
            self.error = e
        finally:
            self.ended.set()

    def events(self) -> list:
        return [m.event for m in self.messages if m.kind == "event"]

    def kinds(self) -> List[str]:
        return [m.kind for m in self.messages]

    def stop(self) -> None:
        self.watch.close()
        self.thread.join(30)


class WatchTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.server = FabricServer("--search", "off", "--history-size", "5").start()

    @classmethod
    def tearDownClass(cls) -> None:
        cls.server.stop()

    def setUp(self) -> None:
        self.fabric = FabricClient(self.server.address)
        self.p = f"w{uuid.uuid4().hex[:8]}:"

    def tearDown(self) -> None:
        self.fabric.close()

    def test_raw_stream_created_events_progress(self) -> None:
        c = Collector(self.fabric.watch(prefix=self.p, prev_context=True, progress_interval=0.1, resume=False))
        eventually(lambda: c.kinds()[:1] == ["created"], "created")
        self.fabric.set_context(self.p + "a", 1)
        self.fabric.set_context(self.p + "a", 2)
        self.fabric.delete_context(self.p + "a")
        self.fabric.set_context(self.p + "e", 1, ttl=0.2)
        self.fabric.set_context("elsewhere", 1)  # outside the prefix
        eventually(lambda: len(c.events()) == 5, "five events")
        eventually(lambda: "progress" in c.kinds()[c.kinds().index("event") :], "a progress message on the idle watch")
        c.stop()
        put1, put2, delete, put_e, expire = c.events()
        self.assertEqual([e.type for e in c.events()], ["PUT", "PUT", "DELETE", "PUT", "EXPIRE"])
        self.assertEqual((put1.context.value, put1.prev_context), (1, None))
        self.assertEqual((put2.context.value, put2.prev_context.value), (2, 1))
        self.assertEqual((delete.key, delete.context, delete.prev_context.value), (self.p + "a", None, 2))
        self.assertEqual((expire.key, expire.scope), (self.p + "e", "GLOBAL"))
        revisions = [e.revision for e in c.events()]
        self.assertEqual(revisions, sorted(set(revisions)))
        self.assertIsNone(c.error)

    def test_raw_stream_says_compacted(self) -> None:
        first = self.fabric.set_context(self.p + "c", 0)
        for i in range(10):
            self.fabric.set_context(self.p + "c", i + 1)
        messages = list(self.fabric.watch(prefix=self.p, start_revision=first.revision, resume=False))
        self.assertEqual([m.kind for m in messages], ["created", "compacted"])  # then the stream ends
        self.assertGreater(messages[1].compact_revision, first.revision)
        self.assertGreaterEqual(messages[1].revision, first.revision + 10)

    def test_resume_older_than_history_yields_a_reset_then_events(self) -> None:
        first = self.fabric.set_context(self.p + "k1", "a")
        for i in range(10):
            self.fabric.set_context(self.p + f"k{i % 3}", i)
        c = Collector(self.fabric.watch(prefix=self.p, start_revision=first.revision))
        eventually(lambda: "reset" in c.kinds(), "a reset")
        reset = c.messages[c.kinds().index("reset")]
        self.assertEqual({ctx.key: ctx.value for ctx in reset.contexts}, {self.p + "k0": 9, self.p + "k1": 7, self.p + "k2": 8})
        self.fabric.set_context(self.p + "k1", "after")
        eventually(lambda: len(c.events()) == 1, "the event after the reset")
        self.assertGreater(c.events()[0].revision, reset.revision)
        c.stop()

    def test_snapshot_over_keys_and_over_a_prefix(self) -> None:
        self.fabric.set_context(self.p + "x", "X")
        self.fabric.set_context(self.p + "y", "Y")
        with self.fabric.watch(keys=[self.p + "x", self.p + "missing"], snapshot=True) as w:
            first = next(w)
        self.assertEqual((first.kind, [c.key for c in first.contexts]), ("reset", [self.p + "x"]))
        with self.fabric.watch(prefix=self.p, snapshot=True) as w:
            self.assertEqual(sorted(c.key for c in next(w).contexts), [self.p + "x", self.p + "y"])

    def test_errors_retrying_cannot_fix_are_raised(self) -> None:
        with self.assertRaises(FabricError) as e:
            next(iter(self.fabric.watch(pattern="[unclosed")))
        self.assertEqual(e.exception.code, "INVALID_ARGUMENT")
        with self.assertRaises(FabricError) as e:
            self.fabric.watch(snapshot=True, start_revision=3)
        self.assertEqual(e.exception.code, "INVALID_ARGUMENT")

    def test_close_ends_a_waiting_watch_from_another_thread(self) -> None:
        c = Collector(self.fabric.watch(prefix=self.p))
        eventually(lambda: c.kinds() == ["created"], "created")
        c.watch.close()
        self.assertTrue(c.ended.wait(30))
        self.assertIsNone(c.error)
        # Closing the client ends its watches the same way.
        d = Collector(self.fabric.watch(prefix=self.p))
        eventually(lambda: d.kinds() == ["created"], "created")
        self.fabric.close()
        self.assertTrue(d.ended.wait(30))
        self.assertIsNone(d.error)


class FallingBehindTest(unittest.TestCase):
    def test_a_watcher_ended_with_aborted_resumes_and_loses_nothing(self) -> None:
        with FabricServer("--search", "off", "--watch-queue-size", "5") as server, FabricClient(server.address) as fabric:
            codes: List[str] = []
            w = fabric.watch(prefix="q:", resume=WatchRetry(**FAST_RETRY, on_retry=lambda e, n, d: codes.append(e.code)))
            self.assertEqual(next(w).kind, "created")
            # One batch puts 300 events in the watcher's queue of 5 at once: the server ends it.
            fabric.batch([SetOperation(key=f"q:{i}", value=i) for i in range(300)])
            keys = []
            for m in w:
                if m.kind == "event":
                    keys.append(m.event.key)
                if len(keys) == 300:
                    break
            w.close()
            self.assertIn("ABORTED", codes)
            self.assertEqual(keys, [f"q:{i}" for i in range(300)])


class RestartTest(unittest.TestCase):
    """Two fabric servers over one Redis: the watched one restarts while the other takes writes."""

    def setUp(self) -> None:
        self.redis = RedisServer().start()
        args = ("--store", "redis", "--redis-url", self.redis.url, "--search", "off", "--history-size", "50")
        self.a = FabricServer(*args).start()
        self.b = FabricServer(*args).start()
        self.watcher = FabricClient(self.a.address)
        self.writer = FabricClient(self.b.address)

    def tearDown(self) -> None:
        self.watcher.close()
        self.writer.close()
        self.a.stop()
        self.b.stop()
        self.redis.stop()

    def test_a_watch_survives_a_server_restart_with_no_gap_and_no_duplicate(self) -> None:
        retries: List[str] = []
        c = Collector(self.watcher.watch(prefix="r:", resume=WatchRetry(**FAST_RETRY, on_retry=lambda e, n, d: retries.append(e.code))))
        eventually(lambda: c.kinds() == ["created"], "created")
        self.writer.set_context("r:1", 1)
        eventually(lambda: len(c.events()) == 1, "the first event")
        self.a.stop()
        eventually(lambda: retries, "the watch to notice the server went away")
        self.writer.set_context("r:2", 2)  # while the watched server is down
        self.writer.set_context("r:3", 3)
        self.a.start()
        self.writer.set_context("r:4", 4)
        eventually(lambda: len(c.events()) >= 4, "the events written during and after the restart")
        c.stop()
        self.assertEqual([e.key for e in c.events()], ["r:1", "r:2", "r:3", "r:4"])
        revisions = [e.revision for e in c.events()]
        self.assertEqual(revisions, sorted(set(revisions)))
        self.assertNotIn("reset", c.kinds())
        self.assertIn("progress", c.kinds())  # the resumed stream's first message
        self.assertIsNone(c.error)

    def test_history_compacted_during_the_outage_gives_a_reset(self) -> None:
        c = Collector(self.watcher.watch(prefix="r:", resume=WatchRetry(**FAST_RETRY)))
        eventually(lambda: c.kinds() == ["created"], "created")
        self.writer.set_context("r:gone", 0)
        eventually(lambda: len(c.events()) == 1, "the first event")
        self.a.stop()
        self.writer.delete_context("r:gone")
        for i in range(60):  # more than the 50 changes of history
            self.writer.set_context(f"r:{i % 4}", i)
        self.a.start()
        eventually(lambda: "reset" in c.kinds(), "a reset after the compacted history")
        reset = c.messages[c.kinds().index("reset")]
        self.assertEqual({x.key: x.value for x in reset.contexts}, {"r:0": 56, "r:1": 57, "r:2": 58, "r:3": 59})
        self.writer.set_context("r:0", "live")
        eventually(lambda: c.events()[-1].context is not None and c.events()[-1].context.value == "live", "the live event")
        c.stop()


if __name__ == "__main__":
    unittest.main()
