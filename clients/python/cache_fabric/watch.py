"""A watch that survives its streams (the Python counterpart of client/src/agent/resumable-watch.ts).

It opens raw Watch streams and keeps a resume point, the revision up to which it has delivered every
matching change. When a stream fails with a retryable code or ends, it waits (exponential backoff
from ``initial_delay``, doubling, capped at ``max_delay``, each delay drawn uniformly from its upper
half so that clients cut off together do not return together) and opens a new one with
``start_revision`` = the resume point; the server replays what was missed. The first message of a
resumed stream is passed on as ``progress``: nothing is repeated, nothing skipped.

Revisions mean something only within one store history (the ``store_id`` every message carries), so
it re-reads the same way when the store is not the one it resumes from: the server answers a resume
from another history as compacted, a ``created`` naming another store id is not trusted either, and a
store behind the resume point (OUT_OF_RANGE: it lost changes the watch delivered) is re-read too. A
restarted memory server or a flushed Redis never leaves a watch silently following the wrong history.

When the resume point has left the server's history (``compacted``), and for ``snapshot``, it
re-reads: it opens a live stream, waits for ``created`` (revision R), reads the matching contexts
(all state at or after R), yields ``reset`` with R, then passes on the events after R from the same
stream. Reading after registering is what makes the reset safe: a change made during the read is
both (maybe) in the read and certainly in the stream, never in neither.

``_Resume`` holds that logic without I/O; ``WatchStream`` (threads) and ``AsyncWatchStream``
(asyncio) only drive it.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any, AsyncIterator, Iterator, List, Optional, Union

import grpc

from ._backoff import backoff_delay
from ._calls import WatchSpec
from ._wire import watch_message_from_pb
from .errors import FabricError
from .types import Context, WatchMessage, WatchRetry

#: Failures a new stream can fix: the server went away or restarted (UNAVAILABLE, CANCELLED by a
#: shutdown, INTERNAL for a reset HTTP/2 stream), the watcher fell behind (ABORTED), a limit that frees
#: up (RESOURCE_EXHAUSTED), a deadline. Anything else would fail the same way again and is raised.
RETRYABLE = frozenset({"UNAVAILABLE", "ABORTED", "CANCELLED", "INTERNAL", "RESOURCE_EXHAUSTED", "DEADLINE_EXCEEDED"})


def task_cancelled() -> bool:
    """True when the running task itself is being cancelled, as opposed to one of its gRPC calls
    (grpc.aio raises CancelledError for both)."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


class _Read:
    """Marker: read the matching contexts, then yield ``_Resume.reset(contexts)``."""


class _Compacted:
    """Marker: the stream said its start revision left history; it ends."""


READ, COMPACTED = _Read(), _Compacted()


