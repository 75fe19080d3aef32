"""Tell systemd how a Sorra app is doing: sd_notify(3) in plain Python.

The units in ``systemd/`` are ``Type=notify`` with ``WatchdogSec=``. An app calls::

    from sorra import sdnotify

    sdnotify.ready()                          # once it serves (UI shown / bus service up),
                                              # not when the hub is reachable
    wd = sdnotify.start_watchdog(is_healthy)  # pings at half of WATCHDOG_USEC
    ...
    sdnotify.stopping()                       # on a clean shutdown
    wd.stop()

``is_healthy`` (optional) is called on the watchdog's own thread before each ping;
while it returns False (or raises) no ping is sent, so systemd kills and restarts
the service once ``WatchdogSec`` passes. It must be quick and thread-safe. A Qt app
proves its event loop is alive with a :class:`Heartbeat` beaten by a ``QTimer``::

    hb = sdnotify.Heartbeat(max_age_s=10)
    timer = QTimer(); timer.timeout.connect(hb.beat); timer.start(1000)
    sdnotify.start_watchdog(hb.alive)

Everything is a no-op when ``NOTIFY_SOCKET`` is unset (a developer's shell, tests),
and ``start_watchdog`` does nothing unless ``WATCHDOG_USEC`` is set for this process
(``WATCHDOG_PID`` unset or equal to ours). Abstract socket names (``@name``) are
supported. Under a compositor (``systemd/sorra-kiosk.service`` runs Cage, which runs
the app), the unit uses ``NotifyAccess=all`` and the session script unsets
``WATCHDOG_PID`` so that the app, a child of the main process, owns the watchdog.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Mapping

__all__ = [
    "Heartbeat",
    "Watchdog",
    "notify",
    "ready",
    "start_watchdog",
    "status",
    "stopping",
    "watchdog_interval",
    "watchdog_ping",
]


def _address(env: Mapping[str, str]) -> str | bytes | None:
    path = env.get("NOTIFY_SOCKET", "")
    if not path:
        return None
    if path.startswith("@"):
        return b"\0" + path[1:].encode()  # Linux abstract namespace
    if path.startswith("/"):
        return path
    return None  # vsock: and other schemes are not used by Sorra's units


def notify(*fields: str, env: Mapping[str, str] | None = None) -> bool:
    """Send ``fields`` ("READY=1", "STATUS=…") as one datagram to ``NOTIFY_SOCKET``.

    Returns True if it was sent, False if there is no socket to send to. Errors on
    send are swallowed (a lost status line must never take the app down)."""
    address = _address(os.environ if env is None else env)
    if address is None or not fields:
        return False
    message = "\n".join(fields).encode("utf-8")
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.connect(address)
            sock.sendall(message)
    except OSError:
        return False
    return True


def ready(status_text: str | None = None) -> bool:
    """The service is up: systemd considers the unit started."""
    fields = ["READY=1"]
    if status_text:
        fields.append(f"STATUS={_one_line(status_text)}")
    return notify(*fields)


def stopping(status_text: str | None = None) -> bool:
    """The service is shutting down cleanly."""
    fields = ["STOPPING=1"]
    if status_text:
        fields.append(f"STATUS={_one_line(status_text)}")
    return notify(*fields)


def status(text: str) -> bool:
    """Free-form status line shown by ``systemctl status``."""
    return notify(f"STATUS={_one_line(text)}")


def watchdog_ping() -> bool:
    """Tell systemd the service is alive (``WATCHDOG=1``)."""
    return notify("WATCHDOG=1")


def watchdog_interval(env: Mapping[str, str] | None = None) -> float | None:
    """Seconds between pings (half of ``WATCHDOG_USEC``), or None if no watchdog is
    configured for this process."""
    env = os.environ if env is None else env
    try:
        usec = int(env.get("WATCHDOG_USEC", ""))
    except ValueError:
        return None
    if usec <= 0:
        return None
    pid = env.get("WATCHDOG_PID", "")
    if pid and pid != str(os.getpid()):
        return None
    return usec / 2_000_000


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


class Heartbeat:
    """Proof that a loop is turning: ``beat()`` from the loop, ``alive()`` from anywhere."""

    def __init__(self, max_age_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_age_s = max_age_s
        self._clock = clock
        self._last = clock()

    def beat(self) -> None:
        self._last = self._clock()

    def alive(self) -> bool:
        return self._clock() - self._last <= self.max_age_s


class Watchdog:
    """A daemon thread that sends ``WATCHDOG=1`` every ``interval`` seconds while
    ``is_healthy()`` says so. ``interval`` None means no watchdog: nothing runs."""

    def __init__(
        self,
        interval: float | None,
        is_healthy: Callable[[], bool] | None = None,
        ping: Callable[[], object] = watchdog_ping,
    ) -> None:
        self.interval = interval
        self._is_healthy = is_healthy
        self._ping = ping
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.pings = 0
        self.missed = 0

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> Watchdog:
        if self.interval is not None and self._thread is None:
            self._thread = threading.Thread(target=self._run, name="sd-watchdog", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float | None = 5.0) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def check_and_ping(self) -> bool:
        """One round: ping if healthy. Returns whether a ping was sent."""
        try:
            healthy = True if self._is_healthy is None else bool(self._is_healthy())
        except Exception:  # an exploding health check is an unhealthy service
            healthy = False
        if not healthy:
            self.missed += 1
            return False
        self._ping()
        self.pings += 1
        return True

    def _run(self) -> None:
        assert self.interval is not None
        while True:
            self.check_and_ping()
            if self._stop.wait(self.interval):
                return


def start_watchdog(
    is_healthy: Callable[[], bool] | None = None,
    *,
    interval: float | None = None,
) -> Watchdog:
    """Start pinging systemd's watchdog at half of ``WATCHDOG_USEC``.

    Always returns a :class:`Watchdog` (``.running`` is False when the unit has no
    watchdog), so callers can ``stop()`` it unconditionally. ``interval`` overrides
    the period (tests)."""
    period = interval if interval is not None else watchdog_interval()
    return Watchdog(period, is_healthy).start()
