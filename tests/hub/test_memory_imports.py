"""A hub that has started before loads no cryptography library (~8 MB it would hold for good).

Its TLS files were checked at an earlier start (``tls/server.checked``) and its public keys
were saved beside its seed (``hub_key_public``); a pairing, a new seed or changed TLS files
still get the real check.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

from hub.broker._tls import hub_material
from hub.pairing import hub_identity
from sorra.pairing import crypto

HOSTS = ["127.0.0.1", "hub.example"]

RESTART = """
import json, sys
from pathlib import Path
from types import SimpleNamespace
import hub.app, hub.cli, hub.pairing, hub.discovery, hub.web.server  # what `sorra hub run` imports
from hub.broker._tls import hub_material
from hub.pairing import hub_identity

data = Path(sys.argv[1])
material = hub_material(data, json.loads(sys.argv[2]))
path = data / "secrets.json"
holder = SimpleNamespace(data_dir=data, secrets=json.loads(path.read_text()) if path.exists() else {})
identity = hub_identity(holder)
print(json.dumps({"cert": material.cert_pem, "fp": identity.fingerprint,
                  "box": identity.box_public_raw.hex(), "cryptography": "cryptography" in sys.modules}))
"""


def _holder(data: Path) -> SimpleNamespace:
    path = data / "secrets.json"
    return SimpleNamespace(data_dir=data, secrets=json.loads(path.read_text()) if path.exists() else {})


def _restart(data: Path, hosts: list[str]) -> dict:
    out = subprocess.run([sys.executable, "-c", RESTART, str(data), json.dumps(hosts)],
                         capture_output=True, text=True, timeout=120, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_a_second_start_needs_no_cryptography_and_finds_the_same_keys(tmp_path: Path) -> None:
    first = hub_material(tmp_path, HOSTS)
    identity = hub_identity(_holder(tmp_path))
    again = _restart(tmp_path, HOSTS)
    assert again["cryptography"] is False
    assert again["cert"] == first.cert_pem
    assert again["fp"] == crypto.HubIdentity(identity.seed).fingerprint
    assert again["box"] == crypto.HubIdentity(identity.seed).box_public_raw.hex()


def test_a_new_name_or_changed_files_are_checked_again(tmp_path: Path) -> None:
    first = hub_material(tmp_path, HOSTS)
    wider = hub_material(tmp_path, [*HOSTS, "other.example"])
    assert wider.cert_pem != first.cert_pem  # a name devices may use was missing: issued again
    (tmp_path / "tls" / "server.key").write_text("not a key")
    out = _restart(tmp_path, [*HOSTS, "other.example"])
    assert out["cryptography"] is True and out["cert"] != wider.cert_pem  # checked, found bad, issued again


def test_saved_public_keys_of_another_seed_are_not_used(tmp_path: Path) -> None:
    holder = _holder(tmp_path)
    old = hub_identity(holder)
    holder.secrets["hub_key"] = crypto.HubIdentity.generate().seed.hex()  # the key rotated by hand
    new = hub_identity(holder)
    assert new.public_raw != old.public_raw
    assert new.publics == crypto.HubIdentity(new.seed).derive_publics()
    holder.secrets["hub_key_public"] = holder.secrets["hub_key_public"][:-4] + "zzzz"  # damaged
    assert hub_identity(holder).publics == new.publics
