"""One scenario day on a virtual clock, driving the real engine.

Citizens (Poisson arrivals per hour, bursts) take tickets with
:meth:`Engine.issue_ticket`; clerks press Next (:meth:`Engine.call_next`)
whenever their counter is free and open, start and finish the service after
the citizen's log-normal service time, or mark a no-show. Counters open and
pause with their hours (:meth:`Engine.resume`, :meth:`Engine.pause`); at the
day's close the doors shut and the counters still open serve whoever waits.

At each issue we record what the hub would tell that citizen — the same call
the presenter makes for a new ticket (:meth:`Engine.wait_for`) — and the naive
figure, then the real wait when the ticket is called.

Every citizen's service time and no-show are drawn when they arrive, from a
stream of random numbers that depends only on the seed and the arrivals: two
variants of an office (more counters, a rule off) meet the same citizens.
"""

from __future__ import annotations

import heapq
import math
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from hub.engine import Engine
from hub.engine.model import C_CALLED, C_OPEN, C_SERVING
from hub.engine.routing import profile_of
from hub.simulate.scenario import Scenario


@dataclass(slots=True)
class Citizen:
    at: float
    """Seconds after midnight."""
    service: str
    duration: float
    no_show: bool
    priority: bool


@dataclass(slots=True)
class TicketRecord:
    service: str
    issued: float
    """Seconds after midnight."""
    priority: bool
    est: float | None
    """The hub's estimate at issue (None: no open counter serves it)."""
    naive: float
    """People ahead × the day's mean service time ÷ open counters (the textbook figure)."""
    naive_serving: float
    """The same ÷ only the open counters that serve this service (a stricter baseline)."""
    called: float | None = None
    counter: int | None = None
    no_show: bool = False

    @property
    def wait(self) -> float | None:
        return None if self.called is None else self.called - self.issued


@dataclass
class CounterRecord:
    number: int
    open_intervals: list[tuple[float, float]] = field(default_factory=list)
    busy_intervals: list[tuple[float, float]] = field(default_factory=list)
    served: int = 0


@dataclass
class DayResult:
    scenario: Scenario
    seed: int
    rules: bool
    tickets: list[TicketRecord]
    counters: dict[int, CounterRecord]
    end: float
    """When the last citizen left a counter (seconds after midnight)."""


def lognormal(rng: random.Random, mean: float, sd: float) -> float:
    if sd <= 0:
        return mean
    sigma2 = math.log(1.0 + (sd / mean) ** 2)
    return rng.lognormvariate(math.log(mean) - sigma2 / 2, math.sqrt(sigma2))


def citizens(sc: Scenario, seed: int) -> list[Citizen]:
    """Everyone who comes today, in order of arrival (deterministic for a seed)."""
    arrive = random.Random(seed * 7919 + 1)
    traits = random.Random(seed * 7919 + 2)
    b = sc.behaviour
    out: list[tuple[float, int, str]] = []
    order = 0
    for a in sc.arrivals:
        for hour, rate in sorted(a.per_hour.items()):
            if rate <= 0:
                continue
            start, end = max(hour * 3600, sc.open_s), min(hour * 3600 + 3600, sc.close_s)
            t = start
            while True:
                t += arrive.expovariate(rate / 3600.0)
                if t >= end:
                    break
                out.append((t, order, a.service))
                order += 1
    for burst in sc.bursts:
        for _ in range(burst.count):
            out.append((float(burst.at), order, burst.service))
            order += 1
    out.sort()
    people = []
    for t, _, sid in out:
        svc = sc.service(sid)
        # Drawn in a fixed order per citizen so variants of the office meet the same people.
        duration = lognormal(traits, svc.mean_s, svc.sd_s)
        no_show = traits.random() < b.no_show
        priority = traits.random() < b.priority
        people.append(Citizen(t, sid, max(1.0, duration), no_show, priority))
    return people


