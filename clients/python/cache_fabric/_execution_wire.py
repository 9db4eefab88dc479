"""ExecutionService messages <-> the Python API's types (the counterpart of
client/src/wire/execution-convert.ts). Proto3 defaults map to None (empty string, revision 0,
UNSPECIFIED status); fields with explicit presence (latency_ms, rating) keep a 0."""

from __future__ import annotations

from typing import Any, Iterable, Optional

from ._gen.cachefabric.v1 import execution_pb2 as pb
from ._wire import (
    datetime_from_pb,
    duration_to_pb,
    instant_to_pb,
    int32,
    integer,
    metadata_to_pb,
    number,
    optional_datetime,
    optional_value_from_pb,
    text,
    value_to_pb,
)
from .errors import FabricError
from .types import (
    Execution,
    ExecutionStats,
    ExecutionStatsGroup,
    ExecutionWithFeedback,
    Feedback,
    FeedbackSummary,
    FeedbackSummaryGroup,
    Score,
    ScoreSummary,
)

_STATUS_TO_PB = {"OK": pb.EXECUTION_STATUS_OK, "ERROR": pb.EXECUTION_STATUS_ERROR}
_STATUS_FROM_PB = {number: name for name, number in _STATUS_TO_PB.items()}


def status_to_pb(status: Optional[str], field: str) -> int:
    if status is None:
        return pb.EXECUTION_STATUS_UNSPECIFIED
    number_ = _STATUS_TO_PB.get(status.upper()) if isinstance(status, str) else None
    if number_ is None:
        raise FabricError.invalid(field, 'must be "OK" or "ERROR"')
    return number_


def window(since: Any, until: Any) -> dict:
    """A window over started_at: ``since`` inclusive, ``until`` exclusive; None is open."""
    return _present(since=instant_to_pb(since, "since"), until=instant_to_pb(until, "until"))


def _present(**fields: Any) -> dict:
    """Constructor arguments without the unset ones (None), which protobuf would refuse or misread."""
    return {k: v for k, v in fields.items() if v is not None}


def _json(value: Any, field: str):
    return None if value is None else value_to_pb(value, field)


# ---- requests ----


def record_execution_request(
    *, id, started_at, finished_at, input, output, latency_ms, status, error, prompt_key, prompt_revision,
    prompt_version, prompt_label, metadata, ttl,
) -> pb.RecordExecutionRequest:
    execution = pb.Execution(
        **_present(
            id=text(id, "execution.id"),
            started_at=instant_to_pb(started_at, "execution.started_at"),
            finished_at=instant_to_pb(finished_at, "execution.finished_at"),
            input=_json(input, "execution.input"),
            output=_json(output, "execution.output"),
            latency_ms=number(latency_ms, "execution.latency_ms"),
            status=status_to_pb(status, "execution.status"),
            error=text(error, "execution.error"),
            prompt_key=text(prompt_key, "execution.prompt_key"),
            prompt_revision=integer(prompt_revision, "execution.prompt_revision"),
            prompt_version=integer(prompt_version, "execution.prompt_version"),
            prompt_label=text(prompt_label, "execution.prompt_label"),
            metadata=metadata_to_pb(metadata, "execution.metadata"),
        )
    )
    return pb.RecordExecutionRequest(execution=execution, **_present(ttl=duration_to_pb(ttl, "ttl")))


def _score_to_pb(score: Any, field: str) -> pb.Score:
    if isinstance(score, Score):
        name, value, max_ = score.name, score.value, score.max
    elif isinstance(score, dict):
        name, value, max_ = score.get("name"), score.get("value"), score.get("max")
    else:
        raise FabricError.invalid(field, "must be a Score or a dict with name, value, max")
    return pb.Score(
        name=text(name, f"{field}.name"),
        value=number(value, f"{field}.value") or 0.0,
        max=number(max_, f"{field}.max") or 0.0,
    )


def record_feedback_request(
    *, execution_id, rating, comment, corrections, scores, timestamp, metadata, ttl,
) -> pb.RecordFeedbackRequest:
    if scores is not None and not isinstance(scores, (list, tuple)):
        raise FabricError.invalid("feedback.scores", "must be a list")
    feedback = pb.Feedback(
        **_present(
            execution_id=text(execution_id, "feedback.execution_id"),
            timestamp=instant_to_pb(timestamp, "feedback.timestamp"),
            rating=None if rating is None else int32(rating, "feedback.rating"),
            comment=text(comment, "feedback.comment"),
            corrections=_json(corrections, "feedback.corrections"),
            metadata=metadata_to_pb(metadata, "feedback.metadata"),
        ),
        scores=[_score_to_pb(s, f"feedback.scores[{i}]") for i, s in enumerate(scores or [])],
    )
    return pb.RecordFeedbackRequest(feedback=feedback, **_present(ttl=duration_to_pb(ttl, "ttl")))


