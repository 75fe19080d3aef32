"""Staff pages: live dashboard; services, counters, clerks and profiles, rules, office settings."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from hub.engine import holidays_hu
from hub.engine import hours as office_hours
from hub.web import forms, kv
from hub.web.access import Guarded
from hub.web.app import check_csrf, lang_of, page, redirect, require, web_of
from hub.web.routes_public import FormIn
from hub.web.security import WebError

router = APIRouter(include_in_schema=False, route_class=Guarded)
MANAGE = ("admin", "manager")


def services_list(request: Request) -> list[dict[str, Any]]:
    return web_of(request).read(lambda e: [s.to_dict() for s in sorted(e.state.services.values(),
                                                                       key=lambda s: (s.order, s.id))])


# ---- dashboard -----------------------------------------------------------------------------

@router.get("/dashboard")
async def dashboard(request: Request) -> Response:
    require(request)
    web = web_of(request)
    snap = await web.live.current("dashboard")
    return page(request, "dashboard.html", fragment=_dashboard_fragment(request, snap), snap=snap)


def _dashboard_fragment(request: Request, snap: dict[str, Any]) -> str:
    return web_of(request).render("_dashboard_live.html", lang_of(request), d=snap)


@router.get("/dashboard/live")
async def dashboard_live(request: Request) -> Response:
    require(request)
    web = web_of(request)
    lang = lang_of(request)
    cache: dict[int, Any] = {}

    def render(snap: dict[str, Any]) -> Any:
        key = id(snap)
        if key not in cache:
            cache.clear()
            cache[key] = {"html": web.render("_dashboard_live.html", lang, d=snap), "now": snap["now"]}
        return cache[key]

    return StreamingResponse(web.live.stream("dashboard", render), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


# ---- services ------------------------------------------------------------------------------

@router.get("/admin/services")
def services_page(request: Request) -> Response:
    require(request, *MANAGE)
    return page(request, "admin_services.html", services=services_list(request))


@router.get("/admin/services/{sid}")
def service_form(request: Request, sid: str) -> Response:
    require(request, *MANAGE)
    svc = next((s for s in services_list(request) if s["id"] == sid), None)
    if svc is None and sid != "new":
        raise WebError(404, "not_found", "no such service")
    return page(request, "admin_service.html", svc=svc or _new_service(), is_new=sid == "new",
                hours=forms.hours_to_form((svc or {}).get("hours", {})), outcomes=_outcome_codes(request))


def _outcome_codes(request: Request) -> list[dict[str, Any]]:
    return web_of(request).read(lambda e: [o.to_dict() for o in sorted(e.state.outcomes.values(),
                                                                       key=lambda o: o.code) if o.enabled])


def _new_service() -> dict[str, Any]:
    return {"id": "", "names": {"hu": "", "en": ""}, "prefix": "", "info": {"hu": "", "en": ""}, "group": "",
            "sla_s": 900, "mean_service_s": 300.0, "hours": {}, "enabled": True, "order": 0, "remote": False}


def service_payload(form: Any, sid: str | None) -> dict[str, Any]:
    new_id = forms.text(form, "id", max_len=32) if sid is None else sid
    return {
        "id": new_id,
        "names": {"hu": forms.text(form, "name_hu", max_len=120), "en": forms.text(form, "name_en", max_len=120)},
        "prefix": forms.text(form, "prefix", max_len=2).upper(),
        "info": {"hu": forms.text(form, "info_hu", max_len=1000), "en": forms.text(form, "info_en", max_len=1000)},
        "group": forms.text(form, "group", max_len=60),
        "sla_s": forms.integer(form, "sla_min", 15, 0, 24 * 60, "SLA") * 60,
        "mean_service_s": float(forms.integer(form, "mean_min", 5, 1, 240, "typical service time") * 60),
        "hours": forms.hours_from_form(form),
        "enabled": forms.checkbox(form, "enabled"),
        "order": forms.integer(form, "order", 0, -1000, 1000, "order"),
        "remote": forms.checkbox(form, "remote"),
        "default_outcome": forms.text(form, "default_outcome", max_len=16),
    }


def _draft(form: Any, sid: str) -> dict[str, Any]:
    """The form as typed, to show it again with the error."""
    def num(name: str, default: int) -> int:
        raw = forms.text(form, name)
        return int(raw) if raw.lstrip("-").isdigit() else default

    return {"id": forms.text(form, "id") if sid == "new" else sid,
            "names": {"hu": forms.text(form, "name_hu"), "en": forms.text(form, "name_en")},
            "prefix": forms.text(form, "prefix"),
            "info": {"hu": forms.text(form, "info_hu"), "en": forms.text(form, "info_en")},
            "group": forms.text(form, "group"), "sla_s": num("sla_min", 15) * 60,
            "mean_service_s": num("mean_min", 5) * 60, "enabled": forms.checkbox(form, "enabled"),
            "order": num("order", 0), "hours": {}, "remote": forms.checkbox(form, "remote"),
            "default_outcome": forms.text(form, "default_outcome")}


@router.post("/admin/services/{sid}")
def service_save(request: Request, sid: str, form: FormIn) -> Response:
    require(request, *MANAGE)
    check_csrf(request, form)
    web = web_of(request)
    try:
        payload = service_payload(form, None if sid == "new" else sid)
        if sid == "new" and payload["id"] in {s["id"] for s in services_list(request)}:
            raise WebError(409, "conflict", "a service with this id exists already")
        web.call("admin.service_upsert", payload)
    except WebError as err:
        return page(request, "admin_service.html", status=err.status, svc=_draft(form, sid), is_new=sid == "new",
                    hours=[forms.text(form, f"hours{d}") for d in range(7)], error=err.message,
                    outcomes=_outcome_codes(request))
    return redirect("/admin/services", "saved")


# ---- counters ------------------------------------------------------------------------------

def counters_list(request: Request) -> list[dict[str, Any]]:
    return web_of(request).read(lambda e: [c.to_dict() for c in sorted(e.state.counters.values(),
                                                                       key=lambda c: c.number)])


@router.get("/admin/counters")
def counters_page(request: Request) -> Response:
    require(request, *MANAGE)
    return page(request, "admin_counters.html", counters=counters_list(request), services=services_list(request))


@router.get("/admin/counters/{number}")
def counter_form(request: Request, number: int) -> Response:
    require(request, *MANAGE)
    c = next((c for c in counters_list(request) if c["number"] == number), None)
    if c is None:
        raise WebError(404, "not_found", "no such counter")
    return page(request, "admin_profile.html", kind="counter", item=c, services=services_list(request),
                weights={e["service"]: e["weight"] for e in c["profile"]})


@router.post("/admin/counters")
def counter_add(request: Request, form: FormIn) -> Response:
    require(request, *MANAGE)
    check_csrf(request, form)
    number = forms.integer(form, "number", None, 1, 999, "counter number")
    web_of(request).call("admin.counter_upsert", {"number": number, "name": forms.text(form, "name", max_len=60)})
    return redirect(f"/admin/counters/{number}", "saved")


@router.post("/admin/counters/{number}")
def counter_save(request: Request, number: int, form: FormIn) -> Response:
    require(request, *MANAGE)
    check_csrf(request, form)
    sids = [s["id"] for s in services_list(request)]
    web_of(request).call("admin.counter_upsert", {
        "number": number, "name": forms.text(form, "name", max_len=60), "enabled": forms.checkbox(form, "enabled"),
        "profile": forms.profile_from_form(form, sids)})
    return redirect("/admin/counters", "saved")


# ---- clerks and profiles -------------------------------------------------------------------

def clerks_list(request: Request) -> list[dict[str, Any]]:
    def read(e: Any) -> list[dict[str, Any]]:
        out = []
        for c in sorted(e.state.clerks.values(), key=lambda c: c.name):
            d = c.to_dict()
            d.pop("pin_hash", None)
            out.append(d)
        return out

    return web_of(request).read(read)


@router.get("/admin/clerks")
def clerks_page(request: Request) -> Response:
    require(request, *MANAGE)
    return page(request, "admin_clerks.html", clerks=clerks_list(request))


@router.get("/admin/clerks/{cid}")
def clerk_form(request: Request, cid: str) -> Response:
    require(request, *MANAGE)
    c = next((c for c in clerks_list(request) if c["id"] == cid), None)
    if c is None:
        raise WebError(404, "not_found", "no such clerk")
    return page(request, "admin_profile.html", kind="clerk", item=c, services=services_list(request),
                weights={e["service"]: e["weight"] for e in c["profile"]})


@router.post("/admin/clerks")
def clerk_add(request: Request, form: FormIn) -> Response:
    require(request, *MANAGE)
    check_csrf(request, form)
    cid = forms.text(form, "id", max_len=64)
    if not cid or not all(ch.isalnum() or ch in "._-" for ch in cid):
        raise forms.bad("clerk id: letters, digits, '.', '_' or '-'")
    if any(c["id"] == cid for c in clerks_list(request)):
        raise WebError(409, "conflict", "a clerk with this id exists already")
    web_of(request).call("admin.clerk_upsert", {"id": cid, "name": forms.text(form, "name", max_len=120),
                                                "pin": forms.text(form, "pin", max_len=8)})
    return redirect(f"/admin/clerks/{cid}", "saved")


@router.post("/admin/clerks/{cid}")
def clerk_save(request: Request, cid: str, form: FormIn) -> Response:
    require(request, *MANAGE)
    check_csrf(request, form)
    sids = [s["id"] for s in services_list(request)]
    payload: dict[str, Any] = {"id": cid, "name": forms.text(form, "name", max_len=120),
                               "may_edit_profile": forms.checkbox(form, "may_edit_profile"),
                               "enabled": forms.checkbox(form, "enabled"),
                               "profile": forms.profile_from_form(form, sids)}
    pin = forms.text(form, "pin", max_len=8)
    if pin:
        payload["pin"] = pin
    web_of(request).call("admin.clerk_upsert", payload)
    return redirect("/admin/clerks", "saved")


@router.get("/me/profile")
def my_profile(request: Request) -> Response:
    user = require(request)
    c = next((c for c in clerks_list(request) if user.clerk and c["id"] == user.clerk), None)
    return page(request, "admin_profile.html", kind="me", item=c, services=services_list(request),
                weights={e["service"]: e["weight"] for e in (c or {}).get("profile", [])})


@router.post("/me/profile")
def my_profile_save(request: Request, form: FormIn) -> Response:
    user = require(request)
    check_csrf(request, form)
    c = next((c for c in clerks_list(request) if user.clerk and c["id"] == user.clerk), None)
    if c is None:
        raise WebError(404, "not_found", "your account is not linked to a clerk")
    if not c["may_edit_profile"] and user.role not in MANAGE:
        raise WebError(403, "forbidden", "the manager has not allowed you to change your profile")
    profile = forms.profile_from_form(form, [s["id"] for s in services_list(request)])
    if not profile:
        raise forms.bad("choose at least one service")
    web_of(request).call("admin.profile_set", {"clerk": c["id"], "profile": profile})
    return redirect("/me/profile", "saved")


# ---- automatic priority rules ------------------------------------------------------------------

@router.get("/admin/rules")
def rules_page(request: Request) -> Response:
    require(request, *MANAGE)
    web = web_of(request)
    rules, active = web.read(lambda e: ([r.to_dict() for r in e.state.rules.values()],
                                        [r.id for r in e.active_rules()]))
    return page(request, "admin_rules.html", rules=rules, active=set(active), services=services_list(request))


@router.post("/admin/rules")
def rule_save(request: Request, form: FormIn) -> Response:
    require(request, *MANAGE)
    check_csrf(request, form)
    service = forms.text(form, "service", max_len=32)
    rid = forms.text(form, "id", max_len=64) or f"{service}-{forms.text(form, 'min_waiting') or 0}-" \
                                                 f"{forms.text(form, 'min_wait_min') or 0}"
    web_of(request).call("admin.rule_upsert", {
        "id": rid, "service": service,
        "min_waiting": forms.integer(form, "min_waiting", 0, 0, 10000, "waiting count"),
        "min_wait_s": forms.integer(form, "min_wait_min", 0, 0, 24 * 60, "waiting time") * 60,
        "boost": forms.integer(form, "boost", 2, 1, 100, "priority multiplier"),
        "warn": forms.checkbox(form, "warn")})
    return redirect("/admin/rules", "saved")


@router.post("/admin/rules/{rid}/delete")
def rule_delete(request: Request, rid: str, form: FormIn) -> Response:
    require(request, *MANAGE)
    check_csrf(request, form)
    web_of(request).call("admin.rule_remove", {"id": rid})
    return redirect("/admin/rules", "deleted")


# ---- office settings: names, hours, holidays, appointments ---------------------------------------

def closed_days_view(s: dict[str, Any], today: str) -> dict[str, Any]:
    """What the settings page lists: the closed and worked days of the coming year, with names."""
    from datetime import date, timedelta

    until = (date.fromisoformat(today) + timedelta(days=366)).isoformat()
    return {"holidays": [(d, holidays_hu.name_of(d)) for d in s["holidays"] if today <= d <= until],
            "workdays": [(d, holidays_hu.name_of(d)) for d in s["workdays"] if today <= d <= until],
            "last": max(s["holidays"], default="")}


@router.get("/admin/settings")
def settings_page(request: Request) -> Response:
    require(request, *MANAGE)
    web = web_of(request)
    s, today = web.read(lambda e: (e.state.settings.to_dict(), office_hours.day_of(e.clock(), e.state.settings.tz)))
    return page(request, "admin_settings.html", s=s, hours=forms.hours_to_form(s["hours"]),
                services=services_list(request), booking=kv.booking(web.db()),
                closed=closed_days_view(s, today))


@router.post("/admin/settings")
def settings_save(request: Request, form: FormIn) -> Response:
    require(request, *MANAGE)
    check_csrf(request, form)
    web = web_of(request)
    if forms.text(form, "action", max_len=32) == "add_hu_holidays":
        # Only the closed and worked days: the shipped Hungarian ones join what is set.
        s = web.read(lambda e: e.state.settings)
        web.call("admin.settings", {
            "holidays": sorted(set(s.holidays) | set(holidays_hu.default_holidays())),
            "workdays": sorted(set(s.workdays) | set(holidays_hu.default_workdays()))})
        return redirect("/admin/settings", "saved")
    services = services_list(request)
    capacity = {s["id"]: forms.integer(form, f"cap_{s['id']}", 1, 0, 100, f"capacity of {s['id']}")
                for s in services}
    changes = {
        "office_names": {"hu": forms.text(form, "name_hu", max_len=120), "en": forms.text(form, "name_en", max_len=120)},
        "message": {"hu": forms.text(form, "message_hu", max_len=500), "en": forms.text(form, "message_en", max_len=500)},
        "tz": forms.text(form, "tz", "Europe/Budapest", max_len=64),
        "hours": forms.hours_from_form(form),
        "holidays": forms.holidays_from_text(forms.text(form, "holidays", max_len=20000)),
        "workdays": forms.holidays_from_text(forms.text(form, "workdays", max_len=5000)),
        "no_show_return_s": forms.integer(form, "no_show_return_min", 15, 0, 24 * 60, "no-show window") * 60,
        "call_guard_s": forms.integer(form, "call_guard_s", 3, 0, 60, "guard after a call"),
        "next_finishes": forms.checkbox(form, "next_finishes"),
        "appointment_lead_s": forms.integer(form, "appointment_lead_min", 5, 0, 240, "appointment lead") * 60,
        "slot_minutes": forms.integer(form, "slot_minutes", 15, 5, 240, "slot length"),
        "slot_capacity": capacity,
        # joining the queue remotely (hub/engine/remote.py)
        "remote_max_waiting": forms.integer(form, "remote_max_waiting", 20, 0, 1000, "remote tickets away"),
        "remote_per_contact": forms.integer(form, "remote_per_contact", 1, 0, 10, "remote tickets per contact"),
        "remote_per_origin_day": forms.integer(form, "remote_per_origin_day", 3, 0, 100,
                                               "remote tickets per address a day"),
    }
    web.call("admin.settings", changes)
    try:
        kv.set_booking(web.db(), {
            "enabled": forms.checkbox(form, "booking_enabled"),
            "days_ahead": forms.integer(form, "days_ahead", 30, 0, 365, "days ahead"),
            "min_lead_min": forms.integer(form, "min_lead_min", 60, 0, 10080, "minimum notice"),
            "services": [s["id"] for s in services if forms.checkbox(form, f"book_{s['id']}")]})
    except kv.KvError as err:
        raise WebError(400, err.code, err.message) from None
    return redirect("/admin/settings", "saved")
