"""API tokens for integrations: ``Authorization: Bearer <token>`` on the REST API.

A token is 32 random bytes (``sorra_…``, 256 bits), shown once when it is
made; the database keeps only its SHA-256 (a slow hash adds nothing for a
random secret of this size). Each token has a name and a role with the same
rights as a web user of that role. Removing it takes effect on the next
request (every request looks the hash up). Like :mod:`hub.web.accounts`, the
functions work on the database directly, so ``sorra hub token …`` works
whether the hub runs or not.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import time
from dataclasses import dataclass

from hub.web.accounts import ROLES, AccountError, User

PREFIX = "sorra_"
TOUCH_S = 60.0
TOKEN_USER = "token:"
"""Requests made with a token act as the user ``token:<name>``."""

SCHEMA = """CREATE TABLE IF NOT EXISTS web_tokens (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at REAL NOT NULL,
    used_at REAL
)"""


@dataclass(frozen=True)
class Token:
    name: str
    role: str
    created_at: float
    used_at: float | None


def ensure_table(conn: sqlite3.Connection) -> None:
    with conn:
        conn.execute(SCHEMA)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def add_token(conn: sqlite3.Connection, name: str, role: str) -> tuple[Token, str]:
    """Make a token; returns it with its secret (shown once, never stored)."""
    from hub.web.accounts import validate_name

    ensure_table(conn)
    name = validate_name(name)
    if role not in ROLES:
        raise AccountError("bad_args", f"role: one of {', '.join(ROLES)}")
    secret = PREFIX + secrets.token_urlsafe(32)
    now = time.time()
    try:
        with conn:
            conn.execute("INSERT INTO web_tokens(name, role, token_hash, created_at) VALUES (?,?,?,?)",
                         [name, role, _hash(secret), now])
    except sqlite3.IntegrityError:
        raise AccountError("conflict", f"token {name} exists already; remove it first") from None
    return Token(name, role, now, None), secret


def list_tokens(conn: sqlite3.Connection) -> list[Token]:
    ensure_table(conn)
    return [Token(*r) for r in conn.execute("SELECT name, role, created_at, used_at FROM web_tokens ORDER BY name")]


def remove_token(conn: sqlite3.Connection, name: str) -> None:
    ensure_table(conn)
    with conn:
        gone = conn.execute("DELETE FROM web_tokens WHERE name = ?", [name.strip().lower()]).rowcount
    if not gone:
        raise AccountError("not_found", f"no token {name}")


def token_user(conn: sqlite3.Connection, secret: str) -> User | None:
    """The user a bearer token acts as, or None (unknown, removed or malformed)."""
    if not secret.startswith(PREFIX) or len(secret) > 100 or not secret.isascii():
        return None
    digest = _hash(secret)
    row = conn.execute("SELECT name, role, used_at FROM web_tokens WHERE token_hash = ?", [digest]).fetchone()
    if row is None:
        return None
    now = time.time()
    if row[2] is None or now - row[2] > TOUCH_S:
        with conn:
            conn.execute("UPDATE web_tokens SET used_at = ? WHERE token_hash = ?", [now, digest])
    return User(TOKEN_USER + row[0], row[1])
