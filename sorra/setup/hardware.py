"""Hardware tests of the setup menu: test print, live GPIO, serial display, audio.

Each test reaches the hardware through the role package's own adapter,
imported only when the test runs (a display has no printer code). When the
adapter is not installed on this device, the test says so instead of failing
obscurely. gpiozero is used directly (it is a dependency of every device),
with the pin factory from ``[gpio].pin_factory``.
"""

from __future__ import annotations

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


# ---- printer -------------------------------------------------------------------------------


def printer_test(config: DeviceConfig) -> Result:
    """Print the sample ticket with the code page check, then read the printer's status."""
    try:
        from kiosk.printing import TicketRenderer, load_template, open_device, sample_ticket
    except ImportError as err:
        return _missing("The test print", "kiosk", err)
    p = config.printer
    try:
        renderer = TicketRenderer(load_template(p.template or None), profile=p.profile or None,
                                  text_mode=p.text_mode, codepage=p.codepage, qr=p.qr, width_px=p.width_px,
                                  logo=p.logo, cut=p.cut)
        data = renderer.render(sample_ticket(config.device.lang), diagnostics=True)
        device = open_device(p)
    except Exception as err:  # bad template, unknown profile, missing host
        return Result(False, f"printer set-up: {err}")
    try:
        with device.session():
            device.send(data)
            status = device.read_status()
    except Exception as err:
        return Result(False, f"{getattr(device, 'name', p.type)}: {err}")
    finally:
        device.close()
    detail = status.detail or status.state.value
    return Result(status.can_print, f"test ticket sent to {device.name} ({len(data)} bytes); printer: {detail}")


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


# ---- serial number display -------------------------------------------------------------------------


def serial_test(config: DeviceConfig, text: str | None = None) -> Result:
    """Show "88888888" (every segment) then ``text`` (default: the counter number) on the LED display."""
    try:
        from counter_terminal.hardware import build_display
    except ImportError as err:
        return _missing("The LED display test", "counter_terminal", err)
    sd = config.serial_display
    if sd.model == "none":
        return Result(False, 'no LED display configured (serial_display.model = "none")')
    try:
        display = build_display(config)
        if display is None:
            return Result(False, "no LED display configured")
        try:
            display.show("8" * sd.width)
            final = text if text is not None else (str(config.counter.number) if config.counter.number else "TEST")
            display.show(final)
            healthy = getattr(display, "healthy", True)  # the adapter logs and flags, never raises
        finally:
            display.close()
    except Exception as err:
        return Result(False, f"LED display on {sd.port}: {err}")
    if not healthy:
        return Result(False, f"the LED display on {sd.port} cannot be written (see the log for why)")
    return Result(True, f"sent {'8' * sd.width!r} then {final!r} to the {sd.model} display on {sd.port}")


# ---- audio -------------------------------------------------------------------------------------------


def audio_test(config: DeviceConfig, timeout_s: float = 20.0) -> Result:
    """Announce a sample call through the display's audio chain (or espeak-ng + aplay)."""
    try:
        from display.announcement import build
        from display.audio import announcer_from_config
    except ImportError:
        return _espeak_audio_test(config, timeout_s)
    audio = config.audio
    if audio.mode == "silent":
        return Result(False, 'audio.mode is "silent": nothing would be heard')
    try:
        announcer = announcer_from_config(audio).start()
    except Exception as err:
        return Result(False, f"audio: {err}")
    try:
        lang = "en" if audio.lang == "en" else "hu"
        if not announcer.announce(build("A001", config.counter.number or 1, lang=lang)):
            return Result(False, "the announcement was not queued")
        if not announcer.wait_idle(timeout_s):
            return Result(False, f"the sample call did not finish playing within {timeout_s:.0f} s")
    except Exception as err:
        return Result(False, f"audio: {err}")
    finally:
        announcer.stop()
    player = getattr(announcer.player, "name", type(announcer.player).__name__)
    return Result(True, f"played a sample call (mode {audio.mode}, player {player}, volume {audio.volume})")


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
