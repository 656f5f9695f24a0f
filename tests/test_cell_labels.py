"""Cell graphs: no op label over another or over a node, measured in the figure's own pixels.

NAONet cells (10 labelled edges on 8 nodes) had labels at their arcs' middles, drawn over each other and over
nodes; the boxes here are computed from the figure alone (margins, axis domains and ranges, label positions,
font size), as the browser test of the explorer's NB201 graphs does from the page.
"""
from __future__ import annotations

import pytest

from naoviz.spaces import get_space
from naoviz.viz import cell_compare, cell_graph
from naoviz.viz.figure_files import export_height

CHAR_EM = 0.62          # text width per character, in font sizes: wider than Open Sans/Arial's digits and 'x'
LINE_EM = 1.3           # line height, in font sizes
SIZES = [(900, 600), (900, 450), (1280, 720)]     # export()'s default; plotly's notebook height; wide
NARROW = [(600, 600), (700, 450), (600, 450)]     # a notebook beside a side panel; a half-screen window; a small export


def plain(fig) -> dict:
    """``fig`` as plain dicts ({"data": [...], "layout": {...}}, numpy arrays as they are, not to_dict's base64): read
    through plotly's objects, the boxes of one space's 20 pairs at 9 sizes took ~30 s (each read builds objects)."""
    if isinstance(fig, dict):
        return fig
    return {"data": [t.to_plotly_json() for t in fig.data], "layout": fig.layout.to_plotly_json()}   # arrays kept


def _to_px(fig, xref, yref, width, height):
    """Data (x, y) on the axes ``xref``/``yref`` -> figure pixels (y down), for a figure (:func:`plain`) drawn at
    width x height."""
    lay = fig["layout"]
    m = lay["margin"]
    pw, ph = width - m["l"] - m["r"], height - m["t"] - m["b"]
    xa, ya = lay.get("xaxis" + xref[1:], {}), lay.get("yaxis" + yref[1:], {})
    (dx0, dx1), (dy0, dy1) = xa.get("domain") or (0, 1), ya.get("domain") or (0, 1)
    (x0, x1) = xa.get("range") or _extent(fig, xref, "x", pw * (dx1 - dx0))
    (y0, y1) = ya.get("range") or _extent(fig, yref, "y", ph * (dy1 - dy0))

    def px(x, y):
        return (m["l"] + pw * (dx0 + (x - x0) / (x1 - x0) * (dx1 - dx0)),
                m["t"] + ph * (1 - (dy0 + (y - y0) / (y1 - y0) * (dy1 - dy0))))
    return px


def _extent(fig, ref, axis, length, pad=15.0):
    """An autoscaled axis (NB201): its traces' extent, padded by ``pad`` px each side as plotly does for markers
    (13 px circles)."""
    vals = [v for t in fig["data"] if (t.get(axis + "axis") or axis) == ref for v in t.get(axis, ()) if v is not None]
    lo, hi = min(vals), max(vals)
    per_px = (hi - lo) / (length - 2 * pad)
    return lo - pad * per_px, hi + pad * per_px


def label_boxes(fig, width, height):
    """{axis pair: [(left, top, right, bottom) of each op label]} and {axis pair: [(cx, cy, r) of each node]}
    (``fig``: a plotly figure or its :func:`plain` dict)."""
    fig = plain(fig)
    boxes, nodes = {}, {}
    for a in fig["layout"].get("annotations", ()):
        if not a.get("hovertext"):        # subplot titles
            continue
        axes = (a.get("xref") or "x", a.get("yref") or "y")
        px = _to_px(fig, *axes, width, height)
        lines = a["text"].split("<br>")
        pad = (a.get("borderpad") or 0) + (a.get("borderwidth") or 0)
        w = CHAR_EM * a["font"]["size"] * max(map(len, lines)) + 2 * pad
        h = LINE_EM * a["font"]["size"] * len(lines) + 2 * pad
        cx, cy = px(a["x"], a["y"])
        boxes.setdefault(axes, []).append((cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2))
    for t in fig["data"]:
        if t.get("name") not in ("op labels", "nodes"):
            continue
        axes = (t.get("xaxis") or "x", t.get("yaxis") or "y")
        px = _to_px(fig, *axes, width, height)
        for i, (x, y) in enumerate(zip(t["x"], t["y"])):
            cx, cy = px(x, y)
            r = t["marker"]["size"] / 2
            if t["name"] == "nodes":
                nodes.setdefault(axes, []).append((cx, cy, r))
            else:                          # a middle label: its text, or its circle where that is wider
                w = max(CHAR_EM * t["textfont"]["size"] * len(t["text"][i]), 2 * r)
                boxes.setdefault(axes, []).append((cx - w / 2, cy - r, cx + w / 2, cy + r))
    return boxes, nodes


