"""Appointment booking: slots, capacity per service, codes and manage links.

Slots come from the service's opening hours for the day (or the office's;
with no hours at all, :data:`DEFAULT_HOURS`), cut every
``settings.slot_minutes``; holidays have none. Each slot takes
``settings.slot_capacity[service]`` appointments (default 1).

Checking capacity and booking must be one step, or two citizens could take
the last place at once: :func:`register_ops` adds ``admin.booking_book`` and
``admin.booking_move``, which run on the engine worker like every other
command, so the check and the ``appointment.booked`` event happen with
nothing in between.

Codes are six characters from an alphabet without look-alikes (0/O, 1/I/L,
2/Z, 5/S, 8/B). The manage link (cancel, move) carries an HMAC of the code,
so knowing a code is not enough to cancel someone's appointment.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from hub.engine import Engine, EngineError
from hub.engine import hours as office_hours
from hub.engine.model import State

if TYPE_CHECKING:
    from hub.ops import OpRegistry

ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
CODE_LEN = 6
DEFAULT_HOURS = [["08:00", "16:00"]]
"""Bookable hours on weekdays when the office has no opening hours set (it is "always open")."""
ACTIVE = ("booked", "checked_in")


def new_code(taken: set[str] | dict[str, Any]) -> str:
    while True:
        code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LEN))
        # Digits only is a remote ticket's check-in code (hub/engine/remote.py): the kiosk tells them apart.
        if code not in taken and not code.isdigit():
            return code


def sign(code: str, key: str) -> str:
    return hmac.new(key.encode(), f"appointment:{code.upper()}".encode(), hashlib.sha256).hexdigest()[:20]


def check_signature(code: str, key: str, signature: str) -> bool:
    return hmac.compare_digest(sign(code, key), signature or "")


def _minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def hours_for(state: State, service_id: str, day: str) -> list[list[str]]:
    s = state.settings
    if day in s.holidays:
        return []
    weekday = str(office_hours.weekday_of(date.fromisoformat(day), s.workdays))
    svc = state.services.get(service_id)
    office = s.hours.get(weekday, []) if s.hours else (DEFAULT_HOURS if int(weekday) < 5 else [])
    if svc is not None and svc.hours:
        own = svc.hours.get(weekday, [])
        # within the office's hours too
        out = []
        for a, b in own:
            for oa, ob in office:
                start, end = max(_minutes(a), _minutes(oa)), min(_minutes(b), _minutes(ob))
                if start < end:
                    out.append([f"{start // 60:02d}:{start % 60:02d}", f"{end // 60:02d}:{end % 60:02d}"])
        return out
    return office


def slot_times(state: State, service_id: str, day: str) -> list[float]:
    """Start times (epoch seconds) of the day's slots for a service."""
    tz = ZoneInfo(state.settings.tz)
    step = max(5, int(state.settings.slot_minutes or 15))
    d = date.fromisoformat(day)
    out: list[float] = []
    for a, b in hours_for(state, service_id, day):
        m, end = _minutes(a), _minutes(b)
        while m + step <= end:
            out.append(datetime(d.year, d.month, d.day, m // 60, m % 60, tzinfo=tz).timestamp())
            m += step
    return out


def capacity(state: State, service_id: str) -> int:
    return max(0, int(state.settings.slot_capacity.get(service_id, 1)))


def booked_in(state: State, service_id: str, start: float, *, except_code: str = "") -> int:
    step = max(5, int(state.settings.slot_minutes or 15)) * 60
    return sum(1 for a in state.appointments.values()
               if a.service == service_id and a.state in ACTIVE and start <= a.at < start + step
               and a.code != except_code)


def slots(state: State, service_id: str, day: str, now: float, *, min_lead_s: float = 0) -> list[dict[str, Any]]:
    """The day's slots with free places (past ones and those too soon left out)."""
    tz = ZoneInfo(state.settings.tz)
    cap = capacity(state, service_id)
    out = []
    for at in slot_times(state, service_id, day):
        if at < now + min_lead_s:
            continue
        free = cap - booked_in(state, service_id, at)
        out.append({"at": at, "time": datetime.fromtimestamp(at, tz).strftime("%H:%M"), "free": max(0, free)})
    return out


def days(state: State, service_id: str, now: float, *, days_ahead: int = 30, min_lead_s: float = 0) -> list[dict[str, Any]]:
    """The next ``days_ahead`` days with their number of free places."""
    tz = ZoneInfo(state.settings.tz)
    today = datetime.fromtimestamp(now, tz).date()
    out = []
    for i in range(days_ahead + 1):
        day = (today + timedelta(days=i)).isoformat()
        free = sum(s["free"] for s in slots(state, service_id, day, now, min_lead_s=min_lead_s))
        out.append({"day": day, "weekday": (today + timedelta(days=i)).weekday(), "free": free,
                    "holiday": day in state.settings.holidays})
    return out


def bookable_services(state: State, only: list[str] | None = None) -> list[Any]:
    return [s for s in sorted(state.services.values(), key=lambda s: (s.order, s.id))
            if s.enabled and (not only or s.id in only) and capacity(state, s.id) > 0]


def _check_slot(engine: Engine, service_id: str, at: float, *, except_code: str = "", min_lead_s: float = 0,
                days_ahead: int = 0) -> None:
    state = engine.state
    svc = state.services.get(service_id)
    if svc is None or not svc.enabled:
        raise EngineError("not_found", f"no service {service_id!r}")
    now = engine.clock()
    if at < now + min_lead_s:
        raise EngineError("bad_args", "that time has passed or is too soon")
    tz = ZoneInfo(state.settings.tz)
    day = datetime.fromtimestamp(at, tz).date()
    if days_ahead and (day - datetime.fromtimestamp(now, tz).date()).days > days_ahead:
        raise EngineError("bad_args", "that day is too far ahead")
    if at not in slot_times(state, service_id, day.isoformat()):
        raise EngineError("bad_args", "not a bookable time for this service")
    if booked_in(state, service_id, at, except_code=except_code) >= capacity(state, service_id):
        raise EngineError("conflict", "this time is fully booked")


def book(engine: Engine, a: dict[str, Any]) -> dict[str, Any]:
    """Check the slot and book it in one step (on the engine worker): the web's and the kiosk's booking."""
    service, at = str(a.get("service", "")), float(a.get("at", 0))
    _check_slot(engine, service, at, min_lead_s=float(a.get("min_lead_s", 0)),
                days_ahead=int(a.get("days_ahead", 0)))
    name = str(a.get("name", ""))[:120]
    contact = str(a.get("contact", ""))[:200]
    lang = a.get("lang") if a.get("lang") in ("hu", "en") else "hu"
    code = new_code(engine.state.appointments)
    return engine.book({"code": code, "service": service, "at": at, "name": name, "contact": contact,
                        "lang": lang, "channel": str(a.get("channel", "web"))[:20]})


def register_ops(ops: OpRegistry) -> None:
    """Add the booking ops to a hub's ops."""

    @ops.op("admin.booking_book")
    def _book(ctx: Any, a: dict[str, Any]) -> dict[str, Any]:
        return {"appointment": book(ctx.engine, a)}

    @ops.op("admin.booking_move")
    def _move(ctx: Any, a: dict[str, Any]) -> dict[str, Any]:
        code = str(a.get("code", "")).upper()
        appt = ctx.engine.state.appointments.get(code)
        if appt is None or appt.state != "booked":
            raise EngineError("not_found", "no open appointment with this code")
        at = float(a.get("at", 0))
        _check_slot(ctx.engine, appt.service, at, except_code=code, min_lead_s=float(a.get("min_lead_s", 0)),
                    days_ahead=int(a.get("days_ahead", 0)))
        ctx.engine.move_appointment(code, at)
        return {"appointment": ctx.engine.state.appointments[code].to_dict()}


def due_today(state: State, now: float, window_s: float = 3600) -> dict[str, int]:
    """Appointments still expected today, and those due within ``window_s``."""
    tz = ZoneInfo(state.settings.tz)
    today = datetime.fromtimestamp(now, tz).date()
    left = soon = 0
    for a in state.appointments.values():
        if a.state != "booked" or datetime.fromtimestamp(a.at, tz).date() != today or a.at < now - 1800:
            continue
        left += 1
        if a.at <= now + window_s:
            soon += 1
    return {"today": left, "next_hour": soon}
