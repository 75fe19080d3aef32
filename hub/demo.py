"""``sorra demo``: the whole system on this machine.

Starts a hub (with its own Mosquitto and the web app) on a demo data
directory, sets up a small office (four services, four counters, clerks),
pairs one kiosk, one counter terminal and one display, starts those three
apps as real processes, and runs a traffic generator so that tickets are
issued and called by the other counters. ``--headless`` runs the apps with
Qt's offscreen platform (no screen needed); everything else is the same.
Ctrl+C stops it all.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import shutil
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from hub.app import Hub, HubConfig
from hub.store import connect
from sorra.bus import BusClient, BusSettings, RequestError
from sorra.config import DeviceConfig, save
from sorra.stopsignals import stop_on_signals

log = logging.getLogger("sorra.demo")

SERVICES = [
    {"id": "okmany", "prefix": "A", "names": {"hu": "Okmányügyek", "en": "Identity documents"},
     "info": {"hu": "Hozza magával a régi igazolványát és a lakcímkártyáját.",
              "en": "Bring your old ID card and your address card."},
     "group": "Okmányok", "sla_s": 900, "mean_service_s": 240},
    {"id": "jarmu", "prefix": "B", "names": {"hu": "Gépjárműügyek", "en": "Vehicles"},
     "info": {"hu": "Forgalmi engedély, adásvételi szerződés.", "en": "Registration certificate, sales contract."},
     "group": "Okmányok", "sla_s": 1200, "mean_service_s": 420},
    {"id": "ado", "prefix": "C", "names": {"hu": "Adóügyek", "en": "Taxes"},
     "info": {"hu": "Adóazonosító jel.", "en": "Tax identification number."},
     "group": "Pénzügyek", "sla_s": 900, "mean_service_s": 300},
    {"id": "anyakonyv", "prefix": "D", "names": {"hu": "Anyakönyvi ügyek", "en": "Civil registry"},
     "info": {"hu": "Születési vagy házassági anyakönyvi kivonat.", "en": "Birth or marriage certificate."},
     "group": "Családi ügyek", "sla_s": 1800, "mean_service_s": 360},
]
COUNTERS = [
    (1, "1-es ablak", [("okmany", 3), ("jarmu", 1)]),
    (2, "2-es ablak", [("okmany", 1), ("jarmu", 3)]),
    (3, "3-as ablak", [("ado", 2), ("anyakonyv", 1)]),
    (4, "4-es ablak", []),
]
DEMO_ADMIN = ("admin", "sorra-demo-2026")
CLERKS = [("kata", "Kovács Kata", "1234"), ("peter", "Nagy Péter", "2345"), ("anna", "Szabó Anna", "3456"),
          ("zoltan", "Tóth Zoltán", "4567")]
SIM_CLERKS = {2: ("peter", "2345"), 3: ("anna", "3456"), 4: ("zoltan", "4567")}
"""Who signs in at each simulated counter (counter 1 is the real app: kata)."""


def _port(preferred: int) -> int:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", preferred))
            return preferred
        except OSError:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]


OUTCOMES = [
    ("resolved", "Elintézve", "Settled", True),
    ("info", "Tájékoztatás", "Information given", True),
    ("docs", "Hiánypótlás", "Documents missing", False),
]
"""Outcome (wrap-up) codes the demo clerks pick when finishing."""


def _setup_office(hub: Hub) -> None:
    call = hub.worker.call
    call("admin.settings", {"office_names": {"hu": "Sorra Kormányablak (demó)", "en": "Sorra Government Office (demo)"}})
    for code, hu, en, resolved in OUTCOMES:
        call("admin.outcome_upsert", {"code": code, "names": {"hu": hu, "en": en}, "resolved": resolved})
    for svc in SERVICES:
        call("admin.service_upsert", svc)
    for number, name, profile in COUNTERS:
        call("admin.counter_upsert", {"number": number, "name": name,
                                      "profile": [{"service": s, "weight": w} for s, w in profile]})
    for cid, name, pin in CLERKS:
        call("admin.clerk_upsert", {"id": cid, "name": name, "pin": pin, "may_edit_profile": cid == "kata"})
    try:
        from hub.web import accounts
    except ImportError:
        return
    conn = connect(hub.data_dir / "sorra.db")
    try:
        accounts.add_user(conn, DEMO_ADMIN[0], "admin", DEMO_ADMIN[1], replace=True)
    finally:
        conn.close()


def _device_config(hub: Hub, device: str, role: str, creds: dict[str, Any], data: Path,
                   counter: int | None = None) -> Path:
    cfg = DeviceConfig()
    cfg.device.id, cfg.device.role, cfg.device.site, cfg.device.name = device, role, hub.config.site, device
    cfg.hub.host, cfg.hub.mqtt_port, cfg.hub.web_port = "127.0.0.1", hub.device_port, hub.config.http_port
    if hub.tls is not None:  # the apps talk TLS like devices on a LAN, trusting the hub's CA
        cfg.hub.tls, cfg.hub.ca = True, hub.tls.ca_pem
    cfg.hub.username = creds["username"]
    cfg.hub.password = creds["password"]  # type: ignore[assignment]
    cfg.hub.mdns_interfaces = ["127.0.0.1"]
    cfg.kiosk.fullscreen = cfg.display.fullscreen = False
    cfg.printer.type = "file"
    cfg.printer.path = str(data / "printed-tickets.bin")  # every ticket, appended
    cfg.printer.preview = str(data / "last-ticket.png")
    cfg.gpio.pin_factory = "mock"
    cfg.serial_display.model = "dummy"
    cfg.display.resolution = "1280x720"
    cfg.display.media_cache = str(data / "media-cache")
    cfg.audio.mode = "voice" if _has_sound_card() else "silent"
    if counter is not None:
        cfg.counter.number = counter
    return save(cfg, data / "devices" / f"{device}.toml")


def _has_sound_card() -> bool:
    cards = Path("/proc/asound/cards")
    return cards.exists() and "no soundcards" not in cards.read_text() and bool(shutil.which("aplay"))


class Traffic:
    """Citizens arrive; clerks at the simulated counters call and serve them."""

    def __init__(self, hub: Hub, kiosk: BusSettings, counters: dict[int, BusSettings], rate_s: float) -> None:
        self.hub = hub
        self.stop = threading.Event()
        self.rate_s = rate_s
        self.kiosk = BusClient(kiosk)
        self.counters = {n: BusClient(s) for n, s in counters.items()}
        self.threads: list[threading.Thread] = []

    def start(self) -> None:
        for c in [self.kiosk, *self.counters.values()]:
            c.start()
        self.threads.append(threading.Thread(target=self._arrivals, daemon=True))
        for n, c in self.counters.items():
            self.threads.append(threading.Thread(target=self._clerk, args=(n, c), daemon=True))
        for t in self.threads:
            t.start()

    def _arrivals(self) -> None:
        rng = random.Random(1)
        while not self.stop.wait(rng.expovariate(1 / self.rate_s)):
            services = [rng.choice(SERVICES)["id"]]
            if rng.random() < 0.15:
                services.append(rng.choice([s["id"] for s in SERVICES if s["id"] != services[0]]))
            try:
                t = self.kiosk.call("ticket.issue", {"services": services, "priority": rng.random() < 0.1})["ticket"]
                log.info("ticket %s issued (%s), %d ahead, ~%d min", t["number"], "+".join(services),
                         t["ahead"], t["est_wait_s"] // 60)
                if rng.random() < 0.25 and t["ahead"] > 2:  # some citizens follow their ticket by SMS
                    self._follow(t, rng)
            except (RequestError, TimeoutError) as err:
                log.warning("kiosk: %s", err)

    def _follow(self, t: dict[str, Any], rng: random.Random) -> None:
        from hub.engine import EngineError
        from hub.notify.demo import follow_ticket

        phone = f"+3630{rng.randrange(1000000, 9999999)}"
        try:
            follow_ticket(self.hub, t["token"], phone)
            log.info("ticket %s followed by SMS at %s", t["number"], phone)
        except EngineError as err:
            log.warning("following %s: %s", t["number"], err)

    def _clerk(self, number: int, client: BusClient) -> None:
        rng = random.Random(number)
        clerk, pin = SIM_CLERKS[number]
        try:
            # Signs in like a real clerk, so the counter shows who serves there.
            client.call("clerk.login", {"clerk": clerk, "pin": pin})
        except (RequestError, TimeoutError) as err:
            log.warning("counter %d: %s signs in: %s", number, clerk, err)
        while not self.stop.wait(rng.uniform(4, 10)):
            try:
                t = client.call("counter.call_next")["ticket"]
                if t is None:
                    continue
                if rng.random() < 0.3:
                    self.stop.wait(2)
                    client.call("counter.recall")
                client.call("counter.start")
                if self.stop.wait(rng.uniform(6, 16)):
                    return
                client.call("counter.finish", {"marks": ["resolved"]})
            except (RequestError, TimeoutError) as err:
                log.warning("counter %d: %s", number, err)

    def close(self) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(5)
        for c in self.counters.values():
            try:
                c.call("clerk.logout", timeout=5)
            except (RequestError, TimeoutError):
                pass
        for c in [self.kiosk, *self.counters.values()]:
            c.stop()


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="sorra demo", description=__doc__.split("\n\n")[0])
    p.add_argument("--headless", action="store_true", help="no screen: run the apps offscreen")
    p.add_argument("--data", default=os.environ.get("SORRA_DEMO_DATA", "var/demo"))
    p.add_argument("--fresh", action="store_true", help="start from an empty office")
    p.add_argument("--rate", type=float, default=6.0, help="mean seconds between arriving citizens")
    p.add_argument("--no-apps", action="store_true", help="hub, web and traffic only")
    args = p.parse_args(argv)

    data = Path(args.data).resolve()
    if args.fresh and data.exists():
        shutil.rmtree(data)
    data.mkdir(parents=True, exist_ok=True)
    hub = Hub(HubConfig(data_dir=data / "hub", site="office", mqtt_port=_port(18830), http_port=_port(8080),
                        bind="127.0.0.1", mdns_interfaces=["127.0.0.1"]))
    hub.start()
    stop = stop_on_signals()
    procs: list[subprocess.Popen] = []
    traffic = None
    from hub.notify.demo import DemoChannels, book_examples

    channels = DemoChannels(data, _port(2525)).start()  # a local SMTP server and a modem emulator
    try:
        _setup_office(hub)
        channels.configure(hub.data_dir / "sorra.db")
        booked = book_examples(hub, SERVICES[0]["id"])
        creds = {}
        for device, role, counter in [("kiosk-1", "kiosk", None), ("counter-1", "counter", 1),
                                      ("display-1", "display", None), ("sim-kiosk", "kiosk", None),
                                      ("sim-counter-2", "counter", 2), ("sim-counter-3", "counter", 3),
                                      ("sim-counter-4", "counter", 4)]:
            creds[device] = hub.worker.call("admin.device_add", {"device": device, "role": role, "counter": counter})

        def settings(device: str, role: str) -> BusSettings:
            c = creds[device]
            return BusSettings("127.0.0.1", hub.config.mqtt_port, c["username"], c["password"], "office", device, role)

        env = {**os.environ}
        if args.headless:
            env["QT_QPA_PLATFORM"] = "offscreen"
        if not args.no_apps:
            for device, role, counter in [("kiosk-1", "kiosk", None), ("counter-1", "counter", 1),
                                          ("display-1", "display", None)]:
                path = _device_config(hub, device, role, creds[device], data, counter)
                command = "counter" if role == "counter" else role
                log_file = open(data / f"{device}.log", "ab")  # noqa: SIM115 - lives as long as the app
                procs.append(subprocess.Popen([sys.executable, "-m", "sorra.cli", command, "--config", str(path)],
                                              env=env, stdout=log_file, stderr=subprocess.STDOUT))
        traffic = Traffic(hub, settings("sim-kiosk", "kiosk"),
                          {n: settings(f"sim-counter-{n}", "counter") for n in (2, 3, 4)}, args.rate)
        traffic.start()
        print(f"""
