"""``sorra counter --screenshots DIR``: the clerk screens rendered to PNG (HU and EN).

Sample view models only: no hub, no GPIO. Runs offscreen when there is no display.
"""

from __future__ import annotations

import os
import time
from dataclasses import replace
from pathlib import Path

from counter_terminal.viewmodel import (
    AlertView,
    BacklogView,
    Notice,
    OutcomeView,
    ProfileRow,
    Target,
    TicketView,
    ViewModel,
    WaitingRow,
)

NAMES = {
    "hu": {"A": "Okmányügyek", "B": "Útlevél", "C": "Gépjármű", "D": "Lakcímkártya",
           "name": "3-as ablak", "c4": "4-es ablak", "c5": "5-ös ablak", "note": "Hozott fényképet; sürgős útlevél."},
    "en": {"A": "ID documents", "B": "Passport", "C": "Vehicles", "D": "Address card",
           "name": "Counter 3", "c4": "Counter 4", "c5": "Counter 5", "note": "Brought a photo; urgent passport."},
}


class _NoActions:
    def __getattr__(self, name: str):
        return lambda *a, **k: None


def samples(lang: str, now: float | None = None) -> dict[str, ViewModel]:
    """Named view models covering every page and the main states."""
    now = now or time.time()
    n = NAMES[lang]
    ticket = TicketView("t1", "A042", (n["A"], n["B"]), note=n["note"], issued_at=now - 23 * 60,
                        called_at=now - 3 * 60)
    base = ViewModel(
        page="main", lang=lang, online=True, now=now, counter=3, counter_name=n["name"],
        state="serving", clerk_id="kovacs", clerk_name="Kovács Anna", ticket=ticket,
        since=now - 2 * 60,
        waiting=(WaitingRow("A", n["A"], 7), WaitingRow("B", n["B"], 2), WaitingRow("C", n["C"], 0)),
        may_edit_profile=True,
        profile=(ProfileRow("B", n["B"], 3), ProfileRow("A", n["A"], 2), ProfileRow("C", n["C"], 1)),
        transfer_targets=(
            Target("service", "A", n["A"], ">A"), Target("service", "B", n["B"], ">B"),
            Target("service", "C", n["C"], ">C"), Target("service", "D", n["D"], ">D"),
            Target("counter", "4", n["c4"], ">4"), Target("counter", "5", n["c5"], ">5"),
        ),
        clerks=("kovacs", "nagy", "szabo", "toth"),
        clerk_names=(("kovacs", "Kovács Kata"), ("nagy", "Nagy Péter"), ("szabo", "Szabó Anna"),
                     ("toth", "Tóth Zoltán")),
        pause_reasons=("Break", "Lunch", "Meeting", "Technical problem"),
        background_kinds=("Case file", "Phone call", "E-mail", "Other"),
        enabled=frozenset({"finish_and_next", "recall", "done", "transfer", "park", "logout", "profile"}),
    )
    idle_enabled = frozenset({"next", "finish_and_next", "pause", "background", "logout", "profile", "no_shows"})
    outcomes = tuple(OutcomeView(code, name, resolved) for code, name, resolved in (
        ("DONE", "Elintézve" if lang == "hu" else "Settled", True),
        ("INFO", "Tájékoztatás" if lang == "hu" else "Information given", True),
        ("DOCS", "Hiánypótlás" if lang == "hu" else "Documents missing", False),
        ("SENT", "Más hatósághoz" if lang == "hu" else "Sent to another office", False)))
    no_shows = (TicketView("t7", "A038", (n["A"],)), TicketView("t8", "B011", (n["B"],)),
                TicketView("t6", "A031", (n["A"], n["C"])))
    return {
        "login": replace(base, page="login", state="closed", clerk_id=None, clerk_name=None,
                         ticket=None, enabled=frozenset()),
        "login-failed": replace(base, page="login", state="closed", clerk_id=None, clerk_name=None,
                                ticket=None, clerks=(), notice=Notice("login_failed", "error")),
        "serving": replace(base, notice=Notice("called", "info", {"number": "A042"})),
        "called": replace(base, state="called", since=now - 20,
                          enabled=base.enabled | {"start", "no_show"},
                          alerts=(AlertView("queue_long", "warning",
                                            "Okmányügyek: 7 waiting, longest 41 min" if lang == "en"
                                            else "Okmányügyek: 7 várakozó, a leghosszabb 41 perce"),)),
        "idle": replace(base, state="open", ticket=None, since=now - 5 * 60, enabled=idle_enabled,
                        parked=(TicketView("t9", "B013", (n["B"],)),)),
        "sending-offline": replace(base, state="open", ticket=None, online=False, pending="next",
                                   enabled=frozenset()),
        "refused": replace(base, state="open", ticket=None, online=False, refused=True,
                           enabled=idle_enabled, notice=Notice("refused_offline", "error")),
        "paused": replace(base, state="paused", ticket=None, reason="Ebéd" if lang == "hu" else "Lunch",
                          since=now - 12 * 60, enabled=idle_enabled),
        "transfer": replace(base, page="transfer"),
        "pause": replace(base, page="pause", state="open", ticket=None),
        "background": replace(base, page="background", state="open", ticket=None),
        "background-running": replace(base, page="background", state="open", ticket=None,
                                      background_kind="Phone call", background_since=now - 8 * 60,
                                      background_note="Ügyfél visszahívása, 2024/1187" if lang == "hu"
                                      else "Calling a customer back, 2024/1187"),
        "profile": replace(base, page="profile"),
        "backlog": replace(base, page="backlog", state="open", ticket=None, backlog=(
            BacklogView("bl-3", "Case file", "Autó Kft., 12 forgalmi" if lang == "hu" else "Car dealer, 12 registrations",
                        now - 95 * 60),
            BacklogView("bl-4", "Phone call", "Szabó Éva visszahívása" if lang == "hu" else "Call Ms Szabó back",
                        now - 20 * 60),
            BacklogView("bl-5", "E-mail", "", now - 4 * 60))),
        "background-with-backlog": replace(base, page="background", state="open", ticket=None,
                                           backlog=(BacklogView("bl-5", "E-mail", "", now - 4 * 60),)),
        "finish": replace(base, page="finish", outcomes=outcomes),
        "family": replace(base, ticket=TicketView("t2", "B014", (n["B"] + " ×3", n["A"]), issued_at=now - 9 * 60,
                                                  called_at=now - 60, people=3)),
        "no-shows": replace(base, page="no_shows", state="open", ticket=None, no_shows=no_shows),
        "idle-no-shows": replace(base, state="open", ticket=None, since=now - 5 * 60, enabled=idle_enabled,
                                 no_shows=no_shows, notice=Notice("too_soon", "warning")),
    }


def render(out_dir: str | os.PathLike[str], langs: tuple[str, ...] = ("hu", "en")) -> list[Path]:
    """Write ``counter-{lang}-{name}.png`` for every sample; returns the paths."""
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PyQt6.QtWidgets import QApplication

    from counter_terminal.views import ClerkWindow

    app = QApplication.instance() or QApplication([])
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for lang in langs:
        window = ClerkWindow(_NoActions(), lang)
        for name, vm in samples(lang).items():
            window.render(vm)
            window.show()
            app.processEvents()
            path = out / f"counter-{lang}-{name}.png"
            if not window.grab().save(str(path)):
                raise OSError(f"could not write {path}")
            paths.append(path)
        window.close()
    return paths
