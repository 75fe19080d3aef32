"""The office's ticket layout, edited on the hub's admin page, is what the kiosk prints.

The web app stores the layout and publishes it retained on
``state/config/{device}`` (``hub/web/kv.py``); the kiosk app prints with it and
falls back to its own layout when the hub's is empty or unusable.
"""

from __future__ import annotations

from hub.web import kv
from kiosk.app import KioskApp
from kiosk.model import PrintState, Screen
from sorra.config import parse
from tests.kiosk.conftest import Pump
from tests.kiosk.escpos_decode import decode

OFFICE_LAYOUT = """
[[block]]
type = "text"
text = { hu = "Kormányablak Próbafalva", en = "Government Window Testville" }
align = "center"

[[block]]
type = "text"
text = "{number}"
size = 4

[[block]]
type = "cut"
"""


def kiosk_app(h, pump: Pump) -> KioskApp:
    settings = h.device_settings("kiosk-1", "kiosk")
    cfg = parse({"device": {"id": "kiosk-1", "role": "kiosk", "site": h.site, "lang": "hu"},
                 "hub": {"host": settings.host, "mqtt_port": settings.port, "username": settings.username,
                         "password": settings.password},
                 "kiosk": {"offline_grace_s": 0}, "printer": {"type": "dummy"}})
    return KioskApp(cfg, invoke=pump)


def print_ticket(app: KioskApp, pump: Pump) -> str:
    """A citizen takes a ticket; the printed job's text."""
    ctl = app.controller
    pump.until(lambda: ctl.state.screen is Screen.START, "start screen")
    # Room-wide state comes at most every ROOM_STATE_EVERY_S: wait for the service to be on offer.
    pump.until(lambda: any(s.id == "A" and s.open for s in ctl.state.services), "service A on offer")
    ctl.get_ticket()
    ctl.choose_service("A")
    ctl.confirm()
    pump.until(lambda: ctl.state.ticket is not None and ctl.state.ticket.print_state is PrintState.PRINTED, "printed")
    job = decode(app.device.printer.jobs[-1]).joined
    ctl.done()
    return job


def test_the_kiosk_prints_the_layout_the_hub_publishes(hub_factory):
    h = hub_factory(web=True)
    h.admin.add_service("A", names={"hu": "Okmány", "en": "Documents"}, prefix="A")
    web = h.hub.web.app.state.web
    pump = Pump()
    app = kiosk_app(h, pump)
    statuses: list[dict] = []
    h.hub.bus.listeners.append(
        lambda suffix, p: statuses.append(p) if suffix == "presence" and p.get("device") == "kiosk-1" else None)
    app.start()
    try:
        pump.until(lambda: app.controller.online, "online")
        assert "Az Ön sorszáma" in print_ticket(app, pump)  # the built-in layout

        kv.set_layout(web.db(), OFFICE_LAYOUT)
        assert kv.publish_layout(web) == 1
        pump.until(lambda: app.layout_source.startswith("hub "), "the hub's layout")
        job = print_ticket(app, pump)
        assert "Kormányablak Próbafalva" in job and "Az Ön sorszáma" not in job
        pump.until(lambda: any((s.get("ticket_layout") or "").startswith("hub ") for s in statuses),
                   "the kiosk reports the layout it prints with")

        # a layout the kiosk cannot read (the hub checks, but it may be older or newer than the kiosk): its own
        h.hub.bus.publish_device_config("kiosk-1", {"ticket_template": '[[block]]\ntype = "hologram"\n',
                                                    "ticket_template_version": "x"})
        pump.until(lambda: app.layout_source.startswith("local (the hub's layout is invalid"), "fallback")
        assert "Az Ön sorszáma" in print_ticket(app, pump)

        # the manager empties the layout: the kiosk's own again
        kv.set_layout(web.db(), OFFICE_LAYOUT)
        kv.publish_layout(web)
        pump.until(lambda: app.layout_source.startswith("hub "), "the hub's layout again")
        kv.set_layout(web.db(), "")
        kv.publish_layout(web)
        pump.until(lambda: app.layout_source == "local", "back to the local layout")
        assert "Az Ön sorszáma" in print_ticket(app, pump)
    finally:
        app.stop()
