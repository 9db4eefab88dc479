"""Real processes for the Python tests: fabric servers (server/main.ts under tsx, as an operator runs
it), redis-server, a throwaway PKI, and a TypeScript writer. Nothing is mocked."""

from __future__ import annotations

import atexit
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional

ROOT = Path(__file__).resolve().parents[3]
TSX = ROOT / "node_modules/tsx/dist/cli.mjs"
NODE = shutil.which("node") or "node"
#: Generous bounds for a shared, loaded 2-core machine: they bound a hang, they never measure speed.
START_TIMEOUT = 90.0
EVENTUALLY_TIMEOUT = 60.0


def eventually(predicate: Callable[[], bool], what: str, timeout: float = EVENTUALLY_TIMEOUT) -> None:
    """Returns once ``predicate()`` holds, polling; fails naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


#: Every process started here, stopped at exit even when a test fails half-way. The servers run in
#: their own sessions (so pause() can signal their groups), so nothing else would stop them: SIGTERM
#: (a CI timeout, `timeout`) becomes a normal exit, which runs the atexit hook.
_running: List[object] = []
atexit.register(lambda: [p.stop() for p in list(_running)])
if threading.current_thread() is threading.main_thread():
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))


class FabricServer:
    """server/main.ts in a child process. ``restart()`` brings it back on the same port."""

    def __init__(self, *args: str, env: Optional[Dict[str, str]] = None, port: Optional[int] = None) -> None:
        self.args = list(args)
        self.env = {**os.environ, "FABRIC_LOG_LEVEL": "warn", **(env or {})}
        self.port = port or free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.proc: Optional[subprocess.Popen] = None
        self._output: List[str] = []

    def start(self) -> "FabricServer":
        self._output = []
        self.proc = subprocess.Popen(
            [NODE, str(TSX), str(ROOT / "server/main.ts"), "--listen", self.address, "--log-level", "info", *self.args],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            # tsx runs the server in a child process: signals for pause/resume go to the whole group.
            start_new_session=True,
        )
        _running.append(self)
        serving = threading.Event()

        def read(stream) -> None:
            for line in stream:
                self._output.append(line)
                if "serving on" in line:
                    serving.set()

        threading.Thread(target=read, args=(self.proc.stdout,), daemon=True).start()
        deadline = time.monotonic() + START_TIMEOUT
        while not serving.wait(0.05):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"fabric server did not start: {self.output()}")
        return self

    def output(self) -> str:
        return "".join(self._output)

    def pause(self) -> None:
        """SIGSTOP: the connection stays open, nothing answers (a server stuck or behind a black hole)."""
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGSTOP)

    def resume(self) -> None:
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGCONT)

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if self in _running:
            _running.remove(self)
        if proc is None:
            return
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGCONT)
            proc.terminate()
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        proc.stdout.close()

    def restart(self) -> None:
        self.stop()
        self.start()

    def __enter__(self) -> "FabricServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class RedisServer:
    """A real redis-server on a free port, no persistence, for fabric servers that must share data
    across restarts (and with each other)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}"
        self.dir = tempfile.mkdtemp(prefix="cf-py-redis-")
        self.proc: Optional[subprocess.Popen] = None

    def start(self) -> "RedisServer":
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.dir, "--save", "",
             "--appendonly", "no", "--loglevel", "warning"],
            stdout=subprocess.DEVNULL,
        )
        _running.append(self)

        def answers() -> bool:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                    s.sendall(b"PING\r\n")
                    return s.recv(16).startswith(b"+PONG")
            except OSError:
                return False

        eventually(answers, "redis-server to answer", START_TIMEOUT)
        return self

    def stop(self) -> None:
        if self in _running:
            _running.remove(self)
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(30)
            self.proc = None
        shutil.rmtree(self.dir, ignore_errors=True)


#: Writes one context through the TypeScript client (node + tsx, from the repository root):
#: append address, key, JSON value [, scope]; prints the stored context as JSON.
TYPESCRIPT_WRITER = [NODE, str(TSX), str(ROOT / "test/python/typescript-writer.ts")]


