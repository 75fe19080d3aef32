"""The hub's own certificate authority and the broker's server certificate.

Files under ``data_dir/tls/``:

``ca.pem``      the CA certificate devices trust (PEM; 0644). ``sorra hub device add`` prints
                its path as ``ca_file``; a paired device receives it in the signed pairing
                exchange and keeps it in its TOML file (``[hub].ca``).
``ca.key``      the CA's private key (0600). Never leaves the hub.
``server.pem``  the broker's certificate, issued by the CA, valid ``SERVER_DAYS``.
``server.key``  its key (0600).
``server.checked``  which files and names the last start checked, and until when they do: a
                start that finds the same files then skips the check (and the ~8 MB cryptography
                library, which the hub would hold until it stops).

The CA is made once (ECDSA P-256, ``CA_DAYS``) and kept, so a restored data
directory keeps the devices' trust. The server certificate is issued again at
start when it is missing, expires within ``RENEW_DAYS``, was not issued by the
current CA, or does not name every address and host name devices may use
(:func:`server_names`): devices check the name (``check_hostname``), so a
certificate of this CA cannot be used by any other machine.

An office's own CA instead (:func:`office_files`): the office gives either its
CA certificate and key (the hub issues its server certificate from it, as
above), or a server certificate with its key and the CA certificate(s) to trust.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import ipaddress
import json
import os
import socket
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

TLS_DIR = "tls"
CA_DAYS = 20 * 365
SERVER_DAYS = 2 * 365
RENEW_DAYS = 60


class TlsError(ValueError):
    """A certificate or key that cannot be used (the message says which and why)."""


@dataclass(frozen=True)
class TlsMaterial:
    """What the broker's TLS listener serves and what devices trust (all PEM text)."""

    ca_pem: str
    """The CA certificate(s) devices trust."""
    cert_pem: str
    """The server certificate, followed by any intermediate certificates."""
    key_pem: str
    ca_file: Path
    """Where ``ca_pem`` is stored (``sorra hub device add`` prints it)."""
    own_ca: bool = True


def server_names(hosts: Iterable[str] = ()) -> tuple[list[str], list[str]]:
    """DNS names and IP addresses the server certificate must name: localhost, 127.0.0.1, ::1,
    this machine's name (and ``.local``), its IPv4 addresses, and ``hosts`` (bind, advertise)."""
    from sorra.discovery.mdns import local_ipv4

    dns = {"localhost"}
    ips = {"127.0.0.1", "::1"}
    name = socket.gethostname()
    if name:
        dns.update({name, f"{name}.local"})
    with contextlib.suppress(OSError):
        ips.update(local_ipv4(include_loopback=True))
    for host in hosts:
        if not host or host in ("0.0.0.0", "::"):
            continue
        try:
            ips.add(str(ipaddress.ip_address(host.split("%")[0])))
        except ValueError:
            dns.add(host.lower().rstrip("."))
    return sorted(dns), sorted(ips)


def _write(path: Path, data: bytes, mode: int) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as f:
        os.fchmod(f.fileno(), mode)
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _key_pem(key) -> bytes:  # noqa: ANN001 - a cryptography private key
    from cryptography.hazmat.primitives import serialization

    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _load_key(data: bytes, what: str):  # noqa: ANN202
    from cryptography.hazmat.primitives import serialization

    try:
        return serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as err:
        raise TlsError(f"{what}: not an unencrypted PEM private key ({err})") from None


def _load_certs(data: bytes, what: str) -> list:
    from cryptography import x509

    try:
        certs = x509.load_pem_x509_certificates(data)
    except ValueError as err:
        raise TlsError(f"{what}: not a PEM certificate ({err})") from None
    if not certs:
        raise TlsError(f"{what}: no certificate in it")
    return certs


def _same_key(cert, key) -> bool:  # noqa: ANN001
    from cryptography.hazmat.primitives import serialization

    fmt = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return cert.public_key().public_bytes(*fmt) == key.public_key().public_bytes(*fmt)


