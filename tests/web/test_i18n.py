"""Every message of the web app has a Hungarian translation, and pages use it."""

from __future__ import annotations

from typing import Any

from hub.web.locale import make_catalogue
from tests.web.conftest import Client


def test_every_message_has_a_hungarian_translation() -> None:
    assert make_catalogue.main(["--check"]) == 0


def test_pages_follow_the_chosen_language(web_hub: Any, client: Client) -> None:
    hu = client.get("/status?lang=hu").text
    assert "Mennyire zsúfolt most az ügyfélszolgálat?" in hu and "Személyi igazolvány" in hu
    assert client.get("/status").text.count("Mennyire zsúfolt") == 1  # the choice is remembered (cookie)
    en = client.get("/status?lang=en").text
    assert "How busy is the office now?" in en and "Identity card" in en
    assert "Test Government Window" in en
