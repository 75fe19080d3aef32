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
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import qrcode
from PIL import Image, ImageDraw, ImageFont

from kiosk.printing.escpos_cache import load_escpos
from kiosk.printing.template import Block, Template
from kiosk.printing.ticket import PANGRAM, TicketData

if TYPE_CHECKING:
    from escpos.printer import Dummy

    from sorra.config.kiosk import PrinterSection

log = logging.getLogger(__name__)

BUILTIN_LOGO = Path(__file__).with_name("logo.png")
FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/local/share/fonts"),
)
_ASCII_FOR = str.maketrans({
    "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u2018": "'", "\u2019": "'",
    "\u201a": ",", "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00a0": " ",
    "\u2026": "...", "\u20ac": "EUR", "\u2022": "*",
})
FONT_A_DOT_WIDTH = 12
FONT_B_DOT_WIDTH = 9
IMAGE_BASE_PX = 24


def _dummy(profile: str | None) -> Dummy:
    """python-escpos's in-memory printer with ``profile``'s capabilities (loads python-escpos on first use)."""
    return load_escpos().Dummy(profile=profile)


@lru_cache(maxsize=8)
def _font(bold: bool, px: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    for d in FONT_DIRS:
        if (d / name).exists():
            return ImageFont.truetype(str(d / name), px)
    log.warning("DejaVu Sans not found (install fonts-dejavu-core); using Pillow's default font")
    return ImageFont.load_default(px)


def _pad(img: Image.Image, width: int, align: str = "center") -> Image.Image:
    """``img`` on a white strip ``width`` dots wide, aligned (printers differ in how ESC a treats images)."""
    img = img.convert("L")
    if img.width > width:
        img = img.resize((width, max(1, img.height * width // img.width)))
    canvas = Image.new("L", (width, img.height), 255)
    x = {"left": 0, "center": (width - img.width) // 2, "right": width - img.width}[align]
    canvas.paste(img, (x, 0))
    return canvas


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
        values = ticket.fields()
        blocks = list(self.template.blocks)
        cut_at = max((i for i, b in enumerate(blocks) if b.type == "cut"), default=len(blocks))
        for i, block in enumerate(blocks):
            if diagnostics and i == cut_at:
                self._diagnostics(p)
            if block.when and not self._holds(block.when, ticket):
                continue
            self._block(p, block, ticket, values)
        if diagnostics and cut_at == len(blocks):
            self._diagnostics(p)
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

    @staticmethod
    def _holds(when: str, ticket: TicketData) -> bool:
        negate = when.startswith("!")
        return ticket.condition(when.lstrip("!")) != negate

    def _block(self, p: Dummy, block: Block, ticket: TicketData, values: dict[str, str]) -> None:
        kind = block.type
        if kind == "logo":
            if self._logo:
                p._raw(self._logo)
        elif kind == "text":
            text = _fill(block.text_for(ticket.lang), values)
            if text.strip():
                self._text(p, text, block.align, block.bold, block.size, font=block.font)
        elif kind == "services":
            for line in ticket.services:
                self._text(p, line.name, block.align, True, block.size)
                if block.info and line.info:
                    self._text(p, line.info, block.align, False, 1, indent="  ")
        elif kind == "rule":
            self._text(p, block.char * self.columns, "left", False, 1)
        elif kind == "qr":
            data = _fill(block.text_for(ticket.lang) or "{status_url}", values)
            if data:
                self._qr(p, data, block.module)
        elif kind == "feed":
            p.set(custom_size=True, width=1, height=1)
            p._raw(b"\n" * block.lines)  # plain LF: no code page switch for an empty line
        elif kind == "cut":
            p.cut(mode=self.cut_mode)

    def _text(
        self, p: Dummy, text: str, align: str, bold: bool, size: int, indent: str = "", font: str = "a"
    ) -> None:
        if self.text_as_image:
            scale = 0.75 if font == "b" else 1.0
            self._image(p, self._text_image(text, align, bold, size, indent, scale))
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

    def _text_image(
        self, text: str, align: str, bold: bool, size: int, indent: str, scale: float = 1.0
    ) -> Image.Image:
        px = min(int(IMAGE_BASE_PX * size * scale), 200)
        font = _font(bold, px)
        margin = int(font.getlength(indent)) if indent else 0
        lines: list[str] = []
        for para in text.splitlines() or [""]:
            lines.extend(_wrap_px(para, font, self.width_px - margin))
        step = int(px * 1.25)
        img = Image.new("L", (self.width_px, step * len(lines) + 4), 255)
        draw = ImageDraw.Draw(img)
        for i, line in enumerate(lines):
            w = int(font.getlength(line))
            x = {"left": margin, "center": (self.width_px - w) // 2, "right": self.width_px - w}[align]
            draw.text((max(0, x), i * step + 2), line, font=font, fill=0)
        return img

    def _qr(self, p: Dummy, data: str, module: int) -> None:
        if self.native_qr:
            p.set(align="center")
            p.qr(data, size=module, native=True)  # GS ( k: the printer draws it
            p._raw(b"\n")
            p.set(align="left")
            return
        qr = qrcode.QRCode(box_size=module, border=2, error_correction=qrcode.constants.ERROR_CORRECT_M)
        qr.add_data(data)
        qr.make(fit=True)
        self._image(p, _pad(qr.make_image().get_image(), self.width_px))

    def _image(self, p: Dummy, img: Image.Image) -> None:
        dense = self.profile.supports("highDensity") is not False
        p.image(
            _pad(img, self.width_px),
            impl=self.image_impl,
            high_density_vertical=dense,
            high_density_horizontal=dense,
        )

    def _prepare_logo(self, logo: str) -> bytes:
        if logo.lower() == "none":
            return b""
        path = Path(logo) if logo else BUILTIN_LOGO
        try:
            img = Image.open(path)
            img.load()
        except OSError as err:
            log.warning("cannot load the ticket logo %s: %s", path, err)
            return b""
        max_w = int(self.width_px * 0.7)
        if img.width > max_w:
            img = img.resize((max_w, max(1, img.height * max_w // img.width)))
        p = _dummy(self.profile_name)
        self._image(p, img.convert("RGBA"))
        return p.output


def _fill(text: str, values: dict[str, str]) -> str:
    """``str.format_map`` that leaves unknown ``{names}`` as they are (an office's typo stays visible)."""

    class _Keep(dict):
        def __missing__(self, key: str) -> str:
            return "{" + key + "}"

    try:
        return text.format_map(_Keep(values))
    except (ValueError, IndexError):
        return text


def _wrap(text: str, width: int) -> list[str]:
    out: list[str] = []
    for para in text.splitlines() or [""]:
        out.extend(textwrap.wrap(para, width, break_long_words=True) or [""])
    return out


def _wrap_px(text: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont, width: int) -> list[str]:
    words = text.split()
    if not words:
        return [""]
    lines, current = [], ""
    for word in words:
        trial = f"{current} {word}".strip()
        if font.getlength(trial) <= width or not current:
            current = trial
        else:
            lines.append(current)
            current = word
    lines.append(current)
    return lines


def renderer_for(section: PrinterSection) -> TicketRenderer:
    """The renderer for a ``[printer]`` section: its layout file (or the built-in one) and its printer profile."""
    from kiosk.printing.template import load_template

    return TicketRenderer(load_template(section.template or None), profile=section.profile or None,
                          text_mode=section.text_mode, codepage=section.codepage, qr=section.qr,
                          width_px=section.width_px, logo=section.logo, cut=section.cut)
