from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor
GATE_CHECK_RESULT_FAIL: GateCheckResult
GATE_CHECK_RESULT_INSUFFICIENT: GateCheckResult
GATE_CHECK_RESULT_PASS: GateCheckResult
GATE_CHECK_RESULT_UNSPECIFIED: GateCheckResult
GATE_VERDICT_PASS: GateVerdict
GATE_VERDICT_REGRESSION: GateVerdict
GATE_VERDICT_UNSPECIFIED: GateVerdict
GATE_VERDICT_WAIT: GateVerdict
LABEL_MOVE_KIND_MOVE: LabelMoveKind
LABEL_MOVE_KIND_PUBLISH: LabelMoveKind
LABEL_MOVE_KIND_ROLLOUT_ABORT: LabelMoveKind
LABEL_MOVE_KIND_ROLLOUT_COMPLETE: LabelMoveKind
LABEL_MOVE_KIND_ROLLOUT_PROMOTE: LabelMoveKind
LABEL_MOVE_KIND_ROLLOUT_ROLLBACK: LabelMoveKind
LABEL_MOVE_KIND_ROLLOUT_START: LabelMoveKind
LABEL_MOVE_KIND_ROLLOUT_STEP: LabelMoveKind
LABEL_MOVE_KIND_UNSPECIFIED: LabelMoveKind
PROMPT_CHANGE_KIND_ADDED: PromptChangeKind
PROMPT_CHANGE_KIND_CHANGED: PromptChangeKind
PROMPT_CHANGE_KIND_REMOVED: PromptChangeKind
PROMPT_CHANGE_KIND_UNSPECIFIED: PromptChangeKind
ROLLOUT_EVENT_KIND_ABORTED: RolloutEventKind
ROLLOUT_EVENT_KIND_ADVANCED: RolloutEventKind
ROLLOUT_EVENT_KIND_COMPLETED: RolloutEventKind
ROLLOUT_EVENT_KIND_PAUSED: RolloutEventKind
ROLLOUT_EVENT_KIND_PROMOTED: RolloutEventKind
ROLLOUT_EVENT_KIND_RESUMED: RolloutEventKind
ROLLOUT_EVENT_KIND_ROLLED_BACK: RolloutEventKind
ROLLOUT_EVENT_KIND_STARTED: RolloutEventKind
ROLLOUT_EVENT_KIND_UNSPECIFIED: RolloutEventKind
ROLLOUT_STATE_ABORTED: RolloutState
ROLLOUT_STATE_COMPLETED: RolloutState
ROLLOUT_STATE_PAUSED: RolloutState
ROLLOUT_STATE_ROLLED_BACK: RolloutState
ROLLOUT_STATE_RUNNING: RolloutState
ROLLOUT_STATE_UNSPECIFIED: RolloutState

