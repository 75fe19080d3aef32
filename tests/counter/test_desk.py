"""The desk on the real hub: Next that finishes, the hub's guard, outcome codes, taking a no-show back."""

from __future__ import annotations

from dataclasses import replace

from counter_terminal.actions import Action


def test_a_tap_of_next_finishes_the_customer_and_calls_the_next(rig):
    first, second = rig.issue(), rig.issue()
    rig.at_counter("counter.call_next")
    vm = rig.wait(lambda vm: vm.ticket is not None and vm.next_finishes)
    assert "next" in vm.enabled
    assert rig.press(Action.NEXT)
    vm = rig.wait(lambda vm: vm.pending is None and vm.ticket is not None and vm.ticket.number == second)
    assert rig.tickets() == {first: "done", second: "called"}
    assert rig.hub_ops() == ["counter.call_next"]  # one request: the hub's guard sees it whole


def test_a_double_tap_is_refused_by_the_hubs_guard_and_skips_no_one(rig):
    rig.hub.admin.set_office(call_guard_s=60)
    first, second = rig.issue(), rig.issue()
    assert rig.press(Action.NEXT)
    rig.wait_settled()
    assert rig.press(Action.NEXT)  # the second tap reaches the hub …
    vm = rig.wait_notice("too_soon")  # … which refuses it
    assert vm.notice.level == "warning" and vm.refused
    assert rig.tickets() == {first: "called", second: "waiting"}
    assert rig.hub_ops() == ["counter.call_next", "counter.call_next"]


def test_done_on_the_screen_records_the_picked_outcomes_and_the_button_the_default(rig):
    rig.hub.admin.call("admin.outcome_upsert", {"code": "DONE", "names": {"hu": "Elintézve", "en": "Settled"}})
    rig.hub.admin.call("admin.outcome_upsert", {"code": "DOCS", "names": {"hu": "Hiánypótlás"}, "resolved": False})
    rig.hub.admin.call("admin.service_upsert", {"id": "A", "default_outcome": "DONE"})
    vm = rig.wait(lambda vm: len(vm.outcomes) == 2)
    assert [(o.code, o.label, o.resolved) for o in vm.outcomes] == [
        ("DOCS", "Hiánypótlás", False), ("DONE", "Elintézve", True)]
    first, second = rig.issue(), rig.issue()
    rig.at_counter("counter.call_next")
    rig.wait(lambda vm: vm.ticket is not None)
    rig.do(lambda: rig.c.show_page("finish"))
    assert rig.vm().page == "finish"
    assert rig.do(lambda: rig.c.finish(["DOCS"]))
    vm = rig.wait(lambda vm: vm.pending is None and vm.ticket is None and vm.page == "main")
    rig.at_counter("counter.call_next")
    rig.wait(lambda vm: vm.ticket is not None)
    assert rig.press(Action.DONE)  # the hardware button: no pick, the service's default
    rig.wait(lambda vm: vm.pending is None and vm.ticket is None)
    marks = rig.read(lambda e: {t.number: t.marks for t in e.state.tickets.values()})
    assert marks == {first: ["DOCS"], second: ["DONE"]}


def test_a_missed_call_is_listed_and_one_tap_puts_it_first_in_line(rig):
    late, other = rig.issue(), rig.issue()
    rig.at_counter("counter.call_next")
    rig.at_counter("counter.no_show")
    vm = rig.wait(lambda vm: len(vm.no_shows) == 1 and vm.ticket is None)
    assert vm.no_shows[0].number == late and "no_shows" in vm.enabled
    rig.do(lambda: rig.c.show_page("no_shows"))
    assert rig.do(lambda: rig.c.return_ticket(vm.no_shows[0].id))
    vm = rig.wait_notice("returned")
    assert vm.page == "main" and vm.notice.params["number"] == late
    rig.wait(lambda vm: vm.no_shows == ())
    assert rig.press(Action.NEXT)
    vm = rig.wait_settled()
    assert vm.ticket.number == late and rig.tickets() == {late: "called", other: "waiting"}


def test_background_work_left_for_later_then_taken_from_the_backlog(rig):
    rig.do(lambda: rig.c.show_page("background"))
    assert rig.do(lambda: rig.c.background_record("Case file", "Autó Kft., 12 forgalmi"))
    vm = rig.wait_notice("backlog_recorded")
    vm = rig.wait(lambda vm: len(vm.backlog) == 1 and vm.pending is None)
    assert vm.backlog[0].kind == "Case file" and vm.page == "main"
    rig.do(lambda: rig.c.show_page("backlog"))
    assert rig.do(lambda: rig.c.background_take(vm.backlog[0].id))
    vm = rig.wait(lambda vm: vm.background_kind == "Case file" and vm.pending is None)
    assert vm.page == "main" and vm.backlog == () and vm.background_note == "Autó Kft., 12 forgalmi"
    assert rig.do(rig.c.background_stop)
    rig.wait(lambda vm: vm.background_kind is None and vm.pending is None)
    assert rig.read(lambda e: dict(e.state.backlog)) == {}
    assert rig.hub_ops() == ["background.record", "background.take", "background.stop"]


def test_a_missed_call_leaves_the_screen_when_its_return_window_closes(rig, qtbot):
    from counter_terminal.views import ClerkWindow

    rig.hub.admin.set_office(no_show_return_s=1)
    late = rig.issue()
    rig.at_counter("counter.call_next")
    rig.at_counter("counter.no_show")
    w = ClerkWindow(rig.c, "en")
    qtbot.addWidget(w)
    vm = rig.wait(lambda vm: len(vm.no_shows) == 1 and vm.ticket is None)
    w.render(replace(vm, page="no_shows"))
    page = w.pages["no_shows"]
    assert page.grid.count() == 1 and late in page.grid.itemAt(0).widget().text()
    vm = rig.wait(lambda vm: vm.no_shows == ())  # nothing happened at the office: the window closed
    w.render(replace(vm, page="no_shows"))
    assert page.grid.count() == 0 and not page.empty.isHidden()
    w.render(vm)
    assert w.pages["main"].buttons["no_shows"].isHidden()  # and the main page no longer offers the list
