"""The kiosk controller's ports: the bus and printer protocols and its callback types."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, Protocol

from kiosk.model import ViewState
from kiosk.printing.service import PrintResult
from kiosk.printing.status import PrinterStatus
from sorra.ticket.data import TicketData

Invoke = Callable[[Callable[[], None]], None]
Listener = Callable[[ViewState], None]
MessageCallback = Callable[[str, dict[str, Any] | None], None]


class Bus(Protocol):
    """The part of :class:`sorra.bus.BusClient` the kiosk uses."""

    @property
    def connected(self) -> bool: ...

    def on_connection(self, callback: Callable[[bool], None]) -> None: ...

    def subscribe_state(self, name: str, callback: MessageCallback) -> None: ...

    def subscribe_status(self, callback: MessageCallback) -> None: ...

    def subscribe_event(self, name: str, callback: MessageCallback) -> None: ...

    def request(
        self, op: str, args: dict[str, Any] | None = None, *, req: str | None = None, send_deadline_s: float = 10.0
    ) -> Future: ...

    def publish_status(self, extra: dict[str, Any] | None = None) -> None: ...


class PrinterPort(Protocol):
    """The part of :class:`kiosk.printing.PrinterService` the kiosk uses."""

    on_status: Callable[[PrinterStatus], None] | None

    @property
    def status(self) -> PrinterStatus: ...

    def submit(self, ticket: TicketData, done: Callable[[PrintResult], None]) -> int: ...


__all__ = ["Bus", "Invoke", "Listener", "MessageCallback", "PrinterPort"]
