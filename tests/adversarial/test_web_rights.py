"""Issue 12, item 7: rights and order of checks, for every route of the web app.

The table "Who may call what" in docs/web.md is the specification. The test
reads it, checks that it names exactly the app's routes, and calls every
route anonymously, as each role (session cookie) and with an API token of each
role (REST API), checking the answer: 401 / sign-in page before anything else
for an anonymous caller (also with a body that is not valid), 403 for a role
without the right (also before the body), and neither for a role with it.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi.routing import APIRoute

from hub.web import tokens
from tests.web.conftest import PASSWORDS, web_hub  # noqa: F401  (module-scoped hub fixture)

DOC = Path(__file__).resolve().parents[2] / "docs" / "web.md"
ALLOWED = {"anyone": {"anon", "clerk", "reception", "manager", "admin"},
           "staff": {"clerk", "reception", "manager", "admin"}, "reception": {"reception", "manager", "admin"},
           "manager": {"manager", "admin"}, "admin": {"admin"}}
PARAMS = {"sid": "A", "number": "1", "cid": "zed", "rid": "no-such-rule", "code": "ZZZZZZ", "token": "no-token",
          "sha": "0" * 64, "device": "no-such-device", "name": "nobody"}
QUERY = {"GET /book/{sid}/contact": {"at": "1900000000"}, "GET /api/v1/public/booking/services/{sid}/slots":
         {"day": "2030-01-07"}}
SIGNED = ("/api/v1/public/booking/{code}", "/book/done/{code}", "/book/manage/{code}")
"""Routes that need an appointment's code and signature (else 403 for anyone, rightly)."""
SESSION_ENDERS = {"POST /logout", "POST /api/v1/auth/logout"}
SIGN_IN = {"POST /login", "POST /api/v1/auth/login"}
"""Open to anyone; they answer 401 to wrong credentials (the walk sends none)."""


def doc_table() -> dict[str, str]:
    """``{"GET /path": who}`` from the table under "Who may call what" in docs/web.md."""
    text = DOC.read_text(encoding="utf-8")
    section = text.split("### Who may call what", 1)[1].split("\n### ", 1)[0]
    table: dict[str, str] = {}
    for line in section.splitlines():
        m = re.match(r"^\| (anyone|staff|reception|manager|admin) \| (.+) \|$", line)
        if not m:
            continue
        for route in re.findall(r"`((?:GET|POST|PUT|PATCH|DELETE) /[^`]*)`", m.group(2)):
            assert route not in table, f"{route} is twice in the table"
            table[route] = m.group(1)
    return table


def api_routes(routes: list[Any]) -> list[APIRoute]:
    """The app's routes, also those of included routers (FastAPI keeps those as branches)."""
    out: list[APIRoute] = []
    for r in routes:
        if hasattr(r, "original_router"):
            out.extend(api_routes(r.original_router.routes))
        elif isinstance(r, APIRoute):
            out.append(r)
    return out


def app_routes(web_hub: Any) -> list[str]:  # noqa: F811
    return [f"{m} {r.path}" for r in api_routes(web_hub.hub.web.app.routes) for m in sorted(r.methods)]


def concrete(route: str, appt: dict[str, str]) -> tuple[str, str, dict[str, str]]:
    method, path = route.split(" ", 1)
    query = dict(QUERY.get(route, {}))
    values = dict(PARAMS)
    if route == "PUT /api/v1/clerks/{cid}/profile":
        values["cid"] = "anna"  # the clerk account's own clerk id (a clerk may change only their own)
    if path.startswith(SIGNED):
        values["code"] = appt["code"]
        query["sig"] = appt["sig"]
    return method, re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path), query


@pytest.fixture(scope="module")
def appt(web_hub: Any) -> dict[str, str]:  # noqa: F811
    tz = ZoneInfo(web_hub.hub.engine.state.settings.tz)
    day = datetime.now(tz).date() + timedelta(days=2)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    at = datetime(day.year, day.month, day.day, 11, 0, tzinfo=tz).timestamp()
    r = httpx.post(f"http://127.0.0.1:{web_hub.http_port}/api/v1/public/booking",
                   json={"service": "A", "at": at, "name": "Jogos Jenő"}, timeout=15)
    assert r.status_code == 201, r.text
    return {"code": r.json()["code"], "sig": r.json()["sig"]}


