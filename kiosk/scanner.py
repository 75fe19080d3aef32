"""Barcode/QR scanners: what a scan means, and the serial kind.

Keyboard-wedge scanners type the code and press Enter; the Qt window catches
those keys (``kiosk.views.window``). Serial scanners send one line per scan;
:class:`SerialScanner` reads them on a thread. Both end in
:func:`parse_scanned_code` and ``KioskController.scanned``.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from urllib.parse import parse_qs, urlparse

from sorra.protocol.names import Op

log = logging.getLogger(__name__)

CODE_RE = re.compile(r"^[A-Za-z0-9-]{3,32}$")


def parse_scanned_code(raw: str) -> str | None:
    """The appointment or check-in code in a scan: the text itself, or from a booking URL.

    ``https://hub/booking/ABC123``, ``…?code=ABC123`` and ``ABC123`` all give
    ``ABC123`` (a remote ticket's QR code is its status page with ``?code=`` its
    six-digit check-in code); anything that is not a plausible code gives None.
    """
    text = raw.strip()
    if not text:
        return None
    if "://" in text:
        url = urlparse(text)
        query = parse_qs(url.query)
        if query.get("code"):
            text = query["code"][0]
        else:
            parts = [p for p in url.path.split("/") if p]
            text = parts[-1] if parts else ""
    text = text.strip().upper()
    return text if CODE_RE.match(text) else None


REMOTE_CODE_RE = re.compile(r"^[0-9]{6}$")


def check_in_request(code: str, lang: str) -> tuple[Op, dict[str, str]]:
    """The op and args that check ``code`` in: six digits are a ticket taken from afar
    (``ticket.checkin``); an appointment code is never digits only (``appointment.check_in``)."""
    if REMOTE_CODE_RE.match(code):
        return Op.TICKET_CHECKIN, {"code": code}
    return Op.APPOINTMENT_CHECK_IN, {"code": code, "lang": lang}


class SerialScanner:
    """A scanner on a serial port: one code per line, delivered to ``on_code`` (on its thread)."""

    def __init__(self, port: str, baud: int, on_code: Callable[[str], None], *, timeout_s: float = 0.5) -> None:
        self.port = port
        self.baud = baud
        self._on_code = on_code
        self._timeout_s = timeout_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.ready = threading.Event()
        """Set while the port is open (pyserial drops what arrived before opening)."""

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="kiosk-scanner", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2)

    def _run(self) -> None:
        import serial  # pyserial; only the kiosk with a serial scanner needs it

        while not self._stop.is_set():
            try:
                with serial.serial_for_url(self.port, self.baud, timeout=self._timeout_s) as link:
                    log.info("scanner on %s", self.port)
                    self.ready.set()
                    buf = b""
                    while not self._stop.is_set():
                        chunk = link.read(64)
                        if not chunk:
                            continue
                        buf += chunk
                        while b"\n" in buf or b"\r" in buf:
                            line, buf = re.split(rb"[\r\n]", buf, maxsplit=1)
                            text = line.decode("utf-8", errors="replace").strip()
                            if text:
                                self._on_code(text)
            except (OSError, serial.SerialException) as err:
                self.ready.clear()
                log.warning("scanner %s: %s (retrying)", self.port, err)
                self._stop.wait(2.0)
