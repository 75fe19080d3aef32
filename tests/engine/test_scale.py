"""What keeps a busy day cheap: numbers that never run out, frozen finished tickets, the queue
index, and an estimate that is not re-simulated over a long queue after every change."""

from __future__ import annotations

from hub.engine import State, apply
from hub.engine import estimate as estimate_module
from hub.engine import waits as waits_module
from hub.engine.model import DONE, FrozenTicket, Ticket, TicketBook, freeze, thaw
from hub.engine.queueindex import queue_index
from tests.engine.helpers import Clock, office, quick_next


def record_calls(monkeypatch, module, name: str) -> list[tuple]:  # type: ignore[no-untyped-def]
    """Wrap ``module.name`` so that each call's arguments are noted; returns the notes."""
    calls: list[tuple] = []
    real = getattr(module, name)

    def recording(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, recording)
    return calls


def test_numbers_grow_past_999_and_9999_and_are_never_reused() -> None:
    clock = Clock()
    e = office(clock)
    e.state.numbering["A"] = 998  # as if 998 A tickets had been issued today
    labels = [e.issue_ticket(["A"]).number for _ in range(3)]
    assert labels == ["A999", "A1000", "A1001"]
    e.state.numbering["A"] = 9_999
    assert e.issue_ticket(["A"]).number == "A10000"  # the 10,000th is issued, not refused
    assert e.issue_ticket(["B"]).number == "B001"
    numbers = [t.number for t in e.state.tickets.values()]
    assert len(numbers) == len(set(numbers))


def test_a_finished_ticket_is_frozen_and_reads_the_same() -> None:
    clock = Clock()
    e = office(clock)
    e.resume(1)
    t = e.issue_ticket(["A"], token="tok-1")
    e.call_next(1)
    clock.advance(60)
    e.finish(1, ["resolved"])
    book = e.state.tickets
    assert isinstance(book, TicketBook) and book.live() == 0
    done = book[t.id]
    assert done.state == DONE and done.marks == ["resolved"] and done.token == "tok-1"
    view = next(iter(book.values()))
    assert isinstance(view, FrozenTicket) and view.state == DONE and view.number == t.number
    assert thaw(freeze(done)).to_dict() == done.to_dict()
    assert e.find_ticket(token="tok-1").id == t.id
    assert e.find_ticket(number=t.number).id == t.id
    # replaying the events gives the same tickets, frozen the same way
    fresh = State()
    for ev in e.take_events():
        apply(fresh, ev)
    assert fresh.snapshot() == e.state.snapshot()


def test_call_next_and_the_published_counts_do_not_scan_the_day() -> None:
    clock = Clock()
    e = quick_next(office(clock))
    e.resume(1)
    for _ in range(300):  # a day's worth of finished tickets
        e.issue_ticket(["A"])
        e.call_next(1)
        e.finish(1)
    for i in range(50):
        e.issue_ticket(["A" if i % 2 else "B"])
    index = queue_index(e.state)
    index.check(e.state)
    assert index.waiting_for("A") == 25 and index.waiting_for("B") == 25
    assert index.counts[DONE] == 300

    class Counting(TicketBook):
        values_calls = 0

        def values(self):  # type: ignore[override]
            Counting.values_calls += 1
            return super().values()

    e.state.tickets = Counting(e.state.tickets.items())
    queue_index(e.state)  # rebuilt once for the new book (a reload does the same)
    Counting.values_calls = 0
    for _ in range(5):
        e.issue_ticket(["A"])
        e.call_next(1)
    assert Counting.values_calls == 0


def test_a_long_queue_is_simulated_once_per_several_changes(monkeypatch) -> None:
    clock = Clock()
    e = office(clock)
    e.resume(1)
    monkeypatch.setattr(waits_module, "EXACT_WAITING", 10)
    runs = record_calls(monkeypatch, waits_module, "simulate")
    for _ in range(100):
        e.issue_ticket(["A"])
    e.estimate()
    runs.clear()
    figures = []
    for _ in range(20):
        clock.advance(0.3)  # past LONG_QUEUE_EVERY_S each: the count of changes decides
        t = e.issue_ticket(["A"])  # one change each; 100+ waiting / 10 → a run every ~10 changes
        figures.append(e.wait_for(t))
    assert 1 <= len(runs) <= 4  # ~2 by the count, and the clock may enter a new 5-second step once or twice
    # between runs a new ticket still gets a figure: behind the last one simulated, never less
    waits = [w for w, _ in figures]
    aheads = [a for _, a in figures]
    assert all(w > 0 for w in waits)
    assert aheads == sorted(aheads) and aheads[-1] >= 100
    exact = estimate_module.simulate(e.state, clock(), {}, e.waits.service_times.times(e.state))
    assert abs(waits[-1] - exact.wait_s[t.id]) <= 0.1 * exact.wait_s[t.id]


def test_a_burst_on_a_long_queue_is_simulated_at_most_four_times_a_second(monkeypatch) -> None:
    clock = Clock()
    e = office(clock)
    e.resume(1)
    for _ in range(200):
        e.issue_ticket(["A"])
    e.estimate()
    runs = record_calls(monkeypatch, waits_module, "simulate")
    last = None
    for _ in range(40):  # sixteen kiosks at once: many changes within a quarter of a second
        clock.advance(0.005)
        last = e.issue_ticket(["A"])
        assert e.wait_for(last) is not None
    assert runs == []
    clock.advance(waits_module.LONG_QUEUE_EVERY_S)
    e.issue_ticket(["A"])
    e.estimate()
    assert len(runs) == 1  # the burst is over: simulated again


def test_ticket_slots_keep_a_ticket_small() -> None:
    t = Ticket(id="x", day="d", number="A001", prefix="A", services=["A"], pending=["A"])
    assert not hasattr(t, "__dict__")