class Caller:
    """One way of calling: anonymous, a role's session, or a role's API token."""

    def __init__(self, web_hub: Any, role: str, how: str, appt: dict[str, str]) -> None:  # noqa: F811
        self.role, self.how, self.appt = role, how, appt
        self.http = httpx.Client(base_url=f"http://127.0.0.1:{web_hub.http_port}", timeout=30)
        self.headers: dict[str, str] = {}
        if how == "session":
            r = self.http.post("/api/v1/auth/login", json={"name": role, "password": PASSWORDS[role]})
            assert r.status_code == 200, r.text
            self.headers["X-CSRF-Token"] = r.json()["csrf"]
        elif how == "token":
            web = web_hub.hub.web.app.state.web
            _, secret = tokens.add_token(web.db(), f"rights-{role}", role)
            self.headers["Authorization"] = f"Bearer {secret}"
        else:  # anonymous, but with a visitor's CSRF token, so public forms get past that check
            page = self.http.get("/login")
            self.headers["X-CSRF-Token"] = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]

    def call(self, route: str, *, valid_body: bool) -> tuple[int, str, str]:
        """(status, error code or page text, Location) — streams are closed after their first bytes."""
        method, path, query = concrete(route, self.appt)
        kwargs: dict[str, Any] = {"headers": dict(self.headers), "params": query}
        if method != "GET":
            if path.startswith("/api/"):
                if valid_body:
                    kwargs["json"] = {}
                else:
                    kwargs["content"] = b'{"not json'
                    kwargs["headers"]["content-type"] = "application/json"
            else:
                kwargs["data"] = {"sig": self.appt["sig"]}  # the manage forms carry it
        with self.http.stream(method, path, **kwargs) as r:
            if r.headers.get("content-type", "").startswith("text/event-stream"):
                return r.status_code, "", ""
            r.read()
            code = ""
            if r.headers.get("content-type", "").startswith("application/json") and r.status_code >= 400:
                code = r.json().get("error", {}).get("code", "")
            elif r.status_code >= 400:
                m = re.search(r'<p class="muted small">([a-z_]+)</p>', r.text)
                code = m.group(1) if m else r.text[:200]
            return r.status_code, code, r.headers.get("location", "")

    def close(self) -> None:
        self.http.close()


def test_the_docs_table_names_every_route_exactly_once(web_hub: Any) -> None:  # noqa: F811
    table = doc_table()
    routes = app_routes(web_hub)
    assert len(routes) == len(set(routes))
    assert sorted(set(routes) - set(table)) == [], "routes missing from docs/web.md"
    assert sorted(set(table) - set(routes)) == [], "docs/web.md names routes the app does not have"


def test_the_code_table_matches_the_docs() -> None:
    from hub.web.access import ACCESS

    assert ACCESS == doc_table()


@pytest.mark.parametrize("how", ["session", "token"])
def test_every_route_as_every_role(web_hub: Any, appt: dict[str, str], how: str) -> None:  # noqa: F811
    table = doc_table()
    # routes that end the caller's session go last
    order = sorted(table, key=lambda r: (r in SESSION_ENDERS, r))
    callers = [Caller(web_hub, "anon", "anon", appt)] + [Caller(web_hub, role, how, appt)
                                                         for role in ("clerk", "reception", "manager", "admin")]
    problems = []
    try:
        for route in order:
            api = route.split(" ", 1)[1].startswith("/api/")
            if how == "token" and not api:
                continue  # tokens are for the REST API; pages ignore them
            who = table[route]
            for caller in callers:
                allowed = caller.role in ALLOWED[who]
                for valid_body in ([True, False] if not route.startswith("GET") else [True]):
                    if allowed and not valid_body:
                        continue
                    status, code, location = caller.call(route, valid_body=valid_body)
                    label = f"{route} as {caller.role}/{caller.how} ({'body' if valid_body else 'bad body'})"
                    if status >= 500:
                        problems.append(f"{label}: {status}")
                    elif allowed:
                        if (status == 401 and route not in SIGN_IN) or code == "forbidden" or "/login?next=" in location:
                            problems.append(f"{label}: refused ({status} {code})")
                    elif caller.role == "anon":
                        want = (status == 401 and code == "unauthorized") if api else \
                            (status == 303 and location.startswith("/login?next="))
                        if not want:
                            problems.append(f"{label}: {status} {code} {location}, expected the sign-in check")
                    elif not (status == 403 and code == "forbidden"):
                        problems.append(f"{label}: {status} {code}, expected 403 forbidden")
    finally:
        for c in callers:
            c.close()
    assert problems == [], "\n".join(problems)


def test_the_six_body_routes_check_the_login_before_the_body(web_hub: Any) -> None:  # noqa: F811
    """The routes of the report: an anonymous caller with a missing or broken body gets 401, not 422."""
    with httpx.Client(base_url=f"http://127.0.0.1:{web_hub.http_port}", timeout=15) as http:
        for method, path in [("PUT", "/api/v1/services/X"), ("PUT", "/api/v1/counters/1"),
                             ("PUT", "/api/v1/clerks/x"), ("PUT", "/api/v1/clerks/x/profile"),
                             ("PUT", "/api/v1/rules/x"), ("PATCH", "/api/v1/settings"),
                             ("PUT", "/api/v1/ticket-layout"), ("PUT", "/api/v1/playlist"),
                             ("POST", "/api/v1/appointments"), ("POST", "/api/v1/pairing/x/approve"),
                             ("PUT", "/api/v1/users/x"), ("POST", "/api/v1/media")]:
            for body in ({}, {"content": b"[[[", "headers": {"content-type": "application/json"}}):
                r = http.request(method, path, **body)  # type: ignore[arg-type]
                assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized", (method, path, r.text)


def test_the_openapi_document_says_who_may_call_each_operation(web_hub: Any) -> None:  # noqa: F811
    doc = httpx.get(f"http://127.0.0.1:{web_hub.http_port}/api/v1/openapi.json", timeout=15).json()
    table = doc_table()
    assert {"token", "session"} <= set(doc["components"]["securitySchemes"])
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            who = table[f"{method.upper()} {path}"]
            assert op["x-sorra-access"] == who
            assert ("security" in op) == (who != "anyone"), (method, path)
