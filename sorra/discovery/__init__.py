"""Zero-config discovery: the hub and the devices announce themselves with mDNS.

For device apps, at startup (after :func:`sorra.pairing.ensure_paired`)::

    from sorra import discovery

    host, port = discovery.resolve_hub(config)      # raises discovery.DiscoveryError with advice
    adv = discovery.advertise_device(config)        # the hub lists this device; adv.stop() at exit
    client = BusClient(BusSettings(host, port, config.hub.username,
                                   config.hub.password.get_secret_value(), config.device.site, ...,
                                   tls=config.hub.tls, ca_pem=config.hub.ca))   # TLS: the CA the hub signed

``resolve_hub`` finds the hub of ``[device].site`` (or uses ``[hub].host`` if
set) and proves it holds the key pinned in ``[hub].fingerprint`` before
returning, so the device never sends its password to an impostor. Liveness is
not read from mDNS (records linger after a crash): once connected, the broker
connection and the retained presence topics say who is up.

Interfaces: ``[hub].mdns_interfaces`` (IPv4 addresses; empty = all), or
``$SORRA_MDNS_INTERFACES`` (comma separated, ``all``, ``off``), or the
``--mdns-interface IP`` option of a command (see :func:`add_mdns_option`).

The hub side lives in ``hub/discovery.py`` (:class:`Advertiser` for
``_sorra._tcp``, :class:`Browser` for devices).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterable
from typing import TYPE_CHECKING

from sorra import __version__
from sorra.discovery.mdns import (
    Advertiser,
    Browser,
    Interfaces,
    choose_interfaces,
    is_loopback,
    local_ipv4,
)
from sorra.discovery.records import (
    DEVICE_TYPE,
    HUB_TYPE,
    AmbiguousHub,
    DeviceAdvert,
    DiscoveryError,
    HubAdvert,
    HubIdentityError,
    HubNotFound,
    choose_hubs,
    device_txt,
    hub_txt,
    parse_device,
    parse_hub,
)

if TYPE_CHECKING:
    from sorra.config import DeviceConfig
    from sorra.discovery.finder import HubLocation

__all__ = [
    "DEVICE_TYPE",
    "HUB_TYPE",
    "Advertiser",
    "AmbiguousHub",
    "Browser",
    "DeviceAdvert",
    "DeviceAdvertiser",
    "DiscoveryError",
    "HubAdvert",
    "HubIdentityError",
    "HubNotFound",
    "NotPaired",
    "add_mdns_option",
    "advertise_device",
    "browse_hubs",
    "choose_hubs",
    "choose_interfaces",
    "device_interfaces",
    "device_txt",
    "hub_txt",
    "is_loopback",
    "local_ipv4",
    "locate",
    "parse_device",
    "parse_hub",
    "remember_hub",
    "resolve_hub",
    "resolve_location",
]


class NotPaired(DiscoveryError):
    """The device has no pinned hub yet: pair it first."""


def add_mdns_option(parser: argparse.ArgumentParser) -> None:
    """``--mdns-interface IP`` (repeatable) for a device app's command line."""
    parser.add_argument("--mdns-interface", action="append", default=[], metavar="IP",
                        help="use mDNS on this interface address only (repeatable; env SORRA_MDNS_INTERFACES)")


def device_interfaces(config: DeviceConfig, cli: Iterable[str] = ()) -> Interfaces:
    """Interfaces for this device: the command line, else the environment, else ``[hub].mdns_interfaces``."""
    cli = [c for c in cli if c]
    if cli:
        return choose_interfaces(cli, env={})
    return choose_interfaces(config.hub.mdns_interfaces)


def browse_hubs(interfaces: list[str], timeout_s: float = 3.0) -> list[HubAdvert]:
    from sorra.discovery.finder import browse_hubs as _browse

    return _browse(interfaces, timeout_s)


