"""Assembling the counter terminal: config → bus, hardware, controller (no Qt here)."""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any

from counter_terminal.actions import HOLD_BUTTONS
from counter_terminal.controller import CounterController, Invoke, Settings
from counter_terminal.hardware import (
    ButtonInput,
    NumberDisplay,
    StatusLights,
    build_buttons,
    build_display,
    build_lights,
    make_pin_factory,
)
from counter_terminal.runner import SerialInvoker, Ticker
from counter_terminal.texts import Texts
from sorra.bus import BusClient, BusSettings
from sorra.config import DeviceConfig

log = logging.getLogger(__name__)

TICK_S = 0.25


class SetupError(RuntimeError):
    """The device is not set up for this (message for the technician)."""


def bus_settings(config: DeviceConfig) -> BusSettings:
    if not config.hub.host:
        raise SetupError("[hub] host is empty: pair this terminal with the hub (sorra setup)")
    if not config.device.id:
        raise SetupError("[device] id is empty: pair this terminal with the hub (sorra setup)")
    return BusSettings(
        host=config.hub.host,
        port=config.hub.mqtt_port,
        username=config.hub.username or config.device.id,
        password=config.hub.password.get_secret_value(),
        site=config.device.site,
        device=config.device.id,
        role="counter",
        tls=config.hub.tls,
    )


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
    ) -> None:
        self.config = config
        self.headless = config.counter.headless if headless is None else headless
        self.bus = bus if bus is not None else BusClient(bus_settings(config))
        if not config.counter.number:
            raise SetupError("[counter] number is 0: set the counter this terminal is paired with (sorra setup)")
        factory = pin_factory if pin_factory is not None else make_pin_factory(config.gpio.pin_factory)
        self.lights: StatusLights = build_lights(config, factory)
        self.display: NumberDisplay | None = build_display(config)
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


def run_headless(app: CounterApp) -> int:
    """Buttons, LEDs and the LED display only; runs until SIGTERM/SIGINT."""
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    app.start()
    watchdog = _systemd_ready(app)
    log.info("counter terminal running headless (counter %s)", app.config.counter.number)
    stop.wait()
    if watchdog is not None:
        watchdog.stop()
    app.stop()
    return 0


def _systemd_ready(app: CounterApp) -> Any:
    try:
        from sorra import sdnotify
    except ImportError:  # pragma: no cover - the module is part of sorra now
        return None
    heartbeat = sdnotify.Heartbeat(max_age_s=10)
    app.controller.add_listener(lambda vm: heartbeat.beat())
    sdnotify.ready("counter terminal up")
    return sdnotify.start_watchdog(heartbeat.alive)
