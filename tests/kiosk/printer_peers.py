"""Printers played by the test: a TCP listener on 127.0.0.1 (port 9100 style) and a pty pair.

Each records every byte it receives and answers ``DLE EOT n`` real-time
status queries the way an Epson printer does, with status bytes the test
chooses (written out here, independently of the code under test).
"""

from __future__ import annotations

import os
import select
import socket
import threading
import tty

# Answers to DLE EOT 1 (printer), 2 (offline cause), 4 (roll paper), per condition.
STATUS = {
    "ok": {1: 0x12, 2: 0x12, 4: 0x12},
    "paper_near_end": {1: 0x12, 2: 0x12, 4: 0x1E},
    "paper_out": {1: 0x1A, 2: 0x32, 4: 0x7E},
    "cover_open": {1: 0x1A, 2: 0x16, 4: 0x12},
    "error": {1: 0x1A, 2: 0x52, 4: 0x12},
}


class _Recorder:
    def __init__(self) -> None:
        self.state: str | None = "ok"
        """None: the printer never answers status queries."""
        self.received = bytearray()
        self.queries: list[int] = []
        self._cond = threading.Condition()
        self._tail = b""

    def _feed(self, chunk: bytes) -> bytes:
        """Record ``chunk``; return the answers to any DLE EOT queries in it."""
        answers = bytearray()
        with self._cond:
            self.received += chunk
            buf = self._tail + chunk
            i = 0
            while i <= len(buf) - 3:
                if buf[i] == 0x10 and buf[i + 1] == 0x04 and buf[i + 2] in (1, 2, 3, 4):
                    n = buf[i + 2]
                    self.queries.append(n)
                    if self.state is not None:
                        answers.append(STATUS[self.state].get(n, 0x12))
                    i += 3
                else:
                    i += 1
            self._tail = buf[max(i, len(buf) - 2):]
            self._cond.notify_all()
        return bytes(answers)

    def wait_for(self, predicate, timeout: float = 5.0) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: predicate(self), timeout)

    def contains(self, data: bytes, timeout: float = 5.0) -> bool:
        return self.wait_for(lambda r: data in r.received, timeout)


class NetworkPrinterPeer(_Recorder):
    """A raw-TCP (port 9100 style) printer on 127.0.0.1 and a free port."""

    def __init__(self) -> None:
        super().__init__()
        self._srv = socket.create_server(("127.0.0.1", 0))
        self._srv.settimeout(0.1)
        self.host, self.port = self._srv.getsockname()
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="printer-peer", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._srv.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            with conn:
                conn.settimeout(0.1)
                while not self._stop.is_set():
                    try:
                        chunk = conn.recv(65536)
                    except TimeoutError:
                        continue
                    except OSError:
                        break
                    if not chunk:
                        break
                    answer = self._feed(chunk)
                    if answer:
                        conn.sendall(answer)

    def close(self) -> None:
        self._stop.set()
        self._srv.close()
        self._thread.join(2)


class PtyPrinterPeer(_Recorder):
    """A serial printer on the master side of a pty; the kiosk opens :attr:`port`."""

    def __init__(self) -> None:
        super().__init__()
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)
        self.port = os.ttyname(self._slave)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="pty-printer-peer", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self._master], [], [], 0.1)
            if not ready:
                continue
            try:
                chunk = os.read(self._master, 65536)
            except OSError:
                return
            answer = self._feed(chunk)
            if answer:
                os.write(self._master, answer)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        os.close(self._master)
        os.close(self._slave)
