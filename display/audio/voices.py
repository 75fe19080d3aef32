"""Voices: turn an :class:`~display.announcement.Announcement` into PCM, offline.

* :class:`EspeakVoice` runs ``espeak-ng -v hu --stdout TEXT`` (Hungarian and
  English voices ship with espeak-ng; no network).
* :class:`VoicePackVoice` joins recorded phrases, one WAV per word key, from
  ``<pack>/<lang>/<key>.wav`` (:func:`script` lists every key with the text to
  record; ``sorra display voicepack --lang hu`` prints it).
* :class:`FallbackVoice` uses a pack and, for a phrase the pack lacks, espeak-ng
  (with a warning naming the missing file).
* :class:`FakeVoice` beeps once per word: tests and machines without espeak-ng.
"""

from __future__ import annotations

import logging
import math
import shutil
import subprocess
from array import array
from pathlib import Path
from typing import Protocol

from display.announcement import Announcement, en_number_words
from display.audio.wav import OUT_RATE, Pcm, read_wav, silence
from display.hungarian import LETTER_NAMES, Word, number_words

log = logging.getLogger(__name__)

__all__ = [
    "EspeakVoice",
    "FakeVoice",
    "FallbackVoice",
    "Voice",
    "VoiceError",
    "VoicePackVoice",
    "script",
]


class VoiceError(RuntimeError):
    """The voice cannot say this (program missing, phrase not recorded, …)."""


class Voice(Protocol):
    name: str

    def synthesize(self, announcement: Announcement, gain: float = 1.0) -> Pcm:
        """The spoken call at ``gain`` (0..1, applied where it is cheapest)."""
        ...


class EspeakVoice:
    """espeak-ng through its command line; ``voices`` maps our language to an espeak voice."""

    name = "espeak"

    def __init__(
        self,
        program: str = "espeak-ng",
        voices: dict[str, str] | None = None,
        speed_wpm: int = 150,
        timeout_s: float = 10.0,
    ) -> None:
        self.program = program
        self.voices = {"hu": "hu", "en": "en", **(voices or {})}
        self.speed_wpm = speed_wpm
        self.timeout_s = timeout_s

    def available(self) -> bool:
        return shutil.which(self.program) is not None

    def say(self, text: str, lang: str, gain: float = 1.0) -> Pcm:
        # espeak-ng scales its own output (-a, 0..200, 100 = normal): no per-sample work here
        amplitude = max(0, min(200, round(100 * gain)))
        cmd = [self.program, "-v", self.voices.get(lang, lang), "-s", str(self.speed_wpm),
               "-a", str(amplitude), "--stdout", text]
        try:
            proc = subprocess.run(cmd, capture_output=True, timeout=self.timeout_s, check=False)
        except FileNotFoundError:
            raise VoiceError(f"{self.program} is not installed (apt install espeak-ng)") from None
        except subprocess.TimeoutExpired:
            raise VoiceError(f"{self.program} took longer than {self.timeout_s} s") from None
        if proc.returncode != 0 or not proc.stdout:
            err = proc.stderr.decode(errors="replace").strip()
            raise VoiceError(f"{self.program} failed ({proc.returncode}): {err}")
        return read_wav(proc.stdout)

    def synthesize(self, announcement: Announcement, gain: float = 1.0) -> Pcm:
        return self.say(announcement.spoken, announcement.lang, gain)


class VoicePackVoice:
    """Recorded phrases: ``<folder>/<lang>/<key>.wav``, joined with a short gap."""

    name = "pack"

    def __init__(self, folder: str | Path, gap_s: float = 0.04) -> None:
        self.folder = Path(folder)
        self.gap_s = gap_s
        self._cache: dict[tuple[str, str, float], Pcm] = {}

    def path(self, lang: str, key: str) -> Path:
        return self.folder / lang / f"{key}.wav"

    def missing(self, announcement: Announcement) -> list[Path]:
        return [p for w in announcement.words if not (p := self.path(announcement.lang, w.key)).is_file()]

    def chime(self) -> Pcm | None:
        p = self.folder / "chime.wav"
        return read_wav(p.read_bytes()).resampled(OUT_RATE) if p.is_file() else None

    def _word(self, lang: str, key: str, gain: float) -> Pcm:
        pcm = self._cache.get((lang, key, gain))
        if pcm is None:
            p = self.path(lang, key)
            if not p.is_file():
                raise VoiceError(f"voice pack has no {p}")
            pcm = read_wav(p.read_bytes()).resampled(OUT_RATE).gained(gain)
            if len(self._cache) >= 1024:  # ~140 phrases per language, a few volumes a day
                self._cache.clear()
            self._cache[(lang, key, gain)] = pcm
        return pcm

    def synthesize(self, announcement: Announcement, gain: float = 1.0) -> Pcm:
        gap = silence(self.gap_s).samples
        out = array("h")
        for i, w in enumerate(announcement.words):
            if i:
                out.extend(gap)
            out.extend(self._word(announcement.lang, w.key, gain).samples)
        return Pcm(OUT_RATE, out)


