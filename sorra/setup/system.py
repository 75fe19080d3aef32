"""What the technician reads: network facts and recent log lines.

Logs come from the journal (``journalctl -u 'sorra-*'``) when there is one,
else from the in-process ring buffer (:func:`install_log_buffer`, which the
device apps and the setup window install), else from ``$SORRA_LOG_FILE``.
Sorra never logs a secret (config secrets are ``SecretStr``), so the lines can
be shown as they are.
"""

from __future__ import annotations

import collections
import logging
import os
import shutil
import socket
import subprocess
from pathlib import Path

import ifaddr

from sorra.config import DeviceConfig

_BUFFER_LINES = 500


class RingBufferHandler(logging.Handler):
    """Keeps the last lines logged in this process."""

    def __init__(self, size: int = _BUFFER_LINES) -> None:
        super().__init__()
        self.lines: collections.deque[str] = collections.deque(maxlen=size)
        self.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%H:%M:%S"))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.lines.append(self.format(record))
        except Exception:  # a broken record must not break logging
            self.handleError(record)


_ring: RingBufferHandler | None = None


def install_log_buffer() -> RingBufferHandler:
    """Attach (once) a ring buffer to the root logger; the Logs page reads it."""
    global _ring
    if _ring is None:
        _ring = RingBufferHandler()
        logging.getLogger().addHandler(_ring)
    return _ring


def recent_logs(lines: int = 200, units: str = "sorra-*") -> list[str]:
    journalctl = shutil.which("journalctl")
    if journalctl and Path("/run/systemd/journal").exists():
        try:
            out = subprocess.run([journalctl, "--no-pager", "-q", "-o", "short-iso", "-n", str(lines),
                                  "-u", units], capture_output=True, text=True, timeout=10)
            got = [x for x in out.stdout.splitlines() if x.strip()]
            if got:
                return got
        except (OSError, subprocess.TimeoutExpired):
            pass
    if _ring is not None and _ring.lines:
        return list(_ring.lines)[-lines:]
    path = os.environ.get("SORRA_LOG_FILE", "")
    if path and Path(path).exists():
        with open(path, encoding="utf-8", errors="replace") as f:
            return [x.rstrip("\n") for x in collections.deque(f, maxlen=lines)]
    return ["(no log lines: no journal on this machine, and nothing logged yet in this process)"]


def _default_gateway(route_file: str = "/proc/net/route") -> str:
    try:
        with open(route_file) as f:
            next(f)
            for line in f:
                parts = line.split()
                if len(parts) > 2 and parts[1] == "00000000":
                    gw = int(parts[2], 16)
                    return socket.inet_ntoa(gw.to_bytes(4, "little"))
    except (OSError, StopIteration, ValueError):
        pass
    return ""


def _dns(resolv: str = "/etc/resolv.conf") -> list[str]:
    try:
        return [line.split()[1] for line in Path(resolv).read_text().splitlines()
                if line.startswith("nameserver") and len(line.split()) > 1]
    except OSError:
        return []


def _mac(name: str) -> str:
    try:
        return Path(f"/sys/class/net/{name}/address").read_text().strip()
    except OSError:
        return ""


def network_info(config: DeviceConfig) -> list[tuple[str, str]]:
    """``[(label, value)]``: host name, interfaces, gateway, DNS, mDNS, hub."""
    from sorra.discovery import device_interfaces
    from sorra.pairing.crypto import short_fingerprint

    rows: list[tuple[str, str]] = [("Host name", socket.gethostname())]
    for adapter in ifaddr.get_adapters():
        ips = [f"{ip.ip}/{ip.network_prefix}" for ip in adapter.ips if isinstance(ip.ip, str)]
        if not ips:
            continue
        mac = _mac(adapter.name)
        rows.append((f"Interface {adapter.nice_name}", ", ".join(ips) + (f" (MAC {mac})" if mac else "")))
    rows.append(("Default gateway", _default_gateway() or "none"))
    rows.append(("DNS servers", ", ".join(_dns()) or "none"))
    try:
        ifaces = device_interfaces(config)
        mdns = "off" if ifaces is None else (", ".join(ifaces) or "all interfaces")
    except ValueError as err:
        mdns = f"misconfigured: {err}"
    rows.append(("mDNS", mdns))
    rows.append(("Hub", f"{config.hub.host}:{config.hub.mqtt_port} (manual)" if config.hub.host
                 else "found automatically (mDNS)"))
    rows.append(("Site", config.device.site))
    if config.hub.fingerprint:
        rows.append(("Paired with hub key", short_fingerprint(config.hub.fingerprint)))
        rows.append(("Device id", config.device.id))
    else:
        rows.append(("Pairing", "not paired"))
    return rows
