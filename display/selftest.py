"""The display's hardware test for the setup menu: a sample call through its audio chain (registered in
:mod:`sorra.setup.hardware`)."""

from __future__ import annotations

from display.announcement import build
from display.audio import announcer_from_config
from sorra.config import DeviceConfig
from sorra.setup.hardware import Result, register_test


def audio_test(config: DeviceConfig, timeout_s: float = 20.0) -> Result:
    """Announce a sample call the way the display would."""
    audio = config.audio
    if audio.mode == "silent":
        return Result(False, 'audio.mode is "silent": nothing would be heard')
    try:
        announcer = announcer_from_config(audio).start()
    except Exception as err:
        return Result(False, f"audio: {err}")
    try:
        lang = "en" if audio.lang == "en" else "hu"
        if not announcer.announce(build("A001", config.counter.number or 1, lang=lang)):
            return Result(False, "the announcement was not queued")
        if not announcer.wait_idle(timeout_s):
            return Result(False, f"the sample call did not finish playing within {timeout_s:.0f} s")
    except Exception as err:
        return Result(False, f"audio: {err}")
    finally:
        announcer.stop()
    player = getattr(announcer.player, "name", type(announcer.player).__name__)
    return Result(True, f"played a sample call (mode {audio.mode}, player {player}, volume {audio.volume})")


register_test("audio", audio_test)
