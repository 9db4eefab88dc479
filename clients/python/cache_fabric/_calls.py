"""Every RPC as a transport-free description: which method, the request built (and checked) from the
Python arguments, and how to turn the response into the API's types. The sync and async clients only
send these, so the mapping exists once for both."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any, Callable, Generic, Iterable, List, Optional, Sequence, TypeVar

from . import _execution_wire as ew
from ._gen.cachefabric.v1 import context_pb2 as cpb
from ._gen.cachefabric.v1 import execution_pb2 as epb
from ._gen.cachefabric.v1 import search_pb2 as spb
from ._wire import (
    context_from_pb,
    duration_to_pb,
    flag,
    instant_to_pb,
    int32,
    integer,
    metadata_to_pb,
    number,
    optional_context,
    scope_from_pb,
    scope_to_pb,
    text,
    value_from_pb,
    value_to_pb,
)
from .errors import FabricError
from .types import (
    SCOPES,
    BatchResult,
    CleanupResult,
    Context,
    DeleteOperation,
    DeleteResult,
    ExecutionPage,
    FabricStats,
    QueryPage,
    ReindexProgress,
    SearchResult,
    SearchStatus,
    SetOperation,
)

T = TypeVar("T")

#: Service names as the clients key their stubs.
CONTEXT, SEARCH, EXECUTION = "context", "search", "execution"


def as_is(request: Any) -> None:
    """A call that may be sent again unchanged after UNAVAILABLE: a read, or a write that replaces."""


def with_idempotency_key(request: Any) -> None:
    """A write made safe to send again: the store answers a repeat from its idempotency record."""
    if not request.idempotency_key:
        request.idempotency_key = str(uuid.uuid4())


def with_execution_id(request: Any) -> None:
    """An execution made safe to record again: a repeat rewrites the same record."""
    if not request.execution.id:
        request.execution.id = str(uuid.uuid4())


@dataclass(frozen=True)
class Unary(Generic[T]):
    service: str
    method: str
    request: Any
    convert: Callable[[Any], T]
    #: Makes the request safe to send again after UNAVAILABLE (run once, only by a client that
    #: retries); None: the call is never retried.
    retry: Optional[Callable[[Any], None]] = None


@dataclass(frozen=True)
class Stream(Generic[T]):
    service: str
    method: str
    request: Any
    #: One response message -> the items it carries.
    convert: Callable[[Any], Iterable[T]]


# ---- contexts ----


def store_id_of(res: Any) -> Optional[str]:
    """The store history an answer's revisions belong to (its ResponseHeader), None if not sent."""
    return res.header.store_id or None if res.HasField("header") else None


def _set_request(key: Any, value: Any, scope: Any, metadata: Any, ttl: Any, if_revision: Any, field: str = "") -> cpb.SetContextRequest:
    request = cpb.SetContextRequest(
        key=text(key, f"{field}key"),
        scope=scope_to_pb(scope, f"{field}scope"),
        value=value_to_pb(value, f"{field}value"),
        metadata=metadata_to_pb(metadata, f"{field}metadata"),
    )
    duration = duration_to_pb(ttl, f"{field}ttl")
    if duration is not None:
        request.ttl.CopyFrom(duration)
    revision = integer(if_revision, f"{field}if_revision")
    if revision is not None:
        request.if_revision = revision
    return request


def _delete_request(key: Any, scope: Any, if_revision: Any, field: str = "") -> cpb.DeleteContextRequest:
    request = cpb.DeleteContextRequest(key=text(key, f"{field}key"), scope=scope_to_pb(scope, f"{field}scope"))
    revision = integer(if_revision, f"{field}if_revision")
    if revision is not None:
        request.if_revision = revision
    return request


def _delete_result(res: cpb.DeleteContextResponse, store_id: Optional[str]) -> DeleteResult:
    return DeleteResult(deleted=res.deleted, revision=res.revision, previous=optional_context(res, "previous"), store_id=store_id)


