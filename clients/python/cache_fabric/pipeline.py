"""The guide's ``pipeline()``: writes collected locally and sent as one atomic Batch."""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Dict, Generator, List, Optional

from .types import BatchOperation, BatchResult, DeleteOperation, JsonValue, SetOperation


class _Queue:
    """The operations both pipelines collect; queuing checks nothing (the batch call does)."""

    def __init__(self) -> None:
        self._operations: List[BatchOperation] = []

    def set_context(
        self,
        key: str,
        value: JsonValue,
        scope: Optional[str] = None,
        *,
        metadata: Optional[Dict[str, str]] = None,
        ttl: Any = None,
        if_revision: Optional[int] = None,
    ) -> Any:
        """Queues a set (the arguments of ``set_context``); returns the pipeline, for chaining."""
        self._operations.append(SetOperation(key=key, value=value, scope=scope, metadata=metadata, ttl=ttl, if_revision=if_revision))
        return self

    def delete_context(self, key: str, scope: Optional[str] = None, *, if_revision: Optional[int] = None) -> Any:
        """Queues a delete; returns the pipeline, for chaining."""
        self._operations.append(DeleteOperation(key=key, scope=scope, if_revision=if_revision))
        return self

    def __len__(self) -> int:
        """Number of queued operations."""
        return len(self._operations)

    def _take(self) -> List[BatchOperation]:
        operations, self._operations = self._operations, []
        return operations


class Pipeline(_Queue):
    """Collects writes and sends them as one atomic batch (all or nothing).

    As a context manager it executes on leaving the block, unless the block raised (then nothing is
    sent)::

        with fabric.pipeline() as pipe:
            for i in range(1000):
                pipe.set_context(f"key:{i}", {"data": i})
    """

    def __init__(self, send: Callable[..., BatchResult]) -> None:
        super().__init__()
        self._send = send
        #: The result of the last ``execute()``, None before one.
        self.result: Optional[BatchResult] = None

    def execute(self, **options: Any) -> BatchResult:
        """Sends every queued operation in one call, atomically, then empties the pipeline.
        ``options``: those of ``batch`` (``idempotency_key``, ``return_values``, ``timeout``)."""
        self.result = self._send(self._take(), **options)
        return self.result

    def __enter__(self) -> "Pipeline":
        return self

    def __exit__(self, exc_type: Any, *exc: Any) -> None:
        if exc_type is None and len(self):
            self.execute()


class AsyncPipeline(_Queue):
    """The pipeline of :class:`AsyncFabricClient`. Queuing is local and immediate; ``await`` on it is
    accepted, so the guide's ``await pipe.set_context(...)`` works as written::

        async with fabric.pipeline() as pipe:
            for i in range(1000):
                await pipe.set_context(key=f"key:{i}", value={"data": i})
            await pipe.execute()
    """

    def __init__(self, send: Callable[..., Awaitable[BatchResult]]) -> None:
        super().__init__()
        self._send = send
        self.result: Optional[BatchResult] = None

    def __await__(self) -> Generator[Any, None, "AsyncPipeline"]:
        # Awaiting the pipeline (what set_context returns) completes at once with the pipeline.
        return self
        yield  # pragma: no cover - makes this a generator

    async def execute(self, **options: Any) -> BatchResult:
        """Sends every queued operation in one call, atomically, then empties the pipeline."""
        self.result = await self._send(self._take(), **options)
        return self.result

    async def __aenter__(self) -> "AsyncPipeline":
        return self

    async def __aexit__(self, exc_type: Any, *exc: Any) -> None:
        if exc_type is None and len(self):
            await self.execute()
