"""The controller on the real hub: presses, replies, LEDs, the LED display, the screen's view model.

Each test runs counter 3's controller with a real bus client against the
``hub`` fixture and checks what the hub really did (tests/counter/rig.py).
"""

from __future__ import annotations

import threading

from counter_terminal.actions import Action
from counter_terminal.hardware import ButtonEvent


def serving(rig) -> str:
    """A customer called to counter 3 and being served (done from the hub's side)."""
    number = rig.issue()
    rig.at_counter("counter.call_next")
    rig.at_counter("counter.start")
    rig.wait(lambda vm: vm.state == "serving" and vm.ticket is not None)
    return number


def test_next_calls_and_shows_the_number(rig):
    number = rig.issue()
    assert rig.modes()["ready"] == "on"
    ok, modes, pending, step = rig.do(lambda: (
        rig.c.press(Action.NEXT), dict(rig.lights.modes), rig.c.vm.pending, rig.c.inflight.get("counter").step))
    assert ok and step.op == "counter.call_next" and step.req
    assert modes["ready"] == "blink_fast" and pending == "next"  # sending
    vm = rig.wait_settled()
    assert vm.ticket.number == number and vm.ticket.services == ("Okmány",)
    assert rig.shown() == number
    assert rig.modes() == {"ready": "off", "serving": "blink", "paused": "off", "offline": "off"}
    assert vm.notice.code == "called" and "call" in rig.beeps()
    assert rig.hub_reply(step.req)["result"]["ticket"]["number"] == number  # the press's own id
    # the customer arrives (marked from the hub's side): serving LED steady
    rig.at_counter("counter.start")
    rig.wait(lambda vm: vm.state == "serving")
    assert rig.modes()["serving"] == "on" and rig.shown() == number


def test_second_next_while_pending_is_ignored_visibly(rig):
    first, second = rig.issue(), rig.issue()
    got = rig.do(lambda: (rig.c.press(Action.NEXT), rig.c.press(Action.NEXT),
                          rig.c.press(Action.FINISH_AND_NEXT), rig.c.vm.notice.code, rig.lights.beeps.count("busy")))
    assert got == (True, False, False, "busy", 2)
    rig.wait_settled()
    assert rig.tickets() == {first: "called", second: "waiting"}
    assert rig.hub_ops() == ["counter.call_next"]


def no_next_at_the_desk(rig) -> None:
    """The office's setting off: a tap of Next does not finish a customer at the desk."""
    rig.hub.admin.set_office(next_finishes=False)
    rig.wait(lambda vm: not vm.next_finishes)


def test_tap_next_with_a_customer_at_the_desk_is_refused(rig):
    no_next_at_the_desk(rig)
    first, second = rig.issue(), rig.issue()
    rig.at_counter("counter.call_next")
    rig.wait(lambda vm: vm.ticket is not None)
    assert not rig.press(Action.NEXT)
    assert rig.vm().notice.code == "customer_at_desk"
    assert rig.hub_ops() == []
    assert rig.tickets() == {first: "called", second: "waiting"}


def test_next_right_after_a_call_is_refused_even_before_the_state_arrives(rig):
    no_next_at_the_desk(rig)
    first, second = rig.issue(), rig.issue()
    tapped: list[bool] = []
    again: list[bool] = []

    def press_again(vm) -> None:  # inside the update that applies the reply, before any later message
        if vm.ticket is not None and vm.pending is None and not tapped:
            tapped.append(True)
            again.append(rig.c.press(Action.NEXT))

    rig.do(lambda: rig.c.add_listener(press_again))
    rig.press(Action.NEXT)
    rig.wait_notice("customer_at_desk")
    assert rig.do(lambda: again) == [False]  # a double tap never skips a customer
    assert rig.tickets() == {first: "called", second: "waiting"}
    assert rig.hub_ops() == ["counter.call_next"]


