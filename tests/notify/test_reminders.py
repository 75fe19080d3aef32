"""Reminders and erasing contacts, on a real hub whose clock the test moves: a reminder comes once
when its time does; never for a cancelled appointment or one booked inside the window; contacts are
erased from the outbox, the appointment and the event log when their time is up."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.notify import outbox
from tests.hub_fixture import TestHub
from tests.notify.servers import SmtpSink
from tests.notify.test_delivery import notify_cli

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    s = SmtpSink().start()
    yield s
    s.stop()


def _book(hub: TestHub, code: str, at: float, contact: str, lang: str = "hu") -> None:
    hub.hub.worker.call("admin.appointment_book", {"code": code, "service": "A", "at": at, "name": code,
                                                   "contact": contact, "lang": lang})


def _reminders(smtp: SmtpSink) -> list[str]:
    return sorted(m["To"] for m in smtp.messages if m["Subject"].startswith(("Emlékeztető", "Reminder")))


def test_reminders_come_once_when_due_and_contacts_are_erased(tmp_path: Path, smtp: SmtpSink) -> None:
    clock = Clock()
    hub = TestHub(tmp_path / "hub", clock=clock).start()
    try:
        hub.admin.add_service("A", {"hu": "Útlevél", "en": "Passport"}, "A")
        data = hub.data_dir
        assert notify_cli(data, "email", "--smtp-host", "127.0.0.1", "--smtp-port", str(smtp.port),
                          "--from", "iroda@example.hu").returncode == 0
        out = notify_cli(data, "reminders", "--before", "90m")
        assert out.returncode == 0, out.stderr
        assert notify_cli(data, "reminders", "--before", "soon").returncode == 2
        t0 = clock.now
        _book(hub, "AAAAAA", t0 + 3 * 3600, "a@example.hu")               # reminded at t0 + 1.5 h
        _book(hub, "BBBBBB", t0 + 3600, "b@example.hu")                   # booked inside the window
        _book(hub, "CCCCCC", t0 + 3 * 3600, "c@example.hu")               # cancelled before its reminder
        _book(hub, "DDDDDD", t0 + 3 * 3600 + 1800, "+36301112222")         # no SMS channel: nothing queued
        _book(hub, "EEEEEE", t0 + 4 * 3600, "e@example.hu", lang="en")    # reminded at t0 + 2.5 h
        hub.hub.worker.call("admin.appointment_cancel", {"code": "CCCCCC"})
        hub.admin.add_service("R", {"hu": "Adó", "en": "Tax"}, "R", remote=True)
        hub.admin.call("admin.remote_join", {"service": "R", "contact": "r@example.hu", "origin": "o1", "lang": "hu"})
        assert len(smtp.wait_for(6)) == 6  # four confirmations, one cancellation, one remote ticket's code
        smtp.messages[:] = [m for m in smtp.messages if m["To"] != "r@example.hu"]
        sender = hub.hub.notify_sender

        clock.now = t0 + 1.5 * 3600 + 1
        assert smtp.wait_for(6)
        assert sender.wait_passes(2)
        assert _reminders(smtp) == ["a@example.hu"]

        clock.now = t0 + 2.5 * 3600 + 1
        assert smtp.wait_for(7)
        assert sender.wait_passes(2)
        clock.now = t0 + 2.9 * 3600
        assert sender.wait_passes(2)
        assert _reminders(smtp) == ["a@example.hu", "e@example.hu"]
        reminder_en = next(m for m in smtp.messages if m["To"] == "e@example.hu" and "Reminder" in m["Subject"])
        assert "Passport" in reminder_en["Subject"]

        # privacy: one day after the appointments, every contact is gone
        assert notify_cli(data, "privacy", "--erase-after-days", "1").returncode == 0
        clock.now = t0 + 4 * 3600 + 86400 + 60
        assert sender.wait_passes(2)
        assert sender.wait_passes(1)
        db = hub.hub.store.db
        with hub.hub.store.lock:
            assert db.execute("SELECT count(*) FROM notify_outbox WHERE to_addr != ''").fetchone()[0] == 0
            left = [json.loads(d)["contact"] for (d,) in db.execute(
                "SELECT data FROM entities WHERE kind = 'appointment'")]
            logged = [json.loads(d)["appointment"]["contact"] for (d,) in db.execute(
                "SELECT data FROM events WHERE type = 'appointment.booked'")]
            remote = [json.loads(d)["contact"] for (d,) in db.execute(
                "SELECT data FROM tickets WHERE json_extract(data, '$.channel') = 'remote'")]
            issued = [json.loads(d)["ticket"]["contact"] for (d,) in db.execute(
                "SELECT data FROM events WHERE type = 'ticket.issued'")]
        assert left == [""] * 5 and logged == [""] * 5
        assert remote == [""] and issued == [""]  # the remote ticket's contact too
        assert all(a.contact == "" for a in hub.hub.engine.state.appointments.values())
        assert outbox.settings(db.conn)["erase_days"] == 1
    finally:
        hub.stop()
