"""A report as tables: CSV (one table) or XLSX (a sheet per table).

Column labels go through the caller's ``gettext`` so a Hungarian manager gets
Hungarian headers. Durations are whole seconds; percentages have one decimal.

CSV is written as the reader's Excel opens it on a double click, which follows
the computer's regional settings, so it follows the language of the page:
Hungarian (``hu``) with ``;`` between fields and decimal commas (``12,5``),
English with ``,`` and decimal points. Both start with the UTF-8 byte order
mark (without it Excel shows ``Ăˇ`` for ``á``). Numbers, dates and times are
written by Babel in the reader's locale (``2026. 11. 23. 9:05:00`` /
``23/11/2026 09:05:00``), times in the office's time zone.

XLSX keeps numbers as numbers and days as dates (Excel formats them by its
own settings); each sheet is named for what it holds.
"""

from __future__ import annotations

import csv
import io
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from babel.numbers import format_decimal

Gettext = Callable[[str], str]


@dataclass
class Names:
    """What people call the ids in the facts: services, counters, clerks."""

    services: dict[str, str] = field(default_factory=dict)
    counters: dict[int, str] = field(default_factory=dict)
    clerks: dict[str, str] = field(default_factory=dict)


TABLES = ("summary", "services", "clerks", "hours", "days", "outcomes", "contacts")


def _get(row: dict[str, Any], path: str) -> Any:
    value: Any = row
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    if isinstance(value, float):
        return round(value, 1)
    if path == "day" and isinstance(value, str):
        return date.fromisoformat(value)  # a date, so XLSX holds a date and CSV writes it the reader's way
    return value


def _dist_cols(prefix: str, label: str, _: Gettext) -> list[tuple[str, str]]:
    return [(f"{prefix}.n", f"{label}: " + _("count")), (f"{prefix}.mean", f"{label}: " + _("mean (s)")),
            (f"{prefix}.median", f"{label}: " + _("median (s)")), (f"{prefix}.p90", f"{label}: " + _("p90 (s)")),
            (f"{prefix}.max", f"{label}: " + _("max (s)"))]


def columns(table: str, _: Gettext) -> list[tuple[str, str]]:
    wait, svc = _("Waiting time"), _("Service time")
    outcomes = [("issued", _("Issued")), ("served", _("Served")), ("no_show", _("No-show")),
                ("cancelled", _("Cancelled")), ("unserved", _("Unserved")), ("open", _("Open"))]
    if table == "services":
        return [("id", _("Service")), ("name", _("Name")), *outcomes, *_dist_cols("wait", wait, _),
                *_dist_cols("service", svc, _), ("sla_s", _("SLA target (s)")), ("sla_pct", _("SLA %")),
                ("fcr_pct", _("First-contact resolution %")), ("csat.pct", _("CSAT %")),
                ("csat.n", _("Feedback count"))]
    if table == "clerks":
        return [("id", _("Clerk")), ("name", _("Name")), ("contacts", _("Contacts")), ("finished", _("Finished")),
                ("served_cases", _("Served cases")), ("no_shows", _("No-shows")), ("transfers", _("Transfers")),
                *_dist_cols("service", svc, _), ("serving_s", _("Serving time (s)")),
                ("background_n", _("Background tasks")), ("background_s", _("Background time (s)")),
                ("logged_in_s", _("Logged in (s)")), ("paused_s", _("Paused (s)")),
                ("utilisation_pct", _("Utilisation %")), ("fcr_pct", _("First-contact resolution %")),
                ("csat.pct", _("CSAT %")), ("csat.n", _("Feedback count"))]
    if table == "hours":
        return [("hour", _("Hour")), ("issued", _("Issued")), ("calls", _("Calls")),
                *_dist_cols("wait", wait, _), *_dist_cols("service", svc, _)]
    if table == "days":
        return [("day", _("Day")), *outcomes, *_dist_cols("wait", wait, _), *_dist_cols("service", svc, _),
                ("sla_pct", _("SLA %")), ("csat.pct", _("CSAT %"))]
    if table == "summary":
        return [("key", _("Figure")), ("value", _("Value"))]
    if table == "outcomes":
        return [("code", _("Code")), ("name", _("Name")), ("resolved", _("Resolved")), ("cases", _("Cases")),
                ("tickets", _("Tickets"))]
    raise ValueError(f"unknown table {table!r}")


