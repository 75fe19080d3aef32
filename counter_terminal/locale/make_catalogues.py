"""Regenerate the counter terminal's .po catalogues from the sources (maintainer tool).

    .venv/bin/python counter_terminal/locale/make_catalogues.py

Extracts every ``t("…")``, ``N_("…")`` and ``ngettext`` string, keeps the
Hungarian translations below, and writes ``hu`` and ``en`` catalogues. A
message without a Hungarian translation makes this script fail, so nothing
reaches a clerk untranslated.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import write_po

HERE = Path(__file__).resolve().parent
PACKAGE = HERE.parent

EXTRA = [  # strings built at run time (Texts.duration, config defaults)
    "under a minute", "{h} h {m} min",
    "Break", "Lunch", "Meeting", "Technical problem",
    "Case file", "Phone call", "E-mail", "Other",
]

HU: dict[str, str | tuple[str, ...]] = {
    "{number} called": "{number} behívva",
    "{number} called again": "{number} újra behívva",
    "{number} done": "{number} kész",
    "{number} did not come": "{number} nem jelent meg",
    "{number} transferred": "{number} átirányítva",
    "{number} set aside": "{number} félretéve",
    "No one is waiting.": "Nincs várakozó ügyfél.",
    "Still sending the previous press — wait for it.": "Az előző gombnyomás még úton van — várjon.",
    "Sent; waiting for the hub to answer. It will be done exactly once.":
        "Elküldve; a központ válaszára vár. Pontosan egyszer fog megtörténni.",
    "Not sent: the hub could not be reached. Nothing was done — press again.":
        "Nem ment el: a központ nem érhető el. Nem történt semmi — nyomja meg újra.",
    "{number} is done, but the next customer was not called: press Next.":
        "{number} kész, de a következő ügyfél nincs behívva: nyomja meg a Következőt.",
    "Not done: {reason}": "Nem történt meg: {reason}",
    "Wrong clerk or PIN.": "Hibás ügyintéző vagy PIN.",
    "A customer is at the counter: press Done, or hold Next to finish and call the next.":
        "Ügyfél van az ablaknál: nyomja meg a Kész gombot, vagy tartsa nyomva a Következőt a lezáráshoz és a következő behívásához.",
    "Finish the current customer before a pause.": "Szünet előtt zárja le az aktuális ügyfelet.",
    "There is no customer at the counter.": "Nincs ügyfél az ablaknál.",
    "The customer is already being served.": "Az ügyfél kiszolgálása már folyik.",
    "No customer to rate.": "Nincs értékelhető ügyfél.",
    "Thank you, the rating was already recorded.": "Köszönjük, az értékelést már rögzítettük.",
    "Thank you for the feedback.": "Köszönjük az értékelést.",
    "The manager has not allowed changing the priorities.": "A vezető nem engedélyezte a prioritások módosítását.",
    "Priorities saved.": "Prioritások mentve.",
    "Transfer cancelled.": "Átirányítás megszakítva.",
    "Nowhere to transfer to.": "Nincs hová átirányítani.",
    "This terminal is set up for counter {number}, but the hub paired it with counter {paired}: "
    "ask the technician to set it up again.":
        "Ez a terminál a(z) {number}. ablakhoz van beállítva, de a központ a(z) {paired}. ablakhoz "
        "párosította: kérje meg a rendszergazdát, hogy állítsa be újra.",
    "not allowed": "nem engedélyezett",
    "not found": "nem található",
    "not possible now": "most nem lehetséges",
    "the office or service is closed": "az iroda vagy az ügytípus zárva",
    "invalid request": "érvénytelen kérés",
    "no answer from the hub": "nincs válasz a központtól",
    "error in the hub": "hiba a központban",
    "Closed": "Zárva",
    "Ready": "Szabad",
    "Paused": "Szünet",
    "Called": "Behívva",
    "Serving": "Ügyintézés",
    "Next": "Következő",
    "Done + Next": "Kész +\nKövetkező",
    "Recall": "Újrahívás",
    "Arrived": "Megérkezett",
    "Done": "Kész",
    "No-show": "Nem jött",
    "Transfer": "Átirányítás",
    "Set aside": "Félretéve",
    "Pause": "Szünet",
    "Resume": "Folytatás",
    "Background work": "Háttérmunka",
    "Priorities": "Prioritások",
    "Log out": "Kilépés",
    "Log in": "Belépés",
    "Rating": "Értékelés",
    "Call back": "Visszahív",
    "Close": "Zárás",
    "{n} minute": ("{n} perc",),
    "priority": "elsőbbségi",
    "Waited: {d}": "Várt: {d}",
    "at the counter: {d}": "az ablaknál: {d}",
    "Background work: {kind}": "Háttérmunka: {kind}",
    "No customer at the counter": "Nincs ügyfél az ablaknál",
    "for {d}": "{d} óta",
    "since {time}": "{time} óta",
    "Waiting": "Várakozók",
    "+{n} more services": "+{n} további ügytípus",
    "no services": "nincs ügytípus",
    "Sending: {action}…": "Küldés: {action}…",
    "Log in — {name}": "Belépés — {name}",
    "Counter {n}": "{n}. ablak",
    "Clerk": "Ügyintéző",
    "PIN": "PIN",
    "Transfer {number} to…": "{number} átirányítása ide…",
    "Last in line": "Sor végére",
    "First in line": "Sor elejére",
    "Service": "Ügytípus",
    "Counter": "Ablak",
    "Cancel": "Mégse",
    "Pause — why?": "Szünet — miért?",
    "Case note": "Ügyirat / megjegyzés",
    "{kind} since {time} ({d})": "{kind} {time} óta ({d})",
    "Stop": "Befejezés",
    "Start": "Indítás",
    "weight {w}": "súly: {w}",
    "My priorities": "Saját prioritásaim",
    "Services higher in the list are called first when customers have waited alike.":
        "A lista elején álló ügytípusok ügyfelei kerülnek előbb sorra, ha ugyanannyit vártak.",
    "Save": "Mentés",
    "Online": "Online",
    "OFFLINE": "NINCS KAPCSOLAT",
    "under a minute": "kevesebb mint egy perc",
    "{h} h {m} min": "{h} óra {m} perc",
    "Break": "Szünet",
    "Lunch": "Ebéd",
    "Meeting": "Értekezlet",
    "Technical problem": "Műszaki hiba",
    "Case file": "Ügyirat",
    "Phone call": "Telefon",
    "E-mail": "E-mail",
    "Other": "Egyéb",
    # the start-up screen's words for this device (the shared ones are sorra/qt/locale's)
    "Refused: this is not the hub this terminal was paired with.":
        "Elutasítva: ez nem az a központ, amellyel ezt a terminált párosították.",
    "The terminal cannot start yet.": "A terminál még nem tud elindulni.",
}


def messages() -> list[tuple[str | tuple[str, str], list[tuple[str, int]]]]:
    found: dict[str | tuple[str, str], list[tuple[str, int]]] = {}
    keywords = {"t": None, "N_": None, "ngettext": (1, 2)}
    for filename, lineno, msg, _comments, _ctx in extract_from_dir(
        str(PACKAGE), method_map=[("**.py", "python")], keywords=keywords
    ):
        if "locale" in filename:
            continue
        key = tuple(msg) if isinstance(msg, tuple) else msg
        found.setdefault(key, []).append((f"counter_terminal/{filename}", lineno))
    for extra in EXTRA:
        found.setdefault(extra, [])
    return list(found.items())


def main() -> int:
    missing = []
    for lang in ("hu", "en"):
        cat = Catalog(locale=lang, project="sorra", domain="counter_terminal")
        for msgid, locations in messages():
            single = msgid[0] if isinstance(msgid, tuple) else msgid
            if lang == "hu":
                text = HU.get(single)
                if text is None:
                    missing.append(single)
                    text = ""
            else:
                text = ""
            if isinstance(msgid, tuple):
                string = text if isinstance(text, tuple) else (text, text)
                cat.add(msgid, string=string if lang == "hu" else ("", ""), locations=locations)
            else:
                cat.add(msgid, string=text, locations=locations)
        out = HERE / lang / "LC_MESSAGES" / "counter_terminal.po"
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("wb") as f:
            write_po(f, cat, width=100, omit_header=False)
    if missing:
        print("no Hungarian for:", *sorted(set(missing)), sep="\n  ", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
