"""Hypothesis-generated requests for every device op, sent over the real broker as
the devices that may use them: odd Unicode (lone surrogates, RTL marks, NUL),
NaN and infinities, huge and long numbers, deep nesting, wrong types. Every
request is answered with ``ok`` or a protocol error code, never ``internal``;
and a valid request after each round is still applied."""

from __future__ import annotations

import json
import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sorra.protocol.messages import ERROR_CODES, OP_ARGS, OP_ROLES
from tests.adversarial.test_poison import RawDevice
from tests.hub_fixture import TestHub

ODD_TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["\ud800", "x\udfff", "\u202eevil", "\x00", "A" * 3000, "Ő" * 200, "🙂", "", " "]),
)
SCALARS = st.one_of(
    st.none(), st.booleans(), ODD_TEXT,
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, -1, 1, 10**30, 1e308]),
)
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(ODD_TEXT, inner, max_size=4)), max_leaves=12)


def _args_for(op: str) -> st.SearchStrategy:
    fields = list(OP_ARGS[op].model_fields)
    shaped = st.fixed_dictionaries({}, optional={f: VALUES for f in fields}) if fields else st.just({})
    return st.one_of(shaped, st.dictionaries(ODD_TEXT, VALUES, max_size=3), VALUES)


def _deep(depth: int) -> str:
    return "[" * depth + "]" * depth


REQUESTS = st.lists(
    st.one_of(
        st.tuples(st.sampled_from(sorted(OP_ARGS)), st.deferred(lambda: st.just(None))).flatmap(
            lambda t: st.tuples(st.just(t[0]), _args_for(t[0]))),
        st.tuples(ODD_TEXT, VALUES),  # unknown or odd op names
    ),
    min_size=1, max_size=8)


def _encode(req: str, op: object, args: object) -> bytes:
    # ensure_ascii spells lone surrogates as \\udxxx escapes, as an attacker's bytes would
    return json.dumps({"req": req, "op": op, "args": args}, allow_nan=True).encode()


def _role_for(op: object) -> str:
    roles = OP_ROLES.get(op, frozenset({"kiosk"})) if isinstance(op, str) else frozenset({"kiosk"})
    return "counter" if "counter" in roles else "kiosk"


def test_every_fuzzed_request_is_answered_and_never_internal(hub: TestHub) -> None:
    hub.admin.add_service("A", {"hu": "Okmányügyek", "en": "Documents"}, "A")
    hub.admin.add_counter(1, "Ablak 1")
    hub.admin.add_clerk("anna", "Anna", "1234")
    kiosk = RawDevice(hub, "kiosk-1", "kiosk")
    counter_settings = hub.device_settings("counter-1", "counter", 1)
    counter = RawDevice.__new__(RawDevice)
    counter.hub, counter.device = hub, "counter-1"
    from hub.broker import BrokerAccount
    from tests.broker_fixture import MqttTestClient
    from tests.hub_fixture import HOST
    counter.mqtt = MqttTestClient(HOST, hub.port, BrokerAccount(
        counter_settings.username, counter_settings.password, "counter", "counter-1"),
        client_id=counter_settings.client_id or "counter-1")
    assert not counter.mqtt.connect().is_failure
    counter.mqtt.subscribe(hub.topics.reply("counter-1"))
    devices = {"kiosk": kiosk, "counter": counter}
    rounds = [0]

    @settings(max_examples=60, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(REQUESTS, st.integers(min_value=0, max_value=3))
    def run(requests: list[tuple[object, object]], deep: int) -> None:
        rounds[0] += 1
        n = rounds[0]
        sent: dict[str, list[str]] = {"kiosk": [], "counter": []}
        for i, (op, args) in enumerate(requests):
            role = _role_for(op)
            req = f"f{n}-{i}"
            devices[role].send(_encode(req, op, args))
            sent[role].append(req)
        if deep:
            raw = b'{"req": "d%d", "op": "ticket.issue", "args": %s}' % (n, _deep(10 ** deep * 5).encode())
            kiosk.send(raw)
            sent["kiosk"].append(f"d{n}")
        valid = f"ok{n}"
        kiosk.send(_encode(valid, "ticket.issue", {"services": ["A"]}))
        sent["kiosk"].append(valid)
        for role, reqs in sent.items():
            replies = devices[role].replies(len(reqs)) if reqs else []
            by_req = {r.get("req"): r for r in replies}
            for r in replies:
                assert r["ok"] or r["error"]["code"] in ERROR_CODES, r
                assert r["ok"] or r["error"]["code"] != "internal", r
                if not r["ok"]:
                    assert isinstance(r["error"]["message"], str) and r["error"]["message"]
            if role == "kiosk":
                assert by_req[valid]["ok"], by_req[valid]

    try:
        run()
    finally:
        kiosk.close()
        counter.close()
    assert not math.isnan(rounds[0])
