"""Telling the hub about the printer: the device status entry and hub alerts.

Every change of the printer's state updates the kiosk's retained device
status (``{"printer": {"state", "detail", "known"}}``) and raises or clears
the matching ``device.alert`` (``printer.paper_out``, …). The first report
after start also clears alerts a previous run may have left raised.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future
from typing import Any, Protocol

from kiosk.printing.status import ALERTS, UNKNOWN, PrinterStatus

log = logging.getLogger(__name__)

ALERT_SEND_DEADLINE_S = 3600.0
"""An alert made while offline is still delivered when the hub is back within this time."""


class StatusBus(Protocol):
    def request(self, op: str, args: dict[str, Any] | None = None, *, req: str | None = None,
                send_deadline_s: float = 10.0) -> Future: ...

    def publish_status(self, extra: dict[str, Any] | None = None) -> None: ...


class PrinterReporter:
    def __init__(self, bus: StatusBus) -> None:
        self.bus = bus
        self.status = UNKNOWN
        self._synced = False

    def start(self) -> None:
        self.bus.publish_status({"printer": self.status.as_status()})

    def report(self, status: PrinterStatus) -> bool:
        """Publish ``status`` if it changed; True when it did."""
        before, self.status = self.status, status
        if not self._synced:
            self._synced = True
            current = ALERTS.get(status.state)
            for code, level in ALERTS.values():
                if (code, level) != current:
                    self._alert(code, level, "", active=False)
        if (before.state, before.known, before.detail) == (status.state, status.known, status.detail):
            return False
        self.bus.publish_status({"printer": status.as_status()})
        old, new = ALERTS.get(before.state), ALERTS.get(status.state)
        if old is not None and old != new:
            self._alert(old[0], old[1], "", active=False)
        if new is not None and new != old:
            self._alert(new[0], new[1], status.detail, active=True)
        return True

    def _alert(self, code: str, level: str, message: str, *, active: bool) -> None:
        args = {"code": code, "level": level, "message": message[:500], "active": active}
        future = self.bus.request("device.alert", args, send_deadline_s=ALERT_SEND_DEADLINE_S)
        future.add_done_callback(_log_failure)


def _log_failure(future: Future) -> None:
    try:
        future.result()
    except Exception as err:
        log.warning("could not tell the hub about the printer: %s", err)
