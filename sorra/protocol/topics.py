"""MQTT topic names of protocol v1, built and parsed in one place."""

from __future__ import annotations

from dataclasses import dataclass

VERSION = "v1"


@dataclass(frozen=True)
class Topics:
    """All topics of one site: ``sorra/v1/{site}/…``."""

    site: str

    @property
    def root(self) -> str:
        return f"sorra/{VERSION}/{self.site}"

    # requests and replies
    def rpc(self, device: str) -> str:
        return f"{self.root}/rpc/{device}"

    def reply(self, device: str) -> str:
        return f"{self.root}/reply/{device}"

    # hub → all, retained
    def state(self, name: str) -> str:
        return f"{self.root}/state/{name}"

    def counter_state(self, number: int) -> str:
        return self.state(f"counters/{number}")

    def device_config(self, device: str) -> str:
        return self.state(f"config/{device}")

    # hub → all, not retained
    def event(self, name: str) -> str:
        return f"{self.root}/event/{name}"

    # presence
    def status(self, device: str) -> str:
        return f"{self.root}/device/{device}/status"

    # pairing (unpaired devices speak here with a pairing account: pairing.0 … pairing.255)
    def pair_request(self, code: str) -> str:
        return f"{self.root}/pair/request/{code}"

    def pair_reply(self, code: str) -> str:
        return f"{self.root}/pair/reply/{code}"

    def suffix(self, topic: str) -> str:
        """``state/queue`` for ``sorra/v1/office/state/queue``; '' if not under this site."""
        prefix = self.root + "/"
        return topic[len(prefix):] if topic.startswith(prefix) else ""


def device_from_rpc_topic(topics: Topics, topic: str) -> str | None:
    rest = topics.suffix(topic)
    if rest.startswith("rpc/"):
        device = rest[4:]
        if device and "/" not in device:
            return device
    return None
