"""Tickets the front desk issued, printed on this kiosk (``event/print/{device}``).

A receptionist issues a ticket for someone at the desk and picks this kiosk's
printer; the hub sends the ticket here and the kiosk prints it like one of its
own (same layout, QR code, "people ahead"). The event may arrive twice (QoS 1):
each request id is printed once.
"""

from __future__ import annotations

import logging
from collections import deque
from typing import Any

from kiosk.issuing import Issuer
from kiosk.ports import Invoke, PrinterPort
from sorra.protocol.messages import PrintRequest

log = logging.getLogger(__name__)
REMEMBERED = 200


class DeskPrints:
    def __init__(self, issuer: Issuer, printer: PrinterPort, invoke: Invoke) -> None:
        self._issuer = issuer
        self._printer = printer
        self._invoke = invoke
        self._seen: deque[str] = deque(maxlen=REMEMBERED)
        self.printed: list[str] = []
        """Numbers printed for the front desk, oldest first (status and tests)."""

    def on_request(self, payload: dict[str, Any] | None) -> None:
        """On the kiosk's own thread."""
        if payload is None:
            return
        try:
            req = PrintRequest.model_validate(payload)
        except ValueError as err:
            log.warning("ignoring a bad print request: %s", err)
            return
        if req.id in self._seen:
            return  # delivered twice
        self._seen.append(req.id)
        number = req.ticket.number
        log.info("printing ticket %s for the front desk", number)
        self._printer.submit(self._issuer.ticket_data(req.ticket),
                             lambda result: self._invoke(lambda: self._done(number, result)))

    def _done(self, number: str, result: Any) -> None:
        self._issuer.on_printer_status(result.status)
        if result.ok:
            self.printed.append(number)
        else:
            log.warning("front desk ticket %s not printed: %s", number, result.error)
