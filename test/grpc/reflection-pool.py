"""The referee for reflection: protobuf's C++ descriptor pool (Debian's python3-protobuf, cpp backend).

Reads {"address", "files": [base64 FileDescriptorProto, ...], "request": {...}} on stdin: the files a
reflection server returned. Adds them to an empty pool (which refuses a descriptor with unresolved
names or missing imports), builds GetContextRequest from the pool and the JSON request, calls
ContextService.GetContext, and prints the answer as JSON, decoded with the pool's response type.
"""
import base64
import json
import sys

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory
from google.protobuf.internal import api_implementation


def message_class(pool, name):
    descriptor = pool.FindMessageTypeByName(name)
    if hasattr(message_factory, "GetMessageClass"):
        return message_factory.GetMessageClass(descriptor)
    return message_factory.MessageFactory(pool).GetPrototype(descriptor)


def main():
    job = json.load(sys.stdin)
    files = [descriptor_pb2.FileDescriptorProto.FromString(base64.b64decode(b)) for b in job["files"]]
    pool = descriptor_pool.DescriptorPool()
    added = set()
    # The pool needs a file's imports first; the answers list the asked-for file first.
    while len(added) < len(files):
        ready = [f for f in files if f.name not in added and all(d in added for d in f.dependency)]
        if not ready:
            raise SystemExit("imports missing from the reflection answers: " + ", ".join(sorted({d for f in files for d in f.dependency} - added)))
        for f in ready:
            pool.Add(f)
            added.add(f.name)
    request_class = message_class(pool, "cachefabric.v1.GetContextRequest")
    response_class = message_class(pool, "cachefabric.v1.GetContextResponse")
    request = json_format.Parse(json.dumps(job["request"]), request_class())
    channel = grpc.insecure_channel(job["address"])
    call = channel.unary_unary(
        "/cachefabric.v1.ContextService/GetContext",
        request_serializer=lambda m: m.SerializeToString(),
        response_deserializer=response_class.FromString,
    )
    response = call(request, timeout=10)
    print(json.dumps({
        "implementation": api_implementation.Type(),
        "files": sorted(added),
        "response": json_format.MessageToDict(response),
    }))


if __name__ == "__main__":
    main()
