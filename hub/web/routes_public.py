"""Pages without login: sign-in, the ticket status page (QR), office status, booking, media."""

from __future__ import annotations

import io
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, RedirectResponse, Response, StreamingResponse
from markupsafe import Markup
from starlette.datastructures import FormData

from hub import booking
from hub.web import accounts, forms, i18n, kv
from hub.web.access import Guarded
from hub.web.app import (
    check_csrf,
    client_ip,
    current_user,
    finish,
    lang_of,
    limit,
    page,
    redirect,
    sign_in,
    web_of,
)
from hub.web.security import LANG_COOKIE, SESSION_COOKIE, WebError

router = APIRouter(include_in_schema=False, route_class=Guarded)


async def form_data(request: Request) -> FormData:
    return await request.form()


FormIn = Annotated[FormData, Depends(form_data)]
"""A posted form (parsed before the handler runs on a worker thread)."""


def safe_next(target: str | None) -> str:
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/dashboard"
    return target


def qr_svg(data: str) -> Markup:
    import qrcode
    import qrcode.image.svg

    img = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    buf = io.BytesIO()
    img.save(buf)
    svg = buf.getvalue().decode()
    svg = svg[svg.index("<svg"):]
    return Markup(svg.replace("<svg ", '<svg class="qr" role="img" aria-label="QR" ', 1))


# ---- home, sign-in, language ---------------------------------------------------------------

@router.get("/favicon.ico")
def favicon() -> Response:
    """The tab's icon where browsers look for it first (pages also link /static/favicon.png)."""
    return Response(favicon_ico(), media_type="image/x-icon", headers={"Cache-Control": "public, max-age=86400"})


@lru_cache(maxsize=1)
def favicon_ico() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    with Image.open(Path(__file__).with_name("static") / "favicon.png") as img:
        img.save(out, "ICO", sizes=[(16, 16), (32, 32), (48, 48), (64, 64)])
    return out.getvalue()


@router.get("/")
def home(request: Request) -> Response:
    return RedirectResponse("/dashboard" if current_user(request) else "/status", status_code=303)


@router.get("/login")
def login_form(request: Request, next: str = "") -> Response:
    return page(request, "login.html", next=safe_next(next))


@router.post("/login")
def login(request: Request, form: FormIn) -> Response:
    web = web_of(request)
    check_csrf(request, form)
    name = forms.text(form, "name", max_len=64).lower()
    password = str(form.get("password") or "")[:1024]
    target = safe_next(forms.text(form, "next"))
    user = sign_in(request, name, password)
    if user is None:
        return page(request, "login.html", status=401, next=target, name=name, failed=True)
    token = accounts.create_session(web.db(), user)
    resp = redirect(target)
    resp.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax", secure=request.url.scheme == "https",
                    max_age=accounts.SESSION_MAX_S)
    if user.lang:
        resp.set_cookie(LANG_COOKIE, user.lang, max_age=365 * 86400, samesite="lax")
    return resp


@router.post("/logout")
def logout(request: Request, form: FormIn) -> Response:
    check_csrf(request, form)
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        accounts.end_session(web_of(request).db(), token)
    resp = redirect("/login")
    resp.delete_cookie(SESSION_COOKIE)
    return resp


@router.get("/lang/{code}")
def set_lang(request: Request, code: str, next: str = "/") -> Response:
    resp = RedirectResponse(safe_next(next) if next != "/" else "/", status_code=303)
    if code in ("hu", "en"):
        resp.set_cookie(LANG_COOKIE, code, max_age=365 * 86400, samesite="lax")
    return resp


# ---- the ticket status page (printed QR) -----------------------------------------------------

def _ticket(request: Request, token: str) -> dict[str, Any] | None:
    from hub.web.views import find_ticket_snapshot

    web = web_of(request)
    if not token or len(token) > 64:
        return None
    return web.read(lambda e: find_ticket_snapshot(e, web.hub.presenter, token))


@router.get("/t/{token}")
def ticket_page(request: Request, token: str) -> Response:
    limit(request, "public")
    web = web_of(request)
    info = _ticket(request, token)
    if info is None:
        row = web.db().execute("SELECT number, day FROM tickets WHERE token = ? AND token != ''", [token]).fetchone()
        return page(request, "ticket.html", status=404 if row is None else 200, ticket=None,
                    old={"number": row[0], "day": row[1]} if row else None, token=token)
    from hub.notify.web import offered

    return page(request, "ticket.html", ticket=info, token=token, fragment=_ticket_fragment(request, info, token=token),
                follow=offered(web.db()))


