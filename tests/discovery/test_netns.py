"""Discovery and pairing across two network namespaces joined by a veth pair.

The hub (``sorra hub run``) runs in namespace A, the device in namespace B:
the only way between them is the veth link, and mDNS is pinned to the veth
addresses. The namespaces are created and removed by the test. Needs root
and iproute2; skipped otherwise.
"""

from __future__ import annotations

import os
import queue
import secrets
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from sorra import config as cfgmod
from tests.broker_fixture import free_port

IP = shutil.which("ip")
ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    not (hasattr(os, "geteuid") and os.geteuid() == 0 and IP),
    reason="network namespaces need root and iproute2 ('ip')")


@dataclass
class Pair:
    a: str
    b: str
    ip_a: str
    ip_b: str


def _ip(*args: str) -> None:
    subprocess.run([IP, *args], check=True, capture_output=True, timeout=10)


@pytest.fixture
def namespaces() -> Iterator[Pair]:
    tag = secrets.token_hex(3)
    net = f"10.{200 + secrets.randbelow(50)}.{secrets.randbelow(250)}"
    pair = Pair(f"sorra-a-{tag}", f"sorra-b-{tag}", f"{net}.1", f"{net}.2")
    veth_a, veth_b = f"sva{tag}", f"svb{tag}"
    made: list[str] = []
    try:
        for ns in (pair.a, pair.b):
            _ip("netns", "add", ns)
            made.append(ns)
        _ip("link", "add", veth_a, "type", "veth", "peer", "name", veth_b)
        for ns, dev, addr in ((pair.a, veth_a, pair.ip_a), (pair.b, veth_b, pair.ip_b)):
            _ip("link", "set", dev, "netns", ns)
            _ip("-n", ns, "addr", "add", f"{addr}/24", "dev", dev)
            _ip("-n", ns, "link", "set", dev, "up")
            _ip("-n", ns, "link", "set", "lo", "up")
        yield pair
    except subprocess.CalledProcessError as err:
        pytest.skip(f"cannot create network namespaces here: {err.stderr.decode(errors='replace').strip()}")
    finally:
        for ns in made:  # removing a namespace removes its end of the veth pair too
            subprocess.run([IP, "netns", "del", ns], capture_output=True, timeout=10)


class Proc:
    """A child in a namespace whose output lines arrive on a queue (reads never block the test)."""

    def __init__(self, ns: str, argv: list[str], env: dict[str, str]) -> None:
        self.proc = subprocess.Popen([IP, "netns", "exec", ns, *argv], cwd=ROOT, env=env, text=True,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def expect(self, marker: str, timeout: float = 20.0) -> str:
        """The first line containing ``marker`` (fails with the output so far)."""
        import time

        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {marker!r} within {timeout:.0f} s; output:\n" + "\n".join(self.seen))
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                continue
            self.seen.append(line)
            if marker in line:
                return line

    def stop(self, timeout: float = 10.0) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SORRA_")}
    env.update(PYTHONPATH=str(ROOT), SORRA_LOG_LEVEL="INFO", **extra)
    return env


def _stop_left_broker(data_dir: Path) -> None:
    """If the hub died without stopping its Mosquitto, stop that one (by its pid file)."""
    pid_file = data_dir / "broker" / "mosquitto.pid"
    try:
        pid = int(pid_file.read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError):
        return
    if b"mosquitto" in cmdline and str(data_dir).encode() in cmdline:
        os.kill(pid, signal.SIGTERM)


def test_pairing_across_two_network_namespaces(namespaces: Pair, tmp_path: Path) -> None:
    site = f"ns{secrets.token_hex(3)}"
    data = tmp_path / "hub"
    python = sys.executable
    plain_port = free_port()
    hub = Proc(namespaces.a, [python, "-m", "sorra.cli", "hub", "--data", str(data), "run", "--site", site,
                              "--bind", "0.0.0.0", "--advertise-host", namespaces.ip_a,
                              "--mdns-interface", namespaces.ip_a, "--no-web",
                              "--mqtt-port", str(plain_port), "--http-port", str(free_port())],
               _env(SORRA_MDNS_INTERFACES=namespaces.ip_a))
    device = None
    try:
        hub.expect("is up")
        config = tmp_path / "device.toml"
        cfg = cfgmod.DeviceConfig()
        cfg.device.role = "display"  # site left at "office": it takes the only hub on its LAN
        cfgmod.save(cfg, config)
        device = Proc(namespaces.b, [python, "-m", "tests.discovery.ns_device", str(config)],
                      _env(SORRA_MDNS_INTERFACES=namespaces.ip_b))
        code = device.expect("CODE ").split("CODE ", 1)[1]
        approve = subprocess.run([IP, "netns", "exec", namespaces.a, python, "-m", "sorra.cli", "hub",
                                  "--data", str(data), "device", "approve", code],
                                 cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=30)
        assert approve.returncode == 0, approve.stdout + approve.stderr
        fingerprint = device.expect("PAIRED ").split()[-1]
        assert device.expect("CONNECTED ").split()[1] == namespaces.ip_a
        assert device.proc.wait(10) == 0
        saved = cfgmod.load(config)
        assert saved.device.site == site and saved.hub.fingerprint == fingerprint and saved.hub.username
        # it talked TLS on the LAN; the plain port is not there for it at all (loopback only)
        assert saved.hub.tls and saved.hub.mqtt_port != plain_port and "BEGIN CERTIFICATE" in saved.hub.ca
        plain = subprocess.run([IP, "netns", "exec", namespaces.b, python, "-c",
                                "import socket,sys; s=socket.socket(); s.settimeout(3); "
                                f"sys.exit(s.connect_ex(({namespaces.ip_a!r}, {plain_port})))"],
                               cwd=ROOT, env=_env(), timeout=30)
        assert plain.returncode != 0, "the plain MQTT port answers on the LAN"
    finally:
        if device is not None:
            device.stop()
        hub.stop()
        _stop_left_broker(data)
