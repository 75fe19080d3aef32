"""Figures of a simulated day: waits, SLA, utilisation, and how good the estimated wait was."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

from hub.simulate.day import DayResult, TicketRecord
from hub.simulate.scenario import hhmm


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Linear interpolation between closest ranks (q in 0–1); 0 for no values."""
    if not sorted_values:
        return 0.0
    pos = (len(sorted_values) - 1) * q
    lo = math.floor(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


def _r(x: float) -> float:
    return round(x, 1)


def waits(records: Iterable[TicketRecord]) -> dict[str, float]:
    w = sorted(r.wait for r in records if r.wait is not None)  # type: ignore[misc]
    if not w:
        return {"mean": 0.0, "p50": 0.0, "p90": 0.0, "max": 0.0}
    return {"mean": _r(sum(w) / len(w)), "p50": _r(percentile(w, 0.5)), "p90": _r(percentile(w, 0.9)),
            "max": _r(w[-1])}


def accuracy(records: Iterable[TicketRecord], which: str) -> dict[str, float]:
    """mae_s, bias_s (mean of estimate − real; positive: too pessimistic), p90_s (of |error|), n."""
    errors = [getattr(r, "est" if which == "estimate" else which) - r.wait  # type: ignore[operator]
              for r in records if r.wait is not None and r.est is not None]
    if not errors:
        return {"mae_s": 0.0, "bias_s": 0.0, "p90_s": 0.0, "n": 0}
    absolute = sorted(abs(e) for e in errors)
    return {"mae_s": _r(sum(absolute) / len(absolute)), "bias_s": _r(sum(errors) / len(errors)),
            "p90_s": _r(percentile(absolute, 0.9)), "n": len(errors)}


def sla_pct(records: Sequence[TicketRecord], sla: dict[str, float]) -> float:
    """Share of the tickets called within their service's target (never called: missed)."""
    if not records:
        return 100.0
    ok = sum(1 for r in records if r.wait is not None and r.wait <= sla[r.service])
    return _r(100.0 * ok / len(records))


def _overlap(intervals: Iterable[tuple[float, float]], a: float, b: float) -> float:
    return sum(max(0.0, min(y, b) - max(x, a)) for x, y in intervals)


def summarise(day: DayResult) -> dict[str, Any]:
    sc = day.scenario
    sla = {s.id: s.sla_s for s in sc.services}
    recs = day.tickets
    out: dict[str, Any] = {
        "scenario": sc.name,
        "seed": day.seed,
        "rules": day.rules,
        "tickets": len(recs),
        "called": sum(1 for r in recs if r.called is not None),
        "no_show": sum(1 for r in recs if r.no_show),
        "unserved": sum(1 for r in recs if r.called is None),
        "no_estimate": sum(1 for r in recs if r.est is None),
        "day": {"open": hhmm(sc.open_s), "close": hhmm(sc.close_s), "last_out": hhmm(day.end)},
        "wait_s": waits(recs),
        "sla_pct": {s.id: sla_pct([r for r in recs if r.service == s.id], sla) for s in sc.services},
        "sla_pct_all": sla_pct(recs, sla),
        "estimate": accuracy(recs, "estimate"),
        "naive": accuracy(recs, "naive"),
        "naive_serving": accuracy(recs, "naive_serving"),
    }
    busy_all = sum(sum(y - x for x, y in c.busy_intervals) for c in day.counters.values())
    open_all = sum(sum(y - x for x, y in c.open_intervals) for c in day.counters.values())
    out["utilisation_pct"] = _r(100.0 * busy_all / open_all) if open_all else 0.0
    services = {}
    for s in sc.services:
        mine = [r for r in recs if r.service == s.id]
        services[s.id] = {"name": s.name, "tickets": len(mine), "wait_s": waits(mine), "sla_s": s.sla_s,
                          "sla_pct": out["sla_pct"][s.id], "estimate": accuracy(mine, "estimate"),
                          "naive": accuracy(mine, "naive")}
    out["services"] = services
    hours: dict[str, Any] = {}
    for h in range(sc.open_s // 3600, (sc.close_s - 1) // 3600 + 1):  # the day's hours (not the last customers')
        mine = [r for r in recs if int(r.issued // 3600) == h]
        a, b = h * 3600.0, h * 3600.0 + 3600.0
        busy = sum(_overlap(c.busy_intervals, a, b) for c in day.counters.values())
        opened = sum(_overlap(c.open_intervals, a, b) for c in day.counters.values())
        if not mine and not opened:
            continue
        hours[f"{h:02d}"] = {"tickets": len(mine), "wait_s": waits(mine), "sla_pct": sla_pct(mine, sla),
                             "open_counters": _r(opened / 3600.0),
                             "utilisation_pct": _r(100.0 * busy / opened) if opened else 0.0,
                             "estimate": accuracy(mine, "estimate"), "naive": accuracy(mine, "naive")}
    out["hours"] = hours
    counters = {}
    for n, c in sorted(day.counters.items()):
        busy = sum(y - x for x, y in c.busy_intervals)
        opened = sum(y - x for x, y in c.open_intervals)
        counters[str(n)] = {"served": c.served, "open_s": round(opened), "busy_s": round(busy),
                            "utilisation_pct": _r(100.0 * busy / opened) if opened else 0.0}
    out["counters"] = counters
    return out


def _mmss(seconds: float) -> str:
    s = int(round(seconds))
    sign = "-" if s < 0 else ""
    s = abs(s)
    h, rest = divmod(s, 3600)
    m, s = divmod(rest, 60)
    return f"{sign}{h}:{m:02d}:{s:02d}" if h else f"{sign}{m}:{s:02d}"


def text(summary: dict[str, Any]) -> str:
    """The summary as a plain-text report (times as m:ss)."""
    s = summary
    lines = [
        f"Scenario {s['scenario']} (seed {s['seed']}, rules {'on' if s['rules'] else 'off'}): "
        f"{s['day']['open']}–{s['day']['close']}, last citizen left at {s['day']['last_out']}",
        f"Tickets {s['tickets']}, called {s['called']}, no-shows {s['no_show']}, never called {s['unserved']}; "
        f"counters busy {s['utilisation_pct']}% of their open time",
        f"Wait: mean {_mmss(s['wait_s']['mean'])}, p50 {_mmss(s['wait_s']['p50'])}, "
        f"p90 {_mmss(s['wait_s']['p90'])}, max {_mmss(s['wait_s']['max'])}; within target {s['sla_pct_all']}%",
        "",
        "Estimated wait against the real wait (error = estimate − real):",
    ]
    for key, label in (("estimate", "hub estimate"), ("naive", "naive")):
        a = s[key]
        lines.append(f"  {label:<13} MAE {_mmss(a['mae_s']):>7}  bias {_mmss(a['bias_s']):>7}  "
                     f"p90 |error| {_mmss(a['p90_s']):>7}  ({a['n']} tickets)")
    e, n = s["estimate"]["mae_s"], s["naive"]["mae_s"]
    if n > 0:
        lines.append(f"  hub estimate MAE = {e / n:.2f} × naive MAE")
    lines += ["", "Per service:",
              f"  {'service':<22} {'tickets':>7} {'mean':>7} {'p50':>7} {'p90':>7} {'SLA':>6} "
              f"{'est MAE':>8} {'naive MAE':>9}"]
    for sid, v in s["services"].items():
        label = f"{sid} {v['name']}"[:22]
        w = v["wait_s"]
        lines.append(f"  {label:<22} {v['tickets']:>7} {_mmss(w['mean']):>7} {_mmss(w['p50']):>7} "
                     f"{_mmss(w['p90']):>7} {v['sla_pct']:>5}% {_mmss(v['estimate']['mae_s']):>8} "
                     f"{_mmss(v['naive']['mae_s']):>9}")
    lines += ["", "Per hour (of issue):",
              f"  {'hour':<5} {'tickets':>7} {'mean':>7} {'p50':>7} {'p90':>7} {'SLA':>6} {'counters':>8} "
              f"{'busy':>6} {'est MAE':>8} {'naive MAE':>9}"]
    for h, v in s["hours"].items():
        w = v["wait_s"]
        lines.append(f"  {h + ':00':<5} {v['tickets']:>7} {_mmss(w['mean']):>7} {_mmss(w['p50']):>7} "
                     f"{_mmss(w['p90']):>7} {v['sla_pct']:>5}% {v['open_counters']:>8} "
                     f"{v['utilisation_pct']:>5}% {_mmss(v['estimate']['mae_s']):>8} "
                     f"{_mmss(v['naive']['mae_s']):>9}")
    lines += ["", "Per counter:", f"  {'counter':<8} {'served':>6} {'open':>8} {'busy':>6}"]
    for c, v in s["counters"].items():
        lines.append(f"  {c:<8} {v['served']:>6} {_mmss(v['open_s']):>8} {v['utilisation_pct']:>5}%")
    return "\n".join(lines)
