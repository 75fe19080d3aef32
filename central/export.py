"""Exports as a spreadsheet opens them: CSV for the reader's Excel, XLSX with bold, frozen headers.

CSV follows the language of the page, as Excel does with its regional settings:

* Hungarian (``hu``): fields separated by ``;`` and decimal commas (``12,5``) —
  what Excel with Hungarian regional settings reads as columns and numbers
  when the file is opened by double click;
* English (``en``): ``,`` and decimal points.

Both start with the UTF-8 byte order mark; the CSV writer is the hub's own
(:mod:`hub.stats.export`), so both read the same in Excel. Header labels come
translated from the caller; the rows are the hub's own (``hub.stats.export.rows``)
for one office, or one row per office across offices.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import Any

from hub.stats.export import csv_dialect, csv_text

__all__ = ["csv_dialect", "csv_text", "offices_table", "total_row", "xlsx_bytes"]

Gettext = Callable[[str], str]

OFFICE_COLUMNS = ("issued", "served", "no_show", "cancelled", "unserved", "open", "called", "wait_mean_s",
                  "wait_max_s")


def xlsx_bytes(sheets: Sequence[tuple[str, Sequence[str], Sequence[Sequence[Any]]]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    for i, (title, header, rows) in enumerate(sheets):
        ws = wb.active if i == 0 else wb.create_sheet()
        ws.title = title[:31]
        ws.append(list(header))
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for r in rows:
            ws.append(list(r))
        for j, label in enumerate(header, start=1):
            ws.column_dimensions[ws.cell(row=1, column=j).column_letter].width = max(10, min(40, len(label) + 2))
        ws.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def total_row(per_site: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    """All offices together: counts summed, the mean wait weighted by the tickets called."""
    if not per_site:
        return None
    rows = list(per_site.values())
    out: dict[str, Any] = {c: sum(r[c] for r in rows) for c in OFFICE_COLUMNS[:7]}
    waited = sum((r["wait_mean_s"] or 0) * r["called"] for r in rows)
    out["wait_mean_s"] = round(waited / out["called"], 1) if out["called"] else None
    maxima = [r["wait_max_s"] for r in rows if r["wait_max_s"] is not None]
    out["wait_max_s"] = max(maxima) if maxima else None
    return out


def offices_table(per_site: dict[str, dict[str, Any]], _: Gettext) -> tuple[list[str], list[list[Any]]]:
    """Across offices: one row per office (id, name, counts, waits in seconds); no total row, so that
    summing a column in the spreadsheet gives the total."""
    header = [_("Office id"), _("Office"), _("Issued"), _("Served"), _("No-show"), _("Cancelled"), _("Unserved"),
              _("Open"), _("Called"), _("Mean wait of those called (s)"), _("Longest wait until called (s)")]
    return header, [[site, r["name"], *(r[c] for c in OFFICE_COLUMNS)] for site, r in per_site.items()]
