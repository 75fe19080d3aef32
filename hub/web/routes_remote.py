"""Joining the queue from afar: the public page ``/queue`` and ``POST /api/v1/public/queue``.

The rules are the engine's (:mod:`hub.engine.remote`); this module turns the
citizen's phone number or e-mail address into the one contact the limits
count by (:mod:`hub.remote`), the client address into a keyed digest (the
address itself is never stored), and every refusal into a status and a
message in the citizen's language.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import Field

from hub import remote
from hub.web import forms, i18n
from hub.web.access import Guarded
from hub.web.api_public import ERRORS, Body
from hub.web.app import check_csrf, client_ip, lang_of, limit, page, redirect, web_of
from hub.web.routes_public import FormIn
from hub.web.security import LANG_COOKIE, WebError

api = APIRouter(prefix="/api/v1", route_class=Guarded)
pages = APIRouter(include_in_schema=False, route_class=Guarded)

REFUSALS: dict[str, tuple[int, str]] = {
    "contact_limit": (429, "This phone number or e-mail address already has a ticket in the queue. Check in with "
                           "that one, or take a new one when it is finished."),
    "origin_limit": (429, "Too many tickets were taken from this device today. Please take one at the kiosk "
                          "in the office."),
    "rate_limited": (429, "Too many attempts from this device. Please wait a few minutes and try again."),
    "remote_full": (409, "The office takes no more tickets from afar just now. Please try again later, or "
                         "come in and take one at the kiosk."),
    "closed": (409, "The office is closed now: tickets can be taken from afar only while it is open."),
    "not_found": (404, "This service cannot be joined from afar."),
    "no_contact": (422, "Please give a mobile phone number or an e-mail address."),
    "bad_phone": (422, "This phone number cannot be used. Write it like +36 30 123 4567 or 06 30 123 4567."),
    "bad_email": (422, "This e-mail address cannot be used."),
}
"""Refusal code → (HTTP status, message msgid, translated into the citizen's language)."""


class Refused(WebError):
    pass


def refused(code: str, lang: str, headers: dict[str, str] | None = None) -> Refused:
    status, msgid = REFUSALS[code]
    return Refused(status, code, i18n.translator(lang).gettext(msgid), headers)


def origin_digest(request: Request) -> str:
    """The client address as a keyed digest: enough to count by, useless to anyone reading the log."""
    key = web_of(request).key.encode()
    return hmac.new(key, f"origin:{client_ip(request)}".encode(), hashlib.sha256).hexdigest()[:20]


def remote_services(e: Any) -> list[dict[str, Any]]:
    now = e.clock()
    return [{"id": s.id, "names": s.names, "info": s.info, "open": e.service_open(s, now)}
            for s in sorted(e.state.services.values(), key=lambda s: (s.order, s.id)) if s.enabled and s.remote]


def offer(request: Request) -> dict[str, Any]:
    """What the office offers from afar now: open or not, the services, the limits."""
    def read(e: Any) -> dict[str, Any]:
        s = e.state.settings
        return {"open": e.office_open() and s.remote_max_waiting > 0, "services": remote_services(e),
                "limits": {"per_contact": s.remote_per_contact, "per_address_day": s.remote_per_origin_day,
                           "max_waiting": s.remote_max_waiting, "away": len(e.index.away)}}
    result: dict[str, Any] = web_of(request).read(read)
    return result


def join(request: Request, service: str, phone: str, email: str, lang: str) -> dict[str, Any]:
    """Take the ticket, or raise :class:`Refused` with the citizen's message."""
    try:
        limit(request, "queue")
    except WebError as err:
        raise refused("rate_limited", lang, err.headers) from None
    p = remote.normal_phone(phone) if phone.strip() else ""
    m = remote.normal_email(email) if email.strip() else ""
    if p is None:
        raise refused("bad_phone", lang)
    if m is None:
        raise refused("bad_email", lang)
    if not p and not m:
        raise refused("no_contact", lang)
    web = web_of(request)
    try:
        result = web.call("admin.remote_join", {"service": service, "contact": remote.contact_of(p, m),
                                                "origin": origin_digest(request), "lang": lang})
    except WebError as err:
        if err.code in REFUSALS:
            raise refused(err.code, lang) from None
        raise
    t = result["ticket"]
    code = result["code"]
    status_url = f"{web.public_url}/t/{t['token']}"
    return {"number": t["number"], "code": code, "state": t["state"], "service": service, "lang": t["lang"],
            "token": t["token"], "status_url": status_url, "checkin_qr": f"{status_url}?code={code}",
            "ahead": t["ahead"], "est_wait_s": t["est_wait_s"]}


# ---- JSON ------------------------------------------------------------------------------------------

class QueueBody(Body):
    service: str = Field(max_length=32)
    phone: str = Field("", max_length=40, description="Mobile number: +36…, 06… or 00…")
    email: str = Field("", max_length=200)
    lang: Literal["hu", "en"] = "hu"


@api.get("/public/queue", tags=["public"], responses=ERRORS)
def queue_offer(request: Request) -> dict[str, Any]:
    """Whether tickets can be taken from afar now, for which services, and the limits."""
    limit(request, "public")
    return offer(request)


@api.post("/public/queue", tags=["public"], status_code=201, responses=ERRORS)
def queue_join(request: Request, body: QueueBody) -> dict[str, Any]:
    """Join the queue without being in the building.

    Only while the office is open, for services the manager allows. The ticket
    keeps its place but is not called until its holder checks in at the kiosk
    with ``code`` (or the QR code of ``checkin_qr``); if its turn comes first,
    it is passed over and goes first in line on check-in. Limits: open remote
    tickets per phone or e-mail (``contact_limit``, 429), remote tickets per
    client address a day (``origin_limit``, 429), remote tickets not yet checked
    in (``remote_full``, 409); ``closed`` (409) outside opening hours. Error
    messages are in ``lang``.
    """
    return join(request, body.service, body.phone, body.email, body.lang)


# ---- the page ----------------------------------------------------------------------------------------

@pages.get("/queue")
def queue_page(request: Request) -> Response:
    limit(request, "public")
    return page(request, "queue.html", offer=offer(request), form={})


@pages.post("/queue")
def queue_submit(request: Request, form: FormIn) -> Response:
    check_csrf(request, form)
    lang = forms.text(form, "lang", lang_of(request), max_len=2)
    lang = lang if lang in ("hu", "en") else lang_of(request)
    typed = {k: forms.text(form, k, max_len=200) for k in ("service", "phone", "email")}
    try:
        joined = join(request, typed["service"], typed["phone"], typed["email"], lang)
    except Refused as err:
        return page(request, "queue.html", status=err.status, offer=offer(request), form=typed, error=err.message)
    resp = redirect(f"/t/{joined['token']}")
    resp.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax")
    return resp
