"""Following a ticket by SMS from the kiosk: after the ticket, the citizen types a phone number.

The ticket screen offers "Send me an SMS when my turn is near"; the follow
screen has a phone keypad; :meth:`Follower.submit` sends ``ticket.follow``
with the ticket's status token. The hub answers with the same code the ticket
page uses (hub/notify/follow.py): one SMS when few are ahead, one when called.

The number is checked here first (a Hungarian mobile number, ``+36`` or
``06`` then nine digits), so a typo is explained at once; the hub checks it
again (``bad_args``). A lost reply is asked again with the same request id
(the hub answers it once), a new number gets a new id.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import replace

from kiosk.model import FollowView, Problem, Screen, ViewState, ViewStore
from kiosk.ports import Bus, Invoke
from sorra.bus import RequestError
from sorra.protocol.names import ErrorCode, Op
from sorra.protocol.request_ids import new_request_id

log = logging.getLogger(__name__)

MOBILE = re.compile(r"^(?:\+36|06)(?:20|30|31|50|70)\d{7}$")
"""Hungarian mobile networks (20, 30, 31, 50, 70): the numbers that can receive an SMS."""
MAX_CHARS = 12  # "+36" + nine digits
PROBLEMS = {
    ErrorCode.BAD_ARGS: Problem.BAD_NUMBER,
    ErrorCode.UNAVAILABLE: Problem.UNAVAILABLE,
    ErrorCode.OFFLINE: Problem.OFFLINE,
    ErrorCode.TIMEOUT: Problem.NO_REPLY,
    ErrorCode.NOT_FOUND: Problem.NOT_FOUND,
    ErrorCode.CONFLICT: Problem.CONFLICT,
}
RETRYABLE = (Problem.OFFLINE, Problem.NO_REPLY)


def pretty_phone(digits: str) -> str:
    """``+36301234567`` → ``+36 30 123 4567``; ``06301234567`` → ``06 30 123 4567`` (as typed so far)."""
    head = "+36" if digits.startswith("+36") else "06" if digits.startswith("06") else ""
    if not head:
        return digits
    rest = digits[len(head):]
    parts = [head, rest[:2], rest[2:5], rest[5:]]
    return " ".join(p for p in parts if p)


class Follower:
    """The follow screen's flow; the controller forwards the touches to it."""

    def __init__(self, bus: Bus, view: ViewStore, invoke: Invoke, token: Callable[[], str | None],
                 timeout_s: float) -> None:
        self.bus = bus
        self._view = view
        self._invoke = invoke
        self._token = token
        self._timeout_s = timeout_s
        self._req: tuple[str, str] | None = None
        """(request id, number) of the last request not answered for sure: asked again with the same id."""

    @property
    def _state(self) -> ViewState:
        return self._view.state

    def _follow(self) -> FollowView:
        return self._state.follow or FollowView()

    def start(self) -> None:
        """Ticket screen → follow screen (only for a ticket with a status token)."""
        s = self._state
        if s.screen is not Screen.TICKET or not self._token() or self._follow().done:
            return
        self._view.set(screen=Screen.FOLLOW, follow=FollowView(), problem=None)

    def key(self, char: str) -> None:
        f = self._follow()
        if self._state.screen is not Screen.FOLLOW or f.sending or len(f.phone) >= MAX_CHARS:
            return
        if char == "+" and f.phone:
            return  # only as the first character
        if char != "+" and not char.isdigit():
            return
        self._view.set(follow=replace(f, phone=f.phone + char), problem=None)

    def backspace(self) -> None:
        f = self._follow()
        if self._state.screen is Screen.FOLLOW and not f.sending:
            self._view.set(follow=replace(f, phone=f.phone[:-1]), problem=None)

    def back(self) -> None:
        """Back to the ticket (the number is not kept)."""
        if self._state.screen is Screen.FOLLOW and not self._follow().sending:
            self._view.set(screen=Screen.TICKET, follow=None, problem=None)

    def submit(self) -> None:
        f = self._follow()
        token = self._token()
        if self._state.screen is not Screen.FOLLOW or f.sending or not token:
            return
        if not MOBILE.match(f.phone):
            self._view.set(problem=Problem.BAD_NUMBER)
            return
        if self._req is None or self._req[1] != f.phone:
            self._req = (new_request_id(), f.phone)
        req = self._req[0]
        self._view.set(follow=replace(f, sending=True), problem=None)
        log.info("ticket.follow (req %s)", req)
        future = self.bus.request(Op.TICKET_FOLLOW, {"ticket": token, "phone": f.phone}, req=req,
                                  send_deadline_s=self._timeout_s, reply_timeout_s=self._timeout_s)
        future.add_done_callback(lambda fut: self._invoke(lambda: self._on_reply(req, fut)))

    def _on_reply(self, req: str, future: Future) -> None:
        f = self._state.follow
        if self._state.screen is not Screen.FOLLOW or f is None or not f.sending:
            log.info("reply to ticket.follow %s after the citizen left", req)
            return
        try:
            result = future.result()
        except RequestError as err:
            problem = PROBLEMS.get(err.code, Problem.FAILED)
            log.warning("ticket.follow refused (req %s): %s", req, err)
            if problem not in RETRYABLE:
                self._req = None
            self._view.set(follow=replace(f, sending=False), problem=problem)
            return
        except Exception:  # the bus stopped, or a bug
            log.exception("ticket.follow failed (req %s)", req)
            self._view.set(follow=replace(f, sending=False), problem=Problem.FAILED)
            return
        self._req = None
        done = replace(f, sending=False, done=True, ahead_limit=int(result.get("ahead_limit") or 0))
        self._view.set(screen=Screen.TICKET, follow=done, problem=None)
