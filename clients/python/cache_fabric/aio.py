"""``AsyncFabricClient``: the fabric over ``grpc.aio``, with the same methods as ``FabricClient``."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any, AsyncIterator, Callable, List, Optional, TypeVar, Union

import grpc
import grpc.aio

from . import _calls as calls
from ._api import FabricMethods
from ._gen.cachefabric.v1 import context_pb2 as cpb
from ._wire import context_from_pb, scope_to_pb
from .client import READ_CONCURRENCY, closed_error, open_channel, stubs_for
from .errors import FabricError
from .pipeline import AsyncPipeline
from .types import Context, WatchRetry
from .watch import AsyncWatchStream, task_cancelled

T = TypeVar("T")


class AsyncFabricClient(FabricMethods):
    """The fabric over gRPC for asyncio code. Every method of :class:`FabricClient` is here as a
    coroutine (``await fabric.set_context(...)``); ``watch``, ``reindex``, ``export_training_data``,
    ``query_all`` and ``list_executions_all`` are async iterators; ``pipeline()`` works with
    ``async with``. Same deadlines, errors and options as :class:`FabricClient`.

    The channel is opened on first use, in the running event loop, so the client may be made outside
    it; use one client per event loop. Arguments as :class:`FabricClient`.

    Example::

        async def main():
            async with AsyncFabricClient() as fabric:
                await fabric.set_context(key="router:main:system_message", value="You are a helpful assistant", scope="GLOBAL")
                ctx = await fabric.get_context(key="router:main:system_message", scope="GLOBAL")
                print(ctx.value if ctx else "default prompt")

        asyncio.run(main())
    """

    def _connect(self) -> None:
        self._channel: Optional[grpc.aio.Channel] = None
        self._stubs: Any = None

    @property
    def channel(self) -> grpc.aio.Channel:
        """The gRPC channel (opened now if it was not), for calls the client does not wrap."""
        self._opened()
        assert self._channel is not None
        return self._channel

    def _opened(self) -> Any:
        """The stubs, on a channel opened at first use (in the running loop)."""
        if self._closed:
            raise closed_error()
        if self._channel is None:
            self._channel = open_channel(self._config, grpc.aio)
            self._stubs = stubs_for(self._channel)
        return self._stubs

    def _method(self, service: str, method: str) -> Any:
        return getattr(self._opened()[service], method)

    async def _unary(self, call: "calls.Unary[T]", timeout: Optional[float]) -> T:
        method = self._method(call.service, call.method)
        # Only a client that retries makes requests safe to resend (generated keys, ids).
        prepare = call.retry if self._config.retry is not None else None
        if prepare is not None:
            prepare(call.request)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._config.deadline(timeout)
        for attempt in itertools.count(1):
            try:
                res = await method(call.request, timeout=max(deadline - loop.time(), 0.001), metadata=self._config.metadata)
                return call.convert(res)
            except grpc.RpcError as e:
                error = FabricError.from_exception(e)
                delay = self._config.retry_delay(error, attempt, deadline - loop.time()) if prepare is not None else None
                if delay is None or self._closed:
                    raise error from e
            except asyncio.CancelledError:
                # grpc.aio cancels calls in flight when the channel closes; the task itself may go on.
                if task_cancelled():
                    raise
                raise FabricError("CANCELLED", "the client was closed during the call") from None
            await asyncio.sleep(delay)
        raise AssertionError("unreachable")

    def _stream(self, call: "calls.Stream[T]", timeout: Optional[float]) -> AsyncIterator[T]:
        deadline = None if timeout is None else self._config.deadline(timeout)
        return self._iterate(call, deadline)

    async def _iterate(self, call: "calls.Stream[T]", deadline: Optional[float]) -> AsyncIterator[T]:
        rpc = self._streams.add(self._method(call.service, call.method)(call.request, timeout=deadline, metadata=self._config.metadata))
        try:
            async for res in rpc:
                for item in call.convert(res):
                    yield item
        except grpc.RpcError as e:
            raise FabricError.from_exception(e) from e
        except asyncio.CancelledError:
            # close() cancelled the stream: CANCELLED, so a cut-off export is never mistaken for a
            # complete one. A cancelled task keeps its CancelledError.
            if task_cancelled():
                raise
            raise FabricError("CANCELLED", "the client was closed during the stream") from None
        finally:
            rpc.cancel()

    async def _pages(self, page: Callable[[Optional[str]], "calls.Unary"], timeout: Optional[float]) -> AsyncIterator[Any]:
        token: Optional[str] = None
        while True:
            result = await self._unary(page(token), timeout)
            for item in result:
                yield item
            token = result.next_page_token
            if not token:
                return

    def _watch(
        self, spec: "calls.WatchSpec", start_revision: int, store_id: Optional[str], snapshot: bool, resume: Union[bool, WatchRetry]
    ) -> AsyncWatchStream:
        return AsyncWatchStream(self, spec, start_revision, store_id, snapshot, resume)

    def _pipeline(self) -> AsyncPipeline:
        return AsyncPipeline(self.batch)

    def _open_watch(self, request: cpb.WatchRequest) -> Any:
        return self._streams.add(self._method(calls.CONTEXT, "Watch")(request, metadata=self._config.metadata))

    async def _read_matching(self, spec: "calls.WatchSpec") -> List[Context]:
        keys = spec.read_keys()
        if keys is None:
            return [c async for c in self.query_all(spec.read_pattern(), spec.scope, page_size=1000)]
        get = self._method(calls.CONTEXT, "GetContext")
        scope = scope_to_pb(spec.scope)
        found: List[Context] = []
        for i in range(0, len(keys), READ_CONCURRENCY):
            results = await asyncio.gather(
                *(
                    get(cpb.GetContextRequest(key=k, scope=scope), timeout=self._config.timeout, metadata=self._config.metadata)
                    for k in keys[i : i + READ_CONCURRENCY]
                )
            )
            found.extend(context_from_pb(r.context) for r in results if r.HasField("context"))
        return found

    async def close(self) -> None:
        """Ends this client's watches (they finish without an error), cancels its other streams and
        closes the channel. Calls after it raise FAILED_PRECONDITION."""
        if self._closed:
            return
        self._closed = True
        self._streams.cancel_all()
        if self._channel is not None:
            await self._channel.close()

    async def __aenter__(self) -> "AsyncFabricClient":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()
