"""Sessions, roles, CSRF tokens and rate limits for the web app.

* Session: an HttpOnly, SameSite=Lax cookie with a random token (the
  database keeps its hash, :mod:`hub.web.accounts`).
* CSRF: every form and every state-changing API call made with the session
  cookie carries a token (form field ``csrf`` or header ``X-CSRF-Token``)
  that is an HMAC of the session token (or of an anonymous visitor cookie on
  public forms) under the hub's secret key. Another site can make the
  browser send the cookie but cannot know the token.
* Rate limits: sliding windows in memory per client address. A refused
  request gets 429 with Retry-After.
* Sign-in throttle (:class:`LoginThrottle`): failed sign-ins slow down the
  address that makes them, per (address, user name) and per address, with
  delays that double on every further failure. A user name alone is never
  blocked, so nobody can lock a real user out from another address.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field

SESSION_COOKIE = "sorra_session"
ANON_COOKIE = "sorra_anon"
LANG_COOKIE = "sorra_lang"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"

# bucket → (requests, window seconds)
DEFAULT_LIMITS: dict[str, tuple[int, float]] = {
    "login": (10, 300.0),  # attempts per address (failures are slowed down by LoginThrottle)
    "public": (240, 60.0),  # public pages and API per address
    "book": (10, 600.0),  # bookings, moves and cancellations per address
    "queue": (10, 600.0),  # attempts to join the queue from afar per address
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
    if not anchor or not token or not isinstance(token, str) or not token.isascii():
        return False  # compare_digest refuses non-ASCII text (a 500 before)
    return hmac.compare_digest(csrf_token(key, anchor), token)


def retry_after(wait: float) -> dict[str, str]:
    return {"Retry-After": str(max(1, math.ceil(wait)))}


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
            raise WebError(429, "rate_limited", "too many requests; try again later", retry_after(wait))


@dataclass
class _Strikes:
    failures: int = 0
    last: float = 0.0
    until: float = 0.0


@dataclass
class Backoff:
    """After ``free`` failures the next try waits ``base``; each further failure doubles it, up to ``cap``."""

    free: int
    base: float = 1.0
    cap: float = 900.0

    def delay(self, failures: int) -> float:
        if failures < self.free:
            return 0.0
        return min(self.cap, self.base * 2.0 ** min(failures - self.free, 40))


@dataclass
class LoginThrottle:
    """Exponential backoff on failed sign-ins, per (address, user name) and per address.

    * ``pair``: one address guessing one user's password: after 5 failures
      the next try waits 1 s, then 2 s, 4 s … up to 15 min between tries.
    * ``address``: one address guessing many user names: the same after 20
      failures.
    * A try during a wait is refused (429 with Retry-After) without checking
      the password and without counting: waiting out the delay is the only way on.
    * A correct password clears its (address, user) strikes. The user name
      alone is never blocked: the real user signs in from their own address
      however much a stranger guesses elsewhere.
    * Strikes are forgotten after ``forget_s`` without a failure.
    """

    pair: Backoff = field(default_factory=lambda: Backoff(5))
    address: Backoff = field(default_factory=lambda: Backoff(20))
    forget_s: float = 3600.0
    max_keys: int = 100_000
    clock: object = time.monotonic

    def __post_init__(self) -> None:
        self._strikes: dict[tuple[str, ...], _Strikes] = {}
        self._lock = threading.Lock()

    def _now(self) -> float:
        return self.clock()  # type: ignore[operator]

    def _get(self, key: tuple[str, ...], now: float) -> _Strikes | None:
        s = self._strikes.get(key)
        if s is not None and now - s.last > self.forget_s and now >= s.until:
            del self._strikes[key]
            return None
        return s

    def wait(self, ip: str, name: str) -> float:
        """Seconds before this address may try this user name again (0: now)."""
        with self._lock:
            now = self._now()
            waits = [s.until - now for s in (self._get(("pair", ip, name), now), self._get(("ip", ip), now)) if s]
            return max([0.0, *waits])

    def failed(self, ip: str, name: str) -> float:
        """Count a wrong password; returns the wait now in force."""
        with self._lock:
            now = self._now()
            if len(self._strikes) >= self.max_keys:
                self._sweep(now)
            out = 0.0
            for key, rule in ((("pair", ip, name), self.pair), (("ip", ip), self.address)):
                s = self._get(key, now) or self._strikes.setdefault(key, _Strikes())
                s.failures += 1
                s.last = now
                s.until = max(s.until, now + rule.delay(s.failures))
                out = max(out, s.until - now)
            return out

    def succeeded(self, ip: str, name: str) -> None:
        with self._lock:
            self._strikes.pop(("pair", ip, name), None)

    def reset(self) -> None:
        with self._lock:
            self._strikes.clear()

    def _sweep(self, now: float) -> None:
        for key in [k for k, s in self._strikes.items() if now - s.last > self.forget_s and now >= s.until]:
            del self._strikes[key]
        if len(self._strikes) >= self.max_keys:  # still full: forget the oldest half
            for key, _ in sorted(self._strikes.items(), key=lambda kv: kv[1].last)[: self.max_keys // 2]:
                del self._strikes[key]
