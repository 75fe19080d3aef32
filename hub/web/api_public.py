"""REST API, public part: ``/api/v1/public/…`` (office status, ticket status, booking).

No login; rate-limited per client address. The staff API and the shared
API (:mod:`hub.web.api`) builds on this module's error shapes and request
bodies; both routers serve one OpenAPI document.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from hub import booking
from hub.web import forms, kv
from hub.web.access import Guarded
from hub.web.app import limit, web_of
from hub.web.security import WebError

router = APIRouter(prefix="/api/v1", route_class=Guarded)
ERRORS = {r: {"description": "Error", "content": {"application/json": {"example": {
    "error": {"code": "not_found", "message": "…"}}}}} for r in (400, 401, 403, 404, 409, 422, 429)}


class Body(BaseModel):
    """A request body of the API: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")


@router.get("/public/status", tags=["public"], responses=ERRORS)
async def public_status(request: Request) -> dict[str, Any]:
    """The office now: open or closed, people waiting per service, open counters, appointments due."""
    limit(request, "public")
    return (await web_of(request).live.current("public"))["status"]


@router.get("/public/tickets/{token}", tags=["public"], responses=ERRORS)
def public_ticket(request: Request, token: str) -> dict[str, Any]:
    """A ticket by the token in its QR code: state, position, estimated wait, counter when called."""
    from hub.web.views import find_ticket_snapshot

    limit(request, "public")
    web = web_of(request)
    info = web.read(lambda e: find_ticket_snapshot(e, web.hub.presenter, token)) if len(token) <= 64 else None
    if info is None:
        raise WebError(404, "not_found", "no ticket with this token today")
    return info


def _rules(request: Request) -> dict[str, Any]:
    rules = kv.booking(web_of(request).db())
    if not rules["enabled"]:
        raise WebError(404, "not_found", "booking is not offered by this office")
    return rules


@router.get("/public/booking/services", tags=["public"], responses=ERRORS)
def booking_services(request: Request) -> list[dict[str, Any]]:
    limit(request, "public")
    rules = _rules(request)
    return web_of(request).read(lambda e: [{"id": s.id, "names": s.names, "info": s.info,
                                            "capacity": booking.capacity(e.state, s.id)}
                                           for s in booking.bookable_services(e.state, rules["services"])])


def _bookable(request: Request, sid: str, rules: dict[str, Any]) -> None:
    ok = web_of(request).read(lambda e: any(s.id == sid for s in booking.bookable_services(e.state, rules["services"])))
    if not ok:
        raise WebError(404, "not_found", "no such service to book")


@router.get("/public/booking/services/{sid}/days", tags=["public"], responses=ERRORS)
def booking_days(request: Request, sid: str) -> list[dict[str, Any]]:
    limit(request, "public")
    rules = _rules(request)
    _bookable(request, sid, rules)
    return web_of(request).read(lambda e: booking.days(e.state, sid, e.clock(), days_ahead=rules["days_ahead"],
                                                       min_lead_s=rules["min_lead_min"] * 60))


@router.get("/public/booking/services/{sid}/slots", tags=["public"], responses=ERRORS)
def booking_slots(request: Request, sid: str, day: str) -> list[dict[str, Any]]:
    limit(request, "public")
    forms.day(day)
    rules = _rules(request)
    _bookable(request, sid, rules)
    return web_of(request).read(lambda e: booking.slots(e.state, sid, day, e.clock(),
                                                        min_lead_s=rules["min_lead_min"] * 60))


class BookBody(Body):
    service: str = Field(max_length=32)
    at: float = Field(ge=946_684_800, le=4_102_444_800, allow_inf_nan=False)
    name: str = Field(min_length=1, max_length=120)
    contact: str = Field("", max_length=200)
    lang: Literal["hu", "en"] = "hu"


def _appt_out(request: Request, appt: dict[str, Any]) -> dict[str, Any]:
    web = web_of(request)
    sig = booking.sign(appt["code"], web.key)
    return {"code": appt["code"], "service": appt["service"], "at": appt["at"], "state": appt["state"],
            "name": appt.get("name", ""), "sig": sig, "qr_url": f"{web.public_url}/book/a/{appt['code']}",
            "manage_url": f"{web.public_url}/book/manage/{appt['code']}?sig={sig}"}


@router.post("/public/booking", tags=["public"], status_code=201, responses=ERRORS)
def book(request: Request, body: BookBody) -> dict[str, Any]:
    """Book a slot: returns the confirmation code (for the kiosk), and the signed manage link."""
    limit(request, "book")
    rules = _rules(request)
    _bookable(request, body.service, rules)
    result = web_of(request).call("admin.booking_book", {
        **body.model_dump(), "channel": "web", "min_lead_s": rules["min_lead_min"] * 60,
        "days_ahead": rules["days_ahead"]})
    return _appt_out(request, result["appointment"])


def _signed_appt(request: Request, code: str, sig: str) -> dict[str, Any]:
    web = web_of(request)
    if not forms.signed_code(code, sig) or not booking.check_signature(code, web.key, sig):
        raise WebError(403, "forbidden", "the signature does not match this appointment")
    found = web.read(lambda e: e.state.appointments[code.upper()].to_dict()
                     if code.upper() in e.state.appointments else None)
    if found is None:
        raise WebError(404, "not_found", "no appointment with this code")
    return found


@router.get("/public/booking/{code}", tags=["public"], responses=ERRORS)
def booking_get(request: Request, code: str, sig: str) -> dict[str, Any]:
    limit(request, "public")
    return _appt_out(request, _signed_appt(request, code, sig))


@router.post("/public/booking/{code}/cancel", tags=["public"], responses=ERRORS)
def booking_cancel(request: Request, code: str, sig: str) -> dict[str, Any]:
    limit(request, "book")
    _signed_appt(request, code, sig)
    web_of(request).call("admin.appointment_cancel", {"code": code})
    return _appt_out(request, _signed_appt(request, code, sig))


class MoveBody(Body):
    at: float = Field(ge=946_684_800, le=4_102_444_800, allow_inf_nan=False)


@router.post("/public/booking/{code}/move", tags=["public"], responses=ERRORS)
def booking_move(request: Request, code: str, sig: str, body: MoveBody) -> dict[str, Any]:
    limit(request, "book")
    _signed_appt(request, code, sig)
    rules = _rules(request)
    result = web_of(request).call("admin.booking_move", {"code": code, "at": body.at,
                                                         "min_lead_s": rules["min_lead_min"] * 60,
                                                         "days_ahead": rules["days_ahead"]})
    return _appt_out(request, result["appointment"])
