"""pytest-qt: booking an appointment at the kiosk against a real hub (SQLite, Mosquitto): the
choices come from the hub's booking rules, the appointment is booked once, the confirmation is
printed (decoded ESC/POS) and the code checks in on the day."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PyQt6.QtWidgets import QPushButton

from hub.app import DB_NAME
from hub.store.store import open_db
from hub.web import kv
from kiosk.model import BookStep, PrintState, Problem, Screen
from kiosk.scanner import parse_scanned_code
from tests.kiosk.escpos_decode import decode
from tests.kiosk.test_kiosk_ui import UI, WAIT_MS


def _rules(hub, **rules: object) -> None:
    db = open_db(hub.data_dir / DB_NAME)
    try:
        kv.set_booking(db.conn, rules)
    finally:
        db.conn.close()


@pytest.fixture
def ui(hub, qtbot) -> Iterator[UI]:
    from tests.kiosk.conftest import add_services

    add_services(hub)
    _rules(hub, services=["passport", "idcard"], days_ahead=14, min_lead_min=60)
    with UI.started(hub, qtbot) as u:
        yield u


def _step(ui: UI, step: BookStep) -> None:
    ui.qtbot.waitUntil(lambda: ui.state.booking is not None and ui.state.booking.step is step
                       and not ui.state.booking.loading, timeout=WAIT_MS)


def _choices(ui: UI) -> list[QPushButton]:
    return [b for b in ui.current().choice_buttons if b.isVisible()]


def _to_confirm(ui: UI) -> None:
    ui.tap(ui.button("bookStart"))
    ui.wait_screen(Screen.BOOKING)
    _step(ui, BookStep.SERVICE)
    assert [b.text() for b in _choices(ui)] == ["Személyi igazolvány", "Útlevél"]  # tax is not for booking
    ui.tap(_choices(ui)[1])
    _step(ui, BookStep.DAY)
    days = _choices(ui)
    assert days and all(b.isEnabled() for b in days)
    ui.tap(days[0])
    _step(ui, BookStep.SLOT)
    ui.tap(_choices(ui)[0])
    _step(ui, BookStep.CONFIRM)


def test_book_a_slot_and_take_the_printed_confirmation(ui: UI) -> None:
    _to_confirm(ui)
    b = ui.state.booking
    assert ui.current().c_service.text() == "Útlevél" and b.slot.name in ui.current().c_when.text()
    ui.tap(ui.button("bookConfirm"))
    _step(ui, BookStep.DONE)
    ui.qtbot.waitUntil(lambda: ui.state.booking.print_state is PrintState.PRINTED, timeout=WAIT_MS)
    done = ui.state.booking
    screen = ui.current()
    assert screen.d_code.text() == done.code and screen.qr.data == done.manage_url
    assert screen.banner.text() == "Kérjük, vegye el a visszaigazolást lent."
    (appt,) = ui.hub.hub.engine.state.appointments.values()
    assert (appt.code, appt.service, appt.at, appt.channel) == (done.code, "passport", float(b.slot.id), "kiosk")
    (job,) = [decode(j) for j in ui.app.device.printer.jobs]
    assert "Időpontfoglalás" in job.lines and done.code in job.lines and "Útlevél" in job.lines
    assert job.of("qr_data") == [done.manage_url] and "/book/manage/" + done.code in done.manage_url
    assert any(b.slot.name in line and "Időpont:" in line for line in job.lines)
    assert parse_scanned_code(done.manage_url) == done.code  # on the day, the slip's QR code checks in
    ui.tap(ui.button("bookDone"))
    ui.wait_screen(Screen.START)
    assert ui.state.booking is None


def test_a_slot_taken_meanwhile_goes_back_to_fresh_times(ui: UI) -> None:
    _to_confirm(ui)
    slot = ui.state.booking.slot
    ui.hub.admin.call("admin.booking_book", {"service": "passport", "at": float(slot.id), "name": "Web"})
    ui.tap(ui.button("bookConfirm"))
    _step(ui, BookStep.SLOT)
    assert ui.state.problem is Problem.CONFLICT
    assert ui.current().banner.text() == "Ezt az időpontot épp most foglalták le. Kérjük, válasszon másikat."
    assert slot.id not in [s.id for s in ui.state.booking.slots if s.free]  # the fresh list
    assert len(ui.hub.hub.engine.state.appointments) == 1


def test_booking_switched_off_is_explained(ui: UI) -> None:
    _rules(ui.hub, enabled=False)
    ui.tap(ui.button("lang_en"))
    ui.tap(ui.button("bookStart"))
    ui.qtbot.waitUntil(lambda: ui.state.problem is Problem.UNAVAILABLE, timeout=WAIT_MS)
    assert ui.current().banner.text().startswith("Booking is not offered at this kiosk.")
    ui.tap(ui.button("bookBack"))
    ui.wait_screen(Screen.START)
