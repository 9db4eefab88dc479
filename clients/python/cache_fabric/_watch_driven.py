"""What the caches share (``PromptCache``, ``LabelPromptCache``): one resumable watch pumped by a
daemon thread over a ``FabricClient`` or by a task of the running event loop over an
``AsyncFabricClient``, a ``ready`` future that settles once, and their lifetime."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import Future
from typing import Any, Optional

from .errors import FabricError
from .types import WatchMessage


class WatchDriven:
    ready: Future
    _watch: Any
    _task: Optional[asyncio.Task] = None
    _thread: Optional[threading.Thread] = None
    #: The running loop, for a cache over an AsyncFabricClient.
    _loop: Optional[asyncio.AbstractEventLoop] = None

    def _drive(self, watch: Any, what: str) -> None:
        """Starts pumping ``watch`` into ``_apply``: in a task when it is an async iterator (made in a
        running loop), else in a daemon thread."""
        self._watch = watch
        if hasattr(watch, "__anext__"):
            try:
                self._loop = asyncio.get_running_loop()
            except RuntimeError:
                raise RuntimeError(f"a {what} over an AsyncFabricClient is made inside a running event loop") from None
            self._task = self._loop.create_task(self._pump_async())
        else:
            self._thread = threading.Thread(target=self._pump, name=f"cache-fabric-{what}", daemon=True)
            self._thread.start()

    def _apply(self, message: WatchMessage) -> None:
        raise NotImplementedError

    def _stopped(self, e: BaseException) -> None:
        """The watch ended with a failure a retry cannot fix (e.g. INVALID_ARGUMENT, PERMISSION_DENIED)."""
        raise NotImplementedError

    def _settle_ready(self, error: Optional[FabricError] = None) -> None:
        """Settles ``ready`` the first time only: done, or the first failure (the cache keeps trying)."""
        if self.ready.done():
            return
        if error is None:
            self.ready.set_result(None)
        else:
            self.ready.set_exception(error)

    def wait_ready(self, timeout: Optional[float] = None) -> None:
        """Blocks until the first load is held; raises its FabricError if it failed first (the cache
        keeps trying), ``TimeoutError`` after ``timeout`` seconds."""
        try:
            self.ready.result(timeout)
        except FabricError:
            raise
        except Exception as e:  # concurrent.futures.TimeoutError is TimeoutError from 3.11
            raise TimeoutError("the prompt cache is not loaded yet") from e

    def _closing(self) -> None:
        """What a cache stops besides its watch (timers, pools)."""

    def close(self) -> None:
        """Stops the watch (and its thread). Held values stay readable."""
        self._watch.close()
        self._closing()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()

    async def aclose(self) -> None:
        """``close()`` for a cache over an AsyncFabricClient: waits for its task to end."""
        self._watch.close()
        self._closing()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    async def __aenter__(self) -> Any:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.aclose()

    def _pump(self) -> None:
        try:
            for message in self._watch:
                self._apply(message)
        except BaseException as e:  # the thread must record why it stopped
            self._stopped(e)

    async def _pump_async(self) -> None:
        try:
            async for message in self._watch:
                self._apply(message)
        except asyncio.CancelledError:
            raise
        except Exception as e:
            self._stopped(e)
