"""Pairing messages and their cryptography, on bytes (no network)."""

from __future__ import annotations

import pytest

from hub.broker import hash_password
from hub.pairing import TokenBucket, verify_mosquitto_hash
from sorra.pairing import crypto, wire

RID = "0123456789abcdef"


def signed_hello(identity: crypto.HubIdentity, nonce: str, rid: str = RID, **card_changes) -> dict:
    card = wire.hub_card(site="office", fp=identity.fingerprint, pub=crypto.b64e(identity.public_raw),
                         box=crypto.b64e(identity.box_public_raw), addrs=["10.0.0.1", "127.0.0.1"],
                         mqtt=1883, web=8080, ver="0.1.0")
    card.update(card_changes)
    body = wire.unsigned_reply("hello", rid, nonce, card, "ok")
    body["sig"] = identity.sign(body)
    return wire.decode(wire.encode(body))


def test_identity_is_stable_for_its_seed_and_its_fingerprint_is_sha256_of_the_key():
    seed = "11" * 32
    a, b = crypto.HubIdentity.from_hex(seed), crypto.HubIdentity.from_hex(seed)
    assert a.fingerprint == b.fingerprint == crypto.fingerprint(a.public_raw)
    assert len(a.fingerprint) == 64 and seed not in repr(a)
    assert crypto.HubIdentity.generate().fingerprint != a.fingerprint


def test_a_signed_hello_verifies_and_names_the_hub():
    hub = crypto.HubIdentity.generate()
    nonce = crypto.nonce()
    card = wire.verify_reply(signed_hello(hub, nonce), op="hello", rid=RID, nonce=nonce,
                             expected_fp=hub.fingerprint, expected_site="office")
    assert card.fingerprint == hub.fingerprint and card.mqtt_port == 1883
    assert wire.address_is_hubs(card, "10.0.0.1") and not wire.address_is_hubs(card, "10.0.0.66")


def test_a_hello_is_refused_if_altered_replayed_or_from_another_key():
    hub, rogue = crypto.HubIdentity.generate(), crypto.HubIdentity.generate()
    nonce = crypto.nonce()
    reply = signed_hello(hub, nonce)
    tampered = {**reply, "hub": {**reply["hub"], "addrs": ["10.0.0.66"]}}
    with pytest.raises(wire.WireError, match="signature"):
        wire.verify_reply(tampered, op="hello", rid=RID, nonce=nonce)
    with pytest.raises(wire.WireError, match="replayed"):
        wire.verify_reply(reply, op="hello", rid=RID, nonce=crypto.nonce())
    with pytest.raises(wire.WireError, match="not the expected"):
        wire.verify_reply(signed_hello(rogue, nonce), op="hello", rid=RID, nonce=nonce,
                          expected_fp=hub.fingerprint)
    # a rogue that copies the real hub's fingerprint but signs with its own key
    copied = signed_hello(rogue, nonce, fp=hub.fingerprint)
    with pytest.raises(wire.WireError, match="does not match the fingerprint"):
        wire.verify_reply(copied, op="hello", rid=RID, nonce=nonce, expected_fp=hub.fingerprint)
    # a rogue that copies the real key and fingerprint cannot sign
    stolen = signed_hello(rogue, nonce, fp=hub.fingerprint, pub=crypto.b64e(hub.public_raw))
    with pytest.raises(wire.WireError, match="signature"):
        wire.verify_reply(stolen, op="hello", rid=RID, nonce=nonce, expected_fp=hub.fingerprint)


def test_credentials_open_only_with_the_device_key_and_the_right_request():
    device, hub_eph, stranger = crypto.Ephemeral(), crypto.Ephemeral(), crypto.Ephemeral()
    sealed = hub_eph.seal(device.public_raw, {"password": "s3cret"}, wire.creds_aad(RID))
    assert "s3cret" not in str(sealed)
    assert device.open(sealed, wire.creds_aad(RID)) == {"password": "s3cret"}
    with pytest.raises(crypto.CryptoError):
        stranger.open(sealed, wire.creds_aad(RID))
    with pytest.raises(crypto.CryptoError):
        device.open(sealed, wire.creds_aad("ffffffffffffffff"))


def test_a_device_seals_to_the_hubs_box_key():
    hub = crypto.HubIdentity.generate()
    sealed = crypto.Ephemeral().seal(hub.box_public_raw, {"device": "k1", "password": "pw"}, wire.unpair_aad(RID))
    assert hub.open_sealed(sealed, wire.unpair_aad(RID)) == {"device": "k1", "password": "pw"}
    with pytest.raises(crypto.CryptoError):
        crypto.HubIdentity.generate().open_sealed(sealed, wire.unpair_aad(RID))


def test_the_code_names_one_key_for_one_hub():
    key = crypto.Ephemeral().public_raw
    code = crypto.pairing_code("a" * 64, key)
    assert code == crypto.pairing_code("a" * 64, key) and len(code) == 7 and code[3] == " "
    assert code != crypto.pairing_code("b" * 64, key)
    assert crypto.normalize_code(code.replace(" ", "")) == code
    assert crypto.normalize_code(code.replace(" ", "-")) == code
    assert crypto.normalize_code("12345") == "" and crypto.normalize_code("12a456") == ""


def test_requests_are_checked():
    good = wire.pair_request(crypto.nonce(), crypto.Ephemeral().public_raw,
                             {"id": "kiosk-1", "role": "kiosk", "name": "Entrance"})
    parsed = wire.parse_request(RID, wire.decode(wire.encode(good)))
    assert parsed["device"].id == "kiosk-1" and len(parsed["epk"]) == 32
    for bad in ({**good, "device": {"id": "Kiosk 1", "role": "kiosk"}},
                {**good, "device": {"id": "k", "role": "hub"}},
                {**good, "epk": "AAAA"}, {**good, "op": "steal"}, {**good, "nonce": ""}):
        with pytest.raises(wire.WireError):
            wire.parse_request(RID, bad)
    with pytest.raises(wire.WireError, match="protocol"):
        wire.decode(b'{"proto": 2, "op": "hello"}')
    with pytest.raises(wire.WireError):
        wire.parse_request("../../x", good)


def test_mosquitto_hash_check_matches_the_brokers_own_hash():
    stored = hash_password("correct horse")
    assert verify_mosquitto_hash("correct horse", stored)
    assert not verify_mosquitto_hash("wrong", stored)
    assert not verify_mosquitto_hash("x", "garbage")


def test_token_bucket():
    now = [0.0]
    bucket = TokenBucket(1 / 60, 2, lambda: now[0])
    assert bucket.take() and bucket.take() and not bucket.take()
    assert bucket.retry_after() == pytest.approx(60)
    now[0] = 60.0
    assert bucket.take()
