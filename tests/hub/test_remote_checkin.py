"""Remote tickets through a real hub over Mosquitto: joined by the web's op, checked in by a kiosk."""

from __future__ import annotations

import threading

import pytest

from hub.stats import current
from sorra.bus import RequestError
from tests.engine.helpers import Clock
from tests.hub_fixture import TestHub
from tests.protocol_check import validate_message


def _office(hub: TestHub) -> TestHub:
    hub.admin.add_service("A", {"hu": "Okmányügyek", "en": "Documents"}, "A", remote=True)
    hub.admin.add_service("B", {"hu": "Adóügyek", "en": "Tax"}, "B")
    hub.admin.add_counter(1, "Ablak 1")
    return hub


def _join(hub: TestHub, contact: str = "+36301234567", origin: str = "o1", service: str = "A") -> dict:
    return hub.admin.call("admin.remote_join", {"service": service, "contact": contact, "origin": origin,
                                                "lang": "en"})


def _refused(client, op: str, args: dict) -> str:
    with pytest.raises(RequestError) as err:
        client.call(op, args)
    return err.value.code


def test_kiosk_checks_in_a_passed_over_remote_ticket_which_goes_first(hub: TestHub) -> None:
    _office(hub)
    kiosk = hub.client("kiosk-1", "kiosk")
    counter = hub.client("counter-1", "counter", 1)
    joined = _join(hub)
    code, remote = joined["code"], joined["ticket"]
    assert len(code) == 6 and code.isdigit() and remote["state"] == "not_arrived"
    walk_in = kiosk.call("ticket.issue", {"services": ["A"]})["ticket"]
    assert walk_in["ahead"] == 0  # the remote ticket is not counted: it is not called before check-in

    counter.call("counter.resume")
    assert counter.call("counter.call_next")["ticket"]["id"] == walk_in["id"]  # passed over
    after = kiosk.call("ticket.issue", {"services": ["A"]})["ticket"]

    result = kiosk.request("ticket.checkin", {"code": code}, req="checkin-1").result(10)
    validate_message("rpc:ticket.checkin", {"req": "checkin-1", "op": "ticket.checkin", "args": {"code": code}})
    validate_message("reply:ticket.checkin", {"req": "checkin-1", "ok": True, "result": result})
    t = result["ticket"]
    assert (t["id"], t["state"], t["front"], t["passed"]) == (remote["id"], "waiting", True, 1)
    # the same request again (a lost reply) is answered the same, not "already checked in"
    assert kiosk.request("ticket.checkin", {"code": code}, req="checkin-1").result(10) == result
    assert counter.call("counter.call_next")["ticket"]["id"] == remote["id"]
    assert counter.call("counter.call_next")["ticket"]["id"] == after["id"]

    stored = hub.hub.store.db.execute("SELECT data FROM events WHERE type = 'ticket.passed_over'").fetchall()
    assert len(stored) == 1
    no_shows = hub.hub.store.db.execute("SELECT COUNT(*) FROM events WHERE type = 'ticket.no_show'").fetchone()[0]
    assert no_shows == 0


def test_check_in_error_codes(hub: TestHub) -> None:
    _office(hub)
    kiosk = hub.client("kiosk-1", "kiosk")
    assert _refused(kiosk, "ticket.checkin", {"code": "000000"}) in ("not_found",)
    code = _join(hub)["code"]
    kiosk.call("ticket.checkin", {"code": code})
    assert _refused(kiosk, "ticket.checkin", {"code": code}) == "already_checked_in"
    other = _join(hub, contact="+36309999999", origin="o2")
    hub.admin.call("admin.ticket_cancel", {"ticket": other["ticket"]["id"]})
    assert _refused(kiosk, "ticket.checkin", {"code": other["code"]}) == "cancelled"
    assert _refused(kiosk, "ticket.checkin", {"code": "12ab56"}) == "bad_args"
    counter = hub.client("counter-1", "counter", 1)
    assert _refused(counter, "ticket.checkin", {"code": code}) == "forbidden"


def test_a_code_of_an_earlier_day_is_not_today(hub_factory) -> None:
    clock = Clock("2026-11-23T15:00:00+01:00")
    hub = _office(hub_factory("hub", clock=clock))
    code = _join(hub)["code"]
    clock.advance(20 * 3600)
    kiosk = hub.client("kiosk-1", "kiosk")
    hub.admin.call("admin.ticket_issue", {"services": ["B"]})  # the day rolls
    assert _refused(kiosk, "ticket.checkin", {"code": code}) == "not_today"


def test_limits_answer_with_their_own_codes(hub: TestHub) -> None:
    from hub.engine import EngineError

    _office(hub)
    hub.admin.set_office(remote_per_contact=1, remote_per_origin_day=2, remote_max_waiting=5)
    _join(hub, contact="+36301111111", origin="o1")
    for args, code in (({"contact": "+36301111111", "origin": "o2"}, "contact_limit"),
                       ({"contact": "+36302222222", "origin": "o1", "service": "B"}, "not_found")):
        with pytest.raises(EngineError) as err:
            _join(hub, **args)
        assert err.value.code == code
    _join(hub, contact="+36302222222", origin="o1")
    with pytest.raises(EngineError) as err:
        _join(hub, contact="+36303333333", origin="o1")
    assert err.value.code == "origin_limit"
    queue = threading.Event()
    watcher = hub.client("display-1", "display")
    watcher.subscribe_state("queue", lambda s, p: p is not None and p["waiting"] == 0 and queue.set())
    assert queue.wait(10)  # two remote tickets away: nobody waits in the queue the devices see


def test_statistics_count_the_wait_from_check_in_and_no_no_show(hub_factory) -> None:
    clock = Clock("2026-11-23T10:00:00+01:00")
    hub = _office(hub_factory("hub", clock=clock))
    kiosk = hub.client("kiosk-1", "kiosk")
    counter = hub.client("counter-1", "counter", 1)
    joined = _join(hub)
    never = _join(hub, contact="+36308888888", origin="o2")
    walk_in = kiosk.call("ticket.issue", {"services": ["A"]})["ticket"]
    counter.call("counter.resume")
    clock.advance(60)
    assert counter.call("counter.call_next")["ticket"]["id"] == walk_in["id"]  # passes both remote tickets
    clock.advance(600)
    kiosk.call("ticket.checkin", {"code": joined["code"]})
    clock.advance(30)
    assert counter.call("counter.call_next")["ticket"]["id"] == joined["ticket"]["id"]
    counter.call("counter.finish")
    db = hub.hub.store.db
    with hub.hub.store.lock:
        current(db.conn)  # the hub projects its statistics a moment after the commit; a reader catches up
    wait = db.execute("SELECT wait_s FROM stat_contact WHERE ticket = ?", [joined["ticket"]["id"]]).fetchone()
    assert wait == (30.0,)  # from check-in, not the 690 s since joining
    rows = dict(db.execute("SELECT id, outcome FROM stat_ticket").fetchall())
    assert rows[joined["ticket"]["id"]] == "served" and rows[never["ticket"]["id"]] == "open"
    assert db.execute("SELECT SUM(no_shows) FROM stat_ticket").fetchone() == (0,)
    clock.advance(20 * 3600)
    hub.admin.call("admin.ticket_issue", {"services": ["B"]})  # the day rolls: the absent ticket lapses
    with hub.hub.store.lock:
        current(db.conn)
    outcome = db.execute("SELECT outcome FROM stat_ticket WHERE id = ?", [never["ticket"]["id"]]).fetchone()
    assert outcome == ("unserved",)  # never a no-show: nobody was called for it
