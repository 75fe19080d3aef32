"""One TOML file per device, with a declared schema.

``load(path)`` returns a validated :class:`DeviceConfig`; unknown keys are
refused with a "did you mean …" hint, wrong values with the key and the reason.
``save(config, path)`` writes atomically (temp file + fsync + rename), so a
power cut leaves either the old file or the new one. Secrets are
:class:`pydantic.SecretStr` and print as ``**********``.
"""

from __future__ import annotations

import difflib
import os
import tempfile
import tomllib
from pathlib import Path
from typing import Any

import tomli_w
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from sorra.config.common import DeviceSection, HubSection
from sorra.config.counter import CounterSection, GpioSection, SerialDisplaySection
from sorra.config.display import AudioSection, DisplaySection
from sorra.config.kiosk import KioskSection, PrinterSection

__all__ = ["ConfigError", "DeviceConfig", "default_path", "load", "save", "parse", "dump"]

DEFAULT_PATH = "/etc/sorra/device.toml"


class DeviceConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    device: DeviceSection = Field(default_factory=DeviceSection)
    hub: HubSection = Field(default_factory=HubSection)
    kiosk: KioskSection = Field(default_factory=KioskSection)
    printer: PrinterSection = Field(default_factory=PrinterSection)
    counter: CounterSection = Field(default_factory=CounterSection)
    gpio: GpioSection = Field(default_factory=GpioSection)
    serial_display: SerialDisplaySection = Field(default_factory=SerialDisplaySection)
    display: DisplaySection = Field(default_factory=DisplaySection)
    audio: AudioSection = Field(default_factory=AudioSection)


class ConfigError(ValueError):
    """A config file that cannot be used; the message says which key and why."""


def default_path() -> Path:
    return Path(os.environ.get("SORRA_CONFIG", DEFAULT_PATH))


def _known_keys(model: type[BaseModel]) -> list[str]:
    return list(model.model_fields)


def _section_model(section: str) -> type[BaseModel] | None:
    field = DeviceConfig.model_fields.get(section)
    return field.annotation if field is not None else None  # type: ignore[return-value]


def _explain(err: ValidationError, source: str) -> str:
    lines = [f"{source}: invalid configuration"]
    for e in err.errors():
        loc = [str(p) for p in e["loc"]]
        key = ".".join(loc)
        if e["type"] == "extra_forbidden":
            parent = _section_model(loc[0]) if len(loc) > 1 else DeviceConfig
            known = _known_keys(parent) if parent else []
            hint = difflib.get_close_matches(loc[-1], known, n=1)
            tip = f" (did you mean '{'.'.join(loc[:-1] + [hint[0]])}'?)" if hint else ""
            lines.append(f"  unknown key '{key}'{tip}")
        else:
            lines.append(f"  {key}: {e['msg']}")
    return "\n".join(lines)


def parse(data: dict[str, Any], source: str = "config") -> DeviceConfig:
    try:
        return DeviceConfig.model_validate(data)
    except ValidationError as err:
        raise ConfigError(_explain(err, source)) from None


def load(path: str | os.PathLike[str] | None = None) -> DeviceConfig:
    """Read and validate a device file; a missing file gives the defaults."""
    p = Path(path) if path is not None else default_path()
    if not p.exists():
        return DeviceConfig()
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{p}: not valid TOML: {err}") from None
    return parse(data, str(p))


def _plain(value: Any) -> Any:
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def dump(config: DeviceConfig) -> str:
    """TOML text of the whole config, secrets included (for the file only, never for logs)."""
    return tomli_w.dumps(_plain(dict(config.model_dump())))


def save(config: DeviceConfig, path: str | os.PathLike[str] | None = None) -> Path:
    """Write atomically; the file is readable by its owner only (it holds credentials)."""
    p = Path(path) if path is not None else default_path()
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", dir=p.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(dump(config))
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, p)
        dfd = os.open(p.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return p
