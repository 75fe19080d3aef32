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


MIGRATIONS: list[Step] = [_v1]


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

