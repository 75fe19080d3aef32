"""Presses through the broker going away and back, on the real hub: never dropped, never applied twice."""

from __future__ import annotations

import threading

from counter_terminal.actions import Action


def test_press_online(rig):
    number = rig.issue()
    assert rig.press(Action.NEXT)
    rig.wait_settled()
    assert rig.shown() == number
    assert rig.tickets() == {number: "called"}
    assert rig.hub_ops() == ["counter.call_next"]


def test_press_while_the_broker_is_down_is_applied_once_after_it_returns(make_rig):
    rig = make_rig(send_deadline_s=20.0, refused_signal_s=2.0)
    first, second = rig.issue(), rig.issue()
    rig.broker_down()
    assert rig.modes()["offline"] == "on"
    assert rig.press(Action.NEXT)
    rig.wait(lambda vm: vm.pending == "next")
    assert rig.modes()["ready"] == "blink_fast"  # sending…
    assert not rig.press(Action.NEXT)  # a second Next is not queued behind the first
    assert rig.vm().notice.code == "busy" and rig.beeps()[-1] == "busy"
    rig.broker_up()
    vm = rig.wait_settled(timeout=15)
    assert vm.ticket.number == first and rig.shown() == first
    assert rig.tickets() == {first: "called", second: "waiting"}
    assert rig.hub_ops() == ["counter.call_next"]
    assert len(rig.hub_events("ticket.called")) == 1


def test_press_that_cannot_be_sent_in_time_is_refused_and_never_applied(make_rig):
    rig = make_rig(send_deadline_s=0.5, refused_signal_s=2.0)
    first, second = rig.issue(), rig.issue()
    rig.broker_down()
    assert rig.press(Action.NEXT)
    vm = rig.wait_notice("refused_offline")
    assert vm.refused and vm.pending is None
    assert rig.modes()["offline"] == "blink_fast" and "refused" in rig.beeps()
    rig.broker_up()
    assert rig.hub_ops() == []  # the refused press never reaches the hub, not even after reconnecting
    # a new press is the only thing the hub ever sees
    assert rig.press(Action.NEXT)
    rig.wait_settled()
    assert rig.tickets() == {first: "called", second: "waiting"}
    assert rig.hub_ops() == ["counter.call_next"]


def test_reply_lost_in_a_broker_restart_is_not_applied_twice(rig, monkeypatch):
    """The hub applies the press, the broker dies before the reply gets out; the bus client
    re-sends the same request id after reconnecting and the hub answers it with its first reply."""
    first, second = rig.issue(), rig.issue()
    worker = rig.hub.hub.worker
    busy, release, arrived = threading.Event(), threading.Event(), threading.Event()
    submit = worker.submit
    deliveries: list[str] = []

    def watched_submit(job):  # the hub's worker is real; this only notes the press arriving
        future = submit(job)
        if getattr(job, "op", None) == "counter.call_next":  # not the hub's own read jobs
            deliveries.append(job.req)
            arrived.set()
        return future

    monkeypatch.setattr(worker, "submit", watched_submit)
    threading.Thread(target=worker.run_in_worker, args=(lambda e: (busy.set(), release.wait(20)),),
                     daemon=True).start()
    assert busy.wait(10)  # the engine is busy …
    assert rig.press(Action.NEXT)
    assert arrived.wait(10)  # … the press has reached the hub …
    rig.broker_down()  # … and the broker goes away before the hub can answer
    release.set()
    assert rig.tickets() == {first: "called", second: "waiting"}  # applied, reply lost
    assert rig.vm().pending == "next"
    rig.broker_up()
    vm = rig.wait_settled(timeout=15)
    assert vm.ticket.number == first and rig.shown() == first
    assert rig.tickets() == {first: "called", second: "waiting"}
    assert len(rig.hub_events("ticket.called")) == 1
    assert rig.hub_ops() == ["counter.call_next"]
    assert len(set(deliveries)) == 1  # however often it was delivered, it was one request id
