"""What the waiting-room screen shows, as plain data (no Qt): the view model."""

from __future__ import annotations

from dataclasses import dataclass, field

from sorra.protocol.messages import CallInfo, PlaylistItem

__all__ = ["CallView", "DisplayState", "QueueRow"]


@dataclass(frozen=True)
class CallView:
    ticket: str
    number: str
    counter: int
    counter_name: str
    recall: bool
    at: float
    lang: str
    services: tuple[str, ...] = ()

    @property
    def key(self) -> tuple[str, float]:
        """A call is the same call when it has the same ticket and time (event and state)."""
        return (self.ticket, self.at)

    @property
    def counter_label(self) -> str:
        """What the counter column shows: its number (a name goes in the smaller line)."""
        return str(self.counter)

    @property
    def counter_title(self) -> str:
        """The counter's name, if it has one besides its number ("Pénztár")."""
        name = self.counter_name.strip()
        return "" if name in ("", str(self.counter)) else name

    @classmethod
    def from_info(cls, c: CallInfo) -> CallView:
        return cls(c.ticket, c.number, c.counter, c.counter_name, c.recall, float(c.at),
                   c.lang, tuple(c.services))


@dataclass(frozen=True)
class QueueRow:
    service: str
    name: str
    waiting: int
    est_wait_s: int
    open: bool = True


@dataclass
class DisplayState:
    lang: str = "hu"
    office_name: str = ""
    office_message: str = ""
    logo_url: str = ""
    current: CallView | None = None
    recent: list[CallView] = field(default_factory=list)
    queue: list[QueueRow] = field(default_factory=list)
    waiting_total: int = 0
    online: bool = False
    """Connected to the broker and the hub is up; False shows the discreet offline mark."""
    ever_online: bool = False
    playlist: list[PlaylistItem] = field(default_factory=list)
    playlist_version: str = ""
    ticker: list[str] = field(default_factory=list)
