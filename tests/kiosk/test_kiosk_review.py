"""The review screen shows every chosen service: whole cards, paged with touch-sized buttons.

It used to put the second card behind a thin scrollbar, cut off. Rendered
offscreen at every kiosk screen size with 1, 2, 3 and 5 services.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from PyQt6.QtCore import QPoint, QRect, Qt
from PyQt6.QtWidgets import QApplication, QLabel, QPushButton, QWidget

from kiosk.cli import SCREENS
from kiosk.model import ServiceItem
from kiosk.views import KioskWindow, Metrics
from kiosk.views.pager import CardPager
from kiosk.views.screenshots import _SERVICES, sample_states
from kiosk.views.theme import stylesheet
from kiosk.views.widgets import WrapButton

LONG = ServiceItem("family", "Családtámogatás, anyasági ellátás, Ügyfélkapu-regisztráció",
                   "Hozza magával: gyermek születési anyakönyvi kivonata, TAJ-kártya, lakcímkártya.",
                   "docs", True, 2, 300)


def _chosen(n: int) -> tuple[ServiceItem, ...]:
    svc = _SERVICES["hu"]
    return (svc[0], svc[4], LONG, svc[5], svc[1])[:n]


def _pager(window: KioskWindow) -> CardPager:
    """The pager of the screen on view (the catalogue has one too)."""
    return next(p for p in window.findChildren(CardPager) if p.isVisible())


def _rect_in(widget: QWidget, ancestor: QWidget) -> QRect:
    return QRect(widget.mapTo(ancestor, QPoint(0, 0)), widget.size())


def _assert_whole(widget: QWidget, window: QWidget, what: str) -> None:
    """``widget`` lies inside its parent, and that inside its own, up to the window: nothing of it is cut off."""
    w = widget
    while w is not window and w.parentWidget() is not None:
        parent = w.parentWidget()
        assert QRect(0, 0, parent.width(), parent.height()).contains(w.geometry()), \
            f"{what}: {w.objectName() or type(w).__name__} {w.geometry()} cut off by its parent {parent.size()}"
        w = parent
    assert QRect(0, 0, window.width(), window.height()).contains(_rect_in(widget, window)), what


@pytest.mark.parametrize("lang", ["hu", "en"])
@pytest.mark.parametrize("size", SCREENS)
@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_every_chosen_service_is_shown_whole_on_some_page(qtbot, size: str, n: int, lang: str) -> None:
    m = Metrics.for_screen(size)
    window = KioskWindow(m)
    qtbot.addWidget(window)
    window.show()
    state = replace(sample_states(lang)["05-review"], selected=_chosen(n), max_services=5, can_add_more=n < 5)
    window.render(state)
    QApplication.processEvents()
    pager = _pager(window)
    assert len(pager.cards) == n
    seen: set[str] = set()
    for page in range(len(pager.pages)):
        pager.page = page
        pager.turn(0)
        QApplication.processEvents()
        box = QRect(0, 0, pager.area.width(), pager.area.height())
        visible = [c for c in pager.cards if c.isVisible()]
        assert visible, (size, n, page)
        for card in visible:
            r = _rect_in(card, pager.area)
            assert box.contains(r), f"{size}, {n} services, page {page + 1}: card {r} cut off by {box}"
            for lab in card.findChildren(QLabel):
                assert lab.heightForWidth(lab.width()) <= lab.height() + 1, (size, lab.text())
                assert QRect(0, 0, card.width(), card.height()).contains(_rect_in(lab, card)), lab.text()
                seen.add(lab.text())
        # the page buttons are there exactly when needed, and big enough for a finger
        paged = len(pager.pages) > 1
        assert pager.column.isVisible() == paged
        if paged:
            for b in (pager.up, pager.down):
                assert min(b.width(), b.height()) / m.px_per_mm >= 15.0
            for control in (pager.up, pager.where, pager.down):  # ▼ was cut off below a short card area
                _assert_whole(control, window, f"{size}, {n} services: page control {control.text()}")
        # the people row's − / + and the rest of the screen are whole and big enough for a finger
        for name in ("peopleLess", "peopleMore", "priority", "cancel", "confirm") + (("addAnother",) if n < 5 else ()):
            b = window.findChild(QPushButton, name)
            assert b.isVisible(), name
            _assert_whole(b, window, f"{size}, {n} services: {name}")
            assert min(b.width(), b.height()) >= m.touch, (size, name, b.size())
    assert {s.name for s in _chosen(n)} <= seen
    if n <= 2:
        assert len(pager.pages) == 1  # two services never need a second page
    assert window.findChild(QPushButton, "confirm").isVisible()


def test_the_page_buttons_turn_the_pages(qtbot) -> None:
    m = Metrics.for_screen("1280x800")
    window = KioskWindow(m)
    qtbot.addWidget(window)
    window.show()
    window.render(replace(sample_states("hu")["05-review"], selected=_chosen(5), max_services=5,
                          can_add_more=False))
    QApplication.processEvents()
    pager = _pager(window)
    assert len(pager.pages) > 1 and not pager.up.isEnabled()
    first = [c for c in pager.cards if c.isVisible()]
    qtbot.mouseClick(pager.down, Qt.MouseButton.LeftButton)
    assert pager.page == 1 and pager.up.isEnabled()
    assert not any(c.isVisible() for c in first)
    assert pager.where.text() == f"2/{len(pager.pages)}"


@pytest.mark.parametrize("size", SCREENS)
@pytest.mark.parametrize("lang", ["hu", "en"])
def test_no_button_text_on_the_review_screen_is_cut(qtbot, size: str, lang: str) -> None:
    """The priority toggle was cut at both ends and "Print my ticket" squeezed on a portrait kiosk."""
    window = KioskWindow(Metrics.for_screen(size))
    qtbot.addWidget(window)
    window.show()
    window.render(replace(sample_states(lang)["05-review"], max_services=5, can_add_more=True))
    QApplication.processEvents()
    checked = 0
    for b in window.findChildren(QPushButton):
        if not b.isVisible() or not b.text():
            continue
        if isinstance(b, WrapButton):
            lab = b.text_label
            assert lab.heightForWidth(lab.width()) <= lab.height() + 1, (size, b.text())
            assert QRect(0, 0, b.width(), b.height()).contains(_rect_in(lab, b))
        else:
            # the style's padding (22 px) and border (3 px) on each side, then the text
            assert b.fontMetrics().horizontalAdvance(b.text()) + 2 * 25 <= b.width(), (size, b.text(), b.width())
        checked += 1
    assert checked >= 4


def test_on_a_short_card_area_the_page_buttons_stand_side_by_side(qtbot) -> None:
    """Too short for ▲, "1/3" and ▼ one above the other: in a row at the top, none of them cut off."""
    m = Metrics.for_screen("1280x800")
    host = QWidget()
    qtbot.addWidget(host)
    host.setStyleSheet(stylesheet(m))
    pager = CardPager(m, parent=host)
    short = 2 * pager.side  # room for one button, not for two above each other
    pager.setGeometry(0, 0, 900, short)
    host.resize(900, short)
    host.show()
    cards = []
    for i in range(4):
        card = QLabel(f"Ügy {i}")
        card.setFixedHeight(short - 10)
        cards.append(card)
    pager.set_cards(cards)
    QApplication.processEvents()
    assert len(pager.pages) == 4 and pager.column.isVisible()
    assert pager.up.y() == pager.down.y() < pager.up.height()  # side by side, at the top
    for control in (pager.up, pager.where, pager.down):
        _assert_whole(control, host, control.text())
    assert pager.area.width() + pager.column.width() < 900
    # tall enough again: one above the other as before, ▼ at the bottom
    pager.setGeometry(0, 0, 900, 600)
    host.resize(900, 600)
    QApplication.processEvents()
    assert pager.up.x() == pager.down.x() and pager.down.y() > pager.up.y() + pager.up.height()
    for control in (pager.up, pager.where, pager.down):
        _assert_whole(control, host, control.text())


MANY = tuple(_SERVICES["hu"]) + tuple(
    ServiceItem(f"x{i}", f"Szolgáltatás {i}", "Hozza magával: személyi igazolvány.", "docs", True, i, 60 * i)
    for i in range(8))


@pytest.mark.parametrize("size", SCREENS)
def test_the_catalogue_shows_every_service_whole_a_page_at_a_time(qtbot, size: str) -> None:
    """The same cause on the catalogue: fourteen services behind a thin scrollbar, six in view."""
    m = Metrics.for_screen(size)
    window = KioskWindow(m)
    qtbot.addWidget(window)
    window.show()
    window.render(replace(sample_states("hu")["04-catalogue-services"], services=MANY))
    QApplication.processEvents()
    pager = _pager(window)
    assert len(pager.cards) == len(MANY) and len(pager.pages) > 1
    seen = set()
    for page in range(len(pager.pages)):
        pager.page = page
        pager.turn(0)
        QApplication.processEvents()
        box = QRect(0, 0, pager.area.width(), pager.area.height())
        for tile in (c for c in pager.cards if c.isVisible()):
            assert box.contains(_rect_in(tile, pager.area)), (size, page, tile.title.text())
            for lab in tile.findChildren(QLabel):
                if lab.isVisible():
                    assert lab.heightForWidth(lab.width()) <= lab.height() + 1, (size, lab.text())
            seen.add(tile.title.text())
    assert seen == {s.name for s in MANY}
    assert pager.column.isVisible() and min(pager.up.width(), pager.up.height()) / m.px_per_mm >= 15
    # the usual handful needs no pages and shows no page buttons
    window.render(sample_states("hu")["04-catalogue-services"])
    QApplication.processEvents()
    assert len(pager.pages) == 1 and not pager.column.isVisible()
