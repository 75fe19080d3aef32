"""How a technician opens the setup menu on a device with a screen.

* **Touch**: tap the top-left corner of the screen five times within three
  seconds (the corner is a 15 mm square; customers do not tap there by chance
  five times in a row).
* **Keyboard**: Ctrl+Alt+S.

Either one opens :class:`sorra.setup.views.SetupWindow`, which asks for the
setup PIN (``[device].setup_pin``, default ``0000``: change it on the
"Unpair and reset" page). A device app installs it once on its main window::

    from sorra.setup.gesture import install_setup_gesture

    gesture = install_setup_gesture(window, config_path, on_changed=app_controller.reload_config)
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PyQt6.QtCore import QEvent, QObject, QPointF, Qt, pyqtSignal
from PyQt6.QtWidgets import QWidget

TAPS = 5
WINDOW_S = 3.0
CORNER_MM = 15.0


class SetupGesture(QObject):
    """Watches a window for the setup gesture or key and emits ``triggered``."""

    triggered = pyqtSignal()

    def __init__(self, window: QWidget, *, taps: int = TAPS, window_s: float = WINDOW_S,
                 corner_px: int | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(window)
        from sorra.setup.views import mm

        self.window = window
        self.taps, self.window_s, self.clock = taps, window_s, clock
        self.corner_px = corner_px if corner_px is not None else mm(CORNER_MM)
        self._times: list[float] = []
        window.installEventFilter(self)
        for child in window.findChildren(QWidget):
            child.installEventFilter(self)

    def watch(self, widget: QWidget) -> None:
        """Also watch a widget created after installation (a page built later)."""
        widget.installEventFilter(self)
        for child in widget.findChildren(QWidget):
            child.installEventFilter(self)

    def _in_corner(self, obj: QObject, local: QPointF) -> bool:
        if not isinstance(obj, QWidget):
            return False
        point = obj.mapTo(self.window, local.toPoint())
        return 0 <= point.x() <= self.corner_px and 0 <= point.y() <= self.corner_px

    def eventFilter(self, obj: QObject | None, event: QEvent | None) -> bool:  # noqa: N802 - Qt's name
        if event is None or obj is None:
            return False
        kind = event.type()
        if kind == QEvent.Type.KeyPress:
            mods = event.modifiers()  # type: ignore[attr-defined]
            wanted = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
            if event.key() == Qt.Key.Key_S and (mods & wanted) == wanted:  # type: ignore[attr-defined]
                self.triggered.emit()
                return True
        elif kind == QEvent.Type.MouseButtonPress:
            self._tap(obj, event.position())  # type: ignore[attr-defined]
        elif kind == QEvent.Type.TouchBegin:
            points = event.points()  # type: ignore[attr-defined]
            if points:
                self._tap(obj, points[0].position())
        return False

    def _tap(self, obj: QObject, pos: QPointF) -> None:
        if not self._in_corner(obj, pos):
            self._times.clear()
            return
        now = self.clock()
        self._times = [t for t in self._times if now - t <= self.window_s] + [now]
        if len(self._times) >= self.taps:
            self._times.clear()
            self.triggered.emit()


def install_setup_gesture(window: QWidget, config_path: str | Path, *,
                          on_changed: Callable[[Any], None] | None = None,
                          fullscreen: bool | None = None, **controller_args: Any) -> SetupGesture:
    """Open the setup window (PIN first) when the gesture or key is used on ``window``."""
    from sorra.setup.views import open_setup

    gesture = SetupGesture(window)
    state: dict[str, Any] = {"window": None}

    def open_menu() -> None:
        if state["window"] is not None:
            state["window"].raise_()
            return
        full = window.isFullScreen() if fullscreen is None else fullscreen
        setup = open_setup(config_path, fullscreen=full, **controller_args)
        if on_changed is not None:
            setup.config_changed.connect(on_changed)
        setup.closed.connect(lambda: state.update(window=None))
        state["window"] = setup

    gesture.triggered.connect(open_menu)
    gesture.opened = state  # type: ignore[attr-defined]  (tests look at the open window)
    return gesture
