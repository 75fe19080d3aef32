"""What a message on the bus may be: one size limit, and JSON a program can trust.

``MAX_MESSAGE_BYTES`` is *the* limit: the broker's ``max_packet_size`` (it
disconnects a client that sends a bigger packet), the largest request the hub
reads, and the size above which the device's bus client refuses a request
locally with ``too_large`` instead of sending it (a refused packet would cost
the device its connection on every reconnect, forever).

:func:`parse_json_object` reads a message the way the hub must read anything a
device sends: UTF-8, one JSON object, no ``NaN``/``Infinity``, numbers of
reasonable length, nesting of at most ``MAX_DEPTH`` levels, and no lone UTF-16
surrogates in any string or key (JSON can spell them as ``"\\ud800"``, Python
accepts them, and SQLite cannot store them: one such request used to fail its
whole batch).
"""

from __future__ import annotations

import json
from typing import Any

MAX_MESSAGE_BYTES = 256 * 1024
"""The largest MQTT packet on a Sorra bus, headers included (broker ``max_packet_size``)."""

PACKET_OVERHEAD_BYTES = 1024
"""Room kept for the MQTT fixed header, topic and properties of a request."""

MAX_DEPTH = 32
"""Deepest nesting of arrays and objects in a message; real messages use under 6. Deeper
JSON than Python's parser takes (about 1,000 levels) fails it with RecursionError, refused too."""

MAX_NUMBER_CHARS = 40
"""Longest JSON number; a longer one is refused before Python converts it."""


class MessageRejected(ValueError):
    """The bytes are not a message the protocol accepts; ``str()`` says why, for the sender."""


def _constant(name: str) -> Any:
    raise MessageRejected(f"{name} is not allowed in a message")


def _number(text: str) -> int | float:
    if len(text) > MAX_NUMBER_CHARS:
        raise MessageRejected(f"a number longer than {MAX_NUMBER_CHARS} characters")
    if any(c in text for c in ".eE"):
        value = float(text)
        if value in (float("inf"), float("-inf")):
            raise MessageRejected("a number out of range")
        return value
    return int(text)


def parse_json_object(raw: bytes | str, *, max_bytes: int = MAX_MESSAGE_BYTES) -> dict[str, Any]:
    """Parse one message; raise :class:`MessageRejected` with a reason a person can read."""
    if len(raw) > max_bytes:
        raise MessageRejected(f"message larger than {max_bytes} bytes")
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes | bytearray) else raw
    except UnicodeDecodeError:
        raise MessageRejected("message is not UTF-8") from None
    try:
        payload = json.loads(text, parse_constant=_constant, parse_int=_number, parse_float=_number)
    except MessageRejected:
        raise
    except RecursionError:
        raise MessageRejected(f"message nested deeper than {MAX_DEPTH} levels") from None
    except ValueError:
        raise MessageRejected("message is not JSON") from None
    if not isinstance(payload, dict):
        raise MessageRejected("message must be a JSON object")
    _check_text(payload)
    return payload


def _check_text(value: Any) -> None:
    """One walk over the parsed message: nesting depth, and text SQLite can store."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            _check_string(item)
        elif isinstance(item, dict | list):
            if depth > MAX_DEPTH:
                raise MessageRejected(f"message nested deeper than {MAX_DEPTH} levels")
            if isinstance(item, dict):
                for key, sub in item.items():
                    _check_string(key)
                    stack.append((sub, depth + 1))
            else:
                stack.extend((sub, depth + 1) for sub in item)


def _check_string(s: str) -> None:
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        raise MessageRejected("text with an unpaired UTF-16 surrogate (invalid Unicode)") from None
