"""The attention chime: a two-tone "ding-dong" synthesised with the stdlib.

Bell-like partials with an exponential decay; the second tone starts while
the first still rings. A voice pack may bring its own ``chime.wav``.
"""

from __future__ import annotations

import math
from array import array
from functools import lru_cache

from display.audio.wav import OUT_RATE, Pcm

__all__ = ["chime"]

# (frequency Hz, start s); E5 then C5, a major third down
_TONES = ((659.25, 0.0), (523.25, 0.45))
_RING_S = 1.1
_PARTIALS = ((1.0, 1.0), (2.0, 0.25), (3.0, 0.08))  # (multiple, amplitude)
_PEAK = 0.6 * 32767


@lru_cache(maxsize=4)
def _chime_samples(rate: int) -> tuple[int, ...]:
    total = int((_TONES[-1][1] + _RING_S) * rate)
    acc = [0.0] * total
    norm = sum(a for _, a in _PARTIALS)
    for freq, start in _TONES:
        first = int(start * rate)
        n = int(_RING_S * rate)
        for i in range(n):
            t = i / rate
            # 5 ms attack and a 150 ms fade at the end: no clicks
            env = math.exp(-4.0 * t) * min(1.0, t / 0.005, (_RING_S - t) / 0.15)
            v = sum(a * math.sin(2 * math.pi * freq * m * t) for m, a in _PARTIALS) / norm
            k = first + i
            if k < total:
                acc[k] += v * env
    peak = max(abs(v) for v in acc) or 1.0
    return tuple(int(v / peak * _PEAK) for v in acc)


def chime(rate: int = OUT_RATE) -> Pcm:
    """The chime as mono PCM at ``rate`` (computed once per rate)."""
    return Pcm(rate, array("h", _chime_samples(rate)))
