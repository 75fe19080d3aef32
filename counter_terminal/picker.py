"""The headless transfer picker: choosing a target with the Transfer button and the LED display.

Tap Transfer: the first target shows on the LED display (``>A`` = service A,
``>4`` = counter 4); tap again for the next one; hold Transfer to send the
customer there. Any other button cancels; the picker closes by itself after
``timeout_s`` without a press.
"""

from __future__ import annotations

from collections.abc import Sequence

from counter_terminal.viewmodel import Target

PICKER_TIMEOUT_S = 15.0


class TransferPicker:
    def __init__(self, timeout_s: float = PICKER_TIMEOUT_S) -> None:
        self.timeout_s = timeout_s
        self._targets: list[Target] = []
        self._index = 0
        self._until = 0.0

    @property
    def open(self) -> bool:
        return bool(self._targets)

    @property
    def shown(self) -> Target | None:
        """The target on the LED display now (None when closed)."""
        return self._targets[self._index] if self._targets else None

    def tap(self, targets: Sequence[Target], now: float) -> None:
        """Open on the first target, or move to the next one."""
        if not self._targets:
            self._targets, self._index = list(targets), 0
        else:
            self._index = (self._index + 1) % len(self._targets)
        self._until = now + self.timeout_s

    def choose(self) -> Target | None:
        """The target shown, closing the picker."""
        target = self.shown
        self.close()
        return target

    def close(self) -> None:
        self._targets, self._index = [], 0

    def expire(self, now: float) -> bool:
        """Close if nobody pressed for ``timeout_s``; True if it closed now."""
        if self._targets and now >= self._until:
            self.close()
            return True
        return False
