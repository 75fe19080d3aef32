"""Request ids (``req``): unique per device, and in the order they were made.

The hub keeps every request's reply under ``(device, req)`` for idempotency.
Random ids (uuid4) put each new row on a random page of that index: after a
busy day of ~100,000 requests every commit wrote a page no other commit
shared. An id that starts with the time it was made lands beside the
device's previous one. The random part keeps ids unique across devices,
restarts and a clock set back (80 bits).
"""

from __future__ import annotations

import secrets
import time


def new_request_id() -> str:
    """``<µs since the epoch, 13 hex digits><20 random hex digits>``: 33 characters of ``[0-9a-f]``."""
    return f"{time.time_ns() // 1000:013x}{secrets.token_hex(10)}"
