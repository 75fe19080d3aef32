"""A device in its own network namespace (run by test_netns.py with ``ip netns exec``).

``python -m tests.discovery.ns_device CONFIG`` pairs (printing ``CODE 123 456``),
then finds the hub again and connects with the new credentials, printing
``PAIRED <fingerprint>`` and ``CONNECTED <host> <port>`` (over TLS, trusting the CA
the hub signed). Exit 0 on success.
"""

from __future__ import annotations

import sys

from sorra import config as cfgmod
from sorra import discovery, pairing
from sorra.bus import BusClient, BusSettings


def main(path: str) -> int:
    cfg = cfgmod.load(path)
    cfg = pairing.ensure_paired(cfg, path, lambda code: print(f"CODE {code}", flush=True),
                                on_status=lambda s: print(f"STATUS {s}", flush=True),
                                timeout_s=30, settle_s=0.3, adopt_after_s=1.0)
    print(f"PAIRED {cfg.hub.fingerprint}", flush=True)
    host, port = discovery.resolve_hub(cfg, timeout_s=10)
    client = BusClient(BusSettings(host, port, cfg.hub.username, cfg.hub.password.get_secret_value(),
                                   cfg.device.site, cfg.device.id, cfg.device.role, tls=cfg.hub.tls,
                                   ca_pem=cfg.hub.ca))
    client.start()
    try:
        if not client.wait_connected(10):
            print("NOT CONNECTED", flush=True)
            return 1
    finally:
        client.stop()
    print(f"CONNECTED {host} {port}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
