"""``sorra display``: the waiting-room TV, its screenshots and its announcement tools.

    sorra display [--config FILE] [--windowed] [--mdns-interface IP ...]
    sorra display --screenshots DIR [--resolution 1920x1080 ...|all] [--lang hu|en ...]
    sorra display announce TICKET COUNTER [--lang hu|en] [--recall] [--text] [--out FILE.wav]
    sorra display voicepack [--lang hu|en]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from sorra import config as sorra_config
from sorra import discovery
from sorra.runner import load_config

RESOLUTIONS = ("1920x1080", "1280x720", "1080x1920", "720x1280")


def _load_config(path: str | None) -> sorra_config.DeviceConfig:
    return load_config(path, "display")


def announce(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="sorra display announce",
        description="Say a call the way the display would: play it, print its sentence (--text) "
        "or write it to a WAV file (--out).",
    )
    parser.add_argument("ticket", help='ticket number, e.g. "A042"')
    parser.add_argument("counter", type=int, help="counter number")
    parser.add_argument("--lang", choices=("hu", "en"), default=None,
                        help="language (default: the device's)")
    parser.add_argument("--recall", action="store_true", help="announce it as a recall")
    parser.add_argument("--text", action="store_true",
                        help="print the sentence it would speak (and the written form) instead of playing")
    parser.add_argument("--out", metavar="FILE.wav", help="write the chime and the voice to this WAV file")
    parser.add_argument("--mode", choices=("voice", "chime"), default=None,
                        help="override [audio].mode (silent would make no sound at all)")
    parser.add_argument("--config", default=None, help="device TOML (default: /etc/sorra/device.toml)")
    args = parser.parse_args(argv)

    from display.announcement import build
    from display.audio import announcer_from_config, render, voice_from_config

    cfg = _load_config(args.config)
    lang = args.lang or cfg.device.lang
    word = cfg.audio.counter_word_hu if lang == "hu" else cfg.audio.counter_word_en
    a = build(args.ticket, args.counter, lang, recall=args.recall, counter_word=word)
    if args.text:
        print(a.spoken)
        print(f"written: {a.written}")
        if not args.out:
            return 0
    mode = args.mode or ("voice" if cfg.audio.mode == "silent" else cfg.audio.mode)
    if args.out:
        voice = voice_from_config(cfg.audio)
        pcm = render(voice, a, mode=mode, volume=cfg.audio.volume)
        out = Path(args.out)
        out.write_bytes(pcm.to_wav())
        print(f"wrote {out} ({pcm.duration_s:.1f} s, {out.stat().st_size} bytes)")
        return 0
    audio = cfg.audio.model_copy(update={"mode": mode})
    announcer = announcer_from_config(audio).start()
    try:
        announcer.announce(a)
        if not announcer.wait_idle(60):
            print("sorra display announce: the player did not finish", file=sys.stderr)
            return 1
    finally:
        announcer.stop()
    print(f"played with {announcer.player.name}: {a.written}")
    return 0


def voicepack(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="sorra display voicepack",
        description="List the phrases a recorded voice pack needs: FILE<TAB>TEXT TO SAY. "
        "Record each as <pack>/<lang>/<key>.wav (mono or stereo PCM WAV, any rate); "
        "an optional <pack>/chime.wav replaces the built-in chime.",
    )
    parser.add_argument("--lang", choices=("hu", "en"), default="hu")
    args = parser.parse_args(argv)
    from display.audio import script

    for w in script(args.lang):
        print(f"{args.lang}/{w.key}.wav\t{w.text}")
    return 0


def _app_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="sorra display",
        description="Waiting-room TV: calls, announcements, queue information and ads.",
        epilog="subcommands: 'announce TICKET COUNTER' (try a call), 'voicepack' (phrases to record)",
    )
    parser.add_argument("--config", default=None, help="device TOML (default: /etc/sorra/device.toml)")
    parser.add_argument("--windowed", action="store_true", help="a window instead of full screen")
    discovery.add_mdns_option(parser)
    parser.add_argument("--screenshots", metavar="DIR",
                        help="render every layout to PNG (HU and EN, landscape and portrait) and exit")
    parser.add_argument("--resolution", action="append", choices=RESOLUTIONS + ("all",),
                        help="screen mode(s) for --screenshots (default: all)")
    parser.add_argument("--lang", action="append", choices=("hu", "en"),
                        help="language(s) for --screenshots (default: both)")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    if argv and argv[0] == "announce":
        return announce(argv[1:])
    if argv and argv[0] == "voicepack":
        return voicepack(argv[1:])
    args = _app_args(argv)
    cfg = _load_config(args.config)
    if args.screenshots:
        # over SSH on a display, or on a build server: render without a screen
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from display.views.screenshots import render_screenshots

        res = args.resolution or ["all"]
        resolutions = RESOLUTIONS if "all" in res else tuple(res)
        written = render_screenshots(args.screenshots, cfg.display, cfg.audio, resolutions,
                                     tuple(args.lang or ("hu", "en")))
        print(f"wrote {len(written)} files to {args.screenshots} (see sizing.txt)")
        return 0
    from display.app import run

    path = Path(args.config) if args.config else sorra_config.default_path()
    return run(cfg, windowed=args.windowed, config_path=path,
               interfaces=discovery.device_interfaces(cfg, args.mdns_interface))
