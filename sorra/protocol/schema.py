"""JSON Schemas and the AsyncAPI document of protocol v1, generated from the models.

``python -m sorra.protocol.schema [DIR]`` writes ``DIR/schemas/*.json`` and
``DIR/asyncapi.json`` (default ``docs/protocol``). A test regenerates them
and fails when the committed files are out of date, so the documents never
drift from the code.

:func:`schema_for_topic` maps a topic (suffix after ``sorra/v1/{site}/``)
to its message schema; tests validate real traffic with it.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from sorra import PROTOCOL_VERSION, __version__
from sorra.protocol import messages as m

MESSAGES: dict[str, type[BaseModel]] = {
    "Request": m.Request,
    "Reply": m.Reply,
    "ErrorInfo": m.ErrorInfo,
    "ServicesState": m.ServicesState,
    "QueueState": m.QueueState,
    "CounterState": m.CounterState,
    "CallsState": m.CallsState,
    "PlaylistState": m.PlaylistState,
    "AlertsState": m.AlertsState,
    "CallEvent": m.CallInfo,
    "PrintRequest": m.PrintRequest,
    "AlertEvent": m.AlertEvent,
    "DeviceStatus": m.DeviceStatus,
}


def _args_name(op: str) -> str:
    return "Args." + op


def _result_name(op: str) -> str:
    return "Result." + op


def all_schemas() -> dict[str, dict[str, Any]]:
    out = {name: model.model_json_schema() for name, model in MESSAGES.items()}
    for op, args in m.OP_ARGS.items():
        out[_args_name(op)] = args.model_json_schema()
    for op, result in m.RESULT_MODELS.items():
        out[_result_name(op)] = result.model_json_schema()
    return out


_TOPICS: list[tuple[str, str]] = [
    (r"^state/services$", "ServicesState"),
    (r"^state/queue$", "QueueState"),
    (r"^state/counters/\d+$", "CounterState"),
    (r"^state/calls$", "CallsState"),
    (r"^state/playlist$", "PlaylistState"),
    (r"^state/alerts$", "AlertsState"),
    (r"^event/call$", "CallEvent"),
    (r"^event/alert$", "AlertEvent"),
    (r"^event/print/[^/]+$", "PrintRequest"),
    (r"^device/[^/]+/status$", "DeviceStatus"),
    (r"^rpc/[^/]+$", "Request"),
    (r"^reply/[^/]+$", "Reply"),
]


def schema_name_for_topic(suffix: str) -> str | None:
    for pattern, name in _TOPICS:
        if re.match(pattern, suffix):
            return name
    return None


def _channels() -> dict[str, Any]:
    def ref(name: str) -> dict[str, str]:
        return {"$ref": f"#/components/messages/{name}"}

    return {
        "rpc/{device}": {
            "address": "sorra/v1/{site}/rpc/{device}",
            "description": "Requests from a device to the hub (QoS 1, MQTT 5 Response Topic and Correlation Data). "
                           "Only the device itself may publish here (broker ACL). A repeated `req` gets the first reply.",
            "messages": {"Request": ref("Request")},
        },
        "reply/{device}": {
            "address": "sorra/v1/{site}/reply/{device}",
            "description": "Replies to the device's requests, sent only after the hub committed the change.",
            "messages": {"Reply": ref("Reply")},
        },
        "state/services": {"address": "sorra/v1/{site}/state/services", "description": "Retained: service catalogue and office hours.", "messages": {"ServicesState": ref("ServicesState")}},
        "state/queue": {"address": "sorra/v1/{site}/state/queue", "description": "Retained: waiting count, longest wait and estimated wait per service.", "messages": {"QueueState": ref("QueueState")}},
        "state/counters/{n}": {"address": "sorra/v1/{site}/state/counters/{n}", "description": "Retained: one counter's state, clerk and current ticket.", "messages": {"CounterState": ref("CounterState")}},
        "state/calls": {"address": "sorra/v1/{site}/state/calls", "description": "Retained: the most recent calls, for displays that (re)connect.", "messages": {"CallsState": ref("CallsState")}},
        "state/playlist": {"address": "sorra/v1/{site}/state/playlist", "description": "Retained: the displays' information and ads playlist.", "messages": {"PlaylistState": ref("PlaylistState")}},
        "state/alerts": {"address": "sorra/v1/{site}/state/alerts", "description": "Retained: alerts active now.", "messages": {"AlertsState": ref("AlertsState")}},
        "state/config/{device}": {"address": "sorra/v1/{site}/state/config/{device}", "description": "Retained: settings the hub pushes to one device (free-form object).", "messages": {}},
        "event/call": {"address": "sorra/v1/{site}/event/call", "description": "A ticket called or recalled to a counter (QoS 1, not retained).", "messages": {"CallEvent": ref("CallEvent")}},
        "event/alert": {"address": "sorra/v1/{site}/event/alert", "description": "An alert raised or cleared (QoS 1, not retained).", "messages": {"AlertEvent": ref("AlertEvent")}},
        "event/print/{device}": {"address": "sorra/v1/{site}/event/print/{device}", "description": "The front desk asks one kiosk to print a ticket (QoS 1, not retained; printed once per id).", "messages": {"PrintRequest": ref("PrintRequest")}},
        "device/{device}/status": {"address": "sorra/v1/{site}/device/{device}/status", "description": "Retained presence of each device; its Last Will sets online=false.", "messages": {"DeviceStatus": ref("DeviceStatus")}},
    }


def asyncapi() -> dict[str, Any]:
    schemas = all_schemas()
    messages = {name: {"name": name, "contentType": "application/json",
                       "payload": {"$ref": f"schemas/{name}.json"}} for name in MESSAGES}
    ops = {
        op: {
            "summary": f"{op} (roles: {', '.join(sorted(m.OP_ROLES.get(op, [])))})",
            "args": {"$ref": f"schemas/{_args_name(op)}.json"},
            "result": {"$ref": f"schemas/{_result_name(op)}.json"},
        }
        for op in m.OP_ARGS
    }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Sorra device protocol",
            "version": f"{PROTOCOL_VERSION}.0 (sorra {__version__})",
            "description": "MQTT 5, JSON payloads, topic root sorra/v1/{site}. Times are Unix epoch seconds. "
                           "Error codes: " + ", ".join(m.ERROR_CODES) + ".",
        },
        "defaultContentType": "application/json",
        "channels": _channels(),
        "components": {"messages": messages},
        "x-sorra-ops": ops,
        "x-sorra-schemas": sorted(schemas),
    }


def write(target: Path) -> list[Path]:
    written = []
    schema_dir = target / "schemas"
    schema_dir.mkdir(parents=True, exist_ok=True)
    for name, schema in all_schemas().items():
        p = schema_dir / f"{name}.json"
        p.write_text(json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n")
        written.append(p)
    p = target / "asyncapi.json"
    p.write_text(json.dumps(asyncapi(), indent=2, ensure_ascii=False) + "\n")
    written.append(p)
    return written


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/protocol")
    for path in write(out):
        print(path)
