"""The ticket printer: layout → ESC/POS bytes, the device adapter, its status.

python-escpos is imported only through this package, and only after
:func:`prepare_escpos` (see :mod:`kiosk.printing.escpos_cache`): importing
this package touches no file and no process-wide setting; the printer's
start-up does.
"""

from __future__ import annotations

from kiosk.printing.device import EscposDevice, PrinterDevice, open_device
from kiosk.printing.escpos_cache import load_escpos, prepare_escpos
from kiosk.printing.render import TicketRenderer, renderer_for
from kiosk.printing.service import PrinterService, PrintResult
from kiosk.printing.status import PrinterState, PrinterStatus, decode_status
from sorra.ticket.data import TicketData, sample_ticket
from sorra.ticket.template import Template, TemplateError, load_template

__all__ = [
    "EscposDevice",
    "PrintResult",
    "PrinterDevice",
    "PrinterService",
    "PrinterState",
    "PrinterStatus",
    "Template",
    "TemplateError",
    "TicketData",
    "TicketRenderer",
    "decode_status",
    "load_escpos",
    "load_template",
    "open_device",
    "prepare_escpos",
    "renderer_for",
    "sample_ticket",
]
