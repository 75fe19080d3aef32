"""The controller without Qt, GPIO or network: presses, replies, LEDs, the LED display."""

from __future__ import annotations

import pytest

from counter_terminal.actions import Action
from counter_terminal.controller import CounterController, Settings
from counter_terminal.hardware import ButtonEvent, DummyDisplay, NoLights

from .fakes import FakeBus, FakeClock, ticket


@pytest.fixture
def rig():
    bus = FakeBus()
    clock = FakeClock()
    lights = NoLights()
    display = DummyDisplay()
    views = []
    c = CounterController(
        bus,
        Settings(counter=3, lang="hu", send_deadline_s=10, refused_signal_s=4, feedback_window_s=60),
        lights=lights, display=display, listener=views.append, clock=clock,
    )
    c.start()
    bus.services(("A", "Okmány", ""), ("B", "Útlevél", ""))
    bus.counter_state(3, clerk="kovacs", clerk_name="Kovács Anna", waiting={"A": 4, "B": 1})
    bus.counter_state(4, clerk=None, state="closed")

    class Rig:
        pass

    r = Rig()
    r.bus, r.clock, r.lights, r.display, r.views, r.c = bus, clock, lights, display, views, c
    return r


def test_next_calls_and_shows_the_number(rig):
    assert rig.lights.modes["ready"] == "on"
    assert rig.c.press(Action.NEXT)
    sent = rig.bus.last()
    assert (sent.op, sent.args) == ("counter.call_next", {})
    assert sent.req  # a fixed id per press
    assert rig.lights.modes["ready"] == "blink_fast"  # sending
    assert rig.c.vm.pending == "next"
    sent.ok(ticket=ticket("A042", counter=3))
    assert rig.display.text == "A042"
    assert rig.c.vm.ticket.number == "A042"
    assert rig.c.vm.ticket.services == ("Okmány",)
    assert rig.lights.modes == {"ready": "off", "serving": "blink", "paused": "off", "offline": "off"}
    assert rig.c.vm.notice.code == "called"
    assert "call" in rig.lights.beeps
    # the retained state confirms it, then the customer arrives
    rig.bus.counter_state(3, clerk="kovacs", state="serving", ticket=ticket("A042", state="serving"))
    assert rig.lights.modes["serving"] == "on" and rig.display.text == "A042"


def test_second_next_while_pending_is_ignored_visibly(rig):
    rig.c.press(Action.NEXT)
    assert not rig.c.press(Action.NEXT)
    assert not rig.c.press(Action.FINISH_AND_NEXT)
    assert len(rig.bus.sent) == 1
    assert rig.c.vm.notice.code == "busy"
    assert rig.lights.beeps.count("busy") == 2


def test_tap_next_with_a_customer_at_the_desk_is_refused(rig):
    rig.bus.counter_state(3, clerk="kovacs", state="called", ticket=ticket("A001"))
    assert not rig.c.press(Action.NEXT)
    assert rig.bus.sent == []
    assert rig.c.vm.notice.code == "customer_at_desk"


def test_next_right_after_a_call_is_refused_even_before_the_state_arrives(rig):
    rig.c.press(Action.NEXT)
    rig.bus.last().ok(ticket=ticket("A002"))
    assert not rig.c.press(Action.NEXT)  # a double tap never skips a customer
    assert len(rig.bus.sent) == 1


def test_hold_next_finishes_then_calls_with_two_fixed_ids(rig):
    rig.bus.counter_state(3, clerk="kovacs", state="serving", ticket=ticket("A001", state="serving"))
    assert rig.c.press(Action.FINISH_AND_NEXT)
    finish = rig.bus.last()
    assert finish.op == "counter.finish"
    assert len(rig.bus.sent) == 1  # the call waits for the finish
    finish.ok(ticket=ticket("A001", state="done"))
    call = rig.bus.last()
    assert call.op == "counter.call_next" and call.req != finish.req
    call.ok(ticket=ticket("A002"))
    assert rig.display.text == "A002" and rig.c.vm.pending is None


