"""Presses on their way to the hub: what a press sends, and seeing it through.

A press is one or more *steps* (hold Next is two: finish, then call next),
each one hub request with a request id fixed when the press is made. The bus
client holds a request while the broker is away and re-sends the same id
after reconnecting, so the hub applies it exactly once; if it cannot be sent
within the press's deadline it fails with ``offline`` and nothing was done.

One press per *slot*: while a counter press is on its way (sent or held),
:meth:`InFlight.start` is not called again for that slot — the controller
ignores the press with a signal instead. Feedback has its own slot, so a
customer's rating never blocks the clerk.

Replies are handed to the controller's owner thread through ``invoke``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Protocol

from counter_terminal.actions import Action
from sorra.protocol.names import ErrorCode, Op
from sorra.protocol.request_ids import new_request_id

log = logging.getLogger(__name__)

Invoke = Callable[[Callable[[], None]], None]
MessageCallback = Callable[[str, dict[str, Any] | None], None]

COUNTER = "counter"
FEEDBACK = "feedback"


class Bus(Protocol):
    """The part of :class:`sorra.bus.BusClient` the counter terminal uses."""

    @property
    def connected(self) -> bool: ...

    def on_connection(self, callback: Callable[[bool], None]) -> None: ...

    def subscribe_state(self, name: str, callback: MessageCallback) -> None: ...

    def subscribe_event(self, name: str, callback: MessageCallback) -> None: ...

    def request(
        self, op: str, args: dict[str, Any] | None = None, *, req: str | None = None,
        send_deadline_s: float = 10.0,
    ) -> Future: ...


@dataclass
class Step:
    op: str
    args: dict[str, Any] = field(default_factory=dict)
    req: str = field(default_factory=new_request_id)


@dataclass
class Press:
    action: str
    steps: list[Step]
    started: float
    """When the current step was sent (clock of the controller)."""
    deadline_s: float
    index: int = 0
    done_ops: list[str] = field(default_factory=list)

    @property
    def step(self) -> Step:
        return self.steps[self.index]


# ---- what a counter button sends -------------------------------------------------

CUSTOMER_OPS: dict[Action, str] = {
    Action.RECALL: Op.COUNTER_RECALL,
    Action.START: Op.COUNTER_START,
    Action.DONE: Op.COUNTER_FINISH,
    Action.PARK: Op.COUNTER_PARK,
    Action.NO_SHOW: Op.COUNTER_NO_SHOW,
}
"""Buttons that act on the customer at the desk."""


def counter_steps(action: Action, state: str, has_customer: bool,
                  next_finishes: bool = False) -> list[Step] | str:
    """The requests a Next/Recall/Done/No-show/Park press means now, or why it is refused.

    A refusal is a notice code (the press does nothing; the clerk sees why).
    Pause, transfer and feedback are decided by the controller.
    """
    if action == Action.NEXT:
        # call_next finishes a customer at the desk: only where the office wants
        # that (``next_finishes``), and then as one request, so the hub's guard
        # after a call (``too_soon``) stops a double tap from skipping someone.
        if has_customer and not next_finishes:
            return "customer_at_desk"
        return [Step(Op.COUNTER_CALL_NEXT)]
    if action == Action.FINISH_AND_NEXT:
        steps = [Step(Op.COUNTER_CALL_NEXT)]
        if has_customer:
            steps.insert(0, Step(Op.COUNTER_FINISH))
        return steps
    op = CUSTOMER_OPS.get(action)
    if op is None:
        raise ValueError(f"{action} is not a counter button")
    if not has_customer:
        return "no_customer"
    if action == Action.NO_SHOW and state == "serving":
        return "already_serving"
    return [Step(op)]


# ---- seeing presses through -----------------------------------------------------------

Applied = Callable[[Press, Step, dict[str, Any]], None]
Refused = Callable[[Press, Step, str, str], None]


class InFlight:
    """The presses on their way, one per slot, with their replies on the owner thread.

    ``applied(press, step, result)`` runs for every step the hub answered
    with ok (the next step is sent right after it); ``refused(press, step,
    code, message)`` when a step failed (the press is dropped; earlier steps
    stay done: ``press.done_ops``). ``settled()`` runs after either.
    """

    def __init__(self, bus: Bus, invoke: Invoke, clock: Callable[[], float], *,
                 applied: Applied, refused: Refused, settled: Callable[[], None]) -> None:
        self.bus = bus
        self._invoke = invoke
        self._clock = clock
        self._applied = applied
        self._refused = refused
        self._settled = settled
        self._presses: dict[str, Press] = {}

    def get(self, slot: str) -> Press | None:
        return self._presses.get(slot)

    def __contains__(self, slot: str) -> bool:
        return slot in self._presses

    def presses(self) -> list[Press]:
        return list(self._presses.values())

    def start(self, slot: str, action: str, steps: list[Step], deadline_s: float) -> Press:
        if slot in self._presses:
            raise RuntimeError(f"a press is already on its way in slot {slot!r}")
        press = Press(action, steps, self._clock(), deadline_s)
        self._presses[slot] = press
        self._send(slot, press)
        return press

    def _send(self, slot: str, press: Press) -> None:
        step = press.step
        try:
            fut = self.bus.request(step.op, step.args, req=step.req, send_deadline_s=press.deadline_s)
        except Exception as err:  # the bus client itself failed: nothing was sent
            log.exception("request %s could not be queued", step.op)
            fut = Future()
            fut.set_exception(err)
        fut.add_done_callback(lambda f: self._invoke(lambda: self._on_reply(slot, press, f)))

    def _on_reply(self, slot: str, press: Press, fut: Future) -> None:
        if self._presses.get(slot) is not press:
            return
        step = press.step
        try:
            result = fut.result()
        except Exception as err:
            del self._presses[slot]
            self._refused(press, step, getattr(err, "code", ErrorCode.INTERNAL), getattr(err, "message", str(err)))
            self._settled()
            return
        self._applied(press, step, result or {})
        press.done_ops.append(step.op)
        press.index += 1
        if press.index < len(press.steps):
            press.started = self._clock()
            self._send(slot, press)
        else:
            del self._presses[slot]
        self._settled()
