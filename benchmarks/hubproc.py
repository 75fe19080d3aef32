"""The pieces of an end-to-end hub benchmark: a real ``sorra hub run`` process and client processes.

* :class:`HubProcess` prepares a data directory (services, counters, device
  accounts, a web API token) the way ``sorra hub …`` does without a running
  hub, starts ``sorra hub run`` (which supervises its own Mosquitto and opens
  its SQLite file, WAL + ``synchronous=FULL``) with the web app on, and reads
  the hub's CPU time and RSS from ``/proc``.
* :class:`ClientProcess` is a separate Python process holding paired devices
  (:class:`sorra.bus.BusClient`, as the device apps use) and running what it
  is told over a pipe: sequential round trips, closed-loop load, a steady
  rate, presses, a display listening for calls, an MQTT echo.
* :class:`SseClient` is a live dashboard client (server-sent events).
* :func:`sqlite_floor` is the raw single-row commit rate on the same disk.

Times taken in different processes are compared with ``time.monotonic()``
(CLOCK_MONOTONIC, one clock for the whole machine).
"""

from __future__ import annotations

import http.client
import json
import multiprocessing as mp
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from concurrent.futures import wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sorra.bus import BusClient, BusSettings

HOST = "127.0.0.1"
SITE = "office"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    """A free port below Linux's ephemeral range (32768–60999).

    The hub keeps its ports across a restart (the benchmark starts it twice); a port the OS
    hands out for outgoing connections could be taken in between by one of the clients.
    """
    import random
    import socket

    for _ in range(200):
        port = random.randrange(20000, 32000)
        with socket.socket() as s:
            try:
                s.bind((HOST, port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port between 20000 and 32000")


def machine_load() -> dict[str, Any]:
    one, five, fifteen = os.getloadavg()
    return {"loadavg": [round(one, 2), round(five, 2), round(fifteen, 2)], "cpu_count": os.cpu_count()}


# ---- the hub -----------------------------------------------------------------------------------------

@dataclass
class Device:
    device: str
    role: str
    counter: int | None
    settings: BusSettings


class HubProcess:
    def __init__(self, data: Path, *, services: list[str], counters: int, kiosks: int) -> None:
        self.data = data
        self.mqtt_port = free_port()
        self.http_port = free_port()
        self.services = services
        self.devices: dict[str, Device] = {}
        self.proc: subprocess.Popen | None = None
        self._prepare(counters, kiosks)

    def _prepare(self, counters: int, kiosks: int) -> None:
        from hub.cli import _Admin

        admin = _Admin(self.data)  # no hub runs yet: straight on the database, as the CLI does
        admin.call("admin.settings", {"call_guard_s": 0})  # Next as fast as the hub answers: no double-tap guard
        for sid in self.services:
            admin.call("admin.service_upsert", {"id": sid, "names": {"hu": sid, "en": sid}, "prefix": sid})
        wanted = [(f"kiosk-{i}", "kiosk", None) for i in range(1, kiosks + 1)]
        wanted += [(f"counter-{n}", "counter", n) for n in range(1, counters + 1)]
        wanted += [("display-1", "display", None)]
        for device, role, counter in wanted:
            creds = admin.call("admin.device_add", {"device": device, "role": role, "counter": counter})
            self.devices[device] = Device(device, role, counter, BusSettings(
                HOST, self.mqtt_port, creds["username"], creds["password"], SITE, device, role))
        # A web account for the live dashboard's client (signs in like a manager's browser).
        self.web_user, self.web_password = "bench", "bench-" + os.urandom(6).hex()
        subprocess.run([sys.executable, "-m", "sorra.cli", "hub", "user", "add", self.web_user, "--role", "admin",
                        "--password-stdin", "--data", str(self.data)], input=self.web_password + "\n",
                       capture_output=True, text=True, check=True, timeout=60)

    def start(self) -> None:
        env = {**os.environ, "SORRA_LOG_LEVEL": "WARNING"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "sorra.cli", "hub", "run", "--data", str(self.data), "--site", SITE,
             "--mqtt-port", str(self.mqtt_port), "--http-port", str(self.http_port), "--bind", HOST],
            env=env, stdin=subprocess.DEVNULL)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)

    def install(self, timeout: float = 90) -> None:
        """Start the hub once and stop it, as an office's hub has started before every day but the first.

        The first start makes the hub's CA, certificates and key pair (the cryptography library,
        ~8 MB, stays loaded in that process); later starts find them checked and do not load it."""
        self.start()
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    conn = http.client.HTTPConnection(HOST, self.http_port, timeout=5)
                    conn.request("GET", "/")
                    conn.getresponse().read()
                    conn.close()
                    break
                except OSError:
                    if time.monotonic() > deadline or (self.proc is not None and self.proc.poll() is not None):
                        raise RuntimeError("the hub did not come up") from None
                    time.sleep(0.2)  # polling a port that is not open yet
        finally:
            self.stop()

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def cpu_s(self) -> float:
        """User + system CPU seconds of the hub process (all its threads; not its Mosquitto)."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")


# ---- client processes ----------------------------------------------------------------------------------

def _client_main(conn: Any, devices: list[Device]) -> None:
    """A client process: connects its devices, then runs commands from the pipe until ``quit``."""
    clients: dict[str, BusClient] = {}
    hub_online = threading.Event()
    calls: dict[str, float] = {}
    listening = threading.Event()
    for d in devices:
        c = BusClient(d.settings)
        if not clients:
            c.subscribe_status(lambda s, p: s == "device/hub/status" and p and p.get("online") and hub_online.set())
        if d.role == "display":
            def on_call(_suffix: str, payload: Any) -> None:
                if listening.is_set() and isinstance(payload, dict) and not payload.get("recall"):
                    calls.setdefault(payload.get("ticket", ""), time.monotonic())
            c.subscribe_event("call", on_call)
        c.start()
        clients[d.device] = c
    ok = all(c.wait_connected(60) for c in clients.values()) and hub_online.wait(60)
    conn.send({"ready": ok})
    while True:
        cmd = conn.recv()
        kind = cmd["cmd"]
        try:
            if kind == "quit":
                break
            if kind == "seq":
                conn.send(_seq(clients, cmd["steps"], cmd["n"]))
            elif kind == "closed":
                conn.send(_closed(clients, cmd["op"], cmd["n"], cmd.get("window", 1)))
            elif kind == "rate":
                conn.send(_rate(clients[cmd["device"]], cmd["op"], cmd["per_s"], cmd["seconds"]))
            elif kind == "listen":
                calls.clear()
                listening.set()
                conn.send({"ok": True})
            elif kind == "heard":
                listening.clear()
                conn.send(dict(calls))
            elif kind == "echo":
                conn.send(_echo(cmd["port"], cmd["n"]))
            else:
                conn.send({"error": f"unknown command {kind}"})
        except Exception as err:  # report, never hang the orchestrator
            conn.send({"error": repr(err)})
    for c in clients.values():
        c.stop()


def _seq(clients: dict[str, BusClient], steps: list[list[str]], n: int) -> dict[str, Any]:
    """``n`` rounds of ``steps`` ([device, op], …), one request at a time; latency per op."""
    out: dict[str, list[float]] = {}
    presses: list[tuple[float, str | None]] = []
    for _ in range(n):
        for device, op in steps:
            args = {"services": ["A"]} if op == "ticket.issue" else {}
            t0 = time.monotonic()
            result = clients[device].request(op, args).result(30)
            t1 = time.monotonic()
            out.setdefault(op, []).append(t1 - t0)
            if op == "counter.call_next":
                t = result.get("ticket") if isinstance(result, dict) else None
                presses.append((t0, t["id"] if t else None))
    return {"latency": out, "presses": presses}


def _closed(clients: dict[str, BusClient], op: str, n: int, window: int) -> dict[str, Any]:
    """Every client of this process (of the op's role) sends ``n`` requests, ``window`` in flight."""
    role = "kiosk" if op == "ticket.issue" else "counter"
    mine = [c for name, c in clients.items() if name.startswith(role)]
    lat: list[float] = []
    errors = [0]
    empty = [0]
    lock = threading.Lock()

    def run(c: BusClient) -> None:
        local: list[float] = []
        sent = 0
        while sent < n:
            burst = min(window, n - sent)
            starts = []
            futs = []
            for i in range(burst):
                args = {"services": ["AB"[(sent + i) % 2]]} if op == "ticket.issue" else {}
                starts.append(time.monotonic())
                futs.append(c.request(op, args))
            wait(futs, timeout=60)
            end = time.monotonic()
            for t0, f in zip(starts, futs, strict=True):
                try:
                    result = f.result(0)
                    if op == "counter.call_next" and not result.get("ticket"):
                        with lock:
                            empty[0] += 1
                except Exception:
                    with lock:
                        errors[0] += 1
                local.append(end - t0 if window > 1 else end - t0)
            sent += burst
        with lock:
            lat.extend(local)

    t0 = time.monotonic()
    threads = [threading.Thread(target=run, args=(c,)) for c in mine]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"latency": lat, "start": t0, "end": time.monotonic(), "errors": errors[0], "empty": empty[0]}


