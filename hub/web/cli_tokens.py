"""``sorra hub token …``: API tokens for integrations, straight on the database (the hub may run or not)."""

from __future__ import annotations

import argparse
import json
import sqlite3
import time
from pathlib import Path
from typing import Any

from hub.web import accounts, tokens
from hub.web.cli_users import on_database


def add_token_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    tok = sub.add_parser("token", parents=[common], help="API tokens for integrations (Authorization: Bearer)")
    tsub = tok.add_subparsers(dest="action", required=True)
    tadd = tsub.add_parser("add", parents=[common], help="make a token; prints it once as JSON")
    tadd.add_argument("name")
    tadd.add_argument("--role", required=True, choices=list(accounts.ROLES))
    tsub.add_parser("list", parents=[common], help="list tokens (never their secrets)").add_argument(
        "--json", action="store_true")
    trm = tsub.add_parser("remove", parents=[common], help="revoke a token (at once)")
    trm.add_argument("name")


def _iso(ts: float | None) -> str | None:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(ts)) if ts else None


def run(args: argparse.Namespace, data_dir: Path) -> int:
    def act(conn: sqlite3.Connection) -> None:
        if args.action == "add":
            tok, secret = tokens.add_token(conn, args.name, args.role)
            print(json.dumps({"name": tok.name, "role": tok.role, "token": secret,
                              "created_at": _iso(tok.created_at),
                              "use": "Authorization: Bearer <token> on /api/v1"}, ensure_ascii=False))
        elif args.action == "list":
            rows = tokens.list_tokens(conn)
            if args.json:
                print(json.dumps([{"name": t.name, "role": t.role, "created_at": _iso(t.created_at),
                                   "used_at": _iso(t.used_at)} for t in rows], ensure_ascii=False))
            for t in rows if not args.json else []:
                print(f"{t.name:<24} {t.role:<8} created {_iso(t.created_at)}  last used {_iso(t.used_at) or '-'}")
        elif args.action == "remove":
            tokens.remove_token(conn, args.name)
            print(f"token {args.name} removed")

    return on_database(data_dir, act)
