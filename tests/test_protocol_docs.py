"""The protocol documents are generated from the models and must be current."""

from __future__ import annotations

import json
from pathlib import Path

from sorra.protocol import messages as m
from sorra.protocol.schema import all_schemas, asyncapi

DOCS = Path(__file__).resolve().parent.parent / "docs" / "protocol"


def test_committed_schemas_are_current() -> None:
    for name, schema in all_schemas().items():
        path = DOCS / "schemas" / f"{name}.json"
        assert path.exists(), f"{path} missing: run python -m sorra.protocol.schema"
        assert json.loads(path.read_text()) == schema, f"{path} is stale: run python -m sorra.protocol.schema"
    assert json.loads((DOCS / "asyncapi.json").read_text()) == json.loads(json.dumps(asyncapi()))


def test_every_op_has_args_result_and_roles() -> None:
    assert set(m.OP_ARGS) == set(m.RESULT_MODELS)
    for op in m.OP_ARGS:
        assert m.OP_ROLES.get(op), f"{op} has no role allowed"
    assert m.OP_ROLES["ticket.issue"] == {"kiosk"}
    assert "counter" in m.OP_ROLES["counter.call_next"] and "kiosk" not in m.OP_ROLES["counter.call_next"]
