"""How long a new call takes the whole screen, so that a busy office still sees its queue (pure).

An isolated call gets the full ``call_takeover_s``. Calls close together get
less: a takeover lasts at most ``share`` of the time since the previous call,
but never less than ``min_s`` (shorter would flash). A call that arrives while
a takeover is on screen joins it (several calls shown together) and extends it
by at most ``min_s``, never beyond ``max_s`` from its start. Over any
``window_s`` the takeover covers at most ``share`` of the time; when that
budget is spent a call only pulses in the call panel, and the queue, the
recent calls and the ads stay in view.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

__all__ = ["Decision", "TakeoverPolicy"]


@dataclass(frozen=True)
class Decision:
    action: Literal["start", "join", "none"]
    """start a takeover, join the one on screen, or none (pulse the call panel)."""
    seconds: float
    """From now until the takeover ends (0 for "none")."""


class TakeoverPolicy:
    def __init__(self, max_s: float, min_s: float, share: float, window_s: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.max_s = max_s
        self.min_s = min(min_s, max_s)
        self.share = share
        self.window_s = window_s
        self._clock = clock
        self._spans: deque[list[float]] = deque()  # [start, end] of takeovers, the last may be on screen
        self._last_call: float | None = None

    def _used(self, now: float) -> float:
        """Takeover seconds (planned ones included) within the last ``window_s``."""
        since = now - self.window_s
        while self._spans and self._spans[0][1] <= since:
            self._spans.popleft()
        return sum(end - max(start, since) for start, end in self._spans)

    def on_call(self) -> Decision:
        now = self._clock()
        gap = now - self._last_call if self._last_call is not None else float("inf")
        self._last_call = now
        if self.max_s <= 0:
            return Decision("none", 0.0)
        budget = self.share * self.window_s - self._used(now)
        current = self._spans[-1] if self._spans and self._spans[-1][1] > now else None
        if current is not None:
            # on screen already: show this call with it; a little longer if the budget allows
            end = min(max(current[1], now + self.min_s), current[0] + self.max_s)
            current[1] += max(0.0, min(end - current[1], budget))
            return Decision("join", current[1] - now)
        length = min(self.max_s, max(self.min_s, gap * self.share), budget)
        if length < self.min_s:
            return Decision("none", 0.0)
        self._spans.append([now, now + length])
        return Decision("start", length)

    def ended_early(self) -> None:
        """The takeover left the screen before its planned end (e.g. hidden by hand)."""
        now = self._clock()
        if self._spans and self._spans[-1][1] > now:
            self._spans[-1][1] = now
