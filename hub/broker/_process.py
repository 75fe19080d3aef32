"""Finding, probing and ending Mosquitto processes (Linux: /proc and pidfd)."""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import secrets
import select
import signal
import socket
import time
from pathlib import Path

log = logging.getLogger(__name__)

CONNACK_ACCEPTED = 0


def cmdline(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    return [a.decode("utf-8", "surrogateescape") for a in raw.split(b"\0")[:-1]] or None


def is_broker_for(pid: int, conf: Path) -> bool:
    """True if ``pid`` is a live ``mosquitto -c <conf>`` (never trust a pid file alone:
    after a reboot or crash its pid may belong to anything)."""
    argv = cmdline(pid)
    if not argv or "mosquitto" not in os.path.basename(argv[0]):
        return False
    want = str(conf.resolve())
    return any(a == "-c" and i + 1 < len(argv) and argv[i + 1] == want
               for i, a in enumerate(argv))


def brokers_for(conf: Path, pid_file: Path | None = None) -> list[int]:
    """Pids of every running ``mosquitto -c <conf>``: the one in ``pid_file`` if any,
    then any other found in /proc (e.g. one that died before writing its pid file)."""
    found: list[int] = []
    if pid_file is not None:
        with contextlib.suppress(OSError, ValueError):
            pid = int(pid_file.read_text().strip())
            if pid > 0 and is_broker_for(pid, conf):
                found.append(pid)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) not in found \
                and int(entry.name) != os.getpid() and is_broker_for(int(entry.name), conf):
            found.append(int(entry.name))
    return found


def _wait_pidfd(pidfd: int, timeout: float) -> bool:
    readable, _, _ = select.select([pidfd], [], [], timeout)
    return bool(readable)


def terminate(pid: int, conf: Path, timeout: float = 5.0) -> None:
    """SIGTERM (Mosquitto saves its database), then SIGKILL after ``timeout``.

    Works on processes that are not our children (a broker left by a killed hub):
    the pidfd pins the process, so a recycled pid is never signalled, and it becomes
    readable when the process exits, so there is nothing to poll.
    """
    try:
        pidfd = os.pidfd_open(pid)
    except ProcessLookupError:
        return
    try:
        if not is_broker_for(pid, conf):  # re-check now that the pid is pinned
            return
        log.warning("stopping stale mosquitto (pid %d) left by a previous hub", pid)
        for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, timeout)):
            try:
                signal.pidfd_send_signal(pidfd, sig)
            except ProcessLookupError:
                return
            if _wait_pidfd(pidfd, wait):
                return
        raise OSError(errno.ETIMEDOUT, f"mosquitto pid {pid} survived SIGKILL")
    finally:
        os.close(pidfd)


def port_is_free(host: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def _string(value: str) -> bytes:
    data = value.encode("utf-8")
    return len(data).to_bytes(2, "big") + data


def _remaining_length(n: int) -> bytes:
    out = bytearray()
    while True:
        n, digit = divmod(n, 128)
        out.append(digit | (0x80 if n else 0))
        if not n:
            return bytes(out)


def connect_packet(client_id: str, username: str, password: str, keepalive: int = 10) -> bytes:
    """An MQTT 3.1.1 CONNECT with clean session, username and password."""
    variable = _string("MQTT") + bytes([4, 0xC2]) + keepalive.to_bytes(2, "big")
    payload = _string(client_id) + _string(username) + _string(password)
    body = variable + payload
    return bytes([0x10]) + _remaining_length(len(body)) + body


def mqtt_login(host: str, port: int, username: str, password: str,
               timeout: float = 2.0) -> int | None:
    """Log in and out once; the CONNACK return code (0 = accepted), or None if the
    port does not answer MQTT (not listening yet, connection reset)."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as s:
            s.sendall(connect_packet(f"{username}-{secrets.token_hex(4)}", username, password))
            ack = b""
            while len(ack) < 4:
                chunk = s.recv(4 - len(ack))
                if not chunk:
                    return None
                ack += chunk
            if ack[0] != 0x20:
                return None
            if ack[3] == CONNACK_ACCEPTED:
                s.sendall(b"\xe0\x00")  # DISCONNECT
            return ack[3]
    except OSError:
        return None


def wait_for_login(host: str, port: int, username: str, password: str, deadline: float,
                   alive=lambda: True) -> bool:
    """Retry :func:`mqtt_login` until accepted or ``deadline`` (time.monotonic()).

    This bounded retry is the one polling loop of the supervisor: Mosquitto has no
    readiness or reload-done notification (no sd_notify when run as a child).
    """
    delay = 0.005
    while True:
        if mqtt_login(host, port, username, password) == CONNACK_ACCEPTED:
            return True
        if not alive() or time.monotonic() + delay > deadline:
            return False
        time.sleep(delay)
        delay = min(delay * 2, 0.1)
