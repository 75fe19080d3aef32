"""Capacity planning: the office's own last weeks as a scenario day, and "what if" variants side by side.

The scenario is built from the statistics tables (arrivals per hour of the
day, measured service times, the no-show share) and a copy of the current
configuration (services, counters and their profiles, rules, hours), then
run by ``sorra simulate``'s engine (:mod:`hub.simulate`) in a process of its
own (:mod:`hub.simulate.batch`): the live hub's engine thread only hands
over a copy of its configuration and never waits for a simulation.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import Response
from markupsafe import Markup, escape

from hub.web import charts, i18n
from hub.web.access import Guarded
from hub.web.app import lang_of, page, require, web_of
from hub.web.security import WebError

router = APIRouter(include_in_schema=False, route_class=Guarded)
ROLES = ("admin", "manager")
ROOT = Path(__file__).resolve().parents[2]
RUN_TIMEOUT_S = 120
CACHE_S = 300
_running = threading.Semaphore(1)  # one simulation at a time: the hub's Pi has few cores
_cache: dict[tuple, tuple[float, list[dict[str, Any]]]] = {}
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
COLOURS = ("var(--a)", "var(--b)", "var(--c)", "var(--d)")
SWATCHES = ("sw-a", "sw-b", "sw-c", "sw-d")


def _today(request: Request) -> date:
    web = web_of(request)
    return datetime.fromtimestamp(web.hub.clock(), ZoneInfo(web.settings.tz)).date()


def _config(request: Request, lang: str) -> dict[str, Any]:
    """A copy of what the scenario needs, taken on the engine's thread (nothing else runs there)."""

    def copy(e: Any) -> dict[str, Any]:
        s = e.state
        return {
            "services": [{"id": v.id, "name": i18n.name_in(v.names, lang, v.id), "prefix": v.prefix,
                          "sla_s": v.sla_s, "mean_s": v.mean_service_s}
                         for v in sorted(s.services.values(), key=lambda v: (v.order, v.id)) if v.enabled],
            "counters": [{"number": c.number, "name": c.name, "profile": [dict(p) for p in c.profile]}
                         for c in sorted(s.counters.values(), key=lambda c: c.number) if c.enabled],
            "rules": [r.to_dict() for r in s.rules.values()],
            "hours": {k: [list(x) for x in v] for k, v in s.settings.hours.items()},
        }

    return web_of(request).read(copy)


