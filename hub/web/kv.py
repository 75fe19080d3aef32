"""The web app's own settings (booking rules, ticket layout, playlist) in ``web_kv``, and their publishing."""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import time
import tomllib
from typing import Any

from hub import media
from sorra.ticket.template import DEFAULT_TEMPLATE

log = logging.getLogger(__name__)

BOOKING_DEFAULTS = {"enabled": True, "days_ahead": 30, "min_lead_min": 60, "services": []}
LAYOUT_KEY = "ticket_layout"
DEFAULT_LAYOUT = DEFAULT_TEMPLATE  # the kiosk's built-in layout: one file for both
BLOCK_TYPES = {"logo", "text", "services", "rule", "qr", "feed", "cut"}
BLOCK_KEYS = {"type", "text", "align", "bold", "size", "font", "when", "lines", "info", "char", "module"}


class KvError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def get(conn: sqlite3.Connection, key: str, default: Any = None) -> Any:
    row = conn.execute("SELECT value FROM web_kv WHERE key = ?", [key]).fetchone()
    return json.loads(row[0]) if row else default


def put(conn: sqlite3.Connection, key: str, value: Any) -> None:
    with conn:
        conn.execute("INSERT INTO web_kv(key, value, changed_at) VALUES (?,?,?) ON CONFLICT(key) DO UPDATE"
                     " SET value = excluded.value, changed_at = excluded.changed_at",
                     [key, json.dumps(value, ensure_ascii=False), time.time()])


# ---- booking ---------------------------------------------------------------------------

def booking(conn: sqlite3.Connection) -> dict[str, Any]:
    return {**BOOKING_DEFAULTS, **(get(conn, "booking", {}) or {})}


def set_booking(conn: sqlite3.Connection, data: dict[str, Any]) -> dict[str, Any]:
    out = booking(conn)
    if "enabled" in data:
        out["enabled"] = bool(data["enabled"])
    if "days_ahead" in data:
        if not 0 <= int(data["days_ahead"]) <= 365:
            raise KvError("bad_args", "days ahead: 0–365")
        out["days_ahead"] = int(data["days_ahead"])
    if "min_lead_min" in data:
        if not 0 <= int(data["min_lead_min"]) <= 7 * 24 * 60:
            raise KvError("bad_args", "minimum notice: 0–10080 minutes")
        out["min_lead_min"] = int(data["min_lead_min"])
    if "services" in data:
        out["services"] = [str(s) for s in data["services"]]
    put(conn, "booking", out)
    return out


# ---- ticket layout -----------------------------------------------------------------------

def default_layout() -> str:
    return DEFAULT_LAYOUT.read_text(encoding="utf-8")


def layout(conn: sqlite3.Connection) -> str:
    """The office's ticket layout (TOML); empty means the kiosk's built-in one."""
    return get(conn, LAYOUT_KEY, "") or ""


def parse_layout(text: str) -> list[dict[str, Any]]:
    """Check a layout the way the kiosk reads it; KvError names the block and the problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise KvError("bad_args", f"not valid TOML: {err}") from None
    blocks = data.get("block")
    if set(data) - {"block"} or not isinstance(blocks, list) or not blocks:
        raise KvError("bad_args", "a layout is a list of [[block]] tables")
    for i, b in enumerate(blocks, start=1):
        if not isinstance(b, dict) or b.get("type") not in BLOCK_TYPES:
            raise KvError("bad_args", f"block {i}: type must be one of {', '.join(sorted(BLOCK_TYPES))}")
        unknown = set(b) - BLOCK_KEYS
        if unknown:
            raise KvError("bad_args", f"block {i}: unknown key {sorted(unknown)[0]!r}")
        size = b.get("size", 1)
        if not isinstance(size, int) or not 1 <= size <= 8:
            raise KvError("bad_args", f"block {i}: size 1–8")
    return blocks


def set_layout(conn: sqlite3.Connection, text: str) -> str:
    text = text.replace("\r\n", "\n").strip()
    if text:
        parse_layout(text)
        text += "\n"
    put(conn, LAYOUT_KEY, text)
    return text


def publish_layout(web: Any) -> int:
    """Send the layout to every kiosk (retained ``state/config/{device}``); returns how many."""
    hub = web.hub
    if hub.bus is None:
        return 0
    text = layout(web.db())
    payload = {"ticket_template": text, "ticket_template_version": hashlib.sha256(text.encode()).hexdigest()[:16]}
    kiosks = _kiosks(web)
    for device in kiosks:
        hub.bus.publish_device_config(device, payload)
    return len(kiosks)


def _kiosks(web: Any) -> list[str]:
    return [r[0] for r in web.db().execute("SELECT id FROM devices WHERE role = 'kiosk' ORDER BY id")]


# ---- playlist -----------------------------------------------------------------------------

def playlist_payload(web: Any) -> dict[str, Any]:
    conn = web.db()
    kinds = {r[0]: r[1] for r in conn.execute("SELECT sha256, kind FROM media")}
    return media.playlist_state(media.load_playlist(conn), web.public_url, kinds)


def publish_playlist(web: Any) -> dict[str, Any] | None:
    bus = web.hub.bus
    if bus is None or not hasattr(bus, "publish_playlist"):
        return None
    payload = playlist_payload(web)
    bus.publish_playlist(payload)
    return payload