def crossings(fig, width, height, found=None) -> list:
    """Every pair of label boxes that overlap and every label box that reaches into a node's circle (``found``:
    ``label_boxes(fig, width, height)`` when already computed)."""
    boxes, nodes = found or label_boxes(fig, width, height)
    bad = []
    for axes, bs in boxes.items():
        for i, a in enumerate(bs):
            bad += [(axes, a, b) for b in bs[i + 1:] if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]]
            for cx, cy, r in nodes.get(axes, []):
                if ((max(a[0] - cx, 0, cx - a[2])) ** 2 + (max(a[1] - cy, 0, cy - a[3])) ** 2) ** 0.5 < r:
                    bad.append((axes, a, (cx, cy, r)))
            if not (0 <= a[0] and a[2] <= width and 0 <= a[1] and a[3] <= height):
                bad.append((axes, a, "outside the figure"))
    return bad


def sizes(fig) -> list:
    """The widths and heights a figure is checked at: each of SIZES + NARROW as ``export()`` draws it (and
    plotly's notebook shows it): at least the figure's own height where it sets one (a NAONet cell_compare
    asks for 760 px, its 4 cell rows)."""
    return [(w, export_height(fig, h)) for w, h in SIZES + NARROW]


@pytest.fixture(scope="module")
def naonet_pairs():
    """``get(name)``: the space and its 20 seeded (seed, other, cell_compare figure, {size: label_boxes}), built
    once per module: three tests check the same figures."""
    built = {}

    def get(name):
        if name not in built:
            space = get_space(name)
            archs = space.sample(40, seed=7)
            pairs = []
            for i in range(20):
                fig = cell_compare(space, archs[i], archs[20 + i])
                drawn = plain(fig)
                pairs.append((archs[i], archs[20 + i], fig, {wh: label_boxes(drawn, *wh) for wh in sizes(fig)}))
            built[name] = space, pairs
        return built[name]
    return get


@pytest.mark.parametrize("name", ["naonet", "naonet-ws"])
def test_naonet_op_labels_do_not_overlap_each_other_or_nodes(name, naonet_pairs):
    space, pairs = naonet_pairs(name)
    for i, (seed, other, compare, found) in enumerate(pairs):
        graph = cell_graph(space, seed)
        drawn = plain(graph)
        for fig, shown, boxes in ((graph, [seed], {wh: label_boxes(drawn, *wh) for wh in sizes(graph)}),
                                  (compare, [seed, other], found)):
            edges = [d for a in shown for *_, d in space.to_graph(a).edges(data=True) if d["op"] != "concat"]
            assert sum(map(len, boxes[sizes(fig)[0]][0].values())) == len(edges)   # every op edge labelled
            for width, height in sizes(fig):
                assert crossings(fig, width, height, boxes[width, height]) == [], (name, i, width, height)


def test_nb201_op_labels_do_not_overlap_each_other_or_nodes():
    space = get_space("nb201")
    archs = space.sample(40, seed=7)
    for i in range(20):
        for fig in (cell_graph(space, archs[i]), cell_compare(space, archs[i], archs[20 + i])):
            drawn = plain(fig)
            for width, height in sizes(fig):
                assert crossings(drawn, width, height) == [], (i, width, height)


@pytest.mark.parametrize("name", ["naonet", "naonet-ws"])
def test_a_removed_edge_passes_behind_no_label(name, naonet_pairs):
    """The decoded panel's dotted edges (the seed's, gone): every point of each, in pixels, lies outside every
    op label box of its panel, at every size; 20 seeded pairs with removed edges."""
    seen = 0
    for i, (_, _, fig, found) in enumerate(naonet_pairs(name)[1]):
        drawn = plain(fig)
        for width, height in sizes(fig):
            boxes = found[width, height][0]
            for t in drawn["data"]:
                if t.get("name") != "removed":
                    continue
                seen += 1
                axes = (t.get("xaxis") or "x", t.get("yaxis") or "y")
                px = _to_px(drawn, *axes, width, height)
                pts = [px(x, y) for x, y in zip(t["x"], t["y"]) if x is not None]
                inside = [(p, b) for p in pts for b in boxes[axes]
                          if b[0] + 1 < p[0] < b[2] - 1 and b[1] + 1 < p[1] < b[3] - 1]
                assert not inside, (name, i, width, height, inside[:2])
    assert seen >= 20


