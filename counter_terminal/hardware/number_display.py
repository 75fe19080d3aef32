"""The counter-number display above the desk (serial LED/LCD), through pyserial.

A display model is one class: a :class:`SerialDisplay` subclass that turns a
line of text into the bytes its firmware wants (:meth:`SerialDisplay.frame`, a
pure function tested on bytes). Register it in :data:`MODELS` under the name
used in ``[serial_display] model``. The wire protocols are documented in
``docs/hardware/serial-display.md``.

The port is opened with ``serial.serial_for_url`` so ``loop://`` and
``spy://`` URLs work in tests. A missing or unplugged display never stops the
terminal: the error is logged, :attr:`SerialDisplay.healthy` turns false, and
the port is re-opened on the next update.
"""

from __future__ import annotations

import logging
import threading
import unicodedata
from typing import Any, Literal, Protocol

log = logging.getLogger(__name__)

Align = Literal["left", "right", "center"]


class NumberDisplay(Protocol):
    healthy: bool

    def show(self, text: str) -> None: ...

    def close(self) -> None: ...


def to_ascii(text: str) -> str:
    """Printable ASCII for displays without a code page: accents dropped (Ő → O)."""
    decomposed = unicodedata.normalize("NFKD", text)
    out = []
    for ch in decomposed:
        if unicodedata.combining(ch):
            continue
        out.append(ch if 32 <= ord(ch) < 127 else "?")
    return "".join(out)


def fit(text: str, width: int, align: Align = "right") -> str:
    """Exactly ``width`` ASCII characters (cut from the right if too long)."""
    text = to_ascii(text)[:width]
    if align == "left":
        return text.ljust(width)
    if align == "center":
        return text.center(width)
    return text.rjust(width)


def textline_frame(text: str, width: int, align: Align = "right") -> bytes:
    """Generic text-line protocol: ``TEXT`` padded to the width, then CR LF."""
    return fit(text, width, align).encode("ascii") + b"\r\n"


STX, ETX = 0x02, 0x03


def framed_frame(text: str, width: int, address: int = 1, align: Align = "right") -> bytes:
    """STX/ETX protocol: STX, 2-digit address, text, ETX, BCC as two hex digits.

    BCC is the XOR of every byte after STX up to and including ETX.
    """
    body = f"{address:02d}".encode("ascii") + fit(text, width, align).encode("ascii") + bytes([ETX])
    bcc = 0
    for b in body:
        bcc ^= b
    return bytes([STX]) + body + f"{bcc:02X}".encode("ascii")


class SerialDisplay:
    """Base for serial displays: the port handling; subclasses give :meth:`frame`."""

    name = ""

    def __init__(
        self,
        port: str,
        baud: int = 9600,
        *,
        width: int = 8,
        align: Align = "right",
        address: int = 1,
        write_timeout_s: float = 1.0,
    ) -> None:
        self.port = port
        self.baud = baud
        self.width = width
        self.align: Align = align
        self.address = address
        self.write_timeout_s = write_timeout_s
        self.healthy = True
        self.text = ""
        self._serial: Any = None
        self._lock = threading.Lock()

    def frame(self, text: str) -> bytes:  # pragma: no cover - abstract
        raise NotImplementedError

    def show(self, text: str) -> None:
        data = self.frame(text)
        with self._lock:
            self.text = text
            try:
                port = self._open()
                port.write(data)
                port.flush()
            except Exception as err:  # serial.SerialException, OSError, a vanished USB adapter
                if self.healthy:
                    log.warning("LED display on %s failed: %s", self.port, err)
                self.healthy = False
                self._close()
                return
            if not self.healthy:
                log.info("LED display on %s works again", self.port)
            self.healthy = True

    def _open(self) -> Any:
        if self._serial is None:
            import serial  # only this adapter knows pyserial

            self._serial = serial.serial_for_url(
                self.port, self.baud, timeout=0.5, write_timeout=self.write_timeout_s
            )
        return self._serial

    def _close(self) -> None:
        if self._serial is not None:
            try:
                self._serial.close()
            except Exception:  # pragma: no cover - closing a dead port
                pass
            self._serial = None

    def close(self) -> None:
        with self._lock:
            self._close()


class TextLineDisplay(SerialDisplay):
    """Generic text-line displays: one ASCII line per update, CR LF at the end."""

    name = "textline"

    def frame(self, text: str) -> bytes:
        return textline_frame(text, self.width, self.align)


class FramedDisplay(SerialDisplay):
    """Addressed STX/ETX/BCC displays (several displays may share one RS-485 line)."""

    name = "framed"

    def frame(self, text: str) -> bytes:
        return framed_frame(text, self.width, self.address, self.align)


class DummyDisplay:
    """No hardware: keeps what it was told (development, tests, screenshots)."""

    name = "dummy"

    def __init__(self, *_: Any, **__: Any) -> None:
        self.healthy = True
        self.text = ""
        self.history: list[str] = []

    def show(self, text: str) -> None:
        self.text = text
        self.history.append(text)
        del self.history[:-50]
        log.debug("LED display: %r", text)

    def close(self) -> None:
        pass


MODELS: dict[str, type] = {
    TextLineDisplay.name: TextLineDisplay,
    FramedDisplay.name: FramedDisplay,
    DummyDisplay.name: DummyDisplay,
}
"""Display models by config name; ``none`` means no display."""
