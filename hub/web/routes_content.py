"""Staff pages: ticket layout, display playlist and media, devices and pairing, web users, appointments."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request, UploadFile
from fastapi.responses import Response

from hub import booking, media
from hub.web import accounts, forms, i18n, kv, layout_form
from hub.web.access import Guarded
from hub.web.app import check_csrf, lang_of, page, redirect, require, web_of
from hub.web.routes_admin import MANAGE, services_list
from hub.web.routes_public import FormIn
from hub.web.security import WebError

router = APIRouter(include_in_schema=False, route_class=Guarded)


# ---- ticket layout ---------------------------------------------------------------------------

@router.get("/admin/layout")
def layout_page(request: Request) -> Response:
    require(request, *MANAGE)
    text = kv.layout(web_of(request).db())
    return _layout_page(request, text or kv.default_layout(), custom=bool(text))


def _layout_page(request: Request, text: str, *, custom: bool, status: int = 200, error: str = "") -> Response:
    return page(request, "admin_layout.html", status=status, text=text, custom=custom, rows=layout_form.rows(text),
                types=layout_form.TYPES, aligns=layout_form.ALIGNS, whens=layout_form.when_choices(), error=error)


@router.post("/admin/layout")
def layout_save(request: Request, form: FormIn) -> Response:
    """Save from the form (``b{i}_…`` rows) or from the text editor (``text``), check it, send it to the kiosks."""
    require(request, *MANAGE)
    check_csrf(request, form)
    web = web_of(request)
    if form.get("reset"):
        text = ""
    elif form.get("from_form"):
        text = layout_form.to_toml(layout_form.blocks_from_form(form))
    else:
        text = str(form.get("text") or "")[:20000]
    try:
        if text:
            layout_form.parse_template(text, "layout")  # as the kiosk reads it
        kv.set_layout(web.db(), text)
    except (kv.KvError, layout_form.TemplateError) as err:
        return _layout_page(request, text, custom=True, status=400, error=str(err))
    n = kv.publish_layout(web)
    return redirect("/admin/layout", f"sent:{n}")


@router.get("/admin/layout/preview.png")
def layout_preview(request: Request, lang: str = "") -> Response:
    """The printed ticket as a picture: of the form's rows in the query (the page refreshes it as they
    change), else of the saved layout."""
    require(request, *MANAGE)
    web = web_of(request)
    q = request.query_params
    text = (layout_form.to_toml(layout_form.blocks_from_form(q)) if "from_form" in q
            else kv.layout(web.db()) or kv.default_layout())
    lang = lang if lang in ("hu", "en") else lang_of(request)
    office = i18n.name_in(web.settings.office_names, lang, "Sorra")
    services = web.read(lambda e: [(i18n.name_in(s.names, lang, s.id), i18n.name_in(s.info, lang, ""))
                                   for s in e.state.services.values() if s.enabled])
    ticket = layout_form.sample(lang, office, services, web.public_url)
    try:
        png = layout_form.preview_png(text, ticket)
    except layout_form.TemplateError as err:
        raise WebError(400, "bad_args", str(err)) from None
    return Response(png, media_type="image/png", headers={"Cache-Control": "no-store"})


# ---- playlist and media ------------------------------------------------------------------------

@router.get("/admin/playlist")
def playlist_page(request: Request) -> Response:
    require(request, *MANAGE)
    web = web_of(request)
    conn = web.db()
    files = web.media.list(conn)
    return page(request, "admin_playlist.html", playlist=media.load_playlist(conn), files=files,
                by_sha={f["sha256"]: f for f in files})


@router.post("/admin/media")
async def media_upload(request: Request, file: UploadFile) -> Response:
    from starlette.concurrency import run_in_threadpool

    require(request, *MANAGE)
    form = await request.form()
    check_csrf(request, form)
    web = web_of(request)
    try:
        row = await run_in_threadpool(web.media.save, web.db(), file.file, file.filename or "")
    except media.MediaError as err:
        raise WebError(413 if err.code == "too_large" else 400, err.code, err.message) from None
    return redirect("/admin/playlist", f"uploaded:{row['name']}")


@router.post("/admin/media/{sha}/delete")
def media_delete(request: Request, sha: str, form: FormIn) -> Response:
    require(request, *MANAGE)
    check_csrf(request, form)
    web = web_of(request)
    try:
        web.media.delete(web.db(), sha)
    except media.MediaError as err:
        raise WebError(409, err.code, err.message) from None
    return redirect("/admin/playlist", "deleted")


def _save_and_publish(request: Request, items: list[dict[str, Any]], ticker: list[str]) -> None:
    web = web_of(request)
    try:
        media.save_playlist(web.db(), items, ticker)
    except media.MediaError as err:
        raise WebError(404 if err.code == "not_found" else 400, err.code, err.message) from None
    kv.publish_playlist(web)


def _item_from_form(form: Any) -> dict[str, Any]:
    days = [d for d in range(7) if forms.checkbox(form, f"day{d}")]
    item: dict[str, Any] = {"duration_s": forms.integer(form, "duration_s", 10, 2, 3600, "duration"),
                            "days": [] if len(days) == 7 else days,
                            "start": forms.text(form, "start", max_len=5), "end": forms.text(form, "end", max_len=5)}
    sha = forms.text(form, "sha256", max_len=64)
    if sha:
        item.update(kind="image", sha256=sha)
    else:
        item.update(kind="text", text=forms.text(form, "text", max_len=500))
    return item


@router.post("/admin/playlist")
def playlist_action(request: Request, form: FormIn) -> Response:
    require(request, *MANAGE)
    check_csrf(request, form)
    web = web_of(request)
    data = media.load_playlist(web.db())
    items, ticker = data["items"], data["ticker"]
    action = forms.text(form, "action")
    item_id = forms.text(form, "item")
    index = next((i for i, it in enumerate(items) if it.get("id") == item_id), None)
    if action == "add":
        item = _item_from_form(form)
        if item.get("sha256"):
            info = web.media.info(web.db(), item["sha256"])
            item["kind"] = info["kind"] if info else "image"
        items.append(item)
    elif action == "ticker":
        ticker = [line for line in forms.text(form, "ticker", max_len=10000).splitlines() if line.strip()]
    elif index is None:
        raise WebError(404, "not_found", "no such playlist item")
    elif action == "update":
        items[index] = {**items[index], **{k: v for k, v in _item_from_form(form).items() if k not in ("kind",)},
                        "id": item_id, "kind": items[index]["kind"]}
        if items[index]["kind"] != "text":
            items[index].pop("text", None)
    elif action == "delete":
        items.pop(index)
    elif action in ("up", "down"):
        j = index - 1 if action == "up" else index + 1
        if 0 <= j < len(items):
            items[index], items[j] = items[j], items[index]
    else:
        raise forms.bad("unknown action")
    _save_and_publish(request, items, ticker)
    return redirect("/admin/playlist", "saved")


# ---- devices and pairing --------------------------------------------------------------------------

def _pairing(request: Request) -> dict[str, Any] | None:
    svc = getattr(web_of(request).hub, "pairing", None)
    if svc is None:
        return None
    try:
        return svc.pending()
    except Exception:
        return None


@router.get("/admin/devices")
def devices_page(request: Request) -> Response:
    require(request, "admin")
    from hub.web.views import devices_snapshot

    web = web_of(request)
    devices = web.read(lambda e: devices_snapshot(web.hub))
    return page(request, "admin_devices.html", devices=devices, pairing=_pairing(request),
                creds=None, hub_info=_hub_info(web))


def _hub_info(web: Any) -> dict[str, Any]:
    """Where devices reach the broker: the devices' port (TLS when on), not the hub's loopback one."""
    tls = getattr(web.hub, "tls", None)
    return {"mqtt_host": web.hub.mqtt_host, "mqtt_port": getattr(web.hub, "device_port", web.hub.config.mqtt_port),
            "tls": tls is not None, "ca_file": str(tls.ca_file) if tls is not None else "",
            "site": web.hub.config.site}


@router.post("/admin/devices")
def devices_action(request: Request, form: FormIn) -> Response:
    require(request, "admin")
    check_csrf(request, form)
    web = web_of(request)
    action = forms.text(form, "action")
    device = forms.text(form, "device", max_len=64)
    counter_raw = forms.text(form, "counter")
    counter = forms.integer(form, "counter", None, 1, 999, "counter") if counter_raw else None
    if action == "approve":
        web.call("admin.pairing_approve", {"code": forms.text(form, "code", max_len=32),
                                           **({"counter": counter} if counter is not None else {}),
                                           **({"device": device} if device else {})})
        return redirect("/admin/devices", "approved")
    if action == "reject":
        web.call("admin.pairing_reject", {"code": forms.text(form, "code", max_len=32)})
        return redirect("/admin/devices", "rejected")
    if action == "remove":
        web.call("admin.device_remove", {"device": device})
        return redirect("/admin/devices", "removed")
    if action == "add":
        creds = web.call("admin.device_add", {"device": device, "role": forms.text(form, "role"),
                                              "counter": counter, "name": forms.text(form, "name", max_len=60)})
        from hub.web.views import devices_snapshot

        devices = web.read(lambda e: devices_snapshot(web.hub))
        return page(request, "admin_devices.html", devices=devices, pairing=_pairing(request), creds=creds,
                    hub_info=_hub_info(web))
    raise forms.bad("unknown action")


# ---- web users (administrators only) ----------------------------------------------------------------

@router.get("/admin/users")
def users_page(request: Request) -> Response:
    require(request, "admin")
    clerks = web_of(request).read(lambda e: sorted(e.state.clerks))
    return page(request, "admin_users.html", users=accounts.list_users(web_of(request).db()), clerks=clerks)


@router.post("/admin/users")
def users_action(request: Request, form: FormIn) -> Response:
    me = require(request, "admin")
    check_csrf(request, form)
    conn = web_of(request).db()
    action = forms.text(form, "action")
    name = forms.text(form, "name", max_len=64)
    try:
        if action == "add":
            accounts.add_user(conn, name, forms.text(form, "role"), str(form.get("password") or ""),
                              clerk=forms.text(form, "clerk") or None)
        elif action == "update":
            pw = str(form.get("password") or "")
            accounts.update_user(conn, name, role=forms.text(form, "role") or None,
                                 clerk=forms.text(form, "clerk"), disabled=forms.checkbox(form, "disabled"),
                                 password=pw or None)
        elif action == "delete":
            if name == me.name:
                raise accounts.AccountError("conflict", "you cannot remove yourself")
            accounts.delete_user(conn, name)
        else:
            raise forms.bad("unknown action")
    except accounts.AccountError as err:
        raise WebError(409 if err.code == "conflict" else 400, err.code, err.message) from None
    return redirect("/admin/users", "saved")


# ---- appointments (staff view) ------------------------------------------------------------------------

@router.get("/admin/appointments")
def appointments_page(request: Request, day: str = "") -> Response:
    require(request, *MANAGE)
    web = web_of(request)

    def read(e: Any) -> list[dict[str, Any]]:
        tz = ZoneInfo(e.state.settings.tz)
        out = []
        for a in sorted(e.state.appointments.values(), key=lambda a: a.at):
            d = a.to_dict()
            d["day"] = datetime.fromtimestamp(a.at, tz).date().isoformat()
            if not day or d["day"] == day:
                out.append(d)
        return out

    appts = web.read(read)
    for a in appts:
        a["sig"] = booking.sign(a["code"], web.key)
    return page(request, "admin_appointments.html", appointments=appts, services=services_list(request), day=day)


@router.post("/admin/appointments")
def appointments_action(request: Request, form: FormIn) -> Response:
    require(request, *MANAGE)
    check_csrf(request, form)
    web = web_of(request)
    action = forms.text(form, "action")
    if action == "cancel":
        web.call("admin.appointment_cancel", {"code": forms.text(form, "code", max_len=32)})
        return redirect("/admin/appointments", "cancelled")
    raise forms.bad("unknown action")


def layout_version(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]