def list_executions_request(*, prompt_key, status, since, until, limit, page_token) -> pb.ListExecutionsRequest:
    return pb.ListExecutionsRequest(
        prompt_key=text(prompt_key, "prompt_key"),
        status=status_to_pb(status, "status"),
        limit=int32(limit, "limit"),
        page_token=text(page_token, "page_token"),
        **window(since, until),
    )


def stats_request_fields(*, prompt_key, prompt_label, since, until) -> dict:
    """ExecutionStats and FeedbackSummary take the same request shape."""
    return dict(prompt_key=text(prompt_key, "prompt_key"), prompt_label=text(prompt_label, "prompt_label"), **window(since, until))


def export_request(*, since, until, min_rating, has_corrections, prompt_key) -> pb.ExportTrainingDataRequest:
    if has_corrections is not None and not isinstance(has_corrections, bool):
        raise FabricError.invalid("has_corrections", "must be a bool")
    return pb.ExportTrainingDataRequest(
        min_rating=int32(min_rating, "min_rating"),
        has_corrections=has_corrections is True,
        prompt_key=text(prompt_key, "prompt_key"),
        **window(since, until),
    )


# ---- results ----


def execution_from_pb(e: pb.Execution) -> Execution:
    return Execution(
        id=e.id,
        started_at=datetime_from_pb(e.started_at),
        finished_at=datetime_from_pb(e.finished_at),
        input=optional_value_from_pb(e, "input"),
        output=optional_value_from_pb(e, "output"),
        latency_ms=e.latency_ms if e.HasField("latency_ms") else 0.0,
        status=_STATUS_FROM_PB.get(e.status, "OK"),
        error=e.error or None,
        prompt_key=e.prompt_key or None,
        prompt_revision=e.prompt_revision or None,
        prompt_version=e.prompt_version or None,
        prompt_label=e.prompt_label or None,
        metadata=dict(e.metadata),
        revision=e.revision,
        expires_at=optional_datetime(e, "expires_at"),
    )


def feedback_from_pb(f: pb.Feedback) -> Feedback:
    return Feedback(
        execution_id=f.execution_id,
        timestamp=datetime_from_pb(f.timestamp),
        rating=f.rating if f.HasField("rating") else None,
        comment=f.comment or None,
        corrections=optional_value_from_pb(f, "corrections"),
        scores=[Score(name=s.name, value=s.value, max=s.max) for s in f.scores],
        metadata=dict(f.metadata),
        revision=f.revision,
        expires_at=optional_datetime(f, "expires_at"),
    )


def with_feedback_from_pb(message: Any) -> ExecutionWithFeedback:
    """TrainingExample and GetExecutionResponse have the same fields."""
    if not message.HasField("execution"):
        raise FabricError("INTERNAL", "server sent an example without an execution")
    return ExecutionWithFeedback(
        execution=execution_from_pb(message.execution),
        feedback=feedback_from_pb(message.feedback) if message.HasField("feedback") else None,
        automated_feedback=(
            feedback_from_pb(message.automated_feedback) if message.HasField("automated_feedback") else None
        ),
    )


def _figures(s: pb.ExecutionStats) -> dict:
    return dict(
        count=s.count,
        error_count=s.error_count,
        error_rate=s.error_rate,
        latency_avg_ms=s.latency_avg_ms,
        latency_p50_ms=s.latency_p50_ms,
        latency_p95_ms=s.latency_p95_ms,
        latency_p99_ms=s.latency_p99_ms,
        latency_max_ms=s.latency_max_ms,
    )


def _group(g: Any) -> dict:
    return dict(prompt_key=g.prompt_key or None, prompt_revision=g.prompt_revision or None, prompt_version=g.prompt_version or None)


def execution_stats_from_pb(res: pb.ExecutionStatsResponse) -> ExecutionStats:
    return ExecutionStats(
        **_figures(res.total),
        by_prompt_revision=[ExecutionStatsGroup(**_group(g), **_figures(g.stats)) for g in res.by_prompt_revision],
    )


def _feedback_figures(s: pb.FeedbackStats) -> dict:
    counts = list(s.rating_counts) + [0] * 5
    return dict(
        executions=s.executions,
        feedback_count=s.feedback_count,
        rated_count=s.rated_count,
        rating_counts={r: counts[r - 1] for r in range(1, 6)},
        rating_mean=s.rating_mean,
        corrections_count=s.corrections_count,
        automated_count=s.automated_count,
        scores=[ScoreSummary(name=x.name, count=x.count, mean=x.mean, normalized_mean=x.normalized_mean) for x in s.scores],
    )


def feedback_summary_from_pb(res: pb.FeedbackSummaryResponse) -> FeedbackSummary:
    return FeedbackSummary(
        **_feedback_figures(res.total),
        by_prompt_revision=[
            FeedbackSummaryGroup(**_group(g), **_feedback_figures(g.stats)) for g in res.by_prompt_revision
        ],
    )


def examples_from_pb(res: pb.ExportTrainingDataResponse) -> Iterable[ExecutionWithFeedback]:
    return [with_feedback_from_pb(x) for x in res.examples]
