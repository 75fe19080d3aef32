"""Pairing a device with its hub (the device's side). See ``docs/pairing.md``.

For device apps, before anything talks to the bus::

    from sorra import pairing

    config = pairing.ensure_paired(config, config_path, show_code=view.show_pairing_code,
                                   on_status=view.show_status, stop=quit_event)

``ensure_paired`` returns at once if ``[hub]`` already holds credentials and a
pinned fingerprint. Otherwise it finds the hub of ``[device].site`` (or the
only hub on the LAN, or ``[hub].host`` if set), checks that it holds its key,
shows a six-digit code through ``show_code("123 456")`` and waits until a
technician approves that code on the hub (``sorra hub device approve 123456``).
The credentials arrive sealed to a key that only this device holds; they are
written with the hub's fingerprint into the TOML file atomically and the new
config is returned. It blocks (call it from a worker thread in a Qt app and
hand ``show_code`` through ``sorra.qt.main_thread_invoker()``); ``stop`` (a
``threading.Event``) cancels it with :class:`PairingCancelled`.

``show_code`` is called again with a new code when one expires (10 minutes)
or is rejected. A headless counter shows the code on its LED display.

``unpair(config, path)`` tells the hub (which deletes the account, so the old
password stops working) and forgets the credentials locally.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sorra import __version__
from sorra.pairing import crypto, wire
from sorra.pairing.channel import ChannelError, PairingChannel, new_rid, prove_hub

if TYPE_CHECKING:
    from sorra.config import DeviceConfig
    from sorra.discovery.finder import HubLocation
    from sorra.discovery.mdns import Interfaces

log = logging.getLogger(__name__)

__all__ = [
    "PairingCancelled",
    "PairingError",
    "default_device_id",
    "device_info",
    "ensure_paired",
    "is_paired",
    "pair_once",
    "unpair",
]

ShowCode = Callable[[str], None]
Status = Callable[[str], None]


class PairingError(RuntimeError):
    """Pairing could not finish (the message says why)."""


class PairingCancelled(PairingError):
    """``stop`` was set."""


def _quiet(_: str) -> None:
    pass


def is_paired(config: DeviceConfig) -> bool:
    return bool(config.hub.fingerprint and config.hub.username and config.hub.password.get_secret_value())


def default_device_id(role: str, machine_id_file: str = "/etc/machine-id") -> str:
    """``kiosk-3fa2c1``: stable per machine (from /etc/machine-id, else the MAC address)."""
    try:
        seed = Path(machine_id_file).read_text().strip()
    except OSError:
        seed = ""
    seed = seed or f"{uuid.getnode():012x}"
    return f"{role}-{hashlib.sha256(seed.encode()).hexdigest()[:6]}"


def device_info(config: DeviceConfig) -> dict[str, Any]:
    from sorra.discovery.mdns import local_ipv4

    role = config.device.role
    return wire.DeviceInfo(
        id=config.device.id or default_device_id(role), role=role, name=config.device.name[:64],
        counter=config.counter.number if role == "counter" else 0, version=__version__,
        host=socket.gethostname()[:64], addrs=tuple(local_ipv4()[:16])).as_dict()


def _wait(stop: threading.Event | None, seconds: float) -> None:
    if stop is not None:
        if stop.wait(seconds):
            raise PairingCancelled("pairing cancelled")
    else:
        time.sleep(seconds)


def _check_stop(stop: threading.Event | None) -> None:
    if stop is not None and stop.is_set():
        raise PairingCancelled("pairing cancelled")


def pair_once(where: HubLocation, config: DeviceConfig, show_code: ShowCode, *, on_status: Status = _quiet,
              stop: threading.Event | None = None) -> tuple[dict[str, Any], wire.HubCard] | None:
    """One code's life with a proven hub: credentials and the hub's card, or None (expired/rejected)."""
    if config.device.role not in wire.ROLES:
        raise PairingError(f"a device with role {config.device.role!r} is not paired (only {', '.join(wire.ROLES)})")
    eph = crypto.Ephemeral()
    code = crypto.pairing_code(where.fingerprint, eph.public_raw)
    rid, nonce = new_rid(), crypto.nonce()
    request = wire.pair_request(nonce, eph.public_raw, device_info(config))
    shown = False
    local_deadline = time.monotonic() + 30.0  # until the hub says how long the code lives
    try:
        channel = PairingChannel(where.host, where.port, where.site, secret=where.pairing_secret,
                                 tls=where.card.tls).open()
    except ChannelError as err:
        on_status(str(err))
        return None
    try:
        q = channel.send(rid, request, keep=True)
        while True:
            _check_stop(stop)
            if time.monotonic() > local_deadline:
                on_status("The code expired; here is a new one.")
                return None
            try:
                reply = channel.next_reply(q, nonce, 0.5)
            except ChannelError:
                continue  # nothing yet (or a reconnect in progress: the request is re-sent)
            try:
                card = wire.verify_reply(reply, op="pair", rid=rid, nonce=nonce,
                                         expected_fp=where.fingerprint, expected_site=where.site)
            except wire.WireError as err:
                log.warning("ignoring a pairing reply that does not verify: %s", err)
                continue
            status = reply.get("status")
            if status == "pending":
                expires_in = reply.get("expires_in")
                if isinstance(expires_in, (int, float)) and expires_in > 0:
                    local_deadline = time.monotonic() + float(expires_in)
                if not shown:
                    shown = True
                    show_code(code)
                    on_status(f"Approve code {code} on the hub of site {card.site!r} "
                              f"(hub key {crypto.short_fingerprint(card.fingerprint)}).")
            elif status == "approved":
                try:
                    creds = eph.open(reply.get("sealed") or {}, wire.creds_aad(rid))
                except crypto.CryptoError as err:
                    raise PairingError(f"the hub's credentials do not open: {err}") from None
                return creds, card
            elif status == "rate_limited":
                wait = float(reply.get("retry_after") or 5)
                on_status(f"The hub is busy with pairing requests; trying again in {wait:.0f} s.")
                _wait(stop, min(wait, 60.0))
                return None
            elif status in ("rejected", "expired"):
                on_status("The hub rejected this code." if status == "rejected"
                          else "The code expired; here is a new one.")
                if status == "rejected":
                    _wait(stop, 3.0)
                return None
            elif status == "error":
                on_status(f"The hub refused: {reply.get('message', '')}")
                _wait(stop, 5.0)
                return None
    finally:
        channel.close()


def _apply(config: DeviceConfig, creds: dict[str, Any], card: wire.HubCard, pairing_secret: str = "") -> DeviceConfig:
    from pydantic import SecretStr

    if creds.get("role") != config.device.role:
        raise PairingError(f"the hub registered this device as {creds.get('role')!r}, "
                           f"but it is a {config.device.role!r}; approve it with the right role")
    new = config.model_copy(deep=True)
    new.device.id = str(creds["device"])
    new.device.site = card.site
    if creds.get("name"):
        new.device.name = str(creds["name"])
    if new.device.role == "counter" and creds.get("counter"):
        new.counter.number = int(creds["counter"])
    new.hub.username = str(creds["username"])
    new.hub.password = SecretStr(str(creds["password"]))
    new.hub.fingerprint = card.fingerprint
    new.hub.mqtt_port = card.mqtt_port
    new.hub.tls = card.tls  # the device port speaks TLS: trust the CA the hub signed, nothing else
    new.hub.ca = card.ca_pem if card.tls else ""
    if pairing_secret:
        new.hub.pairing_secret = SecretStr(pairing_secret)
    if card.web_port:
        new.hub.web_port = card.web_port
    return new


def ensure_paired(config: DeviceConfig, config_path: str | os.PathLike[str] | None,
                  show_code: ShowCode, *, on_status: Status = _quiet, stop: threading.Event | None = None,
                  timeout_s: float | None = None, interfaces: Interfaces | None = None,
                  settle_s: float = 1.0, adopt_after_s: float = 3.0, advertise: bool = True) -> DeviceConfig:
    """Return a paired config, pairing first if needed (see the module docstring)."""
    from sorra import config as cfgmod
    from sorra import discovery

    if is_paired(config):
        return config
    ifaces = discovery.device_interfaces(config) if interfaces is None else interfaces
    deadline = None if timeout_s is None else time.monotonic() + timeout_s
    advertiser = discovery.advertise_device(config, ifaces) if advertise and ifaces is not None else None
    backoff = 1.0
    try:
        while True:
            _check_stop(stop)
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                raise PairingError("pairing did not finish in time")
            try:
                where = discovery.locate(config, interfaces=ifaces, pinned=bool(config.hub.fingerprint),
                                         timeout_s=min(8.0, left) if left else 8.0, settle_s=settle_s,
                                         adopt_after_s=adopt_after_s, on_status=on_status)
            except discovery.DiscoveryError as err:
                on_status(str(err))
                _wait(stop, min(backoff, max(0.05, left)) if left else backoff)
                backoff = min(backoff * 2, 15.0)
                continue
            backoff = 1.0
            if where.site != config.device.site:
                on_status(f"Using the only hub on the network, site {where.site!r}.")
            result = pair_once(where, config, show_code, on_status=on_status, stop=stop)
            if result is None:
                continue
            creds, card = result
            new = _apply(config, creds, card, where.pairing_secret)
            if config_path is not None:
                cfgmod.save(new, config_path)
            on_status(f"Paired with the hub of site {card.site!r} as {new.device.id}.")
            if advertiser is not None:
                advertiser.update(new)
            return new
    finally:
        if advertiser is not None:
            advertiser.stop()


def unpair(config: DeviceConfig, config_path: str | os.PathLike[str] | None, *, notify_hub: bool = True,
           interfaces: Interfaces | None = None, timeout_s: float = 6.0) -> tuple[DeviceConfig, str]:
    """Forget the hub's credentials (after telling the hub, which deletes the account).

    Returns the new config and a sentence for the technician. The local
    credentials are cleared even when the hub cannot be reached (then the
    sentence says to remove the device on the hub).
    """
    from pydantic import SecretStr

    from sorra import config as cfgmod
    from sorra import discovery

    message = "This device was not paired."
    if is_paired(config):
        message = "Unpaired locally."
        if notify_hub:
            try:
                message = _tell_hub(config, interfaces, timeout_s)
            except (discovery.DiscoveryError, ChannelError, wire.WireError, PairingError) as err:
                message = (f"The hub could not be told ({err}). Remove the device there: "
                           f"sorra hub device remove {config.device.id}")
    new = config.model_copy(deep=True)
    new.hub.username = ""
    new.hub.password = SecretStr("")
    new.hub.fingerprint = ""
    if config_path is not None:
        cfgmod.save(new, config_path)
    return new, message


def _tell_hub(config: DeviceConfig, interfaces: Interfaces | None, timeout_s: float) -> str:
    from sorra import discovery

    where = discovery.locate(config, interfaces=interfaces, timeout_s=timeout_s)
    with PairingChannel(where.host, where.port, where.site, secret=where.pairing_secret,
                        tls=where.card.tls) as channel:
        card = prove_hub(channel, expected_fp=config.hub.fingerprint, expected_site=config.device.site)
        rid, nonce = new_rid(), crypto.nonce()
        sealed = crypto.Ephemeral().seal(card.box_raw, {"device": config.device.id,
                                                        "password": config.hub.password.get_secret_value()},
                                         wire.unpair_aad(rid))
        q = channel.send(rid, wire.unpair_request(nonce, sealed))
        reply = channel.next_reply(q, nonce, timeout_s)
        wire.verify_reply(reply, op="unpair", rid=rid, nonce=nonce, expected_fp=config.hub.fingerprint)
    if reply.get("status") == "unpaired":
        return f"The hub removed {config.device.id}; its password no longer works."
    raise PairingError(str(reply.get("message") or reply.get("status")))
