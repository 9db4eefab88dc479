"""Prompts (or any contexts) held in process and kept fresh by one watch: the guide's hot-reload
pattern, with the semantics of client/src/agent/prompt-cache.ts."""

from __future__ import annotations

import logging
from concurrent.futures import Future
from typing import Any, Callable, Dict, List, Optional, Sequence

from ._watch_driven import WatchDriven
from .errors import FabricError
from .types import Context, JsonValue, WatchMessage, WatchRetry

log = logging.getLogger("cache_fabric")

OnChange = Callable[[str, Optional[Context]], None]


class PromptCache(WatchDriven):
    """Loads a set of keys (or a prefix) once, then serves :meth:`get` from memory, kept fresh by one
    resumable watch (``snapshot``: list-then-watch). ``set_context`` on a prompt and every agent
    holding it uses the new value on its next ``get()``, with no restart and no polling.

    - An event is applied only when its revision is newer than the context held for its key, so a
      replayed or reordered change never rolls a value back.
    - When the fabric is unreachable the last known values keep being served (``stale`` is True); the
      watch reconnects with backoff and resumes after the last revision it saw, or re-reads everything
      (a reset) if that revision has left the server's history, so no update is missed.
    - ``on_change(key, context)`` runs after a held key changes (``context`` None: deleted or expired),
      on the cache's watch thread (or in the event loop, over an ``AsyncFabricClient``); what it raises
      is logged and ignored.
    - Values are shared by every reader: do not mutate them.

    Over a :class:`FabricClient` the watch runs in a daemon thread; over an
    :class:`AsyncFabricClient` in a task of the running event loop (make the cache inside it).

    Example::

        prompts = PromptCache(fabric, keys=["router:main:system_message"])
        try:
            prompts.wait_ready(timeout=5)
        except FabricError:
            pass  # the fabric is down: serve defaults; the cache keeps trying
        system = prompts.get("router:main:system_message", "You are a helpful assistant")
    """

    def __init__(
        self,
        fabric: Any,
        *,
        keys: Optional[Sequence[str]] = None,
        prefix: Optional[str] = None,
        scope: Optional[str] = None,
        on_change: Optional[OnChange] = None,
        retry: Optional[WatchRetry] = None,
    ) -> None:
        if (keys is None) == (prefix is None):
            raise FabricError.invalid("keys, prefix" if keys is not None else "keys", "set exactly one of keys, prefix")
        retry = retry or WatchRetry()
        #: Settles once: done when the first load is held, or with the FabricError of the first failure
        #: (the cache keeps trying meanwhile and fills in when the fabric answers).
        self.ready: Future = Future()
        #: The watch's resume point: every change up to it is reflected.
        self.revision = 0
        #: True while the cache cannot confirm it is current (before the first load, and while the
        #: watch reconnects); the last known values are still served meanwhile.
        self.stale = True
        #: The most recent failure of the watch, if any (kept after recovery, for diagnostics).
        self.last_error: Optional[FabricError] = None
        #: The identity of the store history ``revision`` belongs to. When the fabric's store is
        #: replaced (a restarted memory server, a flushed Redis) the cache re-reads, and this changes.
        self.store_id: Optional[str] = None
        self._entries: Dict[str, Context] = {}
        self._on_change = on_change
        watch = fabric.watch(
            scope,
            keys=keys,
            prefix=prefix,
            snapshot=True,
            resume=WatchRetry(initial_delay=retry.initial_delay, max_delay=retry.max_delay, on_retry=self._on_retry),
        )
        self._drive(watch, "PromptCache")

    # ---- reads (local) ----

    def get(self, key: str, default: JsonValue = None) -> JsonValue:
        """The held value, or ``default`` when the key is absent (or not loaded yet)."""
        context = self._entries.get(key)
        return default if context is None else context.value

    def get_context(self, key: str) -> Optional[Context]:
        """The held context with its revision and metadata, or None."""
        return self._entries.get(key)

    def keys(self) -> List[str]:
        """Keys currently held."""
        return list(self._entries)

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    # ---- the watch (pumped by WatchDriven) ----

    def _stopped(self, e: BaseException) -> None:
        """Only failures a retry cannot fix get here (e.g. INVALID_ARGUMENT): the cache stops updating."""
        if not isinstance(e, FabricError):
            log.error("cache_fabric: the prompt cache stopped", exc_info=e)
        error = FabricError.from_exception(e)
        self.last_error = error
        self.stale = True
        self._settle_ready(error)

    def _on_retry(self, error: FabricError, attempt: int, delay: float) -> None:
        self.stale = True
        self.last_error = error
        self._settle_ready(error)

    def _apply(self, m: WatchMessage) -> None:
        if m.kind == "reset":
            previous = self._entries
            # Revisions of another history are not comparable with those held: every held context
            # counts as changed, and the reset's revision is taken as it is (a new history counts
            # from lower).
            new_history = m.store_id is not None and self.store_id is not None and m.store_id != self.store_id
            self._entries = {c.key: c for c in m.contexts or []}
            self.revision = m.revision
            self.store_id = m.store_id or self.store_id
            self._advance(m.revision)
            self._settle_ready()
            for key, old in previous.items():
                if key not in self._entries:
                    self._notify(key, None, old)
            for key, ctx in self._entries.items():
                old = previous.get(key)
                if old is None or new_history or old.revision != ctx.revision:
                    self._notify(key, ctx, old)
            return
        if m.kind == "event" and m.event is not None:
            event = m.event
            held = self._entries.get(event.key)
            self._advance(m.revision)
            if held is not None and held.revision >= event.revision:
                return
            if event.type == "PUT" and event.context is not None:
                self._entries[event.key] = event.context
                self._notify(event.key, event.context, held)
            elif held is not None:
                del self._entries[event.key]
                self._notify(event.key, None, held)
            return
        self._advance(m.revision)

    def _advance(self, revision: int) -> None:
        """A message arrived: the watch is live again, and current up to ``revision``."""
        self.stale = False
        if revision > self.revision:
            self.revision = revision

    def _notify(self, key: str, context: Optional[Context], previous: Optional[Context]) -> None:
        if self._on_change is None or context is previous:
            return
        try:
            self._on_change(key, context)
        except Exception:  # a consumer's callback must not stop the cache
            log.warning("cache_fabric: on_change raised for %s", key, exc_info=True)
