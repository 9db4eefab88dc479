"""Decodes raw fabric response messages with Python's protobuf runtime: what a Python client reads.

Usage: decode-responses.py STUBS_DIR MANIFEST_JSON
  STUBS_DIR      holds cachefabric/v1/*_pb2.py made by `protoc --python_out` from proto/
  MANIFEST_JSON  a list of {"name", "file", "type"}: raw bytes of one message and its full type name

Prints one JSON object: {"implementation": "cpp" | "python" | ..., "results": [{"name", "ok",
"json" | "error"}]}, where "json" is the decoded message as protobuf's JSON mapping gives it
(json_format.MessageToDict, proto field names). The backend follows
PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION; Debian's python3-protobuf offers cpp (the C++ decoder,
its default) and python.
"""
import importlib
import json
import sys

sys.path.insert(0, sys.argv[1])

from google.protobuf import json_format  # noqa: E402
from google.protobuf.internal import api_implementation  # noqa: E402

modules = [importlib.import_module(f"cachefabric.v1.{name}_pb2") for name in ("context", "search", "execution")]


def message_class(full_name):
    short = full_name.rsplit(".", 1)[-1]
    for module in modules:
        if hasattr(module, short):
            return getattr(module, short)
    raise KeyError(full_name)


results = []
for item in json.load(open(sys.argv[2])):
    with open(item["file"], "rb") as f:
        data = f.read()
    try:
        message = message_class(item["type"]).FromString(data)
        results.append({"name": item["name"], "ok": True, "json": json_format.MessageToDict(message, preserving_proto_field_name=True)})
    except Exception as e:  # a decode failure is the finding, reported per message
        results.append({"name": item["name"], "ok": False, "error": f"{type(e).__name__}: {e}"})
print(json.dumps({"implementation": api_implementation.Type(), "results": results}))
