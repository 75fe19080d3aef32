"""The sender on a real database file: back-off, giving up, and a SIM that refused its PIN."""

from __future__ import annotations

import time
from pathlib import Path

from hub.notify import outbox
from hub.notify.modem_emulator import ModemEmulator
from hub.notify.sender import Sender
from hub.store.store import open_db


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def _queue(conn, key: str, to: str, now: float) -> None:
    with conn:
        outbox.enqueue(conn, key=key, channel="sms", to=to, kind="booked", lang="hu", ref=key, subject="",
                       body="Időpont: holnap 10:00", now=now, about_at=now)


def test_backoff_retries_then_fails_and_a_refused_pin_is_not_tried_again(tmp_path: Path) -> None:
    db = open_db(tmp_path / "sorra.db")
    modem = ModemEmulator(pin="1111").start()
    clock = Clock()
    alerts: list[dict] = []
    sender = Sender(tmp_path / "sorra.db", clock=clock, alert=lambda source, a: alerts.append(a))
    try:
        outbox.put_setting(db.conn, "sms", {"modem": modem.device, "pin": "2222"})
        outbox.put_setting(db.conn, "max_attempts", 3)
        _queue(db.conn, "a", "+36301234567", clock.now)
        assert sender.run_once() == 0
        (msg,) = outbox.log(db.conn)
        assert (msg.state, msg.attempts, msg.last_error) == ("queued", 1, "the SIM refused the PIN")
        assert msg.next_at - clock.now <= 60  # the first retry within a minute
        assert sender.run_once() == 0 and outbox.log(db.conn)[0].attempts == 1  # not due yet

        outbox.put_setting(db.conn, "next_ahead", 5)  # another setting: the modem channel is kept
        clock.now = msg.next_at
        sender.run_once()
        clock.now = outbox.log(db.conn)[0].next_at
        sender.run_once()
        (msg,) = outbox.log(db.conn)
        assert (msg.state, msg.attempts) == ("failed", 3)  # out of tries
        assert sum(c.upper().startswith("AT+CPIN=") for c in modem.commands) == 1
        assert any(a["code"] == "notify.sms" and a["active"] for a in alerts)

        outbox.put_setting(db.conn, "sms", {"modem": modem.device, "pin": "1111"})  # the right PIN
        _queue(db.conn, "b", "+36301234567", clock.now)
        assert sender.run_once() == 1
        assert modem.wait_for(1)[0].text == "Időpont: holnap 10:00"
        assert not alerts[-1]["active"]
    finally:
        sender.stop()
        modem.stop()
        db.close()
