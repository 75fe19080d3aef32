"""Discovery and pairing end to end on loopback: real hubs, real Mosquitto, real mDNS on 127.0.0.1."""

from __future__ import annotations

import logging
import shutil
import threading
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest

from hub import cli as hub_cli
from hub.engine import EngineError
from hub.pairing import pairing_secret
from sorra import config as cfgmod
from sorra import discovery, pairing
from sorra.bus import BusClient, BusSettings
from sorra.discovery import Advertiser, HubIdentityError, HubNotFound, hub_txt
from sorra.pairing import crypto, wire
from sorra.pairing.channel import PairingChannel
from tests.broker_fixture import free_port
from tests.discovery.helpers import LOOP, Pairer, device_config, hub_announced, new_site
from tests.hub_fixture import TestHub


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SORRA_MDNS_INTERFACES", "127.0.0.1")


def pair(test_hub: TestHub, cfg, path: Path, **approve) -> cfgmod.DeviceConfig:
    p = Pairer(cfg, path)
    code = p.code()
    test_hub.hub.pairing.approve(code, **approve)
    return p.finish()


def connect(cfg: cfgmod.DeviceConfig) -> BusClient:
    host, port = discovery.resolve_hub(cfg, interfaces=LOOP, timeout_s=8)
    client = BusClient(BusSettings(host, port, cfg.hub.username, cfg.hub.password.get_secret_value(),
                                   cfg.device.site, cfg.device.id, cfg.device.role, tls=cfg.hub.tls,
                                   ca_pem=cfg.hub.ca))
    client.start()
    return client


def login_refused(host: str, port: int, username: str, password: str) -> bool:
    """True if the broker refuses this login (waits on the CONNACK, bounded)."""
    done, verdict = threading.Event(), {}
    c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    c.username_pw_set(username, password)

    def on_connect(client, userdata, flags, reason, props):
        verdict["failed"] = reason.is_failure
        done.set()

    c.on_connect = on_connect
    c.connect(host, port)
    c.loop_start()
    try:
        assert done.wait(5), "no CONNACK"
        return verdict["failed"]
    finally:
        c.disconnect()
        c.loop_stop()


def test_a_new_counter_pairs_through_the_cli_and_works(hub_factory, tmp_path, capsys, caplog):
    caplog.set_level(logging.DEBUG)
    site = new_site()
    h = hub_factory(site=site)
    hub_announced(h)
    cfg = device_config(site, role="counter", name="Window 3")
    path = tmp_path / "device.toml"
    p = Pairer(cfg, path)
    code = p.code()

    assert hub_cli.main(["--data", str(h.data_dir), "device", "pending"]) == 0
    out = capsys.readouterr().out
    assert code in out and crypto.short_fingerprint(h.hub.pairing.identity.fingerprint) in out
    assert any(code in s and "hub key" in s for s in p.status)  # the device shows which hub it asks

    with pytest.raises(EngineError, match="--counter"):  # a counter needs its number
        h.hub.pairing.approve(code)
    other = h.client("display-1", "display")  # already working: approval must not drop it
    drops: list[bool] = []
    other.on_connection(lambda online: drops.append(online))
    assert hub_cli.main(["--data", str(h.data_dir), "device", "approve", code.replace(" ", ""),
                         "--counter", "3"]) == 0
    new = p.finish()
    assert other.connected and False not in drops  # (a late "online" from its own connect is fine)

    saved = cfgmod.load(path)
    assert saved == new
    assert saved.hub.fingerprint == h.hub.pairing.identity.fingerprint
    assert saved.counter.number == 3 and saved.device.site == site and saved.hub.mqtt_port == h.hub.device_port
    assert saved.hub.tls and saved.hub.ca == h.hub.tls.ca_pem  # TLS by default, the CA it signed
    assert saved.hub.pairing_secret.get_secret_value() == pairing_secret(h.hub)
    assert saved.hub.host == ""  # found by mDNS, found again by mDNS at the next start
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    client = connect(saved)
    try:
        assert client.wait_connected(10)
    finally:
        client.stop()
    password = saved.hub.password.get_secret_value()
    assert all(password not in r.getMessage() for r in caplog.records), "a secret reached the log"
    assert pairing.ensure_paired(saved, path, lambda c: pytest.fail("paired devices show no code")) is saved


