"""The README's Python quick start, run by CI against a live server (npm run test:python).

Uses only stubs generated from proto/ (protoc + grpc_python_plugin), no project code. Exits non-zero
with a message when anything is not as the README says.
"""
import os
import sys

sys.path.insert(0, sys.argv[1] if len(sys.argv) > 1 else "gen")
import grpc  # noqa: E402
from google.protobuf import struct_pb2  # noqa: E402
from cachefabric.v1 import context_pb2 as pb, context_pb2_grpc as rpc  # noqa: E402

address = os.environ.get("FABRIC_ADDRESS", "127.0.0.1:50051")
stub = rpc.ContextServiceStub(grpc.insecure_channel(address))

value = struct_pb2.Value(string_value="You are a helpful assistant")
stub.SetContext(pb.SetContextRequest(key="router:main:system_message", scope=pb.SCOPE_GLOBAL, value=value), timeout=5)
got = stub.GetContext(pb.GetContextRequest(key="router:main:system_message", scope=pb.SCOPE_GLOBAL), timeout=5)
prompt = got.context.value.string_value if got.HasField("context") else "default prompt"
print(prompt)
assert prompt == "You are a helpful assistant", prompt
assert got.context.revision >= 1 and got.context.version >= 1

# A structured value, a query, and an error naming the field.
record = struct_pb2.Value()
record.struct_value.update({"latency_ms": 12.5, "output": {"answer": 42}})
stub.SetContext(pb.SetContextRequest(key="execution:py-1", scope=pb.SCOPE_EXECUTION, value=record), timeout=5)
page = stub.Query(pb.QueryRequest(scope=pb.SCOPE_EXECUTION, pattern="execution:*", limit=10), timeout=5)
assert [c.key for c in page.contexts] == ["execution:py-1"], page
assert page.contexts[0].value.struct_value["output"]["answer"] == 42

try:
    stub.SetContext(pb.SetContextRequest(key="bad key", value=value), timeout=5)
    raise SystemExit("a bad key was accepted")
except grpc.RpcError as e:
    assert e.code() == grpc.StatusCode.INVALID_ARGUMENT, e.code()
    assert e.details().startswith("key:"), e.details()

print("python quick start: ok")