def _rate(c: BusClient, op: str, per_s: float, seconds: float) -> dict[str, Any]:
    gap = 1.0 / per_s
    start = time.monotonic()
    futs = []
    i = 0
    while True:
        due = start + i * gap
        now = time.monotonic()
        if due - start >= seconds:
            break
        if due > now:
            time.sleep(due - now)  # pacing a steady load, not waiting for an outcome
        futs.append(c.request(op, {"services": ["AB"[i % 2]]} if op == "ticket.issue" else {}))
        i += 1
    done, _ = wait(futs, timeout=60)
    return {"sent": len(futs), "answered": len(done), "seconds": time.monotonic() - start}


class RawBroker:
    """A bare Mosquitto (same binary, anonymous, no persistence) for the raw MQTT floor.

    The floor must not log in to the hub's broker: with ``use_username_as_clientid``
    a second login as an existing account would throw that account's client off.
    """

    def __init__(self, folder: Path) -> None:
        from tests.broker_fixture import free_port

        self.port = free_port()
        folder.mkdir(parents=True, exist_ok=True)
        self.conf = folder / "raw-mosquitto.conf"
        # the same socket settings as the hub's broker (hub/broker/_config.py)
        self.conf.write_text(f"listener {self.port} {HOST}\nallow_anonymous true\npersistence false\n"
                             "set_tcp_nodelay true\nmax_inflight_messages 20\n")
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        import shutil

        exe = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        self.proc = subprocess.Popen([exe, "-c", str(self.conf)], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


def _mqtt_client(port: int, name: str) -> Any:
    import socket

    import paho.mqtt.client as mqtt

    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"{name}-{os.getpid()}", protocol=mqtt.MQTTv5)

    def nodelay(_c: Any, _u: Any, sock: Any) -> None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    client.on_socket_open = nodelay
    deadline = time.monotonic() + 10
    while True:  # the raw broker may still be starting
        try:
            client.connect(HOST, port)
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    return client


