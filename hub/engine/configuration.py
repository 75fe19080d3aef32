"""Commands that set the office up: settings, services, counters, clerks,
profiles, priority rules, outcome codes, appointments. Like every command they validate
first and then emit events, through the engine they are given (the engine
owns the state, the clock and the event log; :class:`hub.engine.Engine`
hands these commands on to an :class:`OfficeSetup` it makes)."""

from __future__ import annotations

from typing import Any, Protocol

from hub.engine import events as ev
from hub.engine import hours
from hub.engine.errors import EngineError, bad_args, conflict, not_found
from hub.engine.model import Clerk, Counter, Outcome, Rule, Service, Settings, State

PREFIX_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ")


class EngineCore(Protocol):
    """What the set-up commands need of the engine."""

    state: State

    @property
    def now(self) -> float: ...

    def _begin(self) -> None: ...

    def _emit(self, typed: ev.EngineEvent) -> ev.EngineEvent: ...


class OfficeSetup:
    def __init__(self, engine: EngineCore) -> None:
        self._engine = engine

    @property
    def state(self) -> State:
        return self._engine.state  # read each time: the worker may replace the engine's state

    # ---- configuration -----------------------------------------------------

    def update_settings(self, **changes: Any) -> Settings:
        self._engine._begin()
        known = set(Settings().to_dict())
        unknown = set(changes) - known
        if unknown:
            raise bad_args(f"unknown settings: {', '.join(sorted(unknown))}")
        if "hours" in changes:
            try:
                hours.validate(changes["hours"])
            except ValueError as err:
                raise bad_args(str(err)) from None
        for key in ("remote_max_waiting", "remote_per_contact", "remote_per_origin_day"):
            if key in changes and (type(changes[key]) is not int or not 0 <= changes[key] <= 10_000):
                raise bad_args(f"{key}: a whole number, 0–10000")
        if "tz" in changes:
            try:
                hours.day_of(self._engine.now, changes["tz"])
            except Exception:
                raise bad_args(f"unknown time zone {changes['tz']!r}") from None
        if "call_guard_s" in changes and not (
                isinstance(changes["call_guard_s"], int) and 0 <= changes["call_guard_s"] <= 60):
            raise bad_args("call_guard_s: 0–60 seconds")
        if "next_finishes" in changes and not isinstance(changes["next_finishes"], bool):
            raise bad_args("next_finishes: true or false")
        self._engine._emit(ev.SettingsUpdated(settings=changes))
        return self.state.settings

    def upsert_service(self, service: dict[str, Any]) -> Service:
        self._engine._begin()
        data = {**(self.state.services[service["id"]].to_dict() if service.get("id") in self.state.services else {}), **service}
        sid = str(data.get("id", ""))
        if not sid or len(sid) > 32 or not all(ch.isalnum() or ch in "_-" for ch in sid):
            raise bad_args("service id: 1–32 letters, digits, '-' or '_'")
        prefix = str(data.get("prefix", ""))
        if not (1 <= len(prefix) <= 2 and set(prefix) <= PREFIX_CHARS):
            raise bad_args("prefix: one or two capital letters A–Z")
        names = data.get("names") or {}
        if not isinstance(names, dict) or not names.get("hu") and not names.get("en"):
            raise bad_args("names: at least a Hungarian or an English name")
        if "hours" in data:
            try:
                hours.validate(data["hours"])
            except ValueError as err:
                raise bad_args(str(err)) from None
        clash = [s.id for s in self.state.services.values() if s.prefix == prefix and s.id != sid and s.enabled]
        if clash:
            raise conflict(f"prefix {prefix} is already used by service {clash[0]}")
        default = data.get("default_outcome") or ""
        if default and default not in self.state.outcomes:
            raise not_found(f"no outcome code {default!r}")
        try:
            svc = Service.from_dict(data)
        except TypeError as err:
            raise bad_args(str(err)) from None
        self._engine._emit(ev.ServiceUpserted(service=svc.to_dict()))
        return self.state.services[sid]

    def upsert_counter(self, number: int, name: str | None = None, profile: list[dict[str, Any]] | None = None,
                       enabled: bool | None = None) -> Counter:
        self._engine._begin()
        if not isinstance(number, int) or not 1 <= number <= 999:
            raise bad_args("counter number: 1–999")
        data: dict[str, Any] = {"number": number}
        if name is not None:
            data["name"] = name
        if profile is not None:
            data["profile"] = self._check_profile(profile)
        if enabled is not None:
            data["enabled"] = enabled
        self._engine._emit(ev.CounterUpserted(counter=data))
        return self.state.counters[number]

    def upsert_clerk(self, clerk: dict[str, Any]) -> Clerk:
        self._engine._begin()
        cid = str(clerk.get("id", ""))
        if not cid or len(cid) > 64:
            raise bad_args("clerk id: 1–64 characters")
        data = dict(clerk)
        if "profile" in data:
            data["profile"] = self._check_profile(data["profile"])
        data.pop("counter", None)
        if cid not in self.state.clerks and not data.get("name"):
            raise bad_args("a new clerk needs a name")
        self._engine._emit(ev.ClerkUpserted(clerk=data))
        return self.state.clerks[cid]

    def _check_profile(self, profile: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out = []
        seen = set()
        for entry in profile:
            sid = entry.get("service")
            if sid not in self.state.services:
                raise not_found(f"no service {sid!r}")
            if sid in seen:
                raise bad_args(f"service {sid!r} twice in the profile")
            seen.add(sid)
            weight = int(entry.get("weight", 1))
            if not 1 <= weight <= 100:
                raise bad_args("weight: 1–100")
            out.append({"service": sid, "weight": weight})
        return out

    def set_profile(self, profile: list[dict[str, Any]], *, counter: int | None = None, clerk: str | None = None,
                    by_clerk: bool = False) -> list[dict[str, Any]]:
        self._engine._begin()
        if clerk is not None:
            c = self.state.clerks.get(clerk)
            if c is None:
                raise not_found(f"no clerk {clerk!r}")
            if by_clerk and not c.may_edit_profile:
                raise EngineError("forbidden", "the manager has not allowed this clerk to change the profile")
        elif counter is None or counter not in self.state.counters:
            raise not_found(f"no counter {counter!r}")
        checked = self._check_profile(profile)
        self._engine._emit(ev.ProfileSet(counter=counter, clerk=clerk, profile=checked))
        return checked

    def upsert_rule(self, rule: dict[str, Any]) -> Rule:
        self._engine._begin()
        r = Rule.from_dict(rule)
        if r.service not in self.state.services:
            raise not_found(f"no service {r.service!r}")
        if r.min_waiting <= 0 and r.min_wait_s <= 0:
            raise bad_args("a rule needs min_waiting or min_wait_s")
        if not 1 <= r.boost <= 100:
            raise bad_args("boost: 1–100")
        self._engine._emit(ev.RuleUpserted(rule=r.to_dict()))
        return self.state.rules[r.id]

    def remove_rule(self, rule_id: str) -> None:
        self._engine._begin()
        if rule_id not in self.state.rules:
            raise not_found(f"no rule {rule_id!r}")
        self._engine._emit(ev.RuleRemoved(id=rule_id))

    def upsert_outcome(self, outcome: dict[str, Any]) -> Outcome:
        self._engine._begin()
        code = str(outcome.get("code", "")).strip()
        if not code or len(code) > 16 or not all(ch.isalnum() or ch in "_-" for ch in code):
            raise bad_args("outcome code: 1–16 letters, digits, '-' or '_'")
        old = self.state.outcomes.get(code)
        data = {**(old.to_dict() if old else {}), **outcome, "code": code}
        names = data.get("names") or {}
        if not isinstance(names, dict) or not (names.get("hu") or names.get("en")):
            raise bad_args("names: at least a Hungarian or an English name")
        data["names"] = {k: str(v)[:80] for k, v in names.items() if k in ("hu", "en") and v}
        data["resolved"] = bool(data.get("resolved", True))
        data["enabled"] = bool(data.get("enabled", True))
        self._engine._emit(ev.OutcomeUpserted(outcome=Outcome.from_dict(data).to_dict()))
        return self.state.outcomes[code]

    def check_marks(self, marks: list[str], services: list[str]) -> list[str]:
        """The outcome codes a finish records: the clerk's (each known), else the services' defaults."""
        out: list[str] = []
        for raw in marks:
            code = str(raw).strip()
            o = self.state.outcomes.get(code)
            if o is None or not o.enabled:
                raise bad_args(f"unknown outcome code {raw!r}")
            if code not in out:
                out.append(code)
        if out:
            return out
        for sid in services:
            svc = self.state.services.get(sid)
            default = svc.default_outcome if svc is not None else ""
            if default and default in self.state.outcomes and default not in out:
                out.append(default)
        return out

    # ---- appointments -------------------------------------------------------

    def book(self, appointment: dict[str, Any]) -> dict[str, Any]:
        self._engine._begin()
        a = dict(appointment)
        if a.get("service") not in self.state.services:
            raise not_found(f"no service {a.get('service')!r}")
        code = str(a.get("code", "")).upper()
        if not code or code in self.state.appointments:
            raise conflict("appointment code missing or already used")
        if float(a.get("at", 0)) < self._engine.now:
            raise bad_args("that time has passed")
        a.update(code=code, booked_at=self._engine.now, state="booked")
        self._engine._emit(ev.AppointmentBooked(appointment=a))
        return self.state.appointments[code].to_dict()

    def cancel_appointment(self, code: str) -> None:
        self._engine._begin()
        a = self.state.appointments.get(code.upper())
        if a is None or a.state != "booked":
            raise not_found("no open appointment with this code")
        self._engine._emit(ev.AppointmentCancelled(code=a.code))

    def move_appointment(self, code: str, to: float) -> None:
        self._engine._begin()
        a = self.state.appointments.get(code.upper())
        if a is None or a.state != "booked":
            raise not_found("no open appointment with this code")
        if to < self._engine.now:
            raise bad_args("that time has passed")
        self._engine._emit(ev.AppointmentMoved(code=a.code, to=to))