def test_hold_next_partly_done_is_reported(rig):
    rig.bus.counter_state(3, clerk="kovacs", state="serving", ticket=ticket("A001", state="serving"))
    rig.c.press(Action.FINISH_AND_NEXT)
    rig.bus.last().ok(ticket=ticket("A001", state="done"))
    rig.bus.last().fail("offline")
    assert rig.c.vm.notice.code == "partly_done"
    assert rig.c.vm.notice.params["number"] == "A001"


def test_offline_refusal_is_signalled_then_clears(rig):
    rig.bus.set_online(False)
    assert rig.lights.modes["offline"] == "on"
    rig.c.press(Action.NEXT)
    rig.clock.advance(10)
    rig.bus.last().fail("offline", "the hub could not be reached; nothing was done")
    assert rig.c.vm.notice.code == "refused_offline" and rig.c.vm.notice.level == "error"
    assert rig.c.vm.refused
    assert rig.lights.modes["offline"] == "blink_fast"
    assert rig.lights.beeps[-1] == "refused"
    assert rig.c.vm.pending is None  # the next press may go
    rig.clock.advance(4.1)
    rig.c.tick()
    assert rig.lights.modes["offline"] == "on"
    assert rig.c.vm.notice.code == "refused_offline"  # errors stay until read or long expired
    rig.c.dismiss_notice()
    assert rig.c.vm.notice is None


def test_hub_refusal_shows_its_reason(rig):
    rig.bus.counter_state(3, clerk="kovacs", state="serving", ticket=ticket("A001", state="serving"))
    rig.c.press(Action.NO_SHOW)
    assert rig.bus.sent == [] and rig.c.vm.notice.code == "already_serving"
    rig.c.press(Action.RECALL)
    rig.bus.last().fail("conflict", "nope")
    assert rig.c.vm.notice.code == "hub_refused"
    assert rig.c.vm.notice.params == {"code": "conflict", "message": "nope"}


def test_buttons_need_a_customer(rig):
    for action in (Action.RECALL, Action.DONE, Action.NO_SHOW, Action.PARK, Action.START):
        assert not rig.c.press(action)
    assert rig.bus.sent == []


def test_button_events_map_to_actions(rig):
    rig.c.on_button(ButtonEvent("next", "press", 0.0))
    assert rig.bus.last().op == "counter.call_next"
    rig.bus.last().ok(ticket=ticket("A005"))
    rig.c.on_button(ButtonEvent("recall", "press", 0.0))
    assert rig.bus.last().op == "counter.recall"
    rig.bus.last().ok(ticket=ticket("A005"))
    rig.c.on_button(ButtonEvent("recall", "hold", 0.0))
    assert rig.bus.last().op == "counter.start"
    rig.bus.last().ok(ticket=ticket("A005", state="serving"))
    rig.c.on_button(ButtonEvent("done", "press", 0.0))
    assert rig.bus.last().op == "counter.finish"
    rig.bus.last().ok(ticket=ticket("A005", state="done"))
    assert rig.display.text == ""
    rig.c.on_button(ButtonEvent("done", "hold", 0.0))
    assert (rig.bus.last().op, rig.bus.last().args) == ("counter.pause", {"reason": ""})


def test_pause_shows_closed_on_the_display_and_toggle_resumes(rig):
    rig.bus.counter_state(3, clerk="kovacs", state="paused", reason="Lunch")
    assert rig.display.text == "ZARVA"
    assert rig.lights.modes["paused"] == "on"
    rig.c.press(Action.PAUSE_TOGGLE)
    assert rig.bus.last().op == "counter.resume"


