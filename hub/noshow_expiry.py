"""Missed calls leave the counters' lists when their return window closes.

A counter's retained state (its "Missed calls" list, ``no_shows``) is
republished when an event changes it. The end of a no-show's return window
(``settings.no_show_return_s``) is no event, so without this the list would
keep an expired no-show until the next change, and the clerk who picks it is
refused. A timer thread waits for the earliest end and then has the worker
republish the counters' states (unchanged ones are not sent again).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from hub.engine import Engine
from hub.engine.reducer import Event
from hub.worker import EngineWorker, ReadJob

log = logging.getLogger(__name__)

_REARM_ON = frozenset({"ticket.no_show", "settings.updated"})
"""Events that can bring a window's end closer: a new no-show, a shorter window."""
_PAST_S = 0.02
"""Wake a moment after the end: the engine still lists a no-show at its end's very instant."""


class NoShowExpiry:
    def __init__(self, worker: EngineWorker, republish: Callable[[Engine], None],
                 clock: Callable[[], float]) -> None:
        self._worker = worker
        self._republish = republish
        self._clock = clock
        self._cond = threading.Condition()
        self._deadline: float | None = None
        self._stopped = False
        self._thread: threading.Thread | None = None

    def start(self, engine: Engine) -> None:
        """Arm from the loaded state (call before the worker runs, or on its thread)."""
        self.rearm(engine)
        self._thread = threading.Thread(target=self._run, name="no-show-expiry", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def committed(self, engine: Engine, events: list[Event]) -> None:
        """Worker callback after a commit (engine thread)."""
        if any(e.get("type") in _REARM_ON for e in events):
            self.rearm(engine)

    def rearm(self, engine: Engine) -> None:
        """Wait for the earliest end of a window among the no-shows still listed (engine thread)."""
        window = engine.state.settings.no_show_return_s
        ends = [(t.no_show_at or 0.0) + window for t in engine.returnable()]
        with self._cond:
            self._deadline = min(ends) if ends else None
            self._cond.notify_all()

    def _run(self) -> None:
        with self._cond:
            while not self._stopped:
                if self._deadline is None:
                    self._cond.wait()
                    continue
                left = self._deadline - self._clock()
                if left >= 0:
                    self._cond.wait(left + _PAST_S)
                    continue
                self._deadline = None
                self._worker.submit(ReadJob(self._expired))

    def _expired(self, engine: Engine) -> None:
        try:
            self._republish(engine)
        except Exception:
            log.exception("republishing the counters after a no-show's window closed failed")
        self.rearm(engine)
