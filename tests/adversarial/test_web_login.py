"""Issue 12, item 6: strangers guessing passwords must not lock the real user out.

Before: five wrong passwords for a user name from any address made the real
user's correct password fail with 429 from another address for 15 minutes,
with no Retry-After. Now failures slow down the address that makes them, per
(address, user) and per address, with doubling delays and Retry-After.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from hub.web.security import Backoff, LoginThrottle
from tests.web.conftest import PASSWORDS, web_hub  # noqa: F401  (module-scoped hub fixture)

STRANGER = "127.0.0.2"  # Linux answers for all of 127.0.0.0/8: a second client address


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(web_hub: Any) -> Iterator[FakeClock]:  # noqa: F811
    """The web app's sign-in throttle on a clock the test moves (no sleeping)."""
    throttle = web_hub.hub.web.app.state.web.throttle
    fake = FakeClock()
    saved = throttle.clock
    throttle.clock = fake
    throttle.reset()
    yield fake
    throttle.clock = saved
    throttle.reset()


def http(web_hub: Any, source: str = "127.0.0.1") -> httpx.Client:  # noqa: F811
    transport = httpx.HTTPTransport(local_address=source)
    return httpx.Client(base_url=f"http://127.0.0.1:{web_hub.http_port}", transport=transport, timeout=15)


def login(c: httpx.Client, name: str, password: str) -> httpx.Response:
    return c.post("/api/v1/auth/login", json={"name": name, "password": password})


def test_a_stranger_cannot_lock_the_manager_out(web_hub: Any, clock: FakeClock) -> None:  # noqa: F811
    with http(web_hub, STRANGER) as stranger, http(web_hub) as manager:
        codes = [login(stranger, "manager", f"guess-{i:04d}").status_code for i in range(12)]
        assert codes[:5] == [401] * 5 and set(codes[5:]) == {429}, codes
        # the real manager, at their own desk, is not affected
        r = login(manager, "manager", PASSWORDS["manager"])
        assert r.status_code == 200, r.text
        assert manager.get("/api/v1/me").json()["role"] == "manager"
        # the HTML sign-in form as well
        page = manager.get("/login")
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        r = manager.post("/login", data={"csrf": csrf, "name": "manager", "password": PASSWORDS["manager"]})
        assert r.status_code == 303 and r.headers["location"] == "/dashboard"


def test_refusals_say_when_to_try_again_and_the_delay_doubles(web_hub: Any, clock: FakeClock) -> None:  # noqa: F811
    with http(web_hub, STRANGER) as stranger:
        for i in range(5):
            assert login(stranger, "manager", f"wrong-{i}").status_code == 401
        waits = []
        for i in range(6):
            r = login(stranger, "manager", f"wrong-again-{i}")
            assert r.status_code == 429 and r.json()["error"]["code"] == "rate_limited"
            wait = int(r.headers["retry-after"])
            waits.append(wait)
            # trying again during the wait is refused without counting and without checking the password
            r2 = login(stranger, "manager", PASSWORDS["manager"])
            assert r2.status_code == 429 and int(r2.headers["retry-after"]) == wait
            clock.now += wait  # wait it out; the next guess is checked, fails, and doubles the delay
            assert login(stranger, "manager", f"still-wrong-{i}").status_code == 401
        assert waits == [1, 2, 4, 8, 16, 32], waits
        # after waiting, the right password works from this address too, and clears its strikes
        clock.now += 64
        assert login(stranger, "manager", PASSWORDS["manager"]).status_code == 200
        assert login(stranger, "manager", "wrong-once-more").status_code == 401


def test_guessing_many_user_names_from_one_address_slows_that_address(web_hub: Any, clock: FakeClock) -> None:  # noqa: F811
    with http(web_hub, STRANGER) as stranger, http(web_hub) as office:
        codes = [login(stranger, f"user{i}", "password-guess").status_code for i in range(25)]
        assert codes[:20] == [401] * 20 and 429 in codes[20:], codes
        r = login(stranger, "admin", PASSWORDS["admin"])  # the address must wait, whatever the name
        assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
        assert login(office, "admin", PASSWORDS["admin"]).status_code == 200


def test_the_throttle_caps_its_delay_and_forgets() -> None:
    clock = FakeClock()
    t = LoginThrottle(pair=Backoff(2, 1.0, 60.0), address=Backoff(100), forget_s=600.0, clock=clock)
    assert t.failed("10.0.0.9", "anna") == 0.0  # the first failure costs nothing
    delays = []
    for _ in range(10):
        delays.append(t.failed("10.0.0.9", "anna"))
        clock.now += delays[-1]
    assert delays[:7] == [1, 2, 4, 8, 16, 32, 60] and max(delays) == 60
    assert t.wait("10.0.0.8", "anna") == 0  # another address is never held up
    assert t.wait("10.0.0.9", "bela") == 0  # nor another user from this address (under its own limit)
    clock.now += 601
    assert t.wait("10.0.0.9", "anna") == 0
    assert t.failed("10.0.0.9", "anna") == 0  # forgotten: a free failure again
    t.succeeded("10.0.0.9", "anna")
    assert t.wait("10.0.0.9", "anna") == 0


def test_the_throttle_stays_bounded_in_memory() -> None:
    clock = FakeClock()
    t = LoginThrottle(max_keys=1000, clock=clock)
    for i in range(5000):
        t.failed(f"10.{i // 65536}.{i // 256 % 256}.{i % 256}", f"u{i}")
    assert len(t._strikes) <= 1000
