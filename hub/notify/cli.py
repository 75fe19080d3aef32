"""``sorra hub notify …``: channels, reminder time, "almost your turn", a test message, the log.

Settings are written straight to the hub's database, whether the hub runs or
not; a running hub's sender reads them on its next pass (within a second).
``test`` goes through a running hub's sender (so only one process talks to
the modem); without a hub it sends from here. Both record it in the log.
"""

from __future__ import annotations

import argparse
import json
import re
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

from hub.notify import contacts, outbox, texts

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def duration(text: str) -> int:
    """``45s``, ``90m``, ``24h``, ``2d`` → seconds."""
    m = re.fullmatch(r"\s*(\d+)\s*([smhd])\s*", text.lower())
    if not m:
        raise argparse.ArgumentTypeError(f"not a duration: {text!r} (e.g. 45s, 90m, 24h, 2d)")
    return int(m.group(1)) * UNITS[m.group(2)]


def add_notify_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("notify", parents=[common], help="e-mail and SMS to citizens (docs/notifications.md)")
    nsub = p.add_subparsers(dest="action", required=True)

    email = nsub.add_parser("email", parents=[common], help="send e-mail through this SMTP server")
    email.add_argument("--smtp-host", required=True)
    email.add_argument("--smtp-port", type=int, required=True)
    email.add_argument("--from", dest="sender", required=True, metavar="ADDR")
    sec = email.add_mutually_exclusive_group()
    sec.add_argument("--starttls", action="store_true", help="upgrade the connection with STARTTLS")
    sec.add_argument("--tls", action="store_true", help="connect with TLS (SMTPS, usually port 465)")
    email.add_argument("--ca-file", default="", help="trust this CA (PEM) for the server's certificate")
    email.add_argument("--user", default="", help="log in as this user")
    email.add_argument("--password-stdin", action="store_true", help="read the password from standard input")

    sms = nsub.add_parser("sms", parents=[common], help="send SMS through a GSM modem on a serial port")
    sms.add_argument("--modem", required=True, metavar="DEVICE", help="e.g. /dev/ttyUSB2")
    sms.add_argument("--pin", default="", help="the SIM's PIN, if it has one")
    sms.add_argument("--baud", type=int, default=115200)

    gw = nsub.add_parser("gateway", parents=[common], help="send through an HTTP gateway (an Apprise URL)")
    gw.add_argument("url", help="Apprise URL; {to} in it is replaced by the recipient")

    off = nsub.add_parser("off", parents=[common], help="stop using a channel")
    off.add_argument("channel", choices=["email", "sms", "gateway"])

    rem = nsub.add_parser("reminders", parents=[common], help="when to remind before an appointment")
    rem.add_argument("--before", type=duration, required=True, metavar="DURATION", help="45s, 90m, 24h, 2d")

    nxt = nsub.add_parser("next", parents=[common], help='"almost your turn" when at most N people are ahead')
    nxt.add_argument("--ahead", type=int, required=True, metavar="N")

    priv = nsub.add_parser("privacy", parents=[common], help="erase contacts this many days after the visit")
    priv.add_argument("--erase-after-days", type=int, required=True, metavar="N")

    survey = nsub.add_parser("survey", parents=[common], help="after a visit, ask followed citizens one NPS question")
    survey.add_argument("switch", choices=["on", "off"])

    test = nsub.add_parser("test", parents=[common], help="send one test message now")
    to = test.add_mutually_exclusive_group(required=True)
    to.add_argument("--email", metavar="ADDR")
    to.add_argument("--sms", metavar="NUMBER")
    test.add_argument("--lang", choices=["hu", "en"], default="hu")

    log = nsub.add_parser("log", parents=[common], help="the delivery log, one JSON object a line")
    log.add_argument("--state", choices=list(outbox.STATES), default="")
    log.add_argument("--limit", type=int, default=1000)

    nsub.add_parser("show", parents=[common], help="the notification settings (password hidden)")


def _open(data_dir: Path) -> sqlite3.Connection:
    from hub.app import DB_NAME
    from hub.store.store import open_db

    data_dir.mkdir(parents=True, exist_ok=True)
    return open_db(data_dir / DB_NAME).conn  # migrated to the current schema


def run(args: argparse.Namespace, data_dir: Path) -> int:
    conn = _open(data_dir)
    try:
        return _dispatch(args, conn, data_dir)
    finally:
        conn.close()


