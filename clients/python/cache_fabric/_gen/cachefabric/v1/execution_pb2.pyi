from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor
EXECUTION_STATUS_ERROR: ExecutionStatus
EXECUTION_STATUS_OK: ExecutionStatus
EXECUTION_STATUS_UNSPECIFIED: ExecutionStatus

class Execution(_message.Message):
    __slots__ = ["error", "expires_at", "finished_at", "id", "input", "latency_ms", "metadata", "output", "prompt_key", "prompt_label", "prompt_revision", "prompt_version", "revision", "started_at", "status"]
    class MetadataEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ERROR_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    FINISHED_AT_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    INPUT_FIELD_NUMBER: _ClassVar[int]
    LATENCY_MS_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_FIELD_NUMBER: _ClassVar[int]
    PROMPT_KEY_FIELD_NUMBER: _ClassVar[int]
    PROMPT_LABEL_FIELD_NUMBER: _ClassVar[int]
    PROMPT_REVISION_FIELD_NUMBER: _ClassVar[int]
    PROMPT_VERSION_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    error: str
    expires_at: _timestamp_pb2.Timestamp
    finished_at: _timestamp_pb2.Timestamp
    id: str
    input: _struct_pb2.Value
    latency_ms: float
    metadata: _containers.ScalarMap[str, str]
    output: _struct_pb2.Value
    prompt_key: str
    prompt_label: str
    prompt_revision: int
    prompt_version: int
    revision: int
    started_at: _timestamp_pb2.Timestamp
    status: ExecutionStatus
    def __init__(self, id: _Optional[str] = ..., started_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., finished_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., input: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., output: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., latency_ms: _Optional[float] = ..., status: _Optional[_Union[ExecutionStatus, str]] = ..., error: _Optional[str] = ..., prompt_key: _Optional[str] = ..., prompt_revision: _Optional[int] = ..., metadata: _Optional[_Mapping[str, str]] = ..., revision: _Optional[int] = ..., expires_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., prompt_version: _Optional[int] = ..., prompt_label: _Optional[str] = ...) -> None: ...

class ExecutionStats(_message.Message):
    __slots__ = ["count", "error_count", "error_rate", "latency_avg_ms", "latency_max_ms", "latency_p50_ms", "latency_p95_ms", "latency_p99_ms"]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    ERROR_COUNT_FIELD_NUMBER: _ClassVar[int]
    ERROR_RATE_FIELD_NUMBER: _ClassVar[int]
    LATENCY_AVG_MS_FIELD_NUMBER: _ClassVar[int]
    LATENCY_MAX_MS_FIELD_NUMBER: _ClassVar[int]
    LATENCY_P50_MS_FIELD_NUMBER: _ClassVar[int]
    LATENCY_P95_MS_FIELD_NUMBER: _ClassVar[int]
    LATENCY_P99_MS_FIELD_NUMBER: _ClassVar[int]
    count: int
    error_count: int
    error_rate: float
    latency_avg_ms: float
    latency_max_ms: float
    latency_p50_ms: float
    latency_p95_ms: float
    latency_p99_ms: float
    def __init__(self, count: _Optional[int] = ..., error_count: _Optional[int] = ..., error_rate: _Optional[float] = ..., latency_avg_ms: _Optional[float] = ..., latency_p50_ms: _Optional[float] = ..., latency_p95_ms: _Optional[float] = ..., latency_p99_ms: _Optional[float] = ..., latency_max_ms: _Optional[float] = ...) -> None: ...

class ExecutionStatsGroup(_message.Message):
    __slots__ = ["prompt_key", "prompt_revision", "prompt_version", "stats"]
    PROMPT_KEY_FIELD_NUMBER: _ClassVar[int]
    PROMPT_REVISION_FIELD_NUMBER: _ClassVar[int]
    PROMPT_VERSION_FIELD_NUMBER: _ClassVar[int]
    STATS_FIELD_NUMBER: _ClassVar[int]
    prompt_key: str
    prompt_revision: int
    prompt_version: int
    stats: ExecutionStats
    def __init__(self, prompt_key: _Optional[str] = ..., prompt_revision: _Optional[int] = ..., stats: _Optional[_Union[ExecutionStats, _Mapping]] = ..., prompt_version: _Optional[int] = ...) -> None: ...