def test_feedback_goes_to_the_customer_just_served(rig):
    rig.bus.counter_state(3, clerk="kovacs", state="serving", ticket=ticket("A001", tid="t1", state="serving"))
    rig.c.press(Action.DONE)
    rig.bus.last().ok(ticket=ticket("A001", tid="t1", state="done"))
    rig.c.press(Action.FEEDBACK_GOOD)
    fb = rig.bus.last()
    assert (fb.op, fb.args) == ("feedback.submit", {"score": "good", "ticket": "t1"})
    assert not rig.c.press(Action.FEEDBACK_BAD)  # once per customer
    assert rig.c.vm.notice.code == "already_rated"
    fb.ok()
    # the clerk is not blocked by a rating in flight: separate slot
    rig.c.press(Action.FEEDBACK_GOOD)
    rig.c.press(Action.NEXT)
    assert rig.bus.last().op == "counter.call_next"


def test_feedback_window_expires(rig):
    rig.bus.counter_state(3, clerk="kovacs", state="serving", ticket=ticket("A001", tid="t1", state="serving"))
    rig.bus.counter_state(3, clerk="kovacs", state="open")  # finished from elsewhere
    rig.clock.advance(61)
    assert not rig.c.press(Action.FEEDBACK_NEUTRAL)
    assert rig.c.vm.notice.code == "no_customer_to_rate"


def test_login_and_logout_switch_pages(rig):
    rig.bus.counter_state(3, clerk=None, state="closed")
    assert rig.c.vm.page == "login"
    assert rig.lights.modes["paused"] == "heartbeat"
    rig.c.login("kovacs", "1234")
    req = rig.bus.last()
    assert (req.op, req.args) == ("clerk.login", {"clerk": "kovacs", "pin": "1234"})
    req.ok(clerk={"id": "kovacs", "name": "Kovács Anna", "may_edit_profile": True,
                  "profile": [{"service": "A", "weight": 1}, {"service": "B", "weight": 3}]})
    assert rig.c.vm.page == "main" and rig.c.vm.may_edit_profile
    assert [p.service for p in rig.c.vm.profile] == ["B", "A"]
    rig.c.logout()
    rig.bus.last().ok()
    assert rig.c.vm.page == "login"


def test_wrong_pin_is_a_screen_message(rig):
    rig.bus.counter_state(3, clerk=None, state="closed")
    rig.c.login("kovacs", "0000")
    rig.bus.last().fail("forbidden", "wrong clerk or PIN")
    assert rig.c.vm.notice.code == "login_failed" and rig.c.vm.page == "login"


def test_profile_edit_needs_permission(rig):
    rig.c.show_page("profile")
    assert rig.c.vm.page == "main" and rig.c.vm.notice.code == "profile_forbidden"
    assert not rig.c.save_profile([{"service": "A", "weight": 2}])
    rig.c.clerk = __import__("sorra.protocol.messages", fromlist=["ClerkInfo"]).ClerkInfo(
        id="kovacs", name="K", may_edit_profile=True, profile=[{"service": "A", "weight": 1}]
    )
    rig.c.show_page("profile")
    assert rig.c.vm.page == "profile"
    rig.c.save_profile([{"service": "A", "weight": 2}, {"service": "B", "weight": 1}])
    req = rig.bus.last()
    assert req.args == {"services": [{"service": "A", "weight": 2}, {"service": "B", "weight": 1}]}
    req.ok(clerk={"id": "kovacs", "name": "K", "may_edit_profile": True,
                  "profile": req.args["services"]})
    assert rig.c.vm.page == "main" and rig.c.vm.notice.code == "profile_saved"


def test_transfer_picker_on_screen(rig):
    rig.bus.counter_state(3, clerk="kovacs", state="serving", ticket=ticket("A001", state="serving"))
    rig.c.press(Action.TRANSFER)
    assert rig.c.vm.page == "transfer"
    kinds = [(t.kind, t.key) for t in rig.c.vm.transfer_targets]
    assert kinds == [("service", "A"), ("service", "B"), ("counter", "4")]
    rig.c.transfer(counter=4, position="first")
    req = rig.bus.last()
    assert (req.op, req.args) == ("counter.transfer", {"position": "first", "counter": 4})
    req.ok(ticket=ticket("A001", state="waiting"))
    assert rig.c.vm.page == "main" and rig.display.text == ""


