"""PromptService as transport-free call descriptions (the counterpart of
client/src/wire/prompt-convert.ts and client/src/remote/prompts.ts): each function checks the Python
arguments, builds the request and says how to read the response. ``fabric.prompts`` sends them.

Retries: reads, and writes that are the same when applied twice (a publish of identical content
returns the same version, a move to where the label points changes nothing, pause and resume), may
be sent again after UNAVAILABLE; writes whose repeat would fail or differ (a compare-and-set move,
starting, promoting or aborting a rollout) are never retried: their UNAVAILABLE is the caller's to
read back.
"""

from __future__ import annotations

from typing import Any, List, Optional

from ._calls import Unary, as_is
from ._gen.cachefabric.v1 import prompt_pb2 as pb
from ._wire import (
    datetime_from_pb,
    duration_to_pb,
    integer,
    int32,
    number,
    optional_datetime,
    optional_value_from_pb,
    text,
    value_to_pb,
)
from .errors import FabricError
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

PROMPT = "prompt"


def _enum_name(enum: Any, number_: int, prefix: str) -> str:
    return enum.Name(number_)[len(prefix) :] if number_ in enum.values() else "UNSPECIFIED"


def _present(**fields: Any) -> dict:
    return {k: v for k, v in fields.items() if v is not None}


def _json_object(value: Any, field: str):
    if value is None:
        return None
    if not isinstance(value, dict):
        raise FabricError.invalid(field, "must be a JSON object (a dict)")
    return value_to_pb(value, field)


def _strings(values: Any, field: str) -> List[str]:
    if values is None:
        return []
    if isinstance(values, str) or not isinstance(values, (list, tuple)):
        raise FabricError.invalid(field, "must be a list of strings")
    return [text(v, f"{field}[{i}]") for i, v in enumerate(values)]


def _message_to_pb(m: Any, field: str) -> pb.ChatMessage:
    if isinstance(m, ChatMessage):
        role, content = m.role, m.content
    elif isinstance(m, dict):
        role, content = m.get("role"), m.get("content")
    else:
        raise FabricError.invalid(field, "must be a ChatMessage or a dict with role and content")
    return pb.ChatMessage(role=text(role, f"{field}.role"), content=text(content, f"{field}.content"))


# ---- requests ----


def publish(name, text_, messages, config, variables, commit_message, tags, config_schema) -> Unary[PublishResult]:
    if (text_ is None) == (messages is None):
        raise FabricError.invalid("template", "set exactly one of text, messages")
    request = pb.PublishPromptRequest(
        name=text(name, "name"),
        variables=_strings(variables, "variables"),
        commit_message=text(commit_message, "commit_message"),
        tags=_strings(tags, "tags"),
        **_present(config=_json_object(config, "config"), config_schema=_json_object(config_schema, "config_schema")),
    )
    if text_ is not None:
        request.text = text(text_, "text")
    else:
        if isinstance(messages, (str, dict)) or not isinstance(messages, (list, tuple)):
            raise FabricError.invalid("chat.messages", "must be a list of messages")
        request.chat.messages.extend(_message_to_pb(m, f"chat.messages[{i}]") for i, m in enumerate(messages))
    # A repeat of an applied publish finds the identical content and returns the same version.
    return Unary(PROMPT, "PublishPrompt", request, lambda res: PublishResult(version=_required_version(res), created=res.created), as_is)


def get(name, version, label, sticky_key) -> Unary[Optional[ResolvedPrompt]]:
    if version is not None and label is not None:
        raise FabricError.invalid("selector", "set at most one of version, label")
    request = pb.GetPromptRequest(name=text(name, "name"), sticky_key=text(sticky_key, "sticky_key"))
    if version is not None:
        request.version = integer(version, "version")
    elif label is not None:
        request.label = text(label, "label")

    def convert(res: pb.GetPromptResponse) -> Optional[ResolvedPrompt]:
        if not res.HasField("version"):
            return None
        return ResolvedPrompt(version=version_from_pb(res.version), label=label_from_pb(res.label) if res.HasField("label") else None)

    return Unary(PROMPT, "GetPrompt", request, convert, as_is)


