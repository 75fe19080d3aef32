"""The statistics charts: labels fit their parts, count axes tick in whole numbers, cut names say so."""

from __future__ import annotations

import re

from hub.web import charts


def texts(svg: str, cls: str) -> list[str]:
    return re.findall(rf'<text class="{cls}"[^>]*>(?:<title>[^<]*</title>)?([^<]*)</text>', svg)


def test_split_bar_labels_fit_inside_their_parts() -> None:
    svg = str(charts.split_bar([("Kiszolgálva", "bar-a", 57), ("Nem jelent meg", "bar-b", 8),
                                ("Kiszolgálatlan", "bar-bad", 31), ("Folyamatban", "bar-d", 4)], label="x", width=900))
    parts = re.findall(r'<rect class="[^"]+" x="([\d.]+)" y="0" width="([\d.]+)"', svg)
    labels = re.findall(r'<text class="inbar" x="([\d.]+)"[^>]*>([^<]*)</text>', svg)
    assert "Kiszolgálva 57\u00a0%" in [t for _x, t in labels]
    assert "8\u00a0%" in [t for _x, t in labels]  # "Nem jelent meg 8 %" would spill over: the share alone
    assert not any(t.startswith("Nem jelent meg") for _x, t in labels)
    for x, text in labels:
        x0, w = next((float(a), float(b)) for a, b in parts if float(a) <= float(x) <= float(a) + float(b))
        assert charts.text_width(text, 12, bold=True) <= w, text


def test_count_axes_tick_in_whole_numbers() -> None:
    for top in (1, 2, 3, 7, 12, 40, 230):
        svg = str(charts.stacked_bars(["a", "b"], [("n", "bar-a", [top, 0])], label="x"))
        ticks = [t for t in texts(svg, "axis") if t not in ("a", "b")]
        assert ticks and all(re.fullmatch(r"\d+", t) for t in ticks), (top, ticks)


def test_long_names_are_cut_with_an_ellipsis_and_kept_whole_in_the_title() -> None:
    name = "Anyakönyvi ügyek és hagyatéki eljárások"
    svg = str(charts.hbars([(name, 60, 120, None)], label="x", fmt=str))
    shown = texts(svg, "label")[0]
    assert shown.endswith("…") and name.startswith(shown[:-1]) and f"<title>{name}</title>" in svg


def test_narrow_charts_keep_labels_apart() -> None:
    days = [f"11. {d:02d}." for d in range(1, 31)]
    svg = str(charts.stacked_bars(days, [("n", "bar-a", [1] * 30)], label="x", width=360))
    xs = [float(x) for x in re.findall(r'<text class="axis" x="([\d.]+)" y="[\d.]+" text-anchor="middle">', svg)]
    assert len(xs) >= 3 and all(b - a >= charts.text_width("11. 30.", 11) for a, b in zip(xs, xs[1:], strict=False))
    hours = [f"{h:02d}" for h in range(24)]
    heat = str(charts.heatmap([[1] * 24] * 7, ["H", "K", "Sze", "Cs", "P", "Szo", "V"], hours, label="x", width=360))
    cols = [float(x) for x in re.findall(r'<text class="axis heat-label" x="([\d.]+)" y="19"', heat)]
    assert cols and all(b - a >= charts.text_width("00", 13) for a, b in zip(cols, cols[1:], strict=False))


def test_the_median_figure_stands_clear_of_the_p90_whisker() -> None:
    def xs(svg: str) -> tuple[float, float, float]:
        bar = re.search(r'<rect class="bar-a" x="([\d.]+)" y="[\d.]+" width="([\d.]+)"', svg)
        value = float(re.search(r'<text class="value" x="([\d.]+)"', svg).group(1))
        whisker = float(re.search(r'<line class="whisker" x1="([\d.]+)"', svg).group(1))
        return float(bar.group(1)) + float(bar.group(2)), value, whisker

    end, value, whisker = xs(str(charts.hbars([("Adóügyek", 600, 630, None)], label="x", fmt=str)))
    assert value > whisker  # the whisker would cross the figure: the figure moves past it
    end, value, whisker = xs(str(charts.hbars([("Adóügyek", 600, 3000, None)], label="x", fmt=str)))
    assert end < value < whisker  # far apart: the figure stays by its bar
