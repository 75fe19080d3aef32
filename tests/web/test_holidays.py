"""Closed days: a new office knows Hungary's public holidays and moved working days, booking never
offers a closed day, and the settings page says honestly what is set."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from hub import booking
from hub.engine import EngineError, holidays_hu
from hub.engine.model import Settings
from hub.web.forms import holidays_from_text
from tests.engine.helpers import Clock, office
from tests.web.conftest import Client


def test_easter_and_the_holidays_of_a_year() -> None:
    assert [holidays_hu.easter(y) for y in (2024, 2025, 2026, 2027)] == [
        date(2024, 3, 31), date(2025, 4, 20), date(2026, 4, 5), date(2027, 3, 28)]
    closed = holidays_hu.closed_days(2026)
    assert {"2026-01-01", "2026-01-02", "2026-03-15", "2026-04-03", "2026-04-06", "2026-05-01", "2026-05-25",
            "2026-08-20", "2026-08-21", "2026-10-23", "2026-11-01", "2026-12-24", "2026-12-25",
            "2026-12-26"} <= set(closed)
    assert closed["2026-04-03"] == "Good Friday" and holidays_hu.name_of("2026-01-10") == "Moved working day"


def test_a_new_office_is_closed_on_holidays_and_booking_never_offers_them() -> None:
    s = Settings()
    assert {"2025-12-24", "2025-12-25", "2025-12-26", "2026-01-01"} <= set(s.holidays)
    assert "2025-12-13" in s.workdays  # the Saturday worked for 24 December 2025
    clock = Clock("2025-12-10T09:00:00+01:00")
    e = office(clock)
    days = {d["day"]: d for d in booking.days(e.state, "A", clock(), days_ahead=30)}
    for closed in ("2025-12-24", "2025-12-25", "2025-12-26", "2026-01-01"):
        assert days[closed]["free"] == 0 and days[closed]["holiday"], closed
    assert days["2025-12-23"]["free"] > 0  # an ordinary Tuesday
    assert days["2025-12-13"]["free"] > 0 and days["2025-12-20"]["free"] == 0  # worked Saturday, plain Saturday
    with pytest.raises(EngineError):  # nor can it be booked by hand (the API, a stale page)
        booking._check_slot(e, "A", date_at("2025-12-24T09:00:00+01:00"))
    booking._check_slot(e, "A", date_at("2025-12-23T09:00:00+01:00"))  # an open day is fine
    clock.now = date_at("2025-12-25T10:00:00+01:00")
    assert not e.office_open()


def date_at(iso: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(iso).timestamp()


def test_the_field_means_what_it_shows() -> None:
    assert holidays_from_text("") == []
    assert holidays_from_text("2026-12-24\n2026-12-25 # Karácsony\n") == ["2026-12-24", "2026-12-25"]


def test_the_settings_page_lists_what_is_set(web_hub: Any, client: Client) -> None:
    client.login("manager")
    html = client.get("/admin/settings?lang=hu").text
    assert 'placeholder="2026' not in html  # no example dates that look like saved ones
    assert "Beállított zárva tartó napok a következő egy évben" in html and "Karácsony" in html
    web_hub.admin.set_office(holidays=[], workdays=[])
    html = client.get("/admin/settings?lang=hu").text
    assert "A következő egy évre nincs zárva tartó nap beállítva" in html
    assert '<textarea id="holidays" name="holidays" rows="6"></textarea>' in html
    # One button brings the shipped days back (its own form: nothing else of the page is saved)
    csrf = client.form_csrf("/admin/settings")
    r = client.post("/admin/settings", data={"csrf": csrf, "action": "add_hu_holidays"})
    assert r.status_code in (200, 303)
    s = web_hub.hub.worker.run_in_worker(lambda e: e.state.settings)
    assert {"2026-12-24", "2026-12-25", "2027-01-01"} <= set(s.holidays) and "2026-12-12" in s.workdays
    assert s.office_names["en"] == "Test Government Window"  # untouched


def test_empty_opening_hours_show_no_example_that_looks_saved(web_hub: Any, client: Client) -> None:
    client.login("manager")
    web_hub.admin.set_office(hours={})
    html = client.get("/admin/settings?lang=hu").text
    assert 'placeholder="08:00' not in html
    assert "Nincs nyitvatartás beállítva: az iroda mindig nyitva van." in html
