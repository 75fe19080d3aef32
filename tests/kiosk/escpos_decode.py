"""A small ESC/POS decoder for tests: bytes → a list of operations.

Written from the Epson ESC/POS command reference, independent of
python-escpos (which only encodes), so tests check what a printer would do
with the bytes: which code page text is in, what the QR code holds, whether
the paper is cut.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ESC, GS, DLE, FS = 0x1B, 0x1D, 0x10, 0x1C

# ESC t n → Python codec, for the tables Sorra's profiles use (Epson numbering).
CODEPAGES = {0: "cp437", 2: "cp850", 16: "cp1252", 17: "cp866", 18: "cp852", 19: "cp858", 45: "cp1250"}

# ESC commands with a fixed number of parameter bytes.
_ESC_ARGS = {
    ord("@"): 0, ord("t"): 1, ord("a"): 1, ord("E"): 1, ord("!"): 1, ord("-"): 1, ord("M"): 1,
    ord("d"): 1, ord("J"): 1, ord("2"): 0, ord("3"): 1, ord("G"): 1, ord("{"): 1, ord("V"): 1,
    ord("="): 1, ord("R"): 1, ord("p"): 3, ord("c"): 2, ord("e"): 1, ord(" "): 1, ord("U"): 1,
}
_GS_ARGS = {ord("!"): 1, ord("B"): 1, ord("b"): 1, ord("H"): 1, ord("h"): 1, ord("w"): 1, ord("f"): 1, ord("L"): 2, ord("W"): 2}


@dataclass
class Op:
    kind: str
    value: object = None


@dataclass
class Decoded:
    ops: list[Op] = field(default_factory=list)

    def kinds(self) -> list[str]:
        return [op.kind for op in self.ops]

    def of(self, kind: str) -> list[object]:
        return [op.value for op in self.ops if op.kind == kind]

    @property
    def text(self) -> str:
        return "".join(str(v) for v in self.of("text"))

    @property
    def lines(self) -> list[str]:
        return [line.strip() for line in self.text.split("\n")]

    @property
    def joined(self) -> str:
        """All text as one line (for texts the printer wraps)."""
        return " ".join(line for line in self.lines if line)


class DecodeError(ValueError):
    pass


def decode(data: bytes) -> Decoded:
    out = Decoded()
    codec = "cp437"  # the power-on table
    i, n = 0, len(data)
    text = bytearray()

    def flush() -> None:
        if text:
            out.ops.append(Op("text", bytes(text).decode(codec, errors="replace")))
            text.clear()

    def need(k: int) -> bytes:
        if i + k > n:
            raise DecodeError(f"truncated command at byte {i}")
        return data[i : i + k]

    while i < n:
        b = data[i]
        if b == ESC:
            flush()
            cmd = need(2)[1]
            if cmd == ord("*"):  # bit image column: ESC * m nL nH d…
                m, nl, nh = need(5)[2:5]
                width = nl + 256 * nh
                per_col = 3 if m in (32, 33) else 1
                out.ops.append(Op("image_column", width))
                i += 5 + width * per_col
                continue
            if cmd not in _ESC_ARGS:
                raise DecodeError(f"unknown ESC {cmd:#x} at byte {i}")
            args = need(2 + _ESC_ARGS[cmd])[2:]
            i += 2 + _ESC_ARGS[cmd]
            if cmd == ord("@"):
                out.ops.append(Op("init"))
                codec = "cp437"
            elif cmd == ord("t"):
                if args[0] not in CODEPAGES:
                    raise DecodeError(f"code page {args[0]} not known to the test decoder")
                codec = CODEPAGES[args[0]]
                out.ops.append(Op("codepage", codec))
            elif cmd == ord("a"):
                out.ops.append(Op("align", {0: "left", 1: "center", 2: "right", 48: "left", 49: "center", 50: "right"}[args[0]]))
            elif cmd == ord("E"):
                out.ops.append(Op("bold", bool(args[0] & 1)))
            elif cmd == ord("d"):
                out.ops.append(Op("feed", args[0]))
            else:
                out.ops.append(Op(f"esc_{chr(cmd)}", bytes(args)))
        elif b == GS:
            flush()
            cmd = need(2)[1]
            if cmd == ord("v"):  # GS v 0 m xL xH yL yH d…
                hdr = need(8)
                xb = hdr[4] + 256 * hdr[5]
                yd = hdr[6] + 256 * hdr[7]
                raster = need(8 + xb * yd)[8:]
                out.ops.append(Op("image", (xb * 8, yd, raster)))
                i += 8 + xb * yd
            elif cmd == ord("("):  # GS ( k / GS ( L: pL pH then data
                hdr = need(5)
                fn_class, length = hdr[2], hdr[3] + 256 * hdr[4]
                body = need(5 + length)[5:]
                i += 5 + length
                if fn_class == ord("k"):
                    cn, fn = body[0], body[1]
                    if cn != ord("1"):
                        raise DecodeError("only QR (cn = 49) is decoded")
                    if fn == 80:
                        out.ops.append(Op("qr_data", body[3:].decode("utf-8")))
                    elif fn == 81:
                        out.ops.append(Op("qr_print"))
                    elif fn == 67:
                        out.ops.append(Op("qr_size", body[2]))
                    elif fn == 69:
                        out.ops.append(Op("qr_ec", chr(body[2])))
                    elif fn == 65:
                        out.ops.append(Op("qr_model", body[2] - 48))
                else:
                    out.ops.append(Op("graphics", bytes(body[:2])))
            elif cmd == ord("V"):  # cut
                m = need(3)[2]
                if m in (65, 66):
                    i += 4
                else:
                    i += 3
                out.ops.append(Op("cut", "full" if m in (0, 48, 65) else "partial"))
            elif cmd == ord("!"):
                size = need(3)[2]
                out.ops.append(Op("size", ((size >> 4) + 1, (size & 0x0F) + 1)))
                i += 3
            elif cmd in _GS_ARGS:
                i += 2 + _GS_ARGS[cmd]
                out.ops.append(Op(f"gs_{chr(cmd)}"))
            else:
                raise DecodeError(f"unknown GS {cmd:#x} at byte {i}")
        elif b == DLE:
            flush()
            cmd = need(3)
            out.ops.append(Op("status_query", cmd[2]))
            i += 3
        elif b == FS:
            raise DecodeError(f"FS command at byte {i} (Kanji mode) not expected")
        elif b in (0x0A, 0x0D):
            if b == 0x0A:
                text.append(b)
            i += 1
        elif b < 0x20 and b not in (0x09,):
            raise DecodeError(f"unexpected control byte {b:#x} at byte {i}")
        else:
            text.append(b)
            i += 1
    flush()
    return out


def image_rows_with_ink(raster: bytes, width_bytes: int) -> int:
    """How many raster rows have any black dot (an empty image means nothing was drawn)."""
    rows = [raster[j : j + width_bytes] for j in range(0, len(raster), width_bytes)]
    return sum(1 for row in rows if any(row))
