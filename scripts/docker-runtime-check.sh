#!/usr/bin/env bash
# The Dockerfile's runtime stage, performed without Docker (no engine runs on CI): a fresh folder,
# a production install with one platform's onnxruntime binaries, the files the build stage hands
# over (compiled server and client, the converted model), the server started as a non-root user
# the way the image starts it, then the image's HEALTHCHECK, a CLI call, SIGTERM. This checkout
# stands in for the build stage. Deviation from the image: it listens on loopback (127.0.0.1 and a
# free port, not 0.0.0.0:50051), on a shared machine. Usage: bash scripts/docker-runtime-check.sh
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
fail() { echo "docker-runtime-check: FAIL: $*" >&2; [ -f "${log:-}" ] && tail -20 "$log" >&2; exit 1; }

# Non-root, as the image's USER node. As root, drop to nobody (setpriv execs: the pid is the server's).
if [ "$(id -u)" = 0 ]; then as_user=(setpriv --reuid=nobody --regid=nogroup --clear-groups --); else as_user=(); fi

work=$(mktemp -d /tmp/cf-runtime-XXXXXX)
chmod 755 "$work"
app=$work/app
log=$work/server.log
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

echo "== build stage (this checkout): npm run build, npm run prepare-model"
npm run build --silent >/dev/null
npm run prepare-model --silent -- --cache-dir "$work/build-model"

echo "== runtime stage in $app"
mkdir -p "$app/client" "$app/scripts" "$app/.cache/models"
cp package.json package-lock.json .npmrc "$app/"
cp client/package.json "$app/client/"
cp scripts/prune-onnxruntime.js scripts/healthcheck.js "$app/scripts/"
(cd "$app" && npm ci --omit=dev --no-audit --no-fund --loglevel=error && node scripts/prune-onnxruntime.js)
cp -r dist "$app/dist"
cp -r client/dist "$app/client/dist"
cp -r client/bin "$app/client/bin"
cp -r "$work/build-model" "$app/.cache/models/use-lite"
# Readable by everyone, writable by root only: the server must use the model as it is.
chmod -R a+rX,go-w "$app"

echo "== what the runtime holds"
builds=$(cd "$app/node_modules/onnxruntime-node/bin" && find . -mindepth 3 -maxdepth 3 -type d | sort | tr '\n' ' ')
[ "$builds" = "./napi-v6/linux/x64 " ] || fail "onnxruntime-node binaries other than linux/x64: $builds"
# (typescript is there: @qdrant/js-client-rest depends on it.)
for dev in tsx jest ts-jest @bufbuild/buf @bufbuild/protoc-gen-es; do
  [ ! -e "$app/node_modules/$dev" ] || fail "devDependency $dev installed in the runtime"
done
echo "node_modules $(du -sh "$app/node_modules" | cut -f1), onnxruntime-node $(du -sh "$app/node_modules/onnxruntime-node" | cut -f1); onnxruntime builds: $builds"
model_hash=$(sha256sum "$app/.cache/models/use-lite/model.onnx" | cut -d' ' -f1)

port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
address=127.0.0.1:$port
run_env=(env NODE_ENV=production FABRIC_LISTEN="$address" FABRIC_MODEL_CACHE="$app/.cache/models/use-lite")

echo "== start as $( [ ${#as_user[@]} -gt 0 ] && echo nobody || id -un ) (CMD node dist/server/main.js)"
(cd "$app" && exec "${as_user[@]}" "${run_env[@]}" node dist/server/main.js >"$log" 2>&1) &
pid=$!
for _ in $(seq 1 1200); do grep -q "serving on" "$log" && break; kill -0 "$pid" 2>/dev/null || fail "server exited"; sleep 0.1; done
grep -q "serving on" "$log" || fail "server did not start within 120 s"
grep -o '"msg":"cache fabric serving on[^"]*"' "$log"
uid=$(ps -o uid= -p "$pid" | tr -d ' ')
[ "$uid" != 0 ] || fail "server runs as root"
grep -q "search: use-lite" "$log" || fail "the bundled model was not loaded"

echo "== HEALTHCHECK (node scripts/healthcheck.js)"
healthy=no
for _ in $(seq 1 100); do
  if (cd "$app" && "${as_user[@]}" "${run_env[@]}" node scripts/healthcheck.js 2>/dev/null); then healthy=yes; break; fi
  sleep 0.2
done
[ "$healthy" = yes ] || fail "health check never reported SERVING"
echo "SERVING"

echo "== the CLI from the image"
(cd "$app" && "${as_user[@]}" node client/bin/cache-fabric.js set docker:check "runtime ok" --address "$address" -w raw >/dev/null) || fail "cache-fabric set"
got=$(cd "$app" && "${as_user[@]}" node client/bin/cache-fabric.js get docker:check --address "$address" -w raw) || fail "cache-fabric get"
[ "$got" = "runtime ok" ] || fail "cache-fabric get printed '$got'"
echo "set/get: $got"

[ "$(sha256sum "$app/.cache/models/use-lite/model.onnx" | cut -d' ' -f1)" = "$model_hash" ] || fail "the model was converted again"

echo "== SIGTERM"
kill -TERM "$pid"
code=0
wait "$pid" || code=$?
pid=
[ "$code" = 0 ] || fail "exit code $code after SIGTERM"
if (cd "$app" && "${as_user[@]}" "${run_env[@]}" node scripts/healthcheck.js 2>/dev/null); then fail "health check passed with no server"; fi
echo "docker-runtime-check: OK (exit 0 on SIGTERM; health check fails once the server is gone)"
