"""Real faults: ``kill -9`` of the hub (and of hub and broker together) in the
middle of a stream of requests. Afterwards every acknowledged ticket is
there, every request got exactly one ticket, no number was issued twice, and
SQLite's integrity check passes."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from hub.stats import FACT_TABLES, current, rebuild
from sorra.bus import BusClient, BusSettings
from tests.broker_fixture import free_port

pytestmark = pytest.mark.slow

TOTAL = 150
KILL_AFTER = 40


def _cli(*args: str, data: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sorra.cli", "hub", *args, "--data", str(data)],
                          capture_output=True, text=True, timeout=60, check=True)


class HubProcess:
    def __init__(self, data: Path, port: int) -> None:
        self.data, self.port = data, port
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        env = {**os.environ, "SORRA_LOG_LEVEL": "WARNING"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "sorra.cli", "hub", "run", "--data", str(self.data), "--site", "office",
             "--mqtt-port", str(self.port), "--bind", "127.0.0.1", "--no-web"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def broker_pid(self) -> int:
        return int((self.data / "broker" / "mosquitto.pid").read_text().strip())

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        broker_pid = self.data / "broker" / "mosquitto.pid"
        if broker_pid.exists():  # a broker the killed hub left behind
            try:
                os.kill(int(broker_pid.read_text().strip()), signal.SIGTERM)
            except (ProcessLookupError, ValueError):
                pass


@pytest.fixture
def hub_process(tmp_path: Path):
    data = tmp_path / "hub"
    _cli("service", "add", "A", "--name", "Okmányügyek", "--prefix", "A", data=data)
    _cli("counter", "add", "1", data=data)
    creds = json.loads(_cli("device", "add", "kiosk-1", "--role", "kiosk", data=data).stdout)
    hp = HubProcess(data, free_port())
    hp.start()
    yield hp, creds
    hp.stop()


def _hub_online(client: BusClient) -> threading.Event:
    online = threading.Event()

    def on_status(suffix: str, payload: dict | None) -> None:
        if suffix == "device/hub/status" and payload and payload.get("online"):
            online.set()
    client.subscribe_status(on_status)
    return online


def _stream(hp: HubProcess, creds: dict, kill_broker: bool) -> None:
    settings = BusSettings(host="127.0.0.1", port=hp.port, username=creds["username"], password=creds["password"],
                           site="office", device="kiosk-1", role="kiosk")
    client = BusClient(settings)
    online = _hub_online(client)
    client.start()
    assert client.wait_connected(30) and online.wait(30)
    acked: dict[str, dict] = {}
    lock = threading.Lock()
    enough = threading.Event()

    def on_done(req: str):
        def cb(fut) -> None:
            if fut.exception() is None:
                with lock:
                    acked[req] = fut.result()["ticket"]
                    if len(acked) >= KILL_AFTER:
                        enough.set()
        return cb

    futures = {}
    for i in range(TOTAL):
        req = f"req-{i}"
        fut = client.request("ticket.issue", {"services": ["A"]}, req=req, send_deadline_s=120)
        fut.add_done_callback(on_done(req))
        futures[req] = fut
        if i == TOTAL // 2:
            assert enough.wait(30)
            acked_before_kill = dict(acked)
            broker = hp.broker_pid()
            hp.kill9()
            if kill_broker:
                os.kill(broker, signal.SIGKILL)
            hp.start()
    results = {req: f.result(90)["ticket"] for req, f in futures.items()}
    client.stop()

    # every acknowledged ticket before the kill is the one the request finally got
    for req, ticket in acked_before_kill.items():
        assert results[req]["id"] == ticket["id"]
    ids = [t["id"] for t in results.values()]
    assert len(set(ids)) == TOTAL, "a request got two tickets or two requests one"
    numbers = sorted(t["number"] for t in results.values())
    assert numbers == [f"A{i:03d}" for i in range(1, TOTAL + 1)]
    hp.stop()
    db = sqlite3.connect(hp.data / "sorra.db")
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    stored = {row[0] for row in db.execute("SELECT id FROM tickets")}
    assert stored == set(ids)
    issued = db.execute("SELECT COUNT(*) FROM events WHERE type = 'ticket.issued'").fetchone()[0]
    assert issued == TOTAL
    # The statistics are projected after the commits: what the kill left unprojected was projected at
    # the restart, each event once, as a rebuild from the log gives them.
    counted = current(db).execute("SELECT COUNT(*), COUNT(DISTINCT id) FROM stat_ticket").fetchone()
    assert counted == (TOTAL, TOTAL)
    facts = {t: db.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in FACT_TABLES}
    rebuild(db)
    assert {t: db.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in FACT_TABLES} == facts
    db.close()


def test_kill_9_hub_mid_stream_loses_nothing(hub_process) -> None:
    _stream(*hub_process, kill_broker=False)


def test_kill_9_hub_and_broker_together_loses_nothing(hub_process) -> None:
    _stream(*hub_process, kill_broker=True)