def test_wrong_and_expired_codes_are_refused(hub_factory, tmp_path):
    site = new_site()
    h = hub_factory(site=site)
    hub_announced(h)
    now = [1000.0]
    h.hub.pairing.clock = lambda: now[0]
    p = Pairer(device_config(site), tmp_path / "d.toml")
    try:
        code = p.code()
        with pytest.raises(EngineError, match="no pending") as err:
            h.hub.pairing.approve("999 999" if code != "999 999" else "111 111")
        assert err.value.code == "not_found"
        now[0] += h.hub.pairing.code_ttl_s + 1
        with pytest.raises(EngineError, match="expired") as err:
            h.hub.pairing.approve(code)
        assert err.value.code == "conflict"
        assert h.hub.pairing.pending()["pending"] == []
    finally:
        p.cancel()


def test_wrong_codes_at_approval_are_rate_limited(hub):
    hub.hub.pairing.clock = lambda: 0.0  # no refill during the test
    for _ in range(5):
        with pytest.raises(EngineError, match="no pending"):
            hub.hub.pairing.approve("123 456")
    with pytest.raises(EngineError, match="too many wrong codes"):
        hub.hub.pairing.approve("123 456")


def test_a_device_shows_a_new_code_when_its_code_expires(hub_factory, tmp_path):
    site = new_site()
    h = hub_factory(site=site)
    hub_announced(h)
    h.hub.pairing.code_ttl_s = 0.5
    p = Pairer(device_config(site), tmp_path / "d.toml")
    try:
        first, second = p.code(), p.code()
        assert first != second  # a new key, so a new code
    finally:
        p.cancel()


def test_pairing_requests_are_rate_limited(hub_factory):
    site = new_site()
    h = hub_factory(site=site)
    answers = []
    with PairingChannel("127.0.0.1", h.hub.device_port, site, secret=pairing_secret(h.hub), tls=True) as channel:
        for i in range(11):
            request = wire.pair_request(crypto.nonce(), crypto.Ephemeral().public_raw,
                                        {"id": f"kiosk-{i}", "role": "kiosk"})
            answers.append(channel.ask(request)[1]["status"])
    assert answers[:10] == ["pending"] * 10 and answers[10] == "rate_limited"


def test_a_spoofed_hub_is_refused(hub_factory, tmp_path):
    site = new_site()
    real = hub_factory("real", site=site)
    hub_announced(real)
    cfg = pair(real, device_config(site), tmp_path / "d.toml")
    fp = real.hub.pairing.identity.fingerprint

    # A rogue hub of the same site (its own key) and a box copying the real TXT record
    rogue = hub_factory("rogue", site=site)
    hub_announced(rogue)
    copycat = Advertiser(LOOP, discovery.HUB_TYPE, f"Sorra hub {site} (copy)", f"copy-{site}",
                         rogue.hub.device_port,
                         hub_txt(site=site, mqtt_port=rogue.hub.device_port, web_port=0, fingerprint=fp,
                                 version="x", tls=True, pairing_secret=pairing_secret(rogue.hub)),
                         ["127.0.0.1"]).start()
    try:
        assert copycat.registered(5)
        assert discovery.resolve_hub(cfg, interfaces=LOOP) == ("127.0.0.1", real.hub.device_port)  # the real one
        real.stop()
        with pytest.raises(HubIdentityError) as err:
            discovery.resolve_hub(cfg, interfaces=LOOP, timeout_s=1.5)
        text = str(err.value)
        assert "refusing" in text and site in text
    finally:
        copycat.stop()
        real.start()  # so the factory can stop it


