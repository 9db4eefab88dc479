from cache_fabric._gen.cachefabric.v1 import context_pb2 as _context_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor
SEARCH_MODE_HYBRID: SearchMode
SEARCH_MODE_UNSPECIFIED: SearchMode
SEARCH_MODE_VECTOR: SearchMode

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

class SearchNamespace(_message.Message):
    __slots__ = ["key_prefix", "scope"]
    KEY_PREFIX_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    key_prefix: str
    scope: _context_pb2.Scope
    def __init__(self, scope: _Optional[_Union[_context_pb2.Scope, str]] = ..., key_prefix: _Optional[str] = ...) -> None: ...

class SearchRequest(_message.Message):
    __slots__ = ["key_prefix", "limit", "metadata", "min_similarity", "mode", "query", "scope", "wait_for_index", "within"]
    class MetadataEntry(_message.Message):
        __slots__ = ["key", "value"]
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    KEY_PREFIX_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    MIN_SIMILARITY_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    WAIT_FOR_INDEX_FIELD_NUMBER: _ClassVar[int]
    WITHIN_FIELD_NUMBER: _ClassVar[int]
    key_prefix: str
    limit: int
    metadata: _containers.ScalarMap[str, str]
    min_similarity: float
    mode: SearchMode
    query: str
    scope: _context_pb2.Scope
    wait_for_index: bool
    within: _containers.RepeatedCompositeFieldContainer[SearchNamespace]
    def __init__(self, query: _Optional[str] = ..., scope: _Optional[_Union[_context_pb2.Scope, str]] = ..., limit: _Optional[int] = ..., min_similarity: _Optional[float] = ..., metadata: _Optional[_Mapping[str, str]] = ..., wait_for_index: bool = ..., mode: _Optional[_Union[SearchMode, str]] = ..., key_prefix: _Optional[str] = ..., within: _Optional[_Iterable[_Union[SearchNamespace, _Mapping]]] = ...) -> None: ...

class SearchResponse(_message.Message):
    __slots__ = ["results"]
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[SearchResult]
    def __init__(self, results: _Optional[_Iterable[_Union[SearchResult, _Mapping]]] = ...) -> None: ...

class SearchResult(_message.Message):
    __slots__ = ["chunk", "context", "lexical_coverage", "lexical_rank", "lexical_score", "matched_text", "score", "similarity", "vector_rank"]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    LEXICAL_COVERAGE_FIELD_NUMBER: _ClassVar[int]
    LEXICAL_RANK_FIELD_NUMBER: _ClassVar[int]
    LEXICAL_SCORE_FIELD_NUMBER: _ClassVar[int]
    MATCHED_TEXT_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    SIMILARITY_FIELD_NUMBER: _ClassVar[int]
    VECTOR_RANK_FIELD_NUMBER: _ClassVar[int]
    chunk: int
    context: _context_pb2.Context
    lexical_coverage: float
    lexical_rank: int
    lexical_score: float
    matched_text: str
    score: float
    similarity: float
    vector_rank: int
    def __init__(self, context: _Optional[_Union[_context_pb2.Context, _Mapping]] = ..., similarity: _Optional[float] = ..., score: _Optional[float] = ..., vector_rank: _Optional[int] = ..., lexical_rank: _Optional[int] = ..., lexical_score: _Optional[float] = ..., chunk: _Optional[int] = ..., matched_text: _Optional[str] = ..., lexical_coverage: _Optional[float] = ...) -> None: ...

class SearchStatusRequest(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class SearchStatusResponse(_message.Message):
    __slots__ = ["dimension", "embedder_queue", "hybrid", "index", "indexed_revision", "min_similarity", "model", "scopes", "vectors"]
    DIMENSION_FIELD_NUMBER: _ClassVar[int]
    EMBEDDER_QUEUE_FIELD_NUMBER: _ClassVar[int]
    HYBRID_FIELD_NUMBER: _ClassVar[int]
    INDEXED_REVISION_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    MIN_SIMILARITY_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    SCOPES_FIELD_NUMBER: _ClassVar[int]
    VECTORS_FIELD_NUMBER: _ClassVar[int]
    dimension: int
    embedder_queue: int
    hybrid: bool
    index: str
    indexed_revision: int
    min_similarity: float
    model: str
    scopes: _containers.RepeatedScalarFieldContainer[_context_pb2.Scope]
    vectors: int
    def __init__(self, model: _Optional[str] = ..., dimension: _Optional[int] = ..., index: _Optional[str] = ..., scopes: _Optional[_Iterable[_Union[_context_pb2.Scope, str]]] = ..., vectors: _Optional[int] = ..., indexed_revision: _Optional[int] = ..., embedder_queue: _Optional[int] = ..., hybrid: bool = ..., min_similarity: _Optional[float] = ...) -> None: ...

class SearchMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
