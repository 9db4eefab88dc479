"""AsyncFabricClient (grpc.aio) against a live server: the guide's async code as written, errors and
deadlines, watch, pipeline, streams, and a PromptCache driven by the event loop."""

from __future__ import annotations

import asyncio
import unittest
import uuid
from typing import List

from support import FabricServer, LosingProxy, typescript_set

from cache_fabric import AsyncFabricClient, FabricError, PromptCache, SetOperation, WatchRetry

server: FabricServer


def setUpModule() -> None:
    global server
    server = FabricServer().start()


def tearDownModule() -> None:
    server.stop()


async def eventually(predicate, what: str, timeout: float = 60.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


class AsyncClientTest(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self) -> None:
        self.fabric = AsyncFabricClient(server.address, timeout=60)
        self.p = f"a{uuid.uuid4().hex[:8]}:"

    async def asyncTearDown(self) -> None:
        await self.fabric.close()

    async def test_the_guide_quick_start_and_metrics(self) -> None:
        fabric = self.fabric
        await fabric.set_context(
            key=self.p + "router:main:system_message",
            value="You are a helpful assistant",
            scope="GLOBAL",
            metadata={"router_name": "main", "version": "1.0"},
        )
        context = await fabric.get_context(key=self.p + "router:main:system_message", scope="GLOBAL")
        self.assertEqual(context.value if context else "default prompt", "You are a helpful assistant")
        self.assertIsNone(await fabric.get_context(key=self.p + "nothing", scope="GLOBAL"))
        metrics = {
            "context_count": await fabric.count_contexts(),
            "memory_usage_bytes": await fabric.get_memory_usage(),
            "hit_rate": await fabric.get_hit_rate(),
            "avg_latency_ms": await fabric.get_avg_latency(),
        }
        self.assertGreaterEqual(metrics["context_count"], 1)
        self.assertTrue(0 < metrics["hit_rate"] < 1)
        self.assertEqual((await fabric.stats()).total_count, metrics["context_count"])

    async def test_the_guide_pipeline_as_written(self) -> None:
        async with self.fabric.pipeline() as pipe:
            for i in range(1000):
                await pipe.set_context(key=f"{self.p}key:{i}", value={"data": i})
            await pipe.execute()  # single batch operation
        self.assertEqual(len(pipe.result.results), 1000)
        keys = [c.key async for c in self.fabric.query_all(f"{self.p}key:*", page_size=300)]
        self.assertEqual(len(keys), 1000)
        self.assertEqual(keys[0], f"{self.p}key:999")
        page = await self.fabric.query(pattern=f"{self.p}key:*", limit=10)
        self.assertEqual(len(page), 10)
        result = await self.fabric.batch([SetOperation(key=self.p + "b", value=1)])
        self.assertEqual(result.results[0].value, 1)

    async def test_errors_and_deadlines(self) -> None:
        with self.assertRaises(FabricError) as e:
            await self.fabric.set_context("bad key", 1)
        self.assertEqual(e.exception.code, "INVALID_ARGUMENT")
        with self.assertRaises(FabricError) as e:
            await self.fabric.set_context(self.p + "k", {"x": float("inf")})
        self.assertEqual(e.exception.message, "value.x: numbers must be finite")
        stuck = await asyncio.to_thread(FabricServer("--search", "off").start)
        try:
            async with AsyncFabricClient(stuck.address) as fabric:
                await fabric.set_context("k", 1)
                stuck.pause()
                try:
                    with self.assertRaises(FabricError) as e:
                        await fabric.get_context("k", timeout=0.5)
                    self.assertEqual(e.exception.code, "DEADLINE_EXCEEDED")
                finally:
                    stuck.resume()
        finally:
            await asyncio.to_thread(stuck.stop)
        closed = AsyncFabricClient(server.address)
        await closed.close()
        with self.assertRaises(FabricError) as e:
            await closed.get_context("k")
        self.assertEqual(e.exception.code, "FAILED_PRECONDITION")

    async def test_a_write_whose_answer_is_lost_is_retried_and_applies_once(self) -> None:
        proxy = LosingProxy(server.address)
        try:
            async with AsyncFabricClient(proxy.address, timeout=30) as through:
                ctx = await through.set_context(self.p + "lost", "applied once")
            self.assertTrue(proxy.dropped.is_set())
            self.assertEqual((ctx.version, (await self.fabric.get_context(self.p + "lost")).version), (1, 1))
        finally:
            proxy.close()
        proxy = LosingProxy(server.address)
        try:
            async with AsyncFabricClient(proxy.address, retry=False) as through:
                with self.assertRaises(FabricError) as e:
                    await through.set_context(self.p + "maybe", 1)
            self.assertEqual(e.exception.code, "UNAVAILABLE")
        finally:
            proxy.close()

    async def test_search_executions_and_streams(self) -> None:
        await self.fabric.set_context(self.p + "prompt", "You are a helpful assistant focused on Python", metadata={"t": self.p})
        hits = await self.fabric.search("Python programming help", metadata={"t": self.p}, wait_for_index=True)
        self.assertEqual(hits[0].key, self.p + "prompt")
        self.assertEqual((await self.fabric.search_status()).dimension, 512)
        execution = await self.fabric.record_execution(input={"q": 1}, output={"a": 2}, prompt_key=self.p + "prompt")
        await self.fabric.record_feedback(execution.id, rating=5, corrections={"a": 3})
        got = await self.fabric.get_execution(execution.id)
        self.assertEqual(got.feedback.rating, 5)
        exported = [x async for x in self.fabric.export_training_data(prompt_key=self.p + "prompt", has_corrections=True)]
        self.assertEqual([x.execution.id for x in exported], [execution.id])
        self.assertEqual((await self.fabric.execution_stats(prompt_key=self.p + "prompt")).count, 1)
        self.assertEqual((await self.fabric.feedback_summary(prompt_key=self.p + "prompt")).rating_counts[5], 1)
        self.assertEqual(len(await self.fabric.list_executions(prompt_key=self.p + "prompt")), 1)
        self.assertEqual([e.id async for e in self.fabric.list_executions_all(prompt_key=self.p + "prompt")], [execution.id])
        progress = [p async for p in self.fabric.reindex()]
        self.assertEqual(progress[-1].done, progress[-1].total)
        self.assertEqual((await self.fabric.cleanup(before="2000-01-01")).deleted, 0)

    async def test_watch_resume_and_close(self) -> None:
        messages: List = []
        watch = self.fabric.watch(prefix=self.p, prev_context=True, resume=WatchRetry(initial_delay=0.05))

        async def consume() -> str:
            async for m in watch:
                messages.append(m)
            return "ended"

        task = asyncio.create_task(consume())
        await eventually(lambda: [m.kind for m in messages] == ["created"], "created")
        await self.fabric.set_context(self.p + "a", 1)
        await self.fabric.set_context(self.p + "a", 2)
        await eventually(lambda: len(messages) == 3, "two events")
        self.assertEqual(messages[2].event.prev_context.value, 1)
        watch.close()
        self.assertEqual(await asyncio.wait_for(task, 30), "ended")
        # snapshot, then break out of the loop
        async with self.fabric.watch(prefix=self.p, snapshot=True) as w:
            async for m in w:
                self.assertEqual((m.kind, [c.value for c in m.contexts]), ("reset", [2]))
                break
        # close() of the client ends a waiting watch cleanly
        messages.clear()
        watch = self.fabric.watch(prefix=self.p)
        task = asyncio.create_task(consume())
        await eventually(lambda: [m.kind for m in messages] == ["created"], "created")
        await self.fabric.close()
        self.assertEqual(await asyncio.wait_for(task, 30), "ended")
        async with AsyncFabricClient(server.address) as other:
            with self.assertRaises(FabricError) as e:
                async for _ in other.watch(pattern="[bad"):
                    pass
            self.assertEqual(e.exception.code, "INVALID_ARGUMENT")

    async def test_prompt_cache_in_the_event_loop_sees_typescript(self) -> None:
        key = self.p + "router:main:system_message"
        await self.fabric.set_context(key, "v1")
        changes: List = []
        async with PromptCache(self.fabric, keys=[key], on_change=lambda k, c: changes.append(c and c.value)) as cache:
            await asyncio.wrap_future(cache.ready)
            self.assertEqual(cache.get(key), "v1")
            await asyncio.to_thread(typescript_set, server.address, key, "from TypeScript")
            await eventually(lambda: cache.get(key) == "from TypeScript", "the TypeScript write")
            self.assertEqual(changes, ["v1", "from TypeScript"])


if __name__ == "__main__":
    unittest.main()
