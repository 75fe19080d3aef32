"""Pairing messages on the wire (pure: build, parse, verify; no sockets).

Topics (with the hub's ``pairing.N`` broker accounts, opened by the hub's own
pairing secret from its mDNS TXT record, whose ACL allows only these): the device publishes to ``sorra/v1/{site}/pair/request/{rid}`` and
reads ``sorra/v1/{site}/pair/reply/{rid}``, where ``rid`` is a random id the
device picks per exchange. Payloads are JSON objects with ``"proto": 1``.

Requests (device → hub)::

    {"proto": 1, "op": "hello",  "nonce": N}
    {"proto": 1, "op": "pair",   "nonce": N, "epk": B64, "device": {id, role, name, counter, version, host, addrs}}
    {"proto": 1, "op": "unpair", "nonce": N, "sealed": {epk, nonce, ct}}   # {device, password} sealed to hub.box

Replies (hub → device), every one signed with the hub key::

    {"proto": 1, "op", "rid", "nonce": N (echoed), "status", "hub": CARD, ..., "sig": B64}
    CARD = {"site", "fp", "pub", "box", "addrs", "mqtt", "web", "ver", "tls", "ca"?}

``mqtt`` is the port devices use; ``tls`` says it speaks TLS, and ``ca`` is the
PEM of the CA(s) whose certificate the broker shows there: signed with the rest,
so a device trusts exactly the CA of the hub whose key it pinned.

``status``: ``ok`` (hello), ``pending`` (+ ``expires_in``), ``approved`` (+
``sealed`` credentials), ``rejected``, ``expired``, ``rate_limited`` (+
``retry_after``), ``unpaired``, ``error`` (+ ``message``).
"""

from __future__ import annotations

import ipaddress
import json
import re
from dataclasses import dataclass
from typing import Any

from sorra.pairing.crypto import (
    CryptoError,
    b64d,
    b64e,
    fingerprint,
    same_fingerprint,
    verify_signature,
)

PROTO = 1
MAX_PAYLOAD = 16 * 1024
RID = re.compile(r"^[a-z0-9]{8,32}$")
DEVICE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
ROLES = ("kiosk", "counter", "display")
STATUSES = ("ok", "pending", "approved", "rejected", "expired", "rate_limited", "unpaired", "error")

PAIRING_SLOTS = 256
"""Unpaired devices log in as ``pairing.N`` (N < PAIRING_SLOTS, picked at random for each
connection) with the hub's pairing secret. The broker makes the username the client id, so
a pairing login can never take over the hub's or a device's session; the ACL allows writing
``pair/request/+`` and reading ``pair/reply/+`` only, and everything secret that travels
there is signed and sealed. The secret is per hub (``data_dir/secrets.json``) and announced
in the hub's mDNS TXT record (``pair``): it keeps other hubs' devices and stray programs out,
it is not meant to be secret from the LAN."""


def pairing_username(slot: int) -> str:
    return f"pairing.{slot}"


class WireError(ValueError):
    """A pairing message that is malformed or fails verification (the text says why)."""


def encode(message: dict[str, Any]) -> bytes:
    return json.dumps(message, separators=(",", ":")).encode("utf-8")


def decode(payload: bytes) -> dict[str, Any]:
    if len(payload) > MAX_PAYLOAD:
        raise WireError("message too large")
    try:
        data = json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        raise WireError("not JSON") from None
    if not isinstance(data, dict):
        raise WireError("not a JSON object")
    if data.get("proto") != PROTO:
        raise WireError(f"unsupported pairing protocol {data.get('proto')!r} (this side speaks {PROTO})")
    return data


def creds_aad(rid: str) -> bytes:
    return b"sorra-creds\n" + rid.encode("ascii")


def unpair_aad(rid: str) -> bytes:
    return b"sorra-unpair\n" + rid.encode("ascii")


# ---- requests ------------------------------------------------------------------------------------


def hello_request(nonce: str) -> dict[str, Any]:
    return {"proto": PROTO, "op": "hello", "nonce": nonce}


def pair_request(nonce: str, epk: bytes, device: dict[str, Any]) -> dict[str, Any]:
    return {"proto": PROTO, "op": "pair", "nonce": nonce, "epk": b64e(epk), "device": device}


def unpair_request(nonce: str, sealed: dict[str, str]) -> dict[str, Any]:
    return {"proto": PROTO, "op": "unpair", "nonce": nonce, "sealed": sealed}


@dataclass(frozen=True)
class DeviceInfo:
    """What a device says about itself in a pair request (checked, not trusted)."""

    id: str
    role: str
    name: str = ""
    counter: int = 0
    version: str = ""
    host: str = ""
    addrs: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "role": self.role, "name": self.name, "counter": self.counter,
                "version": self.version, "host": self.host, "addrs": list(self.addrs)}


def parse_request(rid: str, data: dict[str, Any]) -> dict[str, Any]:
    """Check a request's shape (hub side); returns it with ``epk`` decoded and ``device`` a DeviceInfo."""
    if not RID.match(rid):
        raise WireError("bad request id")
    op = data.get("op")
    nonce = data.get("nonce")
    if not isinstance(nonce, str) or not 8 <= len(nonce) <= 64:
        raise WireError("missing nonce")
    if op == "hello":
        return {"op": op, "nonce": nonce}
    if op == "pair":
        try:
            epk = b64d(data.get("epk"), "epk", 32)
        except CryptoError as err:
            raise WireError(str(err)) from None
        return {"op": op, "nonce": nonce, "epk": epk, "device": parse_device(data.get("device"))}
    if op == "unpair":
        sealed = data.get("sealed")
        if not isinstance(sealed, dict):
            raise WireError("unpair: missing sealed box")
        return {"op": op, "nonce": nonce, "sealed": sealed}
    raise WireError(f"unknown op {op!r}")


