"""The prompt registry's types in Python terms (``fabric.prompts``), after the TypeScript client's
client/src/api/prompts.ts: immutable numbered versions, labels that point at one, a permanent label
history, staged rollouts with gates that roll back by themselves. Frozen dataclasses, snake_case,
instants as aware UTC ``datetime``\\ s, durations in seconds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Dict, List, Optional

from .types import JsonValue, _Page


@dataclass(frozen=True, kw_only=True)
class ChatMessage:
    """One message of a chat template; ``content`` may use ``{{variables}}``."""

    role: str
    content: str


@dataclass(frozen=True, kw_only=True)
class PromptVersion:
    """One immutable version of a prompt: exactly one of ``text`` and ``messages`` is set."""

    name: str
    #: 1, 2, 3, ... per prompt, without gaps.
    version: int
    text: Optional[str] = None
    messages: Optional[List[ChatMessage]] = None
    config: Dict[str, JsonValue]
    #: The ``{{variables}}`` the template uses, sorted.
    variables: List[str]
    commit_message: str
    tags: List[str]
    #: The token's name that published it; "anonymous" without authentication.
    author: str
    created_at: datetime
    #: SHA-256 (hex) of template, config and variables: identical content, identical hash.
    content_hash: str
    #: Store revision of the version record (it never changes).
    revision: int


@dataclass(frozen=True, kw_only=True)
class PublishResult:
    version: PromptVersion
    #: False when identical content was already published: that version is returned, nothing written.
    created: bool


@dataclass(frozen=True, kw_only=True)
class LabelRollout:
    """What resolving a label under rollout needs (``resolve_label_version``)."""

    rollout_id: str
    #: B, the candidate.
    to_version: int
    #: Share of sticky keys on B: 0 < percent < 100.
    percent: float
    #: The rollout's own salt for the sticky-key hash.
    salt: str


@dataclass(frozen=True, kw_only=True)
class PromptLabel:
    name: str
    label: str
    #: The version the label points at; during a rollout, the stable one (A).
    version: int
    #: Set while a rollout of this label runs or is paused.
    rollout: Optional[LabelRollout] = None
    #: Entries in this label's history so far.
    moves: int
    updated_at: datetime
    updated_by: str
    reason: str
    #: Store revision of the label record (a ``move_label`` ``if_revision``, a watch resume point).
    revision: int


@dataclass(frozen=True, kw_only=True)
class ResolvedPrompt:
    #: The version to run: under a rollout, the one the sticky key resolves to.
    version: PromptVersion
    #: The label it was resolved through (None when asked by version).
    label: Optional[PromptLabel] = None


@dataclass(frozen=True, kw_only=True)
class PromptVersionPage(_Page):
    """Versions, newest first; iterating the page iterates them."""

    versions: List[PromptVersion]
    next_page_token: Optional[str] = None

    def _items(self) -> list:
        return self.versions


@dataclass(frozen=True, kw_only=True)
class PromptChange:
    """One difference between two versions."""

    #: "text", "messages[2].content", "config.temperature", "variables", "tags", "commitMessage".
    path: str
    #: "ADDED", "REMOVED" or "CHANGED".
    kind: str
    before: JsonValue = None
    after: JsonValue = None
    #: For changed strings: a line diff, each line prefixed "  ", "- " or "+ ".
    text_diff: Optional[str] = None


@dataclass(frozen=True, kw_only=True)
class PromptDiff:
    from_: PromptVersion
    to: PromptVersion
    #: Template first, then config (by path), variables, tags, commit message.
    changes: List[PromptChange]


@dataclass(frozen=True, kw_only=True)
class ScoreFigures:
    name: str
    count: int
    normalized_mean: float


@dataclass(frozen=True, kw_only=True)
class VersionFigures:
    """One version's figures over a gate's window."""

    version: int
    executions: int
    errors: int
    error_rate: float
    latency_p95_ms: float
    rated: int
    rating_mean: float
    scores: List[ScoreFigures]


@dataclass(frozen=True, kw_only=True)
class GateCheck:
    #: "error_rate", "latency_p95", "rating", or "score:{name}".
    name: str
    #: "PASS", "FAIL" or "INSUFFICIENT".
    result: str
    baseline: float
    candidate: float
    #: The limit B was held to.
    limit: float
    baseline_samples: int
    candidate_samples: int


@dataclass(frozen=True, kw_only=True)
class GateEvaluation:
    #: "PASS", "WAIT" or "REGRESSION".
    verdict: str
    evaluated_at: datetime
    #: Executions that started at or after this instant count.
    window_start: datetime
    baseline: VersionFigures
    candidate: VersionFigures
    checks: List[GateCheck]


@dataclass(frozen=True, kw_only=True)
class LabelMove:
    """One entry of a label's permanent history."""

    name: str
    label: str
    seq: int
    #: "MOVE", "PUBLISH", "ROLLOUT_START", "ROLLOUT_STEP", "ROLLOUT_COMPLETE", "ROLLOUT_PROMOTE",
    #: "ROLLOUT_ROLLBACK" or "ROLLOUT_ABORT".
    kind: str
    #: 0: the label did not exist.
    from_version: int
    to_version: int
    #: Rollout entries: the candidate's share after this entry.
    percent: Optional[float] = None
    rollout_id: Optional[str] = None
    #: Token name, "anonymous", or "rollout-controller" for automatic decisions.
    actor: str
    at: datetime
    reason: str
    #: Automatic decisions: the figures that decided.
    evaluation: Optional[GateEvaluation] = None
    revision: int