def _dispatch(args: argparse.Namespace, conn: sqlite3.Connection, data_dir: Path) -> int:
    a = args.action
    if a == "email":
        password = sys.stdin.readline().rstrip("\r\n") if args.password_stdin else ""
        if not (password + args.user).isascii():
            # smtplib sends AUTH in ASCII; a password it cannot send would fail every message.
            print("sorra hub notify: the SMTP user name and password must be ASCII", file=sys.stderr)
            return 2
        if password and not args.user:
            print("sorra hub notify: --password-stdin needs --user", file=sys.stderr)
            return 2
        security = "tls" if args.tls else "starttls" if args.starttls else "none"
        if not contacts.email(args.sender):
            print(f"sorra hub notify: not an e-mail address: {args.sender}", file=sys.stderr)
            return 2
        outbox.put_setting(conn, "email", {"host": args.smtp_host, "port": args.smtp_port, "from": args.sender,
                                           "security": security, "user": args.user, "password": password,
                                           "ca_file": str(Path(args.ca_file).resolve()) if args.ca_file else ""})
        print(f"e-mail through {args.smtp_host}:{args.smtp_port} ({security}) from {args.sender}")
    elif a == "sms":
        outbox.put_setting(conn, "sms", {"modem": args.modem, "pin": args.pin, "baud": args.baud})
        print(f"SMS through the modem at {args.modem} ({args.baud} baud)")
    elif a == "gateway":
        import apprise

        if not apprise.Apprise.instantiate(args.url.replace("{to}", "0")):
            print("sorra hub notify: Apprise does not understand this URL", file=sys.stderr)
            return 2
        outbox.put_setting(conn, "gateway", {"url": args.url})
        print("messages without a modem or SMTP server go through the gateway")
    elif a == "off":
        outbox.put_setting(conn, args.channel, None)
        print(f"{args.channel}: off")
    elif a == "reminders":
        outbox.put_setting(conn, "reminder_before_s", args.before)
        print(f"reminders {args.before} s before the appointment")
    elif a == "next":
        if args.ahead < 0:
            print("sorra hub notify: --ahead must be 0 or more", file=sys.stderr)
            return 2
        outbox.put_setting(conn, "next_ahead", args.ahead)
        print(f'"almost your turn" when at most {args.ahead} people are ahead')
    elif a == "privacy":
        if not 1 <= args.erase_after_days <= 3650:
            print("sorra hub notify: --erase-after-days: 1 to 3650", file=sys.stderr)
            return 2
        outbox.put_setting(conn, "erase_days", args.erase_after_days)
        print(f"contacts are erased {args.erase_after_days} days after the appointment or ticket")
    elif a == "survey":
        outbox.put_setting(conn, "survey", args.switch == "on")
        print("after a visit, citizens who left a contact get the survey link (/f/…)" if args.switch == "on"
              else "no survey after visits")
    elif a == "test":
        return _test(args, conn, data_dir)
    elif a == "log":
        for msg in reversed(outbox.log(conn, state=args.state, limit=args.limit)):
            print(json.dumps(msg.log_row(), ensure_ascii=False))
    elif a == "show":
        cfg = outbox.settings(conn)
        if cfg.get("email") and cfg["email"].get("password"):
            cfg["email"] = {**cfg["email"], "password": "***"}
        print(json.dumps(cfg, ensure_ascii=False, indent=2))
    return 0


def _test(args: argparse.Namespace, conn: sqlite3.Connection, data_dir: Path) -> int:
    from hub.app import runtime_info

    to = contacts.email(args.email) if args.email else contacts.phone(args.sms)
    if not to:
        print(f"sorra hub notify: not an {'e-mail address' if args.email else 'phone number'}: "
              f"{args.email or args.sms}", file=sys.stderr)
        return 2
    cfg = outbox.settings(conn)
    channel = "email" if args.email else ("sms" if cfg.get("sms") else "gateway" if cfg.get("gateway") else "sms")
    if not cfg.get(channel):
        print(f"sorra hub notify: the {channel} channel is not set up", file=sys.stderr)
        return 1
    office = _office_name(conn, args.lang)
    text = texts.render(cfg["texts"], "test", args.lang, {"office": office})
    body = text["body"] if channel == "email" else text["sms"]
    now = time.time()
    key = f"test:{now}:{to}"
    with conn:
        outbox.enqueue(conn, key=key, channel=channel, to=to, kind="test", lang=args.lang, ref="", now=now,
                       subject=text["subject"], body=body, about_at=now,
                       expires_at=now + 120)
    msg_id = conn.execute("SELECT id FROM notify_outbox WHERE key = ?", [key]).fetchone()[0]
    if runtime_info(data_dir) is None:
        from hub.app import DB_NAME
        from hub.notify.sender import Sender

        # No hub: deliver it from here, with the sender's own code.
        sender = Sender(data_dir / DB_NAME)
        try:
            msg = next(m for m in outbox.due(sender.conn, time.time() + 1, limit=1000) if m.id == msg_id)
            sender.deliver(msg, sender._settings())
        finally:
            sender.stop()
    state, error = _wait_result(conn, msg_id)
    if state == "sent":
        print(f"sent to {to} by {channel}")
        return 0
    print(f"sorra hub notify: not sent to {to} by {channel}: {error or 'the hub did not send it in time'}",
          file=sys.stderr)
    return 1


def _wait_result(conn: sqlite3.Connection, msg_id: int, timeout: float = 90.0) -> tuple[str, str]:
    """The running hub's sender polls every second; wait for its answer (CLI only)."""
    deadline = time.monotonic() + timeout
    while True:
        state, attempts, error = conn.execute("SELECT state, attempts, last_error FROM notify_outbox WHERE id = ?",
                                              [msg_id]).fetchone()
        if state != "queued" or attempts > 0 or time.monotonic() > deadline:
            return state, error
        time.sleep(0.2)


def _office_name(conn: sqlite3.Connection, lang: str) -> str:
    row = conn.execute("SELECT data FROM entities WHERE kind = 'settings' AND key = 'office'").fetchone()
    names = json.loads(row[0]).get("office_names", {}) if row else {}
    return names.get(lang) or names.get("hu") or ("Ügyfélszolgálat" if lang == "hu" else "Customer service")

