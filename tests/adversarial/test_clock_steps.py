"""Clock steps: a Pi boots at its last saved time and NTP then steps the clock,
forwards or back, possibly across midnight. Ticket numbers are never reused or
skipped, a day is never closed twice or wrongly, and timeouts use the monotonic clock."""

from __future__ import annotations

import threading
import time

import pytest

from hub.engine import Engine
from sorra.bus import BusClient, BusSettings, RequestError
from tests.engine.helpers import Clock, office
from tests.hub_fixture import TestHub

HOUR = 3600.0


def _issue(e: Engine) -> str:
    t = e.issue_ticket(["A"])
    e.take_events()
    return t.number


def _days(events: list[dict]) -> list[tuple[str, str]]:
    return [(ev["type"], ev["day"]) for ev in events if ev["type"] in ("day.opened", "day.closed")]


def test_a_step_back_within_the_day_continues_the_numbers_and_time_never_goes_back() -> None:
    clock = Clock("2026-11-23T10:00:00+01:00")
    e = office(clock)
    assert [_issue(e) for _ in range(3)] == ["A001", "A002", "A003"]
    issued = e.state.tickets["20261123-A003"].issued_at
    clock.advance(-2 * HOUR)  # NTP steps back two hours
    t = e.issue_ticket(["A"])
    assert t.number == "A004" and t.issued_at >= issued
    e.resume(1)
    called = e.call_next(1)
    assert called is not None and called.called_at is not None and called.called_at >= called.issued_at


def test_a_step_back_across_midnight_neither_closes_nor_reopens_a_day() -> None:
    clock = Clock("2026-11-24T00:10:00+01:00")
    e = office(clock)
    e.take_events()
    assert _issue(e) == "A001"
    clock.advance(-20 * 60)  # back to 23:50 of the day before
    assert _issue(e) == "A002"
    e.end_of_day()
    assert _days(e.take_events()) == []
    clock.advance(30 * 60)  # and forward again past midnight: still the same day
    e.end_of_day()
    assert _issue(e) == "A003"
    assert _days(e.take_events()) == [] and e.state.day == "2026-11-24"


def test_a_step_forward_across_midnight_closes_the_day_once() -> None:
    clock = Clock("2026-11-23T17:00:00+01:00")
    e = office(clock)
    assert [_issue(e) for _ in range(2)] == ["A001", "A002"]
    clock.advance(15 * HOUR)  # the stale boot clock is corrected: it is 08:00 next morning
    e.end_of_day()
    e.end_of_day()
    events = e.take_events()
    assert _days(events) == [("day.closed", "2026-11-23"), ("day.opened", "2026-11-24")]
    t = e.issue_ticket(["A"])
    assert t.number == "A001" and t.id == "20261124-A001"  # a new day's range: ids never collide
    assert "20261123-A001" not in e.state.tickets or e.state.tickets["20261123-A001"].id != t.id


def test_a_restart_with_the_clock_behind_the_stored_day_does_not_go_back(hub_factory) -> None:
    clock = Clock("2026-11-23T10:00:00+01:00")
    hub: TestHub = hub_factory("clock", clock=clock)
    hub.admin.add_service("A", {"hu": "A", "en": "A"}, "A")
    first = hub.admin.call("admin.ticket_issue", {"services": ["A"]})["ticket"]
    hub.stop()
    clock.advance(-26 * HOUR)  # the Pi boots with yesterday's saved time
    hub.start()
    second = hub.admin.call("admin.ticket_issue", {"services": ["A"]})["ticket"]
    assert (first["number"], second["number"]) == ("A001", "A002")
    assert second["id"].startswith("20261123-")
    day = hub.hub.worker.run_in_worker(lambda e: e.state.day)
    assert day == "2026-11-23"


@pytest.mark.parametrize("jump", [-24 * HOUR, 24 * HOUR])
def test_request_deadlines_use_the_monotonic_clock(monkeypatch, jump: float) -> None:
    """A wall-clock step neither expires an offline press early nor keeps it forever."""
    settings = BusSettings(host="127.0.0.1", port=9, username="", password="", site="office",
                           device="kiosk-x", role="kiosk")
    client = BusClient(settings)  # never started: it stays offline
    client._timer = None
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + jump)
    future = client.request("ticket.issue", {"services": ["A"]}, send_deadline_s=0.3)
    t = threading.Thread(target=client._expire_loop, daemon=True)
    t.start()
    with pytest.raises(RequestError) as err:
        future.result(5)
    assert err.value.code == "offline"
    client._stopping.set()
    t.join(2)
