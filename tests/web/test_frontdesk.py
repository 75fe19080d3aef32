"""The front desk: a ticket for someone at the desk or on the phone (page and REST), printed on a kiosk."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Any

from tests.hub_fixture import TestHub
from tests.protocol_check import validate_message
from tests.web.conftest import Client


def _ticket(hub: TestHub, number: str) -> dict[str, Any]:
    return hub.hub.worker.run_in_worker(lambda e: e.find_ticket(number=number).to_dict())


def test_reception_issues_a_family_ticket_printed_on_a_kiosk(web_hub: TestHub, client: Client) -> None:
    kiosk = web_hub.client("kiosk-desk", "kiosk")  # a paired kiosk listening for print requests
    got: list[dict] = []
    arrived = threading.Event()

    def on_print(topic: str, payload: dict | None) -> None:
        if payload is not None:
            validate_message(topic, payload)
            got.append(payload)
            arrived.set()

    kiosk.subscribe_event("print/kiosk-desk", on_print)
    client.login("reception")
    page = client.get("/desk")
    assert page.status_code == 200 and '<option value="kiosk-desk">' in page.text
    csrf = client.form_csrf("/desk")
    r = client.http.post("/desk", data={"csrf": csrf, "n_A": "3", "n_B": "0", "people": "3", "how": "desk",
                                        "lang": "hu", "note": "Három útlevél, egy család", "priority": "on",
                                        "print_on": "kiosk-desk"})
    assert r.status_code == 200 and 'id="issued-number"' in r.text
    number = r.text.split('id="issued-number">')[1].split("<")[0]
    t = _ticket(web_hub, number)
    assert t["services"] == ["A", "A", "A"] and t["people"] == 3 and t["priority"] and t["channel"] == "reception"
    assert t["note"] == "Három útlevél, egy család"
    assert arrived.wait(10)
    assert got[0]["ticket"]["number"] == number and got[0]["ticket"]["people"] == 3
    empty = client.http.post("/desk", data={"csrf": csrf, "n_A": "0", "n_B": "0"})
    assert empty.status_code == 400


def test_rest_issue_and_book_an_appointment(web_hub: TestHub, client: Client) -> None:
    client.login("clerk")
    assert client.post("/api/v1/tickets", json={"services": ["B"]}).status_code == 403
    client.login("reception")
    r = client.post("/api/v1/tickets", json={"services": ["B", "A"], "people": 2, "channel": "phone",
                                             "note": "Telefonon jelentkezett"})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["printed_on"] is None and body["ticket"]["people"] == 2
    t = _ticket(web_hub, body["ticket"]["number"])
    assert t["channel"] == "phone" and t["services"] == ["B", "A"]
    bad = client.post("/api/v1/tickets", json={"services": ["A"], "print_on": "no-such-kiosk"})
    assert bad.status_code == 404
    web_hub.device_settings("kiosk-unplugged", "kiosk")  # paired, never connected
    offline = client.post("/api/v1/tickets", json={"services": ["A"], "print_on": "kiosk-unplugged"})
    assert offline.status_code == 409 and offline.json()["error"]["code"] == "conflict"
    csrf = client.form_csrf("/desk")
    when = (datetime.now() + timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)
    booked = client.http.post("/desk/book", data={"csrf": csrf, "service": "A", "at": when.strftime("%Y-%m-%dT%H:%M"),
                                                  "name": "Kovács Péter", "contact": "+36 30 123 4567"})
    assert booked.status_code == 200 and 'id="booked"' in booked.text
    code = booked.text.split('id="booked">')[1].split("<strong")[1].split(">")[1].split("<")[0]
    appt = web_hub.hub.worker.run_in_worker(lambda e: e.state.appointments[code].to_dict())
    assert appt["name"] == "Kovács Péter" and appt["channel"] == "reception"
