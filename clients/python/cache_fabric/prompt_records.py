"""The prompt registry's records as agents read them, and resolving a label locally: the Python
counterpart of client/src/api/prompt-records.ts, prompt-resolve.ts and prompt-template.ts. The
server's registry writes these GLOBAL contexts; a label-following cache watches and decodes them
without a registry call, and resolves a sticky key exactly as the server does.

Layout (``{name}`` never contains ``@``)::

    prompt:{name}@v:{n}          version n: { name, version, text | messages: [{role, content}], config,
                                 variables, commit_message, tags, author, created_at, content_hash }
    prompt:{name}@label:{label}  { name, label, version, moves, updated_at, updated_by, reason,
                                 rollout?: { rollout_id, to_version, percent, salt } }
"""

from __future__ import annotations

import hashlib
import math
import re
from datetime import datetime
from typing import Any, Dict, List, Mapping, Optional, Union

from .errors import FabricError
from .prompt_types import ChatMessage, LabelRollout, PromptLabel, PromptVersion
from .types import Context

PROMPT_KEY_PREFIX = "prompt:"
MAX_PROMPT_NAME_LENGTH = 256
MAX_LABEL_LENGTH = 64
_PROMPT_NAME_RE = re.compile(r"[A-Za-z0-9_\-.:/]+")
_LABEL_RE = re.compile(r"[A-Za-z0-9_\-.]+")

#: Buckets a sticky key can fall into: shares have a resolution of 0.01%.
ROLLOUT_BUCKETS = 10_000


def label_key(name: str, label: str) -> str:
    return f"{PROMPT_KEY_PREFIX}{name}@label:{label}"


def version_key(name: str, version: int) -> str:
    return f"{PROMPT_KEY_PREFIX}{name}@v:{version}"


def validate_prompt_name(name: Any, field: str = "name") -> str:
    """1..256 of letters, digits and ``_ - . : /``: INVALID_ARGUMENT naming ``field`` otherwise."""
    if not isinstance(name, str) or not name:
        raise FabricError.invalid(field, "is required")
    if len(name) > MAX_PROMPT_NAME_LENGTH:
        raise FabricError.invalid(field, f"must be at most {MAX_PROMPT_NAME_LENGTH} characters (got {len(name)})")
    if not _PROMPT_NAME_RE.fullmatch(name):
        raise FabricError.invalid(field, "may contain only letters, digits and _ - . : /")
    return name


def validate_label_name(label: Any, field: str = "label") -> str:
    """1..64 of letters, digits and ``_ - .``."""
    if not isinstance(label, str) or not label:
        raise FabricError.invalid(field, "is required")
    if len(label) > MAX_LABEL_LENGTH:
        raise FabricError.invalid(field, f"must be at most {MAX_LABEL_LENGTH} characters (got {len(label)})")
    if not _LABEL_RE.fullmatch(label):
        raise FabricError.invalid(field, "may contain only letters, digits and _ - .")
    return label


def _record(ctx: Context) -> Dict[str, Any]:
    if not isinstance(ctx.value, dict):
        raise FabricError("INTERNAL", f"registry record {ctx.key} is not an object")
    return ctx.value


def _instant(value: Any) -> datetime:
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def decode_label(ctx: Context) -> PromptLabel:
    """A label record (its context) as a PromptLabel; INTERNAL when it is not one."""
    v = _record(ctx)
    r = v.get("rollout")
    try:
        return PromptLabel(
            name=str(v["name"]),
            label=str(v["label"]),
            version=int(v["version"]),
            rollout=(
                LabelRollout(rollout_id=str(r["rollout_id"]), to_version=int(r["to_version"]), percent=float(r["percent"]), salt=str(r["salt"]))
                if isinstance(r, dict)
                else None
            ),
            moves=int(v.get("moves", 0)),
            updated_at=_instant(v["updated_at"]),
            updated_by=str(v.get("updated_by", "")),
            reason=str(v.get("reason", "")),
            revision=ctx.revision,
        )
    except (KeyError, TypeError, ValueError) as e:
        raise FabricError("INTERNAL", f"registry record {ctx.key} is not a label record ({e})") from None


