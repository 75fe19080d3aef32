"""Booking at the kiosk: the device ops ``booking.services``, ``booking.days``, ``booking.slots``
and ``booking.book``.

The same rules as the public web booking (hub/web/api_public.py): the office's
booking settings (on or off, which services, how many days ahead, the minimum
notice; ``hub.web.kv``), and the slots, capacity and holidays of
:mod:`hub.booking`, whose :func:`hub.booking.book` checks and books in one step
on the engine worker. A repeated request id gets the first reply (the worker's
idempotency), so a kiosk that lost the reply never books twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from hub import booking
from hub.engine import EngineError
from hub.ops import Context, OpRegistry, OpSpec
from hub.web import kv
from sorra.protocol import messages as m
from sorra.protocol.names import Op


def register_ops(ops: OpRegistry) -> None:
    ops.add(OpSpec(Op.BOOKING_SERVICES, _services, m.NoArgs))
    ops.add(OpSpec(Op.BOOKING_DAYS, _days, m.BookingDaysArgs))
    ops.add(OpSpec(Op.BOOKING_SLOTS, _slots, m.BookingSlotsArgs))
    ops.add(OpSpec(Op.BOOKING_BOOK, _book, m.BookingBookArgs))


def _rules(ctx: Context) -> dict[str, Any]:
    hub = ctx.hub
    with hub.store.lock:
        rules = kv.booking(hub.store.db.conn)
    if not rules["enabled"]:
        raise EngineError("unavailable", "this office does not take bookings")
    return rules


def _bookable(ctx: Context, rules: dict[str, Any], service: str) -> None:
    if not any(s.id == service for s in booking.bookable_services(ctx.engine.state, rules["services"])):
        raise EngineError("not_found", "no such service to book")


def _services(ctx: Context, _a: m.NoArgs) -> dict[str, Any]:
    rules = _rules(ctx)
    found = booking.bookable_services(ctx.engine.state, rules["services"])
    return {"services": [{"id": s.id, "names": s.names, "info": s.info} for s in found],
            "days_ahead": rules["days_ahead"], "min_lead_min": rules["min_lead_min"]}


def _days(ctx: Context, a: m.BookingDaysArgs) -> dict[str, Any]:
    rules = _rules(ctx)
    _bookable(ctx, rules, a.service)
    days = booking.days(ctx.engine.state, a.service, ctx.engine.clock(), days_ahead=rules["days_ahead"],
                        min_lead_s=rules["min_lead_min"] * 60)
    return {"service": a.service, "days": days}


def _slots(ctx: Context, a: m.BookingSlotsArgs) -> dict[str, Any]:
    rules = _rules(ctx)
    _bookable(ctx, rules, a.service)
    try:
        slots = booking.slots(ctx.engine.state, a.service, a.day, ctx.engine.clock(),
                              min_lead_s=rules["min_lead_min"] * 60)
    except ValueError:
        raise EngineError("bad_args", "day: not a date") from None
    return {"service": a.service, "day": a.day, "slots": slots}


def _book(ctx: Context, a: m.BookingBookArgs) -> dict[str, Any]:
    rules = _rules(ctx)
    _bookable(ctx, rules, a.service)
    appt = booking.book(ctx.engine, {"service": a.service, "at": a.at, "lang": a.lang, "channel": "kiosk",
                                     "min_lead_s": rules["min_lead_min"] * 60, "days_ahead": rules["days_ahead"]})
    hub = ctx.hub
    code = appt["code"]
    sig = booking.sign(code, hub.secrets["hub_key"])
    local = datetime.fromtimestamp(appt["at"], ZoneInfo(ctx.engine.state.settings.tz))
    return {"appointment": {
        "code": code, "service": appt["service"], "at": appt["at"], "day": local.date().isoformat(),
        "time": local.strftime("%H:%M"), "state": appt["state"],
        "manage_url": f"{hub.public_url.rstrip('/')}/book/manage/{code}?sig={sig}"}}
