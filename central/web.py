"""The central web app: live overview of every office, statistics per office and across offices.

Accounts as on the hub (scrypt hashes and checks from :mod:`hub.web.accounts`,
server-side sessions whose token only the browser has; the database keeps its
SHA-256). Roles: ``admin`` sees every office; ``manager`` (a regional manager)
sees only the offices listed for them — in pages, JSON and exports alike.

Pages: ``/`` overview (refreshes itself), ``/stats`` across offices,
``/stats/{site}`` one office with the hub's own report, charts and exports.
JSON: ``/api/overview``, ``/api/report?from=&to=``, ``/api/stats/{site}?from=&to=``.
Exports: ``/stats/export.csv|xlsx`` (across offices),
``/stats/{site}/export.csv?table=…`` and ``/stats/{site}/export.xlsx``.

Languages as on the hub's web (:mod:`hub.web.i18n`): Hungarian by default,
English; ``?lang=``, the ``sorra_lang`` cookie (``/lang/{hu,en}``) or the
browser's Accept-Language choose. Pages are Jinja2 templates in
``central/templates`` with ``_()``; central's own messages are in
``central/locale`` (``central/locale/make_catalogue.py``), the hub's charts and
export headers come translated from the hub's catalogue. The JSON API stays
English (codes and figures).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
import threading
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import uvicorn
from fastapi import FastAPI, Form, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from starlette.exceptions import HTTPException as StarletteHTTPException

from central import db as D
from central import export as X
from central.live import STALE_S, alerts
from central.stats import SiteStats
from hub.web import i18n
from hub.web.accounts import check_password
from hub.web.security import LANG_COOKIE
from sorra.i18n import LANGS, Translator, package_translator

log = logging.getLogger(__name__)

COOKIE = "sorra_central"
SESSION_S = 12 * 3600
MAX_DAYS = 400
TZ = "Europe/Budapest"
"""Whose "today" the date ranges start from (the offices' time zone, as the hub's default)."""
HERE = Path(__file__).resolve().parent
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SITE_TABLES = ("summary", "services", "clerks", "hours", "days")


def translator(lang: str) -> Translator:
    """Central's own messages (``central/locale/{hu,en}/LC_MESSAGES/central.po``)."""
    return package_translator(__file__, "central", lang if lang in LANGS else "hu")


def ago(seconds: float | None, lang: str) -> str:
    """How long ago: "12 s ago", "3 min ago", "1 h 5 min ago" (hu: "12 mp-e", "3 perce", "1 óra 5 perce")."""
    _ = translator(lang).gettext
    if seconds is None:
        return _("never")
    s = int(max(0, seconds))
    if s < 5:
        return _("just now")
    if s < 60:
        return _("{n} s ago").format(n=s)
    h, m = divmod(s // 60, 60)
    if h:
        return _("{h} h {m} min ago").format(h=h, m=m)
    return _("{n} min ago").format(n=m)


def today() -> date:
    return datetime.now(ZoneInfo(TZ)).date()


def presets(t: date) -> list[tuple[str, str, str]]:
    """The hub's quick ranges, with the same labels (translated by the hub's catalogue)."""
    return i18n.date_presets(t)[:5]


def _range(start: str | None, end: str | None) -> tuple[str, str]:
    t = today()
    try:
        d1 = date.fromisoformat(end) if end else t
        d0 = date.fromisoformat(start) if start else d1 - timedelta(days=6)
    except ValueError:
        raise HTTPException(400, "dates as YYYY-MM-DD") from None
    if d1 < d0:
        d0, d1 = d1, d0
    if (d1 - d0).days >= MAX_DAYS:
        raise HTTPException(400, "at most 400 days at once")
    return d0.isoformat(), d1.isoformat()


def _days(start: str, end: str) -> list[str]:
    d0, d1 = date.fromisoformat(start), date.fromisoformat(end)
    return [(d0 + timedelta(days=i)).isoformat() for i in range((d1 - d0).days + 1)]


def _safe_next(url: str) -> str:
    return url if url.startswith("/") and not url.startswith("//") else "/"


class Pages:
    """Templates (``central/templates``) rendered in the visitor's language, with the hub's filters."""

    def __init__(self) -> None:
        self.env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(),
                               trim_blocks=True, lstrip_blocks=True)

        i18n.install_language_filters(self.env)
        self.env.filters["ago"] = pass_context(lambda ctx, s: ago(s, ctx.get("lang", "hu")))
        self.env.filters["tiny_date"] = pass_context(lambda ctx, d: i18n.tiny_date(d, ctx.get("lang", "hu")))
        self.env.filters["name_of"] = pass_context(
            lambda ctx, sid, names: i18n.name_in((names or {}).get(sid), ctx.get("lang", "hu"), sid))

    def render(self, request: Request, template: str, *, status: int = 200, user: dict[str, Any] | None = None,
               **values: Any) -> HTMLResponse:
        lang = lang_of(request)
        tr = translator(lang)
        query = request.url.query
        here = request.url.path + (f"?{query}" if query else "")

        def ndays(n: int) -> str:
            return tr.gettext("1 day") if n == 1 else tr.gettext("{n} days").format(n=n)

        html = self.env.get_template(template).render(
            lang=lang, _=tr.gettext, ndays=ndays, hub_=i18n.translator(lang).gettext, user=user, path=request.url.path,
            here=quote(here, safe=""), **values)
        resp = HTMLResponse(html, status_code=status)
        if request.query_params.get("lang") in LANGS:
            resp.set_cookie(LANG_COOKIE, request.query_params["lang"], max_age=365 * 86400, samesite="lax")
        return resp


