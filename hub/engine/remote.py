"""Joining the queue from the public pages, and checking in at the kiosk.

A remote ticket is issued like any other (its number, its place: queue time
and order are those of the moment it was taken) but in the state
``not_arrived``: routing never calls it, so a clerk's Next passes it over and
it stays where it is. Each call that it would have won had its citizen been
there (:func:`hub.engine.routing.rank`) is recorded as ``ticket.passed_over``
— that is not a no-show: nobody was called, nobody waited in vain. When the
citizen checks in at the kiosk with the ticket's code (typed, or the QR code
scanned), ``ticket.checked_in`` makes it waiting; a ticket that was passed
over goes first in line (front tier, ordered by its original place, so ahead
of everyone who was called past it and of everyone who came after it). A
ticket checked in before its turn came simply keeps its place.

Counting: a not-arrived ticket is in no queue for routing, the estimate or
the "people ahead" of others (it will not be called before it checks in); its
own figure is what it would get if it checked in now (:meth:`RemoteDesk.figure`).
Its waiting time (``waited_s`` of its call, the statistics) runs from check-in.

Limits (office settings, see :class:`hub.engine.model.Settings`): at most
``remote_max_waiting`` not-arrived tickets office-wide (0 turns remote joining
off), ``remote_per_contact`` open remote tickets per phone or e-mail,
``remote_per_origin_day`` remote tickets per client address a day (0: no
limit for these two); only services with ``remote`` set; only
while the office and the service are open.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hub.engine import events as ev
from hub.engine import routing
from hub.engine.errors import EngineError, bad_args, not_found
from hub.engine.estimate import Estimate
from hub.engine.model import CANCELLED, NOT_ARRIVED, OPEN_STATES, Counter, State, Ticket
from hub.engine.queueindex import queue_index

if TYPE_CHECKING:
    from hub.engine.engine import Engine

CHANNEL = "remote"
CODE_DIGITS = 6
"""A check-in code is digits only (appointment codes never are: see hub.booking.new_code)."""


def is_code(text: str) -> bool:
    return len(text) == CODE_DIGITS and text.isascii() and text.isdigit()


class RemoteDesk:
    """Remote tickets' commands and questions, on the engine that owns the state and the log."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @property
    def state(self) -> State:
        return self._engine.state

    def join(self, service: str, *, contact: str, origin: str, code: str, token: str = "",
             lang: str = "hu") -> Ticket:
        """Take a ticket for ``service`` without being in the building (validated, then issued)."""
        e = self._engine
        e._begin()
        s = self.state
        svc = s.services.get(service)
        if svc is None or not svc.enabled or not svc.remote:
            raise not_found(f"service {service!r} cannot be joined remotely")
        if not is_code(code):
            raise bad_args("check-in code: six digits")
        if not contact or not origin:
            raise bad_args("a remote ticket needs a contact and a client address")
        index = queue_index(s)
        settings = s.settings
        if any(c == code for _, _, c in index.remote.values()):
            raise EngineError("conflict", "this check-in code is taken today")
        if settings.remote_per_contact and self._open_for(contact) >= settings.remote_per_contact:
            raise EngineError("contact_limit", "this phone number or e-mail address already holds a remote ticket")
        if settings.remote_per_origin_day and \
                sum(1 for _, o, _ in index.remote.values() if o == origin) >= settings.remote_per_origin_day:
            raise EngineError("origin_limit", "too many remote tickets from this address today")
        if len(index.away) >= settings.remote_max_waiting:
            raise EngineError("remote_full", "the office takes no more remote tickets now")
        return e.issue_ticket([service], lang=lang, channel=CHANNEL, token=token,
                              extra={"state": NOT_ARRIVED, "code": code, "contact": contact, "origin": origin})

    def _open_for(self, contact: str) -> int:
        book = self.state.tickets
        return sum(1 for tid, (c, _, _) in queue_index(self.state).remote.items()
                   if c == contact and book.state_of(tid) in OPEN_STATES)

    def find(self, code: str) -> Ticket | None:
        """Today's remote ticket with this check-in code."""
        for tid, (_, _, c) in queue_index(self.state).remote.items():
            if c == code:
                t: Ticket = self.state.tickets[tid]
                return t
        return None

    def check_in(self, code: str) -> Ticket:
        """The citizen is here: the ticket becomes callable (first in line if its turn has passed)."""
        e = self._engine
        e._begin()
        t = self.find(code.strip())
        if t is None:
            raise not_found("no remote ticket with this code today")
        if t.state == CANCELLED:
            raise EngineError("cancelled", f"ticket {t.number} was cancelled")
        if t.state != NOT_ARRIVED:
            raise EngineError("already_checked_in", f"ticket {t.number} is already checked in")
        e._emit(ev.TicketCheckedIn(ticket=t.id, front=t.passed > 0, passed=t.passed,
                                   service=t.pending[0] if t.pending else None))
        return self.state.tickets[t.id]

    def pass_over(self, called: Ticket, counter: Counter, weights: dict[str, int], boosts: dict[str, int]) -> None:
        """Before ``called`` is called: record the not-arrived tickets it goes past (their turn came)."""
        index = queue_index(self.state)
        if not index.away:
            return
        e = self._engine
        lead = self.state.settings.appointment_lead_s
        key = routing.rank(called, weights, boosts, e.now, lead)
        passed = []
        for tid in sorted(index.away):
            t = self.state.tickets[tid]
            if t.target_counter is None and routing.served_service(t, weights) is not None and \
                    routing.rank(t, weights, boosts, e.now, lead) < key:
                passed.append(tid)
        if passed:
            e._emit(ev.TicketPassedOver(tickets=passed, counter=counter.number, by=called.id))

    def figure(self, t: Ticket, est: Estimate) -> tuple[float, int]:
        """(seconds, tickets ahead) for a not-arrived ticket were it to check in now.

        Passed over: nobody is ahead (it goes first in line). Otherwise those
        of its service's queue who are ahead of its place, and the moment the
        last of them is expected to be called.
        """
        if t.passed or not t.pending:
            return 0.0, 0
        queue = queue_index(self.state).services.get(t.pending[0])
        ahead = [tid for tid in (queue.members if queue is not None else ())
                 if self.state.tickets[tid].queue_seq < t.queue_seq]
        wait = max((est.wait_s.get(tid, 0.0) for tid in ahead), default=0.0)
        return wait, len(ahead)
