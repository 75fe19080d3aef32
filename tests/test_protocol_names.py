"""The shared protocol names are the protocol: every op has its models and roles, every code is documented."""

from __future__ import annotations

import json
from pathlib import Path

from hub.app import hub_ops
from sorra.protocol import messages as m
from sorra.protocol.names import ErrorCode, Op

DOCS = Path(__file__).resolve().parent.parent / "docs" / "protocol"


def test_every_device_op_has_args_roles_result_and_a_handler() -> None:
    ops = hub_ops()
    assert set(m.OP_ARGS) == set(Op) == set(m.OP_ROLES) == set(m.RESULT_MODELS)
    assert all(op in ops for op in Op)


def test_every_error_code_is_documented_and_names_encode_as_plain_strings() -> None:
    readme = (DOCS / "README.md").read_text()
    for code in ErrorCode:
        assert f"`{code.value}`" in readme, code
    assert json.dumps({"op": Op.TICKET_ISSUE}) == '{"op": "ticket.issue"}'


def test_a_hub_registry_is_its_own() -> None:
    a, b = hub_ops(), hub_ops()
    assert a.names() == b.names() and a is not b
    assert "__read__" not in a
