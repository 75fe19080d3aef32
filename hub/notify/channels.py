"""The ways a message leaves the hub, behind one interface: ``send(to, subject, body, sms)``.

* :class:`Email`: SMTP with smtplib (plain, STARTTLS or TLS; login optional).
* :class:`Sms`: a GSM modem on a serial port through python-gsmmodem-new
  (PIN, registration, PDU mode; it picks GSM-7 or UCS2 by the text and splits
  long texts into concatenated parts).
* :class:`Gateway`: an HTTP gateway through Apprise; ``{to}`` in the URL is
  replaced by the recipient.

A failure raises :class:`SendError`; ``permanent`` ones (a refused address)
are not retried.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import threading
import uuid
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any, Protocol
from urllib.parse import quote

log = logging.getLogger(__name__)


class SendError(Exception):
    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class Channel(Protocol):
    name: str

    def send(self, to: str, subject: str, body: str, sms: str, *, msg_id: str) -> None: ...

    def close(self) -> None: ...


class Email:
    name = "email"

    def __init__(self, cfg: dict[str, Any], timeout: float = 20.0) -> None:
        self.cfg = cfg
        self.timeout = timeout

    def send(self, to: str, subject: str, body: str, sms: str, *, msg_id: str) -> None:
        cfg = self.cfg
        m = EmailMessage()
        m["From"] = cfg["from"]
        m["To"] = to
        m["Subject"] = subject
        m["Date"] = formatdate(localtime=True)
        # The same id on every try: a copy delivered twice (a crash between the
        # server's acceptance and our record of it) is recognisable as one.
        domain = cfg["from"].rpartition("@")[2] or "sorra.local"
        m["Message-ID"] = f"<{msg_id}@{domain}>"
        m.set_content(body)
        security = cfg.get("security", "none")
        # The system's CAs, or the office's own (an internal mail server): --ca-file.
        context = ssl.create_default_context(cafile=cfg.get("ca_file") or None)
        try:
            if security == "tls":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(cfg["host"], int(cfg["port"]), timeout=self.timeout,
                                                      context=context)
            else:
                smtp = smtplib.SMTP(cfg["host"], int(cfg["port"]), timeout=self.timeout)
            with smtp:
                if security == "starttls":
                    smtp.starttls(context=context)
                if cfg.get("user"):
                    smtp.login(cfg["user"], cfg.get("password", ""))
                smtp.send_message(m)
        except smtplib.SMTPRecipientsRefused as err:
            raise SendError(f"SMTP refused the address: {err.recipients}", permanent=True) from None
        except (smtplib.SMTPException, OSError) as err:
            raise SendError(f"SMTP: {err}") from None
        except UnicodeEncodeError:
            raise SendError("SMTP: the user name or password is not ASCII") from None

    def close(self) -> None:
        pass


class Sms:
    """A GSM modem, opened on first use and kept open; reopened after an error."""

    name = "sms"

    def __init__(self, cfg: dict[str, Any], timeout: float = 30.0) -> None:
        self.cfg = cfg
        self.timeout = timeout
        self._modem: Any = None
        self._lock = threading.Lock()
        self._pin_refused = False

    def _open(self) -> Any:
        from gsmmodem.exceptions import CmeError, IncorrectPinError, PinRequiredError
        from gsmmodem.modem import GsmModem

        if self._pin_refused:
            # Trying a wrong PIN again would lock the SIM (three tries); wait for a new one.
            raise SendError("the SIM refused the PIN; set the right one with sorra hub notify sms --pin")
        modem = GsmModem(self.cfg["modem"], int(self.cfg.get("baud") or 115200))
        modem.smsTextMode = False  # PDU mode: UCS2 for accents, concatenated parts for long texts
        try:
            modem.connect(pin=self.cfg.get("pin") or None)
            self._check_network(modem)
        except SendError:
            _close_quietly(modem)
            raise
        except PinRequiredError:
            _close_quietly(modem)
            raise SendError("the SIM needs a PIN (sorra hub notify sms --pin)") from None
        except IncorrectPinError:
            self._pin_refused = True
            _close_quietly(modem)
            raise SendError("the SIM refused the PIN") from None
        except CmeError as err:
            _close_quietly(modem)
            raise SendError(f"modem: {_cme(err.code)}") from None
        except Exception as err:
            _close_quietly(modem)
            raise SendError(f"modem: {err or type(err).__name__}") from None
        return modem

    @staticmethod
    def _check_network(modem: Any) -> None:
        creg = next((line for line in modem.write("AT+CREG?", parseError=False) if line.startswith("+CREG:")), "")
        status = creg.split(",")[1].strip() if "," in creg else ""
        if status not in ("1", "5"):  # 1: home network, 5: roaming
            raise SendError(f"modem: not registered to a network ({creg or 'no answer'})")
        if modem.signalStrength <= 0:
            raise SendError("modem: no signal")

    def status(self) -> dict[str, Any]:
        with self._lock:
            if self._modem is None:
                self._modem = self._open()
            return {"signal": self._modem.signalStrength, "network": self._modem.networkName}

    def send(self, to: str, subject: str, body: str, sms: str, *, msg_id: str) -> None:
        from gsmmodem.exceptions import CmsError, TimeoutException

        with self._lock:
            if self._modem is None:
                self._modem = self._open()
            try:
                self._modem.sendSms(to, sms)
            except CmsError as err:
                self._reset()
                # 1: unassigned number, 21: rejected, 28: unidentified subscriber: retrying will not help
                raise SendError(f"modem refused: +CMS ERROR: {err.code}", permanent=err.code in (1, 21, 28)) from None
            except TimeoutException:
                self._reset()
                raise SendError("modem did not answer") from None
            except Exception as err:
                self._reset()
                raise SendError(f"modem: {err}") from None

    def _reset(self) -> None:
        if self._modem is not None:
            _close_quietly(self._modem)
            self._modem = None

    def close(self) -> None:
        with self._lock:
            self._reset()


def _close_quietly(modem: Any) -> None:
    try:
        modem.close()
    except Exception:
        pass


def _cme(code: int) -> str:
    known = {10: "no SIM", 11: "SIM PIN required", 12: "SIM PUK required", 13: "SIM failure",
             16: "wrong PIN", 30: "no network service"}
    return f"+CME ERROR: {code} ({known.get(code, 'error')})"


class Gateway:
    name = "gateway"

    def __init__(self, cfg: dict[str, Any]) -> None:
        self.cfg = cfg

    def send(self, to: str, subject: str, body: str, sms: str, *, msg_id: str) -> None:
        import apprise

        url = str(self.cfg["url"]).replace("{to}", quote(to, safe="+@"))
        # The service's own notify() sends on this thread; Apprise.notify() would
        # hand it to a process-wide pool for one message to one recipient.
        service = apprise.Apprise.instantiate(url)
        if not service:
            raise SendError("the gateway URL is not one Apprise understands", permanent=True)
        text = sms if "@" not in to else body
        if not service.notify(body=text, title=subject):
            raise SendError("the gateway did not accept the message")

    def close(self) -> None:
        pass


def build(name: str, cfg: dict[str, Any]) -> Channel | None:
    """The channel ``name`` as configured in the notification settings, or None if it is not set up."""
    conf = cfg.get(name)
    if not conf:
        return None
    if name == "email":
        return Email(conf)
    if name == "sms":
        return Sms(conf)
    if name == "gateway":
        return Gateway(conf)
    return None


def message_id(msg_id: int, created_at: float) -> str:
    return f"sorra-{msg_id}-{uuid.uuid5(uuid.NAMESPACE_OID, f'{msg_id}:{created_at}').hex[:16]}"
