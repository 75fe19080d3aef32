"""``sorra display --screenshots DIR``: every layout rendered to PNG with sample data.

For each screen mode (1920×1080, 1280×720 and the portrait ones) and each
language it writes the resting screen, the full-screen call, several calls
sharing one takeover, the text notice (each of its pages) and an offline one, and ``sizing.txt`` with the computed sizes (does the configured
TV meet the 12 mm/m rule for the configured room?). Runs offscreen; no hub.
"""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from PyQt6.QtCore import QPointF, QRectF, Qt
from PyQt6.QtGui import QColor, QImage, QLinearGradient, QPainter
from PyQt6.QtWidgets import QApplication

from display import sizing
from display.controller import DisplayController
from display.media import MediaCache
from display.views import theme
from display.views.window import DisplayWindow
from sorra.config.display import AudioSection, DisplaySection

__all__ = ["render_screenshots", "SAMPLE_TIME"]

SAMPLE_TIME = datetime(2026, 3, 2, 10, 24)
RESOLUTIONS = ("1920x1080", "1280x720", "1080x1920", "720x1280")

_TEXT = {
    "hu": {
        "office": "Kormányablak – Budapest XI. kerület",
        "services": ["Okmányok, személyi igazolvány", "Gépjármű ügyintézés", "Pénztár", "Családtámogatás"],
        "ticker": ["Ügyfélfogadás ma 8:00–18:00", "Ingyenes wifi: Kormanyablak-Vendeg",
                   "Sok ügyét otthonról is intézheti: magyarorszag.hu"],
        "ad": ("Intézze online!", "magyarorszag.hu"),
        "notice": "Kérjük, kapcsolja le mobiltelefonját! Ügyfélkapu-regisztráció az 5-ös ablaknál.",
    },
    "en": {
        "office": "Government Window – Budapest District XI",
        "services": ["Documents, ID cards", "Vehicles", "Cashier", "Family support"],
        "ticker": ["Open today 8:00–18:00", "Free wifi: Kormanyablak-Vendeg",
                   "Many cases can be handled online: magyarorszag.hu"],
        "ad": ("Do it online!", "magyarorszag.hu"),
        "notice": "Please switch off your mobile phone. Client Gate registration at counter 5.",
    },
}


def _image(path: Path, w: int, h: int, paint) -> str:  # noqa: ANN001
    img = QImage(w, h, QImage.Format.Format_RGB32)
    p = QPainter(img)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    paint(p, w, h)
    p.end()
    img.save(str(path), "PNG")
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _ad(p: QPainter, w: int, h: int, title: str, sub: str) -> None:
    g = QLinearGradient(QPointF(0, 0), QPointF(w, h))
    g.setColorAt(0, QColor("#1f6f8b"))
    g.setColorAt(1, QColor("#99c24d"))
    p.fillRect(0, 0, w, h, g)
    p.setPen(QColor("#ffffff"))
    p.setFont(theme.font(int(h * 0.16), bold=True))
    p.drawText(QRectF(0, h * 0.18, w, h * 0.34), Qt.AlignmentFlag.AlignCenter, title)
    p.setFont(theme.font(int(h * 0.1)))
    p.drawText(QRectF(0, h * 0.55, w, h * 0.25), Qt.AlignmentFlag.AlignCenter, sub)


def _logo(p: QPainter, w: int, h: int) -> None:
    p.fillRect(0, 0, w, h, theme.PANEL)
    p.setBrush(QColor("#2e8b57"))
    p.setPen(Qt.PenStyle.NoPen)
    p.drawEllipse(QRectF(w * 0.05, h * 0.05, w * 0.9, h * 0.9))
    p.setPen(QColor("#ffffff"))
    p.setFont(theme.font(int(h * 0.55), bold=True))
    p.drawText(QRectF(0, 0, w, h), Qt.AlignmentFlag.AlignCenter, "K")


