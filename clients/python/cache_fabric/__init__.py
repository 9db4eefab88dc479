"""Cache Fabric for Python: the client of a context store for LLM agents, served over gRPC.

Store and hot-reload system prompts, record executions and feedback, keep per-user context and
search stored text by meaning, with the integration guide's method names::

    from cache_fabric import FabricClient

    with FabricClient("127.0.0.1:50051") as fabric:
        fabric.set_context("router:main:system_message", "You are a helpful assistant", scope="GLOBAL")

``AsyncFabricClient`` is the asyncio twin; ``PromptCache`` keeps prompts in memory, fresh by watch;
``fabric.prompts`` is the prompt registry and ``LabelPromptCache`` follows one of its labels;
every failure raises ``FabricError`` with ``.code`` the gRPC status name.
"""

from ._channel import CHANNEL_DEFAULTS, DEFAULT_ADDRESS, DEFAULT_TIMEOUT, MAX_MESSAGE_BYTES, TlsConfig
from .aio import AsyncFabricClient
from .client import FabricClient
from .errors import ERROR_CODES, FabricError
from .pipeline import AsyncPipeline, Pipeline
from .label_prompt_cache import CachedPrompt, LabelPromptCache, RolloutSplit
from .prompt_cache import PromptCache
from .prompt_records import render_template, resolve_label_version, rollout_bucket, template_variables
from .prompt_types import (
    ChatMessage,
    GateCheck,
    GateEvaluation,
    LabelHistoryPage,
    LabelMove,
    LabelRollout,
    MoveLabelResult,
    PromptChange,
    PromptDiff,
    PromptLabel,
    PromptVersion,
    PromptVersionPage,
    PublishResult,
    ResolvedPrompt,
    Rollout,
    RolloutEvent,
    RolloutGate,
    RolloutResult,
    RolloutStatus,
    RolloutStep,
    ScoreFigures,
    VersionFigures,
)
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
    "CachedPrompt",
    "CallRetry",
    "CHANNEL_DEFAULTS",
    "ChatMessage",
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
    "GateCheck",
    "GateEvaluation",
    "JsonValue",
    "LabelHistoryPage",
    "LabelMove",
    "LabelPromptCache",
    "LabelRollout",
    "MAX_MESSAGE_BYTES",
    "MoveLabelResult",
    "Pipeline",
    "PromptCache",
    "PromptChange",
    "PromptDiff",
    "PromptLabel",
    "PromptVersion",
    "PromptVersionPage",
    "PublishResult",
    "QueryPage",
    "ReindexProgress",
    "render_template",
    "resolve_label_version",
    "ResolvedPrompt",
    "Rollout",
    "rollout_bucket",
    "RolloutEvent",
    "RolloutGate",
    "RolloutResult",
    "RolloutSplit",
    "RolloutStatus",
    "RolloutStep",
    "SCOPES",
    "Score",
    "ScoreFigures",
    "ScoreSummary",
    "SearchResult",
    "SearchStatus",
    "SetOperation",
    "template_variables",
    "TlsConfig",
    "VersionFigures",
    "WatchEvent",
    "WatchMessage",
    "WatchRetry",
    "WatchStream",
]
