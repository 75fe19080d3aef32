"""One way every device app starts and runs (no Qt here; the screen side is :mod:`sorra.qt.runner`).

A device app gives the runner its :class:`Role` and a ``launch`` hook;
everything between power-on and a running app is the runner's and the same
for every role:

1. announce the device on mDNS (the hub lists it, paired or not);
2. with credentials set by hand and no pinned hub key (the demo, tests):
   launch at once with ``[hub].host``; a set-up error is raised to the caller;
3. otherwise, on a worker thread: pair if needed (the code goes to the
   start-up ``view``), find the hub and prove its key
   (:func:`sorra.startup.locate_hub`), then launch through ``invoke`` (on the
   GUI thread of a screen app); a role's set-up error goes to the view;
4. ``stop()`` stops the app (or, before it ran, calls the role's ``abandon``
   hook to release what the start-up held, e.g. the counter's LED display) and
   the mDNS announcement.

:func:`run_headless` is the process around it for a device without a screen
(signals, systemd readiness and watchdog); :func:`systemd_ready` and
:func:`systemd_stopping` are what every role tells systemd.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from sorra import discovery, pairing, sdnotify, startup
from sorra.bus import BusSettings
from sorra.config import DeviceConfig
from sorra.startup import FROM_CONFIG, SetupError, StartupView, uses_fixed_address
from sorra.stopsignals import stop_on_signals, wait_for_stop

log = logging.getLogger(__name__)

Invoke = Callable[[Callable[[], None]], None]


def _direct(fn: Callable[[], None]) -> None:
    fn()


@dataclass(frozen=True)
class Role:
    """What the runner knows of a device role."""

    name: str
    """Its bus role and its ``sorra`` subcommand: ``kiosk``, ``counter``, ``display``."""
    title: str
    """How the journal and systemd name it: "kiosk", "counter terminal", "display"."""
    setup_errors: tuple[type[Exception], ...] = field(default=(SetupError,))
    """Errors of building the app that mean "set this device up": said to the technician, not a crash."""


class Running(Protocol):
    """What ``launch`` returns: the role's app, already started."""

    def stop(self) -> None: ...


