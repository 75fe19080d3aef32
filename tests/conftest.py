"""Shared fixtures: a real Mosquitto, a real hub on a temp data dir, Qt offscreen."""

from __future__ import annotations

import os
import select
import threading
import time

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("ESCPOS_CAPABILITIES_PICKLE_DIR", os.path.join(os.path.dirname(__file__), "..", ".cache", "escpos"))
os.environ.setdefault("SORRA_LOG_LEVEL", "WARNING")

from tests.broker_fixture import broker  # noqa: E402,F401  (re-exported fixture)
from tests.hub_fixture import hub, hub_factory  # noqa: E402,F401


@pytest.fixture(autouse=True)
def _no_leftover_threads_or_processes():
    """Fail a test that leaves a non-daemon thread or a child process running (python-zeroconf's
    ``verify_threads_ended``, with a short wait for what is already ending).

    Function scope, set up before and torn down after every other function-scoped fixture, and after
    the higher-scoped ones are up: a module's hub or broker is its fixture's to stop, not a test's.
    Threads are joined and processes watched through pidfds (not reaped) until a shared deadline.
    """

    def children() -> dict[int, str]:
        """Running (not zombie) child processes of this process: pid → command name."""
        found: dict[int, str] = {}
        me = os.getpid()
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as f:
                    stat = f.read().decode(errors="replace")
            except OSError:  # gone meanwhile
                continue
            head, _, tail = stat.rpartition(")")  # "pid (name) state ppid …"; a name may hold ")"
            state, ppid = tail.split()[:2]
            if int(ppid) == me and state != "Z":
                found[int(entry.name)] = head.partition("(")[2]
        return found

    threads_before = set(threading.enumerate())
    children_before = set(children())
    yield
    deadline = time.monotonic() + 5.0
    threads = [t for t in threading.enumerate() if t not in threads_before and not t.daemon]
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    threads = [t for t in threads if t.is_alive()]
    procs = {pid: name for pid, name in children().items() if pid not in children_before}
    for pid in list(procs):
        try:
            fd = os.pidfd_open(pid)
        except OSError:  # already gone
            procs.pop(pid)
            continue
        try:
            if select.select([fd], [], [], max(0.0, deadline - time.monotonic()))[0]:
                procs.pop(pid)  # it exited (its parent reaps it)
        finally:
            os.close(fd)
    if threads or procs:
        pytest.fail("the test left behind "
                    + "; ".join([f"thread {t.name!r}" for t in threads]
                                + [f"child process {pid} ({name})" for pid, name in procs.items()]),
                    pytrace=False)
