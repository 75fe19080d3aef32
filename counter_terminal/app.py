"""Assembling the counter terminal: config → bus, hardware, controller (no Qt here).

Start-up is the shared runner's (:class:`sorra.runner.DeviceRunner`): a
terminal whose ``[hub].username`` is empty pairs first, showing the code on
its LED display (:class:`LedStartupView`, and the clerk screen when it has
one); then it finds the hub (mDNS, or ``[hub].host``) and checks that the hub
holds the key it paired with. A terminal with credentials set by hand and no
pinned key connects to ``[hub].host`` as it is (the demo, tests).
:class:`HeadlessTerminal` is the terminal without a screen.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from counter_terminal.actions import HOLD_BUTTONS
from counter_terminal.controller import CounterController, Invoke, Settings
from counter_terminal.hardware import (
    ButtonInput,
    HardwareError,
    NumberDisplay,
    StatusLights,
    build_buttons,
    build_display,
    build_lights,
    make_pin_factory,
)
from counter_terminal.runner import SerialInvoker, Ticker
from counter_terminal.selftest import serial_test  # noqa: F401 (registers the setup menu's LED display test)
from counter_terminal.texts import Texts
from sorra import discovery, sdnotify, startup
from sorra.bus import BusClient, BusSettings
from sorra.config import DeviceConfig
from sorra.runner import DeviceRunner, Role, run_headless
from sorra.startup import FROM_CONFIG, SetupError, uses_fixed_address

log = logging.getLogger(__name__)

ROLE = Role("counter", "counter terminal", setup_errors=(SetupError, HardwareError))


bus_settings = partial(startup.bus_settings, role=ROLE.name)
"""How this device logs in to the broker (see :func:`sorra.startup.bus_settings`)."""


TICK_S = 0.25


def controller_settings(config: DeviceConfig, headless: bool) -> Settings:
    c = config.counter
    pin = c.auto_login_pin.get_secret_value()
    return Settings(
        counter=c.number,
        lang=config.device.lang,
        headless=headless,
        send_deadline_s=c.offline_send_deadline_s,
        refused_signal_s=c.refused_signal_s,
        feedback_window_s=c.feedback_window_s,
        paused_text=config.serial_display.paused_text,
        clerks=tuple(c.clerks),
        pause_reasons=tuple(c.pause_reasons),
        background_kinds=tuple(c.background_kinds),
        auto_login=(c.auto_login_clerk, pin) if c.auto_login_clerk and pin else None,
    )


class CounterApp:
    """The terminal's parts, wired; ``start()``/``stop()``. Views attach to ``controller``."""

    def __init__(
        self,
        config: DeviceConfig,
        *,
        headless: bool | None = None,
        bus: Any = None,
        pin_factory: Any = None,
        invoke: Invoke | None = None,
        button_options: dict[str, Any] | None = None,
        display: NumberDisplay | None = None,
    ) -> None:
        """``display``: the LED display already opened for the start-up (else built from the config)."""
        self.config = config
        self.headless = config.counter.headless if headless is None else headless
        self.bus = bus if bus is not None else BusClient(bus_settings(config))
        if not config.counter.number:
            raise SetupError("[counter] number is 0: set the counter this terminal is paired with (sorra setup)")
        factory = pin_factory if pin_factory is not None else make_pin_factory(config.gpio.pin_factory)
        self.lights: StatusLights = build_lights(config, factory)
        self.display: NumberDisplay | None = display if display is not None else build_display(config)
        self.buttons: ButtonInput = build_buttons(config, factory, HOLD_BUTTONS, **(button_options or {}))
        self._own_invoker: SerialInvoker | None = None
        if invoke is None:
            self._own_invoker = SerialInvoker()
            invoke = self._own_invoker
        self.invoke = invoke
        self.controller = CounterController(
            self.bus,
            controller_settings(config, self.headless),
            lights=self.lights,
            display=self.display,
            invoke=invoke,
            status=self._publish_status,
        )
        self._ticker: Ticker | None = None
        self.texts = Texts(config.device.lang)
        self._last_notice = None
        self.controller.add_listener(self._log_notice)

    def _publish_status(self, extra: dict[str, Any]) -> None:
        publish = getattr(self.bus, "publish_status", None)
        if publish is not None:
            publish(extra)

    def _log_notice(self, vm: Any) -> None:
        if vm.notice is not None and vm.notice is not self._last_notice:
            log.info("counter %s: %s", vm.counter, self.texts.notice(vm.notice))
        self._last_notice = vm.notice

    def start(self, *, tick: bool = True) -> None:
        self.invoke(self.controller.start)
        self.buttons.start(self.controller.on_button)
        self.bus.start()
        self._publish_status({
            "led_display": "none" if self.display is None else "ok",
            "headless": self.headless,
        })
        if tick:
            self._ticker = Ticker(lambda: self.invoke(self.controller.tick), TICK_S)
            self._ticker.start()

    def stop(self) -> None:
        if self._ticker is not None:
            self._ticker.stop()
        self.buttons.close()
        self.bus.stop()
        self.lights.show({"ready": "off", "serving": "off", "paused": "off", "offline": "on"})
        self.lights.close()
        if self.display is not None:
            self.display.close()
        if self._own_invoker is not None:
            self._own_invoker.stop()


