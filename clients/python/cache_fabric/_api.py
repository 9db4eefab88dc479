"""The guide's methods, written once for both clients.

Each method only describes its call (``cache_fabric._calls``) and hands it to the client's transport:
``FabricClient`` runs it and returns the result, ``AsyncFabricClient`` returns a coroutine of the same
result (as redis-py shares its command methods between its sync and asyncio clients). Annotations
show the synchronous results; on ``AsyncFabricClient`` every method returns an awaitable of them, and
``watch``, ``reindex``, ``export_training_data``, ``query_all`` and ``list_executions_all`` async
iterators.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Sequence, Union

import grpc

from . import _calls as calls
from ._wire import text
from ._channel import DEFAULT_TIMEOUT, OpenCalls, TlsConfig, channel_config
from ._prompts_api import PromptMethods
from .pipeline import Pipeline
from .types import (
    BatchOperation,
    CallRetry,
    BatchResult,
    CleanupResult,
    Context,
    DeleteResult,
    Execution,
    ExecutionPage,
    ExecutionStats,
    ExecutionWithFeedback,
    FabricStats,
    Feedback,
    FeedbackSummary,
    JsonValue,
    QueryPage,
    ReindexProgress,
    SearchResult,
    SearchStatus,
    WatchRetry,
)
from .watch import WatchStream


class FabricMethods:
    """The fabric's API and how a client is configured; a client supplies ``_connect``, ``_unary``,
    ``_stream``, ``_pages``, ``_watch`` and ``_pipeline``."""

    def __init__(
        self,
        address: Optional[str] = None,
        *,
        token: Optional[str] = None,
        timeout: float = DEFAULT_TIMEOUT,
        tls: Union[None, bool, TlsConfig] = None,
        credentials: Optional[grpc.ChannelCredentials] = None,
        channel_options: Optional[Mapping[str, Any]] = None,
        retry: Union[bool, CallRetry] = True,
    ) -> None:
        """
        :param address: host:port; unset: ``FABRIC_ADDRESS``, else 127.0.0.1:50051.
        :param token: sent as ``authorization: Bearer <token>`` on every call; unset: ``FABRIC_TOKEN``.
        :param timeout: default deadline of unary calls, in seconds (default 5).
        :param tls: ``True`` for TLS with the system's roots, or a :class:`TlsConfig` (CA, mutual TLS).
        :param credentials: ``grpc.ChannelCredentials`` of your own; wins over ``tls``.
        :param channel_options: gRPC channel options over :data:`cache_fabric.CHANNEL_DEFAULTS`.
        :param retry: unary calls that fail with UNAVAILABLE are sent again within their deadline
            (:class:`CallRetry`: 3 attempts, backoff from 50 ms to 1 s): reads as they are, writes with
            an idempotency key (the call's own, or one generated per call) so that a retried write
            applies once. ``False``: no retries and no generated keys.
        """
        self._config = channel_config(address, token, tls, credentials, timeout, channel_options, retry)
        #: Open streams, cancelled by close().
        self._streams = OpenCalls()
        self._closed = False
        self._connect()

    @property
    def address(self) -> str:
        return self._config.address

    @property
    def prompts(self) -> PromptMethods:
        """The prompt registry: versions, labels, history, rollouts (:class:`PromptMethods`)."""
        return PromptMethods(self)

    @property
    def closed(self) -> bool:
        return self._closed

    def _connect(self) -> None:
        raise NotImplementedError

    def _unary(self, call: "calls.Unary", timeout: Optional[float]) -> Any:
        raise NotImplementedError

    def _stream(self, call: "calls.Stream", timeout: Optional[float]) -> Any:
        raise NotImplementedError

    def _pages(self, page: Callable[[Optional[str]], "calls.Unary"], timeout: Optional[float]) -> Any:
        raise NotImplementedError

    def _watch(
        self, spec: "calls.WatchSpec", start_revision: int, store_id: Optional[str], snapshot: bool, resume: Union[bool, WatchRetry]
    ) -> Any:
        raise NotImplementedError

    def _pipeline(self) -> Any:
        raise NotImplementedError

    # ---- contexts ----

    def set_context(
        self,
        key: str,
        value: JsonValue,
        scope: Optional[str] = None,
        *,
        metadata: Optional[Dict[str, str]] = None,
        ttl: Any = None,
        if_revision: Optional[int] = None,
        idempotency_key: Optional[str] = None,
        timeout: Optional[float] = None,
    ) -> Context:
        """Stores a context and returns it as stored: its value and metadata (as sent) with the
        revisions and times the server gave it.

        :param value: any JSON value (dict, list, str, int, float, bool, None).
        :param scope: GLOBAL (default), EXECUTION, FEEDBACK or USER.
        :param ttl: time to live: seconds (fractions allowed) or a ``timedelta``; None: no expiry.
        :param if_revision: compare-and-set: write only if the key's revision is this; 0: only if absent
            (else FAILED_PRECONDITION, nothing written).
        :param idempotency_key: 1..128 of letters, digits and ``_ - . : / + =``: the store remembers
            the outcome under it (FABRIC_IDEMPOTENCY_WINDOW_SECONDS), so the same write sent again
            returns that outcome instead of applying twice; the same key with another write is
            INVALID_ARGUMENT. The client generates one when it retries and none is given.
        """
        return self._unary(calls.set_context(key, value, scope, metadata, ttl, if_revision, idempotency_key), timeout)

    def get_context(self, key: str, scope: Optional[str] = None, *, timeout: Optional[float] = None) -> Optional[Context]:
        """The context, or None when there is none (or it expired)."""
        return self._unary(calls.get_context(key, scope), timeout)

    def delete_context(
        self,
        key: str,
        scope: Optional[str] = None,
        *,
        if_revision: Optional[int] = None,
        idempotency_key: Optional[str] = None,
        timeout: Optional[float] = None,
    ) -> DeleteResult:
        """Deletes a context; ``if_revision``: only if its revision is this; ``idempotency_key`` as
        for ``set_context`` (a replayed delete carries no ``previous``)."""
        return self._unary(calls.delete_context(key, scope, if_revision, idempotency_key), timeout)

    def query(
        self,
        pattern: Optional[str] = None,
        scope: Optional[str] = None,
        limit: Optional[int] = None,
        page_token: Optional[str] = None,
        *,
        timeout: Optional[float] = None,
    ) -> QueryPage:
        """One page of the contexts whose keys match a glob (``*``, ``?``, ``[a-z]``, ``\\`` escapes;
        default every key), newest first; ``limit`` 1..1000 (default 100). The page is a sequence of
        contexts with ``next_page_token`` (None on the last page) and ``revision``."""
        return self._unary(calls.query(pattern, scope, limit, page_token), timeout)

    def query_all(
        self, pattern: Optional[str] = None, scope: Optional[str] = None, *, page_size: Optional[int] = None, timeout: Optional[float] = None
    ) -> Iterator[Context]:
        """Every matching context, newest first, reading page after page as you iterate."""
        return self._pages(lambda token: calls.query(pattern, scope, page_size, token), timeout)

    def batch(
        self,
        operations: Sequence[BatchOperation],
        *,
        idempotency_key: Optional[str] = None,
        return_values: bool = False,
        timeout: Optional[float] = None,
    ) -> BatchResult:
        """Applies :class:`SetOperation` and :class:`DeleteOperation` atomically, in order (all or
        none). ``return_values``: deletes carry the ``previous`` context; ``idempotency_key`` as for
        ``set_context``, for the whole batch."""
        return self._unary(calls.batch(operations, idempotency_key, return_values), timeout)

    def pipeline(self) -> Pipeline:
        """Collects writes locally; ``execute()`` (or leaving its ``with`` block) sends them as one batch."""
        return self._pipeline()

    def stats(self, *, timeout: Optional[float] = None) -> FabricStats:
        return self._unary(calls.stats(), timeout)

    def count_contexts(self, scope: Optional[str] = None, *, timeout: Optional[float] = None) -> int:
        """Contexts stored, in one scope or in all."""
        return self._unary(calls.count_contexts(scope), timeout)

    def get_memory_usage(self, *, timeout: Optional[float] = None) -> int:
        """Bytes used by stored contexts (the store's own measure; Redis: used_memory)."""
        return self._unary(calls.stats(lambda s: s.memory_usage_bytes), timeout)

    def get_hit_rate(self, *, timeout: Optional[float] = None) -> float:
        """Fraction of get_context calls that found a context, in [0, 1]."""
        return self._unary(calls.stats(lambda s: s.hit_rate), timeout)

    def get_avg_latency(self, *, timeout: Optional[float] = None) -> float:
        """Mean server-side latency of context operations, in milliseconds."""
        return self._unary(calls.stats(lambda s: s.avg_latency_ms), timeout)

    def cleanup(
        self,
        before: Any = None,
        scope: Optional[str] = None,
        pattern: Optional[str] = None,
        *,
        before_timestamp: Any = None,
        timeout: Optional[float] = None,
    ) -> CleanupResult:
        """Deletes contexts last updated strictly before an instant (``datetime``, ``date``, ISO-8601
        string or epoch seconds; naive means UTC), optionally within a scope and glob.
        ``before_timestamp`` is the guide's name for ``before``."""
        return self._unary(calls.cleanup(before if before is not None else before_timestamp, scope, pattern), timeout)

    def watch(
        self,
        scope: Optional[str] = None,
        *,
        key: Optional[str] = None,
        keys: Optional[Sequence[str]] = None,
        prefix: Optional[str] = None,
        pattern: Optional[str] = None,
        start_revision: Optional[int] = None,
        store_id: Optional[str] = None,
        prev_context: bool = False,
        progress_interval: Any = None,
        snapshot: bool = False,
        resume: Union[bool, WatchRetry] = True,
    ) -> WatchStream:
        """Follows changes in one scope, narrowed by at most one of ``key``, ``keys``, ``prefix``,
        ``pattern``; yields :class:`WatchMessage`\\ s in revision order, none twice, none missing.

        Resumable by default: reconnects with capped, jittered backoff (``WatchRetry``) after the
        last revision delivered, and after a compacted history re-reads and yields a ``reset``.
        ``snapshot=True`` starts with a ``reset`` holding every matching context. ``resume=False``
        gives the server's raw stream. ``progress_interval``: seconds or a ``timedelta``.
        ``start_revision`` with ``store_id`` (a message's, or ``QueryPage.store_id``): resume there
        if the store is still that history, else re-read (a reset).
        """
        spec = calls.WatchSpec.of(
            scope=scope, key=key, keys=keys, prefix=prefix, pattern=pattern, prev_context=prev_context,
            progress_interval=progress_interval,
        )
        store = None if store_id is None else text(store_id, "store_id")
        return self._watch(spec, calls.start_revision(start_revision), store or None, snapshot is True, resume)

    # ---- search ----

    def search(
        self,
        query: str,
        scope: Optional[str] = None,
        limit: Optional[int] = None,
        *,
        min_similarity: Optional[float] = None,
        metadata: Optional[Dict[str, str]] = None,
        wait_for_index: bool = False,
        timeout: Optional[float] = None,
    ) -> List[SearchResult]:
        """Contexts by meaning, most similar first (``result.similarity``, ``result.value``).
        ``wait_for_index``: see every write acknowledged before this call."""
        return self._unary(calls.search(query, scope, limit, min_similarity, metadata, wait_for_index), timeout)

    def reindex(self, *, timeout: Optional[float] = None) -> Iterator[ReindexProgress]:
        """Re-embeds every context of the indexed scopes, yielding progress."""
        return self._stream(calls.reindex(), timeout)

    def search_status(self, *, timeout: Optional[float] = None) -> SearchStatus:
        return self._unary(calls.search_status(), timeout)

    # ---- executions and feedback ----

    def record_execution(
        self,
        *,
        input: JsonValue = None,
        output: JsonValue = None,
        id: Optional[str] = None,
        started_at: Any = None,
        finished_at: Any = None,
        latency_ms: Optional[float] = None,
        status: Optional[str] = None,
        error: Optional[str] = None,
        prompt_key: Optional[str] = None,
        prompt_revision: Optional[int] = None,
        prompt_version: Optional[int] = None,
        prompt_label: Optional[str] = None,
        metadata: Optional[Dict[str, str]] = None,
        ttl: Any = None,
        timeout: Optional[float] = None,
    ) -> Execution:
        """Records an agent execution (``execution:{id}`` in EXECUTION) and returns it as stored: the id
        generated when absent, times, latency and status (ERROR when ``error`` is set) filled in.
        ``prompt_revision``: the prompt context's revision it ran with; or, for a registry prompt,
        ``prompt_version`` and the ``prompt_label`` it was resolved through."""
        return self._unary(
            calls.record_execution(
                id=id, started_at=started_at, finished_at=finished_at, input=input, output=output,
                latency_ms=latency_ms, status=status, error=error, prompt_key=prompt_key,
                prompt_revision=prompt_revision, prompt_version=prompt_version, prompt_label=prompt_label,
                metadata=metadata, ttl=ttl,
            ),
            timeout,
        )

    def record_feedback(
        self,
        execution_id: str,
        *,
        rating: Optional[int] = None,
        comment: Optional[str] = None,
        corrections: JsonValue = None,
        scores: Optional[Sequence[Any]] = None,
        timestamp: Any = None,
        metadata: Optional[Dict[str, str]] = None,
        ttl: Any = None,
        timeout: Optional[float] = None,
    ) -> Feedback:
        """User feedback (rating 1..5, comment, corrections), or automated feedback with ``scores``
        (:class:`Score` or ``{"name", "value", "max"}`` dicts). Replaces earlier feedback of that kind;
        NOT_FOUND for an unknown execution."""
        return self._unary(
            calls.record_feedback(
                execution_id=execution_id, rating=rating, comment=comment, corrections=corrections,
                scores=scores, timestamp=timestamp, metadata=metadata, ttl=ttl,
            ),
            timeout,
        )

    def get_execution(self, id: str, *, timeout: Optional[float] = None) -> Optional[ExecutionWithFeedback]:
        """The execution with its feedback, or None."""
        return self._unary(calls.get_execution(id), timeout)

    def list_executions(
        self,
        *,
        prompt_key: Optional[str] = None,
        status: Optional[str] = None,
        since: Any = None,
        until: Any = None,
        limit: Optional[int] = None,
        page_token: Optional[str] = None,
        timeout: Optional[float] = None,
    ) -> ExecutionPage:
        """Most recently recorded first; ``started_at`` in [since, until). A page may be short even
        when more follow: continue while ``next_page_token`` is set (or use ``list_executions_all``)."""
        return self._unary(
            calls.list_executions(prompt_key=prompt_key, status=status, since=since, until=until, limit=limit, page_token=page_token),
            timeout,
        )

    def list_executions_all(
        self,
        *,
        prompt_key: Optional[str] = None,
        status: Optional[str] = None,
        since: Any = None,
        until: Any = None,
        page_size: Optional[int] = None,
        timeout: Optional[float] = None,
    ) -> Iterator[Execution]:
        """Every matching execution, most recent first, page after page as you iterate."""
        return self._pages(
            lambda token: calls.list_executions(
                prompt_key=prompt_key, status=status, since=since, until=until, limit=page_size, page_token=token
            ),
            timeout,
        )

    def execution_stats(
        self,
        *,
        prompt_key: Optional[str] = None,
        prompt_label: Optional[str] = None,
        since: Any = None,
        until: Any = None,
        timeout: Optional[float] = None,
    ) -> ExecutionStats:
        """Count, error rate, latency avg/p50/p95/p99/max, in total and per prompt revision (or
        registry version); ``prompt_label``: only executions recorded with that label."""
        return self._unary(calls.execution_stats(prompt_key=prompt_key, prompt_label=prompt_label, since=since, until=until), timeout)

    def feedback_summary(
        self,
        *,
        prompt_key: Optional[str] = None,
        prompt_label: Optional[str] = None,
        since: Any = None,
        until: Any = None,
        timeout: Optional[float] = None,
    ) -> FeedbackSummary:
        """Rating distribution and mean, automated score means, in total and per prompt revision (or
        registry version)."""
        return self._unary(calls.feedback_summary(prompt_key=prompt_key, prompt_label=prompt_label, since=since, until=until), timeout)

    def export_training_data(
        self,
        *,
        since: Any = None,
        until: Any = None,
        min_rating: Optional[int] = None,
        has_corrections: bool = False,
        prompt_key: Optional[str] = None,
        timeout: Optional[float] = None,
    ) -> Iterator[ExecutionWithFeedback]:
        """Executions joined with their feedback, streamed. No deadline unless ``timeout`` is given."""
        return self._stream(
            calls.export_training_data(
                since=since, until=until, min_rating=min_rating, has_corrections=has_corrections, prompt_key=prompt_key
            ),
            timeout,
        )
