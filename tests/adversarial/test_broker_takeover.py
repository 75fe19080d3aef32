"""Client-id takeover and the pairing account, tried against a real hub and its Mosquitto.

Mosquitto disconnects a connected client when another one logs in with the same
client id. Before: any device's credentials could log in with another device's
client id, and the shared pairing account (its password a constant in the code)
could log in as ``sorra-hub`` and throw the hub off its broker. Now every
listener has ``use_username_as_clientid``: whatever id a client asks for, it gets
its username, so each account can only ever replace its own session.

A takeover is seen, not guessed: the victims' disconnect callbacks are watched,
and each test ends with a request that has to travel device → hub → device after
the attacks (a kicked hub could not answer it without reconnecting first, which
the watch would see).
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from hub.broker import BrokerAccount
from hub.pairing import pairing_secret
from sorra.pairing import crypto, wire
from sorra.pairing.tls import encrypt_only_context
from tests.broker_fixture import MqttTestClient
from tests.hub_fixture import HOST, TestHub

NOT_AUTHORIZED = 135


class Watch:
    """Records every disconnect of the hub's own MQTT clients (bus service, pairing service)."""

    def __init__(self, hub: TestHub) -> None:
        self.kicked: list[str] = []
        for name, client in (("bus", hub.hub.bus._client), ("pairing", hub.hub.pairing._client)):
            original = client.on_disconnect

            def spy(*args, _name=name, _original=original):
                self.kicked.append(_name)
                _original(*args)

            client.on_disconnect = spy


@pytest.fixture
def office(hub: TestHub) -> TestHub:
    hub.admin.add_service("A", {"hu": "Okmányügyek", "en": "Documents"}, "A")
    return hub


def _device(hub: TestHub, device: str) -> BrokerAccount:
    s = hub.device_settings(device, "kiosk")
    return BrokerAccount(s.username, s.password, "kiosk", device)


def _pairing(hub: TestHub, slot: int = 7) -> BrokerAccount:
    return BrokerAccount(wire.pairing_username(slot), pairing_secret(hub.hub), "pairing", "")


def _client(hub: TestHub, account: BrokerAccount, *, tls: bool = False, **kwargs) -> MqttTestClient:
    """A raw client on the plain loopback port, or (``tls``) on the devices' TLS port."""
    c = MqttTestClient(HOST, hub.hub.device_port if tls else hub.port, account, **kwargs)
    if tls:
        c.client.tls_set_context(encrypt_only_context())
    return c


def _victim(hub: TestHub, device: str):
    client = hub.client(device, "kiosk")
    drops: list[bool] = []
    back = threading.Event()

    def seen(online: bool) -> None:
        drops.append(online)
        if online:
            back.set()

    client.on_connection(seen)
    return client, drops, back


HUB_IDS = ["sorra-hub", "hub", "hub.pairing", "sorra-hub-pairing-office", "admin", "admin.0"]


def test_a_device_cannot_take_over_another_devices_or_the_hubs_session(office: TestHub) -> None:
    watch = Watch(office)
    victim, drops, back = _victim(office, "kiosk-1")
    attacker = _device(office, "kiosk-2")
    for tls in (False, True):
        for client_id in ["kiosk-1", "sorra-kiosk-1", *HUB_IDS]:
            c = _client(office, attacker, tls=tls, client_id=client_id)
            assert not c.connect().is_failure  # it gets in, as itself
            c.close()
    # the attacks are over: the victim and the hub still hold their first connections
    assert victim.call("ticket.issue", {"services": ["A"]})["ticket"]["number"] == "A001"
    assert False not in drops and watch.kicked == []

    # control: the same login *with the victim's own credentials* does replace its session,
    # so the watch above would have seen a takeover
    mine = BrokerAccount(victim.settings.username, victim.settings.password, "kiosk", "kiosk-1")
    own = _client(office, mine, client_id="anything")
    back.clear()
    assert not own.connect().is_failure
    own.close()
    assert back.wait(10) and False in drops  # kicked, and back by itself


