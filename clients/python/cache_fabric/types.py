"""The fabric's API in Python terms: what the clients take and return.

Shaped after the integration guide and the TypeScript client's types (client/src/api/types.ts), in
Python idiom: snake_case fields, JSON values as plain Python values (``dict``, ``list``, ``str``,
``int``/``float``, ``bool``, ``None``), instants as timezone-aware UTC ``datetime``\\ s. Results are
frozen dataclasses; do not mutate the dicts and lists inside them (a prompt cache shares them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable, Dict, List, Literal, Optional, Union

from .errors import FabricError

#: Any JSON value.
JsonValue = Union[None, bool, int, float, str, List["JsonValue"], Dict[str, "JsonValue"]]

#: Partitions of the key space; a key is unique within its scope. Unset means GLOBAL.
Scope = Literal["GLOBAL", "EXECUTION", "FEEDBACK", "USER"]
SCOPES: tuple[str, ...] = ("GLOBAL", "EXECUTION", "FEEDBACK", "USER")


@dataclass(frozen=True, kw_only=True)
class Context:
    """A stored context. Revisions are store-wide and strictly increasing: every write gets a new one."""

    key: str
    scope: str
    value: JsonValue
    metadata: Dict[str, str]
    #: Store revision of the last write to this key.
    revision: int
    #: Revision at which the key was created (since it last did not exist).
    create_revision: int
    #: Writes to this key since creation; 1 on creation.
    version: int
    created_at: datetime
    updated_at: datetime
    #: None when the context does not expire.
    expires_at: Optional[datetime] = None


@dataclass(frozen=True, kw_only=True)
class DeleteResult:
    deleted: bool
    #: Store revision after the delete (unchanged when nothing was deleted).
    revision: int
    #: The context as it was before the delete, when there was one: always from ``delete_context``;
    #: in a batch only with ``return_values``; never in a replayed outcome (an idempotent retry).
    previous: Optional[Context] = None
    #: The identity of the store's history ``revision`` belongs to (see ``QueryPage.store_id``).
    store_id: Optional[str] = None


class _Page(Sequence):
    """A page is a sequence of its items (``len(page)``, ``for x in page``, ``page[0]``)."""

    def _items(self) -> list:
        raise NotImplementedError

    def __getitem__(self, index):
        return self._items()[index]

    def __iter__(self):
        return iter(self._items())

    def __len__(self) -> int:
        return len(self._items())


@dataclass(frozen=True, kw_only=True)
class QueryPage(_Page):
    """One page of ``query``: the contexts, newest first. Iterating the page iterates its contexts, so
    the guide's ``len(executions)`` and ``for e in executions`` work as written."""

    contexts: List[Context]
    #: Store revision when the page was read; watch from it (with ``store_id``) to follow later changes.
    revision: int
    #: None on the last page. A page may hold fewer than ``limit`` contexts when more would exceed
    #: the server's page size in bytes: keep paging while there is a token.
    next_page_token: Optional[str] = None
    #: The identity of the store's history: a random id made when it starts (a new memory store, a
    #: Redis that lost or was flushed of its data, another key prefix). Revisions of different
    #: histories are not comparable: ``watch(start_revision=..., store_id=...)`` re-reads instead of
    #: resuming when the store is another.
    store_id: Optional[str] = None

    def _items(self) -> list:
        return self.contexts


@dataclass(frozen=True, kw_only=True)
class SetOperation:
    """A write in a :meth:`batch`: the arguments of ``set_context``."""

    key: str
    value: JsonValue
    scope: Optional[str] = None
    metadata: Optional[Dict[str, str]] = None
    #: Seconds (int/float) or a ``timedelta``; None: no expiry.
    ttl: object = None
    if_revision: Optional[int] = None


@dataclass(frozen=True, kw_only=True)
class DeleteOperation:
    """A delete in a :meth:`batch`: the arguments of ``delete_context``."""

    key: str
    scope: Optional[str] = None
    if_revision: Optional[int] = None


BatchOperation = Union[SetOperation, DeleteOperation]


@dataclass(frozen=True, kw_only=True)
class BatchResult:
    #: One per operation, in order: the stored Context for a set (its value and metadata from the
    #: operation, revisions and times from the server), a DeleteResult for a delete (``previous``
    #: only with ``return_values``).
    results: List[Union[Context, DeleteResult]]
    #: Store revision after the batch.
    revision: int
    store_id: Optional[str] = None
    #: ``return_values`` was asked but the values would not fit in one answer: the batch applied,
    #: ``previous`` is absent.
    values_omitted: bool = False


