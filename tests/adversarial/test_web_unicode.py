"""Issue 12, item 8: odd text in the address of a public page is never a server error.

Before: ``GET /api/v1/public/booking/{code}?sig=…`` answered 500 for a
signature that was not ASCII (``hmac.compare_digest`` refuses such text), and
the day of the slots page for one that was not a date. Every public route
with path or query values is tried here with lone surrogates, NUL and other
control characters, right-to-left marks, invalid UTF-8 and very long strings:
over HTTP, and in process (where a value can hold a lone surrogate, which
cannot cross HTTP), with a fixed list and with hypothesis-generated text.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.web.conftest import web_hub  # noqa: F401  (module-scoped hub fixture)

ODD = ["\ud800", "x\udfff", "\x00", "A\x00B", "\u200f\u202eABC", "\u202e", "\ufeff", "é", "💥", "\\", "..", "%",
       "?", "#", "/", "A" * 5000, "é" * 2000, "\x7f", "\r\n", "'\"<>", "null", "-1", "1e309", "NaN"]

# (method, path template, query names); {v} is the value under test, {code}/{sig} a real appointment's
ROUTES = [
    ("GET", "/api/v1/public/tickets/{v}", []),
    ("GET", "/api/v1/public/booking/services/{v}/days", []),
    ("GET", "/api/v1/public/booking/services/{v}/slots", ["day"]),
    ("GET", "/api/v1/public/booking/services/A/slots", ["day"]),
    ("GET", "/api/v1/public/booking/{v}", ["sig"]),
    ("GET", "/api/v1/public/booking/{code}", ["sig"]),
    ("POST", "/api/v1/public/booking/{v}/cancel", ["sig"]),
    ("POST", "/api/v1/public/booking/{code}/move", ["sig"]),
    ("GET", "/t/{v}", []),
    ("GET", "/media/{v}", []),
    ("GET", "/book/{v}", ["day"]),
    ("GET", "/book/A", ["day"]),
    ("GET", "/book/{v}/contact", ["at"]),
    ("GET", "/book/A/contact", ["at"]),
    ("GET", "/book/done/{v}", ["sig"]),
    ("GET", "/book/done/{code}", ["sig"]),
    ("GET", "/book/a/{v}", []),
    ("GET", "/book/manage/{v}", ["sig", "day"]),
    ("GET", "/book/manage/{code}", ["day"]),
    ("GET", "/lang/{v}", ["next"]),
    ("GET", "/login", ["next"]),
    ("GET", "/status", ["lang"]),
]


@pytest.fixture(scope="module")
def appointment(web_hub: Any) -> dict[str, str]:  # noqa: F811
    tz = ZoneInfo(web_hub.hub.engine.state.settings.tz)
    day = datetime.now(tz).date() + timedelta(days=2)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    at = datetime(day.year, day.month, day.day, 10, 0, tzinfo=tz).timestamp()
    r = httpx.post(f"http://127.0.0.1:{web_hub.http_port}/api/v1/public/booking",
                   json={"service": "A", "at": at, "name": "Teszt Elek"}, timeout=15)
    assert r.status_code == 201, r.text
    web_hub.hub.web.app.state.web.limiter.limits["public"] = (100_000, 60.0)
    return {"code": r.json()["code"], "sig": r.json()["sig"], "day": day.isoformat()}


def _url(template: str, value: str, appt: dict[str, str], queries: list[str], q_value: str) -> str:
    path = template.replace("{v}", quote(value.encode("utf-8", "surrogatepass"), safe=""))
    path = path.replace("{code}", appt["code"])
    params = []
    for name in queries:
        v = q_value if name != "sig" or "{code}" not in template else appt["sig"]
        if name == "day" and "{code}" in template:
            v = q_value
        params.append(f"{name}={quote(v.encode('utf-8', 'surrogatepass'), safe='')}")
    return path + ("?" + "&".join(params) if params else "")


def test_odd_text_over_http_is_never_a_server_error(web_hub: Any, appointment: dict[str, str]) -> None:  # noqa: F811
    bad = []
    with httpx.Client(base_url=f"http://127.0.0.1:{web_hub.http_port}", timeout=30) as http:
        for method, template, queries in ROUTES:
            for value in ODD:
                url = _url(template, value, appointment, queries, value)
                r = http.request(method, url, json={"at": 1.0} if method == "POST" else None)
                if r.status_code >= 500:
                    bad.append(f"{method} {url[:120]}: {r.status_code}")
        # bytes that are not UTF-8 at all
        for raw in ("%FF", "%ED%A0%80", "%C0%AF", "%00"):
            for url in (f"/api/v1/public/booking/{raw}?sig={raw}", f"/api/v1/public/booking/{appointment['code']}"
                        f"?sig={raw}", f"/book/manage/{raw}?sig={raw}&day={raw}", f"/t/{raw}", f"/book/A?day={raw}"):
                r = http.get(url)
                if r.status_code >= 500:
                    bad.append(f"GET {url}: {r.status_code}")
    assert bad == []


def test_the_reported_case_is_refused_cleanly(web_hub: Any, appointment: dict[str, str]) -> None:  # noqa: F811
    base = f"http://127.0.0.1:{web_hub.http_port}/api/v1/public/booking"
    r = httpx.get(f"{base}/{appointment['code']}", params={"sig": "\u200f" + appointment["sig"]})
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    r = httpx.get(f"{base}/{quote('A' * 10_000)}", params={"sig": "é" * 3000})
    assert r.status_code in (403, 404) and r.json()["error"]["code"] in ("forbidden", "not_found")
    r = httpx.get(f"{base}/services/A/slots", params={"day": "2030-13-45"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "bad_args"
    r = httpx.get(f"{base}/{appointment['code']}", params={"sig": appointment["sig"]})
    assert r.status_code == 200 and r.json()["code"] == appointment["code"]


async def _asgi(app: Any, method: str, path: str, query: bytes = b"") -> int:
    """One request straight into the app, with a path that may hold a lone surrogate (not possible over HTTP)."""
    status: list[int] = []
    sent = False
    answered = asyncio.Event()

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:  # the client has said all it will: it goes once the response is complete
            await answered.wait()
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])
        elif message["type"] == "http.response.body" and not message.get("more_body"):
            answered.set()

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
             "scheme": "http", "path": path, "raw_path": path.encode("utf-8", "surrogatepass"),
             "query_string": query, "root_path": "", "headers": [(b"host", b"127.0.0.1")],
             "client": ("127.0.0.9", 40000), "server": ("127.0.0.1", 80), "state": {}}
    await asyncio.wait_for(app(scope, receive, send), 20)
    return status[0]


IN_PROCESS = ["/api/v1/public/tickets/{v}", "/api/v1/public/booking/{v}", "/api/v1/public/booking/services/{v}/days",
              "/t/{v}", "/media/{v}", "/book/a/{v}", "/book/done/{v}", "/book/manage/{v}", "/book/{v}", "/lang/{v}"]


def test_lone_surrogates_in_process_are_refused(web_hub: Any) -> None:  # noqa: F811
    app = web_hub.hub.web.app
    for template in IN_PROCESS:
        for value in ("\ud800", "A\udfffB", "\x00", "A\x01"):
            status = asyncio.run(_asgi(app, "GET", template.replace("{v}", value), b"sig=x"))
            assert status == 400, (template, value, status)


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(value=st.text(max_size=300), q_value=st.text(max_size=300), route=st.sampled_from(ROUTES))
def test_generated_text_is_never_a_server_error(web_hub: Any, appointment: dict[str, str], value: str,  # noqa: F811
                                                q_value: str, route: tuple[str, str, list[str]]) -> None:
    method, template, queries = route
    url = _url(template, value, appointment, queries, q_value)
    r = httpx.request(method, f"http://127.0.0.1:{web_hub.http_port}{url}", timeout=30,
                      json={"at": 1.0} if method == "POST" else None)
    assert r.status_code < 500, (method, url[:200], r.status_code)
