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
from typing import Any

from hub.engine import hours, routing
from hub.engine.configuration import Configuration
from hub.engine.errors import EngineError, bad_args, conflict, not_found
from hub.engine.estimate import Estimate, ServiceTimes, simulate
from hub.engine.model import (
    C_CALLED,
    C_CLOSED,
    C_OPEN,
    C_PAUSED,
    C_SERVING,
    CALLED,
    NO_SHOW,
    OPEN_STATES,
    PARKED,
    SERVING,
    WAITING,
    Clerk,
    Counter,
    Rule,
    Service,
    State,
    Ticket,
)
from hub.engine.pins import check_pin
from hub.engine.reducer import Event, apply

Clock = Callable[[], float]
PREFIX_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
MAX_NUMBER = 9999  # A001 … A999, then A1000: never reused within a day


class Engine(Configuration):
    def __init__(self, clock: Clock, state: State | None = None) -> None:
        self.clock = clock
        self.state = state or State()
        self._events: list[Event] = []
        self._now = 0.0
        self.version = 0
        self._estimate: tuple[tuple[int, int], Estimate] | None = None
        self._service_times = ServiceTimes()

    # ---- plumbing ----------------------------------------------------------

    def _emit(self, kind: str, **data: Any) -> Event:
        event = {"type": kind, "at": self._now, **data}
        apply(self.state, event)
        self._service_times.observe(self.state, event)
        self._events.append(event)
        self.version += 1
        return event

    def _begin(self) -> None:
        self._now = self.clock()
        self._roll_day()

    def take_events(self) -> list[Event]:
        out, self._events = self._events, []
        return out

    def replay(self, events: list[Event]) -> None:
        """Apply stored events (rebuilding state); emits nothing."""
        for e in events:
            apply(self.state, e)
        self._service_times.rebuild(self.state)
        self.version += 1

    @property
    def now(self) -> float:
        return self._now

    # ---- day ---------------------------------------------------------------

    def today(self, now: float | None = None) -> str:
        return hours.day_of(self.clock() if now is None else now, self.state.settings.tz)

    def _roll_day(self) -> None:
        today = hours.day_of(self._now, self.state.settings.tz)
        if self.state.day == today:
            return
        if self.state.day:
            s = self.state
            for b in list(s.backgrounds.values()):
                self._emit("background.stopped", id=b.id, counter=b.counter, clerk=b.clerk,
                           reason="end_of_day")
            stuck = sorted(t.id for t in s.tickets.values() if t.state in OPEN_STATES)
            counters = sorted(n for n, c in s.counters.items() if c.state != C_CLOSED or c.clerk)
            self._emit("day.closed", day=s.day, tickets=stuck, counters=counters, backgrounds=[])
            old = sorted(
                code for code, a in s.appointments.items()
                if hours.day_of(a.at, s.settings.tz) < today
            )
            if old:
                self._emit("appointment.expired", codes=old)
        self._emit("day.opened", day=today)

    def end_of_day(self) -> None:
        """Run the day roll now if the date has changed (the hub's timer calls this)."""
        self._begin()

    # ---- opening hours -------------------------------------------------------

    def office_open(self, now: float | None = None) -> bool:
        s = self.state.settings
        return hours.is_open(s.hours, s.holidays, self.clock() if now is None else now, s.tz)

    def service_open(self, service: Service, now: float | None = None) -> bool:
        s = self.state.settings
        at = self.clock() if now is None else now
        if not service.enabled or not self.office_open(at):
            return False
        return hours.is_open(service.hours, [], at, s.tz) if service.hours else True

    # ---- tickets -------------------------------------------------------------

    def issue_ticket(self, services: list[str], *, priority: bool = False, note: str = "",
                     lang: str = "hu", channel: str = "kiosk", token: str = "",
                     appointment: str | None = None, due_at: float | None = None) -> Ticket:
        self._begin()
        if not services:
            raise bad_args("at least one service")
        if len(set(services)) != len(services):
            raise bad_args("a service appears twice")
        for sid in services:
            svc = self.state.services.get(sid)
            if svc is None or not svc.enabled:
                raise not_found(f"no service {sid!r}")
            if not self.service_open(svc, self._now):
                raise EngineError("closed", f"service {sid!r} is closed now")
        prefix = self.state.services[services[0]].prefix
        number = self.state.numbering.get(prefix, 0) + 1
        if number > MAX_NUMBER:
            raise conflict(f"no more numbers today for prefix {prefix}")
        label = f"{prefix}{number:03d}"
        tid = f"{self.state.day.replace('-', '')}-{label}"
        seq = self.state.queue_seq + 1
        ticket = Ticket(
            id=tid, day=self.state.day, number=label, prefix=prefix, services=list(services),
            pending=list(services), priority=bool(priority), note=note, channel=channel, lang=lang,
            token=token, state=WAITING, issued_at=self._now, queued_at=self._now, queue_seq=seq,
            appointment=appointment, due_at=due_at,
        )
        self._emit("ticket.issued", ticket=ticket.to_dict())
        return self.state.tickets[tid]

    def check_in(self, code: str, *, lang: str = "hu", token: str = "") -> Ticket:
        self._begin()
        a = self.state.appointments.get(code.strip().upper())
        if a is None or a.state == "cancelled":
            raise not_found("no appointment with this code")
        if a.state == "checked_in" and a.ticket in self.state.tickets:
            return self.state.tickets[a.ticket]  # a second check-in shows the same ticket
        if hours.day_of(a.at, self.state.settings.tz) != self.state.day:
            raise conflict("this appointment is for another day")
        return self.issue_ticket([a.service], lang=lang, channel="appointment", token=token,
                                 appointment=a.code, due_at=a.at)

    def cancel_ticket(self, ticket_id: str) -> Ticket:
        self._begin()
        t = self._ticket(ticket_id)
        if t.state not in (WAITING, NO_SHOW, PARKED):
            raise conflict(f"ticket {t.number} is {t.state}")
        self._emit("ticket.cancelled", ticket=t.id)
        return t

    def return_ticket(self, ticket_id: str) -> Ticket:
        """A no-show customer came back within the window: back first in line."""
        self._begin()
        t = self._ticket(ticket_id)
        if t.state != NO_SHOW:
            raise conflict(f"ticket {t.number} is {t.state}, not a no-show")
        if self._now - (t.no_show_at or 0) > self.state.settings.no_show_return_s:
            raise conflict(f"ticket {t.number} missed its call too long ago")
        self._emit("ticket.returned", ticket=t.id, queue_seq=self._next_seq(),
                   service=t.pending[0] if t.pending else None)
        return t

    def _ticket(self, ticket_id: str) -> Ticket:
        t = self.state.tickets.get(ticket_id)
        if t is None:
            raise not_found(f"no ticket {ticket_id!r} today")
        return t

    def find_ticket(self, *, number: str | None = None, token: str | None = None) -> Ticket | None:
        for t in self.state.tickets.values():
            if (number is not None and t.number == number) or (token and t.token == token):
                return t
        return None

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
        now = self.clock()
        for rule in self.state.rules.values():
            queue = routing.waiting_for_service(self.state, rule.service)
            longest = max((now - t.queued_at for t in queue), default=0.0)
            if (rule.min_waiting and len(queue) >= rule.min_waiting) or (
                rule.min_wait_s and queue and longest >= rule.min_wait_s
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
            # Next while a customer is at the desk means they are done (the
            # clerk skipped Done); record it as such so the statistics stay exact.
            self._finish(c, marks=[], implicit=True)
        if c.background is not None:
            b = self.state.backgrounds[c.background]
            self._emit("background.stopped", id=b.id, counter=c.number, clerk=b.clerk, reason="call")
        if c.state == C_PAUSED:
            self._emit("counter.opened", counter=c.number)
        weights = routing.profile_of(self.state, c)
        ticket = routing.pick(self.state.tickets.values(), c, weights, self.boosts(), self._now,
                              self.state.settings.appointment_lead_s)
        if ticket is None:
            return None
        service = routing.served_service(ticket, weights) or (ticket.pending[0] if ticket.pending else None)
        self._emit("ticket.called", ticket=ticket.id, counter=c.number, clerk=c.clerk, service=service,
                   tier=routing.tier(ticket, self._now, self.state.settings.appointment_lead_s),
                   waited_s=round(self._now - ticket.queued_at, 3))
        return ticket

    def recall(self, counter: int) -> Ticket:
        self._begin()
        c = self._counter(counter)
        t = self._current(c)
        self._emit("ticket.recalled", ticket=t.id, counter=c.number)
        return t

    def start(self, counter: int) -> Ticket:
        self._begin()
        c = self._counter(counter)
        t = self._current(c)
        if t.state == SERVING:
            return t
        self._emit("ticket.started", ticket=t.id, counter=c.number, clerk=c.clerk)
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
        self._emit("ticket.finished", ticket=t.id, counter=c.number, clerk=c.clerk, marks=marks,
                   services=done, remaining=remaining, implicit=implicit,
                   queue_seq=self._next_seq(), started=t.started_at is not None)
        return t

    def no_show(self, counter: int) -> Ticket:
        self._begin()
        c = self._counter(counter)
        t = self._current(c)
        if t.state != CALLED:
            raise conflict(f"ticket {t.number} is already being served")
        self._emit("ticket.no_show", ticket=t.id, counter=c.number, clerk=c.clerk)
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
        self._emit("ticket.transferred", ticket=t.id, counter=c.number, clerk=c.clerk, service=service,
                   to_counter=to_counter, position=position, queue_seq=self._next_seq())
        return t

    def park(self, counter: int) -> Ticket:
        self._begin()
        c = self._counter(counter)
        t = self._current(c)
        self._emit("ticket.parked", ticket=t.id, counter=c.number, clerk=c.clerk)
        return t

    def unpark(self, counter: int, ticket_id: str) -> Ticket:
        self._begin()
        c = self._counter(counter)
        t = self._ticket(ticket_id)
        if t.state != PARKED or t.counter != counter:
            raise conflict(f"ticket {t.number} is not parked at counter {counter}")
        if c.ticket is not None:
            raise conflict(f"counter {counter} is busy with {self.state.tickets[c.ticket].number}")
        self._emit("ticket.called", ticket=t.id, counter=c.number, clerk=c.clerk,
                   service=t.pending[0] if t.pending else None, tier=-1, waited_s=0.0)
        return t

    def pause(self, counter: int, reason: str = "") -> Counter:
        self._begin()
        c = self._counter(counter)
        if c.ticket is not None:
            raise conflict("finish the current customer before a pause")
        if c.state == C_CLOSED:
            raise conflict(f"counter {counter} is closed")
        self._emit("counter.paused", counter=c.number, clerk=c.clerk, reason=reason)
        return c

    def resume(self, counter: int) -> Counter:
        self._begin()
        c = self._counter(counter)
        if c.state in (C_CALLED, C_SERVING):
            raise conflict(f"counter {counter} is serving")
        if c.state != C_OPEN:
            self._emit("counter.opened", counter=c.number, clerk=c.clerk)
        return c

    def close(self, counter: int) -> Counter:
        self._begin()
        c = self._counter(counter)
        if c.ticket is not None:
            raise conflict("finish the current customer before closing")
        if c.background is not None:
            b = self.state.backgrounds[c.background]
            self._emit("background.stopped", id=b.id, counter=c.number, clerk=b.clerk, reason="close")
        if c.state != C_CLOSED:
            self._emit("counter.closed", counter=c.number, clerk=c.clerk)
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
            self._emit("clerk.logged_out", clerk=clerk.id, counter=other.number)
        if c.clerk is not None:
            self._emit("clerk.logged_out", clerk=c.clerk, counter=c.number)
        self._emit("clerk.logged_in", clerk=clerk.id, counter=c.number)
        return clerk

    def logout(self, counter: int) -> None:
        self._begin()
        c = self._counter(counter)
        if c.ticket is not None:
            raise conflict("finish the current customer before logging out")
        if c.background is not None:
            b = self.state.backgrounds[c.background]
            self._emit("background.stopped", id=b.id, counter=c.number, clerk=b.clerk, reason="logout")
        if c.clerk is not None:
            self._emit("clerk.logged_out", clerk=c.clerk, counter=c.number)

    # ---- background work ---------------------------------------------------

    def background_start(self, counter: int, kind: str = "", note: str = "") -> dict[str, Any]:
        self._begin()
        c = self._counter(counter)
        if c.ticket is not None:
            raise conflict("finish the current customer before background work")
        if c.background is not None:
            raise conflict("background work is already running at this counter")
        bid = f"{self.state.day.replace('-', '')}-bg-{self.state.background_seq + 1}"
        self._emit("background.started", counter=c.number, clerk=c.clerk, background={
            "id": bid, "counter": c.number, "clerk": c.clerk, "kind": kind, "note": note,
            "started_at": self._now, "stopped_at": None,
        })
        return self.state.backgrounds[bid].to_dict()

    def background_stop(self, counter: int) -> dict[str, Any]:
        self._begin()
        c = self._counter(counter)
        if c.background is None:
            raise conflict("no background work is running at this counter")
        b = self.state.backgrounds[c.background]
        info = {**b.to_dict(), "stopped_at": self._now}
        self._emit("background.stopped", id=b.id, counter=c.number, clerk=b.clerk, reason="stop")
        return info

    def feedback(self, counter: int, score: str, ticket_id: str | None = None) -> None:
        self._begin()
        c = self._counter(counter)
        tid = ticket_id or c.ticket or c.last_ticket
        if tid is None or tid not in self.state.tickets:
            raise conflict("no customer to rate at this counter")
        if score not in ("good", "neutral", "bad"):
            raise bad_args("score: good, neutral or bad")
        self._emit("feedback.submitted", counter=c.number, clerk=c.clerk, ticket=tid, score=score)

    # ---- queries ------------------------------------------------------------

    def estimate(self) -> Estimate:
        """Simulated waits, cached until the next event."""
        key = (self.version, int(self.clock() // 5))  # waits age with time, too
        if self._estimate is None or self._estimate[0] != key:
            now = self.clock()
            times = self._service_times.times(self.state)
            self._estimate = (key, simulate(self.state, now, self.boosts(), times))
        return self._estimate[1]

    def waiting(self) -> list[Ticket]:
        return sorted((t for t in self.state.tickets.values() if t.state == WAITING),
                      key=lambda t: t.queue_seq)

    def parked_at(self, counter: int) -> list[Ticket]:
        return [t for t in self.state.tickets.values() if t.state == PARKED and t.counter == counter]
