"""A GSM modem emulator on a pseudo-terminal, for the demo and the tests.

It answers the AT commands a modem library sends (``AT+CPIN``, ``AT+CREG?``,
``AT+CSQ``, ``AT+CMGF``, ``AT+CSCS``, ``AT+CMGS`` with its ``> `` prompt),
decodes every SMS-SUBMIT PDU it is given, joins concatenated parts, and
records each complete text with its number (and appends it to a text log, if
given). Knobs for faults: a PIN, no registration, no signal, and a queue of
``+CMS ERROR`` codes for the next sends.
"""

from __future__ import annotations

import os
import threading
import time
import tty
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Received:
    number: str
    text: str
    parts: int
    at: float = field(default_factory=time.time)


class ModemEmulator:
    def __init__(self, *, pin: str = "", log_path: Path | None = None,
                 on_message: Callable[[Received], None] | None = None) -> None:
        self.pin = pin
        self.unlocked = not pin
        self.registered = True
        self.signal = 20
        self.fail_next: list[int] = []
        """``+CMS ERROR`` codes to answer the next ``AT+CMGS`` with, one each."""
        self.messages: list[Received] = []
        self.pdus: list[str] = []
        self.commands: list[str] = []
        """Every AT command received, in order."""
        self.log_path = log_path
        self.on_message = on_message
        self.changed = threading.Condition()
        self._parts: dict[tuple[str, int], dict[int, str]] = {}
        self._ref = 0
        self._master, self._slave = os.openpty()
        tty.setraw(self._master)
        tty.setraw(self._slave)
        self.device = os.ttyname(self._slave)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="modem-emulator", daemon=True)

    # ---- lifecycle --------------------------------------------------------------

    def start(self) -> ModemEmulator:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        try:
            os.write(self._slave, b"\r")  # wake the reader
        except OSError:
            pass
        self._thread.join(5)
        for fd in (self._master, self._slave):
            try:
                os.close(fd)
            except OSError:
                pass

    def wait_for(self, count: int, timeout: float = 30.0) -> list[Received]:
        """Block until ``count`` complete messages have arrived."""
        with self.changed:
            self.changed.wait_for(lambda: len(self.messages) >= count, timeout)
            return list(self.messages)

    # ---- the serial line ----------------------------------------------------------

    def _write(self, text: str) -> None:
        os.write(self._master, text.encode("ascii", "replace"))

    def _reply(self, *lines: str) -> None:
        self._write("".join(f"\r\n{line}\r\n" for line in lines))

    def _run(self) -> None:
        buf = b""
        pdu_len: int | None = None
        while not self._stop.is_set():
            try:
                chunk = os.read(self._master, 4096)
            except OSError:
                return
            if self._stop.is_set():
                return
            buf += chunk
            while True:
                if pdu_len is not None:
                    end = buf.find(b"\x1a")
                    if end < 0:
                        break
                    pdu, buf = buf[:end].decode("ascii", "replace").strip(), buf[end + 1:]
                    self._submit(pdu, pdu_len)
                    pdu_len = None
                    continue
                end = buf.find(b"\r")
                if end < 0:
                    break
                line, buf = buf[:end].decode("ascii", "replace").strip(), buf[end + 1:].lstrip(b"\n")
                if line:
                    pdu_len = self._command(line)

    def _command(self, line: str) -> int | None:
        self.commands.append(line)
        cmd = line.upper()
        if not cmd.startswith("AT"):
            self._reply("ERROR")
            return None
        if cmd.startswith("AT+CPIN?"):
            self._reply("+CPIN: READY" if self.unlocked else "+CPIN: SIM PIN", "OK")
        elif cmd.startswith("AT+CPIN="):
            if line.split("=", 1)[1].strip('"') == self.pin:
                self.unlocked = True
                self._reply("OK")
            else:
                self._reply("+CME ERROR: 16")
        elif not self.unlocked and cmd not in ("AT", "ATZ", "ATE0") and not cmd.startswith("AT+CMEE"):
            self._reply("+CME ERROR: 11")
        elif cmd == "AT+CFUN?":
            self._reply("+CFUN: 1", "OK")
        elif cmd == "AT+CLAC":
            self._reply("+CLAC: +CMGS,+CMGF,+CSQ,+CREG,+CPIN,+CSCS,+COPS", "OK")
        elif cmd == "AT+CREG?":
            self._reply(f"+CREG: 0,{1 if self.registered else 2}", "OK")
        elif cmd == "AT+CSQ":
            self._reply(f"+CSQ: {self.signal},99", "OK")
        elif cmd == "AT+COPS?":
            self._reply('+COPS: 0,0,"Sorra Emulator",7', "OK")
        elif cmd == "AT+CSCA?":
            self._reply('+CSCA: "+36309888000",145', "OK")
        elif cmd == "AT+CSCS=?":
            self._reply('+CSCS: ("GSM","UCS2","IRA")', "OK")
        elif cmd == "AT+CSCS?":
            self._reply('+CSCS: "GSM"', "OK")
        elif cmd == "AT+CPMS=?":
            self._reply('+CPMS: ("ME","SM","SR"),("ME","SM"),("ME","SM")', "OK")
        elif cmd.startswith("AT+CPMS="):
            self._reply("+CPMS: 0,10,0,10,0,10", "OK")
        elif cmd.startswith("AT+CMGS="):
            if not self.registered:
                self._reply("+CMS ERROR: 331")  # no network service
                return None
            self._write("\r\n> ")
            return int(cmd.split("=", 1)[1])
        else:
            self._reply("OK")  # configuration the emulator has no use for (ATZ, ATE0, CMEE, CNMI, CLIP …)
        return None

    # ---- messages -------------------------------------------------------------------

    def _submit(self, pdu: str, tpdu_len: int) -> None:
        from gsmmodem.pdu import Concatenation, decodeSmsPdu

        if self.fail_next:
            self._reply(f"+CMS ERROR: {self.fail_next.pop(0)}")
            return
        try:
            sms = decodeSmsPdu(pdu)
        except Exception:
            self._reply("+CMS ERROR: 304")  # invalid PDU mode parameter
            return
        if sms.get("tpdu_length") != tpdu_len:
            self._reply("+CMS ERROR: 304")
            return
        self.pdus.append(pdu)
        self._ref = (self._ref + 1) % 256
        self._reply(f"+CMGS: {self._ref}", "OK")
        concat = next((u for u in sms.get("udh") or [] if isinstance(u, Concatenation)), None)
        if concat is None:
            self._complete(Received(sms["number"], sms["text"], 1))
            return
        key = (sms["number"], concat.reference)
        parts = self._parts.setdefault(key, {})
        parts[concat.number] = sms["text"]
        if len(parts) == concat.parts:
            del self._parts[key]
            self._complete(Received(sms["number"], "".join(parts[i] for i in sorted(parts)), concat.parts))

    def _complete(self, msg: Received) -> None:
        if self.log_path is not None:
            with self.log_path.open("a", encoding="utf-8") as f:
                stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(msg.at))
                f.write(f"{stamp}  to {msg.number}  ({msg.parts} part{'s' if msg.parts > 1 else ''})\n"
                        f"    {msg.text}\n")
        with self.changed:
            self.messages.append(msg)
            self.changed.notify_all()
        if self.on_message is not None:
            self.on_message(msg)
