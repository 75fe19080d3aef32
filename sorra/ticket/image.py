"""A whole ticket as a picture: what a kiosk prints with ``text_mode = "image"``, block by block.

The hub's layout page shows it as a preview; tests and the demo can look at a
ticket without paper. Text, rules, QR codes and the logo are drawn by the same
functions the kiosk uses for its image mode (:mod:`sorra.ticket.layout`).
"""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

from sorra.ticket import layout as L
from sorra.ticket.data import TicketData
from sorra.ticket.template import Template

FONT_A_DOT_WIDTH = 12
LINE_DOTS = 30
"""One line feed on a receipt printer (1/6 inch at 203 dpi, rounded)."""


class TicketImage:
    """A :class:`sorra.ticket.layout.Sink` that stacks the ticket's pieces on a strip of paper."""

    def __init__(self, width_px: int = 512, logo: str = "") -> None:
        self.width_px = width_px
        self.columns = width_px // FONT_A_DOT_WIDTH
        self.logo_path = logo
        self.strips: list[Image.Image] = []

    def logo(self) -> None:
        img = L.logo_image(self.logo_path, self.width_px)
        if img is not None:
            white = Image.new("RGBA", img.size, (255, 255, 255, 255))
            self.strips.append(L.pad(Image.alpha_composite(white, img), self.width_px))

    def text(self, text: str, align: str, bold: bool, size: int, indent: str = "", font: str = "a") -> None:
        scale = 0.75 if font == "b" else 1.0
        self.strips.append(L.text_image(text, align, bold, size, indent, self.width_px, scale))

    def rule(self, char: str) -> None:
        self.text(char * self.columns, "left", False, 1)

    def qr(self, data: str, module: int) -> None:
        self.strips.append(L.qr_image(data, module, self.width_px))

    def feed(self, lines: int) -> None:
        self.strips.append(Image.new("L", (self.width_px, LINE_DOTS * lines), 255))

    def cut(self) -> None:
        """Where the paper is cut: a dashed line across."""
        img = Image.new("L", (self.width_px, 24), 255)
        draw = ImageDraw.Draw(img)
        for x in range(0, self.width_px, 16):
            draw.line((x, 12, x + 8, 12), fill=120, width=2)
        self.strips.append(img)

    def image(self, margin: int = 16) -> Image.Image:
        """The paper: every strip, top to bottom, with a white margin."""
        height = sum(s.height for s in self.strips) + 2 * margin
        paper = Image.new("L", (self.width_px + 2 * margin, max(height, 2 * margin + 1)), 255)
        y = margin
        for s in self.strips:
            paper.paste(s, (margin, y))
            y += s.height
        return paper


def ticket_image(template: Template, ticket: TicketData, *, width_px: int = 512, logo: str = "") -> Image.Image:
    sink = TicketImage(width_px, logo)
    L.walk(template, ticket, sink)
    return sink.image()


def ticket_png(template: Template, ticket: TicketData, *, width_px: int = 512, logo: str = "") -> bytes:
    out = io.BytesIO()
    ticket_image(template, ticket, width_px=width_px, logo=logo).save(out, "PNG", optimize=True)
    return out.getvalue()
