"""Registry prompts followed through a label, pushed, not polled: the Python counterpart of
client/src/agent/label-prompt-cache.ts, with the same semantics.

One watch (snapshot, then changes) on the prompts' label records, which carry everything a sticky
key needs: the label's version and, during a rollout, the candidate, its share and its salt. A
label move, a rollout step or a rollback reaches the cache as one watch event and ``get()``
resolves locally with the server's own function (``resolve_label_version``): no call per read.

Version records are immutable: each is read once (GetContext of ``prompt:{name}@v:{n}``) and kept;
caches over one client share what they read (per store history); during a rollout both versions are
held, so a step or a rollback switches without a read.

Invariants:

- A label record is applied only when newer than the one held for its prompt.
- A prompt switches to a label record only once every version that record can resolve to is
  loaded; until then ``get()`` serves what it served before (``stale`` is True). Reads never block.
- A failed version read is retried with backoff; the watch reconnects and resumes by itself (or
  re-reads after compaction). A reset from another store history drops the versions held: another
  history may number other content the same.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import weakref
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence

from ._backoff import backoff_delay
from ._calls import CONTEXT, Unary, as_is, store_id_of
from ._gen.cachefabric.v1 import context_pb2 as cpb
from ._watch_driven import WatchDriven
from ._wire import optional_context
from .errors import FabricError
from .prompt_records import (
    Rendered,
    decode_label,
    decode_version,
    in_rollout_share,
    label_key,
    render_template,
    rollout_bucket,
    template_variables,
    validate_label_name,
    validate_prompt_name,
    version_key,
)
from .prompt_types import ChatMessage, PromptLabel, PromptVersion
from .types import Context, JsonValue, WatchMessage, WatchRetry

log = logging.getLogger("cache_fabric")

#: The most prompts one cache follows: the most keys one watch takes.
MAX_LABEL_CACHE_PROMPTS = 1000
#: Sticky keys remembered per label record before the memo starts over.
_MAX_RESOLVED_KEYS = 10_000
#: Versions kept per client for the caches over it.
_SHARED_VERSIONS = 256
#: "Use the cache's own sticky key."
_OWN: Any = object()


@dataclass(frozen=True, kw_only=True)
class RolloutSplit:
    """While a rollout of the label runs: which, the candidate's share, and whether this is the candidate."""

    rollout_id: str
    percent: float
    candidate: bool


@dataclass(frozen=True, kw_only=True)
class CachedPrompt:
    """A prompt as the cache serves it: immutable, shared by every reader."""

    name: str
    label: str
    #: The version this is; 0 for the fallback.
    version: int
    text: Optional[str] = None
    messages: Optional[List[ChatMessage]] = None
    config: Dict[str, JsonValue]
    #: The ``{{variables}}`` the template uses, sorted.
    variables: List[str]
    #: True for the fallback given to the cache (the fabric has not answered, or has no such label).
    fallback: bool
    #: Store revision of the label record this was resolved from (0 for the fallback).
    label_revision: int
    rollout: Optional[RolloutSplit] = None
    #: The version record (None for the fallback).
    record: Optional[PromptVersion] = None
    #: ``record_execution(**prompt.execution, input=..., output=...)`` records the version that ran:
    #: ``prompt_key``, ``prompt_version``, ``prompt_label`` (the fallback: ``prompt_key`` alone).
    execution: Dict[str, Any] = field(default_factory=dict)

    def render(self, variables: Optional[Mapping[str, Any]] = None, **kwargs: Any) -> Rendered:
        """The template with its ``{{variables}}`` filled in (a str, or chat messages as dicts);
        INVALID_ARGUMENT naming a missing one."""
        what = f'the fallback of "{self.name}"' if self.fallback else f'version {self.version} of "{self.name}"'
        return render_template(self.text, self.messages, {**(variables or {}), **kwargs}, what)


@dataclass
class _Served:
    label: PromptLabel
    store_id: Optional[str]
    stable: CachedPrompt
    candidate: Optional[CachedPrompt]
    own_on_candidate: bool
    resolved: Dict[str, bool] = field(default_factory=dict)


@dataclass
class _Slot:
    name: str
    key: str
    fallback: Optional[CachedPrompt]
    #: The newest label record seen; None: confirmed absent; _UNKNOWN: not known yet.
    latest: Any
    latest_revision: int = 0
    served: Optional[_Served] = None
    settled: bool = False
    versions: Dict[int, PromptVersion] = field(default_factory=dict)
    loading: set = field(default_factory=set)
    failures: int = 0


