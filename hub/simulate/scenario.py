"""A scenario day: the office (services, counters, rules) and its citizens, from a TOML file.

The format is documented in ``docs/simulate.md``. :func:`load` reads a file,
:func:`parse` a string; both raise :class:`ScenarioError` naming the file, the
line, the key and what was expected, e.g.
``office.toml:12: service[1].mean_s: expected a number of seconds > 0, got "fast"``.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_DATE = "2026-11-23"  # a Monday
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


class ScenarioError(ValueError):
    """A scenario that cannot be run; the message says where and what was expected."""


@dataclass
class ServiceSpec:
    id: str
    name: str
    mean_s: float
    sd_s: float
    sla_s: float
    prefix: str


@dataclass
class CounterSpec:
    number: int
    services: str
    """The profile in the syntax of ``sorra hub counter add --services`` ("" serves everything)."""
    profile: list[dict[str, Any]]
    hours: list[tuple[int, int]]
    """Opening ranges in seconds after midnight."""
    name: str = ""


@dataclass
class ArrivalSpec:
    service: str
    per_hour: dict[int, float]
    """Hour of the day → mean citizens per hour (Poisson)."""


@dataclass
class BurstSpec:
    at: int
    service: str
    count: int


@dataclass
class RuleSpec:
    service: str
    min_waiting: int
    min_wait_s: int
    weight: int


@dataclass
class Behaviour:
    no_show: float = 0.0
    """Share of called citizens who do not come."""
    no_show_wait_s: float = 60.0
    """How long a clerk waits for a called citizen before marking a no-show."""
    priority: float = 0.0
    """Share of citizens with a priority ticket."""
    gap_s: float = 0.0
    """Seconds a clerk takes between finishing and calling the next."""


@dataclass
class Scenario:
    name: str
    open_s: int
    close_s: int
    date: str
    services: list[ServiceSpec]
    counters: list[CounterSpec]
    arrivals: list[ArrivalSpec] = field(default_factory=list)
    bursts: list[BurstSpec] = field(default_factory=list)
    rules: list[RuleSpec] = field(default_factory=list)
    behaviour: Behaviour = field(default_factory=Behaviour)

    def service(self, sid: str) -> ServiceSpec:
        return next(s for s in self.services if s.id == sid)


def hhmm(seconds: float) -> str:
    m = int(seconds // 60)
    return f"{m // 60:02d}:{m % 60:02d}"


# ---- reading -------------------------------------------------------------------------

class _Where:
    """Finds the line of a key in the TOML text (tomllib keeps no positions)."""

    def __init__(self, name: str, text: str) -> None:
        self.name = name
        self.lines = text.splitlines()

    def _header_lines(self, table: str, array: bool) -> list[int]:
        pat = re.compile(r"^\s*\[\[\s*" + re.escape(table) + r"\s*\]\]" if array
                         else r"^\s*\[\s*" + re.escape(table) + r"\s*\]")
        return [i for i, line in enumerate(self.lines) if pat.match(line)]

    def line(self, table: str | None, index: int | None = None, key: str | None = None) -> int | None:
        start = 0
        if table is not None:
            heads = self._header_lines(table, index is not None)
            k = index or 0
            if k >= len(heads):
                return None
            start = heads[k]
            if key is None:
                return start + 1
        if key is None:
            return None
        pat = re.compile(r"^\s*\"?" + re.escape(key) + r"\"?\s*=")
        for i in range(start + (1 if table is not None else 0), len(self.lines)):
            line = self.lines[i]
            if table is not None and re.match(r"^\s*\[", line):
                break
            if pat.match(line):
                return i + 1
        return start + 1 if table is not None else None

    def error(self, table: str | None, index: int | None, key: str | None, message: str) -> ScenarioError:
        line = self.line(table, index, key)
        where = table or ""
        if index is not None:
            where += f"[{index}]"
        if key:
            where = f"{where}.{key}" if where else key
        prefix = f"{self.name}:{line}: " if line else f"{self.name}: "
        return ScenarioError(f"{prefix}{where}: {message}" if where else prefix + message)


def _got(value: Any) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


def _clock(w: _Where, table: str, index: int | None, key: str, value: Any) -> int:
    if not isinstance(value, str) or not _HHMM.match(value.strip()):
        raise w.error(table, index, key, f'expected a time "HH:MM", got {_got(value)}')
    h, m = value.strip().split(":")
    return int(h) * 3600 + int(m) * 60


def _number(w: _Where, table: str, index: int | None, key: str, value: Any, *, what: str,
            minimum: float = 0.0, strict: bool = False, maximum: float | None = None,
            integer: bool = False) -> float:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    if integer and ok and isinstance(value, float) and not value.is_integer():
        ok = False
    if ok and (value < minimum or (strict and value == minimum) or (maximum is not None and value > maximum)):
        ok = False
    if not ok:
        raise w.error(table, index, key, f"expected {what}, got {_got(value)}")
    return float(value)


def _text(w: _Where, table: str, index: int | None, key: str, value: Any, what: str = "a string") -> str:
    if not isinstance(value, str):
        raise w.error(table, index, key, f"expected {what}, got {_got(value)}")
    return value


def _check_keys(w: _Where, table: str, index: int | None, data: Any, allowed: set[str],
                required: set[str]) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise w.error(table, index, None, f"expected a table, got {_got(data)}")
    for key in data:
        if key not in allowed:
            raise w.error(table, index, key, f"unknown key; expected one of: {', '.join(sorted(allowed))}")
    for key in sorted(required):
        if key not in data:
            raise w.error(table, index, None, f"missing key {key!r}")
    return data


def _array(w: _Where, doc: dict[str, Any], table: str) -> list[Any]:
    value = doc.get(table, [])
    if not isinstance(value, list):
        raise w.error(None, None, table, f"expected [[{table}]] tables, got {_got(value)}")
    return value


def load(path: str | Path) -> Scenario:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as err:
        raise ScenarioError(f"{p}: cannot read: {err.strerror or err}") from None
    except UnicodeDecodeError:
        raise ScenarioError(f"{p}: not UTF-8 text") from None
    return parse(text, str(p))


def parse(text: str, name: str = "scenario.toml") -> Scenario:
    from hub.cli import _profile  # the `sorra hub counter add --services` syntax

    w = _Where(name, text)
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        m = re.search(r"\(at line (\d+), column (\d+)\)", str(err))
        msg = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(err))
        where = f"{name}:{m.group(1)}:{m.group(2)}" if m else name
        raise ScenarioError(f"{where}: not valid TOML: {msg}") from None

    top = {"day", "service", "counter", "arrivals", "burst", "rule", "behaviour"}
    for key in doc:
        if key not in top:
            raise w.error(None, None, key, f"unknown section; expected one of: {', '.join(sorted(top))}")

    # [day]
    if "day" not in doc:
        raise ScenarioError(f"{name}: missing [day] (open and close)")
    day = _check_keys(w, "day", None, doc["day"], {"open", "close", "date"}, {"open", "close"})
    open_s = _clock(w, "day", None, "open", day["open"])
    close_s = _clock(w, "day", None, "close", day["close"])
    if close_s <= open_s:
        raise w.error("day", None, "close", f"expected a time after open ({day['open']}), got {_got(day['close'])}")
    date = day.get("date", DEFAULT_DATE)
    if not isinstance(date, str) or not re.match(r"^\d{4}-\d{2}-\d{2}$", date):
        raise w.error("day", None, "date", f'expected a date "YYYY-MM-DD", got {_got(date)}')

    # [[service]]
    services: list[ServiceSpec] = []
    raw = _array(w, doc, "service")
    if not raw:
        raise ScenarioError(f"{name}: expected at least one [[service]]")
    for i, s in enumerate(raw):
        _check_keys(w, "service", i, s, {"id", "name", "mean_s", "sd_s", "sla_s", "prefix"}, {"id", "mean_s"})
        sid = _text(w, "service", i, "id", s["id"])
        if not re.match(r"^[A-Za-z0-9_-]{1,32}$", sid):
            raise w.error("service", i, "id", f"expected 1–32 letters, digits, '-' or '_', got {_got(sid)}")
        if any(x.id == sid for x in services):
            raise w.error("service", i, "id", f"expected a new id, {_got(sid)} is already a service")
        mean = _number(w, "service", i, "mean_s", s["mean_s"], what="a number of seconds > 0", strict=True)
        sd = _number(w, "service", i, "sd_s", s.get("sd_s", mean * 0.5), what="a number of seconds ≥ 0")
        sla = _number(w, "service", i, "sla_s", s.get("sla_s", 900), what="a number of seconds > 0", strict=True)
        prefix = s.get("prefix", sid.upper() if re.match(r"^[A-Z]{1,2}$", sid.upper()) else None)
        if prefix is None or not isinstance(prefix, str) or not re.match(r"^[A-Z]{1,2}$", prefix):
            raise w.error("service", i, "prefix" if "prefix" in s else "id",
                          f"expected a ticket prefix of one or two capital letters A–Z, got {_got(prefix)}"
                          if "prefix" in s else f"{_got(sid)} is no ticket prefix: add prefix = \"X\"")
        if any(x.prefix == prefix for x in services):
            raise w.error("service", i, "prefix" if "prefix" in s else "id",
                          f"expected a prefix of its own, {prefix} is already used")
        services.append(ServiceSpec(sid, _text(w, "service", i, "name", s.get("name", sid)), mean, sd, sla, prefix))
    known = {s.id for s in services}

    def service_ref(table: str, i: int, value: Any) -> str:
        sid = _text(w, table, i, "service", value, "a service id")
        if sid not in known:
            raise w.error(table, i, "service", f"expected one of the services ({', '.join(sorted(known))}), "
                                               f"got {_got(sid)}")
        return sid

    # [[counter]]
    counters: list[CounterSpec] = []
    raw = _array(w, doc, "counter")
    if not raw:
        raise ScenarioError(f"{name}: expected at least one [[counter]]")
    for i, c in enumerate(raw):
        _check_keys(w, "counter", i, c, {"number", "services", "open", "close", "name", "hours"}, {"number"})
        number = int(_number(w, "counter", i, "number", c["number"], what="a whole number 1–999", minimum=1,
                             maximum=999, integer=True))
        if any(x.number == number for x in counters):
            raise w.error("counter", i, "number", f"expected a new counter number, {number} is already used")
        spec = _text(w, "counter", i, "services", c.get("services", ""),
                     'a profile like "A,B:2" (service[:weight], comma separated)')
        try:
            profile = _profile(spec)
        except ValueError:
            raise w.error("counter", i, "services",
                          f'expected a profile like "A,B:2" (service[:weight], weight a whole number), got {_got(spec)}'
                          ) from None
        for entry in profile:
            if entry["service"] not in known:
                raise w.error("counter", i, "services", f"expected services among {', '.join(sorted(known))}, "
                                                        f"got {_got(entry['service'])}")
            if not 1 <= entry["weight"] <= 100:
                raise w.error("counter", i, "services", f"expected weights 1–100, got {entry['weight']}")
        if "hours" in c:
            if "open" in c or "close" in c:
                raise w.error("counter", i, "hours", "expected either hours or open/close, not both")
            ranges = c["hours"]
            if not isinstance(ranges, list) or not all(isinstance(r, list) and len(r) == 2 for r in ranges):
                raise w.error("counter", i, "hours", f'expected [["08:00", "12:00"], …], got {_got(ranges)}')
            hours = [(_clock(w, "counter", i, "hours", a), _clock(w, "counter", i, "hours", b)) for a, b in ranges]
        else:
            a = _clock(w, "counter", i, "open", c["open"]) if "open" in c else open_s
            b = _clock(w, "counter", i, "close", c["close"]) if "close" in c else close_s
            hours = [(a, b)]
        hours.sort()
        for k, (a, b) in enumerate(hours):
            if b <= a or (k and a < hours[k - 1][1]):
                raise w.error("counter", i, "hours" if "hours" in c else "close",
                              f"expected opening ranges that end after they start and do not overlap, got "
                              f"{', '.join(f'{hhmm(x)}–{hhmm(y)}' for x, y in hours)}")
        merged: list[tuple[int, int]] = []
        for a, b in hours:  # 08:00–12:00 and 12:00–16:00 are one stretch
            if merged and merged[-1][1] == a:
                merged[-1] = (merged[-1][0], b)
            else:
                merged.append((a, b))
        counters.append(CounterSpec(number, spec, profile, merged,
                                    _text(w, "counter", i, "name", c.get("name", ""))))

    # [[arrivals]]
    arrivals: list[ArrivalSpec] = []
    for i, a in enumerate(_array(w, doc, "arrivals")):
        _check_keys(w, "arrivals", i, a, {"service", "per_hour"}, {"service", "per_hour"})
        sid = service_ref("arrivals", i, a["service"])
        table = a["per_hour"]
        if not isinstance(table, dict):
            raise w.error("arrivals", i, "per_hour", f'expected a table of hours, e.g. {{ "08" = 20 }}, got {_got(table)}')
        per_hour: dict[int, float] = {}
        for hour, rate in table.items():
            if not re.match(r"^\d{1,2}$", hour) or not 0 <= int(hour) <= 23:
                raise w.error("arrivals", i, "per_hour", f'expected hours "00"–"23" as keys, got {_got(hour)}')
            h = int(hour)
            per_hour[h] = _number(w, "arrivals", i, "per_hour", rate, what=f'citizens per hour ≥ 0 for "{hour}"')
            if per_hour[h] > 0 and (h * 3600 + 3600 <= open_s or h * 3600 >= close_s):
                raise w.error("arrivals", i, "per_hour",
                              f'expected hours within the day {hhmm(open_s)}–{hhmm(close_s)}, got "{hour}"')
        arrivals.append(ArrivalSpec(sid, per_hour))

    # [[burst]]
    bursts: list[BurstSpec] = []
    for i, b in enumerate(_array(w, doc, "burst")):
        _check_keys(w, "burst", i, b, {"at", "service", "count"}, {"at", "service", "count"})
        at = _clock(w, "burst", i, "at", b["at"])
        if not open_s <= at < close_s:
            raise w.error("burst", i, "at", f"expected a time within the day {hhmm(open_s)}–{hhmm(close_s)}, "
                                            f"got {_got(b['at'])}")
        count = int(_number(w, "burst", i, "count", b["count"], what="a whole number of citizens ≥ 1", minimum=1,
                            integer=True))
        bursts.append(BurstSpec(at, service_ref("burst", i, b["service"]), count))

    if not arrivals and not bursts:
        raise ScenarioError(f"{name}: expected [[arrivals]] or [[burst]]: nobody comes")

    # [[rule]]
    rules: list[RuleSpec] = []
    for i, r in enumerate(_array(w, doc, "rule")):
        _check_keys(w, "rule", i, r, {"service", "min_waiting", "min_wait_s", "weight"}, {"service"})
        sid = service_ref("rule", i, r["service"])
        mw = int(_number(w, "rule", i, "min_waiting", r.get("min_waiting", 0), what="a whole number ≥ 0",
                         integer=True))
        ms = int(_number(w, "rule", i, "min_wait_s", r.get("min_wait_s", 0), what="a whole number of seconds ≥ 0",
                         integer=True))
        if mw <= 0 and ms <= 0:
            raise w.error("rule", i, None, "expected min_waiting and/or min_wait_s (a threshold > 0)")
        weight = int(_number(w, "rule", i, "weight", r.get("weight", 2), what="a whole number 1–100", minimum=1,
                             maximum=100, integer=True))
        rules.append(RuleSpec(sid, mw, ms, weight))

    # [behaviour]
    behaviour = Behaviour()
    if "behaviour" in doc:
        b = _check_keys(w, "behaviour", None, doc["behaviour"],
                        {"no_show", "no_show_wait_s", "priority", "gap_s"}, set())
        behaviour = Behaviour(
            no_show=_number(w, "behaviour", None, "no_show", b.get("no_show", 0.0), what="a share 0–1",
                            maximum=1.0),
            no_show_wait_s=_number(w, "behaviour", None, "no_show_wait_s", b.get("no_show_wait_s", 60.0),
                                   what="a number of seconds ≥ 0"),
            priority=_number(w, "behaviour", None, "priority", b.get("priority", 0.0), what="a share 0–1",
                             maximum=1.0),
            gap_s=_number(w, "behaviour", None, "gap_s", b.get("gap_s", 0.0), what="a number of seconds ≥ 0"),
        )

    return Scenario(name=Path(name).stem, open_s=open_s, close_s=close_s, date=date, services=services,
                    counters=counters, arrivals=arrivals, bursts=bursts, rules=rules, behaviour=behaviour)
