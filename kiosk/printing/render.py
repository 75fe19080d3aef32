"""Ticket → ESC/POS bytes, as a pure function of (ticket, template, printer profile).

The job is built on python-escpos's ``Dummy`` printer with the real printer's
capability profile, so code page numbers, paper width and feature support
(native QR, cutter) are the printer's own. The finished bytes go to the device
in one write.

Hungarian text: ő, ű, Ő, Ű are not in CP437. In ``codepage`` mode the job
selects the profile's CP852 slot once (``ESC t n``) and every string is
encoded in CP852. A profile without CP852 (or ``text_mode = "image"``) gets
its text rendered as raster images with DejaVu Sans instead.
"""

from __future__ import annotations

import logging
import textwrap
from typing import TYPE_CHECKING

from PIL import Image

from kiosk.printing.escpos_cache import load_escpos
from sorra.ticket import layout as L
from sorra.ticket.data import PANGRAM, TicketData
from sorra.ticket.template import Template

if TYPE_CHECKING:
    from escpos.printer import Dummy

    from sorra.config.kiosk import PrinterSection

log = logging.getLogger(__name__)

_ASCII_FOR = str.maketrans({
    "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u2018": "'", "\u2019": "'",
    "\u201a": ",", "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00a0": " ",
    "\u2026": "...", "\u20ac": "EUR", "\u2022": "*",
})
FONT_A_DOT_WIDTH = 12
FONT_B_DOT_WIDTH = 9


def _dummy(profile: str | None) -> Dummy:
    """python-escpos's in-memory printer with ``profile``'s capabilities (loads python-escpos on first use)."""
    return load_escpos().Dummy(profile=profile)


class _Escpos:
    """The shared layout walk (:func:`sorra.ticket.layout.walk`) writing into one ESC/POS job."""

    def __init__(self, renderer: TicketRenderer, p: Dummy) -> None:
        self.r, self.p = renderer, p

    def logo(self) -> None:
        if self.r._logo:
            self.p._raw(self.r._logo)

    def text(self, text: str, align: str, bold: bool, size: int, indent: str = "", font: str = "a") -> None:
        self.r._text(self.p, text, align, bold, size, indent, font)

    def rule(self, char: str) -> None:
        self.r._text(self.p, char * self.r.columns, "left", False, 1)

    def qr(self, data: str, module: int) -> None:
        self.r._qr(self.p, data, module)

    def feed(self, lines: int) -> None:
        self.p.set(custom_size=True, width=1, height=1)
        self.p._raw(b"\n" * lines)  # plain LF: no code page switch for an empty line

    def cut(self) -> None:
        self.p.cut(mode=self.r.cut_mode)