class _Resume:
    """The state of a resumable watch, fed one message or failure at a time."""

    def __init__(self, spec: WatchSpec, start_revision: int, store_id: Optional[str], snapshot: bool, retry: WatchRetry) -> None:
        if snapshot and start_revision:
            raise FabricError.invalid("snapshot", "cannot be combined with start_revision")
        self.spec = spec
        self.retry = retry
        #: The resume point; None: start live (from the server's current revision).
        self.resume_from: Optional[int] = start_revision or None
        #: The store history the resume point belongs to, once known.
        self.store_id = store_id
        self.need_reset = snapshot
        self.resuming = False
        self.announced = False
        self.failures = 0

    def request(self) -> Any:
        self.resuming = not self.need_reset and self.resume_from is not None
        if self.resuming:
            return self.spec.request(self.resume_from or 0, self.store_id)
        return self.spec.request(0)

    def on_message(self, m: WatchMessage) -> Union[WatchMessage, _Read, _Compacted, None]:
        """What to do with a message: yield it, read then reset, end the stream, or skip it (None)."""
        self.failures = 0
        if m.kind == "compacted":
            return COMPACTED
        if m.kind == "created":
            if self.resuming and self.store_id and m.store_id and m.store_id != self.store_id:
                # Registered in another history than the resume point's: re-read instead.
                return COMPACTED
            self.resume_from = m.revision
            self.store_id = m.store_id or self.store_id
            if self.need_reset:
                return READ
            first = not self.announced
            self.announced = True
            return m if first else WatchMessage(kind="progress", revision=m.revision, store_id=self.store_id)
        if m.kind == "event" and self.resume_from is not None and m.revision <= self.resume_from:
            return None
        self.resume_from = max(self.resume_from or 0, m.revision)
        return m

    def reset(self, contexts: List[Context]) -> WatchMessage:
        self.need_reset = False
        self.announced = True
        return WatchMessage(kind="reset", revision=self.resume_from or 0, contexts=contexts, store_id=self.store_id)

    def on_end(self, compacted: bool) -> None:
        """A stream ended. Compacted: re-read from a live stream right away (nothing failed)."""
        if not compacted:
            raise FabricError("UNAVAILABLE", "watch stream ended")
        self.need_reset = True
        self.resume_from = None

    def on_failure(self, error: FabricError) -> float:
        """The delay before the next stream; raises ``error`` when retrying cannot fix it."""
        if error.code == "OUT_OF_RANGE" and self.resume_from is not None and not self.need_reset:
            # The store is behind what this watch delivered: the changes since are not its history.
            if self.retry.on_retry is not None:
                self.retry.on_retry(error, self.failures + 1, 0.0)
            self.need_reset = True
            self.resume_from = None
            return 0.0
        if error.code not in RETRYABLE:
            raise error
        self.failures += 1
        delay = backoff_delay(self.failures, self.retry.initial_delay, self.retry.max_delay)
        if self.retry.on_retry is not None:
            self.retry.on_retry(error, self.failures, delay)
        return delay


def _retry_of(resume: Union[bool, WatchRetry]) -> WatchRetry:
    return resume if isinstance(resume, WatchRetry) else WatchRetry()


class _WatchBase:
    """What the two streams share: how they start, stop, and open a stream on their client."""

    def __init__(
        self, client: Any, spec: WatchSpec, start_revision: int, store_id: Optional[str], snapshot: bool,
        resume: Union[bool, WatchRetry], stopped: Any,
    ) -> None:
        self._client = client
        self._stopped = stopped
        self._call: Any = None
        if resume is False:
            if snapshot:
                raise FabricError.invalid("snapshot", "needs resume (a raw watch cannot re-read)")
            self._messages = self._raw(spec.request(start_revision, store_id))
        else:
            self._messages = self._resumable(_Resume(spec, start_revision, store_id, snapshot, _retry_of(resume)))

    def _raw(self, request: Any) -> Any:
        raise NotImplementedError

    def _resumable(self, state: _Resume) -> Any:
        raise NotImplementedError

    def close(self) -> None:
        """Ends the watch: the iterator finishes (at once if it is waiting). Safe from any thread for
        a sync watch; from the event loop's thread for an async one."""
        self._stopped.set()
        call = self._call
        if call is not None:
            call.cancel()

    def _done(self) -> bool:
        return self._stopped.is_set() or self._client.closed

    def _open(self, request: Any) -> Any:
        self._call = call = self._client._open_watch(request)
        if self._stopped.is_set():  # close() ran between the check and the open
            call.cancel()
        return call


