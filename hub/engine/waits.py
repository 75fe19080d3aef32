"""The wait estimate behind every "expected wait" and "people ahead" figure, kept between changes.

:func:`hub.engine.estimate.simulate` costs O(waiting). This object decides
when to run it again (after a change, coalesced when the queue is long, or
when the clock enters a new step) and answers for tickets queued since the
last run, so a request does not pay for the whole queue.
"""

from __future__ import annotations

import bisect
import time
from typing import TYPE_CHECKING

from hub.engine import events as ev
from hub.engine.estimate import Estimate, FreeMoments, ServiceTimes, queued_before, simulate
from hub.engine.model import NOT_ARRIVED, WAITING, State, Ticket
from hub.engine.queueindex import queue_index
from hub.engine.reducer import Event

if TYPE_CHECKING:
    from hub.engine.engine import Engine

EXACT_WAITING = 50
"""Up to this many waiting, the estimate is simulated again after every change."""
LONG_QUEUE_EVERY_S = 0.25
"""Beyond :data:`EXACT_WAITING`, also no more often than this: a burst of requests (sixteen kiosks at
once) is answered from the last run plus what was queued since, as between any two runs."""
SIMULATION_SHARE = 0.1
"""…and no more often than it keeps the simulation to this share of the time: a run over 10,000
waiting takes tens of milliseconds, so a burst on a very long queue spaces the runs out further."""
ESTIMATE_STEP_S = 5
FREE_MOMENTS_FOR_S = 1.0
"""How long the busy counters' expected free moments are reused while they serve the same customers."""
_QUEUEING = (ev.TicketIssued, ev.TicketReturned, ev.TicketTransferred, ev.TicketFinished, ev.TicketCheckedIn)


class Waits:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.service_times = ServiceTimes()
        self.free_moments = FreeMoments(FREE_MOMENTS_FOR_S)
        self._cached: tuple[int, int, State, Estimate] | None = None
        self._queued_since: dict[str, list[int]] = {}
        """Service → queue_seq of its queue entries since the last simulation, in order (see wait_for)."""
        self._queued_count = 0
        self._simulated_seq = 0
        """The last queue place handed out when the estimate was simulated."""
        self._run_s = 0.0
        """How long the last simulation took (wall clock, not the engine's: it is about this machine)."""

    def observe(self, typed: ev.EngineEvent, event: Event) -> None:
        """After the engine applied ``event``: service times, and queue entries since the last run."""
        state = self.engine.state
        self.service_times.observe(state, event)
        if self._cached is not None and isinstance(typed, _QUEUEING) and self._queued_count < 10_000:
            tid = typed.ticket["id"] if isinstance(typed, ev.TicketIssued) else typed.ticket
            t = state.tickets.get(tid)
            if t is None or t.state != WAITING or not t.pending:
                return
            if t.front or t.target_counter is not None or t.queue_seq <= self._simulated_seq:
                # Not at the end of its queue (a remote ticket checking in at its earlier place, one
                # sent to the front or to one counter): the figures between runs assume the end.
                self._cached = None
                return
            self._queued_since.setdefault(t.pending[0], []).append(t.queue_seq)  # in order: each is last
            self._queued_count += 1

    def rebuild(self) -> None:
        """After a replay: service times from the state as loaded."""
        self.service_times.rebuild(self.engine.state)

    def estimate(self) -> Estimate:
        """Simulated waits, recomputed when the queue changed — coalesced when the queue is long.

        A simulation costs O(waiting); running it after every change would make
        every request pay for the whole queue. Up to :data:`EXACT_WAITING`
        waiting it runs after every change; beyond that, once every
        ``waiting / EXACT_WAITING`` changes, so its cost per change stays that
        of a queue of :data:`EXACT_WAITING`. It also runs when the clock
        enters a new 5-second step (waits age with time). A long queue is also
        simulated at most every :data:`LONG_QUEUE_EVERY_S`, and so that the runs
        take at most :data:`SIMULATION_SHARE` of the time. Between runs,
        :meth:`wait_for` answers for tickets queued since from the last run.
        """
        now = self.engine.time()
        bucket = int(now // ESTIMATE_STEP_S)
        cached = self._cached
        if cached is not None:
            version, step, state, est = cached
            changes = self.engine.version - version
            waiting = queue_index(self.engine.state).waiting_count
            if state is self.engine.state and step == bucket and (
                changes == 0 or changes * EXACT_WAITING < waiting
                or (waiting > EXACT_WAITING
                    and 0 <= now - est.at < max(LONG_QUEUE_EVERY_S, self._run_s / SIMULATION_SHARE))
            ):
                return est
        times = self.service_times.times(self.engine.state)
        started = time.perf_counter()
        est = simulate(self.engine.state, now, self.engine.boosts(), times, self.free_moments)
        self._run_s = time.perf_counter() - started
        self._cached = (self.engine.version, bucket, self.engine.state, est)
        self._queued_since = {}
        self._queued_count = 0
        self._simulated_seq = self.engine.state.queue_seq
        return est

    def wait_for(self, t: Ticket) -> tuple[float, int] | None:
        """(expected seconds until called, tickets called before it) for a waiting ticket.

        None when no open counter serves it. A ticket queued after the last
        simulation (see :meth:`estimate`) gets the last simulated figure for a
        new ticket of its service, plus what those queued for that service
        since then take at the speed of the counters serving it.
        """
        est = self.estimate()
        if t.state == NOT_ARRIVED:
            return self.engine.remote.figure(t, est)
        if t.id in est.wait_s:
            return est.wait_s[t.id], est.ahead[t.id]
        sid = t.pending[0] if t.pending else ""
        if t.target_counter is not None or sid not in est.new_ticket_s:
            return None
        before = bisect.bisect_left(self._queued_since.get(sid, ()), t.queue_seq)
        rate = est.rate.get(sid) or 0.0
        extra = before / rate if rate > 0 else 0.0
        wait = max(0.0, est.new_ticket_s[sid] - (self.engine.time() - est.at)) + extra
        return wait, est.new_ticket_ahead.get(sid, 0) + before

    def ahead_of(self, t: Ticket) -> int:
        """People ahead: the one figure every view shows (:attr:`Estimate.ahead`); without an open
        counter serving it, those queued before it; 0 unless it is waiting."""
        if t.state != WAITING:
            return 0
        figure = self.wait_for(t)
        if figure is None or self.estimate().assumed_counter:
            return queued_before(self.engine.state, t)
        return figure[1]
