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
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import html
import io
import logging
import secrets
import threading
import time
from datetime import date, timedelta
from typing import Any

import uvicorn
from fastapi import FastAPI, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from central import db as D
from central.live import alerts
from central.stats import SiteStats
from hub.web.accounts import check_password

log = logging.getLogger(__name__)

COOKIE = "sorra_central"
SESSION_S = 12 * 3600


def _h(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _page(title: str, body: str, user: dict[str, Any] | None = None, refresh: int = 0) -> HTMLResponse:
    nav = ""
    if user is not None:
        nav = (f'<nav><a href="/">Overview</a> · <a href="/stats">Statistics</a> · {_h(user["name"])} '
               f'({_h(user["role"])}) <form method="post" action="/logout" style="display:inline">'
               '<button>Log out</button></form></nav>')
    meta = f'<meta http-equiv="refresh" content="{refresh}">' if refresh else ""
    style = ("body{font-family:sans-serif;margin:1.5em}table{border-collapse:collapse}td,th{border:1px solid #ccc;"
             "padding:.3em .6em;text-align:right}td:first-child,th:first-child{text-align:left}.error{color:#b00}"
             ".warning{color:#a60}svg{max-width:100%}")
    return HTMLResponse(f"<!doctype html><html><head><meta charset='utf-8'>{meta}<title>{_h(title)} — Sorra central"
                        f"</title><link rel='stylesheet' href='/static/sorra.css'><style>{style}</style></head><body>{nav}<h1>{_h(title)}</h1>{body}</body></html>")


def _range(start: str | None, end: str | None) -> tuple[str, str]:
    today = date.today()
    try:
        d1 = date.fromisoformat(end) if end else today
        d0 = date.fromisoformat(start) if start else d1 - timedelta(days=6)
    except ValueError:
        raise HTTPException(400, "dates: YYYY-MM-DD") from None
    if d1 < d0:
        d0, d1 = d1, d0
    if (d1 - d0).days > 400:
        raise HTTPException(400, "at most 400 days")
    return d0.isoformat(), d1.isoformat()


def create_app(service: Any) -> FastAPI:
    app = FastAPI(title="Sorra central", docs_url=None, redoc_url=None, openapi_url=None)
    from pathlib import Path

    from fastapi.staticfiles import StaticFiles

    import hub.web

    # the hub's stylesheet (charts from hub.web.charts use its classes)
    app.mount("/static", StaticFiles(directory=Path(hub.web.__file__).parent / "static"), name="static")
    stats = service.stats or SiteStats(service.data_dir, lambda: service.db(autocommit=True))

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
        return user

    def visible(user: dict[str, Any], conn: Any) -> list[dict[str, Any]]:
        rows = D.sites(conn, include_removed=True)
        if user["role"] != "admin":
            rows = [r for r in rows if r["site"] in user["sites"]]
        return rows

    def may_see(user: dict[str, Any], site: str) -> None:
        if user["role"] != "admin" and site not in user["sites"]:
            raise HTTPException(404, "no such office")

    @app.exception_handler(HTTPException)
    async def _http_error(request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 401 and not request.url.path.startswith("/api/"):
            return RedirectResponse("/login", status_code=303)
        return JSONResponse({"error": exc.detail}, status_code=exc.status_code)

    @app.get("/login")
    def login_form() -> HTMLResponse:
        return _page("Log in", '<form method="post" action="/login"><p><label>Name <input name="name"></label></p>'
                               '<p><label>Password <input name="password" type="password"></label></p>'
                               '<button>Log in</button></form>')

    @app.post("/login")
    def login(name: str = Form(...), password: str = Form(...)) -> Response:
        with service.db(autocommit=True) as conn:
            user = D.get_user(conn, name.strip().lower())
            if user is None or not check_password(password, user["password_hash"]):
                return _page("Log in", '<p class="error">Wrong name or password.</p><p><a href="/login">Again</a></p>')
            token = secrets.token_urlsafe(32)
            conn.execute("DELETE FROM sessions WHERE expires_at < %s", [time.time()])
            conn.execute("INSERT INTO sessions (token_hash, name, expires_at) VALUES (%s,%s,%s)",
                         [hashlib.sha256(token.encode()).hexdigest(), user["name"], time.time() + SESSION_S])
        resp = RedirectResponse("/", status_code=303)
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
            ov = service.live.overview(r["site"], now)
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
        body = ["<table><tr><th>Office</th><th>Waiting</th><th>Longest wait</th><th>Target</th>"
                "<th>Open counters</th><th>Last contact</th><th>Alerts</th></tr>"]
        for o in overview_rows(user):
            lw = "–" if o["longest_wait_s"] is None else f"{o['longest_wait_s'] // 60} min"
            target = "–" if not o["target_s"] else f"{o['target_s'] // 60} min"
            ago = "never" if o["last_contact_ago_s"] is None else f"{o['last_contact_ago_s']} s ago"
            al = "<br>".join(f'<span class="{_h(a["level"])}">{_h(a["message"])}</span>' for a in o["alerts"])
            body.append(f'<tr><td><a href="/stats/{_h(o["site"])}">{_h(o["name"])}</a></td><td>{o["waiting"]}</td>'
                        f"<td>{lw}</td><td>{target}</td><td>{o['open_counters']}/{o['counters']}</td>"
                        f"<td>{ago}</td><td>{al}</td></tr>")
        body.append("</table>")
        return _page("All offices", "".join(body), user, refresh=10)

    # ---- across offices -----------------------------------------------------------------

    def across(user: dict[str, Any], start: str, end: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        with service.db(autocommit=True) as conn:
            names = [r["site"] for r in visible(user, conn)]
            return D.report(conn, start, end, names), D.report_by_day(conn, start, end, names)

    @app.get("/api/report")
    def api_report(request: Request, start: str | None = None, end: str | None = None) -> JSONResponse:
        user = need(request)
        a, b = _range(request.query_params.get("from", start), request.query_params.get("to", end))
        per_site, by_day = across(user, a, b)
        return JSONResponse({"from": a, "to": b, "sites": per_site, "by_day": by_day})

    cols = ("issued", "served", "no_show", "cancelled", "unserved", "open", "wait_mean_s", "wait_max_s")

    @app.get("/stats", response_class=HTMLResponse)
    def stats_all(request: Request) -> HTMLResponse:
        from hub.web.charts import stacked_bars

        user = need(request)
        a, b = _range(request.query_params.get("from"), request.query_params.get("to"))
        per_site, by_day = across(user, a, b)
        q = f"from={a}&to={b}"
        body = [f'<form><input type="date" name="from" value="{a}"> – <input type="date" name="to" value="{b}">'
                f' <button>Show</button></form><p><a href="/stats/export.csv?{q}">CSV</a> · '
                f'<a href="/stats/export.xlsx?{q}">XLSX</a></p>']
        if by_day:
            body.append(str(stacked_bars(
                [d["day"][5:] for d in by_day],
                [("served", "bar-a", [d["served"] for d in by_day]),
                 ("no-show", "bar-bad", [d["no_show"] for d in by_day]),
                 ("other", "bar-c", [d["issued"] - d["served"] - d["no_show"] for d in by_day])],
                label="Tickets per day, all offices")))
        body.append("<table><tr><th>Office</th>" + "".join(f"<th>{c}</th>" for c in cols) + "</tr>")
        for site, r in per_site.items():
            body.append(f'<tr><td><a href="/stats/{_h(site)}?{q}">{_h(r["name"])}</a></td>'
                        + "".join(f"<td>{_h(r[c])}</td>" for c in cols) + "</tr>")
        body.append("</table>")
        return _page("Statistics — all offices", "".join(body), user)

    @app.get("/stats/export.{fmt}")
    def stats_all_export(request: Request, fmt: str) -> Response:
        user = need(request)
        a, b = _range(request.query_params.get("from"), request.query_params.get("to"))
        per_site, _by_day = across(user, a, b)
        header = ["site", "name", *cols]
        body = [[site, r["name"], *(r[c] for c in cols)] for site, r in per_site.items()]
        name = f"sorra-offices-{a}-{b}"
        if fmt == "csv":
            buf = io.StringIO()
            buf.write("\ufeff")
            w = csv.writer(buf)
            w.writerow(header)
            w.writerows(body)
            return Response(buf.getvalue(), media_type="text/csv; charset=utf-8",
                            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
        if fmt == "xlsx":
            from openpyxl import Workbook

            wb = Workbook()
            ws = wb.active
            ws.title = "Offices"
            ws.append(header)
            for r in body:
                ws.append(r)
            out = io.BytesIO()
            wb.save(out)
            return Response(out.getvalue(), headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
                            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        raise HTTPException(404, "csv or xlsx")

    # ---- one office: the hub's own report ----------------------------------------------------

    def site_report(request: Request, site: str) -> tuple[dict[str, Any], dict[str, Any], str, str]:
        user = need(request)
        may_see(user, site)
        a, b = _range(request.query_params.get("from"), request.query_params.get("to"))
        return user, stats.report(site, a, b), a, b

    @app.get("/api/stats/{site}")
    def api_site(request: Request, site: str) -> JSONResponse:
        return JSONResponse(site_report(request, site)[1])

    @app.get("/stats/{site}/export.{fmt}")
    def site_export(request: Request, site: str, fmt: str) -> Response:
        from hub.stats.export import to_csv, to_xlsx

        _user, report, a, b = site_report(request, site)
        name = f"sorra-{site}-{a}-{b}"

        def gettext(s: str) -> str:
            return s
        if fmt == "csv":
            table = request.query_params.get("table", "services")
            try:
                text = to_csv(report, table, gettext)
            except ValueError:
                raise HTTPException(404, "no such table") from None
            return Response(text, media_type="text/csv; charset=utf-8",
                            headers={"Content-Disposition": f'attachment; filename="{name}-{table}.csv"'})
        if fmt == "xlsx":
            return Response(to_xlsx(report, gettext),
                            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                            headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'})
        raise HTTPException(404, "csv or xlsx")

    @app.get("/stats/{site}", response_class=HTMLResponse)
    def site_page(request: Request, site: str) -> HTMLResponse:
        from hub.web.charts import stacked_bars

        user, r, a, b = site_report(request, site)
        t = r["totals"]
        q = f"from={a}&to={b}"
        body = [f'<form><input type="date" name="from" value="{a}"> – <input type="date" name="to" value="{b}">'
                f' <button>Show</button></form><p>Export: '
                + " · ".join(f'<a href="/stats/{_h(site)}/export.csv?{q}&table={tb}">{tb} (CSV)</a>'
                             for tb in ("summary", "services", "clerks", "hours", "days"))
                + f' · <a href="/stats/{_h(site)}/export.xlsx?{q}">XLSX</a></p>']
        body.append(str(stacked_bars([str(h["hour"]) for h in r["hours"]],
                                     [("issued", "bar-a", [h["issued"] for h in r["hours"]])],
                                     label="Tickets by hour")))
        figures = [("Issued", t["issued"]), ("Served", t["served"]), ("No-show", t["no_show"]),
                   ("Cancelled", t["cancelled"]), ("Unserved", t["unserved"]), ("Open", t["open"]),
                   ("Mean wait (s)", t["wait"]["mean"] and round(t["wait"]["mean"])),
                   ("p90 wait (s)", t["wait"]["p90"] and round(t["wait"]["p90"])), ("SLA %", t["sla_pct"])]
        body.append("<table>" + "".join(f"<tr><td>{k}</td><td>{_h(v)}</td></tr>" for k, v in figures) + "</table>")
        body.append("<h2>Services</h2><table><tr><th>Service</th><th>Issued</th><th>Served</th><th>No-show</th>"
                    "<th>Mean wait (s)</th><th>SLA %</th></tr>")
        for s in r["services"]:
            mean = s["wait"]["mean"]
            body.append(f"<tr><td>{_h(s['name'])}</td><td>{s['issued']}</td><td>{s['served']}</td>"
                        f"<td>{s['no_show']}</td><td>{'' if mean is None else round(mean)}</td>"
                        f"<td>{_h(s['sla_pct'])}</td></tr>")
        body.append("</table>")
        return _page(f"Statistics — {site}", "".join(body), user)

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