def list_versions(name, limit, page_token) -> Unary[PromptVersionPage]:
    request = pb.ListPromptVersionsRequest(name=text(name, "name"), limit=int32(limit, "limit"), page_token=text(page_token, "page_token"))
    return Unary(
        PROMPT,
        "ListPromptVersions",
        request,
        lambda res: PromptVersionPage(versions=[version_from_pb(v) for v in res.versions], next_page_token=res.next_page_token or None),
        as_is,
    )


def list_labels(name) -> Unary[List[PromptLabel]]:
    request = pb.ListPromptLabelsRequest(name=text(name, "name"))
    return Unary(PROMPT, "ListPromptLabels", request, lambda res: [label_from_pb(label) for label in res.labels], as_is)


def diff(name, from_version, to_version) -> Unary[PromptDiff]:
    request = pb.DiffPromptVersionsRequest(
        name=text(name, "name"), from_version=integer(from_version, "from_version") or 0, to_version=integer(to_version, "to_version") or 0
    )

    def convert(res: pb.DiffPromptVersionsResponse) -> PromptDiff:
        if not res.HasField("from") or not res.HasField("to"):
            raise FabricError("INTERNAL", "server sent a diff without its versions")
        return PromptDiff(
            from_=version_from_pb(getattr(res, "from")),
            to=version_from_pb(res.to),
            changes=[
                PromptChange(
                    path=c.path,
                    kind=_enum_name(pb.PromptChangeKind, c.kind, "PROMPT_CHANGE_KIND_"),
                    before=optional_value_from_pb(c, "before"),
                    after=optional_value_from_pb(c, "after"),
                    text_diff=c.text_diff or None,
                )
                for c in res.changes
            ],
        )

    return Unary(PROMPT, "DiffPromptVersions", request, convert, as_is)


def move_label(name, label, version, reason, if_version, if_revision) -> Unary[MoveLabelResult]:
    request = pb.MoveLabelRequest(
        name=text(name, "name"), label=text(label, "label"), version=integer(version, "version") or 0, reason=text(reason, "reason")
    )
    if if_version is not None:
        request.if_version = integer(if_version, "if_version")
    if if_revision is not None:
        request.if_revision = integer(if_revision, "if_revision")
    compare_and_set = if_version is not None or if_revision is not None

    def convert(res: pb.MoveLabelResponse) -> MoveLabelResult:
        if not res.HasField("label"):
            raise FabricError("INTERNAL", "server sent a move without its label")
        return MoveLabelResult(label=label_from_pb(res.label), move=move_from_pb(res.move) if res.HasField("move") else None)

    # Moving to where the label already points changes nothing; a compare-and-set repeat would fail.
    return Unary(PROMPT, "MoveLabel", request, convert, None if compare_and_set else as_is)


def label_history(name, label, limit, page_token) -> Unary[LabelHistoryPage]:
    request = pb.LabelHistoryRequest(
        name=text(name, "name"), label=text(label, "label"), limit=int32(limit, "limit"), page_token=text(page_token, "page_token")
    )
    return Unary(
        PROMPT,
        "LabelHistory",
        request,
        lambda res: LabelHistoryPage(moves=[move_from_pb(m) for m in res.moves], next_page_token=res.next_page_token or None),
        as_is,
    )


def _step_to_pb(step: Any, field: str) -> pb.RolloutStep:
    if isinstance(step, RolloutStep):
        percent, bake = step.percent, step.bake
    elif isinstance(step, dict):
        percent, bake = step.get("percent"), step.get("bake", 0)
    elif isinstance(step, (list, tuple)) and len(step) == 2:
        percent, bake = step
    else:
        raise FabricError.invalid(field, "must be a RolloutStep, a dict with percent and bake (seconds), or (percent, bake)")
    out = pb.RolloutStep(percent=number(percent, f"{field}.percent") or 0.0)
    duration = duration_to_pb(bake, f"{field}.bake")
    if duration is not None:
        out.bake.CopyFrom(duration)
    return out


