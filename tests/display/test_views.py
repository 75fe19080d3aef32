"""Qt views (offscreen): a call on a real broker repaints the call panel; takeover; media; screenshots."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from PyQt6.QtGui import QColor, QImage

from display.controller import DisplayController
from display.media import MediaCache
from display.views.media_area import MediaArea
from display.views.screenshots import render_screenshots
from display.views.window import DisplayWindow
from sorra.bus import BusClient
from sorra.config.display import DisplaySection
from sorra.protocol.messages import PlaylistItem
from sorra.qt import main_thread_invoker
from tests.display.conftest import png_bytes
from tests.display.fakes import RecordingAnnouncer, call, queue_state, services_state
from tests.display.test_controller_bus import display_settings


@pytest.fixture
def window(qtbot):
    def make(controller: DisplayController, lang: str = "hu") -> DisplayWindow:
        win = DisplayWindow(controller, lang=lang)
        qtbot.addWidget(win)
        win.resize(1280, 720)
        win.show()
        qtbot.waitExposed(win)
        return win

    return make


def test_a_call_on_a_real_broker_repaints_the_call_panel(qtbot, broker, window) -> None:
    announcer = RecordingAnnouncer()
    ctl = DisplayController(DisplaySection(call_takeover_s=1), announcer=announcer,
                            invoke=main_thread_invoker())
    win = window(ctl)
    bus = BusClient(display_settings(broker))
    ctl.attach(bus)
    hub = broker.client()
    hub.publish(broker.topic("device/hub/status"), json.dumps({"device": "hub", "online": True}), retain=True)
    hub.publish(broker.topic("state/services"), json.dumps(services_state(at=time.time())), retain=True)
    hub.publish(broker.topic("state/queue"), json.dumps(queue_state(at=time.time())), retain=True)
    try:
        bus.start()
        qtbot.waitUntil(lambda: ctl.state.online and len(win.queue.rows) == 3, timeout=10000)
        # the call fills the screen at once (the panel underneath is not even painted meanwhile)
        with qtbot.waitSignal(win.takeover.painted, timeout=10000,
                              check_params_cb=lambda number: number == "A042"):
            hub.publish(broker.topic("event/call"), json.dumps(call("A042", 3, at=time.time())))
        assert win.takeover.isVisible() and win.takeover.pulse.running
        assert announcer.written == ["Az A 42-es sorszámot várjuk a 3-as ablakhoz."]
        # it gives the screen back by itself; the call panel shows the call and pulses
        with qtbot.waitSignal(win.takeover.hidden_again, timeout=10000), \
             qtbot.waitSignal(win.call_panel.painted, timeout=10000,
                              check_params_cb=lambda number: number == "A042"):
            pass
        assert not win.takeover.isVisible()
        assert win.call_panel.animating
        # the hub goes away: the discreet mark, the call stays
        hub.publish(broker.topic("device/hub/status"), json.dumps({"device": "hub", "online": False}),
                    retain=True)
        qtbot.waitUntil(lambda: not win.header.online, timeout=10000)
        assert win.call_panel.call.number == "A042"
    finally:
        bus.stop()


def test_offline_mark_is_drawn(qtbot, window) -> None:
    ctl = DisplayController()
    win = window(ctl)
    ctl.on_connection(True)
    online = win.header.grab().toImage()
    ctl.on_connection(False)
    offline = win.header.grab().toImage()
    assert not win.header.online
    assert _count(offline, QColor("#ffb347")) > _count(online, QColor("#ffb347")) + 50


def _count(img: QImage, color: QColor, tolerance: int = 40) -> int:
    n = 0
    for y in range(0, img.height(), 2):
        for x in range(0, img.width(), 2):
            c = img.pixelColor(x, y)
            if (abs(c.red() - color.red()) + abs(c.green() - color.green())
                    + abs(c.blue() - color.blue())) < tolerance:
                n += 1
    return n


def test_media_area_rotates_only_cached_scheduled_items(qtbot, tmp_path: Path) -> None:
    cache = MediaCache(tmp_path)
    data = png_bytes("#ff0000", 320, 180)
    import hashlib

    sha = hashlib.sha256(data).hexdigest()
    (tmp_path / f"{sha}.png").write_bytes(data)
    items = [
        PlaylistItem(id="img", kind="image", url=f"http://h/{sha}.png", sha256=sha, duration_s=0.2),
        PlaylistItem(id="missing", kind="image", url="http://h/x.png", sha256="0" * 64, duration_s=0.2),
        PlaylistItem(id="txt", kind="text", text="Ügyfélfogadás 8–18", duration_s=0.2),
        PlaylistItem(id="night", kind="text", text="Only at night", start="23:00", end="23:30"),
    ]

    def resolve(item: PlaylistItem) -> str | None:
        p = cache.path_for(item)
        return str(p) if p is not None and p.is_file() else None

    area = MediaArea(resolve, min_duration_s=0.1, now=lambda: __import__("datetime").datetime(2026, 3, 2, 10))
    qtbot.addWidget(area)
    area.resize(640, 360)
    area.show()
    shown: list[str] = []
    widths: list[int] = []

    def on_shown(item_id: str) -> None:
        shown.append(item_id)
        if item_id == "img":
            widths.append(area._pixmap.width() if area._pixmap is not None else 0)

    area.item_shown.connect(on_shown)
    area.set_playlist(items)
    qtbot.waitUntil(lambda: len(shown) >= 4, timeout=5000)
    assert shown[:4] == ["img", "txt", "img", "txt"]
    assert widths[0] == 640  # decoded straight to the area's size
    # a call pauses the rotation; it resumes afterwards
    area.pause()
    n = len(shown)
    with qtbot.assertNotEmitted(area.item_shown, wait=300):
        pass
    area.resume()
    qtbot.waitUntil(lambda: len(shown) > n, timeout=5000)
    # nothing playable: the welcome slide
    area.set_playlist([items[1]])
    assert area.slot is None and shown[-1] == ""


def test_screenshots_are_rendered(tmp_path: Path) -> None:
    files = render_screenshots(tmp_path, resolutions=("1280x720", "720x1280"), langs=("hu", "en"))
    pngs = [f for f in files if f.suffix == ".png"]
    names = {f.name for f in pngs}
    for res in ("1280x720", "720x1280"):
        for lang in ("hu", "en"):
            for kind in ("", "-call", "-calls", "-notice-1"):
                assert f"{res}-{lang}{kind}.png" in names
        assert f"{res}-hu-offline.png" in names
    img = QImage(str(tmp_path / "720x1280-en.png"))
    assert (img.width(), img.height()) == (720, 1280)
    colors = {img.pixel(x, y) for x in range(0, 720, 24) for y in range(0, 1280, 24)}
    assert len(colors) > 20  # a real screen, not a blank one
    assert "readable up to" in (tmp_path / "sizing.txt").read_text()


def test_a_video_plays_to_its_end_then_the_next_item(qtbot, tmp_path: Path) -> None:
    """QtMultimedia (FFmpeg backend) really decodes: an animated GIF stands in for a video file."""
    from display.views.media_area import video_available

    if not video_available():
        pytest.skip("QtMultimedia not installed")
    from PIL import Image

    frames = [Image.new("RGB", (160, 90), (i * 40 % 255, 90, 200)) for i in range(6)]
    gif = tmp_path / "clip.gif"
    frames[0].save(gif, save_all=True, append_images=frames[1:], duration=100, loop=1)
    items = [PlaylistItem(id="vid", kind="video", url="http://h/clip.gif", duration_s=30),
             PlaylistItem(id="txt", kind="text", text="Next", duration_s=30)]
    area = MediaArea(lambda item: str(gif) if item.kind == "video" else None, min_duration_s=0.1)
    qtbot.addWidget(area)
    area.resize(320, 180)
    area.show()
    with qtbot.waitSignal(area.item_shown, timeout=5000, check_params_cb=lambda i: i == "vid"):
        area.set_playlist(items)
    assert area._video is not None and area._video.widget.isVisible()
    # the clip lasts 0.6 s: its end, not the 30 s duration, moves the area on
    with qtbot.waitSignal(area.item_shown, timeout=5000, check_params_cb=lambda i: i == "txt"):
        pass
    assert area._video.widget.isHidden()
