"""Putting the kiosk together: bus client, printer worker, controller, scanner, window.

:class:`KioskApp` builds and runs everything but the Qt window (tests and the
benchmark use it with their own window or none); :func:`run` is ``sorra
kiosk``: the full-screen app with its timers, systemd readiness and watchdog.
"""

from __future__ import annotations

import logging
import signal
import sys
import time
from collections.abc import Callable

from kiosk.controller import Invoke, KioskController
from kiosk.printing import PrinterService, TicketRenderer, load_template, open_device
from kiosk.printing.device import PrinterDevice
from kiosk.scanner import SerialScanner
from sorra.bus import BusClient, BusSettings
from sorra.config import DeviceConfig

log = logging.getLogger(__name__)

TICK_S = 0.25


class SetupError(RuntimeError):
    """The device is not set up for this (the message tells the technician what to do)."""


def bus_settings(cfg: DeviceConfig) -> BusSettings:
    if not cfg.hub.host:
        raise SetupError("[hub] host is empty: pair this kiosk with the hub (sorra setup)")
    if not cfg.device.id:
        raise SetupError("[device] id is empty: pair this kiosk with the hub (sorra setup)")
    return BusSettings(
        host=cfg.hub.host,
        port=cfg.hub.mqtt_port,
        username=cfg.hub.username or cfg.device.id,
        password=cfg.hub.password.get_secret_value(),
        site=cfg.device.site,
        device=cfg.device.id,
        role="kiosk",
        tls=cfg.hub.tls,
    )


def renderer_for(cfg: DeviceConfig) -> TicketRenderer:
    p = cfg.printer
    return TicketRenderer(
        load_template(p.template),
        profile=p.profile,
        text_mode=p.text_mode,
        codepage=p.codepage,
        qr=p.qr,
        width_px=p.width_px,
        logo=p.logo,
        cut=p.cut,
    )


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
        self.bus = BusClient(settings or bus_settings(cfg))
        self.device = device or open_device(cfg.printer)
        self.printer = PrinterService(self.device, renderer_for(cfg), status_interval_s=cfg.printer.status_interval_s)
        self.controller = KioskController(
            self.bus,
            self.printer,
            cfg.kiosk,
            lang=cfg.device.lang,
            device_name=cfg.device.name or cfg.device.id,
            invoke=invoke,
            clock=clock,
        )
        self.scanner: SerialScanner | None = None
        if cfg.kiosk.scanner:
            invoke_fn = invoke or (lambda fn: fn())
            self.scanner = SerialScanner(
                cfg.kiosk.scanner,
                cfg.kiosk.scanner_baud,
                lambda code: invoke_fn(lambda: self.controller.scanned(code)),
            )
        log.info("printer: %s, %s", self.device.name, self.printer.renderer.describe())

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


def run(cfg: DeviceConfig, *, windowed: bool = False) -> int:
    from PyQt6.QtCore import QTimer
    from PyQt6.QtGui import QFont
    from PyQt6.QtWidgets import QApplication

    from kiosk.views import InputFilter, KioskWindow, Metrics
    from kiosk.views.theme import FONT_FAMILY
    from sorra.qt import main_thread_invoker

    if cfg.device.role != "kiosk":
        log.warning("this device's role is %r; running the kiosk anyway", cfg.device.role)
    qt_app = QApplication(sys.argv[:1])
    qt_app.setFont(QFont(FONT_FAMILY))
    try:
        app = KioskApp(cfg, invoke=main_thread_invoker())
    except (SetupError, ValueError) as err:
        print(f"sorra kiosk: {err}", file=sys.stderr)
        return 3
    window = KioskWindow(Metrics.for_screen(cfg.kiosk.screen, cfg.kiosk.screen_diagonal_in), app.controller)
    app.controller.on_change(window.render)
    keys = InputFilter(app.controller.touch, app.controller.scanned)
    qt_app.installEventFilter(keys)
    ticker = QTimer()
    ticker.timeout.connect(app.controller.tick)
    ticker.start(int(TICK_S * 1000))
    app.start()
    if cfg.kiosk.fullscreen and not windowed:
        window.showFullScreen()
    else:
        window.show()
    watchdog = _systemd_ready(ticker)
    signal.signal(signal.SIGTERM, lambda *_: qt_app.quit())
    signal.signal(signal.SIGINT, lambda *_: qt_app.quit())
    code = qt_app.exec()
    if watchdog is not None:
        watchdog.stop()
    app.stop()
    return code


def _systemd_ready(ticker) -> object | None:
    try:
        from sorra import sdnotify
    except ImportError:  # pragma: no cover - part of sorra
        return None
    heartbeat = sdnotify.Heartbeat(max_age_s=10)
    ticker.timeout.connect(heartbeat.beat)
    sdnotify.ready("kiosk up")
    return sdnotify.start_watchdog(heartbeat.alive)
