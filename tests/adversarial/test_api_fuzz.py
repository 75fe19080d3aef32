"""An API fuzzer (schemathesis) against the hub's OpenAPI document, signed in as an admin: no 5xx.

Every operation of ``/api/v1/openapi.json`` gets a fixed budget of generated
requests (valid ones by the schema, then ones that break it), derandomized so
a run is repeatable, against the real hub and its web server on 127.0.0.1.
The caller is an administrator with an API token (no CSRF token needed), so
the fuzzer reaches every operation past the sign-in check. Rate limits are
raised for the run (they answer 429, not the code behind them).
"""

from __future__ import annotations

import time
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis")

import requests  # noqa: E402  (comes with schemathesis)
from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from schemathesis.generation.modes import GenerationMode  # noqa: E402

from hub.web import tokens  # noqa: E402
from tests.web.conftest import web_hub  # noqa: E402,F401  (module-scoped hub fixture)

BUDGET = {GenerationMode.POSITIVE: 25, GenerationMode.NEGATIVE: 15}
"""Examples per operation and mode."""
SKIP = {("GET", "/api/v1/live/dashboard")}  # a stream that never ends; the same data as GET /dashboard
TIME_LIMIT_S = 90.0


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # schemathesis's own use of `random` in strategies
def test_no_server_errors_for_generated_requests(web_hub: Any) -> None:  # noqa: F811
    web = web_hub.hub.web.app.state.web
    for bucket in ("public", "book", "login", "stream"):
        web.limiter.limits[bucket] = (1_000_000, 60.0)
    _, secret = tokens.add_token(web.db(), "fuzzer", "admin")
    base = f"http://127.0.0.1:{web_hub.http_port}"
    doc = requests.get(f"{base}/api/v1/openapi.json", timeout=15).json()
    schema = schemathesis.openapi.from_dict(doc)
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {secret}"
    failures: list[str] = []
    counted = {"requests": 0}
    statuses: dict[int, int] = {}
    not_past_sign_in: set[str] = set()
    started = time.monotonic()

    def check(case: Any) -> None:
        counted["requests"] += 1
        try:
            response = case.call(base_url=base, session=session, timeout=20)
        except requests.RequestException as err:  # the server dropped the connection: as bad as a 500
            failures.append(f"{case.method} {case.formatted_path}: {err!r}")
            return
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        if response.status_code == 401 and case.operation.path != "/api/v1/auth/login":
            not_past_sign_in.add(f"{case.method} {case.operation.path}")
        if response.status_code >= 500:
            failures.append(f"{case.method} {case.formatted_path} query={case.query!r} body={case.body!r:.300}: "
                            f"{response.status_code} {response.text[:200]}")

    operations = [r.ok() for r in schema.get_all_operations()]
    assert len(operations) >= 40
    for op in operations:
        if (op.method.upper(), op.path) in SKIP:
            continue
        for mode, examples in BUDGET.items():
            @settings(max_examples=examples, derandomize=True, deadline=None, database=None,
                      phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
            @given(case=op.as_strategy(generation_mode=mode))
            def run(case: Any) -> None:
                check(case)

            try:
                run()
            except Exception as err:  # a strategy that cannot generate (schema too strict) is not a 5xx
                if "Unsatisfiable" not in type(err).__name__ and "Unsatisfied" not in str(err):
                    raise
        assert time.monotonic() - started < TIME_LIMIT_S, f"over the time budget after {op.method} {op.path}"
    session.close()
    print(f"{counted['requests']} requests in {time.monotonic() - started:.1f} s; statuses {sorted(statuses.items())}")
    assert counted["requests"] > 300
    assert not_past_sign_in == set()  # signed in all along: the fuzzer got past the sign-in check
    assert failures == [], "\n".join(failures[:30])
