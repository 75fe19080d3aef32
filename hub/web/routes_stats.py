"""Statistics page (charts and tables), CSV/XLSX export, rebuild from the event log."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from hub import stats
from hub.web import charts, i18n
from hub.web.access import Guarded
from hub.web.app import check_csrf, lang_of, page, redirect, require, web_of
from hub.web.routes_public import FormIn
from hub.web.security import WebError

router = APIRouter(include_in_schema=False, route_class=Guarded)
STATS_ROLES = ("admin", "manager")
MAX_DAYS = 1100


def today(request: Request) -> date:
    web = web_of(request)
    return datetime.fromtimestamp(web.hub.clock(), ZoneInfo(web.settings.tz)).date()


def parse_range(request: Request, start: str, end: str) -> tuple[str, str]:
    t = today(request)
    try:
        d1 = date.fromisoformat(end) if end else t
        d0 = date.fromisoformat(start) if start else d1 - timedelta(days=29)
    except ValueError:
        raise WebError(400, "bad_args", "dates as YYYY-MM-DD") from None
    if d1 < d0:
        d0, d1 = d1, d0
    if (d1 - d0).days >= MAX_DAYS:
        raise WebError(400, "bad_args", f"at most {MAX_DAYS} days at once")
    return d0.isoformat(), d1.isoformat()


def presets(request: Request) -> list[tuple[str, str, str]]:
    return i18n.date_presets(today(request))


def report(request: Request, start: str, end: str) -> dict[str, Any]:
    web = web_of(request)
    lang = lang_of(request)
    services, clerks, outcomes = web.read(lambda e: (
        {s.id: {"name": i18n.name_in(s.names, lang, s.id), "sla_s": s.sla_s} for s in e.state.services.values()},
        {c.id: c.name for c in e.state.clerks.values()},
        {o.code: {"name": i18n.name_in(o.names, lang, o.code), "resolved": o.resolved}
         for o in e.state.outcomes.values()}))
    conn = web.stats_db()  # every event committed before the request is counted
    conn.execute("BEGIN")
    try:
        return stats.compute(conn, start, end, services=services, clerks=clerks, outcomes=outcomes)
    finally:
        conn.commit()


def chart_set(r: dict[str, Any], lang: str) -> dict[str, Any]:
    """Every chart drawn twice: for a wide page and for a phone (text scales with the drawing)."""
    wide, narrow = draw_charts(r, lang, 900, 600), draw_charts(r, lang, 360, 360)
    return {k: charts.responsive(wide[k], narrow[k]) for k in wide}


def draw_charts(r: dict[str, Any], lang: str, full: int, half: int) -> dict[str, Any]:
    """The charts at ``full`` width, the two side by side (hourly, heat map) at ``half``."""
    tr = i18n.translator(lang)
    _ = tr.gettext
    mins = i18n.secs
    days = r["by_day"]
    every = max(1, -(-len(days) // 12))
    out: dict[str, Any] = {}
    out["daily"] = charts.stacked_bars(
        [i18n.tiny_date(d["day"], lang) for d in days],
        [(_("Served"), "bar-a", [d["served"] for d in days]),
         (_("No-show"), "bar-b", [d["no_show"] for d in days]),
         (_("Cancelled"), "bar-c", [d["cancelled"] for d in days]),
         (_("Unserved"), "bar-bad", [d["unserved"] for d in days]),
         (_("Open"), "bar-d", [d["open"] for d in days])],
        label=_("Tickets per day, and the median wait"), every=every, width=full,
        line=(_("Median wait"), [d["wait"]["median"] for d in days], mins))
    hours = [h for h in r["hours"] if h["issued"] or h["calls"]] or r["hours"][8:17]
    out["hourly"] = charts.stacked_bars(
        [f"{h['hour']:02d}" for h in hours], [(_("Issued"), "bar-a", [h["issued"] for h in hours])],
        label=_("Tickets issued per hour of the day, and the median wait"), width=half,
        line=(_("Median wait"), [h["wait"]["median"] for h in hours], mins))
    out["services"] = charts.hbars(
        [(s["name"], s["wait"]["median"], s["wait"]["p90"], s["sla_s"] or None) for s in r["services"]],
        label=_("Waiting time by service: median (bar), 90th percentile (line), target (red tick)"), fmt=mins,
        names=(_("median"), _("90th percentile")), target_name=_("target"), width=full)
    out["clerks"] = charts.hbars(
        [(c["name"] or _("(no clerk)"), c["service"]["median"], c["service"]["p90"], None) for c in r["clerks"]],
        label=_("Service time by clerk: median (bar), 90th percentile (line)"), fmt=mins,
        names=(_("median"), _("90th percentile")), width=full)
    wd = i18n.WEEKDAYS_SHORT[lang]
    used = [h for h in range(24) if any(r["weekday_hour"][d][h] for d in range(7))] or list(range(8, 17))
    lo, hi = min(used), max(used)
    out["heatmap"] = charts.heatmap([row[lo:hi + 1] for row in r["weekday_hour"]], wd,
                                    [f"{h:02d}" for h in range(lo, hi + 1)],
                                    label=_("Tickets issued by weekday and hour"), width=half)
    t = r["totals"]
    out["outcomes"] = charts.split_bar([(_("Served"), "bar-a", t["served"]), (_("No-show"), "bar-b", t["no_show"]),
                                        (_("Cancelled"), "bar-c", t["cancelled"]),
                                        (_("Unserved"), "bar-bad", t["unserved"]), (_("Open"), "bar-d", t["open"])],
                                       label=_("What became of the tickets"), width=full)
    c = t["csat"]
    out["csat"] = charts.split_bar([(_("Good"), "bar-a", c["good"]), (_("Neutral"), "bar-c", c["neutral"]),
                                    (_("Bad"), "bar-bad", c["bad"])], label=_("Customer feedback"), width=full)
    return out


@router.get("/stats")
def stats_page(request: Request, start: str = "", end: str = "") -> Response:
    require(request, *STATS_ROLES)
    d0, d1 = parse_range(request, start, end)
    r = report(request, d0, d1)
    dirty = web_of(request).db().execute("SELECT value FROM stat_meta WHERE key = 'dirty'").fetchone()
    return page(request, "stats.html", r=r, start=d0, end=d1, presets=presets(request),
                charts=chart_set(r, lang_of(request)), dirty=bool(dirty))


@router.get("/stats/export.csv")
def export_csv(request: Request, table: str = "days", start: str = "", end: str = "") -> Response:
    require(request, *STATS_ROLES)
    from hub.stats import export

    d0, d1 = parse_range(request, start, end)
    name = f"sorra-{table}-{d0}-{d1}.csv"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    lang = lang_of(request)
    tr = i18n.translator(lang)
    if table == "contacts":
        web = web_of(request)
        n = web.read(lambda e: i18n.Names.of(e.state, lang))
        names = export.Names(n.services, {k: n.counter(k) for k in n.counters}, n.clerks)
        return StreamingResponse(export.contacts_csv(web.stats_db(), d0, d1, lang, _=tr.gettext, tz=web.settings.tz,
                                                     names=names),
                                 media_type="text/csv; charset=utf-8", headers=headers)
    if table not in export.TABLES:
        raise WebError(400, "bad_args", f"table: one of {', '.join(export.TABLES)}")
    return Response(export.to_csv(report(request, d0, d1), table, tr.gettext, lang_of(request)),
                    media_type="text/csv; charset=utf-8", headers=headers)


@router.get("/stats/export.xlsx")
def export_xlsx(request: Request, start: str = "", end: str = "") -> Response:
    require(request, *STATS_ROLES)
    from hub.stats import export

    d0, d1 = parse_range(request, start, end)
    tr = i18n.translator(lang_of(request))
    data = export.to_xlsx(report(request, d0, d1), tr.gettext, lang_of(request))
    return Response(data, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="sorra-stats-{d0}-{d1}.xlsx"'})


@router.post("/stats/rebuild")
def stats_rebuild(request: Request, form: FormIn) -> Response:
    require(request, "admin")
    check_csrf(request, form)
    web = web_of(request)
    n = web.hub.worker.run_in_worker(lambda e: stats.rebuild(web.hub.store.db), timeout=600)
    return redirect("/stats", f"rebuilt:{n}")
