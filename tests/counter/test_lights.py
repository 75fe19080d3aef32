"""Status LEDs and buzzer through gpiozero's MockFactory."""

from __future__ import annotations

import pytest
from gpiozero.pins.mock import MockFactory

from counter_terminal.hardware import GpioLights


@pytest.fixture
def factory():
    f = MockFactory()
    yield f
    f.reset()


def test_modes_drive_the_pins(factory):
    lights = GpioLights({"ready": 5, "serving": 6, "paused": 13, "offline": 19}, buzzer=26, pin_factory=factory)
    try:
        lights.show({"ready": "on", "serving": "off", "paused": "off", "offline": "off"})
        assert factory.pin(5).state and not factory.pin(6).state
        lights.show({"ready": "off", "serving": "on"})
        assert not factory.pin(5).state and factory.pin(6).state
        lights.show({"offline": "blink_fast"})
        assert lights.modes["offline"] == "blink_fast"
        lights.show({"offline": "off"})
        assert not factory.pin(19).state
        lights.beep("refused")
        assert lights.beeps == ["refused"]
    finally:
        lights.close()


def test_missing_leds_are_skipped(factory):
    lights = GpioLights({"ready": 5}, pin_factory=factory)
    try:
        lights.show({"ready": "on", "offline": "on"})
        lights.beep("ack")  # no buzzer: remembered, nothing driven
        assert factory.pin(5).state and lights.modes["offline"] == "on"
    finally:
        lights.close()


def test_unknown_led_is_refused(factory):
    with pytest.raises(ValueError):
        GpioLights({"busy": 5}, pin_factory=factory)
