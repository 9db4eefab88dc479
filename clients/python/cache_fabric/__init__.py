"""Cache Fabric for Python: the client of a context store for LLM agents, served over gRPC.

Store and hot-reload system prompts, record executions and feedback, keep per-user context and
search stored text by meaning, with the integration guide's method names::

    from cache_fabric import FabricClient

    with FabricClient("127.0.0.1:50051") as fabric:
        fabric.set_context("router:main:system_message", "You are a helpful assistant", scope="GLOBAL")

``AsyncFabricClient`` is the asyncio twin; ``PromptCache`` keeps prompts in memory, fresh by watch;
every failure raises ``FabricError`` with ``.code`` the gRPC status name.
"""

from ._channel import CHANNEL_DEFAULTS, DEFAULT_ADDRESS, DEFAULT_TIMEOUT, MAX_MESSAGE_BYTES, TlsConfig
from .aio import AsyncFabricClient
from .client import FabricClient
from .errors import ERROR_CODES, FabricError
from .pipeline import AsyncPipeline, Pipeline
from .prompt_cache import PromptCache
from .types import (
    SCOPES,
    BatchResult,
    CallRetry,
    CleanupResult,
    Context,
    DeleteOperation,
    DeleteResult,
    Execution,
    ExecutionFigures,
    ExecutionPage,
    ExecutionStats,
    ExecutionStatsGroup,
    ExecutionWithFeedback,
    FabricStats,
    Feedback,
    FeedbackFigures,
    FeedbackSummary,
    FeedbackSummaryGroup,
    JsonValue,
    QueryPage,
    ReindexProgress,
    Score,
    ScoreSummary,
    SearchResult,
    SearchStatus,
    SetOperation,
    WatchEvent,
    WatchMessage,
    WatchRetry,
)
from .watch import AsyncWatchStream, WatchStream

__version__ = "0.2.0"

__all__ = [
    "AsyncFabricClient",
    "AsyncPipeline",
    "AsyncWatchStream",
    "BatchResult",
    "CHANNEL_DEFAULTS",
    "CallRetry",
    "CleanupResult",
    "Context",
    "DEFAULT_ADDRESS",
    "DEFAULT_TIMEOUT",
    "DeleteOperation",
    "DeleteResult",
    "ERROR_CODES",
    "Execution",
    "ExecutionFigures",
    "ExecutionPage",
    "ExecutionStats",
    "ExecutionStatsGroup",
    "ExecutionWithFeedback",
    "FabricClient",
    "FabricError",
    "FabricStats",
    "Feedback",
    "FeedbackFigures",
    "FeedbackSummary",
    "FeedbackSummaryGroup",
    "JsonValue",
    "MAX_MESSAGE_BYTES",
    "Pipeline",
    "PromptCache",
    "QueryPage",
    "ReindexProgress",
    "SCOPES",
    "Score",
    "ScoreSummary",
    "SearchResult",
    "SearchStatus",
    "SetOperation",
    "TlsConfig",
    "WatchEvent",
    "WatchMessage",
    "WatchRetry",
    "WatchStream",
]
