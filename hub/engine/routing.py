"""Which waiting ticket a counter gets when its clerk presses Next.

Order of precedence (the first non-empty tier wins; inside a tier the ticket
that entered its queue first wins):

1. **Front of line** — tickets transferred "first in line" to this counter or
   to a service it serves, no-show customers who came back, and multi-service
   tickets returning for their remaining cases.
2. **Due appointments** — checked-in appointment tickets whose booked time
   (less the lead time) has come.
3. **Priority customers** (elderly, disabled, pregnant …).
4. **Weighted longest wait** — every other eligible ticket scores
   ``waited seconds × weight``, where the weight comes from the clerk's
   profile (or the counter's), multiplied by the boost of any automatic
   priority rule active for that service. Highest score wins; ties go to the
   earlier ticket.

A remote ticket whose citizen has not checked in yet (state ``not_arrived``)
is never eligible: Next passes it over and it keeps its place (see
:mod:`hub.engine.remote`).

A ticket targeted at one counter (transferred to "counter 3") is eligible
only there, whatever its services. Otherwise a ticket is eligible where the
counter's profile contains one of its pending services; a counter with no
profile serves every service.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from hub.engine.model import WAITING, Counter, State, Ticket


def profile_of(state: State, counter: Counter) -> dict[str, int]:
    """Service → weight for this counter now (clerk's profile beats the counter's)."""
    entries: list[dict[str, Any]] = []
    if counter.clerk and counter.clerk in state.clerks:
        entries = state.clerks[counter.clerk].profile
    if not entries:
        entries = counter.profile
    if not entries:
        return {sid: 1 for sid, svc in state.services.items() if svc.enabled}
    return {e["service"]: int(e.get("weight", 1)) for e in entries}


def served_service(ticket: Ticket, weights: dict[str, int]) -> str | None:
    """The pending case this counter would handle: the first one it serves."""
    for sid in ticket.pending:
        if sid in weights:
            return sid
    return None


def eligible(ticket: Ticket, counter: Counter, weights: dict[str, int]) -> bool:
    if ticket.state != WAITING:
        return False
    if ticket.target_counter is not None:
        return ticket.target_counter == counter.number
    return served_service(ticket, weights) is not None


def tier(ticket: Ticket, now: float, appointment_lead_s: float) -> int:
    if ticket.front:
        return 0
    if ticket.due_at is not None and ticket.due_at - appointment_lead_s <= now:
        return 1
    if ticket.priority:
        return 2
    return 3


def rank(ticket: Ticket, weights: dict[str, int], boosts: dict[str, int], now: float,
         appointment_lead_s: float) -> tuple[int, float, int]:
    """Routing's key for a ticket at a counter with these weights: the smallest key wins."""
    level = tier(ticket, now, appointment_lead_s)
    if level < 3:
        score = 0.0
    else:
        sid = served_service(ticket, weights)
        weight = weights.get(sid, 1) * boosts.get(sid or "", 1) if sid else 1
        # Negative so that "smaller key wins" holds in every tier; +1 s keeps
        # weights meaningful for tickets issued this very second.
        score = -(max(0.0, now - ticket.queued_at) + 1.0) * weight
    return (level, score, ticket.queue_seq)


def pick(
    tickets: Iterable[Ticket],
    counter: Counter,
    weights: dict[str, int],
    boosts: dict[str, int],
    now: float,
    appointment_lead_s: float,
) -> Ticket | None:
    best: Ticket | None = None
    best_key: tuple[int, float, int] | None = None
    for t in tickets:
        if not eligible(t, counter, weights):
            continue
        key = rank(t, weights, boosts, now, appointment_lead_s)
        if best_key is None or key < best_key:
            best, best_key = t, key
    return best


def waiting_for_service(state: State, service_id: str) -> list[Ticket]:
    """Tickets queued for a service (first pending case), oldest first."""
    from hub.engine.queueindex import queue_index

    return queue_index(state).service_queue(service_id)
