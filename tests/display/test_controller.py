"""The display controller without Qt: calls, dedupe, catch-up, queue, office, offline."""

from __future__ import annotations

from display.controller import MAX_CALLS, SEEN_KEYS, DisplayController
from sorra.config.display import AudioSection, DisplaySection
from tests.display.fakes import (
    FakeBus,
    RecordingAnnouncer,
    RecordingListener,
    call,
    queue_state,
    services_state,
)


class Clock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def make(display: DisplaySection | None = None, audio: AudioSection | None = None, now: float = 1000.0,
         lang: str = "hu"):
    bus, ann, lst, clock = FakeBus(), RecordingAnnouncer(), RecordingListener(), Clock(now)
    ctl = DisplayController(display, audio, lang=lang, announcer=ann, clock=clock)
    ctl.add_listener(lst)
    ctl.attach(bus)
    bus.connect(True)
    return ctl, bus, ann, lst, clock


def test_a_call_takes_the_screen_and_is_announced() -> None:
    ctl, bus, ann, lst, _ = make()
    bus.call(call("A042", 3, at=999.9))
    assert ctl.state.current.number == "A042" and ctl.state.current.counter == 3
    assert [c.number for c in lst.arrived] == ["A042"]
    assert ann.written == ["Az A 42-es sorszámot várjuk a 3-as ablakhoz."]


def test_a_call_in_event_and_state_is_shown_and_announced_once() -> None:
    ctl, bus, ann, lst, _ = make()
    c = call("A042", 3, at=999.0)
    bus.call(c)
    bus.put("calls", {"calls": [c], "at": 999.1})
    assert len(ann.said) == 1 and len(lst.arrived) == 1
    # the other order: state first (e.g. a second display that just connected), then the event
    c2 = call("B007", 5, at=999.5)
    bus.put("calls", {"calls": [c, c2], "at": 999.6})
    bus.call(c2)
    assert ann.written[-1] == "A B 7-es sorszámot várjuk az 5-ös ablakhoz." and len(ann.said) == 2
    assert ctl.state.current.number == "B007"
    assert [r.number for r in ctl.state.recent] == ["A042"]


def test_a_recall_is_announced_again_and_listed_once() -> None:
    ctl, bus, ann, lst, _ = make()
    bus.call(call("A042", 3, at=990.0))
    bus.call(call("A043", 4, at=995.0))
    bus.call(call("A042", 3, at=999.0, recall=True))
    assert ann.written[-1] == "Ismét várjuk az A 42-es sorszámot a 3-as ablakhoz."
    assert len(ann.said) == 3
    assert ctl.state.current.number == "A042" and ctl.state.current.recall
    assert [r.number for r in ctl.state.recent] == ["A043"]  # A042 not listed twice


def test_limited_to_some_counters_and_services() -> None:
    ctl, bus, ann, _, _ = make(DisplaySection(counters=[1, 2], services=["A", "B"]))
    bus.call(call("A001", 3, at=999.0))  # another floor's counter
    bus.call(call("C001", 1, at=999.0, services=["C"]))  # another service
    assert ctl.state.current is None and ann.said == []
    bus.call(call("A002", 2, at=999.5))
    assert ctl.state.current.number == "A002" and len(ann.said) == 1
    bus.put("services", services_state())
    bus.put("queue", queue_state())
    assert [r.service for r in ctl.state.queue] == ["A", "B"]


def test_old_calls_join_the_list_silently_a_fresh_missed_one_is_called_out() -> None:
    ctl, bus, ann, lst, clock = make(DisplaySection(catchup_announce_s=20), now=2000.0)
    old = [call(f"A{n:03d}", 1, at=1000.0 + n) for n in range(5)]
    bus.put("calls", {"calls": old, "at": 1500.0})  # retained, long ago
    assert ann.said == [] and lst.arrived == []
    assert ctl.state.current.number == "A004" and len(ctl.state.recent) == 4
    missed = call("B001", 2, at=1990.0)  # happened while the display was away, 10 s ago
    bus.put("calls", {"calls": [*old, missed], "at": 1990.0})
    assert [c.number for c in lst.arrived] == ["B001"] and len(ann.said) == 1
    queued = call("B000", 2, at=1500.0)  # an event the broker kept for us, 500 s old
    bus.call(queued)
    assert len(ann.said) == 1 and "B000" in [r.number for r in ctl.state.recent]