def _stored_context(stored: cpb.Context, request: cpb.SetContextRequest) -> Context:
    """The context as stored: revisions and times from the answer, value and metadata from the
    request (the server leaves them out of its answer unless asked: the caller has them)."""
    context = context_from_pb(stored)
    if stored.HasField("value"):
        return context
    return replace(context, value=value_from_pb(request.value), metadata=dict(request.metadata))


def set_context(key, value, scope, metadata, ttl, if_revision, idempotency_key) -> Unary[Context]:
    request = _set_request(key, value, scope, metadata, ttl, if_revision)
    request.idempotency_key = text(idempotency_key, "idempotency_key")

    def convert(res: cpb.SetContextResponse) -> Context:
        if not res.HasField("context"):
            raise FabricError("INTERNAL", "server sent a response without a context")
        return _stored_context(res.context, request)

    return Unary(CONTEXT, "SetContext", request, convert, with_idempotency_key)


def get_context(key, scope) -> Unary[Optional[Context]]:
    request = cpb.GetContextRequest(key=text(key, "key"), scope=scope_to_pb(scope))
    return Unary(CONTEXT, "GetContext", request, lambda res: optional_context(res, "context"), as_is)


def delete_context(key, scope, if_revision, idempotency_key) -> Unary[DeleteResult]:
    request = _delete_request(key, scope, if_revision)
    request.idempotency_key = text(idempotency_key, "idempotency_key")
    return Unary(CONTEXT, "DeleteContext", request, lambda res: _delete_result(res, store_id_of(res)), with_idempotency_key)


def query(pattern, scope, limit, page_token) -> Unary[QueryPage]:
    request = cpb.QueryRequest(
        scope=scope_to_pb(scope),
        pattern=text(pattern, "pattern"),
        limit=int32(limit, "limit"),
        page_token=text(page_token, "page_token"),
    )
    return Unary(
        CONTEXT,
        "Query",
        request,
        lambda res: QueryPage(
            contexts=[context_from_pb(c) for c in res.contexts],
            revision=res.revision,
            next_page_token=res.next_page_token or None,
            store_id=store_id_of(res),
        ),
        as_is,
    )


def batch(operations: Sequence[Any], idempotency_key: Any = None, return_values: Any = False) -> Unary[BatchResult]:
    if not isinstance(operations, (list, tuple)):
        raise FabricError.invalid("operations", "must be a list of SetOperation / DeleteOperation")
    request = cpb.BatchRequest(
        idempotency_key=text(idempotency_key, "idempotency_key"), return_values=flag(return_values, "return_values")
    )
    for i, op in enumerate(operations):
        field = f"operations[{i}]."
        if isinstance(op, SetOperation):
            request.operations.add().set.CopyFrom(_set_request(op.key, op.value, op.scope, op.metadata, op.ttl, op.if_revision, field))
        elif isinstance(op, DeleteOperation):
            request.operations.add().delete.CopyFrom(_delete_request(op.key, op.scope, op.if_revision, field))
        else:
            raise FabricError.invalid(f"operations[{i}]", "must be a SetOperation or a DeleteOperation")
    return Unary(CONTEXT, "Batch", request, lambda res: _batch_result(res, request), with_idempotency_key)


def _batch_result(res: cpb.BatchResponse, request: cpb.BatchRequest) -> BatchResult:
    if len(res.results) != len(request.operations):
        raise FabricError("INTERNAL", "server sent a batch answer of another length")
    store_id = store_id_of(res)
    results: List[Any] = []
    for r, op in zip(res.results, request.operations, strict=True):
        which = r.WhichOneof("result")
        if which == "set":
            results.append(_stored_context(r.set, op.set))
        elif which == "delete":
            results.append(_delete_result(r.delete, store_id))
        else:
            raise FabricError("INTERNAL", "server sent an empty batch result")
    return BatchResult(results=results, revision=res.revision, store_id=store_id, values_omitted=res.values_omitted)


def _stats_from_pb(res: cpb.StatsResponse) -> FabricStats:
    counts = {s: 0 for s in SCOPES}
    for c in res.counts:
        name = scope_from_pb(c.scope)
        if name:
            counts[name] = c.count
    return FabricStats(
        counts=counts,
        total_count=res.total_count,
        memory_usage_bytes=res.memory_usage_bytes,
        hit_rate=res.hit_rate,
        hits=res.hits,
        misses=res.misses,
        avg_latency_ms=res.avg_latency_ms,
        revision=res.revision,
        store_id=store_id_of(res),
    )


