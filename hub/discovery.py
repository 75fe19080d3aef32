"""The hub on mDNS: announce ``_sorra._tcp`` and watch ``_sorra-device._tcp``.

Started by :meth:`hub.app.Hub.start` (``start_discovery``). Interfaces come
from ``HubConfig.mdns_interfaces`` (``--mdns-interface IP``, repeatable) or
``$SORRA_MDNS_INTERFACES``; a hub bound to a loopback address (tests, the
demo) announces on ``127.0.0.1`` only, so nothing leaves the machine.

The TXT record carries the site, protocol version, the devices' broker port
(TLS or not), the web port, the key fingerprint and the pairing secret
(:func:`sorra.discovery.hub_txt`). The device list is what
mDNS saw (role, version, address); whether a paired device is *up* comes
from its MQTT presence (Last Will), never from these records.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import time
from collections.abc import Callable
from typing import Any

from sorra import __version__
from sorra.discovery import (
    DEVICE_TYPE,
    HUB_TYPE,
    Advertiser,
    Browser,
    DeviceAdvert,
    choose_interfaces,
    hub_txt,
    is_loopback,
    local_ipv4,
    parse_device,
)
from sorra.discovery.mdns import Interfaces, open_zeroconf

log = logging.getLogger(__name__)


def hub_interfaces(config: Any) -> Interfaces:
    """Where this hub speaks mDNS (``None``: switched off)."""
    default = ["127.0.0.1"] if is_loopback(config.bind) else None
    return choose_interfaces(config.mdns_interfaces, default=default)


def _ip(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def advertised_addresses(config: Any, interfaces: list[str]) -> list[str]:
    """The A records: where devices should connect."""
    if config.advertise_host and _ip(config.advertise_host):
        return [config.advertise_host]
    if config.bind not in ("", "0.0.0.0", "::") and _ip(config.bind):
        return [config.bind]
    if interfaces:
        return list(interfaces)
    return local_ipv4() or ["127.0.0.1"]


def signed_addresses(hub: Any) -> list[str]:
    """Every address the hub's broker answers on (signed in each hello)."""
    config = hub.config
    bound = _ip(config.bind) if config.bind not in ("", "0.0.0.0", "::") else None
    addrs = {bound} if bound else set(local_ipv4(include_loopback=True))
    if config.advertise_host:
        ip = _ip(config.advertise_host)
        if ip is None:
            try:
                ip = socket.getaddrinfo(config.advertise_host, None, socket.AF_INET)[0][4][0]
            except (OSError, IndexError):
                ip = None
        if ip:
            addrs.add(ip)
    return sorted(addrs)


class HubDiscovery:
    """The hub's announcement plus the browser of devices, on one zeroconf instance."""

    def __init__(self, hub: Any, fingerprint: str, interfaces: list[str]) -> None:
        config = hub.config
        self.interfaces = interfaces
        self._zc = open_zeroconf(interfaces)
        host = socket.gethostname()
        from hub.pairing import pairing_secret

        port = getattr(hub, "device_port", config.mqtt_port)
        txt = hub_txt(site=config.site, mqtt_port=port, web_port=config.http_port if config.web else 0,
                      fingerprint=fingerprint, version=__version__, tls=getattr(hub, "tls", None) is not None,
                      pairing_secret=pairing_secret(hub))
        self.advertiser = Advertiser(
            # the port makes the name unique even for two hubs on one machine (a demo, tests),
            # which probe at the same moment and would not see each other's claim
            interfaces, HUB_TYPE, f"Sorra hub {config.site} ({host}:{config.mqtt_port})",
            f"sorra-hub-{config.site}-{fingerprint[:8]}-{config.mqtt_port}", port, txt,
            advertised_addresses(config, interfaces), zc=self._zc)
        self._browser: Browser | None = None

    def start(self) -> HubDiscovery:
        self.advertiser.start()
        self._browser = Browser(self.interfaces, DEVICE_TYPE, self._parse, zc=self._zc)
        return self

    def _parse(self, name: str, addresses: list[str], props: dict[bytes, bytes | None]) -> DeviceAdvert | None:
        return parse_device(name, addresses, props, seen_at=time.time())

    def seen(self) -> list[DeviceAdvert]:
        """Devices announced on the LAN now (paired or not)."""
        return self._browser.current() if self._browser is not None else []

    def wait_seen(self, timeout: float, until: Callable[[list[DeviceAdvert]], bool]) -> list[DeviceAdvert]:
        """Wait until ``until(seen)`` holds or ``timeout`` passes (tests, the admin page's refresh)."""
        return self._browser.wait(timeout, until) if self._browser is not None else []

    def stop(self) -> None:
        if self._browser is not None:
            self._browser.close()
            self._browser = None
        self.advertiser.stop()
        self._zc.close()


def start_discovery(hub: Any) -> Callable[[], None]:
    """Hook for :meth:`hub.app.Hub.start`; returns the matching stop."""
    from hub.pairing import hub_identity

    try:
        interfaces = hub_interfaces(hub.config)
    except ValueError as err:
        log.error("mDNS not started: %s", err)
        interfaces = None
    if interfaces is None:
        log.info("mDNS is off; devices need hub.host set to reach this hub")
        hub.discovery = None
        return lambda: None
    disc = HubDiscovery(hub, hub_identity(hub).fingerprint, interfaces).start()
    hub.discovery = disc
    log.info("announcing %s on %s", disc.advertiser.name, ", ".join(interfaces) or "all interfaces")

    def stop() -> None:
        hub.discovery = None
        disc.stop()

    return stop
