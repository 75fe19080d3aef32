"""Kiosk sections: the touch UI and the ESC/POS printer."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from sorra.config.common import Section


class KioskSection(Section):
    screen: Literal["1280x800", "800x1280", "1920x1080", "1080x1920"] = "1280x800"
    fullscreen: bool = True
    screen_diagonal_in: float = Field(0.0, ge=0, le=100)
    """Touchscreen diagonal in inches (sizes 15 mm touch targets); 0 guesses from the resolution."""
    idle_timeout_s: int = Field(45, ge=10, le=600)
    """Back to the start screen after this much inactivity (a warning comes first)."""
    idle_warning_s: int = Field(10, ge=3, le=60)
    ticket_screen_s: int = Field(20, ge=5, le=300)
    """How long the confirmation (ticket) screen stays after a successful print."""
    allow_priority: bool = True
    max_services_per_ticket: int = Field(3, ge=1, le=10)
    issue_timeout_s: float = Field(8.0, ge=1, le=120)
    """No reply to a ticket request within this time: say so and offer a retry (same request)."""
    offline_grace_s: float = Field(3.0, ge=0, le=120)
    """A connection loss shorter than this does not switch to the out-of-service screen."""
    scanner: str = ""
    """Serial port of a barcode/QR scanner that speaks serial; empty for keyboard-wedge or none."""
    scanner_baud: int = 9600


class PrinterSection(Section):
    type: Literal["dummy", "usb", "serial", "network", "file"] = "dummy"
    profile: str = "TM-T88V"
    """python-escpos capability profile name (sets code pages, paper width)."""
    usb_vendor: int = 0x04B8
    usb_product: int = 0x0202
    usb_in_ep: int = Field(0x82, ge=0, le=255)
    usb_out_ep: int = Field(0x01, ge=0, le=255)
    serial_port: str = "/dev/sorra-printer"
    serial_baud: int = 38400
    host: str = ""
    port: int = Field(9100, ge=1, le=65535)
    path: str = ""
    """For type = "file": write raw bytes to this device node or file (a plain file keeps every job,
    appended). For "dummy": also save each job here."""
    preview: str = ""
    """A PNG picture of the last ticket sent is written here (demo, technician); empty: none."""
    timeout_s: float = Field(3.0, ge=0.1, le=60)
    """Connect/read timeout; a printer that does not answer a status query within it counts as "no status"."""
    template: str = ""
    """Path of a custom ticket template (TOML); empty for the built-in one."""
    logo: str = ""
    """Logo image printed at the top; empty for the built-in Sorra logo, "none" for no logo."""
    width_px: int = Field(512, ge=256, le=832)
    """Printable width in dots (used for images when the profile does not know it)."""
    text_mode: Literal["auto", "codepage", "image"] = "auto"
    """How text reaches the paper: "codepage" (CP852 via ESC t), "image" (rendered with
    DejaVu Sans), "auto" (codepage if the profile has CP852, else image)."""
    codepage: str = "CP852"
    qr: Literal["auto", "native", "image"] = "auto"
    """"native" sends GS ( k; "image" prints a raster QR; "auto" follows the profile."""
    status_interval_s: float = Field(10.0, ge=1, le=600)
    """How often the printer's real-time status (DLE EOT) is read."""
    cut: Literal["full", "part"] = "part"
