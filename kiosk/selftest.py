"""The kiosk's hardware test for the setup menu: the test print (registered in :mod:`sorra.setup.hardware`)."""

from __future__ import annotations

from kiosk.printing import open_device, prepare_escpos, renderer_for, sample_ticket
from sorra.config import DeviceConfig
from sorra.setup.hardware import Result, register_test


def printer_test(config: DeviceConfig) -> Result:
    """Print the sample ticket with the code page check, then read the printer's status."""
    p = config.printer
    try:
        prepare_escpos()
        renderer = renderer_for(p)
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


register_test("printer", printer_test)
