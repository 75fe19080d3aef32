"""One TOML file per device, with a declared schema.

``load(path)`` returns a validated :class:`DeviceConfig`; unknown keys are
refused with a "did you mean …" hint, wrong values with the key and the reason.
``save(config, path)`` writes atomically (temp file + fsync + rename), so a
power cut leaves either the old file or the new one; an existing file keeps
its owner and mode (a new one is 0600). Secrets are
:class:`pydantic.SecretStr`: they print as ``**********`` and never appear in
error messages.

Editing by key (the setup menu, ``sorra setup set KEY VALUE``)::

    config = set_value(config, "gpio.next", "18")     # text parsed for the field's type, validated
    get_value(config, "printer.type")                 # -> "dummy"
    describe(config)                                  # [(key, shown value, doc)], secrets masked
"""


from __future__ import annotations

import difflib
import os
import tempfile
import tomllib
from pathlib import Path
from typing import Any, Literal

import tomli_w
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from sorra.config.common import DeviceSection, HubSection
from sorra.config.counter import CounterSection, GpioSection, SerialDisplaySection
from sorra.config.display import AudioSection, DisplaySection
from sorra.config.kiosk import KioskSection, PrinterSection

__all__ = [
    "ConfigError",
    "DeviceConfig",
    "default_path",
    "describe",
    "dump",
    "field_doc",
    "get_value",
    "is_secret",
    "keys",
    "load",
    "parse",
    "redacted",
    "save",
    "set_value",
    "set_values",
    "shown",
]

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


def load(path: str | os.PathLike[str] | None = None, *, required: bool = False) -> DeviceConfig:
    """Read and validate a device file; a missing file gives the defaults (a device not set up yet).

    ``required``: the file was named on the command line, so a missing one is a typo, not a new
    device — running as an unnamed kiosk on defaults would hide it.
    """
    p = Path(path) if path is not None else default_path()
    if not p.exists():
        if required:
            raise ConfigError(f"{p}: no such configuration file (check the --config path)")
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
    """Write atomically. A new file is readable by its owner only (it holds credentials);
    an existing one keeps its owner, group and mode (``sorra setup`` run with sudo must
    not lock the app's user out of its own file)."""
    p = Path(path) if path is not None else default_path()
    p.parent.mkdir(parents=True, exist_ok=True)
    try:
        before = os.stat(p)
    except FileNotFoundError:
        before = None
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", dir=p.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(dump(config))
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o600 if before is None else before.st_mode & 0o7777)
        if before is not None and hasattr(os, "chown") and (before.st_uid, before.st_gid) != (
                os.getuid(), os.getgid()):
            try:
                os.chown(tmp, before.st_uid, before.st_gid)
            except PermissionError:
                pass  # not root: the file becomes ours, which is who may write it anyway
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


# ---- editing by key ------------------------------------------------------------------------------

_NONE_WORDS = ("", "none", "null", "-")


def keys() -> list[str]:
    """Every ``section.field`` of the schema."""
    out = []
    for section, f in DeviceConfig.model_fields.items():
        model = f.annotation
        out += [f"{section}.{name}" for name in model.model_fields]  # type: ignore[union-attr]
    return out


def _split(key: str) -> tuple[str, str, type[BaseModel]]:
    section, _, name = key.strip().partition(".")
    model = _section_model(section)
    if model is None:
        hint = difflib.get_close_matches(section, list(DeviceConfig.model_fields), n=1)
        if not hint and name:
            hint = [k.split(".")[0] for k in difflib.get_close_matches(key, keys(), n=1)]
        tip = f" (did you mean '{hint[0]}'?)" if hint else ""
        raise ConfigError(f"unknown section '{section}'{tip}")
    if name not in model.model_fields:
        hint = difflib.get_close_matches(name, list(model.model_fields), n=1)
        tip = f" (did you mean '{section}.{hint[0]}'?)" if hint else ""
        if not name:
            raise ConfigError(f"'{key}': give section.key, e.g. {section}.{next(iter(model.model_fields))}")
        raise ConfigError(f"unknown key '{key}'{tip}")
    return section, name, model


