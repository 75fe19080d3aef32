"""Estimated wait against what really happened, in a simulated office day.

A discrete-event simulation drives the real engine with a virtual clock:
citizens arrive (Poisson, busier mornings) for four services, six counters
with different profiles call them when free, service times are lognormal
around each service's own mean, a few customers are priority, a few do not
show up. At every ticket issue we record the engine's estimate and the
naive one (people ahead for that service × mean service time ÷ open
counters); when the ticket is called we know the truth. Target: the
engine's mean absolute error beats the naive one.
"""

from __future__ import annotations

import heapq
import math
import random
import statistics

from benchmarks.common import write_result
from hub.engine import Engine
from hub.engine.estimate import naive
from hub.engine.hours import day_of

SERVICES = {"A": 240.0, "B": 480.0, "C": 300.0, "D": 600.0}
SHARE = {"A": 0.45, "B": 0.2, "C": 0.25, "D": 0.1}
COUNTERS = {
    1: [("A", 3), ("B", 1)],
    2: [("A", 1), ("B", 3)],
    3: [("C", 2), ("D", 1)],
    4: [],
    5: [("A", 1)],
    6: [("D", 2), ("C", 1)],
}
DAY_START = 1795392000.0 + 8 * 3600  # 2026-11-23 08:00 UTC
HOURS = 8


def arrival_rate(t: float) -> float:
    """Citizens per second: busiest in the morning, a lunch peak."""
    h = (t - DAY_START) / 3600
    per_hour = 55 + 25 * math.exp(-((h - 1.5) ** 2)) + 15 * math.exp(-((h - 4.5) ** 2))
    return per_hour / 3600


def simulate(seed: int) -> dict[str, float]:
    rng = random.Random(seed)
    now = [DAY_START]
    e = Engine(lambda: now[0])
    e.update_settings(tz="UTC")
    for sid, mean in SERVICES.items():
        e.upsert_service({"id": sid, "names": {"hu": sid, "en": sid}, "prefix": sid, "mean_service_s": mean})
    for n, profile in COUNTERS.items():
        e.upsert_counter(n, profile=[{"service": s, "weight": w} for s, w in profile])
        e.resume(n)
    events: list[tuple[float, int, str, int]] = []  # (time, seq, kind, counter)
    seq = 0

    def push(t: float, kind: str, counter: int = 0) -> None:
        nonlocal seq
        seq += 1
        heapq.heappush(events, (t, seq, kind, counter))

    push(DAY_START + rng.expovariate(arrival_rate(DAY_START)), "arrive")
    for n in COUNTERS:
        push(DAY_START + rng.uniform(0, 30), "free", n)
    predicted: dict[str, tuple[float, float, float]] = {}
    errors_engine: list[float] = []
    errors_naive: list[float] = []
    end = DAY_START + HOURS * 3600
    while events:
        t, _, kind, counter = heapq.heappop(events)
        now[0] = t
        if kind == "arrive":
            if t < end:
                sid = rng.choices(list(SHARE), weights=list(SHARE.values()))[0]
                ticket = e.issue_ticket([sid], priority=rng.random() < 0.05)
                figure = e.wait_for(ticket)  # what the hub replies and prints on the ticket
                predicted[ticket.id] = (t, figure[0] if figure else 0.0, naive(e.state, sid))
                push(t + rng.expovariate(arrival_rate(t)), "arrive")
        elif kind == "free":
            called = e.call_next(counter)
            if called is None:
                if t < end + 3 * 3600:
                    push(t + 20, "free", counter)  # idle: look again shortly
                continue
            if called.id in predicted:
                issued, est_engine, est_naive = predicted.pop(called.id)
                actual = t - issued
                errors_engine.append(abs(est_engine - actual))
                errors_naive.append(abs(est_naive - actual))
            if rng.random() < 0.04:
                push(t + 60, "no_show", counter)
                continue
            sid = called.pending[0]
            duration = rng.lognormvariate(math.log(SERVICES[sid]) - 0.08, 0.4)
            push(t + duration, "done", counter)
        elif kind == "no_show":
            e.no_show(counter)
            push(t + 5, "free", counter)
        elif kind == "done":
            e.finish(counter)
            push(t + rng.uniform(5, 25), "free", counter)
    assert day_of(now[0], "UTC") == day_of(DAY_START, "UTC")
    return {
        "tickets": len(errors_engine),
        "mae_engine_s": statistics.mean(errors_engine),
        "mae_naive_s": statistics.mean(errors_naive),
        "median_abs_err_engine_s": statistics.median(errors_engine),
        "median_abs_err_naive_s": statistics.median(errors_naive),
    }


def coalesced(seed: int, exact_waiting: int) -> dict[str, float]:
    """The same day with the estimate simulated only every ``waiting / exact_waiting`` changes
    (as the hub does for queues longer than EXACT_WAITING): what coalescing costs in accuracy."""
    from hub.engine import waits as waits_module

    saved = waits_module.EXACT_WAITING
    waits_module.EXACT_WAITING = exact_waiting
    try:
        return simulate(seed)
    finally:
        waits_module.EXACT_WAITING = saved


def main(quick: bool = False) -> dict:
    seeds = (1, 2, 3)
    days = [simulate(seed) for seed in seeds]
    engine = statistics.mean(d["mae_engine_s"] for d in days)
    naive_mae = statistics.mean(d["mae_naive_s"] for d in days)
    # Queues here are tens long, so the hub simulates after every change; force coalescing
    # (a new simulation every ~waiting/2 changes) to see what it costs.
    forced = [coalesced(seed, 2) for seed in seeds]
    forced_mae = statistics.mean(d["mae_engine_s"] for d in forced)
    return write_result("estimate", {
        "days": [{k: round(v, 1) for k, v in d.items()} for d in days],
        "mae_engine_s": round(engine, 1),
        "mae_naive_s": round(naive_mae, 1),
        "improvement": round(1 - engine / naive_mae, 3),
        "coalesced_every_half_queue": {"mae_engine_s": round(forced_mae, 1),
                                       "improvement": round(1 - forced_mae / naive_mae, 3)},
        "target": "engine MAE below naive MAE, coalesced too",
        "target_met": engine < naive_mae and forced_mae < naive_mae,
    })


if __name__ == "__main__":
    main()