def test_headless_transfer_picker_on_the_led_display(rig):
    rig.c.settings.headless = True
    rig.bus.counter_state(3, clerk="kovacs", state="serving", ticket=ticket("A001", state="serving"))
    rig.c.on_button(ButtonEvent("transfer", "press", 0))
    assert rig.display.text == ">A"
    rig.c.on_button(ButtonEvent("transfer", "press", 0))
    assert rig.display.text == ">B"
    rig.c.on_button(ButtonEvent("transfer", "hold", 0))
    req = rig.bus.last()
    assert (req.op, req.args) == ("counter.transfer", {"position": "last", "service": "B"})
    # another button cancels a picker without acting
    rig.bus.last().fail("conflict", "x")
    rig.c.on_button(ButtonEvent("transfer", "press", 0))
    n = len(rig.bus.sent)
    rig.c.on_button(ButtonEvent("done", "press", 0))
    assert len(rig.bus.sent) == n and rig.c.vm.notice.code == "picker_cancelled"
    assert rig.display.text == "A001"
    # and it times out by itself
    rig.c.on_button(ButtonEvent("transfer", "press", 0))
    rig.clock.advance(16)
    rig.c.tick()
    assert rig.display.text == "A001"


def test_alerts_from_the_hub(rig):
    rig.bus.alert("queue_long", "warning", "A: 25 waiting")
    assert [a.code for a in rig.c.vm.alerts] == ["queue_long"]
    assert rig.lights.beeps[-1] == "alert"
    rig.bus.alert("queue_long", active=False)
    assert rig.c.vm.alerts == ()


def test_waiting_counts_use_service_names(rig):
    assert [(w.name, w.count) for w in rig.c.vm.waiting] == [("Okmány", 4), ("Útlevél", 1)]
    rig.c.set_lang("en")
    assert rig.c.vm.waiting[0].name == "Okmány (en)"


def test_auto_login_for_headless(rig):
    rig.c.settings.auto_login = ("kovacs", "1234")
    rig.bus.set_online(True)
    rig.bus.counter_state(3, clerk=None, state="closed")
    assert (rig.bus.last().op, rig.bus.last().args) == ("clerk.login", {"clerk": "kovacs", "pin": "1234"})
    rig.bus.last().fail("forbidden")
    n = len(rig.bus.sent)
    rig.bus.counter_state(3, clerk=None, state="closed")
    assert len(rig.bus.sent) == n  # not hammering the hub


def test_slow_reply_warning(rig):
    rig.c.press(Action.NEXT)
    rig.clock.advance(6)
    rig.c.tick()
    assert rig.c.vm.notice.code == "slow_reply" and rig.c.vm.pending == "next"


def test_unhealthy_display_is_retried(rig):
    rig.display.healthy = False
    statuses = []
    rig.c._status = statuses.append
    rig.c.press(Action.NEXT)
    rig.bus.last().ok(ticket=ticket("A009"))
    assert statuses == [{"led_display": "error"}]
    rig.display.healthy = True
    rig.display.history.clear()
    rig.clock.advance(6)
    rig.c.tick()
    assert rig.display.history == ["A009"]
    assert statuses[-1] == {"led_display": "ok"}


def test_every_notice_has_words_in_both_languages():
    import re
    from pathlib import Path

    from counter_terminal import controller
    from counter_terminal.texts import NOTICES, Texts
    from counter_terminal.viewmodel import Notice

    source = Path(controller.__file__).read_text()
    codes = set(re.findall(r'_(?:set_notice|ignore|refuse_local)\("([a-z_]+)"', source))
    codes |= set(re.findall(r'"counter\.\w+": "([a-z_]+)"', source))
    assert codes and codes <= set(NOTICES), codes - set(NOTICES)
    hu = Texts("hu")
    for code in NOTICES:
        text = hu.notice(Notice(code, "info", {"number": "A1", "code": "conflict", "message": ""}))
        assert text != NOTICES[code].format(number="A1", reason="x") or code == "x", code
