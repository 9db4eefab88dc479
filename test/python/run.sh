#!/usr/bin/env bash
# The Python package's tests (clients/python/tests, unittest) with Debian's interpreter. They start
# their own fabric servers (server/main.ts under tsx), redis-server and TypeScript writer, and install
# the package into a venv and a --target folder; nothing has to be running.
set -euo pipefail
cd "$(dirname "$0")/../.."
python=/usr/bin/python3
for tool in "$python" redis-server openssl node; do
  command -v "$tool" >/dev/null || { echo "test:python needs $tool"; exit 1; }
done
"$python" -c "import grpc, google.protobuf, venv, setuptools" 2>/dev/null || {
  echo "test:python needs Debian's python3-grpcio python3-protobuf python3-venv python3-setuptools"; exit 1; }
cd clients/python/tests
# The tests import the package from this tree (the install tests install a copy elsewhere).
PYTHONPATH=.. PYTHONDONTWRITEBYTECODE=1 exec "$python" -m unittest discover -s . -p 'test_*.py' "$@"