class TicketRenderer:
    """Builds the bytes of one ticket. Reuse one renderer: the logo is prepared once."""

    def __init__(
        self,
        template: Template,
        *,
        profile: str | None = None,
        text_mode: str = "auto",
        codepage: str = "CP852",
        qr: str = "auto",
        width_px: int = 512,
        logo: str = "",
        cut: str = "part",
    ) -> None:
        self.template = template
        self.profile_name = profile or None
        probe = _dummy(self.profile_name)
        self.profile = probe.profile
        media = self.profile.profile_data.get("media", {}).get("width", {})
        px = media.get("pixels")
        self.width_px = int(px) if isinstance(px, int) or str(px).isdigit() else width_px
        self.columns = self._columns("a", self.width_px // FONT_A_DOT_WIDTH)
        self.has_font_b = "1" in (self.profile.profile_data.get("fonts") or {})
        self.columns_b = self._columns("b", self.width_px // FONT_B_DOT_WIDTH) if self.has_font_b else self.columns
        self.codepage = codepage.upper()
        has_codepage = self.codepage in self.profile.get_code_pages()
        if text_mode == "codepage" and not has_codepage:
            raise ValueError(
                f"printer profile {profile!r} has no {self.codepage}; use text_mode = 'image'"
            )
        self.text_as_image = text_mode == "image" or (text_mode == "auto" and not has_codepage)
        self.native_qr = qr == "native" or (qr == "auto" and bool(self.profile.supports("qrCode")))
        self.image_impl = (
            "bitImageRaster" if self.profile.supports("bitImageRaster") is not False else "bitImageColumn"
        )
        self.cut_mode = "PART" if cut == "part" else "FULL"
        self._logo = self._prepare_logo(logo)

    def _columns(self, font: str, fallback: int) -> int:
        try:
            return int(self.profile.get_columns(font))
        except Exception:  # profiles without font data
            return fallback

    # ---- public ----------------------------------------------------------------

    def render(self, ticket: TicketData, *, diagnostics: bool = False) -> bytes:
        """The job's bytes. ``diagnostics`` adds the technician's code page check before the cut."""
        p = _dummy(self.profile_name)
        p.hw("INIT")
        if not self.text_as_image:
            p.charcode(self.codepage)  # ESC t n, once; every string below is encoded in it
        L.walk(ticket.layout or self.template, ticket, _Escpos(self, p), (lambda: self._diagnostics(p)) if diagnostics else None)
        return p.output

    def describe(self) -> str:
        """One line for logs and the test print: profile, text mode, code page slot."""
        if self.text_as_image:
            mode = "text as images (DejaVu Sans)"
        else:
            slot = self.profile.get_code_pages()[self.codepage]
            mode = f"{self.codepage} (ESC t {slot})"
        qr = "native QR" if self.native_qr else "QR as image"
        return f"profile {self.profile_name or 'default'}, {self.width_px} dots, {mode}, {qr}"

    def _diagnostics(self, p: Dummy) -> None:
        self._text(p, "=" * self.columns, "left", False, 1)
        self._text(p, "Kódlap / code page:", "left", True, 1)
        self._text(p, PANGRAM, "left", False, 1, font="b")
        self._text(p, self.describe(), "left", False, 1, font="b")

    # ---- blocks --------------------------------------------------------------

    def _text(
        self, p: Dummy, text: str, align: str, bold: bool, size: int, indent: str = "", font: str = "a"
    ) -> None:
        if self.text_as_image:
            scale = 0.75 if font == "b" else 1.0
            self._image(p, L.text_image(text, align, bold, size, indent, self.width_px, scale))
            return
        text = text.translate(_ASCII_FOR)
        font = font if self.has_font_b else "a"
        columns = self.columns_b if font == "b" else self.columns
        width = max(8, columns // size - len(indent))
        lines = _wrap(text, width)
        p.set(align=align, bold=bold, custom_size=True, width=size, height=size)
        if font == "b":
            p.set(font="b")
        for line in lines:
            p.text(f"{indent}{line}\n")
        if size != 1 or bold or font != "a":
            p.set(bold=False, custom_size=True, width=1, height=1)
        if font != "a":
            p.set(font="a")

    def _qr(self, p: Dummy, data: str, module: int) -> None:
        if self.native_qr:
            p.set(align="center")
            p.qr(data, size=module, native=True)  # GS ( k: the printer draws it
            p._raw(b"\n")
            p.set(align="left")
            return
        self._image(p, L.qr_image(data, module, self.width_px))

    def _image(self, p: Dummy, img: Image.Image) -> None:
        dense = self.profile.supports("highDensity") is not False
        p.image(
            L.pad(img, self.width_px),
            impl=self.image_impl,
            high_density_vertical=dense,
            high_density_horizontal=dense,
        )

    def _prepare_logo(self, logo: str) -> bytes:
        img = L.logo_image(logo, self.width_px)
        if img is None:
            return b""
        p = _dummy(self.profile_name)
        self._image(p, img)
        return p.output


def _wrap(text: str, width: int) -> list[str]:
    out: list[str] = []
    for para in text.splitlines() or [""]:
        out.extend(textwrap.wrap(para, width, break_long_words=True) or [""])
    return out


def renderer_for(section: PrinterSection) -> TicketRenderer:
    """The renderer for a ``[printer]`` section: its layout file (or the built-in one) and its printer profile."""
    from sorra.ticket.template import load_template

    return TicketRenderer(load_template(section.template or None), profile=section.profile or None,
                          text_mode=section.text_mode, codepage=section.codepage, qr=section.qr,
                          width_px=section.width_px, logo=section.logo, cut=section.cut)