def field_doc(key: str) -> str:
    _, name, model = _split(key)
    return (model.model_fields[name].description or "").strip()


def is_secret(key: str) -> bool:
    _, name, model = _split(key)
    return _involves(model.model_fields[name].annotation, SecretStr)


def _involves(annotation: Any, kind: type) -> bool:
    if annotation is kind:
        return True
    return any(_involves(a, kind) for a in getattr(annotation, "__args__", ()) or ())


def choices(key: str) -> list[Any]:
    """The allowed values of a ``Literal`` field ([] for open fields)."""
    _, name, model = _split(key)
    annotation = model.model_fields[name].annotation
    if getattr(annotation, "__origin__", None) is Literal:
        return list(annotation.__args__)  # type: ignore[union-attr]
    return []


def get_value(config: DeviceConfig, key: str) -> Any:
    section, name, _ = _split(key)
    return getattr(getattr(config, section), name)


def shown(value: Any) -> str:
    """A value as text for people and logs: secrets masked."""
    if isinstance(value, SecretStr):
        return "**********" if value.get_secret_value() else ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "none"
    if isinstance(value, list):
        return ", ".join(shown(v) for v in value)
    return str(value)


def describe(config: DeviceConfig, section: str | None = None) -> list[tuple[str, str, str]]:
    """``[(key, shown value, doc)]`` for every key (or one section's)."""
    return [(k, shown(get_value(config, k)), field_doc(k)) for k in keys()
            if section is None or k.split(".")[0] == section]


def redacted(config: DeviceConfig) -> dict[str, dict[str, Any]]:
    """The config as plain data with secrets masked (for logs and support bundles)."""
    out: dict[str, dict[str, Any]] = {}
    for key in keys():
        section, name = key.split(".")
        value = get_value(config, key)
        out.setdefault(section, {})[name] = shown(value) if isinstance(value, SecretStr) else value
    return out


def _from_text(annotation: Any, text: str) -> Any:
    args = getattr(annotation, "__args__", ()) or ()
    optional = type(None) in args
    if optional and text.strip().lower() in _NONE_WORDS:
        return None
    if getattr(annotation, "__origin__", None) is list:
        t = text.strip()
        if t.startswith("["):
            try:
                return tomllib.loads(f"v = {t}")["v"]
            except tomllib.TOMLDecodeError:
                raise ConfigError(f"{text!r}: not a valid list (write a, b, c or a TOML array)") from None
        return [x.strip() for x in t.split(",") if x.strip()]
    is_int = annotation is int or (int in args and str not in args)
    if is_int and text.strip().lower().startswith(("0x", "0o", "0b")):
        try:
            return int(text.strip(), 0)
        except ValueError:
            return text
    return text


def set_value(config: DeviceConfig, key: str, value: Any) -> DeviceConfig:
    """A validated copy of ``config`` with ``key`` set. Text is parsed for the field's type
    ("18", "0x04b8", "true", "none", "a, b"). Raises :class:`ConfigError` (did-you-mean
    for unknown keys and for near-miss choices; secrets never echoed)."""
    return set_values(config, {key: value})


def set_values(config: DeviceConfig, values: dict[str, Any]) -> DeviceConfig:
    new = config.model_copy(deep=True)
    for key, value in values.items():
        section, name, model = _split(key)
        annotation = model.model_fields[name].annotation
        candidate = _from_text(annotation, value) if isinstance(value, str) else value
        target = getattr(new, section)
        try:
            setattr(target, name, candidate)
        except ValidationError as err:
            first = err.errors()[0]
            msg = first["msg"]
            options = [str(c) for c in choices(key)]
            if options and isinstance(value, str):
                hint = difflib.get_close_matches(value, options, n=1)
                if hint:
                    msg += f" (did you mean '{hint[0]}'?)"
            raise ConfigError(f"{key}: {msg}") from None
    return new