_UNKNOWN: Any = object()

#: Per client: versions read, by (store id, key), oldest dropped first.
_shared: "weakref.WeakKeyDictionary[Any, OrderedDict]" = weakref.WeakKeyDictionary()
_shared_lock = threading.Lock()

OnChange = Callable[[str, Optional[CachedPrompt], Optional[CachedPrompt]], None]


class LabelPromptCache(WatchDriven):
    """Registry prompts followed through one label, served from memory.

    Example::

        prompts = LabelPromptCache(fabric, prompts=["router:main"], label="production", sticky_key=user_id,
                                   fallback={"router:main": {"text": "You route {{topic}} questions."}})
        try:
            prompts.wait_ready(timeout=5)
        except FabricError:
            pass  # the fabric is down: the fallback is served meanwhile
        prompt = prompts.get("router:main")
        answer = llm(prompt.render(topic="billing"))
        fabric.record_execution(**prompt.execution, input=question, output=answer)

    Over a :class:`FabricClient` the watch runs in a daemon thread and version reads in a small pool;
    over an :class:`AsyncFabricClient` in tasks of the running event loop (make the cache inside it).
    ``on_change(name, prompt, previous)`` runs when what ``get(name)`` returns for the cache's own
    sticky key changes; what it raises is logged and ignored.
    """

    def __init__(
        self,
        fabric: Any,
        *,
        prompts: Sequence[str],
        label: str,
        sticky_key: Optional[str] = None,
        fallback: Optional[Mapping[str, Mapping[str, Any]]] = None,
        on_change: Optional[OnChange] = None,
        retry: Optional[WatchRetry] = None,
    ) -> None:
        self.label = validate_label_name(label)
        if isinstance(prompts, str) or not isinstance(prompts, (list, tuple)) or not prompts:
            raise FabricError.invalid("prompts", "must name at least one prompt")
        if len(prompts) > MAX_LABEL_CACHE_PROMPTS:
            raise FabricError.invalid("prompts", f"must name at most {MAX_LABEL_CACHE_PROMPTS} prompts")
        names = [validate_prompt_name(n, f"prompts[{i}]") for i, n in enumerate(prompts)]
        if len(set(names)) != len(names):
            raise FabricError.invalid("prompts", "must not name a prompt twice")
        if sticky_key is not None and not isinstance(sticky_key, str):
            raise FabricError.invalid("sticky_key", "must be a string")
        fallbacks = {}
        for name, f in (fallback or {}).items():
            if name not in names:
                raise FabricError.invalid(f"fallback.{name}", "is not one of prompts")
            fallbacks[name] = _fallback_prompt(name, self.label, f, f"fallback.{name}")
        self.sticky_key = sticky_key
        self._fabric = fabric
        self._on_change = on_change
        self._retry = retry or WatchRetry()
        #: Settles once: done when every prompt's label has been read and its version loaded (or the
        #: label found absent), or with the FabricError of the first failure (the cache keeps trying).
        self.ready: Future = Future()
        #: The watch's resume point: every label change up to it has been seen.
        self.revision = 0
        #: The store history ``revision`` and the held versions belong to.
        self.store_id: Optional[str] = None
        #: The most recent failure (watch or version read), kept after recovery.
        self.last_error: Optional[FabricError] = None
        self._live = False
        self._closed = False
        self._lock = threading.RLock()
        self._slots: Dict[str, _Slot] = {n: _Slot(name=n, key=label_key(n, self.label), fallback=fallbacks.get(n), latest=_UNKNOWN) for n in names}
        self._by_key = {s.key: s for s in self._slots.values()}
        self._unsettled = len(names)
        self._timers: List[threading.Timer] = []
        #: Version reads over a FabricClient (the watch thread never waits on one).
        self._pool: Optional[ThreadPoolExecutor] = None
        watch = fabric.watch(
            "GLOBAL",
            keys=[s.key for s in self._slots.values()],
            snapshot=True,
            resume=WatchRetry(initial_delay=self._retry.initial_delay, max_delay=self._retry.max_delay, on_retry=self._on_retry),
        )
        if not hasattr(watch, "__anext__"):
            self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="cache-fabric-label-cache")
        self._drive(watch, "LabelPromptCache")

    # ---- reads (local) ----

    def get(self, name: str, sticky_key: Optional[str] = _OWN) -> Optional[CachedPrompt]:
        """The prompt ``name`` runs now for ``sticky_key`` (default: the cache's own; None or "": the
        stable version): the label's version, or the rollout's candidate when the key falls in its
        share; the fallback before the fabric answered; None when there is neither."""
        slot = self._slots.get(name)
        if slot is None:
            raise FabricError.invalid("name", f'"{name}" is not one of the prompts this cache follows')
        return self._resolve(slot, self.sticky_key if sticky_key is _OWN else sticky_key)

    def render(self, name: str, variables: Optional[Mapping[str, Any]] = None, *, sticky_key: Optional[str] = _OWN, **kwargs: Any) -> Rendered:
        """``get(name, sticky_key).render(...)``; UNAVAILABLE when nothing can be served yet,
        NOT_FOUND when the label does not exist (and no fallback was given)."""
        prompt = self.get(name, sticky_key)
        if prompt is not None:
            return prompt.render(variables, **kwargs)
        if self._slots[name].settled:
            raise FabricError("NOT_FOUND", f'prompt "{name}" has no label "{self.label}"')
        raise FabricError("UNAVAILABLE", f'prompt "{name}" is not loaded yet (the fabric has not answered) and no fallback was given')

    def names(self) -> List[str]:
        return list(self._slots)

    @property
    def stale(self) -> bool:
        """True while the cache cannot confirm it serves the current versions (before the first load,
        while the watch reconnects, while a moved label's version is being read)."""
        if not self._live:
            return True
        return any(not _current(s) for s in self._slots.values())

    # ---- lifetime (WatchDriven: close, aclose, with, async with) ----

    def _closing(self) -> None:
        self._closed = True
        with self._lock:
            for t in self._timers:
                t.cancel()
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)

    # ---- the watch (pumped by WatchDriven) ----

    def _stopped(self, e: BaseException) -> None:
        """Only failures a retry cannot fix get here (PERMISSION_DENIED, INVALID_ARGUMENT)."""
        if not isinstance(e, FabricError):
            log.error("cache_fabric: the label prompt cache stopped", exc_info=e)
        self._live = False
        self._fail(FabricError.from_exception(e))

    def _on_retry(self, error: FabricError, attempt: int, delay: float) -> None:
        self._live = False
        self._fail(error)

    def _fail(self, error: FabricError) -> None:
        self.last_error = error
        self._settle_ready(error)

    def _apply(self, m: WatchMessage) -> None:
        with self._lock:
            self._live = True
            if m.kind == "reset":
                # Another history counts from lower: take the revision as it is; and the same version
                # number may hold other content there: drop the versions held.
                self.revision = m.revision
                if m.store_id is not None and m.store_id != self.store_id:
                    if self.store_id is not None:
                        for slot in self._slots.values():
                            slot.versions.clear()
                    self.store_id = m.store_id
                found = {c.key: c for c in m.contexts or []}
                for slot in self._slots.values():
                    self._take(slot, found.get(slot.key), m.revision, True)
                return
            if m.revision > self.revision:
                self.revision = m.revision
            if m.kind == "event" and m.event is not None:
                slot = self._by_key.get(m.event.key)
                if slot is not None:
                    ctx = m.event.context if m.event.type == "PUT" else None
                    self._take(slot, ctx, m.event.revision, False)

    def _take(self, slot: _Slot, ctx: Optional[Context], revision: int, reset: bool) -> None:
        if not reset and revision <= slot.latest_revision:
            return
        label: Optional[PromptLabel] = None
        if ctx is not None:
            try:
                label = decode_label(ctx)
            except FabricError as e:
                self._fail(e)
                return
        slot.latest = label
        slot.latest_revision = ctx.revision if ctx is not None else revision
        self._settle(slot)

    def _settle(self, slot: _Slot) -> None:
        """Serves the newest label record once every version it can resolve to is held; loads the others."""
        with self._lock:
            if self._closed or slot.latest is _UNKNOWN:
                return
            label = slot.latest
            if label is None:
                self._serve(slot, None)
                return
            if slot.settled and slot.served is not None and slot.served.label.revision == label.revision and slot.served.store_id == self.store_id:
                return
            missing = [v for v in _needed(label) if v not in slot.versions]
            if not missing:
                self._serve(slot, self._build(slot, label))
                return
            for v in missing:
                if v not in slot.loading:
                    slot.loading.add(v)
                    self._start_load(slot, v, self.store_id)

    def _start_load(self, slot: _Slot, version: int, history: Optional[str]) -> None:
        if self._loop is not None:
            self._loop.create_task(self._load_async(slot, version, history))
        else:
            assert self._pool is not None
            try:
                self._pool.submit(self._load_sync, slot, version, history)
            except RuntimeError:  # the pool is shut down: the cache is closing
                slot.loading.discard(version)

    def _load_sync(self, slot: _Slot, version: int, history: Optional[str]) -> None:
        try:
            found = _read_shared(self._fabric, version_key(slot.name, version), history, lambda call: self._fabric._unary(call, None))
        except Exception as e:
            self._loaded(slot, version, history, None, FabricError.from_exception(e))
            return
        self._loaded(slot, version, history, found, None)

    async def _load_async(self, slot: _Slot, version: int, history: Optional[str]) -> None:
        key = version_key(slot.name, version)
        try:
            found = _held(self._fabric, key, history)
            if found is None:
                found = _keep(self._fabric, key, await self._fabric._unary(_version_read(key), None))
        except asyncio.CancelledError:
            raise
        except Exception as e:
            self._loaded(slot, version, history, None, FabricError.from_exception(e))
            return
        self._loaded(slot, version, history, found, None)

    def _loaded(self, slot: _Slot, version: int, history: Optional[str], found: Any, error: Optional[FabricError]) -> None:
        with self._lock:
            slot.loading.discard(version)
            if self._closed:
                return
            if error is not None:
                self._retry_later(slot, error)
                return
            record, answered_by = found
            if history != self.store_id:
                # The labels were re-read from another history while this read ran: start from them.
                self._settle(slot)
                return
            if answered_by is not None and self.store_id is not None and answered_by != self.store_id:
                self._retry_later(slot, FabricError("UNAVAILABLE", f'version {version} of "{slot.name}" was read from another store history than its label'))
                return
            if record is None:
                self._retry_later(slot, FabricError("INTERNAL", f'label "{self.label}" of "{slot.name}" names version {version}, which the fabric does not hold'))
                return
            slot.versions[version] = record
            slot.failures = 0
            self._settle(slot)

    def _retry_later(self, slot: _Slot, error: FabricError) -> None:
        self._fail(error)
        slot.failures += 1
        delay = backoff_delay(slot.failures, self._retry.initial_delay, self._retry.max_delay)
        if self._loop is not None:
            self._loop.call_later(delay, self._settle, slot)
        else:
            timer = threading.Timer(delay, self._settle, args=(slot,))
            timer.daemon = True
            self._timers = [t for t in self._timers if t.is_alive()] + [timer]
            timer.start()

    def _serve(self, slot: _Slot, served: Optional[_Served]) -> None:
        before = self._resolve(slot, self.sticky_key)
        previous = slot.served
        slot.served = served
        if served is not None:
            # Keep what is served and what was served before it: at most four versions a prompt.
            keep = set(_needed(served.label)) | (set(_needed(previous.label)) if previous is not None else set())
            for v in [v for v in slot.versions if v not in keep]:
                del slot.versions[v]
        after = self._resolve(slot, self.sticky_key)
        if not slot.settled:
            slot.settled = True
            self._unsettled -= 1
            if self._unsettled == 0:
                self._settle_ready()
        if _identity(before) != _identity(after):
            self._notify(slot.name, after, before)

    def _build(self, slot: _Slot, label: PromptLabel) -> _Served:
        r = label.rollout
        if r is None:
            stable = self._prompt(slot, label, slot.versions[label.version], None)
            return _Served(label=label, store_id=self.store_id, stable=stable, candidate=None, own_on_candidate=False)
        stable = self._prompt(slot, label, slot.versions[label.version], RolloutSplit(rollout_id=r.rollout_id, percent=r.percent, candidate=False))
        candidate = self._prompt(slot, label, slot.versions[r.to_version], RolloutSplit(rollout_id=r.rollout_id, percent=r.percent, candidate=True))
        own = bool(self.sticky_key) and in_rollout_share(rollout_bucket(r.salt, self.sticky_key), r.percent)
        return _Served(label=label, store_id=self.store_id, stable=stable, candidate=candidate, own_on_candidate=own)

    def _prompt(self, slot: _Slot, label: PromptLabel, v: PromptVersion, rollout: Optional[RolloutSplit]) -> CachedPrompt:
        return CachedPrompt(
            name=slot.name,
            label=self.label,
            version=v.version,
            text=v.text,
            messages=v.messages,
            config=v.config,
            variables=v.variables,
            fallback=False,
            label_revision=label.revision,
            rollout=rollout,
            record=v,
            execution={"prompt_key": slot.name, "prompt_version": v.version, "prompt_label": self.label},
        )

    def _resolve(self, slot: _Slot, sticky_key: Optional[str]) -> Optional[CachedPrompt]:
        s = slot.served
        if s is None:
            return slot.fallback
        if s.candidate is None or not sticky_key:
            return s.stable
        if sticky_key == self.sticky_key:
            return s.candidate if s.own_on_candidate else s.stable
        on = s.resolved.get(sticky_key)
        if on is None:
            r = s.label.rollout
            assert r is not None
            on = in_rollout_share(rollout_bucket(r.salt, sticky_key), r.percent)
            if len(s.resolved) >= _MAX_RESOLVED_KEYS:
                s.resolved.clear()
            s.resolved[sticky_key] = on
        return s.candidate if on else s.stable

    def _notify(self, name: str, prompt: Optional[CachedPrompt], previous: Optional[CachedPrompt]) -> None:
        if self._on_change is None:
            return
        try:
            self._on_change(name, prompt, previous)
        except Exception:
            log.warning("cache_fabric: on_change raised for %s", name, exc_info=True)


