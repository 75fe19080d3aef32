"""sorra.sdnotify against a fake NOTIFY_SOCKET: a unix datagram socket we read from."""

from __future__ import annotations

import os
import socket
import struct
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest

from sorra import sdnotify

REPO = Path(__file__).resolve().parents[1]
TIMEOUT = 10.0


class FakeSystemd:
    """The receiving end of NOTIFY_SOCKET, with the sender's credentials like systemd."""

    def __init__(self, address: str | bytes) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(address)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        self.sock.settimeout(TIMEOUT)

    def receive(self) -> tuple[str, int]:
        """One datagram and the pid that sent it (waits up to TIMEOUT seconds)."""
        data, ancdata, _, _ = self.sock.recvmsg(4096, socket.CMSG_SPACE(12))
        pid = -1
        for level, kind, payload in ancdata:
            if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                pid, _uid, _gid = struct.unpack("iII", payload[:12])
        return data.decode(), pid

    def nothing_pending(self) -> bool:
        self.sock.setblocking(False)
        try:
            self.sock.recv(4096)
        except BlockingIOError:
            return True
        finally:
            self.sock.settimeout(TIMEOUT)
        return False

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def systemd(tmp_path, monkeypatch):
    path = str(tmp_path / "notify")
    fake = FakeSystemd(path)
    monkeypatch.setenv("NOTIFY_SOCKET", path)
    monkeypatch.delenv("WATCHDOG_USEC", raising=False)
    monkeypatch.delenv("WATCHDOG_PID", raising=False)
    yield fake
    fake.close()


def test_no_socket_no_op(monkeypatch):
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    monkeypatch.setenv("WATCHDOG_USEC", "1000000")
    assert sdnotify.ready() is False
    assert sdnotify.watchdog_ping() is False
    assert sdnotify.status("up") is False


def test_ready_status_stopping(systemd):
    assert sdnotify.ready("serving on :8080") is True
    assert systemd.receive() == ("READY=1\nSTATUS=serving on :8080", os.getpid())
    assert sdnotify.status("2 devices\nonline") is True
    assert systemd.receive()[0] == "STATUS=2 devices online"
    assert sdnotify.stopping() is True
    assert systemd.receive()[0] == "STOPPING=1"
    assert sdnotify.watchdog_ping() is True
    assert systemd.receive()[0] == "WATCHDOG=1"
    assert sdnotify.notify("EXTEND_TIMEOUT_USEC=5000000", "STATUS=migrating") is True
    assert systemd.receive()[0] == "EXTEND_TIMEOUT_USEC=5000000\nSTATUS=migrating"


def test_abstract_socket(monkeypatch):
    name = f"sorra-test-{uuid.uuid4().hex}"
    fake = FakeSystemd(b"\0" + name.encode())
    try:
        monkeypatch.setenv("NOTIFY_SOCKET", "@" + name)
        assert sdnotify.ready() is True
        assert fake.receive()[0] == "READY=1"
    finally:
        fake.close()


def test_gone_socket_is_not_an_error(tmp_path, monkeypatch):
    monkeypatch.setenv("NOTIFY_SOCKET", str(tmp_path / "nobody-listens"))
    assert sdnotify.ready() is False


@pytest.mark.parametrize("env, expected", [
    ({}, None),
    ({"WATCHDOG_USEC": "20000000"}, 10.0),
    ({"WATCHDOG_USEC": "20000000", "WATCHDOG_PID": "OURS"}, 10.0),
    ({"WATCHDOG_USEC": "20000000", "WATCHDOG_PID": "1"}, None),
    ({"WATCHDOG_USEC": "0"}, None),
    ({"WATCHDOG_USEC": "soon"}, None),
])
def test_watchdog_interval(env, expected):
    env = {k: (str(os.getpid()) if v == "OURS" else v) for k, v in env.items()}
    assert sdnotify.watchdog_interval(env) == expected