def stats(pick: Callable[[FabricStats], T] = lambda s: s) -> Unary[T]:
    """Stats, or one figure of it (count_contexts, get_memory_usage, ...)."""
    return Unary(CONTEXT, "Stats", cpb.StatsRequest(), lambda res: pick(_stats_from_pb(res)), as_is)


def count_contexts(scope) -> Unary[int]:
    if scope is None:
        return stats(lambda s: s.total_count)
    scope_to_pb(scope)
    return stats(lambda s: s.counts[scope.upper()])


def cleanup(before, scope, pattern) -> Unary[CleanupResult]:
    if before is None:
        raise FabricError.invalid("before", "is required")
    request = cpb.CleanupRequest(
        before=instant_to_pb(before, "before"), scope=scope_to_pb(scope), pattern=text(pattern, "pattern")
    )
    return Unary(
        CONTEXT, "Cleanup", request, lambda res: CleanupResult(deleted=res.deleted, revision=res.revision, store_id=store_id_of(res))
    )


# ---- search ----


def search(query, scope, limit, min_similarity, metadata, wait_for_index) -> Unary[List[SearchResult]]:
    request = spb.SearchRequest(
        query=text(query, "query"),
        scope=scope_to_pb(scope),
        limit=int32(limit, "limit"),
        # proto3's 0 would drop negative similarities; unset means "no minimum".
        min_similarity=-1.0 if min_similarity is None else number(min_similarity, "min_similarity"),
        metadata=metadata_to_pb(metadata),
        wait_for_index=flag(wait_for_index, "wait_for_index"),
    )
    return Unary(
        SEARCH,
        "Search",
        request,
        lambda res: [SearchResult(context=context_from_pb(r.context), similarity=r.similarity) for r in res.results],
        as_is,
    )


def reindex() -> Stream[ReindexProgress]:
    return Stream(SEARCH, "Reindex", spb.ReindexRequest(), lambda res: [ReindexProgress(done=res.done, total=res.total)])


def search_status() -> Unary[SearchStatus]:
    return Unary(
        SEARCH,
        "SearchStatus",
        spb.SearchStatusRequest(),
        lambda s: SearchStatus(
            model=s.model,
            dimension=s.dimension,
            index="qdrant" if s.index == "qdrant" else "memory",
            scopes=[name for name in (scope_from_pb(x) for x in s.scopes) if name],
            vectors=s.vectors,
            indexed_revision=s.indexed_revision,
            embedder_queue=s.embedder_queue,
        ),
        as_is,
    )


# ---- executions and feedback ----


def _required(name: str, convert: Callable[[Any], T]) -> Callable[[Any], T]:
    def pick(res: Any) -> T:
        if not res.HasField(name):
            raise FabricError("INTERNAL", f"server sent a response without {name}")
        return convert(getattr(res, name))

    return pick


def record_execution(**fields: Any) -> Unary:
    request = ew.record_execution_request(**fields)
    return Unary(EXECUTION, "RecordExecution", request, _required("execution", ew.execution_from_pb), with_execution_id)


def record_feedback(**fields: Any) -> Unary:
    # Feedback of one kind replaces the execution's earlier one: sending it again changes nothing more.
    request = ew.record_feedback_request(**fields)
    return Unary(EXECUTION, "RecordFeedback", request, _required("feedback", ew.feedback_from_pb), as_is)


def get_execution(id: Any) -> Unary:
    request = epb.GetExecutionRequest(id=text(id, "id"))
    return Unary(
        EXECUTION, "GetExecution", request, lambda res: ew.with_feedback_from_pb(res) if res.HasField("execution") else None, as_is
    )


def list_executions(**fields: Any) -> Unary:
    return Unary(
        EXECUTION,
        "ListExecutions",
        ew.list_executions_request(**fields),
        lambda res: ExecutionPage(
            executions=[ew.execution_from_pb(e) for e in res.executions], next_page_token=res.next_page_token or None
        ),
        as_is,
    )


