"""What the hub publishes, as the counter terminal last received it.

Every counter's state (``state/counters/+``), the services, outcomes and
office settings (``state/services``), the active alerts (``event/alert``) and
the clerks' names (``clerk.roster``). Messages are validated here; a bad one
is logged and ignored. :func:`anticipate` shows a reply's outcome before the
counter's retained state confirms it. No Qt and no threads: the controller hands messages in
on its own thread and decides what they mean for its screen.
"""

from __future__ import annotations

import logging
from typing import Any

from sorra.protocol.messages import (
    AlertEvent,
    ClerkRosterResult,
    CounterState,
    OutcomeInfo,
    ServiceInfo,
    ServicesState,
    TicketInfo,
)

log = logging.getLogger(__name__)


class HubView:
    def __init__(self) -> None:
        self.counters: dict[int, CounterState] = {}
        self.services: dict[str, ServiceInfo] = {}
        self.outcomes: tuple[OutcomeInfo, ...] = ()
        self.next_finishes = False
        """The office's ``next_finishes`` (state/services): a tap of Next finishes the customer."""
        self.alerts: dict[tuple[str, str], AlertEvent] = {}
        """(source, code) → alert: two kiosks out of paper are two alerts."""
        self.clerk_names: dict[str, str] = {}

    def counter(self, topic: str, payload: dict[str, Any] | None) -> tuple[int, CounterState] | None:
        """A ``state/counters/{n}`` message: the counter and its new state (None: nothing to show)."""
        try:
            number = int(topic.rsplit("/", 1)[1])
        except (IndexError, ValueError):
            return None
        if payload is None:
            self.counters.pop(number, None)
            return None
        try:
            cs = CounterState.model_validate(payload)
        except ValueError as err:
            log.warning("ignoring a bad counter state on %s: %s", topic, err)
            return None
        self.counters[number] = cs
        return number, cs

    def services_state(self, payload: dict[str, Any] | None) -> bool:
        """A ``state/services`` message; True if it was taken."""
        if payload is None:
            return False
        try:
            ss = ServicesState.model_validate(payload)
        except ValueError as err:
            log.warning("ignoring a bad services state: %s", err)
            return False
        self.services = {s.id: s for s in ss.services}
        self.outcomes = tuple(ss.outcomes)
        self.next_finishes = bool(ss.office.get("next_finishes", False))
        return True

    def alert(self, payload: dict[str, Any] | None) -> AlertEvent | None:
        """An ``event/alert``; returns it if it is newly active (the terminal beeps), else None."""
        if payload is None:
            return None
        try:
            alert = AlertEvent.model_validate(payload)
        except ValueError:
            return None
        key = (alert.source, alert.code)
        if not alert.active:
            self.alerts.pop(key, None)
            return None
        is_new = key not in self.alerts
        self.alerts[key] = alert
        return alert if is_new else None

    def roster(self, result: Any) -> bool:
        """A ``clerk.roster`` reply (or the error it raised); True if the names changed."""
        try:
            roster = ClerkRosterResult.model_validate(result())
        except Exception as err:  # an older hub, or offline again: the screen keeps the ids
            log.info("no clerk names from the hub: %s", err)
            return False
        self.clerk_names = {c.id: c.name for c in roster.clerks}
        return True


def anticipate(cs: CounterState | None, *, state: str, ticket: TicketInfo | None) -> CounterState | None:
    """This counter's state as a reply says it is now, unless the hub's own message already says so."""
    if cs is None:
        return None
    if (cs.ticket.id if cs.ticket else None) == (ticket.id if ticket else None):
        if state == "called" and cs.state in ("called", "serving"):
            return cs  # the state message was first and is at least as new
        if state == "open" and ticket is None:
            return cs
    return cs.model_copy(update={"state": state, "ticket": ticket})
