from cache_fabric._gen.cachefabric.v1 import context_pb2 as _context_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ReindexRequest(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class ReindexResponse(_message.Message):
    __slots__ = ["done", "total"]
    DONE_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    done: int
    total: int
    def __init__(self, done: _Optional[int] = ..., total: _Optional[int] = ...) -> None: ...

class SearchRequest(_message.Message):
    __slots__ = ["limit", "metadata", "min_similarity", "query", "scope", "wait_for_index"]
    class MetadataEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    MIN_SIMILARITY_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    WAIT_FOR_INDEX_FIELD_NUMBER: _ClassVar[int]
    limit: int
    metadata: _containers.ScalarMap[str, str]
    min_similarity: float
    query: str
    scope: _context_pb2.Scope
    wait_for_index: bool
    def __init__(self, query: _Optional[str] = ..., scope: _Optional[_Union[_context_pb2.Scope, str]] = ..., limit: _Optional[int] = ..., min_similarity: _Optional[float] = ..., metadata: _Optional[_Mapping[str, str]] = ..., wait_for_index: bool = ...) -> None: ...

class SearchResponse(_message.Message):
    __slots__ = ["results"]
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[SearchResult]
    def __init__(self, results: _Optional[_Iterable[_Union[SearchResult, _Mapping]]] = ...) -> None: ...

class SearchResult(_message.Message):
    __slots__ = ["context", "similarity"]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    SIMILARITY_FIELD_NUMBER: _ClassVar[int]
    context: _context_pb2.Context
    similarity: float
    def __init__(self, context: _Optional[_Union[_context_pb2.Context, _Mapping]] = ..., similarity: _Optional[float] = ...) -> None: ...

class SearchStatusRequest(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class SearchStatusResponse(_message.Message):
    __slots__ = ["dimension", "embedder_queue", "index", "indexed_revision", "model", "scopes", "vectors"]
    DIMENSION_FIELD_NUMBER: _ClassVar[int]
    EMBEDDER_QUEUE_FIELD_NUMBER: _ClassVar[int]
    INDEXED_REVISION_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    SCOPES_FIELD_NUMBER: _ClassVar[int]
    VECTORS_FIELD_NUMBER: _ClassVar[int]
    dimension: int
    embedder_queue: int
    index: str
    indexed_revision: int
    model: str
    scopes: _containers.RepeatedScalarFieldContainer[_context_pb2.Scope]
    vectors: int
    def __init__(self, model: _Optional[str] = ..., dimension: _Optional[int] = ..., index: _Optional[str] = ..., scopes: _Optional[_Iterable[_Union[_context_pb2.Scope, str]]] = ..., vectors: _Optional[int] = ..., indexed_revision: _Optional[int] = ..., embedder_queue: _Optional[int] = ...) -> None: ...
