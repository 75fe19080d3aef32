"""The FastAPI app: shared context, rendering, errors, security headers.

:func:`create_app` wires the parts; the routes live in ``routes_*.py`` (HTML)
and :mod:`hub.web.api` (``/api/v1``, with its OpenAPI document at
``/api/v1/openapi.json``).
"""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from starlette.exceptions import HTTPException as StarletteHTTPException

from hub.engine import EngineError
from hub.media import MediaStore
from hub.store import connect as store_connect
from hub.web import accounts, i18n, kv, tokens
from hub.web.accounts import User, session_user
from hub.web.alert_text import alert_source, alert_text
from hub.web.live import LiveHub
from hub.web.security import (
    ANON_COOKIE,
    CSRF_FIELD,
    CSRF_HEADER,
    LANG_COOKIE,
    SESSION_COOKIE,
    STATUS_OF,
    LoginThrottle,
    RateLimiter,
    WebError,
    csrf_ok,
    csrf_token,
    new_anon_id,
    retry_after,
)
from sorra import __version__

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
API_PREFIX = "/api/v1"


class LoginRequired(Exception):
    pass


class Web:
    """What every handler needs: the hub, database connections, templates, live push, limits."""

    def __init__(self, hub: Any, *, limits: dict[str, tuple[int, float]] | None = None) -> None:
        self.hub = hub
        self.db_path = Path(hub.store.path)
        self.key: str = hub.secrets["hub_key"]
        self.limiter = RateLimiter(limits)
        self.throttle = LoginThrottle()
        self.https_port: int | None = None
        """Set when the web is also served over HTTPS: staff pages then move there."""
        self.media = MediaStore(Path(hub.data_dir) / "media")
        self.live = LiveHub({"dashboard": self._build_dashboard, "public": self._build_public})
        self.env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(),
                               trim_blocks=True, lstrip_blocks=True)
        self._install_filters()
        self._local = threading.local()
        self._conns: list[sqlite3.Connection] = []
        self._conn_lock = threading.Lock()

    # ---- database ----------------------------------------------------------------------

    def db(self) -> sqlite3.Connection:
        """This thread's connection (WAL: readers never block the engine's commits)."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = store_connect(self.db_path, cache_kib=512)  # one per web thread
            tokens.ensure_table(conn)
            self._local.conn = conn
            with self._conn_lock:
                self._conns.append(conn)
        return conn

    def stats_db(self) -> sqlite3.Connection:
        """:meth:`db`, once every event committed so far is in the statistics: the engine thread projects
        what it had not yet (the one writer of the fact tables while the hub runs; hub/stats/projector.py)."""
        self.read(lambda _engine: self.hub.project_stats())
        return self.db()

    def close(self) -> None:
        with self._conn_lock:
            for conn in self._conns:
                with contextlib.suppress(Exception):
                    conn.close()
            self._conns.clear()

    # ---- engine ------------------------------------------------------------------------

    def read(self, fn: Callable[[Any], Any]) -> Any:
        return self.hub.worker.run_in_worker(fn, timeout=15)

    def call(self, op: str, args: dict[str, Any] | None = None) -> dict[str, Any]:
        try:
            return self.hub.worker.call(op, args or {}, timeout=15)
        except EngineError as err:
            raise WebError(STATUS_OF.get(err.code, 400), err.code, err.message) from None
        except TimeoutError:
            raise WebError(504, "timeout", "the hub did not answer in time") from None

    def _build_dashboard(self) -> Any:
        from hub.web.views import dashboard_snapshot

        return self.read(lambda e: dashboard_snapshot(e, self.hub))

    def _build_public(self) -> Any:
        from hub.web.views import public_snapshot

        previous = self.live.snapshots.get("public")
        return self.read(lambda e: public_snapshot(e, self.hub.presenter, previous[1] if previous else None))

    @property
    def settings(self) -> Any:
        """The office settings, read on the engine thread (a settings change replaces the object)."""
        return self.read(lambda e: e.state.settings)

    @property
    def public_url(self) -> str:
        return self.hub.public_url.rstrip("/")

    # ---- templates ---------------------------------------------------------------------

    def _install_filters(self) -> None:
        i18n.install_language_filters(self.env)
        self.env.filters["hhmm"] = pass_context(lambda ctx, ts: i18n.hhmm(ts, ctx.get("tz", "Europe/Budapest")))
        self.env.filters["tojson_attr"] = lambda v: json.dumps(v, ensure_ascii=False)
        self.env.filters["alert_text"] = pass_context(lambda ctx, a: alert_text(
            a, ctx["_"], ctx.get("lang", "hu"), ctx.get("tz", "Europe/Budapest")))
        self.env.filters["alert_source"] = pass_context(lambda ctx, a: alert_source(a, ctx["_"]))
        self.env.globals["version"] = __version__
        # People read names, not ids: "Okmány ×3" for the service "okmany", "3-as ablak" for counter 3.
        self.env.filters["service_name"] = pass_context(lambda ctx, sid: ctx["names"].service(sid))
        self.env.filters["counter_name"] = pass_context(lambda ctx, n, name="": ctx["names"].counter(n, name))
        self.env.filters["clerk_name"] = pass_context(lambda ctx, cid: ctx["names"].clerk(cid))

    def render(self, template: str, lang: str, **values: Any) -> str:
        tr = i18n.translator(lang)
        tz, names = self.read(lambda e: (e.state.settings.tz, i18n.Names.of(e.state, lang)))
        ctx = {"lang": lang, "_": tr.gettext, "ngettext": tr.ngettext, "tz": tz, "names": names, **values}
        return self.env.get_template(template).render(**ctx)


def web_of(request: Request) -> Web:
    return request.app.state.web


def is_api(request: Request) -> bool:
    return request.url.path.startswith(API_PREFIX)


# ---- request helpers ------------------------------------------------------------------

def client_ip(request: Request) -> str:
    return request.client.host if request.client else "?"


def bearer_token(request: Request) -> str | None:
    """The API token of ``Authorization: Bearer …`` (REST API only), else None."""
    auth = request.headers.get("authorization", "")
    if not is_api(request) or auth[:7].lower() != "bearer ":
        return None
    return auth[7:].strip()


def current_user(request: Request) -> User | None:
    """The signed-in user: an API token (``Authorization: Bearer``) on the REST API, else the session cookie."""
    if "user" not in request.state._state:
        bearer = bearer_token(request)
        if bearer is not None:
            request.state.bearer = True
            request.state.user = tokens.token_user(web_of(request).db(), bearer)
        else:
            token = request.cookies.get(SESSION_COOKIE, "")
            request.state.user = session_user(web_of(request).db(), token) if token else None
    return request.state.user


def by_bearer(request: Request) -> bool:
    return bool(getattr(request.state, "bearer", False))


def require(request: Request, *roles: str) -> User:
    user = current_user(request)
    if user is None:
        if is_api(request):
            if by_bearer(request):
                raise WebError(401, "unauthorized", "unknown or revoked API token")
            raise WebError(401, "unauthorized", "log in first")
        raise LoginRequired()
    if roles and user.role not in roles:
        raise WebError(403, "forbidden", "your role may not do this")
    return user


def lang_of(request: Request) -> str:
    user = current_user(request)
    return i18n.pick_lang(request.query_params.get("lang"), request.cookies.get(LANG_COOKIE),
                          request.headers.get("accept-language"), user.lang if user else "")


def _anchor(request: Request) -> str:
    token = request.cookies.get(SESSION_COOKIE)
    if token and current_user(request) is not None:
        return token
    anon = request.cookies.get(ANON_COOKIE) or getattr(request.state, "new_anon", None)
    if not anon:
        anon = request.state.new_anon = new_anon_id()
    return anon


def csrf_for(request: Request) -> str:
    return csrf_token(web_of(request).key, _anchor(request))


def check_csrf(request: Request, form: Any = None) -> None:
    if by_bearer(request) and current_user(request) is not None:
        return  # an API token is sent by the integration itself, never by a browser on its own
    token = request.headers.get(CSRF_HEADER) or (form.get(CSRF_FIELD) if form is not None else None)
    anchor = request.cookies.get(SESSION_COOKIE) if current_user(request) else request.cookies.get(ANON_COOKIE)
    if not csrf_ok(web_of(request).key, anchor or "", token):
        raise WebError(403, "csrf", "the form has expired or did not come from this site; reload and try again")


def page(request: Request, template: str, status: int = 200, **values: Any) -> HTMLResponse:
    web = web_of(request)
    lang = lang_of(request)
    user = current_user(request)
    csrf = csrf_for(request)
    office = i18n.name_in(web.settings.office_names, lang, "Sorra")
    html = web.render(template, lang, request=request, user=user, csrf=csrf, office=office, path=request.url.path,
                      query=str(request.url.query), msg=request.query_params.get("msg", ""), **values)
    resp = HTMLResponse(html, status_code=status)
    finish(request, resp)
    return resp


def finish(request: Request, resp: Response) -> Response:
    """Set the cookies a render decided on (language, anonymous visitor id)."""
    if request.query_params.get("lang") in ("hu", "en"):
        resp.set_cookie(LANG_COOKIE, request.query_params["lang"], max_age=365 * 86400, samesite="lax")
    anon = getattr(request.state, "new_anon", None)
    if anon:
        resp.set_cookie(ANON_COOKIE, anon, httponly=True, samesite="lax", secure=request.url.scheme == "https")
    return resp


def redirect(url: str, msg: str = "") -> RedirectResponse:
    if msg:
        url += ("&" if "?" in url else "?") + "msg=" + quote(msg)
    return RedirectResponse(url, status_code=303)


def limit(request: Request, bucket: str) -> None:
    web_of(request).limiter.check(bucket, client_ip(request))


def sign_in(request: Request, name: str, password: str) -> User | None:
    """Check a password under the sign-in throttle: None for a wrong one, 429 while this address must wait."""
    web = web_of(request)
    limit(request, "login")
    ip = client_ip(request)
    wait = web.throttle.wait(ip, name)
    if wait > 0:
        raise WebError(429, "rate_limited", "too many failed sign-ins from this address; wait and try again",
                       retry_after(wait))
    user = accounts.authenticate(web.db(), name, password)
    if user is None:
        web.throttle.failed(ip, name)
        return None
    web.throttle.succeeded(ip, name)
    return user


# ---- app ------------------------------------------------------------------------------

class _SecurityHeaders:
    """Pure ASGI (server-sent event streams pass straight through)."""

    HEADERS = [
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"same-origin"),
        (b"content-security-policy", b"default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
                                     b"script-src 'self'; media-src 'self'; frame-ancestors 'none'; "
                                     b"form-action 'self'; base-uri 'none'"),
    ]

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                names = {k for k, _ in message.get("headers", [])}
                message.setdefault("headers", [])
                message["headers"] = list(message["headers"]) + [h for h in self.HEADERS if h[0] not in names]
            await send(message)

        await self.app(scope, receive, with_headers)


def create_app(hub: Any, *, limits: dict[str, tuple[int, float]] | None = None) -> FastAPI:
    web = Web(hub, limits=limits)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await web.live.start()
        if hub.bus is not None and web.live.on_publish not in hub.bus.listeners:
            hub.bus.listeners.append(web.live.on_publish)
        try:
            kv.publish_playlist(web)
            kv.publish_layout(web)  # kiosks paired while the hub was down get it too
        except Exception:
            log.exception("could not publish the playlist or the ticket layout")
        yield
        if hub.bus is not None and web.live.on_publish in hub.bus.listeners:
            hub.bus.listeners.remove(web.live.on_publish)
        await web.live.stop()

    app = FastAPI(title="Sorra hub", version=__version__, lifespan=lifespan,
                  openapi_url=f"{API_PREFIX}/openapi.json", docs_url=None, redoc_url=None,
                  description="The office's queue, configuration, statistics and booking. Errors are JSON "
                              "`{\"error\": {\"code\", \"message\"}}` with stable codes; public endpoints are "
                              "rate-limited (429 with Retry-After).")
    app.state.web = web
    app.add_middleware(_SecurityHeaders)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    _errors(app)

    from hub.web import (
        api,
        api_public,
        routes_admin,
        routes_content,
        routes_public,
        routes_remote,
        routes_stats,
    )
    from hub.web.routes_capacity import router as capacity_router
    from hub.web.routes_desk import router as desk_router
    from hub.web.routes_frontdesk import api as frontdesk_api
    from hub.web.routes_frontdesk import router as frontdesk_router
    from hub.web.routes_survey import router as survey_router

    app.include_router(routes_public.router)
    app.include_router(routes_admin.router)
    app.include_router(desk_router)
    app.include_router(frontdesk_router)
    app.include_router(survey_router)
    app.include_router(routes_content.router)
    app.include_router(routes_stats.router)
    app.include_router(capacity_router)
    app.include_router(api_public.router)
    app.include_router(routes_remote.api)
    app.include_router(routes_remote.pages)
    app.include_router(api.router)
    from hub.notify import web as notify_web  # following a ticket, delivery log, message texts

    app.include_router(notify_web.pages)
    app.include_router(notify_web.api)
    app.include_router(frontdesk_api)
    _document_access(app)
    return app


def _document_access(app: FastAPI) -> None:
    """Say in the OpenAPI document how to sign in and who may call each operation (``x-sorra-access``)."""
    from hub.web.access import ACCESS, ANYONE

    make = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            doc = make()
            doc.setdefault("components", {})["securitySchemes"] = {
                "token": {"type": "http", "scheme": "bearer",
                          "description": "An API token from `sorra hub token add NAME --role ROLE`."},
                "session": {"type": "apiKey", "in": "cookie", "name": SESSION_COOKIE,
                            "description": "From POST /api/v1/auth/login; changes also need X-CSRF-Token."}}
            for path, ops in doc.get("paths", {}).items():
                for method, op in ops.items():
                    who = ACCESS.get(f"{method.upper()} {path}", "admin")
                    op["x-sorra-access"] = who
                    if who != ANYONE:
                        op["security"] = [{"token": []}, {"session": []}]
        return app.openapi_schema  # type: ignore[return-value]

    app.openapi = openapi  # type: ignore[method-assign]


def _error_payload(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


def _errors(app: FastAPI) -> None:
    def respond(request: Request, status: int, code: str, message: str,
                headers: dict[str, str] | None = None) -> Response:
        if is_api(request) or request.url.path.endswith("/live"):
            return JSONResponse(_error_payload(code, message), status_code=status, headers=headers)
        try:
            return page(request, "error.html", status=status, code=code, message=message)
        except Exception:  # the error page itself failed: plain text
            log.exception("rendering the error page failed")
            return Response(f"{status} {code}: {message}", status_code=status, media_type="text/plain")

    @app.exception_handler(WebError)
    async def _web_error(request: Request, err: WebError) -> Response:
        return respond(request, err.status, err.code, err.message, err.headers)

    @app.exception_handler(EngineError)
    async def _engine_error(request: Request, err: EngineError) -> Response:
        return respond(request, STATUS_OF.get(err.code, 400), err.code, err.message)

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, err: LoginRequired) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, err: RequestValidationError) -> Response:
        first = err.errors()[0] if err.errors() else {"loc": (), "msg": "invalid request"}
        where = ".".join(str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path"))
        return respond(request, 422, "bad_args", f"{where}: {first.get('msg')}" if where else str(first.get("msg")))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, err: StarletteHTTPException) -> Response:
        code = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized", 403: "forbidden",
                413: "too_large"}.get(err.status_code, "bad_request")
        return respond(request, err.status_code, code, str(err.detail), getattr(err, "headers", None))

    @app.exception_handler(Exception)
    async def _internal(request: Request, err: Exception) -> Response:
        log.exception("web request %s %s failed", request.method, request.url.path)
        return respond(request, 500, "internal", "internal error")


def now() -> float:
    return time.time()
