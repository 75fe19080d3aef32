"""The printed ticket, checked on its bytes with an independent ESC/POS decoder."""

from __future__ import annotations

from datetime import datetime

import pytest

from kiosk.printing import TicketData, TicketRenderer, load_template, sample_ticket
from sorra.ticket.data import PANGRAM, TicketLine
from sorra.ticket.template import TemplateError, parse_template
from tests.kiosk.escpos_decode import decode, image_rows_with_ink

WHEN = datetime(2025, 3, 14, 9, 26)


def render(ticket: TicketData, **kw) -> bytes:
    kw.setdefault("profile", "TM-T88V")
    diagnostics = kw.pop("diagnostics", False)
    renderer = TicketRenderer(load_template(kw.pop("template", None)), **kw)
    return renderer.render(ticket, diagnostics=diagnostics)


def test_hungarian_text_is_cp852_after_esc_t():
    data = render(sample_ticket("hu", WHEN), diagnostics=True)
    out = decode(data)
    assert out.kinds()[:2] == ["init", "codepage"]
    assert out.of("codepage") == ["cp852"]  # TM-T88V's slot 18, selected once
    assert PANGRAM in out.lines
    assert "Kormányablak - Győr" in out.lines  # the en dash became ASCII, ő survived
    assert "?" not in out.text  # nothing fell back to the encoder's "?"
    assert "Mintajegy - nem érvényes." in out.lines
    assert "profile TM-T88V, 512 dots, CP852 (ESC t 18), native QR" in out.lines
    assert PANGRAM.encode("cp852") in data
    # ő/ű are exactly the letters CP437 lacks: the bytes are CP852's, not a fallback "?".
    assert "ŐŰőű".encode("cp852") == b"\x8a\xeb\x8b\xfb"
    for ch in "ŐŰőű":
        assert ch.encode("cp852") in data


def test_big_number_people_ahead_wait_and_date():
    out = decode(render(sample_ticket("hu", WHEN)))
    sizes = [op.value for op in out.ops if op.kind == "size"]
    assert (5, 5) in sizes
    # the number follows the 5×5 size command
    idx = next(i for i, op in enumerate(out.ops) if op.kind == "size" and op.value == (5, 5))
    assert next(op.value for op in out.ops[idx:] if op.kind == "text").strip() == "A042"
    assert "Ön előtt várakozik: 3 fő" in out.lines
    assert "Becsült várakozás: kb. 14 perc" in out.lines
    assert "2025.03.14. 09:26" in out.lines
    assert "Személyi igazolvány" in out.lines
    assert any(line.startswith("Hozza magával: régi igazolvány") for line in out.lines)


def test_english_labels():
    out = decode(render(sample_ticket("en", WHEN)))
    assert "People ahead of you: 3" in out.lines
    assert "Estimated wait: about 14 min" in out.lines
    assert "Your number" in out.lines


def test_native_qr_holds_the_status_url_and_the_paper_is_cut():
    out = decode(render(sample_ticket("hu", WHEN)))
    assert out.of("qr_data") == ["http://sorra.local:8080/t/SAMPLE-TOKEN"]
    assert out.of("qr_model") == [2]
    assert out.of("qr_size") == [6]
    assert "qr_print" in out.kinds()
    assert out.kinds()[-1] == "cut"
    assert out.of("cut") == ["partial"]
    # the logo is a raster image with ink, printed before any text
    first_image = out.kinds().index("image")
    assert first_image < out.kinds().index("text")
    width, height, raster = out.of("image")[0]
    assert width == 512 and image_rows_with_ink(raster, width // 8) > 20


def test_full_cut_and_no_logo():
    out = decode(render(sample_ticket("hu", WHEN), cut="full", logo="none"))
    assert out.of("cut") == ["full"]
    assert "image" not in out.kinds()


def test_profile_without_cp852_prints_text_as_images():
    # TM-U220 knows only CP437, which has no ő or ű: every text goes on paper as a picture.
    out = decode(render(sample_ticket("hu", WHEN), profile="TM-U220"))
    assert "codepage" not in out.kinds()
    assert out.text.strip() == ""
    # TM-U220 has no raster command: column-format images (ESC *), at the profile's 400 dots
    widths = out.of("image_column")
    assert len(widths) > 10 and set(widths) == {400}
    with pytest.raises(ValueError, match="CP852"):
        TicketRenderer(load_template(), profile="TM-U220", text_mode="codepage")


def test_qr_as_image_when_the_profile_has_no_native_qr():
    out = decode(render(sample_ticket("hu", WHEN), profile="ZJ-5870", diagnostics=True))
    assert out.of("codepage") == ["cp852"]
    assert PANGRAM in " ".join(out.lines)  # 32 columns on 58 mm paper: it wraps, letters intact
    assert out.of("qr_data") == []
    assert len(out.of("image")) >= 2  # logo + QR


def test_office_template_with_conditions_and_placeholders(tmp_path):
    tpl = tmp_path / "ticket.toml"
    tpl.write_text(
        """
[[block]]
type = "text"
text = { hu = "Sorszám: {number} ({services})", en = "Number: {number}" }
[[block]]
type = "text"
when = "priority"
text = "ELSŐBBSÉGI"
[[block]]
type = "text"
when = "!priority"
text = "normál"
[[block]]
type = "text"
text = "{unknown_field}"
[[block]]
type = "cut"
""",
        encoding="utf-8",
    )
    ticket = TicketData(
        number="B007",
        office="Iroda",
        services=(TicketLine("Útlevél", "Régi útlevél"), TicketLine("Jogosítvány")),
        ahead=0,
        est_wait_s=0,
        status_url="",
        issued_at=WHEN,
        priority=True,
    )
    out = decode(render(ticket, template=str(tpl), logo="none"))
    assert out.lines[:3] == ["Sorszám: B007 (Útlevél, Jogosítvány)", "ELSŐBBSÉGI", "{unknown_field}"]
    assert "normál" not in out.text
    assert out.of("qr_data") == []


def test_bad_template_names_the_block():
    with pytest.raises(TemplateError, match=r"block\.0\.type"):
        parse_template('[[block]]\ntype = "barcode"\n')
    with pytest.raises(TemplateError, match="unknown condition"):
        parse_template('[[block]]\ntype = "text"\nwhen = "sunny"\n')
    with pytest.raises(TemplateError, match="not valid TOML"):
        parse_template("[[block]\n")


def test_long_info_wraps_within_the_paper():
    ticket = sample_ticket("hu", WHEN)
    long = TicketLine("Hosszú", "szó " * 60)
    ticket = TicketData(**{**ticket.__dict__, "services": (long,)})
    out = decode(render(ticket, logo="none"))
    assert max(len(line) for line in out.text.split("\n")) <= 42


def test_rendering_is_fast():
    import time

    renderer = TicketRenderer(load_template(), profile="TM-T88V")
    ticket = sample_ticket("hu", WHEN)
    t0 = time.perf_counter()
    for _ in range(20):
        renderer.render(ticket)
    assert (time.perf_counter() - t0) / 20 < 0.05
