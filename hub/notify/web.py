"""Web routes of the notifications: following a ticket (public), delivery log and texts (manager)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from hub.notify import outbox, texts
from hub.web import forms
from hub.web.access import Guarded
from hub.web.app import check_csrf, lang_of, limit, page, redirect, require, web_of
from hub.web.routes_public import FormIn
from hub.web.security import WebError

api = APIRouter(prefix="/api/v1", route_class=Guarded)
pages = APIRouter(include_in_schema=False, route_class=Guarded)
MANAGE = ("admin", "manager")
ERRORS = {r: {"description": "Error", "content": {"application/json": {"example": {
    "error": {"code": "bad_args", "message": "…"}}}}} for r in (400, 404, 409, 422, 429, 503)}


class FollowBody(BaseModel):
    """Exactly one of ``phone`` (+36… or 06…) and ``email``."""

    model_config = ConfigDict(extra="forbid")
    phone: str | None = Field(default=None, max_length=40, examples=["+36301234567"])
    email: str | None = Field(default=None, max_length=200, examples=["polgar@example.hu"])


def _follow(request: Request, token: str, contact: str, kind: str) -> dict[str, Any]:
    from hub.notify.follow import follow

    web = web_of(request)
    hub = web.hub
    if len(token) > 64:
        raise WebError(404, "not_found", "no ticket with this token today")
    return web.read(lambda _e: follow(hub, hub.notify_projector, token, contact, kind))


@api.post("/public/tickets/{token}/notify", tags=["public"], responses=ERRORS)
def follow_ticket(request: Request, token: str, body: FollowBody) -> dict[str, Any]:
    """Follow a ticket: one message when at most N people are ahead ("almost your turn"), one when it is
    called (with the counter). The contact is used only for these two messages and erased after the
    office's privacy period (default 30 days)."""
    limit(request, "book")
    if (body.phone is None) == (body.email is None):
        raise WebError(400, "bad_args", "give either phone or email")
    kind, contact = ("phone", body.phone) if body.phone is not None else ("email", body.email)
    return _follow(request, token, contact or "", kind)


@pages.post("/t/{token}/notify")
def follow_form(request: Request, token: str, form: FormIn) -> Response:
    check_csrf(request, form)
    limit(request, "book")
    contact = forms.text(form, "contact", max_len=200)
    kind = "email" if "@" in contact else "phone"
    _follow(request, token, contact, kind)
    return redirect(f"/t/{token}", "following")


@api.get("/notify/log", tags=["notifications"], responses=ERRORS)
def delivery_log(request: Request, state: str = "", limit_rows: int = 200) -> list[dict[str, Any]]:
    """The delivery log, newest first: id, channel, to, kind, state (queued/sent/failed), attempts, error."""
    require(request, *MANAGE)
    if state and state not in outbox.STATES:
        raise WebError(400, "bad_args", "state: queued, sent or failed")
    rows = outbox.log(web_of(request).db(), state=state, limit=max(1, min(limit_rows, 5000)))
    return [m.log_row() for m in rows]


def offered(conn: Any) -> dict[str, Any]:
    """What the public pages may offer: following by phone and/or e-mail, and the privacy period."""
    cfg = outbox.settings(conn)
    return {"phone": bool(cfg.get("sms") or cfg.get("gateway")), "email": bool(cfg.get("email") or cfg.get("gateway")),
            "ahead": int(cfg["next_ahead"]), "erase_days": int(cfg["erase_days"])}


# ---- manager pages -------------------------------------------------------------------------

@pages.get("/admin/notify")
def notify_page(request: Request, state: str = "") -> Response:
    require(request, *MANAGE)
    web = web_of(request)
    conn = web.db()
    cfg = outbox.settings(conn)
    alerts = [a for a in (web.hub.alerts.snapshot()["alerts"] if web.hub.alerts else [])
              if a["source"] == "notify"]
    rows = outbox.log(conn, state=state if state in outbox.STATES else "", limit=300)
    return page(request, "admin_notify.html", cfg=cfg, rows=rows, alerts=alerts, state=state,
                reminder_min=int(cfg["reminder_before_s"]) // 60)


@pages.post("/admin/notify")
def notify_save(request: Request, form: FormIn) -> Response:
    require(request, *MANAGE)
    check_csrf(request, form)
    conn = web_of(request).db()
    minutes = forms.integer(form, "reminder_min", 1440, 0, 60 * 24 * 30, "reminder time")
    outbox.put_setting(conn, "reminder_before_s", minutes * 60)
    outbox.put_setting(conn, "next_ahead", forms.integer(form, "next_ahead", 3, 0, 100, "people ahead"))
    outbox.put_setting(conn, "erase_days", forms.integer(form, "erase_days", 30, 1, 3650, "erase after"))
    outbox.put_setting(conn, "survey", forms.checkbox(form, "survey"))
    return redirect("/admin/notify", "saved")


@pages.get("/admin/notify/texts")
def texts_page(request: Request, kind: str = "booked", text_lang: str = "") -> Response:
    require(request, *MANAGE)
    kind = kind if kind in texts.KINDS else "booked"
    text_lang = text_lang if text_lang in ("hu", "en") else lang_of(request)
    custom = outbox.settings(web_of(request).db())["texts"]
    current = {p: texts.template(custom, kind, p, text_lang) for p in texts.PARTS}
    own = bool((custom.get(kind) or {}).get(text_lang))
    preview = {p: texts.fill(current[p], texts.sample_facts(text_lang)) for p in texts.PARTS}
    return page(request, "admin_notify_texts.html", kinds=texts.KINDS, kind=kind, text_lang=text_lang,
                current=current, own=own, preview=preview, placeholders=texts.PLACEHOLDERS,
                sms_len=len(preview["sms"]), sms_parts=sms_parts(preview["sms"]))


@pages.post("/admin/notify/texts")
def texts_save(request: Request, form: FormIn) -> Response:
    require(request, *MANAGE)
    check_csrf(request, form)
    kind = forms.text(form, "kind", max_len=20)
    lang = forms.text(form, "text_lang", max_len=2)
    if kind not in texts.KINDS or lang not in ("hu", "en"):
        raise forms.bad("kind or language")
    conn = web_of(request).db()
    custom = dict(outbox.settings(conn)["texts"])
    per_kind = dict(custom.get(kind) or {})
    if form.get("action") == "reset":
        per_kind.pop(lang, None)
    else:
        per_kind[lang] = {p: forms.text(form, p, max_len=4000 if p == "body" else 400) for p in texts.PARTS}
    custom[kind] = per_kind
    outbox.put_setting(conn, "texts", custom)
    return redirect(f"/admin/notify/texts?kind={kind}&text_lang={lang}", "saved")


def sms_parts(text: str) -> int:
    """How many SMS parts a text takes: GSM-7 160/153, UCS2 (accents) 70/67."""
    try:
        from gsmmodem.pdu import encodeGsm7

        encodeGsm7(text)
        single, part, size = 160, 153, len(text)
    except ValueError:
        single, part, size = 70, 67, len(text)
    return 1 if size <= single else -(-size // part)
