"""The waiting-room window: lays the panels out from :mod:`display.sizing` and renders the model.

It is a :class:`display.controller.DisplayListener`; the controller calls it on
the GUI thread. It only reads the controller's pure helpers (media paths, the
announcement sentence), never the bus.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from datetime import datetime

from PyQt6.QtCore import Qt
from PyQt6.QtGui import QPainter, QPaintEvent, QResizeEvent
from PyQt6.QtWidgets import QWidget

from display import sizing
from display.controller import DisplayController
from display.model import CallView, DisplayState
from display.takeover_policy import TakeoverPolicy
from display.views import theme
from display.views.i18n import translator
from display.views.media_area import MediaArea
from display.views.takeover import TakeoverOverlay
from display.views.widgets import CallPanel, HeaderBar, QueuePanel, RecentList, Ticker
from sorra.config.display import AudioSection, DisplaySection

log = logging.getLogger(__name__)

__all__ = ["DisplayWindow"]

ATTENTION_S = 5.0


class DisplayWindow(QWidget):
    def __init__(
        self,
        controller: DisplayController,
        display: DisplaySection | None = None,
        audio: AudioSection | None = None,
        lang: str = "hu",
        now: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__()
        now = now or controller.now  # the office's time zone once the hub has told it
        self.controller = controller
        self.display = display or controller.display
        self.audio = audio or controller.audio
        self.lang = lang
        self.t = translator(lang)
        word = self.audio.counter_word_hu if lang == "hu" else self.audio.counter_word_en
        counter_label = word[:1].upper() + word[1:]
        self.setWindowTitle("Sorra")
        self.setAutoFillBackground(False)
        self.header = HeaderBar(self.t, self)
        self.header.now = now
        self.call_panel = CallPanel(self.t, counter_label, self)
        self.recent = RecentList(self.t, self)
        self.queue = QueuePanel(self.t, self)
        self.queue.setVisible(self.display.show_queue)
        self.media = MediaArea(self.controller_media_path, self, now=now)
        self.media.set_welcome(self.t.gettext("Welcome"),
                               self.t.gettext("Please take a ticket at the kiosk and wait for your number."))
        self.ticker = Ticker(self)
        self.ticker.speed = self.display.ticker_speed
        self.takeover = TakeoverOverlay(self.t, counter_label, self)
        self.takeover.hidden_again.connect(self._takeover_over)
        self.media.place = self._place_media
        d = self.display
        self.takeover_policy = TakeoverPolicy(d.call_takeover_s, d.call_takeover_min_s,
                                              d.call_takeover_share, d.call_takeover_window_s)
        self.takeover_decisions: deque[str] = deque(maxlen=50)
        """The policy's latest answers ("start", "join", "none"): the log of a busy hour, and tests."""
        self.layout_: sizing.Layout | None = None
        controller.add_listener(self)
        self.state_changed(controller.state, frozenset({"calls", "queue", "office", "playlist", "online"}))

    def controller_media_path(self, item):  # noqa: ANN001, ANN201 - a plain callable for MediaArea
        return self.controller.media_path(item)

    # ---- geometry ------------------------------------------------------------------

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        self.apply_layout(self.width(), self.height())
        super().resizeEvent(event)

    def apply_layout(self, width: int, height: int) -> sizing.Layout:
        layout = sizing.compute(width, height, self.display.screen_diagonal_in,
                                self.display.farthest_seat_m, self.display.recent_calls,
                                self.display.show_queue)
        if self.layout_ is None or (layout.fits, layout.number_px) != (self.layout_.fits, self.layout_.number_px):
            (log.info if layout.fits else log.warning)("display layout:\n%s", layout.summary())
        self.layout_ = layout
        self.header.setGeometry(*layout.header.tuple())
        self.header.font_px = layout.header_px
        self.call_panel.setGeometry(*layout.current.tuple())
        self.call_panel.number_px = layout.current_px
        self.call_panel.text_px = layout.text_px
        self.recent.setGeometry(*layout.recent.tuple())
        self.recent.number_px = layout.number_px
        self.recent.text_px = layout.text_px
        self.recent.rows, self.recent.cols = layout.recent_rows, layout.recent_cols
        self.queue.text_px = layout.text_px
        self.queue.sizing_h = layout.queue.h  # the same text while it grows down to a notice
        self.media.text_px = int(layout.text_px * 1.2)
        self.media.min_text_px = layout.notice_px
        self._place_media()
        self.ticker.setGeometry(*layout.ticker.tuple())
        self.ticker.font_px = layout.ticker_px
        self.takeover.setGeometry(0, 0, width, height)
        self.takeover.number_px = layout.takeover_px
        self.takeover.min_number_px = layout.number_px
        self.takeover.text_px = int(layout.text_px * 1.3)
        self.takeover.portrait = layout.portrait
        self.recent.set_calls(self.controller.state.recent)
        self.update()
        return layout

    def _place_media(self) -> None:
        """The media slot, or for a notice that pages less there, the wide band under the calls.

        A two-sentence notice takes four pages in the landscape media slot at its
        readable minimum and one across the band; the queue panel grows down to the
        band meanwhile, so nothing else moves.
        """
        layout = self.layout_
        if layout is None:
            return
        media, queue = layout.media, layout.queue
        if layout.notice is not None and layout.notice_queue is not None:
            slot = self.media.fit_for(media.w, media.h)
            band = self.media.fit_for(layout.notice.w, layout.notice.h)
            if slot is not None and band is not None and (band[0], -band[1]) < (slot[0], -slot[1]):
                media, queue = layout.notice, layout.notice_queue
        if self.queue.geometry().getRect() != queue.tuple():
            self.queue.setGeometry(*queue.tuple())
        if self.media.geometry().getRect() != media.tuple():
            self.media.setGeometry(*media.tuple())
            self.media.retime()

    # ---- the listener --------------------------------------------------------------

    def state_changed(self, state: DisplayState, changed: frozenset[str]) -> None:
        if "calls" in changed:
            self.call_panel.set_call(state.current)
            self.recent.set_calls(state.recent)
        if "queue" in changed:
            self.queue.set_rows(state.queue, state.waiting_total)
        if "office" in changed:
            self.header.set_office(state.office_name, self.controller.logo_path())
            if state.office_name:
                self.media.set_welcome(state.office_name,
                                       self.t.gettext("Please take a ticket at the kiosk and wait for your number."))
                self._place_media()  # another welcome text may want the other area
        if "playlist" in changed:
            self.media.set_playlist(state.playlist)
            self.ticker.set_items(state.ticker)
        if "media" in changed:
            self.media.media_arrived()
            self.header.set_office(state.office_name, self.controller.logo_path())
        if "online" in changed:
            self.header.set_online(state.online)

    def call_arrived(self, call: CallView) -> None:
        decision = self.takeover_policy.on_call()
        self.takeover_decisions.append(decision.action)
        sentence = self.controller.announcement_for(call).written if decision.action != "none" else ""
        if decision.action == "join" and self.takeover.isVisible():
            self.takeover.add_call(call, sentence, decision.seconds)
        elif decision.action in ("start", "join"):
            # the full-screen call is the attention; the panel pulses once it is back
            self.media.pause()
            self.takeover.show_call(call, sentence, decision.seconds)
        else:
            # a busy minute: the queue stays in view, the call panel pulses
            self.call_panel.attention(ATTENTION_S)

    def _takeover_over(self) -> None:
        self.takeover_policy.ended_early()
        self.media.resume()
        self.call_panel.attention(ATTENTION_S)

    # ---- painting ------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        p = QPainter(self)
        p.fillRect(self.rect(), theme.BACKGROUND)
        p.end()

    def keyPressEvent(self, event) -> None:  # noqa: N802, ANN001
        # a technician with a keyboard: Esc leaves full screen (the service restarts it otherwise)
        if event.key() == Qt.Key.Key_Escape and self.isFullScreen():
            self.showNormal()
        else:
            super().keyPressEvent(event)
