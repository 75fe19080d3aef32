"""Qt glue shared by the device apps: running callables on the GUI thread, clearing layouts.

:mod:`sorra.qt.startup` is the start-up screen every role shows, and
:mod:`sorra.qt.runner` runs a role's app on screen (see :mod:`sorra.runner`).
"""

from __future__ import annotations

from collections.abc import Callable

from PyQt6.QtCore import QObject, pyqtSignal
from PyQt6.QtWidgets import QLayout


class _Invoker(QObject):
    call = pyqtSignal(object)

    def __init__(self) -> None:
        super().__init__()
        self.call.connect(self._run)

    def _run(self, fn: Callable[[], None]) -> None:
        fn()


_invoker: _Invoker | None = None


def main_thread_invoker() -> Callable[[Callable[[], None]], None]:
    """Return ``invoke(fn)`` that runs ``fn`` on the thread that called this (the GUI thread).

    Bus callbacks arrive on paho's network thread; controllers pass their
    updates through this so that widgets are only touched on the GUI thread.
    Must be called on the GUI thread after the QApplication exists.
    """
    global _invoker
    if _invoker is None:
        _invoker = _Invoker()
    return _invoker.call.emit


def clear_layout(layout: QLayout) -> None:
    """Remove and delete every widget (and nested layout's widgets) of ``layout``."""
    while layout.count():
        item = layout.takeAt(0)
        w = item.widget()
        if w is not None:
            w.hide()
            w.setParent(None)
            w.deleteLater()
        elif item.layout() is not None:
            clear_layout(item.layout())
