"""The web app's HTTPS certificate when the office gives none.

:func:`ensure_web_certificate` returns ``(cert_path, key_path)`` (PEM) under
``data_dir/web-tls/``, issued by the hub's own CA (``data_dir/tls/ca.pem``,
the same CA the broker's TLS certificate comes from, see hub/broker/_tls.py)
for ``localhost``, this host's name (and ``<name>.local``), 127.0.0.1, ::1,
this host's addresses and any ``hosts`` asked for. It is issued again when it
nears its end or lacks a name. Browsers warn until the office trusts the CA
(import ``ca.pem`` once: it then covers the broker too), which is why public
pages stay on plain HTTP.
"""

from __future__ import annotations

from pathlib import Path

TLS_DIR = "web-tls"


def hub_ca_file(data_dir: Path | str) -> Path:
    """The hub's CA certificate (PEM) that the web certificate chains to; made once."""
    from hub.broker._tls import ensure_ca

    return ensure_ca(data_dir)[0]


def ensure_web_certificate(data_dir: Path | str, hosts: tuple[str, ...] = ()) -> tuple[Path, Path]:
    """The hub's own web certificate and key (key file mode 0600), issued when needed."""
    from hub.broker._tls import ensure_ca, issue_server_certificate

    ca_cert, ca_key = ensure_ca(data_dir)
    folder = Path(data_dir) / TLS_DIR
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    issue_server_certificate(ca_cert.read_bytes(), ca_key.read_bytes(), cert_path, key_path,
                             [h for h in hosts if h])
    return cert_path, key_path
