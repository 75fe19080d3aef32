"""Ticket templates: a TOML list of blocks the office can change (see default_ticket.toml)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

DEFAULT_TEMPLATE = Path(__file__).with_name("default_ticket.toml")

CONDITIONS = ("priority", "note", "ahead", "no_ahead", "wait", "appointment", "status_url", "info")


class TemplateError(ValueError):
    """A template that cannot be used; the message names the block and the reason."""


class Block(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    type: Literal["logo", "text", "services", "rule", "qr", "feed", "cut"]
    text: str | dict[str, str] = ""
    align: Literal["left", "center", "right"] = "left"
    bold: bool = False
    size: int = Field(1, ge=1, le=8)
    font: Literal["a", "b"] = "a"
    when: str = ""
    lines: int = Field(1, ge=1, le=20)
    info: bool = True
    char: str = Field("-", min_length=1, max_length=1)
    module: int = Field(6, ge=1, le=16)

    @field_validator("when")
    @classmethod
    def _known_condition(cls, v: str) -> str:
        if v and v.lstrip("!") not in CONDITIONS:
            raise ValueError(f"unknown condition {v!r}; use one of {', '.join(CONDITIONS)}")
        return v

    def text_for(self, lang: str) -> str:
        if isinstance(self.text, str):
            return self.text
        return self.text.get(lang) or self.text.get("en") or next(iter(self.text.values()), "")


class Template(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    block: list[Block] = Field(min_length=1)

    @property
    def blocks(self) -> list[Block]:
        return self.block


def parse_template(text: str, source: str = "template") -> Template:
    try:
        return Template.model_validate(tomllib.loads(text))
    except tomllib.TOMLDecodeError as err:
        raise TemplateError(f"{source}: not valid TOML: {err}") from None
    except ValidationError as err:
        lines = [f"{source}: invalid ticket template"]
        for e in err.errors():
            loc = ".".join(str(p) for p in e["loc"])
            lines.append(f"  {loc}: {e['msg']}")
        raise TemplateError("\n".join(lines)) from None


def load_template(path: str | Path | None = None) -> Template:
    """The office's template, or the built-in one when ``path`` is empty."""
    p = Path(path) if path else DEFAULT_TEMPLATE
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as err:
        raise TemplateError(f"{p}: cannot read the ticket template: {err}") from None
    return parse_template(text, str(p))
