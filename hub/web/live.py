"""Live push: the hub's state changes → server-sent events, no polling.

The bus service calls :meth:`LiveHub.on_publish` (any thread) for every state
and event it publishes. The hub coalesces bursts (a call changes the queue,
two counters and the calls list at once), rebuilds each *kind* of snapshot
that somebody watches — once, however many browsers watch it — on a worker
thread, and wakes the streams, which render and send only what changed.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from typing import Any

import anyio

log = logging.getLogger(__name__)

Builder = Callable[[], Any]


def sse(event: str, data: Any) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False, separators=(',', ':'))}\n\n"


class LiveHub:
    def __init__(self, builders: dict[str, Builder], *, coalesce_s: float = 0.15, keepalive_s: float = 15.0) -> None:
        self.builders = builders
        self.coalesce_s = coalesce_s
        self.keepalive_s = keepalive_s
        self.loop: asyncio.AbstractEventLoop | None = None
        self.closed = False
        self.watchers: dict[str, int] = defaultdict(int)
        self.snapshots: dict[str, tuple[int, Any]] = {}
        self._seq = 0
        self._stale: set[str] = set(builders)
        """Kinds whose snapshot predates the last publish (rebuilt when watched, or when next asked)."""
        self._changed: asyncio.Event | None = None
        self._fresh: dict[str, asyncio.Event] = {}
        self._building: dict[str, asyncio.Lock] = {}
        self._task: asyncio.Task | None = None
        self._lock = threading.Lock()
        self._wake_pending = False
        """A wake-up of the loop is on its way or the rebuild round has not started yet: later
        publishes only mark their kinds stale (one wake per round, not one per message)."""

    # ---- lifecycle (event loop) -------------------------------------------------------

    async def start(self) -> None:
        self.loop = asyncio.get_running_loop()
        self._changed = asyncio.Event()
        self._task = asyncio.create_task(self._run(), name="live-hub")

    async def stop(self) -> None:
        self._close()
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):
                pass

    def close(self) -> None:
        """From any thread: end every stream (the server is stopping)."""
        loop = self.loop
        if loop is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(self._close)
            except RuntimeError:
                pass
        self.closed = True

    def _close(self) -> None:
        self.closed = True
        for ev in self._fresh.values():
            ev.set()
        if self._changed is not None:
            self._changed.set()

    # ---- input (any thread) -----------------------------------------------------------

    def on_publish(self, suffix: str, payload: Any) -> None:
        loop = self.loop
        if loop is None or self.closed:
            return
        # Stale at once (a snapshot asked for right after this publish is rebuilt); the loop is
        # woken once per round: a busy minute publishes thousands of messages, and each wake-up
        # costs the hub a thread switch.
        self._stale.update(self.builders)
        if self._wake_pending:
            return
        self._wake_pending = True
        try:
            loop.call_soon_threadsafe(self._mark)
        except RuntimeError:  # loop closed while stopping
            pass

    def _mark(self) -> None:
        if self._changed is not None:
            self._changed.set()

    # ---- building ---------------------------------------------------------------------

    async def _run(self) -> None:
        assert self._changed is not None
        while not self.closed:
            await self._changed.wait()
            self._changed.clear()
            if self.closed:
                break
            await asyncio.sleep(self.coalesce_s)
            self._wake_pending = False  # a publish from now on needs another round
            for kind in [k for k, n in self.watchers.items() if n > 0]:
                try:
                    await self._build(kind)
                except Exception:
                    log.exception("building the live %s view failed", kind)

    async def _build(self, kind: str) -> None:
        lock = self._building.setdefault(kind, asyncio.Lock())
        async with lock:
            self._stale.discard(kind)  # a publish during the build marks it stale again
            data = await anyio.to_thread.run_sync(self.builders[kind])
            self._seq += 1
            self.snapshots[kind] = (self._seq, data)
            old = self._fresh.get(kind)
            self._fresh[kind] = asyncio.Event()
            if old is not None:
                old.set()

    async def current(self, kind: str) -> Any:
        if kind not in self.snapshots or kind in self._stale:
            await self._build(kind)
        return self.snapshots[kind][1]

    # ---- streams ----------------------------------------------------------------------

    async def stream(self, kind: str, render: Callable[[Any], Any], event: str = "update") -> AsyncIterator[str]:
        """SSE text for one browser: ``render(snapshot)`` whenever it changes; comments keep it open."""
        self.watchers[kind] += 1
        try:
            if kind not in self.snapshots or self.watchers[kind] == 1:
                await self._build(kind)
            yield "retry: 2000\n\n"
            last: Any = None
            while not self.closed:
                seq, data = self.snapshots[kind]
                out = render(data)
                if out is not None and out != last:
                    last = out
                    yield sse(event, out)
                fresh = self._fresh.setdefault(kind, asyncio.Event())
                if self.snapshots[kind][0] != seq:
                    continue
                try:
                    await asyncio.wait_for(fresh.wait(), self.keepalive_s)
                except TimeoutError:
                    yield ": keepalive\n\n"
        finally:
            self.watchers[kind] -= 1