def _feed(ctl: DisplayController, lang: str, media_dir: Path, ad_sha: str, now: float) -> None:
    txt = _TEXT[lang]
    names = txt["services"]
    ctl.on_services_state("state/services", {
        "services": [
            {"id": sid, "names": {lang: names[i]}, "prefix": sid, "open": sid != "C"}
            for i, sid in enumerate("ABCD")
        ],
        "office": {"name": {lang: txt["office"]}},
        "at": now,
    })
    ctl.on_queue_state("state/queue", {
        "services": {
            "A": {"waiting": 12, "longest_wait_s": 1500, "est_wait_s": 1260},
            "B": {"waiting": 3, "longest_wait_s": 400, "est_wait_s": 420},
            "C": {"waiting": 0, "longest_wait_s": 0, "est_wait_s": 0},
            "D": {"waiting": 5, "longest_wait_s": 700, "est_wait_s": 840},
        },
        "waiting": 20, "open_counters": 6, "at": now,
    })
    ctl.on_playlist_state("state/playlist", {
        "items": [{"id": "ad1", "kind": "image", "url": f"http://hub.invalid/media/{ad_sha}.png",
                   "sha256": ad_sha, "duration_s": 15},
                  {"id": "notice", "kind": "text", "text": txt["notice"], "duration_s": 15}],
        "ticker": txt["ticker"], "version": "sample", "at": now,
    })
    calls = [("C003", 6), ("A040", 2), ("D012", 4), ("A041", 1), ("B007", 5), ("A042", 3)]
    ctl.on_calls_state("state/calls", {
        "calls": [{"ticket": f"t{n}", "number": n, "counter": c, "counter_name": str(c),
                   "services": [n[0]], "at": now - 600 + i * 60, "lang": lang}
                  for i, (n, c) in enumerate(calls)],
        "at": now - 200,
    })
    ctl.on_connection(True)


def render_screenshots(out_dir: str | Path, display: DisplaySection | None = None,
                       audio: AudioSection | None = None,
                       resolutions: tuple[str, ...] = RESOLUTIONS,
                       langs: tuple[str, ...] = ("hu", "en")) -> list[Path]:
    """Write the PNGs and ``sizing.txt`` into ``out_dir``; returns the files written."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication([])
    display = display or DisplaySection()
    audio = audio or AudioSection()
    written: list[Path] = []
    summaries: list[str] = []
    with tempfile.TemporaryDirectory(prefix="sorra-shots-") as tmp:
        media_dir = Path(tmp) / "media"
        media_dir.mkdir()
        logo = Path(tmp) / "logo.png"
        _image(logo, 256, 256, _logo)
        ad_shas = {}
        for lang in langs:
            ad_tmp = Path(tmp) / f"ad-{lang}.png"
            sha = _image(ad_tmp, 1280, 720, lambda p, w, h, lang=lang: _ad(p, w, h, *_TEXT[lang]["ad"]))
            ad_tmp.rename(media_dir / f"{sha}.png")
            ad_shas[lang] = sha
        for res in resolutions:
            w, h = sizing.parse_resolution(res)
            layout = sizing.compute(w, h, display.screen_diagonal_in, display.farthest_seat_m,
                                    display.recent_calls, display.show_queue)
            summaries.append(f"== {res}, {display.screen_diagonal_in:g}\" ==\n{layout.summary()}\n")
            for lang in langs:
                cfg = display.model_copy(update={"media_cache": str(media_dir), "logo": display.logo or str(logo),
                                                 "call_takeover_s": max(display.call_takeover_s, 1.0)})
                now = SAMPLE_TIME.timestamp()
                ctl = DisplayController(cfg, audio, lang=lang, media=MediaCache(media_dir),
                                        clock=lambda now=now: now)
                _feed(ctl, lang, media_dir, ad_shas[lang], now)
                win = DisplayWindow(ctl, cfg, audio, lang=lang, now=lambda: SAMPLE_TIME)
                win.resize(w, h)
                win.apply_layout(w, h)
                app.processEvents()
                for _ in range(4):  # show the ad, not the welcome slide or the notice
                    if win.media.slot is not None and win.media.slot.item.kind == "image":
                        break
                    win.media.next()
                win.media.pause()
                app.processEvents()
                name = f"{res}-{lang}"
                written.append(_grab(win, out / f"{name}.png"))
                c = ctl.state.current
                assert c is not None
                win.call_arrived(c)
                app.processEvents()
                written.append(_grab(win, out / f"{name}-call.png"))
                # calls close together share one takeover
                for number, counter in (("B008", 5), ("D013", 2)):
                    win.takeover.add_call(replace(c, number=number, counter=counter, counter_name=str(counter)), "", 1.0)
                app.processEvents()
                written.append(_grab(win, out / f"{name}-calls.png"))
                win.takeover.end()
                # the text notice, every page of it
                win.media.resume()
                for _ in range(4):  # the ad, then the notice
                    if win.media.slot is not None and win.media.slot.item.kind == "text":
                        break
                    win.media.next()
                win.media.pause()
                for page in range(win.media.pages()):
                    win.media.text_page = page
                    app.processEvents()
                    written.append(_grab(win, out / f"{name}-notice-{page + 1}.png"))
                if lang == langs[0]:
                    ctl.on_connection(False)
                    app.processEvents()
                    written.append(_grab(win, out / f"{name}-offline.png"))
                win.close()
                win.deleteLater()
                app.processEvents()
    (out / "sizing.txt").write_text("\n".join(summaries), encoding="utf-8")
    written.append(out / "sizing.txt")
    return written


def _grab(win: DisplayWindow, path: Path) -> Path:
    win.grab().save(str(path), "PNG")
    return path