def execution_stats(**fields: Any) -> Unary:
    request = epb.ExecutionStatsRequest(**ew.stats_request_fields(**fields))
    return Unary(EXECUTION, "ExecutionStats", request, ew.execution_stats_from_pb, as_is)


def feedback_summary(**fields: Any) -> Unary:
    request = epb.FeedbackSummaryRequest(**ew.stats_request_fields(**fields))
    return Unary(EXECUTION, "FeedbackSummary", request, ew.feedback_summary_from_pb, as_is)


def export_training_data(**fields: Any) -> Stream:
    return Stream(EXECUTION, "ExportTrainingData", ew.export_request(**fields), ew.examples_from_pb)


# ---- watch ----


@dataclass(frozen=True)
class WatchSpec:
    """What a watch follows, checked once; ``request(start)`` builds each stream's request."""

    scope: Optional[str]
    key: Optional[str]
    keys: Optional[List[str]]
    prefix: Optional[str]
    pattern: Optional[str]
    prev_context: bool
    progress_interval: Any

    @staticmethod
    def of(*, scope, key, keys, prefix, pattern, prev_context, progress_interval) -> "WatchSpec":
        given = [name for name, v in (("key", key), ("keys", keys), ("prefix", prefix), ("pattern", pattern)) if v is not None]
        if len(given) > 1:
            raise FabricError.invalid(", ".join(given), "set at most one of key, keys, prefix, pattern")
        if keys is not None:
            if isinstance(keys, str) or not isinstance(keys, (list, tuple, set, frozenset)):
                raise FabricError.invalid("keys", "must be a list of strings")
            keys = [text(k, f"keys[{i}]") for i, k in enumerate(keys)]
        spec = WatchSpec(
            scope=scope,
            key=None if key is None else text(key, "key"),
            keys=keys,
            prefix=None if prefix is None else text(prefix, "prefix"),
            pattern=None if pattern is None else text(pattern, "pattern"),
            prev_context=flag(prev_context, "prev_context"),
            progress_interval=progress_interval,
        )
        spec.request(0)  # checks scope and interval now, not at the first reconnect
        return spec

    def request(self, start_revision: int, store_id: Optional[str] = None) -> cpb.WatchRequest:
        """``store_id``: the history ``start_revision`` belongs to; the server answers a resume from
        another history as compacted."""
        request = cpb.WatchRequest(
            scope=scope_to_pb(self.scope), start_revision=start_revision, prev_context=self.prev_context,
            store_id=store_id or "",
        )
        if self.key is not None:
            request.key = self.key
        elif self.keys is not None:
            request.keys.keys.extend(self.keys)
        elif self.prefix is not None:
            request.prefix = self.prefix
        elif self.pattern is not None:
            request.pattern = self.pattern
        interval = self.progress_interval
        if interval is not None:
            seconds = interval.total_seconds() if isinstance(interval, timedelta) else number(interval, "progress_interval") or 0.0
            if not seconds > 0:
                raise FabricError.invalid("progress_interval", "must be a positive number of seconds")
            request.progress_interval.CopyFrom(duration_to_pb(interval, "progress_interval"))
        return request

    def read_keys(self) -> Optional[List[str]]:
        """The exact keys a reset reads one by one, or None: read by query pages (``read_pattern``)."""
        if self.key is not None:
            return [self.key]
        return self.keys

    def read_pattern(self) -> str:
        if self.prefix is not None:
            return escape_glob(self.prefix) + "*"
        return self.pattern if self.pattern is not None else "*"


def escape_glob(s: str) -> str:
    """Escapes glob metacharacters so that ``s`` matches itself (as the server's glob reads them)."""
    return "".join("\\" + c if c in "\\*?[]" else c for c in s)


def start_revision(value: Any) -> int:
    n = integer(value, "start_revision")
    if n is not None and n < 0:
        raise FabricError.invalid("start_revision", "must be a non-negative integer")
    return n or 0