def test_finished_tickets_compressed_in_blocks_read_the_same(monkeypatch) -> None:
    monkeypatch.setattr(TicketBook, "BLOCK", 4)
    clock = Clock()
    e = office(clock)
    e.resume(1)
    ids = []
    for i in range(30):
        t = e.issue_ticket(["A" if i % 3 else "B"], token=f"tok{i}")
        ids.append(t.id)
        e.call_next(1)
        clock.advance(30)
        if i % 5 == 0:
            e.no_show(1)  # stays open: a no-show may come back
        else:
            e.finish(1, ["ok"])
    e.feedback(1, "good")  # names a finished ticket: it is filed again, not twice
    book = e.state.tickets
    assert any(type(v).__name__ == "_Block" for v in book._d.values())
    for i, tid in enumerate(ids):
        assert book[tid].token == f"tok{i}"
        assert e.find_ticket(token=f"tok{i}").id == tid
    states = [t.state for t in book.values()]
    assert states.count(DONE) == 24 and states.count("no_show") == 6
    assert [t.number for t in book.values()] == [book[tid].number for tid in ids]
    queue_index(e.state).check(e.state)
    fresh = State()
    for ev in e.take_events():
        apply(fresh, ev)
    assert fresh.snapshot() == e.state.snapshot()


def test_random_operations_keep_invariants_with_tiny_blocks(monkeypatch) -> None:
    from tests.engine.test_properties import test_random_operations_keep_invariants

    monkeypatch.setattr(TicketBook, "BLOCK", 2)  # every second finished ticket closes a block
    test_random_operations_keep_invariants()


def test_people_ahead_with_no_counter_open_and_priority_counts_come_from_the_index() -> None:
    """Kiosks issue before any clerk signs in (the morning rush): "ahead" then counts the ticket's own
    queue, by a binary search in the index's ordered sequence numbers; it agrees with counting it out,
    and so do the dashboard's priority counts per service."""
    clock = Clock()
    e = office(clock)
    tickets = [e.issue_ticket(["A" if i % 3 else "B"], priority=(i % 7 == 0)) for i in range(120)]
    e.cancel_ticket(tickets[5].id)
    e.cancel_ticket(tickets[40].id)
    e.resume(1)
    e.call_next(1)  # takes one out of the middle of the order (a priority ticket goes first)
    e.finish(1)
    e.close(1)
    index = queue_index(e.state)
    index.check(e.state)
    waiting = [t for t in e.state.tickets.values() if t.state == "waiting"]
    for t in waiting:
        same_queue = [o for o in waiting if o.pending[:1] == t.pending[:1]]
        assert e.ahead_of(t) == sum(1 for o in same_queue if o.queue_seq < t.queue_seq)
    for sid in ("A", "B"):
        assert index.priority_waiting(sid) == sum(1 for o in waiting if o.pending[:1] == [sid] and o.priority)


def test_the_busy_counters_free_moments_are_reused_only_while_they_serve_the_same_customers(monkeypatch) -> None:
    clock = Clock()
    e = quick_next(office(clock))
    for n in (1, 2):
        e.resume(n)
        e.issue_ticket(["A"])
        e.call_next(n)
        clock.advance(40)
    calls = record_calls(monkeypatch, estimate_module, "staggered")

    def stagger_runs() -> list[int]:  # busy counters in each run
        return [len(busy) for (busy,) in calls]

    first = e.wait_for(e.issue_ticket(["A"]))
    assert stagger_runs() == [2]
    clock.advance(0.2)
    t = e.issue_ticket(["A"])  # the queue changed, the counters did not: their moments are reused
    reused = e.wait_for(t)
    assert stagger_runs() == [2]
    exact = estimate_module.simulate(e.state, clock(), {}, e.waits.service_times.times(e.state))
    assert reused is not None and first is not None
    assert abs(reused[0] - exact.wait_s[t.id]) <= 0.5 and reused[1] == exact.ahead[t.id]
    calls.pop()  # the check's own simulation above
    clock.advance(waits_module.FREE_MOMENTS_FOR_S)
    e.issue_ticket(["A"])
    e.estimate()
    assert stagger_runs() == [2, 2]  # too old: worked out again
    e.finish(1)
    e.call_next(1)  # counter 1 serves someone else now
    e.issue_ticket(["A"])
    e.estimate()
    assert stagger_runs() == [2, 2, 2]


def test_a_remote_ticket_checking_in_between_simulations_is_counted_at_its_place() -> None:
    # Between two runs over a long queue, a new entry is figured as the last of its queue; a
    # remote ticket checking in takes its earlier place instead, so the figures are run again.
    clock = Clock()
    e = quick_next(office(clock))
    e.upsert_service({"id": "A", "remote": True})
    e.resume(1)
    for _ in range(30):
        e.issue_ticket(["A"])
    r = e.remote.join("A", contact="+36301234567", origin="ip-1", code="123456", token="tok")
    for _ in range(40):
        e.issue_ticket(["A"])
    e.estimate()
    clock.advance(0.01)
    x1, x2 = e.issue_ticket(["A"]), e.issue_ticket(["A"])
    assert e.wait_for(x1) is not None and e.waits._queued_count == 2  # answered between runs
    e.remote.check_in("123456")  # after x1 and x2 in time, before them in the queue
    x3 = e.issue_ticket(["A"])
    exact = estimate_module.simulate(e.state, clock(), {}, e.waits.service_times.times(e.state))
    for t in (x1, x2, x3, e.state.tickets[r.id]):
        figure = e.wait_for(t)
        assert figure is not None and figure[1] == exact.ahead[t.id]
    assert exact.ahead[r.id] == 30 and exact.ahead[x1.id] == 71
