"""Small charts as inline SVG, drawn on the server (no JavaScript, no CDN).

Each function returns markup safe to put in a template. Colours come from CSS
classes (``sorra.css``), so every chart follows the page's palette; each mark
has a ``<title>`` so hovering shows the exact figure.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

Fmt = Callable[[float], str]


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    exp = 10 ** math.floor(math.log10(value))
    for m in (1, 2, 2.5, 5, 10):
        if value <= m * exp:
            return m * exp
    return 10 * exp


STEPS_S = (30, 60, 120, 300, 600, 900, 1200, 1800, 2400, 3600, 5400, 7200, 10800, 14400, 21600, 28800, 43200, 86400)


def nice_seconds(value: float) -> float:
    """A round top for a time axis: 5:00, 10:00, 20:00, 1:00:00 …"""
    for step in STEPS_S:
        if value <= step:
            return float(step)
    return _nice_max(value)


def _ticks(top: float, n: int = 4) -> list[float]:
    return [top * i / n for i in range(n + 1)]


def _count_ticks(top: float) -> list[float]:
    """Ticks for counts: whole numbers only (a top of 2 gets 0, 1, 2, never 0.5)."""
    for n in (4, 5, 2, 1):
        if top / n >= 1 and (top / n).is_integer():
            return _ticks(top, n)
    return _ticks(top)


def ellipsize(text: str, limit: int) -> str:
    """At most ``limit`` characters, the cut marked with "…" (the full text stays in the hover title)."""
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def text_width(text: str, px: float = 12, bold: bool = False) -> float:
    """A generous estimate of the width of ``text`` in DejaVu Sans (its glyphs average 0.62 em, bold 0.68)."""
    return len(text) * px * (0.68 if bold else 0.62)


def responsive(wide: Markup, narrow: Markup) -> Markup:
    """Both drawings of a chart: the page shows the narrow one on phones, so its text stays readable."""
    return Markup(f'<div class="chart-wide">{wide}</div><div class="chart-narrow">{narrow}</div>')


def _svg(width: int, height: int, body: list[str], label: str) -> Markup:
    return Markup(
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}" '
        f'preserveAspectRatio="xMidYMid meet" xmlns="http://www.w3.org/2000/svg">'
        f'<title>{escape(label)}</title>{"".join(body)}</svg>')


def stacked_bars(labels: Sequence[str], series: Sequence[tuple[str, str, Sequence[float]]], *, label: str,
                 fmt: Fmt = lambda v: f"{v:g}", line: tuple[str, Sequence[float | None], Fmt] | None = None,
                 width: int = 900, height: int = 260, every: int = 1,
                 line_nice: Callable[[float], float] = nice_seconds) -> Markup:
    """Vertical stacked bars per label; series = (name, css class, values). Optional line on a right axis."""
    n = max(1, len(labels))
    left, right, top, bottom = 48, 52 if line else 12, 12, 34
    pw, ph = width - left - right, height - top - bottom
    totals = [sum(s[2][i] for s in series) for i in range(len(labels))]
    ymax = _nice_max(max(totals, default=0))
    counts = all(float(v).is_integer() for s in series for v in s[2])
    body: list[str] = []
    for t in _count_ticks(ymax) if counts else _ticks(ymax):
        y = top + ph - ph * t / ymax
        body.append(f'<line class="grid" x1="{left}" x2="{left + pw}" y1="{y:.1f}" y2="{y:.1f}"/>'
                    f'<text class="axis" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{escape(fmt(t))}</text>')
    slot = pw / n
    bw = max(1.0, slot * 0.72)
    # every n-th label, so that neighbouring labels never overlap (narrow charts, long ranges)
    widest = max((text_width(lab, 11) for lab in labels), default=0.0)
    every = max(every, math.ceil((widest + 8) / slot))
    for i, lab in enumerate(labels):
        x = left + i * slot + (slot - bw) / 2
        y = top + ph
        for name, css, values in series:
            v = values[i]
            if v <= 0:
                continue
            h = ph * v / ymax
            y -= h
            body.append(f'<rect class="{css}" x="{x:.1f}" y="{y:.1f}" width="{bw:.1f}" height="{h:.1f}">'
                        f'<title>{escape(lab)} · {escape(name)}: {escape(fmt(v))}</title></rect>')
        if i % every == 0:
            body.append(f'<text class="axis" x="{x + bw / 2:.1f}" y="{height - bottom + 16}" '
                        f'text-anchor="middle">{escape(lab)}</text>')
    if line is not None:
        lname, lvalues, lfmt = line
        lmax = line_nice(max((v for v in lvalues if v is not None), default=0) or 1)
        pts = []
        for i, v in enumerate(lvalues):
            if v is None:
                continue
            x = left + i * slot + slot / 2
            y = top + ph - ph * v / lmax
            pts.append((x, y, v, labels[i]))
        if pts:
            body.append('<polyline class="line" fill="none" points="'
                        + " ".join(f"{x:.1f},{y:.1f}" for x, y, _, _ in pts) + '"/>')
            for x, y, v, lab in pts:
                body.append(f'<circle class="dot" cx="{x:.1f}" cy="{y:.1f}" r="3">'
                            f'<title>{escape(lab)} · {escape(lname)}: {escape(lfmt(v))}</title></circle>')
        for t in _ticks(lmax):
            y = top + ph - ph * t / lmax
            body.append(f'<text class="axis line-axis" x="{left + pw + 6}" y="{y + 4:.1f}">{escape(lfmt(t))}</text>')
    body.append(f'<line class="base" x1="{left}" x2="{left + pw}" y1="{top + ph}" y2="{top + ph}"/>')
    return _svg(width, height, body, label)


def hbars(rows: Sequence[tuple[str, float | None, float | None, float | None]], *, label: str, fmt: Fmt,
          names: tuple[str, str] = ("median", "p90"), target_name: str = "target", width: int = 900,
          nice: Callable[[float], float] = nice_seconds) -> Markup:
    """Horizontal bars per row: (label, median, p90, target): a bar to the median, a whisker to p90, a target tick."""
    row_h, right, top = 30, 70, 8
    left = min(180, width // 3)
    height = top + row_h * max(1, len(rows)) + 24
    pw = width - left - right
    xmax = nice(max((max(v or 0 for v in r[1:]) for r in rows), default=0) or 1)
    body: list[str] = []
    for t in _ticks(xmax, 4 if pw >= 70 * 4 else 2):  # tick labels ("1:00:00") need about 70 units each
        x = left + pw * t / xmax
        body.append(f'<line class="grid" x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{height - 22}"/>'
                    f'<text class="axis" x="{x:.1f}" y="{height - 6}" text-anchor="middle">{escape(fmt(t))}</text>')
    for i, (lab, med, p90, target) in enumerate(rows):
        y = top + i * row_h
        body.append(f'<text class="label" x="{left - 8}" y="{y + row_h / 2 + 5:.1f}" text-anchor="end">'
                    f'<title>{escape(lab)}</title>{escape(ellipsize(lab, max(8, int((left - 12) / 8))))}</text>')
        over = target is not None and target > 0 and med is not None and med > target
        if med is not None:
            w = pw * med / xmax
            body.append(f'<rect class="{"bar-bad" if over else "bar-a"}" x="{left}" y="{y + 6}" width="{w:.1f}" '
                        f'height="{row_h - 12}"><title>{escape(lab)} · {escape(names[0])}: {escape(fmt(med))}'
                        f'</title></rect>')
            # the figure right of the bar; past the p90 whisker when the whisker would strike it through
            tx = left + w + 6
            wx = left + pw * min(p90, xmax) / xmax if p90 is not None else -1.0
            if tx - 4 <= wx <= tx + text_width(fmt(med), 11) + 2:
                tx = wx + 6
            body.append(f'<text class="value" x="{tx:.1f}" y="{y + row_h / 2 + 5:.1f}">'
                        f'{escape(fmt(med))}</text>')
        if p90 is not None:
            x = left + pw * p90 / xmax
            body.append(f'<line class="whisker" x1="{x:.1f}" x2="{x:.1f}" y1="{y + 4}" y2="{y + row_h - 4}">'
                        f'<title>{escape(lab)} · {escape(names[1])}: {escape(fmt(p90))}</title></line>')
        if target:
            x = left + pw * min(target, xmax) / xmax
            body.append(f'<line class="target" x1="{x:.1f}" x2="{x:.1f}" y1="{y + 1}" y2="{y + row_h - 1}">'
                        f'<title>{escape(lab)} · {escape(target_name)}: {escape(fmt(target))}</title></line>')
    return _svg(width, height, body, label)


def heatmap(matrix: Sequence[Sequence[float]], rows: Sequence[str], cols: Sequence[str], *, label: str,
            fmt: Fmt = lambda v: f"{v:g}", width: int = 900) -> Markup:
    left, top, cell_h = 56, 26, 30
    ncols = max(1, len(cols))
    cw = (width - left - 8) / ncols
    height = top + cell_h * len(rows) + 6
    vmax = max((max(r) for r in matrix if len(r)), default=0) or 1
    body: list[str] = []
    step = math.ceil((max((text_width(c, 13) for c in cols), default=0.0) + 4) / cw)
    for j, c in enumerate(cols):
        if j % step:
            continue
        body.append(f'<text class="axis heat-label" x="{left + j * cw + cw / 2:.1f}" y="{top - 7}" '
                    f'text-anchor="middle">{escape(c)}</text>')
    for i, r in enumerate(rows):
        y = top + i * cell_h
        body.append(f'<text class="axis heat-label" x="{left - 8}" y="{y + cell_h / 2 + 5:.1f}" '
                    f'text-anchor="end">{escape(r)}</text>')
        for j, v in enumerate(matrix[i]):
            level = 0 if v <= 0 else 1 + min(4, int(4 * v / vmax))
            body.append(f'<rect class="heat{level}" x="{left + j * cw + 1:.1f}" y="{y + 1}" width="{cw - 2:.1f}" '
                        f'height="{cell_h - 2}"><title>{escape(r)} {escape(cols[j])}: {escape(fmt(v))}</title></rect>')
    return _svg(width, height, body, label)


def split_bar(parts: Sequence[tuple[str, str, float]], *, label: str, width: int = 900) -> Markup:
    """One horizontal bar split into parts (name, css class, count), with percentages."""
    total = sum(p[2] for p in parts)
    height = 46
    body: list[str] = []
    x = 0.0
    for name, css, v in parts:
        if v <= 0 or total <= 0:
            continue
        w = width * v / total
        pct = 100 * v / total
        body.append(f'<rect class="{css}" x="{x:.1f}" y="0" width="{w:.1f}" height="30">'
                    f'<title>{escape(name)}: {v:g} ({pct:.1f} %)</title></rect>')
        # the longest label that fits inside its part: name and share, the share alone, or none (legend, title)
        for text in (f"{name} {pct:.0f}\u00a0%", f"{pct:.0f}\u00a0%"):
            if text_width(text, 12, bold=True) + 10 <= w:
                body.append(f'<text class="inbar" x="{x + w / 2:.1f}" y="20" text-anchor="middle">'
                            f'{escape(text)}</text>')
                break
        x += w
    if total <= 0:
        body.append(f'<rect class="empty" x="0" y="0" width="{width}" height="30"/>')
    return _svg(width, height, body, label)
