"""Playlist schedules and the media cache/sync over HTTP with checksums."""

from __future__ import annotations

import hashlib
import threading
from datetime import datetime
from pathlib import Path

from display.media import MediaCache, MediaSync
from display.playlist import Scheduler, is_active
from sorra.protocol.messages import PlaylistItem, PlaylistState
from tests.display.conftest import MediaServer, png_bytes

MON = datetime(2026, 3, 2)  # a Monday


def item(id_: str = "x", **kw) -> PlaylistItem:
    return PlaylistItem(id=id_, kind=kw.pop("kind", "text"), **kw)


def at(day: int, hh: int, mm: int = 0) -> datetime:
    return MON.replace(day=2 + day, hour=hh, minute=mm)


def test_day_and_time_windows() -> None:
    always = item()
    assert is_active(always, at(6, 3))
    weekdays = item(days=[0, 1, 2, 3, 4])
    assert is_active(weekdays, at(4, 12)) and not is_active(weekdays, at(5, 12))
    morning = item(start="08:00", end="12:00")
    assert not is_active(morning, at(0, 7, 59))
    assert is_active(morning, at(0, 8)) and is_active(morning, at(0, 11, 59))
    assert not is_active(morning, at(0, 12))
    from_noon = item(start="12:00")
    assert not is_active(from_noon, at(0, 11)) and is_active(from_noon, at(0, 23))
    until_ten = item(end="10:00")
    assert is_active(until_ten, at(0, 9)) and not is_active(until_ten, at(0, 10))
    # Friday night 22:00 to 06:00: belongs to Friday, runs into Saturday morning
    night = item(days=[4], start="22:00", end="06:00")
    assert is_active(night, at(4, 23)) and is_active(night, at(5, 5))
    assert not is_active(night, at(5, 23)) and not is_active(night, at(4, 5))
    assert not is_active(night, at(4, 21))
    broken = item(start="25:00", end="xx")  # malformed bounds are ignored
    assert is_active(broken, at(0, 3))


def test_round_robin_skips_inactive_and_unready_items() -> None:
    s = Scheduler()
    s.set_items([item("a"), item("b", start="18:00"), item("c", kind="image"), item("d", duration_s=0.1)])
    ready = lambda i: i.id != "c"  # noqa: E731  (c's media has not arrived)
    seq = [s.advance(at(0, 10), ready).item.id for _ in range(5)]
    assert seq == ["a", "d", "a", "d", "a"]
    assert s.advance(at(0, 10), ready).duration_s == 2.0  # clamped to the minimum
    assert [s.advance(at(0, 19), lambda i: True).item.id for _ in range(4)] == ["a", "b", "c", "d"]
    assert s.advance(at(0, 10), lambda i: False) is None


def test_a_new_playlist_keeps_the_rotation_position() -> None:
    s = Scheduler()
    s.set_items([item("a"), item("b"), item("c")])
    now = at(0, 10)
    assert s.advance(now, lambda i: True).item.id == "a"
    assert s.advance(now, lambda i: True).item.id == "b"
    s.set_items([item("z"), item("a"), item("b"), item("c")])
    assert s.advance(now, lambda i: True).item.id == "c"
    s.set_items([])
    assert s.advance(now, lambda i: True) is None


def _wait_sync(sync: MediaSync) -> None:
    assert sync.idle.wait(10), "media sync did not finish"


