"""The printer device: one small interface, python-escpos behind it, a fake beside it.

:class:`PrinterDevice` is all the kiosk needs: send a finished job's bytes,
read the real-time status, close. :class:`EscposDevice` wraps any
python-escpos printer (``Usb``, ``Serial``, ``Network``, ``File``, ``Dummy``);
:func:`open_device` builds one from the ``[printer]`` config section.
:class:`~kiosk.printing._escpos.FakePrinter` is python-escpos's ``Dummy`` that also answers status
queries with bytes you choose — what ``type = "dummy"`` selects, and what the
tests and the screenshot mode use.

Not thread-safe by itself: :class:`kiosk.printing.service.PrinterService`
calls it from its one worker thread.
"""

from __future__ import annotations

import logging
import socket
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from usb.core import USBTimeoutError

from kiosk.printing.escpos_cache import load_escpos
from kiosk.printing.status import (
    QUERIES,
    UNKNOWN,
    PrinterState,
    PrinterStatus,
    decode_status,
)
from sorra.config.kiosk import PrinterSection

if TYPE_CHECKING:
    from escpos.escpos import Escpos

    from kiosk.printing._escpos import FakePrinter

log = logging.getLogger(__name__)


class PrintError(Exception):
    """The job could not be sent; ``status`` says what the printer looked like."""

    def __init__(self, message: str, status: PrinterStatus) -> None:
        super().__init__(message)
        self.status = status


class PrinterDevice(ABC):
    """A receipt printer as the kiosk sees it."""

    name: str = "printer"

    @abstractmethod
    def send(self, data: bytes) -> None:
        """Send one finished job; raises :class:`PrintError`."""

    @abstractmethod
    def read_status(self) -> PrinterStatus:
        """The real-time status (never raises: a dead link is ``OFFLINE``)."""

    def close(self) -> None:  # noqa: B027 - optional
        """Release the connection (the next call reopens it)."""

    @contextmanager
    def session(self) -> Iterator[None]:
        """Keep one connection for several calls (status, job, status)."""
        yield

    @property
    def answers_status(self) -> bool | None:
        """False if the printer never answered a status query (do not wait for it before a job)."""
        return None


class EscposDevice(PrinterDevice):
    """Any python-escpos printer. ``factory`` makes a fresh, unopened printer object.

    ``keep_open``: USB and serial printers keep their connection between jobs
    (python-escpos resets a USB printer on every open); a network printer is
    connected per job or status poll, since many accept one client at a time
    and drop idle ones.
    """

    def __init__(self, factory: Callable[[], Escpos], *, name: str, keep_open: bool, preview: str = "",
                 width_px: int = 512) -> None:
        self._factory = factory
        self.preview = preview
        self.width_px = width_px
        self._printer: Escpos | None = None
        self.name = name
        self.keep_open = keep_open
        self._answers_status: bool | None = None
        self._held = 0

    @property
    def answers_status(self) -> bool | None:
        return self._answers_status

    @contextmanager
    def session(self) -> Iterator[None]:
        self._held += 1
        try:
            yield
        finally:
            self._held -= 1
            self._done()

    # ---- connection ---------------------------------------------------------

    def _open(self) -> Escpos:
        if self._printer is None:
            printer = self._factory()
            printer.open()  # raises DeviceNotFoundError
            link = printer._device
            if isinstance(link, socket.socket):
                # A status query right after a job must not wait for the job's ACK (Nagle).
                link.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._printer = printer
        return self._printer

    def close(self) -> None:
        printer, self._printer = self._printer, None
        if printer is not None:
            try:
                printer.close()
            except Exception:  # closing a dead link must not hide the real error
                log.debug("closing %s failed", self.name, exc_info=True)

    def _done(self) -> None:
        if not self.keep_open and not self._held:
            self.close()

    # ---- PrinterDevice --------------------------------------------------------

    def send(self, data: bytes) -> None:
        try:
            printer = self._open()
            printer._raw(data)
            flush = getattr(printer, "flush", None)
            if callable(flush):
                flush()
        except Exception as err:
            self.close()
            log.warning("printing on %s failed: %s", self.name, err)
            raise PrintError(str(err), PrinterStatus(PrinterState.OFFLINE, f"cannot send: {err}")) from err
        self._done()
        if self.preview:
            self._save_preview(data)

    def _save_preview(self, data: bytes) -> None:
        from kiosk.printing.preview import save_preview

        try:
            save_preview(data, self.preview, self.width_px)
        except Exception:  # a picture for people, never a reason to fail a printed ticket
            log.warning("could not write the ticket picture %s", self.preview, exc_info=True)

    def read_status(self) -> PrinterStatus:
        try:
            printer = self._open()
        except Exception as err:
            self.close()
            return PrinterStatus(PrinterState.OFFLINE, f"not reachable: {err}")
        answers: list[bytes | None] = []
        try:
            _drain(printer)
            for query in QUERIES:
                answers.append(self._query(printer, query))
                if answers[0] is None:
                    break  # silent on the first query: do not wait three timeouts
        except Exception as err:
            self.close()
            return PrinterStatus(PrinterState.OFFLINE, f"status query failed: {err}")
        while len(answers) < len(QUERIES):
            answers.append(None)
        status = decode_status(*answers)
        if status.known:
            self._answers_status = True
        elif self._answers_status:
            # It used to answer and now is silent: switched off or unplugged.
            status = PrinterStatus(PrinterState.OFFLINE, "no answer to the status query")
        else:
            self._answers_status = False
        self._done()
        return status

    @staticmethod
    def _query(printer: Escpos, query: bytes) -> bytes | None:
        try:
            answer = printer.query_status(query)
        except NotImplementedError:  # Dummy, File: a one-way link
            return None
        except (TimeoutError, USBTimeoutError):
            return None
        return bytes(answer) if answer else None


