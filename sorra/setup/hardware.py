"""Hardware tests of the setup menu: test print, live GPIO, serial display, audio.

The shared package imports no device app. Each role registers the tests that
need its own adapters (:func:`register_test`, from its ``selftest`` module:
``kiosk.selftest`` the test print, ``counter_terminal.selftest`` the LED
display, ``display.selftest`` the sample call); :func:`run_test` finds them,
importing that module by name when the app has not (``sorra setup`` over
SSH), like the ``sorra`` command finds a role's CLI. When the package is not
installed on this device, the test says so instead of failing obscurely.
gpiozero is used directly (it is a dependency of every device), with the pin
factory from ``[gpio].pin_factory``.
"""

from __future__ import annotations

import importlib
import logging
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sorra.config import DeviceConfig

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Result:
    ok: bool
    message: str

    def __str__(self) -> str:
        return ("OK: " if self.ok else "FAILED: ") + self.message


def _missing(what: str, package: str, err: Exception) -> Result:
    return Result(False, f"{what} needs the '{package}' package, which is not installed on this device ({err})")


# ---- the roles' own tests: a registry each role fills -----------------------------------------

SelfTest = Callable[..., Result]
"""``test(config, **options) -> Result``: one piece of hardware, through the role's own adapter."""

PROVIDERS: dict[str, tuple[str, str]] = {
    "printer": ("The test print", "kiosk"),
    "serial": ("The LED display test", "counter_terminal"),
    "audio": ("The audio test", "display"),
}
"""Test name → (what it is called, the role package that registers it in its ``selftest`` module)."""

_TESTS: dict[str, SelfTest] = {}


def register_test(name: str, test: SelfTest) -> None:
    """Called by a role package's ``selftest`` module when it is imported (the app imports it at start)."""
    _TESTS[name] = test


def _find_test(name: str) -> SelfTest | Result:
    """The registered test, or the role package's, imported by name the way ``sorra <role>`` is (over SSH,
    ``sorra setup`` runs without the app)."""
    if name in _TESTS:
        return _TESTS[name]
    what, package = PROVIDERS[name]
    try:
        importlib.import_module(f"{package}.selftest")
    except ImportError as err:
        return _missing(what, package, err)
    return _TESTS.get(name) or Result(False, f"{what}: the '{package}' package registers no test")


def run_test(name: str, config: DeviceConfig, **options: Any) -> Result:
    """Run the hardware test ``name`` (``printer``, ``serial``, ``audio``)."""
    test = _find_test(name)
    if isinstance(test, Result):
        if name == "audio":  # without the display package: espeak-ng and aplay, if they are there
            return _espeak_audio_test(config, options.get("timeout_s", 20.0))
        return test
    return test(config, **options)


# ---- GPIO ----------------------------------------------------------------------------------


def pin_factory(name: str) -> Any:
    """gpiozero pin factory for ``[gpio].pin_factory`` (None: let gpiozero choose)."""
    if name == "auto":
        return None
    if name == "mock":
        from gpiozero.pins.mock import MockFactory

        return MockFactory()
    if name == "lgpio":
        from gpiozero.pins.lgpio import LGPIOFactory

        return LGPIOFactory()
    if name == "rpigpio":
        from gpiozero.pins.rpigpio import RPiGPIOFactory

        return RPiGPIOFactory()
    raise ValueError(f"unknown gpio.pin_factory {name!r}")


def gpio_map(config: DeviceConfig) -> tuple[dict[str, int], dict[str, int]]:
    """(inputs, outputs): button name → BCM pin, LED/buzzer name → BCM pin (unset pins left out)."""
    inputs: dict[str, int] = {}
    outputs: dict[str, int] = {}
    for name in type(config.gpio).model_fields:
        if name == "pin_factory":
            continue
        pin = getattr(config.gpio, name)
        if pin is None:
            continue
        (outputs if name.startswith("led_") or name == "buzzer" else inputs)[name] = pin
    return inputs, outputs


