"""The hub over a real Mosquitto: requests, idempotency, rights, bad input, concurrency."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections import Counter as Tally

import pytest
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from hub.broker import BrokerAccount
from sorra.bus import BusClient, RequestError
from tests.broker_fixture import MqttTestClient
from tests.hub_fixture import HOST, TestHub
from tests.protocol_check import validate_message


def _raw_client(hub: TestHub, device: str, role: str, counter: int | None = None) -> MqttTestClient:
    s = hub.device_settings(device, role, counter)
    c = MqttTestClient(HOST, hub.port, BrokerAccount(s.username, s.password, role, device))
    assert not c.connect().is_failure
    c.subscribe(hub.topics.reply(device))
    return c


def _request(c: MqttTestClient, hub: TestHub, device: str, payload: bytes | str, corr: bytes = b"x") -> dict:
    props = Properties(PacketTypes.PUBLISH)
    props.ResponseTopic = hub.topics.reply(device)
    props.CorrelationData = corr
    c.publish(hub.topics.rpc(device), payload, qos=1, properties=props)
    msg = c.wait_message(10)
    assert msg.properties.CorrelationData == corr
    return json.loads(msg.payload)


@pytest.fixture
def office(hub: TestHub) -> TestHub:
    hub.admin.add_service("A", {"hu": "Okmányügyek", "en": "Documents"}, "A", {"hu": "Személyi igazolvány"})
    hub.admin.add_service("B", {"hu": "Adóügyek", "en": "Tax"}, "B")
    for n in (1, 2, 3, 4):
        hub.admin.add_counter(n, f"Ablak {n}")
    return hub


def test_issue_call_and_state_topics_match_the_protocol(office: TestHub) -> None:
    watcher = office.client("display-1", "display")
    got: dict[str, dict] = {}
    seen = threading.Event()
    states = threading.Event()
    wanted = {"state/services", "state/queue", "state/calls", "state/counters/1"}

    def on(suffix: str, payload: dict | None) -> None:
        if payload is not None:
            validate_message(suffix, payload)
            got[suffix] = payload
            if suffix == "event/call":
                seen.set()
            if "event/call" in got and wanted <= set(got) and got["state/calls"]["calls"]:
                states.set()  # the snapshots follow within ROOM_STATE_EVERY_S

    watcher.subscribe_state("#", on)
    watcher.subscribe_event("#", on)
    kiosk = office.client("kiosk-1", "kiosk")
    counter = office.client("counter-1", "counter", 1)
    ticket = kiosk.call("ticket.issue", {"services": ["A"], "lang": "en"})["ticket"]
    validate_message("reply:ticket.issue", {"req": "r", "ok": True, "result": {"ticket": ticket}})
    assert ticket["number"] == "A001" and ticket["ahead"] == 0 and ticket["status_url"].endswith(ticket["token"])
    counter.call("counter.resume")
    called = counter.call("counter.call_next")["ticket"]
    assert called["id"] == ticket["id"] and called["counter"] == 1
    assert seen.wait(10)
    assert got["event/call"]["number"] == "A001" and got["event/call"]["counter_name"] == "Ablak 1"
    assert states.wait(10)
    assert got["state/calls"]["calls"][-1]["number"] == "A001"
    # Next again: A001 is finished implicitly and nobody else waits
    assert counter.call("counter.call_next") == {"ticket": None}
    assert office.hub.worker.run_in_worker(lambda e: e.state.tickets[ticket["id"]].state) == "done"


def test_a_repeated_request_returns_the_first_reply_and_changes_nothing(office: TestHub) -> None:
    kiosk = office.client("kiosk-1", "kiosk")
    first = kiosk.request("ticket.issue", {"services": ["A"]}, req="tap-1").result(10)
    # the same req again (a retry after a lost reply) from a new future
    raw = _raw_client(office, "kiosk-2", "kiosk")
    r1 = _request(raw, office, "kiosk-2", json.dumps({"req": "same", "op": "ticket.issue", "args": {"services": ["B"]}}))
    r2 = _request(raw, office, "kiosk-2", json.dumps({"req": "same", "op": "ticket.issue", "args": {"services": ["B"]}}))
    assert r1 == r2 and r1["ok"]
    raw.close()
    numbers = office.hub.worker.run_in_worker(lambda e: sorted(t.number for t in e.state.tickets.values()))
    assert numbers == [first["ticket"]["number"], "B001"]


def test_the_reply_sent_is_the_reply_stored_byte_for_byte(office: TestHub) -> None:
    """Encoded once: what the device reads is exactly what a retry of the same request gets."""
    raw = _raw_client(office, "kiosk-2", "kiosk")
    props = Properties(PacketTypes.PUBLISH)
    props.ResponseTopic = office.topics.reply("kiosk-2")
    props.CorrelationData = b"c-1"
    payload = json.dumps({"req": "bytes-1", "op": "ticket.issue", "args": {"services": ["A"], "note": "Őrs ✓"}})
    raw.publish(office.topics.rpc("kiosk-2"), payload, qos=1, properties=props)
    msg = raw.wait_message(10)
    raw.close()
    assert msg.properties.CorrelationData == b"c-1"
    stored = office.hub.store.db.execute(
        "SELECT reply FROM requests WHERE device = 'kiosk-2' AND req = 'bytes-1'").fetchone()[0]
    assert msg.payload == stored.encode("utf-8")
    reply = json.loads(msg.payload)
    assert reply["ok"] and reply["result"]["ticket"]["note"] == "Őrs ✓"
    validate_message("reply:ticket.issue", reply)


def test_a_batch_that_could_not_be_saved_is_answered_with_the_error_not_the_reply_it_encoded(
        office: TestHub, monkeypatch: pytest.MonkeyPatch) -> None:
    store = office.hub.store
    write = store._write

    def write_then_fail(*args: object) -> None:
        write(*args)  # the reply row's JSON is made here, then the disk fails before COMMIT
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(store, "_write", write_then_fail)
    kiosk = office.client("kiosk-1", "kiosk")
    with pytest.raises(RequestError) as refused:
        kiosk.call("ticket.issue", {"services": ["A"]})
    assert refused.value.code == "internal" and "could not save" in str(refused.value)
    monkeypatch.setattr(store, "_write", write)
    assert kiosk.call("ticket.issue", {"services": ["A"]})["ticket"]["number"] == "A001"


def test_rights_kiosk_cannot_call_and_a_counter_acts_only_for_itself(office: TestHub) -> None:
    kiosk = office.client("kiosk-1", "kiosk")
    display = office.client("display-1", "display")
    c1 = office.client("counter-1", "counter", 1)
    with pytest.raises(RequestError) as err:
        kiosk.call("counter.call_next")
    assert err.value.code == "forbidden"
    with pytest.raises(RequestError) as err:
        display.call("ticket.issue", {"services": ["A"]})
    assert err.value.code == "forbidden"
    kiosk.call("ticket.issue", {"services": ["A"]})
    c1.call("counter.resume")
    assert c1.call("counter.call_next")["ticket"]["counter"] == 1
    # counter-2 publishing on counter-1's request topic is refused by the broker (PUBACK 135)
    raw = _raw_client(office, "counter-2", "counter", 2)
    rc = raw.publish(office.topics.rpc("counter-1"),
                     json.dumps({"req": "evil", "op": "counter.finish", "args": {}}), qos=1)
    assert rc is not None and rc.value == 135
    # …and cannot read counter-1's replies
    raw.subscribe(office.topics.reply("counter-1"))
    assert office.hub.engine.state.counters[1].ticket is not None
    raw.close()


def test_anonymous_and_unknown_clients_are_refused(office: TestHub) -> None:
    anon = MqttTestClient(HOST, office.port)
    assert anon.connect().is_failure
    bad = MqttTestClient(HOST, office.port, BrokerAccount("kiosk-x", "wrong-password", "kiosk", "kiosk-x"))
    assert bad.connect().is_failure


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        (b"{not json", "bad_request"),
        (b"[1, 2, 3]", "bad_request"),
        (json.dumps({"op": "ticket.issue", "args": {}}).encode(), "bad_request"),
        (json.dumps({"req": "r1", "op": "ticket.explode", "args": {}}).encode(), "unknown_op"),
        (json.dumps({"req": "r2", "op": "ticket.issue", "args": {"services": "A"}}).encode(), "bad_args"),
        (json.dumps({"req": "r3", "op": "ticket.issue", "args": {"services": ["A"], "extra": 1}}).encode(), "bad_args"),
        (json.dumps({"req": "r4", "op": "ticket.issue", "args": {"services": ["ZZ"]}}).encode(), "not_found"),
        (json.dumps({"req": "r5", "op": "ticket.issue", "args": {"services": ["A"], "note": "x" * 60000}}).encode(), "bad_args"),
        (json.dumps({"req": "r6", "op": "ticket.issue", "args": [1]}).encode(), "bad_args"),
        (json.dumps({"req": "r7", "op": 5}).encode(), "bad_request"),
        (json.dumps({"req": "x" * 100, "op": "ticket.issue"}).encode(), "bad_request"),
    ],
)
def test_bad_input_gets_an_error_reply_and_changes_nothing(office: TestHub, payload: bytes, code: str) -> None:
    raw = _raw_client(office, "kiosk-1", "kiosk")
    before = office.hub.worker.run_in_worker(lambda e: e.state.snapshot())
    reply = _request(raw, office, "kiosk-1", payload)
    assert reply["ok"] is False and reply["error"]["code"] == code, reply
    validate_message("reply", reply)
    after = office.hub.worker.run_in_worker(lambda e: e.state.snapshot())
    assert after == before
    # the hub still works
    good = _request(raw, office, "kiosk-1", json.dumps({"req": "ok1", "op": "ticket.issue", "args": {"services": ["A"]}}))
    assert good["ok"]
    raw.close()


def test_a_payload_over_the_broker_limit_is_refused_by_the_broker(office: TestHub) -> None:
    raw = _raw_client(office, "kiosk-1", "kiosk")
    huge = json.dumps({"req": "big", "op": "ticket.issue", "args": {"services": ["A"], "note": "x" * 400_000}})
    raw.client.publish(office.topics.rpc("kiosk-1"), huge, qos=1)
    # the broker drops the connection of a client that exceeds max_packet_size
    assert raw.disconnected.wait(10)
    assert office.hub.worker.run_in_worker(lambda e: len(e.state.tickets)) == 0
    raw.close()


def test_concurrent_counters_never_get_the_same_ticket(office: TestHub) -> None:
    kiosk = office.client("kiosk-1", "kiosk")
    total = 60
    futures = [kiosk.request("ticket.issue", {"services": ["A" if i % 3 else "B"]}) for i in range(total)]
    for f in futures:
        f.result(20)
    counters: list[BusClient] = [office.client(f"counter-{n}", "counter", n) for n in (1, 2, 3, 4)]
    for c in counters:
        c.call("counter.resume")
    called: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(len(counters))

    def press_until_empty(c: BusClient) -> None:
        start.wait()
        while True:
            t = c.call("counter.call_next", timeout=20)["ticket"]
            if t is None:
                return
            with lock:
                called.append(t["id"])

    threads = [threading.Thread(target=press_until_empty, args=(c,)) for c in counters]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    assert len(called) == total
    assert max(Tally(called).values()) == 1


def test_a_burst_of_requests_is_folded_into_few_snapshots_and_the_last_is_right(office: TestHub) -> None:
    """Retained state is read at most every ROOM_STATE_EVERY_S: thirty tickets one after another give
    a handful of ``state/queue`` snapshots, not thirty, and the last one counts all thirty."""
    watcher = office.client("display-1", "display")
    snapshots: list[int] = []
    done = threading.Event()

    def on(_suffix: str, payload: dict | None) -> None:
        if payload is not None:
            snapshots.append(payload["waiting"])
            if payload["waiting"] == 30:
                done.set()

    watcher.subscribe_state("queue", on)
    kiosk = office.client("kiosk-1", "kiosk")
    kiosk.call("ticket.issue", {"services": ["A"]})  # the first after a quiet spell goes at once
    assert office.hub.bus.flush()
    before = len(snapshots)
    for _ in range(29):
        kiosk.call("ticket.issue", {"services": ["A"]})
    assert done.wait(10)
    assert snapshots[-1] == 30
    assert len(snapshots) - before <= 10  # one per commit would be 29
