"""Display sections: the TV layout and the announcement audio."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator

from sorra.config.common import Section

_QUIET = re.compile(r"^\s*([01]?\d|2[0-3]):[0-5]\d\s*-\s*([01]?\d|2[0-4]):[0-5]\d\s*=\s*(100|\d{1,2})\s*$")


class DisplaySection(Section):
    resolution: Literal["1920x1080", "1280x720", "1080x1920", "720x1280"] = "1920x1080"
    """The TV's mode; the taller-than-wide ones are portrait (TV mounted on its side)."""
    fullscreen: bool = True
    screen_diagonal_in: float = Field(43.0, ge=10, le=120)
    farthest_seat_m: float = Field(8.0, ge=1, le=50)
    """Ticket numbers get at least 12 mm cap height per metre of this distance."""
    counters: list[int] = Field(default_factory=list)
    """Show only calls to these counters (one floor's TV); empty for all."""
    services: list[str] = Field(default_factory=list)
    """Show only these services' queues and calls; empty for all."""
    recent_calls: int = Field(6, ge=1, le=20)
    """At most this many earlier calls are listed (fewer if they would not be readable)."""
    media_cache: str = "/var/cache/sorra/media"
    """Playlist media, by checksum; also keeps the last playlist so ads play with the hub away."""
    call_takeover_s: float = Field(6.0, ge=0, le=60)
    """A new call fills the screen at most this long (0: only the highlighted call panel)."""
    call_takeover_min_s: float = Field(2.5, ge=0.1, le=60)
    """The shortest takeover: calls close together get this instead of the full length."""
    call_takeover_share: float = Field(0.25, ge=0.05, le=1.0)
    """At most this share of the time is takeover (over ``call_takeover_window_s``) and of the time
    since the previous call; beyond it a call only pulses in the call panel and the queue stays."""
    call_takeover_window_s: float = Field(60.0, ge=1, le=3600)
    """The span over which ``call_takeover_share`` is counted."""
    catchup_announce_s: float = Field(20.0, ge=0, le=600)
    """After an outage, a missed call at most this old is still shown full-screen and announced."""
    ticker_speed: float = Field(1.0, ge=0.2, le=5.0)
    """News ticker speed factor (1.0 ≈ one character height per 0.4 s)."""
    logo: str = ""
    """A local image file for the office logo; empty uses the hub's (state/services office.logo)."""
    show_queue: bool = True
    """Show waiting counts and estimated waits per service."""


class AudioSection(Section):
    mode: Literal["voice", "chime", "silent"] = "voice"
    voice: Literal["espeak", "pack"] = "espeak"
    voice_pack: str = ""
    """Folder of recorded phrases, used when voice = "pack" (see docs/hardware/audio.md)."""
    player: Literal["auto", "pw-play", "aplay", "paplay", "none", "file"] = "auto"
    """auto: pw-play with PipeWire, paplay with PulseAudio, else aplay (plain ALSA)."""
    alsa_device: str = "auto"
    """For aplay: an ALSA PCM; "auto" picks the Pi's HDMI card (default:CARD=vc4hdmi0)."""
    out_dir: str = ""
    """For player = "file": write each announcement here as a WAV."""
    volume: int = Field(80, ge=0, le=100)
    quiet_hours: list[str] = Field(default_factory=list)
    """Ranges with a lower volume, "HH:MM-HH:MM=VOLUME", e.g. "07:30-09:00=50"."""
    lang: Literal["ticket", "hu", "en"] = "ticket"
    """Language of the spoken call: the ticket's (chosen at the kiosk), or always hu / en."""
    counter_word_hu: str = Field("ablak", min_length=1, max_length=40)
    """What a counter is called: ablak, pult, szoba… ("a 3-as ablakhoz")."""
    counter_word_en: str = Field("counter", min_length=1, max_length=40)
    espeak_speed: int = Field(140, ge=80, le=300)
    """espeak-ng words per minute."""
    espeak_voice_hu: str = "hu"
    espeak_voice_en: str = "en"

    @field_validator("quiet_hours")
    @classmethod
    def _check_quiet(cls, value: list[str]) -> list[str]:
        for item in value:
            if not _QUIET.match(item):
                raise ValueError(f"{item!r}: expected 'HH:MM-HH:MM=VOLUME', e.g. '07:30-09:00=50'")
        return value
