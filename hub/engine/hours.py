"""Opening hours and office-local dates, from an IANA time zone (stdlib only)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from hub.engine import holidays_hu

Hours = dict[str, list[list[str]]]


def local(now: float, tz: str) -> datetime:
    return datetime.fromtimestamp(now, ZoneInfo(tz))


def day_of(now: float, tz: str) -> str:
    return local(now, tz).date().isoformat()


def _minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def validate(hours: Hours) -> None:
    """Raise ValueError for a malformed table (weekday keys 0–6, "HH:MM" ranges)."""
    for key, ranges in hours.items():
        if key not in {str(d) for d in range(7)}:
            raise ValueError(f"weekday must be 0 (Monday) … 6 (Sunday), not {key!r}")
        for rng in ranges:
            if len(rng) != 2:
                raise ValueError(f"a range is [start, end], not {rng!r}")
            start, end = (_minutes(x) for x in rng)
            if not (0 <= start < end <= 24 * 60):
                raise ValueError(f"bad range {rng!r}")


def weekday_of(day: date, workdays: Collection[str] = ()) -> int:
    """Whose hours a day keeps: its own weekday, or for a worked weekend day (a decreed moved
    working day) the weekday it stands in for — Friday when that is not known."""
    iso = day.isoformat()
    if day.weekday() >= 5 and iso in workdays:
        rest = holidays_hu.REPLACES.get(iso)
        return date.fromisoformat(rest).weekday() if rest else 4
    return day.weekday()


def is_open(hours: Hours, holidays: Collection[str], now: float, tz: str, workdays: Collection[str] = ()) -> bool:
    """Empty hours mean always open; a listed holiday means closed all day."""
    t = local(now, tz)
    if t.date().isoformat() in holidays:
        return False
    if not hours:
        return True
    minute = t.hour * 60 + t.minute
    return any(_minutes(a) <= minute < _minutes(b) for a, b in hours.get(str(weekday_of(t.date(), workdays)), []))


def today_text(hours: Hours, now: float, tz: str, workdays: Collection[str] = ()) -> str:
    """ "08:00–12:00, 13:00–18:00" for today, "" when closed all day or always open."""
    ranges = hours.get(str(weekday_of(local(now, tz).date(), workdays)), [])
    return ", ".join(f"{a}–{b}" for a, b in ranges)


def next_opening(hours: Hours, holidays: Collection[str], now: float, tz: str,
                 workdays: Collection[str] = ()) -> float | None:
    """Epoch seconds of the next opening within two weeks (None if never)."""
    if not hours:
        return None
    start = local(now, tz)
    for offset in range(15):
        day = (start + timedelta(days=offset)).date()
        if day.isoformat() in holidays:
            continue
        for a, _ in sorted(hours.get(str(weekday_of(day, workdays)), [])):
            h, m = (int(x) for x in a.split(":"))
            at = datetime(day.year, day.month, day.day, h, m, tzinfo=start.tzinfo)
            if at > start:
                return at.timestamp()
    return None