def summary_rows(report: dict[str, Any], _: Gettext) -> list[dict[str, Any]]:
    t = report["totals"]
    pairs = [
        (_("From"), date.fromisoformat(report["from"])), (_("To"), date.fromisoformat(report["to"])),
        (_("Issued"), t["issued"]), (_("Served"), t["served"]), (_("No-show"), t["no_show"]),
        (_("Cancelled"), t["cancelled"]), (_("Unserved"), t["unserved"]), (_("Open"), t["open"]),
        (_("Calls"), t["calls"]), (_("Transfers"), t["transfers"]), (_("Returns"), t["returns"]),
        (_("Waiting time") + ": " + _("mean (s)"), t["wait"]["mean"]),
        (_("Waiting time") + ": " + _("median (s)"), t["wait"]["median"]),
        (_("Waiting time") + ": " + _("p90 (s)"), t["wait"]["p90"]),
        (_("Service time") + ": " + _("mean (s)"), t["service"]["mean"]),
        (_("Service time") + ": " + _("median (s)"), t["service"]["median"]),
        (_("Service time") + ": " + _("p90 (s)"), t["service"]["p90"]),
        (_("SLA %"), t["sla_pct"]), (_("First-contact resolution %"), t["fcr_pct"]),
        (_("CSAT %"), t["csat"]["pct"]), (_("Feedback count"), t["csat"]["n"]),
        (_("NPS"), t.get("nps", {}).get("score")), (_("NPS answers"), t.get("nps", {}).get("n", 0)),
        (_("Background tasks"), t["background"]["n"]), (_("Background time (s)"), t["background"]["total_s"]),
    ]
    return [{"key": k, "value": round(v, 1) if isinstance(v, float) else v} for k, v in pairs]


def rows(report: dict[str, Any], table: str, _: Gettext) -> tuple[list[str], list[list[Any]]]:
    cols = columns(table, _)
    source = {"services": report["services"], "clerks": report["clerks"], "hours": report["hours"],
              "days": report["by_day"], "summary": summary_rows(report, _),
              "outcomes": report.get("outcomes", [])}[table]
    return [label for _k, label in cols], [[_get(r, key) for key, _l in cols] for r in source]


LOCALES = {"hu": "hu_HU", "en": "en_GB"}  # en_GB: day before month, 24-hour clock, as the office reads them


def locale_of(lang: str) -> str:
    return LOCALES.get(lang, "en_GB")


def csv_dialect(lang: str) -> tuple[str, str]:
    """(field separator, decimal mark) for CSV read by Excel in ``lang``'s regional settings."""
    return (";", ",") if lang == "hu" else (",", ".")


def csv_date(day: date, lang: str) -> str:
    """A day as the reader's Excel parses it: ``2026. 11. 23.`` / ``23/11/2026``."""
    return format_date(day, "yyyy. MM. dd." if lang == "hu" else "dd/MM/yyyy", locale=locale_of(lang))


def csv_datetime(ts: float | None, lang: str, tz: str) -> str:
    """An instant (epoch seconds) in the office's local time, as the reader's Excel parses it."""
    if ts is None:
        return ""
    dt = datetime.fromtimestamp(ts, ZoneInfo(tz))
    return f"{csv_date(dt.date(), lang)} {format_time(dt, 'HH:mm:ss', locale=locale_of(lang))}"


def csv_cell(value: Any, lang: str, places: int = 1) -> Any:
    if isinstance(value, bool) or value is None:
        return "" if value is None else int(value)
    if isinstance(value, float):
        # Babel writes the locale's decimal mark; no grouping, so Excel reads the figure as a number
        return format_decimal(round(value, places), format="0." + "#" * places, locale=locale_of(lang),
                              group_separator=False)
    if isinstance(value, date):
        return csv_date(value, lang)
    return value


def csv_text(header: Sequence[str], body: Sequence[Sequence[Any]], lang: str) -> str:
    sep, _decimal = csv_dialect(lang)
    buf = io.StringIO()
    buf.write("\ufeff")  # Excel reads UTF-8 (accents) only with the mark
    w = csv.writer(buf, delimiter=sep)
    w.writerow(header)
    for r in body:
        w.writerow([csv_cell(v, lang) for v in r])
    return buf.getvalue()


