"""The front desk (ügyfélszolgálat): tickets for people at the desk or on the phone, and appointments.

A receptionist (role ``reception``, or a manager) issues a ticket with the
services (a service n times: n cases), the number of people, priority and a
note the clerk will see; it is printed on a chosen kiosk's printer
(``event/print/{device}``, the kiosk prints it as its own) or shown big to read
out. The same as REST: ``POST /api/v1/tickets``.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import Field

from hub import booking
from hub.web import forms
from hub.web.access import Guarded
from hub.web.api_public import ERRORS, Body
from hub.web.app import check_csrf, page, require, web_of
from hub.web.routes_public import FormIn
from hub.web.security import WebError

router = APIRouter(include_in_schema=False, route_class=Guarded)
api = APIRouter(prefix="/api/v1", route_class=Guarded)
DESK = ("admin", "manager", "reception")
MAX_CASES = 10


def _kiosks(request: Request) -> list[dict[str, Any]]:
    """Paired kiosks, online ones first (a ticket can be printed there)."""
    from hub.web.views import devices_snapshot

    hub = web_of(request).hub
    rows = [d for d in devices_snapshot(hub) if d["role"] == "kiosk"]
    return sorted(rows, key=lambda d: (not d["online"], d["name"] or d["id"]))


def issue(request: Request, services: list[str], *, people: int, priority: bool, note: str, lang: str,
          channel: str, print_on: str) -> dict[str, Any]:
    """Issue one ticket through the engine; send it to a kiosk's printer when asked. Returns the ticket."""
    web = web_of(request)
    if print_on:
        kiosk = next((d for d in _kiosks(request) if d["id"] == print_on), None)
        if kiosk is None:
            raise WebError(404, "not_found", "no such kiosk")
        if not kiosk["online"]:  # the request is not kept for later: it would never print
            raise WebError(409, "conflict", "that kiosk is offline; pick another or read the number out")
    ticket: dict[str, Any] = web.call("admin.ticket_issue", {
        "services": services, "people": people, "priority": priority, "note": note, "lang": lang,
        "channel": channel})["ticket"]
    if print_on:
        web.hub.bus.publish_print(print_on, {"id": secrets.token_hex(8), "ticket": ticket,
                                             "at": web.hub.engine.clock()})
    return ticket


def _services(request: Request) -> list[dict[str, Any]]:
    return web_of(request).read(lambda e: [
        {"id": s.id, "prefix": s.prefix, "names": s.names, "open": e.service_open(s)}
        for s in sorted(e.state.services.values(), key=lambda s: (s.order, s.id)) if s.enabled])


def _desk_page(request: Request, **values: Any) -> Response:
    return page(request, "desk.html", services=_services(request), kiosks=_kiosks(request), **values)


@router.get("/desk")
def desk(request: Request) -> Response:
    require(request, *DESK)
    return _desk_page(request)


@router.post("/desk")
def desk_issue(request: Request, form: FormIn) -> Response:
    require(request, *DESK)
    check_csrf(request, form)
    services: list[str] = []
    for s in _services(request):
        services += [s["id"]] * forms.integer(form, f"n_{s['id']}", 0, 0, MAX_CASES, f"cases of {s['id']}")
    if not services:
        return _desk_page(request, status=400, error="Pick at least one service.")
    if len(services) > MAX_CASES:
        return _desk_page(request, status=400, error="At most 10 cases on one ticket.")
    channel = "phone" if forms.text(form, "how", max_len=16) == "phone" else "reception"
    ticket = issue(request, services, people=forms.integer(form, "people", 1, 1, 9, "people"),
                   priority=forms.checkbox(form, "priority"), note=forms.text(form, "note", max_len=500),
                   lang="en" if forms.text(form, "lang", max_len=2) == "en" else "hu",
                   channel=channel, print_on=forms.text(form, "print_on", max_len=64))
    return _desk_page(request, issued=ticket, printed_on=forms.text(form, "print_on", max_len=64))


@router.post("/desk/book")
def desk_book(request: Request, form: FormIn) -> Response:
    """An appointment for the person at the desk or on the phone (any time the office chooses)."""
    require(request, *DESK)
    check_csrf(request, form)
    web = web_of(request)
    when = forms.text(form, "at", max_len=32)
    try:
        tz = ZoneInfo(web.settings.tz)
        at = datetime.fromisoformat(when).replace(tzinfo=tz).timestamp()
    except ValueError:
        return _desk_page(request, status=400, error="Give the appointment's day and time.")
    code = web.read(lambda e: booking.new_code(e.state.appointments))
    appt = web.call("admin.appointment_book", {
        "code": code, "service": forms.text(form, "service", max_len=32), "at": at,
        "name": forms.text(form, "name", max_len=120), "contact": forms.text(form, "contact", max_len=120),
        "lang": "en" if forms.text(form, "lang") == "en" else "hu", "channel": "reception"})["appointment"]
    return _desk_page(request, booked=appt)


class TicketBody(Body):
    services: list[str] = Field(min_length=1, max_length=MAX_CASES)
    """Service ids in order; an id listed n times is n cases."""
    people: int = Field(1, ge=1, le=9)
    priority: bool = False
    note: str = Field("", max_length=500)
    """Shown to the clerk who calls the ticket."""
    lang: str = Field("hu", pattern="^(hu|en)$")
    channel: str = Field("reception", pattern="^(reception|phone)$")
    print_on: str = Field("", max_length=64)
    """A kiosk's device id: its printer prints the ticket. Empty: nothing printed (read the number out)."""


@api.post("/tickets", tags=["front desk"], status_code=201, responses=ERRORS)
def api_issue(request: Request, body: TicketBody) -> dict[str, Any]:
    """Issue a ticket at the front desk (role reception, manager or admin); optionally print it on a kiosk."""
    require(request, *DESK)
    check_csrf(request)
    ticket = issue(request, body.services, people=body.people, priority=body.priority, note=body.note,
                   lang=body.lang, channel=body.channel, print_on=body.print_on)
    return {"ticket": ticket, "printed_on": body.print_on or None}
