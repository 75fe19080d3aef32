"""Errors raised by the broker supervisor."""


class BrokerError(RuntimeError):
    """Mosquitto could not be configured, started, reloaded or stopped."""


class PortInUseError(BrokerError):
    """The listener port is taken by a process that is not our broker."""
