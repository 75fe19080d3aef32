"""A scenario from the office's own past: arrivals per hour, measured service times, current counters.

Pure functions on plain data (no engine, no database): the web's capacity page
reads the statistics tables and a copy of the configuration, and
:func:`build` turns them into a scenario document (the TOML structure of
``docs/simulate.md`` as a dict); :func:`variant` makes "what if" changes to it,
:func:`to_toml` writes it for ``sorra simulate``.
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Iterable
from datetime import date
from typing import Any

MIN_SAMPLES = 5
"""Fewer measured services than this: use the service's configured mean."""


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def arrivals_per_hour(rows: Iterable[tuple[str, int, str, int]], weekday: int | None
                      ) -> tuple[dict[str, dict[int, float]], int]:
    """(service → hour → mean tickets per day, days counted) from (day, hour, service, count) rows."""
    totals: dict[str, dict[int, float]] = {}
    days: set[str] = set()
    for day, hour, service, count in rows:
        if weekday is not None and date.fromisoformat(day).weekday() != weekday:
            continue
        days.add(day)
        by_hour = totals.setdefault(service, {})
        by_hour[int(hour)] = by_hour.get(int(hour), 0.0) + count
    n = len(days)
    if not n:
        return {}, 0
    return {s: {h: c / n for h, c in hours.items()} for s, hours in totals.items()}, n


def service_time_stats(samples: dict[str, list[float]]) -> dict[str, tuple[float, float, int]]:
    """service → (mean, sd, n) of measured times (call → done); the longest 1% left out (forgotten Done)."""
    out = {}
    for sid, xs in samples.items():
        xs = sorted(x for x in xs if x > 0)
        if len(xs) >= MIN_SAMPLES:
            xs = xs[: max(MIN_SAMPLES, math.ceil(len(xs) * 0.99))]
            mean = sum(xs) / len(xs)
            sd = math.sqrt(sum((x - mean) ** 2 for x in xs) / (len(xs) - 1))
            out[sid] = (mean, sd, len(xs))
    return out


def build(config: dict[str, Any], arrivals: dict[str, dict[int, float]],
          times: dict[str, tuple[float, float, int]], no_show: float, weekday: int | None) -> dict[str, Any]:
    """The scenario document for a typical day (``weekday``: 0 = Monday, None = any day).

    ``config``: ``services`` [{id, name, prefix, sla_s, mean_s}], ``counters``
    [{number, name, profile: [{service, weight}]}], ``rules`` [{service,
    min_waiting, min_wait_s, boost}], ``hours`` (the office's weekly hours).
    """
    services = [s for s in config["services"] if s["id"] in arrivals or any(
        p["service"] == s["id"] for c in config["counters"] for p in c["profile"])]
    known = {s["id"] for s in services}
    # The day: the office's hours for that weekday, else the hours citizens came.
    ranges = []
    hours = config.get("hours") or {}
    for wd in ([str(weekday)] if weekday is not None else [str(d) for d in range(7)]):
        ranges += hours.get(wd, [])
    if ranges:
        open_m, close_m = min(_minutes(a) for a, _ in ranges), max(_minutes(b) for _, b in ranges)
    else:
        used = [h for by_hour in arrivals.values() for h, v in by_hour.items() if v > 0] or [8, 15]
        open_m, close_m = min(used) * 60, (max(used) + 1) * 60
    doc: dict[str, Any] = {"day": {"open": _hhmm(open_m), "close": _hhmm(min(close_m, 24 * 60 - 1))}}
    doc["service"] = []
    for s in services:
        mean, sd, _ = times.get(s["id"], (float(s["mean_s"]), float(s["mean_s"]) / 2, 0))
        doc["service"].append({"id": s["id"], "name": s["name"], "prefix": s["prefix"],
                               "mean_s": round(max(mean, 1.0), 1), "sd_s": round(sd, 1),
                               "sla_s": int(s["sla_s"])})
    doc["counter"] = []
    for c in config["counters"]:
        profile = [p for p in c["profile"] if p["service"] in known]
        spec = ",".join(p["service"] if int(p.get("weight", 1)) == 1 else f"{p['service']}:{int(p['weight'])}"
                        for p in profile)
        doc["counter"].append({"number": int(c["number"]), "name": c.get("name", ""), "services": spec})
    doc["arrivals"] = []
    for s in services:
        per_hour = {f"{h:02d}": round(v, 2) for h, v in sorted(arrivals.get(s["id"], {}).items())
                    if v > 0 and open_m < (h + 1) * 60 and h * 60 < close_m}
        if per_hour:
            doc["arrivals"].append({"service": s["id"], "per_hour": per_hour})
    doc["rule"] = [{"service": r["service"], "min_waiting": int(r.get("min_waiting", 0)),
                    "min_wait_s": int(r.get("min_wait_s", 0)), "weight": int(r.get("boost", 2))}
                   for r in config.get("rules", []) if r["service"] in known]
    doc["behaviour"] = {"no_show": round(min(max(no_show, 0.0), 0.5), 3), "gap_s": 5}
    return doc


def busiest_service(doc: dict[str, Any]) -> str | None:
    work = {a["service"]: sum(a["per_hour"].values()) for a in doc.get("arrivals", [])}
    means = {s["id"]: s["mean_s"] for s in doc["service"]}
    return max(work, key=lambda s: work[s] * means.get(s, 1), default=None)


def variant(doc: dict[str, Any], *, extra_counters: int = 0, extra_open: str = "09:00",
            extra_close: str = "11:00", extra_services: str = "", add_rule: str | None = None) -> dict[str, Any]:
    """A copy with ``extra_counters`` more counters open ``extra_open``–``extra_close`` and/or a new rule."""
    out = copy.deepcopy(doc)
    top = max((c["number"] for c in out["counter"]), default=0)
    for k in range(extra_counters):
        out["counter"].append({"number": top + 1 + k, "name": "", "services": extra_services,
                               "open": extra_open, "close": extra_close})
    if add_rule:
        out["rule"] = out.get("rule", []) + [{"service": add_rule, "min_waiting": 8, "min_wait_s": 0, "weight": 3}]
    return out


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v) if isinstance(v, float) else str(v)
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{json.dumps(str(k))} = {_value(x)}" for k, x in v.items()) + " }"
    return json.dumps(str(v), ensure_ascii=False)  # a TOML basic string


def to_toml(doc: dict[str, Any]) -> str:
    """The document in the layout of docs/simulate.md (tables in order, one per scenario item)."""
    lines = ["# A typical day of this office, for `sorra simulate` (see docs/simulate.md)."]
    lines += ["", "[day]"] + [f"{k} = {_value(v)}" for k, v in doc["day"].items()]
    for table in ("service", "counter", "arrivals", "burst", "rule"):
        for item in doc.get(table, []):
            lines += ["", f"[[{table}]]"] + [f"{k} = {_value(v)}" for k, v in item.items()
                                             if not (k == "name" and v == "")]
    if doc.get("behaviour"):
        lines += ["", "[behaviour]"] + [f"{k} = {_value(v)}" for k, v in doc["behaviour"].items()]
    return "\n".join(lines) + "\n"
