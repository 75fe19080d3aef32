"""Protocol v1: topics and message models (see docs/protocol/)."""

from sorra.protocol.messages import ERROR_CODES, OP_ARGS, OP_ROLES, Reply, Request
from sorra.protocol.topics import VERSION, Topics, device_from_rpc_topic

__all__ = [
    "ERROR_CODES",
    "OP_ARGS",
    "OP_ROLES",
    "VERSION",
    "Reply",
    "Request",
    "Topics",
    "device_from_rpc_topic",
]