class WatchStream(_WatchBase, Iterator[WatchMessage]):
    """What ``FabricClient.watch`` returns: an iterator of :class:`WatchMessage`.

    Ends without an error on ``close()`` (callable from any thread), on ``FabricClient.close()``, or
    when used as a context manager and the block exits. Raises :class:`FabricError` for failures
    retrying cannot fix (INVALID_ARGUMENT, PERMISSION_DENIED, ...), or any failure with ``resume=False``.
    """

    def __init__(self, client: Any, spec: WatchSpec, start_revision: int, store_id: Optional[str], snapshot: bool, resume: Union[bool, WatchRetry]) -> None:
        super().__init__(client, spec, start_revision, store_id, snapshot, resume, threading.Event())

    def __iter__(self) -> "WatchStream":
        return self

    def __next__(self) -> WatchMessage:
        return next(self._messages)

    def __enter__(self) -> "WatchStream":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def _raw(self, request: Any) -> Iterator[WatchMessage]:
        call = self._open(request)
        try:
            for res in call:
                yield watch_message_from_pb(res)
        except grpc.RpcError as e:
            if self._done():
                return
            raise FabricError.from_exception(e) from e
        finally:
            call.cancel()

    def _resumable(self, state: _Resume) -> Iterator[WatchMessage]:
        while not self._done():
            call = None
            try:
                call = self._open(state.request())
                compacted = False
                for res in call:
                    action = state.on_message(watch_message_from_pb(res))
                    if action is READ:
                        yield state.reset(self._client._read_matching(state.spec))
                    elif action is COMPACTED:
                        compacted = True
                        break
                    elif action is not None:
                        yield action
                if self._done():
                    return
                state.on_end(compacted)
            except (grpc.RpcError, FabricError) as e:
                if self._done():
                    return
                self._stopped.wait(state.on_failure(FabricError.from_exception(e)))
            finally:
                if call is not None:
                    call.cancel()


class AsyncWatchStream(_WatchBase, AsyncIterator[WatchMessage]):
    """What ``AsyncFabricClient.watch`` returns: an async iterator of :class:`WatchMessage`, with the
    same behaviour as :class:`WatchStream`. End it with ``close()``, ``async with``, cancelling the
    task, or ``AsyncFabricClient.close()``."""

    def __init__(self, client: Any, spec: WatchSpec, start_revision: int, store_id: Optional[str], snapshot: bool, resume: Union[bool, WatchRetry]) -> None:
        super().__init__(client, spec, start_revision, store_id, snapshot, resume, asyncio.Event())

    def __aiter__(self) -> "AsyncWatchStream":
        return self

    async def __anext__(self) -> WatchMessage:
        return await self._messages.__anext__()

    async def aclose(self) -> None:
        self.close()
        await self._messages.aclose()

    async def __aenter__(self) -> "AsyncWatchStream":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.aclose()

    async def _messages_of(self, call: Any) -> AsyncIterator[WatchMessage]:
        """The call's messages. grpc.aio ends a call cancelled locally (close(), a closed channel) with
        CancelledError: unless the consuming task itself is being cancelled, that is a watch that was
        closed (it ends) or a stream that broke (CANCELLED, retried)."""
        try:
            async for res in call:
                yield watch_message_from_pb(res)
        except asyncio.CancelledError:
            if task_cancelled():
                raise
            if not self._done():
                raise FabricError("CANCELLED", "watch stream cancelled") from None

    async def _raw(self, request: Any) -> AsyncIterator[WatchMessage]:
        call = self._open(request)
        try:
            async for m in self._messages_of(call):
                yield m
        except grpc.RpcError as e:
            if self._done():
                return
            raise FabricError.from_exception(e) from e
        finally:
            call.cancel()

    async def _resumable(self, state: _Resume) -> AsyncIterator[WatchMessage]:
        while not self._done():
            call = None
            try:
                call = self._open(state.request())
                compacted = False
                async for m in self._messages_of(call):
                    action = state.on_message(m)
                    if action is READ:
                        yield state.reset(await self._client._read_matching(state.spec))
                    elif action is COMPACTED:
                        compacted = True
                        break
                    elif action is not None:
                        yield action
                if self._done():
                    return
                state.on_end(compacted)
            except (grpc.RpcError, FabricError) as e:
                if self._done():
                    return
                delay = state.on_failure(FabricError.from_exception(e))
                try:
                    await asyncio.wait_for(self._stopped.wait(), delay)
                except asyncio.TimeoutError:
                    pass
            finally:
                if call is not None:
                    call.cancel()