def test_the_pairing_account_cannot_take_over_the_hub(office: TestHub) -> None:
    watch = Watch(office)
    victim, drops, _ = _victim(office, "kiosk-1")
    account = _pairing(office)
    for tls in (False, True):
        for client_id in [*HUB_IDS, "kiosk-1", "sorra-kiosk-1", "pairing"]:
            c = _client(office, account, tls=tls, client_id=client_id)
            assert not c.connect().is_failure
            c.close()
    assert victim.call("ticket.issue", {"services": ["A"]})["ticket"]["number"] == "A001"
    assert False not in drops and watch.kicked == []
    # and the pairing service still answers (it was not kicked either)
    c = _client(office, account, tls=True)
    assert not c.connect().is_failure
    rid, nonce = "takeover01", crypto.nonce()
    c.subscribe(office.topics.pair_reply(rid))
    c.publish(office.topics.pair_request(rid), wire.encode(wire.hello_request(nonce)))
    assert json.loads(c.wait_message(10).payload)["nonce"] == nonce
    c.close()


def test_the_pairing_secret_opens_only_the_pairing_accounts(office: TestHub) -> None:
    secret = pairing_secret(office.hub)
    for username in ("hub", "hub.pairing", "admin", "admin.0", "kiosk-1"):
        c = _client(office, BrokerAccount("x", "x", "kiosk", "x"), tls=True)
        c.client.username_pw_set(username, secret)
        assert c.connect().value == NOT_AUTHORIZED, username
    # the old constant password is gone, and so is the old shared username
    for username, password in (("pairing", "sorra-pairing"), ("pairing", secret),
                               (wire.pairing_username(0), "sorra-pairing")):
        c = _client(office, BrokerAccount("x", "x", "kiosk", "x"))
        c.client.username_pw_set(username, password)
        assert c.connect().value == NOT_AUTHORIZED, (username, password)
    assert not hasattr(wire, "PAIRING_PASSWORD")


def test_the_pairing_account_reaches_nothing_but_the_pairing_topics(office: TestHub) -> None:
    office.client("display-1", "display")  # retained state and presence exist to be leaked
    kiosk, _, _ = _victim(office, "kiosk-1")
    root = f"sorra/v1/{office.site}"
    spy = _client(office, _pairing(office, 3), tls=True)
    assert not spy.connect().is_failure
    # read: everything but its own replies is refused or never delivered
    for topic in ("#", f"{root}/#", f"{root}/state/#", f"{root}/device/+/status", f"{root}/rpc/+",
                  f"{root}/reply/+", f"{root}/pair/request/+", "$SYS/#", f"{root}/event/#"):
        spy.subscribe(topic)
    # write: forged requests, state, presence and pairing replies; all dropped by the broker
    admin = MqttTestClient(HOST, office.port, BrokerAccount(
        "admin.5", office.hub.secrets["admin_password"], "admin", "admin"))
    assert not admin.connect().is_failure
    admin.subscribe(f"{root}/#")
    forged = {f"{root}/rpc/kiosk-1": json.dumps({"req": "forged", "op": "ticket.issue",
                                                 "args": {"services": ["A"]}}),
              f"{root}/state/office": "{}", f"{root}/device/kiosk-1/status": '{"online": false}',
              f"{root}/pair/reply/abcdefgh12": "{}", f"{root}/event/call": "{}"}
    for topic, payload in forged.items():
        spy.publish(topic, payload)
    # a sentinel it may send: everything the admin sees from here on is in order after the forgeries
    rid, nonce = "sentinel01", crypto.nonce()
    spy.subscribe(office.topics.pair_reply(rid))
    spy.publish(office.topics.pair_request(rid), wire.encode(wire.hello_request(nonce)))
    seen_by_spy = []
    while True:
        msg = spy.wait_message(10)
        seen_by_spy.append(msg.topic)
        if msg.topic == office.topics.pair_reply(rid):
            break
    assert seen_by_spy == [office.topics.pair_reply(rid)], seen_by_spy  # nothing else leaked to it
    seen_by_admin = []
    while True:
        msg = admin.wait_message(10)
        seen_by_admin.append((msg.topic, msg.payload.decode()))
        if msg.topic == office.topics.pair_request(rid):
            break
    assert not set(forged.items()) & set(seen_by_admin), seen_by_admin  # no forgery got through
    assert kiosk.call("ticket.issue", {"services": ["A"]})["ticket"]["number"] == "A001"  # nothing forged
    admin.close()
    spy.close()


