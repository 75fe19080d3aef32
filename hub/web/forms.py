"""Form fields ↔ the engine's shapes (hours tables, profiles, minutes), shared by pages and API."""

from __future__ import annotations

import re
from typing import Any

from hub.web.security import WebError

_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–]\s*(\d{1,2}):(\d{2})\s*$")


def bad(message: str) -> WebError:
    return WebError(400, "bad_args", message)


def text(form: Any, name: str, default: str = "", max_len: int = 500) -> str:
    value = form.get(name)
    return (str(value).strip() if value is not None else default)[:max_len]


def integer(form: Any, name: str, default: int | None = None, lo: int = 0, hi: int = 10**9, label: str = "") -> int:
    raw = form.get(name)
    if raw is None or str(raw).strip() == "":
        if default is None:
            raise bad(f"{label or name}: required")
        return default
    try:
        value = int(str(raw).strip())
    except ValueError:
        raise bad(f"{label or name}: a whole number") from None
    if not lo <= value <= hi:
        raise bad(f"{label or name}: {lo}–{hi}")
    return value


def checkbox(form: Any, name: str) -> bool:
    return form.get(name) in ("on", "1", "true", "yes")


def parse_ranges(value: str) -> list[list[str]]:
    """"08:00-12:00, 13:00-16:00" → [["08:00", "12:00"], ["13:00", "16:00"]]; "" → []."""
    out = []
    for part in filter(None, (p.strip() for p in value.replace(";", ",").split(","))):
        m = _RANGE.match(part)
        if not m:
            raise bad(f"{part!r}: use HH:MM-HH:MM, e.g. 08:00-12:00")
        h1, m1, h2, m2 = (int(x) for x in m.groups())
        out.append([f"{h1:02d}:{m1:02d}", f"{h2:02d}:{m2:02d}"])
    return out


def hours_from_form(form: Any, prefix: str = "hours") -> dict[str, list[list[str]]]:
    """Seven inputs ``hours0`` … ``hours6``; all empty means "no table" (always open / the office's hours)."""
    table = {str(d): parse_ranges(text(form, f"{prefix}{d}")) for d in range(7)}
    if not any(table.values()):
        return {}
    return {d: r for d, r in table.items() if r}


def hours_to_form(hours: dict[str, list[list[str]]]) -> list[str]:
    return [", ".join(f"{a}-{b}" for a, b in hours.get(str(d), [])) for d in range(7)]


def profile_from_form(form: Any, services: list[str]) -> list[dict[str, int]]:
    """``w_<service>`` weights: 0 or empty leaves the service out."""
    out = []
    for sid in services:
        raw = text(form, f"w_{sid}")
        if not raw:
            continue
        try:
            weight = int(raw)
        except ValueError:
            raise bad(f"{sid}: a weight 0–100") from None
        if not 0 <= weight <= 100:
            raise bad(f"{sid}: a weight 0–100")
        if weight:
            out.append({"service": sid, "weight": weight})
    return out


def holidays_from_text(value: str) -> list[str]:
    """Dates, one a line (or separated by spaces, commas); anything after a date on its line
    (the day's name the page lists) is a comment. Empty text means no dates."""
    from datetime import date

    out = []
    for line in value.splitlines():
        for part in filter(None, (p.strip() for p in re.split(r"[\s,;]+", line.split("#")[0]))):
            try:
                if not re.match(r"^\d{4}-\d{2}-\d{2}$", part):
                    raise ValueError(part)
                date.fromisoformat(part)
            except ValueError:
                raise bad(f"{part!r}: a date as YYYY-MM-DD") from None
            out.append(part)
    return sorted(set(out))


def day(value: str) -> str:
    """A YYYY-MM-DD date as given, or 400."""
    from datetime import date

    try:
        if len(value) != 10:
            raise ValueError(value)
        date.fromisoformat(value)
    except ValueError:
        raise bad("day: a date as YYYY-MM-DD") from None
    return value


def timestamp(value: float) -> float:
    """A point in time (seconds since 1970) between 2000 and 2100, or 400."""
    if not 946_684_800 <= value <= 4_102_444_800:  # also refuses NaN and infinities
        raise bad("at: a time")
    return value


def signed_code(code: str, sig: str) -> bool:
    """Whether a code and its signature could be an appointment's (ASCII, short); checked before the HMAC."""
    return 0 < len(code) <= 32 and code.isascii() and code.isalnum() and 0 < len(sig) <= 128 and sig.isascii()
