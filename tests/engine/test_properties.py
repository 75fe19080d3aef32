"""Property-based: random interleavings of every operation keep the invariants.

After each step: a ticket is in exactly one place, numbers are unique per
prefix per day, counts reconcile, and both the replayed event log and the
state reloaded from a real SQLite store equal the live state.
"""

from __future__ import annotations

import tempfile
from collections import Counter as Tally
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.engine import Engine, EngineError, State, apply, routing
from hub.engine.model import CALLED, SERVING
from hub.engine.pins import hash_pin
from hub.engine.queueindex import queue_index
from hub.store import Store
from tests.engine.helpers import Clock

COUNTERS = (1, 2, 3)
SERVICES = ("A", "B", "C")

op = st.one_of(
    st.tuples(st.just("issue"), st.lists(st.sampled_from(SERVICES), min_size=1, max_size=3, unique=True),
              st.booleans()),
    st.tuples(st.just("call_next"), st.sampled_from(COUNTERS)),
    st.tuples(st.just("recall"), st.sampled_from(COUNTERS)),
    st.tuples(st.just("start"), st.sampled_from(COUNTERS)),
    st.tuples(st.just("finish"), st.sampled_from(COUNTERS)),
    st.tuples(st.just("no_show"), st.sampled_from(COUNTERS)),
    st.tuples(st.just("return"), st.integers(0, 30)),
    st.tuples(st.just("transfer_service"), st.sampled_from(COUNTERS), st.sampled_from(SERVICES),
              st.sampled_from(["first", "last"])),
    st.tuples(st.just("transfer_counter"), st.sampled_from(COUNTERS), st.sampled_from(COUNTERS),
              st.sampled_from(["first", "last"])),
    st.tuples(st.just("park"), st.sampled_from(COUNTERS)),
    st.tuples(st.just("unpark"), st.sampled_from(COUNTERS), st.integers(0, 30)),
    st.tuples(st.just("pause"), st.sampled_from(COUNTERS)),
    st.tuples(st.just("resume"), st.sampled_from(COUNTERS)),
    st.tuples(st.just("close"), st.sampled_from(COUNTERS)),
    st.tuples(st.just("login"), st.sampled_from(COUNTERS), st.sampled_from(["kata", "peti"])),
    st.tuples(st.just("logout"), st.sampled_from(COUNTERS)),
    st.tuples(st.just("bg_start"), st.sampled_from(COUNTERS)),
    st.tuples(st.just("bg_stop"), st.sampled_from(COUNTERS)),
    st.tuples(st.just("feedback"), st.sampled_from(COUNTERS), st.sampled_from(["good", "neutral", "bad"])),
    st.tuples(st.just("cancel"), st.integers(0, 30)),
    st.tuples(st.just("wait"), st.integers(1, 4000)),
    st.tuples(st.just("next_day")),
    st.tuples(st.just("join_remote"), st.sampled_from(SERVICES), st.integers(0, 3)),
    st.tuples(st.just("check_in_remote"), st.integers(0, 30)),
)


def setup_office(clock: Clock) -> Engine:
    e = Engine(clock)
    for sid in SERVICES:
        e.upsert_service({"id": sid, "names": {"hu": sid, "en": sid}, "prefix": sid, "remote": sid != "C"})
    e.upsert_outcome({"code": "ok", "names": {"hu": "Rendben"}})
    e.upsert_counter(1)
    e.upsert_counter(2, profile=[{"service": "A", "weight": 2}, {"service": "B", "weight": 1}])
    e.upsert_counter(3, profile=[{"service": "C", "weight": 1}])
    e.upsert_clerk({"id": "kata", "name": "Kata", "pin_hash": hash_pin("1111", "s1")})
    e.upsert_clerk({"id": "peti", "name": "Peti", "pin_hash": hash_pin("2222", "s2"),
                    "profile": [{"service": "B", "weight": 1}]})
    return e


