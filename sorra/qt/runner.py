"""A device app on a screen: the start-up screen until the hub is proven, then the role's window.

:class:`ScreenRunner` is :class:`sorra.runner.DeviceRunner` with Qt around
it, for any role that has a window of its own (the kiosk, the counter's clerk
screen). The role hands it a :class:`ScreenRole`: its start-up panel, what the
start-up also reports to (the counter's LED display), and ``launch``, which
builds and starts its app and returns it with its window. The runner shows
one or the other full screen, installs the technician's setup gesture on both
(:class:`SetupGestures`) and cleans up on the GUI thread.

:func:`run_screen` is the process: QApplication, the runner, a ticker, systemd
readiness and watchdog (alive while the GUI loop turns), SIGTERM/SIGINT, a
clean exit. The display, whose window is up before the hub is found, runs
through it too (with its own runner object).
"""

from __future__ import annotations

import logging
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from PyQt6.QtWidgets import QApplication, QWidget

from sorra import sdnotify
from sorra.bus import BusSettings
from sorra.config import DeviceConfig
from sorra.qt import main_thread_invoker
from sorra.runner import DeviceRunner, Invoke, Role, systemd_ready, systemd_stopping
from sorra.startup import FROM_CONFIG, OnGui, StartupView

log = logging.getLogger(__name__)


class SetupGestures:
    """The setup gesture (five taps top left, Ctrl+Alt+S) on every window of an app.

    A change saved in the setup menu restarts the app once the menu closes
    (``on_restart``: quit the GUI loop; systemd starts the app again with the
    new configuration). Nothing is installed without a config file.
    """

    def __init__(self, config_path: str | Path | None, title: str,
                 on_restart: Callable[[], None] | None = None) -> None:
        self.path, self.title, self.on_restart = config_path, title, on_restart
        self.gestures: list[Any] = []
        self._restarting = False

    def install(self, widget: QWidget) -> None:
        if self.path is None:
            return
        from sorra.setup.gesture import install_setup_gesture

        holder: list[Any] = []
        holder.append(install_setup_gesture(widget, self.path, on_changed=lambda _cfg: self._changed(holder[0])))
        self.gestures.append(holder[0])

    def _changed(self, gesture: Any) -> None:
        setup = gesture.opened.get("window")
        if setup is None or self._restarting or self.on_restart is None:
            return
        self._restarting = True
        setup.closed.connect(self._restart)

    def _restart(self) -> None:
        log.info("the setup menu changed this device's configuration: restarting the %s", self.title)
        if self.on_restart is not None:
            self.on_restart()

    def clear(self) -> None:
        self.gestures.clear()


@dataclass
class Launched:
    """A role's app, started, and the window that shows it."""

    app: Any
    window: QWidget
    tick: Callable[[], None] | None = None
    """Called a few times a second on the GUI thread (timers of the controller)."""

    def stop(self) -> None:
        self.app.stop()


class ScreenRole(Protocol):
    """What a role with a window of its own gives :class:`ScreenRunner`."""

    role: Role

    def startup_screen(self) -> Any:
        """The start-up panel (a :class:`sorra.qt.startup.StartupPanel` in the role's look)."""
        ...

    def startup_view(self, screen: StartupView) -> StartupView:
        """Where the start-up reports: ``screen`` (called on the GUI thread), and whatever else the role has."""
        ...

    def launch(self, cfg: DeviceConfig, settings: BusSettings, invoke: Invoke) -> Launched:
        """Build the app for the hub at ``settings``, wire its window, start it (GUI thread)."""
        ...

    def abandon(self) -> None:
        """The start-up was stopped before the app ran: release what it held."""
        ...

    def close(self) -> None:
        """Undo what ``launch`` installed on the QApplication (event filters), on the GUI thread."""
        ...


