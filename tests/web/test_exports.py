"""Exports opened the way a Hungarian manager's Excel opens them: CSV by double click (UTF-8 with the byte
order mark, ``;`` between fields, decimal commas, dates it recognises), XLSX read back with openpyxl."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from pathlib import Path

from openpyxl import load_workbook

from hub.stats import current
from hub.stats.export import Names, contacts_csv, to_csv, to_xlsx
from hub.web.i18n import translator
from tests.web.test_stats import DAY1, Office, report, scenario

HU = translator("hu").gettext
EN = translator("en").gettext
HU_DAY = re.compile(r"^\d{4}\. \d{2}\. \d{2}\.$")  # "2026. 11. 23.": Hungarian Excel reads it as a date
HU_TIME = re.compile(r"^\d{4}\. \d{2}\. \d{2}\. \d{2}:\d{2}:\d{2}$")


def excel_hu(text: str) -> list[list[str]]:
    """What Hungarian Excel does on a double click: needs the BOM for UTF-8, splits on ``;``."""
    assert text.startswith("\ufeff"), "without the byte order mark Excel shows Ăˇ for á"
    rows = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    assert all(len(r) == len(rows[0]) for r in rows), "a row split into other columns"
    return rows


def hu_number(cell: str) -> float:
    """A cell as Hungarian Excel parses a number: a decimal comma, no point, no grouping."""
    assert "." not in cell and " " not in cell, cell
    return float(cell.replace(",", "."))


def office(tmp_path: Path) -> Office:
    return scenario(tmp_path / "sorra.db")


def test_report_csv_reads_as_numbers_and_dates_in_hungarian_excel(tmp_path: Path) -> None:
    o = office(tmp_path)
    try:
        r = report(o, DAY1, DAY1)
        services = excel_hu(to_csv(r, "services", HU, "hu"))
        assert services[0][:4] == ["Ügytípus", "Név", "Kiadva", "Kiszolgálva"]
        a = dict(zip(services[0], services[1], strict=True))
        assert a["Név"] == "Okmány"
        mean = a[HU("Waiting time") + ": " + HU("mean (s)")]
        assert hu_number(mean) == 264
        sla = a[HU("SLA %")]
        assert hu_number(sla) == 80.0
        clerks = excel_hu(to_csv(r, "clerks", HU, "hu"))
        util = dict(zip(clerks[0], clerks[1], strict=True))[HU("Utilisation %")]
        assert "," in util and 3.0 < hu_number(util) < 4.0  # 3,4 %: a decimal comma, not "3.4"
        days = excel_hu(to_csv(r, "days", HU, "hu"))
        assert days[0][0] == "Nap" and HU_DAY.match(days[1][0]) and days[1][0] == "2026. 11. 23."
        summary = excel_hu(to_csv(r, "summary", HU, "hu"))
        assert summary[0] == ["Mutató", "Érték"] and summary[1] == [HU("From"), "2026. 11. 23."]
        en = to_csv(r, "days", EN, "en").lstrip("\ufeff").splitlines()
        assert en[0].startswith("Day,") and en[1].startswith("23/11/2026,")
    finally:
        o.store.close()


def test_contacts_csv_has_hungarian_headers_names_and_local_times(tmp_path: Path) -> None:
    o = office(tmp_path)
    try:
        names = Names(services={"A": "Okmány", "B": "Adó"}, counters={1: "Ablak 1", 2: "Ablak 2"},
                      clerks={"anna": "Kiss Anna", "bela": "Nagy Béla"})
        text = "".join(contacts_csv(current(o.store.db.conn), DAY1, DAY1, "hu", _=HU, tz="Europe/Budapest",
                                    names=names))
        rows = excel_hu(text)
        head = rows[0]
        assert head[:5] == ["Sorszám", "Nap", "Ügytípus", "Ablak", "Ügyintéző"]
        assert all(re.search(r"[a-z]_[a-z]", h) is None for h in head), head  # no column ids
        first = dict(zip(head, rows[1], strict=True))
        assert (first["Sorszám"], first["Ügytípus"], first["Ablak"], first["Ügyintéző"]) == \
            ("A001", "Okmány", "Ablak 1", "Kiss Anna")
        called = first[HU("Called")]
        assert HU_TIME.match(called) and called == "2026. 11. 23. 09:05:00"  # the office's clock, not epoch
        assert hu_number(first[HU("Waiting time (s)")]) == 300
        assert first[HU("Outcome")] == "befejezve"
        outcomes = {dict(zip(head, r, strict=True))[HU("Outcome")] for r in rows[1:]}
        assert "nem jelent meg" in outcomes and "átirányítva" in outcomes
        for r in rows[1:]:
            for cell in r:
                assert not re.fullmatch(r"1\d{9}(\.\d+)?", cell), f"epoch time {cell}"
    finally:
        o.store.close()


def test_xlsx_sheets_are_named_for_what_they_hold_with_numbers_and_dates(tmp_path: Path) -> None:
    o = office(tmp_path)
    try:
        wb = load_workbook(io.BytesIO(to_xlsx(report(o, DAY1, DAY1), HU, "hu")))
        assert wb.sheetnames == ["Összesítő", "Ügytípusonként", "Ügyintézőnként", "Óránként", "Naponként", "Eredménykódonként"]
        assert "Nyitvatartás" not in wb.sheetnames  # "Hours" read as opening hours
        hours = wb["Óránként"]
        assert (hours["A1"].value, hours["B1"].value) == ("Óra", "Kiadva")
        assert (hours["A11"].value, hours["B11"].value) == (9, 5)  # 9 o'clock: five tickets, a number
        days = wb["Naponként"]
        assert days["A1"].value == "Nap"
        assert isinstance(days["A2"].value, datetime) and days["A2"].value.date().isoformat() == DAY1
        assert days["A2"].is_date
        services = wb["Ügytípusonként"]
        head = [c.value for c in services[1]]
        row = dict(zip(head, [c.value for c in services[2]], strict=True))
        assert isinstance(row["Kiadva"], int) and row[HU("SLA %")] == 80.0  # numbers, not text
        summary = wb["Összesítő"]
        assert summary["A2"].value == HU("From") and summary["B2"].is_date
    finally:
        o.store.close()