def baseline(request: Request, weeks: int, weekday: int | None, lang: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(scenario document, what it was built from) for the last ``weeks`` weeks before today."""
    from hub.simulate import office  # the simulator: loaded when a manager first plans (~0.5 MB)

    end = _today(request) - timedelta(days=1)
    start = end - timedelta(days=7 * weeks - 1)
    config = _config(request, lang)
    conn = web_of(request).stats_db()
    conn.execute("BEGIN")
    try:
        rows = conn.execute("SELECT day, hour, service, COUNT(*) FROM stat_ticket WHERE day BETWEEN ? AND ?"
                            " GROUP BY day, hour, service", [start.isoformat(), end.isoformat()]).fetchall()
        samples: dict[str, list[float]] = {}
        for sid, secs in conn.execute("SELECT service, service_s FROM stat_contact WHERE day BETWEEN ? AND ?"
                                      " AND outcome = 'finished' AND service_s IS NOT NULL AND service IS NOT NULL",
                                      [start.isoformat(), end.isoformat()]):
            samples.setdefault(sid, []).append(float(secs))
        no_show, contacts = conn.execute(
            "SELECT COALESCE(SUM(outcome = 'no_show'), 0), COUNT(*) FROM stat_contact WHERE day BETWEEN ? AND ?"
            " AND outcome IN ('finished', 'no_show', 'transferred', 'parked')",
            [start.isoformat(), end.isoformat()]).fetchone()
    finally:
        conn.commit()
    arrivals, days = office.arrivals_per_hour(rows, weekday)
    known = {s["id"] for s in config["services"]}
    arrivals = {s: v for s, v in arrivals.items() if s in known}
    times = office.service_time_stats(samples)
    doc = office.build(config, arrivals, times, (no_show / contacts) if contacts else 0.0, weekday)
    info = {"start": start.isoformat(), "end": end.isoformat(), "days": days,
            "measured": {sid: {"mean_s": m, "sd_s": sd, "n": n} for sid, (m, sd, n) in times.items()},
            "no_show": doc["behaviour"]["no_show"],
            "tickets_per_day": sum(sum(h.values()) for h in arrivals.values())}
    return doc, info


def run_variants(runs: list[dict[str, Any]], seed: int) -> list[dict[str, Any]]:
    """Each {"toml", "rules"} run in a separate process (at a lower priority); cached for a few minutes."""
    key = (seed, json.dumps(runs, sort_keys=True))
    hit = _cache.get(key)
    if hit is not None and time.monotonic() - hit[0] < CACHE_S:
        return hit[1]
    if not _running.acquire(timeout=RUN_TIMEOUT_S):
        raise WebError(503, "busy", "another capacity simulation is running; try again in a minute")
    try:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
        proc = subprocess.run([sys.executable, "-m", "hub.simulate.batch"], input=json.dumps({"seed": seed, "runs": runs}),
                              capture_output=True, text=True, timeout=RUN_TIMEOUT_S, env=env, check=False)
    except subprocess.TimeoutExpired:
        raise WebError(504, "timeout", "the simulation took too long") from None
    finally:
        _running.release()
    if proc.returncode != 0:
        raise WebError(500, "internal", "the simulation failed; see the hub log")
    results = json.loads(proc.stdout)
    for k in [k for k, (at, _) in _cache.items() if time.monotonic() - at >= CACHE_S]:
        _cache.pop(k, None)
    _cache[key] = (time.monotonic(), results)
    return results


def _lines(labels: list[str], series: list[tuple[str, str, list[float]]], *, label: str,
           fmt: charts.Fmt, top: float, width: int = 560, height: int = 260) -> Markup:
    """One line per variant over the hours of the day (colours as the legend's swatches)."""
    left, right, top_m, bottom = 52, 16, 12, 30
    pw, ph = width - left - right, height - top_m - bottom
    n = max(1, len(labels))
    slot = pw / n
    body: list[str] = []
    for i in range(5):
        v = top * i / 4
        y = top_m + ph - ph * v / top
        body.append(f'<line class="grid" x1="{left}" x2="{left + pw}" y1="{y:.1f}" y2="{y:.1f}"/>'
                    f'<text class="axis" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{escape(fmt(v))}</text>')
    for i, lab in enumerate(labels):
        body.append(f'<text class="axis" x="{left + slot * (i + 0.5):.1f}" y="{height - 10}" '
                    f'text-anchor="middle">{escape(lab)}</text>')
    for k, (name, colour, values) in enumerate(series):
        pts = [(left + slot * (i + 0.5), top_m + ph - ph * min(v, top) / top) for i, v in enumerate(values)]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
        dash = "" if k == 0 else f";stroke-dasharray:{3 + 4 * k} 4"  # lines that coincide stay visible
        body.append(f'<polyline points="{path}" fill="none" style="stroke:{colour};stroke-width:{4 if k == 0 else 3}'
                    f'{dash}"/>')
        for (x, y), v, lab in zip(pts, values, labels, strict=True):
            body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" style="fill:{colour}">'
                        f'<title>{escape(name)} · {escape(lab)}: {escape(fmt(v))}</title></circle>')
    return charts._svg(width, height, body, label)


def _params(weeks: int, weekday: str, extra: int, start: str, end: str, seed: int) -> tuple[int, int | None, int,
                                                                                            str, str, int]:
    if not 1 <= weeks <= 26:
        raise WebError(400, "bad_args", "weeks: 1 to 26")
    if weekday not in ("", *map(str, range(7))):
        raise WebError(400, "bad_args", "weekday: 0 (Monday) to 6 (Sunday), or empty for every day")
    if not 0 <= extra <= 10:
        raise WebError(400, "bad_args", "extra counters: 0 to 10")
    if not (_HHMM.match(start) and _HHMM.match(end)) or end <= start:
        raise WebError(400, "bad_args", "the extra counters' hours: HH:MM, the end after the start")
    if not 1 <= seed <= 1_000_000:
        raise WebError(400, "bad_args", "seed: 1 to 1000000")
    return weeks, (int(weekday) if weekday else None), extra, start, end, seed


@router.get("/capacity/scenario.toml")
def capacity_scenario(request: Request, weeks: int = 4, weekday: str = "") -> Response:
    """The office's typical day as a scenario file for ``sorra simulate``."""
    from hub.simulate import office  # the simulator: loaded when a manager first plans (~0.5 MB)

    require(request, *ROLES)
    weeks, wd, *_ = _params(weeks, weekday, 0, "09:00", "11:00", 1)
    doc, _info = baseline(request, weeks, wd, lang_of(request))
    return Response(office.to_toml(doc), media_type="text/plain; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="office.toml"'})


@router.get("/capacity")
def capacity_page(request: Request, weeks: int = 4, weekday: str = "", extra: int = 1, start: str = "09:00",
                  end: str = "11:00", seed: int = 1) -> Response:
    from hub.simulate import office  # the simulator: loaded when a manager first plans (~0.5 MB)

    require(request, *ROLES)
    lang = lang_of(request)
    weeks, wd, extra, start, end, seed = _params(weeks, weekday, extra, start, end, seed)
    doc, info = baseline(request, weeks, wd, lang)
    form = {"weeks": weeks, "weekday": weekday, "extra": extra, "start": start, "end": end, "seed": seed}
    if not doc["arrivals"]:
        return page(request, "capacity.html", form=form, info=info, variants=[], charts={}, doc=doc, names={},
                    weekdays=i18n.WEEKDAYS[lang])
    names = {s["id"]: s["name"] for s in doc["service"]}
    variants: list[dict[str, Any]] = [{"kind": "now", "doc": doc, "rules": True}]
    if extra:
        variants.append({"kind": "extra", "extra": extra, "start": start, "end": end, "rules": True,
                         "doc": office.variant(doc, extra_counters=extra, extra_open=start, extra_close=end)})
    if doc.get("rule"):
        variants.append({"kind": "rules_off", "doc": doc, "rules": False})
    else:
        busiest = office.busiest_service(doc)
        if busiest:
            variants.append({"kind": "rule_on", "service": names.get(busiest, busiest), "rules": True,
                             "doc": office.variant(doc, add_rule=busiest)})
    results = run_variants([{"toml": office.to_toml(v["doc"]), "rules": v["rules"]} for v in variants], seed)
    for k, (v, r) in enumerate(zip(variants, results, strict=True)):
        v["result"] = r
        v["number"] = k + 1
        v["colour"], v["swatch"] = COLOURS[k % len(COLOURS)], SWATCHES[k % len(SWATCHES)]
        v["counter_hours"] = round(sum(c["open_s"] for c in r.get("counters", {}).values()) / 3600, 1)
    ok = [v for v in variants if "error" not in v["result"]]
    return page(request, "capacity.html", form=form, info=info, variants=variants, doc=doc, service_names=names,
                charts=_charts(ok, lang), weekdays=i18n.WEEKDAYS[lang])


def _charts(variants: list[dict[str, Any]], lang: str) -> dict[str, Markup]:
    if not variants:
        return {}
    _ = i18n.translator(lang).gettext
    hours = sorted({h for v in variants for h in v["result"]["hours"]})
    out: dict[str, Markup] = {}
    waits = [[v["result"]["hours"].get(h, {}).get("wait_s", {}).get("mean", 0.0) for h in hours] for v in variants]
    top = charts.nice_seconds(max((x for row in waits for x in row), default=0.0) or 60.0)
    out["wait_by_hour"] = _lines([f"{h}" for h in hours],
                                 [(f"#{v['number']}", v["colour"], w) for v, w in zip(variants, waits, strict=True)],
                                 label=_("Mean wait by hour of arrival"), fmt=i18n.secs, top=top)
    busy = [[v["result"]["hours"].get(h, {}).get("utilisation_pct", 0.0) for h in hours] for v in variants]
    out["busy_by_hour"] = _lines([f"{h}" for h in hours],
                                 [(f"#{v['number']}", v["colour"], b) for v, b in zip(variants, busy, strict=True)],
                                 label=_("Counters busy, share of their open time"),
                                 fmt=lambda x: f"{x:.0f} %", top=100.0)
    out["waits"] = charts.hbars(
        [(f"#{v['number']}", v["result"]["wait_s"]["p50"], v["result"]["wait_s"]["p90"], None) for v in variants],
        label=_("Wait: median (bar) and 90th percentile (line)"), fmt=i18n.secs,
        names=(_("median"), _("90th percentile")))
    return out
