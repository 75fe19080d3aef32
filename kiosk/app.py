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
from pathlib import Path
from typing import Any, Protocol

from kiosk.controller import Invoke, KioskController
from kiosk.printing import PrinterService, TicketRenderer, load_template, open_device
from kiosk.printing.device import PrinterDevice
from kiosk.printing.template import Template, TemplateError, parse_template
from kiosk.scanner import SerialScanner
from sorra import discovery, pairing
from sorra.bus import BusClient, BusSettings
from sorra.config import DeviceConfig

log = logging.getLogger(__name__)

TICK_S = 0.25
FROM_CONFIG: Any = object()
"""``interfaces`` default: ``[hub].mdns_interfaces`` (or ``$SORRA_MDNS_INTERFACES``)."""


class SetupError(RuntimeError):
    """The device is not set up for this (the message tells the technician what to do)."""


def bus_settings(cfg: DeviceConfig, host: str | None = None, port: int | None = None) -> BusSettings:
    """How this kiosk logs in to the broker; ``host``/``port``: where :func:`find_hub` found the hub."""
    host = host or cfg.hub.host
    if not host:
        raise SetupError("[hub] host is empty: pair this kiosk with the hub (sorra setup)")
    if not cfg.device.id:
        raise SetupError("[device] id is empty: pair this kiosk with the hub (sorra setup)")
    return BusSettings(
        host=host,
        port=port or cfg.hub.mqtt_port,
        username=cfg.hub.username or cfg.device.id,
        password=cfg.hub.password.get_secret_value(),
        site=cfg.device.site,
        device=cfg.device.id,
        role="kiosk",
        tls=cfg.hub.tls,
    )


# ---- start-up: pairing and finding the hub ------------------------------------------------


class StartupView(Protocol):
    """Where the start-up reports (the start-up screen; any thread: wrap it with :class:`OnGui`)."""

    def show_code(self, code: str) -> None: ...

    def show_status(self, text: str) -> None: ...

    def show_connecting(self) -> None: ...

    def show_refused(self, text: str) -> None: ...

    def show_problem(self, text: str) -> None: ...


class OnGui:
    """A :class:`StartupView` whose calls run through ``invoke`` (on the GUI thread)."""

    def __init__(self, view: StartupView, invoke: Invoke) -> None:
        self._view, self._invoke = view, invoke

    def __getattr__(self, name: str) -> Callable[..., None]:
        method = getattr(self._view, name)
        return lambda *args: self._invoke(lambda: method(*args))


def uses_fixed_address(cfg: DeviceConfig) -> bool:
    """Credentials set by hand with no pinned hub key (the demo, tests): connect to ``[hub].host`` as it is."""
    return bool(cfg.hub.username and not cfg.hub.fingerprint)


def find_hub(cfg: DeviceConfig, config_path: str | Path | None, view: StartupView, stop: threading.Event, *,
             interfaces: Any = FROM_CONFIG, advertiser: Any = None, resolve_timeout_s: float = 6.0,
             settle_s: float = 1.0) -> tuple[DeviceConfig, BusSettings]:
    """Pair if needed, find the hub and prove its key: the (new) config and the settings to connect with.

    Blocks, and keeps trying while the hub cannot be found or is refused (the
    reason goes to ``view``). A paired config is written to ``config_path``.
    Raises :class:`sorra.pairing.PairingCancelled` once ``stop`` is set.
    """
    ifaces = discovery.device_interfaces(cfg) if interfaces is FROM_CONFIG else interfaces
    delay = 1.0
    while True:
        try:
            if not cfg.hub.username:
                cfg = pairing.ensure_paired(cfg, config_path, _logged(view.show_code),
                                            on_status=_logged_status(view.show_status),
                                            stop=stop, interfaces=ifaces, settle_s=settle_s, advertise=False)
                if advertiser is not None:
                    advertiser.update(cfg)
            if uses_fixed_address(cfg):
                return cfg, bus_settings(cfg)
            view.show_connecting()
            host, port = discovery.resolve_hub(cfg, interfaces=ifaces, timeout_s=resolve_timeout_s)
            log.info("hub of site %r proved its key at %s:%d", cfg.device.site, host, port)
            return cfg, bus_settings(cfg, host, port)
        except pairing.PairingCancelled:
            raise
        except discovery.HubIdentityError as err:
            log.error("%s", err)
            view.show_refused(str(err))
        except (discovery.DiscoveryError, pairing.PairingError) as err:
            log.warning("%s", err)
            view.show_problem(str(err))
        if stop.wait(delay):
            raise pairing.PairingCancelled("stopped")
        delay = min(delay * 2, 30.0)


def _logged(show_code: Callable[[str], None]) -> Callable[[str], None]:
    """``show_code`` that also puts the code in the journal and ``systemctl status``."""

    def show(code: str) -> None:
        message = f"pairing code {code}: approve it on the hub (sorra hub device approve {code.replace(' ', '')})"
        log.info("%s", message)
        try:
            from sorra import sdnotify
        except ImportError:  # pragma: no cover - part of sorra
            pass
        else:
            sdnotify.status(message)
        show_code(code)

    return show


def _logged_status(show_status: Callable[[str], None]) -> Callable[[str], None]:
    """``on_status`` that also logs each new line (the journal tells what the screen says)."""
    last = [""]

    def show(text: str) -> None:
        if text != last[0]:
            last[0] = text
            log.info("%s", text)
        show_status(text)

    return show


def start_advertising(cfg: DeviceConfig, interfaces: Any = FROM_CONFIG) -> Any:
    """Announce this kiosk on mDNS (the hub lists it, paired or not); None when mDNS is off or fails."""
    ifaces = discovery.device_interfaces(cfg) if interfaces is FROM_CONFIG else interfaces
    try:
        return discovery.advertise_device(cfg, ifaces)
    except OSError as err:  # no usable interface: the kiosk works without being listed
        log.warning("cannot announce this kiosk on mDNS: %s", err)
        return None


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
