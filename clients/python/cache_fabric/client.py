"""``FabricClient``: the fabric over gRPC, synchronous (threads). ``AsyncFabricClient`` in
``cache_fabric.aio`` has the same methods as coroutines."""

from __future__ import annotations

import itertools
import threading
import time
from concurrent.futures import Future
from typing import Any, Callable, Dict, Iterator, List, Optional, TypeVar, Union

import grpc

from . import _calls as calls
from ._api import FabricMethods
from ._channel import ChannelConfig
from ._gen.cachefabric.v1 import context_pb2 as cpb
from ._gen.cachefabric.v1 import context_pb2_grpc, execution_pb2_grpc, prompt_pb2_grpc, search_pb2_grpc
from ._prompt_wire import PROMPT
from ._wire import context_from_pb, scope_to_pb
from .errors import FabricError
from .pipeline import Pipeline
from .types import Context, WatchRetry
from .watch import WatchStream

T = TypeVar("T")

#: Keys read at once for a watch's reset over exact keys.
READ_CONCURRENCY = 16


def stubs_for(channel: Any) -> Dict[str, Any]:
    """The generated stubs of the four fabric services on one channel (sync or aio)."""
    return {
        calls.CONTEXT: context_pb2_grpc.ContextServiceStub(channel),
        calls.SEARCH: search_pb2_grpc.SearchServiceStub(channel),
        calls.EXECUTION: execution_pb2_grpc.ExecutionServiceStub(channel),
        PROMPT: prompt_pb2_grpc.PromptServiceStub(channel),
    }


def open_channel(config: ChannelConfig, module: Any) -> Any:
    """A channel from ``grpc`` or ``grpc.aio`` (same call shapes)."""
    if config.credentials is None:
        return module.insecure_channel(config.address, options=config.options)
    return module.secure_channel(config.address, config.credentials, options=config.options)


def closed_error() -> FabricError:
    return FabricError("FAILED_PRECONDITION", "the client is closed")


class FabricClient(FabricMethods):
    """The fabric over gRPC, for threaded code: the guide's methods with Python names.

    Every unary call has a deadline (``timeout`` seconds, default 5, per call or per client); every
    failure raises :class:`FabricError` whose ``code`` is the gRPC status name. Safe to share between
    threads. Unset ``address`` and ``token`` come from ``FABRIC_ADDRESS`` and ``FABRIC_TOKEN``
    (else 127.0.0.1:50051, no token).

    Example::

        with FabricClient("127.0.0.1:50051") as fabric:
            fabric.set_context("router:main:system_message", "You are a helpful assistant", scope="GLOBAL")
            ctx = fabric.get_context("router:main:system_message", scope="GLOBAL")
            print(ctx.value if ctx else "default prompt")

    Arguments: ``address``, ``token``, ``timeout``, ``tls``, ``credentials``, ``channel_options``
    (see ``__init__``).
    """

    def _connect(self) -> None:
        #: The gRPC channel, for calls the client does not wrap (stubs: ``cache_fabric.stubs``).
        self.channel = open_channel(self._config, grpc)
        self._stubs = stubs_for(self.channel)
        self._lock = threading.Lock()

    def _method(self, service: str, method: str) -> Any:
        if self._closed:
            raise closed_error()
        return getattr(self._stubs[service], method)

    def _unary(self, call: "calls.Unary[T]", timeout: Optional[float]) -> T:
        method = self._method(call.service, call.method)
        # Only a client that retries makes requests safe to resend (generated keys, ids).
        prepare = call.retry if self._config.retry is not None else None
        if prepare is not None:
            prepare(call.request)
        # One deadline for the call, whatever the number of attempts.
        deadline = time.monotonic() + self._config.deadline(timeout)
        for attempt in itertools.count(1):
            try:
                res = method(call.request, timeout=max(deadline - time.monotonic(), 0.001), metadata=self._config.metadata)
                return call.convert(res)
            except grpc.RpcError as e:
                error = FabricError.from_exception(e)
                delay = self._config.retry_delay(error, attempt, deadline - time.monotonic()) if prepare is not None else None
                if delay is None or self._closed:
                    raise error from e
            except ValueError as e:
                raise self._refused(e) from e
            time.sleep(delay)
        raise AssertionError("unreachable")

    def _open_stream(self, service: str, method: str, request: Any, timeout: Optional[float]) -> Any:
        """A server stream, registered so ``close()`` can cancel it."""
        stub_method = self._method(service, method)
        try:
            return self._streams.add(stub_method(request, timeout=timeout, metadata=self._config.metadata))
        except ValueError as e:
            raise self._refused(e) from e

    def _refused(self, error: ValueError) -> FabricError:
        """grpc raises ValueError for a call it will not start: on a channel closed meanwhile, or a bug."""
        return closed_error() if self._closed else FabricError("INTERNAL", f"the call could not be started: {error}")

    def _stream(self, call: "calls.Stream[T]", timeout: Optional[float]) -> Iterator[T]:
        # Streams carry no deadline unless the call gives one.
        deadline = None if timeout is None else self._config.deadline(timeout)
        return self._iterate(call, deadline)

    def _iterate(self, call: "calls.Stream[T]", deadline: Optional[float]) -> Iterator[T]:
        rpc = self._open_stream(call.service, call.method, call.request, deadline)
        try:
            for res in rpc:
                yield from call.convert(res)
        except grpc.RpcError as e:
            raise FabricError.from_exception(e) from e
        finally:
            rpc.cancel()

    def _pages(self, page: Callable[[Optional[str]], "calls.Unary"], timeout: Optional[float]) -> Iterator[Any]:
        token: Optional[str] = None
        while True:
            result = self._unary(page(token), timeout)
            yield from result
            token = result.next_page_token
            if not token:
                return

    def _watch(
        self, spec: "calls.WatchSpec", start_revision: int, store_id: Optional[str], snapshot: bool, resume: Union[bool, WatchRetry]
    ) -> WatchStream:
        return WatchStream(self, spec, start_revision, store_id, snapshot, resume)

    def _pipeline(self) -> Pipeline:
        return Pipeline(self.batch)

    def _open_watch(self, request: cpb.WatchRequest) -> Any:
        return self._open_stream(calls.CONTEXT, "Watch", request, None)

    def _read_matching(self, spec: "calls.WatchSpec") -> List[Context]:
        """Every context a watch matches, for its reset: GetContext per exact key, else Query pages."""
        keys = spec.read_keys()
        if keys is None:
            return list(self.query_all(spec.read_pattern(), spec.scope, page_size=1000))
        get = self._method(calls.CONTEXT, "GetContext")
        scope = scope_to_pb(spec.scope)
        found: List[Context] = []
        for i in range(0, len(keys), READ_CONCURRENCY):
            futures: List[Future] = [
                get.future(cpb.GetContextRequest(key=k, scope=scope), timeout=self._config.timeout, metadata=self._config.metadata)
                for k in keys[i : i + READ_CONCURRENCY]
            ]
            for f in futures:
                res = f.result()
                if res.HasField("context"):
                    found.append(context_from_pb(res.context))
        return found

    def close(self) -> None:
        """Ends this client's watches (they finish without an error), cancels its other streams
        (CANCELLED) and closes the channel. Calls after it raise FAILED_PRECONDITION."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._streams.cancel_all()
        self.channel.close()

    def __enter__(self) -> "FabricClient":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