class FallbackVoice:
    """A voice pack, falling back to another voice (espeak-ng) when a phrase is missing."""

    def __init__(self, primary: VoicePackVoice, fallback: Voice) -> None:
        self.primary = primary
        self.fallback = fallback
        self.name = f"{primary.name}+{fallback.name}"
        self._warned: set[Path] = set()

    def synthesize(self, announcement: Announcement, gain: float = 1.0) -> Pcm:
        missing = self.primary.missing(announcement)
        if not missing:
            return self.primary.synthesize(announcement, gain)
        new = [p for p in missing if p not in self._warned]
        if new:
            self._warned.update(new)
            log.warning("voice pack lacks %s; using %s for this call",
                        ", ".join(str(p) for p in new), self.fallback.name)
        return self.fallback.synthesize(announcement, gain)


class FakeVoice:
    """One short beep per word (pitch from the key): a deterministic stand-in for tests."""

    name = "fake"

    def __init__(self, word_s: float = 0.05, rate: int = OUT_RATE) -> None:
        self.word_s = word_s
        self.rate = rate
        self.spoken: list[Announcement] = []
        self._tones: dict[tuple[str, float], array] = {}

    def _tone(self, key: str, gain: float) -> array:
        tone = self._tones.get((key, gain))
        if tone is None:
            n = int(self.word_s * self.rate)
            freq = 300 + (sum(map(ord, key)) % 40) * 20
            tone = array("h", (int(8000 * gain * math.sin(2 * math.pi * freq * i / self.rate))
                               for i in range(n)))
            tone.extend(array("h", bytes(2 * (n // 4))))  # a short pause
            if len(self._tones) > 512:
                self._tones.clear()
            self._tones[(key, gain)] = tone
        return tone

    def synthesize(self, announcement: Announcement, gain: float = 1.0) -> Pcm:
        self.spoken.append(announcement)
        if len(self.spoken) > 100:
            del self.spoken[:50]
        samples = array("h")
        for w in announcement.words:
            samples.extend(self._tone(w.key, gain))
        return Pcm(self.rate, samples)


# ---- the recording script of a voice pack -----------------------------------------------


def script(lang: str) -> list[Word]:
    """Every phrase a complete voice pack for ``lang`` records: key → text to say."""
    words: dict[str, str] = {}

    def add(ws: list[Word]) -> None:
        for w in ws:
            words.setdefault(w.key, w.text)

    if lang == "hu":
        add([Word("art_a", "a"), Word("art_az", "az"), Word("ticket_wait", "sorszámot várjuk"),
             Word("again_wait", "ismét várjuk"), Word("ticket", "sorszámot"),
             Word("counter_to", "ablakhoz")])
        for n in [*range(0, 100), 100, 200, 1000, 2000, 1_000_000]:
            for final_s in (False, True):
                add([w for g in number_words(n, final_s) for w in g])
        letters = sorted({c for c in LETTER_NAMES if c.isascii()})
        add([Word(f"letter_{c.lower()}", LETTER_NAMES[c]) for c in letters])
    else:
        add([Word("ticket", "ticket"), Word("again", "once again"),
             Word("go_to_counter", "please go to counter")])
        for n in [*range(0, 20), *range(20, 100, 10), 100, 1000]:
            add(en_number_words(n))
        add([Word(f"letter_{c.lower()}", c) for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"])
    return [Word(k, t) for k, t in words.items()]
