"""Sinks that play a finished WAV file: a subprocess per announcement.

Qt's wheels bring QtMultimedia with an FFmpeg backend but no ALSA or
PipeWire audio output on a Pi, so announcements go through the system's own
players (see ``docs/hardware/audio.md``):

* ``pw-play`` when a PipeWire session runs (Raspberry Pi OS desktop/kiosk
  sessions since Bookworm);
* ``paplay`` when only PulseAudio runs;
* ``aplay`` (alsa-utils) on a plain-ALSA system; the device defaults to the
  first HDMI card's ``default:CARD=vc4hdmiN`` PCM, which converts to the
  IEC958 frames the Pi's HDMI audio hardware requires (``hw:`` would refuse
  16-bit PCM);
* ``none`` (nothing plays, for tests and silent displays) and ``file`` (each
  announcement written to a folder).

``play()`` blocks until the sound has finished: the announcer's single worker
thread is what keeps calls from overlapping.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import threading
from pathlib import Path
from typing import Protocol

log = logging.getLogger(__name__)

__all__ = ["FileSink", "NullPlayer", "Player", "SubprocessPlayer", "choose_player", "detect"]


class Player(Protocol):
    name: str

    def play(self, wav: Path, duration_s: float) -> None:
        """Play ``wav`` and return when it has finished (``duration_s`` bounds the wait)."""

    def stop(self) -> None:
        """Cut off what is playing (shutdown)."""


class SubprocessPlayer:
    """``pw-play FILE``, ``paplay FILE`` or ``aplay -q [-D DEVICE] FILE``."""

    def __init__(self, name: str, argv: list[str]) -> None:
        self.name = name
        self.argv = argv
        self._proc: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        self.last_returncode: int | None = None

    def play(self, wav: Path, duration_s: float) -> None:
        with self._lock:
            self._proc = subprocess.Popen(
                [*self.argv, str(wav)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
            )
            proc = self._proc
        try:
            _, err = proc.communicate(timeout=duration_s + 10.0)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            log.warning("%s did not finish; killed it", self.name)
            return
        finally:
            with self._lock:
                self._proc = None
        self.last_returncode = proc.returncode
        if proc.returncode not in (0, -15, -9):
            log.warning("%s failed (%s): %s", self.name, proc.returncode,
                        err.decode(errors="replace").strip()[:300])

    def stop(self) -> None:
        with self._lock:
            if self._proc is not None and self._proc.poll() is None:
                self._proc.terminate()


class NullPlayer:
    """Plays nothing; remembers what it was given (tests, silent displays)."""

    name = "none"

    def __init__(self) -> None:
        self.played: list[tuple[int, float]] = []  # (bytes, seconds) of the last few
        self.count = 0

    def play(self, wav: Path, duration_s: float) -> None:
        self.count += 1
        self.played.append((wav.stat().st_size, duration_s))
        if len(self.played) > 50:
            del self.played[:25]

    def stop(self) -> None:
        pass


class FileSink:
    """Writes each announcement to ``folder/announce-NNNN.wav`` instead of playing it."""

    name = "file"

    def __init__(self, folder: str | Path, keep: int = 20) -> None:
        self.folder = Path(folder)
        self.keep = keep
        self.count = 0
        self.files: list[Path] = []

    def play(self, wav: Path, duration_s: float) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.count += 1
        out = self.folder / f"announce-{self.count:04d}.wav"
        tmp = out.with_suffix(".tmp")
        shutil.copyfile(wav, tmp)
        os.replace(tmp, out)
        self.files.append(out)
        while len(self.files) > self.keep:
            self.files.pop(0).unlink(missing_ok=True)

    def stop(self) -> None:
        pass


# ---- choosing one ----------------------------------------------------------------


def _runtime_dir() -> Path:
    return Path(os.environ.get("XDG_RUNTIME_DIR") or f"/run/user/{os.getuid()}")


def detect(runtime_dir: Path | None = None, which=shutil.which) -> str:
    """The best player here: pw-play with a PipeWire socket, paplay with Pulse, else aplay."""
    rd = runtime_dir or _runtime_dir()
    if which("pw-play") and (rd / "pipewire-0").exists():
        return "pw-play"
    if which("paplay") and (rd / "pulse" / "native").exists():
        return "paplay"
    if which("aplay"):
        return "aplay"
    if which("pw-play"):
        return "pw-play"
    return "none"


def hdmi_alsa_device(cards_file: Path = Path("/proc/asound/cards")) -> str:
    """``default:CARD=vc4hdmi0`` if the Pi's HDMI audio card exists, else ALSA's ``default``."""
    try:
        text = cards_file.read_text()
    except OSError:
        return "default"
    m = re.search(r"^\s*\d+\s+\[(vc4hdmi\d*)\s*\]", text, flags=re.M)
    return f"default:CARD={m.group(1)}" if m else "default"


def choose_player(kind: str = "auto", alsa_device: str = "auto", out_dir: str = "") -> Player:
    """A player for ``[audio].player``; "auto" picks with :func:`detect` and logs the choice."""
    chosen = detect() if kind == "auto" else kind
    if kind == "auto":
        log.info("audio: playing announcements with %s", chosen)
    if chosen == "pw-play":
        return SubprocessPlayer("pw-play", ["pw-play"])
    if chosen == "paplay":
        return SubprocessPlayer("paplay", ["paplay"])
    if chosen == "aplay":
        device = hdmi_alsa_device() if alsa_device == "auto" else alsa_device
        argv = ["aplay", "-q"] + (["-D", device] if device and device != "default" else [])
        return SubprocessPlayer(f"aplay({device or 'default'})", argv)
    if chosen == "file":
        return FileSink(out_dir or "announcements")
    if kind == "auto":
        log.warning("audio: no player found (install pipewire-bin or alsa-utils); calls are silent")
    return NullPlayer()
