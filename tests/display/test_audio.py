"""Voices, players, the chime and the announcer's queue."""

from __future__ import annotations

import io
import shutil
import struct
import threading
import wave
from datetime import datetime
from pathlib import Path

import pytest

from display.announcement import build
from display.audio import (
    Announcer,
    EspeakVoice,
    FakeVoice,
    FallbackVoice,
    FileSink,
    NullPlayer,
    VoiceError,
    VoicePackVoice,
    VolumeSchedule,
    chime,
    read_wav,
    render,
    script,
)
from display.audio.players import choose_player, detect, hdmi_alsa_device
from display.audio.wav import OUT_RATE, Pcm

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed")


def _wav_info(data: bytes) -> tuple[int, int, float]:
    with wave.open(io.BytesIO(data)) as w:
        return w.getnchannels(), w.getframerate(), w.getnframes() / w.getframerate()


@needs_espeak
@pytest.mark.parametrize("lang", ["hu", "en"])
def test_espeak_writes_a_non_empty_wav(lang: str, tmp_path: Path) -> None:
    a = build("A042", 3, lang)
    pcm = EspeakVoice().synthesize(a)
    assert pcm.duration_s > 1.0
    assert max(abs(s) for s in pcm.samples) > 1000  # not silence
    out = tmp_path / "call.wav"
    out.write_bytes(render(EspeakVoice(), a).to_wav())
    channels, rate, seconds = _wav_info(out.read_bytes())
    assert (channels, rate) == (2, OUT_RATE)
    assert seconds > pcm.duration_s  # chime + speech


def test_espeak_missing_program_is_a_voice_error() -> None:
    with pytest.raises(VoiceError, match="not installed"):
        EspeakVoice(program="no-such-espeak").synthesize(build("A1", 1))


def test_render_falls_back_to_the_chime_when_the_voice_fails() -> None:
    pcm = render(EspeakVoice(program="no-such-espeak"), build("A1", 1))
    assert abs(pcm.duration_s - chime().duration_s) < 0.01


def _tone_wav(path: Path, seconds: float = 0.1, rate: int = 16000, channels: int = 1) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        frames = int(seconds * rate)
        w.writeframes(b"".join(struct.pack("<h", 3000 if i % 20 < 10 else -3000) * channels
                               for i in range(frames)))


def test_voice_pack_joins_recorded_phrases(tmp_path: Path) -> None:
    for w in script("hu"):
        _tone_wav(tmp_path / "hu" / f"{w.key}.wav")
    pack = VoicePackVoice(tmp_path, gap_s=0.05)
    a = build("A042", 3, "hu")
    assert pack.missing(a) == []
    pcm = pack.synthesize(a)
    n = len(a.words)
    assert pcm.rate == OUT_RATE
    assert pcm.duration_s == pytest.approx(n * 0.1 + (n - 1) * 0.05, abs=0.01)


def test_voice_pack_script_covers_every_call(tmp_path: Path) -> None:
    for lang in ("hu", "en"):
        keys = {w.key for w in script(lang)}
        for number in ("A1", "B42", "Z999", "C1000", "D2001", "005"):
            for counter in (1, 3, 5, 12, 99, 120):
                for recall in (False, True):
                    a = build(number, counter, lang, recall=recall)
                    assert {w.key for w in a.words} <= keys, (number, counter, lang)


def test_voice_pack_falls_back_to_espeak_for_missing_phrases(tmp_path: Path, caplog) -> None:
    _tone_wav(tmp_path / "hu" / "art_az.wav")
    fake = FakeVoice()
    voice = FallbackVoice(VoicePackVoice(tmp_path), fake)
    voice.synthesize(build("A042", 3, "hu"))
    assert fake.spoken and "voice pack lacks" in caplog.text


def test_read_wav_formats(tmp_path: Path) -> None:
    _tone_wav(tmp_path / "s.wav", seconds=0.5, rate=48000, channels=2)
    pcm = read_wav((tmp_path / "s.wav").read_bytes())
    assert pcm.rate == 48000 and len(pcm.samples) == 24000
    # espeak-ng's stdout header: placeholder sizes, data runs to the end
    data = Pcm(22050, pcm.resampled(22050).samples).to_wav(channels=1)
    streaming = data[:4] + b"\xff\xff\xff\x7f" + data[8:40] + b"\xff\xff\xff\x7f" + data[44:]
    again = read_wav(streaming)
    assert again.rate == 22050 and len(again.samples) == (len(data) - 44) // 2
    with pytest.raises(ValueError):
        read_wav(b"not a wav file")


def test_resample_and_scale() -> None:
    pcm = Pcm(22050, chime(22050).samples)
    up = pcm.resampled(44100)
    assert len(up.samples) == 2 * len(pcm.samples)
    other = pcm.resampled(48000)
    assert abs(other.duration_s - pcm.duration_s) < 0.001
    half = pcm.scaled(50)
    assert max(half.samples) == pytest.approx(max(pcm.samples) * 0.25, rel=0.01)
    assert max(pcm.scaled(0).samples) == 0


