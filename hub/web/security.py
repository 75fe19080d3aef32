"""Sessions, roles, CSRF tokens and rate limits for the web app.

* Session: an HttpOnly, SameSite=Lax cookie with a random token (the
  database keeps its hash, :mod:`hub.web.accounts`).
* CSRF: every form and every state-changing API call made with the session
  cookie carries a token (form field ``csrf`` or header ``X-CSRF-Token``)
  that is an HMAC of the session token (or of an anonymous visitor cookie on
  public forms) under the hub's secret key. Another site can make the
  browser send the cookie but cannot know the token.
* Rate limits: sliding windows in memory per client address (and per user
  name for failed logins). A refused request gets 429 with Retry-After.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass

SESSION_COOKIE = "sorra_session"
ANON_COOKIE = "sorra_anon"
LANG_COOKIE = "sorra_lang"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"

# bucket → (requests, window seconds)
DEFAULT_LIMITS: dict[str, tuple[int, float]] = {
    "login": (10, 300.0),  # attempts per address
    "login_fail": (5, 900.0),  # failures per user name
    "public": (240, 60.0),  # public pages and API per address
    "book": (10, 600.0),  # bookings, moves and cancellations per address
    "stream": (60, 60.0),  # live streams opened per address
}


class WebError(Exception):
    """An error with an HTTP status and a stable API code."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


STATUS_OF = {"bad_args": 400, "bad_request": 400, "unknown_op": 400, "unauthorized": 401, "forbidden": 403,
             "not_found": 404, "conflict": 409, "closed": 409, "too_large": 413, "rate_limited": 429,
             "internal": 500, "unavailable": 503, "timeout": 504}


def csrf_token(key: str, anchor: str) -> str:
    return hmac.new(key.encode(), f"csrf:{anchor}".encode(), hashlib.sha256).hexdigest()[:40]


def csrf_ok(key: str, anchor: str, token: str | None) -> bool:
    return bool(anchor) and bool(token) and hmac.compare_digest(csrf_token(key, anchor), token or "")


def new_anon_id() -> str:
    return secrets.token_urlsafe(18)


@dataclass
class _Window:
    hits: deque


class RateLimiter:
    def __init__(self, limits: dict[str, tuple[int, float]] | None = None, clock=time.monotonic) -> None:  # type: ignore[no-untyped-def]
        self.limits = dict(DEFAULT_LIMITS if limits is None else limits)
        self.clock = clock
        self._windows: dict[tuple[str, str], deque] = {}
        self._lock = threading.Lock()
        self._last_sweep = clock()

    def _window(self, bucket: str, key: str) -> tuple[deque, int, float]:
        limit, span = self.limits.get(bucket, (0, 0.0))
        now = self.clock()
        q = self._windows.setdefault((bucket, key), deque())
        while q and q[0] <= now - span:
            q.popleft()
        if now - self._last_sweep > 300:
            self._sweep(now)
        return q, limit, span

    def _sweep(self, now: float) -> None:
        self._last_sweep = now
        longest = max((s for _, s in self.limits.values()), default=0.0)
        for k in [k for k, q in self._windows.items() if not q or q[-1] <= now - longest]:
            del self._windows[k]

    def hit(self, bucket: str, key: str) -> float:
        """Count a request; returns 0 when allowed, else seconds until it would be."""
        with self._lock:
            q, limit, span = self._window(bucket, key)
            if limit <= 0:
                return 0.0
            if len(q) >= limit:
                return max(1.0, q[0] + span - self.clock())
            q.append(self.clock())
            return 0.0

    def blocked(self, bucket: str, key: str) -> float:
        """Like :meth:`hit` without counting (checked before a login, counted on failure)."""
        with self._lock:
            q, limit, span = self._window(bucket, key)
            if limit <= 0 or len(q) < limit:
                return 0.0
            return max(1.0, q[0] + span - self.clock())

    def count(self, bucket: str, key: str) -> None:
        with self._lock:
            q, _, _ = self._window(bucket, key)
            q.append(self.clock())

    def reset(self, bucket: str, key: str) -> None:
        with self._lock:
            self._windows.pop((bucket, key), None)

    def check(self, bucket: str, key: str) -> None:
        wait = self.hit(bucket, key)
        if wait:
            raise WebError(429, "rate_limited", "too many requests; try again later",
                           {"Retry-After": str(int(wait + 0.999))})