def _needed(label: PromptLabel) -> List[int]:
    return [label.version, label.rollout.to_version] if label.rollout else [label.version]


def _current(slot: _Slot) -> bool:
    if slot.latest is _UNKNOWN:
        return False
    if slot.latest is None:
        return slot.settled and slot.served is None
    return slot.served is not None and slot.served.label.revision == slot.latest.revision


def _identity(p: Optional[CachedPrompt]) -> str:
    if p is None:
        return ""
    return "fallback" if p.fallback else f"{p.version}\0{p.record.content_hash if p.record else ''}"


def _version_read(key: str) -> Unary:
    """GetContext of a version record, answered with the store history that answered it."""
    request = cpb.GetContextRequest(key=key, scope=cpb.SCOPE_GLOBAL)
    return Unary(CONTEXT, "GetContext", request, lambda res: (optional_context(res, "context"), store_id_of(res)), as_is)


def _held(fabric: Any, key: str, history: Optional[str]) -> Any:
    """A version another cache over this client read in the same history, as (record, store id)."""
    if history is None:
        return None
    with _shared_lock:
        held = _shared.get(fabric)
        record = held.get((history, key)) if held is not None else None
    return None if record is None else (record, history)


def _keep(fabric: Any, key: str, answer: Any) -> Any:
    """Decodes a version read and keeps it for the other caches over this client."""
    ctx, answered_by = answer
    record = decode_version(ctx) if ctx is not None else None
    if record is not None and answered_by is not None:
        with _shared_lock:
            held = _shared.setdefault(fabric, OrderedDict())
            held[(answered_by, key)] = record
            while len(held) > _SHARED_VERSIONS:
                held.popitem(last=False)
    return record, answered_by