def test_an_unpaired_device_does_not_guess_between_two_keys_of_one_site(hub_factory):
    site = new_site()
    a, b = hub_factory("a", site=site), hub_factory("b", site=site)
    hub_announced(a)
    hub_announced(b)
    with pytest.raises(discovery.AmbiguousHub, match="impostor"):
        discovery.locate(device_config(site), interfaces=LOOP, pinned=False, settle_s=0.5)


def test_two_sites_on_one_lan_are_told_apart(hub_factory, tmp_path):
    s1, s2 = new_site(), new_site()
    h1, h2 = hub_factory("one", site=s1), hub_factory("two", site=s2)
    hub_announced(h1)
    hub_announced(h2)
    p = Pairer(device_config(s2, role="display"), tmp_path / "d.toml")
    code = p.code()
    assert h1.hub.pairing.pending()["pending"] == []
    assert [x["code"] for x in h2.hub.pairing.pending()["pending"]] == [code]
    h2.hub.pairing.approve(code)
    cfg = p.finish()
    assert cfg.hub.fingerprint == h2.hub.pairing.identity.fingerprint
    assert discovery.resolve_hub(cfg, interfaces=LOOP) == ("127.0.0.1", h2.hub.device_port)


def test_unpairing_deletes_the_account_and_pairing_again_gives_new_credentials(hub_factory, tmp_path):
    site = new_site()
    h = hub_factory(site=site)
    hub_announced(h)
    path = tmp_path / "d.toml"
    cfg = pair(h, device_config(site), path)
    old_password = cfg.hub.password.get_secret_value()

    new, message = pairing.unpair(cfg, path, interfaces=LOOP)
    assert "no longer works" in message
    assert not pairing.is_paired(new) and not pairing.is_paired(cfgmod.load(path))
    assert login_refused("127.0.0.1", h.port, cfg.device.id, old_password)

    again = pair(h, new, path)
    assert again.device.id == cfg.device.id
    assert again.hub.password.get_secret_value() != old_password
    assert not login_refused("127.0.0.1", h.port, again.device.id, again.hub.password.get_secret_value())


def test_unpair_with_a_wrong_password_is_refused_by_the_hub(hub_factory, tmp_path):
    site = new_site()
    h = hub_factory(site=site)
    hub_announced(h)
    cfg = pair(h, device_config(site), tmp_path / "d.toml")
    forged = cfgmod.set_value(cfg, "hub.password", "guessed")
    _, message = pairing.unpair(forged, None, interfaces=LOOP)
    assert "could not be told" in message and "wrong password" in message
    assert h.hub.store.device(cfg.device.id) is not None


def test_a_restored_hub_data_dir_keeps_its_pairings(hub_factory, tmp_path):
    site = new_site()
    h = hub_factory(site=site)
    hub_announced(h)
    cfg = pair(h, device_config(site), tmp_path / "d.toml")
    h.stop()
    restored_dir = tmp_path / "restored"
    shutil.copytree(h.data_dir, restored_dir)
    restored = TestHub(restored_dir, site=site).start()  # new ports, same data
    try:
        hub_announced(restored)
        assert restored.port != h.port  # a new plain port; devices' TLS port and CA came with the data
        assert restored.hub.device_port == cfg.hub.mqtt_port and restored.hub.tls.ca_pem == cfg.hub.ca
        client = connect(cfg)
        try:
            assert client.wait_connected(10)
        finally:
            client.stop()
    finally:
        restored.stop()
        h.start()


