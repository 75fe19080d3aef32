"""Sections every device's TOML file has: who the device is, where the hub is."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

Role = Literal["hub", "kiosk", "counter", "display"]
Lang = Literal["hu", "en"]


class Section(BaseModel):
    """Base for config sections: unknown keys are errors, values validated on assignment."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, use_attribute_docstrings=True)


class DeviceSection(Section):
    id: str = Field("", pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$|^$")
    """Device id; also its MQTT username. Empty until paired or set by the technician."""
    role: Role = "kiosk"
    name: str = ""
    """Human name shown on the hub ("Kiosk at the entrance")."""
    site: str = Field("office", pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$")
    lang: Lang = "hu"
    """Default UI language."""
    setup_pin: SecretStr = SecretStr("0000")
    """PIN that opens the technician setup menu."""


class HubSection(Section):
    host: str = ""
    """Hub address; empty means find it by zeroconf."""
    mqtt_port: int = Field(1883, ge=1, le=65535)
    web_port: int = Field(8080, ge=1, le=65535)
    username: str = ""
    password: SecretStr = SecretStr("")
    fingerprint: str = ""
    """The paired hub's key fingerprint; a hub with another key is refused."""
    tls: bool = False
    """Connect to the broker with TLS (set at pairing: the hub's devices' port speaks TLS)."""
    ca: str = ""
    """The CA certificate(s) (PEM) the broker's certificate must chain to; received from the
    hub in the signed pairing exchange. Empty: the system's trusted CAs."""
    pairing_secret: SecretStr = SecretStr("")
    """The hub's pairing secret (its pairing accounts' password). Announced by mDNS; set it by
    hand only with a manual hub.host ('sorra hub device pending' shows it)."""
    mdns_interfaces: list[str] = Field(default_factory=list)
    """IP addresses mDNS announces and browses on; empty means all interfaces."""
