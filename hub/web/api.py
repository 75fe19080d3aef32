"""REST API ``/api/v1`` (OpenAPI at ``/api/v1/openapi.json``).

Authentication: ``POST /api/v1/auth/login`` sets the session cookie and
returns the CSRF token; every state-changing call with that cookie sends it
back as ``X-CSRF-Token``. Public endpoints (``/api/v1/public/…``) need no
login and are rate-limited per client address. Errors are
``{"error": {"code", "message"}}``; codes: ``bad_args``, ``unauthorized``,
``forbidden``, ``csrf``, ``not_found``, ``conflict``, ``closed``,
``too_large``, ``rate_limited``, ``timeout``, ``internal``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request, UploadFile
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import Field

from hub import booking, media
from hub.web import accounts, kv
from hub.web.access import Guarded
from hub.web.api_public import ERRORS, Body, BookBody, _appt_out
from hub.web.app import (
    check_csrf,
    client_ip,
    csrf_for,
    current_user,
    require,
    sign_in,
    web_of,
)
from hub.web.routes_admin import MANAGE
from hub.web.security import SESSION_COOKIE, WebError

router = APIRouter(prefix="/api/v1", route_class=Guarded)


def staff(request: Request, *roles: str, write: bool = False) -> accounts.User:
    user = require(request, *roles)
    if write:
        check_csrf(request)
    return user


# ---- auth ------------------------------------------------------------------------------------

class LoginBody(Body):
    name: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


@router.post("/auth/login", tags=["auth"], responses=ERRORS)
def api_login(request: Request, body: LoginBody) -> Response:
    """Sign in; sets the session cookie. Returns the user and the CSRF token for later calls."""
    web = web_of(request)
    user = sign_in(request, body.name.strip().lower(), body.password)
    if user is None:
        raise WebError(401, "unauthorized", "wrong user name or password")
    token = accounts.create_session(web.db(), user)
    from hub.web.security import csrf_token

    resp = JSONResponse({"user": user.name, "role": user.role, "clerk": user.clerk,
                         "csrf": csrf_token(web.key, token)})
    resp.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax", secure=request.url.scheme == "https",
                    max_age=accounts.SESSION_MAX_S)
    return resp


@router.post("/auth/logout", tags=["auth"], responses=ERRORS)
def api_logout(request: Request) -> Response:
    staff(request, write=True)
    accounts.end_session(web_of(request).db(), request.cookies.get(SESSION_COOKIE, ""))
    resp = JSONResponse({})
    resp.delete_cookie(SESSION_COOKIE)
    return resp


@router.get("/me", tags=["auth"], responses=ERRORS)
def api_me(request: Request) -> dict[str, Any]:
    user = staff(request)
    return {"user": user.name, "role": user.role, "clerk": user.clerk, "csrf": csrf_for(request)}


# ---- live view -------------------------------------------------------------------------------------

@router.get("/dashboard", tags=["staff"], responses=ERRORS)
async def dashboard(request: Request) -> dict[str, Any]:
    """What the dashboard shows: queues with SLA state, counters, background work, devices, alerts."""
    require(request)
    return await web_of(request).live.current("dashboard")


@router.get("/live/dashboard", tags=["staff"], responses={200: {"content": {"text/event-stream": {}}}})
async def dashboard_stream(request: Request) -> Response:
    """Server-sent events: ``event: update`` with the dashboard JSON whenever it changes."""
    require(request)
    return StreamingResponse(web_of(request).live.stream("dashboard", lambda snap: snap),
                             media_type="text/event-stream", headers={"Cache-Control": "no-cache"})


# ---- configuration --------------------------------------------------------------------------------

@router.get("/services", tags=["config"], responses=ERRORS)
def services(request: Request) -> list[dict[str, Any]]:
    staff(request)
    return web_of(request).read(lambda e: [s.to_dict() for s in sorted(e.state.services.values(),
                                                                        key=lambda s: (s.order, s.id))])


class ServiceBody(Body):
    names: dict[str, str]
    prefix: str = Field(min_length=1, max_length=2)
    info: dict[str, str] = Field(default_factory=dict)
    group: str = ""
    sla_s: int = Field(900, ge=0, le=86400)
    mean_service_s: float = Field(300.0, gt=0, le=86400)
    hours: dict[str, list[list[str]]] = Field(default_factory=dict)
    enabled: bool = True
    order: int = 0
    remote: bool = False
    """Citizens may join its queue from afar (docs/remote.md)."""


@router.put("/services/{sid}", tags=["config"], responses=ERRORS)
def service_put(request: Request, sid: str, body: ServiceBody) -> dict[str, Any]:
    staff(request, *MANAGE, write=True)
    return web_of(request).call("admin.service_upsert", {"id": sid, **body.model_dump()})["service"]


@router.get("/counters", tags=["config"], responses=ERRORS)
def counters(request: Request) -> list[dict[str, Any]]:
    staff(request, *MANAGE)
    return web_of(request).read(lambda e: [c.to_dict() for c in sorted(e.state.counters.values(),
                                                                        key=lambda c: c.number)])


class ProfileItem(Body):
    service: str
    weight: int = Field(1, ge=1, le=100)


class CounterBody(Body):
    name: str | None = None
    enabled: bool | None = None
    profile: list[ProfileItem] | None = None


@router.put("/counters/{number}", tags=["config"], responses=ERRORS)
def counter_put(request: Request, number: int, body: CounterBody) -> dict[str, Any]:
    staff(request, *MANAGE, write=True)
    args: dict[str, Any] = {"number": number, **body.model_dump(exclude_none=True)}
    return web_of(request).call("admin.counter_upsert", args)["counter"]


@router.get("/clerks", tags=["config"], responses=ERRORS)
def clerks(request: Request) -> list[dict[str, Any]]:
    staff(request, *MANAGE)

    def read(e: Any) -> list[dict[str, Any]]:
        return [{k: v for k, v in c.to_dict().items() if k != "pin_hash"} for c in e.state.clerks.values()]

    return web_of(request).read(read)


class ClerkBody(Body):
    name: str | None = Field(None, max_length=120)
    pin: str | None = Field(None, min_length=4, max_length=8)
    may_edit_profile: bool | None = None
    enabled: bool | None = None
    profile: list[ProfileItem] | None = None


@router.put("/clerks/{cid}", tags=["config"], responses=ERRORS)
def clerk_put(request: Request, cid: str, body: ClerkBody) -> dict[str, Any]:
    staff(request, *MANAGE, write=True)
    return web_of(request).call("admin.clerk_upsert", {"id": cid, **body.model_dump(exclude_none=True)})["clerk"]


class ProfileBody(Body):
    profile: list[ProfileItem] = Field(min_length=1)


@router.put("/clerks/{cid}/profile", tags=["config"], responses=ERRORS)
def clerk_profile(request: Request, cid: str, body: ProfileBody) -> dict[str, Any]:
    """Managers set any clerk's priorities; a clerk their own, when the manager allowed it."""
    user = staff(request, write=True)
    if user.role not in MANAGE:
        allowed = user.clerk == cid and web_of(request).read(
            lambda e: cid in e.state.clerks and e.state.clerks[cid].may_edit_profile)
        if not allowed:
            raise WebError(403, "forbidden", "you may change only your own profile, when allowed")
    return web_of(request).call("admin.profile_set", {"clerk": cid, "profile": body.model_dump()["profile"]})


