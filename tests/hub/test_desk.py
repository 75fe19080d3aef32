"""The clerk's desk over the real hub: return a no-show, Next's guard, outcome codes (also from the CLI)."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from sorra.bus import RequestError
from tests.hub.test_cli import sorra
from tests.hub_fixture import TestHub
from tests.protocol_check import validate_message


@pytest.fixture
def office(hub: TestHub) -> TestHub:
    hub.admin.add_service("A", {"hu": "Okmányügyek", "en": "Documents"}, "A")
    hub.admin.add_service("B", {"hu": "Adóügyek", "en": "Tax"}, "B")
    hub.admin.add_counter(1, "Ablak 1")
    hub.admin.add_counter(2, "Ablak 2")
    hub.admin.add_clerk("kata", "Kata", "1234")
    return hub


def _watch(hub: TestHub, suffix: str) -> tuple[dict[str, Any], threading.Condition]:
    latest: dict[str, Any] = {}
    cond = threading.Condition()
    watcher = hub.client("display-9", "display")

    def on(topic: str, payload: dict | None) -> None:
        if payload is not None:
            validate_message(topic, payload)
            with cond:
                latest["payload"] = payload
                cond.notify_all()

    watcher.subscribe_state(suffix, on)
    return latest, cond


def _reply(op: str, result: dict[str, Any]) -> None:
    validate_message(f"reply:{op}", {"req": "r", "ok": True, "result": result})


def test_a_clerk_sees_todays_no_shows_and_takes_one_back_first_in_line(office: TestHub) -> None:
    kiosk = office.client("kiosk-1", "kiosk")
    one = office.client("counter-1", "counter", 1)
    two = office.client("counter-2", "counter", 2)
    one.call("clerk.login", {"clerk": "kata", "pin": "1234"})
    two.call("counter.resume")
    late = kiosk.call("ticket.issue", {"services": ["A"]})["ticket"]
    kiosk.call("ticket.issue", {"services": ["A"]})
    assert one.call("counter.call_next")["ticket"]["id"] == late["id"]
    one.call("counter.no_show")
    latest, cond = _watch(office, "counters/1")
    with cond:
        assert cond.wait_for(lambda: latest.get("payload", {}).get("no_shows"), 10)
    assert [t["number"] for t in latest["payload"]["no_shows"]] == [late["number"]]
    with pytest.raises(RequestError) as err:
        one.call("counter.return", {"ticket": "A999"})
    assert err.value.code == "not_found"
    back = one.call("counter.return", {"ticket": late["number"].lower()})  # as read off the slip
    _reply("counter.return", back)
    assert back["ticket"]["state"] == "waiting" and back["ticket"]["id"] == late["id"]
    with cond:
        assert cond.wait_for(lambda: latest["payload"]["no_shows"] == [], 10)
    # first in line: the other counter calls the returning customer before the one who waited
    assert two.call("counter.call_next")["ticket"]["id"] == late["id"]
    with pytest.raises(RequestError) as err:
        one.call("counter.return", {"ticket": late["id"]})  # not a no-show any more
    assert err.value.code == "conflict"


def test_next_at_the_desk_finishes_and_calls_but_not_right_after_a_call(office: TestHub) -> None:
    office.admin.set_office(call_guard_s=60)  # a guard no test machine outruns
    kiosk = office.client("kiosk-1", "kiosk")
    counter = office.client("counter-1", "counter", 1)
    counter.call("counter.resume")
    first = kiosk.call("ticket.issue", {"services": ["A"]})["ticket"]
    second = kiosk.call("ticket.issue", {"services": ["A"]})["ticket"]
    counter.call("counter.call_next")
    with pytest.raises(RequestError) as err:
        counter.call("counter.call_next")  # the double tap
    assert err.value.code == "too_soon"
    office.admin.set_office(call_guard_s=0)
    assert counter.call("counter.call_next")["ticket"]["id"] == second["id"]
    assert office.hub.worker.run_in_worker(lambda e: e.state.tickets[first["id"]].state) == "done"
    office.admin.set_office(next_finishes=False)
    with pytest.raises(RequestError) as err:
        counter.call("counter.call_next")
    assert err.value.code == "conflict"
    services = office.hub.worker.run_in_worker(lambda e: office.hub.presenter.services())
    assert services["office"]["next_finishes"] is False


def test_outcome_codes_from_the_cli_are_offered_and_checked_when_finishing(office: TestHub) -> None:
    data = str(office.data_dir)
    r = sorra("hub", "outcome", "add", "DONE", "--name", "Elintézve", "--name-en", "Settled", "--data", data)
    assert r.returncode == 0, r.stderr
    r = sorra("hub", "outcome", "add", "DOCS", "--name", "Hiánypótlás", "--resolved", "no", "--data", data)
    assert r.returncode == 0, r.stderr
    r = sorra("hub", "service", "add", "B", "--name", "Adóügyek", "--prefix", "B", "--default-outcome", "DONE",
              "--data", data)
    assert r.returncode == 0, r.stderr
    listed = sorra("hub", "outcome", "list", "--data", data)
    assert "DOCS" in listed.stdout and "not resolved" in listed.stdout
    latest, cond = _watch(office, "services")
    with cond:
        assert cond.wait_for(lambda: len(latest.get("payload", {}).get("outcomes", [])) == 2, 10)
    codes = {o["code"]: o for o in latest["payload"]["outcomes"]}
    assert codes["DOCS"]["resolved"] is False and codes["DONE"]["names"]["en"] == "Settled"
    kiosk = office.client("kiosk-1", "kiosk")
    counter = office.client("counter-1", "counter", 1)
    counter.call("counter.resume")
    a = kiosk.call("ticket.issue", {"services": ["A"]})["ticket"]
    b = kiosk.call("ticket.issue", {"services": ["B"]})["ticket"]
    counter.call("counter.call_next")
    with pytest.raises(RequestError) as err:
        counter.call("counter.finish", {"marks": ["NOPE"]})
    assert err.value.code == "bad_args"
    _reply("counter.finish", counter.call("counter.finish", {"marks": ["DOCS", "DONE"]}))
    counter.call("counter.call_next")
    counter.call("counter.finish")  # a hardware Done: B's default
    marks = office.hub.worker.run_in_worker(
        lambda e: (e.state.tickets[a["id"]].marks, e.state.tickets[b["id"]].marks))
    assert marks == (["DOCS", "DONE"], ["DONE"])


def test_a_family_ticket_over_the_bus(office: TestHub) -> None:
    kiosk = office.client("kiosk-1", "kiosk")
    counter = office.client("counter-1", "counter", 1)
    with pytest.raises(RequestError) as err:
        kiosk.call("ticket.issue", {"services": ["A"], "people": 0})
    assert err.value.code == "bad_args"
    family = kiosk.call("ticket.issue", {"services": ["A", "A", "A"], "people": 3})
    _reply("ticket.issue", family)
    assert family["ticket"]["people"] == 3 and family["ticket"]["services"] == ["A", "A", "A"]
    counter.call("counter.resume")
    called = counter.call("counter.call_next")["ticket"]
    assert called["people"] == 3 and called["pending"] == ["A", "A", "A"]


def test_background_backlog_over_the_bus_and_in_the_store(office: TestHub) -> None:
    one = office.client("counter-1", "counter", 1)
    two = office.client("counter-2", "counter", 2)
    one.call("clerk.login", {"clerk": "kata", "pin": "1234"})
    two.call("counter.resume")
    with pytest.raises(RequestError) as err:
        one.call("background.record", {"kind": "", "note": "x"})
    assert err.value.code == "bad_args"
    recorded = one.call("background.record", {"kind": "Car dealer's files", "note": "12 registrations",
                                              "services": ["A"]})
    _reply("background.record", recorded)
    item = recorded["item"]
    latest, cond = _watch(office, "counters/1")
    with cond:
        assert cond.wait_for(lambda: [b["id"] for b in latest.get("payload", {}).get("backlog", [])] == [item["id"]],
                             10)
    taken = one.call("background.take", {})
    _reply("background.take", taken)
    assert taken["background"]["backlog"] == item["id"] and taken["background"]["kind"] == "Car dealer's files"
    with pytest.raises(RequestError) as err:
        two.call("background.take", {"id": item["id"]})  # being worked on
    assert err.value.code == "conflict"
    with cond:
        assert cond.wait_for(lambda: latest["payload"]["backlog"] == []
                             and latest["payload"]["background"]["backlog"] == item["id"], 10)
    stored = office.hub.worker.run_in_worker(lambda e: (e.state.snapshot()["backlog"],
                                                         office.hub.store.load_state().snapshot()["backlog"]))
    assert stored[0] == stored[1] and stored[0][item["id"]]["taken_by"] == taken["background"]["id"]
    _reply("background.stop", one.call("background.stop"))
    assert office.hub.worker.run_in_worker(lambda e: (dict(e.state.backlog),
                                                      dict(office.hub.store.load_state().backlog))) == ({}, {})


def test_a_no_show_leaves_the_counters_list_when_its_return_window_closes(office: TestHub) -> None:
    office.admin.set_office(no_show_return_s=1)
    kiosk = office.client("kiosk-1", "kiosk")
    one = office.client("counter-1", "counter", 1)
    one.call("clerk.login", {"clerk": "kata", "pin": "1234"})
    late = kiosk.call("ticket.issue", {"services": ["A"]})["ticket"]
    one.call("counter.call_next")
    one.call("counter.no_show")
    latest, cond = _watch(office, "counters/1")
    with cond:
        assert cond.wait_for(lambda: latest.get("payload", {}).get("no_shows"), 10)
        assert [t["number"] for t in latest["payload"]["no_shows"]] == [late["number"]]
        # no event after the no-show: the hub republishes the state when the window closes
        assert cond.wait_for(lambda: latest["payload"]["no_shows"] == [], 10)
    with pytest.raises(RequestError) as err:
        one.call("counter.return", {"ticket": late["id"]})
    assert err.value.code == "conflict"
