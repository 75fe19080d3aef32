"""The web admin's capacity page: the office's own weeks as a scenario, variants side by side."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from hub.simulate import parse
from tests.simulate.history import seed_history
from tests.web.conftest import Client, client, web_hub  # noqa: F401 (fixtures)


@pytest.fixture(scope="module")
def history(web_hub: Any) -> int:  # noqa: F811
    web = web_hub.hub.web.app.state.web
    today = datetime.fromtimestamp(web_hub.hub.clock(), ZoneInfo(web.settings.tz)).date()
    return seed_history(web.db(), today, {"A": (420.0, 180.0), "B": (240.0, 100.0)},
                        {"A": {8: 9, 9: 14, 10: 12, 11: 9, 12: 8, 13: 6},
                         "B": {8: 5, 9: 6, 10: 6, 11: 5, 12: 4, 13: 3}})


def test_the_page_compares_variants_from_the_office_history(history: int, client: Client) -> None:  # noqa: F811
    assert history > 500
    client.login("manager")
    r = client.get("/capacity?lang=en&extra=2&start=09:00&end=11:00")
    assert r.status_code == 200, r.text
    html = r.text
    assert "Capacity planning" in html
    assert re.search(r"Built from\s+20 days", html)  # four weeks of working days
    assert "#1" in html and "#2" in html and "#3" in html  # as now, +2 counters, a rule on
    assert "+2 (09:00–11:00" in html and "With a priority rule" in html
    assert html.count("<svg") >= 3 and "<polyline" in html
    means = re.findall(r'<div class="v">([0-9:]+)</div><div class="l">mean wait', html)
    assert len(means) == 3

    def secs(t: str) -> int:
        parts = [int(x) for x in t.split(":")]
        return parts[-1] + 60 * parts[-2] + (3600 * parts[0] if len(parts) == 3 else 0)

    assert secs(means[1]) < secs(means[0])  # two more counters at 9–11 shorten the wait


def test_the_page_speaks_hungarian(history: int, client: Client) -> None:  # noqa: F811
    client.login("manager")
    html = client.get("/capacity?lang=hu").text
    assert "Kapacitástervezés" in html and "Egymás mellett" in html


def test_the_scenario_downloads_for_sorra_simulate(history: int, client: Client) -> None:  # noqa: F811
    client.login("manager")
    r = client.get("/capacity/scenario.toml?weeks=4")
    assert r.status_code == 200
    scenario = parse(r.text, "office.toml")
    assert {s.id for s in scenario.services} == {"A", "B"}
    a = next(s for s in scenario.services if s.id == "A")
    assert 330 < a.mean_s < 510  # measured, not the configured prior (300 s)
    assert {c.number for c in scenario.counters} == {1, 2}


def test_clerks_may_not_plan_and_bad_values_are_refused(history: int, client: Client) -> None:  # noqa: F811
    client.login("clerk")
    assert client.get("/capacity").status_code == 403
    client.login("manager")
    assert client.get("/capacity?weeks=99").status_code == 400
    assert client.get("/capacity?start=11:00&end=09:00").status_code == 400


def test_a_day_without_history_says_so(history: int, client: Client) -> None:  # noqa: F811
    client.login("manager")
    html = client.get("/capacity?lang=en&weekday=6").text  # the made-up history has no Sundays
    assert 'id="no-data"' in html and "<svg" not in html
