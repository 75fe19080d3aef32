"""Exactly once across ``kill -9``: a real ``sorra hub run`` process is killed while messages wait
for an SMTP server that is down, and again after they are sent. Every booking acknowledged before a
kill gets its confirmation once: none lost, none repeated."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.app import ADMIN_USER, DB_NAME, load_secrets
from hub.broker.cli import admin_login
from hub.notify import outbox
from hub.store.store import open_db
from sorra.bus import BusClient, BusSettings
from tests.broker_fixture import free_port
from tests.hub.test_faults import HubProcess, _cli
from tests.hub_fixture import later_today
from tests.notify.servers import SmtpSink

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning")]


@pytest.fixture
def hub_process(tmp_path: Path) -> Iterator[HubProcess]:
    data = tmp_path / "hub"
    _cli("service", "add", "A", "--name", "Okmányügyek", "--name-en", "Documents", "--prefix", "A", data=data)
    hp = HubProcess(data, free_port())
    yield hp
    hp.stop()


def _admin(hp: HubProcess) -> tuple[BusClient, threading.Event]:
    secrets = load_secrets(hp.data)
    client = BusClient(BusSettings(host="127.0.0.1", port=hp.port, username=admin_login(),
                                   password=secrets["admin_password"], site="office", device=ADMIN_USER,
                                   role="admin", client_id="notify-crash-test"))
    online = threading.Event()

    def on_status(suffix: str, payload: dict | None) -> None:
        if suffix == "device/hub/status" and payload and payload.get("online"):
            online.set()
    client.subscribe_status(on_status)
    return client, online


def _book(client: BusClient, i: int) -> str:
    code = f"KQ{i:04d}"
    at = later_today(time.time(), 4 * 3600 + 60 * i)
    client.call("admin.appointment_book", {"code": code, "service": "A", "at": at, "name": f"Ügyfél {i}",
                                           "contact": f"ugyfel{i}@example.hu", "lang": "hu"}, timeout=30)
    return code


def test_kill_9_neither_loses_nor_repeats_a_message(hub_process: HubProcess) -> None:
    hp = hub_process
    smtp_port = free_port()
    assert _cli("notify", "email", "--smtp-host", "127.0.0.1", "--smtp-port", str(smtp_port),
                "--from", "iroda@example.hu", data=hp.data).returncode == 0
    db = open_db(hp.data / DB_NAME)
    outbox.put_setting(db.conn, "retry_base_s", 1)  # retry within a second instead of 15 s
    db.close()

    hp.start()  # the SMTP server is down: messages wait in the outbox
    client, online = _admin(hp)
    client.start()
    smtp = SmtpSink(smtp_port)
    try:
        assert client.wait_connected(30) and online.wait(30)
        codes = [_book(client, i) for i in range(3)]  # acknowledged: committed with their messages
        hp.kill9()

        smtp.start()
        online.clear()
        hp.start()
        assert online.wait(30)
        got = smtp.wait_for(3, timeout=60)
        assert sorted(m["To"] for m in got) == [f"ugyfel{i}@example.hu" for i in range(3)]
        assert all(smtp.count(f"Kód: {code}") == 1 for code in codes)

        # The sender marks a message sent right after the server took it, then takes the next: once
        # the fourth has arrived, the first three are marked. A kill now is a kill "after sending".
        codes.append(_book(client, 3))
        assert smtp.wait_for_text(f"Kód: {codes[3]}", timeout=60)
        hp.kill9()
        online.clear()
        hp.start()
        assert online.wait(30)
        codes.append(_book(client, 4))
        assert smtp.wait_for_text(f"Kód: {codes[4]}", timeout=60)
        # the restarted sender has gone through the outbox: nothing marked sent came again
        assert [smtp.count(f"Kód: {c}") for c in codes[:3]] == [1, 1, 1]
        # the fourth was marked in the milliseconds before the kill or is sent once more with
        # the same Message-ID (the one window docs/notifications.md names)
        assert 1 <= smtp.count(f"Kód: {codes[3]}") <= 2
        ids = {m["Message-ID"] for m in smtp.messages}
        assert len(ids) == 5
    finally:
        client.stop()
        hp.stop()
        smtp.stop()
    conn = sqlite3.connect(hp.data / DB_NAME)
    rows = conn.execute("SELECT ref, state, attempts FROM notify_outbox ORDER BY id").fetchall()
    conn.close()
    assert [r[0] for r in rows] == codes and all(r[1] == "sent" for r in rows)
    assert all(r[2] >= 1 for r in rows)