def test_hold_next_finishes_then_calls_with_two_fixed_ids(rig):
    first = serving(rig)
    second = rig.issue()
    ok, steps, index = rig.do(lambda: (rig.c.press(Action.FINISH_AND_NEXT),
                                       list(rig.c.inflight.get("counter").steps), rig.c.inflight.get("counter").index))
    assert ok and [s.op for s in steps] == ["counter.finish", "counter.call_next"] and index == 0
    assert steps[0].req != steps[1].req
    rig.wait(lambda vm: vm.pending is None and vm.ticket is not None and vm.ticket.number == second)
    assert rig.shown() == second
    assert rig.tickets() == {first: "done", second: "called"}
    assert rig.hub_ops() == ["counter.finish", "counter.call_next"]  # the call waited for the finish
    assert all(rig.hub_reply(s.req)["ok"] for s in steps)


def test_hold_next_partly_done_is_reported(rig, qtbot):
    first = serving(rig)
    second = rig.issue()
    rig.do(lambda: setattr(rig.c.settings, "send_deadline_s", 0.5))
    rig.relay.hold()  # the finish's reply waits here …
    rig.press(Action.FINISH_AND_NEXT)
    qtbot.waitUntil(lambda: rig.bus.pending_count() == 0)  # answered
    assert rig.tickets()[first] == "done"
    rig.broker_down(shown=False)  # … while the broker goes away, so the call cannot be sent
    rig.relay.release()
    vm = rig.wait_notice("partly_done")
    assert vm.notice.level == "error" and vm.notice.params["number"] == first and vm.pending is None
    rig.broker_up()
    assert rig.tickets() == {first: "done", second: "waiting"}
    assert rig.hub_ops() == ["counter.finish"]


def test_offline_refusal_is_signalled_then_clears(rig):
    number = rig.issue()
    rig.do(lambda: setattr(rig.c.settings, "send_deadline_s", 0.3))
    rig.broker_down()
    assert rig.modes()["offline"] == "on"
    assert rig.press(Action.NEXT)
    vm = rig.wait_notice("refused_offline")
    assert vm.notice.level == "error" and vm.refused
    assert vm.pending is None  # the next press may go
    assert rig.modes()["offline"] == "blink_fast" and rig.beeps()[-1] == "refused"
    rig.clock.advance(4.1)
    rig.do(rig.c.tick)
    assert rig.modes()["offline"] == "on"
    assert rig.vm().notice.code == "refused_offline"  # errors stay until read or long expired
    rig.do(rig.c.dismiss_notice)
    assert rig.vm().notice is None
    rig.broker_up()
    assert rig.tickets() == {number: "waiting"} and rig.hub_ops() == []


def test_hub_refusal_shows_its_reason(rig):
    serving(rig)
    assert not rig.press(Action.NO_SHOW)
    assert rig.vm().notice.code == "already_serving"
    assert rig.do(lambda: rig.c.transfer(service="Z"))
    vm = rig.wait_notice("hub_refused")
    assert vm.notice.params["code"] == "not_found" and "Z" in vm.notice.params["message"]
    assert vm.refused and vm.ticket is not None
    assert rig.hub_ops() == ["counter.transfer"]


def test_buttons_need_a_customer(rig):
    for action in (Action.RECALL, Action.DONE, Action.NO_SHOW, Action.PARK, Action.START):
        assert not rig.press(action)
        assert rig.vm().notice.code == "no_customer"
    assert rig.hub_ops() == []


def test_button_events_map_to_actions(rig):
    number = rig.issue()
    rig.c.on_button(ButtonEvent("next", "press", 0.0))  # from the button thread
    rig.wait_settled()
    rig.c.on_button(ButtonEvent("recall", "press", 0.0))
    rig.wait(lambda vm: vm.pending is None and vm.notice.code == "recalled")
    rig.c.on_button(ButtonEvent("recall", "hold", 0.0))
    rig.wait(lambda vm: vm.pending is None and vm.state == "serving")
    rig.c.on_button(ButtonEvent("done", "press", 0.0))
    rig.wait(lambda vm: vm.pending is None and vm.ticket is None)
    assert rig.shown() == ""
    rig.c.on_button(ButtonEvent("done", "hold", 0.0))
    rig.wait(lambda vm: vm.pending is None and vm.state == "paused")
    assert rig.hub_ops() == ["counter.call_next", "counter.recall", "counter.start", "counter.finish",
                             "counter.pause"]
    assert rig.tickets() == {number: "done"}