def echo_responder(port: int) -> Any:
    """In the orchestrator's process: answer every ``echo/req`` on ``echo/resp`` (QoS 1), as a hub would."""
    client = _mqtt_client(port, "echo-responder")
    ready = threading.Event()
    client.on_subscribe = lambda *a: ready.set()
    client.on_message = lambda c, u, msg: c.publish("echo/resp", msg.payload, qos=1)
    client.loop_start()
    client.subscribe("echo/req", qos=1)
    if not ready.wait(10):
        raise TimeoutError("echo responder could not subscribe")
    return client


def _echo(port: int, n: int) -> dict[str, Any]:
    """MQTT 5 QoS 1 round trip through another process: publish → responder → back (no hub, no fsync)."""
    got = threading.Event()
    client = _mqtt_client(port, "echo")
    subscribed = threading.Event()
    client.on_subscribe = lambda *a: subscribed.set()
    client.on_message = lambda *a: got.set()
    client.loop_start()
    try:
        client.subscribe("echo/resp", qos=1)
        assert subscribed.wait(10)
        samples = []
        for _ in range(n + 20):
            got.clear()
            t0 = time.monotonic()
            client.publish("echo/req", b"echo", qos=1)
            if not got.wait(10):
                raise TimeoutError("echo lost")
            samples.append(time.monotonic() - t0)
        return {"latency": samples[20:]}
    finally:
        client.loop_stop()
        client.disconnect()


