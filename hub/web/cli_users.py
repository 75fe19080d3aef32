"""``sorra hub user …``: web accounts, straight on the database (the hub may run or not)."""

from __future__ import annotations

import argparse
import getpass
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hub.web import accounts


def add_user_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    usr = sub.add_parser("user", parents=[common], help="web accounts (admin, manager, clerk)")
    usub = usr.add_subparsers(dest="action", required=True)
    uadd = usub.add_parser("add", parents=[common], help="add a web user (or reset one with --replace)")
    uadd.add_argument("name")
    uadd.add_argument("--role", required=True, choices=list(accounts.ROLES))
    uadd.add_argument("--clerk", default="", help="for a clerk: the clerk id at the counters")
    uadd.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    uadd.add_argument("--replace", action="store_true", help="reset the password and role of an existing user")
    usub.add_parser("list", parents=[common], help="list web users")
    urm = usub.add_parser("remove", parents=[common], help="remove a web user")
    urm.add_argument("name")


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != first:
        raise accounts.AccountError("bad_args", "the passwords differ")
    return first


def on_database(data_dir: Path, action: Callable[[sqlite3.Connection], None]) -> int:
    """Run a CLI action on the hub's database (the hub may run or not): 0, or 1 with the refusal shown."""
    from hub.app import DB_NAME
    from hub.store import open_db

    data_dir.mkdir(parents=True, exist_ok=True)
    db = open_db(data_dir / DB_NAME)
    try:
        action(db.conn)
        return 0
    except accounts.AccountError as err:
        print(f"sorra hub: {err.code}: {err.message}", file=sys.stderr)
        return 1
    finally:
        db.close()


def run(args: argparse.Namespace, data_dir: Path) -> int:
    def act(conn: sqlite3.Connection) -> None:
        if args.action == "add":
            user = accounts.add_user(conn, args.name, args.role, _password(args), clerk=args.clerk or None,
                                     replace=args.replace)
            print(f"user {user.name} ({user.role}) saved")
        elif args.action == "list":
            for u in accounts.list_users(conn):
                extra = f" clerk={u.clerk}" if u.clerk else ""
                print(f"{u.name:<24} {u.role:<8}{extra}{' (disabled)' if u.disabled else ''}")
        elif args.action == "remove":
            accounts.delete_user(conn, args.name)
            print(f"user {args.name} removed")

    return on_database(data_dir, act)