def to_csv(report: dict[str, Any], table: str, _: Gettext, lang: str = "en") -> str:
    header, body = rows(report, table, _)
    return csv_text(header, body, lang)


CONTACT_COLUMNS = ("ticket", "day", "service", "counter", "clerk", "queued_at", "called_at", "wait_s",
                   "started_at", "ended_at", "service_s", "outcome", "first", "implicit", "recalls")
TIMES = frozenset({"queued_at", "called_at", "started_at", "ended_at"})


def contact_header(_: Gettext) -> list[str]:
    return [_("Ticket"), _("Day"), _("Service"), _("Counter"), _("Clerk"), _("Joined the queue"), _("Called"),
            _("Waiting time (s)"), _("Service started"), _("Ended"), _("Service time (s)"), _("Outcome"),
            _("First call"), _("Finished by the next call"), _("Recalls")]


def contact_outcomes(_: Gettext) -> dict[str, str]:
    return {"open": _("in progress"), "finished": _("finished"), "no_show": _("did not come"),
            "transferred": _("transferred"), "parked": _("parked"), "closed": _("closed at day end")}


def contacts_csv(conn: sqlite3.Connection, start: str, end: str, lang: str = "en", *, _: Gettext = str,
                 tz: str = "Europe/Budapest", names: Names | None = None) -> Iterator[str]:
    """Every contact in the range, one row each (streamed): the raw facts behind the figures.

    ``names``: services (id → name), counters (number → name) and clerks (id → name), shown instead of ids.
    """
    names = names or Names()
    outcomes, yes, no = contact_outcomes(_), _("yes"), _("no")
    sep, _decimal = csv_dialect(lang)
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=sep)
    buf.write("\ufeff")
    w.writerow(contact_header(_))
    cur = conn.execute(f"SELECT {', '.join(CONTACT_COLUMNS)} FROM stat_contact WHERE day BETWEEN ? AND ?"
                       " ORDER BY day, id", [start, end])

    def cell(col: str, x: Any) -> Any:
        if col in TIMES:
            return csv_datetime(x, lang, tz)
        if col == "day":
            return csv_date(date.fromisoformat(x), lang)
        if col == "ticket":
            return str(x).rsplit("-", 1)[-1]  # the number the customer held: "A002"
        if col == "service":
            return names.services.get(x, x) if x else ""
        if col == "counter":
            return names.counters.get(x, str(x))
        if col == "clerk":
            return names.clerks.get(x, x) if x else ""
        if col == "outcome":
            return outcomes.get(x, x)
        if col in ("first", "implicit"):
            return yes if x else no
        return csv_cell(x, lang, 0)

    while True:
        chunk = cur.fetchmany(2000)
        if not chunk:
            break
        for r in chunk:
            w.writerow([cell(col, x) for col, x in zip(CONTACT_COLUMNS, r, strict=True)])
        yield buf.getvalue()
        buf.seek(0)
        buf.truncate()
    rest = buf.getvalue()
    if rest:
        yield rest


def sheet_names(_: Gettext) -> dict[str, str]:
    """Each sheet named for what it holds (``Hours`` alone reads as opening hours in Hungarian)."""
    return {"summary": _("Summary"), "services": _("By service"), "clerks": _("By clerk"),
            "hours": _("By hour of the day"), "days": _("By day"), "outcomes": _("By outcome code")}


def to_xlsx(report: dict[str, Any], _: Gettext, lang: str = "en") -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    names = sheet_names(_)
    day_format = "yyyy. mm. dd." if lang == "hu" else "dd/mm/yyyy"
    first = True
    for table, title in names.items():
        ws = wb.active if first else wb.create_sheet()
        first = False
        ws.title = title[:31]
        header, body = rows(report, table, _)
        ws.append(header)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for r in body:
            ws.append(r)
            for cell in ws[ws.max_row]:
                if isinstance(cell.value, date):
                    cell.number_format = day_format
        for i, label in enumerate(header, start=1):
            ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = max(10, min(40, len(label) + 2))
        ws.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
