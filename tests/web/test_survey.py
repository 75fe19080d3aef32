"""The NPS survey of a finished visit (/f/{token}) and NPS beside CSAT in the statistics."""

from __future__ import annotations

import json
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


def test_answers_are_events_and_a_statistics_rebuild_gives_the_same_nps(web_hub: TestHub) -> None:
    from hub.stats import rebuild
    from hub.stats.nps import nps

    while web_hub.hub.worker.run_in_worker(lambda e: any(t.state == "waiting" for t in e.state.tickets.values())):
        web_hub.admin.counter(1, "counter.call_next")  # an earlier test's waiting ticket: served first,
        web_hub.admin.counter(1, "counter.finish")  # so that each visit below ends
    visits = [_visit(web_hub) for _ in range(3)]
    with httpx.Client(base_url=f"http://127.0.0.1:{web_hub.http_port}", timeout=15) as http:
        for v, score in zip(visits, ("10", "7", "1"), strict=True):
            assert _answer(http, v["token"], score).status_code == 200
        assert 'id="thanks"' in _answer(http, visits[0]["token"], "2").text  # refused by the engine: conflict
    hub = web_hub.hub
    day = hub.engine.state.day
    with hub.store.lock:
        logged = [json.loads(d) for (d,) in hub.store.db.execute(
            "SELECT data FROM events WHERE type = 'feedback.nps' ORDER BY seq")]
        before = hub.store.db.execute("SELECT * FROM nps_answer ORDER BY token").fetchall()
        figures = nps(hub.store.db.conn, day, day)
    mine = {v["id"]: v for v in visits}
    assert {e["ticket"]: e["score"] for e in logged if e["ticket"] in mine} == {
        visits[0]["id"]: 10, visits[1]["id"]: 7, visits[2]["id"]: 1}  # one event each: the second was refused
    assert {e["token"] for e in logged if e["ticket"] in mine} == {v["token"] for v in visits}
    hub.worker.run_in_worker(lambda e: rebuild(hub.store.db))  # the statistics from the event log alone
    with hub.store.lock:
        assert hub.store.db.execute("SELECT * FROM nps_answer ORDER BY token").fetchall() == before
        assert nps(hub.store.db.conn, day, day) == figures
    assert figures["n"] >= 3
