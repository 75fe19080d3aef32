"""A device app's way to its hub: pair if needed, find the hub, prove its key.

Shared by the kiosk, the counter terminal and the display through
:class:`sorra.runner.DeviceRunner`. Each app passes its own
:class:`StartupView` (start-up screen, LED display …) and its role;
everything else is the same for all of them.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from sorra import discovery, pairing
from sorra.bus import BusSettings
from sorra.config import DeviceConfig

log = logging.getLogger(__name__)

FROM_CONFIG: Any = object()
"""``interfaces`` default: ``[hub].mdns_interfaces`` (or ``$SORRA_MDNS_INTERFACES``)."""


class SetupError(RuntimeError):
    """The device is not set up for this (the message tells the technician what to do)."""


def bus_settings(cfg: DeviceConfig, host: str | None = None, port: int | None = None, *, role: str,
                 **options: Any) -> BusSettings:
    """How this device logs in to the broker; ``host``/``port``: where :func:`locate_hub` found the hub;
    ``options``: further :class:`BusSettings` fields (reconnect timing …)."""
    host = host or cfg.hub.host
    if not host:
        raise SetupError(f"[hub] host is empty: pair this {role} with the hub (sorra setup)")
    if not cfg.device.id:
        raise SetupError(f"[device] id is empty: pair this {role} with the hub (sorra setup)")
    return BusSettings(
        host=host,
        port=port or cfg.hub.mqtt_port,
        username=cfg.hub.username or cfg.device.id,
        password=cfg.hub.password.get_secret_value(),
        site=cfg.device.site,
        device=cfg.device.id,
        role=role,
        tls=cfg.hub.tls,
        ca_pem=cfg.hub.ca,
        **options,
    )


class StartupView(Protocol):
    """Where the start-up reports (a screen or an LED display; any thread: wrap it with :class:`OnGui`)."""

    def show_code(self, code: str) -> None: ...

    def show_status(self, text: str) -> None: ...

    def show_connecting(self) -> None: ...

    def show_refused(self, text: str) -> None: ...

    def show_problem(self, text: str) -> None: ...


class StartupViews:
    """Several :class:`StartupView` at once (a counter's LED display and its clerk screen)."""

    def __init__(self, *views: StartupView | None) -> None:
        self._views = [v for v in views if v is not None]

    def __getattr__(self, name: str) -> Callable[..., None]:
        methods = [getattr(v, name) for v in self._views]

        def call(*args: Any) -> None:
            for method in methods:
                method(*args)

        return call


class OnGui:
    """A :class:`StartupView` whose calls run through ``invoke`` (on the GUI thread)."""

    def __init__(self, view: StartupView, invoke: Callable[[Callable[[], None]], None]) -> None:
        self._view, self._invoke = view, invoke

    def __getattr__(self, name: str) -> Callable[..., None]:
        method = getattr(self._view, name)
        return lambda *args: self._invoke(lambda: method(*args))


def uses_fixed_address(cfg: DeviceConfig) -> bool:
    """Credentials set by hand with no pinned hub key (the demo, tests): connect to ``[hub].host`` as it is."""
    return bool(cfg.hub.username and not cfg.hub.fingerprint)


def locate_hub(cfg: DeviceConfig, config_path: str | Path | None, view: StartupView, stop: threading.Event, *,
               interfaces: Any = FROM_CONFIG, advertiser: Any = None, resolve_timeout_s: float = 6.0,
               settle_s: float = 1.0, first_delay_s: float = 1.0) -> tuple[DeviceConfig, str | None, int | None]:
    """Pair if needed, find the hub and prove its key: the (new) config and where the hub is.

    Host and port are None for a fixed address (:func:`uses_fixed_address`).
    Blocks, and keeps trying while the hub cannot be found or is refused (the
    reason goes to ``view``). A paired config is written to ``config_path``.
    Raises :class:`sorra.pairing.PairingCancelled` once ``stop`` is set.
    """
    ifaces = discovery.device_interfaces(cfg) if interfaces is FROM_CONFIG else interfaces
    delay = first_delay_s
    while True:
        try:
            if not cfg.hub.username:
                cfg = pairing.ensure_paired(cfg, config_path, logged_code(view.show_code),
                                            on_status=logged_status(view.show_status),
                                            stop=stop, interfaces=ifaces, settle_s=settle_s, advertise=False)
                if advertiser is not None:
                    advertiser.update(cfg)
            if uses_fixed_address(cfg):
                return cfg, None, None
            view.show_connecting()
            where = discovery.resolve_location(cfg, interfaces=ifaces, timeout_s=resolve_timeout_s)
            host, port = where.host, where.port
            known = discovery.remember_hub(cfg, where)  # its TLS port and CA, signed (learnt once)
            if known is not cfg:
                cfg = known
                if config_path is not None:
                    from sorra import config as cfgmod

                    cfgmod.save(cfg, config_path)
            log.info("hub of site %r proved its key at %s:%d", cfg.device.site, host, port)
            return cfg, host, port
        except pairing.PairingCancelled:
            raise
        except discovery.HubIdentityError as err:
            log.error("%s", err)
            view.show_refused(str(err))
        except (discovery.DiscoveryError, pairing.PairingError) as err:
            log.warning("hub not found yet: %s", err)
            view.show_problem(str(err))
        if stop.wait(delay):
            raise pairing.PairingCancelled("stopped")
        delay = min(delay * 2, 30.0)


def logged_code(show_code: Callable[[str], None]) -> Callable[[str], None]:
    """``show_code`` that also puts the code in the journal and ``systemctl status``."""

    def show(code: str) -> None:
        message = f"pairing code {code}: approve it on the hub (sorra hub device approve {code.replace(' ', '')})"
        log.info("%s", message)
        from sorra import sdnotify

        sdnotify.status(message)
        show_code(code)

    return show


def logged_status(show_status: Callable[[str], None]) -> Callable[[str], None]:
    """``on_status`` that also logs each new line (the journal tells what the screen says)."""
    last = [""]

    def show(text: str) -> None:
        if text != last[0]:
            last[0] = text
            log.info("%s", text)
        show_status(text)

    return show


def start_advertising(cfg: DeviceConfig, interfaces: Any = FROM_CONFIG, *, role: str) -> Any:
    """Announce this device on mDNS (the hub lists it, paired or not); None when mDNS is off or fails."""
    ifaces = discovery.device_interfaces(cfg) if interfaces is FROM_CONFIG else interfaces
    try:
        return discovery.advertise_device(cfg, ifaces)
    except OSError as err:  # no usable interface: the device works without being listed
        log.warning("cannot announce this %s on mDNS: %s", role, err)
        return None
