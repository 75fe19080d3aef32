"""The pure queue engine: no MQTT, Qt, HTTP, database or hardware imports.

Commands in (:class:`Engine` methods), events out (:meth:`Engine.take_events`),
time from an injected clock.
"""

from hub.engine.engine import Clock, Engine
from hub.engine.errors import EngineError
from hub.engine.model import State, Ticket
from hub.engine.reducer import Event, apply

__all__ = ["Clock", "Engine", "EngineError", "Event", "State", "Ticket", "apply"]