def _read_shared(fabric: Any, key: str, history: Optional[str], send: Callable[[Unary], Any]) -> Any:
    found = _held(fabric, key, history)
    return found if found is not None else _keep(fabric, key, send(_version_read(key)))


def _fallback_prompt(name: str, label: str, f: Any, field_: str) -> CachedPrompt:
    if not isinstance(f, Mapping):
        raise FabricError.invalid(field_, "must be {text} or {messages}")
    text, messages = f.get("text"), f.get("messages")
    if (text is None) == (messages is None):
        raise FabricError.invalid(field_, "set exactly one of text, messages")
    if text is not None and (not isinstance(text, str) or not text):
        raise FabricError.invalid(f"{field_}.text", "must be a non-empty string")
    parsed: Optional[List[ChatMessage]] = None
    if messages is not None:
        if not isinstance(messages, (list, tuple)) or not all(
            isinstance(m, ChatMessage) or (isinstance(m, Mapping) and isinstance(m.get("role"), str) and isinstance(m.get("content"), str))
            for m in messages
        ):
            raise FabricError.invalid(f"{field_}.messages", "must be a list of {role, content} strings")
        parsed = [m if isinstance(m, ChatMessage) else ChatMessage(role=m["role"], content=m["content"]) for m in messages]
    config = f.get("config") or {}
    if not isinstance(config, dict):
        raise FabricError.invalid(f"{field_}.config", "must be a dict")
    return CachedPrompt(
        name=name,
        label=label,
        version=0,
        text=text,
        messages=parsed,
        config=config,
        variables=template_variables(text, parsed),
        fallback=True,
        label_revision=0,
        execution={"prompt_key": name},
    )
