"""``sorra hub …`` with and without a running hub."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sorra.bus import BusClient, BusSettings
from tests.hub_fixture import TestHub


def sorra(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sorra.cli", *args], capture_output=True, text=True, timeout=60)


def test_cli_offline_then_the_hub_starts_with_it(tmp_path: Path, hub_factory) -> None:
    data = tmp_path / "hub"
    assert sorra("hub", "service", "add", "A", "--name", "Okmányügyek", "--name-en", "Documents",
                 "--prefix", "a", "--info", "Személyi igazolvány", "--data", str(data)).returncode == 0
    listed = sorra("hub", "service", "list", "--json", "--data", str(data))
    services = json.loads(listed.stdout)
    assert services[0]["id"] == "A" and services[0]["prefix"] == "A"
    assert services[0]["names"] == {"hu": "Okmányügyek", "en": "Documents"}
    out = sorra("hub", "device", "add", "counter-3", "--role", "counter", "--counter", "3", "--data", str(data))
    assert out.returncode == 0, out.stderr
    creds = json.loads(out.stdout)
    assert set(creds) == {"device", "username", "password", "site", "mqtt_host", "mqtt_port", "tls", "ca_file"}
    assert creds["tls"] is True and "BEGIN CERTIFICATE" in Path(creds["ca_file"]).read_text()
    devices = json.loads(sorra("hub", "device", "list", "--json", "--data", str(data)).stdout)
    assert devices[0]["id"] == "counter-3" and devices[0]["counter"] == 3
    bad = sorra("hub", "device", "add", "Bad Name", "--role", "kiosk", "--data", str(data))
    assert bad.returncode != 0 and "device id" in bad.stderr

    # the hub starts on this data: the offline-made device can log in and act
    hub: TestHub = hub_factory("hub")
    client = BusClient(BusSettings("127.0.0.1", hub.port, creds["username"], creds["password"], hub.site,
                                   "counter-3", "counter"))
    client.start()
    assert client.wait_connected(10)
    client.call("counter.resume")
    assert client.call("counter.call_next") == {"ticket": None}
    client.stop()


def test_cli_talks_to_the_running_hub(hub: TestHub) -> None:
    data = str(hub.data_dir)
    r = sorra("hub", "service", "add", "B", "--name", "Adóügyek", "--prefix", "B", "--data", data)
    assert r.returncode == 0, r.stderr
    # the running engine has it at once (it went through the bus, not around it)
    assert hub.hub.worker.run_in_worker(lambda e: "B" in e.state.services)
    creds = json.loads(sorra("hub", "device", "add", "kiosk-9", "--role", "kiosk", "--data", data).stdout)
    assert creds["mqtt_port"] == hub.hub.device_port and creds["site"] == hub.site
    assert creds["tls"] is True and creds["ca_file"] == str(hub.hub.tls.ca_file.resolve())
    kiosk = BusClient(BusSettings("127.0.0.1", hub.port, creds["username"], creds["password"], hub.site,
                                  "kiosk-9", "kiosk"))
    kiosk.start()
    assert kiosk.wait_connected(10)
    assert kiosk.call("ticket.issue", {"services": ["B"]})["ticket"]["number"] == "B001"
    removed = sorra("hub", "device", "remove", "kiosk-9", "--data", data)
    assert removed.returncode == 0
    # Mosquitto drops a removed account's connection and refuses it from now on
    gone = BusClient(BusSettings("127.0.0.1", hub.port, creds["username"], creds["password"], hub.site,
                                 "kiosk-9", "kiosk", client_id="sorra-kiosk-9-again"))
    gone.start()
    assert not gone.wait_connected(2)
    gone.stop()
    kiosk.stop()
    err = sorra("hub", "service", "add", "C", "--name", "X", "--prefix", "B", "--data", data)
    assert err.returncode == 1 and "conflict" in err.stderr  # prefix B is taken


def test_a_second_hub_on_the_same_data_is_refused(hub: TestHub) -> None:
    r = sorra("hub", "run", "--data", str(hub.data_dir), "--mqtt-port", "1", "--bind", "127.0.0.1", "--no-web")
    assert r.returncode == 1 and "another hub is running" in r.stderr


def test_hub_run_tells_systemd_it_is_ready_and_pings_the_watchdog(tmp_path: Path) -> None:
    import os
    import signal
    import socket

    from tests.broker_fixture import free_port

    sock_path = tmp_path / "notify.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(sock_path))
    sock.settimeout(60)
    env = {**os.environ, "NOTIFY_SOCKET": str(sock_path), "WATCHDOG_USEC": "2000000"}
    env.pop("WATCHDOG_PID", None)
    proc = subprocess.Popen([sys.executable, "-m", "sorra.cli", "hub", "run", "--data", str(tmp_path / "hub"),
                             "--mqtt-port", str(free_port()), "--bind", "127.0.0.1", "--no-web"], env=env)
    try:
        seen: list[str] = []
        while not ({"READY=1", "WATCHDOG=1"} <= set(seen)):
            seen += sock.recv(4096).decode().split("\n")
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
        sock.close()


def test_cli_says_in_one_line_when_the_running_hub_does_not_answer(tmp_path: Path) -> None:
    import fcntl
    import os
    import socket

    # A hub holds its data directory's lock, but its broker does not answer (hung, or restarting).
    data = tmp_path / "hub"
    data.mkdir()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again below: nothing listens there
    (data / "hub.json").write_text(json.dumps({"mqtt_port": port, "site": "office"}))
    with open(data / "hub.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        env = {k: v for k, v in os.environ.items() if k != "SORRA_LOG_LEVEL"}
        r = subprocess.run([sys.executable, "-m", "sorra.cli", "hub", "service", "add", "A", "--name", "Okmány",
                            "--prefix", "A", "--data", str(data)], capture_output=True, text=True, timeout=60, env=env)
    assert r.returncode == 1
    assert "Traceback" not in r.stderr and "TimeoutError" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and str(data) in lines[0] and "does not answer" in lines[0], r.stderr
