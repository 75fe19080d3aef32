"""The MQTT broker (Mosquitto 2.0) behind the hub.

Development: :class:`BrokerSupervisor` generates ``data_dir/broker/{mosquitto.conf,
passwd,acl}`` and runs and watches Mosquitto itself. Production:
:func:`write_production_config` feeds the system's ``mosquitto.service``.
Accounts, ACL and configuration are pure functions of their inputs.

Every listener makes the username the client id (no account can take over
another's session); with TLS (the hub's default) devices use a TLS listener and
the plain one binds 127.0.0.1 only. ``_tls`` makes the hub's CA and the broker's
certificate, ``_hubside`` is what the hub asks for (docs/tls.md,
docs/security.md).
"""

from ._accounts import (
    ADMIN_SLOTS,
    PAIRING_SLOTS,
    ROLES,
    BrokerAccount,
    Role,
    admin_accounts,
    admin_username,
    hash_password,
    is_password_hash,
    pairing_accounts,
    pairing_username,
    render_acl,
    render_passwd,
)
from ._config import BrokerTls, TlsListener, render_config
from ._errors import BrokerError, PortInUseError
from ._production import write_production_config
from ._supervisor import BrokerSupervisor
from ._tls import TlsError, TlsMaterial, ensure_ca, hub_material, server_names

__all__ = [
    "ADMIN_SLOTS",
    "PAIRING_SLOTS",
    "ROLES",
    "BrokerAccount",
    "BrokerTls",
    "BrokerError",
    "BrokerSupervisor",
    "PortInUseError",
    "Role",
    "TlsError",
    "TlsListener",
    "TlsMaterial",
    "admin_accounts",
    "admin_username",
    "ensure_ca",
    "hash_password",
    "hub_material",
    "is_password_hash",
    "pairing_accounts",
    "pairing_username",
    "render_acl",
    "render_config",
    "render_passwd",
    "server_names",
    "write_production_config",
]
