"""The queue engine: commands in, events out, time from an injected clock.

Every command first validates against the current state (raising
:class:`EngineError` and changing nothing), then emits events; each event is
applied to the state at once by :func:`hub.engine.reducer.apply`. The caller
takes the emitted events with :meth:`Engine.take_events` and stores them in the
same transaction as the state they produced.

The engine is not thread-safe on purpose: the hub runs every command on one
worker thread, which is also what makes a call atomic — two counters pressing
Next at the same instant are two commands in a row, and the second sees the
ticket already taken.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from hub.engine import events as ev
from hub.engine import hours, routing
from hub.engine.backlog import Backlog
from hub.engine.configuration import OfficeSetup
from hub.engine.errors import EngineError, bad_args, conflict, not_found
from hub.engine.estimate import Estimate
from hub.engine.model import (
    C_CALLED,
    C_CLOSED,
    C_OPEN,
    C_PAUSED,
    C_SERVING,
    CALLED,
    NO_SHOW,
    NOT_ARRIVED,
    OPEN_STATES,
    PARKED,
    SERVING,
    WAITING,
    Clerk,
    Counter,
    Outcome,
    Rule,
    Service,
    Settings,
    State,
    Ticket,
)
from hub.engine.pins import check_pin
from hub.engine.queueindex import QueueIndex, queue_index
from hub.engine.reducer import Event, apply
from hub.engine.remote import RemoteDesk
from hub.engine.survey import Survey
from hub.engine.waits import Waits

Clock = Callable[[], float]
PREFIX_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
# Ticket numbers: the prefix letter and at least three digits (A001 … A999),
# then as many digits as needed (A1000 … A9999, A10000 …). A number is never
# reused within a day and never refused: see docs/architecture.md.
NUMBER_DIGITS = 3


def ticket_label(prefix: str, number: int) -> str:
    return f"{prefix}{number:0{NUMBER_DIGITS}d}"


class Engine:
    """The queue engine: commands in, events out (the reducer is the only mutator).

    The office set-up commands (settings, services, counters, clerks, profiles,
    rules, appointments) live in :class:`OfficeSetup`; the engine hands them on,
    so callers have one object to talk to.
    """

    def __init__(self, clock: Clock, state: State | None = None) -> None:
        self.clock = clock
        self.setup = OfficeSetup(self)
        self.remote = RemoteDesk(self)  # remote tickets: joining from the public pages, check-in
        self.backlog = Backlog(self)
        """Background work recorded to be done later (``record``, ``take``, ``waiting_for``)."""
        self.survey = Survey(self)  # the NPS survey's answers (feedback.nps)
        self.waits = Waits(self)
        """The wait estimate and people ahead, simulated again only when the queue changed."""
        self.state = state or State()
        self._events: list[Event] = []
        self._now = 0.0
        self._high_water: float | None = None
        """Latest time the engine has acted at (see :meth:`_begin`)."""
        self.version = 0

    # ---- office set-up (hub.engine.configuration.OfficeSetup) ------------------

    def update_settings(self, **changes: Any) -> Settings:
        return self.setup.update_settings(**changes)

    def upsert_service(self, service: dict[str, Any]) -> Service:
        return self.setup.upsert_service(service)

    def upsert_counter(self, number: int, name: str | None = None, profile: list[dict[str, Any]] | None = None,
                       enabled: bool | None = None) -> Counter:
        return self.setup.upsert_counter(number, name, profile, enabled)

    def upsert_clerk(self, clerk: dict[str, Any]) -> Clerk:
        return self.setup.upsert_clerk(clerk)

    def set_profile(self, profile: list[dict[str, Any]], *, counter: int | None = None, clerk: str | None = None,
                    by_clerk: bool = False) -> list[dict[str, Any]]:
        return self.setup.set_profile(profile, counter=counter, clerk=clerk, by_clerk=by_clerk)

    def upsert_rule(self, rule: dict[str, Any]) -> Rule:
        return self.setup.upsert_rule(rule)

    def upsert_outcome(self, outcome: dict[str, Any]) -> Outcome:
        return self.setup.upsert_outcome(outcome)

    def remove_rule(self, rule_id: str) -> None:
        self.setup.remove_rule(rule_id)

    def book(self, appointment: dict[str, Any]) -> dict[str, Any]:
        return self.setup.book(appointment)

    def cancel_appointment(self, code: str) -> None:
        self.setup.cancel_appointment(code)

    def move_appointment(self, code: str, to: float) -> None:
        self.setup.move_appointment(code, to)

    # ---- plumbing ----------------------------------------------------------

    def _emit(self, typed: ev.EngineEvent) -> ev.EngineEvent:
        """Apply an event at the engine's time and keep it (as its stored dict) for the caller."""
        typed = replace(typed, at=self._now)
        event = typed.to_dict()
        apply(self.state, event)
        self.waits.observe(typed, event)
        self._events.append(event)
        self.version += 1
        return typed

    def _begin(self) -> None:
        # A Raspberry Pi has no real-time clock: it boots at the last saved time and
        # NTP then steps the clock, forwards or back. The engine's time never goes
        # back (a step back would make waits negative and could reopen a closed day);
        # a step forward is taken as time passing.
        self._now = self.time()
        self._roll_day()

    def time(self) -> float:
        """The clock, but never earlier than a time the engine has already acted at."""
        return max(self.clock(), self._latest_time())

    def _latest_time(self) -> float:
        if self._high_water is None:
            self._high_water = max(
                (x for t in self.state.tickets.values()
                 for x in (t.issued_at, t.queued_at, t.called_at, t.started_at, t.finished_at, t.no_show_at)
                 if x is not None),
                default=0.0)
        self._high_water = max(self._high_water, self._now)
        return self._high_water

    def take_events(self) -> list[Event]:
        out, self._events = self._events, []
        return out

    def replay(self, events: list[Event]) -> None:
        """Apply stored events (rebuilding state); emits nothing."""
        for e in events:
            apply(self.state, e)
        self.waits.rebuild()
        self.version += 1

    @property
    def now(self) -> float:
        return self._now

    # ---- day ---------------------------------------------------------------

    def today(self, now: float | None = None) -> str:
        return hours.day_of(self.time() if now is None else now, self.state.settings.tz)

    def _roll_day(self) -> None:
        today = hours.day_of(self._now, self.state.settings.tz)
        if self.state.day == today or (self.state.day and today < self.state.day):
            return  # never back to an earlier day (ISO dates sort as text)
        if self.state.day:
            s = self.state
            for b in list(s.backgrounds.values()):
                self._emit(ev.BackgroundStopped(id=b.id, counter=b.counter, clerk=b.clerk,
                                                reason="end_of_day"))
            stuck = sorted(t.id for t in s.tickets.values() if t.state in OPEN_STATES)
            counters = sorted(n for n, c in s.counters.items() if c.state != C_CLOSED or c.clerk)
            self._emit(ev.DayClosed(day=s.day, tickets=stuck, counters=counters, backgrounds=[]))
            old = sorted(
                code for code, a in s.appointments.items()
                if hours.day_of(a.at, s.settings.tz) < today
            )
            if old:
                self._emit(ev.AppointmentExpired(codes=old))
        self._emit(ev.DayOpened(day=today))

    def end_of_day(self) -> None:
        """Run the day roll now if the date has changed (the hub's timer calls this)."""
        self._begin()

    # ---- opening hours -------------------------------------------------------

    def office_open(self, now: float | None = None) -> bool:
        s = self.state.settings
        return hours.is_open(s.hours, s.holidays, self.time() if now is None else now, s.tz, s.workdays)

    def service_open(self, service: Service, now: float | None = None) -> bool:
        s = self.state.settings
        at = self.time() if now is None else now
        if not service.enabled or not self.office_open(at):
            return False
        return hours.is_open(service.hours, [], at, s.tz, s.workdays) if service.hours else True

    # ---- tickets -------------------------------------------------------------

    def issue_ticket(self, services: list[str], *, priority: bool = False, note: str = "",
                     lang: str = "hu", channel: str = "kiosk", token: str = "",
                     appointment: str | None = None, due_at: float | None = None, people: int = 1,
                     extra: dict[str, Any] | None = None) -> Ticket:
        """A ticket for ``services`` in order; a service listed n times is n cases (a family's passports)."""
        self._begin()
        if not services:
            raise bad_args("at least one service")
        if not 1 <= people <= 9:
            raise bad_args("people: 1–9")
        for sid in services:
            svc = self.state.services.get(sid)
            if svc is None or not svc.enabled:
                raise not_found(f"no service {sid!r}")
            if not self.service_open(svc, self._now):
                raise EngineError("closed", f"service {sid!r} is closed now")
        prefix = self.state.services[services[0]].prefix
        number = self.state.numbering.get(prefix, 0) + 1
        label = ticket_label(prefix, number)
        tid = f"{self.state.day.replace('-', '')}-{label}"
        seq = self.state.queue_seq + 1
        ticket = Ticket(
            id=tid, day=self.state.day, number=label, prefix=prefix, services=list(services),
            pending=list(services), priority=bool(priority), note=note, channel=channel, lang=lang,
            token=token, state=WAITING, issued_at=self._now, queued_at=self._now, queue_seq=seq,
            appointment=appointment, due_at=due_at, people=people,
        )
        for name, value in (extra or {}).items():  # a remote ticket's state and fields
            setattr(ticket, name, value)
        self._emit(ev.TicketIssued(ticket=ticket.to_dict()))
        return self.state.tickets[tid]

    def check_in(self, code: str, *, lang: str = "hu", token: str = "") -> Ticket:
        self._begin()
        a = self.state.appointments.get(code.strip().upper())
        if a is None or a.state == "cancelled":
            raise not_found("no appointment with this code")
        if a.state == "checked_in" and a.ticket is not None and a.ticket in self.state.tickets:
            return self.state.tickets[a.ticket]  # a second check-in shows the same ticket
        if hours.day_of(a.at, self.state.settings.tz) != self.state.day:
            raise conflict("this appointment is for another day")
        return self.issue_ticket([a.service], lang=lang, channel="appointment", token=token,
                                 appointment=a.code, due_at=a.at)

    def cancel_ticket(self, ticket_id: str) -> Ticket:
        self._begin()
        t = self._ticket(ticket_id)
        if t.state not in (WAITING, NO_SHOW, PARKED, NOT_ARRIVED):
            raise conflict(f"ticket {t.number} is {t.state}")
        self._emit(ev.TicketCancelled(ticket=t.id))
        return t

    def return_ticket(self, ticket_id: str) -> Ticket:
        """A no-show customer came back within the window: back first in line."""
        self._begin()
        t = self._ticket(ticket_id)
        if t.state != NO_SHOW:
            raise conflict(f"ticket {t.number} is {t.state}, not a no-show")
        if self._now - (t.no_show_at or 0) > self.state.settings.no_show_return_s:
            raise conflict(f"ticket {t.number} missed its call too long ago")
        self._emit(ev.TicketReturned(ticket=t.id, queue_seq=self._next_seq(),
                                     service=t.pending[0] if t.pending else None))
        return t

    def _ticket(self, ticket_id: str) -> Ticket:
        t: Ticket | None = self.state.tickets.get(ticket_id)
        if t is None:
            raise not_found(f"no ticket {ticket_id!r} today")
        return t

    def find_ticket(self, *, number: str | None = None, token: str | None = None) -> Ticket | None:
        return queue_index(self.state).find(number=number, token=token)

    @property
    def index(self) -> QueueIndex:
        """Today's tickets indexed (waiting groups, per-service queues, parked, counts)."""
        return queue_index(self.state)

    def _next_seq(self) -> int:
        return self.state.queue_seq + 1

    # ---- counters ------------------------------------------------------------

    def _counter(self, number: int) -> Counter:
        c = self.state.counters.get(number)
        if c is None or not c.enabled:
            raise not_found(f"no counter {number}")
        return c

    def _current(self, c: Counter) -> Ticket:
        if c.ticket is None:
            raise conflict(f"counter {c.number} has no customer now")
        return self.state.tickets[c.ticket]

    def boosts(self) -> dict[str, int]:
        """Service → weight multiplier from the automatic priority rules active now."""
        out: dict[str, int] = {}
        for rule in self.active_rules():
            out[rule.service] = max(out.get(rule.service, 1), rule.boost)
        return out

    def active_rules(self) -> list[Rule]:
        active = []
        now = self.time()
        index = queue_index(self.state)
        for rule in self.state.rules.values():
            waiting = index.waiting_for(rule.service)
            oldest = index.oldest_for(rule.service)
            longest = max(0.0, now - oldest.queued_at) if oldest is not None else 0.0
            if (rule.min_waiting and waiting >= rule.min_waiting) or (
                rule.min_wait_s and waiting and longest >= rule.min_wait_s
            ):
                active.append(rule)
        return active

    def call_next(self, counter: int) -> Ticket | None:
        """Finish whatever the counter has, then call the next ticket (None if nobody waits)."""
        self._begin()
        c = self._counter(counter)
        if c.state == C_CLOSED:
            raise EngineError("conflict", f"counter {counter} is closed; log in or open it first")
        if c.ticket is not None:
            current = self.state.tickets[c.ticket]
            guard = self.state.settings.call_guard_s
            if current.called_at is not None and self._now - current.called_at < guard:
                raise EngineError("too_soon", f"{current.number} was called less than {guard} s ago")
            if not self.state.settings.next_finishes:
                raise conflict(f"finish {current.number} first (Done)")
            # Next while a customer is at the desk means they are done (the
            # clerk skipped Done); record it as such so the statistics stay exact.
            self._finish(c, marks=[], implicit=True)
        if c.background is not None:
            b = self.state.backgrounds[c.background]
            self._emit(ev.BackgroundStopped(id=b.id, counter=c.number, clerk=b.clerk, reason="call"))
        if c.state == C_PAUSED:
            self._emit(ev.CounterOpened(counter=c.number))
        weights = routing.profile_of(self.state, c)
        # Only the head of each group of alike tickets can win (hub.engine.queueindex).
        candidates = queue_index(self.state).candidates(c.number, weights, self._now)
        boosts = self.boosts()
        ticket = routing.pick(candidates, c, weights, boosts, self._now, self.state.settings.appointment_lead_s)
        if ticket is None:
            return None
        self.remote.pass_over(ticket, c, weights, boosts)
        service = routing.served_service(ticket, weights) or (ticket.pending[0] if ticket.pending else None)
        self._emit(ev.TicketCalled(ticket=ticket.id, counter=c.number, clerk=c.clerk, service=service,
                                   tier=routing.tier(ticket, self._now, self.state.settings.appointment_lead_s),
                                   waited_s=round(self._now - max(ticket.queued_at, ticket.arrived_at or 0.0), 3)))
        return ticket

    def recall(self, counter: int) -> Ticket:
        self._begin()
        c = self._counter(counter)
        t = self._current(c)
        self._emit(ev.TicketRecalled(ticket=t.id, counter=c.number))
        return t

    def start(self, counter: int) -> Ticket:
        self._begin()
        c = self._counter(counter)
        t = self._current(c)
        if t.state == SERVING:
            return t
        self._emit(ev.TicketStarted(ticket=t.id, counter=c.number, clerk=c.clerk))
        return t

    def finish(self, counter: int, marks: list[str] | None = None) -> Ticket:
        self._begin()
        c = self._counter(counter)
        self._current(c)
        return self._finish(c, marks=list(marks or []), implicit=False)

    def _finish(self, c: Counter, *, marks: list[str], implicit: bool) -> Ticket:
        t = self.state.tickets[c.ticket]  # type: ignore[index]
        weights = routing.profile_of(self.state, c)
        if t.target_counter is not None:
            done = list(t.pending[:1])  # sent here for one case
        else:
            done = [sid for sid in t.pending if sid in weights] or list(t.pending[:1])
        remaining = [sid for sid in t.pending if sid not in done]
        marks = self.setup.check_marks(marks, done)
        self._emit(ev.TicketFinished(ticket=t.id, counter=c.number, clerk=c.clerk, marks=marks,
                                     services=done, remaining=remaining, implicit=implicit,
                                     queue_seq=self._next_seq(), started=t.started_at is not None))
        return t

    def no_show(self, counter: int) -> Ticket:
        self._begin()
        c = self._counter(counter)
        t = self._current(c)
        if t.state != CALLED:
            raise conflict(f"ticket {t.number} is already being served")
        self._emit(ev.TicketNoShow(ticket=t.id, counter=c.number, clerk=c.clerk))
        return t

    def transfer(self, counter: int, *, service: str | None = None, to_counter: int | None = None,
                 position: str = "last") -> Ticket:
        self._begin()
        c = self._counter(counter)
        t = self._current(c)
        if (service is None) == (to_counter is None):
            raise bad_args("transfer to exactly one of: a service or a counter")
        if position not in ("first", "last"):
            raise bad_args("position: first or last")
        if service is not None and (service not in self.state.services or not self.state.services[service].enabled):
            raise not_found(f"no service {service!r}")
        if to_counter is not None:
            self._counter(to_counter)
            if to_counter == counter:
                raise bad_args("cannot transfer to the same counter")
        self._emit(ev.TicketTransferred(ticket=t.id, counter=c.number, clerk=c.clerk, service=service,
                                        to_counter=to_counter, position=position, queue_seq=self._next_seq()))
        return t

    def park(self, counter: int) -> Ticket:
        self._begin()
        c = self._counter(counter)
        t = self._current(c)
        self._emit(ev.TicketParked(ticket=t.id, counter=c.number, clerk=c.clerk))
        return t

    def unpark(self, counter: int, ticket_id: str) -> Ticket:
        self._begin()
        c = self._counter(counter)
        t = self._ticket(ticket_id)
        if t.state != PARKED or t.counter != counter:
            raise conflict(f"ticket {t.number} is not parked at counter {counter}")
        if c.ticket is not None:
            raise conflict(f"counter {counter} is busy with {self.state.tickets[c.ticket].number}")
        self._emit(ev.TicketCalled(ticket=t.id, counter=c.number, clerk=c.clerk,
                                   service=t.pending[0] if t.pending else None, tier=-1, waited_s=0.0))
        return t

    def pause(self, counter: int, reason: str = "") -> Counter:
        self._begin()
        c = self._counter(counter)
        if c.ticket is not None:
            raise conflict("finish the current customer before a pause")
        if c.state == C_CLOSED:
            raise conflict(f"counter {counter} is closed")
        self._emit(ev.CounterPaused(counter=c.number, clerk=c.clerk, reason=reason))
        return c

    def resume(self, counter: int) -> Counter:
        self._begin()
        c = self._counter(counter)
        if c.state in (C_CALLED, C_SERVING):
            raise conflict(f"counter {counter} is serving")
        if c.state != C_OPEN:
            self._emit(ev.CounterOpened(counter=c.number, clerk=c.clerk))
        return c

    def close(self, counter: int) -> Counter:
        self._begin()
        c = self._counter(counter)
        if c.ticket is not None:
            raise conflict("finish the current customer before closing")
        if c.background is not None:
            b = self.state.backgrounds[c.background]
            self._emit(ev.BackgroundStopped(id=b.id, counter=c.number, clerk=b.clerk, reason="close"))
        if c.state != C_CLOSED:
            self._emit(ev.CounterClosed(counter=c.number, clerk=c.clerk))
        return c

    # ---- clerks ------------------------------------------------------------

    def login(self, counter: int, clerk_id: str, pin: str) -> Clerk:
        self._begin()
        c = self._counter(counter)
        clerk = self.state.clerks.get(clerk_id)
        if clerk is None or not clerk.enabled or not check_pin(pin, clerk.pin_hash):
            raise EngineError("forbidden", "wrong clerk or PIN")
        if c.clerk == clerk.id:
            return clerk
        if c.ticket is not None:
            raise conflict("finish the current customer first")
        if clerk.counter is not None and clerk.counter != counter:
            other = self.state.counters[clerk.counter]
            if other.ticket is not None:
                raise conflict(f"{clerk.name} is serving at counter {other.number}")
            self._emit(ev.ClerkLoggedOut(clerk=clerk.id, counter=other.number))
        if c.clerk is not None:
            self._emit(ev.ClerkLoggedOut(clerk=c.clerk, counter=c.number))
        self._emit(ev.ClerkLoggedIn(clerk=clerk.id, counter=c.number))
        return clerk

    def logout(self, counter: int) -> None:
        self._begin()
        c = self._counter(counter)
        if c.ticket is not None:
            raise conflict("finish the current customer before logging out")
        if c.background is not None:
            b = self.state.backgrounds[c.background]
            self._emit(ev.BackgroundStopped(id=b.id, counter=c.number, clerk=b.clerk, reason="logout"))
        if c.clerk is not None:
            self._emit(ev.ClerkLoggedOut(clerk=c.clerk, counter=c.number))

    # ---- background work ---------------------------------------------------

    def background_start(self, counter: int, kind: str = "", note: str = "") -> dict[str, Any]:
        self._begin()
        c = self._counter(counter)
        if c.ticket is not None:
            raise conflict("finish the current customer before background work")
        if c.background is not None:
            raise conflict("background work is already running at this counter")
        bid = f"{self.state.day.replace('-', '')}-bg-{self.state.background_seq + 1}"
        self._emit(ev.BackgroundStarted(counter=c.number, clerk=c.clerk, background={
            "id": bid, "counter": c.number, "clerk": c.clerk, "kind": kind, "note": note,
            "started_at": self._now, "stopped_at": None,
        }))
        return self.state.backgrounds[bid].to_dict()

    def background_stop(self, counter: int) -> dict[str, Any]:
        self._begin()
        c = self._counter(counter)
        if c.background is None:
            raise conflict("no background work is running at this counter")
        b = self.state.backgrounds[c.background]
        info = {**b.to_dict(), "stopped_at": self._now}
        self._emit(ev.BackgroundStopped(id=b.id, counter=c.number, clerk=b.clerk, reason="stop"))
        return info

    def feedback(self, counter: int, score: str, ticket_id: str | None = None) -> None:
        self._begin()
        c = self._counter(counter)
        tid = ticket_id or c.ticket or c.last_ticket
        if tid is None or tid not in self.state.tickets:
            raise conflict("no customer to rate at this counter")
        if score not in ("good", "neutral", "bad"):
            raise bad_args("score: good, neutral or bad")
        self._emit(ev.FeedbackSubmitted(counter=c.number, clerk=c.clerk, ticket=tid, score=score))

    # ---- queries ------------------------------------------------------------

    def estimate(self) -> Estimate:
        """Simulated waits (see :meth:`Waits.estimate`)."""
        return self.waits.estimate()

    def wait_for(self, t: Ticket) -> tuple[float, int] | None:
        """(expected seconds until called, tickets called before it), or None (see :meth:`Waits.wait_for`)."""
        return self.waits.wait_for(t)

    def ahead_of(self, t: Ticket) -> int:
        """People ahead: the one figure every view shows (see :meth:`Waits.ahead_of`)."""
        return self.waits.ahead_of(t)

    def waiting(self) -> list[Ticket]:
        return queue_index(self.state).waiting()

    def parked_at(self, counter: int) -> list[Ticket]:
        return queue_index(self.state).parked_at(counter)

    def returnable(self) -> list[Ticket]:
        """Today's no-shows still inside the return window (latest first): a clerk may take them back."""
        return queue_index(self.state).no_shows_since(self.time() - self.state.settings.no_show_return_s)