class DeviceRunner:
    """From power-on to the role's running app; see the module's docstring for the steps.

    ``launch(cfg, settings)`` builds and starts the role's app for the hub at
    ``settings`` and returns it (raising one of ``role.setup_errors`` when the
    device is not set up for it). ``view`` is where the start-up reports (call
    it from any thread: wrap a widget with :class:`sorra.startup.OnGui`).
    ``on_failed(message)`` runs (through ``invoke``) when a launch after the
    start-up failed. ``interfaces``, ``resolve_timeout_s``, ``settle_s`` and
    ``first_delay_s`` are for tests; ``bus_options`` are extra
    :class:`~sorra.bus.BusSettings` fields.
    """

    def __init__(self, role: Role, cfg: DeviceConfig, config_path: str | Path | None, *,
                 view: StartupView, launch: Callable[[DeviceConfig, BusSettings], Running],
                 abandon: Callable[[], None] | None = None, invoke: Invoke = _direct,
                 on_failed: Callable[[str], None] | None = None, interfaces: Any = FROM_CONFIG,
                 resolve_timeout_s: float = 6.0, settle_s: float = 1.0, first_delay_s: float = 1.0,
                 bus_options: dict[str, Any] | None = None) -> None:
        self.role = role
        self.cfg = cfg
        self.path = config_path
        self.view = view
        self.invoke = invoke
        self.interfaces = discovery.device_interfaces(cfg) if interfaces is FROM_CONFIG else interfaces
        self._launch_hook, self._abandon, self._on_failed = launch, abandon, on_failed
        self._find_args = {"resolve_timeout_s": resolve_timeout_s, "settle_s": settle_s,
                           "first_delay_s": first_delay_s}
        self.bus_options = dict(bus_options or {})
        self.stop_event = threading.Event()
        self.advertiser: Any = None
        self.app: Any = None
        """The role's running app, once launched."""
        self._lock = threading.Lock()  # a launch and stop() never overlap

    @property
    def fixed_address(self) -> bool:
        return uses_fixed_address(self.cfg)

    def start(self, *, wait: bool = False) -> bool:
        """Advertise, then launch (fixed address) or start the search for the hub.

        The search runs on a worker thread, or on this one with ``wait`` (then
        this returns once the app runs, True, or once stopped, False, and
        raises what stopped the start-up). Raises one of ``role.setup_errors``
        for a fixed address the device cannot use.
        """
        if self.cfg.device.role != self.role.name:
            log.warning("this device's role is %r; running the %s anyway", self.cfg.device.role, self.role.title)
        self.advertiser = startup.start_advertising(self.cfg, self.interfaces, role=self.role.name)
        if self.fixed_address:
            self._launch(self.cfg, self.settings(self.cfg), fail=True)
            return self.app is not None
        if wait:
            self._find(raise_errors=True)
            return self.app is not None
        threading.Thread(target=self._find, name=f"{self.role.name}-startup", daemon=True).start()
        return False

    def settings(self, cfg: DeviceConfig, host: str | None = None, port: int | None = None) -> BusSettings:
        """How this device logs in to the broker (see :func:`sorra.startup.bus_settings`)."""
        return startup.bus_settings(cfg, host, port, role=self.role.name, **self.bus_options)

    def _find(self, raise_errors: bool = False) -> None:
        """``raise_errors``: the caller waits (no screen): failures are raised to it, after the view."""
        try:
            cfg, host, port = startup.locate_hub(self.cfg, self.path, self.view, self.stop_event,
                                                 interfaces=self.interfaces, advertiser=self.advertiser,
                                                 **self._find_args)
            settings = self.settings(cfg, host, port)
        except pairing.PairingCancelled:
            return
        except Exception as err:  # a bug, or a config that cannot be saved: say it on the view
            log.exception("%s start-up failed", self.role.title)
            self.view.show_problem(str(err))
            if raise_errors:
                raise
            return
        self.invoke(lambda: self._launch(cfg, settings, fail=raise_errors))

    def _launch(self, cfg: DeviceConfig, settings: BusSettings, fail: bool = False) -> None:
        with self._lock:
            if self.stop_event.is_set():
                return
            self.cfg = cfg
            try:
                self.app = self._launch_hook(cfg, settings)
            except self.role.setup_errors as err:
                if fail:
                    raise
                log.error("%s", err)
                if self._on_failed is not None:
                    self._on_failed(str(err))
                else:
                    self.view.show_problem(str(err))
                return
        log.info("%s running (hub at %s:%s)", self.role.title, settings.host, settings.port)

    def stop(self) -> None:
        with self._lock:
            self.stop_event.set()
            app = self.app
        if app is not None:
            app.stop()
        elif self._abandon is not None:
            self._abandon()
        if self.advertiser is not None:
            self.advertiser.stop()
            self.advertiser = None


# ---- the process around it ---------------------------------------------------------------------


def load_config(path: str | Path | None, command: str) -> DeviceConfig:
    """The device's configuration for ``sorra <command>``; a bad file ends the command with its message."""
    from sorra import config

    try:
        return config.load(path, required=path is not None)
    except config.ConfigError as err:
        raise SystemExit(f"sorra {command}: {err}") from None


def systemd_ready(title: str, alive: Callable[[], bool]) -> sdnotify.Watchdog:
    """Tell systemd the device serves (``READY=1``) and ping its watchdog while ``alive()``."""
    sdnotify.ready(f"{title} up")
    return sdnotify.start_watchdog(alive)


def systemd_stopping(title: str, watchdog: sdnotify.Watchdog | None) -> None:
    sdnotify.stopping(f"{title} stopping")
    if watchdog is not None:
        watchdog.stop()


def run_headless(runner: DeviceRunner, *, liveness: Callable[[Any], Callable[[], bool]] | None = None) -> int:
    """A device without a screen: run until SIGTERM/SIGINT.

    READY once the process serves (the start-up included: it answers signals);
    then the watchdog asks ``liveness(app)()`` (default: always alive).
    """
    done = stop_on_signals(runner.stop_event.set)
    health: dict[str, Callable[[], bool]] = {"alive": lambda: True}
    watchdog = systemd_ready(runner.role.title, lambda: health["alive"]())
    try:
        if runner.start(wait=True) and runner.app is not None:
            if liveness is not None:
                health["alive"] = liveness(runner.app)
            wait_for_stop(done)
    finally:
        systemd_stopping(runner.role.title, watchdog)
        runner.stop()
    return 0


__all__ = ["DeviceRunner", "Role", "Running", "load_config", "run_headless", "systemd_ready", "systemd_stopping"]