class ExecutionStatsRequest(_message.Message):
    __slots__ = ["prompt_key", "prompt_label", "since", "until"]
    PROMPT_KEY_FIELD_NUMBER: _ClassVar[int]
    PROMPT_LABEL_FIELD_NUMBER: _ClassVar[int]
    SINCE_FIELD_NUMBER: _ClassVar[int]
    UNTIL_FIELD_NUMBER: _ClassVar[int]
    prompt_key: str
    prompt_label: str
    since: _timestamp_pb2.Timestamp
    until: _timestamp_pb2.Timestamp
    def __init__(self, prompt_key: _Optional[str] = ..., since: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., until: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., prompt_label: _Optional[str] = ...) -> None: ...

class ExecutionStatsResponse(_message.Message):
    __slots__ = ["by_prompt_revision", "total"]
    BY_PROMPT_REVISION_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    by_prompt_revision: _containers.RepeatedCompositeFieldContainer[ExecutionStatsGroup]
    total: ExecutionStats
    def __init__(self, total: _Optional[_Union[ExecutionStats, _Mapping]] = ..., by_prompt_revision: _Optional[_Iterable[_Union[ExecutionStatsGroup, _Mapping]]] = ...) -> None: ...

class ExportTrainingDataRequest(_message.Message):
    __slots__ = ["has_corrections", "min_rating", "prompt_key", "since", "until"]
    HAS_CORRECTIONS_FIELD_NUMBER: _ClassVar[int]
    MIN_RATING_FIELD_NUMBER: _ClassVar[int]
    PROMPT_KEY_FIELD_NUMBER: _ClassVar[int]
    SINCE_FIELD_NUMBER: _ClassVar[int]
    UNTIL_FIELD_NUMBER: _ClassVar[int]
    has_corrections: bool
    min_rating: int
    prompt_key: str
    since: _timestamp_pb2.Timestamp
    until: _timestamp_pb2.Timestamp
    def __init__(self, since: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., until: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., min_rating: _Optional[int] = ..., has_corrections: bool = ..., prompt_key: _Optional[str] = ...) -> None: ...

class ExportTrainingDataResponse(_message.Message):
    __slots__ = ["examples"]
    EXAMPLES_FIELD_NUMBER: _ClassVar[int]
    examples: _containers.RepeatedCompositeFieldContainer[TrainingExample]
    def __init__(self, examples: _Optional[_Iterable[_Union[TrainingExample, _Mapping]]] = ...) -> None: ...

