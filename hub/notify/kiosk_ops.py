"""The kiosk's notification op: ``ticket.follow`` (a citizen types a phone number after printing).

It runs :func:`hub.notify.follow.follow`, the same code as the ticket page's
"send me a message" form, on the engine worker like every op: the number is
stored (and an "almost your turn" queued when few are ahead already) in one
commit before the reply. The kiosk offers phones only (a touch keypad), so an
e-mail address is refused as ``bad_args``. A repeated request id gets the
first reply (the worker's idempotency); following twice only updates the number.
"""

from __future__ import annotations

from typing import Any

from hub.notify.follow import follow
from hub.ops import Context, OpRegistry, OpSpec
from sorra.protocol import messages as m
from sorra.protocol.names import Op


def register_ops(ops: OpRegistry) -> None:
    ops.add(OpSpec(Op.TICKET_FOLLOW, _follow, m.TicketFollowArgs))


def _follow(ctx: Context, a: m.TicketFollowArgs) -> dict[str, Any]:
    hub = ctx.hub
    return follow(hub, hub.notify_projector, a.ticket, a.phone, "phone")
