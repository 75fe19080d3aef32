"""The MQTT broker (Mosquitto 2.0) behind the hub.

Development: :class:`BrokerSupervisor` generates ``data_dir/broker/{mosquitto.conf,
passwd,acl}`` and runs and watches Mosquitto itself. Production:
:func:`write_production_config` feeds the system's ``mosquitto.service``.
Accounts, ACL and configuration are pure functions of their inputs.
"""

from ._accounts import (
    ROLES,
    BrokerAccount,
    Role,
    hash_password,
    is_password_hash,
    render_acl,
    render_passwd,
)
from ._config import render_config
from ._errors import BrokerError, PortInUseError
from ._production import write_production_config
from ._supervisor import BrokerSupervisor

__all__ = [
    "ROLES",
    "BrokerAccount",
    "BrokerError",
    "BrokerSupervisor",
    "PortInUseError",
    "Role",
    "hash_password",
    "is_password_hash",
    "render_acl",
    "render_config",
    "render_passwd",
    "write_production_config",
]