def _gate_to_pb(gate: Any) -> Optional[pb.RolloutGate]:
    if gate is None:
        return None
    if isinstance(gate, dict):
        unknown = set(gate) - set(RolloutGate.__dataclass_fields__)
        if unknown:
            raise FabricError.invalid(f"gate.{sorted(unknown)[0]}", "is not a gate threshold")
        gate = RolloutGate(**gate)
    if not isinstance(gate, RolloutGate):
        raise FabricError.invalid("gate", "must be a RolloutGate or a dict of its thresholds")
    out = pb.RolloutGate(
        min_samples=integer(gate.min_samples, "gate.min_samples") or 0, min_feedback=integer(gate.min_feedback, "gate.min_feedback") or 0
    )
    for name in ("max_error_rate_increase", "max_latency_p95_increase", "max_rating_drop", "max_score_drop"):
        value = number(getattr(gate, name), f"gate.{name}")
        if value is not None:
            setattr(out, name, value)
    return out


def start_rollout(name, label, to_version, steps, reason, gate, if_version) -> Unary[RolloutResult]:
    if isinstance(steps, (str, dict)) or not isinstance(steps, (list, tuple)):
        raise FabricError.invalid("steps", "must be a list of steps")
    request = pb.StartRolloutRequest(
        name=text(name, "name"),
        label=text(label, "label"),
        to_version=integer(to_version, "to_version") or 0,
        steps=[_step_to_pb(s, f"steps[{i}]") for i, s in enumerate(steps)],
        reason=text(reason, "reason"),
        **_present(gate=_gate_to_pb(gate)),
    )
    if if_version is not None:
        request.if_version = integer(if_version, "if_version")
    return Unary(PROMPT, "StartRollout", request, _rollout_result, None)


def rollout_action(method: str, name, label, reason) -> Unary:
    request = getattr(pb, f"{method}Request")(name=text(name, "name"), label=text(label, "label"), reason=text(reason, "reason"))
    if method in ("PauseRollout", "ResumeRollout"):
        # Pausing a paused rollout (resuming a running one) changes nothing: safe to repeat.
        return Unary(PROMPT, method, request, lambda res: rollout_from_pb(_required(res, "rollout")), as_is)
    return Unary(PROMPT, method, request, _rollout_result, None)


def rollout_status(name, label) -> Unary[Optional[RolloutStatus]]:
    request = pb.GetRolloutRequest(name=text(name, "name"), label=text(label, "label"))

    def convert(res: pb.GetRolloutResponse) -> Optional[RolloutStatus]:
        if not res.HasField("rollout"):
            return None
        return RolloutStatus(rollout=rollout_from_pb(res.rollout), evaluation=evaluation_from_pb(res.evaluation) if res.HasField("evaluation") else None)

    return Unary(PROMPT, "GetRollout", request, convert, as_is)


# ---- results ----


def _required(res: Any, name: str) -> Any:
    if not res.HasField(name):
        raise FabricError("INTERNAL", f"server sent a response without {name}")
    return getattr(res, name)


def _required_version(res: Any) -> PromptVersion:
    return version_from_pb(_required(res, "version"))


def _rollout_result(res: Any) -> RolloutResult:
    return RolloutResult(rollout=rollout_from_pb(_required(res, "rollout")), label=label_from_pb(_required(res, "label")))


def version_from_pb(v: pb.PromptVersion) -> PromptVersion:
    chat = v.WhichOneof("template") == "chat"
    config = optional_value_from_pb(v, "config")
    return PromptVersion(
        name=v.name,
        version=v.version,
        text=None if chat else v.text,
        messages=[ChatMessage(role=m.role, content=m.content) for m in v.chat.messages] if chat else None,
        config=config if isinstance(config, dict) else {},
        variables=list(v.variables),
        commit_message=v.commit_message,
        tags=list(v.tags),
        author=v.author,
        created_at=datetime_from_pb(v.created_at),
        content_hash=v.content_hash,
        revision=v.revision,
    )


