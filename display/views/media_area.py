"""The information/ads area: images, text slides and videos from the cached playlist.

Rotation follows :class:`display.playlist.Scheduler` (schedules, durations,
only items whose media is cached). Videos play muted through QtMultimedia
when it is available (the Qt wheels bring an FFmpeg backend); without it, video
items are skipped with one warning. A call pauses the area (``pause()``) and it
resumes where it was.

Only the item on screen is held in memory: one scaled image or one media
player source, so a playlist of thousands of items cycles in constant memory.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from datetime import datetime

from PyQt6.QtCore import QObject, QRectF, QSize, Qt, QTimer, QUrl, pyqtSignal
from PyQt6.QtGui import QFontMetricsF, QImageReader, QPainter, QPaintEvent, QPixmap, QResizeEvent
from PyQt6.QtWidgets import QWidget

from display.playlist import Scheduler, Slot
from display.views import theme
from display.views.textfit import Fitted, draw_lines, fit
from sorra.protocol.messages import PlaylistItem

log = logging.getLogger(__name__)

__all__ = ["MediaArea", "VideoPlayer", "video_available"]

_video_checked: bool | None = None

PAGE_MIN_S = 5.0  # a page of a long notice stays at least this long (read from across the room)


def choose_media_backend() -> None:
    """Qt's FFmpeg media backend, which Qt picks itself from 6.5 on, unless ``$QT_MEDIA_BACKEND`` says otherwise.

    Qt 6.4 (Raspberry Pi OS Bookworm's python3-pyqt6) would pick GStreamer,
    whose ``QMediaPlayer()`` crashes when GStreamer's base plugins are not
    installed. Call before QtMultimedia loads its backend.
    """
    os.environ.setdefault("QT_MEDIA_BACKEND", "ffmpeg")


def video_available() -> bool:
    global _video_checked
    if _video_checked is None:
        choose_media_backend()
        try:
            from PyQt6 import QtMultimedia, QtMultimediaWidgets  # noqa: F401
        except ImportError as err:
            log.warning("QtMultimedia is not available (%s): video items are skipped", err)
            _video_checked = False
        else:
            _video_checked = True
    return _video_checked


class VideoPlayer(QObject):
    """QMediaPlayer + QVideoWidget, muted; one instance reused for every video."""

    finished = pyqtSignal()
    failed = pyqtSignal(str)

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        choose_media_backend()
        from PyQt6.QtMultimedia import QAudioOutput, QMediaPlayer
        from PyQt6.QtMultimediaWidgets import QVideoWidget

        self.widget = QVideoWidget(parent)
        self.widget.setAspectRatioMode(Qt.AspectRatioMode.KeepAspectRatio)
        self.widget.hide()
        self._audio = QAudioOutput(self)
        self._audio.setMuted(True)  # announcements own the sound
        self.player = QMediaPlayer(self)
        self.player.setAudioOutput(self._audio)
        self.player.setVideoOutput(self.widget)
        self.player.mediaStatusChanged.connect(self._status)
        self.player.errorOccurred.connect(lambda _e, msg: self.failed.emit(msg))

    def _status(self, status: object) -> None:
        from PyQt6.QtMultimedia import QMediaPlayer

        if status == QMediaPlayer.MediaStatus.EndOfMedia:
            self.finished.emit()
        elif status == QMediaPlayer.MediaStatus.InvalidMedia:
            self.failed.emit("invalid media")

    def play(self, path: str) -> None:
        self.widget.show()
        self.player.setSource(QUrl.fromLocalFile(path))
        self.player.play()

    def pause(self) -> None:
        self.player.pause()

    def resume(self) -> None:
        self.player.play()

    def stop(self) -> None:
        self.player.stop()
        self.player.setSource(QUrl())  # release the decoder and its buffers
        self.widget.hide()


class MediaArea(QWidget):
    """Plays the playlist; shows a welcome slide when nothing can play."""

    item_shown = pyqtSignal(str)
    """The id of the item now on screen ("" for the welcome slide)."""

    def __init__(
        self,
        resolve: Callable[[PlaylistItem], str | None],
        parent: QWidget | None = None,
        now: Callable[[], datetime] = datetime.now,
        idle_check_s: float = 15.0,
        min_duration_s: float = 2.0,
    ) -> None:
        super().__init__(parent)
        self.resolve = resolve
        self.now = now
        self.scheduler = Scheduler(min_duration_s)
        self.text_px = 40
        self.min_text_px = 24
        """Notices never get smaller than this (``sizing.Layout.notice_px``); longer ones page."""
        self.text_rects: list[QRectF] = []
        """Where the last paint drew text lines, and the box they had to stay in (tests)."""
        self.text_box = QRectF()
        self.text_page = 0
        self._fitted: tuple[tuple[object, ...], Fitted, Fitted | None] | None = None
        self._page_timer = QTimer(self)
        self._page_timer.timeout.connect(self._next_page)
        self.welcome_title = ""
        self.welcome_text = ""
        self.slot: Slot | None = None
        self._pixmap: QPixmap | None = None
        self._video: VideoPlayer | None = None
        self._paused = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.next)
        self._remaining_ms = 0
        self.idle_check_ms = int(idle_check_s * 1000)
        self._page_ms = 0
        self.shown_count = 0
        self.place: Callable[[], None] | None = None
        """Called with the next item set, before it is loaded: the window may move the area first
        (a notice to the wide band), so an image is decoded once, at the size it is shown."""

    # ---- inputs ----------------------------------------------------------------

    def set_playlist(self, items: list[PlaylistItem]) -> None:
        self.scheduler.set_items(items)
        current = self.slot.item.id if self.slot else None
        if current is None or current not in {i.id for i in items}:
            self.next()

    def set_welcome(self, title: str, text: str) -> None:
        self.welcome_title, self.welcome_text = title, text
        if self.slot is None:
            self.update()

    def media_arrived(self) -> None:
        """New files in the cache: if the welcome slide is showing, try the playlist now."""
        if self.slot is None and not self._paused:
            self.next()

    def pause(self) -> None:
        if self._paused:
            return
        self._paused = True
        if self._timer.isActive():
            self._remaining_ms = self._timer.remainingTime()
            self._timer.stop()
        self._page_timer.stop()
        if self._video is not None and self.slot and self.slot.item.kind == "video":
            self._video.pause()

    def resume(self) -> None:
        if not self._paused:
            return
        self._paused = False
        if self._video is not None and self.slot and self.slot.item.kind == "video":
            self._video.resume()
        self._timer.start(max(500, self._remaining_ms))
        if self._page_ms:
            self._page_timer.start(self._page_ms)

    # ---- rotation ----------------------------------------------------------------

    def _ready(self, item: PlaylistItem) -> bool:
        if item.kind == "text":
            return bool(item.text.strip())
        if item.kind == "video" and not video_available():
            return False
        return self.resolve(item) is not None

    def next(self) -> None:
        if self._paused:
            self._remaining_ms = 500
            return
        slot = self.scheduler.advance(self.now(), self._ready)
        self._show(slot)

    def _show(self, slot: Slot | None) -> None:
        if self._video is not None and (slot is None or slot.item.kind != "video"):
            self._video.stop()
        self._pixmap = None
        self.slot = slot
        self.text_page = 0
        self._page_timer.stop()
        self._page_ms = 0
        if self.place is not None:
            self.place()
        if slot is None:
            self._timer.start(self.idle_check_ms)  # schedules change with the time of day
            if self.pages() > 1:
                self._page_ms = int(PAGE_MIN_S * 1000)
                self._page_timer.start(self._page_ms)
        elif slot.item.kind == "image":
            path = self.resolve(slot.item)
            self._pixmap = self._load(path) if path else None
            if self._pixmap is None:
                log.warning("cannot show image %s (%s)", slot.item.id, path)
            self._timer.start(int(slot.duration_s * 1000))
        elif slot.item.kind == "video":
            path = self.resolve(slot.item)
            player = self._video_player()
            if player is None or not path:
                self._timer.start(500)
            else:
                player.widget.setGeometry(self.rect())
                player.play(path)
                self._timer.start(int(slot.duration_s * 1000))  # an upper bound; the end comes first
        else:
            self._time_text(slot)
        self.shown_count += 1
        self.update()
        self.item_shown.emit(slot.item.id if slot else "")

    def _load(self, path: str) -> QPixmap | None:
        reader = QImageReader(path)
        reader.setAutoTransform(True)
        size = reader.size()
        if size.isValid() and self.width() > 0 and self.height() > 0:
            # decode straight to the size on screen: less memory, faster on a Pi
            reader.setScaledSize(size.scaled(QSize(self.width(), self.height()),
                                             Qt.AspectRatioMode.KeepAspectRatio))
        image = reader.read()
        if image.isNull():
            return None
        return QPixmap.fromImage(image)

    def _video_player(self) -> VideoPlayer | None:
        if self._video is None and video_available():
            self._video = VideoPlayer(self)
            self._video.finished.connect(self.next)
            self._video.failed.connect(self._video_failed)
        return self._video

    def _next_page(self) -> None:
        if self.slot is None or self.slot.item.kind == "text":
            self.text_page = (self.text_page + 1) % self.pages()
            self.update()

    def pages(self) -> int:
        """How many pages the text on screen takes (1 for an image or a short notice)."""
        if self.slot is None:
            return len(self._fit_text(self.welcome_title, self.welcome_text)[0].pages)
        if self.slot.item.kind == "text":
            return len(self._fit_text("", self.slot.item.text)[0].pages)
        return 1

    def _video_failed(self, message: str) -> None:
        log.warning("video %s failed: %s", self.slot.item.id if self.slot else "?", message)
        QTimer.singleShot(0, self.next)

    def _time_text(self, slot: Slot) -> None:
        """A notice in pages: each page long enough to read, the slot as long as its pages."""
        pages = len(self._fit_text("", slot.item.text)[0].pages)
        seconds = max(slot.duration_s, pages * PAGE_MIN_S) if pages > 1 else slot.duration_s
        self.text_page = 0
        self._page_ms = int(seconds * 1000 / pages) if pages > 1 else 0
        self._page_timer.stop()
        if self._paused:
            self._remaining_ms = int(seconds * 1000)
            return
        self._timer.start(int(seconds * 1000))
        if self._page_ms:
            self._page_timer.start(self._page_ms)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        if self._video is not None:
            self._video.widget.setGeometry(self.rect())
        if self.slot is not None and self.slot.item.kind == "image" and self._pixmap is not None:
            # (no pixmap yet: the area moved before the image was loaded, at its new size)
            path = self.resolve(self.slot.item)
            self._pixmap = self._load(path) if path else None
        if self.slot is not None and self.slot.item.kind == "text" and event.oldSize() != event.size():
            self._time_text(self.slot)  # another size, other pages
        super().resizeEvent(event)

    # ---- painting ----------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(theme.PANEL)
        r = min(self.width(), self.height()) * 0.03
        p.drawRoundedRect(QRectF(self.rect()), r, r)
        slot = self.slot
        if slot is None:
            self._paint_text(p, self.welcome_title, self.welcome_text)
        elif slot.item.kind == "image" and self._pixmap is not None:
            pm = self._pixmap
            x = (self.width() - pm.width()) / 2
            y = (self.height() - pm.height()) / 2
            p.drawPixmap(int(x), int(y), pm)
        elif slot.item.kind == "text":
            self._paint_text(p, "", slot.item.text)
        p.end()

    def _text_box(self, width: float | None = None, height: float | None = None) -> QRectF:
        w = self.width() if width is None else width
        h = self.height() if height is None else height
        pad = min(self.text_px, w * 0.05, h * 0.08)
        pad_y = min(pad, h * 0.04)  # a line's own leading is air enough above and below
        return QRectF(pad, pad_y, w - 2 * pad, h - 2 * pad_y)

    def text_on_screen(self) -> tuple[str, str] | None:
        """(title, text) of the text slide or welcome slide on screen; None for an image or a video."""
        if self.slot is None:
            return self.welcome_title, self.welcome_text
        if self.slot.item.kind == "text":
            return "", self.slot.item.text
        return None

    def fit_for(self, width: float, height: float) -> tuple[int, int] | None:
        """(pages, smallest font px) of the text on screen in an area of this size; the window picks the area."""
        shown = self.text_on_screen()
        if shown is None:
            return None
        body, head = self._fit_text(*shown, box=self._text_box(width, height), cache=False)
        return len(body.pages), min(body.px, head.px if head is not None else body.px)

    def retime(self) -> None:
        """The area changed size: the text on screen has other pages."""
        if self.slot is not None and self.slot.item.kind == "text":
            self._time_text(self.slot)
        elif self.slot is None:
            self.text_page = 0
            self._page_timer.stop()
            self._page_ms = int(PAGE_MIN_S * 1000) if self.pages() > 1 else 0
            if self._page_ms and not self._paused:
                self._page_timer.start(self._page_ms)
        self.update()

    def _fit_text(self, title: str, text: str, box: QRectF | None = None,
                  cache: bool = True) -> tuple[Fitted, Fitted | None]:
        """The body (pages at the readable minimum if it must) and the title (one page), cached."""
        box = box or self._text_box()
        key = (title, text, box.width(), box.height(), self.text_px, self.min_text_px)
        if cache and self._fitted is not None and self._fitted[0] == key:
            return self._fitted[1], self._fitted[2]
        low = max(1, self.min_text_px)
        high = max(low, int(low * 1.6), int(self.text_px * 1.2))
        head: Fitted | None = None
        body_h = box.height()
        if title:
            # the office name: up to two lines in the top third; it shrinks rather than pages
            head = fit(title, box.width(), box.height() * 0.34, int(high * 1.1), low, paginate=False)
            body_h -= sum(len(pg) for pg in head.pages) * head.line_h + low * 0.4
        body = fit(text, box.width(), body_h, high, low, bold=not title)
        if cache:
            self._fitted = (key, body, head)
        return body, head

    def _paint_text(self, p: QPainter, title: str, text: str) -> None:
        box = self._text_box()
        body, head = self._fit_text(title, text)
        self.text_box = box
        self.text_rects = []
        if head is not None:
            head_h = len(head.pages[0]) * head.line_h
            p.setPen(theme.ACCENT)
            self.text_rects += draw_lines(p, QRectF(box.x(), box.y(), box.width(), head_h), head)
            box = QRectF(box.x(), box.y() + head_h, box.width(), box.height() - head_h)
        p.setPen(theme.TEXT)
        page = min(self.text_page, len(body.pages) - 1)
        self.text_rects += draw_lines(p, box, body, page)
        if len(body.pages) > 1:
            self._paint_page_mark(p, f"{page + 1}/{len(body.pages)}")

    def _paint_page_mark(self, p: QPainter, mark: str) -> None:
        """Which page this is: small, in a corner the text's lines leave free (bottom, else top right)."""
        p.setPen(theme.MUTED)
        inset = max(4.0, self.height() * 0.02)
        px = max(10, int(self.text_px * 0.6))
        while True:
            font = theme.font(px)
            fm = QFontMetricsF(font)
            w, h = fm.horizontalAdvance(mark), fm.height()
            corners = [QRectF(self.width() - inset - w, self.height() - inset * 0.5 - h, w, h),
                       QRectF(self.width() - inset - w, inset * 0.5, w, h)]
            free = [r for r in corners if not any(r.intersects(t) for t in self.text_rects)]
            if free or px <= 8:
                break
            px -= 2
        p.setFont(font)
        p.drawText((free or corners)[0], Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, mark)
