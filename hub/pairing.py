"""The hub's side of pairing: answer on ``pair/request/+``, keep pending codes, approve.

Started by :meth:`hub.app.Hub.start` (``start_pairing``). It listens with its
own broker account ``hub.pairing`` (read ``pair/request/+``, write
``pair/reply/+``); devices speak with the ``pairing.N`` accounts, whose password
is this hub's pairing secret (:func:`pairing_secret`, announced in the mDNS TXT
record). See :mod:`sorra.pairing.wire` for the messages, ``docs/pairing.md`` for
the design.

* ``hello``: a signed description of this hub (key, box key, addresses,
  ports) over the device's nonce — the proof a device checks before trusting it.
* ``pair``: the device's ephemeral key and description become a pending
  request whose code is derived from the key; the technician approves the
  code (``sorra hub device approve CODE`` → ``admin.pairing_approve``), the hub
  creates the account (broker reloaded with SIGHUP, nobody dropped) and sends
  the credentials sealed to the device's key.
* ``unpair``: the device proves its password (sealed to the hub's box key);
  the account is deleted, so the password stops working.

Codes expire (``code_ttl_s``, 10 minutes); new requests, hellos, failed
unpairs and wrong codes at approval are rate-limited (token buckets).
Pending requests live in memory: after a hub restart a waiting device simply
asks again and gets the same code (it is derived from its key).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import paho.mqtt.client as mqtt

from hub.engine import EngineError
from hub.store import connect
from sorra import __version__
from sorra.pairing import crypto, wire
from sorra.protocol.topics import Topics

log = logging.getLogger(__name__)

CODE_TTL_S = 600.0
KEEP_S = 600.0
"""An answered or expired request is remembered this long: a device that asks again
gets the same answer, a late approval is told "expired" rather than "unknown"."""
MAX_PENDING = 16
SERVICE_USER = "hub.pairing"
"""The pairing service's broker account (the hub's password; client id = username)."""


class TokenBucket:
    """``rate`` tokens per second up to ``burst``; ``take()`` is False when empty."""

    def __init__(self, rate: float, burst: float, clock: Callable[[], float]) -> None:
        self.rate, self.burst, self.clock = rate, burst, clock
        self._tokens = burst
        self._at = clock()

    def _refill(self) -> None:
        now = self.clock()
        self._tokens = min(self.burst, self._tokens + max(0.0, now - self._at) * self.rate)
        self._at = now  # a clock that went back (a test's) just refills nothing

    def take(self) -> bool:
        self._refill()
        if self._tokens >= 1:
            self._tokens -= 1
            return True
        return False

    def retry_after(self) -> float:
        self._refill()
        return 0.0 if self._tokens >= 1 else (1 - self._tokens) / self.rate


@dataclass
class Pending:
    rid: str
    code: str
    epk: bytes
    device: wire.DeviceInfo
    nonce: str
    created: float
    expires: float
    status: str = "pending"
    sealed: dict[str, str] | None = None
    result: dict[str, Any] = field(default_factory=dict)


def verify_mosquitto_hash(password: str, stored: str) -> bool:
    """Check ``password`` against Mosquitto's ``$7$iterations$salt$hash`` (PBKDF2-SHA512)."""
    try:
        _, kind, iterations, salt, digest = stored.split("$")
        if kind != "7":
            return False
        expected = base64.b64decode(digest)
        got = hashlib.pbkdf2_hmac("sha512", password.encode("utf-8"), base64.b64decode(salt), int(iterations))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected)


