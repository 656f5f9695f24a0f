"""The searchers' and the cell ops' colours stay apart to colour-blind readers (and the searchers' in greyscale print).

Each pair of :data:`naoviz.viz.theme.ALGO_COLORS` (and of the Child tab's two curves) is simulated for
protanopia, deuteranopia and tritanopia and must stay at least :data:`MIN_DELTA_E` apart in CIELAB (CIE76), and
the colours' CIELAB lightness L* (what a greyscale print keeps) at least :data:`MIN_DELTA_L` apart; the spare
colours (more names than searchers) keep the ΔE rule with them and each other. The old palettes fail (tested),
so the check can fail. Pure arithmetic: no figure is drawn.
"""
from __future__ import annotations

import itertools
import math

import pytest

# Machado, Oliveira and Fernandes (2009), "A physiologically-based model for simulation of color vision
# deficiency", IEEE TVCG 15(6):1291-1298, severity 1.0, from the authors' page
# (https://www.inf.ufrgs.br/~oliveira/pubs_files/CVD_Simulation/CVD_Simulation.html); applied to linear RGB.
MACHADO = {
    "protanopia": ((0.152286, 1.052583, -0.204868), (0.114503, 0.786281, 0.099216), (-0.003882, -0.048116, 1.051998)),
    "deuteranopia": ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413), (-0.011820, 0.042940, 0.968881)),
    "tritanopia": ((1.255528, -0.076749, -0.178779), (-0.078411, 0.930809, 0.147602), (0.004733, 0.691367, 0.303900)),
    "normal vision": ((1, 0, 0), (0, 1, 0), (0, 0, 1)),
}
# CIE76 ΔE 2.3 is a just noticeable difference between two large patches side by side; a searcher is a 2 px line
# and 5-8 px markers read against a legend swatch elsewhere on the page, where colour differences shrink (small
# fields lose most of their blue-yellow contrast), so we ask for ten times that, about the distance between
# Okabe-Ito's blue and sky blue (ΔE 26), two colours their palette offers as distinct categories.
MIN_DELTA_E = 20.0
# L* (0 black..100 white) is what a greyscale print or photocopy keeps of a colour. Ten L* units is about one
# step of a 10-step grey scale, which readers tell apart in thin lines; the old palette's NAO and evolution were
# 1.1 apart (one grey).
MIN_DELTA_L = 10.0


