"""The generated gRPC stubs (``protoc`` over proto/), for calls the clients do not wrap (the prompt
registry's PromptService among them)::

    from cache_fabric import FabricClient
    from cache_fabric.stubs import context_pb2, context_pb2_grpc

    fabric = FabricClient()
    stub = context_pb2_grpc.ContextServiceStub(fabric.channel)
"""

from ._gen.cachefabric.v1 import (  # noqa: F401
    context_pb2,
    context_pb2_grpc,
    execution_pb2,
    execution_pb2_grpc,
    prompt_pb2,
    prompt_pb2_grpc,
    search_pb2,
    search_pb2_grpc,
)