def label_from_pb(label: pb.PromptLabel) -> PromptLabel:
    r = label.rollout
    return PromptLabel(
        name=label.name,
        label=label.label,
        version=label.version,
        rollout=(
            LabelRollout(rollout_id=r.rollout_id, to_version=r.to_version, percent=r.percent, salt=r.salt) if label.HasField("rollout") else None
        ),
        moves=label.moves,
        updated_at=datetime_from_pb(label.updated_at),
        updated_by=label.updated_by,
        reason=label.reason,
        revision=label.revision,
    )


def _figures_from_pb(f: pb.VersionFigures) -> VersionFigures:
    return VersionFigures(
        version=f.version,
        executions=f.executions,
        errors=f.errors,
        error_rate=f.error_rate,
        latency_p95_ms=f.latency_p95_ms,
        rated=f.rated,
        rating_mean=f.rating_mean,
        scores=[ScoreFigures(name=s.name, count=s.count, normalized_mean=s.normalized_mean) for s in f.scores],
    )


def evaluation_from_pb(e: pb.GateEvaluation) -> GateEvaluation:
    return GateEvaluation(
        verdict=_enum_name(pb.GateVerdict, e.verdict, "GATE_VERDICT_"),
        evaluated_at=datetime_from_pb(e.evaluated_at),
        window_start=datetime_from_pb(e.window_start),
        baseline=_figures_from_pb(e.baseline),
        candidate=_figures_from_pb(e.candidate),
        checks=[
            GateCheck(
                name=c.name,
                result=_enum_name(pb.GateCheckResult, c.result, "GATE_CHECK_RESULT_"),
                baseline=c.baseline,
                candidate=c.candidate,
                limit=c.limit,
                baseline_samples=c.baseline_samples,
                candidate_samples=c.candidate_samples,
            )
            for c in e.checks
        ],
    )


def _optional_evaluation(message: Any) -> Optional[GateEvaluation]:
    return evaluation_from_pb(message.evaluation) if message.HasField("evaluation") else None


def move_from_pb(m: pb.LabelMove) -> LabelMove:
    kind = _enum_name(pb.LabelMoveKind, m.kind, "LABEL_MOVE_KIND_")
    return LabelMove(
        name=m.name,
        label=m.label,
        seq=m.seq,
        kind=kind,
        from_version=m.from_version,
        to_version=m.to_version,
        percent=m.percent if kind.startswith("ROLLOUT_") else None,
        rollout_id=m.rollout_id or None,
        actor=m.actor,
        at=datetime_from_pb(m.at),
        reason=m.reason,
        evaluation=_optional_evaluation(m),
        revision=m.revision,
    )


def _gate_from_pb(g: pb.RolloutGate) -> RolloutGate:
    def optional(name: str) -> Optional[float]:
        return getattr(g, name) if g.HasField(name) else None

    return RolloutGate(
        min_samples=g.min_samples,
        min_feedback=g.min_feedback,
        max_error_rate_increase=optional("max_error_rate_increase"),
        max_latency_p95_increase=optional("max_latency_p95_increase"),
        max_rating_drop=optional("max_rating_drop"),
        max_score_drop=optional("max_score_drop"),
    )


def rollout_from_pb(r: pb.Rollout) -> Rollout:
    return Rollout(
        id=r.id,
        name=r.name,
        label=r.label,
        from_version=r.from_version,
        to_version=r.to_version,
        steps=[RolloutStep(percent=s.percent, bake=s.bake.seconds + s.bake.nanos / 1e9) for s in r.steps],
        gate=_gate_from_pb(r.gate),
        state=_enum_name(pb.RolloutState, r.state, "ROLLOUT_STATE_"),
        step_index=r.step_index,
        percent=r.percent,
        step_started_at=datetime_from_pb(r.step_started_at),
        started_at=datetime_from_pb(r.started_at),
        started_by=r.started_by,
        finished_at=optional_datetime(r, "finished_at"),
        salt=r.salt,
        events=[
            RolloutEvent(
                kind=_enum_name(pb.RolloutEventKind, e.kind, "ROLLOUT_EVENT_KIND_"),
                at=datetime_from_pb(e.at),
                actor=e.actor,
                step=e.step,
                percent=e.percent,
                reason=e.reason,
                evaluation=_optional_evaluation(e),
            )
            for e in r.events
        ],
        revision=r.revision,
    )

