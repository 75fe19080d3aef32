""""People ahead" is one figure everywhere: the kiosk's reply (printed ticket), the ticket page,
the page's live updates (the hub's published snapshot), the public API and the engine.

The office is built so that naive counts are wrong: counter 1 serves only A and is busy, counter 2
serves only B and is free with B tickets waiting (they are called before an A ticket but are not
ahead of it), and a priority A ticket issued later jumps ahead of an earlier A ticket.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.hub_fixture import TestHub


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestHub]:
    hub = TestHub(tmp_path_factory.mktemp("ahead") / "hub", web=True).start()
    a = hub.admin
    a.add_service("A", {"hu": "Személyi igazolvány", "en": "Identity card"}, "A", mean_service_s=600)
    a.add_service("B", {"hu": "Útlevél", "en": "Passport"}, "B", mean_service_s=60)
    a.add_counter(1, "Ablak 1", profile=[("A", 1)])
    a.add_counter(2, "Ablak 2", profile=[("B", 1)])
    a.add_clerk("anna", "Kiss Anna", "1234")
    a.add_clerk("bela", "Nagy Béla", "1234")
    yield hub
    hub.close_clients()
    hub.stop()


def shown(http: httpx.Client, token: str) -> dict[str, Any]:
    """What a citizen sees: the page, its first live update, the public API."""
    page = http.get(f"/t/{token}?lang=hu").text
    m = re.search(r'id="ahead">(\d+)<', page)
    assert m, page
    with http.stream("GET", f"/t/{token}/live?lang=hu") as r:
        for line in r.iter_lines():
            if line.startswith("data:"):
                live = json.loads(line[5:])
                break
    m_live = re.search(r'id="ahead">(\d+)<', live["html"])
    assert m_live, live
    api = http.get(f"/api/v1/public/tickets/{token}").json()
    return {"page": int(m.group(1)), "live": int(m_live.group(1)), "api": api["ahead"],
            "html": page + live["html"], "state": api["state"]}


def engine_ahead(hub: TestHub, ticket_id: str) -> int:
    return hub.hub.worker.run_in_worker(lambda e: e.ahead_of(e.state.tickets[ticket_id]))


def test_ahead_is_one_figure_and_never_your_turn_before_the_call(office: TestHub) -> None:
    a = office.admin
    a.counter(1, "clerk.login", {"clerk": "anna", "pin": "1234"})
    a.counter(2, "clerk.login", {"clerk": "bela", "pin": "1234"})
    kiosk = office.client("kiosk-1", "kiosk")
    kiosk.call("ticket.issue", {"services": ["A"]})
    assert a.counter(1, "counter.call_next")["ticket"]["number"] == "A001"  # counter 1 busy for long
    for _ in range(2):
        kiosk.call("ticket.issue", {"services": ["B"]})  # counter 2 (B only) calls these first
    a1 = kiosk.call("ticket.issue", {"services": ["A"]})["ticket"]
    # Two B tickets will be called before A002, but at a counter that never serves A.
    assert a1["ahead"] == 0

    p1 = kiosk.call("ticket.issue", {"services": ["A"], "priority": True})["ticket"]
    assert p1["ahead"] == 0
    base = f"http://127.0.0.1:{office.http_port}"
    with httpx.Client(base_url=base, timeout=15) as http:
        seen = shown(http, a1["token"])
        # The priority ticket issued later is called first at counter 1: one person ahead.
        assert seen["page"] == seen["live"] == seen["api"] == engine_ahead(office, a1["id"]) == 1
        seen = shown(http, p1["token"])
        assert seen["state"] == "waiting"
        assert seen["page"] == seen["live"] == seen["api"] == 0
        # Nobody ahead, not called yet: never "your turn".
        assert "Ön következik" not in seen["html"] and "Ön előtt nincs senki" in seen["html"]

        # The figure holds: counter 2 calling B tickets changes nothing for A tickets …
        assert a.counter(2, "counter.call_next")["ticket"]["number"].startswith("B")
        assert shown(http, a1["token"])["api"] == 1
        # … and the one said to be ahead is the one counter 1 calls next.
        assert a.counter(1, "counter.call_next")["ticket"]["id"] == p1["id"]
        seen = shown(http, a1["token"])
        assert seen["page"] == seen["live"] == seen["api"] == 0
        assert a.counter(1, "counter.call_next")["ticket"]["id"] == a1["id"]