@dataclass(frozen=True, kw_only=True)
class FabricStats:
    #: Contexts per scope (every scope present).
    counts: Dict[str, int]
    total_count: int
    memory_usage_bytes: int
    #: Fraction of get_context calls that found a context, in [0, 1].
    hit_rate: float
    hits: int
    misses: int
    #: Mean server-side latency of context operations, in milliseconds.
    avg_latency_ms: float
    revision: int
    store_id: Optional[str] = None


@dataclass(frozen=True, kw_only=True)
class CleanupResult:
    deleted: int
    revision: int
    store_id: Optional[str] = None


# ---- Watch ----

WatchEventType = Literal["PUT", "DELETE", "EXPIRE"]


@dataclass(frozen=True, kw_only=True)
class WatchEvent:
    type: str
    #: The key and scope that changed (every type).
    key: str
    scope: str
    revision: int
    #: The context after a PUT; None for DELETE and EXPIRE.
    context: Optional[Context] = None
    #: The context before the change, when asked for with ``prev_context`` and there was one.
    prev_context: Optional[Context] = None


WatchKind = Literal["created", "event", "progress", "reset", "compacted"]


@dataclass(frozen=True, kw_only=True)
class WatchMessage:
    """What a watch yields. ``revision`` is the watch's resume point: every matching change up to it
    has been delivered. ``kind`` says which other field is set:

    - ``created``: registered; every matching change after ``revision`` follows.
    - ``event``: a change (``event``); ``revision`` is the change's own.
    - ``progress``: nothing more matched up to ``revision`` (idle watches, and after a reconnect).
    - ``reset`` (resumable watches): replace what you hold with ``contexts``, read at or after
      ``revision``; the events that follow are every change after it, so apply an event only when it
      is newer than the context you hold for its key.
    - ``compacted`` (raw watches, ``resume=False``): the start revision left the server's history
      (or belongs to another store history); ``compact_revision`` is the oldest still served.
      Re-read, then watch from ``revision``.

    ``store_id`` names the store history ``revision`` belongs to; a resumable watch whose store was
    replaced (a restarted memory server, a flushed Redis) delivers a ``reset`` with the new one.
    """

    kind: str
    revision: int
    event: Optional[WatchEvent] = None
    contexts: Optional[List[Context]] = None
    compact_revision: Optional[int] = None
    store_id: Optional[str] = None


@dataclass(frozen=True, kw_only=True)
class WatchRetry:
    """Tuning for a resumable watch: capped exponential backoff with jitter (each delay drawn from the
    upper half of min(max_delay, initial_delay * 2**(attempt - 1)))."""

    #: Seconds before the first retry.
    initial_delay: float = 0.1
    #: Cap on the delay between retries, in seconds.
    max_delay: float = 5.0
    #: Told about every failure that will be retried: (error, attempt, delay in seconds).
    on_retry: Optional[Callable[[FabricError, int, float], None]] = None


@dataclass(frozen=True, kw_only=True)
class CallRetry:
    """How a client retries a unary call that failed with UNAVAILABLE (a server restarting or
    unreachable, its store briefly down), within the call's deadline: reads as they are, writes with
    an idempotency key (the call's own or one generated per call) so a retried write applies once,
    ``record_execution`` with a client-made id. Streams are not retried (``watch()`` resumes itself).
    """

    #: Attempts in all, the first included.
    max_attempts: int = 3
    #: Seconds before the first retry; doubles for each further one, drawn from its upper half.
    initial_delay: float = 0.05
    #: Cap on the delay between attempts, in seconds.
    max_delay: float = 1.0


# ---- Search ----


@dataclass(frozen=True, kw_only=True)
class SearchResult:
    context: Context
    #: Cosine similarity between the query and the context's text, in [-1, 1].
    similarity: float

    @property
    def key(self) -> str:
        return self.context.key

    @property
    def value(self) -> JsonValue:
        """The guide's ``result.value``."""
        return self.context.value


@dataclass(frozen=True, kw_only=True)
class ReindexProgress:
    done: int
    total: int


@dataclass(frozen=True, kw_only=True)
class SearchStatus:
    #: Model name and content hash.
    model: str
    dimension: int
    #: "memory" or "qdrant".
    index: str
    scopes: List[str]
    vectors: int
    #: Every change up to this revision is reflected in the index.
    indexed_revision: int
    embedder_queue: int