Sorra demo is running ({'headless' if args.headless else 'with windows'}).
  web (dashboard, admin, booking): {hub.public_url}/   (sign in: {DEMO_ADMIN[0]} / {DEMO_ADMIN[1]})
  office status:                   {hub.public_url}/status
  broker:                          mqtt://127.0.0.1:{hub.config.mqtt_port} (site "office"; the apps use {"mqtts" if hub.tls else "mqtt"}://127.0.0.1:{hub.device_port})
  data:                            {data}
  apps:                            kiosk-1, counter-1 (clerk PIN kata/1234), display-1 — logs in {data}/*.log
  printed tickets (raw ESC/POS):   {data}/printed-tickets.bin (all of them)
  the last ticket as a picture:    {data}/last-ticket.png
  e-mails (.eml files):            {channels.mail_dir}/   (SMTP server 127.0.0.1:{channels.smtp_port})
  SMS (modem emulator {channels.modem.device if channels.modem else "-"}): {channels.sms_log}
  messages:                        sorra hub notify log --data {hub.data_dir}   (or /admin/notify)
Appointments {", ".join(booked)} were booked for 15 minutes from now: their confirmations are sent
now, their reminders in 5 minutes; some arriving citizens follow their ticket by SMS.
Counters 2–4 are simulated clerks; a citizen arrives every ~{args.rate:.0f} s. Ctrl+C stops everything.
""", flush=True)
        while not stop.wait(1):
            for proc in [p for p in procs if p.poll() is not None]:  # a copy: removing while iterating skips one
                log.warning("%s exited with %s; see its log", proc.args[3], proc.returncode)
                procs.remove(proc)
    finally:
        if traffic is not None:
            traffic.close()
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        hub.stop()
        channels.stop()
    return 0