def _text(value: Any, limit: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > limit or any(ord(c) < 32 for c in value):
        raise WireError("bad text field")
    return value


def parse_device(raw: Any) -> DeviceInfo:
    if not isinstance(raw, dict):
        raise WireError("pair: missing device")
    device_id = raw.get("id")
    if not isinstance(device_id, str) or not DEVICE_ID.match(device_id):
        raise WireError("pair: bad device id")
    role = raw.get("role")
    if role not in ROLES:
        raise WireError(f"pair: role must be one of {', '.join(ROLES)}")
    counter = raw.get("counter") or 0
    if not isinstance(counter, int) or isinstance(counter, bool) or not 0 <= counter <= 999:
        raise WireError("pair: bad counter number")
    addrs = raw.get("addrs") or []
    if not isinstance(addrs, list) or len(addrs) > 16:
        raise WireError("pair: bad addresses")
    return DeviceInfo(device_id, role, _text(raw.get("name"), 64), counter, _text(raw.get("version"), 32),
                      _text(raw.get("host"), 64), tuple(_text(a, 64) for a in addrs))


# ---- replies -------------------------------------------------------------------------------------


def hub_card(*, site: str, fp: str, pub: str, box: str, addrs: list[str], mqtt: int, web: int,
             ver: str, tls: bool = False, ca: str = "") -> dict[str, Any]:
    card = {"site": site, "fp": fp, "pub": pub, "box": box, "addrs": sorted(set(addrs)),
            "mqtt": mqtt, "web": web, "ver": ver, "tls": tls}
    if ca:
        card["ca"] = ca
    return card


def unsigned_reply(op: str, rid: str, nonce: str, card: dict[str, Any], status: str,
                   **extra: Any) -> dict[str, Any]:
    assert status in STATUSES
    return {"proto": PROTO, "op": op, "rid": rid, "nonce": nonce, "hub": card, "status": status, **extra}


@dataclass(frozen=True)
class HubCard:
    """A verified hub description from a signed reply."""

    site: str
    fingerprint: str
    public_raw: bytes
    box_raw: bytes
    addrs: tuple[str, ...]
    mqtt_port: int
    web_port: int
    version: str
    tls: bool = False
    """The ``mqtt`` port speaks TLS."""
    ca_pem: str = ""
    """The CA certificate(s) (PEM) the hub's broker certificate chains to."""


def verify_reply(reply: dict[str, Any], *, op: str, rid: str, nonce: str, expected_fp: str = "",
                 expected_site: str = "") -> HubCard:
    """Check a hub's reply: signature by the key in it, key matches its fingerprint
    (and ``expected_fp`` if pinned), echoes our ``rid``/``nonce``. Raises WireError."""
    sig = reply.get("sig")
    body = {k: v for k, v in reply.items() if k != "sig"}
    card = reply.get("hub")
    if not isinstance(card, dict) or not isinstance(sig, str):
        raise WireError("reply is not signed")
    try:
        pub = b64d(card.get("pub"), "hub key", 32)
        box = b64d(card.get("box"), "hub box key", 32)
    except CryptoError as err:
        raise WireError(str(err)) from None
    fp = fingerprint(pub)
    if not same_fingerprint(fp, str(card.get("fp", ""))):
        raise WireError("the reply's key does not match the fingerprint it claims")
    if expected_fp and not same_fingerprint(fp, expected_fp):
        raise WireError(f"the hub's key {fp[:16]}… is not the expected {expected_fp[:16]}…")
    try:
        verify_signature(pub, body, sig)
    except CryptoError:
        raise WireError("the reply's signature is not valid") from None
    if body.get("op") != op or body.get("rid") != rid or body.get("nonce") != nonce:
        raise WireError("the reply does not answer this request (replayed or misdirected)")
    site = card.get("site")
    if not isinstance(site, str) or (expected_site and site != expected_site):
        raise WireError(f"the reply is from site {site!r}, expected {expected_site!r}")
    addrs = card.get("addrs") or []
    mqtt_port, web_port = card.get("mqtt"), card.get("web")
    if not isinstance(addrs, list) or not isinstance(mqtt_port, int) or not isinstance(web_port, int):
        raise WireError("the reply's hub description is malformed")
    tls, ca = card.get("tls", False), card.get("ca", "")
    if not isinstance(tls, bool) or not isinstance(ca, str) or (ca and "-----BEGIN CERTIFICATE-----" not in ca):
        raise WireError("the reply's TLS description is malformed")
    return HubCard(site, fp, pub, box, tuple(str(a) for a in addrs), mqtt_port, web_port, str(card.get("ver", "")),
                   tls, ca)


def address_is_hubs(card: HubCard, connected_ip: str) -> bool:
    """True if the address we reached the hub at is one the hub signed as its own.

    A box that merely relays the real hub's signed replies sits at another
    address, so it is refused before the device sends it anything secret.
    """
    try:
        ip = ipaddress.ip_address(connected_ip.split("%")[0])
    except ValueError:
        return False
    for a in card.addrs:
        try:
            if ipaddress.ip_address(a.split("%")[0]) == ip:
                return True
        except ValueError:
            continue
    return False
