"""Who may call which route, checked before anything else the route does.

Every route of the web app (HTML pages and ``/api/v1``) is in :data:`ACCESS`
with one of :data:`ANYONE`, :data:`STAFF` (any signed-in role), :data:`RECEPTION`
(the front desk: reception, manager or admin),
:data:`MANAGER` (manager or admin) or :data:`ADMIN`; docs/web.md has the same
table and a test walks every route as each role against it. The check runs in
:class:`Guarded`, the route class of every router, *before* FastAPI reads and
validates the body: an anonymous caller gets 401 (API) or the sign-in page
(HTML), a signed-in one without the right 403, never 422 for a body it may not
send anyway. For API calls that change something, the CSRF token (header) is
checked there too, unless the caller uses an API token. A route missing from
the table is for administrators only.

The guard also refuses path and query values that are not text (lone
surrogates, NUL and other control characters) with 400, and JSON bodies over
:data:`MAX_JSON` bytes (413), nested deeper than :data:`MAX_DEPTH` or holding
such strings (422), before any handler sees them. With HTTPS on, staff routes
asked for over plain HTTP are redirected to HTTPS (308).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

from hub.web.security import WebError

log = logging.getLogger(__name__)

ANYONE = "anyone"
STAFF = "staff"
MANAGER = "manager"
ADMIN = "admin"
RECEPTION = "reception"
ROLES_OF = {STAFF: ("admin", "manager", "clerk", "reception"), MANAGER: ("admin", "manager"), ADMIN: ("admin",),
            RECEPTION: ("admin", "manager", "reception")}
MAX_JSON = 1_000_000
MAX_DEPTH = 32

ACCESS: dict[str, str] = {
    # ---- pages without login
    "GET /": ANYONE,
    "GET /login": ANYONE,
    "POST /login": ANYONE,
    "POST /logout": ANYONE,
    "GET /lang/{code}": ANYONE,
    "GET /t/{token}": ANYONE,
    "GET /t/{token}/live": ANYONE,
    "POST /t/{token}/notify": ANYONE,
    "POST /api/v1/public/tickets/{token}/notify": ANYONE,
    "GET /api/v1/notify/log": MANAGER,
    "GET /admin/notify": MANAGER,
    "POST /admin/notify": MANAGER,
    "GET /admin/notify/texts": MANAGER,
    "POST /admin/notify/texts": MANAGER,
    "GET /f/{token}": ANYONE,
    "POST /f/{token}": ANYONE,
    "GET /status": ANYONE,
    "GET /status/live": ANYONE,
    "GET /media/{sha}": ANYONE,
    "GET /favicon.ico": ANYONE,
    "GET /book": ANYONE,
    "GET /book/{sid}": ANYONE,
    "GET /book/{sid}/contact": ANYONE,
    "POST /book/{sid}": ANYONE,
    "GET /book/done/{code}": ANYONE,
    "GET /book/a/{code}": ANYONE,
    "GET /book/manage/{code}": ANYONE,
    "POST /book/manage/{code}/cancel": ANYONE,
    "POST /book/manage/{code}/move": ANYONE,
    "GET /queue": ANYONE,
    "POST /queue": ANYONE,
    # ---- staff pages
    "GET /dashboard": STAFF,
    "GET /dashboard/live": STAFF,
    "POST /dashboard/return": STAFF,
    "POST /dashboard/backlog": STAFF,
    "GET /desk": RECEPTION,
    "POST /desk": RECEPTION,
    "POST /desk/book": RECEPTION,
    "GET /me/profile": STAFF,
    "POST /me/profile": STAFF,
    "GET /admin/services": MANAGER,
    "GET /admin/services/{sid}": MANAGER,
    "POST /admin/services/{sid}": MANAGER,
    "GET /admin/counters": MANAGER,
    "GET /admin/counters/{number}": MANAGER,
    "POST /admin/counters": MANAGER,
    "POST /admin/counters/{number}": MANAGER,
    "GET /admin/clerks": MANAGER,
    "GET /admin/clerks/{cid}": MANAGER,
    "POST /admin/clerks": MANAGER,
    "POST /admin/clerks/{cid}": MANAGER,
    "GET /admin/rules": MANAGER,
    "POST /admin/rules": MANAGER,
    "POST /admin/rules/{rid}/delete": MANAGER,
    "GET /admin/settings": MANAGER,
    "GET /admin/outcomes": MANAGER,
    "POST /admin/outcomes": MANAGER,
    "POST /admin/settings": MANAGER,
    "GET /admin/layout": MANAGER,
    "POST /admin/layout": MANAGER,
    "GET /admin/layout/preview.png": MANAGER,
    "GET /admin/playlist": MANAGER,
    "POST /admin/playlist": MANAGER,
    "POST /admin/media": MANAGER,
    "POST /admin/media/{sha}/delete": MANAGER,
    "GET /admin/appointments": MANAGER,
    "POST /admin/appointments": MANAGER,
    "GET /stats": MANAGER,
    "GET /stats/export.csv": MANAGER,
    "GET /stats/export.xlsx": MANAGER,
    "GET /capacity": MANAGER,
    "GET /capacity/scenario.toml": MANAGER,
    "POST /stats/rebuild": ADMIN,
    "GET /admin/devices": ADMIN,
    "POST /admin/devices": ADMIN,
    "GET /admin/users": ADMIN,
    "POST /admin/users": ADMIN,
    # ---- REST API
    "POST /api/v1/auth/login": ANYONE,
    "POST /api/v1/auth/logout": STAFF,
    "GET /api/v1/me": STAFF,
    "GET /api/v1/public/status": ANYONE,
    "GET /api/v1/public/tickets/{token}": ANYONE,
    "GET /api/v1/public/booking/services": ANYONE,
    "GET /api/v1/public/booking/services/{sid}/days": ANYONE,
    "GET /api/v1/public/booking/services/{sid}/slots": ANYONE,
    "POST /api/v1/public/booking": ANYONE,
    "GET /api/v1/public/booking/{code}": ANYONE,
    "POST /api/v1/public/booking/{code}/cancel": ANYONE,
    "POST /api/v1/public/booking/{code}/move": ANYONE,
    "GET /api/v1/public/queue": ANYONE,
    "POST /api/v1/public/queue": ANYONE,
    "POST /api/v1/tickets": RECEPTION,
    "GET /api/v1/dashboard": STAFF,
    "GET /api/v1/live/dashboard": STAFF,
    "GET /api/v1/services": STAFF,
    "PUT /api/v1/services/{sid}": MANAGER,
    "GET /api/v1/counters": MANAGER,
    "PUT /api/v1/counters/{number}": MANAGER,
    "GET /api/v1/clerks": MANAGER,
    "PUT /api/v1/clerks/{cid}": MANAGER,
    "PUT /api/v1/clerks/{cid}/profile": STAFF,  # a clerk: only their own, when the manager allowed it
    "GET /api/v1/rules": MANAGER,
    "PUT /api/v1/rules/{rid}": MANAGER,
    "DELETE /api/v1/rules/{rid}": MANAGER,
    "GET /api/v1/settings": MANAGER,
    "PATCH /api/v1/settings": MANAGER,
    "GET /api/v1/ticket-layout": MANAGER,
    "PUT /api/v1/ticket-layout": MANAGER,
    "GET /api/v1/media": MANAGER,
    "POST /api/v1/media": MANAGER,
    "DELETE /api/v1/media/{sha}": MANAGER,
    "GET /api/v1/playlist": MANAGER,
    "PUT /api/v1/playlist": MANAGER,
    "GET /api/v1/appointments": MANAGER,
    "POST /api/v1/appointments": MANAGER,
    "DELETE /api/v1/appointments/{code}": MANAGER,
    "GET /api/v1/stats": MANAGER,
    "GET /api/v1/devices": ADMIN,
    "DELETE /api/v1/devices/{device}": ADMIN,
    "GET /api/v1/pairing": ADMIN,
    "POST /api/v1/pairing/{code}/approve": ADMIN,
    "POST /api/v1/pairing/{code}/reject": ADMIN,
    "GET /api/v1/users": ADMIN,
    "PUT /api/v1/users/{name}": ADMIN,
    "DELETE /api/v1/users/{name}": ADMIN,
}

HTTPS_ALSO = ("/login", "/api/v1/auth/login")
"""Routes open to anyone that still move to HTTPS when it is on (the password is typed there)."""

_BAD_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_JSON_TYPES = ("application/json", "+json")


def access_of(method: str, path: str) -> str:
    who = ACCESS.get(f"{method} {path}")
    if who is None:
        log.warning("route %s %s is not in hub.web.access.ACCESS: administrators only", method, path)
        return ADMIN
    return who


def bad_text(value: str) -> bool:
    """True for text no page or database should get: lone surrogates, NUL and other control characters."""
    return bool(_BAD_TEXT.search(value))


def _check_params(request: Request) -> None:
    for name, value in [*request.path_params.items(), *request.query_params.multi_items()]:
        if isinstance(value, str) and (bad_text(value) or bad_text(name)):
            raise WebError(400, "bad_args", "invalid characters in the address")


def _check_json(value: Any) -> None:
    """Iteratively: no string with a lone surrogate or NUL, at most MAX_DEPTH levels."""
    todo: list[tuple[Any, int]] = [(value, 0)]
    while todo:
        item, depth = todo.pop()
        if depth > MAX_DEPTH:
            raise WebError(422, "bad_args", "the request is nested too deeply")
        if isinstance(item, str):
            if "\x00" in item or re.search("[\ud800-\udfff]", item):
                raise WebError(422, "bad_args", "the request holds text that is not valid Unicode")
        elif isinstance(item, dict):
            todo.extend((k, depth + 1) for k in item)
            todo.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            todo.extend((v, depth + 1) for v in item)


async def _check_body(request: Request) -> None:
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if not ctype.endswith(_JSON_TYPES) and ctype != "application/json":
        return
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_JSON:
        raise WebError(413, "too_large", "the request is too large")
    body = await request.body()
    if len(body) > MAX_JSON:
        raise WebError(413, "too_large", "the request is too large")
    if not body:
        return
    try:
        data = json.loads(body)
    except RecursionError:
        raise WebError(422, "bad_args", "the request is nested too deeply") from None
    except ValueError:
        return  # FastAPI answers 422 for JSON it cannot read
    _check_json(data)


def _gate(request: Request, who: str, write: bool) -> Response | None:
    from hub.web.app import check_csrf, is_api, require, web_of

    web = web_of(request)
    path = request.url.path
    if web.https_port and request.url.scheme == "http" and (who != ANYONE or path in HTTPS_ALSO):
        host = request.url.hostname or "localhost"
        if ":" in host:
            host = f"[{host}]"
        target = f"https://{host}:{web.https_port}{path}" + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(target, status_code=308)
    if who == ANYONE:
        return None
    require(request, *ROLES_OF[who])
    if write and is_api(request):
        check_csrf(request)
    return None


class Guarded(APIRoute):
    """The route class of every router: the access check first, then FastAPI's own handling."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        inner = super().get_route_handler()
        method = sorted(self.methods or {"GET"})[0]
        who = access_of(method, self.path)
        write = method not in ("GET", "HEAD", "OPTIONS")

        async def handler(request: Request) -> Response:
            if who != ANYONE or request.app.state.web.https_port:
                early = await run_in_threadpool(_gate, request, who, write)
                if early is not None:
                    return early
            _check_params(request)
            if write and request.url.path.startswith("/api/"):
                await _check_body(request)
            return await inner(request)

        return handler
