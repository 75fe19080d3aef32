"""``kill -9`` of a hub (a separate process) while it streams its log to the central
service: after the restart it resends from the last acknowledged sequence, and
PostgreSQL holds every event of the hub exactly once, every ticket counted once."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

import psycopg
import pytest

from sorra.bus import BusClient, BusSettings
from tests.broker_fixture import free_port
from tests.central.helpers import Central, join, sorra, wait_for
from tests.hub.test_faults import HubProcess, _hub_online

pytestmark = pytest.mark.slow

TOTAL = 120
KILL_AFTER = 50


def _hub_events(data: Path) -> list[int]:
    db = sqlite3.connect(data / "sorra.db")
    try:
        return [r[0] for r in db.execute("SELECT seq FROM events ORDER BY seq")]
    finally:
        db.close()


def test_kill_9_hub_mid_stream(tmp_path: Path, pg_url: str) -> None:
    central = Central(tmp_path / "central", pg_url).start()
    data = tmp_path / "hub"
    hp = HubProcess(data, free_port())
    try:
        creds = central.add_site("north")
        sorra("hub", "service", "add", "A", "--name", "Okmány", "--prefix", "A", "--data", str(data))
        kiosk = json.loads(sorra("hub", "device", "add", "kiosk-1", "--role", "kiosk", "--data", str(data)).stdout)
        join(data, creds)  # while the hub is stopped: it starts replicating when it starts
        hp.start()
        client = BusClient(BusSettings(host="127.0.0.1", port=hp.port, username=kiosk["username"],
                                       password=kiosk["password"], site="office", device="kiosk-1", role="kiosk"))
        online = _hub_online(client)
        client.start()
        assert client.wait_connected(30) and online.wait(30)
        done = threading.Semaphore(0)
        futures = []
        for i in range(TOTAL):
            fut = client.request("ticket.issue", {"services": ["A"]}, req=f"r{i}", send_deadline_s=120)
            fut.add_done_callback(lambda _f: done.release())
            futures.append(fut)
            if i == KILL_AFTER:
                for _ in range(KILL_AFTER // 2):
                    assert done.acquire(timeout=30)
                # some of the log is at central, some not yet: kill the hub now
                hp.kill9()
                hp.start()
        tickets = {f.result(90)["ticket"]["id"] for f in futures}
        assert len(tickets) == TOTAL
        client.stop()

        def all_there() -> bool:
            seqs = _hub_events(data)
            with psycopg.connect(pg_url, autocommit=True) as conn:
                got = [r[0] for r in conn.execute("SELECT seq FROM events WHERE site = 'north' ORDER BY seq")]
            return bool(seqs) and got == seqs
        wait_for(pg_url, all_there, timeout=60, what="the whole log at central")
        with psycopg.connect(pg_url, autocommit=True) as conn:
            (issued,) = conn.execute("SELECT count(*) FROM tickets WHERE site = 'north'").fetchone()
            (day_total,) = conn.execute("SELECT sum(issued) FROM site_day WHERE site = 'north'").fetchone()
        assert issued == day_total == TOTAL
        status = json.loads(sorra("hub", "central", "status", "--data", str(data)).stdout)
        wait_for(pg_url, lambda: json.loads(sorra("hub", "central", "status", "--data", str(data)).stdout)["backlog"] == 0,
                 what="no backlog")
        assert status["joined"] and status["site"] == "north"
    finally:
        hp.stop()
        central.stop()
