"""What goes on a printed ticket, independent of how it is laid out."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sorra.ticket.template import Template

PANGRAM = "ÁRVÍZTŰRŐ TÜKÖRFÚRÓGÉP árvíztűrő tükörfúrógép"
"""Every Hungarian accented letter; on a test print it shows at once whether the code page is right."""


@dataclass(frozen=True)
class TicketLine:
    name: str
    info: str = ""
    """What to bring ("Hozza magával: …")."""


@dataclass(frozen=True)
class TicketData:
    number: str
    office: str
    services: tuple[TicketLine, ...]
    ahead: int
    est_wait_s: int
    status_url: str
    issued_at: datetime
    lang: str = "hu"
    priority: bool = False
    note: str = ""
    appointment: str = ""
    ticket_id: str = ""
    extra: dict[str, str] = field(default_factory=dict)
    layout: Template | None = None
    """Print with this layout instead of the printer's ticket layout (the kiosk's booking confirmation)."""

    @property
    def wait_min(self) -> int:
        """Estimated wait in whole minutes, rounded up (0 only when nobody is ahead)."""
        return math.ceil(self.est_wait_s / 60) if self.est_wait_s > 0 else 0

    def fields(self) -> dict[str, str]:
        """Placeholders a template may use."""
        return {
            "office": self.office,
            "number": self.number,
            "services": ", ".join(s.name for s in self.services),
            "ahead": str(self.ahead),
            "wait_min": str(self.wait_min),
            "date": self.issued_at.strftime("%Y.%m.%d." if self.lang == "hu" else "%Y-%m-%d"),
            "time": self.issued_at.strftime("%H:%M"),
            "status_url": self.status_url,
            "note": self.note,
            "appointment": self.appointment,
            **self.extra,
        }

    def condition(self, name: str) -> bool:
        """The ``when`` conditions of template blocks."""
        return {
            "priority": self.priority,
            "note": bool(self.note),
            "ahead": self.ahead > 0,
            "no_ahead": self.ahead == 0,
            "wait": self.wait_min > 0,
            "appointment": bool(self.appointment),
            "status_url": bool(self.status_url),
            "info": any(s.info for s in self.services),
        }.get(name, False)


def sample_ticket(lang: str = "hu", when: datetime | None = None) -> TicketData:
    """The technician's test ticket (the test print adds the code page check line)."""
    hu = lang == "hu"
    return TicketData(
        number="A042",
        office="Kormányablak – Győr" if hu else "Government Window – Győr",
        services=(
            TicketLine(
                "Személyi igazolvány" if hu else "Identity card",
                "Hozza magával: régi igazolvány, lakcímkártya, fénykép nem kell."
                if hu
                else "Bring: your old card and your address card; no photo needed.",
            ),
            TicketLine("Lakcímbejelentés" if hu else "Change of address", ""),
        ),
        ahead=3,
        est_wait_s=14 * 60,
        status_url="http://sorra.local:8080/t/SAMPLE-TOKEN",
        issued_at=when or datetime.now(),
        lang=lang,
        priority=False,
        note="Mintajegy – nem érvényes." if hu else "Sample ticket – not valid.",
        ticket_id="sample",
    )