def run(e: Engine, clock: Clock, step: tuple) -> None:
    name = step[0]
    ids = sorted(e.state.tickets)
    pick = (lambda i: ids[i % len(ids)]) if ids else (lambda i: "none")
    if name == "issue":
        e.issue_ticket(list(step[1]), priority=step[2], token=f"tok{len(ids)}")
    elif name == "call_next":
        e.call_next(step[1])
    elif name == "recall":
        e.recall(step[1])
    elif name == "start":
        e.start(step[1])
    elif name == "finish":
        e.finish(step[1], ["ok"])
    elif name == "no_show":
        e.no_show(step[1])
    elif name == "return":
        e.return_ticket(pick(step[1]))
    elif name == "transfer_service":
        e.transfer(step[1], service=step[2], position=step[3])
    elif name == "transfer_counter":
        e.transfer(step[1], to_counter=step[2], position=step[3])
    elif name == "park":
        e.park(step[1])
    elif name == "unpark":
        e.unpark(step[1], pick(step[2]))
    elif name == "pause":
        e.pause(step[1], "break")
    elif name == "resume":
        e.resume(step[1])
    elif name == "close":
        e.close(step[1])
    elif name == "login":
        e.login(step[1], step[2], {"kata": "1111", "peti": "2222"}[step[2]])
    elif name == "logout":
        e.logout(step[1])
    elif name == "bg_start":
        e.background_start(step[1], "mail", "note")
    elif name == "bg_stop":
        e.background_stop(step[1])
    elif name == "feedback":
        e.feedback(step[1], step[2])
    elif name == "cancel":
        e.cancel_ticket(pick(step[1]))
    elif name == "join_remote":
        e.remote.join(step[1], contact=f"+3630{step[2]}", origin=f"ip{step[2]}", code=f"{len(ids):06d}",
                      token=f"tok{len(ids)}")
    elif name == "check_in_remote":
        e.remote.check_in(f"{step[1]:06d}")
    elif name == "wait":
        clock.advance(step[1])
    elif name == "next_day":
        clock.advance(24 * 3600)
        e.end_of_day()


def check_invariants(e: Engine, issued_today: int) -> None:
    s = e.state
    # a ticket at a counter is exactly the counter's current ticket, and vice versa
    held = Tally(c.ticket for c in s.counters.values() if c.ticket)
    assert all(n == 1 for n in held.values()), "a ticket is at two counters"
    for t in s.tickets.values():
        at_counter = held.get(t.id, 0) == 1
        assert at_counter == (t.state in (CALLED, SERVING)), (t.id, t.state)
        if at_counter:
            assert s.counters[t.counter].ticket == t.id
    for c in s.counters.values():
        if c.ticket:
            assert s.tickets[c.ticket].state in (CALLED, SERVING)
            assert c.state in ("called", "serving")
        else:
            assert c.state in ("open", "paused", "closed")
    # numbers unique per prefix per day, and numbering matches what was issued
    numbers = [(t.day, t.number) for t in s.tickets.values()]
    assert len(numbers) == len(set(numbers))
    for prefix, last in s.numbering.items():
        assert last == max(int(t.number[len(prefix):]) for t in s.tickets.values() if t.prefix == prefix)
    # counts reconcile: every ticket issued today is in exactly one state
    assert sum(Tally(t.state for t in s.tickets.values()).values()) == issued_today == len(s.tickets)
    check_index(e)


def check_index(e: Engine) -> None:
    """The incremental index equals a rebuild, and calling from group heads equals a full scan."""
    s = e.state
    index = queue_index(s)
    index.check(s)
    now = e.clock()
    lead = s.settings.appointment_lead_s
    for c in s.counters.values():
        weights = routing.profile_of(s, c)
        full = routing.pick(s.tickets.values(), c, weights, e.boosts(), now, lead)
        fast = routing.pick(index.candidates(c.number, weights, now), c, weights, e.boosts(), now, lead)
        assert (full.id if full else None) == (fast.id if fast else None), (c.number, full, fast)
    est = e.estimate()
    waiting = {t.id for t in s.tickets.values() if t.state == "waiting"}
    assert set(est.wait_s) <= waiting
    for t in s.tickets.values():
        if t.state == "waiting":
            figure = e.wait_for(t)
            assert figure is None or figure[0] >= 0


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(op, min_size=1, max_size=60))
def test_random_operations_keep_invariants(steps: list[tuple]) -> None:
    clock = Clock()
    e = setup_office(clock)
    events = e.take_events()
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "t.db")
        store.commit(e.state, events)
        for step in steps:
            try:
                run(e, clock, step)
            except EngineError:
                assert e.take_events() == [], "a refused command emitted events"
                continue
            new = e.take_events()
            events += new
            store.commit(e.state, new)
            issued_today = sum(1 for ev in events if ev["type"] == "ticket.issued" and
                               ev["ticket"]["day"] == e.state.day)
            check_invariants(e, issued_today)
        replayed = State()
        for ev in events:
            apply(replayed, ev)
        assert replayed.snapshot() == e.state.snapshot()
        assert store.load_state().snapshot() == e.state.snapshot()
        assert list(store.events()) == events
        # history: every ticket ever issued has a row; earlier days' rows are all final
        issued = sum(1 for ev in events if ev["type"] == "ticket.issued")
        assert store.db.execute("SELECT COUNT(*) FROM tickets").fetchone()[0] == issued
        old_states = {r[0] for r in store.db.execute("SELECT state FROM tickets WHERE day < ?", [e.state.day])}
        assert old_states <= {"done", "closed", "cancelled"}
        ok = store.db.execute("PRAGMA integrity_check").fetchone()[0]
        store.close()
        assert ok == "ok"
