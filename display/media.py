"""Playlist media on the display: a checksum-addressed cache synced over HTTP.

Layout of ``[display].media_cache``::

    <sha256><.ext>        one file per media item, named by its SHA-256
    url-<hash><.ext>      files without a checksum (the office logo)
    playlist.json         the last playlist the hub published (plays on with the hub away)
    .part-*               downloads in progress (removed on start)

A file only gets its final name after its SHA-256 matched (written to a
temporary file, fsync'd, renamed), so a power cut or a truncated download
never leaves a wrong file under a valid name. :meth:`MediaCache.verify` re-hashes
everything at start-up and removes what does not match.

:class:`MediaSync` runs the downloads on its own thread: when a playlist
arrives it fetches what is missing (retrying with back-off while the hub is
away), reports each item as it becomes ready, and prunes files no playlist
item refers to any more.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sorra.protocol.messages import PlaylistItem, PlaylistState

log = logging.getLogger(__name__)

__all__ = ["MediaCache", "MediaSync", "MediaError"]

_SHA = re.compile(r"^[0-9a-f]{64}$")
_EXT = re.compile(r"^\.[a-z0-9]{1,5}$")
PLAYLIST_FILE = "playlist.json"
CHUNK = 256 * 1024


class MediaError(RuntimeError):
    """A download failed or did not match its checksum."""


def _ext(url: str) -> str:
    suffix = Path(urllib.parse.urlparse(url).path).suffix.lower()
    return suffix if _EXT.match(suffix) else ""


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class MediaCache:
    """Files by checksum under ``root`` (see the module docstring)."""

    def __init__(self, root: str | Path, max_bytes: int = 2 * 1024**3,
                 timeout_s: float = 15.0) -> None:
        self.root = Path(root)
        self.max_bytes = max_bytes
        self.timeout_s = timeout_s
        self.root.mkdir(parents=True, exist_ok=True)
        for part in self.root.glob(".part-*"):
            part.unlink(missing_ok=True)

    # ---- names ------------------------------------------------------------------

    def path_for(self, item: PlaylistItem) -> Path | None:
        """Where ``item``'s media lives (whether present or not); None for text items."""
        if item.kind == "text" or not item.url:
            return None
        sha = item.sha256.lower()
        if _SHA.match(sha):
            return self.root / f"{sha}{_ext(item.url)}"
        return self.url_path(item.url)

    def url_path(self, url: str) -> Path:
        return self.root / f"url-{hashlib.sha256(url.encode()).hexdigest()[:24]}{_ext(url)}"

    def has(self, item: PlaylistItem) -> bool:
        p = self.path_for(item)
        return p is None or p.is_file()

    # ---- downloads -----------------------------------------------------------------

    def fetch(self, item: PlaylistItem) -> Path | None:
        """Download ``item``'s media unless cached; verify its SHA-256. Raises MediaError."""
        p = self.path_for(item)
        if p is None or p.is_file():
            return p
        expected = item.sha256.lower() if _SHA.match(item.sha256.lower()) else None
        return self._download(item.url, p, expected)

    def fetch_url(self, url: str) -> Path:
        """A file without a checksum (the office logo), cached by URL."""
        p = self.url_path(url)
        if p.is_file():
            return p
        return self._download(url, p, None)

    def _download(self, url: str, dest: Path, sha256: str | None) -> Path:
        if urllib.parse.urlparse(url).scheme not in ("http", "https"):
            raise MediaError(f"{url}: only http(s) URLs are fetched")
        part = self.root / f".part-{dest.name}-{threading.get_ident()}"
        digest = hashlib.sha256()
        size = 0
        try:
            req = urllib.request.Request(url, headers={"User-Agent": "sorra-display"})
            with urllib.request.urlopen(req, timeout=self.timeout_s) as resp, part.open("wb") as f:
                while chunk := resp.read(CHUNK):
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise MediaError(f"{url}: larger than {self.max_bytes} bytes")
                    digest.update(chunk)
                    f.write(chunk)
                f.flush()
                os.fsync(f.fileno())
            got = digest.hexdigest()
            if sha256 is not None and got != sha256:
                raise MediaError(f"{url}: checksum {got[:12]}… does not match {sha256[:12]}…")
            os.replace(part, dest)
            _fsync_dir(self.root)
            log.info("media: cached %s (%d bytes)", url, size)
            return dest
        except (urllib.error.URLError, OSError, ValueError) as err:
            raise MediaError(f"{url}: {getattr(err, 'reason', err)}") from None
        finally:
            part.unlink(missing_ok=True)

    # ---- housekeeping ----------------------------------------------------------------

    def verify(self) -> list[Path]:
        """Re-hash every checksum-named file; remove and return the ones that do not match."""
        bad = []
        for p in self.root.iterdir():
            name = p.name.split(".")[0]
            if not _SHA.match(name) or not p.is_file():
                continue
            h = hashlib.sha256()
            with p.open("rb") as f:
                while chunk := f.read(CHUNK):
                    h.update(chunk)
            if h.hexdigest() != name:
                log.warning("media: %s is corrupt; removing it", p.name)
                p.unlink(missing_ok=True)
                bad.append(p)
        return bad

    def prune(self, keep: set[Path]) -> list[Path]:
        """Remove cached media not in ``keep`` (playlist.json stays)."""
        removed = []
        for p in self.root.iterdir():
            if p.name == PLAYLIST_FILE or p.name.startswith(".") or not p.is_file():
                continue
            if p not in keep:
                p.unlink(missing_ok=True)
                removed.append(p)
        if removed:
            log.info("media: pruned %d file(s) no longer in the playlist", len(removed))
        return removed

    # ---- the last playlist -------------------------------------------------------------

    def save_playlist(self, state: dict[str, Any]) -> None:
        dest = self.root / PLAYLIST_FILE
        tmp = self.root / f".{PLAYLIST_FILE}.tmp"
        with tmp.open("w", encoding="utf-8") as f:
            json.dump(state, f, ensure_ascii=False)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, dest)

    def load_playlist(self) -> PlaylistState | None:
        p = self.root / PLAYLIST_FILE
        try:
            return PlaylistState.model_validate(json.loads(p.read_text(encoding="utf-8")))
        except FileNotFoundError:
            return None
        except (ValueError, OSError) as err:
            log.warning("media: ignoring unreadable %s: %s", p, err)
            return None