def decode_version(ctx: Context) -> PromptVersion:
    """A version record (its context) as a PromptVersion; INTERNAL when it is not one."""
    v = _record(ctx)
    try:
        text = v.get("text")
        messages = None if isinstance(text, str) else [ChatMessage(role=str(m["role"]), content=str(m["content"])) for m in v.get("messages") or []]
        config = v.get("config")
        return PromptVersion(
            name=str(v["name"]),
            version=int(v["version"]),
            text=text if isinstance(text, str) else None,
            messages=messages,
            config=config if isinstance(config, dict) else {},
            variables=[str(x) for x in v.get("variables") or []],
            commit_message=str(v.get("commit_message", "")),
            tags=[str(x) for x in v.get("tags") or []],
            author=str(v.get("author", "")),
            created_at=_instant(v["created_at"]),
            content_hash=str(v.get("content_hash", "")),
            revision=ctx.revision,
        )
    except (KeyError, TypeError, ValueError) as e:
        raise FabricError("INTERNAL", f"registry record {ctx.key} is not a version record ({e})") from None


# ---- resolving a label ----


def rollout_bucket(salt: str, sticky_key: str) -> int:
    """The sticky key's bucket in [0, ROLLOUT_BUCKETS): the first four bytes of
    SHA-256(salt + "\\0" + key), big-endian, scaled; the server's and every client's function."""
    digest = hashlib.sha256(f"{salt}\0{sticky_key}".encode("utf-8")).digest()
    return (int.from_bytes(digest[:4], "big") * ROLLOUT_BUCKETS) >> 32


def in_rollout_share(bucket: int, percent: float) -> bool:
    """True when ``percent``% of keys includes this bucket (basis points rounded half up, as JavaScript's Math.round)."""
    return bucket < math.floor(percent * 100 + 0.5)


def resolve_label_version(label: PromptLabel, sticky_key: Optional[str] = None) -> int:
    """The version ``label`` resolves to for ``sticky_key``: the label's own, or the rollout's
    candidate when the key's bucket falls in its share. No sticky key: the stable version."""
    r = label.rollout
    if r is None or not sticky_key:
        return label.version
    return r.to_version if in_rollout_share(rollout_bucket(r.salt, sticky_key), r.percent) else label.version


# ---- templates ----

#: ``{{ name }}``: a variable reference (spaces inside the braces allowed), as the server counts them.
_VARIABLE_RE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")

#: A rendered template: the text, or the chat messages as ``{"role", "content"}`` dicts (what LLM SDKs take).
Rendered = Union[str, List[Dict[str, str]]]


def template_variables(text: Optional[str], messages: Optional[List[ChatMessage]] = None) -> List[str]:
    """The variables a template uses, sorted and unique."""
    found = set(_VARIABLE_RE.findall(text or ""))
    for m in messages or []:
        found.update(_VARIABLE_RE.findall(m.content))
    return sorted(found)


def render_template(
    text: Optional[str], messages: Optional[List[ChatMessage]], variables: Optional[Mapping[str, Any]], what: str = "the template"
) -> Rendered:
    """The template with every ``{{variable}}`` filled in one pass: a value that contains ``{{x}}``
    is inserted as it is, never expanded again. Every variable the template uses must be given (a
    str, a finite number or a bool), else INVALID_ARGUMENT naming the first missing one; others are
    ignored."""
    values = dict(variables or {})
    for name in template_variables(text, messages):
        v = values.get(name)
        if v is None:
            raise FabricError.invalid(f"variables.{name}", f"is required by {what}")
        if not isinstance(v, (str, bool, int, float)) or (isinstance(v, float) and not math.isfinite(v)):
            raise FabricError.invalid(f"variables.{name}", "must be a string, a finite number or a boolean")

    def show(v: Any) -> str:
        # As JavaScript's String(): true/false, integral floats without ".0".
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v)

    def fill(s: str) -> str:
        return _VARIABLE_RE.sub(lambda m: show(values[m.group(1)]), s)

    if text is not None:
        return fill(text)
    return [{"role": m.role, "content": fill(m.content)} for m in messages or []]
