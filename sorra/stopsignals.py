"""SIGTERM and SIGINT as a :class:`threading.Event`, without a lock in the handler.

A Python signal handler runs in the main thread between two bytecodes, which
may be while that thread holds the lock inside ``threading.Event.wait()`` (it
takes it on entry and again when a timed wait wakes up). A handler that calls
``Event.set()`` then waits for that very lock, forever: ``sorra hub run`` hung
on its SIGTERM that way once in CI, and systemd would have killed it after
``TimeoutStopSec`` instead of letting it stop cleanly.

So the handler here only writes a byte to a pipe (no lock), and a small thread
that reads the pipe sets the event and runs the callbacks::

    stop = stop_on_signals()
    app.start()
    wait_for_stop(stop)
    app.stop()
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Callable
from types import FrameType

__all__ = ["STOP_SIGNALS", "stop_on_signals", "wait_for_stop"]

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def stop_on_signals(*callbacks: Callable[[], None],
                    signals: tuple[signal.Signals, ...] = STOP_SIGNALS) -> threading.Event:
    """Install handlers for ``signals``; return the event they set (main thread only).

    ``callbacks`` run on the reader thread after the event is set, once per signal
    received (a second Ctrl+C calls them again); they must be thread-safe.
    """
    read_fd, write_fd = os.pipe()
    os.set_blocking(write_fd, False)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        with contextlib.suppress(BlockingIOError):  # a full pipe already holds a wake-up
            os.write(write_fd, b"\0")

    def read() -> None:
        while os.read(read_fd, 64):
            stop.set()
            for fn in callbacks:
                fn()

    threading.Thread(target=read, name="stop-signals", daemon=True).start()
    for sig in signals:
        signal.signal(sig, on_signal)
    return stop


def wait_for_stop(stop: threading.Event) -> None:
    """Block the main thread until ``stop`` is set.

    It wakes each second: a signal's Python handler runs only when this thread runs Python code.
    """
    while not stop.wait(1.0):
        pass