def test_sync_downloads_verifies_caches_and_prunes(tmp_path: Path, media_server: MediaServer) -> None:
    red, blue = png_bytes("#cc0000"), png_bytes("#0000cc")
    sha_red = media_server.put("red.png", red)
    sha_blue = media_server.put("blue.png", blue)
    items = [
        item("r", kind="image", url=media_server.url("red.png"), sha256=sha_red),
        item("b", kind="image", url=media_server.url("blue.png"), sha256=sha_blue),
        item("t", kind="text", text="Welcome"),
    ]
    cache = MediaCache(tmp_path / "cache")
    ready: list[str] = []
    sync = MediaSync(cache, on_ready=ready.append, retry_min_s=0.05).start()
    try:
        sync.update(items)
        _wait_sync(sync)
        assert sorted(ready) == ["b", "r"]
        assert cache.path_for(items[0]) == tmp_path / "cache" / f"{sha_red}.png"
        assert cache.path_for(items[0]).read_bytes() == red
        assert all(cache.has(i) for i in items)
        # the same playlist again: nothing is downloaded twice
        n = len(media_server.requests)
        sync.update(items)
        _wait_sync(sync)
        assert len(media_server.requests) == n
        # a playlist without the red image: its file goes
        sync.update(items[1:])
        _wait_sync(sync)
        assert not (tmp_path / "cache" / f"{sha_red}.png").exists()
        assert cache.has(items[1])
    finally:
        sync.stop()


def test_a_wrong_checksum_is_never_cached_and_is_retried(tmp_path: Path, media_server: MediaServer) -> None:
    good = png_bytes("#00aa00")
    sha = hashlib.sha256(good).hexdigest()
    media_server.put("ad.png", b"truncated or tampered")
    it = item("ad", kind="image", url=media_server.url("ad.png"), sha256=sha)
    cache = MediaCache(tmp_path / "cache")
    arrived = threading.Event()
    attempts = threading.Semaphore(0)
    sync = MediaSync(cache, on_ready=lambda _id: arrived.set(),
                     on_status=lambda missing: attempts.release(), retry_min_s=0.05, retry_max_s=0.1)
    sync.start()
    try:
        sync.update([it])
        assert attempts.acquire(timeout=5)
        assert not cache.has(it)
        assert list((tmp_path / "cache").glob(".part-*")) == []  # no leftovers
        media_server.put("ad.png", good)  # the hub fixes the file
        assert arrived.wait(5)
        assert cache.path_for(it).read_bytes() == good
    finally:
        sync.stop()


def test_cached_playlist_survives_the_hub_going_away(tmp_path: Path, media_server: MediaServer) -> None:
    img = png_bytes()
    sha = media_server.put("a.png", img)
    state = PlaylistState(items=[item("a", kind="image", url=media_server.url("a.png"), sha256=sha)],
                          ticker=["Hello"], version="7", at=1.0)
    cache = MediaCache(tmp_path / "cache")
    sync = MediaSync(cache, retry_min_s=0.05).start()
    sync.update(state.items)
    _wait_sync(sync)
    cache.save_playlist(state.model_dump())
    sync.stop()
    media_server.stop()  # the hub is away; the display restarts
    cache2 = MediaCache(tmp_path / "cache")
    restored = cache2.load_playlist()
    assert restored is not None and restored.version == "7" and restored.ticker == ["Hello"]
    assert cache2.has(restored.items[0])
    sync2 = MediaSync(cache2, retry_min_s=0.05).start()
    sync2.update(restored.items)
    _wait_sync(sync2)  # nothing to fetch, nothing pruned
    assert cache2.has(restored.items[0])
    sync2.stop()


def test_verify_removes_corrupt_files(tmp_path: Path) -> None:
    cache = MediaCache(tmp_path)
    data = b"hello"
    good = tmp_path / f"{hashlib.sha256(data).hexdigest()}.png"
    good.write_bytes(data)
    bad = tmp_path / f"{hashlib.sha256(b'other').hexdigest()}.png"
    bad.write_bytes(b"bit rot")
    assert cache.verify() == [bad]
    assert good.exists() and not bad.exists()


def test_logo_by_url_and_non_http_refused(tmp_path: Path, media_server: MediaServer) -> None:
    media_server.put("logo.png", png_bytes())
    cache = MediaCache(tmp_path / "c")
    p = cache.fetch_url(media_server.url("logo.png"))
    assert p.name.startswith("url-") and p.suffix == ".png"
    import pytest

    from display.media import MediaError

    with pytest.raises(MediaError):
        cache.fetch_url("file:///etc/passwd")