def ensure_ca(data_dir: Path | str, site: str = "") -> tuple[Path, Path]:
    """The hub's own CA (certificate, key), made once under ``data_dir/tls``."""
    folder = Path(data_dir) / TLS_DIR
    cert_path, key_path = folder / "ca.pem", folder / "ca.key"
    if cert_path.exists() and key_path.exists():
        return cert_path, key_path
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o755)  # ca.pem is public; the keys are 0600
    key = ec.generate_private_key(ec.SECP256R1())
    label = f"Sorra hub CA {site} {os.urandom(4).hex()}".replace("  ", " ")
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, label),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Sorra")])
    start = _now() - dt.timedelta(hours=1)
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start).not_valid_after(start + dt.timedelta(days=CA_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=False, key_cert_sign=True, crl_sign=True,
                                     content_commitment=False, key_encipherment=False, data_encipherment=False,
                                     key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(ski, critical=False)
        .sign(key, hashes.SHA256())
    )
    from cryptography.hazmat.primitives import serialization

    _write(key_path, _key_pem(key), 0o600)
    _write(cert_path, cert.public_bytes(serialization.Encoding.PEM), 0o644)
    return cert_path, key_path


def _server_usable(cert_path: Path, key_path: Path, ca_cert, dns: list[str], ips: list[str]) -> dt.datetime | None:  # noqa: ANN001
    """When the present certificate must be issued again (if it will do until then), else None."""
    from cryptography import x509

    if not (cert_path.exists() and key_path.exists()):
        return None
    try:
        cert = _load_certs(cert_path.read_bytes(), str(cert_path))[0]
        key = _load_key(key_path.read_bytes(), str(key_path))
        sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (TlsError, x509.ExtensionNotFound, OSError):
        return None
    if not _same_key(cert, key) or cert.issuer != ca_cert.subject:
        return None
    try:
        cert.verify_directly_issued_by(ca_cert)
    except Exception:  # noqa: BLE001 - a bad signature, another key type …: issue it again
        return None
    renew = cert.not_valid_after_utc - dt.timedelta(days=RENEW_DAYS)
    if renew < _now():
        return None
    have_dns = {n.lower() for n in sans.get_values_for_type(x509.DNSName)}
    have_ips = {str(i) for i in sans.get_values_for_type(x509.IPAddress)}
    return renew if set(dns) <= have_dns and set(ips) <= have_ips else None


def _checked_path(cert_path: Path) -> Path:
    return cert_path.with_suffix(".checked")


def _files_digest(ca_cert_pem: bytes, ca_key_pem: bytes, cert_path: Path, key_path: Path) -> str:
    h = hashlib.sha256()
    for data in (ca_cert_pem, ca_key_pem, cert_path.read_bytes(), key_path.read_bytes()):
        h.update(hashlib.sha256(data).digest())
    return h.hexdigest()


def _still_checked(ca_cert_pem: bytes, ca_key_pem: bytes, cert_path: Path, key_path: Path,
                   names: list[str]) -> bool:
    """Whether an earlier start checked these very files for these names and they will still do.

    Then this start loads no cryptography library (~8 MB of the hub's memory for good)."""
    try:
        note = json.loads(_checked_path(cert_path).read_text())
        return (note["files"] == _files_digest(ca_cert_pem, ca_key_pem, cert_path, key_path)
                and set(names) <= set(note["names"]) and time.time() < float(note["renew_at"]))
    except (OSError, ValueError, KeyError, TypeError):
        return False


def _note_checked(ca_cert_pem: bytes, ca_key_pem: bytes, cert_path: Path, key_path: Path,
                  names: list[str], renew_at: dt.datetime) -> None:
    note = {"files": _files_digest(ca_cert_pem, ca_key_pem, cert_path, key_path), "names": sorted(names),
            "renew_at": renew_at.timestamp()}
    _write(_checked_path(cert_path), json.dumps(note).encode(), 0o644)


def issue_server_certificate(ca_cert_pem: bytes, ca_key_pem: bytes, cert_path: Path, key_path: Path,
                             hosts: Iterable[str] = ()) -> bool:
    """Issue ``cert_path``/``key_path`` from the CA unless the present ones still do; True if issued."""
    dns, ips = server_names(hosts)
    if _still_checked(ca_cert_pem, ca_key_pem, cert_path, key_path, dns + ips):
        return False
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    ca_cert = _load_certs(ca_cert_pem, "CA certificate")[0]
    ca_key = _load_key(ca_key_pem, "CA key")
    if not _same_key(ca_cert, ca_key):
        raise TlsError("the CA key does not belong to the CA certificate")
    renew = _server_usable(cert_path, key_path, ca_cert, dns, ips)
    if renew is not None:
        _note_checked(ca_cert_pem, ca_key_pem, cert_path, key_path, dns + ips, renew)
        return False
    key = ec.generate_private_key(ec.SECP256R1())
    start = _now() - dt.timedelta(hours=1)
    end = min(start + dt.timedelta(days=SERVER_DAYS), ca_cert.not_valid_after_utc)
    try:
        aki = x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(
            ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value)
    except x509.ExtensionNotFound:
        aki = x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, dns[-1] if dns else "sorra-hub")]))
        .issuer_name(ca_cert.subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start).not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=False, crl_sign=False,
                                     content_commitment=False, key_encipherment=False, data_encipherment=False,
                                     key_agreement=True, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName([*(x509.DNSName(d) for d in dns),
                                                    *(x509.IPAddress(ipaddress.ip_address(i)) for i in ips)]),
                       critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(aki, critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    cert_path.parent.mkdir(parents=True, exist_ok=True)
    _write(key_path, _key_pem(key), 0o600)
    _write(cert_path, cert.public_bytes(serialization.Encoding.PEM), 0o644)
    _note_checked(ca_cert_pem, ca_key_pem, cert_path, key_path, dns + ips,
                  cert.not_valid_after_utc - dt.timedelta(days=RENEW_DAYS))
    return True


def hub_material(data_dir: Path | str, hosts: Iterable[str] = (), *, site: str = "",
                 ca_cert_file: str | Path = "", ca_key_file: str | Path = "",
                 cert_file: str | Path = "", key_file: str | Path = "") -> TlsMaterial:
    """What the broker serves, made or checked at hub start.

    * nothing given: the hub's own CA (made once) issues the server certificate;
    * ``ca_cert_file`` + ``ca_key_file``: the office's CA issues it instead;
    * ``cert_file`` + ``key_file`` (+ ``ca_cert_file``, the CA devices trust): the
      office's server certificate is used as it is.
    """
    folder = Path(data_dir) / TLS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    server_cert, server_key = folder / "server.pem", folder / "server.key"
    if cert_file or key_file:
        if not (cert_file and key_file and ca_cert_file):
            raise TlsError("an office certificate needs its key and the CA certificate devices trust "
                           "(--mqtt-tls-cert, --mqtt-tls-key and --mqtt-tls-ca)")
        return office_files(Path(cert_file), Path(key_file), Path(ca_cert_file), folder)
    if ca_cert_file or ca_key_file:
        if not (ca_cert_file and ca_key_file):
            raise TlsError("an office CA needs both its certificate and its key (--mqtt-tls-ca, --mqtt-tls-ca-key)")
        ca_pem, ca_key = Path(ca_cert_file).read_bytes(), Path(ca_key_file).read_bytes()
        own = False
        trusted = folder / "office-ca.pem"
        _write(trusted, ca_pem, 0o644)
    else:
        ca_path, ca_key_path = ensure_ca(data_dir, site)
        ca_pem, ca_key = ca_path.read_bytes(), ca_key_path.read_bytes()
        own, trusted = True, ca_path
    issue_server_certificate(ca_pem, ca_key, server_cert, server_key, hosts)
    return TlsMaterial(ca_pem.decode("ascii"), server_cert.read_text(), server_key.read_text(), trusted, own)


def office_files(cert_file: Path, key_file: Path, ca_file: Path, folder: Path) -> TlsMaterial:
    """An office-issued server certificate: checked (key matches, CA issued it, not expired)."""
    chain = _load_certs(cert_file.read_bytes(), str(cert_file))
    key = _load_key(key_file.read_bytes(), str(key_file))
    cas = _load_certs(ca_file.read_bytes(), str(ca_file))
    if not _same_key(chain[0], key):
        raise TlsError(f"{key_file} is not the key of {cert_file}")
    if chain[0].not_valid_after_utc < _now():
        raise TlsError(f"{cert_file} has expired")
    issuers = chain[1:] + cas
    if not any(chain[0].issuer == c.subject for c in issuers):
        raise TlsError(f"{cert_file} was not issued by a certificate in {ca_file}")
    trusted = folder / "office-ca.pem"
    _write(trusted, ca_file.read_bytes(), 0o644)
    return TlsMaterial(ca_file.read_text(), cert_file.read_text(), key_file.read_text(), trusted, False)
