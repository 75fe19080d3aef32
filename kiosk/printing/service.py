"""The printer's worker thread: print jobs and status polls, one at a time, in order.

The controller never waits on the printer: it submits a ticket with a
callback and gets a :class:`PrintResult` back (on the worker thread; the
controller moves it to its own thread). The same thread reads the printer's
real-time status every ``status_interval_s`` and reports changes, so a job and
a status query never interleave on the wire.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from kiosk.printing.device import PrinterDevice, PrintError
from kiosk.printing.render import TicketRenderer
from kiosk.printing.status import UNKNOWN, PrinterState, PrinterStatus
from sorra.ticket.data import TicketData

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PrintResult:
    job: int
    ok: bool
    status: PrinterStatus
    ticket_id: str = ""
    error: str = ""
    sent_at: float | None = None
    """``clock()`` when the job's bytes were handed to the device (for the touch → print benchmark)."""


StatusCallback = Callable[[PrinterStatus], None]
DoneCallback = Callable[[PrintResult], None]


class PrinterService:
    def __init__(
        self,
        device: PrinterDevice,
        renderer: TicketRenderer,
        *,
        status_interval_s: float = 10.0,
        on_status: StatusCallback | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.device = device
        self.renderer = renderer
        self.status_interval_s = status_interval_s
        self.on_status = on_status
        """Called with every status change (on the worker thread)."""
        self._clock = clock
        self._queue: queue.Queue[tuple] = queue.Queue()
        self._jobs = itertools.count(1)
        self._status: PrinterStatus | None = None
        self._thread: threading.Thread | None = None

    # ---- control (any thread) -------------------------------------------------

    @property
    def status(self) -> PrinterStatus:
        return self._status or UNKNOWN

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="kiosk-printer", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(("stop",))
            thread.join(timeout)
        self.device.close()

    def submit(self, ticket: TicketData, done: DoneCallback) -> int:
        """Queue one ticket; ``done(result)`` is called once, on the worker thread."""
        job = next(self._jobs)
        self._queue.put(("print", job, ticket, done))
        return job

    def poll_now(self) -> None:
        self._queue.put(("poll",))

    # ---- worker -----------------------------------------------------------------

    def _run(self) -> None:
        self._poll()
        next_poll = self._clock() + self.status_interval_s
        while True:
            try:
                item = self._queue.get(timeout=max(0.0, next_poll - self._clock()))
            except queue.Empty:
                item = ("poll",)
            kind = item[0]
            if kind == "stop":
                return
            try:
                if kind == "print":
                    self._print(*item[1:])
                else:
                    self._poll()
            except Exception:  # the printer thread must survive a bug in one job
                log.exception("printer worker: %s failed", kind)
            if kind == "poll" or self._clock() >= next_poll:
                next_poll = self._clock() + self.status_interval_s

    def _poll(self) -> PrinterStatus:
        status = self.device.read_status()
        self._set_status(status)
        return status

    def _set_status(self, status: PrinterStatus) -> None:
        changed = self._status is None or (status.state, status.known) != (
            self._status.state,
            self._status.known,
        )
        self._status = status
        if changed:
            log.info("printer %s: %s %s", self.device.name, status.state.value, status.detail)
            if self.on_status is not None:
                try:
                    self.on_status(status)
                except Exception:
                    log.exception("printer status callback failed")

    def _print(self, job: int, ticket: TicketData, done: DoneCallback) -> None:
        result = self._print_job(job, ticket)
        try:
            done(result)
        except Exception:
            log.exception("print callback failed")

    def _print_job(self, job: int, ticket: TicketData) -> PrintResult:
        with self.device.session():
            return self._print_held(job, ticket)

    def _print_held(self, job: int, ticket: TicketData) -> PrintResult:
        answers = self.device.answers_status
        before = self._poll() if answers is not False else self.status
        if not before.can_print:
            return PrintResult(job, False, before, ticket.ticket_id, f"printer {before.state.value}")
        try:
            data = self.renderer.render(ticket)
        except Exception as err:
            log.exception("rendering ticket %s failed", ticket.number)
            status = PrinterStatus(PrinterState.ERROR, f"ticket layout failed: {err}")
            return PrintResult(job, False, status, ticket.ticket_id, str(err))
        try:
            self.device.send(data)
        except PrintError as err:
            self._set_status(err.status)
            return PrintResult(job, False, err.status, ticket.ticket_id, str(err))
        sent_at = self._clock()
        after = self._poll() if answers is not False else self.status
        if after.state in (PrinterState.PAPER_OUT, PrinterState.COVER_OPEN, PrinterState.ERROR):
            # It stopped during this job: the ticket is most likely cut short.
            return PrintResult(job, False, after, ticket.ticket_id, f"printer {after.state.value}", sent_at)
        return PrintResult(job, True, after, ticket.ticket_id, "", sent_at)
