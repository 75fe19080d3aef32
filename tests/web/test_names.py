"""People read names on the web, never ids: services, counters and clerks, and a counter named one way."""

from __future__ import annotations

import re
from typing import Any

from counter_terminal.presentation import counter_title
from sorra.naming import counter_label
from tests.web.conftest import Client


def test_a_counter_is_named_one_way() -> None:
    assert counter_label(3) == "3-as ablak" and counter_label(5) == "5-ös ablak" and counter_label(10) == "10-es ablak"
    assert counter_label(3, "", "en") == "Counter 3"
    assert counter_label(3, " Pénztár ", "hu") == "Pénztár"  # a configured name wins
    # the counter terminal: the hub sends the bare number for a counter without a name
    assert counter_title(3, "3", "hu") == counter_label(3) and counter_title(3, "Pénztár", "hu") == "Pénztár"


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_pages_show_names_instead_of_ids(web_hub: Any, client: Client) -> None:
    a = web_hub.admin
    a.add_counter(3, "", profile=[("A", 3), ("B", 1)])
    a.add_clerk("cili", "Szabó Cili", "1234", profile=[("B", 2)])
    client.login("manager")
    counters = text_of(client.get("/admin/counters").text)
    assert "Személyi igazolvány ×3, Útlevél" in counters
    assert "3-as ablak" in counters and "Ablak 1" in counters
    assert not re.search(r"\bA ×3\b", counters)
    clerks = text_of(client.get("/admin/clerks").text)
    assert "Útlevél ×2" in clerks and "B ×2" not in clerks
    r = client.get("/admin/counters?lang=en")
    assert "Identity card ×3, Passport" in text_of(r.text) and "Counter 3" in text_of(r.text)
