"""What the hub offers, in the citizen's language: services, groups, the office.

Built from the retained ``state/services`` and ``state/queue``; pure data in,
view items out, so the controller only decides *when* to show them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kiosk.model import GroupItem, ServiceItem
from sorra.protocol.messages import QueueState, ServiceInfo, ServicesState
from sorra.ticket.data import TicketLine


def pick(texts: dict[str, str], lang: str, default: str) -> str:
    """The text in ``lang``, else Hungarian, else English, else any, else ``default``."""
    if not texts:
        return default
    for key in (lang, "hu", "en"):
        if texts.get(key):
            return texts[key]
    return next((v for v in texts.values() if v), default)


@dataclass(frozen=True)
class Catalogue:
    services: ServicesState | None = None
    queue: QueueState | None = None

    @property
    def office(self) -> dict[str, Any]:
        return self.services.office if self.services else {}

    @property
    def known(self) -> bool:
        return self.services is not None

    @property
    def closed(self) -> bool:
        return self.services is not None and self.office.get("open") is False

    def items(self, lang: str) -> list[ServiceItem]:
        """The enabled services, in the hub's order, with their queue figures."""
        if self.services is None:
            return []
        queue = self.queue.services if self.queue else {}
        out = []
        for svc in self.services.services:
            if not svc.enabled:
                continue
            q = queue.get(svc.id)
            out.append(
                ServiceItem(
                    id=svc.id,
                    name=pick(svc.names, lang, svc.id),
                    info=pick(svc.info, lang, ""),
                    group=svc.group,
                    open=svc.open,
                    waiting=q.waiting if q else 0,
                    est_wait_s=q.est_wait_s if q else 0,
                )
            )
        return out

    def groups(self, items: list[ServiceItem], lang: str) -> tuple[GroupItem, ...]:
        """Groups in order of first appearance; names from ``office.groups`` when the hub gives them."""
        names = self.office.get("groups") or {}
        order: list[str] = []
        for i in items:
            if i.group not in order:
                order.append(i.group)
        out = []
        for g in order:
            named = names.get(g)
            out.append(
                GroupItem(
                    id=g,
                    name=pick(named, lang, g) if isinstance(named, dict) else (g or ""),
                    services=sum(1 for i in items if i.group == g),
                    open=any(i.open for i in items if i.group == g),
                )
            )
        return tuple(out)

    def item(self, sid: str, lang: str) -> ServiceItem | None:
        return next((i for i in self.items(lang) if i.id == sid), None)

    def service(self, sid: str) -> ServiceInfo | None:
        if self.services is None:
            return None
        return next((s for s in self.services.services if s.id == sid), None)

    def office_name(self, lang: str, default: str = "") -> str:
        name = self.office.get("name")
        if isinstance(name, dict):
            return pick(name, lang, default)
        return str(name or default)

    def office_message(self, lang: str) -> str:
        return pick(self.office.get("message") or {}, lang, "")

    def ticket_lines(self, sids: list[str], lang: str) -> tuple[TicketLine, ...]:
        lines = []
        for sid in sids:
            info = self.service(sid)
            lines.append(TicketLine(pick(info.names, lang, sid), pick(info.info, lang, "")) if info else TicketLine(sid))
        return tuple(lines)

    def local_time(self, epoch: float) -> datetime:
        """``epoch`` in the office's time zone (the device's own when unknown)."""
        tz_name = str(self.office.get("tz") or "")
        try:
            return datetime.fromtimestamp(epoch, ZoneInfo(tz_name)) if tz_name else datetime.fromtimestamp(epoch)
        except (ZoneInfoNotFoundError, ValueError):
            return datetime.fromtimestamp(epoch)
