"""The central web app in Hungarian and English: pages, charts, errors, exports, a regional manager's view.

One central service with two replicating hubs for the whole module (starting
them is the slow part); each test signs in on its own.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from central import export as X
from central.locale import make_catalogue
from hub.web.i18n import translator as hub_translator
from tests.central.conftest import PgServer
from tests.central.helpers import Central, Office, join, matches, sorra, wait_for
from tests.hub_fixture import TestHub

PASSWORD = "correct horse"
SITES = {"east": "Keleti iroda", "west": "Nyugati iroda"}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, pg_server: PgServer) -> Iterator[dict[str, Any]]:
    root = tmp_path_factory.mktemp("central-i18n")
    central = Central(root / "central", pg_server.create_db(), web=True).start()
    hubs: list[TestHub] = []
    try:
        creds = {s: central.add_site(s, name) for s, name in SITES.items()}
        offices: dict[str, Office] = {}
        for s in SITES:
            hubs.append(TestHub(root / s, site=s).start())
            offices[s] = Office(hubs[-1])
            join(hubs[-1].data_dir, creds[s])
        offices["east"].work(6, served=3, no_show=1)
        offices["west"].work(3, served=1)
        wait_for(central.db_url, lambda: matches(central, offices), what="replication")
        for name, role, sites in (("boss", "admin", ""), ("reg", "manager", "west")):
            args = ["central", "user", "add", name, "--role", role, "--password-stdin", "--data", str(central.data)]
            sorra(*args, *(["--sites", sites] if sites else []), stdin=PASSWORD + "\n")
        yield {"base": f"http://127.0.0.1:{central.config.http_port}", "day": offices["east"].day,
               "central": central}
    finally:
        for h in reversed(hubs):
            h.close_clients()
            h.stop()
        central.stop()


@contextmanager
def login(world: dict[str, Any], name: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=world["base"], timeout=30) as c:
        r = c.post("/login", data={"name": name, "password": PASSWORD})
        assert r.status_code == 303
        yield c


def visible_text(html: str) -> str:
    html = re.sub(r"<(style|script)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def english_leftovers(text: str) -> list[str]:
    """The English source strings of central's and the hub's messages (those shown on central's pages)
    that appear on a Hungarian page as they are: each should have been translated."""
    central_ids, hub_ids = make_catalogue.messages()
    hu_central = make_catalogue._read(make_catalogue.po_path("hu"), "hu")
    hub_hu = hub_translator("hu").gettext
    found = []
    for msg, hu in [(m, hu_central.get(m, "")) for m in central_ids] + [(m, hub_hu(m)) for m in hub_ids]:
        if "{" in msg or msg == hu or len(msg) < 4 or msg.islower() and " " not in msg:
            continue  # placeholders; the same in both languages; codes and role names
        if re.search(r"(?<!\w)" + re.escape(msg) + r"(?!\w)", text):
            found.append(msg)
    return found


def test_every_central_message_has_a_hungarian_translation() -> None:
    assert make_catalogue.main(["--check"]) == 0
    central_ids, _hub_ids = make_catalogue.messages()
    en = make_catalogue._read(make_catalogue.po_path("en"), "en")
    assert all(en.get(m) == m for m in central_ids)


def test_pages_answer_in_hungarian_by_default_and_in_english(world: dict[str, Any]) -> None:
    day = world["day"]
    q = f"from={day}&to={day}"
    pages = {"/": ("Minden iroda most", "All offices now"),
             f"/stats?{q}": ("Irodák statisztikája", "Statistics across offices"),
             f"/stats/east?{q}": ("Mi lett a sorszámokkal", "What became of the tickets"),
             "/stats/nowhere": ("nincs ilyen iroda", "no such office"),
             "/no/such/page": ("nincs ilyen oldal", "no such page"),
             f"/stats?from={day}&to=x": ("dátumok ÉÉÉÉ-HH-NN alakban", "dates as YYYY-MM-DD")}
    with login(world, "boss") as boss:
        for path, (hu_title, en_title) in pages.items():
            r = boss.get(path)  # no language chosen, no Accept-Language: Hungarian
            assert r.status_code in (200, 400, 404), path
            hu = visible_text(r.text)
            assert hu_title in hu and en_title not in hu, path
            assert english_leftovers(hu) == [], path
            assert 'lang="hu"' in r.text and 'href="/lang/en?next=' in r.text  # the language switch
            en = visible_text(boss.get(path, headers={"Accept-Language": "en-GB,en;q=0.9"}).text)
            assert en_title in en and hu_title not in en, path
        # charts and figures in the reader's language
        hu_site = boss.get(f"/stats/east?{q}&lang=hu").text
        assert "Kiszolgálva" in hu_site and "Okmány" in hu_site and "Documents" not in hu_site
        assert "Tickets per day" not in hu_site and "Sorszámok naponként" in hu_site  # the hub's chart labels
        # ?lang= is remembered (cookie), as on the hub
        assert boss.get(f"/stats?{q}&lang=en").status_code == 200
        en_site = boss.get(f"/stats/east?{q}").text
        assert "What became of the tickets" in en_site and "Documents" in en_site and "Okmány" not in en_site
        # the switch: /lang/{code} sets the cookie and goes back
        r = boss.get("/lang/hu", params={"next": "/stats"})
        assert r.status_code == 303 and r.headers["location"] == "/stats"
        assert "Irodák statisztikája" in boss.get("/stats").text
        assert boss.get("/lang/en", params={"next": "//evil.example"}).headers["location"] == "/"
        # overview: Hungarian alerts and units; JSON stays English (codes)
        boss.get("/lang/hu")
        ov = visible_text(boss.get("/").text)
        assert "Keleti iroda" in ov and "Rendben" in ov and "várakozó ügyfél" in ov
        assert all("code" in a for o in boss.get("/api/overview").json()["offices"] for a in o["alerts"])


def test_login_page_and_its_errors_in_both_languages(world: dict[str, Any]) -> None:
    with httpx.Client(base_url=world["base"], timeout=30) as c:
        r = c.get("/")
        assert r.status_code == 303 and r.headers["location"] == "/login"
        hu = c.get("/login").text
        assert "Bejelentkezés" in hu and "Felhasználónév" in hu and english_leftovers(visible_text(hu)) == []
        bad = c.post("/login", data={"name": "boss", "password": "wrong"})
        assert bad.status_code == 401 and "Hibás felhasználónév vagy jelszó." in bad.text
        en = c.post("/login?lang=en", data={"name": "boss", "password": "wrong"}).text
        assert "Wrong user name or password." in en and "Sign in" in en
        r = c.get(f"/stats/west?from={world['day']}&to={world['day']}")
        assert r.headers["location"].startswith("/login?next=%2Fstats%2Fwest")
        r = c.post("/login", data={"name": "boss", "password": PASSWORD, "next": "/stats/west"})
        assert r.status_code == 303 and r.headers["location"] == "/stats/west"
        assert c.get("/api/overview").status_code == 200


def _rows(text: str, sep: str) -> list[list[str]]:
    assert text.startswith("\ufeff")  # Excel reads UTF-8 accents only with the byte order mark
    return list(csv.reader(io.StringIO(text[1:]), delimiter=sep))


def test_exports_open_in_hungarian_and_english_excel(world: dict[str, Any]) -> None:
    from openpyxl import load_workbook

    q = f"from={world['day']}&to={world['day']}"
    with login(world, "boss") as boss:
        hu = _rows(boss.get(f"/stats/export.csv?{q}&lang=hu").text, ";")
        assert hu[0][:4] == ["Iroda azonosító", "Iroda", "Kiadva", "Kiszolgálva"]
        assert all(len(r) == len(hu[0]) for r in hu) and len(hu) == 3  # header, east, west
        east = dict(zip(hu[0], hu[1], strict=True))
        assert east["Iroda"] == "Keleti iroda" and east["Kiadva"] == "6" and east["Kiszolgálva"] == "3"
        for value in hu[1][2:] + hu[2][2:]:
            assert "." not in value and (value == "" or float(value.replace(",", ".")) >= 0)  # decimal comma
        en = _rows(boss.get(f"/stats/export.csv?{q}&lang=en").text, ",")
        assert en[0][:4] == ["Office id", "Office", "Issued", "Served"] and all(len(r) == len(en[0]) for r in en)
        for value in en[1][2:] + en[2][2:]:
            assert "," not in value and (value == "" or float(value) >= 0)

        # one office: the hub's tables with the hub's translated headers
        summary = _rows(boss.get(f"/stats/east/export.csv?{q}&table=summary&lang=hu").text, ";")
        tr = hub_translator("hu").gettext
        assert summary[0] == [tr("Figure"), tr("Value")] and summary[0] != ["Figure", "Value"]
        figures = {k: v for k, v in summary[1:]}
        assert figures[tr("Issued")] == "6" and figures[tr("Served")] == "3"
        waits = [v for k, v in figures.items() if k.startswith(tr("Waiting time")) and v]
        assert waits and all("." not in v for v in waits)
        services = _rows(boss.get(f"/stats/east/export.csv?{q}&table=services&lang=en").text, ",")
        assert services[0][:3] == ["Service", "Name", "Issued"] and services[1][1] == "Documents"
        assert all(len(r) == len(services[0]) for r in services)
        assert boss.get(f"/stats/east/export.csv?{q}&table=nonsense").status_code == 404

        wb = load_workbook(io.BytesIO(boss.get(f"/stats/export.xlsx?{q}&lang=hu").content))
        ws = wb.active
        assert ws.title == "Irodák" and ws["A1"].value == "Iroda azonosító" and ws["A1"].font.bold
        assert ws.freeze_panes == "A2" and ws["C2"].value == 6  # numbers stay numbers
        wb = load_workbook(io.BytesIO(boss.get(f"/stats/east/export.xlsx?{q}&lang=en").content))
        assert wb.sheetnames[0] == "Summary" and wb["By service"]["B2"].value == "Documents"


def test_a_regional_manager_sees_only_their_sites_in_both_languages(world: dict[str, Any]) -> None:
    q = f"from={world['day']}&to={world['day']}"
    with login(world, "reg") as reg:
        for lang in ("hu", "en"):
            overview = reg.get(f"/?lang={lang}").text
            assert "Nyugati iroda" in overview and "Keleti iroda" not in overview and "/stats/east" not in overview
            across = reg.get(f"/stats?{q}&lang={lang}").text
            assert "Nyugati iroda" in across and "Keleti iroda" not in across
            page = reg.get(f"/stats/east?{q}&lang={lang}")
            assert page.status_code == 404 and ("nincs ilyen iroda" if lang == "hu" else "no such office") in page.text
            assert reg.get(f"/stats/east/export.csv?{q}&table=summary&lang={lang}").status_code == 404
            assert reg.get(f"/stats/east/export.xlsx?{q}&lang={lang}").status_code == 404
            text = reg.get(f"/stats/export.csv?{q}&lang={lang}").text
            assert "west" in text and "east" not in text and "Keleti" not in text
        assert reg.get(f"/stats/west?{q}").status_code == 200
        assert [o["site"] for o in reg.get("/api/overview").json()["offices"]] == ["west"]
        assert reg.get(f"/api/stats/east?{q}").json() == {"error": "no such office"}  # the API stays English


def test_csv_follows_the_readers_excel() -> None:
    header, body = ["Név", "Érték"], [["átlag", 12.5], ["darab", 3], ["üres", None], ["egész", 4.0]]
    hu = X.csv_text(header, body, "hu")
    assert hu == "\ufeffNév;Érték\r\nátlag;12,5\r\ndarab;3\r\nüres;\r\negész;4\r\n"
    assert X.csv_text(header, body, "en").splitlines()[1] == "átlag,12.5"


def test_labels_that_would_spill_out_of_a_narrow_part_are_dropped() -> None:
    from hub.web.charts import split_bar

    svg = split_bar([("Kiszolgálva", "bar-a", 80), ("Nem jelent meg", "bar-b", 10), ("Folyamatban", "bar-d", 10)],
                    label="x")  # the hub's charts fit their own labels (tests/web/test_charts.py)
    assert "Kiszolgálva 80\u00a0%" in svg and "Nem jelent meg 10" not in svg
    assert "<title>Nem jelent meg: 10 (10.0 %)</title>" in svg  # still named on hover and in the legend

