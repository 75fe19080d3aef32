"""Announcement audio: voices (TTS adapters), players (sinks), the chime and the announcer.

``announcer_from_config(cfg.audio)`` builds the whole chain from the
``[audio]`` section; every part has a fake selected by configuration
(``player = "none"`` / ``"file"``, :class:`FakeVoice`).
"""

from __future__ import annotations

import logging

from display.audio.announcer import Announcer, VolumeSchedule, render
from display.audio.chime import chime
from display.audio.players import FileSink, NullPlayer, Player, SubprocessPlayer, choose_player
from display.audio.voices import (
    EspeakVoice,
    FakeVoice,
    FallbackVoice,
    Voice,
    VoiceError,
    VoicePackVoice,
    script,
)
from display.audio.wav import OUT_RATE, Pcm, read_wav
from sorra.config.display import AudioSection

log = logging.getLogger(__name__)

__all__ = [
    "Announcer",
    "EspeakVoice",
    "FakeVoice",
    "FallbackVoice",
    "FileSink",
    "NullPlayer",
    "OUT_RATE",
    "Pcm",
    "Player",
    "SubprocessPlayer",
    "Voice",
    "VoiceError",
    "VoicePackVoice",
    "VolumeSchedule",
    "announcer_from_config",
    "chime",
    "choose_player",
    "read_wav",
    "render",
    "script",
    "voice_from_config",
]


def voice_from_config(audio: AudioSection) -> Voice:
    espeak = EspeakVoice(voices={"hu": audio.espeak_voice_hu, "en": audio.espeak_voice_en},
                         speed_wpm=audio.espeak_speed)
    if audio.voice == "pack":
        if not audio.voice_pack:
            log.warning('audio.voice = "pack" but audio.voice_pack is empty; using espeak-ng')
            return espeak
        return FallbackVoice(VoicePackVoice(audio.voice_pack), espeak)
    if not espeak.available():
        log.warning("espeak-ng is not installed; calls get the chime only (apt install espeak-ng)")
    return espeak


def announcer_from_config(audio: AudioSection, player: Player | None = None,
                          voice: Voice | None = None) -> Announcer:
    voice = voice or voice_from_config(audio)
    pack_chime = None
    if isinstance(voice, FallbackVoice):
        pack_chime = voice.primary.chime()
    return Announcer(
        voice,
        player or choose_player(audio.player, audio.alsa_device, audio.out_dir),
        mode=audio.mode,
        volume=VolumeSchedule(audio.volume, audio.quiet_hours),
        chime=pack_chime,
    )
