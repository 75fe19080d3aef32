"""``ticket.follow`` through a real hub over Mosquitto: a kiosk leaves a phone number for a ticket,
the follow is stored, "almost your turn" is queued in the outbox (and reaches the modem emulator)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hub.app import DB_NAME
from hub.notify import outbox
from hub.notify.modem_emulator import ModemEmulator
from hub.store.store import open_db
from sorra.bus import RequestError
from tests.hub_fixture import TestHub
from tests.protocol_check import validate_message


def _office(hub: TestHub) -> None:
    hub.admin.add_service("B", {"hu": "Útlevél", "en": "Passport"}, "B")
    hub.admin.add_counter(1, "Ablak 1")
    hub.admin.add_clerk("bela", "Nagy Béla", "1234")


def _configure(hub: TestHub, key: str, value: object) -> None:
    db = open_db(hub.data_dir / DB_NAME)
    try:
        outbox.put_setting(db.conn, key, value)
    finally:
        db.conn.close()


def _refused(client, args: dict) -> str:
    with pytest.raises(RequestError) as err:
        client.call("ticket.follow", args)
    return err.value.code


@pytest.fixture
def modem() -> Iterator[ModemEmulator]:
    m = ModemEmulator(pin="1234").start()
    yield m
    m.stop()


def test_kiosk_follows_a_ticket_by_phone_and_almost_your_turn_is_queued(hub: TestHub, modem) -> None:
    _office(hub)
    _configure(hub, "sms", {"modem": modem.device, "pin": "1234", "baud": 115200})
    _configure(hub, "next_ahead", 1)
    kiosk = hub.client("kiosk-1", "kiosk")
    first = kiosk.call("ticket.issue", {"services": ["B"], "lang": "hu"})["ticket"]
    mine = kiosk.call("ticket.issue", {"services": ["B"], "lang": "hu"})["ticket"]
    args = {"ticket": mine["token"], "phone": "06 30 123 4567"}
    result = kiosk.request("ticket.follow", args, req="follow-1").result(10)
    validate_message("rpc:ticket.follow", {"req": "follow-1", "op": "ticket.follow", "args": args})
    validate_message("reply:ticket.follow", {"req": "follow-1", "ok": True, "result": result})
    assert result == {"following": True, "channel": "sms", "ahead_limit": 1}
    # the same request again (a lost reply) is answered the same
    assert kiosk.request("ticket.follow", args, req="follow-1").result(10) == result

    with hub.hub.store.lock:
        row = hub.hub.store.db.execute("SELECT contact, channel, lang FROM notify_follow WHERE ticket = ?",
                                       [mine["id"]]).fetchone()
        queued = hub.hub.store.db.execute("SELECT kind, channel, to_addr FROM notify_outbox WHERE ref = ?",
                                          [mine["id"]]).fetchall()
    assert tuple(row) == ("+36301234567", "sms", "hu")
    assert [tuple(q) for q in queued] == [("ahead", "sms", "+36301234567")]  # one ahead already: at once
    (sms,) = modem.wait_for(1)
    assert sms.number == "+36301234567" and mine["number"] in sms.text
    assert first["id"] != mine["id"]


def test_kiosk_follow_refusals(hub: TestHub, modem) -> None:
    _office(hub)
    kiosk = hub.client("kiosk-1", "kiosk")
    t = kiosk.call("ticket.issue", {"services": ["B"]})["ticket"]
    # no SMS channel configured: a clear refusal
    assert _refused(kiosk, {"ticket": t["token"], "phone": "+36301234567"}) == "unavailable"
    _configure(hub, "sms", {"modem": modem.device, "pin": "1234", "baud": 115200})
    assert _refused(kiosk, {"ticket": t["token"], "phone": "12"}) == "bad_args"
    assert _refused(kiosk, {"ticket": t["token"], "phone": "ugyfel@example.hu"}) == "bad_args"
    assert _refused(kiosk, {"ticket": "nope", "phone": "+36301234567"}) == "not_found"
    assert _refused(kiosk, {"ticket": t["token"], "phone": "+36301234567", "x": 1}) == "bad_args"
    assert kiosk.call("ticket.follow", {"ticket": t["token"], "phone": "+36 20 555 0101"})["channel"] == "sms"
    counter = hub.client("counter-1", "counter", 1)
    assert _refused(counter, {"ticket": t["token"], "phone": "+36301234567"}) == "forbidden"
