"""Hardware adapters of the counter terminal: buttons, status lights, number display.

gpiozero and pyserial are imported only inside these modules. Each adapter
has a small interface (:class:`ButtonInput`, :class:`StatusLights`,
:class:`NumberDisplay`), a real implementation and a stand-in chosen by
configuration (``gpio.pin_factory = "mock"``, ``serial_display.model = "dummy"``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from counter_terminal.hardware.buttons import (
    BUTTONS,
    ButtonEvent,
    ButtonInput,
    Debouncer,
    GpioButtons,
    NoButtons,
)
from counter_terminal.hardware.lights import LEDS, GpioLights, NoLights, StatusLights
from counter_terminal.hardware.number_display import (
    MODELS,
    DummyDisplay,
    FramedDisplay,
    NumberDisplay,
    SerialDisplay,
    TextLineDisplay,
)
from sorra.config import DeviceConfig

__all__ = [
    "BUTTONS",
    "LEDS",
    "MODELS",
    "ButtonEvent",
    "ButtonInput",
    "Debouncer",
    "DummyDisplay",
    "FramedDisplay",
    "GpioButtons",
    "GpioLights",
    "HardwareError",
    "NoButtons",
    "NoLights",
    "NumberDisplay",
    "SerialDisplay",
    "StatusLights",
    "TextLineDisplay",
    "build_buttons",
    "build_display",
    "build_lights",
    "make_pin_factory",
]

log = logging.getLogger(__name__)


class HardwareError(RuntimeError):
    """The configured hardware cannot be used (the message says what and why)."""


def make_pin_factory(name: str) -> Any:
    """gpiozero pin factory for ``gpio.pin_factory`` ("auto" lets gpiozero choose)."""
    if name == "auto":
        return None
    if name == "mock":
        from gpiozero.pins.mock import MockFactory

        return MockFactory()
    try:
        if name == "lgpio":
            from gpiozero.pins.lgpio import LGPIOFactory

            return LGPIOFactory()
        if name == "rpigpio":
            from gpiozero.pins.rpigpio import RPiGPIOFactory

            return RPiGPIOFactory()
    except Exception as err:  # ImportError, or no GPIO chip on this machine
        raise HardwareError(f"gpio.pin_factory = {name!r} cannot be used here: {err}") from err
    raise HardwareError(f"unknown gpio.pin_factory {name!r}")


def _pins(config: DeviceConfig, names: Iterable[str], prefix: str = "") -> dict[str, int]:
    gpio = config.gpio
    out = {}
    for name in names:
        pin = getattr(gpio, prefix + name)
        if pin is not None:
            out[name] = pin
    return out


def build_buttons(
    config: DeviceConfig, factory: Any, hold_buttons: Iterable[str], **kwargs: Any
) -> ButtonInput:
    pins = _pins(config, BUTTONS)
    if not pins:
        return NoButtons()
    try:
        return GpioButtons(
            pins,
            pin_factory=factory,
            debounce_s=config.counter.debounce_s,
            hold_s=config.counter.hold_s,
            hold_buttons=hold_buttons,
            **kwargs,
        )
    except Exception as err:  # gpiozero: pin in use, no pin factory, …
        raise HardwareError(f"buttons: {err}") from err


def build_lights(config: DeviceConfig, factory: Any) -> StatusLights:
    leds = _pins(config, LEDS, prefix="led_")
    if not leds and config.gpio.buzzer is None:
        return NoLights()
    try:
        return GpioLights(leds, config.gpio.buzzer, pin_factory=factory)
    except Exception as err:
        raise HardwareError(f"LEDs/buzzer: {err}") from err


def build_display(config: DeviceConfig) -> NumberDisplay | None:
    sd = config.serial_display
    if sd.model == "none":
        return None
    cls = MODELS.get(sd.model)
    if cls is None:
        known = ", ".join(["none", *sorted(MODELS)])
        raise HardwareError(f"unknown serial_display.model {sd.model!r} (known: {known})")
    return cls(sd.port, sd.baud, width=sd.width, align=sd.align, address=sd.address)
