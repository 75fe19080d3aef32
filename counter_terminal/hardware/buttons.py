"""Physical buttons: debounce and hold detection in our own code, time injected.

gpiozero's mock pins ignore ``bounce_time`` and its hold thread runs on real
time, so neither can be tested. Instead every raw edge from gpiozero goes into
a :class:`Debouncer` (pure logic: levels and timestamps in, events out), and
a small timer thread calls :meth:`GpioButtons.poll` when a lockout ends or a
hold time is reached. Tests drive the pins of a ``MockFactory`` and call
``poll`` with a fake clock, so nothing sleeps.

Debounce scheme ("lockout + re-read"): the first edge after a quiet period is
accepted at once (no added latency for a call), then edges are ignored for
``debounce_s``; when the lockout ends the level is read again, so a press
shorter than the lockout still ends in the right state.

Buttons with a hold action report ``press`` on release (if released before
``hold_s``) or ``hold`` once ``hold_s`` is reached; buttons without one report
``press`` as soon as they go down.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol

log = logging.getLogger(__name__)

BUTTONS = (
    "next",
    "recall",
    "done",
    "no_show",
    "transfer",
    "feedback_good",
    "feedback_neutral",
    "feedback_bad",
)

Clock = Callable[[], float]


@dataclass(frozen=True)
class ButtonEvent:
    button: str
    kind: Literal["press", "hold"]
    at: float


class Debouncer:
    """One button's debounce and hold state machine (no I/O, no threads)."""

    def __init__(self, name: str, debounce_s: float, hold_s: float | None = None) -> None:
        self.name = name
        self.debounce_s = debounce_s
        self.hold_s = hold_s
        self.pressed = False
        """The accepted (debounced) level."""
        self._lock_until = float("-inf")
        self._pressed_at = 0.0
        self._held = False

    def edge(self, raw_pressed: bool, now: float) -> list[ButtonEvent]:
        """A raw edge from the pin; inside the lockout it is ignored (re-read later)."""
        if now < self._lock_until:
            return []
        return self._accept(raw_pressed, now)

    def poll(self, raw_pressed: bool, now: float) -> list[ButtonEvent]:
        """Re-read the level after a lockout and fire a due hold."""
        events: list[ButtonEvent] = []
        if now >= self._lock_until and raw_pressed != self.pressed:
            events += self._accept(raw_pressed, now)
        if self._hold_due(now):
            self._held = True
            events.append(ButtonEvent(self.name, "hold", now))
        return events

    def next_deadline(self) -> float | None:
        """When :meth:`poll` must run next (``None``: only an edge can change anything)."""
        times = []
        if self._lock_until != float("-inf"):
            times.append(self._lock_until)
        if self.pressed and self.hold_s is not None and not self._held:
            times.append(self._pressed_at + self.hold_s)
        return min(times) if times else None

    def _hold_due(self, now: float) -> bool:
        return (
            self.pressed
            and self.hold_s is not None
            and not self._held
            and now - self._pressed_at >= self.hold_s
        )

    def _accept(self, raw_pressed: bool, now: float) -> list[ButtonEvent]:
        if raw_pressed == self.pressed:
            return []
        self.pressed = raw_pressed
        self._lock_until = now + self.debounce_s
        if raw_pressed:
            self._pressed_at = now
            self._held = False
            if self.hold_s is None:
                return [ButtonEvent(self.name, "press", now)]
            return []
        if self.hold_s is not None and not self._held:
            if now - self._pressed_at >= self.hold_s:  # poll came late: still a hold
                self._held = True
                return [ButtonEvent(self.name, "hold", now)]
            return [ButtonEvent(self.name, "press", now)]
        return []

    def settle(self, now: float) -> None:
        """Forget an expired lockout (keeps :meth:`next_deadline` from reporting the past)."""
        if now >= self._lock_until:
            self._lock_until = float("-inf")


class ButtonInput(Protocol):
    """What the controller needs from a set of buttons."""

    def start(self, on_event: Callable[[ButtonEvent], None]) -> None: ...

    def close(self) -> None: ...


class NoButtons:
    """No physical buttons (a screen-only terminal)."""

    def start(self, on_event: Callable[[ButtonEvent], None]) -> None:
        pass

    def close(self) -> None:
        pass


class GpioButtons:
    """Buttons on GPIO pins through gpiozero (wired to ground, internal pull-up).

    ``pins`` maps a button name (see :data:`BUTTONS`) to a BCM pin number.
    ``hold_buttons`` names the buttons that have a hold action. With
    ``run_thread=False`` nothing runs in the background and the owner calls
    :meth:`poll` (tests, with an injected ``clock``).
    """

    def __init__(
        self,
        pins: Mapping[str, int],
        *,
        pin_factory: Any = None,
        debounce_s: float = 0.05,
        hold_s: float = 1.5,
        hold_buttons: Iterable[str] = (),
        clock: Clock = time.monotonic,
        run_thread: bool = True,
    ) -> None:
        # DigitalInputDevice rather than Button: Button's own hold thread runs on
        # real time and is replaced here by the Debouncer.
        from gpiozero import DigitalInputDevice  # only this adapter knows gpiozero

        unknown = set(pins) - set(BUTTONS)
        if unknown:
            raise ValueError(f"unknown buttons: {sorted(unknown)}")
        holds = set(hold_buttons)
        self._clock = clock
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._on_event: Callable[[ButtonEvent], None] | None = None
        self._run_thread = run_thread
        self._thread: threading.Thread | None = None
        self._debouncers: dict[str, Debouncer] = {}
        self._buttons: dict[str, Any] = {}
        for name, pin in pins.items():
            button = DigitalInputDevice(
                pin, pull_up=True, bounce_time=None, pin_factory=pin_factory
            )
            self._buttons[name] = button
            self._debouncers[name] = Debouncer(name, debounce_s, hold_s if name in holds else None)
            button.when_activated = self._edge_handler(name, True)
            button.when_deactivated = self._edge_handler(name, False)

    def _edge_handler(self, name: str, pressed: bool) -> Callable[[], None]:
        def handler() -> None:
            with self._lock:
                events = self._debouncers[name].edge(pressed, self._clock())
            self._emit(events)
            self._wake.set()

        return handler

    def start(self, on_event: Callable[[ButtonEvent], None]) -> None:
        self._on_event = on_event
        if self._run_thread and self._thread is None:
            self._thread = threading.Thread(target=self._run, name="buttons", daemon=True)
            self._thread.start()

    def poll(self) -> None:
        """Re-read levels after lockouts and fire due holds (the timer thread calls this)."""
        now = self._clock()
        events: list[ButtonEvent] = []
        with self._lock:
            for name, deb in self._debouncers.items():
                events += deb.poll(bool(self._buttons[name].is_active), now)
                deb.settle(now)
        self._emit(events)

    def next_deadline(self) -> float | None:
        with self._lock:
            times = [t for d in self._debouncers.values() if (t := d.next_deadline()) is not None]
        return min(times) if times else None

    def _run(self) -> None:
        while not self._stop.is_set():
            deadline = self.next_deadline()
            timeout = None if deadline is None else max(0.0, deadline - self._clock())
            self._wake.wait(timeout)
            self._wake.clear()
            if self._stop.is_set():
                break
            self.poll()

    def _emit(self, events: list[ButtonEvent]) -> None:
        if not events or self._on_event is None:
            return
        for ev in events:
            try:
                self._on_event(ev)
            except Exception:  # a handler's bug must not kill the pin callback thread
                log.exception("button handler failed for %s", ev)

    def close(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._thread = None
        for button in self._buttons.values():
            button.close()
        self._buttons.clear()