class Feedback(_message.Message):
    __slots__ = ["comment", "corrections", "execution_id", "expires_at", "metadata", "rating", "revision", "scores", "timestamp"]
    class MetadataEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    CORRECTIONS_FIELD_NUMBER: _ClassVar[int]
    EXECUTION_ID_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    RATING_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    SCORES_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    comment: str
    corrections: _struct_pb2.Value
    execution_id: str
    expires_at: _timestamp_pb2.Timestamp
    metadata: _containers.ScalarMap[str, str]
    rating: int
    revision: int
    scores: _containers.RepeatedCompositeFieldContainer[Score]
    timestamp: _timestamp_pb2.Timestamp
    def __init__(self, execution_id: _Optional[str] = ..., timestamp: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., rating: _Optional[int] = ..., comment: _Optional[str] = ..., corrections: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., scores: _Optional[_Iterable[_Union[Score, _Mapping]]] = ..., metadata: _Optional[_Mapping[str, str]] = ..., revision: _Optional[int] = ..., expires_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class FeedbackStats(_message.Message):
    __slots__ = ["automated_count", "corrections_count", "executions", "feedback_count", "rated_count", "rating_counts", "rating_mean", "scores"]
    AUTOMATED_COUNT_FIELD_NUMBER: _ClassVar[int]
    CORRECTIONS_COUNT_FIELD_NUMBER: _ClassVar[int]
    EXECUTIONS_FIELD_NUMBER: _ClassVar[int]
    FEEDBACK_COUNT_FIELD_NUMBER: _ClassVar[int]
    RATED_COUNT_FIELD_NUMBER: _ClassVar[int]
    RATING_COUNTS_FIELD_NUMBER: _ClassVar[int]
    RATING_MEAN_FIELD_NUMBER: _ClassVar[int]
    SCORES_FIELD_NUMBER: _ClassVar[int]
    automated_count: int
    corrections_count: int
    executions: int
    feedback_count: int
    rated_count: int
    rating_counts: _containers.RepeatedScalarFieldContainer[int]
    rating_mean: float
    scores: _containers.RepeatedCompositeFieldContainer[ScoreSummary]
    def __init__(self, executions: _Optional[int] = ..., feedback_count: _Optional[int] = ..., rated_count: _Optional[int] = ..., rating_counts: _Optional[_Iterable[int]] = ..., rating_mean: _Optional[float] = ..., corrections_count: _Optional[int] = ..., automated_count: _Optional[int] = ..., scores: _Optional[_Iterable[_Union[ScoreSummary, _Mapping]]] = ...) -> None: ...

class FeedbackSummaryGroup(_message.Message):
    __slots__ = ["prompt_key", "prompt_revision", "prompt_version", "stats"]
    PROMPT_KEY_FIELD_NUMBER: _ClassVar[int]
    PROMPT_REVISION_FIELD_NUMBER: _ClassVar[int]
    PROMPT_VERSION_FIELD_NUMBER: _ClassVar[int]
    STATS_FIELD_NUMBER: _ClassVar[int]
    prompt_key: str
    prompt_revision: int
    prompt_version: int
    stats: FeedbackStats
    def __init__(self, prompt_key: _Optional[str] = ..., prompt_revision: _Optional[int] = ..., stats: _Optional[_Union[FeedbackStats, _Mapping]] = ..., prompt_version: _Optional[int] = ...) -> None: ...

class FeedbackSummaryRequest(_message.Message):
    __slots__ = ["prompt_key", "prompt_label", "since", "until"]
    PROMPT_KEY_FIELD_NUMBER: _ClassVar[int]
    PROMPT_LABEL_FIELD_NUMBER: _ClassVar[int]
    SINCE_FIELD_NUMBER: _ClassVar[int]
    UNTIL_FIELD_NUMBER: _ClassVar[int]
    prompt_key: str
    prompt_label: str
    since: _timestamp_pb2.Timestamp
    until: _timestamp_pb2.Timestamp
    def __init__(self, prompt_key: _Optional[str] = ..., since: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., until: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., prompt_label: _Optional[str] = ...) -> None: ...

class FeedbackSummaryResponse(_message.Message):
    __slots__ = ["by_prompt_revision", "total"]
    BY_PROMPT_REVISION_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    by_prompt_revision: _containers.RepeatedCompositeFieldContainer[FeedbackSummaryGroup]
    total: FeedbackStats
    def __init__(self, total: _Optional[_Union[FeedbackStats, _Mapping]] = ..., by_prompt_revision: _Optional[_Iterable[_Union[FeedbackSummaryGroup, _Mapping]]] = ...) -> None: ...

class GetExecutionRequest(_message.Message):
    __slots__ = ["id"]
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class GetExecutionResponse(_message.Message):
    __slots__ = ["automated_feedback", "execution", "feedback"]
    AUTOMATED_FEEDBACK_FIELD_NUMBER: _ClassVar[int]
    EXECUTION_FIELD_NUMBER: _ClassVar[int]
    FEEDBACK_FIELD_NUMBER: _ClassVar[int]
    automated_feedback: Feedback
    execution: Execution
    feedback: Feedback
    def __init__(self, execution: _Optional[_Union[Execution, _Mapping]] = ..., feedback: _Optional[_Union[Feedback, _Mapping]] = ..., automated_feedback: _Optional[_Union[Feedback, _Mapping]] = ...) -> None: ...

class ListExecutionsRequest(_message.Message):
    __slots__ = ["limit", "page_token", "prompt_key", "since", "status", "until"]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    PROMPT_KEY_FIELD_NUMBER: _ClassVar[int]
    SINCE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    UNTIL_FIELD_NUMBER: _ClassVar[int]
    limit: int
    page_token: str
    prompt_key: str
    since: _timestamp_pb2.Timestamp
    status: ExecutionStatus
    until: _timestamp_pb2.Timestamp
    def __init__(self, prompt_key: _Optional[str] = ..., status: _Optional[_Union[ExecutionStatus, str]] = ..., since: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., until: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., limit: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListExecutionsResponse(_message.Message):
    __slots__ = ["executions", "next_page_token"]
    EXECUTIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    executions: _containers.RepeatedCompositeFieldContainer[Execution]
    next_page_token: str
    def __init__(self, executions: _Optional[_Iterable[_Union[Execution, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class RecordExecutionRequest(_message.Message):
    __slots__ = ["execution", "ttl"]
    EXECUTION_FIELD_NUMBER: _ClassVar[int]
    TTL_FIELD_NUMBER: _ClassVar[int]
    execution: Execution
    ttl: _duration_pb2.Duration
    def __init__(self, execution: _Optional[_Union[Execution, _Mapping]] = ..., ttl: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class RecordExecutionResponse(_message.Message):
    __slots__ = ["execution", "revision"]
    EXECUTION_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    execution: Execution
    revision: int
    def __init__(self, execution: _Optional[_Union[Execution, _Mapping]] = ..., revision: _Optional[int] = ...) -> None: ...

class RecordFeedbackRequest(_message.Message):
    __slots__ = ["feedback", "ttl"]
    FEEDBACK_FIELD_NUMBER: _ClassVar[int]
    TTL_FIELD_NUMBER: _ClassVar[int]
    feedback: Feedback
    ttl: _duration_pb2.Duration
    def __init__(self, feedback: _Optional[_Union[Feedback, _Mapping]] = ..., ttl: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class RecordFeedbackResponse(_message.Message):
    __slots__ = ["feedback", "revision"]
    FEEDBACK_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    feedback: Feedback
    revision: int
    def __init__(self, feedback: _Optional[_Union[Feedback, _Mapping]] = ..., revision: _Optional[int] = ...) -> None: ...

class Score(_message.Message):
    __slots__ = ["max", "name", "value"]
    MAX_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    max: float
    name: str
    value: float
    def __init__(self, name: _Optional[str] = ..., value: _Optional[float] = ..., max: _Optional[float] = ...) -> None: ...

class ScoreSummary(_message.Message):
    __slots__ = ["count", "mean", "name", "normalized_mean"]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    MEAN_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    NORMALIZED_MEAN_FIELD_NUMBER: _ClassVar[int]
    count: int
    mean: float
    name: str
    normalized_mean: float
    def __init__(self, name: _Optional[str] = ..., count: _Optional[int] = ..., mean: _Optional[float] = ..., normalized_mean: _Optional[float] = ...) -> None: ...

class TrainingExample(_message.Message):
    __slots__ = ["automated_feedback", "execution", "feedback"]
    AUTOMATED_FEEDBACK_FIELD_NUMBER: _ClassVar[int]
    EXECUTION_FIELD_NUMBER: _ClassVar[int]
    FEEDBACK_FIELD_NUMBER: _ClassVar[int]
    automated_feedback: Feedback
    execution: Execution
    feedback: Feedback
    def __init__(self, execution: _Optional[_Union[Execution, _Mapping]] = ..., feedback: _Optional[_Union[Feedback, _Mapping]] = ..., automated_feedback: _Optional[_Union[Feedback, _Mapping]] = ...) -> None: ...

class ExecutionStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