def test_live_calls_are_announced_even_if_the_display_clock_is_wrong() -> None:
    # display clock 10 minutes ahead of the hub's
    ctl, bus, ann, _, clock = make(now=1600.0)
    bus.put("queue", queue_state(at=999.9))  # a live state message teaches the offset
    bus.call(call("A001", 1, at=1000.0))
    assert len(ann.said) == 1
    # display clock 10 minutes behind: every call looks young
    ctl2, bus2, ann2, _, _ = make(now=400.0)
    bus2.call(call("A001", 1, at=1000.0))
    assert len(ann2.said) == 1


def test_a_new_day_clears_the_calls() -> None:
    ctl, bus, _, _, _ = make()
    bus.call(call("A042", 3, at=999.0))
    bus.put("calls", {"calls": [], "at": 1000.0})
    assert ctl.state.current is None and ctl.state.recent == []


def test_queue_rows_office_and_ticker() -> None:
    ctl, bus, _, lst, _ = make(lang="en")
    bus.put("services", services_state(message="Closing at 16:00 today", logo="http://h/logo.png"))
    bus.put("queue", queue_state())
    assert ctl.state.office_name == "Government Window Budapest XI"
    assert ctl.state.logo_url == "http://h/logo.png"
    rows = [(r.name, r.waiting, r.est_wait_s, r.open) for r in ctl.state.queue]
    assert rows == [("Documents", 12, 1260, True), ("Vehicles", 3, 420, True), ("Cashier", 0, 0, False)]
    assert ctl.state.waiting_total == 15
    bus.put("playlist", {"items": [], "ticker": ["Free wifi: sorra-guest"], "version": "1", "at": 1.0})
    assert ctl.state.ticker == ["Closing at 16:00 today", "Free wifi: sorra-guest"]
    assert {"queue", "office", "playlist"} <= set().union(*lst.states)


def test_offline_mark_follows_broker_and_hub() -> None:
    ctl, bus, _, lst, _ = make()
    assert ctl.state.online
    bus.call(call("A042", 3, at=999.0))
    bus.hub_status(False)
    assert not ctl.state.online and ctl.state.current.number == "A042"  # last state kept
    bus.hub_status(True)
    assert ctl.state.online
    bus.connect(False)
    assert not ctl.state.online
    bus.connect(True)
    assert ctl.state.online
    assert [c for c in lst.states if "online" in c]


def test_announcement_language() -> None:
    ctl, bus, ann, _, _ = make()
    bus.call(call("A042", 3, at=999.0, lang="en"))
    assert ann.written[-1] == "Ticket A 42, please go to counter 3."
    ctl2, bus2, ann2, _, _ = make(audio=AudioSection(lang="hu", counter_word_hu="pult"))
    bus2.call(call("A042", 3, at=999.0, lang="en"))
    assert ann2.written[-1] == "Az A 42-es sorszámot várjuk a 3-as pulthoz."
    ctl3, bus3, ann3, lst3, _ = make(audio=AudioSection(mode="silent"))
    bus3.call(call("A042", 3, at=999.0))
    assert ann3.said == [] and len(lst3.arrived) == 1  # silent: still shown


def test_malformed_messages_are_ignored() -> None:
    ctl, bus, ann, _, _ = make()
    bus.call({"number": "A1"})  # no ticket, counter, at
    bus.put("queue", {"services": "nonsense"})
    assert ctl.state.current is None and ann.said == []


def test_memory_is_bounded_over_many_calls() -> None:
    ctl, bus, ann, _, clock = make(DisplaySection(recent_calls=6))
    for i in range(SEEN_KEYS + 500):
        clock.now = 1000.0 + i
        bus.call(call(f"A{i % 1000:03d}", 1 + i % 9, at=clock.now, ticket=f"t{i}"))
    assert len(ctl._seen) == SEEN_KEYS
    assert len(ctl._calls) == MAX_CALLS
    assert len(ctl.state.recent) == 6


def test_the_office_time_zone_drives_the_clock() -> None:
    ctl, bus, _, _, _ = make()
    assert ctl.now().tzinfo is None  # the system's until the hub says
    bus.put("services", services_state(tz="America/New_York"))
    assert str(ctl.now().tzinfo) == "America/New_York"
    bus.put("services", services_state(tz="Nowhere/Nothing"))  # ignored, with a warning
    assert str(ctl.now().tzinfo) == "America/New_York"
