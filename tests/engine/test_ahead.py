"""Engine.ahead_of: people ahead of a ticket, the one figure every view shows."""

from __future__ import annotations

from tests.engine.helpers import Clock, office


def test_with_no_counter_open_ahead_is_the_tickets_own_queue() -> None:
    clock = Clock()
    e = office(clock)  # counters 1 and 2 exist but are closed
    a1 = e.issue_ticket(["A"])
    b1 = e.issue_ticket(["B"])
    a2 = e.issue_ticket(["A"])
    e.take_events()
    # The wait assumes one counter for everything; "ahead" does not count other services' queues.
    assert [e.ahead_of(t) for t in (a1, b1, a2)] == [0, 0, 1]


def test_ahead_follows_routing_and_is_zero_only_for_whom_is_next() -> None:
    clock = Clock()
    e = office(clock)
    e.resume(1)
    a1 = e.issue_ticket(["A"])
    a2 = e.issue_ticket(["A"])
    p = e.issue_ticket(["A"], priority=True)  # issued last, called first
    assert [e.ahead_of(t) for t in (p, a1, a2)] == [0, 1, 2]
    assert e.call_next(1).id == p.id
    assert e.ahead_of(p) == 0 and p.state != "waiting"  # called: 0, and only the state says called
    assert [e.ahead_of(t) for t in (a1, a2)] == [0, 1]
