"""python-escpos's printer classes, and ours built on them; load through
:func:`kiosk.printing.escpos_cache.load_escpos`, which prepares python-escpos first.

Importing this module imports python-escpos (whose 3.1 leaves a temp folder
behind unless :func:`~kiosk.printing.escpos_cache.prepare_escpos` ran first).
"""

from __future__ import annotations

from pathlib import Path

from escpos.escpos import Escpos
from escpos.printer import Dummy, File, Network, Serial, Usb

from kiosk.printing.status import QUERIES, PrinterState, status_bytes

__all__ = ["AppendFile", "Dummy", "Escpos", "FakePrinter", "File", "Network", "Serial", "SerialPrinter", "Usb"]


class AppendFile(File):
    """python-escpos ``File`` that appends: it opens the file for every job and status poll, and
    ``File`` truncates it on open, so a plain file would never hold a ticket for long."""

    def open(self, raise_not_found: bool = True) -> None:
        if self._device:
            self.close()
        try:
            self.device = open(self.devfile, "ab")  # noqa: SIM115 - closed by close()
        except OSError as e:
            self.device = None
            if raise_not_found:
                from escpos.exceptions import DeviceNotFoundError

                raise DeviceNotFoundError(f"Could not open the specified file {self.devfile}:\n{e}") from e


class SerialPrinter(Serial):
    """python-escpos ``Serial`` whose status read returns when the answer arrives.

    ``Serial._read`` asks pyserial for 16 bytes, so every ``DLE EOT`` query
    (answered with one byte) would wait the full timeout.
    """

    def _read(self) -> bytes:
        link = self.device
        first = link.read(1)
        if not first:
            return b""
        return first + link.read(link.in_waiting)


class FakePrinter(Dummy):
    """python-escpos ``Dummy`` that answers ``DLE EOT`` queries like a real printer.

    Set :attr:`state` to make it report paper out, cover open, …; set
    :attr:`fail` to make the next sends raise (a cable pulled). With
    ``path`` every job is also written to that file (technician's test print).
    """

    def __init__(self, *args, path: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.state: PrinterState | None = PrinterState.OK
        """None: answers nothing (a printer without status support)."""
        self.fail: Exception | None = None
        self.jobs: list[bytes] = []
        self.path = path
        self._last_query = b""

    def _raw(self, msg: bytes) -> None:
        if self.fail is not None:
            raise self.fail
        if msg in QUERIES:
            self._last_query = msg
            return
        super()._raw(msg)

    def _read(self) -> bytes:
        if self.state is None:
            return b""
        return status_bytes(self.state)[self._last_query]

    def job_done(self) -> None:
        job = self.output
        self.clear()
        if job:
            self.jobs.append(job)
            if self.path:
                Path(self.path).write_bytes(job)
