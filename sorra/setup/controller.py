"""The technician setup menu without Qt: pages, PIN, edits, pairing, tests.

The Qt window (:mod:`sorra.setup.views`) and ``sorra setup`` (:mod:`sorra.setup.cli`)
both drive this class; the tests drive it directly. Every change is validated
against the schema and written to the device TOML atomically at once.
"""

from __future__ import annotations

import hmac
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sorra import config as cfgmod
from sorra.config import ConfigError, DeviceConfig
from sorra.discovery.mdns import Interfaces
from sorra.setup import hardware, system
from sorra.setup.hardware import GpioTest, Result

log = logging.getLogger(__name__)

PIN_ATTEMPTS = 5
PIN_LOCKOUT_S = 60.0


@dataclass(frozen=True)
class Page:
    id: str
    title: str
    keys: tuple[str, ...]
    roles: tuple[str, ...] = ("kiosk", "counter", "display")


PAGES: tuple[Page, ...] = (
    Page("device", "Device", ("device.role", "device.name", "device.lang", "device.site", "counter.number")),
    Page("hub", "Hub and pairing", ("hub.host", "hub.mqtt_port", "hub.tls", "hub.mdns_interfaces")),
    Page("printer", "Printer", ("printer.type", "printer.profile", "printer.host", "printer.port",
                                "printer.serial_port", "printer.serial_baud", "printer.usb_vendor",
                                "printer.usb_product", "printer.path"), ("kiosk",)),
    Page("gpio", "Buttons and LEDs", ("gpio.pin_factory", "gpio.next", "gpio.recall", "gpio.done",
                                      "gpio.no_show", "gpio.transfer", "gpio.feedback_good",
                                      "gpio.feedback_neutral", "gpio.feedback_bad", "gpio.led_ready",
                                      "gpio.led_serving", "gpio.led_paused", "gpio.led_offline", "gpio.buzzer"),
         ("counter",)),
    Page("serial_display", "LED display", ("serial_display.model", "serial_display.port", "serial_display.baud",
                                           "serial_display.width", "serial_display.align",
                                           "serial_display.address"), ("counter",)),
    Page("screen", "Screen", ("kiosk.screen", "kiosk.fullscreen", "kiosk.screen_diagonal_in",
                              "display.resolution", "display.fullscreen", "display.screen_diagonal_in",
                              "display.farthest_seat_m", "display.recent_calls", "display.call_takeover_s",
                              "display.counters", "display.services",
                              "counter.fullscreen", "counter.headless")),
    Page("audio", "Sound", ("audio.mode", "audio.volume", "audio.player", "audio.alsa_device", "audio.lang"),
         ("display",)),
    Page("network", "Network", ()),
    Page("logs", "Logs", ()),
    Page("reset", "Unpair and reset", ("device.setup_pin",)),
)

_ROLE_SECTIONS = {"kiosk": ("kiosk", "printer"), "counter": ("counter", "gpio", "serial_display"),
                  "display": ("display", "audio")}


def _key_for_role(key: str, role: str) -> bool:
    section = key.split(".")[0]
    owners = [r for r, sections in _ROLE_SECTIONS.items() if section in sections]
    return not owners or role in owners


class PairingJob:
    """``ensure_paired`` on a worker thread; ``cancel()`` stops it."""

    def __init__(self, target: Callable[[threading.Event], None]) -> None:
        self.stop = threading.Event()
        self._thread = threading.Thread(target=target, args=(self.stop,), name="setup-pairing", daemon=True)

    def start(self) -> PairingJob:
        self._thread.start()
        return self

    def cancel(self, timeout: float = 5.0) -> None:
        self.stop.set()
        self._thread.join(timeout)

    def join(self, timeout: float | None = None) -> bool:
        self._thread.join(timeout)
        return not self._thread.is_alive()