def lang_of(request: Request) -> str:
    return i18n.pick_lang(request.query_params.get("lang"), request.cookies.get(LANG_COOKIE),
                          request.headers.get("accept-language"))


def create_app(service: Any) -> FastAPI:
    app = FastAPI(title="Sorra central", docs_url=None, redoc_url=None, openapi_url=None)
    from fastapi.staticfiles import StaticFiles

    import hub.web

    # the hub's stylesheet: the same large targets, contrast and chart classes (hub.web.charts)
    app.mount("/static", StaticFiles(directory=Path(hub.web.__file__).parent / "static"), name="static")
    stats = service.stats or SiteStats(service.data_dir, lambda: service.db(autocommit=True))
    pages = Pages()

    def user_of(request: Request) -> dict[str, Any] | None:
        token = request.cookies.get(COOKIE)
        if not token:
            return None
        digest = hashlib.sha256(token.encode()).hexdigest()
        with service.db(autocommit=True) as conn:
            row = conn.execute("SELECT name FROM sessions WHERE token_hash = %s AND expires_at > %s",
                               [digest, time.time()]).fetchone()
            return D.get_user(conn, row[0]) if row else None

    def need(request: Request) -> dict[str, Any]:
        user = user_of(request)
        if user is None:
            raise HTTPException(401, "log in first")
        request.state.user = user
        return user

    def visible(user: dict[str, Any], conn: Any) -> list[dict[str, Any]]:
        rows = D.sites(conn, include_removed=True)
        if user["role"] != "admin":
            rows = [r for r in rows if r["site"] in user["sites"]]
        return rows

    def may_see(user: dict[str, Any], site: str) -> None:
        if user["role"] != "admin" and site not in user["sites"]:
            raise HTTPException(404, "no such office")

    @app.exception_handler(StarletteHTTPException)  # ours and the router's (an unknown page, a wrong method)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        detail = {404: "no such page", 405: "this page cannot do that"}.get(exc.status_code, str(exc.detail)) \
            if exc.detail in ("Not Found", "Method Not Allowed") else str(exc.detail)
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": detail}, status_code=exc.status_code)
        if exc.status_code == 401:
            here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse("/login" + ("" if here == "/" else f"?next={quote(here, safe='')}"),
                                    status_code=303)
        user = getattr(request.state, "user", None) or await run_in_threadpool(user_of, request)
        return pages.render(request, "error.html", status=exc.status_code, code=exc.status_code,
                            message=detail, user=user)

    @app.get("/lang/{code}")
    def set_lang(code: str, next: str = "/") -> Response:
        resp = RedirectResponse(_safe_next(next), status_code=303)
        if code in LANGS:
            resp.set_cookie(LANG_COOKIE, code, max_age=365 * 86400, samesite="lax")
        return resp

    @app.get("/login")
    def login_form(request: Request, next: str = "/") -> HTMLResponse:
        return pages.render(request, "login.html", next=_safe_next(next), failed=False, name="")

    @app.post("/login")
    def login(request: Request, name: str = Form(...), password: str = Form(...), next: str = Form("/")) -> Response:
        with service.db(autocommit=True) as conn:
            user = D.get_user(conn, name.strip().lower())
            if user is None or not check_password(password, user["password_hash"]):
                return pages.render(request, "login.html", status=401, next=_safe_next(next), failed=True,
                                    name=name)
            token = secrets.token_urlsafe(32)
            conn.execute("DELETE FROM sessions WHERE expires_at < %s", [time.time()])
            conn.execute("INSERT INTO sessions (token_hash, name, expires_at) VALUES (%s,%s,%s)",
                         [hashlib.sha256(token.encode()).hexdigest(), user["name"], time.time() + SESSION_S])
        resp = RedirectResponse(_safe_next(next), status_code=303)
        resp.set_cookie(COOKIE, token, httponly=True, samesite="strict", max_age=SESSION_S)
        return resp

    @app.post("/logout")
    def logout(request: Request) -> Response:
        token = request.cookies.get(COOKIE)
        if token:
            with service.db(autocommit=True) as conn:
                conn.execute("DELETE FROM sessions WHERE token_hash = %s", [hashlib.sha256(token.encode()).hexdigest()])
        resp = RedirectResponse("/login", status_code=303)
        resp.delete_cookie(COOKIE)
        return resp

    def overview_rows(user: dict[str, Any]) -> list[dict[str, Any]]:
        now = time.time()
        with service.db(autocommit=True) as conn:
            rows = [r for r in visible(user, conn) if r["removed_at"] is None]
        out = []
        for r in rows:
            # out of contact: its waits as they were when the hub last reported, not growing with our clock
            last = r["last_contact"]
            ov = service.live.overview(r["site"], last if last is not None and now - last > STALE_S else now)
            out.append({"site": r["site"], "name": r["name"], **ov,
                        "last_contact": r["last_contact"],
                        "last_contact_ago_s": None if r["last_contact"] is None else round(now - r["last_contact"]),
                        "acked_seq": r["acked_seq"], "backlog": max(0, r["head_seq"] - r["acked_seq"]),
                        "alerts": alerts(r, ov, now)})
        return out

    @app.get("/api/overview")
    def api_overview(request: Request) -> JSONResponse:
        return JSONResponse({"offices": overview_rows(need(request)), "at": time.time()})

    @app.get("/", response_class=HTMLResponse)
    def overview(request: Request) -> HTMLResponse:
        user = need(request)
        offices = overview_rows(user)
        for o in offices:
            o["stale"] = any(a["code"] in ("unreachable", "never_connected") for a in o["alerts"])
        totals = {"offices": len(offices), "waiting": sum(o["waiting"] for o in offices),
                  "open": sum(o["open_counters"] for o in offices), "counters": sum(o["counters"] for o in offices),
                  "alerts": sum(1 for o in offices if o["alerts"])}
        now = datetime.now(ZoneInfo(TZ))
        return pages.render(request, "overview.html", user=user, offices=offices, totals=totals,
                            at=now.strftime("%H:%M:%S"), refresh=10)

    # ---- across offices -----------------------------------------------------------------

    def across(user: dict[str, Any], start: str, end: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        with service.db(autocommit=True) as conn:
            names = [r["site"] for r in visible(user, conn)]
            return D.report(conn, start, end, names), D.report_by_day(conn, start, end, names)

    def dates(request: Request) -> tuple[str, str]:
        q = request.query_params
        return _range(q.get("from") or q.get("start"), q.get("to") or q.get("end"))

    @app.get("/api/report")
    def api_report(request: Request) -> JSONResponse:
        user = need(request)
        a, b = dates(request)
        per_site, by_day = across(user, a, b)
        return JSONResponse({"from": a, "to": b, "sites": per_site, "by_day": by_day})

    @app.get("/stats", response_class=HTMLResponse)
    def stats_all(request: Request) -> HTMLResponse:
        from hub.web.charts import stacked_bars

        user = need(request)
        lang = lang_of(request)
        a, b = dates(request)
        per_site, by_day = across(user, a, b)
        total = X.total_row(per_site)
        hub_ = i18n.translator(lang).gettext
        chart = None
        if per_site:
            known = {d["day"]: d for d in by_day}
            zero = dict.fromkeys(("issued", *D.OUTCOMES), 0)
            days = [known.get(d) or {"day": d, **zero} for d in _days(a, b)]
            chart = stacked_bars(
                [i18n.tiny_date(d["day"], lang) for d in days],
                [(hub_("Served"), "bar-a", [d["served"] for d in days]),
                 (hub_("No-show"), "bar-b", [d["no_show"] for d in days]),
                 (hub_("Cancelled"), "bar-c", [d["cancelled"] for d in days]),
                 (hub_("Unserved"), "bar-bad", [d["unserved"] for d in days]),
                 (hub_("Open"), "bar-d", [d["open"] for d in days])],
                label=translator(lang).gettext("Tickets per day, all offices shown"),
                every=max(1, -(-len(days) // 14)))
        return pages.render(request, "stats_all.html", user=user, start=a, end=b, per_site=per_site, total=total,
                            chart=chart, presets=presets(today()), n=len(_days(a, b)))

    @app.get("/stats/export.{fmt}")
    def stats_all_export(request: Request, fmt: str) -> Response:
        user = need(request)
        if fmt not in ("csv", "xlsx"):
            raise HTTPException(404, "no such export")
        lang = lang_of(request)
        a, b = dates(request)
        per_site, _by_day = across(user, a, b)
        header, body = X.offices_table(per_site, translator(lang).gettext)
        name = f"sorra-offices-{a}-{b}"
        if fmt == "csv":
            return Response(X.csv_text(header, body, lang), media_type="text/csv; charset=utf-8",
                            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
        data = X.xlsx_bytes([(translator(lang).gettext("Offices"), header, body)])
        return Response(data, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'})

    # ---- one office: the hub's own report ----------------------------------------------------

    def site_report(request: Request, site: str) -> tuple[dict[str, Any], dict[str, Any], str, str]:
        user = need(request)
        may_see(user, site)
        with service.db(autocommit=True) as conn:
            if not any(r["site"] == site for r in D.sites(conn, include_removed=True)):
                raise HTTPException(404, "no such office")
        a, b = dates(request)
        return user, stats.report(site, a, b, lang_of(request)), a, b

    @app.get("/api/stats/{site}")
    def api_site(request: Request, site: str) -> JSONResponse:
        return JSONResponse(site_report(request, site)[1])

    @app.get("/stats/{site}/export.{fmt}")
    def site_export(request: Request, site: str, fmt: str) -> Response:
        from hub.stats.export import rows, to_xlsx

        if fmt not in ("csv", "xlsx"):
            raise HTTPException(404, "no such export")
        _user, report, a, b = site_report(request, site)
        lang = lang_of(request)
        hub_ = i18n.translator(lang).gettext  # the hub's own column names, translated by the hub's catalogue
        name = f"sorra-{site}-{a}-{b}"
        if fmt == "csv":
            table = request.query_params.get("table", "services")
            if table not in SITE_TABLES:
                raise HTTPException(404, "no such table")
            header, body = rows(report, table, hub_)
            return Response(X.csv_text(header, body, lang), media_type="text/csv; charset=utf-8",
                            headers={"Content-Disposition": f'attachment; filename="{name}-{table}.csv"'})
        return Response(to_xlsx(report, hub_, lang), media_type=XLSX,
                        headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'})

    @app.get("/stats/{site}", response_class=HTMLResponse)
    def site_page(request: Request, site: str) -> HTMLResponse:
        from hub.web.routes_stats import chart_set

        user, r, a, b = site_report(request, site)
        charts = chart_set(r, lang_of(request))
        with service.db(autocommit=True) as conn:
            name = next((s["name"] for s in D.sites(conn, include_removed=True) if s["site"] == site), site)
        return pages.render(request, "site_stats.html", user=user, site=site, office=name or site, r=r, start=a,
                            end=b, charts=charts, presets=presets(today()),
                            tables=SITE_TABLES)

    return app


class _WebServer:
    def __init__(self, service: Any) -> None:
        self.app = create_app(service)
        self.server = uvicorn.Server(uvicorn.Config(self.app, host=service.config.bind, port=service.config.http_port,
                                                    log_level="warning", access_log=False, lifespan="off",
                                                    timeout_graceful_shutdown=2, ws="none"))
        self.thread = threading.Thread(target=lambda: asyncio.run(self.server.serve()), name="central-web",
                                       daemon=True)

    def start(self, timeout: float = 15.0) -> _WebServer:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.thread.is_alive() and not self.server.started:
            time.sleep(0.02)
        if not self.server.started:
            log.error("the central web app could not start on port %d", self.server.config.port)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


def start_web(service: Any) -> _WebServer:
    return _WebServer(service).start()
