"""pytest-qt: following a ticket by SMS from the kiosk's ticket screen, against a real hub (SQLite,
Mosquitto) whose SMS channel is a modem emulator on a pseudo-terminal."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hub.app import DB_NAME
from hub.notify import outbox
from hub.notify.modem_emulator import ModemEmulator
from hub.store.store import open_db
from kiosk.following import pretty_phone
from kiosk.model import Problem, Screen
from tests.kiosk.test_kiosk_ui import UI, WAIT_MS, choose_passport


def _configure(hub, key: str, value: object) -> None:
    db = open_db(hub.data_dir / DB_NAME)
    try:
        outbox.put_setting(db.conn, key, value)
    finally:
        db.conn.close()


@pytest.fixture
def ui(hub, qtbot) -> Iterator[UI]:
    from tests.kiosk.conftest import add_services

    add_services(hub)
    hub.admin.add_counter(1, "Ablak 1")
    with UI.started(hub, qtbot) as u:
        yield u


@pytest.fixture
def modem() -> Iterator[ModemEmulator]:
    m = ModemEmulator(pin="1234").start()
    yield m
    m.stop()


def _ticket_then_follow(ui: UI) -> None:
    choose_passport(ui)
    ui.tap(ui.button("confirm"))
    ui.wait_screen(Screen.TICKET)
    ui.wait_printed()
    ui.tap(ui.button("followStart"))
    ui.wait_screen(Screen.FOLLOW)


def _type(ui: UI, number: str) -> None:
    keys = {b.text(): b for b in ui.current().key_buttons}
    for ch in number:
        ui.tap(keys[ch])


def test_citizen_types_a_06_number_and_gets_almost_your_turn(ui: UI, modem: ModemEmulator) -> None:
    _configure(ui.hub, "sms", {"modem": modem.device, "pin": "1234", "baud": 115200})
    _ticket_then_follow(ui)
    screen = ui.current()
    assert screen.title.text() == "Kérek SMS-t, ha közeledik a sorom"
    assert not screen.submit.isEnabled()
    _type(ui, "0630123456")
    ui.tap(screen.backspace)
    _type(ui, "67")
    assert screen.phone.text() == "06 30 123 4567"
    ui.tap(screen.submit)
    ui.qtbot.waitUntil(lambda: ui.state.follow is not None and ui.state.follow.done, timeout=WAIT_MS)
    ui.wait_screen(Screen.TICKET)
    ticket = ui.current()
    assert ticket.following.isVisible() and "SMS-t küldünk" in ticket.following.text()
    assert not ticket.follow.isVisible()  # once is enough
    (t,) = ui.hub_tickets()
    with ui.hub.hub.store.lock:
        row = ui.hub.hub.store.db.execute("SELECT contact, channel FROM notify_follow WHERE ticket = ?",
                                          [t.id]).fetchone()
        kinds = [r[0] for r in ui.hub.hub.store.db.execute("SELECT kind FROM notify_outbox WHERE ref = ?",
                                                           [t.id])]
    assert tuple(row) == ("+36301234567", "sms")
    assert kinds == ["ahead"]  # nobody ahead: "almost your turn" at once
    (sms,) = modem.wait_for(1)
    assert sms.number == "+36301234567" and t.number in sms.text


def test_a_wrong_number_is_explained_and_nothing_is_sent(ui: UI, modem: ModemEmulator) -> None:
    _configure(ui.hub, "sms", {"modem": modem.device, "pin": "1234", "baud": 115200})
    _ticket_then_follow(ui)
    screen = ui.current()
    _type(ui, "06123456789")
    ui.tap(screen.submit)
    assert ui.state.problem is Problem.BAD_NUMBER
    assert screen.banner.isVisible() and screen.banner.text().startswith("Ez nem magyar mobilszám.")
    _type(ui, "+")  # a plus only comes first
    assert ui.state.follow.phone == "06123456789"
    ui.tap(ui.button("followBack"))
    ui.wait_screen(Screen.TICKET)
    with ui.hub.hub.store.lock:
        assert ui.hub.hub.store.db.execute("SELECT COUNT(*) FROM notify_follow").fetchone()[0] == 0


def test_office_without_sms_refuses_clearly(ui: UI) -> None:
    _ticket_then_follow(ui)
    ui.tap(ui.button("lang_en"))
    _type(ui, "+36201234567")
    assert ui.current().phone.text() == "+36 20 123 4567" == pretty_phone("+36201234567")
    ui.tap(ui.current().submit)
    ui.qtbot.waitUntil(lambda: ui.state.problem is Problem.UNAVAILABLE, timeout=WAIT_MS)
    banner = ui.current().banner
    assert banner.isVisible() and banner.text().startswith("Sorry, this office does not send text messages.")
    assert ui.state.screen is Screen.FOLLOW and not ui.state.follow.sending
