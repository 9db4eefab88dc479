"""The one error type of the Python client.

Every failed call raises :class:`FabricError`, whose ``code`` is the gRPC status name, from the same
closed set as the TypeScript client's ``ERROR_CODES`` (client/src/api/errors.ts), so a caller in
either language reads the same code.
"""

from __future__ import annotations

from typing import Optional

import grpc

#: The closed set of codes a :class:`FabricError` carries (gRPC status names).
ERROR_CODES: tuple[str, ...] = (
    "CANCELLED",
    "INVALID_ARGUMENT",
    "DEADLINE_EXCEEDED",
    "NOT_FOUND",
    "ALREADY_EXISTS",
    "PERMISSION_DENIED",
    "RESOURCE_EXHAUSTED",
    "FAILED_PRECONDITION",
    "ABORTED",
    "OUT_OF_RANGE",
    "UNIMPLEMENTED",
    "INTERNAL",
    "UNAVAILABLE",
    "UNAUTHENTICATED",
)


class FabricError(Exception):
    """A failed fabric call: ``code`` (one of :data:`ERROR_CODES`) and a message.

    Bad input is ``INVALID_ARGUMENT`` with a message naming the field and the rule
    (``key: may contain only ...``), whether the client or the server found it.

    Example::

        try:
            fabric.set_context("bad key", 1)
        except FabricError as e:
            if e.code == "INVALID_ARGUMENT":
                print(e.message)
    """

    code: str
    message: str

    def __init__(self, code: str, message: str) -> None:
        if code not in ERROR_CODES:
            raise ValueError(f"FabricError: unknown code {code!r}")
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message

    @classmethod
    def invalid(cls, field: str, rule: str) -> "FabricError":
        """The error bad input gets: names the field and the rule it broke."""
        return cls("INVALID_ARGUMENT", f"{field}: {rule}")

    @classmethod
    def from_exception(cls, error: BaseException) -> "FabricError":
        """Normalises anything a call raised. gRPC errors keep their status; anything else is INTERNAL
        (raise it ``from`` the original so the cause stays in the traceback)."""
        if isinstance(error, FabricError):
            return error
        if isinstance(error, grpc.RpcError):
            return cls(code_of(_status(error)), _details(error))
        return cls("INTERNAL", "internal error")


def code_of(status: Optional[grpc.StatusCode]) -> str:
    """Error code for a gRPC status; OK, UNKNOWN and DATA_LOSS (never sent by the fabric) become INTERNAL."""
    name = status.name if status is not None else ""
    return name if name in ERROR_CODES else "INTERNAL"


def _status(error: grpc.RpcError) -> Optional[grpc.StatusCode]:
    code = getattr(error, "code", None)
    return code() if callable(code) else None


def _details(error: grpc.RpcError) -> str:
    details = getattr(error, "details", None)
    text = details() if callable(details) else None
    return text or "call failed"
