"""Putting the kiosk together: start-up (pairing, finding the hub), bus client, printer worker, controller.

:class:`KioskApp` builds and runs everything but the Qt window (tests and the
benchmark use it with their own window or none). :func:`find_hub` is the
start-up path every kiosk takes first: pair with the hub if ``[hub].username``
is empty (the code goes to the screen), then find the hub (mDNS, or
``[hub].host``) and check that it holds the key this kiosk paired with.
:class:`KioskLauncher` shows the start-up screen while that runs, then the
kiosk; :func:`run` is ``sorra kiosk``: full screen, systemd readiness and
watchdog, the technician's setup gesture.

The office's ticket layout comes from the hub (retained ``state/config/{device}``,
``ticket_template``); without one, the kiosk prints ``[printer].template`` or
its built-in layout.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from kiosk.controller import Invoke, KioskController
from kiosk.printing import PrinterService, TicketRenderer, load_template, open_device
from kiosk.printing.device import PrinterDevice
from kiosk.printing.template import Template, TemplateError, parse_template
from kiosk.scanner import SerialScanner
from sorra import discovery, pairing, startup
from sorra.bus import BusClient, BusSettings
from sorra.config import DeviceConfig
from sorra.startup import FROM_CONFIG, OnGui, SetupError, StartupView, uses_fixed_address  # noqa: F401 (re-exported)

log = logging.getLogger(__name__)

TICK_S = 0.25


# ---- start-up: pairing and finding the hub (sorra.startup) ----------------------------------

ROLE = "kiosk"


bus_settings = partial(startup.bus_settings, role=ROLE)
"""How this device logs in to the broker (see :func:`sorra.startup.bus_settings`)."""


find_hub = partial(startup.find_hub, role=ROLE)
"""Pair if needed, find the hub and prove its key (see :func:`sorra.startup.find_hub`)."""


start_advertising = partial(startup.start_advertising, role=ROLE)
"""Announce this device on mDNS (see :func:`sorra.startup.start_advertising`)."""


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
        settings = settings or bus_settings(cfg)
        self.bus = BusClient(settings)
        self.device = device or open_device(cfg.printer)
        self.printer = PrinterService(self.device, renderer_for(cfg), status_interval_s=cfg.printer.status_interval_s)
        self.local_template: Template = self.printer.renderer.template
        self.layout_source = "local"
        """Which ticket layout prints: "local" or "hub <version>" (also in the kiosk's status on the bus)."""
        self.controller = KioskController(
            self.bus,
            self.printer,
            cfg.kiosk,
            lang=cfg.device.lang,
            device_name=cfg.device.name or cfg.device.id,
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


class KioskLauncher:
    """``sorra kiosk`` on screen: the start-up screen until the kiosk is paired and its hub proven, then the kiosk.

    Needs a QApplication. ``start()`` returns at once (the start-up runs on a
    worker thread); ``app`` and ``window`` are set once the kiosk runs.
    ``interfaces``, ``resolve_timeout_s`` and ``settle_s`` are for tests.
    """

    def __init__(self, cfg: DeviceConfig, config_path: str | Path | None, *, windowed: bool = False,
                 interfaces: Any = FROM_CONFIG, resolve_timeout_s: float = 6.0, settle_s: float = 1.0,
                 on_restart: Callable[[], None] | None = None) -> None:
        from kiosk.views import Metrics
        from kiosk.views.startup import StartupScreen
        from sorra.qt import main_thread_invoker

        self.cfg = cfg
        self.path = config_path
        self.interfaces = discovery.device_interfaces(cfg) if interfaces is FROM_CONFIG else interfaces
        self.fullscreen = cfg.kiosk.fullscreen and not windowed
        self.resolve_timeout_s, self.settle_s = resolve_timeout_s, settle_s
        self.on_restart = on_restart
        self.invoke = main_thread_invoker()
        self.metrics = Metrics.for_screen(cfg.kiosk.screen, cfg.kiosk.screen_diagonal_in)
        self.startup = StartupScreen(self.metrics, cfg.device.lang)
        self.app: KioskApp | None = None
        self.window: Any = None
        self.gestures: list[Any] = []
        self._keys: Any = None
        self._stop = threading.Event()
        self._advertiser: Any = None
        self._restarting = False

    def start(self) -> None:
        """Raises :class:`SetupError` only for a kiosk set up by hand without a hub address."""
        if self.cfg.device.role != "kiosk":
            log.warning("this device's role is %r; running the kiosk anyway", self.cfg.device.role)
        self._advertiser = start_advertising(self.cfg, self.interfaces)
        if uses_fixed_address(self.cfg):
            self._launch(self.cfg, bus_settings(self.cfg), fail=True)
            return
        self._install_gesture(self.startup)
        self._show(self.startup)
        threading.Thread(target=self._find, name="kiosk-startup", daemon=True).start()

    def _find(self) -> None:
        try:
            cfg, settings = find_hub(self.cfg, self.path, OnGui(self.startup, self.invoke), self._stop,
                                     interfaces=self.interfaces, advertiser=self._advertiser,
                                     resolve_timeout_s=self.resolve_timeout_s, settle_s=self.settle_s)
        except pairing.PairingCancelled:
            return
        except Exception as err:  # a bug, or a config that cannot be saved: say it on screen
            log.exception("kiosk start-up failed")
            message = str(err)
            self.invoke(lambda: self.startup.show_problem(message))
            return
        self.invoke(lambda: self._launch(cfg, settings))

    def _launch(self, cfg: DeviceConfig, settings: BusSettings, fail: bool = False) -> None:
        from PyQt6.QtWidgets import QApplication

        from kiosk.views import InputFilter, KioskWindow

        if self._stop.is_set():
            return
        self.cfg = cfg
        try:
            app = KioskApp(cfg, invoke=self.invoke, settings=settings)
        except (SetupError, ValueError, TemplateError) as err:
            if fail:
                raise
            log.error("%s", err)
            self.startup.show_problem(str(err))
            self._show(self.startup)
            return
        window = KioskWindow(self.metrics, app.controller)
        app.controller.on_change(window.render)
        self._keys = InputFilter(app.controller.touch, app.controller.scanned, scope=window)
        QApplication.instance().installEventFilter(self._keys)
        self._install_gesture(window)
        app.start()
        self.app, self.window = app, window
        self._show(window)
        self.startup.hide()

    def _show(self, widget: Any) -> None:
        if self.fullscreen:
            widget.showFullScreen()
        else:
            widget.show()

    def _install_gesture(self, widget: Any) -> None:
        if self.path is None:
            return
        from sorra.setup.gesture import install_setup_gesture

        holder: list[Any] = []
        holder.append(install_setup_gesture(widget, self.path, on_changed=lambda _cfg: self._setup_changed(holder[0])))
        self.gestures.append(holder[0])

    def _setup_changed(self, gesture: Any) -> None:
        """The technician saved a change: restart with it once the setup menu closes (systemd starts us again)."""
        setup = gesture.opened.get("window")
        if setup is None or self._restarting or self.on_restart is None:
            return
        self._restarting = True
        setup.closed.connect(self._restart)

    def _restart(self) -> None:
        log.info("the setup menu changed this device's configuration: restarting the kiosk")
        if self.on_restart is not None:
            self.on_restart()

    def tick(self) -> None:
        if self.app is not None:
            self.app.controller.tick()

    def stop(self) -> None:
        self._stop.set()
        if self.app is not None:
            self.app.stop()
        if self._advertiser is not None:
            self._advertiser.stop()

    def close(self) -> None:
        """Delete the windows now, on the GUI thread, while the QApplication exists (at exit:
        left to Python's and PyQt's clean-up, they crash it now and then)."""
        from PyQt6 import sip
        from PyQt6.QtWidgets import QApplication

        if self._keys is not None:
            QApplication.instance().removeEventFilter(self._keys)
        for widget in (self.window, self.startup):
            if widget is not None and not sip.isdeleted(widget):
                widget.close()
                sip.delete(widget)
        self.window = self.startup = None
        self.gestures.clear()


def run(cfg: DeviceConfig, config_path: str | Path | None = None, *, windowed: bool = False,
        interfaces: Any = FROM_CONFIG) -> int:
    from PyQt6.QtCore import QTimer
    from PyQt6.QtGui import QFont
    from PyQt6.QtWidgets import QApplication

    from kiosk.views.theme import FONT_FAMILY

    qt_app = QApplication(sys.argv[:1])
    qt_app.setFont(QFont(FONT_FAMILY))
    launcher = KioskLauncher(cfg, config_path, windowed=windowed, interfaces=interfaces, on_restart=qt_app.quit)
    try:
        launcher.start()
    except (SetupError, ValueError, TemplateError) as err:
        print(f"sorra kiosk: {err}", file=sys.stderr)
        launcher.stop()
        return 3
    ticker = QTimer()
    ticker.timeout.connect(launcher.tick)
    ticker.start(int(TICK_S * 1000))
    watchdog = _systemd_ready(ticker)
    signal.signal(signal.SIGTERM, lambda *_: qt_app.quit())
    signal.signal(signal.SIGINT, lambda *_: qt_app.quit())
    code = qt_app.exec()
    if watchdog is not None:
        watchdog.stop()
    launcher.stop()
    launcher.close()
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
