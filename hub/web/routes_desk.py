"""Staff pages for the desk: take a no-show back and record backlog work (dashboard), outcome codes (admin)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from hub.web import forms
from hub.web.access import Guarded
from hub.web.app import check_csrf, page, redirect, require, web_of
from hub.web.routes_admin import MANAGE
from hub.web.routes_public import FormIn

router = APIRouter(include_in_schema=False, route_class=Guarded)


@router.post("/dashboard/return")
def return_no_show(request: Request, form: FormIn) -> Response:
    """A late customer asked at the desk: their no-show is first in line again (inside the window)."""
    require(request)
    check_csrf(request, form)
    ticket = forms.text(form, "ticket", max_len=64)
    result = web_of(request).call("admin.ticket_return", {"ticket": ticket})
    return redirect("/dashboard", "returned:" + result["ticket"]["number"])


@router.post("/dashboard/backlog")
def record_backlog(request: Request, form: FormIn) -> Response:
    """Work left to be done without the customer: into the backlog, for the first free clerk."""
    user = require(request)
    check_csrf(request, form)
    service = forms.text(form, "service", max_len=32)
    web_of(request).call("admin.backlog_record", {
        "kind": forms.text(form, "kind", max_len=64), "note": forms.text(form, "note", max_len=500),
        "services": [service] if service else [], "by": user.name})
    return redirect("/dashboard", "saved")


def outcomes_list(request: Request) -> list[dict[str, Any]]:
    return web_of(request).read(lambda e: [o.to_dict() for o in sorted(e.state.outcomes.values(),
                                                                       key=lambda o: o.code)])


@router.get("/admin/outcomes")
def outcomes_page(request: Request) -> Response:
    require(request, *MANAGE)
    services = web_of(request).read(lambda e: {s.id: s.default_outcome for s in e.state.services.values()
                                               if s.default_outcome})
    return page(request, "admin_outcomes.html", outcomes=outcomes_list(request), defaults=services)


@router.post("/admin/outcomes")
def outcome_save(request: Request, form: FormIn) -> Response:
    require(request, *MANAGE)
    check_csrf(request, form)
    web_of(request).call("admin.outcome_upsert", {
        "code": forms.text(form, "code", max_len=16),
        "names": {"hu": forms.text(form, "name_hu", max_len=80), "en": forms.text(form, "name_en", max_len=80)},
        "resolved": forms.checkbox(form, "resolved"),
        "enabled": forms.checkbox(form, "enabled")})
    return redirect("/admin/outcomes", "saved")
