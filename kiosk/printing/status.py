"""The printer's real-time status (ESC/POS ``DLE EOT n``) as a pure function of bytes.

python-escpos sends the queries (``query_status``) and gives the masks for the
online and paper bytes. Its ``is_online()`` and ``paper_status()`` read a
silent printer as "offline" and "paper adequate" respectively; we need to tell
"no status support" apart from a fault, so the adapter sends the same queries
through ``query_status`` and this module decodes the answers:

* ``DLE EOT 1`` printer status: bit 3 set = offline.
* ``DLE EOT 2`` offline cause: bit 2 cover open, bit 5 stopped by paper end,
  bit 6 error.
* ``DLE EOT 4`` roll paper sensor: bits 2-3 near end, bits 5-6 paper end.

Every status byte has fixed bits (bit 1 and 4 set, bits 0 and 7 clear); a byte
without them is not a status answer and is ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from escpos.constants import (
    DLE,
    EOT,
    RT_MASK_LOWPAPER,
    RT_MASK_NOPAPER,
    RT_MASK_ONLINE,
    RT_STATUS_ONLINE,
    RT_STATUS_PAPER,
)

RT_STATUS_OFFLINE_CAUSE = DLE + EOT + b"\x02"
"""``DLE EOT 2``: why the printer is offline (python-escpos has no constant for it)."""

QUERIES = (RT_STATUS_ONLINE, RT_STATUS_OFFLINE_CAUSE, RT_STATUS_PAPER)

_FIXED_MASK = 0x93
_FIXED_BITS = 0x12
_COVER_OPEN = 0x04
_PAPER_END_STOP = 0x20
_ERROR = 0x40


class PrinterState(StrEnum):
    OK = "ok"
    PAPER_NEAR_END = "paper_near_end"
    PAPER_OUT = "paper_out"
    COVER_OPEN = "cover_open"
    OFFLINE = "offline"
    ERROR = "error"


# state → (hub alert code, level); OK has none.
ALERTS: dict[PrinterState, tuple[str, str]] = {
    PrinterState.PAPER_NEAR_END: ("printer.paper_near_end", "warning"),
    PrinterState.PAPER_OUT: ("printer.paper_out", "error"),
    PrinterState.COVER_OPEN: ("printer.cover_open", "error"),
    PrinterState.OFFLINE: ("printer.offline", "error"),
    PrinterState.ERROR: ("printer.error", "error"),
}


@dataclass(frozen=True)
class PrinterStatus:
    state: PrinterState = PrinterState.OK
    detail: str = ""
    known: bool = True
    """False when the printer gave no real-time status (not supported, or no answer)."""

    @property
    def can_print(self) -> bool:
        return self.state in (PrinterState.OK, PrinterState.PAPER_NEAR_END)

    def as_status(self) -> dict[str, str | bool]:
        """The ``printer`` entry of the device's retained status."""
        return {"state": self.state.value, "detail": self.detail, "known": self.known}


UNKNOWN = PrinterStatus(PrinterState.OK, "the printer does not report its status", known=False)


def _byte(answer: bytes | None) -> int | None:
    """The last status byte in an answer (a slow printer may answer twice), or None."""
    if not answer:
        return None
    for b in reversed(answer):
        if b & _FIXED_MASK == _FIXED_BITS:
            return b
    return None


def decode_status(online: bytes | None, offline_cause: bytes | None, paper: bytes | None) -> PrinterStatus:
    """Status from the answers to ``DLE EOT 1``, ``2`` and ``4`` (None or b"" = no answer)."""
    st, cause, roll = _byte(online), _byte(offline_cause), _byte(paper)
    if st is None and cause is None and roll is None:
        return UNKNOWN
    if cause is not None and cause & _COVER_OPEN:
        return PrinterStatus(PrinterState.COVER_OPEN, "cover open")
    if roll is not None and roll & RT_MASK_NOPAPER == RT_MASK_NOPAPER:
        return PrinterStatus(PrinterState.PAPER_OUT, "paper out")
    if cause is not None and cause & _PAPER_END_STOP:
        return PrinterStatus(PrinterState.PAPER_OUT, "stopped at paper end")
    if cause is not None and cause & _ERROR:
        return PrinterStatus(PrinterState.ERROR, "printer error (cutter jam or head overheated)")
    if st is not None and st & RT_MASK_ONLINE:
        return PrinterStatus(PrinterState.OFFLINE, "printer reports offline")
    if roll is not None and roll & RT_MASK_LOWPAPER == RT_MASK_LOWPAPER:
        return PrinterStatus(PrinterState.PAPER_NEAR_END, "paper near end")
    return PrinterStatus(PrinterState.OK, "")


def status_bytes(state: PrinterState) -> dict[bytes, bytes]:
    """What a printer in ``state`` answers to each query (for fakes and test peers)."""
    online, cause, paper = 0x12, 0x12, 0x12
    if state is PrinterState.PAPER_NEAR_END:
        paper |= 0x0C
    elif state is PrinterState.PAPER_OUT:
        online |= 0x08
        cause |= _PAPER_END_STOP
        paper |= 0x6C
    elif state is PrinterState.COVER_OPEN:
        online |= 0x08
        cause |= _COVER_OPEN
    elif state is PrinterState.OFFLINE:
        online |= 0x08
    elif state is PrinterState.ERROR:
        online |= 0x08
        cause |= _ERROR
    return {
        RT_STATUS_ONLINE: bytes([online]),
        RT_STATUS_OFFLINE_CAUSE: bytes([cause]),
        RT_STATUS_PAPER: bytes([paper]),
    }