def test_pause_shows_closed_on_the_display_and_toggle_resumes(rig):
    rig.at_counter("counter.pause", {"reason": "Lunch"})
    vm = rig.wait(lambda vm: vm.state == "paused")
    assert vm.reason == "Lunch"
    assert rig.shown() == "ZARVA" and rig.modes()["paused"] == "on"
    assert rig.press(Action.PAUSE_TOGGLE)
    rig.wait(lambda vm: vm.state == "open" and vm.pending is None)
    assert rig.hub_ops() == ["counter.resume"] and rig.shown() == ""


def test_feedback_goes_to_the_customer_just_served(rig):
    serving(rig)
    tid = rig.vm().ticket.id
    second = rig.issue()
    rig.press(Action.DONE)
    rig.wait(lambda vm: vm.pending is None and vm.ticket is None)
    got = rig.do(lambda: (rig.c.press(Action.FEEDBACK_GOOD), rig.c.press(Action.FEEDBACK_BAD),
                          rig.c.vm.notice.code, rig.c.press(Action.NEXT)))
    # once per customer; and a rating on its way does not block the clerk (its own slot)
    assert got == (True, False, "already_rated", True)
    rig.wait(lambda vm: vm.pending is None and vm.ticket is not None and vm.ticket.number == second)
    assert [(e["ticket"], e["score"]) for e in rig.hub_events("feedback.submitted")] == [(tid, "good")]
    assert rig.hub_ops() == ["counter.finish", "feedback.submit", "counter.call_next"]


def test_feedback_window_expires(rig):
    serving(rig)
    rig.at_counter("counter.finish")  # finished from elsewhere
    rig.wait(lambda vm: vm.state == "open")
    rig.clock.advance(61)
    assert not rig.press(Action.FEEDBACK_NEUTRAL)
    assert rig.vm().notice.code == "no_customer_to_rate"
    assert rig.hub_ops() == []


def test_login_and_logout_switch_pages(make_rig):
    rig = make_rig(clerk=None)
    assert rig.vm().page == "login" and rig.modes()["paused"] == "heartbeat"
    rig.do(lambda: rig.c.login("nagy", "4321"))
    vm = rig.wait(lambda vm: vm.page == "main" and vm.pending is None)
    assert vm.may_edit_profile and vm.clerk_name == "Nagy Béla"
    assert [p.service for p in vm.profile] == ["B", "A"]  # highest weight first
    rig.do(rig.c.logout)
    rig.wait(lambda vm: vm.page == "login" and vm.pending is None)
    assert rig.hub_ops() == ["clerk.login", "clerk.logout"]


def test_wrong_pin_is_a_screen_message(make_rig):
    rig = make_rig(clerk=None)
    rig.do(lambda: rig.c.login("kovacs", "0000"))
    vm = rig.wait_notice("login_failed")
    assert vm.page == "login" and vm.clerk_id is None


def test_profile_edit_needs_permission(rig):
    rig.do(lambda: rig.c.show_page("profile"))
    vm = rig.vm()
    assert vm.page == "main" and vm.notice.code == "profile_forbidden"
    assert not rig.do(lambda: rig.c.save_profile([{"service": "A", "weight": 2}]))
    rig.do(rig.c.logout)
    rig.wait(lambda vm: vm.page == "login" and vm.pending is None)
    rig.do(lambda: rig.c.login("nagy", "4321"))
    rig.wait(lambda vm: vm.page == "main" and vm.may_edit_profile and vm.pending is None)
    rig.do(lambda: rig.c.show_page("profile"))
    assert rig.vm().page == "profile"
    rig.do(lambda: rig.c.save_profile([{"service": "A", "weight": 5}, {"service": "B", "weight": 1}]))
    vm = rig.wait(lambda vm: vm.pending is None and vm.notice is not None and vm.notice.code == "profile_saved")
    assert vm.page == "main" and [(p.service, p.weight) for p in vm.profile] == [("A", 5), ("B", 1)]
    saved = rig.read(lambda e: [(p["service"], p["weight"]) for p in e.state.clerks["nagy"].profile])
    assert saved == [("A", 5), ("B", 1)]


