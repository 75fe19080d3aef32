"""The announcer: one queue, one worker thread, one sound at a time.

``announce(a)`` returns at once; the worker renders chime + voice into one
WAV (so nothing can slip between them) and hands it to the player, which
blocks until the sound is over. Calls therefore never overlap and are spoken
in the order they came. A call that waited longer than ``max_age_s`` in the
queue (a burst of calls, a stuck player) is dropped with a log line rather
than announced late.

Modes: ``voice`` (chime + spoken call), ``chime`` (chime only), ``silent``.
The volume follows :class:`VolumeSchedule` (``[audio].quiet_hours``).
"""

from __future__ import annotations

import logging
import queue
import re
import tempfile
import threading
import time
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from datetime import time as dtime
from pathlib import Path

from display.announcement import Announcement
from display.audio.chime import chime as default_chime
from display.audio.players import Player
from display.audio.voices import Voice, VoiceError
from display.audio.wav import OUT_RATE, Pcm, gain_of, silence

log = logging.getLogger(__name__)

__all__ = ["Announcer", "VolumeSchedule", "render"]

_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*=\s*(\d{1,3})\s*$")


@dataclass(frozen=True)
class _Quiet:
    start: dtime
    end: dtime
    volume: int

    def covers(self, t: dtime) -> bool:
        if self.start <= self.end:
            return self.start <= t < self.end
        return t >= self.start or t < self.end  # across midnight: 22:00-06:00


class VolumeSchedule:
    """The base volume, lowered in ``"HH:MM-HH:MM=VOLUME"`` ranges (first match wins)."""

    def __init__(self, volume: int = 80, quiet_hours: list[str] | None = None) -> None:
        self.volume = volume
        self.ranges = [self.parse(r) for r in quiet_hours or []]

    @staticmethod
    def parse(text: str) -> _Quiet:
        m = _RANGE.match(text)
        if not m:
            raise ValueError(f"quiet hours {text!r}: expected 'HH:MM-HH:MM=VOLUME', e.g. '07:30-09:00=50'")
        h1, m1, h2, m2, vol = (int(g) for g in m.groups())
        if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or vol > 100:
            raise ValueError(f"quiet hours {text!r}: time or volume out of range")
        end = dtime(23, 59, 59, 999999) if h2 == 24 else dtime(h2, m2)
        return _Quiet(dtime(h1, m1), end, vol)

    def at(self, now: datetime) -> int:
        t = now.time()
        for r in self.ranges:
            if r.covers(t):
                return r.volume
        return self.volume


_chime_cache: dict[tuple[int, float], Pcm] = {}


def _chime_at(chime: Pcm | None, gain: float) -> Pcm:
    base = chime or default_chime()
    key = (id(chime) if chime is not None else 0, gain)
    pcm = _chime_cache.get(key)
    if pcm is None:
        if len(_chime_cache) > 16:
            _chime_cache.clear()
        pcm = _chime_cache[key] = base.resampled(OUT_RATE).gained(gain)
    return pcm


def render(voice: Voice | None, announcement: Announcement | None, *, mode: str = "voice",
           volume: int = 100, chime: Pcm | None = None) -> Pcm:
    """Chime (+ a short pause + the spoken call) as one PCM at the output rate.

    The volume is applied where it costs nothing per call: the chime is kept
    scaled per volume, and the voice scales itself (espeak-ng's amplitude, a
    voice pack's cached phrases).
    """
    gain = gain_of(volume)
    out = array("h", _chime_at(chime, gain).samples)
    if mode == "voice" and voice is not None and announcement is not None:
        try:
            speech = voice.synthesize(announcement, gain)
        except VoiceError as err:
            log.error("cannot speak %r: %s; playing the chime only", announcement.written, err)
        else:
            out.extend(silence(0.25).samples)
            out.extend(speech.resampled(OUT_RATE).samples)
            out.extend(silence(0.2).samples)
    return Pcm(OUT_RATE, out)


