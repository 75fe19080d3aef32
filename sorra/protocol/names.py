"""The protocol's names, as constants shared by the hub and every device.

Ops, error codes, and the retained state and event topic names (the part
after ``sorra/v1/{site}/``). They are ``StrEnum`` members, so they compare
equal to, hash like and JSON-encode as the plain strings on the wire: a
device written in another language just uses the strings (docs/protocol/).
"""

from __future__ import annotations

from enum import StrEnum


class Op(StrEnum):
    """Requests a device may send (``rpc/{device}``); ``admin.*`` ops are the hub's own."""

    TICKET_ISSUE = "ticket.issue"
    APPOINTMENT_CHECK_IN = "appointment.check_in"
    TICKET_CHECKIN = "ticket.checkin"
    TICKET_FOLLOW = "ticket.follow"
    BOOKING_SERVICES = "booking.services"
    BOOKING_DAYS = "booking.days"
    BOOKING_SLOTS = "booking.slots"
    BOOKING_BOOK = "booking.book"
    COUNTER_CALL_NEXT = "counter.call_next"
    COUNTER_RECALL = "counter.recall"
    COUNTER_START = "counter.start"
    COUNTER_FINISH = "counter.finish"
    COUNTER_NO_SHOW = "counter.no_show"
    COUNTER_TRANSFER = "counter.transfer"
    COUNTER_PARK = "counter.park"
    COUNTER_UNPARK = "counter.unpark"
    COUNTER_PAUSE = "counter.pause"
    COUNTER_RESUME = "counter.resume"
    COUNTER_CLOSE = "counter.close"
    COUNTER_RETURN = "counter.return"
    CLERK_LOGIN = "clerk.login"
    CLERK_LOGOUT = "clerk.logout"
    CLERK_PROFILE_SET = "clerk.profile_set"
    CLERK_ROSTER = "clerk.roster"
    BACKGROUND_START = "background.start"
    BACKGROUND_STOP = "background.stop"
    BACKGROUND_RECORD = "background.record"
    BACKGROUND_TAKE = "background.take"
    FEEDBACK_SUBMIT = "feedback.submit"
    DEVICE_ALERT = "device.alert"


class ErrorCode(StrEnum):
    BAD_REQUEST = "bad_request"  # not JSON, not an object, missing req/op, invalid Unicode, too deep
    UNKNOWN_OP = "unknown_op"
    BAD_ARGS = "bad_args"  # the arguments fail validation (only that)
    FORBIDDEN = "forbidden"  # this device's role may not do that, or not for that counter
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"  # the state does not allow it now (nothing to recall, counter closed, …)
    CLOSED = "closed"  # office or service closed
    ALREADY_CHECKED_IN = "already_checked_in"  # ticket.checkin: this remote ticket has checked in before
    NOT_TODAY = "not_today"  # ticket.checkin: the code belongs to a remote ticket of an earlier day
    CANCELLED = "cancelled"  # ticket.checkin: this remote ticket was cancelled
    UNAVAILABLE = "unavailable"  # the office does not offer this (ticket.follow: no SMS channel configured)
    TOO_SOON = "too_soon"  # Next again within the office's guard time after a call (a double tap)
    OFFLINE = "offline"  # (client side) could not be sent before the deadline: nothing was done
    TIMEOUT = "timeout"  # (client side) sent, no reply in time: it may still be done
    TOO_LARGE = "too_large"  # (client side) bigger than the bus carries: nothing sent
    INTERNAL = "internal"  # a fault in the hub: nothing was done


class State(StrEnum):
    """Retained ``state/…`` topics (``counters/{n}`` and ``config/{device}`` are built by Topics)."""

    SERVICES = "services"
    QUEUE = "queue"
    CALLS = "calls"
    ALERTS = "alerts"
    PLAYLIST = "playlist"


class Event(StrEnum):
    """Not retained ``event/…`` topics."""

    CALL = "call"
    ALERT = "alert"


HUB_STATUS = "device/hub/status"
"""The hub's own retained presence (topic suffix), as devices see it in their callbacks."""
