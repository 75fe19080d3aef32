"""The sender thread: takes due messages from the outbox and hands them to their channel.

Delivery guarantees (docs/notifications.md):

* A message is in the outbox exactly when its cause is committed (see
  :mod:`hub.notify.projector`), so a crash loses none: the next start finds
  it queued.
* A try that fails leaves it queued with a back-off (15 s, 30 s, 1 min, …
  at most an hour) until it is sent, its tries run out or it is too late
  (a reminder after the appointment); then it is ``failed`` with the reason.
* It is marked ``sent`` right after the channel accepted it. The only way to
  send one twice is a crash in the milliseconds between the two; e-mails
  carry the same Message-ID on every try so such a copy is recognisable.

Settings are read on every pass, so a change made with ``sorra hub notify``
(from another process) takes effect without a restart.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hub.notify import channels, outbox

log = logging.getLogger(__name__)
ALERT_AFTER = 3
"""Failed tries in a row on one channel before the dashboard says so."""
ALERT_TEXT = {
    "email": "E-mail delivery keeps failing",
    "sms": "SMS delivery keeps failing",
    "gateway": "Gateway delivery keeps failing",
}


class Sender:
    def __init__(self, db_path: Path, *, clock: Callable[[], float] = time.time,
                 alert: Callable[[str, dict[str, Any]], None] | None = None,
                 housekeeping: Callable[[], None] | None = None, poll_s: float = 1.0) -> None:
        from hub.store.store import connect

        self.conn = connect(db_path, cache_kib=512)
        self.clock = clock
        self.alert = alert or (lambda source, payload: None)
        self.housekeeping = housekeeping
        """Reminders and erasing contacts, run every few seconds (on the engine worker, by the hub)."""
        self.poll_s = poll_s
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._channels: dict[str, channels.Channel] = {}
        self._configs: dict[str, Any] = {}
        self._version = -1.0
        self._failures: dict[str, int] = {}
        self._housekept_at = 0.0
        self.passes = 0
        self.passed = threading.Condition()

    # ---- lifecycle ---------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="notify-sender", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is None:
            self._close()
            return
        self._thread.join(30)
        if self._thread.is_alive():
            # A delivery still waits on its server or modem: the thread closes what it uses when it ends.
            log.warning("the notification sender is still delivering a message; it stops after it")

    def _close(self) -> None:
        for ch in self._channels.values():
            ch.close()
        self.conn.close()

    def wake(self) -> None:
        self._wake.set()

    def wait_passes(self, n: int, timeout: float = 30.0) -> bool:
        """Block until ``n`` more passes are done (tests: "everything due was looked at")."""
        with self.passed:
            target = self.passes + n
            return self.passed.wait_for(lambda: self.passes >= target, timeout)

    # ---- the loop ---------------------------------------------------------------

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                self._wake.clear()
                try:
                    self.run_once()
                except Exception:
                    log.exception("notification pass failed")
                with self.passed:
                    self.passes += 1
                    self.passed.notify_all()
                if self._stop.is_set():
                    break
                nxt = outbox.next_due(self.conn)
                wait = self.poll_s if nxt is None else min(self.poll_s, max(0.0, nxt - self.clock()))
                self._wake.wait(wait)
        finally:
            self._close()  # the connection and channels belong to this thread while it runs

    def run_once(self) -> int:
        """One pass: settings, housekeeping, every due message once. Returns how many were sent."""
        cfg = self._settings()
        now = self.clock()
        if self.housekeeping is not None and now - self._housekept_at >= 5.0:
            self._housekept_at = now
            self.housekeeping()
        sent = 0
        for msg in outbox.due(self.conn, now):
            if self._stop.is_set():
                break
            sent += self.deliver(msg, cfg)
        return sent

    def _settings(self) -> dict[str, Any]:
        version = outbox.settings_version(self.conn)
        cfg = outbox.settings(self.conn)
        if version != self._version:
            # Rebuild only a channel whose own settings changed: the modem stays open, and a
            # SIM that refused its PIN is not asked again (three wrong PINs lock it).
            for name in ("email", "sms", "gateway"):
                if cfg.get(name) == self._configs.get(name) and (name in self._channels) == bool(cfg.get(name)):
                    continue
                old = self._channels.pop(name, None)
                if old is not None:
                    old.close()
                ch = channels.build(name, cfg)
                if ch is not None:
                    self._channels[name] = ch
                else:
                    self._clear_alert(name)
                self._configs[name] = cfg.get(name)
            self._version = version
        return cfg

    def deliver(self, msg: outbox.Message, cfg: dict[str, Any]) -> int:
        now = self.clock()
        if msg.expires_at is not None and now >= msg.expires_at:
            outbox.mark_attempt_failed(self.conn, msg, msg.last_error or "too late to send", now, cfg, permanent=True)
            return 0
        ch = self._channels.get(msg.channel)
        if ch is None:
            outbox.mark_attempt_failed(self.conn, msg, f"the {msg.channel} channel is not set up", now, cfg)
            return 0
        try:
            ch.send(msg.to, msg.subject, msg.body, msg.body, msg_id=channels.message_id(msg.id, msg.created_at))
        except Exception as err:  # a channel's bug must not leave the message retried for ever untold
            if isinstance(err, channels.SendError):
                failure = err
            else:
                log.exception("channel %s failed on message %d", msg.channel, msg.id)
                failure = channels.SendError(f"{msg.channel}: {type(err).__name__}: {err}")
            # A test message reports its first try (sorra hub notify test); it is not retried.
            final = failure.permanent or msg.kind == "test"
            state = outbox.mark_attempt_failed(self.conn, msg, str(failure), self.clock(), cfg, permanent=final)
            log.warning("message %d (%s to %s) not sent: %s; %s", msg.id, msg.kind, msg.channel, failure, state)
            if not failure.permanent:
                self._failed(msg.channel, str(failure))
            return 0
        outbox.mark_sent(self.conn, msg.id, self.clock())
        self._failures[msg.channel] = 0
        self._clear_alert(msg.channel)
        return 1

    def _failed(self, channel: str, reason: str) -> None:
        self._failures[channel] = self._failures.get(channel, 0) + 1
        if self._failures[channel] >= ALERT_AFTER:
            self.alert("notify", {"code": f"notify.{channel}", "level": "error", "active": True,
                                  "message": ALERT_TEXT[channel]})

    def _clear_alert(self, channel: str) -> None:
        self.alert("notify", {"code": f"notify.{channel}", "level": "error", "active": False, "message": ""})