@dataclass
class _Item:
    announcement: Announcement
    queued_at: float


class Announcer:
    """Speaks announcements one after another on its own thread."""

    def __init__(
        self,
        voice: Voice | None,
        player: Player,
        *,
        mode: str = "voice",
        volume: VolumeSchedule | None = None,
        chime: Pcm | None = None,
        max_queue: int = 30,
        max_age_s: float = 90.0,
        now: Callable[[], datetime] = datetime.now,
        monotonic: Callable[[], float] = time.monotonic,
        on_played: Callable[[Announcement, float], None] | None = None,
    ) -> None:
        self.voice = voice
        self.player = player
        self.mode = mode
        self.volume = volume or VolumeSchedule()
        self.chime = chime
        self.max_age_s = max_age_s
        self.now_fn = now
        self._mono = monotonic
        self._on_played = on_played
        self._queue: queue.Queue[_Item | None] = queue.Queue(maxsize=max_queue)
        self._thread: threading.Thread | None = None
        self._workdir = tempfile.TemporaryDirectory(prefix="sorra-announce-")
        self._idle = threading.Event()
        self._idle.set()
        self._outstanding = 0
        self._count_lock = threading.Lock()
        self.played = 0
        self.dropped = 0

    # ---- lifecycle ---------------------------------------------------------------

    def start(self) -> Announcer:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="announcer", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        if self._thread is not None:
            while True:  # make room for the stop mark even if the queue is full
                try:
                    self._queue.put_nowait(None)
                    break
                except queue.Full:
                    try:
                        self._queue.get_nowait()
                    except queue.Empty:
                        pass
            self.player.stop()
            self._thread.join(timeout)
            self._thread = None
        self._workdir.cleanup()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """True when everything queued has been played (tests, the CLI)."""
        return self._idle.wait(timeout)

    # ---- use ----------------------------------------------------------------------

    def announce(self, announcement: Announcement) -> bool:
        """Queue a call; False if the mode is silent or the queue is full (logged)."""
        if self.mode == "silent":
            return False
        with self._count_lock:
            self._outstanding += 1
            self._idle.clear()
        try:
            self._queue.put_nowait(_Item(announcement, self._mono()))
        except queue.Full:
            self.dropped += 1
            log.warning("announcement queue full; not announcing %s", announcement.written)
            self._done_one()
            return False
        return True

    def _done_one(self) -> None:
        with self._count_lock:
            self._outstanding -= 1
            if self._outstanding <= 0:
                self._outstanding = 0
                self._idle.set()

    def pending(self) -> int:
        return self._queue.qsize()

    def render(self, announcement: Announcement, volume: int | None = None) -> Pcm:
        vol = self.volume.at(self.now_fn()) if volume is None else volume
        return render(self.voice, announcement, mode=self.mode, volume=vol, chime=self.chime)

    # ---- worker ---------------------------------------------------------------------

    def _run(self) -> None:
        path = Path(self._workdir.name) / "announce.wav"
        while True:
            item = self._queue.get()
            if item is None:
                return
            try:
                self._play(item, path)
            except Exception:  # one bad call must not silence the rest of the day
                log.exception("announcing %s failed", item.announcement.written)
            finally:
                self._done_one()

    def _play(self, item: _Item, path: Path) -> None:
        age = self._mono() - item.queued_at
        if age > self.max_age_s:
            self.dropped += 1
            log.warning("dropping stale announcement %s (%.0f s old)", item.announcement.written, age)
            return
        volume = self.volume.at(self.now_fn())
        if volume <= 0:
            return
        pcm = self.render(item.announcement, volume)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(pcm.to_wav())
        tmp.replace(path)
        self.player.play(path, pcm.duration_s)
        self.played += 1
        if self._on_played is not None:
            self._on_played(item.announcement, pcm.duration_s)
