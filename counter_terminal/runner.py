"""Running the controller without Qt: one worker thread owns it (headless mode, tests)."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)


class SerialInvoker:
    """``invoke(fn)`` runs ``fn`` on one worker thread, in order.

    Called from the worker itself it runs ``fn`` at once, so nested calls keep
    their order without deadlocking.
    """

    def __init__(self, name: str = "counter") -> None:
        self._queue: queue.Queue[Callable[[], None] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def __call__(self, fn: Callable[[], None]) -> None:
        if threading.current_thread() is self._thread:
            fn()
        else:
            self._queue.put(fn)

    def call(self, fn: Callable[[], Any], timeout: float = 5.0) -> Any:
        """Run ``fn`` on the worker and return its result (blocks the caller)."""
        done = threading.Event()
        box: dict[str, Any] = {}

        def run() -> None:
            try:
                box["result"] = fn()
            except BaseException as err:  # handed back to the caller
                box["error"] = err
            finally:
                done.set()

        self(run)
        if not done.wait(timeout):
            raise TimeoutError("the controller thread did not answer")
        if "error" in box:
            raise box["error"]
        return box.get("result")

    def _run(self) -> None:
        while True:
            fn = self._queue.get()
            if fn is None:
                return
            try:
                fn()
            except Exception:
                log.exception("controller task failed")

    def stop(self) -> None:
        self._queue.put(None)
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout=5)


class Ticker:
    """Calls ``fn`` every ``interval_s`` on its own thread until stopped."""

    def __init__(self, fn: Callable[[], None], interval_s: float = 0.25) -> None:
        self._fn = fn
        self._interval = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="counter-tick", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self._fn()
            except Exception:
                log.exception("tick failed")

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=2)
