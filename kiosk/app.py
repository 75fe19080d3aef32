"""Putting the kiosk together: bus client, printer worker, controller; its part in the shared runner.

:class:`KioskApp` builds and runs everything but the Qt window (tests and the
benchmark use it with their own window or none). Start-up is the shared
runner's (:mod:`sorra.runner`, :mod:`sorra.qt.runner`): pair with the hub if
``[hub].username`` is empty (the code goes to the start-up screen), find the
hub (mDNS, or ``[hub].host``) and check that it holds the key this kiosk
paired with. :class:`KioskScreen` is what is the kiosk's own in that: its
start-up screen, its app and window. :func:`run` is ``sorra kiosk``.

The office's ticket layout comes from the hub (retained ``state/config/{device}``,
``ticket_template``); without one, the kiosk prints ``[printer].template`` or
its built-in layout.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from kiosk.controller import Invoke, KioskController
from kiosk.printing import PrinterService, open_device, prepare_escpos, renderer_for
from kiosk.printing.device import PrinterDevice
from kiosk.scanner import SerialScanner
from kiosk.selftest import printer_test  # noqa: F401 (registers the setup menu's test print)
from sorra import startup
from sorra.bus import BusClient, BusSettings
from sorra.config import DeviceConfig
from sorra.qt.runner import Launched, ScreenRunner, run_screen
from sorra.runner import Role
from sorra.startup import FROM_CONFIG, SetupError, StartupView
from sorra.ticket.template import Template, TemplateError, parse_template

log = logging.getLogger(__name__)

TICK_S = 0.25


ROLE = Role("kiosk", "kiosk", setup_errors=(SetupError, ValueError, TemplateError))


bus_settings = partial(startup.bus_settings, role=ROLE.name)
"""How this device logs in to the broker (see :func:`sorra.startup.bus_settings`)."""


class KioskApp:
    def __init__(
        self,
        cfg: DeviceConfig,
        *,
        invoke: Invoke | None = None,
        settings: BusSettings | None = None,
        device: PrinterDevice | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.cfg = cfg
        settings = settings or bus_settings(cfg)
        self.bus = BusClient(settings)
        prepare_escpos()  # python-escpos's capabilities cache (a start-up step, never an import's)
        self.device = device or open_device(cfg.printer)
        self.printer = PrinterService(self.device, renderer_for(cfg.printer), status_interval_s=cfg.printer.status_interval_s)
        self.local_template: Template = self.printer.renderer.template
        self.layout_source = "local"
        """Which ticket layout prints: "local" or "hub <version>" (also in the kiosk's status on the bus)."""
        self.controller = KioskController(
            self.bus,
            self.printer,
            cfg.kiosk,
            lang=cfg.device.lang,
            device_name=cfg.device.name or cfg.device.id,
            device=cfg.device.id,
            invoke=invoke,
            clock=clock,
        )
        self.bus.subscribe_state(f"config/{settings.device}", self._on_device_config)
        self.scanner: SerialScanner | None = None
        if cfg.kiosk.scanner:
            invoke_fn = invoke or (lambda fn: fn())
            self.scanner = SerialScanner(
                cfg.kiosk.scanner,
                cfg.kiosk.scanner_baud,
                lambda code: invoke_fn(lambda: self.controller.scanned(code)),
            )
        log.info("printer: %s, %s", self.device.name, self.printer.renderer.describe())

    def _on_device_config(self, _topic: str, payload: dict[str, Any] | None) -> None:
        """The hub's ``state/config/{device}`` (bus thread): its ticket layout replaces the local one."""
        payload = payload or {}
        text = payload.get("ticket_template") or ""
        template, source = self.local_template, "local"
        if isinstance(text, str) and text.strip():
            try:
                template = parse_template(text, "the hub's ticket layout")
                source = f"hub {payload.get('ticket_template_version') or ''}".strip()
            except TemplateError as err:
                log.error("%s; printing with the local layout", err)
                source = "local (the hub's layout is invalid)"
        # The printer thread reads the template once per ticket; swapping the reference is atomic.
        self.printer.renderer.template = template
        if source != self.layout_source:
            log.info("ticket layout: %s", source)
        self.layout_source = source
        self.bus.publish_status({"ticket_layout": source})

    def start(self) -> None:
        self.controller.start()
        self.printer.start()
        if self.scanner is not None:
            self.scanner.start()
        self.bus.start()

    def stop(self) -> None:
        if self.scanner is not None:
            self.scanner.stop()
        self.bus.stop()
        self.printer.stop()


class KioskScreen:
    """The kiosk's part in :class:`sorra.qt.runner.ScreenRunner`: its start-up screen, its app and window."""

    role = ROLE

    def __init__(self, cfg: DeviceConfig) -> None:
        from kiosk.views import Metrics

        self.lang = cfg.device.lang
        self.metrics = Metrics.for_screen(cfg.kiosk.screen, cfg.kiosk.screen_diagonal_in)
        self._keys: Any = None

    def startup_screen(self) -> Any:
        from kiosk.views.startup import StartupScreen

        return StartupScreen(self.metrics, self.lang)

    def startup_view(self, screen: StartupView) -> StartupView:
        return screen

    def launch(self, cfg: DeviceConfig, settings: BusSettings, invoke: Invoke) -> Launched:
        from PyQt6.QtWidgets import QApplication

        from kiosk.views import InputFilter, KioskWindow

        app = KioskApp(cfg, invoke=invoke, settings=settings)
        window = KioskWindow(self.metrics, app.controller)
        app.controller.on_change(window.render)
        self._keys = InputFilter(app.controller.touch, app.controller.scanned, scope=window)
        QApplication.instance().installEventFilter(self._keys)
        app.start()
        return Launched(app, window, tick=app.controller.tick)

    def abandon(self) -> None:
        pass

    def close(self) -> None:
        from PyQt6.QtWidgets import QApplication

        if self._keys is not None:
            QApplication.instance().removeEventFilter(self._keys)
            self._keys = None


class KioskLauncher(ScreenRunner):
    """``sorra kiosk`` on screen: the start-up screen until the kiosk is paired and its hub proven, then the kiosk.

    Needs a QApplication. ``start()`` returns at once; ``app`` and ``window``
    are set once the kiosk runs. ``interfaces``, ``resolve_timeout_s`` and
    ``settle_s`` are for tests.
    """

    def __init__(self, cfg: DeviceConfig, config_path: str | Path | None, *, windowed: bool = False,
                 interfaces: Any = FROM_CONFIG, on_restart: Callable[[], None] | None = None,
                 **startup_args: Any) -> None:
        super().__init__(KioskScreen(cfg), cfg, config_path, fullscreen=cfg.kiosk.fullscreen and not windowed,
                         interfaces=interfaces, on_restart=on_restart, **startup_args)


def run(cfg: DeviceConfig, config_path: str | Path | None = None, *, windowed: bool = False,
        interfaces: Any = FROM_CONFIG) -> int:
    from kiosk.views.theme import FONT_FAMILY

    return run_screen(ROLE, lambda restart: KioskLauncher(cfg, config_path, windowed=windowed, interfaces=interfaces,
                                                          on_restart=restart),
                      tick_s=TICK_S, font=FONT_FAMILY)
