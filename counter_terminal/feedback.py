"""Whom the desk's feedback buttons rate: the customer at the desk, or the one just served.

After a customer leaves, the buttons still rate them for ``feedback_window_s``
(they press on their way out). Each ticket is rated once from this terminal.
"""

from __future__ import annotations

from collections.abc import Callable


class FeedbackTarget:
    def __init__(self, clock: Callable[[], float], window_s: Callable[[], float]) -> None:
        self._clock = clock
        self._window_s = window_s  # read when used: the settings may change while the terminal runs
        self._last_served: tuple[str, float] | None = None
        self._rated: set[str] = set()

    def served(self, ticket_id: str) -> None:
        """This customer's visit at the desk just ended."""
        self._last_served = (ticket_id, self._clock())

    def target(self, at_desk: str | None) -> str | None:
        """The ticket a press rates now, or None if there is nobody to rate."""
        if at_desk is not None:
            return at_desk
        if self._last_served is not None:
            tid, at = self._last_served
            if self._clock() - at <= self._window_s():
                return tid
        return None

    def rate(self, ticket_id: str) -> bool:
        """Record a rating; False if this ticket was already rated."""
        if ticket_id in self._rated:
            return False
        self._rated.add(ticket_id)
        return True