def test_unhealthy_service_is_not_pinged(systemd):
    healthy = [True]
    dog = sdnotify.Watchdog(1.0, lambda: healthy[0])
    assert dog.check_and_ping() is True
    assert systemd.receive()[0] == "WATCHDOG=1"
    healthy[0] = False
    assert dog.check_and_ping() is False
    assert systemd.nothing_pending()

    def explode() -> bool:
        raise RuntimeError("database locked")

    assert sdnotify.Watchdog(1.0, explode).check_and_ping() is False
    assert systemd.nothing_pending()
    assert (dog.pings, dog.missed) == (1, 1)


def test_start_watchdog_pings_at_half_the_timeout(systemd, monkeypatch):
    monkeypatch.setenv("WATCHDOG_USEC", "40000")  # 40 ms: a ping every 20 ms
    dog = sdnotify.start_watchdog()
    try:
        assert dog.running and dog.interval == 0.02
        for _ in range(3):
            assert systemd.receive()[0] == "WATCHDOG=1"
    finally:
        dog.stop()
    assert not dog.running


def test_start_watchdog_without_watchdog_does_nothing(systemd):
    dog = sdnotify.start_watchdog(lambda: True)
    assert not dog.running
    dog.stop()  # harmless
    assert systemd.nothing_pending()
    assert not any(t.name == "sd-watchdog" for t in threading.enumerate())


def test_heartbeat():
    now = [100.0]
    beat = sdnotify.Heartbeat(max_age_s=5, clock=lambda: now[0])
    assert beat.alive()
    now[0] += 6
    assert not beat.alive()
    beat.beat()
    assert beat.alive()


APP = """
import threading
from sorra import sdnotify
sdnotify.ready("up")
got_two = threading.Event()
count = [0]
def healthy():
    count[0] += 1
    if count[0] >= 2:
        got_two.set()
    return True
dog = sdnotify.start_watchdog(healthy)
assert dog.running, "no watchdog"
got_two.wait(10)
dog.stop()
sdnotify.stopping()
"""


def test_app_process_notifies(systemd, tmp_path):
    """A separate process, as systemd sees it: READY, then WATCHDOG pings, then STOPPING."""
    env = dict(os.environ, NOTIFY_SOCKET=str(tmp_path / "notify"), WATCHDOG_USEC="100000",
               PYTHONPATH=str(REPO))
    proc = subprocess.Popen([sys.executable, "-c", APP], env=env)
    try:
        message, pid = systemd.receive()
        assert (message, pid) == ("READY=1\nSTATUS=up", proc.pid)
        assert systemd.receive() == ("WATCHDOG=1", proc.pid)
        assert systemd.receive() == ("WATCHDOG=1", proc.pid)
        while (message := systemd.receive()[0]) == "WATCHDOG=1":
            pass
        assert message == "STOPPING=1"
    finally:
        assert proc.wait(TIMEOUT) == 0


def test_app_under_cage_owns_the_watchdog(systemd, tmp_path):
    """In sorra-kiosk.service systemd sets WATCHDOG_PID to Cage's pid; the session
    script unsets it, so the app (Cage's child) still pings."""
    fake_sorra = tmp_path / "sorra"
    fake_sorra.write_text(f"#!{sys.executable}\n{APP}")
    fake_sorra.chmod(0o755)
    env = dict(os.environ, NOTIFY_SOCKET=str(tmp_path / "notify"), WATCHDOG_USEC="100000",
               WATCHDOG_PID="1", PYTHONPATH=str(REPO), SORRA_BIN=str(fake_sorra),
               SORRA_CONFIG=str(tmp_path / "device.toml"))
    session = REPO / "firmware_configs/session/sorra-session"
    proc = subprocess.Popen([str(session), "--app", "kiosk"], env=env)
    try:
        assert systemd.receive()[0] == "READY=1\nSTATUS=up"
        assert systemd.receive() == ("WATCHDOG=1", proc.pid)  # exec: same pid
    finally:
        assert proc.wait(TIMEOUT) == 0
