"""Conversions between the wire messages and the Python API's types.

The client refuses what the wire cannot carry (a number where a string goes, a date that does not
parse, a value that is not JSON) with INVALID_ARGUMENT naming the field, as the server would; range
rules (key characters, TTL bounds, limits) are the server's alone, so they are stated once.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta, timezone
from typing import Any, Dict, Optional

from google.protobuf import duration_pb2, struct_pb2, timestamp_pb2

from ._gen.cachefabric.v1 import context_pb2 as pb
from .errors import FabricError
from .types import SCOPES, Context, JsonValue, WatchEvent, WatchMessage

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
#: Integers beyond this lose precision as JSON numbers (IEEE doubles), so they are refused.
_MAX_SAFE_INTEGER = 2**53
_INT64 = 2**63
#: The server's rule for every int64 field (revisions, versions): what a double holds exactly.
_MAX_WIRE_INTEGER = 2**53 - 1

_SCOPE_TO_PB = {name: pb.Scope.Value(f"SCOPE_{name}") for name in SCOPES}
_SCOPE_FROM_PB = {number: name for name, number in _SCOPE_TO_PB.items()}
_EVENT_TYPE_FROM_PB = {
    pb.WatchEvent.TYPE_PUT: "PUT",
    pb.WatchEvent.TYPE_DELETE: "DELETE",
    pb.WatchEvent.TYPE_EXPIRE: "EXPIRE",
}


# ---- scalars ----


def scope_to_pb(scope: Optional[str], field: str = "scope") -> int:
    """None means unspecified (the server applies GLOBAL); names are accepted in any case."""
    if scope is None:
        return pb.SCOPE_UNSPECIFIED
    number = _SCOPE_TO_PB.get(scope.upper()) if isinstance(scope, str) else None
    if number is None:
        raise FabricError.invalid(field, f"must be one of {', '.join(SCOPES)}")
    return number


def scope_from_pb(number: int) -> Optional[str]:
    return _SCOPE_FROM_PB.get(number)


def text(value: Any, field: str) -> str:
    """A string field; None is the empty string (proto3's unset)."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise FabricError.invalid(field, "must be a string")
    return value


def integer(value: Any, field: str) -> Optional[int]:
    """An int64 field; None stays None. ``bool`` is not an integer here."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise FabricError.invalid(field, "must be an integer")
    if abs(value) > _MAX_WIRE_INTEGER:
        raise FabricError.invalid(field, "must be within ±(2**53 - 1)")
    return value


def int32(value: Any, field: str) -> int:
    """An int32 field; None is 0 (proto3's unset)."""
    n = integer(value, field)
    if n is not None and abs(n) >= 2**31:
        raise FabricError.invalid(field, "must be an integer")
    return n or 0


def number(value: Any, field: str) -> Optional[float]:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise FabricError.invalid(field, "must be a number")
    if not math.isfinite(value):
        raise FabricError.invalid(field, "must be finite")
    return float(value)


def flag(value: Any, field: str) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise FabricError.invalid(field, "must be a bool")
    return value


def metadata_to_pb(metadata: Any, field: str = "metadata") -> Dict[str, str]:
    """Metadata is str -> str on the wire; anything else is refused before sending."""
    if metadata is None:
        return {}
    if not isinstance(metadata, dict):
        raise FabricError.invalid(field, "must be a dict of strings")
    for k, v in metadata.items():
        if not isinstance(k, str):
            raise FabricError.invalid(field, "keys must be strings")
        if not isinstance(v, str):
            raise FabricError.invalid(f"{field}.{k}", "must be a string")
    return metadata


# ---- JSON values ----


def value_to_pb(value: JsonValue, field: str = "value") -> struct_pb2.Value:
    """A JSON value (dict, list/tuple, str, int, float, bool, None) as google.protobuf.Value."""
    out = struct_pb2.Value()
    try:
        _fill(out, value, field)
    except RecursionError:
        raise FabricError.invalid(field, "is nested too deeply (or contains itself)") from None
    return out


def _fill(target: struct_pb2.Value, value: Any, field: str) -> None:
    if value is None:
        target.null_value = struct_pb2.NULL_VALUE
    elif isinstance(value, bool):
        target.bool_value = value
    elif isinstance(value, int):
        if abs(value) > _MAX_SAFE_INTEGER:
            raise FabricError.invalid(field, "integers beyond 2**53 are not exact as JSON numbers")
        target.number_value = value
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise FabricError.invalid(field, "numbers must be finite")
        target.number_value = value
    elif isinstance(value, str):
        try:
            target.string_value = value
        except (TypeError, ValueError):
            raise FabricError.invalid(field, "must be valid Unicode (no lone surrogates)") from None
    elif isinstance(value, dict):
        struct = target.struct_value
        struct.SetInParent()
        for k, v in value.items():
            if not isinstance(k, str):
                raise FabricError.invalid(field, f"object keys must be strings (got {type(k).__name__})")
            try:
                entry = struct.fields[k]
            except (TypeError, ValueError):
                raise FabricError.invalid(field, "object keys must be valid Unicode") from None
            _fill(entry, v, f"{field}.{k}")
    elif isinstance(value, (list, tuple)):
        values = target.list_value
        values.SetInParent()
        for i, v in enumerate(value):
            _fill(values.values.add(), v, f"{field}[{i}]")
    else:
        raise FabricError.invalid(field, f"must be JSON data (got {type(value).__name__})")


def value_from_pb(value: struct_pb2.Value) -> JsonValue:
    """google.protobuf.Value as plain Python; integral numbers come back as ``int`` (as ``json.loads``
    reads ``1``), others as ``float``."""
    kind = value.WhichOneof("kind")
    if kind == "string_value":
        return value.string_value
    if kind == "number_value":
        n = value.number_value
        return int(n) if n.is_integer() and abs(n) <= _MAX_SAFE_INTEGER else n
    if kind == "bool_value":
        return value.bool_value
    if kind == "struct_value":
        return {k: value_from_pb(v) for k, v in value.struct_value.fields.items()}
    if kind == "list_value":
        return [value_from_pb(v) for v in value.list_value.values]
    return None


def optional_value_from_pb(message: Any, name: str) -> JsonValue:
    return value_from_pb(getattr(message, name)) if message.HasField(name) else None


# ---- time ----


def instant_to_pb(value: Any, field: str) -> Optional[timestamp_pb2.Timestamp]:
    """A ``datetime`` (naive means UTC), a ``date`` (its UTC midnight), an ISO-8601 string, or epoch
    seconds; None stays None."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise FabricError.invalid(field, "must be an ISO-8601 date or time") from None
    elif isinstance(value, date) and not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        delta = value - _EPOCH
        micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
        seconds, rest = divmod(micros, 1_000_000)
        return timestamp_pb2.Timestamp(seconds=seconds, nanos=rest * 1000)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise FabricError.invalid(field, "must be a datetime, a date, an ISO-8601 string or epoch seconds")
    seconds = math.floor(value)
    nanos = min(round((value - seconds) * 1e9), 999_999_999)
    if not -_INT64 <= seconds < _INT64:
        raise FabricError.invalid(field, "is out of range")
    return timestamp_pb2.Timestamp(seconds=seconds, nanos=nanos)


def datetime_from_pb(ts: timestamp_pb2.Timestamp) -> datetime:
    """An aware UTC datetime (microsecond precision)."""
    return _EPOCH + timedelta(seconds=ts.seconds, microseconds=ts.nanos // 1000)


def optional_datetime(message: Any, name: str) -> Optional[datetime]:
    return datetime_from_pb(getattr(message, name)) if message.HasField(name) else None


def duration_to_pb(value: Any, field: str) -> Optional[duration_pb2.Duration]:
    """Seconds (int or float, fractions allowed) or a ``timedelta``; None stays None."""
    if value is None:
        return None
    if isinstance(value, timedelta):
        micros = (value.days * 86_400 + value.seconds) * 1_000_000 + value.microseconds
        whole, rest = divmod(abs(micros), 1_000_000)
        sign = -1 if micros < 0 else 1
        seconds, nanos = sign * whole, sign * rest * 1000
    elif isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise FabricError.invalid(field, "must be a number of seconds or a timedelta")
    else:
        # Seconds and nanos carry the same sign (Duration's rule); the server checks the range.
        seconds = int(value)
        nanos = round((value - seconds) * 1e9)
        if abs(nanos) >= 1_000_000_000:
            seconds, nanos = seconds + (1 if nanos > 0 else -1), 0
    if not -_INT64 <= seconds < _INT64:
        raise FabricError.invalid(field, "is out of range")
    return duration_pb2.Duration(seconds=seconds, nanos=nanos)


# ---- contexts and watch messages ----


def context_from_pb(message: pb.Context) -> Context:
    return Context(
        key=message.key,
        scope=scope_from_pb(message.scope) or "GLOBAL",
        value=value_from_pb(message.value),
        metadata=dict(message.metadata),
        revision=message.revision,
        create_revision=message.create_revision,
        version=message.version,
        created_at=datetime_from_pb(message.created_at),
        updated_at=datetime_from_pb(message.updated_at),
        expires_at=optional_datetime(message, "expires_at"),
    )


def optional_context(message: Any, name: str) -> Optional[Context]:
    return context_from_pb(getattr(message, name)) if message.HasField(name) else None


def watch_message_from_pb(res: pb.WatchResponse) -> WatchMessage:
    kind = res.WhichOneof("kind")
    # A server older than store identities sends none: the message then has no store_id.
    store_id = res.store_id or None
    if kind == "created":
        return WatchMessage(kind="created", revision=res.revision, store_id=store_id)
    if kind == "progress":
        return WatchMessage(kind="progress", revision=res.revision, store_id=store_id)
    if kind == "compact_revision":
        return WatchMessage(kind="compacted", revision=res.revision, compact_revision=res.compact_revision, store_id=store_id)
    if kind == "event":
        e = res.event
        type_ = _EVENT_TYPE_FROM_PB.get(e.type)
        if type_ is None:
            raise FabricError("INTERNAL", f"server sent a watch event of unknown type {e.type}")
        event = WatchEvent(
            type=type_,
            key=e.key,
            scope=scope_from_pb(e.scope) or "GLOBAL",
            revision=e.revision,
            context=optional_context(e, "context"),
            prev_context=optional_context(e, "prev_context"),
        )
        return WatchMessage(kind="event", revision=res.revision, event=event, store_id=store_id)
    raise FabricError("INTERNAL", "server sent an empty watch message")