# ---- Executions and feedback ----


@dataclass(frozen=True, kw_only=True)
class Execution:
    """One agent execution as stored (the context ``execution:{id}`` in the EXECUTION scope)."""

    id: str
    #: The guide's ``timestamp``; time-range filters apply to it.
    started_at: datetime
    finished_at: datetime
    latency_ms: float
    #: "OK" or "ERROR".
    status: str
    #: None when none was recorded.
    input: JsonValue = None
    output: JsonValue = None
    #: Set only when status is ERROR.
    error: Optional[str] = None
    prompt_key: Optional[str] = None
    #: Revision of the prompt's context when it ran; stats group by it.
    prompt_revision: Optional[int] = None
    #: A registry prompt (``prompt_key`` = its name): the version that actually ran.
    prompt_version: Optional[int] = None
    #: The label that version was resolved through (rollout gates compare their own label).
    prompt_label: Optional[str] = None
    metadata: Dict[str, str] = field(default_factory=dict)
    revision: int = 0
    expires_at: Optional[datetime] = None


@dataclass(frozen=True, kw_only=True)
class Score:
    """A named automated score out of a maximum, e.g. the guide's ``auto_score`` 2 of 3."""

    name: str
    value: float
    max: float


@dataclass(frozen=True, kw_only=True)
class Feedback:
    execution_id: str
    timestamp: datetime
    rating: Optional[int] = None
    comment: Optional[str] = None
    corrections: JsonValue = None
    #: Non-empty exactly on automated feedback.
    scores: List[Score] = field(default_factory=list)
    metadata: Dict[str, str] = field(default_factory=dict)
    revision: int = 0
    expires_at: Optional[datetime] = None


@dataclass(frozen=True, kw_only=True)
class ExecutionWithFeedback:
    execution: Execution
    #: The user's feedback, when there is some.
    feedback: Optional[Feedback] = None
    automated_feedback: Optional[Feedback] = None


@dataclass(frozen=True, kw_only=True)
class ExecutionPage(_Page):
    """Most recently recorded first. May hold fewer than ``limit`` even when more follow: page until
    ``next_page_token`` is None (or use ``list_executions_all``)."""

    executions: List[Execution]
    next_page_token: Optional[str] = None

    def _items(self) -> list:
        return self.executions


@dataclass(frozen=True, kw_only=True)
class ExecutionFigures:
    """Figures over a set of executions; percentiles are exact (nearest rank); all 0 when count is 0."""

    count: int
    error_count: int
    error_rate: float
    latency_avg_ms: float
    latency_p50_ms: float
    latency_p95_ms: float
    latency_p99_ms: float
    latency_max_ms: float


@dataclass(frozen=True, kw_only=True)
class ExecutionStatsGroup(ExecutionFigures):
    """The executions of one prompt revision or registry version (None: recorded without one)."""

    prompt_key: Optional[str] = None
    prompt_revision: Optional[int] = None
    prompt_version: Optional[int] = None


@dataclass(frozen=True, kw_only=True)
class ExecutionStats(ExecutionFigures):
    """Totals, and the same figures per (prompt key, revision, version), ordered by key, revision, version."""

    by_prompt_revision: List[ExecutionStatsGroup] = field(default_factory=list)


@dataclass(frozen=True, kw_only=True)
class ScoreSummary:
    name: str
    #: Automated feedback records carrying this score.
    count: int
    mean: float
    #: Mean of value / max, in [0, 1].
    normalized_mean: float


@dataclass(frozen=True, kw_only=True)
class FeedbackFigures:
    #: Executions in the window, with or without feedback.
    executions: int
    #: Executions with user feedback.
    feedback_count: int
    rated_count: int
    #: Rating (1..5) -> count.
    rating_counts: Dict[int, int]
    #: 0 when nothing is rated.
    rating_mean: float
    corrections_count: int
    #: Executions with automated feedback.
    automated_count: int
    #: By name, sorted by name.
    scores: List[ScoreSummary]


@dataclass(frozen=True, kw_only=True)
class FeedbackSummaryGroup(FeedbackFigures):
    prompt_key: Optional[str] = None
    prompt_revision: Optional[int] = None
    prompt_version: Optional[int] = None


@dataclass(frozen=True, kw_only=True)
class FeedbackSummary(FeedbackFigures):
    by_prompt_revision: List[FeedbackSummaryGroup] = field(default_factory=list)