def test_transfer_picker_on_screen(rig):
    serving(rig)
    tid = rig.vm().ticket.id
    assert rig.press(Action.TRANSFER)
    vm = rig.vm()
    assert vm.page == "transfer"
    assert [(t.kind, t.key) for t in vm.transfer_targets] == [("service", "A"), ("service", "B"), ("counter", "4")]
    rig.do(lambda: rig.c.transfer(counter=4, position="first"))
    rig.wait(lambda vm: vm.pending is None and vm.ticket is None and vm.page == "main")
    assert rig.shown() == ""
    assert rig.read(lambda e: (e.state.tickets[tid].state, e.state.tickets[tid].target_counter)) == ("waiting", 4)


def test_headless_transfer_picker_on_the_led_display(make_rig):
    rig = make_rig(headless=True)
    number = serving(rig)

    def button(name: str, kind: str = "press") -> str:
        rig.do(lambda: rig.c.on_button(ButtonEvent(name, kind, 0.0)))
        return rig.shown()

    # another button cancels a picker without acting
    assert button("transfer") == ">A"
    assert button("done") == number
    assert rig.vm().notice.code == "picker_cancelled"
    # and it closes by itself
    assert button("transfer") == ">A"
    rig.clock.advance(16)
    rig.do(rig.c.tick)
    assert rig.shown() == number
    assert rig.hub_ops() == []
    # tap for the next target, hold to send the customer there
    assert button("transfer") == ">A"
    assert button("transfer") == ">B"
    button("transfer", "hold")
    rig.wait(lambda vm: vm.pending is None and vm.ticket is None)
    assert rig.hub_ops() == ["counter.transfer"]
    moved = rig.read(lambda e: [(t.state, t.pending[0]) for t in e.state.tickets.values()])
    assert moved == [("waiting", "B")]  # in B's queue now


def test_alerts_from_the_hub(rig):
    kiosk = rig.hub.client("kiosk-1", "kiosk")
    kiosk.call("device.alert", {"code": "paper_low", "level": "warning", "message": "Paper low"})
    vm = rig.wait(lambda vm: vm.alerts != ())
    assert [(a.code, a.message) for a in vm.alerts] == [("paper_low", "Paper low")]
    assert rig.beeps()[-1] == "alert"
    kiosk.call("device.alert", {"code": "paper_low", "active": False})
    rig.wait(lambda vm: vm.alerts == ())


def test_alerts_are_worded_in_the_screen_language_and_kept_per_device(rig):
    from counter_terminal.texts import Texts

    kiosks = [rig.hub.client(f"kiosk-{n}", "kiosk") for n in (1, 2)]
    for k in kiosks:
        k.call("device.alert", {"code": "printer.paper_out", "level": "error", "message": "paper out"})
    vm = rig.wait(lambda vm: len(vm.alerts) == 2)
    assert sorted(Texts("hu").alert(a) for a in vm.alerts) == [
        "kiosk-1: kifogyott a papír a nyomtatóból", "kiosk-2: kifogyott a papír a nyomtatóból"]
    kiosks[0].call("device.alert", {"code": "printer.paper_out", "active": False})
    vm = rig.wait(lambda vm: len(vm.alerts) == 1)  # kiosk-2 is still out of paper
    assert Texts("en").alert(vm.alerts[0]) == "kiosk-2: the printer is out of paper"


def test_waiting_counts_use_service_names(rig):
    for service in "AAAAB":
        rig.issue(service)
    vm = rig.wait(lambda vm: sum(w.count for w in vm.waiting) == 5)
    assert sorted((w.name, w.count) for w in vm.waiting) == [("Okmány", 4), ("Útlevél", 1)]
    rig.do(lambda: rig.c.set_lang("en"))
    assert sorted(w.name for w in rig.vm().waiting) == ["Documents", "Passport"]


