"""End to end on a real hub (web, SQLite, Mosquitto): bookings and followed tickets produce
e-mails (to a real SMTP server) and SMS (to a modem emulator on a pty), configured with the CLI
while the hub runs; the delivery log says what happened."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hub.notify import outbox
from hub.notify.modem_emulator import ModemEmulator
from hub.store import connect
from tests.hub_fixture import TestHub, later_today
from tests.notify.servers import SmtpSink
from tests.web.conftest import Client, setup_office

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def notify_cli(data: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sorra.cli", "hub", "notify", *args, "--data", str(data)],
                          capture_output=True, text=True, timeout=120, input=stdin)


class Office:
    def __init__(self, hub: TestHub, smtp: SmtpSink, modem: ModemEmulator) -> None:
        self.hub, self.smtp, self.modem = hub, smtp, modem


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Office]:
    smtp = SmtpSink().start()
    modem = ModemEmulator(pin="1234").start()
    hub = TestHub(tmp_path_factory.mktemp("notify") / "hub", web=True).start()
    try:
        setup_office(hub)
        data = hub.data_dir
        assert notify_cli(data, "email", "--smtp-host", "127.0.0.1", "--smtp-port", str(smtp.port),
                          "--from", "iroda@example.hu").returncode == 0
        assert notify_cli(data, "sms", "--modem", modem.device, "--pin", "1234").returncode == 0
        assert notify_cli(data, "next", "--ahead", "1").returncode == 0
        yield Office(hub, smtp, modem)
    finally:
        hub.close_clients()
        hub.stop()
        modem.stop()
        smtp.stop()


@pytest.fixture
def manager(office: Office) -> Iterator[Client]:
    c = Client(office.hub)
    c.login("manager")
    yield c
    c.close()


def log_rows(data: Path) -> list[dict[str, Any]]:
    out = notify_cli(data, "log")
    assert out.returncode == 0, out.stderr
    return [json.loads(line) for line in out.stdout.splitlines()]


def test_staff_booking_is_confirmed_moved_and_cancelled_by_email(office: Office, manager: Client) -> None:
    at = later_today(time.time(), 3 * 3600)
    before = len(office.smtp.messages)
    r = manager.post("/api/v1/appointments", json={"service": "A", "at": at, "name": "Kiss Éva",
                                                   "contact": "eva@example.hu", "lang": "en", "any_time": True})
    assert r.status_code == 201, r.text
    code = r.json()["code"]
    msg = office.smtp.wait_for(before + 1)[-1]
    assert msg["To"] == "eva@example.hu" and "Identity card" in msg["Subject"]
    body = msg.get_content()
    assert code in body and "Test Government Window" in body and "Old card" in body
    assert f"/book/manage/{code}?sig={r.json()['sig']}" in body
    office.hub.hub.worker.call("admin.appointment_move", {"code": code, "at": at + 900})
    moved = office.smtp.wait_for(before + 2)[-1]
    assert "moved" in moved["Subject"] and code in moved.get_content()
    assert manager.delete(f"/api/v1/appointments/{code}").status_code == 200
    cancelled = office.smtp.wait_for(before + 3)[-1]
    assert "cancelled" in cancelled["Subject"] and code in cancelled.get_content()
    rows = [r for r in log_rows(office.hub.data_dir) if r["ref"] == code]
    assert [(r["kind"], r["channel"], r["to"], r["state"], r["attempts"]) for r in rows] == [
        ("booked", "email", "eva@example.hu", "sent", 1), ("moved", "email", "eva@example.hu", "sent", 1),
        ("cancelled", "email", "eva@example.hu", "sent", 1)]
    assert set(rows[0]) >= {"id", "channel", "to", "kind", "state", "attempts"}


def test_public_booking_with_a_06_number_gets_a_hungarian_sms(office: Office) -> None:
    c = Client(office.hub)
    try:
        days = c.get("/api/v1/public/booking/services/A/days").json()
        day = next(d["day"] for d in days if d["free"])
        slot = next(s for s in c.get(f"/api/v1/public/booking/services/A/slots?day={day}").json() if s["free"])
        before = len(office.modem.messages)
        r = c.post("/api/v1/public/booking", json={"service": "A", "at": slot["at"], "name": "Nagy Ödön",
                                                   "contact": "06 30 123 4567", "lang": "hu"})
        assert r.status_code == 201, r.text
        sms = office.modem.wait_for(before + 1)[-1]
    finally:
        c.close()
    assert sms.number == "+36301234567"
    assert sms.text.startswith("Próba Kormányablak: időpont ") and f"Kód: {r.json()['code']}" in sms.text
    assert "Személyi igazolvány" in sms.text and sms.parts <= 3


def test_following_a_ticket_sends_almost_your_turn_once_and_the_call(office: Office) -> None:
    hub = office.hub
    kiosk = hub.client("kiosk-n", "kiosk")
    tickets = [kiosk.call("ticket.issue", {"services": ["B"], "lang": "en"})["ticket"] for _ in range(3)]
    c = Client(hub)
    try:
        r = c.post(f"/api/v1/public/tickets/{tickets[2]['token']}/notify", json={"phone": "+36 20 555 0101"})
        assert r.status_code == 200, r.text
        assert r.json()["channel"] == "sms"
        bad = c.post(f"/api/v1/public/tickets/{tickets[2]['token']}/notify", json={"phone": "hello"})
        assert bad.status_code == 400 and bad.json()["error"]["code"] == "bad_args"
        assert c.post("/api/v1/public/tickets/nope/notify", json={"email": "a@example.hu"}).status_code == 404
        assert c.post(f"/api/v1/public/tickets/{tickets[0]['token']}/notify",
                      json={"email": "a@example.hu", "phone": "+36201234567"}).status_code == 400
    finally:
        c.close()
    before = len(office.modem.messages)
    a = hub.admin
    a.counter(2, "clerk.login", {"clerk": "bela", "pin": "1234"})
    a.counter(2, "counter.call_next")  # one ahead now: "almost your turn"
    ahead = office.modem.wait_for(before + 1)[-1]
    assert ahead.number == "+36205550101" and "almost your turn" in ahead.text and tickets[2]["number"] in ahead.text
    a.counter(2, "counter.finish")
    a.counter(2, "counter.call_next")  # none ahead: no second "almost"
    a.counter(2, "counter.finish")
    called = a.counter(2, "counter.call_next")["ticket"]
    assert called["number"] == tickets[2]["number"]
    got = office.modem.wait_for(before + 2)
    assert "please go to Ablak 2" in got[-1].text  # the counter as it is named everywhere
    a.counter(2, "counter.recall")
    assert hub.hub.notify_sender.wait_passes(2)
    assert len(office.modem.messages) == before + 2  # a recall does not repeat it
    a.counter(2, "counter.finish")
    a.counter(2, "clerk.logout")
    kinds = [(r["kind"], r["state"]) for r in log_rows(hub.data_dir) if r["ref"] == tickets[2]["id"]]
    assert kinds == [("ahead", "sent"), ("called", "sent")]


def test_ticket_page_offers_following_and_says_what_happens_to_the_number(office: Office) -> None:
    kiosk = office.hub.client("kiosk-p", "kiosk")
    t = kiosk.call("ticket.issue", {"services": ["B"], "lang": "hu"})["ticket"]
    c = Client(office.hub)
    try:
        page = c.get(f"/t/{t['token']}?lang=hu").text
        assert "Küldjenek SMS-t vagy e-mailt, ha közeledik a sorom" in page and "nap múlva töröljük" in page
        csrf = c.form_csrf(f"/t/{t['token']}")
        r = c.post(f"/t/{t['token']}/notify", data={"csrf": csrf, "contact": "ugyfel@example.hu"},
                   follow_redirects=True)
        assert r.status_code == 200 and "Üzenetet küldünk, amikor közeledik a sora" in r.text
    finally:
        c.close()
    with office.hub.hub.store.lock:
        row = office.hub.hub.store.db.execute("SELECT contact, channel FROM notify_follow WHERE ticket = ?",
                                              [t["id"]]).fetchone()
    assert tuple(row) == ("ugyfel@example.hu", "email")


def test_cli_test_message_goes_through_the_running_hub(office: Office) -> None:
    before = len(office.smtp.messages)
    out = notify_cli(office.hub.data_dir, "test", "--email", "proba@example.hu", "--lang", "en")
    assert out.returncode == 0 and "sent to proba@example.hu by email" in out.stdout, out.stderr
    msg = office.smtp.wait_for(before + 1)[-1]
    assert msg["Subject"] == "Sorra test message" and "Test Government Window" in msg.get_content()
    row = log_rows(office.hub.data_dir)[-1]
    assert (row["kind"], row["to"], row["state"], row["attempts"]) == ("test", "proba@example.hu", "sent", 1)


def test_manager_sees_the_log_and_edits_a_text_with_a_preview(office: Office, manager: Client) -> None:
    page = manager.get("/admin/notify?lang=hu").text
    assert "Kézbesítési napló" in page and "eva@example.hu" in page
    csrf = manager.form_csrf("/admin/notify/texts?kind=booked&text_lang=en")
    r = manager.post("/admin/notify/texts", data={"csrf": csrf, "kind": "booked", "text_lang": "en",
                                                 "subject": "Booked {code}", "body": "See you {date} {time}",
                                                 "sms": "Booked {code} at {office}", "action": "save"},
                     follow_redirects=True)
    assert r.status_code == 200 and "Booked K7M3QD at Document office" in r.text  # the preview
    before = len(office.smtp.messages)
    at = later_today(time.time(), 4 * 3600)
    code = manager.post("/api/v1/appointments", json={"service": "B", "at": at, "name": "X", "any_time": True,
                                                      "contact": "x@example.hu", "lang": "en"}).json()["code"]
    assert office.smtp.wait_for(before + 1)[-1]["Subject"] == f"Booked {code}"
    csrf = manager.form_csrf("/admin/notify/texts?kind=booked&text_lang=en")
    manager.post("/admin/notify/texts", data={"csrf": csrf, "kind": "booked", "text_lang": "en", "action": "reset"})
    assert "Appointment booked: {service}" in manager.get("/admin/notify/texts?kind=booked&text_lang=en").text
    api = manager.get("/api/v1/notify/log?state=sent").json()
    assert api and all(r["state"] == "sent" for r in api)


def _passes_until(hub: TestHub, check: Any, limit: int = 60) -> bool:
    """Let the sender make passes (each a real event) until ``check()`` holds."""
    for _ in range(limit):
        if check():
            return True
        assert hub.hub.notify_sender.wait_passes(1)
    return check()


def test_a_channel_that_keeps_failing_raises_a_translated_alert_and_recovers(office: Office,
                                                                             manager: Client) -> None:
    hub, modem = office.hub, office.modem
    conn = connect(hub.data_dir / "sorra.db")  # the CLI's way: a connection of its own
    outbox.put_setting(conn, "retry_base_s", 1)
    modem.registered = False  # no network: every try fails
    try:
        before = len(modem.messages)
        at = later_today(time.time(), 5 * 3600)
        code = manager.post("/api/v1/appointments", json={"service": "A", "at": at, "name": "Y", "any_time": True,
                                                          "contact": "+36301119999"}).json()["code"]

        def alerted() -> bool:
            return any(a["code"] == "notify.sms" for a in hub.hub.alerts.snapshot()["alerts"])
        assert _passes_until(hub, alerted)
        dash = manager.get("/dashboard?lang=hu").text
        assert "Az SMS-ek küldése ismételten nem sikerül" in dash
        row = next(r for r in log_rows(hub.data_dir) if r["ref"] == code)
        assert row["state"] == "queued" and row["attempts"] >= 3 and "not registered" in row["error"]
    finally:
        modem.registered = True
    assert modem.wait_for(before + 1)[-1].number == "+36301119999"  # the retry goes through
    assert _passes_until(hub, lambda: not alerted())
    outbox.put_setting(conn, "retry_base_s", 15)
    conn.close()
