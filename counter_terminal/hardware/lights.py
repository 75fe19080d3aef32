"""Status LEDs (ready / serving / paused / offline) and the optional buzzer.

The controller decides *what* each LED shows as a :data:`LedMode`; this
adapter only turns modes into gpiozero ``LED``/``Buzzer`` calls, and only when
a mode changes (blinking runs in gpiozero's own background thread).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from typing import Any, Literal, Protocol

log = logging.getLogger(__name__)

LEDS = ("ready", "serving", "paused", "offline")

LedMode = Literal["off", "on", "blink", "blink_fast", "heartbeat"]
BeepPattern = Literal["ack", "busy", "refused", "alert", "call"]

# (on_time, off_time) for gpiozero's LED.blink
BLINK_TIMES: dict[str, tuple[float, float]] = {
    "blink": (0.5, 0.5),
    "blink_fast": (0.1, 0.1),
    "heartbeat": (0.15, 1.85),
}

# (on_time, off_time, n) for gpiozero's Buzzer.beep
BEEPS: dict[str, tuple[float, float, int]] = {
    "ack": (0.03, 0.03, 1),  # a press was taken
    "busy": (0.06, 0.08, 2),  # a press was ignored: the previous one is still on its way
    "refused": (0.6, 0.2, 1),  # a press could not be delivered: nothing was done
    "alert": (0.15, 0.15, 3),  # an alert from the hub
    "call": (0.1, 0.1, 1),  # a customer was called to this counter
}


class StatusLights(Protocol):
    def show(self, modes: Mapping[str, LedMode]) -> None: ...

    def beep(self, pattern: BeepPattern) -> None: ...

    def close(self) -> None: ...


class NoLights:
    """No LEDs or buzzer fitted; remembers what it was asked (handy in tests)."""

    def __init__(self) -> None:
        self.modes: dict[str, LedMode] = {name: "off" for name in LEDS}
        self.beeps: list[str] = []

    def show(self, modes: Mapping[str, LedMode]) -> None:
        self.modes.update(modes)

    def beep(self, pattern: BeepPattern) -> None:
        self.beeps.append(pattern)

    def close(self) -> None:
        pass


class GpioLights:
    """LEDs and a buzzer on GPIO pins (active high) through gpiozero."""

    def __init__(
        self,
        leds: Mapping[str, int],
        buzzer: int | None = None,
        *,
        pin_factory: Any = None,
    ) -> None:
        from gpiozero import LED, Buzzer  # only this adapter knows gpiozero

        unknown = set(leds) - set(LEDS)
        if unknown:
            raise ValueError(f"unknown LEDs: {sorted(unknown)}")
        self._lock = threading.Lock()
        self._leds = {name: LED(pin, pin_factory=pin_factory) for name, pin in leds.items()}
        self._buzzer = Buzzer(buzzer, pin_factory=pin_factory) if buzzer is not None else None
        self.modes: dict[str, LedMode] = {name: "off" for name in LEDS}
        self.beeps: list[str] = []

    def show(self, modes: Mapping[str, LedMode]) -> None:
        with self._lock:
            for name, mode in modes.items():
                if self.modes.get(name) == mode:
                    continue
                self.modes[name] = mode
                led = self._leds.get(name)
                if led is None:
                    continue
                if mode == "on":
                    led.on()
                elif mode == "off":
                    led.off()
                else:
                    on_time, off_time = BLINK_TIMES[mode]
                    led.blink(on_time=on_time, off_time=off_time, background=True)

    def beep(self, pattern: BeepPattern) -> None:
        self.beeps.append(pattern)
        del self.beeps[:-20]
        if self._buzzer is None:
            return
        on_time, off_time, n = BEEPS[pattern]
        self._buzzer.beep(on_time=on_time, off_time=off_time, n=n, background=True)

    def close(self) -> None:
        with self._lock:
            for led in self._leds.values():
                led.close()
            self._leds.clear()
            if self._buzzer is not None:
                self._buzzer.close()
                self._buzzer = None
