"""Joining the queue from afar on the web: the JSON route, the page, the limits, the status page, the admin."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.web.conftest import Client

URL = "/api/v1/public/queue"


@pytest.fixture(autouse=True)
def remote_office(web_hub: Any) -> Any:
    web_hub.admin.add_service("A", {"hu": "Személyi igazolvány", "en": "Identity card"}, "A", remote=True)
    web_hub.admin.set_office(remote_per_contact=1, remote_per_origin_day=100, remote_max_waiting=50)
    web = web_hub.hub.web.app.state.web
    web.limiter.limits["queue"] = (1000, 600.0)
    yield web_hub
    # every remote ticket of a test is cancelled, so that the next test starts with none open
    for tid in web_hub.hub.worker.run_in_worker(lambda e: list(e.index.away)):
        web_hub.admin.call("admin.ticket_cancel", {"ticket": tid})


def test_the_route_is_in_the_openapi_document_and_tells_what_is_offered(client: Client) -> None:
    doc = client.get("/api/v1/openapi.json").json()
    assert "post" in doc["paths"][URL] and "get" in doc["paths"][URL]
    offer = client.get(URL).json()
    assert offer["open"] is True and [s["id"] for s in offer["services"]] == ["A"]  # B is not offered
    assert offer["limits"]["per_contact"] == 1


def test_join_then_the_status_page_says_check_in_with_the_code(web_hub: Any, client: Client) -> None:
    r = client.post(URL, json={"service": "A", "phone": "+36 30 123 4567", "lang": "en"})
    assert r.status_code == 201, r.text
    t = r.json()
    assert re.fullmatch(r"[0-9]{6}", t["code"]) and t["state"] == "not_arrived" and t["lang"] == "en"
    assert t["checkin_qr"].endswith(f"/t/{t['token']}?code={t['code']}")
    page = client.get(f"/t/{t['token']}?lang=en").text
    assert "Not yet checked in." in page and t["code"] in page and 'id="checkin-qr"' in page
    hu = client.get(f"/t/{t['token']}?lang=hu").text
    assert "Még nem jelentkezett be." in hu
    # the contact never reaches a public page or the public JSON
    assert "36301234567" not in page and "36301234567" not in client.get(f"/api/v1/public/tickets/{t['token']}").text
    # the event log carries the contact (in one form) for the messages
    stored = web_hub.hub.store.db.execute(
        "SELECT json_extract(data, '$.ticket.contact') FROM events WHERE type = 'ticket.issued'"
        " AND json_extract(data, '$.ticket.code') = ?", [t["code"]]).fetchone()
    assert stored == ("+36301234567",)


def test_limits_answer_429_and_409_in_the_citizens_language(web_hub: Any, client: Client) -> None:
    assert client.post(URL, json={"service": "A", "phone": "06 30 555 1111"}).status_code == 201
    r = client.post(URL, json={"service": "A", "phone": "+36305551111", "lang": "hu"})  # the same phone
    assert r.status_code == 429 and r.json()["error"]["code"] == "contact_limit"
    assert "már tartozik sorszám" in r.json()["error"]["message"]
    r = client.post(URL, json={"service": "A", "phone": "+36305551111", "lang": "en"})
    assert "already has a ticket" in r.json()["error"]["message"]
    web_hub.admin.set_office(remote_max_waiting=1)
    r = client.post(URL, json={"service": "A", "email": "kiss.eva@example.org", "lang": "en"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "remote_full"
    web_hub.admin.set_office(remote_max_waiting=50, remote_per_origin_day=1)
    r = client.post(URL, json={"service": "A", "email": "kiss.eva@example.org", "lang": "hu"})
    assert r.status_code == 429 and r.json()["error"]["code"] == "origin_limit"
    web_hub.admin.set_office(remote_per_origin_day=100)
    for body, status, code in (
        ({"service": "B", "phone": "+36305552222"}, 404, "not_found"),
        ({"service": "A"}, 422, "no_contact"),
        ({"service": "A", "phone": "12"}, 422, "bad_phone"),
        ({"service": "A", "email": "nobody"}, 422, "bad_email"),
    ):
        r = client.post(URL, json=body)
        assert (r.status_code, r.json()["error"]["code"]) == (status, code), body


def test_too_many_attempts_from_one_address(web_hub: Any, client: Client) -> None:
    web = web_hub.hub.web.app.state.web
    web.limiter.limits["queue"] = (1, 600.0)
    web.limiter._windows.pop(("queue", "127.0.0.1"), None)
    client.post(URL, json={"service": "A", "phone": "+36305553333"})
    r = client.post(URL, json={"service": "A", "phone": "+36305554444", "lang": "en"})
    assert r.status_code == 429 and r.json()["error"]["code"] == "rate_limited"
    assert "Too many attempts" in r.json()["error"]["message"]


def test_the_public_page_joins_and_shows_the_rules_and_errors(client: Client) -> None:
    page = client.get("/queue?lang=hu").text
    assert "Hogyan működik?" in page and "Személyi igazolvány" in page and "Útlevél" not in page
    en = client.get("/queue?lang=en").text
    assert "If your turn comes before you arrive" in en
    csrf = client.form_csrf("/queue")
    r = client.post("/queue", data={"csrf": csrf, "service": "A", "phone": "+36305556666", "lang": "hu"},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/t/")
    r = client.post("/queue", data={"csrf": csrf, "service": "A", "phone": "+36305556666", "lang": "en"})
    assert r.status_code == 429 and "already has a ticket in the queue" in r.text
    assert 'value="+36305556666"' in r.text  # the form keeps what was typed
    assert "Join the queue from afar" in client.get("/status?lang=en").text


def test_manager_settings_and_the_dashboard(web_hub: Any, client: Client) -> None:
    client.post(URL, json={"service": "A", "phone": "+36305557777"})
    client.login("manager")
    page = client.get("/admin/settings?lang=en").text
    assert 'name="remote_max_waiting"' in page and "Services that can be joined from afar:" in page
    dash = client.get("/dashboard?lang=en").text
    assert 'id="remote"' in dash and "keeps its place" in dash
    form = client.get("/admin/services/B").text
    assert 'name="remote"' in form


def test_joined_on_the_web_checked_in_by_a_kiosk_over_mqtt(web_hub: Any, client: Client) -> None:
    t = client.post(URL, json={"service": "A", "email": "nagy.adam@example.org", "lang": "en"}).json()
    kiosk = web_hub.client("kiosk-remote", "kiosk")
    checked = kiosk.call("ticket.checkin", {"code": t["code"]})["ticket"]
    assert checked["number"] == t["number"] and checked["state"] == "waiting"
    page = client.get(f"/t/{t['token']}?lang=en").text
    assert "Not yet checked in." not in page and "Please wait, you will be called." in page
    assert 'id="checkin-code"' not in page and 'id="checkin-qr"' not in page
