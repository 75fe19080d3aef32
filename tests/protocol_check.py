"""Validate real traffic against the committed JSON Schemas (docs/protocol/schemas)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

from sorra.protocol.schema import schema_name_for_topic

SCHEMAS = Path(__file__).resolve().parent.parent / "docs" / "protocol" / "schemas"


@cache
def _validator(name: str) -> jsonschema.Draft202012Validator:
    schema = json.loads((SCHEMAS / f"{name}.json").read_text())
    return jsonschema.Draft202012Validator(schema)


def validate_message(topic_suffix: str, payload: dict[str, Any]) -> None:
    """``topic_suffix`` like ``state/queue``; or ``reply`` / ``reply:OP`` / ``rpc:OP`` for requests and replies."""
    kind, _, op = topic_suffix.partition(":")
    if kind == "reply" or kind.startswith("reply/"):
        _validator("Reply").validate(payload)
        if op and payload.get("ok"):
            _validator(f"Result.{op}").validate(payload["result"])
        return
    if kind == "rpc" or kind.startswith("rpc/"):
        _validator("Request").validate(payload)
        if op:
            _validator(f"Args.{op}").validate(payload.get("args", {}))
        return
    name = schema_name_for_topic(kind)
    if name is None:
        raise AssertionError(f"no schema documents topic {topic_suffix!r}")
    _validator(name).validate(payload)
