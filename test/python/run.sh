#!/usr/bin/env bash
# Generates Python stubs from proto/ alone, starts a fabric server, runs the README's Python quick start.
set -euo pipefail
cd "$(dirname "$0")/../.."
for tool in protoc grpc_python_plugin /usr/bin/python3; do
  command -v "$tool" >/dev/null || { echo "test:python needs $tool (apt-get install protobuf-compiler protobuf-compiler-grpc python3-grpcio python3-protobuf)"; exit 1; }
done
work=$(mktemp -d)
log="$work/server.log"
cleanup() { [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
mkdir -p "$work/gen"
protoc -I proto --python_out="$work/gen" --grpc_out="$work/gen" --plugin=protoc-gen-grpc="$(command -v grpc_python_plugin)" proto/cachefabric/v1/*.proto
node node_modules/tsx/dist/cli.mjs server/main.ts --listen 127.0.0.1:0 >"$log" 2>&1 &
pid=$!
for _ in $(seq 1 300); do grep -q "serving on" "$log" && break; sleep 0.1; done
address=$(grep -o 'serving on [0-9.:]*' "$log" | awk '{print $3}')
[ -n "$address" ] || { cat "$log"; exit 1; }
FABRIC_ADDRESS="$address" /usr/bin/python3 test/python/quickstart.py "$work/gen"