@pytest.mark.parametrize("name", ["naonet", "naonet-ws"])
def test_a_naonet_figure_is_titled_in_words_with_its_tokens_on_hover(name):
    space = get_space(name)
    arch = space.sample(1, seed=3)[0]
    text = space.format(arch)
    fig = cell_graph(space, arch, title="seed")
    want = {"naonet": "NAONet", "naonet-ws": "NAONet-WS"}[name]
    assert fig.layout.title.text == f"{want} cell, 5 nodes · seed"
    assert fig.layout.meta["arch"] == text
    names = next(t for t in fig.data if t.name == "cell names")
    assert list(names.hovertext) == [f"{c} cell: {part.strip()}" for c, part in zip(("normal", "reduction"), text.split("|"))]
    assert cell_graph(space, arch).layout.title.text == f"{want} cell, 5 nodes"
    nb = get_space("nb201")
    assert cell_graph(nb, nb.sample(1, seed=0)[0]).layout.title.text == nb.format(nb.sample(1, seed=0)[0])


def test_a_naonet_compare_exported_small_keeps_its_own_height(tmp_path, naonet_pairs):
    """Asked for 600 x 450, a NAONet cell_compare is drawn 600 wide and its own 760 tall: squeezed into 450 px
    its labels crossed each other and the nodes (62 crossings over the 20 seeded pairs above); a figure that
    sets no height (a single cell, NB201's compare) keeps the size asked for."""
    from PIL import Image

    from naoviz.viz.figure_files import export_many
    figs = [fig for _, _, fig, _ in naonet_pairs("naonet")[1]]        # the 20 seeded pairs' cell_compare figures
    assert any(crossings(f, 600, 450) for f in figs)                   # what a 450-px drawing did
    assert not any(crossings(f, 600, export_height(f, 450)) for f in figs)
    fig = figs[0]
    nb = get_space("nb201")
    # both in one batch (export() is export_many of one figure): one browser start, not two
    out, one = export_many([fig, cell_compare(nb, *nb.sample(2, seed=7))],
                           [tmp_path / "compare.png", tmp_path / "nb201.png"], width=600, height=450, scale=1)
    assert Image.open(out).size == (600, fig.layout.height)
    assert Image.open(one).size == (600, 450)


def test_the_explorer_and_the_exported_cells_label_each_op_alike():
    """The explorer (SVG drawn by explorer_draw.js) said "pool" and the figures it exports (naoviz.viz.cells) "avg"
    for the same edge, and "none" against "∅": a teacher's exported cell did not match the screen."""
    import json
    import re
    from pathlib import Path

    import naoviz
    from naoviz.spaces import NB201Space
    from naoviz.viz.theme import op_short
    js = (Path(naoviz.__file__).parent / "resources" / "explorer" / "explorer_draw.js").read_text()
    table = re.search(r"const OP_SHORT = (\{[^}]*\})", js).group(1)
    shown = json.loads(re.sub(r"(\w+):", r'"\1":', table))
    assert shown == {op: op_short(op) for op in NB201Space().ops}


def test_the_cell_legend_names_each_op_by_its_edge_label_then_in_words():
    """The cell figures' legend said the op ids (avg_pool_3x3, nor_conv_1x1) while their edges say "avg",
    "1×1": each entry now starts with the label its edges carry and names the op in words, in every space; and
    a NAONet edge's label is the explorer's (NAONET_SHORT, "sep3×3", "1×3/3×1": the figures said "sep3x3")."""
    import json
    import re
    from pathlib import Path

    import naoviz
    from naoviz.spaces import NB201Space, get_space
    from naoviz.viz.theme import NAONET_SHORT, op_legend, op_short
    js = (Path(naoviz.__file__).parent / "resources" / "explorer" / "explorer_naonet.js").read_text()
    table = re.search(r"const NAONET_SHORT = (\{[^}]*\})", js).group(1)
    assert json.loads(re.sub(r"(\w+):", r'"\1":', table)) == NAONET_SHORT
    for name in ("nb201", "naonet", "naonet-ws"):
        for op in get_space(name).ops:
            entry = op_legend(op, name)
            assert entry.startswith(op_short(op, name)) and entry != op and "_" not in entry, entry
    assert [op_legend(op) for op in NB201Space().ops] == [
        "none (zero)", "skip (identity)", "1×1 conv", "3×3 conv", "avg (3×3 average pool)"]
    assert op_legend("conv_1x3_3x1", "naonet") == "1×3/3×1 conv" and op_short("avg_pool_3x3", "naonet") == "avg3×3"