def test_every_hub_has_its_own_pairing_secret(hub_factory, tmp_path: Path) -> None:
    a, b = hub_factory("a", site="office"), hub_factory("b", site="office")
    sa, sb = pairing_secret(a.hub), pairing_secret(b.hub)
    assert sa and sb and sa != sb and len(sa) >= 20
    for h, s in ((a, sa), (b, sb)):
        stored = json.loads((h.data_dir / "secrets.json").read_text())
        assert stored["pairing_secret"] == s
        assert (h.data_dir / "secrets.json").stat().st_mode & 0o077 == 0
        assert h.hub.discovery.advertiser is not None  # the secret is what the TXT record carries
    # hub a's secret does not open hub b's broker
    c = _client(b, BrokerAccount(wire.pairing_username(1), sa, "pairing", ""), tls=True)
    assert c.connect().value == NOT_AUTHORIZED
    c = _client(b, BrokerAccount(wire.pairing_username(1), sb, "pairing", ""), tls=True)
    assert not c.connect().is_failure
    c.close()
    # and it survives a restart of the same data dir
    a.stop()
    a.start()
    assert pairing_secret(a.hub) == sa


def test_the_pairing_secret_is_rotated_on_a_stopped_hub(hub_factory, capsys) -> None:
    from hub import cli as hub_cli

    h = hub_factory()
    old = pairing_secret(h.hub)
    assert hub_cli.main(["--data", str(h.data_dir), "rotate", "pairing-secret"]) == 1  # not while it runs
    assert "stop the hub first" in capsys.readouterr().err
    h.stop()
    assert hub_cli.main(["--data", str(h.data_dir), "rotate", "pairing-secret"]) == 0
    h.start()
    new = pairing_secret(h.hub)
    assert new != old
    c = _client(h, BrokerAccount(wire.pairing_username(2), old, "pairing", ""), tls=True)
    assert c.connect().value == NOT_AUTHORIZED  # the old one opens nothing any more
    c = _client(h, BrokerAccount(wire.pairing_username(2), new, "pairing", ""), tls=True)
    assert not c.connect().is_failure
    c.close()


def test_the_hubs_session_persists_under_its_username(office: TestHub) -> None:
    """The client id is now ``hub`` (its username); the session it resumes still holds what
    arrived while its connection was gone (the device here never re-sends)."""
    import socket

    from sorra.bus import BusClient

    settings = office.device_settings("kiosk-1", "kiosk")
    settings.resend_after_s = 600.0  # only the hub's persistent session can deliver this request
    kiosk = BusClient(settings)
    kiosk.start()
    assert kiosk.wait_connected(10)
    back = threading.Event()
    client = office.hub.bus._client
    original = client.on_connect

    def reconnected(*args):
        original(*args)
        back.set()

    client.on_connect = reconnected
    client.socket().shutdown(socket.SHUT_RDWR)  # the hub's connection breaks (as on a network fault)
    future = kiosk.request("ticket.issue", {"services": ["A"]})
    assert back.wait(15)
    assert future.result(15)["ticket"]["number"] == "A001"
    log = (office.data_dir / "broker" / "mosquitto.log").read_text()
    assert "as hub (p5, c0" in log  # client id "hub", clean start off
    kiosk.stop()