def _save_secrets(hub: Any) -> None:
    path = hub.data_dir / "secrets.json"
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(hub.secrets, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def hub_identity(hub: Any) -> crypto.HubIdentity:
    """The hub's key pair from ``secrets.json`` (``hub_key``: the 32-byte Ed25519 seed, hex).

    A data dir from before the key existed gets one, written back atomically.
    Its public keys are saved beside it (``hub_key_public``, tagged with a hash of the seed so
    that a new seed is noticed): a start then needs no cryptography library, ~8 MB of memory
    the hub otherwise holds for good (a pairing loads it).
    """
    seed = hub.secrets.get("hub_key")
    if not seed:
        seed = crypto.HubIdentity.generate().seed.hex()
        hub.secrets["hub_key"] = seed
        _save_secrets(hub)
    identity = crypto.HubIdentity.from_hex(seed)
    tag = hashlib.sha256(b"sorra-hub-key-public\n" + identity.seed).hexdigest()[:16]
    saved_tag, _, publics = str(hub.secrets.get("hub_key_public", "")).partition(":")
    if saved_tag == tag and len(publics) == 128:
        with contextlib.suppress(ValueError):  # not hex: derived and saved again below
            return identity.with_publics(bytes.fromhex(publics))
    derived = identity.derive_publics()
    hub.secrets["hub_key_public"] = f"{tag}:{derived.hex()}"
    _save_secrets(hub)
    return identity.with_publics(derived)


def pairing_secret(hub: Any) -> str:
    """This hub's pairing secret (``pairing_secret`` in ``secrets.json``), made once per data dir.

    The password of the ``pairing.N`` broker accounts; announced in the hub's TXT record.
    Rotate it by deleting the key from ``secrets.json`` and restarting the hub (docs/security.md).
    """
    secret = hub.secrets.get("pairing_secret")
    if not secret:
        secret = secrets_token()
        hub.secrets["pairing_secret"] = secret
        _save_secrets(hub)
    return str(secret)


def secrets_token() -> str:
    import secrets

    return secrets.token_urlsafe(18)


class PairingService:
    def __init__(self, hub: Any, identity: crypto.HubIdentity, *, clock: Callable[[], float] = time.monotonic,
                 code_ttl_s: float = CODE_TTL_S, max_pending: int = MAX_PENDING) -> None:
        self.hub = hub
        self.identity = identity
        self.clock = clock
        self.code_ttl_s = code_ttl_s
        self.max_pending = max_pending
        self.site = hub.config.site
        self.topics = Topics(self.site)
        self._lock = threading.RLock()
        self._by_rid: dict[str, Pending] = {}
        self._limits = {
            "pair": TokenBucket(10 / 60, 10, self._now),  # new requests: 10 a minute
            "hello": TokenBucket(2, 60, self._now),
            "unpair": TokenBucket(5 / 300, 5, self._now),  # failed unpairs: 5 per 5 minutes
            "approve": TokenBucket(5 / 60, 5, self._now),  # wrong codes at approval: 5 a minute
        }
        self.listeners: list[Callable[[str], None]] = []
        """Called with the code of every new pending request (the admin page's live list, tests)."""
        self._connected = threading.Event()
        self._client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2,
                                   client_id=SERVICE_USER, protocol=mqtt.MQTTv5)
        self._client.username_pw_set(SERVICE_USER, hub.secrets["hub_password"])
        self._client.reconnect_delay_set(0.5, 5)
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = lambda *a: self._connected.clear()
        self._client.on_message = self._on_message

    def _now(self) -> float:
        return self.clock()

    # ---- lifecycle ---------------------------------------------------------------------

    def start(self) -> None:
        self._client.connect_async(self.hub.local_mqtt_host, self.hub.config.mqtt_port, keepalive=15)
        self._client.loop_start()

    def wait_ready(self, timeout: float = 10.0) -> bool:
        return self._connected.wait(timeout)

    def stop(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()

    def _on_connect(self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
        if reason.is_failure:
            log.error("broker refused the pairing service: %s", reason)
            return
        client.subscribe(self.topics.pair_request("+"), qos=1)
        self._connected.set()

    # ---- the hub's signed description ------------------------------------------------------

    def addresses(self) -> list[str]:
        from hub.discovery import signed_addresses

        return signed_addresses(self.hub)

    def card(self) -> dict[str, Any]:
        cfg = self.hub.config
        tls = self.hub.tls
        return wire.hub_card(site=self.site, fp=self.identity.fingerprint,
                             pub=crypto.b64e(self.identity.public_raw),
                             box=crypto.b64e(self.identity.box_public_raw), addrs=self.addresses(),
                             mqtt=self.hub.device_port, web=cfg.http_port if cfg.web else 0, ver=__version__,
                             tls=tls is not None, ca=tls.ca_pem if tls is not None else "")

    def _reply(self, op: str, rid: str, nonce: str, status: str, **extra: Any) -> None:
        body = wire.unsigned_reply(op, rid, nonce, self.card(), status, **extra)
        body["sig"] = self.identity.sign(body)
        self._client.publish(self.topics.pair_reply(rid), wire.encode(body), qos=1)

    # ---- requests (paho's thread) -------------------------------------------------------------

    def _on_message(self, client: mqtt.Client, userdata: Any, msg: mqtt.MQTTMessage) -> None:
        rest = self.topics.suffix(msg.topic)
        rid = rest[len("pair/request/"):] if rest.startswith("pair/request/") else ""
        try:
            req = wire.parse_request(rid, wire.decode(msg.payload))
        except wire.WireError as err:
            log.info("ignoring a pairing message on %s: %s", msg.topic, err)
            return
        try:
            if req["op"] == "hello":
                with self._lock:
                    allowed = self._limits["hello"].take()
                if allowed:
                    self._reply("hello", rid, req["nonce"], "ok")
            elif req["op"] == "pair":
                self._on_pair(rid, req)
            elif req["op"] == "unpair":
                threading.Thread(target=self._on_unpair, args=(rid, req), name="pairing-unpair",
                                 daemon=True).start()
        except Exception:  # one bad request must not stop the service
            log.exception("pairing request %s failed", rid)

    def _sweep(self) -> None:
        now = self.clock()
        for rid, p in list(self._by_rid.items()):
            if now > p.expires + KEEP_S:
                del self._by_rid[rid]  # long gone: its code now means nothing
            elif p.status == "pending" and now > p.expires:
                p.status = "expired"

    def _on_pair(self, rid: str, req: dict[str, Any]) -> None:
        with self._lock:
            self._sweep()
            p = self._by_rid.get(rid)
            if p is not None:
                if p.epk != req["epk"]:
                    self._reply("pair", rid, req["nonce"], "error", message="request id in use")
                    return
                p.nonce = req["nonce"]  # the device asked again (reconnect): answer its latest nonce
                self._answer(p)
                return
            if not self._limits["pair"].take() or self._count_pending() >= self.max_pending:
                retry = max(1.0, self._limits["pair"].retry_after())
                self._reply("pair", rid, req["nonce"], "rate_limited", retry_after=round(retry, 1))
                return
            code = crypto.pairing_code(self.identity.fingerprint, req["epk"])
            if any(o.code == code and o.status == "pending" for o in self._by_rid.values()):
                self._reply("pair", rid, req["nonce"], "error", message="code collision; try again")
                return
            now = self.clock()
            p = Pending(rid, code, req["epk"], req["device"], req["nonce"], now, now + self.code_ttl_s)
            self._by_rid[rid] = p
            log.info("pairing requested by %s (%s) — code %s", p.device.id, p.device.role, code)
            self._answer(p)
        for fn in list(self.listeners):
            try:
                fn(code)
            except Exception:
                log.exception("pairing listener failed")

    def _count_pending(self) -> int:
        return sum(1 for p in self._by_rid.values() if p.status == "pending")

    def _answer(self, p: Pending) -> None:
        if p.status == "pending":
            self._reply("pair", p.rid, p.nonce, "pending", expires_in=round(p.expires - self.clock(), 1))
        elif p.status == "approved" and p.sealed is not None:
            self._reply("pair", p.rid, p.nonce, "approved", sealed=p.sealed)
        else:
            self._reply("pair", p.rid, p.nonce, p.status)

    def _on_unpair(self, rid: str, req: dict[str, Any]) -> None:
        with self._lock:
            if self._limits["unpair"].retry_after() > 0:
                self._reply("unpair", rid, req["nonce"], "rate_limited",
                            retry_after=round(self._limits["unpair"].retry_after(), 1))
                return
        try:
            inner = self.identity.open_sealed(req["sealed"], wire.unpair_aad(rid))
            device, password = str(inner.get("device", "")), str(inner.get("password", ""))
        except crypto.CryptoError:
            device, password = "", ""
        stored = self._password_hash(device) if device else None
        if stored is None or not verify_mosquitto_hash(password, stored):
            with self._lock:
                self._limits["unpair"].take()
            self._reply("unpair", rid, req["nonce"], "error", message="unknown device or wrong password")
            return
        try:
            self.hub.worker.call("admin.device_remove", {"device": device})
        except EngineError as err:
            self._reply("unpair", rid, req["nonce"], "error", message=err.message)
            return
        log.info("device %s unpaired itself; its account is deleted", device)
        self._reply("unpair", rid, req["nonce"], "unpaired")

    # ---- the device table, read from any thread ------------------------------------------------

    def _query(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """A short read on its own connection: WAL lets it run beside the worker's transaction."""
        if self.hub.store is None:
            return []
        conn = connect(self.hub.store.path, readonly=True, cache_kib=256)
        try:
            return conn.execute(sql, args).fetchall()
        finally:
            conn.close()

    def _paired_ids(self) -> set[str]:
        return {row[0] for row in self._query("SELECT id FROM devices")}

    def _password_hash(self, device: str) -> str | None:
        rows = self._query("SELECT password_hash FROM devices WHERE id = ?", (device,))
        return rows[0][0] if rows else None

    # ---- what the technician sees and does ---------------------------------------------------

    def pending(self) -> dict[str, Any]:
        """Pending codes, and devices seen on the LAN that are not paired (admin page, CLI)."""
        now = self.clock()
        with self._lock:
            self._sweep()
            items = [p for p in self._by_rid.values() if p.status == "pending"]
        known = self._paired_ids()
        pending = [{
            "code": p.code, "id": p.device.id, "role": p.device.role, "name": p.device.name,
            "counter": p.device.counter or None, "version": p.device.version, "host": p.device.host,
            "addresses": list(p.device.addrs), "age_s": round(now - p.created),
            "expires_in_s": round(p.expires - now), "replaces": p.device.id in known,
        } for p in sorted(items, key=lambda p: p.created)]
        seen = []
        discovery = getattr(self.hub, "discovery", None)
        if discovery is not None:
            for d in discovery.seen():
                # One of ours: paired here, or set up by hand with this hub's credentials (it then
                # names no hub key). A known id that names another hub's key is listed: a clash.
                if d.id in known and d.fingerprint in ("", self.identity.fingerprint):
                    continue
                seen.append({"id": d.id, "role": d.role, "name": d.device_name, "version": d.version,
                             "site": d.site, "addresses": list(d.addresses), "paired_elsewhere": d.paired,
                             "seen_s_ago": round(time.time() - d.seen_at) if d.seen_at else None})
        return {"hub": {"site": self.site, "fingerprint": self.identity.fingerprint,
                        "short": crypto.short_fingerprint(self.identity.fingerprint),
                        "pairing_secret": pairing_secret(self.hub), "mqtt_port": self.hub.device_port,
                        "tls": self.hub.tls is not None},
                "pending": pending, "seen": seen}

    def _find(self, code: str) -> Pending:
        wanted = crypto.normalize_code(code)
        with self._lock:
            self._sweep()
            match = next((p for p in self._by_rid.values() if wanted and p.code == wanted
                          and p.status in ("pending", "expired")), None)
            if match is None:
                self._limits["approve"].take()
                raise EngineError("not_found", f"no pending pairing request with code {code!r}")
            if match.status == "expired":
                raise EngineError("conflict", f"code {match.code} has expired; the device shows a new one")
        return match

    def _guard(self) -> None:
        with self._lock:
            if self._limits["approve"].retry_after() > 0:
                raise EngineError("forbidden", "too many wrong codes; wait a minute and try again")

    def approve_on_worker(self, ctx: Any, code: str, *, device_id: str | None = None,
                          counter: int | None = None, name: str | None = None) -> dict[str, Any]:
        """Approve ``code`` (runs as an admin op on the engine worker)."""
        self._guard()
        p = self._find(code)
        device = device_id or p.device.id
        number = counter if counter is not None else (p.device.counter or None)
        if p.device.role != "counter":
            number = None
        elif number is None:
            raise EngineError("bad_args", f"{device} is a counter terminal: approve with --counter N")
        label = name if name is not None else p.device.name
        creds = ctx.ops.execute(ctx, "admin.device_add", {"device": device, "role": p.device.role,
                                                           "counter": number, "name": label})
        payload = {"device": device, "username": creds["username"], "password": creds["password"],
                   "role": p.device.role, "counter": number or 0, "name": label, "site": self.site}
        with self._lock:
            if p.status != "pending":
                raise EngineError("conflict", f"code {p.code} is no longer pending")
            p.sealed = crypto.Ephemeral().seal(p.epk, payload, wire.creds_aad(p.rid))
            p.status = "approved"
            p.result = {"device": device, "role": p.device.role, "counter": number, "name": label,
                        "site": self.site, "code": p.code}
            self._answer(p)
        log.info("pairing code %s approved: device %s (%s)", p.code, device, p.device.role)
        return dict(p.result)

    def reject(self, code: str) -> dict[str, Any]:
        self._guard()
        p = self._find(code)
        with self._lock:
            p.status = "rejected"
            self._answer(p)
        log.info("pairing code %s rejected (device %s)", p.code, p.device.id)
        return {"code": p.code, "device": p.device.id}

    def approve(self, code: str, **kwargs: Any) -> dict[str, Any]:
        """Approve from any thread but the worker's (web app, tests): goes through the worker."""
        return self.hub.worker.call("admin.pairing_approve", {"code": code, **kwargs})


# ---- admin ops (``sorra hub device pending|approve|reject``, the admin page) ---------------------


def _service(ctx: Any) -> PairingService:
    svc = getattr(ctx.hub, "pairing", None)
    if svc is None:
        raise EngineError("conflict", "pairing is not running on this hub")
    return svc


def _pending_op(ctx: Any, a: Any) -> dict[str, Any]:
    return _service(ctx).pending()


def _approve_op(ctx: Any, a: Any) -> dict[str, Any]:
    a = a if isinstance(a, dict) else {}
    counter = a.get("counter")
    if counter is not None and (not isinstance(counter, int) or isinstance(counter, bool)):
        raise EngineError("bad_args", "counter: a number 1–999")
    return _service(ctx).approve_on_worker(ctx, str(a.get("code", "")), device_id=a.get("device") or None,
                                           counter=counter, name=a.get("name"))


def _reject_op(ctx: Any, a: Any) -> dict[str, Any]:
    return _service(ctx).reject(str((a or {}).get("code", "")))


def register_ops(ops: Any) -> None:
    """Add the pairing ops to a hub's ops (``hub.ops.OpRegistry``)."""
    from hub.ops import OpSpec

    ops.add(OpSpec("admin.pairing_pending", _pending_op))
    ops.add(OpSpec("admin.pairing_approve", _approve_op))
    ops.add(OpSpec("admin.pairing_reject", _reject_op))


def start_pairing(hub: Any) -> Callable[[], None]:
    """Hook for :meth:`hub.app.Hub.start`; returns the matching stop."""
    svc = PairingService(hub, hub_identity(hub))
    hub.pairing = svc
    svc.start()
    if not svc.wait_ready(10):
        log.warning("the pairing service is not connected to the broker yet; it keeps trying")

    def stop() -> None:
        svc.stop()
        hub.pairing = None

    return stop


# ---- ``sorra hub device pending | approve CODE | reject CODE`` -------------------------------------


def add_cli_parsers(dsub: Any, common: Any) -> None:
    pend = dsub.add_parser("pending", parents=[common],
                           help="pairing codes waiting for approval, and unpaired devices seen on the LAN")
    pend.add_argument("--json", action="store_true")
    appr = dsub.add_parser("approve", parents=[common], help="approve the code a new device shows")
    appr.add_argument("code", help="the six digits on the device's screen (123456 or '123 456')")
    appr.add_argument("--id", default=None, help="device id (default: the one the device proposes)")
    appr.add_argument("--counter", type=int, default=None, help="counter number (counter terminals)")
    appr.add_argument("--name", default=None, help="a name for the admin pages")
    rej = dsub.add_parser("reject", parents=[common], help="refuse a pairing request")
    rej.add_argument("code")


def run_cli(args: Any, admin: Any) -> int:
    import sys

    if admin.info is None:
        print("sorra hub: the hub is not running; pairing codes live in the running hub "
              "(start it with 'sorra hub run')", file=sys.stderr)
        return 1
    if args.action == "pending":
        data = admin.call("admin.pairing_pending", {})
        if args.json:
            print(json.dumps(data, ensure_ascii=False))
            return 0
        hub = data["hub"]
        print(f"Hub of site {hub['site']!r}, key {hub['short']} (devices show this when they pair)")
        if hub.get("pairing_secret"):
            print(f"Devices pair on port {hub['mqtt_port']}{' (TLS)' if hub.get('tls') else ''}; with a manual "
                  f"hub address set hub.pairing_secret {hub['pairing_secret']}")
        if not data["pending"]:
            print("No pairing requests are waiting.")
        for p in data["pending"]:
            what = p["role"] + (f" counter {p['counter']}" if p.get("counter") else "")
            warn = "  (replaces the existing device!)" if p["replaces"] else ""
            where = ", ".join(p["addresses"]) or p["host"]
            print(f"  {p['code']}  {p['id']:<20} {what:<16} {p['name'] or '-':<16} {where}  "
                  f"expires in {p['expires_in_s'] // 60} min{warn}")
        if data["seen"]:
            print("Seen on the network, not paired with this hub (mDNS; may linger a while after they stop):")
            for d in data["seen"]:
                note = f" paired with another hub (site {d['site']})" if d["paired_elsewhere"] else ""
                print(f"  {d['id'] or '?':<20} {d['role']:<8} v{d['version'] or '?':<8} "
                      f"{', '.join(d['addresses'])}{note}")
        return 0
    if args.action == "approve":
        payload: dict[str, Any] = {"code": args.code}
        if args.id:
            payload["device"] = args.id
        if args.counter is not None:
            payload["counter"] = args.counter
        if args.name is not None:
            payload["name"] = args.name
        r = admin.call("admin.pairing_approve", payload)
        where = f" at counter {r['counter']}" if r.get("counter") else ""
        print(f"approved: {r['device']} ({r['role']}{where}) is paired and receives its credentials")
        return 0
    r = admin.call("admin.pairing_reject", {"code": args.code})
    print(f"rejected the request of {r['device']} (code {r['code']})")
    return 0