@router.get("/rules", tags=["config"], responses=ERRORS)
def rules(request: Request) -> list[dict[str, Any]]:
    staff(request, *MANAGE)
    return web_of(request).read(lambda e: [{**r.to_dict(), "active": r in e.active_rules()}
                                           for r in e.state.rules.values()])


class RuleBody(Body):
    service: str
    min_waiting: int = Field(0, ge=0)
    min_wait_s: int = Field(0, ge=0)
    boost: int = Field(2, ge=1, le=100)
    warn: bool = True


@router.put("/rules/{rid}", tags=["config"], responses=ERRORS)
def rule_put(request: Request, rid: str, body: RuleBody) -> dict[str, Any]:
    staff(request, *MANAGE, write=True)
    return web_of(request).call("admin.rule_upsert", {"id": rid, **body.model_dump()})["rule"]


@router.delete("/rules/{rid}", tags=["config"], responses=ERRORS)
def rule_delete(request: Request, rid: str) -> dict[str, Any]:
    staff(request, *MANAGE, write=True)
    return web_of(request).call("admin.rule_remove", {"id": rid})


@router.get("/settings", tags=["config"], responses=ERRORS)
def settings(request: Request) -> dict[str, Any]:
    staff(request, *MANAGE)
    web = web_of(request)
    return {**web.read(lambda e: e.state.settings.to_dict()), "booking": kv.booking(web.db())}


@router.patch("/settings", tags=["config"], responses=ERRORS)
def settings_patch(request: Request, body: dict[str, Any]) -> dict[str, Any]:
    """Office settings (names, tz, hours, holidays, no-show window, slots); ``booking`` for the booking rules."""
    staff(request, *MANAGE, write=True)
    web = web_of(request)
    body = dict(body)
    book = body.pop("booking", None)
    if body:
        web.call("admin.settings", body)
    if book is not None:
        try:
            kv.set_booking(web.db(), book)
        except kv.KvError as err:
            raise WebError(400, err.code, err.message) from None
    return settings(request)


