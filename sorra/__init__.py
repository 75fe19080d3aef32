"""Sorra: the shared package every device and the hub use.

Protocol (topics, message models), the bus client, device configuration,
discovery, i18n, sd_notify and the technician setup menu live here. Nothing in
this package imports ``hub`` or a device package.
"""

__version__ = "0.1.0"
PROTOCOL_VERSION = 1