class SetupController:
    """One device's configuration as the technician sees it."""

    def __init__(self, config_path: str | os.PathLike[str], *, config: DeviceConfig | None = None,
                 require_pin: bool = True, clock: Callable[[], float] = time.monotonic,
                 interfaces: Interfaces | None = None, pin_factory: Any = None) -> None:
        self.path = Path(config_path)
        self._config = config if config is not None else cfgmod.load(self.path)
        self.require_pin = require_pin
        self.clock = clock
        self.interfaces = interfaces
        self.pin_factory = pin_factory
        self._unlocked = not require_pin
        self._failures = 0
        self._locked_until = 0.0
        self._lock = threading.RLock()
        self.listeners: list[Callable[[DeviceConfig], None]] = []
        """Called with the new config after every saved change (any thread)."""

    # ---- config ------------------------------------------------------------------------

    @property
    def config(self) -> DeviceConfig:
        with self._lock:
            return self._config

    @property
    def role(self) -> str:
        return self.config.device.role

    def pages(self) -> list[Page]:
        return [p for p in PAGES if self.role in p.roles]

    def page(self, page_id: str) -> Page:
        return next(p for p in PAGES if p.id == page_id)

    def keys(self, page_id: str) -> list[str]:
        return [k for k in self.page(page_id).keys if _key_for_role(k, self.role)]

    def value(self, key: str) -> Any:
        return cfgmod.get_value(self.config, key)

    def shown(self, key: str) -> str:
        return cfgmod.shown(self.value(key))

    # ---- PIN ---------------------------------------------------------------------------

    @property
    def unlocked(self) -> bool:
        return self._unlocked

    def enter_pin(self, pin: str) -> Result:
        """Unlock with the setup PIN; after 5 wrong PINs the menu stays shut for a minute."""
        now = self.clock()
        with self._lock:
            if now < self._locked_until:
                return Result(False, f"Too many wrong PINs. Try again in {int(self._locked_until - now) + 1} s.")
            expected = self._config.device.setup_pin.get_secret_value()
            if hmac.compare_digest(pin.encode(), expected.encode()):
                self._unlocked, self._failures = True, 0
                return Result(True, "Unlocked.")
            self._failures += 1
            if self._failures >= PIN_ATTEMPTS:
                self._failures = 0
                self._locked_until = now + PIN_LOCKOUT_S
                log.warning("setup menu: %d wrong PINs, locked for %.0f s", PIN_ATTEMPTS, PIN_LOCKOUT_S)
                return Result(False, f"Too many wrong PINs. Try again in {int(PIN_LOCKOUT_S)} s.")
            return Result(False, "Wrong PIN.")

    def lockout_left(self) -> int:
        """Seconds until a PIN is accepted again (0: not locked out)."""
        return max(0, int(self._locked_until - self.clock()) + 1) if self.clock() < self._locked_until else 0

    def lock(self) -> None:
        self._unlocked = not self.require_pin

    def _check_unlocked(self) -> None:
        if not self._unlocked:
            raise PermissionError("the setup menu is locked: enter the PIN first")

    # ---- edits -------------------------------------------------------------------------

    def apply(self, changes: dict[str, Any]) -> Result:
        """Validate and save ``{key: text or value}``; nothing is saved if one value is wrong."""
        self._check_unlocked()
        with self._lock:
            old = self._config
            try:
                new = cfgmod.set_values(old, changes)
            except ConfigError as err:
                return Result(False, str(err))
            if new == old:
                return Result(True, "No changes.")
            cfgmod.save(new, self.path)
            self._config = new
        changed = [k for k in changes if cfgmod.get_value(old, k) != cfgmod.get_value(new, k)]
        log.info("setup: changed %s", ", ".join(changed) or "nothing")
        for fn in list(self.listeners):
            fn(new)
        message = "Saved: " + ", ".join(changed) if changed else "No changes."
        if "device.role" in changed and old.hub.fingerprint:
            message += (". The role changed: unpair this device and pair it again, so the hub "
                        "knows it as a " + new.device.role + ".")
        return Result(True, message)

    def _replace(self, new: DeviceConfig) -> None:
        with self._lock:
            self._config = new
        for fn in list(self.listeners):
            fn(new)

    # ---- hub and pairing -----------------------------------------------------------------

    def hub_summary(self) -> dict[str, str]:
        from sorra.pairing import is_paired
        from sorra.pairing.crypto import short_fingerprint

        c = self.config
        return {
            "paired": "yes" if is_paired(c) else "no",
            "site": c.device.site,
            "device": c.device.id or "(chosen at pairing)",
            "hub": f"{c.hub.host}:{c.hub.mqtt_port}" if c.hub.host else "automatic (mDNS)",
            "key": short_fingerprint(c.hub.fingerprint) if c.hub.fingerprint else "",
        }

    def start_pairing(self, show_code: Callable[[str], None], on_status: Callable[[str], None],
                      on_done: Callable[[Result], None], *, settle_s: float = 1.0) -> PairingJob:
        """Pair in the background (the device shows ``show_code``'s code); ``on_done`` at the end."""
        self._check_unlocked()
        from sorra import pairing

        def run(stop: threading.Event) -> None:
            try:
                new = pairing.ensure_paired(self.config, self.path, show_code, on_status=on_status, stop=stop,
                                            interfaces=self.interfaces, settle_s=settle_s)
            except pairing.PairingCancelled:
                on_done(Result(False, "Pairing cancelled."))
                return
            except Exception as err:  # reported to the technician, not swallowed
                log.exception("pairing failed")
                on_done(Result(False, f"Pairing failed: {err}"))
                return
            self._replace(new)
            on_done(Result(True, f"Paired with the hub of site {new.device.site!r} as {new.device.id}."))

        return PairingJob(run).start()

    def check_hub(self, timeout_s: float = 6.0) -> Result:
        from sorra import discovery

        try:
            host, port = discovery.resolve_hub(self.config, timeout_s=timeout_s, interfaces=self.interfaces)
        except discovery.DiscoveryError as err:
            return Result(False, str(err))
        return Result(True, f"The hub answers at {host}:{port} and holds the paired key.")

    def unpair(self, notify_hub: bool = True) -> Result:
        self._check_unlocked()
        from sorra import pairing

        new, message = pairing.unpair(self.config, self.path, notify_hub=notify_hub, interfaces=self.interfaces)
        self._replace(new)
        return Result(True, message)

    def factory_reset(self, notify_hub: bool = True) -> Result:
        """Unpair, then every setting back to its default except the role (the image's)."""
        self._check_unlocked()
        result = self.unpair(notify_hub=notify_hub)
        fresh = DeviceConfig()
        fresh.device.role = self.config.device.role
        cfgmod.save(fresh, self.path)
        self._replace(fresh)
        return Result(True, f"{result.message} All settings are back to their defaults (setup PIN 0000).")

    # ---- hardware tests ------------------------------------------------------------------

    def test_printer(self) -> Result:
        return hardware.run_test("printer", self.config)

    def test_serial(self, text: str | None = None) -> Result:
        return hardware.run_test("serial", self.config, text=text)

    def test_audio(self) -> Result:
        return hardware.run_test("audio", self.config)

    def open_gpio_test(self, on_event: Callable[[str, bool], None]) -> GpioTest | Result:
        factory = self.pin_factory
        if factory is None and self.config.gpio.pin_factory == "mock":
            factory = self.pin_factory = hardware.pin_factory("mock")
        return hardware.open_gpio_test(self.config, on_event, factory)

    # ---- information ---------------------------------------------------------------------

    def network(self) -> list[tuple[str, str]]:
        return system.network_info(self.config)

    def logs(self, lines: int = 200) -> list[str]:
        return system.recent_logs(lines)