class LayoutBody(Body):
    toml: str = Field("", max_length=20000)


@router.get("/ticket-layout", tags=["config"], responses=ERRORS)
def layout_get(request: Request) -> dict[str, Any]:
    staff(request, *MANAGE)
    return {"toml": kv.layout(web_of(request).db())}


@router.put("/ticket-layout", tags=["config"], responses=ERRORS)
def layout_put(request: Request, body: LayoutBody) -> dict[str, Any]:
    """The ticket layout kiosks print (TOML blocks; empty: the kiosk's built-in one), sent to every kiosk."""
    staff(request, *MANAGE, write=True)
    web = web_of(request)
    try:
        text = kv.set_layout(web.db(), body.toml)
    except kv.KvError as err:
        raise WebError(400, err.code, err.message) from None
    return {"toml": text, "kiosks": kv.publish_layout(web)}


# ---- playlist and media --------------------------------------------------------------------------

@router.get("/media", tags=["media"], responses=ERRORS)
def media_list(request: Request) -> list[dict[str, Any]]:
    staff(request, *MANAGE)
    return web_of(request).media.list(web_of(request).db())


@router.post("/media", tags=["media"], status_code=201, responses=ERRORS)
def media_upload(request: Request, file: UploadFile) -> dict[str, Any]:
    """Upload an image (PNG, JPEG, GIF, WebP) or a video (MP4, WebM); stored by its SHA-256."""
    staff(request, *MANAGE, write=True)
    web = web_of(request)
    try:
        row = web.media.save(web.db(), file.file, file.filename or "")
    except media.MediaError as err:
        raise WebError(413 if err.code == "too_large" else 400, err.code, err.message) from None
    return {**row, "url": f"{web.public_url}/media/{row['sha256']}"}


@router.delete("/media/{sha}", tags=["media"], responses=ERRORS)
def media_delete(request: Request, sha: str) -> dict[str, Any]:
    staff(request, *MANAGE, write=True)
    try:
        web_of(request).media.delete(web_of(request).db(), sha)
    except media.MediaError as err:
        raise WebError(409, err.code, err.message) from None
    return {}


@router.get("/playlist", tags=["media"], responses=ERRORS)
def playlist_get(request: Request) -> dict[str, Any]:
    """The playlist as published on ``state/playlist``."""
    staff(request, *MANAGE)
    return kv.playlist_payload(web_of(request))


class PlaylistBody(Body):
    items: list[dict[str, Any]] = Field(default_factory=list, max_length=200)
    ticker: list[str] = Field(default_factory=list, max_length=50)


@router.put("/playlist", tags=["media"], responses=ERRORS)
def playlist_put(request: Request, body: PlaylistBody) -> dict[str, Any]:
    staff(request, *MANAGE, write=True)
    web = web_of(request)
    try:
        media.save_playlist(web.db(), body.items, body.ticker)
    except media.MediaError as err:
        raise WebError(404 if err.code == "not_found" else 400, err.code, err.message) from None
    return kv.publish_playlist(web) or kv.playlist_payload(web)


# ---- devices ------------------------------------------------------------------------------------

@router.get("/devices", tags=["devices"], responses=ERRORS)
def devices(request: Request) -> list[dict[str, Any]]:
    from hub.web.views import devices_snapshot

    staff(request, "admin")
    web = web_of(request)
    return web.read(lambda e: devices_snapshot(web.hub))


@router.get("/pairing", tags=["devices"], responses=ERRORS)
def pairing(request: Request) -> dict[str, Any]:
    staff(request, "admin")
    return web_of(request).call("admin.pairing_pending", {})


class ApproveBody(Body):
    counter: int | None = Field(None, ge=1, le=999)
    device: str | None = None
    name: str | None = None


@router.post("/pairing/{code}/approve", tags=["devices"], responses=ERRORS)
def pairing_approve(request: Request, code: str, body: ApproveBody) -> dict[str, Any]:
    staff(request, "admin", write=True)
    return web_of(request).call("admin.pairing_approve", {"code": code, **body.model_dump(exclude_none=True)})


@router.post("/pairing/{code}/reject", tags=["devices"], responses=ERRORS)
def pairing_reject(request: Request, code: str) -> dict[str, Any]:
    staff(request, "admin", write=True)
    return web_of(request).call("admin.pairing_reject", {"code": code})


