"""Layout + ticket → what to print, block by block; and text and QR codes drawn as images.

:func:`walk` decides what a ticket carries (a block's ``when`` condition, its
text in the ticket's language with the placeholders filled, one line per
service) and hands each piece to a :class:`Sink`: the kiosk's ESC/POS renderer
writes bytes, :class:`sorra.ticket.image.TicketImage` draws the preview. Both
print the same ticket because both are driven from here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import qrcode
from PIL import Image, ImageDraw, ImageFont

from sorra.ticket.data import TicketData
from sorra.ticket.template import Block, Template

log = logging.getLogger(__name__)

BUILTIN_LOGO = Path(__file__).with_name("logo.png")
FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/local/share/fonts"),
)
IMAGE_BASE_PX = 24
"""Text printed as an image: a size-1 line is this many dots high (a 12×24 font A cell)."""


class Sink(Protocol):
    """What a ticket is made of, in print order."""

    def logo(self) -> None: ...

    def text(self, text: str, align: str, bold: bool, size: int, indent: str = "", font: str = "a") -> None: ...

    def rule(self, char: str) -> None: ...

    def qr(self, data: str, module: int) -> None: ...

    def feed(self, lines: int) -> None: ...

    def cut(self) -> None: ...


def holds(when: str, ticket: TicketData) -> bool:
    """A block's ``when``: "ahead" prints when people are ahead, "!ahead" when none are."""
    negate = when.startswith("!")
    return ticket.condition(when.lstrip("!")) != negate


def fill(text: str, values: dict[str, str]) -> str:
    """``str.format_map`` that leaves unknown ``{names}`` as they are (an office's typo stays visible)."""

    class _Keep(dict[str, str]):
        def __missing__(self, key: str) -> str:
            return "{" + key + "}"

    try:
        return text.format_map(_Keep(values))
    except (ValueError, IndexError):
        return text


def block(sink: Sink, b: Block, ticket: TicketData, values: dict[str, str]) -> None:
    """One block of the layout for ``ticket`` (its condition already checked)."""
    kind = b.type
    if kind == "logo":
        sink.logo()
    elif kind == "text":
        text = fill(b.text_for(ticket.lang), values)
        if text.strip():
            sink.text(text, b.align, b.bold, b.size, font=b.font)
    elif kind == "services":
        for line in ticket.services:
            sink.text(line.name, b.align, True, b.size)
            if b.info and line.info:
                sink.text(line.info, b.align, False, 1, indent="  ")
    elif kind == "rule":
        sink.rule(b.char)
    elif kind == "qr":
        data = fill(b.text_for(ticket.lang) or "{status_url}", values)
        if data:
            sink.qr(data, b.module)
    elif kind == "feed":
        sink.feed(b.lines)
    elif kind == "cut":
        sink.cut()


def walk(template: Template, ticket: TicketData, sink: Sink, before_cut: Callable[[], None] | None = None) -> None:
    """Every block that applies to ``ticket``, in order; ``before_cut`` runs just before the last cut
    (or at the end when there is none): the technician's test print adds its code page check there."""
    values = ticket.fields()
    blocks = list(template.blocks)
    cut_at = max((i for i, b in enumerate(blocks) if b.type == "cut"), default=len(blocks))
    for i, b in enumerate(blocks):
        if before_cut is not None and i == cut_at:
            before_cut()
        if b.when and not holds(b.when, ticket):
            continue
        block(sink, b, ticket, values)
    if before_cut is not None and cut_at == len(blocks):
        before_cut()


# ---- drawing -------------------------------------------------------------------------------------

@lru_cache(maxsize=8)
def font(bold: bool, px: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    for d in FONT_DIRS:
        if (d / name).exists():
            return ImageFont.truetype(str(d / name), px)
    log.warning("DejaVu Sans not found (install fonts-dejavu-core); using Pillow's default font")
    return ImageFont.load_default(px)


def pad(img: Image.Image, width: int, align: str = "center") -> Image.Image:
    """``img`` on a white strip ``width`` dots wide, aligned (printers differ in how ESC a treats images)."""
    img = img.convert("L")
    if img.width > width:
        img = img.resize((width, max(1, img.height * width // img.width)))
    canvas = Image.new("L", (width, img.height), 255)
    x = {"left": 0, "center": (width - img.width) // 2, "right": width - img.width}[align]
    canvas.paste(img, (x, 0))
    return canvas


def wrap_px(text: str, f: ImageFont.FreeTypeFont | ImageFont.ImageFont, width: int) -> list[str]:
    words = text.split()
    if not words:
        return [""]
    lines, current = [], ""
    for word in words:
        trial = f"{current} {word}".strip()
        if f.getlength(trial) <= width or not current:
            current = trial
        else:
            lines.append(current)
            current = word
    lines.append(current)
    return lines


def text_image(text: str, align: str, bold: bool, size: int, indent: str, width_px: int,
               scale: float = 1.0) -> Image.Image:
    """Text as the printer prints it in image mode: DejaVu Sans, wrapped to the paper."""
    px = min(int(IMAGE_BASE_PX * size * scale), 200)
    f = font(bold, px)
    margin = int(f.getlength(indent)) if indent else 0
    lines: list[str] = []
    for para in text.splitlines() or [""]:
        lines.extend(wrap_px(para, f, width_px - margin))
    step = int(px * 1.25)
    img = Image.new("L", (width_px, step * len(lines) + 4), 255)
    draw = ImageDraw.Draw(img)
    for i, line in enumerate(lines):
        w = int(f.getlength(line))
        x = {"left": margin, "center": (width_px - w) // 2, "right": width_px - w}[align]
        draw.text((max(0, x), i * step + 2), line, font=f, fill=0)
    return img


def qr_image(data: str, module: int, width_px: int) -> Image.Image:
    """The QR code as the kiosk draws it when the printer cannot (error correction M, quiet zone 2)."""
    qr = qrcode.QRCode(box_size=module, border=2, error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(data)
    qr.make(fit=True)
    return pad(qr.make_image().get_image(), width_px)


def logo_image(logo: str, width_px: int) -> Image.Image | None:
    """The ticket's logo (the built-in one when ``logo`` is empty, none for "none"), at most 70 % wide."""
    if logo.lower() == "none":
        return None
    path = Path(logo) if logo else BUILTIN_LOGO
    try:
        img = Image.open(path)
        img.load()
    except OSError as err:
        log.warning("cannot load the ticket logo %s: %s", path, err)
        return None
    max_w = int(width_px * 0.7)
    if img.width > max_w:
        img = img.resize((max_w, max(1, img.height * max_w // img.width)))
    return img.convert("RGBA")
