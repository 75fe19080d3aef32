"""Hostile and broken requests: every one is answered or refused, then acknowledged,
and none of them affects another request, in its batch or after a restart."""

from __future__ import annotations

import json

import pytest
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from hub.broker import BrokerAccount
from sorra.bus import BusClient, RequestError
from sorra.protocol.limits import MAX_MESSAGE_BYTES
from tests.broker_fixture import MqttTestClient
from tests.hub_fixture import HOST, TestHub


class RawDevice:
    """A paired device that writes its own bytes to ``rpc/{device}``."""

    def __init__(self, hub: TestHub, device: str, role: str) -> None:
        s = hub.device_settings(device, role)
        self.hub, self.device = hub, device
        self.mqtt = MqttTestClient(HOST, hub.port, BrokerAccount(s.username, s.password, role, device),
                                   client_id=s.client_id or device)
        assert not self.mqtt.connect().is_failure
        self.mqtt.subscribe(hub.topics.reply(device))

    def send(self, payload: bytes | str, corr: bytes = b"c") -> None:
        props = Properties(PacketTypes.PUBLISH)
        props.ResponseTopic = self.hub.topics.reply(self.device)
        props.CorrelationData = corr
        self.mqtt.publish(self.hub.topics.rpc(self.device), payload, qos=1, properties=props)

    def replies(self, n: int, timeout: float = 20) -> list[dict]:
        return [json.loads(self.mqtt.wait_message(timeout).payload) for _ in range(n)]

    def close(self) -> None:
        self.mqtt.close()


@pytest.fixture
def office(hub: TestHub) -> TestHub:
    hub.admin.add_service("A", {"hu": "Okmányügyek", "en": "Documents"}, "A")
    hub.admin.add_counter(1, "Ablak 1")
    return hub


def _issue(req: str) -> str:
    return json.dumps({"req": req, "op": "ticket.issue", "args": {"services": ["A"]}})


POISON = [
    # a lone UTF-16 surrogate in the request id, in an argument, in a key
    (b'{"req": "x\\ud800", "op": "ticket.issue", "args": {"services": ["A"]}}', "bad_request"),
    (b'{"req": "p2", "op": "ticket.issue", "args": {"services": ["A"], "note": "\\udfff"}}', "bad_request"),
    (b'{"req": "p3", "op": "ticket.issue", "args": {"\\ud83d": 1}}', "bad_request"),
    (b'{"req": "p4", "op": "ticket.\\ud800", "args": {}}', "bad_request"),
    # NaN, Infinity and numbers too long to read
    (b'{"req": "p5", "op": "ticket.issue", "args": {"services": ["A"], "n": NaN}}', "bad_request"),
    (b'{"req": "p6", "op": "ticket.issue", "args": {"x": -Infinity}}', "bad_request"),
    (b'{"req": "p7", "op": "ticket.issue", "args": {"x": 1' + b"0" * 5000 + b"}}", "bad_request"),
    # the worker's internal jobs are not ops
    (b'{"req": "p8", "op": "__read__", "args": {}}', "unknown_op"),
    # not UTF-8, not an object, no req
    (b'\xff\xfe{"req": "p9"}', "bad_request"),
    (b'["req", "p10"]', "bad_request"),
    (b'{"op": "ticket.issue"}', "bad_request"),
]


def test_poisoned_requests_are_refused_and_never_block_the_good_ones(office: TestHub) -> None:
    kiosk = RawDevice(office, "kiosk-1", "kiosk")
    try:
        # A good request in the same batch as each poisoned one, many times over
        # (past Mosquitto's 20 unacknowledged messages per client).
        sent = 0
        for round_ in range(5):
            for i, (raw, _) in enumerate(POISON):
                kiosk.send(raw, corr=f"bad-{round_}-{i}".encode())
                kiosk.send(_issue(f"good-{round_}-{i}"), corr=f"good-{round_}-{i}".encode())
                sent += 2
        got = kiosk.replies(sent)
        good = [r for r in got if r.get("req", "").startswith("good-")]
        bad = [r for r in got if not r.get("req", "").startswith("good-")]
        assert len(good) == 5 * len(POISON) and all(r["ok"] for r in good)
        numbers = sorted(r["result"]["ticket"]["number"] for r in good)
        assert numbers == [f"A{n:03d}" for n in range(1, len(good) + 1)]  # none used up, none lost
        codes = sorted(r["error"]["code"] for r in bad)
        assert codes == sorted(code for _, code in POISON for _ in range(5))
    finally:
        kiosk.close()