class ClientProcess:
    """A separate process holding ``devices``; :meth:`run` sends a command and waits for its answer."""

    def __init__(self, devices: list[Device]) -> None:
        ctx = mp.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_client_main, args=(child, devices), daemon=True)
        self.proc.start()

    def ready(self, timeout: float = 90) -> bool:
        return bool(self.conn.poll(timeout) and self.conn.recv().get("ready"))

    def send(self, **cmd: Any) -> None:
        self.conn.send(cmd)

    def answer(self, timeout: float = 900) -> Any:
        if not self.conn.poll(timeout):
            raise TimeoutError("a client process did not answer")
        out = self.conn.recv()
        if isinstance(out, dict) and "error" in out:
            raise RuntimeError(f"client process: {out['error']}")
        return out

    def run(self, timeout: float = 900, **cmd: Any) -> Any:
        self.send(**cmd)
        return self.answer(timeout)

    def close(self) -> None:
        try:
            self.conn.send({"cmd": "quit"})
        except (BrokenPipeError, OSError):
            pass
        self.proc.join(20)
        if self.proc.is_alive():
            self.proc.kill()


# ---- the web's live dashboard --------------------------------------------------------------------------

class SseClient:
    """Signs in, holds ``GET /api/v1/live/dashboard`` open and counts the updates it receives."""

    def __init__(self, port: int, user: str, password: str) -> None:
        self.port, self.user, self.password = port, user, password
        self.updates = 0
        self.first = threading.Event()
        self._stop = False
        self._conn: http.client.HTTPConnection | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self, timeout: float = 60) -> bool:
        self._thread.start()
        return self.first.wait(timeout)

    def _run(self) -> None:
        deadline = time.monotonic() + 60
        while not self._stop:
            try:
                self._conn = http.client.HTTPConnection(HOST, self.port, timeout=120)
                self._conn.request("POST", "/api/v1/auth/login", body=json.dumps(
                    {"name": self.user, "password": self.password}), headers={"Content-Type": "application/json"})
                login = self._conn.getresponse()
                login.read()
                cookie = (login.getheader("set-cookie") or "").split(";", 1)[0]
                if login.status != 200 or not cookie:
                    raise OSError(f"sign-in: HTTP {login.status}")
                self._conn.request("GET", "/api/v1/live/dashboard",
                                   headers={"Cookie": cookie, "Accept": "text/event-stream"})
                resp = self._conn.getresponse()
                if resp.status != 200:
                    raise OSError(f"HTTP {resp.status}")
                while not self._stop:
                    line = resp.readline()
                    if not line:
                        break
                    if line.startswith(b"data:"):
                        self.updates += 1
                        self.first.set()
            except OSError:
                if time.monotonic() > deadline:
                    return
                time.sleep(0.2)  # the web server is still starting: try again

    def stop(self) -> None:
        self._stop = True
        if self._conn is not None:
            try:
                self._conn.sock and self._conn.sock.shutdown(2)  # type: ignore[func-returns-value]
            except OSError:
                pass


# ---- the raw floors --------------------------------------------------------------------------------------

def sqlite_floor(directory: Path, seconds: float = 2.0) -> dict[str, Any]:
    """Single-row INSERT transactions per second, WAL + synchronous=FULL, on the hub's disk."""
    path = directory / "floor.db"
    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, data TEXT)")
    n = 0
    t0 = time.monotonic()
    while time.monotonic() - t0 < seconds:
        conn.execute("BEGIN")
        conn.execute("INSERT INTO t(data) VALUES (?)", ['{"type":"ticket.issued","x":1}'])
        conn.execute("COMMIT")
        n += 1
    elapsed = time.monotonic() - t0
    conn.close()
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    return {"commits_per_s": round(n / elapsed, 1), "n": n}
