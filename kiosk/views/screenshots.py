"""``sorra kiosk --screenshots DIR``: every screen, offscreen, to PNG, in Hungarian and English.

The screens are fed sample view states (the same dataclasses the controller
builds), so this needs no hub, printer or network.
"""

from __future__ import annotations

import os
import time
from dataclasses import replace
from pathlib import Path

from kiosk.model import (
    BookingView,
    BookOption,
    BookStep,
    FollowView,
    GroupItem,
    PrintState,
    Problem,
    Screen,
    ServiceItem,
    TicketView,
    ViewState,
)

_SERVICES = {
    "hu": [
        ServiceItem("idcard", "Személyi igazolvány", "Hozza magával: régi igazolvány, lakcímkártya.", "docs", True, 4, 17 * 60),
        ServiceItem("passport", "Útlevél", "Hozza magával: régi útlevél; fénykép nem kell.", "docs", True, 2, 9 * 60),
        ServiceItem("licence", "Vezetői engedély", "Orvosi alkalmassági vélemény szükséges.", "docs", False),
        ServiceItem("address", "Lakcímbejelentés", "", "docs", True, 0, 0),
        ServiceItem("tax", "Adóügyek", "Hozza magával adóazonosító jelét.", "tax", True, 6, 31 * 60),
        ServiceItem("vehicle", "Gépjárműügyintézés", "Hozza magával: forgalmi engedély, törzskönyv.", "vehicle", True, 1, 5 * 60),
    ],
    "en": [
        ServiceItem("idcard", "Identity card", "Bring your old card and your address card.", "docs", True, 4, 17 * 60),
        ServiceItem("passport", "Passport", "Bring your old passport; no photo needed.", "docs", True, 2, 9 * 60),
        ServiceItem("licence", "Driving licence", "A medical certificate is needed.", "docs", False),
        ServiceItem("address", "Change of address", "", "docs", True, 0, 0),
        ServiceItem("tax", "Taxes", "Bring your tax number.", "tax", True, 6, 31 * 60),
        ServiceItem("vehicle", "Vehicles", "Bring the registration certificate and title.", "vehicle", True, 1, 5 * 60),
    ],
}
_GROUPS = {
    "hu": (GroupItem("docs", "Okmányok", 4), GroupItem("tax", "Adó", 1), GroupItem("vehicle", "Járművek", 1)),
    "en": (GroupItem("docs", "Documents", 4), GroupItem("tax", "Tax", 1), GroupItem("vehicle", "Vehicles", 1)),
}
_OFFICE = {"hu": "Kormányablak – Győr, Szent István út", "en": "Government Window – Győr, Szent István út"}


def sample_states(lang: str) -> dict[str, ViewState]:
    """Name → view state, one per screen (and the notable variants)."""
    svc = _SERVICES[lang]
    docs = tuple(s for s in svc if s.group == "docs")
    base = ViewState(
        screen=Screen.START, lang=lang, office_name=_OFFICE[lang], groups=_GROUPS[lang],
        services=(), max_services=3, connecting=False,
    )
    ticket = TicketView(
        number="S042", services=(svc[0], svc[4]), ahead=3, est_wait_s=14 * 60,
        status_url="http://sorra.local:8080/t/Xk2v9QpL0aZ3", print_state=PrintState.PRINTED,
    )
    return {
        "01-start": base,
        "02-start-printer-out": replace(base, printer="paper_out"),
        "03-catalogue-groups": replace(base, screen=Screen.CATALOGUE),
        "04-catalogue-services": replace(base, screen=Screen.CATALOGUE, group="docs", services=docs, selected=(svc[4],)),
        "05-review": replace(
            base, screen=Screen.REVIEW, selected=(svc[0], svc[4]), priority=True, can_add_more=True, people=3
        ),
        "06-check-in": replace(base, screen=Screen.CHECK_IN, code="K7Q2"),
        "07-check-in-not-found": replace(base, screen=Screen.CHECK_IN, code="K7Q2M8", problem=Problem.NOT_FOUND),
        "08-issuing": replace(base, screen=Screen.ISSUING),
        "09-ticket": replace(base, screen=Screen.TICKET, ticket=ticket),
        "10-ticket-print-failed": replace(
            base, screen=Screen.TICKET, printer="paper_out",
            ticket=replace(ticket, print_state=PrintState.FAILED, printer_state="paper_out", priority=True),
        ),
        "11-error-no-reply": replace(base, screen=Screen.ERROR, problem=Problem.NO_REPLY),
        "12-error-offline": replace(base, screen=Screen.ERROR, problem=Problem.OFFLINE),
        "13-closed": replace(
            base, screen=Screen.CLOSED, hours_today="08:00–12:00, 13:00–18:00", next_open=time.time() + 14 * 3600,
            office_message="Pénteken 14 óráig tartunk nyitva." if lang == "hu" else "On Fridays we close at 2 pm.",
        ),
        "14-out-of-service": replace(base, screen=Screen.OUT_OF_SERVICE),
        "15-idle-warning": replace(
            base, screen=Screen.CATALOGUE, group="docs", services=docs, idle_warning_s=8
        ),
        "16-check-in-remote-code": replace(base, screen=Screen.CHECK_IN, code="4827"),
        "17-checked-in-remote": replace(
            base, screen=Screen.TICKET,
            ticket=replace(ticket, number="S017", services=(svc[0],), ahead=0, est_wait_s=0, checked_in=True,
                           front=True),
        ),
        "18-check-in-already": replace(base, screen=Screen.CHECK_IN, code="482715",
                                       problem=Problem.ALREADY_CHECKED_IN),
        "19-check-in-not-today": replace(base, screen=Screen.CHECK_IN, code="482715", problem=Problem.NOT_TODAY),
        "20-follow-phone": replace(base, screen=Screen.FOLLOW, ticket=ticket, follow=FollowView(phone="0630123")),
        "21-follow-bad-number": replace(base, screen=Screen.FOLLOW, ticket=ticket,
                                        follow=FollowView(phone="06123456789"), problem=Problem.BAD_NUMBER),
        "22-follow-unavailable": replace(base, screen=Screen.FOLLOW, ticket=ticket,
                                         follow=FollowView(phone="+36301234567"), problem=Problem.UNAVAILABLE),
        "23-ticket-followed": replace(base, screen=Screen.TICKET, ticket=ticket,
                                      follow=FollowView(phone="+36301234567", done=True, ahead_limit=3)),
        **_booking_states(base, svc),
    }


