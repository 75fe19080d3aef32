"""Broker accounts, and the password and ACL files rendered from them (pure).

Each account gets an explicit ``user`` block in the ACL file, never a ``pattern``
with ``%u``/``%c``, so no rule depends on how a username would be escaped into a
topic. Usernames and device ids are validated so they cannot carry MQTT wildcards,
``/``, ``:`` (the password-file separator) or line breaks into either file.

Client ids. Every listener has ``use_username_as_clientid true``: the broker
replaces the client id a client asks for with its username, so an account can
only ever hold *its own* session and can never take over (disconnect) another
one. Accounts that need several connections at once therefore come as several
usernames with one password: the hub's pairing service is ``hub.pairing``
(beside ``hub``), the CLI picks one of ``admin.0`` … ``admin.7`` (all scoped to
the ``admin`` topics), and unpaired devices pick one of the ``pairing.N``
slots (:func:`pairing_accounts`), a fresh one after each takeover. These
internal names contain a ``.``, which a device id never does, so they cannot
collide with a device.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal, get_args

from sorra.pairing.wire import PAIRING_SLOTS, pairing_username
from sorra.protocol.topics import Topics

Role = Literal["hub", "pairing-service", "kiosk", "counter", "display", "admin", "pairing"]
ROLES: tuple[str, ...] = get_args(Role)
DEVICE_ROLES = frozenset({"kiosk", "counter", "display"})

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
INTERNAL_NAME_RE = re.compile(r"^(hub|admin|pairing)\.[a-z0-9-]{1,16}$")
"""The hub's own extra usernames (``hub.pairing``, ``admin.3``, ``pairing.17``): never a device id."""

ADMIN_SLOTS = 8
"""How many ``admin.N`` usernames the admin password opens (several CLI commands at once)."""


def admin_username(slot: int) -> str:
    return f"admin.{slot}"

# mosquitto_passwd's own defaults in 2.0 ("$7$" = PBKDF2-SHA512, 101 rounds, 12-byte salt).
PBKDF2_ITERATIONS = 101
SALT_BYTES = 12
# "$7$<rounds>$<b64 of 12 bytes>$<b64 of 64 bytes>": what hash_password returns
HASH_RE = re.compile(r"^\$7\$[1-9][0-9]{0,6}\$[A-Za-z0-9+/]{16}\$[A-Za-z0-9+/]{86}==$")


def is_password_hash(value: str) -> bool:
    """True if ``value`` is already a Mosquitto ``$7$`` hash (as a store keeps it)."""
    return bool(HASH_RE.fullmatch(value))


def validate_name(value: str, what: str = "username") -> str:
    """Return ``value`` if it is a safe username / device id / site, else raise ValueError."""
    if not isinstance(value, str) or not NAME_RE.fullmatch(value):
        raise ValueError(f"invalid {what} {value!r}: must match {NAME_RE.pattern}")
    return value


def validate_username(value: str) -> str:
    """A device-like name, or one of the hub's internal ``role.N`` names."""
    if isinstance(value, str) and INTERNAL_NAME_RE.fullmatch(value):
        return value
    return validate_name(value, "username")


@dataclass(frozen=True)
class BrokerAccount:
    """One MQTT login. ``device`` is the device id its topics are scoped to.

    ``password`` is either the password itself or its Mosquitto hash
    (:func:`hash_password`, detected by :func:`is_password_hash`), which goes into the
    password file verbatim — so a store need never keep device passwords.
    """

    username: str
    password: str
    role: Role
    device: str

    def __post_init__(self) -> None:
        validate_username(self.username)
        if self.role not in ROLES:
            raise ValueError(f"invalid role {self.role!r}: one of {', '.join(ROLES)}")
        # hub, pairing-service and pairing accounts are not scoped to a device and may leave it empty
        if self.device or self.role in DEVICE_ROLES or self.role == "admin":
            validate_name(self.device, "device id")
        if not self.password or "\n" in self.password or "\0" in self.password:
            raise ValueError(f"invalid password for {self.username!r}")

    def __repr__(self) -> str:  # never print the secret
        return (f"BrokerAccount(username={self.username!r}, password='***', "
                f"role={self.role!r}, device={self.device!r})")


