"""python-zeroconf behind three small classes: which interfaces, announce, browse.

Interfaces. mDNS runs on the IPv4 addresses in ``interfaces`` only (an empty
list means every interface). ``SORRA_MDNS_INTERFACES`` (comma separated;
``all``; ``off``) overrides the configuration, so ``./run demo``, tests and
benchmarks pin everything to ``127.0.0.1`` and nothing leaves the machine.

Announcing never blocks the caller: :class:`Advertiser` announces on
zeroconf's own loop, and :meth:`Advertiser.stop` sends one goodbye and closes
at once. Sorra's instance names are unique by construction (a hub's carries
its host name and broker port, a device's its id and process id), so the
RFC 6762 probe (1–2 s of waiting for a conflict) is skipped unless
``probe=True``.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future
from typing import Any

import ifaddr
from zeroconf import (
    DNSQuestionType,
    InterfaceChoice,
    IPVersion,
    ServiceBrowser,
    ServiceInfo,
    ServiceStateChange,
    Zeroconf,
)

log = logging.getLogger(__name__)

ENV = "SORRA_MDNS_INTERFACES"
LOOPBACK = ["127.0.0.1"]
TTL_S = 120
"""TTL of every record we announce. mDNS records outlive a crashed peer by up to
this long; nothing in Sorra reads liveness from them (MQTT presence does that)."""

Interfaces = list[str] | None
"""A list of IPv4 addresses, ``[]`` for all interfaces, ``None`` for mDNS switched off."""


def choose_interfaces(configured: Iterable[str] = (), *, default: list[str] | None = None,
                      env: Mapping[str, str] | None = None) -> Interfaces:
    """The interfaces to use: ``$SORRA_MDNS_INTERFACES``, else ``configured``, else ``default`` (or all)."""
    env = os.environ if env is None else env
    raw = env.get(ENV, "").strip()
    if raw:
        if raw.lower() in ("off", "none", "0", "false"):
            return None
        if raw.lower() == "all":
            return []
        items = [x.strip() for x in raw.split(",") if x.strip()]
    else:
        items = [x.strip() for x in configured if x.strip()]
        if not items:
            return list(default) if default is not None else []
    for item in items:
        try:
            if ipaddress.ip_address(item).version != 4:
                raise ValueError
        except ValueError:
            raise ValueError(f"mDNS interface {item!r}: give an IPv4 address of this machine") from None
    return items


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def local_ipv4(include_loopback: bool = False) -> list[str]:
    """This machine's IPv4 addresses (for the hub's signed address list and its A records)."""
    out: list[str] = []
    for adapter in ifaddr.get_adapters():
        for ip in adapter.ips:
            if isinstance(ip.ip, str):
                addr = ipaddress.ip_address(ip.ip)
                if addr.is_loopback and not include_loopback:
                    continue
                if addr.is_link_local:
                    continue
                out.append(ip.ip)
    return sorted(set(out))


def open_zeroconf(interfaces: list[str]) -> Zeroconf:
    choice: Any = interfaces if interfaces else InterfaceChoice.All
    return Zeroconf(interfaces=choice, ip_version=IPVersion.V4Only)


def dns_label(text: str) -> str:
    """A host label from free text: lowercase letters, digits and '-', at most 63 bytes."""
    label = "".join(c if c.isalnum() and c.isascii() else "-" for c in text.lower()).strip("-")
    return (label or "sorra")[:63].rstrip("-")


def instance_name(text: str, type_: str) -> str:
    """``text`` as a service instance name (at most 63 bytes, no dots)."""
    clean = text.replace(".", "-").strip() or "sorra"
    raw = clean.encode("utf-8")[:63].decode("utf-8", "ignore")
    return f"{raw}.{type_}"


class Advertiser:
    """One announced service; ``start()`` returns at once, ``stop()`` is quick."""

    def __init__(self, interfaces: list[str], type_: str, name: str, server: str, port: int,
                 properties: dict[str, str], addresses: list[str], zc: Zeroconf | None = None,
                 probe: bool = False) -> None:
        self.interfaces = interfaces
        self.probe = probe
        self._shared = zc
        self._zc: Zeroconf | None = None
        self._info = ServiceInfo(
            type_, instance_name(name, type_), port=port, properties=properties,
            server=f"{dns_label(server)}.local.",
            addresses=[socket.inet_aton(a) for a in addresses],
            host_ttl=TTL_S, other_ttl=TTL_S)
        self._registering: Future | None = None
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return self._info.name

    def start(self) -> Advertiser:
        with self._lock:
            if self._zc is not None:
                return self
            self._zc = zc = self._shared or open_zeroconf(self.interfaces)
            assert zc.loop is not None
            self._registering = asyncio.run_coroutine_threadsafe(
                zc.async_register_service(self._info, allow_name_change=True,
                                          cooperating_responders=not self.probe), zc.loop)
        return self

    def registered(self, timeout: float) -> bool:
        """Wait until the probe and first announcement are done (tests, the CLI)."""
        fut = self._registering
        if fut is None:
            return False
        try:
            task = fut.result(timeout)
        except Exception:
            return False
        return task is not None

    def update(self, properties: dict[str, str]) -> None:
        """Announce new TXT values (a device that just paired)."""
        with self._lock:
            zc, registering = self._zc, self._registering
        if zc is None or zc.loop is None:
            return

        async def _update() -> None:
            if registering is not None:
                try:
                    await asyncio.wrap_future(registering)
                except Exception:
                    return
            with self._lock:
                if self._zc is not zc:
                    return
                old = self._info  # the registered one: probing may have renamed it
                self._info = ServiceInfo(
                    old.type, old.name, port=old.port, properties=properties, server=old.server,
                    addresses=old.addresses, host_ttl=TTL_S, other_ttl=TTL_S)
                info = self._info
            await zc.async_update_service(info)

        asyncio.run_coroutine_threadsafe(_update(), zc.loop)

    def stop(self) -> None:
        with self._lock:
            zc, self._zc = self._zc, None
            registering, self._registering = self._registering, None
        if zc is None or zc.loop is None:
            return
        info = self._info

        async def _withdraw() -> None:
            task = None
            if registering is not None:
                if registering.done() and not registering.cancelled() and registering.exception() is None:
                    task = registering.result()
                else:
                    registering.cancel()
            if task is not None:
                task.cancel()
            if zc.registry.async_get_info_name(info.name) is not None:
                zc.registry.async_remove(info)
                zc.async_send(zc.generate_service_broadcast(info, 0))  # one goodbye

        try:
            asyncio.run_coroutine_threadsafe(_withdraw(), zc.loop).result(2)
        except Exception:  # the loop is gone already: nothing to withdraw
            log.debug("mDNS withdraw failed", exc_info=True)
        if self._shared is None:
            zc.close()


Resolved = Callable[[str, list[str], dict[bytes, bytes | None]], Any]
"""(instance name, IPv4 addresses, TXT properties) → an advert or None."""


class Browser:
    """Keeps the current set of resolved services of one type, until ``close()``."""

    def __init__(self, interfaces: list[str], type_: str, parse: Resolved,
                 zc: Zeroconf | None = None) -> None:
        self._own = zc is None
        self._zc = zc or open_zeroconf(interfaces)
        self._type = type_
        self._parse = parse
        self._cond = threading.Condition()
        self._found: dict[str, Any] = {}
        self._seen_at: dict[str, float] = {}
        self._resolving: set[str] = set()
        self._again: set[str] = set()
        self._closed = False
        # QM questions: answers come back by multicast. A QU question's unicast answer goes to
        # port 5353 of the asking host, where several mDNS stacks may share the port (SO_REUSEPORT)
        # and the kernel hands the datagram to any one of them: often not ours.
        self._browser = ServiceBrowser(self._zc, type_, handlers=[self._on_change],
                                       question_type=DNSQuestionType.QM)

    def _on_change(self, zeroconf: Zeroconf, service_type: str, name: str,
                   state_change: ServiceStateChange) -> None:
        if self._closed:
            return
        with self._cond:
            if state_change is ServiceStateChange.Removed:
                self._found.pop(name, None)
                self._cond.notify_all()
                return
            if name in self._resolving:
                self._again.add(name)
                return
            self._resolving.add(name)
        # Resolve off the browser's thread, so every announced name is known at once
        # (wait_quiet() can then wait for all of them) and one slow peer delays nobody.
        threading.Thread(target=self._resolve, args=(zeroconf, service_type, name),
                         name="mdns-resolve", daemon=True).start()

    def _resolve(self, zeroconf: Zeroconf, service_type: str, name: str) -> None:
        while True:
            info = None
            if not self._closed:
                try:
                    info = zeroconf.get_service_info(service_type, name, timeout=1500,
                                                      question_type=DNSQuestionType.QM)
                except Exception:  # closed while resolving
                    info = None
            advert = None
            if info is not None:
                advert = self._parse(name, info.parsed_addresses(IPVersion.V4Only), dict(info.properties))
            with self._cond:
                if advert is not None:
                    self._found[name] = advert
                    self._seen_at[name] = time.time()
                elif info is not None:
                    self._found.pop(name, None)
                if name in self._again and not self._closed:
                    self._again.discard(name)
                    continue  # updated while we resolved: resolve again
                self._resolving.discard(name)
                self._cond.notify_all()
                return

    def current(self) -> list[Any]:
        with self._cond:
            return list(self._found.values())

    def seen_at(self, name: str) -> float:
        with self._cond:
            return self._seen_at.get(name, 0.0)

    def wait(self, timeout: float, until: Callable[[list[Any]], bool] | None = None) -> list[Any]:
        """Collect for ``timeout`` seconds, or until ``until(current)`` is true."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = list(self._found.values())
                if until is not None and until(found):
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    return found
                self._cond.wait(left)

    def wait_quiet(self, timeout: float) -> list[Any]:
        """Wait until every announced name is resolved (or ``timeout``)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._resolving:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
            return list(self._found.values())

    def close(self) -> None:
        self._closed = True
        with self._cond:
            self._cond.notify_all()
        self._browser.cancel()
        if self._own:
            self._zc.close()
