"""Find the hub: browse mDNS, choose by site and key, prove each candidate.

A device never trusts an mDNS record by itself: every candidate must answer a
signed hello (:func:`sorra.pairing.channel.prove_hub`). A record that lingers
after its hub crashed simply fails to answer and the next one is tried.
"""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass

from sorra.discovery.mdns import Browser, Interfaces
from sorra.discovery.records import (
    HUB_TYPE,
    AmbiguousHub,
    DiscoveryError,
    HubAdvert,
    HubIdentityError,
    HubNotFound,
    choose_hubs,
    parse_hub,
)
from sorra.pairing import wire
from sorra.pairing.channel import ChannelError, PairingChannel, prove_hub

log = logging.getLogger(__name__)

Status = Callable[[str], None]


@dataclass(frozen=True)
class HubLocation:
    """A hub that proved its key: where to connect, and what it signed."""

    host: str
    port: int
    card: wire.HubCard

    @property
    def site(self) -> str:
        return self.card.site

    @property
    def fingerprint(self) -> str:
        return self.card.fingerprint

    pairing_secret: str = ""
    """The secret the hub's pairing accounts took (kept by a paired device for a manual address)."""


def _quiet(_: str) -> None:
    pass


def browse_hubs(interfaces: list[str], timeout_s: float = 3.0,
                until: Callable[[list[HubAdvert]], bool] | None = None) -> list[HubAdvert]:
    """Hubs announced on the LAN within ``timeout_s`` (or once ``until(found)`` holds)."""
    browser = Browser(interfaces, HUB_TYPE, parse_hub)
    try:
        return browser.wait(timeout_s, until)
    finally:
        browser.close()


def _resolve_name(host: str) -> str:
    try:
        return socket.getaddrinfo(host, None, socket.AF_INET, socket.SOCK_STREAM)[0][4][0]
    except (OSError, IndexError):
        return host


def prove_at(host: str, port: int, site: str, fingerprint: str = "", *, tls: bool = False,
             pairing_secret: str = "", timeout_s: float = 5.0) -> HubLocation:
    """Prove the hub at a known address (a manually configured ``hub.host``)."""
    ip = _resolve_name(host)
    with PairingChannel(ip, port, site, secret=pairing_secret, tls=tls, connect_timeout_s=timeout_s) as channel:
        card = prove_hub(channel, expected_fp=fingerprint, expected_site=site, timeout_s=timeout_s)
    return HubLocation(ip, card.mqtt_port, card, pairing_secret)


def locate_hub(*, site: str, fingerprint: str = "", host: str = "", port: int = 1883,
               interfaces: Interfaces = None, tls: bool = False, pairing_secret: str = "",
               timeout_s: float = 6.0,
               settle_s: float = 1.0, adopt_after_s: float = 3.0, on_status: Status = _quiet) -> HubLocation:
    """The hub this device should talk to, proven. Raises a :class:`DiscoveryError` with advice.

    ``host`` set: only that address (with ``tls`` and ``pairing_secret`` as given). Otherwise
    mDNS on ``interfaces``, each advert saying its own TLS and secret (``None``:
    mDNS off, so a ``host`` is needed). ``fingerprint`` set (a paired device):
    only a hub holding that key. Unpaired: after the first hub shows up, wait
    ``settle_s`` more so a second hub of the same site (a rogue) is noticed, and
    browse at least ``adopt_after_s`` before taking the only hub of another site.
    """
    if host:
        on_status(f"Contacting the hub at {host}:{port}…")
        try:
            return prove_at(host, port, site, fingerprint, tls=tls, pairing_secret=pairing_secret,
                            timeout_s=timeout_s)
        except ChannelError as err:
            raise HubNotFound(str(err)) from None
        except wire.WireError as err:
            raise HubIdentityError(f"the box at {host}:{port} is not the expected hub: {err}") from None
    if interfaces is None:
        raise HubNotFound("mDNS is switched off (SORRA_MDNS_INTERFACES=off): set hub.host to the hub's address")
    on_status("Looking for the hub on the network…")
    started = time.monotonic()
    deadline = started + timeout_s
    browser = Browser(interfaces, HUB_TYPE, parse_hub)
    tried: set[tuple[str, int, str]] = set()
    impostors: list[str] = []
    silent: list[str] = []
    last_error: DiscoveryError | None = None
    settled = bool(fingerprint)

    def untried(found: list[HubAdvert]) -> list[tuple[str, HubAdvert]]:
        return [(addr, a) for a in found for addr in a.addresses
                if (addr, a.mqtt_port, a.fingerprint) not in tried]

    try:
        while True:
            found = browser.wait(max(0.0, deadline - time.monotonic()), lambda f: bool(untried(f)))
            if not untried(found):
                break  # the deadline passed with nothing new
            if not settled:  # the first hub is here: give a second one of the site a chance to show
                settled = True
                browser.wait(max(0.0, min(settle_s, deadline - time.monotonic())))
                found = browser.wait_quiet(max(0.0, deadline - time.monotonic()))
            adopting = not fingerprint and not any(a.site == site for a in found)
            if adopting and time.monotonic() - started < adopt_after_s:
                # Before taking "the only hub" of another site, give our own site's hub time
                # to answer: mDNS responders hold back an answer they multicast within 1 s.
                browser.wait(max(0.0, min(started + adopt_after_s, deadline) - time.monotonic()),
                             lambda f: any(a.site == site for a in f))
                found = browser.wait_quiet(max(0.0, deadline - time.monotonic()))
            try:
                candidates = choose_hubs(found, site, fingerprint)
            except AmbiguousHub:
                raise
            except DiscoveryError as err:  # nothing for us yet: wait for more adverts
                last_error = err
                candidates = []
            for addr, advert in untried(candidates):
                tried.add((addr, advert.mqtt_port, advert.fingerprint))
                on_status(f"Checking the hub of site {advert.site!r} at {addr}…")
                try:
                    secret = advert.pairing_secret or pairing_secret
                    with PairingChannel(addr, advert.mqtt_port, advert.site, secret=secret, tls=advert.tls,
                                        connect_timeout_s=3.0) as channel:
                        card = prove_hub(channel, expected_fp=advert.fingerprint, expected_site=advert.site,
                                         timeout_s=3.0)
                    return HubLocation(addr, card.mqtt_port, card, secret)
                except ChannelError as err:
                    silent.append(f"{addr}:{advert.mqtt_port} ({err})")
                    log.info("hub candidate %s:%d does not answer: %s", addr, advert.mqtt_port, err)
                except wire.WireError as err:
                    impostors.append(f"{addr}:{advert.mqtt_port}: {err}")
                    log.warning("refusing a box at %s:%d that claims to be hub %r: %s",
                                addr, advert.mqtt_port, advert.site, err)
            tried.update((addr, a.mqtt_port, a.fingerprint) for addr, a in untried(found))
    finally:
        browser.close()
    if impostors:
        raise HubIdentityError(
            f"refusing every box that claims to be the hub of site {site!r}: " + "; ".join(impostors))
    if isinstance(last_error, HubIdentityError):
        raise last_error
    if silent:  # more useful than "not found": it is there, but does not answer (a stale record)
        raise HubNotFound(f"the hub of site {site!r} is announced but does not answer: " + "; ".join(silent))
    if last_error is not None:
        raise last_error
    raise HubNotFound(f"no Sorra hub found on the network within {timeout_s:.0f} s "
                      "(is it running, and on this LAN?)")


__all__ = ["DiscoveryError", "HubLocation", "browse_hubs", "locate_hub", "prove_at"]
