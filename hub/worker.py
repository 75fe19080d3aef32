"""The one thread that runs the engine, in batches with one commit each.

Requests from the bus and calls from the web or the CLI are queued here. The
worker takes whatever has queued up (up to ``max_batch``), runs each through
the engine, then commits all the events, state rows and replies in one SQLite
transaction (group commit: one fsync for many requests). Only after that
commit are replies sent and state published, so nothing is acknowledged that
a power cut could take back.

Idempotency: a request id seen before (in the store, or earlier in the same
batch) gets the first reply again and runs nothing.

Isolation: every job gets a reply, and one bad job never costs another its
reply. If a batch fails as a whole for a reason other than storage (a bug, a
value SQLite cannot store), the state is rebuilt from the store and the jobs
run again one at a time: the faulty one is answered ``internal`` and logged
with its request, the others are applied and answered as usual.

Two kinds of work reach the worker: :class:`Job` (an op with its arguments,
from a device, the web or the CLI) and :class:`ReadJob` (a function reading
the engine's state on this thread). A read is a type of its own, not an op
name, so no device can ask for one.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from hub.engine import Engine, EngineError
from hub.engine.reducer import Event
from hub.ops import Actor, Context, OpRegistry, core_ops
from hub.presenter import Presenter
from hub.store import ReplyRow, Store

log = logging.getLogger(__name__)


@dataclass
class Job:
    actor: Actor
    op: str
    args: Any
    req: str | None = None
    """Request id; jobs with one are idempotent."""
    future: Future = field(default_factory=Future)
    meta: Any = None
    """Whatever the submitter needs to deliver the reply (MQTT reply topic, mid)."""


@dataclass
class ReadJob:
    """Read engine state on the worker thread (web views, publishing); never mutates."""

    fn: Callable[[Engine], Any]
    future: Future = field(default_factory=Future)


Work = Job | ReadJob


@dataclass
class Done:
    job: Job
    reply: dict[str, Any]
    duplicate: bool = False
    row: ReplyRow | None = None
    """The stored reply row (its ``text`` is the JSON committed, sent as is); None when nothing was stored."""


Committed = Callable[[list[Event], list[Done]], None]


class EngineWorker:
    def __init__(
        self,
        engine: Engine,
        store: Store,
        presenter: Presenter,
        *,
        on_committed: Committed | None = None,
        alert: Callable[[str, dict[str, Any]], None] | None = None,
        max_batch: int = 256,
        tick_s: float = 5.0,
        on_tick: Callable[[], None] | None = None,
        ops: OpRegistry | None = None,
    ) -> None:
        self.engine = engine
        self.ops = ops if ops is not None else core_ops()
        self.store = store
        self.presenter = presenter
        self.on_committed = on_committed
        self.alert = alert or (lambda source, payload: None)
        self.max_batch = max_batch
        self.tick_s = tick_s
        self.on_tick = on_tick
        self._queue: queue.SimpleQueue[Work | None] = queue.SimpleQueue()  # C: a cheaper wake-up
        self._thread: threading.Thread | None = None
        self._stopped = threading.Event()
        self._later: list[tuple[float, int, Callable[[], None]]] = []
        self._later_seq = itertools.count()
        self.storage_error: str | None = None
        self.hub: Any = None
        """The hub object, handed to admin ops that manage device accounts."""

    # ---- lifecycle -----------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="engine-worker", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        self._queue.put(None)
        if self._thread is not None:
            self._thread.join(timeout=10)

    # ---- submitting ----------------------------------------------------------

    def submit(self, job: Work) -> Future:
        self._queue.put(job)
        return job.future

    def call(self, op: str, args: Any = None, *, actor: Actor | None = None, req: str | None = None,
             timeout: float = 30.0) -> dict[str, Any]:
        """Run an op and wait (web app, tests); raises EngineError on a refusal."""
        job = Job(actor or Actor("hub-admin", "admin"), op, args if args is not None else {}, req)
        reply = self.submit(job).result(timeout)
        if not reply.get("ok"):
            err = reply.get("error") or {}
            raise EngineError(err.get("code", "internal"), err.get("message", ""))
        return reply.get("result") or {}

    def run_in_worker(self, fn: Callable[[Engine], Any], timeout: float = 30.0) -> Any:
        """Read engine state consistently from another thread (never mutate through this)."""
        return self.submit(ReadJob(fn)).result(timeout)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def on_engine_thread(self) -> bool:
        """Whether the caller is the engine thread itself (which must not wait on a job it would run)."""
        return threading.current_thread() is self._thread

    def later(self, delay_s: float, fn: Callable[[], None]) -> None:
        """Run ``fn`` on the engine thread once ``delay_s`` has passed, between batches.

        Only from the engine thread itself (a commit callback): the list is not locked.
        """
        heapq.heappush(self._later, (time.monotonic() + delay_s, next(self._later_seq), fn))

    # ---- the loop --------------------------------------------------------------

    def _run(self) -> None:
        next_tick = time.monotonic() + self.tick_s
        while not self._stopped.is_set():
            timeout = next_tick - time.monotonic()
            if self._later:
                timeout = min(timeout, self._later[0][0] - time.monotonic())
            try:
                first = self._queue.get(timeout=max(0.0, timeout))
            except queue.Empty:
                self._run_due()
                if time.monotonic() >= next_tick:
                    self._tick()
                    next_tick = time.monotonic() + self.tick_s
                continue
            if first is None:
                break
            batch = [first]
            while len(batch) < self.max_batch:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    self._stopped.set()
                    break
                batch.append(nxt)
            self._process_isolated(batch)
            self._run_due()
            next_tick = time.monotonic() + self.tick_s  # the tick is for quiet times

    def _run_due(self) -> None:
        now = time.monotonic()
        while self._later and self._later[0][0] <= now:
            fn = heapq.heappop(self._later)[2]
            try:
                fn()
            except Exception:  # a deferred publish must not take the worker down
                log.exception("deferred work on the engine thread failed")

    def _tick(self) -> None:
        try:
            self.engine.end_of_day()
            events = self.engine.take_events()
            if events:
                self.store.commit(self.engine.state, events)
            if self.on_committed is not None:
                self.on_committed(events, [])
            if self.on_tick is not None:
                self.on_tick()
        except Exception:
            log.exception("periodic tick failed")
            self._reload([])

    def _process_isolated(self, batch: list[Work]) -> None:
        """Run a batch; if it fails as a whole, run its jobs one at a time."""
        try:
            self._process(batch)
            return
        except Exception:  # never let the worker die: the office depends on it
            log.exception("engine batch of %d failed; running its jobs one at a time", len(batch))
        self._reload([])
        pending = [job for job in batch if not job.future.done()]
        for job in pending:
            try:
                self._process([job])
            except Exception:
                # This job alone breaks the batch (e.g. text SQLite cannot store):
                # answer it without storing anything, so it is acknowledged too.
                self._reload([])
                self._refuse(job)

    def _refuse(self, job: Work) -> None:
        if isinstance(job, ReadJob):
            if not job.future.done():
                job.future.set_exception(RuntimeError("the read failed"))
            return
        log.error("request failed and was refused as internal: device=%s op=%r req=%r args=%.500r",
                  job.actor.device, job.op, job.req, job.args)
        done = [Done(job, _error(job, "internal", "internal error; nothing was done"))]
        if self.on_committed is not None:
            try:
                self.on_committed([], done)
            except Exception:
                log.exception("answering a refused request failed")
        if not job.future.done():
            job.future.set_result(done[0].reply)

    def _process(self, batch: list[Work]) -> None:
        events: list[Event] = []
        done: list[Done] = []
        persist: list[ReplyRow] = []
        seen: dict[tuple[str, str], dict[str, Any]] = {}
        for job in batch:
            if isinstance(job, ReadJob):
                if job.future.done():
                    continue
                try:
                    job.future.set_result(job.fn(self.engine))
                except Exception as err:  # reads must not take the worker down
                    job.future.set_exception(err)
                continue
            key = (job.actor.device, job.req) if job.req else None
            if key is not None:
                previous = seen.get(key) or self.store.reply_for(*key)
                if previous is not None:
                    done.append(Done(job, previous, duplicate=True))
                    continue
            reply = self._run_one(job, events)
            row = None
            if key is not None:
                seen[key] = reply
                row = ReplyRow(job.actor.device, job.req or "", job.op, reply)
                persist.append(row)
            done.append(Done(job, reply, row=row))
        try:
            if events or persist:
                self.store.commit(self.engine.state, events, persist)
        except (sqlite3.Error, OSError) as err:
            # Full disk, I/O error: nothing of this batch is stored, so nothing
            # of it may be acknowledged. Undo it in memory and say so.
            log.error("storage failure, batch of %d refused: %s", len(batch), err)
            self.storage_error = str(err)
            self.alert("hub", {"code": "hub.storage", "level": "error",
                               "message": f"The hub cannot save: {err}",
                               "params": {"error": str(err)}, "active": True})
            self._reload([])
            for d in done:
                if not d.duplicate:
                    d.reply = _error(d.job, "internal", f"the hub could not save ({err}); nothing was done")
                    d.row = None
            events = []
        else:
            if self.storage_error is not None:
                self.storage_error = None
                self.alert("hub", {"code": "hub.storage", "level": "error", "message": "", "active": False})
        if self.on_committed is not None:
            try:
                self.on_committed(events, done)
            except Exception:
                log.exception("publishing after commit failed")
        for d in done:
            if not d.job.future.done():
                d.job.future.set_result(d.reply)

    def _run_one(self, job: Job, batch_events: list[Event]) -> dict[str, Any]:
        ctx = Context(self.engine, self.presenter, job.actor, self.alert, self.hub, self.ops, batch_events)
        try:
            result = self.ops.execute(ctx, job.op, job.args)
        except EngineError as err:  # a refusal, with its protocol code (bad_args for invalid input)
            self._discard_partial(batch_events)
            return _error(job, err.code, err.message)
        except Exception:  # a bug: the device is told so, never that its arguments were wrong
            log.exception("op failed: device=%s op=%r req=%r args=%.500r",
                          job.actor.device, job.op, job.req, job.args)
            self._discard_partial(batch_events)
            return _error(job, "internal", "internal error; nothing was done")
        batch_events.extend(self.engine.take_events())
        return {"req": job.req or "", "ok": True, "result": result}

    def _discard_partial(self, batch_events: list[Event]) -> None:
        """A failed op that emitted events already: rebuild the state without them."""
        partial = self.engine.take_events()
        if partial:
            log.error("a failed op had emitted %d events; rebuilding state", len(partial))
            self._reload(batch_events)

    def _reload(self, uncommitted: list[Event]) -> None:
        self.engine.take_events()
        self.engine.state = self.store.load_state()
        self.engine.replay(uncommitted)


def _error(job: Job, code: str, message: str) -> dict[str, Any]:
    return {"req": job.req or "", "ok": False, "error": {"code": code, "message": message}}
