"""How long the counter terminal's messages and its refused signal last.

The screen's message (:class:`Notice`) goes after ``notice_s``; an error stays
three times longer unless dismissed or replaced. A refused press also blinks
the red LED for ``refused_signal_s``. Which message to show is the
controller's business; this object only holds it and lets it expire.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from counter_terminal.viewmodel import Notice


class Signals:
    def __init__(self, clock: Callable[[], float], notice_s: Callable[[], float],
                 refused_signal_s: Callable[[], float]) -> None:
        # the durations are read when used: the settings may change while the terminal runs
        self._clock = clock
        self._notice_s = notice_s
        self._refused_signal_s = refused_signal_s
        self.notice: Notice | None = None
        self._notice_until = 0.0
        self._refused_until = 0.0

    @property
    def refused(self) -> bool:
        """The red LED's refused signal is on."""
        return bool(self._refused_until)

    def set_notice(self, code: str, level: str, params: dict[str, Any]) -> None:
        self.notice = Notice(code, level, params)  # type: ignore[arg-type]
        self._notice_until = self._clock() + self._notice_s()

    def clear_notice(self, *, keep_info: bool = False) -> None:
        """Take the message away (``keep_info``: unless it is only information)."""
        if not (keep_info and self.notice is not None and self.notice.level == "info"):
            self.notice = None

    def refuse(self) -> None:
        self._refused_until = self._clock() + self._refused_signal_s()

    def expire(self, now: float) -> bool:
        """Drop what has been shown long enough; True if anything changed."""
        changed = False
        notice = self.notice
        if notice is not None and (
            (now >= self._notice_until and notice.level != "error")
            or now >= self._notice_until + 3 * self._notice_s()
        ):
            self.notice = None
            changed = True
        if self._refused_until and now >= self._refused_until:
            self._refused_until = 0.0
            changed = True
        return changed