class ScreenRunner:
    """``sorra <role>`` on screen; needs a QApplication. ``start()`` returns at once.

    ``startup`` is the start-up panel; ``app`` and ``window`` are set once the
    role runs; ``gestures`` are the setup gestures installed. The keyword
    arguments after ``on_restart`` are for tests (see :class:`DeviceRunner`).
    """

    def __init__(self, role: ScreenRole, cfg: DeviceConfig, config_path: str | Path | None, *,
                 fullscreen: bool, interfaces: Any = FROM_CONFIG, on_restart: Callable[[], None] | None = None,
                 **startup_args: Any) -> None:
        self.role = role
        self.fullscreen = fullscreen
        self.invoke = main_thread_invoker()
        self.startup: Any = role.startup_screen()
        self.setup = SetupGestures(config_path, role.role.title, on_restart)
        self.window: Any = None
        self.core = DeviceRunner(role.role, cfg, config_path, view=role.startup_view(OnGui(self.startup, self.invoke)),
                                 launch=self._launch, abandon=role.abandon, invoke=self.invoke,
                                 on_failed=self._failed, interfaces=interfaces, **startup_args)

    @property
    def cfg(self) -> DeviceConfig:
        return self.core.cfg

    @property
    def app(self) -> Any:
        launched = self.core.app
        return launched.app if launched is not None else None

    @property
    def gestures(self) -> list[Any]:
        return self.setup.gestures

    def start(self) -> None:
        """Raises one of the role's set-up errors only for a device set up by hand that cannot run."""
        if not self.core.fixed_address:
            self.setup.install(self.startup)
            self._show(self.startup)
        self.core.start()

    def _launch(self, cfg: DeviceConfig, settings: BusSettings) -> Launched:
        launched = self.role.launch(cfg, settings, self.invoke)
        self.window = launched.window
        self.setup.install(launched.window)
        self._show(launched.window)
        self.startup.hide()
        return launched

    def _failed(self, message: str) -> None:
        self.startup.show_problem(message)
        self._show(self.startup)

    def _show(self, widget: QWidget) -> None:
        if self.fullscreen:
            widget.showFullScreen()
        else:
            widget.show()

    def tick(self) -> None:
        launched = self.core.app
        if launched is not None and launched.tick is not None:
            launched.tick()

    def stop(self) -> None:
        self.core.stop()

    def close(self) -> None:
        """Delete the windows now, on the GUI thread, while the QApplication exists (at exit:
        left to Python's and PyQt's clean-up, they crash it now and then)."""
        self.role.close()
        delete_widgets(self.window, self.startup)
        self.window = self.startup = None
        self.setup.clear()


def delete_widgets(*widgets: QWidget | None) -> None:
    """Close and delete top-level widgets now (GUI thread)."""
    from PyQt6 import sip

    for widget in widgets:
        if widget is not None and not sip.isdeleted(widget):
            widget.close()
            sip.delete(widget)


class AppRunner(Protocol):
    """What :func:`run_screen` runs (a :class:`ScreenRunner`, or the display's own)."""

    def start(self) -> None: ...

    def tick(self) -> None: ...

    def stop(self) -> None: ...

    def close(self) -> None: ...


def run_screen(role: Role, make: Callable[[Callable[[], None]], AppRunner], *, tick_s: float = 0.25,
               font: str | None = None, argv: list[str] | None = None) -> int:
    """``sorra <role>`` with a screen: runs until SIGTERM/SIGINT or a restart; the exit code.

    ``make(on_restart)`` builds the runner (``on_restart`` quits the loop). A
    set-up error of the role, raised while building or starting it, is printed
    as ``sorra <role>: …`` and exits with 3.
    """
    from PyQt6.QtCore import QTimer
    from PyQt6.QtGui import QFont

    qt_app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    if font:
        qt_app.setFont(QFont(font))
    runner: AppRunner | None = None
    try:
        runner = make(qt_app.quit)
        runner.start()
    except role.setup_errors as err:
        print(f"sorra {role.name}: {err}", file=sys.stderr)
        if runner is not None:
            runner.stop()
        return 3
    ticker = QTimer()
    ticker.timeout.connect(runner.tick)
    heartbeat = sdnotify.Heartbeat(max_age_s=10)
    ticker.timeout.connect(heartbeat.beat)  # beats only while the GUI loop turns
    ticker.start(int(tick_s * 1000))
    # SIGTERM from systemd: quit the event loop cleanly (Python handles signals between Qt events)
    signal.signal(signal.SIGTERM, lambda *_: qt_app.quit())
    signal.signal(signal.SIGINT, lambda *_: qt_app.quit())
    watchdog = systemd_ready(role.title, heartbeat.alive)
    try:
        return int(qt_app.exec())
    finally:
        ticker.stop()
        systemd_stopping(role.title, watchdog)
        runner.stop()
        runner.close()


__all__ = ["AppRunner", "Launched", "ScreenRole", "ScreenRunner", "SetupGestures", "delete_widgets", "run_screen"]
