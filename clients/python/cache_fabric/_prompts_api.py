"""``fabric.prompts``: the prompt registry's calls, written once for both clients (as ``_api`` is for
the context calls). On ``FabricClient`` each returns its result, on ``AsyncFabricClient`` an
awaitable of it."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence

from . import _prompt_wire as calls
from .prompt_types import (
    ChatMessage,
    LabelHistoryPage,
    MoveLabelResult,
    PromptDiff,
    PromptLabel,
    PromptVersionPage,
    PublishResult,
    ResolvedPrompt,
    Rollout,
    RolloutGate,
    RolloutResult,
    RolloutStatus,
    RolloutStep,
)
from .types import JsonValue


class PromptMethods:
    """The prompt registry (README "Prompt registry"): immutable numbered versions, labels, a
    permanent label history, staged rollouts whose gates roll back by themselves. Writes are
    attributed by the server to the caller's token.

    Example::

        v = fabric.prompts.publish("router:main", text="You route {{topic}} questions.").version
        fabric.prompts.move_label("router:main", "production", v.version, reason="release 12")
        got = fabric.prompts.get("router:main", label="production", sticky_key=user_id)
    """

    def __init__(self, client: Any) -> None:
        self._client = client

    def _send(self, call: Any, timeout: Optional[float]) -> Any:
        return self._client._unary(call, timeout)

    def publish(
        self,
        name: str,
        *,
        text: Optional[str] = None,
        messages: Optional[Sequence[ChatMessage | Dict[str, str]]] = None,
        config: Optional[Dict[str, JsonValue]] = None,
        variables: Optional[Sequence[str]] = None,
        commit_message: Optional[str] = None,
        tags: Optional[Sequence[str]] = None,
        config_schema: Optional[Dict[str, JsonValue]] = None,
        timeout: Optional[float] = None,
    ) -> PublishResult:
        """The next immutable version (``latest`` follows), or the existing one with identical content
        (``created`` False). Exactly one of ``text`` and ``messages`` (``ChatMessage`` or
        ``{"role", "content"}``); ``variables``, when given, must be exactly the template's;
        ``config_schema``: a JSON Schema the config must satisfy."""
        return self._send(calls.publish(name, text, messages, config, variables, commit_message, tags, config_schema), timeout)

    def get(
        self,
        name: str,
        *,
        version: Optional[int] = None,
        label: Optional[str] = None,
        sticky_key: Optional[str] = None,
        timeout: Optional[float] = None,
    ) -> Optional[ResolvedPrompt]:
        """A version by number, or through a label (neither: ``latest``), resolving a rollout with
        ``sticky_key``; None when absent."""
        return self._send(calls.get(name, version, label, sticky_key), timeout)

    def list_versions(
        self, name: str, *, limit: Optional[int] = None, page_token: Optional[str] = None, timeout: Optional[float] = None
    ) -> PromptVersionPage:
        """Versions, newest first, paged (``limit`` 1..1000, default 100)."""
        return self._send(calls.list_versions(name, limit, page_token), timeout)

    def list_labels(self, name: str, *, timeout: Optional[float] = None) -> List[PromptLabel]:
        """The prompt's labels and where they point."""
        return self._send(calls.list_labels(name), timeout)

    def diff(self, name: str, from_version: int, to_version: int, *, timeout: Optional[float] = None) -> PromptDiff:
        """What changed between two versions; NOT_FOUND when either does not exist."""
        return self._send(calls.diff(name, from_version, to_version), timeout)

    def move_label(
        self,
        name: str,
        label: str,
        version: int,
        *,
        reason: str,
        if_version: Optional[int] = None,
        if_revision: Optional[int] = None,
        timeout: Optional[float] = None,
    ) -> MoveLabelResult:
        """Points a label at a version: one compare-and-set write with its history entry
        (FAILED_PRECONDITION when ``if_version`` / ``if_revision`` do not hold; 0: only if absent)."""
        return self._send(calls.move_label(name, label, version, reason, if_version, if_revision), timeout)

    def label_history(
        self,
        name: str,
        *,
        label: Optional[str] = None,
        limit: Optional[int] = None,
        page_token: Optional[str] = None,
        timeout: Optional[float] = None,
    ) -> LabelHistoryPage:
        """Who moved which label when, from, to and why; newest first, paged."""
        return self._send(calls.label_history(name, label, limit, page_token), timeout)

    def start_rollout(
        self,
        name: str,
        label: str,
        to_version: int,
        *,
        steps: Sequence[RolloutStep | Dict[str, float] | tuple],
        reason: str,
        gate: Optional[RolloutGate | Dict[str, float]] = None,
        if_version: Optional[int] = None,
        timeout: Optional[float] = None,
    ) -> RolloutResult:
        """A staged rollout of the label from its version to ``to_version``: ``steps`` as
        ``RolloutStep(percent=5, bake=600)``, ``{"percent": 5, "bake": 600}`` or ``(5, 600)`` (bake in
        seconds or a ``timedelta``); ``gate`` thresholds as ``RolloutGate`` or a dict."""
        return self._send(calls.start_rollout(name, label, to_version, steps, reason, gate, if_version), timeout)

    def pause_rollout(self, name: str, label: str, *, reason: Optional[str] = None, timeout: Optional[float] = None) -> Rollout:
        """Holds the current step (gates still roll back)."""
        return self._send(calls.rollout_action("PauseRollout", name, label, reason), timeout)

    def resume_rollout(self, name: str, label: str, *, reason: Optional[str] = None, timeout: Optional[float] = None) -> Rollout:
        return self._send(calls.rollout_action("ResumeRollout", name, label, reason), timeout)

    def promote_rollout(self, name: str, label: str, *, reason: str, timeout: Optional[float] = None) -> RolloutResult:
        """Moves the label to the candidate now; the rollout ends."""
        return self._send(calls.rollout_action("PromoteRollout", name, label, reason), timeout)

    def abort_rollout(self, name: str, label: str, *, reason: str, timeout: Optional[float] = None) -> RolloutResult:
        """Moves the label back to the stable version; the rollout ends."""
        return self._send(calls.rollout_action("AbortRollout", name, label, reason), timeout)

    def rollout_status(self, name: str, label: str, *, timeout: Optional[float] = None) -> Optional[RolloutStatus]:
        """The label's latest rollout with its gate evaluated now; None when it never had one."""
        return self._send(calls.rollout_status(name, label), timeout)
