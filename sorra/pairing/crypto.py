"""The cryptography of pairing, as pure functions over bytes.

* **Hub identity**: an Ed25519 key pair. Its 32-byte seed is the hub's
  ``hub_key`` secret (``data_dir/secrets.json``), so restoring the data dir
  restores the identity. The **fingerprint** is ``sha256(raw public key)``
  in hex; mDNS TXT carries it, devices pin it.
* **Signatures** cover a domain-separated canonical JSON (sorted keys, no
  spaces, ASCII) of the whole reply, including the device's fresh nonce, so a
  reply cannot be replayed or moved to another request.
* **Sealing**: X25519 → HKDF-SHA256 → ChaCha20-Poly1305. Credentials are
  sealed by the hub to the device's ephemeral key; an unpair request is sealed
  by the device to the hub's static "box" key (derived from the same seed).
* **Pairing code**: six digits derived from the hub fingerprint and the
  device's ephemeral public key, so the code the technician approves names
  exactly one key, and only that key can open the credentials.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

# The cryptography library is imported where it is used, not here: loaded, it is ~8 MB of a
# process's memory, and the hub needs it only while a device pairs (its public keys are
# saved beside the seed: HubIdentity.publics).
if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

SIGN_CONTEXT = b"sorra-pairing-v1\n"
CODE_CONTEXT = b"sorra-pairing-code-v1\n"
BOX_CONTEXT = b"sorra-hub-box-key-v1"
CODE_DIGITS = 6


class CryptoError(ValueError):
    """A signature, key or sealed box that does not check out."""


def b64e(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def b64d(text: Any, what: str = "value", size: int | None = None) -> bytes:
    if not isinstance(text, str):
        raise CryptoError(f"{what}: expected base64 text")
    try:
        data = base64.b64decode(text.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError):
        raise CryptoError(f"{what}: not base64") from None
    if size is not None and len(data) != size:
        raise CryptoError(f"{what}: expected {size} bytes, got {len(data)}")
    return data


def canonical(obj: Any) -> bytes:
    """The bytes that are signed: sorted keys, no whitespace, ASCII only."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def fingerprint(public_raw: bytes) -> str:
    """Hex sha256 of a raw Ed25519 public key (64 characters)."""
    return hashlib.sha256(public_raw).hexdigest()


def short_fingerprint(fp: str, groups: int = 4) -> str:
    """``ab12 cd34 ef56 7890``: what people compare by eye."""
    fp = fp.lower()
    return " ".join(fp[i:i + 4] for i in range(0, min(len(fp), groups * 4), 4))


def same_fingerprint(a: str, b: str) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(a.lower().encode(), b.lower().encode())


# ---- the hub's identity ---------------------------------------------------------------


@dataclass(frozen=True)
class HubIdentity:
    """The hub's signing key and its derived X25519 box key."""

    seed: bytes
    publics: bytes = field(default=b"", repr=False, compare=False)
    """:attr:`public_raw` + :attr:`box_public_raw` when known already (see :meth:`with_publics`)."""

    def __post_init__(self) -> None:
        if len(self.seed) != 32:
            raise CryptoError("the hub key must be 32 bytes")
        if self.publics and len(self.publics) != 64:
            raise CryptoError("the hub's public keys must be 64 bytes")

    def with_publics(self, publics: bytes) -> HubIdentity:
        """This identity with its public keys as saved earlier (``derive_publics()``), so that
        reading them needs no cryptography library. The caller vouches they are this seed's."""
        return HubIdentity(self.seed, publics)

    def derive_publics(self) -> bytes:
        """The two public keys computed from the seed (what :meth:`with_publics` takes)."""
        return self._signing.public_key().public_bytes_raw() + self._box.public_key().public_bytes_raw()

    @classmethod
    def from_hex(cls, hex_seed: str) -> HubIdentity:
        try:
            return cls(bytes.fromhex(hex_seed))
        except ValueError:
            raise CryptoError("the hub key is not hex") from None

    @classmethod
    def generate(cls) -> HubIdentity:
        return cls(os.urandom(32))

    def __repr__(self) -> str:  # never print the seed
        return f"HubIdentity(fingerprint={self.fingerprint[:16]}…)"

    @property
    def _signing(self) -> Ed25519PrivateKey:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        return Ed25519PrivateKey.from_private_bytes(self.seed)

    @property
    def public_raw(self) -> bytes:
        if self.publics:
            return self.publics[:32]
        return self._signing.public_key().public_bytes_raw()

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.public_raw)

    @property
    def _box(self) -> X25519PrivateKey:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
        from cryptography.hazmat.primitives.kdf.hkdf import HKDF

        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=BOX_CONTEXT).derive(self.seed)
        return X25519PrivateKey.from_private_bytes(derived)

    @property
    def box_public_raw(self) -> bytes:
        if self.publics:
            return self.publics[32:]
        return self._box.public_key().public_bytes_raw()

    def sign(self, message: dict[str, Any]) -> str:
        return b64e(self._signing.sign(SIGN_CONTEXT + canonical(message)))

    def open_sealed(self, sealed: dict[str, Any], aad: bytes) -> dict[str, Any]:
        """Open a box a device sealed to :attr:`box_public_raw`."""
        return open_box(self._box, sealed, aad)