def typescript_set(address: str, key: str, value: object, scope: str = "GLOBAL") -> dict:
    """Writes a context from TypeScript (FabricClient of the client package, run by node + tsx) and
    returns what that client printed: the stored context as JSON."""
    out = subprocess.run(
        [*TYPESCRIPT_WRITER, address, key, json.dumps(value), scope],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT,
    )
    if out.returncode != 0:
        raise RuntimeError(f"typescript writer failed: {out.stderr}")
    return json.loads(out.stdout)


class Pki:
    """A throwaway CA with a server certificate for 127.0.0.1 and a client certificate (openssl CLI)."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="cf-py-pki-"))
        self._ca("ca", "cache-fabric python test CA")
        self._leaf("server", "localhost", "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")
        self._leaf("client", "python-agent", "extendedKeyUsage=clientAuth\n")

    def path(self, name: str) -> str:
        return str(self.dir / name)

    def _openssl(self, *args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True)

    def _ca(self, name: str, cn: str) -> None:
        self._openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", self.path(f"{name}-key.pem"))
        self._openssl("req", "-x509", "-new", "-key", self.path(f"{name}-key.pem"), "-sha256", "-days", "1",
                      "-subj", f"/CN={cn}", "-out", self.path(f"{name}.pem"))

    def _leaf(self, name: str, cn: str, ext: str) -> None:
        self._openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", self.path(f"{name}-key.pem"))
        self._openssl("req", "-new", "-key", self.path(f"{name}-key.pem"), "-subj", f"/CN={cn}", "-out", self.path(f"{name}.csr"))
        (self.dir / f"{name}.ext").write_text(ext)
        self._openssl("x509", "-req", "-in", self.path(f"{name}.csr"), "-CA", self.path("ca.pem"), "-CAkey", self.path("ca-key.pem"),
                      "-CAcreateserial", "-days", "1", "-sha256", "-extfile", self.path(f"{name}.ext"), "-out", self.path(f"{name}.pem"))

    def remove(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


def python_env(**extra: str) -> Dict[str, str]:
    """The environment for a child Python that imports this source tree's package."""
    return {**os.environ, "PYTHONPATH": str(ROOT / "clients/python"), **extra}


def run_python(code: str, env: Dict[str, str], python: str = sys.executable, cwd: Optional[str] = None) -> subprocess.CompletedProcess:
    return subprocess.run([python, "-c", code], env=env, capture_output=True, text=True, timeout=START_TIMEOUT, cwd=cwd)


def readme_python_blocks() -> List[str]:
    """Every ```python (or ```py) block of README.md, as written."""
    text = (ROOT / "README.md").read_text()
    return [m.group(1) for m in re.finditer(r"^```(?:python|py)[ \t]*\n(.*?)^```$", text, re.S | re.M)]


class LosingProxy:
    """A loopback TCP relay in front of a fabric server that loses the first answer: on its first
    connection it forwards the client's bytes (so the server applies the call) but drops the
    connection when the server starts its first response (an HTTP/2 HEADERS frame on a stream), as a
    network that fails after the write. Later connections are relayed whole. Frames are only read,
    never changed: the server and client are real, only the wire misbehaves."""

    def __init__(self, upstream: str) -> None:
        host, port = upstream.rsplit(":", 1)
        self.upstream = (host, int(port))
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen()
        self.address = f"127.0.0.1:{self.listener.getsockname()[1]}"
        self.connections = 0
        self.dropped = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            server = socket.create_connection(self.upstream)
            lose = self.connections == 1
            threading.Thread(target=self._pipe, args=(client, server, False), daemon=True).start()
            threading.Thread(target=self._pipe, args=(server, client, lose), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket, lose_first_response: bool) -> None:
        buffer = b""
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                if lose_first_response:
                    buffer += data
                    # Forward whole frames until a HEADERS frame (type 1) on a stream (id > 0).
                    while len(buffer) >= 9:
                        length = int.from_bytes(buffer[:3], "big")
                        kind, stream = buffer[3], int.from_bytes(buffer[5:9], "big") & 0x7FFFFFFF
                        if kind == 1 and stream > 0:
                            self.dropped.set()
                            raise ConnectionAbortedError
                        if len(buffer) < 9 + length:
                            break
                        sink.sendall(buffer[: 9 + length])
                        buffer = buffer[9 + length :]
                else:
                    sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()

    def close(self) -> None:
        self.listener.close()
