"""The desk on the web: take a no-show back from the dashboard, outcome codes and Next settings in the admin."""

from __future__ import annotations

import json
from typing import Any

from tests.hub_fixture import TestHub
from tests.web.conftest import Client


def _live_dashboard(client: Client) -> str:
    """The dashboard's live part as a browser opening it now gets it (the stream builds it afresh)."""
    with client.http.stream("GET", "/dashboard/live") as r:
        for line in r.iter_lines():
            if line.startswith("data:"):
                return str(json.loads(line[5:])["html"])
    raise AssertionError("the live dashboard sent nothing")


def _engine(hub: TestHub, fn: Any) -> Any:
    return hub.hub.worker.run_in_worker(fn)


def test_a_clerk_takes_a_no_show_back_from_the_dashboard(web_hub: TestHub, client: Client) -> None:
    a = web_hub.admin
    late = a.call("admin.ticket_issue", {"services": ["A"]})["ticket"]
    a.call("admin.ticket_issue", {"services": ["A"]})
    a.counter(1, "clerk.login", {"clerk": "bela", "pin": "1234"})
    a.counter(1, "counter.call_next")
    a.counter(1, "counter.no_show")
    client.login("clerk")
    assert client.get("/dashboard").status_code == 200
    assert f'<tr data-ticket="{late["number"]}">' in _live_dashboard(client).split('id="no-shows"')[1]
    csrf = client.form_csrf("/dashboard")
    r = client.http.post("/dashboard/return", data={"csrf": csrf, "ticket": late["number"]}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/dashboard?msg=returned%3A{late['number']}"
    assert _engine(web_hub, lambda e: e.state.tickets[late["id"]].state) == "waiting"
    shown = client.get(r.headers["location"]).text
    assert "Back in line, first for their service:" in shown or "Újra sorban" in shown
    again = client.http.post("/dashboard/return", data={"csrf": csrf, "ticket": late["number"]},
                             follow_redirects=False)
    assert again.status_code == 409  # not a no-show any more
    a.counter(1, "clerk.logout")


def test_a_manager_defines_outcome_codes_and_a_service_default(web_hub: TestHub, client: Client) -> None:
    client.login("manager")
    csrf = client.form_csrf("/admin/outcomes")
    r = client.http.post("/admin/outcomes", data={"csrf": csrf, "code": "DOCS", "name_hu": "Hiánypótlás",
                                                  "name_en": "Documents missing", "enabled": "on"},
                         follow_redirects=False)
    assert r.status_code == 303
    outcome = _engine(web_hub, lambda e: e.state.outcomes["DOCS"].to_dict())
    assert outcome == {"code": "DOCS", "names": {"hu": "Hiánypótlás", "en": "Documents missing"},
                       "resolved": False, "enabled": True}
    form = client.get("/admin/services/B").text
    assert '<option value="DOCS">' in form
    svc = _engine(web_hub, lambda e: e.state.services["B"].to_dict())
    data = {"csrf": csrf, "name_hu": svc["names"]["hu"], "name_en": svc["names"]["en"], "prefix": "B",
            "sla_min": "15", "mean_min": "5", "order": "0", "enabled": "on", "default_outcome": "DOCS"}
    assert client.http.post("/admin/services/B", data=data, follow_redirects=False).status_code == 303
    assert _engine(web_hub, lambda e: e.state.services["B"].default_outcome) == "DOCS"
    listed = client.get("/admin/outcomes").text
    assert '<tr data-code="DOCS">' in listed
    client.login("clerk")
    assert client.get("/admin/outcomes").status_code == 403


def test_the_next_settings_are_on_the_settings_page(web_hub: TestHub, client: Client) -> None:
    client.login("manager")
    page = client.get("/admin/settings").text
    assert 'name="next_finishes" checked' in page
    csrf = client.form_csrf("/admin/settings")
    r = client.http.post("/admin/settings", data={"csrf": csrf, "name_hu": "Próba", "name_en": "Test",
                                                  "tz": "Europe/Budapest", "no_show_return_min": "15",
                                                  "call_guard_s": "5", "slot_minutes": "15"},
                         follow_redirects=False)
    assert r.status_code == 303, r.text
    settings = _engine(web_hub, lambda e: e.state.settings)
    assert settings.next_finishes is False and settings.call_guard_s == 5


def test_outcomes_reach_the_statistics_api_and_the_csv(web_hub: TestHub, client: Client) -> None:
    a = web_hub.admin
    a.call("admin.outcome_upsert", {"code": "INFO", "names": {"hu": "Tájékoztatás", "en": "Information given"}})
    a.counter(2, "clerk.login", {"clerk": "anna", "pin": "1234"})
    a.call("admin.ticket_issue", {"services": ["A"]})
    a.counter(2, "counter.call_next")
    a.counter(2, "counter.finish", {"marks": ["INFO"]})
    a.counter(2, "clerk.logout")
    client.login("manager")
    stats = client.get("/api/v1/stats?lang=en").json()
    assert {"code": "INFO", "name": "Information given", "resolved": True, "cases": 1, "tickets": 1} in \
        stats["outcomes"]
    assert stats["totals"]["fcr_basis"] == "outcomes"
    csv = client.get("/stats/export.csv?table=outcomes").text.lstrip("\ufeff")
    assert "INFO" in csv
    page = client.get("/stats").text
    assert 'id="by-outcome"' in page and 'id="export-outcomes"' in page


def test_backlog_recorded_at_the_desk_is_on_the_dashboard_with_its_age(web_hub: TestHub, client: Client) -> None:
    client.login("clerk")
    csrf = client.form_csrf("/dashboard")
    r = client.http.post("/dashboard/backlog", data={"csrf": csrf, "kind": "Case file",
                                                     "note": "Autó Kft., 12 forgalmi", "service": "A"},
                         follow_redirects=False)
    assert r.status_code == 303
    items = _engine(web_hub, lambda e: [b.to_dict() for b in e.state.backlog.values()])
    assert len(items) == 1 and items[0]["services"] == ["A"] and items[0]["recorded_by"] == "clerk"
    page = _live_dashboard(client)
    row = page[page.index(f'<tr data-backlog="{items[0]["id"]}">'):]
    assert "Autó Kft., 12 forgalmi" in row[:600] and f'data-since="{items[0]["recorded_at"]}"' in row[:600]
    a = web_hub.admin
    a.counter(1, "clerk.login", {"clerk": "bela", "pin": "1234"})
    a.counter(1, "background.take", {"id": items[0]["id"]})
    assert "Nagy Béla" in _live_dashboard(client).split('id="backlog"')[1].split("</table>")[0]
    a.counter(1, "background.stop")
    a.counter(1, "clerk.logout")
    client.login("manager")
    stats = client.get("/api/v1/stats?lang=en").json()
    assert [(k["kind"], k["recorded"], k["done"]) for k in stats["backlog"]["kinds"]] == [("Case file", 1, 1)]
    assert 'id="backlog-kinds"' in client.get("/stats").text
