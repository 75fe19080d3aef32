"""The demo's counterparts for the channels: a local SMTP server writing ``.eml`` files, and the
modem emulator on a pseudo-terminal writing each SMS to a text log (``sorra demo``)."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any

from hub.notify import outbox
from hub.notify.modem_emulator import ModemEmulator

log = logging.getLogger(__name__)


class _MailFolder:
    """aiosmtpd handler: each accepted message becomes one .eml file."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._n = len(list(folder.glob("*.eml")))
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self._lock:
            self._n += 1
            name = f"{self._n:04d}-{envelope.rcpt_tos[0].replace('@', '_at_')}.eml"
        (self.folder / name).write_bytes(envelope.content)
        log.info("e-mail to %s written to %s", ", ".join(envelope.rcpt_tos), name)
        return "250 OK"


class DemoChannels:
    def __init__(self, data: Path, smtp_port: int) -> None:
        self.mail_dir = data / "mail"
        self.sms_log = data / "sms.log"
        self.smtp_port = smtp_port
        self.modem: ModemEmulator | None = None
        self._smtp: Any = None

    def start(self) -> DemoChannels:
        self.mail_dir.mkdir(parents=True, exist_ok=True)
        try:
            from aiosmtpd.controller import Controller
        except ImportError:
            log.warning("aiosmtpd is not installed (pip install 'sorra[demo]'): no e-mail in this demo")
        else:
            self._smtp = Controller(_MailFolder(self.mail_dir), hostname="127.0.0.1", port=self.smtp_port)
            self._smtp.start()
        logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every SMTP command
        self.modem = ModemEmulator(pin="1234", log_path=self.sms_log, on_message=lambda m: log.info(
            "SMS to %s (%d part(s)) written to %s", m.number, m.parts, self.sms_log.name)).start()
        return self

    def configure(self, db_path: Path) -> None:
        """What ``sorra hub notify email/sms/reminders/next`` would set, pointed at these two."""
        from hub.store.store import connect

        conn = connect(db_path)
        try:
            if self._smtp is not None:
                outbox.put_setting(conn, "email", {"host": "127.0.0.1", "port": self.smtp_port,
                                                   "from": "ugyfelszolgalat@sorra.example", "security": "none",
                                                   "user": "", "password": ""})
            assert self.modem is not None
            outbox.put_setting(conn, "sms", {"modem": self.modem.device, "pin": "1234", "baud": 115200})
            outbox.put_setting(conn, "reminder_before_s", 600)
            outbox.put_setting(conn, "next_ahead", 2)
        finally:
            conn.close()

    def stop(self) -> None:
        if self._smtp is not None:
            self._smtp.stop()
        if self.modem is not None:
            self.modem.stop()


def book_examples(hub: Any, service: str) -> list[str]:
    """Two appointments in 15 minutes (one by e-mail, one by SMS): confirmations now, reminders in 5."""
    codes = []
    for i, (contact, lang) in enumerate([("kiss.eva@example.hu", "hu"), ("+36301234567", "en")]):
        from hub.booking import new_code

        code = hub.worker.run_in_worker(lambda e: new_code(e.state.appointments))
        hub.worker.call("admin.appointment_book", {"code": code, "service": service, "at": time.time() + 900 + 60 * i,
                                                   "name": "Demó Ügyfél", "contact": contact, "lang": lang})
        codes.append(code)
    return codes


def follow_ticket(hub: Any, token: str, phone: str) -> None:
    from hub.notify.follow import follow

    hub.worker.run_in_worker(lambda _e: follow(hub, hub.notify_projector, token, phone, "phone"))
