"""16-bit PCM in memory, read from and written to WAV bytes (stdlib only).

Everything the announcer plays is normalised to one output format,
:data:`OUT_RATE` Hz, 16-bit, stereo: HDMI sinks accept it everywhere (even
ALSA's ``hdmi:`` device on a Pi, which does no rate conversion), and a chime,
an espeak-ng voice (22 050 Hz mono) and a recorded voice pack (any rate) can
then be joined into one file that plays without gaps.
"""

from __future__ import annotations

import io
import struct
import sys
import wave
from array import array
from dataclasses import dataclass

__all__ = ["Pcm", "OUT_RATE", "gain_of", "read_wav", "silence"]

OUT_RATE = 44_100


@dataclass
class Pcm:
    """Mono signed 16-bit samples at ``rate``."""

    rate: int
    samples: array

    @property
    def duration_s(self) -> float:
        return len(self.samples) / self.rate if self.rate else 0.0

    def resampled(self, rate: int) -> Pcm:
        """Linear interpolation to ``rate`` (voice quality; no filtering needed for speech)."""
        if rate == self.rate or not self.samples:
            return Pcm(rate, array("h", self.samples))
        src = self.samples
        n_out = int(len(src) * rate / self.rate)
        if rate == 2 * self.rate:
            # espeak-ng 22 050 → 44 100, the common case: each sample twice, at C speed (a
            # sample-and-hold; its images above 11 kHz are far below what a TV speaker shows)
            out = array("h", bytes(2 * 2 * len(src)))
            out[0::2] = src
            out[1::2] = src
            return Pcm(rate, out)
        step = self.rate / rate
        last = len(src) - 1
        vals = []
        append = vals.append
        for i in range(n_out):
            pos = i * step
            j = int(pos)
            if j >= last:
                append(src[last])
                continue
            frac = pos - j
            a = src[j]
            append(int(a + (src[j + 1] - a) * frac))
        return Pcm(rate, array("h", vals))

    def scaled(self, volume: int) -> Pcm:
        """Volume 0..100 (on a perceptual curve: 50 sounds about half as loud)."""
        return self.gained(gain_of(volume))

    def gained(self, gain: float) -> Pcm:
        """Samples × ``gain`` (0..1)."""
        if gain >= 1.0:
            return Pcm(self.rate, array("h", self.samples))
        if gain <= 0.0:
            return Pcm(self.rate, array("h", bytes(2 * len(self.samples))))
        return Pcm(self.rate, array("h", [int(s * gain) for s in self.samples]))

    def __add__(self, other: Pcm) -> Pcm:
        if other.rate != self.rate:
            other = other.resampled(self.rate)
        return Pcm(self.rate, self.samples + other.samples)

    def to_wav(self, channels: int = 2) -> bytes:
        """WAV bytes, ``channels`` copies of the mono signal (1 or 2)."""
        if channels == 2:
            data = array("h", bytes(4 * len(self.samples)))
            data[0::2] = self.samples
            data[1::2] = self.samples
        else:
            data = self.samples
        if sys.byteorder == "big":  # pragma: no cover - WAV is little-endian
            data = array("h", data)
            data.byteswap()
        buf = io.BytesIO()
        with wave.open(buf, "wb") as w:
            w.setnchannels(channels)
            w.setsampwidth(2)
            w.setframerate(self.rate)
            w.writeframes(data.tobytes())
        return buf.getvalue()


def gain_of(volume: int) -> float:
    """Volume 0..100 → amplitude factor; loudness follows amplitude roughly squared."""
    return (max(0, min(100, volume)) / 100.0) ** 2


def silence(seconds: float, rate: int = OUT_RATE) -> Pcm:
    return Pcm(rate, array("h", bytes(2 * int(seconds * rate))))


def read_wav(data: bytes) -> Pcm:
    """Parse PCM WAV bytes (8/16/24/32-bit, any channels) into mono 16-bit.

    Tolerates the "streaming" header espeak-ng writes to stdout, whose RIFF and
    data sizes are 0x7fffffff-ish placeholders: the data runs to the end.
    """
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise ValueError("not a RIFF/WAVE file")
    pos = 12
    fmt: tuple[int, int, int, int] | None = None
    pcm = b""
    while pos + 8 <= len(data):
        cid, size = data[pos : pos + 4], struct.unpack("<I", data[pos + 4 : pos + 8])[0]
        body = data[pos + 8 : pos + 8 + size]
        if cid == b"fmt ":
            tag, channels, rate = struct.unpack("<HHI", body[:8])
            bits = struct.unpack("<H", body[14:16])[0]
            if tag == 0xFFFE and len(body) >= 26:  # WAVE_FORMAT_EXTENSIBLE: subformat GUID
                tag = struct.unpack("<H", body[24:26])[0]
            fmt = (tag, channels, rate, bits)
        elif cid == b"data":
            pcm = body
            break
        pos += 8 + size + (size & 1)
    if fmt is None:
        raise ValueError("WAV without a fmt chunk")
    tag, channels, rate, bits = fmt
    if tag != 1:
        raise ValueError(f"WAV format {tag} is not PCM")
    width = bits // 8
    frame = width * channels
    pcm = pcm[: len(pcm) - len(pcm) % frame] if frame else b""
    samples = _to_int16(pcm, width)
    if channels > 1:
        samples = _downmix(samples, channels)
    return Pcm(rate, samples)


def _to_int16(pcm: bytes, width: int) -> array:
    if width == 2:
        out = array("h")
        out.frombytes(pcm)
        if sys.byteorder == "big":  # pragma: no cover
            out.byteswap()
        return out
    if width == 1:  # unsigned 8-bit
        return array("h", [(b - 128) << 8 for b in pcm])
    if width in (3, 4):
        return array(
            "h",
            [int.from_bytes(pcm[i + width - 2 : i + width], "little", signed=True)
             for i in range(0, len(pcm), width)],
        )
    raise ValueError(f"unsupported sample width {width}")


def _downmix(samples: array, channels: int) -> array:
    chans = [samples[c::channels] for c in range(channels)]
    return array("h", [sum(v) // channels for v in zip(*chans, strict=True)])
