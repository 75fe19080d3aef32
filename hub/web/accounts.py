"""Web accounts: users with roles, scrypt password hashes, server-side sessions.

No web framework here: the CLI (``sorra hub user add``) uses the same
functions on the database, with or without a running hub (WAL lets both
write). Sessions are random tokens; the database keeps only their SHA-256,
so a copy of the database does not let anyone in.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
import time
from dataclasses import dataclass

ROLES = ("admin", "manager", "clerk", "reception")
NAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789._-")
MIN_PASSWORD = 8
SESSION_IDLE_S = 12 * 3600
SESSION_MAX_S = 7 * 24 * 3600
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


class AccountError(ValueError):
    """A refused account change; ``code`` is an API error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class User:
    name: str
    role: str
    clerk: str | None = None
    lang: str = ""
    disabled: bool = False

    def can(self, *roles: str) -> bool:
        return self.role in roles


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, maxmem=64 * 1024 * 1024, **_SCRYPT)
    return f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        got = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p),
                             dklen=len(digest) // 2, maxmem=64 * 1024 * 1024)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got.hex(), digest)


# A hash to spend the same time on when the user does not exist (no user enumeration by timing).
_DUMMY_HASH = hash_password("not a password", salt=b"0123456789abcdef")


def validate_name(name: str) -> str:
    name = name.strip().lower()
    if not 1 <= len(name) <= 64 or not set(name) <= NAME_CHARS:
        raise AccountError("bad_args", "user name: 1–64 lowercase letters, digits, '.', '_' or '-'")
    return name


def validate_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError("bad_args", f"password: at least {MIN_PASSWORD} characters")
    if len(password) > 1024:
        raise AccountError("bad_args", "password: at most 1024 characters")


def _row_user(row: tuple) -> User:
    return User(row[0], row[1], row[2], row[3] or "", bool(row[4]))


def get_user(conn: sqlite3.Connection, name: str) -> User | None:
    row = conn.execute("SELECT name, role, clerk, lang, disabled FROM web_users WHERE name = ?", [name]).fetchone()
    return _row_user(row) if row else None


def list_users(conn: sqlite3.Connection) -> list[User]:
    return [_row_user(r) for r in conn.execute("SELECT name, role, clerk, lang, disabled FROM web_users ORDER BY name")]


def count_admins(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT COUNT(*) FROM web_users WHERE role = 'admin' AND disabled = 0").fetchone()[0]


def add_user(conn: sqlite3.Connection, name: str, role: str, password: str, *, clerk: str | None = None,
             lang: str = "", replace: bool = False) -> User:
    name = validate_name(name)
    if role not in ROLES:
        raise AccountError("bad_args", f"role: one of {', '.join(ROLES)}")
    validate_password(password)
    now = time.time()
    exists = get_user(conn, name) is not None
    if exists and not replace:
        raise AccountError("conflict", f"user {name} exists already")
    with conn:
        conn.execute(
            "INSERT INTO web_users(name, role, password_hash, clerk, lang, disabled, created_at, changed_at)"
            " VALUES (?,?,?,?,?,0,?,?) ON CONFLICT(name) DO UPDATE SET role = excluded.role,"
            " password_hash = excluded.password_hash, clerk = excluded.clerk, disabled = 0,"
            " changed_at = excluded.changed_at",
            [name, role, hash_password(password), clerk or None, lang, now, now])
        if exists:
            conn.execute("DELETE FROM web_sessions WHERE user = ?", [name])
    user = get_user(conn, name)
    assert user is not None
    return user


def update_user(conn: sqlite3.Connection, name: str, *, role: str | None = None, clerk: str | None = None,
                disabled: bool | None = None, password: str | None = None, lang: str | None = None) -> User:
    user = get_user(conn, name)
    if user is None:
        raise AccountError("not_found", f"no user {name}")
    if role is not None and role not in ROLES:
        raise AccountError("bad_args", f"role: one of {', '.join(ROLES)}")
    demoting = user.role == "admin" and ((role is not None and role != "admin") or disabled)
    if demoting and count_admins(conn) <= 1:
        raise AccountError("conflict", "the last administrator cannot be removed or demoted")
    sets: dict[str, object] = {"changed_at": time.time()}
    if role is not None:
        sets["role"] = role
    if clerk is not None:
        sets["clerk"] = clerk or None
    if disabled is not None:
        sets["disabled"] = int(disabled)
    if lang is not None:
        sets["lang"] = lang
    if password is not None:
        validate_password(password)
        sets["password_hash"] = hash_password(password)
    with conn:
        conn.execute(f"UPDATE web_users SET {', '.join(f'{k} = ?' for k in sets)} WHERE name = ?",
                     [*sets.values(), name])
        if password is not None or disabled or (role is not None and role != user.role):
            conn.execute("DELETE FROM web_sessions WHERE user = ?", [name])
    updated = get_user(conn, name)
    assert updated is not None
    return updated


def delete_user(conn: sqlite3.Connection, name: str) -> None:
    user = get_user(conn, name)
    if user is None:
        raise AccountError("not_found", f"no user {name}")
    if user.role == "admin" and not user.disabled and count_admins(conn) <= 1:
        raise AccountError("conflict", "the last administrator cannot be removed or demoted")
    with conn:
        conn.execute("DELETE FROM web_sessions WHERE user = ?", [name])
        conn.execute("DELETE FROM web_users WHERE name = ?", [name])


def authenticate(conn: sqlite3.Connection, name: str, password: str) -> User | None:
    row = conn.execute("SELECT name, role, clerk, lang, disabled, password_hash FROM web_users WHERE name = ?",
                       [name.strip().lower()]).fetchone()
    if row is None:
        check_password(password, _DUMMY_HASH)
        return None
    if not check_password(password, row[5]) or row[4]:
        return None
    return _row_user(row)


# ---- sessions -------------------------------------------------------------------

def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_session(conn: sqlite3.Connection, user: User) -> str:
    token = secrets.token_urlsafe(32)
    now = time.time()
    with conn:
        conn.execute("DELETE FROM web_sessions WHERE expires_at < ? OR seen_at < ?", [now, now - SESSION_IDLE_S])
        conn.execute("INSERT INTO web_sessions(token_hash, user, created_at, seen_at, expires_at) VALUES (?,?,?,?,?)",
                     [_token_hash(token), user.name, now, now, now + SESSION_MAX_S])
    return token


def session_user(conn: sqlite3.Connection, token: str) -> User | None:
    if not token or len(token) > 100:
        return None
    now = time.time()
    row = conn.execute(
        "SELECT u.name, u.role, u.clerk, u.lang, u.disabled, s.seen_at FROM web_sessions s"
        " JOIN web_users u ON u.name = s.user WHERE s.token_hash = ? AND s.expires_at > ?",
        [_token_hash(token), now]).fetchone()
    if row is None or row[4] or now - row[5] > SESSION_IDLE_S:
        return None
    if now - row[5] > 60:  # touch at most once a minute
        with conn:
            conn.execute("UPDATE web_sessions SET seen_at = ? WHERE token_hash = ?", [now, _token_hash(token)])
    return _row_user(row)


def end_session(conn: sqlite3.Connection, token: str) -> None:
    with conn:
        conn.execute("DELETE FROM web_sessions WHERE token_hash = ?", [_token_hash(token)])
