"""Display footprint: RSS over 1,000 calls and 1,000 playlist items (target: flat, under 250 MB).

One display process, everything real except the network peer: the
controller and the full window on an offscreen Qt platform (1920×1080), the
announcer rendering every call (chime + a stand-in voice, silent player),
and a playlist of ``ITEMS`` distinct JPEG images synced over HTTP from a local
server into the checksum cache by :class:`~display.media.MediaSync`, then
shown one after another by the media area (each decoded at screen size).
Each step is one call (model, call panel, the full-screen call painted and
dismissed, the announcement) and one playlist item; the ticker and clock run
throughout.

RSS (``VmRSS`` of this process) is sampled every 100 steps. "Flat" means
the growth from the sample after warm-up (step 200) to the end is under
``FLAT_MB``: nothing grows with the number of calls or items shown.
"""

from __future__ import annotations

import gc
import io
import os
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PIL import Image, ImageDraw  # noqa: E402
from PyQt6.QtWidgets import QApplication  # noqa: E402

from benchmarks.common import write_result  # noqa: E402
from display.audio import Announcer, FakeVoice, NullPlayer  # noqa: E402
from display.controller import DisplayController  # noqa: E402
from display.media import MediaCache, MediaSync  # noqa: E402
from display.views.window import DisplayWindow  # noqa: E402
from sorra.config.display import DisplaySection  # noqa: E402
from tests.display.conftest import MediaServer  # noqa: E402

TARGET_MB = 250.0
FLAT_MB = 15.0
CALLS = 1000
ITEMS = 1000
WARMUP = 200


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _jpeg(i: int) -> bytes:
    img = Image.new("RGB", (1280, 720), ((i * 37) % 256, (i * 91) % 256, (i * 53) % 256))
    d = ImageDraw.Draw(img)
    d.rectangle((100 + i % 400, 100, 700 + i % 400, 500), fill=(255, 255, 255))
    d.text((120 + i % 400, 120), f"Hirdetés {i}", fill=(0, 0, 0))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=80)
    return buf.getvalue()


def main() -> dict:
    app = QApplication.instance() or QApplication(["bench"])
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "hub-media"
        root.mkdir()
        server = MediaServer(root)
        server.start()
        items = []
        for i in range(ITEMS):
            sha = server.put(f"ad{i}.jpg", _jpeg(i))
            items.append({"id": f"ad{i}", "kind": "image", "url": server.url(f"ad{i}.jpg"), "sha256": sha,
                          "duration_s": 10})
        cache = MediaCache(Path(tmp) / "cache")
        announcer = Announcer(FakeVoice(), NullPlayer(), max_queue=10).start()
        # no timed takeover: it would pause the media area between the back-to-back calls here;
        # each call still goes full screen below (show_call + a forced paint + end)
        display = DisplaySection(call_takeover_s=0, recent_calls=6)
        ctl = DisplayController(display, announcer=announcer, media=cache)
        synced = threading.Event()
        sync = MediaSync(cache, on_status=lambda missing: missing == 0 and synced.set())
        ctl.sync = sync
        sync.start()
        win = DisplayWindow(ctl, lang="hu")
        win.resize(1920, 1080)
        win.show()
        app.processEvents()
        start_rss = rss_mb()

        now = time.time()
        ctl.on_connection(True)
        ctl.on_status("device/hub/status", {"online": True})
        ctl.on_services_state("state/services", {
            "services": [{"id": s, "names": {"hu": f"Ügytípus {s}"}, "prefix": s} for s in "ABCD"],
            "office": {"name": {"hu": "Kormányablak"}}, "at": now})
        t_sync = time.perf_counter()
        ctl.on_playlist_state("state/playlist", {"items": items, "ticker": ["Hír egy", "Hír kettő"],
                                                 "version": "1", "at": now})
        if not synced.wait(300):
            raise RuntimeError("the playlist did not sync")
        sync_s = time.perf_counter() - t_sync
        app.processEvents()

        samples: list[tuple[int, float]] = []
        shown_ids: set[str] = set()
        win.media.item_shown.connect(shown_ids.add)
        steps = max(CALLS, ITEMS)
        t0 = time.perf_counter()
        for i in range(steps):
            if i < CALLS:
                at = time.time()
                ctl.on_call_event("event/call", {
                    "ticket": f"t{i}", "number": f"{'ABCD'[i % 4]}{i % 1000:03d}", "counter": 1 + i % 12,
                    "counter_name": str(1 + i % 12), "services": ["ABCD"[i % 4]], "at": at,
                    "recall": i % 10 == 9, "lang": "hu" if i % 3 else "en"})
                ctl.on_queue_state("state/queue", {
                    "services": {s: {"waiting": (i + k) % 30, "longest_wait_s": 60 * k, "est_wait_s": 90 * k}
                                 for k, s in enumerate("ABCD")},
                    "waiting": 40, "open_counters": 6, "at": at})
                current = ctl.state.current
                if current is not None:
                    win.takeover.show_call(current, ctl.announcement_for(current).written, 5)
                    win.takeover.repaint()
                    win.takeover.end()
            if i < ITEMS:
                win.media.next()  # as if its duration had passed
            app.processEvents()
            if (i + 1) % 100 == 0:
                announcer.wait_idle(10)
                gc.collect()
                app.processEvents()
                samples.append((i + 1, round(rss_mb(), 1)))
        loop_s = time.perf_counter() - t0
        announcer.wait_idle(10)
        sync.stop()
        announcer.stop()
        server.stop()
        win.close()
        cached = len(list(cache.root.glob("*.jpg")))
    peak = max(mb for _, mb in samples)
    warm = next(mb for step, mb in samples if step >= WARMUP)
    growth = samples[-1][1] - warm
    return write_result("display_memory", {
        "calls": CALLS,
        "playlist_items": ITEMS,
        "distinct_items_shown": len(shown_ids),
        "files_cached": cached,
        "sync_s": round(sync_s, 2),
        "loop_s": round(loop_s, 2),
        "announcements_played": announcer.played,
        "rss_mb_at_start": round(start_rss, 1),
        "rss_mb_samples": samples,
        "rss_mb_peak": peak,
        "growth_after_warmup_mb": round(growth, 1),
        "target_mb": TARGET_MB,
        "flat_within_mb": FLAT_MB,
        "target_met": peak < TARGET_MB and growth < FLAT_MB,
    })


if __name__ == "__main__":
    main()