@router.delete("/devices/{device}", tags=["devices"], responses=ERRORS)
def device_remove(request: Request, device: str) -> dict[str, Any]:
    staff(request, "admin", write=True)
    return web_of(request).call("admin.device_remove", {"device": device})


# ---- appointments (staff) ---------------------------------------------------------------------------

@router.get("/appointments", tags=["appointments"], responses=ERRORS)
def appointments(request: Request) -> list[dict[str, Any]]:
    staff(request, *MANAGE)

    def read(e: Any) -> list[dict[str, Any]]:
        tz = ZoneInfo(e.state.settings.tz)
        return [{**a.to_dict(), "day": datetime.fromtimestamp(a.at, tz).date().isoformat()}
                for a in sorted(e.state.appointments.values(), key=lambda a: a.at)]

    return web_of(request).read(read)


class StaffBookBody(BookBody):
    any_time: bool = False
    """Staff may book outside the slots (and beyond capacity)."""


@router.post("/appointments", tags=["appointments"], status_code=201, responses=ERRORS)
def appointment_book(request: Request, body: StaffBookBody) -> dict[str, Any]:
    staff(request, *MANAGE, write=True)
    web = web_of(request)
    if body.any_time:
        code = web.read(lambda e: booking.new_code(e.state.appointments))
        appt = web.call("admin.appointment_book", {"code": code, "service": body.service, "at": body.at,
                                                   "name": body.name, "contact": body.contact, "lang": body.lang,
                                                   "channel": "staff"})["appointment"]
    else:
        appt = web.call("admin.booking_book", {**body.model_dump(exclude={"any_time"}), "channel": "staff"})[
            "appointment"]
    return _appt_out(request, appt)


@router.delete("/appointments/{code}", tags=["appointments"], responses=ERRORS)
def appointment_cancel(request: Request, code: str) -> dict[str, Any]:
    staff(request, *MANAGE, write=True)
    return web_of(request).call("admin.appointment_cancel", {"code": code})


# ---- statistics ---------------------------------------------------------------------------------------

@router.get("/stats", tags=["statistics"], responses=ERRORS)
def stats(request: Request, start: str = "", end: str = "") -> dict[str, Any]:
    """Every figure for a date range (``start``/``end`` as YYYY-MM-DD, default the last 30 days)."""
    from hub.web.routes_stats import STATS_ROLES, parse_range, report

    staff(request, *STATS_ROLES)
    d0, d1 = parse_range(request, start, end)
    return report(request, d0, d1)


# ---- users (administrators) ----------------------------------------------------------------------------

def _user_out(u: accounts.User) -> dict[str, Any]:
    return {"name": u.name, "role": u.role, "clerk": u.clerk, "lang": u.lang, "disabled": u.disabled}


@router.get("/users", tags=["users"], responses=ERRORS)
def users(request: Request) -> list[dict[str, Any]]:
    staff(request, "admin")
    return [_user_out(u) for u in accounts.list_users(web_of(request).db())]


class UserBody(Body):
    role: Literal["admin", "manager", "clerk", "reception"] | None = None
    password: str | None = Field(None, max_length=1024)
    clerk: str | None = None
    disabled: bool | None = None
    lang: Literal["hu", "en", ""] | None = None


@router.put("/users/{name}", tags=["users"], responses=ERRORS)
def user_put(request: Request, name: str, body: UserBody) -> dict[str, Any]:
    staff(request, "admin", write=True)
    conn = web_of(request).db()
    try:
        if accounts.get_user(conn, name.lower()) is None:
            if not body.role or not body.password:
                raise accounts.AccountError("bad_args", "a new user needs a role and a password")
            u = accounts.add_user(conn, name, body.role, body.password, clerk=body.clerk, lang=body.lang or "")
        else:
            u = accounts.update_user(conn, name.lower(), **body.model_dump(exclude_none=True))
    except accounts.AccountError as err:
        raise WebError(409 if err.code == "conflict" else 404 if err.code == "not_found" else 400,
                       err.code, err.message) from None
    return _user_out(u)


@router.delete("/users/{name}", tags=["users"], responses=ERRORS)
def user_delete(request: Request, name: str) -> dict[str, Any]:
    me = staff(request, "admin", write=True)
    if name.lower() == me.name:
        raise WebError(409, "conflict", "you cannot remove yourself")
    try:
        accounts.delete_user(web_of(request).db(), name.lower())
    except accounts.AccountError as err:
        raise WebError(409 if err.code == "conflict" else 404, err.code, err.message) from None
    return {}


__all__ = ["router", "client_ip", "current_user"]
