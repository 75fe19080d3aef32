"""The NPS survey of a finished visit (/f/{token}) and NPS beside CSAT in the statistics."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from hub.web.routes_survey import survey_url
from tests.hub_fixture import TestHub
from tests.web.conftest import Client, setup_office


@pytest.fixture(scope="module")
def web_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestHub]:
    hub = TestHub(tmp_path_factory.mktemp("survey") / "hub", web=True).start()
    setup_office(hub)
    hub.admin.counter(1, "clerk.login", {"clerk": "anna", "pin": "1234"})
    yield hub
    hub.close_clients()
    hub.stop()


def _visit(hub: TestHub, *, finish: bool = True) -> dict[str, Any]:
    ticket = hub.admin.call("admin.ticket_issue", {"services": ["A"]})["ticket"]
    if finish:
        hub.admin.counter(1, "counter.call_next")
        hub.admin.counter(1, "counter.finish")
    return ticket


def _answer(http: httpx.Client, token: str, score: str) -> httpx.Response:
    form = http.get("/login")  # a visitor's token (the survey form is gone once answered)
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert csrf, form.text
    return http.post(f"/f/{token}", data={"csrf": csrf.group(1), "score": score})


def test_a_citizen_answers_once_and_the_report_shows_nps_beside_csat(web_hub: TestHub) -> None:
    base = f"http://127.0.0.1:{web_hub.http_port}"
    promoter, detractor, waiting = _visit(web_hub), _visit(web_hub), _visit(web_hub, finish=False)
    assert survey_url("https://sorra.example/", promoter["token"]) == f"https://sorra.example/f/{promoter['token']}"
    with httpx.Client(base_url=base, timeout=15) as http:  # a citizen's phone: no account
        page = http.get(f"/f/{promoter['token']}")
        assert page.status_code == 200 and 'id="nps-form"' in page.text and page.text.count('name="score"') == 11
        assert _answer(http, promoter["token"], "9").status_code == 200
        again = _answer(http, promoter["token"], "0")  # a second answer does not replace the first
        assert 'id="thanks"' in again.text
        assert _answer(http, detractor["token"], "3").status_code == 200
        assert http.get(f"/f/{waiting['token']}").status_code == 404  # the visit has not ended
        assert http.get("/f/no-such-token").status_code == 404
        bad = _answer(http, detractor["token"], "11")
        assert bad.status_code == 400
    scores = web_hub.hub.web.app.state.web.db().execute("SELECT score FROM nps_answer ORDER BY score").fetchall()
    assert scores == [(3,), (9,)]
    c = Client(web_hub)
    try:
        c.login("manager")
        totals = c.get("/api/v1/stats").json()["totals"]
        assert totals["nps"] == {"n": 2, "promoters": 1, "passives": 0, "detractors": 1, "score": 0.0}
        assert "csat" in totals
        assert 'id="kpi-nps"' in c.get("/stats").text
    finally:
        c.close()
