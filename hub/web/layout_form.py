"""The ticket layout as a form (one row per block) and its preview, drawn by the kiosk's own layout code.

Rows are posted as ``b{i}_{field}`` (``b0_type``, ``b0_text_hu`` …) in print
order; :func:`blocks_from_form` turns them back into the layout's blocks and
:func:`to_toml` into the TOML the kiosks read, so the form and the text editor
save the same thing. :func:`preview_png` renders a sample ticket with
:mod:`sorra.ticket.image` — the same walk over the blocks the kiosk prints.
"""

from __future__ import annotations

import tomllib
from dataclasses import replace
from datetime import datetime
from typing import Any

import tomli_w

from sorra.ticket.data import TicketLine, sample_ticket
from sorra.ticket.template import CONDITIONS, TemplateError, parse_template

MAX_BLOCKS = 60
TYPES = ("logo", "text", "services", "rule", "qr", "feed", "cut")
ALIGNS = ("left", "center", "right")
DEFAULTS: dict[str, Any] = {"align": "left", "bold": False, "size": 1, "font": "a", "when": "", "lines": 1,
                            "info": True, "char": "-", "module": 6}


def when_choices() -> list[str]:
    """Every condition and its opposite ("ahead", "!ahead" …), empty first (always printed)."""
    return ["", *(c for name in CONDITIONS for c in (name, "!" + name))]


def _int(value: Any, default: int, lo: int, hi: int) -> int:
    try:
        return max(lo, min(hi, int(str(value).strip())))
    except (TypeError, ValueError):
        return default


def blocks_from_form(form: Any) -> list[dict[str, Any]]:
    """The posted rows as layout blocks, in order; rows marked removed or without a known type are left out."""
    indexes = sorted({int(k[1:].split("_", 1)[0]) for k in form.keys()
                      if k.startswith("b") and "_" in k and k[1:].split("_", 1)[0].isdigit()})
    out: list[dict[str, Any]] = []
    for i in indexes[:MAX_BLOCKS]:
        def get(name: str, default: str = "", i: int = i) -> str:
            value = form.get(f"b{i}_{name}")
            return str(value).strip() if value is not None else default

        kind = get("type")
        if kind not in TYPES or get("remove"):
            continue
        b: dict[str, Any] = {"type": kind}
        if kind in ("text", "qr"):
            hu, en = get("text_hu")[:500], get("text_en")[:500]
            if hu or en:
                b["text"] = hu if hu == en or not en else ({"hu": hu, "en": en} if hu else {"en": en})
        if kind in ("text", "services"):
            b["align"] = get("align") if get("align") in ALIGNS else "left"
            b["size"] = _int(get("size"), 1, 1, 8)
        if kind == "text":
            b["bold"] = bool(get("bold"))
            b["font"] = "b" if get("font") == "b" else "a"
        if kind == "services":
            b["info"] = get("info", "1") not in ("", "0")
        if kind == "feed":
            b["lines"] = _int(get("lines"), 1, 1, 20)
        if kind == "qr":
            b["module"] = _int(get("module"), 6, 1, 16)
        if kind == "rule":
            b["char"] = (get("char") or "-")[:1]
        when = get("when")
        if when in when_choices() and when:
            b["when"] = when
        out.append({k: v for k, v in b.items() if k == "type" or v != DEFAULTS.get(k)})
    return out


def to_toml(blocks: list[dict[str, Any]]) -> str:
    return tomli_w.dumps({"block": blocks}) if blocks else ""


def rows(text: str) -> list[dict[str, Any]]:
    """The layout's blocks as form rows (every field filled, texts split by language)."""
    try:
        blocks = tomllib.loads(text).get("block") or []
    except tomllib.TOMLDecodeError:
        return []
    out = []
    for b in blocks:
        if not isinstance(b, dict):
            continue
        t = b.get("text", "")
        hu, en = (t.get("hu", ""), t.get("en", "")) if isinstance(t, dict) else (t, t)
        out.append({**DEFAULTS, **b, "text_hu": hu, "text_en": en})
    return out


def sample(lang: str, office: str, services: list[tuple[str, str]], base_url: str) -> Any:
    """The sample ticket of the preview: this office, its first services, the time now."""
    t = sample_ticket(lang, datetime.now())
    lines = tuple(TicketLine(name, info) for name, info in services[:2]) or t.services
    return replace(t, office=office or t.office, services=lines, status_url=f"{base_url}/t/MINTA")


def preview_png(text: str, ticket: Any) -> bytes:
    """The ticket as the kiosk prints ``text``; TemplateError when the layout is not usable."""
    # Pillow and qrcode are ~4.5 MB of the hub's RSS: loaded by the first preview, not at start.
    from sorra.ticket.image import ticket_png

    return ticket_png(parse_template(text, "layout"), ticket)


__all__ = ["TemplateError", "blocks_from_form", "preview_png", "rows", "sample", "to_toml", "when_choices"]