# ---- start-up: the LED display's part, and the terminal without a screen ----------------------


class LedStartupView:
    """The start-up on the LED display above the desk (the runner logs each step and the code).

    The pairing code fits an 8-character display as ``123 456`` (``123456``
    on 6); dashes while the hub is looked for; ``HUB ERR`` for a refused hub.
    """

    def __init__(self, display: NumberDisplay | None) -> None:
        self.display = display
        self.width = int(getattr(display, "width", 8))
        self.refused = False

    def _show(self, text: str) -> None:
        if self.display is not None:
            self.display.show(text)

    def show_code(self, code: str) -> None:
        self._show(code if len(code) <= self.width else code.replace(" ", ""))

    def show_status(self, text: str) -> None:
        pass  # one line of detail does not fit; the journal has it

    def show_connecting(self) -> None:
        if not self.refused:  # a refused hub stays on the display while the next try runs
            self._show("-" * min(self.width, 8))
            sdnotify.status("looking for the hub")

    def show_refused(self, text: str) -> None:
        self.refused = True
        self._show("HUB ERR")
        sdnotify.status(f"refused hub: {text}"[:200])

    def show_problem(self, text: str) -> None:
        sdnotify.status(text[:200])


def check_startup(config: DeviceConfig, interfaces: Any = FROM_CONFIG) -> None:
    """Refuse at once what start-up could never get past (``SetupError`` with what to do)."""
    ifaces = discovery.device_interfaces(config) if interfaces is FROM_CONFIG else interfaces
    if not config.hub.host and ifaces is None and (not config.hub.username or config.hub.fingerprint):
        raise SetupError("[hub] host is empty and mDNS is switched off (SORRA_MDNS_INTERFACES=off): "
                         "set hub.host to the hub's address (sorra setup set hub.host ADDRESS)")
    if uses_fixed_address(config):
        bus_settings(config)  # the address and id are there
        if not config.counter.number:
            raise SetupError("[counter] number is 0: set the counter this terminal is paired with (sorra setup)")


class HeadlessTerminal:
    """A counter terminal without a screen: start-up on the LED display, then buttons, LEDs and the display.

    ``start()`` blocks until the terminal runs (``app`` is set) or ``stop`` is
    called (returns False). Tests run it on a thread with their own pin factory.
    """

    def __init__(self, config: DeviceConfig, config_path: str | Path | None, *, interfaces: Any = FROM_CONFIG,
                 pin_factory: Any = None, button_options: dict[str, Any] | None = None,
                 tick: bool = True, **startup_args: Any) -> None:
        check_startup(config, discovery.device_interfaces(config) if interfaces is FROM_CONFIG else interfaces)
        self.pin_factory, self.button_options, self.tick = pin_factory, button_options, tick
        self.display = build_display(config)
        self.view = LedStartupView(self.display)
        self.runner = DeviceRunner(ROLE, config, config_path, view=self.view, launch=self._launch,
                                   abandon=self._abandon, interfaces=interfaces, **startup_args)

    @property
    def config(self) -> DeviceConfig:
        return self.runner.cfg

    @property
    def app(self) -> CounterApp | None:
        return self.runner.app

    def _launch(self, config: DeviceConfig, settings: BusSettings) -> CounterApp:
        app = CounterApp(config, headless=True, bus=BusClient(settings), pin_factory=self.pin_factory,
                         button_options=self.button_options, display=self.display)
        app.start(tick=self.tick)
        return app

    def _abandon(self) -> None:
        if self.display is not None:
            self.display.close()

    def start(self) -> bool:
        return self.runner.start(wait=True)

    def stop(self) -> None:
        self.runner.stop()


def run_headless_terminal(config: DeviceConfig, config_path: str | Path | None = None, *,
                          interfaces: Any = FROM_CONFIG) -> int:
    """Buttons, LEDs and the LED display only; runs until SIGTERM/SIGINT."""
    return run_headless(HeadlessTerminal(config, config_path, interfaces=interfaces).runner, liveness=_heartbeat)


def _heartbeat(app: CounterApp) -> Callable[[], bool]:
    """Alive while the controller's thread turns (it renders at least every tick)."""
    heartbeat = sdnotify.Heartbeat(max_age_s=10)
    heartbeat.beat()
    app.controller.add_listener(lambda vm: heartbeat.beat())
    return heartbeat.alive
