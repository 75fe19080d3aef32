"""Counter terminal sections: the counter, its GPIO pins and its serial number display."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr

from sorra.config.common import Section


class CounterSection(Section):
    number: int = Field(0, ge=0, le=999)
    """Counter (ablak) whose state this terminal shows; 0 until paired (the app will not start).

    Must match the counter the hub paired this device with: the hub acts on the
    paired counter, whatever this says (docs/hardware/counter-terminal.md, "Which counter").
    The setup menu sets both when it pairs."""
    headless: bool = False
    """No clerk screen: buttons, LEDs and the LED display only."""
    fullscreen: bool = True
    """Clerk screen fills the display (800×480); false for a window (development)."""
    hold_s: float = Field(1.5, ge=0.3, le=10)
    """How long a button is held for its hold action (hold Next = finish and call next)."""
    debounce_s: float = Field(0.05, ge=0.0, le=1.0)
    offline_send_deadline_s: float = Field(10.0, ge=0.5, le=300)
    """A press that cannot reach the hub within this time is refused visibly."""
    refused_signal_s: float = Field(4.0, ge=0.5, le=60)
    """How long the "press refused" LED pattern and screen message stay up."""
    feedback_window_s: int = Field(120, ge=10, le=3600)
    """Feedback buttons count for the customer served last, this long after Done."""
    clerks: list[str] = Field(default_factory=list)
    """Clerk ids offered as buttons on the login screen (empty: type the id)."""
    auto_login_clerk: str = ""
    """Headless terminals: log this clerk in at start (and after the counter closes)."""
    auto_login_pin: SecretStr = SecretStr("")
    pause_reasons: list[str] = Field(
        default_factory=lambda: ["Break", "Lunch", "Meeting", "Technical problem"]
    )
    """Reasons offered when pausing (shown translated when the catalogue knows them)."""
    background_kinds: list[str] = Field(
        default_factory=lambda: ["Case file", "Phone call", "E-mail", "Other"]
    )
    """Kinds of background work offered on the screen."""


class GpioSection(Section):
    pin_factory: Literal["auto", "mock", "lgpio", "rpigpio"] = "auto"
    next: int | None = 17
    recall: int | None = 27
    done: int | None = 22
    no_show: int | None = 23
    transfer: int | None = 24
    feedback_good: int | None = None
    feedback_neutral: int | None = None
    feedback_bad: int | None = None
    led_ready: int | None = 5
    led_serving: int | None = 6
    led_paused: int | None = 13
    led_offline: int | None = 19
    buzzer: int | None = None


class SerialDisplaySection(Section):
    model: str = Field("none", pattern=r"^[a-z0-9_]+$")
    """Display model: "none", "dummy", "textline" or "framed" (docs/hardware/serial-display.md)."""
    port: str = "/dev/sorra-leddisplay"
    """Serial device or pyserial URL (``loop://``, ``rfc2217://host:port``)."""
    baud: int = 9600
    width: int = Field(8, ge=2, le=40)
    """Characters the display shows; text is padded or cut to this."""
    align: Literal["left", "right", "center"] = "right"
    address: int = Field(1, ge=0, le=99)
    """Display address for the "framed" protocol (several displays on one RS-485 line)."""
    paused_text: str = ""
    """Shown while the counter is paused; empty for the language's default ("ZARVA"/"CLOSED")."""