def test_fifty_poisoned_requests_then_a_valid_one_is_answered_also_after_a_restart(
        hub_factory) -> None:
    hub = hub_factory("poison")
    hub.admin.add_service("A", {"hu": "A", "en": "A"}, "A")
    kiosk = RawDevice(hub, "kiosk-1", "kiosk")
    for i in range(50):
        kiosk.send(b'{"req": "x\\ud800%d", "op": "ticket.issue", "args": {"services": ["A"]}}' % i)
    kiosk.send(_issue("after-50"))
    got = kiosk.replies(51)
    assert got[-1]["req"] == "after-50" and got[-1]["ok"]
    assert all(r["error"]["code"] == "bad_request" for r in got[:50])
    kiosk.close()
    # and the broker holds nothing back for the hub: a restarted hub answers at once
    hub.stop()
    hub.start()
    again = RawDevice.__new__(RawDevice)
    again.hub, again.device = hub, "kiosk-1"
    s = hub.device_settings("kiosk-2", "kiosk")
    again.device = "kiosk-2"
    again.mqtt = MqttTestClient(HOST, hub.port, BrokerAccount(s.username, s.password, "kiosk", "kiosk-2"),
                                client_id=s.client_id or "kiosk-2")
    assert not again.mqtt.connect().is_failure
    again.mqtt.subscribe(hub.topics.reply("kiosk-2"))
    again.send(_issue("after-restart"))
    (reply,) = again.replies(1)
    assert reply["ok"] and reply["result"]["ticket"]["number"] == "A002"
    again.close()


@pytest.mark.parametrize("depth", [100, 5_000, 100_000])
def test_deeply_nested_json_gets_bad_request(office: TestHub, depth: int) -> None:
    kiosk = RawDevice(office, "kiosk-1", "kiosk")
    try:
        nested = "[" * depth + "]" * depth
        kiosk.send('{"req": "deep", "op": "ticket.issue", "args": {"services": ["A"], "x": ' + nested + "}}")
        kiosk.send(_issue("after-deep"))
        first, second = kiosk.replies(2)
        assert first["req"] == "deep" and first["error"]["code"] == "bad_request"
        assert second["ok"]
    finally:
        kiosk.close()


def test_an_engine_failure_is_internal_and_spares_the_rest_of_the_batch(office: TestHub,
                                                                         monkeypatch) -> None:
    """A bug inside the engine (here a KeyError) is `internal`, never `bad_args`, and the
    other requests of its batch are applied and answered."""
    engine = office.hub.engine
    real = engine.issue_ticket

    def broken(services, **kw):
        if kw.get("note") == "boom":
            raise KeyError("engine bug")
        return real(services, **kw)

    monkeypatch.setattr(engine, "issue_ticket", broken)
    kiosk = RawDevice(office, "kiosk-1", "kiosk")
    try:
        for i in range(10):
            note = "boom" if i % 3 == 0 else ""
            kiosk.send(json.dumps({"req": f"r{i}", "op": "ticket.issue",
                                   "args": {"services": ["A"], "note": note}}))
        got = {r["req"]: r for r in kiosk.replies(10)}
        for i in range(10):
            r = got[f"r{i}"]
            if i % 3 == 0:
                assert r["error"]["code"] == "internal"
            else:
                assert r["ok"]
        numbers = sorted(r["result"]["ticket"]["number"] for r in got.values() if r["ok"])
        assert numbers == [f"A{n:03d}" for n in range(1, 7)]
    finally:
        kiosk.close()


def test_an_oversize_request_is_refused_by_the_client_and_the_connection_stays(office: TestHub) -> None:
    kiosk: BusClient = office.client("kiosk-1", "kiosk")
    big = "x" * MAX_MESSAGE_BYTES
    with pytest.raises(RequestError) as err:
        kiosk.call("ticket.issue", {"services": ["A"], "note": big}, timeout=5)
    assert err.value.code == "too_large"
    assert kiosk.pending_count() == 0 and kiosk.connected
    assert kiosk.call("ticket.issue", {"services": ["A"]})["ticket"]["number"] == "A001"


def test_the_broker_limit_is_the_protocol_limit(office: TestHub) -> None:
    conf = next(office.data_dir.rglob("mosquitto.conf")).read_text()
    assert f"max_packet_size {MAX_MESSAGE_BYTES}" in conf


def test_a_request_with_no_reply_in_time_fails_with_timeout(office: TestHub) -> None:
    kiosk: BusClient = office.client("kiosk-1", "kiosk")
    office.hub.bus.stop()  # the hub is gone from the broker: nobody answers
    with pytest.raises(RequestError) as err:
        kiosk.request("ticket.issue", {"services": ["A"]}, reply_timeout_s=1.0).result(10)
    assert err.value.code == "timeout"
