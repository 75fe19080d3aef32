"""What each button does: one table for the physical buttons, the screen and the docs.

=================  =============================  ===================================
button             press (tap)                    hold (``counter.hold_s``, 1.5 s)
=================  =============================  ===================================
Next               call the next customer; with   finish the current customer, then
                   a customer at the desk it      call the next
                   finishes them first (office
                   setting ``next_finishes``,
                   see below)
Recall             call the same number again     customer arrived: service starts
Done               finish the current customer    pause / resume (no reason)
No-show            the called customer did not    park the current customer (set
                   come                           aside, call back later)
Transfer           open the transfer picker       headless: send to the target shown
                   (headless: next target on the  on the LED display, last in line
                   LED display)
Good/Neutral/Bad   customer feedback for the customer served now or last
=================  =============================  ===================================

A tap of Next with a customer at the desk: the hub's ``counter.call_next``
finishes the current customer and calls the next, which is what offices
expect (``next_finishes``, on by default). A second, accidental tap right
after a call would end a service that has not begun, so the hub refuses a
Next within ``call_guard_s`` (3 s) of the call with ``too_soon`` and the
screen says so. An office that turns ``next_finishes`` off gets the old
behaviour: the tap is refused with a signal, finishing and calling is the
deliberate hold.

Next, Recall, Done, No-show and Transfer have hold actions, so their tap acts
on release (a quick tap adds its own length, typically under 150 ms) and the
hold acts the moment the hold time is reached; the feedback buttons act as
soon as they go down.
"""

from __future__ import annotations

from enum import StrEnum


class Action(StrEnum):
    NEXT = "next"
    FINISH_AND_NEXT = "finish_and_next"
    RECALL = "recall"
    START = "start"
    DONE = "done"
    NO_SHOW = "no_show"
    PARK = "park"
    TRANSFER = "transfer"
    TRANSFER_CONFIRM = "transfer_confirm"
    PAUSE_TOGGLE = "pause_toggle"
    FEEDBACK_GOOD = "feedback_good"
    FEEDBACK_NEUTRAL = "feedback_neutral"
    FEEDBACK_BAD = "feedback_bad"


KEYMAP: dict[tuple[str, str], Action] = {
    ("next", "press"): Action.NEXT,
    ("next", "hold"): Action.FINISH_AND_NEXT,
    ("recall", "press"): Action.RECALL,
    ("recall", "hold"): Action.START,
    ("done", "press"): Action.DONE,
    ("done", "hold"): Action.PAUSE_TOGGLE,
    ("no_show", "press"): Action.NO_SHOW,
    ("no_show", "hold"): Action.PARK,
    ("transfer", "press"): Action.TRANSFER,
    ("transfer", "hold"): Action.TRANSFER_CONFIRM,
    ("feedback_good", "press"): Action.FEEDBACK_GOOD,
    ("feedback_neutral", "press"): Action.FEEDBACK_NEUTRAL,
    ("feedback_bad", "press"): Action.FEEDBACK_BAD,
}

HOLD_BUTTONS = frozenset(button for button, kind in KEYMAP if kind == "hold")
"""Buttons whose tap is reported on release, so a hold can be told apart."""

FEEDBACK_SCORES = {
    Action.FEEDBACK_GOOD: "good",
    Action.FEEDBACK_NEUTRAL: "neutral",
    Action.FEEDBACK_BAD: "bad",
}