class GpioTest:
    """Live test: every configured button reports presses, every LED/buzzer can be switched.

    ``on_event(name, pressed)`` is called from gpiozero's thread. Buttons are
    wired to ground with the internal pull-up (as the counter terminal uses them).
    """

    def __init__(self, config: DeviceConfig, on_event: Callable[[str, bool], None], factory: Any = None) -> None:
        from gpiozero import DigitalInputDevice, DigitalOutputDevice

        self.inputs, self.outputs = gpio_map(config)
        pins = list(self.inputs.values()) + list(self.outputs.values())
        dup = sorted({p for p in pins if pins.count(p) > 1})
        if dup:
            raise ValueError(f"GPIO pin(s) {dup} are used twice in [gpio]")
        self.factory = factory if factory is not None else pin_factory(config.gpio.pin_factory)
        self._devices: list[Any] = []
        self._out: dict[str, Any] = {}
        self.state: dict[str, bool] = {}
        self._lock = threading.Lock()
        try:
            for name, pin in self.inputs.items():
                dev = DigitalInputDevice(pin, pull_up=True, bounce_time=None, pin_factory=self.factory)
                dev.when_activated = self._handler(name, True, on_event)
                dev.when_deactivated = self._handler(name, False, on_event)
                self._devices.append(dev)
                self.state[name] = bool(dev.value)
            for name, pin in self.outputs.items():
                dev = DigitalOutputDevice(pin, pin_factory=self.factory)
                self._devices.append(dev)
                self._out[name] = dev
                self.state[name] = False
        except Exception:
            self.close()
            raise

    def _handler(self, name: str, pressed: bool, on_event: Callable[[str, bool], None]) -> Callable[[], None]:
        def handler() -> None:
            with self._lock:
                self.state[name] = pressed
            on_event(name, pressed)

        return handler

    def set_output(self, name: str, on: bool) -> None:
        dev = self._out[name]
        if on:
            dev.on()
        else:
            dev.off()
        with self._lock:
            self.state[name] = on

    def close(self) -> None:
        for dev in self._devices:
            try:
                dev.close()
            except Exception:  # closing must not raise in a finally
                log.debug("closing a GPIO device failed", exc_info=True)
        self._devices.clear()
        self._out.clear()


def open_gpio_test(config: DeviceConfig, on_event: Callable[[str, bool], None],
                   factory: Any = None) -> GpioTest | Result:
    """A running :class:`GpioTest`, or a Result saying why GPIO cannot be used here."""
    try:
        return GpioTest(config, on_event, factory)
    except ImportError as err:
        return Result(False, f"gpio.pin_factory = {config.gpio.pin_factory!r} cannot be used here: {err}")
    except Exception as err:  # BadPinFactory (not a Pi), pin in use, duplicate pins
        hint = " (set gpio.pin_factory = \"mock\" to try the menu without hardware)" \
            if "factory" in type(err).__name__.lower() or "factory" in str(err).lower() else ""
        return Result(False, f"GPIO: {err}{hint}")


# ---- audio without the display package ------------------------------------------------------------


def _espeak_audio_test(config: DeviceConfig, timeout_s: float) -> Result:
    espeak = shutil.which("espeak-ng")
    aplay = shutil.which("aplay")
    if espeak is None or aplay is None:
        return Result(False, "the audio test needs the display package, or espeak-ng and aplay (apt install "
                             "espeak-ng alsa-utils)")
    text = "Az A egy sorszámot várjuk." if config.device.lang == "hu" else "Ticket A one, please."
    voice = config.audio.espeak_voice_hu if config.device.lang == "hu" else config.audio.espeak_voice_en
    with tempfile.TemporaryDirectory(prefix="sorra-audio-test-") as tmp:
        wav = Path(tmp) / "test.wav"
        try:
            subprocess.run([espeak, "-v", voice, "-w", str(wav), text], check=True, timeout=timeout_s,
                           capture_output=True)
            subprocess.run([aplay, "-q", str(wav)], check=True, timeout=timeout_s, capture_output=True)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as err:
            stderr = getattr(err, "stderr", b"") or b""
            return Result(False, f"audio: {err} {stderr.decode(errors='replace').strip()}")
    return Result(True, "played a sample sentence with espeak-ng and aplay")
