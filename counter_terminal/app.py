"""Assembling the counter terminal: start-up, config → bus, hardware, controller (no Qt here).

Start-up (:func:`find_hub`): a terminal whose ``[hub].username`` is empty pairs
first, showing the code on its LED display (and the clerk screen when it has
one); then it finds the hub (mDNS, or ``[hub].host``) and checks that the hub
holds the key it paired with. A terminal with credentials set by hand and no
pinned key connects to ``[hub].host`` as it is (the demo, tests).
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from functools import partial
from pathlib import Path
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
from sorra import discovery, pairing, startup
from sorra.bus import BusClient
from sorra.config import DeviceConfig
from sorra.startup import FROM_CONFIG, SetupError, StartupView, uses_fixed_address  # noqa: F401 (re-exported)

log = logging.getLogger(__name__)

ROLE = "counter"


bus_settings = partial(startup.bus_settings, role=ROLE)
"""How this device logs in to the broker (see :func:`sorra.startup.bus_settings`)."""


find_hub = partial(startup.find_hub, role=ROLE)
"""Pair if needed, find the hub and prove its key (see :func:`sorra.startup.find_hub`)."""


start_advertising = partial(startup.start_advertising, role=ROLE)
"""Announce this device on mDNS (see :func:`sorra.startup.start_advertising`)."""


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


# ---- start-up: pairing and finding the hub ------------------------------------------------


class Views:
    """Several :class:`StartupView` at once (the LED display and the clerk screen)."""

    def __init__(self, *views: Any) -> None:
        self._views = [v for v in views if v is not None]

    def __getattr__(self, name: str) -> Callable[..., None]:
        methods = [getattr(v, name) for v in self._views]

        def call(*args: Any) -> None:
            for method in methods:
                method(*args)

        return call


class LedStartupView:
    """The start-up on the LED display above the desk, and in the log (journal, ``systemctl status``).

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
        message = f"pairing code {code}: approve it on the hub (sorra hub device approve {code.replace(' ', '')})"
        log.info("%s", message)
        _sd_status(message)

    def show_status(self, text: str) -> None:
        log.info("%s", text)

    def show_connecting(self) -> None:
        if not self.refused:  # a refused hub stays on the display while the next try runs
            self._show("-" * min(self.width, 8))
            _sd_status("looking for the hub")

    def show_refused(self, text: str) -> None:
        self.refused = True
        self._show("HUB ERR")
        _sd_status(f"refused hub: {text}")

    def show_problem(self, text: str) -> None:
        _sd_status(text)


def _sd_status(text: str) -> None:
    try:
        from sorra import sdnotify
    except ImportError:  # pragma: no cover - part of sorra
        return
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
    set (returns False). Tests run it on a thread with their own pin factory.
    """

    def __init__(self, config: DeviceConfig, config_path: str | Path | None, *, interfaces: Any = FROM_CONFIG,
                 pin_factory: Any = None, button_options: dict[str, Any] | None = None,
                 resolve_timeout_s: float = 6.0, settle_s: float = 1.0, tick: bool = True) -> None:
        self.config = config
        self.path = config_path
        self.interfaces = discovery.device_interfaces(config) if interfaces is FROM_CONFIG else interfaces
        check_startup(config, self.interfaces)
        self.pin_factory, self.button_options, self.tick = pin_factory, button_options, tick
        self.resolve_timeout_s, self.settle_s = resolve_timeout_s, settle_s
        self.stop_event = threading.Event()
        self.display = build_display(config)
        self.view = LedStartupView(self.display)
        self.app: CounterApp | None = None
        self.advertiser: Any = None

    def start(self) -> bool:
        self.advertiser = start_advertising(self.config, self.interfaces)
        try:
            config, settings = find_hub(self.config, self.path, self.view, self.stop_event,
                                        interfaces=self.interfaces, advertiser=self.advertiser,
                                        resolve_timeout_s=self.resolve_timeout_s, settle_s=self.settle_s)
        except pairing.PairingCancelled:
            return False
        self.config = config
        app = CounterApp(config, headless=True, bus=BusClient(settings), pin_factory=self.pin_factory,
                         button_options=self.button_options, display=self.display)
        app.start(tick=self.tick)
        self.app = app
        log.info("counter terminal running headless (counter %s)", config.counter.number)
        return True

    def stop(self) -> None:
        self.stop_event.set()
        if self.app is not None:
            self.app.stop()
        elif self.display is not None:
            self.display.close()
        if self.advertiser is not None:
            self.advertiser.stop()


def run_headless(config: DeviceConfig, config_path: str | Path | None = None, *,
                 interfaces: Any = FROM_CONFIG) -> int:
    """Buttons, LEDs and the LED display only; runs until SIGTERM/SIGINT."""
    terminal = HeadlessTerminal(config, config_path, interfaces=interfaces)
    done = threading.Event()

    def quit_(*_: Any) -> None:
        terminal.stop_event.set()
        done.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, quit_)
    health = {"alive": lambda: True}  # during the start-up: this process answers signals
    watchdog = _systemd_ready(health)
    try:
        if terminal.start() and terminal.app is not None:
            health["alive"] = _heartbeat(terminal.app)
            done.wait()
    finally:
        if watchdog is not None:
            watchdog.stop()
        terminal.stop()
    return 0


def _heartbeat(app: CounterApp) -> Callable[[], bool]:
    """Alive while the controller's thread turns (it renders at least every tick)."""
    try:
        from sorra import sdnotify
    except ImportError:  # pragma: no cover
        return lambda: True
    heartbeat = sdnotify.Heartbeat(max_age_s=10)
    heartbeat.beat()
    app.controller.add_listener(lambda vm: heartbeat.beat())
    return heartbeat.alive


def _systemd_ready(health: Any) -> Any:
    """READY once the process serves (the start-up included); the watchdog asks ``health["alive"]()``."""
    try:
        from sorra import sdnotify
    except ImportError:  # pragma: no cover - the module is part of sorra now
        return None
    sdnotify.ready("counter terminal up")
    return sdnotify.start_watchdog(lambda: health["alive"]())
