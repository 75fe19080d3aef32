"""pytest-qt: checking in a ticket taken from afar at the kiosk (keypad and scanner), against a real hub."""

from __future__ import annotations

import pytest
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QApplication

from kiosk.model import Problem, Screen
from kiosk.views import InputFilter
from tests.kiosk.escpos_decode import decode
from tests.kiosk.test_kiosk_ui import UI, WAIT_MS


@pytest.fixture
def ui(hub, qtbot):
    from tests.kiosk.conftest import add_services

    add_services(hub)
    hub.admin.call("admin.service_upsert", {"id": "idcard", "remote": True})
    hub.admin.add_counter(1, "Ablak 1")
    with UI.started(hub, qtbot) as u:
        yield u


def _join(ui: UI, phone: str) -> dict:
    return ui.hub.admin.call("admin.remote_join", {"service": "idcard", "contact": phone, "origin": "o1",
                                                   "lang": "hu"})


def _type(ui: UI, code: str) -> None:
    keys = {b.text(): b for b in ui.current().key_buttons}
    for ch in code:
        ui.tap(keys[ch])


def test_passed_over_ticket_checks_in_by_keypad_and_is_called_first(ui):
    joined = _join(ui, "+36301111111")
    code = joined["code"]
    walk_in = ui.hub.admin.call("admin.ticket_issue", {"services": ["idcard"]})["ticket"]
    ui.hub.admin.counter(1, "counter.resume")
    assert ui.hub.admin.counter(1, "counter.call_next")["ticket"]["id"] == walk_in["id"]  # passed over

    ui.tap(ui.button("checkIn"))
    ui.wait_screen(Screen.CHECK_IN)
    _type(ui, code)
    assert ui.current().code.text() == code
    ui.tap(ui.button("submitCode"))
    ui.wait_screen(Screen.TICKET)
    ui.wait_printed()
    screen = ui.current()
    assert ui.state.ticket.number == joined["ticket"]["number"] and ui.state.ticket.front
    assert screen.your.text() == "Bejelentkezett! Az Ön sorszáma"
    assert "elsőként hívjuk" in screen.extra.text()
    assert any(joined["ticket"]["number"] in line for line in decode(ui.app.device.printer.jobs[0]).lines)
    assert ui.hub.admin.counter(1, "counter.call_next")["ticket"]["id"] == joined["ticket"]["id"]

    # the same code again: told on the code screen, in English after switching
    ui.tap(ui.button("done"))
    ui.wait_screen(Screen.START)
    ui.ctl.set_lang("en")
    ui.tap(ui.button("checkIn"))
    ui.wait_screen(Screen.CHECK_IN)
    _type(ui, code)
    ui.tap(ui.button("submitCode"))
    ui.qtbot.waitUntil(lambda: ui.state.problem is Problem.ALREADY_CHECKED_IN, timeout=WAIT_MS)
    ui.wait_screen(Screen.CHECK_IN)
    assert ui.current().banner.text() == "This ticket has already been checked in. Please wait to be called."


def test_scanner_reads_the_status_page_qr_and_checks_in(ui):
    joined = _join(ui, "+36302222222")
    keys_filter = InputFilter(ui.ctl.touch, ui.ctl.scanned)
    QApplication.instance().installEventFilter(keys_filter)
    try:
        ui.qtbot.keyClicks(ui.window, f"http://hub/t/{joined['ticket']['token']}?code={joined['code']}")
        ui.qtbot.keyClick(ui.window, Qt.Key.Key_Return)
    finally:
        QApplication.instance().removeEventFilter(keys_filter)
    ui.wait_screen(Screen.TICKET)
    assert ui.state.ticket.checked_in and not ui.state.ticket.front  # nobody passed it: it keeps its place
    state = ui.hub.hub.worker.run_in_worker(lambda e: e.state.tickets[joined["ticket"]["id"]].state)
    assert state == "waiting"


def test_unknown_and_cancelled_codes_are_explained(ui):
    ui.tap(ui.button("checkIn"))
    ui.wait_screen(Screen.CHECK_IN)
    _type(ui, "000001")
    ui.tap(ui.button("submitCode"))
    ui.qtbot.waitUntil(lambda: ui.state.problem is Problem.NOT_FOUND, timeout=WAIT_MS)
    assert "távolról vett sorszámot" in ui.current().banner.text()
    joined = _join(ui, "+36303333333")
    ui.hub.admin.call("admin.ticket_cancel", {"ticket": joined["ticket"]["id"]})
    for _ in range(6):
        ui.tap(ui.button("backspace"))
    _type(ui, joined["code"])
    ui.tap(ui.button("submitCode"))
    ui.qtbot.waitUntil(lambda: ui.state.problem is Problem.CANCELLED, timeout=WAIT_MS)
    assert ui.current().banner.text() == "Ezt a sorszámot visszavonták. Kérjük, vegyen új sorszámot."
