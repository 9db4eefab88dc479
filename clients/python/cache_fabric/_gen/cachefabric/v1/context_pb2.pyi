from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor
SCOPE_EXECUTION: Scope
SCOPE_FEEDBACK: Scope
SCOPE_GLOBAL: Scope
SCOPE_UNSPECIFIED: Scope
SCOPE_USER: Scope

class BatchOperation(_message.Message):
    __slots__ = ["delete", "set"]
    DELETE_FIELD_NUMBER: _ClassVar[int]
    SET_FIELD_NUMBER: _ClassVar[int]
    delete: DeleteContextRequest
    set: SetContextRequest
    def __init__(self, set: _Optional[_Union[SetContextRequest, _Mapping]] = ..., delete: _Optional[_Union[DeleteContextRequest, _Mapping]] = ...) -> None: ...

class BatchRequest(_message.Message):
    __slots__ = ["idempotency_key", "operations", "return_values"]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    OPERATIONS_FIELD_NUMBER: _ClassVar[int]
    RETURN_VALUES_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    operations: _containers.RepeatedCompositeFieldContainer[BatchOperation]
    return_values: bool
    def __init__(self, operations: _Optional[_Iterable[_Union[BatchOperation, _Mapping]]] = ..., idempotency_key: _Optional[str] = ..., return_values: bool = ...) -> None: ...

class BatchResponse(_message.Message):
    __slots__ = ["header", "results", "revision", "values_omitted"]
    HEADER_FIELD_NUMBER: _ClassVar[int]
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    VALUES_OMITTED_FIELD_NUMBER: _ClassVar[int]
    header: ResponseHeader
    results: _containers.RepeatedCompositeFieldContainer[BatchResult]
    revision: int
    values_omitted: bool
    def __init__(self, results: _Optional[_Iterable[_Union[BatchResult, _Mapping]]] = ..., revision: _Optional[int] = ..., header: _Optional[_Union[ResponseHeader, _Mapping]] = ..., values_omitted: bool = ...) -> None: ...

class BatchResult(_message.Message):
    __slots__ = ["delete", "set"]
    DELETE_FIELD_NUMBER: _ClassVar[int]
    SET_FIELD_NUMBER: _ClassVar[int]
    delete: DeleteContextResponse
    set: Context
    def __init__(self, set: _Optional[_Union[Context, _Mapping]] = ..., delete: _Optional[_Union[DeleteContextResponse, _Mapping]] = ...) -> None: ...

class CleanupRequest(_message.Message):
    __slots__ = ["before", "pattern", "scope"]
    BEFORE_FIELD_NUMBER: _ClassVar[int]
    PATTERN_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    before: _timestamp_pb2.Timestamp
    pattern: str
    scope: Scope
    def __init__(self, before: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., scope: _Optional[_Union[Scope, str]] = ..., pattern: _Optional[str] = ...) -> None: ...

class CleanupResponse(_message.Message):
    __slots__ = ["deleted", "header", "revision"]
    DELETED_FIELD_NUMBER: _ClassVar[int]
    HEADER_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    deleted: int
    header: ResponseHeader
    revision: int
    def __init__(self, deleted: _Optional[int] = ..., revision: _Optional[int] = ..., header: _Optional[_Union[ResponseHeader, _Mapping]] = ...) -> None: ...