class AbortRolloutRequest(_message.Message):
    __slots__ = ["label", "name", "reason"]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    label: str
    name: str
    reason: str
    def __init__(self, name: _Optional[str] = ..., label: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class AbortRolloutResponse(_message.Message):
    __slots__ = ["label", "rollout"]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    ROLLOUT_FIELD_NUMBER: _ClassVar[int]
    label: PromptLabel
    rollout: Rollout
    def __init__(self, rollout: _Optional[_Union[Rollout, _Mapping]] = ..., label: _Optional[_Union[PromptLabel, _Mapping]] = ...) -> None: ...

class ChatMessage(_message.Message):
    __slots__ = ["content", "role"]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    content: str
    role: str
    def __init__(self, role: _Optional[str] = ..., content: _Optional[str] = ...) -> None: ...

class ChatTemplate(_message.Message):
    __slots__ = ["messages"]
    MESSAGES_FIELD_NUMBER: _ClassVar[int]
    messages: _containers.RepeatedCompositeFieldContainer[ChatMessage]
    def __init__(self, messages: _Optional[_Iterable[_Union[ChatMessage, _Mapping]]] = ...) -> None: ...

class DiffPromptVersionsRequest(_message.Message):
    __slots__ = ["from_version", "name", "to_version"]
    FROM_VERSION_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    TO_VERSION_FIELD_NUMBER: _ClassVar[int]
    from_version: int
    name: str
    to_version: int
    def __init__(self, name: _Optional[str] = ..., from_version: _Optional[int] = ..., to_version: _Optional[int] = ...) -> None: ...

class DiffPromptVersionsResponse(_message.Message):
    __slots__ = ["changes", "to"]
    CHANGES_FIELD_NUMBER: _ClassVar[int]
    FROM_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    changes: _containers.RepeatedCompositeFieldContainer[PromptChange]
    to: PromptVersion
    def __init__(self, to: _Optional[_Union[PromptVersion, _Mapping]] = ..., changes: _Optional[_Iterable[_Union[PromptChange, _Mapping]]] = ..., **kwargs) -> None: ...

class GateCheck(_message.Message):
    __slots__ = ["baseline", "baseline_samples", "candidate", "candidate_samples", "limit", "name", "result"]
    BASELINE_FIELD_NUMBER: _ClassVar[int]
    BASELINE_SAMPLES_FIELD_NUMBER: _ClassVar[int]
    CANDIDATE_FIELD_NUMBER: _ClassVar[int]
    CANDIDATE_SAMPLES_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    baseline: float
    baseline_samples: int
    candidate: float
    candidate_samples: int
    limit: float
    name: str
    result: GateCheckResult
    def __init__(self, name: _Optional[str] = ..., result: _Optional[_Union[GateCheckResult, str]] = ..., baseline: _Optional[float] = ..., candidate: _Optional[float] = ..., limit: _Optional[float] = ..., baseline_samples: _Optional[int] = ..., candidate_samples: _Optional[int] = ...) -> None: ...

class GateEvaluation(_message.Message):
    __slots__ = ["baseline", "candidate", "checks", "evaluated_at", "verdict", "window_start"]
    BASELINE_FIELD_NUMBER: _ClassVar[int]
    CANDIDATE_FIELD_NUMBER: _ClassVar[int]
    CHECKS_FIELD_NUMBER: _ClassVar[int]
    EVALUATED_AT_FIELD_NUMBER: _ClassVar[int]
    VERDICT_FIELD_NUMBER: _ClassVar[int]
    WINDOW_START_FIELD_NUMBER: _ClassVar[int]
    baseline: VersionFigures
    candidate: VersionFigures
    checks: _containers.RepeatedCompositeFieldContainer[GateCheck]
    evaluated_at: _timestamp_pb2.Timestamp
    verdict: GateVerdict
    window_start: _timestamp_pb2.Timestamp
    def __init__(self, verdict: _Optional[_Union[GateVerdict, str]] = ..., evaluated_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., window_start: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., baseline: _Optional[_Union[VersionFigures, _Mapping]] = ..., candidate: _Optional[_Union[VersionFigures, _Mapping]] = ..., checks: _Optional[_Iterable[_Union[GateCheck, _Mapping]]] = ...) -> None: ...

class GetPromptRequest(_message.Message):
    __slots__ = ["label", "name", "sticky_key", "version"]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    STICKY_KEY_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    label: str
    name: str
    sticky_key: str
    version: int
    def __init__(self, name: _Optional[str] = ..., version: _Optional[int] = ..., label: _Optional[str] = ..., sticky_key: _Optional[str] = ...) -> None: ...

class GetPromptResponse(_message.Message):
    __slots__ = ["label", "version"]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    label: PromptLabel
    version: PromptVersion
    def __init__(self, version: _Optional[_Union[PromptVersion, _Mapping]] = ..., label: _Optional[_Union[PromptLabel, _Mapping]] = ...) -> None: ...

class GetRolloutRequest(_message.Message):
    __slots__ = ["label", "name"]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    label: str
    name: str
    def __init__(self, name: _Optional[str] = ..., label: _Optional[str] = ...) -> None: ...

class GetRolloutResponse(_message.Message):
    __slots__ = ["evaluation", "rollout"]
    EVALUATION_FIELD_NUMBER: _ClassVar[int]
    ROLLOUT_FIELD_NUMBER: _ClassVar[int]
    evaluation: GateEvaluation
    rollout: Rollout
    def __init__(self, rollout: _Optional[_Union[Rollout, _Mapping]] = ..., evaluation: _Optional[_Union[GateEvaluation, _Mapping]] = ...) -> None: ...

class LabelHistoryRequest(_message.Message):
    __slots__ = ["label", "limit", "name", "page_token"]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    label: str
    limit: int
    name: str
    page_token: str
    def __init__(self, name: _Optional[str] = ..., label: _Optional[str] = ..., limit: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class LabelHistoryResponse(_message.Message):
    __slots__ = ["moves", "next_page_token"]
    MOVES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    moves: _containers.RepeatedCompositeFieldContainer[LabelMove]
    next_page_token: str
    def __init__(self, moves: _Optional[_Iterable[_Union[LabelMove, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class LabelMove(_message.Message):
    __slots__ = ["actor", "at", "evaluation", "from_version", "kind", "label", "name", "percent", "reason", "revision", "rollout_id", "seq", "to_version"]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    EVALUATION_FIELD_NUMBER: _ClassVar[int]
    FROM_VERSION_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PERCENT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    ROLLOUT_ID_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    TO_VERSION_FIELD_NUMBER: _ClassVar[int]
    actor: str
    at: _timestamp_pb2.Timestamp
    evaluation: GateEvaluation
    from_version: int
    kind: LabelMoveKind
    label: str
    name: str
    percent: float
    reason: str
    revision: int
    rollout_id: str
    seq: int
    to_version: int
    def __init__(self, name: _Optional[str] = ..., label: _Optional[str] = ..., seq: _Optional[int] = ..., kind: _Optional[_Union[LabelMoveKind, str]] = ..., from_version: _Optional[int] = ..., to_version: _Optional[int] = ..., percent: _Optional[float] = ..., rollout_id: _Optional[str] = ..., actor: _Optional[str] = ..., at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., reason: _Optional[str] = ..., evaluation: _Optional[_Union[GateEvaluation, _Mapping]] = ..., revision: _Optional[int] = ...) -> None: ...

class LabelRollout(_message.Message):
    __slots__ = ["percent", "rollout_id", "salt", "to_version"]
    PERCENT_FIELD_NUMBER: _ClassVar[int]
    ROLLOUT_ID_FIELD_NUMBER: _ClassVar[int]
    SALT_FIELD_NUMBER: _ClassVar[int]
    TO_VERSION_FIELD_NUMBER: _ClassVar[int]
    percent: float
    rollout_id: str
    salt: str
    to_version: int
    def __init__(self, rollout_id: _Optional[str] = ..., to_version: _Optional[int] = ..., percent: _Optional[float] = ..., salt: _Optional[str] = ...) -> None: ...

class ListPromptLabelsRequest(_message.Message):
    __slots__ = ["name"]
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ListPromptLabelsResponse(_message.Message):
    __slots__ = ["labels"]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    labels: _containers.RepeatedCompositeFieldContainer[PromptLabel]
    def __init__(self, labels: _Optional[_Iterable[_Union[PromptLabel, _Mapping]]] = ...) -> None: ...

class ListPromptVersionsRequest(_message.Message):
    __slots__ = ["limit", "name", "page_token"]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    limit: int
    name: str
    page_token: str
    def __init__(self, name: _Optional[str] = ..., limit: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListPromptVersionsResponse(_message.Message):
    __slots__ = ["next_page_token", "versions"]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    VERSIONS_FIELD_NUMBER: _ClassVar[int]
    next_page_token: str
    versions: _containers.RepeatedCompositeFieldContainer[PromptVersion]
    def __init__(self, versions: _Optional[_Iterable[_Union[PromptVersion, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class MoveLabelRequest(_message.Message):
    __slots__ = ["if_revision", "if_version", "label", "name", "reason", "version"]
    IF_REVISION_FIELD_NUMBER: _ClassVar[int]
    IF_VERSION_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    if_revision: int
    if_version: int
    label: str
    name: str
    reason: str
    version: int
    def __init__(self, name: _Optional[str] = ..., label: _Optional[str] = ..., version: _Optional[int] = ..., reason: _Optional[str] = ..., if_version: _Optional[int] = ..., if_revision: _Optional[int] = ...) -> None: ...

class MoveLabelResponse(_message.Message):
    __slots__ = ["label", "move"]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    MOVE_FIELD_NUMBER: _ClassVar[int]
    label: PromptLabel
    move: LabelMove
    def __init__(self, label: _Optional[_Union[PromptLabel, _Mapping]] = ..., move: _Optional[_Union[LabelMove, _Mapping]] = ...) -> None: ...

class PauseRolloutRequest(_message.Message):
    __slots__ = ["label", "name", "reason"]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    label: str
    name: str
    reason: str
    def __init__(self, name: _Optional[str] = ..., label: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class PauseRolloutResponse(_message.Message):
    __slots__ = ["rollout"]
    ROLLOUT_FIELD_NUMBER: _ClassVar[int]
    rollout: Rollout
    def __init__(self, rollout: _Optional[_Union[Rollout, _Mapping]] = ...) -> None: ...

class PromoteRolloutRequest(_message.Message):
    __slots__ = ["label", "name", "reason"]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    label: str
    name: str
    reason: str
    def __init__(self, name: _Optional[str] = ..., label: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class PromoteRolloutResponse(_message.Message):
    __slots__ = ["label", "rollout"]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    ROLLOUT_FIELD_NUMBER: _ClassVar[int]
    label: PromptLabel
    rollout: Rollout
    def __init__(self, rollout: _Optional[_Union[Rollout, _Mapping]] = ..., label: _Optional[_Union[PromptLabel, _Mapping]] = ...) -> None: ...

class PromptChange(_message.Message):
    __slots__ = ["after", "before", "kind", "path", "text_diff"]
    AFTER_FIELD_NUMBER: _ClassVar[int]
    BEFORE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    PATH_FIELD_NUMBER: _ClassVar[int]
    TEXT_DIFF_FIELD_NUMBER: _ClassVar[int]
    after: _struct_pb2.Value
    before: _struct_pb2.Value
    kind: PromptChangeKind
    path: str
    text_diff: str
    def __init__(self, path: _Optional[str] = ..., kind: _Optional[_Union[PromptChangeKind, str]] = ..., before: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., after: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., text_diff: _Optional[str] = ...) -> None: ...

class PromptLabel(_message.Message):
    __slots__ = ["label", "moves", "name", "reason", "revision", "rollout", "updated_at", "updated_by", "version"]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    MOVES_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    ROLLOUT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_BY_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    label: str
    moves: int
    name: str
    reason: str
    revision: int
    rollout: LabelRollout
    updated_at: _timestamp_pb2.Timestamp
    updated_by: str
    version: int
    def __init__(self, name: _Optional[str] = ..., label: _Optional[str] = ..., version: _Optional[int] = ..., rollout: _Optional[_Union[LabelRollout, _Mapping]] = ..., moves: _Optional[int] = ..., updated_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., updated_by: _Optional[str] = ..., reason: _Optional[str] = ..., revision: _Optional[int] = ...) -> None: ...

class PromptVersion(_message.Message):
    __slots__ = ["author", "chat", "commit_message", "config", "content_hash", "created_at", "name", "revision", "tags", "text", "variables", "version"]
    AUTHOR_FIELD_NUMBER: _ClassVar[int]
    CHAT_FIELD_NUMBER: _ClassVar[int]
    COMMIT_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    CONTENT_HASH_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    VARIABLES_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    author: str
    chat: ChatTemplate
    commit_message: str
    config: _struct_pb2.Value
    content_hash: str
    created_at: _timestamp_pb2.Timestamp
    name: str
    revision: int
    tags: _containers.RepeatedScalarFieldContainer[str]
    text: str
    variables: _containers.RepeatedScalarFieldContainer[str]
    version: int
    def __init__(self, name: _Optional[str] = ..., version: _Optional[int] = ..., text: _Optional[str] = ..., chat: _Optional[_Union[ChatTemplate, _Mapping]] = ..., config: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., variables: _Optional[_Iterable[str]] = ..., commit_message: _Optional[str] = ..., tags: _Optional[_Iterable[str]] = ..., author: _Optional[str] = ..., created_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., content_hash: _Optional[str] = ..., revision: _Optional[int] = ...) -> None: ...

class PublishPromptRequest(_message.Message):
    __slots__ = ["chat", "commit_message", "config", "config_schema", "name", "tags", "text", "variables"]
    CHAT_FIELD_NUMBER: _ClassVar[int]
    COMMIT_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    CONFIG_SCHEMA_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    VARIABLES_FIELD_NUMBER: _ClassVar[int]
    chat: ChatTemplate
    commit_message: str
    config: _struct_pb2.Value
    config_schema: _struct_pb2.Value
    name: str
    tags: _containers.RepeatedScalarFieldContainer[str]
    text: str
    variables: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, name: _Optional[str] = ..., text: _Optional[str] = ..., chat: _Optional[_Union[ChatTemplate, _Mapping]] = ..., config: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., variables: _Optional[_Iterable[str]] = ..., commit_message: _Optional[str] = ..., tags: _Optional[_Iterable[str]] = ..., config_schema: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ...) -> None: ...

class PublishPromptResponse(_message.Message):
    __slots__ = ["created", "version"]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    created: bool
    version: PromptVersion
    def __init__(self, version: _Optional[_Union[PromptVersion, _Mapping]] = ..., created: bool = ...) -> None: ...

class ResumeRolloutRequest(_message.Message):
    __slots__ = ["label", "name", "reason"]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    label: str
    name: str
    reason: str
    def __init__(self, name: _Optional[str] = ..., label: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class ResumeRolloutResponse(_message.Message):
    __slots__ = ["rollout"]
    ROLLOUT_FIELD_NUMBER: _ClassVar[int]
    rollout: Rollout
    def __init__(self, rollout: _Optional[_Union[Rollout, _Mapping]] = ...) -> None: ...

class Rollout(_message.Message):
    __slots__ = ["events", "finished_at", "from_version", "gate", "id", "label", "name", "percent", "revision", "salt", "started_at", "started_by", "state", "step_index", "step_started_at", "steps", "to_version"]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    FINISHED_AT_FIELD_NUMBER: _ClassVar[int]
    FROM_VERSION_FIELD_NUMBER: _ClassVar[int]
    GATE_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PERCENT_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    SALT_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    STARTED_BY_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    STEP_INDEX_FIELD_NUMBER: _ClassVar[int]
    STEP_STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    TO_VERSION_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[RolloutEvent]
    finished_at: _timestamp_pb2.Timestamp
    from_version: int
    gate: RolloutGate
    id: str
    label: str
    name: str
    percent: float
    revision: int
    salt: str
    started_at: _timestamp_pb2.Timestamp
    started_by: str
    state: RolloutState
    step_index: int
    step_started_at: _timestamp_pb2.Timestamp
    steps: _containers.RepeatedCompositeFieldContainer[RolloutStep]
    to_version: int
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., label: _Optional[str] = ..., from_version: _Optional[int] = ..., to_version: _Optional[int] = ..., steps: _Optional[_Iterable[_Union[RolloutStep, _Mapping]]] = ..., gate: _Optional[_Union[RolloutGate, _Mapping]] = ..., state: _Optional[_Union[RolloutState, str]] = ..., step_index: _Optional[int] = ..., percent: _Optional[float] = ..., step_started_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., started_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., started_by: _Optional[str] = ..., finished_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., salt: _Optional[str] = ..., events: _Optional[_Iterable[_Union[RolloutEvent, _Mapping]]] = ..., revision: _Optional[int] = ...) -> None: ...

class RolloutEvent(_message.Message):
    __slots__ = ["actor", "at", "evaluation", "kind", "percent", "reason", "step"]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    EVALUATION_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    PERCENT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    STEP_FIELD_NUMBER: _ClassVar[int]
    actor: str
    at: _timestamp_pb2.Timestamp
    evaluation: GateEvaluation
    kind: RolloutEventKind
    percent: float
    reason: str
    step: int
    def __init__(self, kind: _Optional[_Union[RolloutEventKind, str]] = ..., at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., actor: _Optional[str] = ..., step: _Optional[int] = ..., percent: _Optional[float] = ..., reason: _Optional[str] = ..., evaluation: _Optional[_Union[GateEvaluation, _Mapping]] = ...) -> None: ...

class RolloutGate(_message.Message):
    __slots__ = ["max_error_rate_increase", "max_latency_p95_increase", "max_rating_drop", "max_score_drop", "min_feedback", "min_samples"]
    MAX_ERROR_RATE_INCREASE_FIELD_NUMBER: _ClassVar[int]
    MAX_LATENCY_P95_INCREASE_FIELD_NUMBER: _ClassVar[int]
    MAX_RATING_DROP_FIELD_NUMBER: _ClassVar[int]
    MAX_SCORE_DROP_FIELD_NUMBER: _ClassVar[int]
    MIN_FEEDBACK_FIELD_NUMBER: _ClassVar[int]
    MIN_SAMPLES_FIELD_NUMBER: _ClassVar[int]
    max_error_rate_increase: float
    max_latency_p95_increase: float
    max_rating_drop: float
    max_score_drop: float
    min_feedback: int
    min_samples: int
    def __init__(self, min_samples: _Optional[int] = ..., min_feedback: _Optional[int] = ..., max_error_rate_increase: _Optional[float] = ..., max_latency_p95_increase: _Optional[float] = ..., max_rating_drop: _Optional[float] = ..., max_score_drop: _Optional[float] = ...) -> None: ...

class RolloutStep(_message.Message):
    __slots__ = ["bake", "percent"]
    BAKE_FIELD_NUMBER: _ClassVar[int]
    PERCENT_FIELD_NUMBER: _ClassVar[int]
    bake: _duration_pb2.Duration
    percent: float
    def __init__(self, percent: _Optional[float] = ..., bake: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class ScoreFigures(_message.Message):
    __slots__ = ["count", "name", "normalized_mean"]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    NORMALIZED_MEAN_FIELD_NUMBER: _ClassVar[int]
    count: int
    name: str
    normalized_mean: float
    def __init__(self, name: _Optional[str] = ..., count: _Optional[int] = ..., normalized_mean: _Optional[float] = ...) -> None: ...

class StartRolloutRequest(_message.Message):
    __slots__ = ["gate", "if_version", "label", "name", "reason", "steps", "to_version"]
    GATE_FIELD_NUMBER: _ClassVar[int]
    IF_VERSION_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    TO_VERSION_FIELD_NUMBER: _ClassVar[int]
    gate: RolloutGate
    if_version: int
    label: str
    name: str
    reason: str
    steps: _containers.RepeatedCompositeFieldContainer[RolloutStep]
    to_version: int
    def __init__(self, name: _Optional[str] = ..., label: _Optional[str] = ..., to_version: _Optional[int] = ..., steps: _Optional[_Iterable[_Union[RolloutStep, _Mapping]]] = ..., gate: _Optional[_Union[RolloutGate, _Mapping]] = ..., reason: _Optional[str] = ..., if_version: _Optional[int] = ...) -> None: ...

class StartRolloutResponse(_message.Message):
    __slots__ = ["label", "rollout"]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    ROLLOUT_FIELD_NUMBER: _ClassVar[int]
    label: PromptLabel
    rollout: Rollout
    def __init__(self, rollout: _Optional[_Union[Rollout, _Mapping]] = ..., label: _Optional[_Union[PromptLabel, _Mapping]] = ...) -> None: ...

class VersionFigures(_message.Message):
    __slots__ = ["error_rate", "errors", "executions", "latency_p95_ms", "rated", "rating_mean", "scores", "version"]
    ERRORS_FIELD_NUMBER: _ClassVar[int]
    ERROR_RATE_FIELD_NUMBER: _ClassVar[int]
    EXECUTIONS_FIELD_NUMBER: _ClassVar[int]
    LATENCY_P95_MS_FIELD_NUMBER: _ClassVar[int]
    RATED_FIELD_NUMBER: _ClassVar[int]
    RATING_MEAN_FIELD_NUMBER: _ClassVar[int]
    SCORES_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    error_rate: float
    errors: int
    executions: int
    latency_p95_ms: float
    rated: int
    rating_mean: float
    scores: _containers.RepeatedCompositeFieldContainer[ScoreFigures]
    version: int
    def __init__(self, version: _Optional[int] = ..., executions: _Optional[int] = ..., errors: _Optional[int] = ..., error_rate: _Optional[float] = ..., latency_p95_ms: _Optional[float] = ..., rated: _Optional[int] = ..., rating_mean: _Optional[float] = ..., scores: _Optional[_Iterable[_Union[ScoreFigures, _Mapping]]] = ...) -> None: ...

class PromptChangeKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class LabelMoveKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class RolloutState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class RolloutEventKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class GateVerdict(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class GateCheckResult(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
