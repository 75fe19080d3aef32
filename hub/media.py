"""Display media and the playlist.

Uploads are stored by content: ``data_dir/media/<sha256>``, so the same file
uploaded twice is stored once, a URL never changes meaning, and displays cache
by checksum. The kind is read from the file's first bytes, never trusted from
the browser. The playlist (items and ticker lines) lives in the web app's
key/value table and is published retained on ``state/playlist``
(:class:`sorra.protocol.messages.PlaylistState`) with absolute media URLs.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any, BinaryIO

from pydantic import ValidationError

from sorra.protocol.messages import PlaylistItem, PlaylistState

MAX_BYTES = 512 * 1024 * 1024
KV_KEY = "playlist"

_MAGIC: list[tuple[bytes, int, str, str]] = [
    (b"\x89PNG\r\n\x1a\n", 0, "image", "image/png"),
    (b"\xff\xd8\xff", 0, "image", "image/jpeg"),
    (b"GIF87a", 0, "image", "image/gif"),
    (b"GIF89a", 0, "image", "image/gif"),
    (b"\x1a\x45\xdf\xa3", 0, "video", "video/webm"),
]


class MediaError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def sniff(head: bytes) -> tuple[str, str]:
    """(kind, mime) from a file's first bytes; MediaError when it is no image or video we play."""
    for magic, offset, kind, mime in _MAGIC:
        if head[offset:offset + len(magic)] == magic:
            return kind, mime
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image", "image/webp"
    if head[4:8] == b"ftyp":
        return "video", "video/mp4"
    raise MediaError("bad_args", "not an image (PNG, JPEG, GIF, WebP) or a video (MP4, WebM)")


def is_sha256(text: str) -> bool:
    return len(text) == 64 and all(c in "0123456789abcdef" for c in text)


class MediaStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, sha: str) -> Path | None:
        if not is_sha256(sha):
            return None
        p = self.root / sha
        return p if p.is_file() else None

    def save(self, conn: sqlite3.Connection, stream: BinaryIO, name: str) -> dict[str, Any]:
        """Store an upload (streamed, hashed on the way); returns its row."""
        self.root.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        head = b""
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := stream.read(1024 * 1024):
                    if len(head) < 64:
                        head += chunk[: 64 - len(head)]
                    size += len(chunk)
                    if size > MAX_BYTES:
                        raise MediaError("too_large", f"larger than {MAX_BYTES // (1024 * 1024)} MB")
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            if size == 0:
                raise MediaError("bad_args", "empty file")
            kind, mime = sniff(head)
            sha = digest.hexdigest()
            os.replace(tmp, self.root / sha)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        row = {"sha256": sha, "name": Path(name or sha).name[:200], "kind": kind, "mime": mime, "size": size,
               "uploaded_at": time.time()}
        with conn:
            conn.execute("INSERT INTO media(sha256, name, kind, mime, size, uploaded_at) VALUES (?,?,?,?,?,?)"
                         " ON CONFLICT(sha256) DO UPDATE SET name = excluded.name",
                         list(row.values()))
        return row

    def list(self, conn: sqlite3.Connection) -> list[dict[str, Any]]:
        cols = ("sha256", "name", "kind", "mime", "size", "uploaded_at")
        return [dict(zip(cols, r, strict=True)) for r in conn.execute(
            f"SELECT {', '.join(cols)} FROM media ORDER BY uploaded_at DESC")]

    def info(self, conn: sqlite3.Connection, sha: str) -> dict[str, Any] | None:
        return next((m for m in self.list(conn) if m["sha256"] == sha), None)

    def delete(self, conn: sqlite3.Connection, sha: str) -> None:
        if any(i.get("sha256") == sha for i in load_playlist(conn)["items"]):
            raise MediaError("conflict", "this file is in the playlist; take it out first")
        with conn:
            conn.execute("DELETE FROM media WHERE sha256 = ?", [sha])
        p = self.path(sha)
        if p is not None:
            p.unlink(missing_ok=True)


# ---- playlist --------------------------------------------------------------------

def load_playlist(conn: sqlite3.Connection) -> dict[str, Any]:
    row = conn.execute("SELECT value FROM web_kv WHERE key = ?", [KV_KEY]).fetchone()
    data = json.loads(row[0]) if row else {}
    return {"items": list(data.get("items", [])), "ticker": list(data.get("ticker", []))}


def validate_items(items: Iterable[dict[str, Any]], known: set[str]) -> list[dict[str, Any]]:
    out = []
    for raw in items:
        item = dict(raw)
        item.setdefault("id", uuid.uuid4().hex[:12])
        item.pop("url", None)
        try:
            model = PlaylistItem.model_validate(item)
        except ValidationError as err:
            first = err.errors()[0]
            raise MediaError("bad_args", f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}") from None
        if model.kind == "text":
            if not model.text.strip():
                raise MediaError("bad_args", "a text item needs text")
        elif model.sha256 not in known:
            raise MediaError("not_found", f"no uploaded file {model.sha256[:12]}…")
        if not 2 <= model.duration_s <= 3600:
            raise MediaError("bad_args", "duration: 2–3600 seconds")
        if any(d not in range(7) for d in model.days):
            raise MediaError("bad_args", "days: 0 (Monday) … 6 (Sunday)")
        for hhmm in (model.start, model.end):
            if hhmm and not _hhmm(hhmm):
                raise MediaError("bad_args", f"time {hhmm!r}: HH:MM")
        out.append(model.model_dump(exclude={"url"}))
    return out


def _hhmm(text: str) -> bool:
    try:
        h, m = text.split(":")
        return len(m) == 2 and 0 <= int(h) <= 24 and 0 <= int(m) <= 59
    except ValueError:
        return False


def save_playlist(conn: sqlite3.Connection, items: list[dict[str, Any]], ticker: list[str]) -> dict[str, Any]:
    known = {r[0] for r in conn.execute("SELECT sha256 FROM media")}
    data = {"items": validate_items(items, known),
            "ticker": [t.strip()[:300] for t in ticker if t and t.strip()][:50]}
    with conn:
        conn.execute("INSERT INTO web_kv(key, value, changed_at) VALUES (?,?,?)"
                     " ON CONFLICT(key) DO UPDATE SET value = excluded.value, changed_at = excluded.changed_at",
                     [KV_KEY, json.dumps(data, ensure_ascii=False), time.time()])
    return data


def playlist_state(data: dict[str, Any], public_url: str, kinds: dict[str, str] | None = None) -> dict[str, Any]:
    """The retained ``state/playlist`` payload: absolute URLs, a version that changes with the content."""
    base = public_url.rstrip("/")
    items = []
    for item in data["items"]:
        out = dict(item)
        if out.get("kind") != "text" and out.get("sha256"):
            out["url"] = f"{base}/media/{out['sha256']}"
            if kinds and out["sha256"] in kinds:
                out["kind"] = kinds[out["sha256"]]
        items.append(out)
    canonical = json.dumps({"items": items, "ticker": data["ticker"]}, sort_keys=True, ensure_ascii=False)
    version = hashlib.sha256(canonical.encode()).hexdigest()[:16]
    state = {"items": items, "ticker": data["ticker"], "version": version, "at": time.time()}
    return PlaylistState.model_validate(state).model_dump()