def test_volume_schedule() -> None:
    v = VolumeSchedule(80, ["07:30-09:00=50", "22:00-06:00=0"])
    at = lambda hh, mm: v.at(datetime(2026, 3, 2, hh, mm))  # noqa: E731
    assert at(7, 29) == 80 and at(7, 30) == 50 and at(8, 59) == 50 and at(9, 0) == 80
    assert at(23, 0) == 0 and at(3, 0) == 0 and at(6, 0) == 80
    with pytest.raises(ValueError):
        VolumeSchedule.parse("7-9=50")


class GatedPlayer:
    """Blocks each play until released; records overlap."""

    name = "gated"

    def __init__(self) -> None:
        self.started: list[float] = []
        self.lock = threading.Lock()
        self.active = 0
        self.max_active = 0
        self.release = threading.Semaphore(0)
        self.playing = threading.Semaphore(0)

    def play(self, wav: Path, duration_s: float) -> None:
        with self.lock:
            self.active += 1
            self.max_active = max(self.max_active, self.active)
            self.started.append(duration_s)
        self.playing.release()
        assert self.release.acquire(timeout=10)
        with self.lock:
            self.active -= 1

    def stop(self) -> None:
        pass


def test_calls_are_queued_and_never_overlap() -> None:
    voice = FakeVoice()
    player = GatedPlayer()
    spoken: list[str] = []
    ann = Announcer(voice, player, on_played=lambda a, d: spoken.append(a.written)).start()
    try:
        calls = [build("A1", 1), build("A2", 2), build("A1", 1, recall=True)]
        for a in calls:
            assert ann.announce(a)
        assert player.playing.acquire(timeout=5)
        assert ann.pending() == 2  # the others wait while the first one plays
        for _ in calls:
            player.release.release()
        assert ann.wait_idle(10)
        assert spoken == [a.written for a in calls]  # in order; the recall is announced again
        assert player.max_active == 1
    finally:
        ann.stop()


def test_modes_and_volume() -> None:
    player = NullPlayer()
    voice = FakeVoice()
    a = build("A1", 1)
    ann = Announcer(voice, player, mode="chime").start()
    ann.announce(a)
    assert ann.wait_idle(5)
    assert player.count == 1 and player.played[-1][1] == pytest.approx(chime().duration_s, abs=0.01)
    assert voice.spoken == []
    ann.stop()

    silent = Announcer(voice, player, mode="silent").start()
    assert silent.announce(a) is False
    silent.stop()

    muted = Announcer(voice, player, volume=VolumeSchedule(0)).start()
    muted.announce(a)
    assert muted.wait_idle(5)
    assert player.count == 1  # volume 0: nothing played
    muted.stop()


def test_stale_announcements_are_dropped() -> None:
    clock = [0.0]
    player = NullPlayer()
    ann = Announcer(FakeVoice(), player, max_age_s=30, monotonic=lambda: clock[0])
    ann.announce(build("A1", 1))
    clock[0] = 31.0
    ann.start()
    assert ann.wait_idle(5)
    assert player.count == 0 and ann.dropped == 1
    ann.stop()


def test_file_sink(tmp_path: Path) -> None:
    sink = FileSink(tmp_path / "out", keep=2)
    ann = Announcer(FakeVoice(), sink).start()
    for i in range(3):
        ann.announce(build(f"A{i}", 1))
    assert ann.wait_idle(5)
    ann.stop()
    files = sorted((tmp_path / "out").glob("*.wav"))
    assert [f.name for f in files] == ["announce-0002.wav", "announce-0003.wav"]
    assert _wav_info(files[0].read_bytes())[2] > 1.0


def test_player_detection(tmp_path: Path) -> None:
    have = lambda *names: (lambda n: f"/usr/bin/{n}" if n in names else None)  # noqa: E731
    assert detect(tmp_path, which=have("pw-play", "aplay")) == "aplay"  # no PipeWire session
    (tmp_path / "pipewire-0").touch()
    assert detect(tmp_path, which=have("pw-play", "aplay")) == "pw-play"
    assert detect(tmp_path, which=have("aplay")) == "aplay"
    assert detect(tmp_path, which=have()) == "none"
    cards = tmp_path / "cards"
    cards.write_text(
        " 0 [Headphones     ]: bcm2835_headpho - bcm2835 Headphones\n"
        "                      bcm2835 Headphones\n"
        " 1 [vc4hdmi0       ]: vc4-hdmi - vc4-hdmi-0\n"
        "                      vc4-hdmi-0\n"
    )
    assert hdmi_alsa_device(cards) == "default:CARD=vc4hdmi0"
    assert hdmi_alsa_device(tmp_path / "missing") == "default"
    p = choose_player("aplay", alsa_device="hw:1,0")
    assert p.argv == ["aplay", "-q", "-D", "hw:1,0"]
    assert isinstance(choose_player("none"), NullPlayer)


@pytest.mark.skipif(shutil.which("aplay") is None, reason="alsa-utils not installed")
def test_aplay_really_plays_to_alsa_null_device(tmp_path: Path) -> None:
    """The subprocess path end to end: aplay accepts our WAV and exits cleanly."""
    wav = tmp_path / "c.wav"
    wav.write_bytes(Pcm(OUT_RATE, chime().samples[: OUT_RATE // 5]).to_wav())
    player = choose_player("aplay", alsa_device="null")
    player.play(wav, 0.2)  # returns when aplay exits; failures are logged, not raised
    assert player.last_returncode == 0