def run(sc: Scenario, seed: int = 1, *, rules: bool = True) -> DayResult:
    midnight = datetime.combine(date.fromisoformat(sc.date), datetime.min.time(), UTC).timestamp()
    clock = [midnight + sc.open_s]
    engine = Engine(lambda: clock[0])
    engine.update_settings(tz="UTC")
    for k, svc in enumerate(sc.services):
        engine.upsert_service({"id": svc.id, "names": {"hu": svc.name, "en": svc.name}, "prefix": svc.prefix,
                               "mean_service_s": svc.mean_s, "sla_s": int(svc.sla_s), "order": k})
    for c in sc.counters:
        engine.upsert_counter(c.number, name=c.name or None, profile=c.profile)
    if rules:
        for k, r in enumerate(sc.rules):
            engine.upsert_rule({"id": f"r{k + 1}", "service": r.service, "min_waiting": r.min_waiting,
                                "min_wait_s": r.min_wait_s, "boost": r.weight})
    engine.take_events()
    state = engine.state
    index = engine.index

    heap: list[tuple[float, int, int, int]] = []  # (time, kind, order, arg)
    seq = 0
    # At the same instant: counters open first, then clerks finish, then citizens arrive.
    OPEN, DONE, NOSHOW, FREE, ARRIVE, CLOSE = range(6)

    def push(t: float, kind: int, arg: int) -> None:
        nonlocal seq
        seq += 1
        heapq.heappush(heap, (t, kind, seq, arg))

    people = citizens(sc, seed)
    for i, p in enumerate(people):
        push(p.at, ARRIVE, i)
    spec = {c.number: c for c in sc.counters}
    for c in sc.counters:
        for a, b in c.hours:
            push(float(a), OPEN, c.number)
            push(float(b), CLOSE, c.number)

    records: list[TicketRecord] = []
    by_ticket: dict[str, tuple[int, Citizen]] = {}
    current: dict[int, tuple[int, Citizen]] = {}  # counter → (record index, citizen) being served
    counters = {c.number: CounterRecord(c.number) for c in sc.counters}
    is_open: dict[int, bool] = dict.fromkeys(spec, False)  # within its hours
    draining: dict[int, bool] = dict.fromkeys(spec, False)  # after the day's close: serve who waits
    paused: dict[int, bool] = dict.fromkeys(spec, True)
    idle: dict[int, float] = {}  # counter → idle since (open, free, nobody to call)
    busy_since: dict[int, float] = {}
    resting: set[int] = set()
    open_since: dict[int, float] = {}
    # The naive figure's inputs: the day's finished service times, per service.
    done_sum: dict[str, float] = {}
    done_n: dict[str, int] = {}
    serves = {c.number: {e["service"] for e in c.profile} or {s.id for s in sc.services} for c in sc.counters}
    mean_prior = {s.id: s.mean_s for s in sc.services}
    gap = sc.behaviour.gap_s
    wait_show = sc.behaviour.no_show_wait_s

    def set_clock(t: float) -> None:
        clock[0] = midnight + t

    def pause(n: int, t: float) -> None:
        if not paused[n]:
            engine.pause(n, "hours")
            paused[n] = True
            idle.pop(n, None)
            counters[n].open_intervals.append((open_since.pop(n), t))

    def try_call(n: int, t: float) -> None:
        if n in current or n in resting:
            return  # busy, or between two customers (a FREE event follows)
        ticket = engine.call_next(n)
        if ticket is None:
            if draining[n] or not is_open[n]:
                pause(n, t)
            else:
                idle.setdefault(n, t)
            return
        idle.pop(n, None)
        k, person = by_ticket.pop(ticket.id)
        rec = records[k]
        rec.called, rec.counter = t, n
        busy_since[n] = t
        current[n] = (k, person)
        if person.no_show:
            rec.no_show = True
            push(t + wait_show, NOSHOW, n)
        else:
            engine.start(n)
            push(t + person.duration, DONE, n)

    def release(n: int, t: float) -> None:
        counters[n].busy_intervals.append((busy_since.pop(n), t))
        del current[n]
        if gap > 0:
            resting.add(n)
            push(t + gap, FREE, n)
        else:
            free(n, t)

    def free(n: int, t: float) -> None:
        if is_open[n] or draining[n]:
            try_call(n, t)
        else:
            pause(n, t)

    def naive(sid: str) -> tuple[float, float]:
        """People ahead × the day's mean service time so far ÷ open counters (all; those serving sid)."""
        ahead = max(0, index.waiting_for(sid) - 1)
        if done_n.get(sid):
            mean = done_sum[sid] / done_n[sid]
        elif done_n:
            mean = sum(done_sum.values()) / sum(done_n.values())
        else:
            mean = mean_prior[sid]
        n_open = n_serving = 0
        for c in state.counters.values():
            if c.state in (C_OPEN, C_CALLED, C_SERVING):
                n_open += 1
                n_serving += sid in profile_of(state, c)
        return ahead * mean / max(1, n_open), ahead * mean / max(1, n_serving)

    end = float(sc.open_s)
    while heap:
        t, kind, _, arg = heapq.heappop(heap)
        set_clock(t)
        end = max(end, t)
        if kind == ARRIVE:
            person = people[arg]
            ticket = engine.issue_ticket([person.service], priority=person.priority)
            figure = engine.wait_for(ticket)  # what the presenter tells this citizen
            plain, serving = naive(person.service)
            records.append(TicketRecord(person.service, t, person.priority,
                                        None if figure is None else figure[0], plain, serving))
            by_ticket[ticket.id] = (len(records) - 1, person)
            for n in sorted(idle, key=idle.__getitem__):
                if person.service in serves[n]:
                    try_call(n, t)
                    if ticket.id not in by_ticket:
                        break
        elif kind == OPEN:
            is_open[arg] = True
            draining[arg] = False
            if paused[arg]:
                engine.resume(arg)
                paused[arg] = False
                open_since[arg] = t
                try_call(arg, t)
        elif kind == CLOSE:
            is_open[arg] = False
            last = max(b for _, b in spec[arg].hours)
            if t >= last and t >= sc.close_s:
                draining[arg] = True  # the doors shut; whoever waits is still served
            if arg not in current and arg not in resting:
                if draining[arg]:
                    try_call(arg, t)
                else:
                    pause(arg, t)
        elif kind == DONE:
            k, person = current[arg]
            engine.finish(arg)
            done_sum[person.service] = done_sum.get(person.service, 0.0) + person.duration
            done_n[person.service] = done_n.get(person.service, 0) + 1
            counters[arg].served += 1
            release(arg, t)
        elif kind == NOSHOW:
            engine.no_show(arg)
            release(arg, t)
        elif kind == FREE:
            resting.discard(arg)
            free(arg, t)
    for n in list(open_since):
        counters[n].open_intervals.append((open_since.pop(n), end))
    last_out = max((b for c in counters.values() for _, b in c.busy_intervals), default=float(sc.open_s))
    return DayResult(sc, seed, rules, records, counters, last_out)