def _unique(accounts: Iterable[BrokerAccount]) -> list[BrokerAccount]:
    seen: set[str] = set()
    result = []
    for account in accounts:
        if account.username in seen:
            raise ValueError(f"duplicate broker username {account.username!r}")
        seen.add(account.username)
        result.append(account)
    return result


def hash_password(password: str, *, salt: bytes | None = None,
                  iterations: int = PBKDF2_ITERATIONS) -> str:
    """Mosquitto 2.0 ``$7$`` hash: ``$7$<rounds>$<b64 salt>$<b64 PBKDF2-SHA512>``.

    Byte-for-byte what ``mosquitto_passwd`` writes (checked against it in the tests).
    """
    salt = os.urandom(SALT_BYTES) if salt is None else salt
    digest = hashlib.pbkdf2_hmac("sha512", password.encode("utf-8"), salt, iterations)
    return (f"$7${iterations}${base64.b64encode(salt).decode('ascii')}"
            f"${base64.b64encode(digest).decode('ascii')}")


def render_passwd(accounts: Iterable[BrokerAccount], *,
                  hasher: Callable[[str], str] = hash_password) -> str:
    """The ``password_file`` contents: one ``username:$7$…`` line per account."""
    return "".join(
        f"{a.username}:{a.password if is_password_hash(a.password) else hasher(a.password)}\n"
        for a in _unique(accounts))


def _rules(topics: Topics, account: BrokerAccount) -> list[tuple[str, str]]:
    everything = f"{topics.root}/#"
    if account.role == "hub":
        return [("readwrite", everything)]
    if account.role == "pairing":  # unpaired devices: nothing but asking and reading the answer
        return [("write", topics.pair_request("+")), ("read", topics.pair_reply("+"))]
    if account.role == "pairing-service":  # the hub's side of the same topics
        return [("read", topics.pair_request("+")), ("write", topics.pair_reply("+"))]
    device = account.device
    rules = [
        ("write", topics.rpc(device)),
        ("readwrite", topics.status(device)),
        ("read", topics.reply(device)),
        ("read", topics.state("#")),
        ("read", topics.event("#")),
        ("read", topics.status("+")),
    ]
    if account.role == "admin":  # a technician's tool: a device that can also watch everything
        rules.append(("read", everything))
    return rules


def pairing_accounts(secret: str, slots: int = PAIRING_SLOTS) -> list[BrokerAccount]:
    """The ``pairing.0`` … ``pairing.{slots-1}`` accounts, all opened by the hub's pairing secret.

    The secret is hashed once (one salt for all slots): the password file stays cheap to
    write however many slots there are."""
    hashed = secret if is_password_hash(secret) else hash_password(secret)
    return [BrokerAccount(pairing_username(i), hashed, "pairing", "") for i in range(slots)]


def admin_accounts(password: str, device: str = "admin",
                   slots: int = ADMIN_SLOTS) -> list[BrokerAccount]:
    """``admin.0`` … ``admin.{slots-1}``: the admin's rights, for tools that connect beside each other."""
    hashed = password if is_password_hash(password) else hash_password(password)
    return [BrokerAccount(admin_username(i), hashed, "admin", device) for i in range(slots)]


def render_acl(site: str, accounts: list[BrokerAccount]) -> str:
    """The ``acl_file`` contents: one explicit ``user`` block per account.

    No topic lines precede the first ``user`` line, so anonymous clients (refused
    anyway by ``allow_anonymous false``) would get nothing; users not listed here
    (e.g. the supervisor's readiness probe) get nothing either.
    """
    topics = Topics(validate_name(site, "site"))
    lines = [f"# Sorra broker ACL for site {site}. Generated by the hub (hub/broker);",
             "# do not edit: it is rewritten whenever a device is added or removed.", ""]
    for account in sorted(_unique(accounts), key=lambda a: (ROLES.index(a.role), a.username)):
        lines.append(f"# role={account.role} device={account.device}")
        lines.append(f"user {account.username}")
        lines.extend(f"topic {access} {topic}" for access, topic in _rules(topics, account))
        lines.append("")
    return "\n".join(lines)
