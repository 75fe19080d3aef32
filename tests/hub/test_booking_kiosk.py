"""Booking at the kiosk through a real hub over Mosquitto: the web's booking rules and slots, one
appointment per request id, validated against the protocol documents."""

from __future__ import annotations

import pytest

from hub.app import DB_NAME
from hub.store.store import open_db
from hub.web import kv
from sorra.bus import RequestError
from tests.hub_fixture import TestHub
from tests.protocol_check import validate_message


def _office(hub: TestHub) -> None:
    hub.admin.add_service("A", {"hu": "Okmányügyek", "en": "Documents"}, "A")
    hub.admin.add_service("B", {"hu": "Adóügyek", "en": "Tax"}, "B")
    hub.admin.add_counter(1, "Ablak 1")


def _rules(hub: TestHub, **rules: object) -> None:
    db = open_db(hub.data_dir / DB_NAME)
    try:
        kv.set_booking(db.conn, rules)
    finally:
        db.conn.close()


def _call(kiosk, op: str, args: dict, req: str) -> dict:
    result = kiosk.request(op, args, req=req).result(10)
    validate_message(f"rpc:{op}", {"req": req, "op": op, "args": args})
    validate_message(f"reply:{op}", {"req": req, "ok": True, "result": result})
    return result


def _refused(kiosk, op: str, args: dict) -> str:
    with pytest.raises(RequestError) as err:
        kiosk.call(op, args)
    return err.value.code


def test_kiosk_books_a_slot_once_per_request_and_the_slot_fills(hub: TestHub) -> None:
    _office(hub)
    _rules(hub, services=["A"], days_ahead=10, min_lead_min=30)
    kiosk = hub.client("kiosk-1", "kiosk")
    services = _call(kiosk, "booking.services", {}, "bs-1")
    assert [s["id"] for s in services["services"]] == ["A"] and services["days_ahead"] == 10
    days = _call(kiosk, "booking.days", {"service": "A"}, "bd-1")["days"]
    assert len(days) == 11
    day = next(d for d in days if d["free"] > 0)
    slots = _call(kiosk, "booking.slots", {"service": "A", "day": day["day"]}, "sl-1")["slots"]
    slot = next(s for s in slots if s["free"] > 0)
    args = {"service": "A", "at": slot["at"], "lang": "hu"}
    booked = _call(kiosk, "booking.book", args, "bk-1")["appointment"]
    assert (booked["service"], booked["at"], booked["day"], booked["time"]) == ("A", slot["at"], day["day"], slot["time"])
    assert "/book/manage/" + booked["code"] + "?sig=" in booked["manage_url"]
    # a lost reply asked again: the same appointment, not a second one
    assert kiosk.request("booking.book", args, req="bk-1").result(10)["appointment"] == booked
    appts = [a for a in hub.hub.engine.state.appointments.values() if a.service == "A"]
    assert [(a.code, a.channel) for a in appts] == [(booked["code"], "kiosk")]
    # capacity 1: the slot is full now, for the next citizen (and the day counts one place less)
    assert _refused(kiosk, "booking.book", args) == "conflict"
    again = kiosk.call("booking.slots", {"service": "A", "day": day["day"]})["slots"]
    assert next(s for s in again if s["at"] == slot["at"])["free"] == 0
    after = next(d for d in kiosk.call("booking.days", {"service": "A"})["days"] if d["day"] == day["day"])
    assert after["free"] == day["free"] - 1


def test_kiosk_booking_follows_the_offices_rules(hub: TestHub) -> None:
    _office(hub)
    _rules(hub, services=["A"], days_ahead=5, min_lead_min=60)
    kiosk = hub.client("kiosk-1", "kiosk")
    assert _refused(kiosk, "booking.days", {"service": "B"}) == "not_found"  # not open for booking
    assert _refused(kiosk, "booking.slots", {"service": "A", "day": "2025-13-40"}) == "bad_args"
    assert _refused(kiosk, "booking.book", {"service": "A", "at": 1_000_000_000.0}) == "bad_args"  # the past
    days = kiosk.call("booking.days", {"service": "A"})["days"]
    assert len(days) == 6  # today and five days ahead
    workday = next(d for d in days[1:] if d["free"] > 0)
    first = kiosk.call("booking.slots", {"service": "A", "day": workday["day"]})["slots"]
    assert _refused(kiosk, "booking.book", {"service": "A", "at": first[0]["at"] + 60}) == "bad_args"  # no slot
    _rules(hub, enabled=False)
    assert _refused(kiosk, "booking.services", {}) == "unavailable"
    counter = hub.client("counter-1", "counter", 1)
    assert _refused(counter, "booking.services", {}) == "forbidden"