def _booking_states(base: ViewState, svc: list[ServiceItem]) -> dict[str, ViewState]:
    services = tuple(BookOption(s.id, s.name, info=s.info) for s in svc if s.open)
    days = tuple(BookOption(f"2025-06-{d:02d}", free=0 if d in (7, 8, 14, 15) else (d * 7) % 23,
                            weekday=(d + 5) % 7) for d in range(2, 17))
    slots = tuple(BookOption(str(1749711600.0 + i * 900), f"{8 + i // 4:02d}:{(i % 4) * 15:02d}",
                             free=0 if i % 5 == 2 else 1) for i in range(32))
    chosen = BookingView(step=BookStep.DAY, services=services, days=days, slots=slots, service=services[1])
    day, slot = days[10], slots[6]
    booking = Screen.BOOKING
    return {
        "24-book-service": replace(base, screen=booking, booking=BookingView(services=services)),
        "25-book-day": replace(base, screen=booking, booking=chosen),
        "26-book-slot": replace(base, screen=booking, booking=replace(chosen, step=BookStep.SLOT, day=day)),
        "27-book-confirm": replace(base, screen=booking,
                                   booking=replace(chosen, step=BookStep.CONFIRM, day=day, slot=slot)),
        "28-booked": replace(base, screen=booking, booking=replace(
            chosen, step=BookStep.DONE, day=day, slot=slot, code="K7QX4M", print_state=PrintState.PRINTED,
            manage_url="http://sorra.local:8080/book/manage/K7QX4M?sig=3f9a0c2e7d1b5a8c4e6f")),
        "29-book-slot-taken": replace(base, screen=booking, problem=Problem.CONFLICT,
                                      booking=replace(chosen, step=BookStep.SLOT, day=day)),
    }


def render_all(out_dir: Path, sizes: list[str], cfg=None, langs: tuple[str, ...] = ("hu", "en")) -> list[Path]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PyQt6.QtWidgets import QApplication

    from kiosk.views.theme import FONT_FAMILY, Metrics
    from kiosk.views.window import KioskWindow

    app = QApplication.instance() or QApplication([])
    app.setFont(_font(FONT_FAMILY))
    out_dir.mkdir(parents=True, exist_ok=True)
    diagonal = cfg.kiosk.screen_diagonal_in if cfg is not None else 0.0
    written: list[Path] = []
    for size in sizes:
        window = KioskWindow(Metrics.for_screen(size, diagonal))
        window.show()
        for lang in langs:
            for name, state in sample_states(lang).items():
                window.render(state)
                app.processEvents()
                path = out_dir / f"{size}-{lang}-{name}.png"
                window.grab().save(str(path))
                written.append(path)
        window.close()
        window.deleteLater()
    app.processEvents()
    return written


def _font(family: str):
    from PyQt6.QtGui import QFont

    return QFont(family)
