"""TLS for a device's MQTT connections (the bus and the pairing channel).

The bus (:class:`sorra.bus.BusClient` with ``BusSettings.tls``) verifies the
broker's certificate against the CA the hub gave in the signed pairing exchange
(``[hub].ca`` in the device's TOML file) and checks that it names the address
the device connects to. With no CA given, the system's trusted CAs are used
(an office CA installed on the device).

The pairing channel encrypts but does not verify: before pairing the device
knows no CA yet, and the hub proves who it is by signing the device's nonce
with its pinned key (:func:`sorra.pairing.channel.prove_hub`), not by its
certificate. Nothing secret travels on it in clear: the pairing secret is
public on the LAN (mDNS), credentials are sealed to the device's key.
"""

from __future__ import annotations

import ssl

MIN_VERSION = ssl.TLSVersion.TLSv1_2


def client_context(ca_file: str = "", ca_pem: str = "") -> ssl.SSLContext:
    """A verifying client context: the CA in ``ca_file`` and/or ``ca_pem`` (else the system's)."""
    ctx = ssl.create_default_context(cafile=ca_file or None, cadata=ca_pem or None)
    ctx.minimum_version = MIN_VERSION
    return ctx


def encrypt_only_context() -> ssl.SSLContext:
    """Encryption without certificate checks (the pairing channel: identity comes from the signed hello)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.minimum_version = MIN_VERSION
    return ctx