def linear_rgb(color: str) -> tuple:
    """'#rrggbb' -> linear RGB (0..1), the sRGB transfer function undone (IEC 61966-2-1)."""
    c = [int(color.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    return tuple(v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4 for v in c)


def lab(rgb) -> tuple:
    """Linear RGB (clipped to 0..1) -> CIELAB (D65 white)."""
    r, g, b = (min(1.0, max(0.0, v)) for v in rgb)
    x = (0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / 0.95047
    y = 0.2126729 * r + 0.7151522 * g + 0.0721750 * b
    z = (0.0193339 * r + 0.1191920 * g + 0.9503041 * b) / 1.08883

    def f(t):
        return t ** (1 / 3) if t > 216 / 24389 else (24389 / 27 * t + 16) / 116
    fx, fy, fz = f(x), f(y), f(z)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def seen(color: str, kind: str) -> tuple:
    """CIELAB of ``color`` as a reader with ``kind`` of vision sees it."""
    m, c = MACHADO[kind], linear_rgb(color)
    return lab(tuple(sum(m[i][j] * c[j] for j in range(3)) for i in range(3)))


def too_close(palette: dict) -> list:
    """(pair, what, value) for each pair of ``palette``'s colours closer than the thresholds."""
    bad = []
    for (a, ca), (b, cb) in itertools.combinations(palette.items(), 2):
        for kind in MACHADO:
            d = math.dist(seen(ca, kind), seen(cb, kind))
            if d < MIN_DELTA_E:
                bad.append(((a, b), kind, round(d, 1)))
        d_l = abs(lab(linear_rgb(ca))[0] - lab(linear_rgb(cb))[0])
        if d_l < MIN_DELTA_L:
            bad.append(((a, b), "greyscale L*", round(d_l, 1)))
    return bad


def test_the_simulation_turns_red_olive_and_keeps_greys():
    """Sanity of the arithmetic: pure red loses its redness (a* near 0) and turns yellowish (b* > 40) to a
    protanope and a deuteranope, darker to the protanope; white and grey keep their lightness."""
    for kind in MACHADO:
        assert seen("#ffffff", kind)[0] == pytest.approx(100, abs=0.5)
        assert seen("#808080", kind)[0] == pytest.approx(lab(linear_rgb("#808080"))[0], abs=0.5)
    for kind in ("protanopia", "deuteranopia"):
        _, a, b = seen("#ff0000", kind)
        assert abs(a) < 10 < 40 < b
    assert seen("#ff0000", "protanopia")[0] < lab(linear_rgb("#ff0000"))[0] - 10


def test_the_searcher_colours_stay_apart_to_colour_blind_readers_and_in_greyscale():
    from naoviz.viz.theme import ALGO_COLORS, CHILD_COLORS
    assert too_close(ALGO_COLORS) == []
    assert too_close(CHILD_COLORS) == []


def test_the_spare_colours_stay_apart_from_the_searchers_and_each_other_to_colour_blind_readers():
    """More names than searchers (`compare --algos nao:paper,nao:default,ls`) take :data:`SPARE_COLORS` in
    order: each is >= 3:1 on white, and :data:`MIN_DELTA_E` from every searcher colour and every other spare
    under each simulation (no greyscale rule: a spare name has its own marker shape too). plotly's palettes, the
    spares until 2026-12-07, fail: their red is ΔE 11.8 from NAO's vermilion to a deuteranope."""
    from naoviz.viz.theme import ALGO_COLORS, SPARE_COLORS, algo_colors
    assert algo_colors(["nao:paper", "nao:default", "ls"]) == {"nao:paper": ALGO_COLORS["nao"],
                                                               "nao:default": SPARE_COLORS[0], "ls": ALGO_COLORS["ls"]}
    names = ["nao", "re", "rs", "ls"] + [f"nao:{i}" for i in range(len(SPARE_COLORS))]
    drawn = algo_colors(names)
    assert len(set(drawn.values())) == len(names)              # every spare used before any twice
    assert [b for b in too_close(drawn) if b[1] != "greyscale L*"] == []
    for c in SPARE_COLORS:
        lum = 0.2126 * linear_rgb(c)[0] + 0.7152 * linear_rgb(c)[1] + 0.0722 * linear_rgb(c)[2]
        assert 1.05 / (lum + 0.05) >= 3, c                    # WCAG 1.4.11: a graphic's 3:1 on white
    plotly_spares = {"nao": ALGO_COLORS["nao"], "plotly #2": "#EF553B"}   # px.colors.qualitative.Plotly[1]
    assert (("nao", "plotly #2"), "deuteranopia", 11.8) in too_close(plotly_spares)


def test_the_old_searcher_colours_fail_the_check():
    """Until 2026-12-07: NAO red, local search green (one olive to a deuteranope), all four within 11 L*."""
    old = {"nao": "#d62728", "re": "#1f77b4", "rs": "#7f7f7f", "ls": "#2ca02c"}
    bad = too_close(old)
    assert (("nao", "ls"), "deuteranopia", 7.3) in bad
    assert (("nao", "re"), "greyscale L*", 1.1) in bad


def test_every_figure_takes_the_searcher_colours_from_the_one_table():
    """The compare figure, the Pareto figure and the Search tab's chart series draw each searcher in its
    :data:`ALGO_COLORS` colour (no copy elsewhere)."""
    import numpy as np

    from naoviz.ui.search_panel import search_lines
    from naoviz.viz.curves import search_curves
    from naoviz.viz.pareto import pareto_figure
    from naoviz.viz.theme import ALGO_COLORS, algo_label
    curves = {a: [np.maximum.accumulate(np.arange(10.0) + i) for i in range(2)] for a in ALGO_COLORS}
    fig = search_curves(curves)
    drawn = {t.name: t.line.color for t in fig.data if t.mode and "lines" in t.mode}
    assert drawn == {f"{algo_label(a)} (n=2)": c for a, c in ALGO_COLORS.items()}
    pts = {a: np.c_[np.arange(5.0), np.arange(5.0)] for a in ALGO_COLORS}
    pareto = pareto_figure(pts, metric="valid_acc", cost="params_M")
    assert {t.name: t.marker.color for t in pareto.data} == {f"{algo_label(a)} {w}": c for a, c in ALGO_COLORS.items()
                                                            for w in ("queries", "front")}
    series, _ = search_lines(curves)
    assert {s["color"] for s in series} == set(ALGO_COLORS.values())


def _explorer_op_colors() -> dict:
    """The explorer's NB201 op colours (explorer_draw.js OP_COLOR)."""
    return _js_table("explorer_draw.js", "OP_COLOR")


def test_the_op_colours_of_the_figures_and_the_explorer_are_one_and_apart_to_colour_blind_readers():
    """NB201's skip, 1×1, 3×3 and avg stay :data:`MIN_DELTA_E` apart under each simulation (no greyscale check: every
    edge is labelled with its op, so colour is a second cue there; "none" is a grey beside skip's, also dashed and
    in the figures not drawn); the exported figures and the explorer draw the same colours. The old avg green
    beside 3×3's red fails (ΔE 11 to a protanope)."""
    from naoviz.spaces import NB201Space
    from naoviz.viz.theme import OP_COLORS
    page = _explorer_op_colors()
    assert page == {op: OP_COLORS[op] for op in NB201Space().ops}
    coloured = {op: page[op] for op in ("skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")}
    assert [b for b in too_close(coloured) if b[1] != "greyscale L*"] == []
    old = dict(coloured, avg_pool_3x3="#188038")
    assert (("nor_conv_3x3", "avg_pool_3x3"), "protanopia", 10.9) in too_close(old)


def _js_table(name: str, const: str) -> dict:
    """A ``const NAME = { key: "#rrggbb", ... }`` table of an explorer part, as a dict."""
    import json
    import re
    from pathlib import Path

    import naoviz
    js = (Path(naoviz.__file__).parent / "resources" / "explorer" / name).read_text()
    return json.loads(re.sub(r"(\w+):", r'"\1":', re.search(rf"const {const} = (\{{[^}}]*\}})", js).group(1)))


def _luminance(color: str) -> float:
    """WCAG 2's relative luminance of '#rrggbb'."""
    return sum(w * v for w, v in zip((0.2126, 0.7152, 0.0722), linear_rgb(color)))


def _contrast_on_white(color: str) -> float:
    return 1.05 / (_luminance(color) + 0.05)


def _on_dark(colors) -> dict:
    """{colour: its contrast on Voila Dark's #212121}, the lighter of naoviz's dark pages (JupyterLab Dark: #111)."""
    return {c: (_luminance(c) + 0.05) / (_luminance("#212121") + 0.05) for c in colors}


@pytest.mark.parametrize("op_set", ["paper", "ws"])
def test_the_naonet_op_colours_of_the_figures_and_the_explorer_are_one_and_apart_to_colour_blind_readers(op_set):
    """The ops one NAONet cell may hold (the paper's 11, or the weight-sharing 5) stay :data:`MIN_DELTA_E` apart
    under each simulation (no greyscale rule: every edge's label names its op), each >= 4.5:1 on white (the
    explorer draws each label in its op's colour); the exported figures (op_color with the space) and the explorer
    draw the same colours. The explorer's old max pools and avg pools were one colour each (avg5×5 and id ΔE 2 to
    a deuteranope), and the figures' old ones other, pastel colours (1×7/7×1 and avg2×2 ΔE 3 to a protanope)."""
    from naoviz.spaces.naonet import OP_SETS
    from naoviz.viz.theme import NAONET_COLORS, NAONET_COLORS_DARK, op_color
    page = _js_table("explorer_naonet.js", "NAONET_COLOR")
    assert page == NAONET_COLORS and _js_table("explorer_naonet.js", "NAONET_COLOR_DARK") == NAONET_COLORS_DARK
    ops = OP_SETS[op_set][0]
    space = {"paper": "naonet", "ws": "naonet-ws"}[op_set]
    drawn = {op: op_color(op, space) for op in ops}
    assert drawn == {op: page[op] for op in ops}
    assert [b for b in too_close(drawn) if b[1] != "greyscale L*"] == []
    assert {c: round(_contrast_on_white(c), 1) for c in drawn.values() if _contrast_on_white(c) < 4.5} == {}
    if op_set == "paper":
        old_page = {"identity": "#5f6368", "avg_pool_5x5": "#00796b"}
        assert (("identity", "avg_pool_5x5"), "deuteranopia", 2.0) in too_close(old_page)
        old_figures = {"conv_1x7_7x1": "#c5b0d5", "avg_pool_2x2": "#17becf"}
        assert (("conv_1x7_7x1", "avg_pool_2x2"), "protanopia", 3.2) in too_close(old_figures)


@pytest.mark.parametrize("op_set", ["paper", "ws"])
def test_the_explorers_naonet_op_colours_on_a_dark_page_are_apart_and_legible(op_set):
    """On a dark page the explorer draws :data:`NAONET_COLORS_DARK`: each >= 4.5:1 on Voila Dark's #212121 (and so
    on JupyterLab Dark's #111), every two ops of one set :data:`MIN_DELTA_E` apart under each simulation. The light
    colours as a dark page drew them until 2026-12-07 (lightened toward white to 4.5:1 on #111, ink.js inkOn) fail:
    id and 1×3/3×1 ΔE 3.4 to a deuteranope."""
    from naoviz.spaces.naonet import OP_SETS
    from naoviz.viz.theme import NAONET_COLORS_DARK
    drawn = {op: NAONET_COLORS_DARK[op] for op in OP_SETS[op_set][0]}
    assert [b for b in too_close(drawn) if b[1] != "greyscale L*"] == []
    assert {c: round(r, 2) for c, r in _on_dark(drawn.values()).items() if r < 4.5} == {}
    lightened = {"identity": "#7f8286", "conv_1x3_3x1": "#c65b89"}        # inkOn("#5f6368" / "#ad1457", #111, 4.5)
    assert (("identity", "conv_1x3_3x1"), "deuteranopia", 3.4) in too_close(lightened)


def test_the_explorers_nb201_op_colours_on_a_dark_page_are_apart_and_legible():
    """skip, 1×1, 3×3 and avg on a dark page (:data:`OP_COLORS_DARK`, explorer_draw.js OP_COLOR_DARK, tested
    equal): >= 4.5:1 on #212121 and :data:`MIN_DELTA_E` apart under each simulation. The light ones lightened to
    4.5:1 on #111 (ink.js inkOn, as until 2026-12-07) fail: skip and avg ΔE 6.9 to a tritanope."""
    from naoviz.viz.theme import OP_COLORS_DARK
    assert _js_table("explorer_draw.js", "OP_COLOR_DARK") == OP_COLORS_DARK
    assert [b for b in too_close(OP_COLORS_DARK) if b[1] != "greyscale L*"] == []
    assert {c: round(r, 2) for c, r in _on_dark(OP_COLORS_DARK.values()).items() if r < 4.5} == {}
    lightened = {"skip_connect": "#7f8286", "avg_pool_3x3": "#857ab8"}    # inkOn("#5f6368" / "#332288", #111, 4.5)
    assert (("skip_connect", "avg_pool_3x3"), "tritanopia", 6.9) in too_close(lightened)