def verify_signature(public_raw: bytes, message: dict[str, Any], signature: str) -> None:
    """Raise :class:`CryptoError` unless ``signature`` is the key's over ``message``."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        key = Ed25519PublicKey.from_public_bytes(public_raw)
        key.verify(b64d(signature, "sig", 64), SIGN_CONTEXT + canonical(message))
    except (InvalidSignature, ValueError):
        raise CryptoError("bad signature") from None


# ---- ephemeral keys and sealed boxes --------------------------------------------------------


class Ephemeral:
    """A one-use X25519 key pair (the device's per pairing attempt, the hub's per reply)."""

    def __init__(self, private: X25519PrivateKey | None = None) -> None:
        from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

        self._private = private or X25519PrivateKey.generate()

    @property
    def public_raw(self) -> bytes:
        return self._private.public_key().public_bytes_raw()

    def seal(self, peer_public_raw: bytes, payload: dict[str, Any], aad: bytes) -> dict[str, str]:
        return seal_with(self._private, peer_public_raw, payload, aad)

    def open(self, sealed: dict[str, Any], aad: bytes) -> dict[str, Any]:
        return open_box(self._private, sealed, aad)


def _key(private: X25519PrivateKey, peer_raw: bytes, mine_raw: bytes, aad: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    try:
        shared = private.exchange(X25519PublicKey.from_public_bytes(peer_raw))
    except ValueError:
        raise CryptoError("bad public key") from None
    pair = b"".join(sorted([mine_raw, peer_raw]))  # the same on both sides
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=pair,
                info=b"sorra-pairing-seal-v1\n" + aad).derive(shared)


def seal_with(private: X25519PrivateKey, peer_public_raw: bytes, payload: dict[str, Any],
              aad: bytes) -> dict[str, str]:
    """``{"epk", "nonce", "ct"}``: ``payload`` encrypted so only ``peer`` opens it."""
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

    mine = private.public_key().public_bytes_raw()
    key = _key(private, peer_public_raw, mine, aad)
    nonce = os.urandom(12)
    ct = ChaCha20Poly1305(key).encrypt(nonce, canonical(payload), aad)
    return {"epk": b64e(mine), "nonce": b64e(nonce), "ct": b64e(ct)}


def open_box(private: X25519PrivateKey, sealed: dict[str, Any], aad: bytes) -> dict[str, Any]:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

    if not isinstance(sealed, dict):
        raise CryptoError("sealed box: expected an object")
    peer = b64d(sealed.get("epk"), "epk", 32)
    nonce = b64d(sealed.get("nonce"), "nonce", 12)
    ct = b64d(sealed.get("ct"), "ct")
    mine = private.public_key().public_bytes_raw()
    key = _key(private, peer, mine, aad)
    try:
        data = json.loads(ChaCha20Poly1305(key).decrypt(nonce, ct, aad))
    except (InvalidTag, ValueError):
        raise CryptoError("the sealed box does not open (wrong key or altered)") from None
    if not isinstance(data, dict):
        raise CryptoError("sealed box: expected an object inside")
    return data


# ---- the pairing code -----------------------------------------------------------------------


def pairing_code(hub_fingerprint: str, device_public_raw: bytes) -> str:
    """Six digits, shown as ``"123 456"``, naming one device key for one hub."""
    digest = hashlib.sha256(CODE_CONTEXT + hub_fingerprint.lower().encode("ascii") + device_public_raw).digest()
    number = int.from_bytes(digest[:8], "big") % 10**CODE_DIGITS
    text = f"{number:0{CODE_DIGITS}d}"
    return f"{text[:3]} {text[3:]}"


def normalize_code(text: str) -> str:
    """What a technician typed (``123456``, ``123-456``, ``123 456``) as ``"123 456"``; '' if not a code."""
    digits = "".join(c for c in str(text) if c.isdigit())
    if len(digits) != CODE_DIGITS or len(digits) != sum(c.isalnum() for c in str(text)):
        return ""
    return f"{digits[:3]} {digits[3:]}"


def nonce() -> str:
    return b64e(os.urandom(16))