class Context(_message.Message):
    __slots__ = ["create_revision", "created_at", "expires_at", "key", "metadata", "revision", "scope", "updated_at", "value", "version"]
    class MetadataEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    CREATE_REVISION_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    create_revision: int
    created_at: _timestamp_pb2.Timestamp
    expires_at: _timestamp_pb2.Timestamp
    key: str
    metadata: _containers.ScalarMap[str, str]
    revision: int
    scope: Scope
    updated_at: _timestamp_pb2.Timestamp
    value: _struct_pb2.Value
    version: int
    def __init__(self, key: _Optional[str] = ..., scope: _Optional[_Union[Scope, str]] = ..., value: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., metadata: _Optional[_Mapping[str, str]] = ..., revision: _Optional[int] = ..., create_revision: _Optional[int] = ..., version: _Optional[int] = ..., created_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., expires_at: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class DeleteContextRequest(_message.Message):
    __slots__ = ["idempotency_key", "if_revision", "key", "scope"]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    IF_REVISION_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    if_revision: int
    key: str
    scope: Scope
    def __init__(self, key: _Optional[str] = ..., scope: _Optional[_Union[Scope, str]] = ..., if_revision: _Optional[int] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class DeleteContextResponse(_message.Message):
    __slots__ = ["deleted", "header", "previous", "revision"]
    DELETED_FIELD_NUMBER: _ClassVar[int]
    HEADER_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    deleted: bool
    header: ResponseHeader
    previous: Context
    revision: int
    def __init__(self, deleted: bool = ..., previous: _Optional[_Union[Context, _Mapping]] = ..., revision: _Optional[int] = ..., header: _Optional[_Union[ResponseHeader, _Mapping]] = ...) -> None: ...

class GetContextRequest(_message.Message):
    __slots__ = ["key", "scope"]
    KEY_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    key: str
    scope: Scope
    def __init__(self, key: _Optional[str] = ..., scope: _Optional[_Union[Scope, str]] = ...) -> None: ...

class GetContextResponse(_message.Message):
    __slots__ = ["context", "header"]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    HEADER_FIELD_NUMBER: _ClassVar[int]
    context: Context
    header: ResponseHeader
    def __init__(self, context: _Optional[_Union[Context, _Mapping]] = ..., header: _Optional[_Union[ResponseHeader, _Mapping]] = ...) -> None: ...

class KeySet(_message.Message):
    __slots__ = ["keys"]
    KEYS_FIELD_NUMBER: _ClassVar[int]
    keys: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, keys: _Optional[_Iterable[str]] = ...) -> None: ...

class QueryRequest(_message.Message):
    __slots__ = ["limit", "page_token", "pattern", "scope"]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    PATTERN_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    limit: int
    page_token: str
    pattern: str
    scope: Scope
    def __init__(self, scope: _Optional[_Union[Scope, str]] = ..., pattern: _Optional[str] = ..., limit: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class QueryResponse(_message.Message):
    __slots__ = ["contexts", "header", "next_page_token", "revision"]
    CONTEXTS_FIELD_NUMBER: _ClassVar[int]
    HEADER_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    contexts: _containers.RepeatedCompositeFieldContainer[Context]
    header: ResponseHeader
    next_page_token: str
    revision: int
    def __init__(self, contexts: _Optional[_Iterable[_Union[Context, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., revision: _Optional[int] = ..., header: _Optional[_Union[ResponseHeader, _Mapping]] = ...) -> None: ...

class ResponseHeader(_message.Message):
    __slots__ = ["revision", "store_id"]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    STORE_ID_FIELD_NUMBER: _ClassVar[int]
    revision: int
    store_id: str
    def __init__(self, store_id: _Optional[str] = ..., revision: _Optional[int] = ...) -> None: ...

class ScopeCount(_message.Message):
    __slots__ = ["count", "scope"]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    count: int
    scope: Scope
    def __init__(self, scope: _Optional[_Union[Scope, str]] = ..., count: _Optional[int] = ...) -> None: ...

class SetContextRequest(_message.Message):
    __slots__ = ["idempotency_key", "if_revision", "key", "metadata", "return_value", "scope", "ttl", "value"]
    class MetadataEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    IF_REVISION_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    RETURN_VALUE_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    TTL_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    if_revision: int
    key: str
    metadata: _containers.ScalarMap[str, str]
    return_value: bool
    scope: Scope
    ttl: _duration_pb2.Duration
    value: _struct_pb2.Value
    def __init__(self, key: _Optional[str] = ..., scope: _Optional[_Union[Scope, str]] = ..., value: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., metadata: _Optional[_Mapping[str, str]] = ..., ttl: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ..., if_revision: _Optional[int] = ..., idempotency_key: _Optional[str] = ..., return_value: bool = ...) -> None: ...

class SetContextResponse(_message.Message):
    __slots__ = ["context", "header"]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    HEADER_FIELD_NUMBER: _ClassVar[int]
    context: Context
    header: ResponseHeader
    def __init__(self, context: _Optional[_Union[Context, _Mapping]] = ..., header: _Optional[_Union[ResponseHeader, _Mapping]] = ...) -> None: ...

class StatsRequest(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class StatsResponse(_message.Message):
    __slots__ = ["avg_latency_ms", "counts", "header", "hit_rate", "hits", "memory_usage_bytes", "misses", "revision", "total_count"]
    AVG_LATENCY_MS_FIELD_NUMBER: _ClassVar[int]
    COUNTS_FIELD_NUMBER: _ClassVar[int]
    HEADER_FIELD_NUMBER: _ClassVar[int]
    HITS_FIELD_NUMBER: _ClassVar[int]
    HIT_RATE_FIELD_NUMBER: _ClassVar[int]
    MEMORY_USAGE_BYTES_FIELD_NUMBER: _ClassVar[int]
    MISSES_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    TOTAL_COUNT_FIELD_NUMBER: _ClassVar[int]
    avg_latency_ms: float
    counts: _containers.RepeatedCompositeFieldContainer[ScopeCount]
    header: ResponseHeader
    hit_rate: float
    hits: int
    memory_usage_bytes: int
    misses: int
    revision: int
    total_count: int
    def __init__(self, counts: _Optional[_Iterable[_Union[ScopeCount, _Mapping]]] = ..., total_count: _Optional[int] = ..., memory_usage_bytes: _Optional[int] = ..., hit_rate: _Optional[float] = ..., hits: _Optional[int] = ..., misses: _Optional[int] = ..., avg_latency_ms: _Optional[float] = ..., revision: _Optional[int] = ..., header: _Optional[_Union[ResponseHeader, _Mapping]] = ...) -> None: ...

class WatchEvent(_message.Message):
    __slots__ = ["context", "key", "prev_context", "revision", "scope", "type"]
    class Type(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = []
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    PREV_CONTEXT_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    TYPE_DELETE: WatchEvent.Type
    TYPE_EXPIRE: WatchEvent.Type
    TYPE_FIELD_NUMBER: _ClassVar[int]
    TYPE_PUT: WatchEvent.Type
    TYPE_UNSPECIFIED: WatchEvent.Type
    context: Context
    key: str
    prev_context: Context
    revision: int
    scope: Scope
    type: WatchEvent.Type
    def __init__(self, type: _Optional[_Union[WatchEvent.Type, str]] = ..., context: _Optional[_Union[Context, _Mapping]] = ..., prev_context: _Optional[_Union[Context, _Mapping]] = ..., revision: _Optional[int] = ..., key: _Optional[str] = ..., scope: _Optional[_Union[Scope, str]] = ...) -> None: ...

class WatchRequest(_message.Message):
    __slots__ = ["key", "keys", "pattern", "prefix", "prev_context", "progress_interval", "scope", "start_revision", "store_id"]
    KEYS_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    PATTERN_FIELD_NUMBER: _ClassVar[int]
    PREFIX_FIELD_NUMBER: _ClassVar[int]
    PREV_CONTEXT_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_INTERVAL_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    START_REVISION_FIELD_NUMBER: _ClassVar[int]
    STORE_ID_FIELD_NUMBER: _ClassVar[int]
    key: str
    keys: KeySet
    pattern: str
    prefix: str
    prev_context: bool
    progress_interval: _duration_pb2.Duration
    scope: Scope
    start_revision: int
    store_id: str
    def __init__(self, scope: _Optional[_Union[Scope, str]] = ..., key: _Optional[str] = ..., prefix: _Optional[str] = ..., pattern: _Optional[str] = ..., keys: _Optional[_Union[KeySet, _Mapping]] = ..., start_revision: _Optional[int] = ..., prev_context: bool = ..., progress_interval: _Optional[_Union[_duration_pb2.Duration, _Mapping]] = ..., store_id: _Optional[str] = ...) -> None: ...

class WatchResponse(_message.Message):
    __slots__ = ["compact_revision", "created", "event", "progress", "revision", "store_id"]
    COMPACT_REVISION_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    EVENT_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    STORE_ID_FIELD_NUMBER: _ClassVar[int]
    compact_revision: int
    created: bool
    event: WatchEvent
    progress: bool
    revision: int
    store_id: str
    def __init__(self, revision: _Optional[int] = ..., store_id: _Optional[str] = ..., created: bool = ..., event: _Optional[_Union[WatchEvent, _Mapping]] = ..., progress: bool = ..., compact_revision: _Optional[int] = ...) -> None: ...

class Scope(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
