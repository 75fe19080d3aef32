"""Protocol ops → engine commands, with the caller's rights checked.

The hub derives a counter terminal's counter from its pairing (the device
registry), never from the request, so a terminal cannot act for another
counter. Which roles may use an op is declared in
:data:`sorra.protocol.messages.OP_ROLES`; the admin account (the CLI and the
web app) may use the ``admin.*`` ops as well.

Each hub owns an :class:`OpRegistry`: :func:`core_ops` gives the engine's ops
defined here, and the hub adds its own (device accounts, pairing, booking) at
start. Adding an op: a handler here with ``@op(name)`` (a device op also needs
its argument and result models and roles in ``sorra.protocol.messages``, which
the protocol documents are generated from), or ``registry.add(OpSpec(...))``
for an op that needs the running hub.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from hub.engine import Engine, EngineError
from hub.engine.pins import hash_pin
from hub.engine.reducer import Event
from hub.presenter import Presenter
from sorra.protocol import messages as m
from sorra.protocol.names import Op


@dataclass(frozen=True)
class Actor:
    device: str
    role: str
    counter: int | None = None


@dataclass
class Context:
    engine: Engine
    presenter: Presenter
    actor: Actor
    alert: Callable[[str, dict[str, Any]], None]
    """Raise or clear a device alert: alert(source_device, payload)."""
    hub: Any = None
    """The running hub, for admin ops that reach beyond the engine (device accounts)."""
    ops: OpRegistry | None = None
    """The registry this op came from (an op that runs another, like admin.counter_command)."""
    uncommitted: Sequence[Event] = ()
    """The events of the worker's batch so far, not in the store yet: an op that reads the store
    must count them too (an earlier day's ticket answered twice in one batch)."""


Handler = Callable[[Context, Any], dict[str, Any]]


@dataclass(frozen=True)
class OpSpec:
    """One op: its handler and how its arguments are checked.

    ``args``: the pydantic model the arguments must satisfy before the handler
    runs (device ops take theirs from the protocol, ``sorra.protocol.messages``).
    ``loose``: an admin op that takes a plain dict which the engine checks as it
    reads it; a KeyError, TypeError or ValueError there is the caller's bad
    input (``bad_args``). Everywhere else those exceptions are engine bugs
    (``internal``).
    """

    name: str
    handler: Handler
    args: type[BaseModel] | None = None
    loose: bool = False


class OpRegistry:
    """The ops one hub answers. Each hub owns one (see :meth:`hub.app.Hub.start`)."""

    def __init__(self, specs: Iterable[OpSpec] = ()) -> None:
        self._specs: dict[str, OpSpec] = {}
        for spec in specs:
            self.add(spec)

    def add(self, spec: OpSpec) -> None:
        if spec.name in self._specs:
            raise ValueError(f"op {spec.name!r} is registered twice")
        if not spec.name.startswith("admin.") and spec.name not in m.OP_ARGS:
            raise ValueError(f"device op {spec.name!r} is not in the protocol (sorra.protocol.messages)")
        self._specs[spec.name] = spec

    def op(self, name: str, args: type[BaseModel] | None = None, *,
           loose: bool = True) -> Callable[[Handler], Handler]:
        """Decorator: ``@registry.op("admin.x")``."""
        def register(fn: Handler) -> Handler:
            self.add(_spec(name, fn, args, loose))
            return fn

        return register

    def __contains__(self, name: object) -> bool:
        return name in self._specs

    def names(self) -> list[str]:
        return sorted(self._specs)

    def execute(self, ctx: Context, name: str, raw_args: Any) -> dict[str, Any]:
        """Check rights and arguments, run one op; raises EngineError with a protocol error code."""
        spec = self._specs.get(name)
        if spec is None:
            raise EngineError("unknown_op", f"unknown op {name!r}")
        ctx.ops = self
        if name.startswith("admin."):
            if ctx.actor.role != "admin":
                raise EngineError("forbidden", f"{name} is for the hub's administrators")
        else:
            roles = m.OP_ROLES.get(name, frozenset())
            if ctx.actor.role not in roles and ctx.actor.role != "admin":
                raise EngineError("forbidden", f"a {ctx.actor.role} may not use {name}")
        if spec.args is not None:
            return spec.handler(ctx, _validate(spec.args, raw_args))
        if not spec.loose:
            return spec.handler(ctx, raw_args)
        if not isinstance(raw_args, dict):
            raise EngineError("bad_args", "args must be an object")
        try:
            return spec.handler(ctx, raw_args)
        except (KeyError, TypeError, ValueError) as err:
            raise EngineError("bad_args", f"bad arguments: {err}") from None


def _spec(name: str, fn: Handler, args: type[BaseModel] | None, loose: bool) -> OpSpec:
    if not name.startswith("admin."):
        return OpSpec(name, fn, m.OP_ARGS[name])
    return OpSpec(name, fn, args, loose=args is None and loose)


_CORE: list[OpSpec] = []
"""The ops defined below; :func:`core_ops` puts them in a new registry."""


def op(name: str, admin_args: type[BaseModel] | None = None, *,
       loose: bool = True) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        _CORE.append(_spec(name, fn, admin_args, loose))
        return fn

    return register


def core_ops() -> OpRegistry:
    """A new registry with the engine's ops (devices' and the admin's); the hub adds its own."""
    return OpRegistry(_CORE)


def _counter(ctx: Context) -> int:
    if ctx.actor.counter is None:
        raise EngineError("forbidden", f"device {ctx.actor.device} is not paired with a counter")
    return ctx.actor.counter


def _ticket(ctx: Context, t: Any) -> dict[str, Any]:
    return {"ticket": ctx.presenter.ticket(t) if t is not None else None}


def new_token() -> str:
    return secrets.token_urlsafe(9)


def _validate(model: type[BaseModel], raw: Any) -> Any:
    if not isinstance(raw, dict):
        raise EngineError("bad_args", "args must be an object")
    try:
        return model.model_validate(raw)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "args"
        raise EngineError("bad_args", f"{where}: {first['msg']}") from None


# ---- kiosk ------------------------------------------------------------------

@op(Op.TICKET_ISSUE)
def _issue(ctx: Context, a: m.TicketIssueArgs) -> dict[str, Any]:
    t = ctx.engine.issue_ticket(a.services, priority=a.priority, note=a.note, lang=a.lang,
                                channel="kiosk" if ctx.actor.role == "kiosk" else ctx.actor.role,
                                token=new_token(), people=a.people)
    return _ticket(ctx, t)


@op(Op.APPOINTMENT_CHECK_IN)
def _check_in(ctx: Context, a: m.AppointmentCheckInArgs) -> dict[str, Any]:
    return _ticket(ctx, ctx.engine.check_in(a.code, lang=a.lang, token=new_token()))


# ---- counter ------------------------------------------------------------------

@op(Op.COUNTER_CALL_NEXT)
def _call_next(ctx: Context, a: m.NoArgs) -> dict[str, Any]:
    return _ticket(ctx, ctx.engine.call_next(_counter(ctx)))


@op(Op.COUNTER_RECALL)
def _recall(ctx: Context, a: m.NoArgs) -> dict[str, Any]:
    return _ticket(ctx, ctx.engine.recall(_counter(ctx)))


@op(Op.COUNTER_START)
def _start(ctx: Context, a: m.NoArgs) -> dict[str, Any]:
    return _ticket(ctx, ctx.engine.start(_counter(ctx)))


@op(Op.COUNTER_FINISH)
def _finish(ctx: Context, a: m.FinishArgs) -> dict[str, Any]:
    return _ticket(ctx, ctx.engine.finish(_counter(ctx), a.marks))


@op(Op.COUNTER_NO_SHOW)
def _no_show(ctx: Context, a: m.NoArgs) -> dict[str, Any]:
    return _ticket(ctx, ctx.engine.no_show(_counter(ctx)))


@op(Op.COUNTER_TRANSFER)
def _transfer(ctx: Context, a: m.TransferArgs) -> dict[str, Any]:
    return _ticket(ctx, ctx.engine.transfer(_counter(ctx), service=a.service, to_counter=a.counter,
                                            position=a.position))


@op(Op.COUNTER_PARK)
def _park(ctx: Context, a: m.NoArgs) -> dict[str, Any]:
    return _ticket(ctx, ctx.engine.park(_counter(ctx)))


@op(Op.COUNTER_UNPARK)
def _unpark(ctx: Context, a: m.UnparkArgs) -> dict[str, Any]:
    return _ticket(ctx, ctx.engine.unpark(_counter(ctx), a.ticket))


@op(Op.COUNTER_RETURN)
def _return(ctx: Context, a: m.ReturnArgs) -> dict[str, Any]:
    _counter(ctx)
    return _ticket(ctx, ctx.engine.return_ticket(_find(ctx, a.ticket)))


def _find(ctx: Context, ref: str) -> str:
    """A ticket of today by its id or its number (what a clerk reads off the slip)."""
    ref = ref.strip()
    if ref in ctx.engine.state.tickets:
        return ref
    t = ctx.engine.find_ticket(number=ref.upper())
    if t is None:
        raise EngineError("not_found", f"no ticket {ref!r} today")
    return t.id


@op(Op.COUNTER_PAUSE)
def _pause(ctx: Context, a: m.PauseArgs) -> dict[str, Any]:
    ctx.engine.pause(_counter(ctx), a.reason)
    return {}


@op(Op.COUNTER_RESUME)
def _resume(ctx: Context, a: m.NoArgs) -> dict[str, Any]:
    ctx.engine.resume(_counter(ctx))
    return {}


@op(Op.COUNTER_CLOSE)
def _close(ctx: Context, a: m.NoArgs) -> dict[str, Any]:
    ctx.engine.close(_counter(ctx))
    return {}


@op(Op.CLERK_LOGIN)
def _login(ctx: Context, a: m.ClerkLoginArgs) -> dict[str, Any]:
    clerk = ctx.engine.login(_counter(ctx), a.clerk, a.pin)
    return {"clerk": ctx.presenter.clerk(clerk.id)}


@op(Op.CLERK_LOGOUT)
def _logout(ctx: Context, a: m.NoArgs) -> dict[str, Any]:
    ctx.engine.logout(_counter(ctx))
    return {}


@op(Op.CLERK_PROFILE_SET)
def _profile_set(ctx: Context, a: m.ProfileSetArgs) -> dict[str, Any]:
    counter = ctx.engine.state.counters.get(_counter(ctx))
    if counter is None or counter.clerk is None:
        raise EngineError("conflict", "no clerk is logged in at this counter")
    ctx.engine.set_profile([e.model_dump() for e in a.services], clerk=counter.clerk, by_clerk=True)
    return {"clerk": ctx.presenter.clerk(counter.clerk)}


@op(Op.BACKGROUND_START)
def _bg_start(ctx: Context, a: m.BackgroundStartArgs) -> dict[str, Any]:
    return {"background": ctx.engine.background_start(_counter(ctx), a.kind, a.note)}


@op(Op.BACKGROUND_STOP)
def _bg_stop(ctx: Context, a: m.NoArgs) -> dict[str, Any]:
    return {"background": ctx.engine.background_stop(_counter(ctx))}


@op(Op.BACKGROUND_RECORD)
def _bg_record(ctx: Context, a: m.BackgroundRecordArgs) -> dict[str, Any]:
    counter = ctx.engine.state.counters.get(_counter(ctx))
    by = (counter.clerk or "") if counter is not None else ""
    return {"item": ctx.engine.backlog.record(a.kind, a.note, a.services, by=by).to_dict()}


@op(Op.BACKGROUND_TAKE)
def _bg_take(ctx: Context, a: m.BackgroundTakeArgs) -> dict[str, Any]:
    return {"background": ctx.engine.backlog.take(_counter(ctx), a.id)}


@op(Op.FEEDBACK_SUBMIT)
def _feedback(ctx: Context, a: m.FeedbackArgs) -> dict[str, Any]:
    ctx.engine.feedback(_counter(ctx), a.score, a.ticket)
    return {}


@op(Op.DEVICE_ALERT)
def _device_alert(ctx: Context, a: m.AlertRaiseArgs) -> dict[str, Any]:
    ctx.alert(ctx.actor.device, a.model_dump())
    return {}


# ---- admin (CLI, web) ------------------------------------------------------------

@op("admin.service_upsert")
def _service_upsert(ctx: Context, a: dict[str, Any]) -> dict[str, Any]:
    return {"service": ctx.engine.upsert_service(a).to_dict()}


@op("admin.counter_upsert")
def _counter_upsert(ctx: Context, a: dict[str, Any]) -> dict[str, Any]:
    c = ctx.engine.upsert_counter(int(a.get("number", 0)), a.get("name"), a.get("profile"), a.get("enabled"))
    return {"counter": c.to_dict()}


@op("clerk.roster")
def _clerk_roster(ctx: Context, a: m.NoArgs) -> dict[str, Any]:
    clerks = sorted((c for c in ctx.engine.state.clerks.values() if c.enabled), key=lambda c: (c.name, c.id))
    return {"clerks": [{"id": c.id, "name": c.name} for c in clerks]}


@op("admin.clerk_upsert")
def _clerk_upsert(ctx: Context, a: dict[str, Any]) -> dict[str, Any]:
    data = dict(a)
    pin = data.pop("pin", None)
    if pin is not None:
        if not str(pin).isdigit() or not 4 <= len(str(pin)) <= 8:
            raise EngineError("bad_args", "PIN: 4–8 digits")
        data["pin_hash"] = hash_pin(str(pin), secrets.token_hex(8))
    clerk = ctx.engine.upsert_clerk(data)
    return {"clerk": ctx.presenter.clerk(clerk.id)}


@op("admin.profile_set")
def _admin_profile(ctx: Context, a: dict[str, Any]) -> dict[str, Any]:
    return {"profile": ctx.engine.set_profile(a.get("profile", []), counter=a.get("counter"), clerk=a.get("clerk"))}


@op("admin.settings")
def _settings(ctx: Context, a: dict[str, Any]) -> dict[str, Any]:
    return {"settings": ctx.engine.update_settings(**a).to_dict()}


@op("admin.rule_upsert")
def _rule(ctx: Context, a: dict[str, Any]) -> dict[str, Any]:
    return {"rule": ctx.engine.upsert_rule(a).to_dict()}


@op("admin.rule_remove")
def _rule_remove(ctx: Context, a: dict[str, Any]) -> dict[str, Any]:
    ctx.engine.remove_rule(str(a.get("id", "")))
    return {}


@op("admin.ticket_issue")
def _admin_issue(ctx: Context, a: dict[str, Any]) -> dict[str, Any]:
    args = _validate(m.TicketIssueArgs, {k: v for k, v in a.items() if k != "channel"})
    t = ctx.engine.issue_ticket(args.services, priority=args.priority, note=args.note, lang=args.lang,
                                channel=str(a.get("channel", "staff")), token=new_token(), people=args.people)
    return _ticket(ctx, t)


@op("admin.ticket_return")
def _admin_return(ctx: Context, a: dict[str, Any]) -> dict[str, Any]:
    return _ticket(ctx, ctx.engine.return_ticket(_find(ctx, str(a.get("ticket") or a.get("number") or ""))))


@op("admin.outcome_upsert")
def _outcome_upsert(ctx: Context, a: dict[str, Any]) -> dict[str, Any]:
    return {"outcome": ctx.engine.upsert_outcome(a).to_dict()}


@op("admin.ticket_cancel")
def _admin_cancel(ctx: Context, a: dict[str, Any]) -> dict[str, Any]:
    return _ticket(ctx, ctx.engine.cancel_ticket(str(a.get("ticket", ""))))


@op("admin.backlog_record")
def _admin_backlog(ctx: Context, a: dict[str, Any]) -> dict[str, Any]:
    item = ctx.engine.backlog.record(str(a.get("kind", "")), str(a.get("note", "")), list(a.get("services") or []),
                                     by=str(a.get("by", "")))
    return {"item": item.to_dict()}


@op("admin.appointment_book")
def _book(ctx: Context, a: dict[str, Any]) -> dict[str, Any]:
    return {"appointment": ctx.engine.book(a)}


@op("admin.appointment_cancel")
def _cancel(ctx: Context, a: dict[str, Any]) -> dict[str, Any]:
    ctx.engine.cancel_appointment(str(a.get("code", "")))
    return {}


@op("admin.appointment_move")
def _move(ctx: Context, a: dict[str, Any]) -> dict[str, Any]:
    ctx.engine.move_appointment(str(a.get("code", "")), float(a.get("at", 0)))
    return {}


@op("admin.counter_command", loose=False)
def _counter_command(ctx: Context, a: dict[str, Any]) -> dict[str, Any]:
    """Run a counter op on behalf of a counter (the web's clerk view, tests, the demo)."""
    number = a.get("counter")
    if not isinstance(number, int):
        raise EngineError("bad_args", "counter: a number")
    inner = str(a.get("op", ""))
    if inner.split(".")[0] not in {"counter", "clerk", "background", "feedback"}:
        raise EngineError("bad_args", "op: a counter, clerk, background or feedback op")
    sub = Context(ctx.engine, ctx.presenter, Actor(ctx.actor.device, "counter", number), ctx.alert, ctx.hub,
                  ctx.ops, ctx.uncommitted)
    assert ctx.ops is not None  # OpRegistry.execute sets it before any handler runs
    return ctx.ops.execute(sub, inner, a.get("args", {}))