def _drain(printer: Escpos) -> None:
    """Drop unread input (late answers; real-time commands a printer found inside image data)."""
    link = printer._device
    if hasattr(link, "reset_input_buffer"):  # pyserial
        link.reset_input_buffer()
    elif isinstance(link, socket.socket):
        timeout = link.gettimeout()
        link.setblocking(False)
        try:
            while link.recv(256):
                pass
        except OSError:  # BlockingIOError: nothing more to read
            pass
        finally:
            link.settimeout(timeout)


class FakeDevice(EscposDevice):
    """The ``dummy`` printer: one long-lived :class:`FakePrinter`."""

    def __init__(self, profile: str | None = None, path: str = "") -> None:
        self.printer: FakePrinter = load_escpos().FakePrinter(profile=profile, path=path)
        super().__init__(lambda: self.printer, name="dummy", keep_open=True)

    def send(self, data: bytes) -> None:
        super().send(data)
        self.printer.job_done()

    def close(self) -> None:
        self._printer = None  # the fake outlives "connections"


def open_device(cfg: PrinterSection) -> PrinterDevice:
    """The configured printer (not yet connected: that happens on first use)."""
    device = _device(cfg)
    if isinstance(device, EscposDevice):
        device.preview, device.width_px = cfg.preview, cfg.width_px
    return device


def _device(cfg: PrinterSection) -> PrinterDevice:
    profile = cfg.profile or None
    timeout = cfg.timeout_s
    escpos = load_escpos()
    Usb, Network = escpos.Usb, escpos.Network  # noqa: N806 - python-escpos's classes
    if cfg.type == "dummy":
        return FakeDevice(profile, cfg.path)
    if cfg.type == "usb":
        return EscposDevice(
            lambda: Usb(
                cfg.usb_vendor,
                cfg.usb_product,
                timeout=int(timeout * 1000),
                in_ep=cfg.usb_in_ep,
                out_ep=cfg.usb_out_ep,
                profile=profile,
            ),
            name=f"usb {cfg.usb_vendor:04x}:{cfg.usb_product:04x}",
            keep_open=True,
        )
    if cfg.type == "serial":
        return EscposDevice(
            lambda: escpos.SerialPrinter(cfg.serial_port, cfg.serial_baud, timeout=timeout, profile=profile),
            name=f"serial {cfg.serial_port}",
            keep_open=True,
        )
    if cfg.type == "network":
        if not cfg.host:
            raise ValueError("printer.type = 'network' needs printer.host")
        return EscposDevice(
            lambda: Network(cfg.host, cfg.port, timeout=timeout, profile=profile),
            name=f"network {cfg.host}:{cfg.port}",
            keep_open=False,
        )
    if cfg.type == "file":
        if not cfg.path:
            raise ValueError("printer.type = 'file' needs printer.path")
        return EscposDevice(
            lambda: escpos.AppendFile(cfg.path, profile=profile),
            name=f"file {cfg.path}",
            keep_open=False,
        )
    raise ValueError(f"unknown printer type {cfg.type!r}")


def __getattr__(name: str) -> Any:
    """python-escpos's classes and the fake printer, loaded (after :func:`prepare_escpos`) when first asked for."""
    if name in ("FakePrinter", "Dummy", "File", "Network", "Serial", "Usb"):
        return getattr(load_escpos(), name)
    raise AttributeError(name)


__all__ = [
    "UNKNOWN",
    "EscposDevice",
    "FakeDevice",
    "FakePrinter",
    "PrintError",
    "PrinterDevice",
    "open_device",
]
