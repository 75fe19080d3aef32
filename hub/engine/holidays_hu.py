"""Hungarian public holidays and the decreed moved working days: the default closed days of an office.

Sources: the Labour Code (2012. évi I. törvény, 102. §) for the public holidays — 1 January,
15 March, Good Friday, Easter Sunday and Monday, 1 May, Whit Sunday and Monday, 20 August,
23 October, 1 November, 25 and 26 December — and, for the moved rest days and the Saturdays
worked in exchange, the minister's yearly decree on the working-time arrangement (published in
Magyar Közlöny; listed below for the years it is known here). 24 December is listed as closed
every year: it was a decreed rest day in 2024–2026 and offices close on Christmas Eve anyway.

These are only the default of a new office: the manager edits the list on the settings page
(holidays, and the worked Saturdays), e.g. when a later decree moves days.
"""

from __future__ import annotations

from datetime import date, timedelta

FIRST_YEAR, LAST_YEAR = 2024, 2030
"""The years a new office gets by default."""

# Decreed: rest day → the Saturday worked in exchange.
MOVED: dict[int, dict[str, str]] = {
    2024: {"2024-08-19": "2024-08-03", "2024-12-24": "2024-12-07", "2024-12-27": "2024-12-14"},
    2025: {"2025-05-02": "2025-05-17", "2025-10-24": "2025-10-18", "2025-12-24": "2025-12-13"},
    2026: {"2026-01-02": "2026-01-10", "2026-08-21": "2026-08-08", "2026-12-24": "2026-12-12"},
}

# Worked Saturday → the weekday whose opening hours it keeps (the rest day it stands in for).
REPLACES: dict[str, str] = {sat: rest for year in MOVED.values() for rest, sat in year.items()}


def easter(year: int) -> date:
    """Easter Sunday (Gregorian; the anonymous algorithm of Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    x = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * x) // 451
    month, day = divmod(h + x - 7 * m + 114, 31)
    return date(year, month, day + 1)


def public_holidays(year: int) -> dict[str, str]:
    """Date → name (English; the web translates), for the public holidays (and Christmas Eve) of ``year``."""
    e = easter(year)
    days = {
        date(year, 1, 1): "New Year's Day",
        date(year, 3, 15): "National holiday",
        e - timedelta(days=2): "Good Friday",
        e: "Easter Sunday",
        e + timedelta(days=1): "Easter Monday",
        date(year, 5, 1): "Labour Day",
        e + timedelta(days=49): "Whit Sunday",
        e + timedelta(days=50): "Whit Monday",
        date(year, 8, 20): "State Foundation Day",
        date(year, 10, 23): "National holiday",
        date(year, 11, 1): "All Saints' Day",
        date(year, 12, 24): "Christmas Eve",
        date(year, 12, 25): "Christmas Day",
        date(year, 12, 26): "Second day of Christmas",
    }
    return {d.isoformat(): name for d, name in sorted(days.items())}


def closed_days(year: int) -> dict[str, str]:
    """Date → reason: public holidays and the decreed rest days of ``year``."""
    out = public_holidays(year)
    for rest in MOVED.get(year, {}):
        out.setdefault(rest, "Moved rest day")
    return dict(sorted(out.items()))


def default_holidays() -> list[str]:
    return sorted(d for y in range(FIRST_YEAR, LAST_YEAR + 1) for d in closed_days(y))


def default_workdays() -> list[str]:
    return sorted(sat for y in range(FIRST_YEAR, LAST_YEAR + 1) for sat in MOVED.get(y, {}).values())


def name_of(day: str) -> str:
    """The name (English msgid) of a default closed day or worked Saturday ("" for other dates)."""
    year = int(day[:4])
    if day in REPLACES:
        return "Moved working day"
    return closed_days(year).get(day, "")
