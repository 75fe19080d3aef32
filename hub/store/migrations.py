"""Versioned schema. Each step runs once, in order, in its own transaction;
``PRAGMA user_version`` records how far a database has come. Never edit a
released step: add a new one."""

from __future__ import annotations

from collections.abc import Callable

import sqlite_utils

Step = Callable[[sqlite_utils.Database], None]


def _v1(db: sqlite_utils.Database) -> None:
    db.execute(
        """CREATE TABLE events (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            at REAL NOT NULL,
            day TEXT NOT NULL,
            type TEXT NOT NULL,
            ticket TEXT,
            counter INTEGER,
            clerk TEXT,
            service TEXT,
            data TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX events_at ON events(at)")
    db.execute("CREATE INDEX events_day_type ON events(day, type)")
    db.execute("CREATE INDEX events_ticket ON events(ticket)")
    db.execute(
        """CREATE TABLE tickets (
            id TEXT PRIMARY KEY,
            day TEXT NOT NULL,
            number TEXT NOT NULL,
            state TEXT NOT NULL,
            token TEXT NOT NULL DEFAULT '',
            issued_at REAL NOT NULL,
            data TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX tickets_day ON tickets(day)")
    db.execute("CREATE UNIQUE INDEX tickets_day_number ON tickets(day, number)")
    db.execute("CREATE INDEX tickets_token ON tickets(token)")
    db.execute(
        """CREATE TABLE entities (
            kind TEXT NOT NULL,
            key TEXT NOT NULL,
            data TEXT NOT NULL,
            PRIMARY KEY (kind, key)
        )"""
    )
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    db.execute(
        """CREATE TABLE requests (
            device TEXT NOT NULL,
            req TEXT NOT NULL,
            op TEXT NOT NULL,
            reply TEXT NOT NULL,
            at REAL NOT NULL,
            PRIMARY KEY (device, req)
        )"""
    )
    db.execute("CREATE INDEX requests_at ON requests(at)")
    db.execute(
        """CREATE TABLE devices (
            id TEXT PRIMARY KEY,
            role TEXT NOT NULL,
            counter INTEGER,
            name TEXT NOT NULL DEFAULT '',
            password_hash TEXT NOT NULL,
            created_at REAL NOT NULL,
            data TEXT NOT NULL DEFAULT '{}'
        )"""
    )


def _v2_web(db: sqlite_utils.Database) -> None:
    """Web app: accounts, sessions, key/value settings of its own, uploaded media."""
    db.execute(
        """CREATE TABLE web_users (
            name TEXT PRIMARY KEY,
            role TEXT NOT NULL,
            password_hash TEXT NOT NULL,
            clerk TEXT,
            lang TEXT NOT NULL DEFAULT '',
            disabled INTEGER NOT NULL DEFAULT 0,
            created_at REAL NOT NULL,
            changed_at REAL NOT NULL
        )"""
    )
    db.execute(
        """CREATE TABLE web_sessions (
            token_hash TEXT PRIMARY KEY,
            user TEXT NOT NULL,
            created_at REAL NOT NULL,
            seen_at REAL NOT NULL,
            expires_at REAL NOT NULL
        )"""
    )
    db.execute("CREATE INDEX web_sessions_user ON web_sessions(user)")
    db.execute("CREATE TABLE web_kv (key TEXT PRIMARY KEY, value TEXT NOT NULL, changed_at REAL NOT NULL)")
    db.execute(
        """CREATE TABLE media (
            sha256 TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            kind TEXT NOT NULL,
            mime TEXT NOT NULL,
            size INTEGER NOT NULL,
            uploaded_at REAL NOT NULL
        )"""
    )


def _v3_stats(db: sqlite_utils.Database) -> None:
    """Statistics fact tables, kept by hub.stats' projector inside every commit."""
    db.execute("CREATE TABLE stat_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    db.execute(
        """CREATE TABLE stat_ticket (
            id TEXT PRIMARY KEY,
            day TEXT NOT NULL,
            issued_at REAL NOT NULL,
            hour INTEGER NOT NULL,
            service TEXT NOT NULL,
            n_services INTEGER NOT NULL,
            channel TEXT NOT NULL,
            priority INTEGER NOT NULL,
            appointment INTEGER NOT NULL,
            outcome TEXT NOT NULL,
            first_called_at REAL,
            calls INTEGER NOT NULL DEFAULT 0,
            recalls INTEGER NOT NULL DEFAULT 0,
            transfers INTEGER NOT NULL DEFAULT 0,
            returns INTEGER NOT NULL DEFAULT 0,
            no_shows INTEGER NOT NULL DEFAULT 0,
            ended_at REAL,
            last_clerk TEXT,
            last_counter INTEGER
        )"""
    )
    db.execute("CREATE INDEX stat_ticket_day ON stat_ticket(day)")
    db.execute(
        """CREATE TABLE stat_case (
            ticket TEXT NOT NULL,
            service TEXT NOT NULL,
            day TEXT NOT NULL,
            outcome TEXT NOT NULL,
            via_transfer INTEGER NOT NULL DEFAULT 0,
            clerk TEXT,
            counter INTEGER,
            served_at REAL,
            PRIMARY KEY (ticket, service)
        )"""
    )
    db.execute("CREATE INDEX stat_case_day ON stat_case(day)")
    db.execute(
        """CREATE TABLE stat_contact (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            ticket TEXT NOT NULL,
            day TEXT NOT NULL,
            service TEXT,
            counter INTEGER NOT NULL,
            clerk TEXT,
            queued_at REAL,
            called_at REAL NOT NULL,
            wait_s REAL,
            wait_hour INTEGER,
            call_hour INTEGER NOT NULL,
            started_at REAL,
            ended_at REAL,
            service_s REAL,
            outcome TEXT NOT NULL,
            first INTEGER NOT NULL DEFAULT 0,
            implicit INTEGER NOT NULL DEFAULT 0,
            recalls INTEGER NOT NULL DEFAULT 0,
            cases_done INTEGER NOT NULL DEFAULT 0
        )"""
    )
    db.execute("CREATE INDEX stat_contact_day ON stat_contact(day)")
    db.execute("CREATE INDEX stat_contact_open ON stat_contact(ticket) WHERE outcome = 'open'")
    db.execute(
        """CREATE TABLE stat_background (
            id TEXT PRIMARY KEY,
            day TEXT NOT NULL,
            counter INTEGER,
            clerk TEXT,
            kind TEXT NOT NULL,
            started_at REAL NOT NULL,
            stopped_at REAL,
            duration_s REAL,
            reason TEXT NOT NULL DEFAULT ''
        )"""
    )
    db.execute("CREATE INDEX stat_background_day ON stat_background(day)")
    db.execute(
        """CREATE TABLE stat_feedback (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at REAL NOT NULL,
            day TEXT NOT NULL,
            counter INTEGER,
            clerk TEXT,
            ticket TEXT,
            service TEXT,
            score TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX stat_feedback_day ON stat_feedback(day)")
    db.execute(
        """CREATE TABLE stat_session (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            day TEXT NOT NULL,
            kind TEXT NOT NULL,
            clerk TEXT,
            counter INTEGER NOT NULL,
            start REAL NOT NULL,
            end REAL,
            reason TEXT NOT NULL DEFAULT ''
        )"""
    )
    db.execute("CREATE INDEX stat_session_day ON stat_session(day)")
    db.execute("CREATE INDEX stat_session_open ON stat_session(counter, kind) WHERE end IS NULL")
    # Columnar copies of complete days (numpy arrays as bytes; keys holds the day's names).
    db.execute("CREATE TABLE stat_pack (day TEXT PRIMARY KEY, generation INTEGER NOT NULL, keys TEXT NOT NULL,"
               " contacts BLOB NOT NULL, tickets BLOB NOT NULL, cases BLOB NOT NULL, feedback BLOB NOT NULL)")


def _v4_central(db: sqlite_utils.Database) -> None:
    """Replication to a central service (hub/central_link.py): the last sequence it acknowledged."""
    db.execute("CREATE TABLE central_ack (target TEXT PRIMARY KEY, acked_seq INTEGER NOT NULL, at REAL NOT NULL)")


def _v5_notify(db: sqlite_utils.Database) -> None:
    """Messages to citizens (hub/notify): the outbox, its settings, tickets being followed.

    ``key`` makes each message unique (one confirmation per booking event, one
    reminder per appointment time…), so writing it twice is a no-op. ``about_at``
    is the time of the appointment or ticket a contact belongs to: contacts are
    erased a set number of days after it.
    """
    db.execute(
        """CREATE TABLE notify_outbox (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            key TEXT NOT NULL UNIQUE,
            created_at REAL NOT NULL,
            channel TEXT NOT NULL,
            to_addr TEXT NOT NULL,
            kind TEXT NOT NULL,
            lang TEXT NOT NULL DEFAULT 'hu',
            ref TEXT NOT NULL DEFAULT '',
            subject TEXT NOT NULL DEFAULT '',
            body TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'queued',
            attempts INTEGER NOT NULL DEFAULT 0,
            next_at REAL NOT NULL,
            expires_at REAL,
            last_error TEXT NOT NULL DEFAULT '',
            sent_at REAL,
            about_at REAL NOT NULL
        )"""
    )
    db.execute("CREATE INDEX notify_outbox_due ON notify_outbox(next_at) WHERE state = 'queued'")
    db.execute("CREATE INDEX notify_outbox_ref ON notify_outbox(ref)")
    db.execute("CREATE TABLE notify_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL, changed_at REAL NOT NULL)")
    db.execute(
        """CREATE TABLE notify_follow (
            ticket TEXT PRIMARY KEY,
            token TEXT NOT NULL,
            day TEXT NOT NULL,
            contact TEXT NOT NULL,
            channel TEXT NOT NULL,
            lang TEXT NOT NULL DEFAULT 'hu',
            ahead_sent INTEGER NOT NULL DEFAULT 0,
            called_sent INTEGER NOT NULL DEFAULT 0,
            created_at REAL NOT NULL,
            about_at REAL NOT NULL
        )"""
    )


def _v6_desk(db: sqlite_utils.Database) -> None:
    """Outcome (wrap-up) codes recorded when a case is finished (one row per case and code); families:
    a ticket's people, and a service listed n times on one ticket is n cases; the background backlog;
    NPS answers."""
    db.execute("ALTER TABLE stat_ticket ADD COLUMN people INTEGER NOT NULL DEFAULT 1")
    db.execute("ALTER TABLE stat_case ADD COLUMN n INTEGER NOT NULL DEFAULT 1")
    db.execute(
        """CREATE TABLE stat_outcome (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            ticket TEXT NOT NULL,
            service TEXT NOT NULL,
            day TEXT NOT NULL,
            code TEXT NOT NULL,
            clerk TEXT,
            counter INTEGER,
            at REAL NOT NULL
        )"""
    )
    db.execute("CREATE INDEX stat_outcome_day ON stat_outcome(day)")
    db.execute("CREATE INDEX stat_outcome_ticket ON stat_outcome(ticket)")
    # Background work as a backlog: one row per recorded case, by the day it was recorded.
    db.execute("ALTER TABLE stat_background ADD COLUMN backlog TEXT")
    db.execute(
        """CREATE TABLE stat_backlog (
            id TEXT PRIMARY KEY,
            day TEXT NOT NULL,
            kind TEXT NOT NULL,
            recorded_at REAL NOT NULL,
            taken_at REAL,
            done_at REAL,
            clerk TEXT,
            work_s REAL NOT NULL DEFAULT 0
        )"""
    )
    db.execute("CREATE INDEX stat_backlog_day ON stat_backlog(day)")
    # NPS answers from the one-page survey (/f/{token}): stored by the web app, one per ticket.
    db.execute(
        """CREATE TABLE nps_answer (
            token TEXT PRIMARY KEY,
            ticket TEXT NOT NULL,
            day TEXT NOT NULL,
            service TEXT,
            clerk TEXT,
            score INTEGER NOT NULL CHECK (score BETWEEN 0 AND 10),
            at REAL NOT NULL
        )"""
    )
    db.execute("CREATE INDEX nps_answer_day ON nps_answer(day)")


def _v7_lean_indexes(db: sqlite_utils.Database) -> None:
    """Indexes no query uses, dropped: every index is one more page written (and fsynced) per commit.

    ``events_at`` and ``events_ticket``: the log is read by ``seq`` (replay, statistics, central)
    and by ``(day, type)``; ``tickets_day`` is the prefix of ``tickets_day_number``. A request's
    commit goes from 22 to 19 pages for an issue and from 16 to 14 for a call (docs/performance.md).
    """
    for index in ("events_at", "events_ticket", "tickets_day"):
        db.execute(f"DROP INDEX IF EXISTS {index}")


MIGRATIONS: list[Step] = [_v1, _v2_web, _v3_stats, _v4_central, _v5_notify, _v6_desk, _v7_lean_indexes]


def migrate(db: sqlite_utils.Database) -> int:
    """Bring the schema up to date; returns the version reached."""
    current = db.execute("PRAGMA user_version").fetchone()[0]
    for version, step in enumerate(MIGRATIONS, start=1):
        if version <= current:
            continue
        with db.atomic():
            step(db)
            db.execute(f"PRAGMA user_version = {version}")
    return len(MIGRATIONS)

