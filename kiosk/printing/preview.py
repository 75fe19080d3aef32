"""ESC/POS bytes → a PNG of the paper, for a demo or a technician without a printer at hand.

It reads the job the way a printer would (the subset the ticket renderer sends: text in a code
page, alignment, bold, character size, raster images, native QR codes, feeds and the cut), so the
picture shows what was really sent, not what was meant.
"""

from __future__ import annotations

from pathlib import Path

import qrcode
from PIL import Image, ImageDraw

from sorra.ticket import layout

ESC, GS, DLE = 0x1B, 0x1D, 0x10
CODEPAGES = {0: "cp437", 2: "cp850", 16: "cp1252", 17: "cp866", 18: "cp852", 19: "cp858", 45: "cp1250"}
_ESC_ARGS = {
    ord("@"): 0, ord("t"): 1, ord("a"): 1, ord("E"): 1, ord("!"): 1, ord("-"): 1, ord("M"): 1,
    ord("d"): 1, ord("J"): 1, ord("2"): 0, ord("3"): 1, ord("G"): 1, ord("{"): 1, ord("V"): 1,
    ord("="): 1, ord("R"): 1, ord("p"): 3, ord("c"): 2, ord("e"): 1, ord(" "): 1, ord("U"): 1,
}
_GS_ARGS = {ord("!"): 1, ord("B"): 1, ord("b"): 1, ord("H"): 1, ord("h"): 1, ord("w"): 1, ord("f"): 1,
            ord("L"): 2, ord("W"): 2}
LINE_PX = 30  # a line of font A at size 1: 24 dots and the default spacing


class _Paper:
    def __init__(self, width: int) -> None:
        self.width = width
        self.strips: list[Image.Image] = []
        self.align = "left"
        self.bold = False
        self.size = (1, 1)
        self.line = ""

    def text(self, s: str) -> None:
        for ch in s:
            if ch == "\n":
                self.newline()
            elif ch != "\r":
                self.line += ch

    def newline(self) -> None:
        w, h = self.size
        font = layout.font(self.bold, 20 * h)
        strip = Image.new("L", (self.width, LINE_PX * h), 255)
        draw = ImageDraw.Draw(strip)
        text_w = int(draw.textlength(self.line, font=font)) * w // max(1, h)
        line = Image.new("L", (max(1, text_w), LINE_PX * h), 255)
        ImageDraw.Draw(line).text((0, 2 * h), self.line, font=font, fill=0)
        if w != h:
            line = line.resize((max(1, text_w), LINE_PX * h))
        self.strips.append(layout.pad(line, self.width, self.align))
        self.line = ""

    def image(self, img: Image.Image) -> None:
        self.strips.append(layout.pad(img, self.width, self.align))

    def feed(self, lines: int) -> None:
        if lines:
            self.strips.append(Image.new("L", (self.width, LINE_PX * lines), 255))

    def cut(self) -> None:
        strip = Image.new("L", (self.width, 12), 255)
        ImageDraw.Draw(strip).line([(0, 6), (self.width, 6)], fill=128, width=1)
        self.strips.append(strip)

    def picture(self) -> Image.Image:
        if self.line:
            self.newline()
        height = sum(s.height for s in self.strips) + 32
        out = Image.new("L", (self.width + 32, height), 255)
        y = 16
        for s in self.strips:
            out.paste(s, (16, y))
            y += s.height
        return out


def _raster(width_bytes: int, height: int, data: bytes) -> Image.Image:
    img = Image.frombytes("1", (width_bytes * 8, height), data)
    return Image.eval(img.convert("L"), lambda v: 255 - v)  # ESC/POS: a set bit is black


def to_image(data: bytes, width: int = 512) -> Image.Image:
    """A picture of the paper one job (``data``) would give; unknown commands are skipped."""
    paper = _Paper(width)
    codec = "cp437"
    qr_data = ""
    qr_size = 3
    i, n = 0, len(data)
    text = bytearray()

    def flush() -> None:
        if text:
            paper.text(bytes(text).decode(codec, errors="replace"))
            text.clear()

    while i < n:
        b = data[i]
        if b == ESC and i + 1 < n:
            flush()
            cmd = data[i + 1]
            args = data[i + 2:i + 2 + _ESC_ARGS.get(cmd, 0)]
            i += 2 + _ESC_ARGS.get(cmd, 0)
            if cmd == ord("@"):
                codec, paper.align, paper.bold, paper.size = "cp437", "left", False, (1, 1)
            elif cmd == ord("t") and args:
                codec = CODEPAGES.get(args[0], codec)
            elif cmd == ord("a") and args:
                paper.align = {0: "left", 1: "center", 2: "right", 48: "left", 49: "center", 50: "right"}.get(
                    args[0], "left")
            elif cmd == ord("E") and args:
                paper.bold = bool(args[0] & 1)
            elif cmd == ord("!") and args:
                paper.bold = bool(args[0] & 0x08)
                paper.size = (2 if args[0] & 0x20 else 1, 2 if args[0] & 0x10 else 1)
            elif cmd == ord("d") and args:
                if paper.line:
                    paper.newline()
                    paper.feed(max(0, args[0] - 1))
                else:
                    paper.feed(args[0])
        elif b == GS and i + 1 < n:
            flush()
            cmd = data[i + 1]
            if cmd == ord("v") and i + 8 <= n:
                xb, yd = data[i + 4] + 256 * data[i + 5], data[i + 6] + 256 * data[i + 7]
                paper.image(_raster(xb, yd, data[i + 8:i + 8 + xb * yd]))
                i += 8 + xb * yd
            elif cmd == ord("(") and i + 5 <= n:
                length = data[i + 3] + 256 * data[i + 4]
                body = data[i + 5:i + 5 + length]
                i += 5 + length
                if data[i - 5 - length + 2] == ord("k") and len(body) >= 2 and body[0] == ord("1"):
                    if body[1] == 80:
                        qr_data = body[3:].decode("utf-8", errors="replace")
                    elif body[1] == 67 and len(body) > 2:
                        qr_size = body[2]
                    elif body[1] == 81 and qr_data:
                        qr = qrcode.QRCode(box_size=max(1, qr_size), border=1)
                        qr.add_data(qr_data)
                        paper.image(qr.make_image().get_image().convert("L"))
            elif cmd == ord("V") and i + 2 < n:
                i += 4 if data[i + 2] in (65, 66) else 3
                paper.cut()
            elif cmd == ord("!") and i + 2 < n:
                size = data[i + 2]
                paper.size = ((size >> 4) + 1, (size & 0x0F) + 1)
                i += 3
            else:
                i += 2 + _GS_ARGS.get(cmd, 0)
        elif b == DLE:
            flush()
            i += 3  # a real-time status query: nothing on paper
        elif b == 0x0A:
            text.append(b)
            i += 1
        elif b < 0x20:
            i += 1
        else:
            text.append(b)
            i += 1
    flush()
    return paper.picture()


def save_preview(job: bytes, path: str | Path, width: int = 512) -> Path:
    """Write the picture of one job to ``path`` (PNG, replaced atomically); returns the path."""
    out = Path(path)
    tmp = out.with_name(out.name + ".tmp")
    to_image(job, width).save(tmp, "PNG")
    tmp.replace(out)
    return out


__all__ = ["save_preview", "to_image"]
