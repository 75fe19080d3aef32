"""A family on one ticket: "how many of you" on the review screen (real Qt widgets, the real hub)."""

from __future__ import annotations

import pytest

from kiosk.model import MAX_PEOPLE, Screen
from tests.kiosk.test_kiosk_ui import UI, add_services, choose_passport


@pytest.fixture
def ui(hub, qtbot):
    add_services(hub)
    with UI.started(hub, qtbot) as u:
        yield u


def test_a_family_says_how_many_they_are_with_large_buttons(ui):
    choose_passport(ui)
    less, more = ui.button("peopleLess"), ui.button("peopleMore")
    assert ui.state.people == 1 and not less.isEnabled()
    assert more.height() >= ui.window.m.touch  # a finger's size
    for _ in range(MAX_PEOPLE + 2):
        ui.tap(more)
    assert ui.state.people == MAX_PEOPLE and not more.isEnabled()
    ui.tap(less)
    assert ui.state.people == MAX_PEOPLE - 1
    ui.tap(ui.button("confirm"))
    ui.wait_screen(Screen.TICKET)
    ui.wait_printed()
    (t,) = ui.hub_tickets()
    assert t.people == MAX_PEOPLE - 1
    ui.tap(ui.button("done"))
    ui.wait_screen(Screen.START)
    assert ui.state.people == 1  # the next citizen starts again


def test_a_ticket_from_the_front_desk_is_printed_here_once(rig):
    ticket = rig.hub.admin.call("admin.ticket_issue", {"services": ["passport", "passport"], "people": 2,
                                                       "note": "A pultnál kérte", "channel": "reception"})["ticket"]
    bus = rig.hub.hub.bus
    request = {"id": "desk-1", "ticket": ticket, "at": 0.0}
    bus.publish_print(rig.device_id, request)
    bus.publish_print(rig.device_id, request)  # delivered twice: printed once
    bus.publish_print(rig.device_id, {**request, "id": "desk-2"})  # asked again: printed again
    rig.pump.until(lambda: len(rig.ctl.desk_prints.printed) == 2, "the front desk's tickets to print")
    jobs = rig.jobs()
    assert len(jobs) == 2 and ticket["number"] in jobs[0].lines
    assert rig.state.screen is Screen.START  # the citizen's screen is not disturbed
