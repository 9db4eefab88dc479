"""How both clients reach a fabric server: address, credentials, channel options, per-call metadata."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from typing import Any, Mapping, Optional, Sequence, Tuple, Union

import grpc

from ._backoff import backoff_delay
from .errors import FabricError
from .types import CallRetry

DEFAULT_ADDRESS = "127.0.0.1:50051"
#: Deadline of each unary call unless the call says otherwise, in seconds.
DEFAULT_TIMEOUT = 5.0
#: The server's default FABRIC_MAX_MESSAGE_BYTES: a full Query page or Batch may be this large, so the
#: client accepts as much as the server may send (gRPC's own default would be 4 MiB).
MAX_MESSAGE_BYTES = 16 * 1024 * 1024

#: Channel options a client gets unless ``channel_options`` says otherwise.
#:
#: - Keepalive as the TypeScript client: a watch or prompt cache on a server that vanished without
#:   closing the connection notices within about 40 s. 30 s is above the server's minimum ping
#:   interval (FABRIC_KEEPALIVE_MIN_CLIENT_PING_MS, 10 s), so it is not refused; pings continue on an
#:   idle watch stream (``max_pings_without_data`` 0: gRPC core would stop after two).
#: - Reconnection backoff capped at 5 s (gRPC core's default grows to 120 s), matching the watch's
#:   own retry cap, so an agent is back within seconds of a server restart.
CHANNEL_DEFAULTS: Mapping[str, Any] = {
    "grpc.keepalive_time_ms": 30_000,
    "grpc.keepalive_timeout_ms": 10_000,
    "grpc.keepalive_permit_without_calls": 1,
    "grpc.http2.max_pings_without_data": 0,
    "grpc.initial_reconnect_backoff_ms": 100,
    "grpc.max_reconnect_backoff_ms": 5_000,
    "grpc.max_receive_message_length": MAX_MESSAGE_BYTES,
    "grpc.max_send_message_length": MAX_MESSAGE_BYTES,
}

Pem = Union[bytes, str]


@dataclass(frozen=True)
class TlsConfig:
    """TLS to a fabric server (the counterpart of its FABRIC_TLS_* settings): ``ca`` is the PEM of the
    CA that signed the server's certificate (None: the system's roots); ``cert`` and ``key`` (PEM) make
    it mutual TLS. To check the certificate against another name than the dialed host, add the channel
    option ``{"grpc.ssl_target_name_override": "fabric.internal"}``."""

    ca: Optional[Pem] = None
    cert: Optional[Pem] = None
    key: Optional[Pem] = None

    @classmethod
    def from_files(cls, ca: Optional[str] = None, cert: Optional[str] = None, key: Optional[str] = None) -> "TlsConfig":
        def read(path: Optional[str]) -> Optional[bytes]:
            if path is None:
                return None
            with open(path, "rb") as f:
                return f.read()

        return cls(ca=read(ca), cert=read(cert), key=read(key))

    def credentials(self) -> grpc.ChannelCredentials:
        if (self.cert is None) != (self.key is None):
            raise FabricError.invalid("tls", "mutual TLS needs both cert and key")
        return grpc.ssl_channel_credentials(
            root_certificates=_pem(self.ca), private_key=_pem(self.key), certificate_chain=_pem(self.cert)
        )


def _pem(value: Optional[Pem]) -> Optional[bytes]:
    return value.encode() if isinstance(value, str) else value


@dataclass(frozen=True)
class ChannelConfig:
    address: str
    #: None: plaintext.
    credentials: Optional[grpc.ChannelCredentials]
    options: Sequence[Tuple[str, Any]]
    metadata: Tuple[Tuple[str, str], ...]
    timeout: float
    #: None: calls are never retried (and writes get no generated idempotency keys).
    retry: Optional[CallRetry]

    def retry_delay(self, error: FabricError, attempt: int, remaining: float) -> Optional[float]:
        """Seconds to wait before sending a retryable call again after ``attempt`` failed with
        ``error``, or None to give up: only UNAVAILABLE is retried, never beyond the call's deadline."""
        retry = self.retry
        if retry is None or error.code != "UNAVAILABLE" or attempt >= retry.max_attempts:
            return None
        delay = backoff_delay(attempt, retry.initial_delay, retry.max_delay)
        return delay if delay < remaining else None

    def deadline(self, timeout: Optional[float]) -> float:
        """The timeout of one unary call: the call's own, else the client's default."""
        chosen = self.timeout if timeout is None else timeout
        if isinstance(chosen, bool) or not isinstance(chosen, (int, float)) or not chosen > 0:
            raise FabricError.invalid("timeout", "must be a positive number of seconds")
        return float(chosen)


def channel_config(
    address: Optional[str],
    token: Optional[str],
    tls: Union[None, bool, TlsConfig],
    credentials: Optional[grpc.ChannelCredentials],
    timeout: float,
    channel_options: Optional[Mapping[str, Any]],
    retry: Union[bool, CallRetry] = True,
) -> ChannelConfig:
    """Unset address and token come from FABRIC_ADDRESS and FABRIC_TOKEN (as for the CLI)."""
    if credentials is None and tls:
        credentials = (tls if isinstance(tls, TlsConfig) else TlsConfig()).credentials()
    token = token if token is not None else os.environ.get("FABRIC_TOKEN") or None
    if token is not None and not (isinstance(token, str) and token.isascii() and token.isprintable() and " " not in token):
        raise FabricError.invalid("token", "must be printable ASCII without spaces (it travels as an HTTP header)")
    config = ChannelConfig(
        address=address or os.environ.get("FABRIC_ADDRESS") or DEFAULT_ADDRESS,
        credentials=credentials,
        options=tuple({**CHANNEL_DEFAULTS, **(channel_options or {})}.items()),
        metadata=(("authorization", f"Bearer {token}"),) if token else (),
        timeout=timeout,
        retry=retry if isinstance(retry, CallRetry) else CallRetry() if retry else None,
    )
    config.deadline(None)
    return config


class OpenCalls:
    """The streams open on a client, so that ``close()`` ends them: closing a grpc.aio channel does
    not reliably wake a reader blocked on a stream, cancelling the call does."""

    def __init__(self) -> None:
        self._calls: set = set()
        self._lock = threading.Lock()

    def add(self, call: Any) -> Any:
        with self._lock:
            self._calls.add(call)
        call.add_done_callback(self._discard)
        return call

    def _discard(self, call: Any) -> None:
        with self._lock:
            self._calls.discard(call)

    def cancel_all(self) -> None:
        with self._lock:
            calls, self._calls = self._calls, set()
        for call in calls:
            call.cancel()
