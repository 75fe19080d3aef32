"""The counter terminal's hardware test for the setup menu: the LED display (registered in
:mod:`sorra.setup.hardware`; the buttons and LEDs are the shared GPIO test)."""

from __future__ import annotations

from counter_terminal.hardware import build_display
from sorra.config import DeviceConfig
from sorra.setup.hardware import Result, register_test


def serial_test(config: DeviceConfig, text: str | None = None) -> Result:
    """Show "88888888" (every segment) then ``text`` (default: the counter number) on the LED display."""
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


register_test("serial", serial_test)
