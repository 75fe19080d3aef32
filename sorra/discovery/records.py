"""mDNS records of Sorra as pure data: TXT build/parse and the choice of a hub.

Service types::

    _sorra._tcp.local.          a hub (SRV port = MQTT port)
    _sorra-device._tcp.local.   a device, paired or not (SRV port 0: it serves nothing)

Hub TXT keys: ``site``, ``proto`` (protocol version), ``mqtt`` (the port devices
use), ``tls`` (``1``: that port speaks TLS), ``web`` (web port), ``fp`` (hex
sha256 of the hub's Ed25519 public key), ``ver`` (software version), ``pair``
(the hub's pairing secret: the password of its ``pairing.N`` broker accounts,
which reach nothing but the pairing topics). Device TXT keys: ``id``, ``role``, ``ver``,
``site``, ``name``, ``paired`` (``1``/``0``), ``fp`` (the hub it is paired with).

TXT records are public and can be copied by anyone on the LAN: they only say
*where to look*. Whether a hub really holds the key is proven by a signed
``hello`` (``sorra.pairing``) before a device trusts it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sorra import PROTOCOL_VERSION

HUB_TYPE = "_sorra._tcp.local."
DEVICE_TYPE = "_sorra-device._tcp.local."
FP = re.compile(r"^[0-9a-f]{64}$")
SITE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")


class DiscoveryError(RuntimeError):
    """No usable hub; the message says what was seen and what to do."""


class HubNotFound(DiscoveryError):
    """No hub answered (none announced, or none reachable)."""


class HubIdentityError(DiscoveryError):
    """Hubs were found but none proved the expected identity (spoofed or replaced hub)."""


class AmbiguousHub(DiscoveryError):
    """Several hubs fit and the device cannot tell which one is meant."""


@dataclass(frozen=True)
class HubAdvert:
    name: str
    site: str
    fingerprint: str
    mqtt_port: int
    web_port: int
    addresses: tuple[str, ...]
    proto: int = PROTOCOL_VERSION
    version: str = ""
    tls: bool = False
    pairing_secret: str = field(default="", repr=False)

    def where(self) -> str:
        return f"{', '.join(self.addresses) or '?'}:{self.mqtt_port}"


@dataclass(frozen=True)
class DeviceAdvert:
    name: str
    id: str
    role: str
    version: str = ""
    site: str = ""
    device_name: str = ""
    paired: bool = False
    fingerprint: str = ""
    addresses: tuple[str, ...] = ()
    seen_at: float = field(default=0.0, compare=False)


# ---- TXT ------------------------------------------------------------------------------


def _text(props: Mapping[bytes | str, bytes | str | None], key: str) -> str:
    for k in (key, key.encode()):
        v = props.get(k)  # type: ignore[call-overload]
        if v is not None:
            return v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)
    return ""


def hub_txt(*, site: str, mqtt_port: int, web_port: int, fingerprint: str, version: str, tls: bool = False,
            pairing_secret: str = "") -> dict[str, str]:
    txt = {"site": site, "proto": str(PROTOCOL_VERSION), "mqtt": str(mqtt_port), "web": str(web_port),
           "fp": fingerprint.lower(), "ver": version, "tls": "1" if tls else "0"}
    if pairing_secret:
        txt["pair"] = pairing_secret
    return txt


def parse_hub(name: str, addresses: Iterable[str], props: Mapping[bytes | str, bytes | str | None]
              ) -> HubAdvert | None:
    """A hub advert from a resolved service, or None if it is malformed or speaks another protocol."""
    site, fp = _text(props, "site"), _text(props, "fp").lower()
    try:
        proto = int(_text(props, "proto") or "0")
        mqtt_port = int(_text(props, "mqtt") or "0")
        web_port = int(_text(props, "web") or "0")
    except ValueError:
        return None
    if proto != PROTOCOL_VERSION or not SITE.match(site) or not FP.match(fp) or not 0 < mqtt_port < 65536:
        return None
    return HubAdvert(name, site, fp, mqtt_port, web_port if 0 < web_port < 65536 else 0,
                     tuple(addresses), proto, _text(props, "ver")[:32], _text(props, "tls") == "1",
                     _text(props, "pair")[:128])


def device_txt(*, device_id: str, role: str, version: str, site: str, name: str, paired: bool,
               fingerprint: str) -> dict[str, str]:
    return {"id": device_id, "role": role, "ver": version, "site": site, "name": name[:64],
            "paired": "1" if paired else "0", "fp": fingerprint.lower()}


def parse_device(name: str, addresses: Iterable[str], props: Mapping[bytes | str, bytes | str | None],
                 seen_at: float = 0.0) -> DeviceAdvert | None:
    role = _text(props, "role")
    if not role:
        return None
    return DeviceAdvert(name, _text(props, "id")[:63], role[:16], _text(props, "ver")[:32],
                        _text(props, "site")[:63], _text(props, "name")[:64], _text(props, "paired") == "1",
                        _text(props, "fp")[:64], tuple(addresses), seen_at)


# ---- which hub ----------------------------------------------------------------------------


def _describe(adverts: Iterable[HubAdvert]) -> str:
    return "; ".join(f"site {a.site!r} at {a.where()} (key {a.fingerprint[:16]}…)" for a in adverts)


def choose_hubs(adverts: Iterable[HubAdvert], site: str, fingerprint: str = "") -> list[HubAdvert]:
    """The adverts a device should try, best first. Raises a :class:`DiscoveryError` with advice.

    * With a pinned ``fingerprint`` (a paired device): only hubs of ``site``
      with exactly that key; a hub of the site with another key is refused.
    * Unpaired: the hubs of ``site``; if they disagree on the key, nothing is
      chosen (a rogue or a second hub: pair by manual address). If no hub has
      this site and exactly one hub is on the LAN, that one (its site is adopted).
    Several adverts with the same key (a hub and its standby copy) are all returned.
    """
    seen = sorted(set(adverts), key=lambda a: (a.site, a.name))
    if fingerprint:
        fp = fingerprint.lower()
        mine = [a for a in seen if a.site == site and a.fingerprint == fp]
        if mine:
            return mine
        impostors = [a for a in seen if a.site == site]
        if impostors:
            raise HubIdentityError(
                f"refusing the hub announcing site {site!r}: its key is not the one this device "
                f"paired with ({fp[:16]}…). Seen: {_describe(impostors)}. If the hub was replaced on "
                "purpose, unpair this device (sorra setup unpair) and pair it again.")
        others = f" Other hubs seen: {_describe(seen)}." if seen else ""
        raise HubNotFound(f"no hub for site {site!r} announces itself on the network.{others}")
    same_site = [a for a in seen if a.site == site]
    if same_site:
        keys = {a.fingerprint for a in same_site}
        if len(keys) > 1:
            raise AmbiguousHub(
                f"several hubs announce site {site!r} with different keys: {_describe(same_site)}. "
                "One of them may be an impostor. Pair using the hub's address "
                "(sorra setup set hub.host ADDRESS) or set hub.fingerprint to the key shown by "
                "'sorra hub device pending' on the right hub.")
        return same_site
    sites = {a.site for a in seen}
    keys = {a.fingerprint for a in seen}
    if len(sites) == 1 and len(keys) == 1:
        return seen
    if not seen:
        raise HubNotFound("no Sorra hub announces itself on the network (is it running, and on this LAN?)")
    raise AmbiguousHub(
        f"no hub for site {site!r}, and several others are on the network: {_describe(seen)}. "
        "Choose one: sorra setup set device.site SITE")