def test_auto_login_for_headless(make_rig):
    rig = make_rig(clerk=None, headless=True, auto_login=("kovacs", "1234"))
    vm = rig.wait(lambda vm: vm.clerk_id == "kovacs" and vm.pending is None)
    assert vm.page == "main" and rig.hub_ops() == ["clerk.login"]


def test_auto_login_with_a_wrong_pin_does_not_hammer_the_hub(make_rig):
    rig = make_rig(clerk=None, headless=True, auto_login=("kovacs", "0000"))
    rig.wait_notice("login_failed")
    rig.hub.admin.add_counter(3, "Ablak 3/b")  # a new state for the closed counter arrives
    vm = rig.wait(lambda vm: vm.counter_name == "Ablak 3/b")
    assert vm.pending is None and vm.clerk_id is None
    assert rig.hub_ops() == ["clerk.login"]


def test_slow_reply_warning(rig):
    rig.issue()
    busy, release = threading.Event(), threading.Event()
    threading.Thread(target=rig.hub.hub.worker.run_in_worker,
                     args=(lambda e: (busy.set(), release.wait(10)),), daemon=True).start()
    assert busy.wait(10)  # the hub's engine is busy: the press is sent, the answer waits
    rig.press(Action.NEXT)
    rig.clock.advance(6)
    rig.do(rig.c.tick)
    vm = rig.vm()
    assert vm.notice.code == "slow_reply" and vm.pending == "next" and vm.online
    release.set()
    rig.wait_settled()


def test_unhealthy_display_is_retried(make_rig):
    statuses: list[dict] = []
    rig = make_rig(status=statuses.append)
    number = rig.issue()
    rig.do(lambda: setattr(rig.display, "healthy", False))
    rig.press(Action.NEXT)
    rig.wait_settled()
    assert statuses == [{"led_display": "ok"}, {"led_display": "error"}]

    def repaired() -> None:
        rig.display.healthy = True
        rig.display.history.clear()

    rig.do(repaired)
    rig.clock.advance(6)
    rig.do(rig.c.tick)
    assert rig.do(lambda: list(rig.display.history)) == [number]
    assert statuses[-1] == {"led_display": "ok"}


def test_a_terminal_paired_with_another_counter_says_so(make_rig):
    """[counter] number must match the hub's pairing: the hub acts on the paired counter."""
    statuses: list[dict] = []
    rig = make_rig(paired=4, status=statuses.append)
    rig.hub.admin.counter(4, "clerk.login", {"clerk": "nagy", "pin": "4321"})
    number = rig.issue()
    rig.press(Action.NEXT)
    vm = rig.wait(lambda vm: vm.pending is None and vm.notice is not None and vm.notice.code == "counter_mismatch")
    assert vm.notice.params == {"number": "3", "paired": "4"} and vm.notice.level == "error"
    assert vm.ticket is None and rig.shown() == ""  # counter 4's customer is not shown above desk 3
    assert statuses[-1] == {"counter_mismatch": {"configured": 3, "paired": 4}}
    assert rig.read(lambda e: e.state.counters[4].ticket) is not None and rig.tickets() == {number: "called"}


def test_every_notice_has_words_in_both_languages():
    import re
    from pathlib import Path

    from counter_terminal import controller, presses
    from counter_terminal.texts import NOTICES, Texts
    from counter_terminal.viewmodel import Notice

    codes: set[str] = set()
    for module in (controller, presses):
        source = Path(module.__file__).read_text()
        codes |= set(re.findall(r'_(?:set_notice|ignore|refuse_local)\("([a-z_]+)"', source))
        codes |= set(re.findall(r'(?:"counter\.\w+"|Op\.COUNTER_\w+): "([a-z_]+)"', source))
        codes |= set(re.findall(r'return "([a-z_]+)"', source))
    assert {"busy", "customer_at_desk", "finished", "counter_mismatch"} <= codes
    assert codes <= set(NOTICES), codes - set(NOTICES)
    hu = Texts("hu")
    for code in NOTICES:
        text = hu.notice(Notice(code, "info", {"number": "A1", "paired": "4", "code": "conflict", "message": ""}))
        assert text != NOTICES[code].format(number="A1", paired="4", reason="x"), code