def test_a_lingering_record_of_a_dead_hub_is_skipped(hub_factory, tmp_path):
    """Liveness is not read from mDNS: a stale record simply does not answer."""
    site = new_site()
    h = hub_factory(site=site)
    hub_announced(h)
    cfg = pair(h, device_config(site), tmp_path / "d.toml")
    dead_port = free_port()
    ghost = Advertiser(LOOP, discovery.HUB_TYPE, f"Sorra hub {site} (ghost)", f"ghost-{site}", dead_port,
                       hub_txt(site=site, mqtt_port=dead_port, web_port=0, fingerprint=cfg.hub.fingerprint,
                               version="x", tls=True, pairing_secret="x"), ["127.0.0.1"]).start()
    try:
        assert ghost.registered(5)
        assert discovery.resolve_hub(cfg, interfaces=LOOP) == ("127.0.0.1", h.hub.device_port)
        h.stop()
        with pytest.raises(HubNotFound, match="does not answer"):  # (an answer may be held back 1 s)
            discovery.resolve_hub(cfg, interfaces=LOOP, timeout_s=3)
    finally:
        ghost.stop()
        h.start()


def test_the_hub_lists_devices_seen_but_not_paired(hub_factory):
    site = new_site()
    h = hub_factory(site=site)
    cfg = device_config(site, role="display", id="display-lobby", name="Lobby TV")
    adv = discovery.advertise_device(cfg, LOOP)
    try:
        h.hub.discovery.wait_seen(8, lambda seen: any(d.id == "display-lobby" for d in seen))
        seen = [d for d in h.hub.pairing.pending()["seen"] if d["id"] == "display-lobby"]
        assert seen and seen[0]["role"] == "display" and seen[0]["addresses"] == ["127.0.0.1"]
        assert seen[0]["version"]
    finally:
        adv.stop()


def test_devices_set_up_by_hand_or_paired_are_not_listed_as_unpaired(hub_factory, tmp_path):
    site = new_site()
    h = hub_factory(site=site)
    # Added with "sorra hub device add" and configured by hand (the demo): its record names no hub key.
    creds = h.admin.call("admin.device_add", {"device": "display-hall", "role": "display"})
    by_hand = device_config(site, role="display", id="display-hall", name="Hall TV")
    by_hand.hub.username = creds["username"]
    paired = pair(h, device_config(site, id="kiosk-door"), tmp_path / "k.toml")
    stranger = device_config(site, role="display", id="display-lobby", name="Lobby TV")
    ads = [discovery.advertise_device(c, LOOP) for c in (by_hand, paired, stranger)]
    try:
        h.hub.discovery.wait_seen(8, lambda seen: {"display-hall", "kiosk-door", "display-lobby"}
                                  <= {d.id for d in seen})
        assert [d["id"] for d in h.hub.pairing.pending()["seen"]] == ["display-lobby"]
    finally:
        for ad in ads:
            ad.stop()


def test_a_manual_hub_address_works_without_mdns(hub_factory, tmp_path, monkeypatch):
    monkeypatch.setenv("SORRA_MDNS_INTERFACES", "off")
    site = new_site()
    h = hub_factory(site=site)
    cfg = cfgmod.set_values(device_config(site), {"hub.host": "127.0.0.1", "hub.mqtt_port": str(h.hub.device_port),
                                                  "hub.tls": "true", "hub.pairing_secret": pairing_secret(h.hub)})
    p = Pairer(cfg, tmp_path / "d.toml", interfaces=None)
    h.hub.pairing.approve(p.code())
    paired = p.finish()
    assert paired.hub.host == "127.0.0.1" and paired.hub.ca == h.hub.tls.ca_pem
    assert discovery.resolve_hub(paired) == ("127.0.0.1", h.hub.device_port)
    client = connect(paired)
    try:
        assert client.wait_connected(10)  # TLS, verified against the CA it was given
    finally:
        client.stop()


def test_a_manual_hub_address_without_the_pairing_secret_says_what_to_set(hub_factory, tmp_path, monkeypatch):
    monkeypatch.setenv("SORRA_MDNS_INTERFACES", "off")
    site = new_site()
    h = hub_factory(site=site)
    cfg = cfgmod.set_values(device_config(site), {"hub.host": "127.0.0.1", "hub.mqtt_port": str(h.hub.device_port),
                                                  "hub.tls": "true"})
    with pytest.raises(HubNotFound, match="hub.pairing_secret"):
        discovery.locate(cfg, interfaces=None, pinned=False, timeout_s=3)