class MediaSync:
    """Keeps the cache in step with the latest playlist, on a background thread.

    ``on_ready(item_id)`` is called (on the sync thread) when an item's media
    has arrived; ``on_status(missing_count)`` after every pass. Downloads that
    fail are retried with back-off (``retry_min_s`` doubling to ``retry_max_s``)
    until they succeed or the playlist no longer needs them.
    """

    def __init__(
        self,
        cache: MediaCache,
        on_ready: Callable[[str], None] | None = None,
        on_status: Callable[[int], None] | None = None,
        retry_min_s: float = 1.0,
        retry_max_s: float = 60.0,
    ) -> None:
        self.cache = cache
        self.on_ready = on_ready
        self.on_status = on_status
        self.retry_min_s = retry_min_s
        self.retry_max_s = retry_max_s
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._items: list[PlaylistItem] = []
        self._extra_urls: list[str] = []
        self._extra_known = False
        self._generation = 0
        self._thread: threading.Thread | None = None
        self.idle = threading.Event()
        self.failures = 0

    def start(self) -> MediaSync:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="media-sync", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def update(self, items: list[PlaylistItem], extra_urls: list[str] | None = None) -> None:
        """A new playlist (and other files to keep, e.g. the logo URL): sync to it."""
        with self._lock:
            self._items = list(items)
            if extra_urls is not None:
                self._extra_urls = [u for u in extra_urls if u]
                self._extra_known = True
            self._generation += 1
        self.idle.clear()
        self._wake.set()

    def retry_now(self) -> None:
        """The hub is back: try the missing downloads at once."""
        self._wake.set()

    def _run(self) -> None:
        delay = self.retry_min_s
        while not self._stop.is_set():
            self._wake.clear()
            with self._lock:
                items, extra, gen = list(self._items), list(self._extra_urls), self._generation
            if gen == 0:  # no playlist yet: nothing to fetch, and never prune on ignorance
                self._wake.wait()
                continue
            missing = self._pass(items, extra, gen)
            if self.on_status is not None:
                self.on_status(missing)
            if missing == 0:
                delay = self.retry_min_s
                with self._lock:
                    if gen == self._generation:
                        self.idle.set()
                self._wake.wait()
            else:
                self._wake.wait(delay)
                delay = min(self.retry_max_s, delay * 2)

    def _pass(self, items: list[PlaylistItem], extra: list[str], gen: int) -> int:
        keep: set[Path] = set()
        missing = 0
        for item in items:
            p = self.cache.path_for(item)
            if p is None:
                continue
            keep.add(p)
            if p.is_file():
                continue
            if self._stop.is_set() or self._changed(gen):
                return missing + 1
            try:
                self.cache.fetch(item)
            except MediaError as err:
                self.failures += 1
                missing += 1
                log.warning("media: %s", err)
                continue
            if self.on_ready is not None:
                self.on_ready(item.id)
        for url in extra:
            p = self.cache.url_path(url)
            keep.add(p)
            if not p.is_file():
                try:
                    self.cache.fetch_url(url)
                except MediaError as err:
                    missing += 1
                    log.warning("media: %s", err)
                    continue
                if self.on_ready is not None:
                    self.on_ready(url)
        if not self._changed(gen):
            with self._lock:
                extra_known = self._extra_known
            if not extra_known:  # the logo URL is not known yet: keep url-named files
                keep |= {p for p in self.cache.root.glob("url-*")}
            self.cache.prune(keep)
        return missing

    def _changed(self, gen: int) -> bool:
        with self._lock:
            return gen != self._generation