@dataclass(frozen=True, kw_only=True)
class MoveLabelResult:
    label: PromptLabel
    #: None when the label already pointed at the version (nothing written).
    move: Optional[LabelMove] = None


@dataclass(frozen=True, kw_only=True)
class LabelHistoryPage(_Page):
    """History entries, newest first; iterating the page iterates them."""

    moves: List[LabelMove]
    next_page_token: Optional[str] = None

    def _items(self) -> list:
        return self.moves


@dataclass(frozen=True, kw_only=True)
class RolloutStep:
    #: 0 < percent <= 100, increasing; 100 only last, meaning "then complete".
    percent: float
    #: How long the step is held before its gate may advance it, in seconds.
    bake: float


@dataclass(frozen=True, kw_only=True)
class RolloutGate:
    """Per-rollout thresholds (None: the server's default, or not checked)."""

    min_samples: Optional[int] = None
    min_feedback: Optional[int] = None
    max_error_rate_increase: Optional[float] = None
    max_latency_p95_increase: Optional[float] = None
    max_rating_drop: Optional[float] = None
    max_score_drop: Optional[float] = None


@dataclass(frozen=True, kw_only=True)
class RolloutEvent:
    #: "STARTED", "ADVANCED", "PAUSED", "RESUMED", "COMPLETED", "PROMOTED", "ROLLED_BACK", "ABORTED".
    kind: str
    at: datetime
    actor: str
    #: Step index after the event (0-based).
    step: int
    #: The candidate's share after the event.
    percent: float
    reason: str
    evaluation: Optional[GateEvaluation] = None


@dataclass(frozen=True, kw_only=True)
class Rollout:
    id: str
    name: str
    label: str
    #: A, the stable version.
    from_version: int
    #: B, the candidate.
    to_version: int
    steps: List[RolloutStep]
    #: With the server's defaults filled in.
    gate: RolloutGate
    #: "RUNNING", "PAUSED", "COMPLETED", "ROLLED_BACK" or "ABORTED".
    state: str
    step_index: int
    #: The candidate's current share (100 once completed, 0 once rolled back or aborted).
    percent: float
    step_started_at: datetime
    started_at: datetime
    started_by: str
    finished_at: Optional[datetime] = None
    salt: str
    #: Oldest first; at most 100.
    events: List[RolloutEvent]
    revision: int


@dataclass(frozen=True, kw_only=True)
class RolloutResult:
    rollout: Rollout
    label: PromptLabel


@dataclass(frozen=True, kw_only=True)
class RolloutStatus:
    #: The label's latest rollout, running, paused or finished.
    rollout: Rollout
    #: While running or paused: the gate evaluated now.
    evaluation: Optional[GateEvaluation] = None
