"""The kiosk's flow without Qt: a real hub over a real broker, the dummy printer."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from kiosk.model import PrintState, Problem, Screen
from kiosk.printing import PrinterState
from sorra.config.kiosk import KioskSection
from tests.hub_fixture import later_today
from tests.kiosk.conftest import SERVICES, Observer, add_services, make_rig

S = PrinterState


GROUP = {s["id"]: s["group"] for s in SERVICES}


def choose(rig, *ids: str) -> None:
    """Start → groups → service (→ add another → …) → the summary screen."""
    ctl = rig.ctl
    ctl.get_ticket()
    for i, sid in enumerate(ids):
        if i:
            ctl.add_another()
        ctl.open_group(GROUP[sid])
        ctl.choose_service(sid)
    assert ctl.state.screen is Screen.REVIEW


def wait_printed(rig) -> None:
    rig.pump.until(
        lambda: rig.state.ticket is not None and rig.state.ticket.print_state is not PrintState.PRINTING,
        "the print job to finish",
    )


def test_catalogue_follows_the_hub(rig):
    ctl = rig.ctl
    assert rig.state.office_name == "Ügyfélszolgálat"
    ctl.get_ticket()
    assert [g.name for g in rig.state.groups] == ["Okmányok", "Adó"]
    assert rig.state.services == ()  # groups first
    ctl.open_group("Okmányok")
    # the hub's order (its "order" field, then id)
    assert [s.name for s in rig.state.services] == ["Személyi igazolvány", "Útlevél"]
    assert rig.state.services[1].info.startswith("Hozza magával")
    ctl.set_lang("en")
    assert [s.name for s in rig.state.services] == ["Identity card", "Passport"]
    assert rig.state.office_name == "Customer service"
    ctl.back()
    assert rig.state.group is None
    ctl.back()
    assert rig.state.screen is Screen.START
    # a new service on the hub shows up by itself
    rig.hub.admin.add_service("new", names={"hu": "Új", "en": "New"}, prefix="N", group="Adó")
    ctl.get_ticket()
    ctl.open_group("Adó")
    rig.pump.until(lambda: {s.id for s in rig.state.services} == {"tax", "new"}, "the new service")


def test_tap_a_service_issue_and_print(rig):
    choose(rig, "passport")
    assert [s.name for s in rig.state.selected] == ["Útlevél"]
    rig.ctl.confirm()
    assert rig.state.screen is Screen.ISSUING
    rig.wait_screen(Screen.TICKET)
    t = rig.state.ticket
    assert t.number == "U001" and t.ahead == 0
    assert t.status_url.startswith("http://127.0.0.1:") and "/t/" in t.status_url
    wait_printed(rig)
    assert rig.state.ticket.print_state is PrintState.PRINTED
    (job,) = rig.jobs()
    assert "U001" in job.lines
    assert "Útlevél" in job.lines
    assert "Hozza magával: régi útlevél, fénykép nem kell." in job.joined
    assert job.of("qr_data") == [t.status_url]
    assert "Ön előtt nincs senki: hamarosan szólítjuk." in job.joined and "Ön következik" not in job.joined
    assert job.kinds()[-1] == "cut"
    (hub_ticket,) = rig.hub_tickets()
    assert hub_ticket.number == "U001" and hub_ticket.services == ["passport"] and hub_ticket.channel == "kiosk"


def test_several_services_and_priority_on_one_ticket(rig):
    choose(rig, "passport", "tax")
    rig.ctl.set_priority(True)
    assert [s.id for s in rig.state.selected] == ["passport", "tax"]
    rig.ctl.set_lang("en")
    rig.ctl.confirm()
    rig.wait_screen(Screen.TICKET)
    wait_printed(rig)
    (job,) = rig.jobs()
    assert "Priority customer" in job.lines
    assert "Passport" in job.lines and "Taxes" in job.lines
    (t,) = rig.hub_tickets()
    assert t.services == ["passport", "tax"] and t.priority and t.lang == "en"


def test_people_ahead_and_wait_are_printed(rig):
    for _ in range(2):
        choose(rig, "idcard")
        rig.ctl.confirm()
        rig.wait_screen(Screen.TICKET)
        wait_printed(rig)
        rig.ctl.done()
    last = rig.jobs()[-1]
    assert rig.state.screen is Screen.START
    assert "S002" in last.lines
    assert "Ön előtt várakozik: 1 fő" in last.lines


def test_double_tap_issues_one_ticket(rig, observer):
    choose(rig, "passport")
    rig.ctl.confirm()
    rig.ctl.confirm()  # the second tap of a double tap
    rig.ctl.confirm()
    rig.wait_screen(Screen.TICKET)
    wait_printed(rig)
    observer.wait(lambda o: any(r["op"] == "ticket.issue" for r in o.requests))
    assert len([r for r in observer.requests if r["op"] == "ticket.issue"]) == 1
    assert len(rig.hub_tickets()) == 1
    assert len(rig.jobs()) == 1


def test_retry_after_no_reply_uses_the_same_request_and_issues_once(hub):
    add_services(hub)
    rig = make_rig(hub, settings=KioskSection(offline_grace_s=60, issue_timeout_s=8))
    observer = Observer(hub, rig.device_id)
    try:
        rig.wait_screen(Screen.START)
        rig.wait_catalogue()
        choose(rig, "passport")
        hub.hub.bus.stop()  # the hub's process is away; the broker still takes the request
        rig.ctl.confirm()
        observer.wait(lambda o: any(r["op"] == "ticket.issue" for r in o.requests))
        rig.clock.advance(8)
        rig.ctl.tick()
        assert rig.state.screen is Screen.ERROR and rig.state.problem is Problem.NO_REPLY
        rig.ctl.retry()
        assert rig.state.screen is Screen.ISSUING
        hub.hub.bus.start()  # back: it finds the request waiting and answers it
        rig.wait_screen(Screen.TICKET)
        wait_printed(rig)
        rig.ctl.retry()  # late taps on a stale button do nothing
        reqs = {r["req"] for r in observer.requests if r["op"] == "ticket.issue"}
        assert len(reqs) == 1
        assert len(rig.hub_tickets()) == 1 and len(rig.jobs()) == 1
    finally:
        observer.close()
        rig.close()


def test_paper_out_shows_the_ticket_raises_an_alert_and_reprints_once(rig, observer):
    rig.device.printer.state = S.PAPER_OUT
    choose(rig, "passport")
    rig.ctl.confirm()
    rig.wait_screen(Screen.TICKET)
    wait_printed(rig)
    t = rig.state.ticket
    assert t.print_state is PrintState.FAILED and t.printer_state == "paper_out"
    assert t.number == "U001" and t.status_url  # the QR stays on screen
    assert rig.jobs() == []
    assert rig.state.printer == "paper_out"

    def alert_active(code: str) -> bool:
        return any(a["code"] == code and a["source"] == rig.device_id for a in rig.hub.hub.alerts.snapshot()["alerts"])

    rig.pump.until(lambda: alert_active("printer.paper_out"), "the paper-out alert on the hub")
    observer.wait(lambda o: any((s.get("printer") or {}).get("state") == "paper_out" for s in o.statuses))

    # the inactivity timer does not hide a failed ticket quickly: the citizen gets the warning first
    rig.clock.advance(36)
    rig.ctl.tick()
    assert rig.state.screen is Screen.TICKET and rig.state.idle_warning_s == 9

    rig.device.printer.state = S.OK  # the clerk loaded paper
    rig.ctl.reprint()
    rig.ctl.reprint()  # a double tap on "print again"
    wait_printed(rig)
    assert rig.state.ticket.print_state is PrintState.PRINTED
    assert len(rig.jobs()) == 1 and "U001" in rig.jobs()[0].lines
    assert len(rig.hub_tickets()) == 1
    rig.pump.until(lambda: not alert_active("printer.paper_out"), "the alert cleared")
    observer.wait(lambda o: (o.statuses[-1].get("printer") or {}).get("state") == "ok")


def test_printer_cable_pulled_then_back(rig):
    rig.device.printer.fail = OSError("USB disconnected")
    choose(rig, "idcard")
    rig.ctl.confirm()
    rig.wait_screen(Screen.TICKET)
    wait_printed(rig)
    assert rig.state.ticket.print_state is PrintState.FAILED
    assert rig.state.ticket.printer_state == "offline"
    rig.device.printer.fail = None
    rig.ctl.reprint()
    wait_printed(rig)
    assert rig.state.ticket.print_state is PrintState.PRINTED


def test_inactivity_warns_then_returns_to_start(rig):
    ctl = rig.ctl
    ctl.get_ticket()
    ctl.set_lang("en")
    ctl.open_group("Adó")
    ctl.choose_service("tax")
    rig.clock.advance(34)
    ctl.tick()
    assert rig.state.idle_warning_s is None
    rig.clock.advance(1)
    ctl.tick()
    assert rig.state.idle_warning_s == 10
    ctl.keep_alive()  # "I need more time"
    assert rig.state.idle_warning_s is None
    rig.clock.advance(40)
    ctl.tick()
    assert rig.state.idle_warning_s == 5
    rig.clock.advance(5)
    ctl.tick()
    assert rig.state.screen is Screen.START
    assert rig.state.lang == "hu" and rig.state.selected == ()


def test_printed_ticket_screen_goes_back_after_a_while(rig):
    choose(rig, "tax")
    rig.ctl.confirm()
    rig.wait_screen(Screen.TICKET)
    wait_printed(rig)
    rig.clock.advance(19)
    rig.ctl.tick()
    assert rig.state.screen is Screen.TICKET and rig.state.idle_warning_s is None
    rig.clock.advance(1)
    rig.ctl.tick()
    assert rig.state.screen is Screen.START


def test_hub_away_and_back(rig):
    rig.hub.stop()  # hub and broker gone
    rig.tick_until(lambda: rig.state.screen is Screen.OUT_OF_SERVICE, "out of service")
    rig.ctl.get_ticket()  # touches do nothing while out of service
    assert rig.state.screen is Screen.OUT_OF_SERVICE
    rig.hub.start()
    rig.tick_until(lambda: rig.state.screen is Screen.START, "back in service", timeout=20)
    choose(rig, "passport")
    rig.ctl.confirm()
    rig.wait_screen(Screen.TICKET)
    assert rig.state.ticket.number == "U001"


def test_hub_process_away_with_broker_up(rig):
    rig.hub.hub.bus.stop()  # its Last Will / offline status says the hub is gone
    rig.tick_until(lambda: rig.state.screen is Screen.OUT_OF_SERVICE, "out of service")
    rig.hub.hub.bus.start()
    rig.tick_until(lambda: rig.state.screen is Screen.START, "back in service")


def test_request_made_while_the_hub_goes_away_is_finished_when_it_returns(hub):
    add_services(hub)
    rig = make_rig(hub)
    try:
        rig.wait_screen(Screen.START)
        rig.wait_catalogue()
        choose(rig, "tax")
        hub.hub.bus.stop()
        rig.ctl.confirm()  # sent to the broker; the hub is not there
        rig.tick_until(lambda: rig.state.screen in (Screen.ISSUING,), "issuing")
        rig.clock.advance(8)
        rig.tick_until(lambda: rig.state.screen is Screen.OUT_OF_SERVICE, "out of service")
        hub.hub.bus.start()
        rig.tick_until(lambda: rig.state.screen is Screen.TICKET, "the ticket after the hub returned")
        wait_printed(rig)
        assert len(rig.hub_tickets()) == 1 and len(rig.jobs()) == 1
    finally:
        rig.close()


def test_closed_office_screen(rig):
    tz = ZoneInfo(rig.hub.hub.engine.state.settings.tz)
    today = datetime.fromtimestamp(rig.hub.hub.engine.clock(), tz).date().isoformat()
    rig.hub.admin.set_office(holidays=[today], message={"hu": "Ma ünnepnap van.", "en": "Public holiday today."})
    rig.pump.until(lambda: rig.state.screen is Screen.CLOSED, "the closed screen")
    assert rig.state.office_message == "Ma ünnepnap van."
    rig.ctl.get_ticket()
    assert rig.state.screen is Screen.CLOSED
    rig.hub.admin.set_office(holidays=[])
    rig.pump.until(lambda: rig.state.screen is Screen.START, "open again")


def test_service_closing_meanwhile_is_refused_by_the_hub_and_shown(rig):
    choose(rig, "passport")
    tz = ZoneInfo(rig.hub.hub.engine.state.settings.tz)
    other_day = str((datetime.fromtimestamp(rig.hub.hub.engine.clock(), tz).weekday() + 1) % 7)
    passport = next(s for s in SERVICES if s["id"] == "passport")
    rig.hub.admin.call("admin.service_upsert", {**passport, "hours": {other_day: [["08:00", "12:00"]]}})
    rig.pump.until(lambda: not rig.state.selected[0].open, "the service closes")
    rig.ctl.confirm()
    rig.wait_screen(Screen.ERROR)
    assert rig.state.problem is Problem.CLOSED
    assert rig.hub_tickets() == []
    rig.ctl.back()
    assert rig.state.screen is Screen.START


def test_appointment_check_in_by_keypad_and_by_scanner(rig):
    now = rig.hub.hub.engine.clock()
    rig.hub.admin.call("admin.appointment_book", {"code": "K7Q2M9", "service": "idcard", "at": later_today(now, 600), "name": "Kiss Anna"})
    ctl = rig.ctl
    ctl.start_check_in()
    for ch in "k7q2m":
        ctl.key(ch)
    ctl.key("X")
    ctl.backspace()
    ctl.key("9")
    assert rig.state.code == "K7Q2M9"
    ctl.submit_code()
    rig.wait_screen(Screen.TICKET)
    wait_printed(rig)
    t = rig.state.ticket
    assert t.appointment == "K7Q2M9" and t.number == "S001"
    assert "Időpontfoglalás: K7Q2M9" in rig.jobs()[0].lines
    ctl.done()
    # scanning the booking QR again shows the same ticket (the hub does not issue twice)
    ctl.scanned("https://hub.local/booking/K7Q2M9")
    rig.wait_screen(Screen.TICKET)
    assert rig.state.ticket.number == "S001"
    assert len(rig.hub_tickets()) == 1


def test_unknown_appointment_code(rig):
    rig.ctl.start_check_in()
    for ch in "ZZZ999":
        rig.ctl.key(ch)
    rig.ctl.submit_code()
    rig.pump.until(lambda: rig.state.problem is Problem.NOT_FOUND, "not found")
    assert rig.state.screen is Screen.CHECK_IN and rig.state.code == "ZZZ999"
    rig.ctl.scanned("!!")
    assert rig.state.problem is Problem.BAD_CODE
    assert rig.hub_tickets() == []


def test_a_booking_is_never_left_unseen_and_a_printed_one_goes_back_after_a_while(rig):
    from kiosk.model import BookStep

    ctl = rig.ctl
    ctl.book_start()
    rig.tick_until(lambda: rig.state.booking is not None and bool(rig.state.booking.services), "bookable services")
    ctl.book_service(rig.state.booking.services[0].id)
    rig.tick_until(lambda: bool(rig.state.booking.days), "days")
    ctl.book_day(next(d.id for d in rig.state.booking.days if d.free))
    rig.tick_until(lambda: bool(rig.state.booking.slots), "slots")
    ctl.book_slot(next(s.id for s in rig.state.booking.slots if s.free))
    ctl.book_confirm()
    assert rig.state.booking.loading
    rig.clock.advance(300)  # long past the inactivity timeout while the booking is on its way
    ctl.tick()
    assert rig.state.screen is Screen.BOOKING and rig.state.idle_warning_s is None
    rig.tick_until(lambda: rig.state.booking.step is BookStep.DONE
                   and rig.state.booking.print_state is PrintState.PRINTED, "printed confirmation")
    code = rig.state.booking.code
    assert code in rig.jobs()[0].lines and code in rig.hub.hub.engine.state.appointments
    rig.clock.advance(19)
    ctl.tick()
    assert rig.state.screen is Screen.BOOKING
    rig.clock.advance(1)
    ctl.tick()
    assert rig.state.screen is Screen.START and rig.state.booking is None