def locate(config: DeviceConfig, *, interfaces: Interfaces | None = None, pinned: bool = True,
           timeout_s: float = 6.0, settle_s: float = 1.0, adopt_after_s: float = 3.0,
           on_status=None) -> HubLocation:
    """The proven hub for ``config`` (see :func:`sorra.discovery.finder.locate_hub`)."""
    from sorra.discovery.finder import locate_hub

    ifaces = device_interfaces(config) if interfaces is None else interfaces
    kwargs = {"on_status": on_status} if on_status is not None else {}
    return locate_hub(site=config.device.site, fingerprint=config.hub.fingerprint if pinned else "",
                      host=config.hub.host, port=config.hub.mqtt_port, interfaces=ifaces, tls=config.hub.tls,
                      pairing_secret=config.hub.pairing_secret.get_secret_value(), timeout_s=timeout_s,
                      settle_s=settle_s, adopt_after_s=adopt_after_s, **kwargs)


def resolve_hub(config: DeviceConfig, *, timeout_s: float = 6.0,
                interfaces: Interfaces | None = None) -> tuple[str, int]:
    """``(host, mqtt_port)`` of this paired device's hub, after it proved its key.

    Raises :class:`NotPaired`, :class:`HubNotFound` (nothing answers: retry
    later), :class:`HubIdentityError` (a hub of this site with another key,
    or a box that cannot prove the key: refused, with a message saying so).
    """
    where = resolve_location(config, timeout_s=timeout_s, interfaces=interfaces)
    return where.host, where.port


def resolve_location(config: DeviceConfig, *, timeout_s: float = 6.0,
                     interfaces: Interfaces | None = None) -> HubLocation:
    """:func:`resolve_hub`, with what the hub signed (its TLS port and CA: :func:`remember_hub`)."""
    if not config.hub.fingerprint:
        raise NotPaired("this device is not paired with a hub yet (sorra setup pair)")
    return locate(config, interfaces=interfaces, timeout_s=timeout_s)


def remember_hub(config: DeviceConfig, where: HubLocation) -> DeviceConfig:
    """``config`` with what the proven hub signed: its device port, whether it speaks TLS, its CA,
    and the pairing secret that worked. The same object when nothing changed (nothing to save).

    A device paired before the hub had TLS learns the CA here at its next start."""
    from pydantic import SecretStr

    card = where.card
    secret = where.pairing_secret or config.hub.pairing_secret.get_secret_value()
    wanted = (card.mqtt_port, card.tls, card.ca_pem if card.tls else "", secret)
    have = (config.hub.mqtt_port, config.hub.tls, config.hub.ca, config.hub.pairing_secret.get_secret_value())
    if wanted == have:
        return config
    new = config.model_copy(deep=True)
    new.hub.mqtt_port, new.hub.tls, new.hub.ca = wanted[0], wanted[1], wanted[2]
    new.hub.pairing_secret = SecretStr(secret)
    return new


class DeviceAdvertiser:
    """Announces this device (``_sorra-device._tcp``) so the hub lists it, paired or not."""

    def __init__(self, config: DeviceConfig, interfaces: list[str]) -> None:
        self._interfaces = interfaces
        self._config = config
        from sorra.pairing import default_device_id

        addresses = list(interfaces) if interfaces else (local_ipv4() or ["127.0.0.1"])
        ident = config.device.id or default_device_id(config.device.role)
        self._adv = Advertiser(
            interfaces, DEVICE_TYPE, f"Sorra {config.device.role} {ident} ({os.getpid()})",
            f"sorra-{config.device.role}-{ident}-{os.getpid()}", 0, self._txt(config), addresses)

    @staticmethod
    def _txt(config: DeviceConfig) -> dict[str, str]:
        from sorra.pairing import default_device_id

        return device_txt(device_id=config.device.id or default_device_id(config.device.role), role=config.device.role, version=__version__,
                          site=config.device.site, name=config.device.name,
                          paired=bool(config.hub.fingerprint and config.hub.username),
                          fingerprint=config.hub.fingerprint)

    @property
    def name(self) -> str:
        return self._adv.name

    def start(self) -> DeviceAdvertiser:
        self._adv.start()
        return self

    def registered(self, timeout: float) -> bool:
        return self._adv.registered(timeout)

    def update(self, config: DeviceConfig) -> None:
        self._config = config
        self._adv.update(self._txt(config))

    def stop(self) -> None:
        self._adv.stop()


def advertise_device(config: DeviceConfig, interfaces: Interfaces | None = None) -> DeviceAdvertiser | None:
    """Start announcing this device; None if mDNS is switched off."""
    ifaces = device_interfaces(config) if interfaces is None else interfaces
    if ifaces is None:
        return None
    return DeviceAdvertiser(config, ifaces).start()

