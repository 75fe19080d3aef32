"""Debounce and hold, on the pure state machine and through gpiozero's MockFactory."""

from __future__ import annotations

import pytest
from gpiozero.pins.mock import MockFactory

from counter_terminal.hardware import Debouncer, GpioButtons
from tests.counter.rig import Clock


def kinds(events):
    return [(e.button, e.kind) for e in events]


# ---- the pure state machine ------------------------------------------------

def test_press_without_hold_fires_on_the_first_edge():
    d = Debouncer("recall", debounce_s=0.05)
    assert kinds(d.edge(True, 0.0)) == [("recall", "press")]
    assert d.edge(False, 0.2) == []


def test_bounces_inside_the_lockout_are_ignored():
    d = Debouncer("recall", debounce_s=0.05)
    events = d.edge(True, 0.0)
    for i, level in enumerate([False, True, False, True]):  # contact bounce
        events += d.edge(level, 0.001 * (i + 1))
    assert kinds(events) == [("recall", "press")]
    # the lockout ends with the button still down: nothing new
    assert d.poll(True, 0.06) == []
    assert d.edge(False, 0.3) == [] and not d.pressed
    # release bounce
    assert d.edge(True, 0.301) == []
    assert d.poll(False, 0.36) == []
    # a real second press
    assert kinds(d.edge(True, 0.5)) == [("recall", "press")]


def test_a_release_inside_the_lockout_is_found_by_the_re_read():
    d = Debouncer("recall", debounce_s=0.05)
    d.edge(True, 0.0)
    assert d.edge(False, 0.02) == []  # a 20 ms tap: the release falls in the lockout
    assert d.pressed
    assert d.next_deadline() == pytest.approx(0.05)
    d.poll(False, 0.05)
    assert not d.pressed
    assert kinds(d.edge(True, 0.2)) == [("recall", "press")]  # the next press counts


def test_tap_of_a_hold_button_fires_on_release():
    d = Debouncer("next", debounce_s=0.05, hold_s=1.5)
    assert d.edge(True, 0.0) == []
    assert d.poll(True, 1.0) == []
    assert kinds(d.edge(False, 1.2)) == [("next", "press")]


def test_hold_fires_once_while_held_and_release_adds_nothing():
    d = Debouncer("next", debounce_s=0.05, hold_s=1.5)
    d.edge(True, 0.0)
    assert d.next_deadline() == pytest.approx(0.05)
    d.settle(0.1)
    assert d.next_deadline() == pytest.approx(1.5)
    assert kinds(d.poll(True, 1.5)) == [("next", "hold")]
    assert d.poll(True, 3.0) == []
    assert d.edge(False, 4.0) == []


def test_a_late_poll_still_reports_a_hold_on_release():
    d = Debouncer("next", debounce_s=0.05, hold_s=1.5)
    d.edge(True, 0.0)
    assert kinds(d.edge(False, 2.0)) == [("next", "hold")]


# ---- through gpiozero ------------------------------------------------------

@pytest.fixture
def factory():
    f = MockFactory()
    yield f
    f.reset()


@pytest.fixture
def clock():
    return Clock(1000.0)


@pytest.fixture
def buttons(factory, clock):
    events = []
    b = GpioButtons(
        {"next": 17, "recall": 27, "done": 22},
        pin_factory=factory,
        debounce_s=0.05,
        hold_s=1.5,
        hold_buttons={"next"},
        clock=clock,
        run_thread=False,
    )
    b.start(events.append)
    b.events = events
    yield b
    b.close()


def test_mock_pin_press_reaches_the_handler(factory, buttons, clock):
    pin = factory.pin(27)
    pin.drive_low()
    assert kinds(buttons.events) == [("recall", "press")]
    clock.advance(0.2)
    pin.drive_high()
    assert kinds(buttons.events) == [("recall", "press")]


def test_mock_pin_bounce_is_one_press(factory, buttons, clock):
    pin = factory.pin(22)
    for _ in range(5):  # a bouncing contact: 5 closures within 4 ms
        pin.drive_low()
        clock.advance(0.0005)
        pin.drive_high()
        clock.advance(0.0003)
    pin.drive_low()  # settles pressed
    clock.advance(0.1)
    buttons.poll()
    clock.advance(0.2)
    pin.drive_high()
    clock.advance(0.1)
    buttons.poll()
    assert kinds(buttons.events) == [("done", "press")]


def test_mock_pin_short_tap_then_second_press(factory, buttons, clock):
    pin = factory.pin(22)
    pin.drive_low()
    clock.advance(0.01)
    pin.drive_high()  # released inside the lockout
    clock.advance(0.05)
    buttons.poll()  # the timer thread would do this at the deadline
    clock.advance(0.1)
    pin.drive_low()
    assert kinds(buttons.events) == [("done", "press"), ("done", "press")]


def test_mock_pin_long_press_is_a_hold(factory, buttons, clock):
    pin = factory.pin(17)
    pin.drive_low()
    clock.advance(0.06)
    buttons.poll()
    assert buttons.events == []
    clock.advance(1.5)
    assert buttons.next_deadline() <= clock()
    buttons.poll()
    assert kinds(buttons.events) == [("next", "hold")]
    clock.advance(1.0)
    pin.drive_high()
    buttons.poll()
    assert kinds(buttons.events) == [("next", "hold")]


def test_mock_pin_tap_of_hold_button_is_a_press(factory, buttons, clock):
    pin = factory.pin(17)
    pin.drive_low()
    clock.advance(0.3)
    buttons.poll()
    pin.drive_high()
    assert kinds(buttons.events) == [("next", "press")]


def test_timer_thread_fires_the_hold_on_real_time(factory):
    """The background thread (real clock) wakes at the hold deadline by itself."""
    import threading

    got = threading.Event()
    b = GpioButtons(
        {"next": 17}, pin_factory=factory, debounce_s=0.01, hold_s=0.3, hold_buttons={"next"}
    )
    b.start(lambda ev: got.set() if ev.kind == "hold" else None)
    try:
        factory.pin(17).drive_low()
        assert got.wait(3)
    finally:
        b.close()


def test_unknown_button_name_is_refused(factory):
    with pytest.raises(ValueError):
        GpioButtons({"nxt": 17}, pin_factory=factory)
