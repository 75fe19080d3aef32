"""SIGTERM must stop a process whose main thread is waiting on the stop event.

Each case runs in its own interpreter: it installs signal handlers, and the old
way's failure is a hang.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

# The main thread holds the event's lock, as Event.wait() does on entry and when a
# timed wait wakes up, at the moment the signal's Python handler runs.
SIGNAL_WHILE_LOCKED = """
import os, signal, sys, threading
{install}
with stop._cond:
    os.kill(os.getpid(), signal.SIGTERM)
    for _ in range(1000):  # the handler runs between these bytecodes
        pass
sys.exit(0 if stop.wait(10) else 3)
"""

NEW = """
from sorra.stopsignals import stop_on_signals
stop = stop_on_signals()
"""

OLD = """
stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stop.set())
"""


def _run(install: str, timeout: float = 20) -> subprocess.CompletedProcess[str]:
    code = textwrap.dedent(SIGNAL_WHILE_LOCKED).format(install=textwrap.dedent(install))
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout)


def test_a_signal_while_the_main_thread_holds_the_events_lock_still_stops() -> None:
    done = _run(NEW)
    assert done.returncode == 0, done.stderr


def test_the_handler_it_replaces_hangs_there() -> None:
    # Proves the case above reaches the dangerous moment: Event.set() in the handler deadlocks.
    with pytest.raises(subprocess.TimeoutExpired):
        _run(OLD, timeout=3)


def test_callbacks_run_after_the_event_is_set_once_per_signal() -> None:
    code = textwrap.dedent("""
        import os, signal, threading
        from sorra.stopsignals import stop_on_signals
        calls = []
        seen = threading.Event()
        stop = stop_on_signals(lambda: (calls.append(stop.is_set()), seen.set()))
        os.kill(os.getpid(), signal.SIGINT)
        assert seen.wait(10)
        seen.clear()
        os.kill(os.getpid(), signal.SIGTERM)
        assert seen.wait(10)
        assert calls == [True, True], calls
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=20)
    assert done.returncode == 0, done.stderr