def _ticket_fragment(request: Request, info: dict[str, Any] | None, now: float | None = None,
                     token: str = "") -> str:
    web = web_of(request)
    lang = lang_of(request)
    # a remote ticket not yet checked in: the QR code the kiosk's scanner reads its code from
    qr = qr_svg(f"{web.public_url}/t/{token}?code={info['code']}") if info and info.get("code") else None
    return web.render("_ticket_live.html", lang, t=info, now=now or datetime.now().timestamp(),
                      no_show_return_s=web.settings.no_show_return_s, checkin_qr=qr)


@router.get("/t/{token}/live")
async def ticket_live(request: Request, token: str) -> Response:
    limit(request, "stream")
    web = web_of(request)

    def render(snap: dict[str, Any]) -> Any:
        info = snap["tickets"].get(token)
        if info is None:  # not open, and not finished lately: the page keeps what it shows
            return None
        return {"html": _ticket_fragment(request, info, snap["now"], token), "state": info["state"],
                "number": info["number"]}

    return StreamingResponse(web.live.stream("public", render), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


# ---- office status ---------------------------------------------------------------------------

@router.get("/status")
async def status_page(request: Request) -> Response:
    limit(request, "public")
    web = web_of(request)
    snap = await web.live.current("public")
    return page(request, "status.html", fragment=_status_fragment(request, snap))


def _status_fragment(request: Request, snap: dict[str, Any]) -> str:
    web = web_of(request)
    return web.render("_status_live.html", lang_of(request), s=snap["status"], now=snap["now"],
                      booking_on=kv.booking(web.db())["enabled"])


@router.get("/status/live")
async def status_live(request: Request) -> Response:
    limit(request, "stream")
    web = web_of(request)
    return StreamingResponse(web.live.stream("public", lambda snap: {"html": _status_fragment(request, snap)}),
                             media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


# ---- media ---------------------------------------------------------------------------------------

@router.get("/media/{sha}")
def media_file(request: Request, sha: str) -> Response:
    web = web_of(request)
    path = web.media.path(sha)
    if path is None:
        raise WebError(404, "not_found", "no such media file")
    row = web.db().execute("SELECT mime FROM media WHERE sha256 = ?", [sha]).fetchone()
    if request.headers.get("if-none-match") == f'"{sha}"':
        return Response(status_code=304, headers={"ETag": f'"{sha}"'})
    return FileResponse(path, media_type=row[0] if row else "application/octet-stream",
                        headers={"Cache-Control": "public, max-age=31536000, immutable", "ETag": f'"{sha}"'})


# ---- booking -----------------------------------------------------------------------------------

def _booking_rules(request: Request) -> dict[str, Any]:
    rules = kv.booking(web_of(request).db())
    if not rules["enabled"]:
        raise WebError(404, "not_found", "booking is not offered by this office")
    return rules


def _service(request: Request, sid: str, rules: dict[str, Any]) -> dict[str, Any]:
    web = web_of(request)
    found = web.read(lambda e: next(({"id": s.id, "names": s.names, "info": s.info}
                                     for s in booking.bookable_services(e.state, rules["services"])
                                     if s.id == sid), None))
    if found is None:
        raise WebError(404, "not_found", "no such service to book")
    return found


@router.get("/book")
def book_start(request: Request) -> Response:
    limit(request, "public")
    rules = _booking_rules(request)
    services = web_of(request).read(lambda e: [{"id": s.id, "names": s.names, "info": s.info}
                                               for s in booking.bookable_services(e.state, rules["services"])])
    return page(request, "book.html", step="service", services=services)


@router.get("/book/{sid}")
def book_day(request: Request, sid: str, day: str = "") -> Response:
    limit(request, "public")
    web = web_of(request)
    rules = _booking_rules(request)
    svc = _service(request, sid, rules)
    lead = rules["min_lead_min"] * 60
    days = web.read(lambda e: booking.days(e.state, sid, e.clock(), days_ahead=rules["days_ahead"], min_lead_s=lead))
    slots = None
    if day:
        if day not in {d["day"] for d in days}:
            raise WebError(404, "not_found", "that day cannot be booked")
        slots = web.read(lambda e: booking.slots(e.state, sid, day, e.clock(), min_lead_s=lead))
    return page(request, "book.html", step="day", service=svc, days=days, day=day, slots=slots)


@router.get("/book/{sid}/contact")
def book_contact(request: Request, sid: str, at: float) -> Response:
    limit(request, "public")
    forms.timestamp(at)
    rules = _booking_rules(request)
    svc = _service(request, sid, rules)
    from hub.notify.web import offered

    return page(request, "book.html", step="contact", service=svc, at=at, follow=offered(web_of(request).db()),
                day=datetime.fromtimestamp(at, ZoneInfo(web_of(request).settings.tz)).date().isoformat())


@router.post("/book/{sid}")
def book_submit(request: Request, sid: str, form: FormIn) -> Response:
    check_csrf(request, form)
    limit(request, "book")
    web = web_of(request)
    rules = _booking_rules(request)
    svc = _service(request, sid, rules)
    name = forms.text(form, "name", max_len=120)
    contact = forms.text(form, "contact", max_len=200)
    try:
        at = forms.timestamp(float(form.get("at") or 0))
    except ValueError:
        raise forms.bad("at: a time") from None
    if not name:
        return page(request, "book.html", status=400, step="contact", service=svc, at=at, error="name",
                    contact=contact)
    result = web.call("admin.booking_book", {
        "service": sid, "at": at, "name": name, "contact": contact, "lang": lang_of(request), "channel": "web",
        "min_lead_s": rules["min_lead_min"] * 60, "days_ahead": rules["days_ahead"]})
    code = result["appointment"]["code"]
    return redirect(f"/book/done/{code}?sig={booking.sign(code, web.key)}")


def _appointment(request: Request, code: str) -> dict[str, Any]:
    web = web_of(request)
    code = code.upper()
    found = web.read(lambda e: _appointment_view(e, code))
    if found is None:
        raise WebError(404, "not_found", "no appointment with this code")
    return found


def _appointment_view(e: Any, code: str) -> dict[str, Any] | None:
    a = e.state.appointments.get(code)
    if a is None:
        return None
    svc = e.state.services.get(a.service)
    return {**a.to_dict(), "names": svc.names if svc else {a.service: a.service}, "info": svc.info if svc else {},
            "day": datetime.fromtimestamp(a.at, ZoneInfo(e.state.settings.tz)).date().isoformat()}


def _signed(request: Request, code: str, sig: str) -> None:
    if not forms.signed_code(code, sig) or not booking.check_signature(code, web_of(request).key, sig):
        raise WebError(403, "forbidden", "this link is not valid for this appointment")


@router.get("/book/done/{code}")
def book_done(request: Request, code: str, sig: str = "") -> Response:
    limit(request, "public")
    _signed(request, code, sig)
    web = web_of(request)
    appt = _appointment(request, code)
    return page(request, "book_done.html", a=appt, sig=sig, qr=qr_svg(f"{web.public_url}/book/a/{appt['code']}"),
                manage_url=f"{web.public_url}/book/manage/{appt['code']}?sig={sig}")


@router.get("/book/a/{code}")
def book_public(request: Request, code: str) -> Response:
    """What the appointment QR opens on a phone (the kiosk reads the code from the same URL)."""
    limit(request, "public")
    appt = _appointment(request, code)
    return page(request, "book_done.html", a={k: appt[k] for k in ("code", "at", "names", "info", "state", "day")},
                sig="", qr=None, manage_url="")


@router.get("/book/manage/{code}")
def book_manage(request: Request, code: str, sig: str = "", day: str = "") -> Response:
    limit(request, "public")
    _signed(request, code, sig)
    web = web_of(request)
    rules = _booking_rules(request)
    appt = _appointment(request, code)
    days = slots = None
    if appt["state"] == "booked":
        lead = rules["min_lead_min"] * 60
        days = web.read(lambda e: booking.days(e.state, appt["service"], e.clock(), days_ahead=rules["days_ahead"],
                                               min_lead_s=lead))
        if day:
            forms.day(day)
            slots = web.read(lambda e: booking.slots(e.state, appt["service"], day, e.clock(), min_lead_s=lead))
    return page(request, "book_manage.html", a=appt, sig=sig, days=days, day=day, slots=slots)


@router.post("/book/manage/{code}/cancel")
def book_cancel(request: Request, code: str, form: FormIn) -> Response:
    check_csrf(request, form)
    limit(request, "book")
    sig = forms.text(form, "sig")
    _signed(request, code, sig)
    web_of(request).call("admin.appointment_cancel", {"code": code})
    return redirect(f"/book/manage/{code.upper()}?sig={sig}", "cancelled")


@router.post("/book/manage/{code}/move")
def book_move(request: Request, code: str, form: FormIn) -> Response:
    check_csrf(request, form)
    limit(request, "book")
    sig = forms.text(form, "sig")
    _signed(request, code, sig)
    rules = _booking_rules(request)
    try:
        at = forms.timestamp(float(form.get("at") or 0))
    except ValueError:
        raise forms.bad("at: a time") from None
    web_of(request).call("admin.booking_move", {"code": code, "at": at, "min_lead_s": rules["min_lead_min"] * 60,
                                                "days_ahead": rules["days_ahead"]})
    return redirect(f"/book/manage/{code.upper()}?sig={sig}", "moved")


__all__ = ["router", "form_data", "qr_svg", "safe_next", "client_ip", "finish", "i18n"]
