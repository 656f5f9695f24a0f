"""Cell graphs (networkx -> plotly): ops on edges, one legend entry per op, changes highlighted.

Works for any space's ``to_graph``: nodes are grouped by a ``cell`` node attribute when present (NAONet's
normal and reduction cells, one row each), in their fixed order, and edges are drawn as arcs so edges that
skip nodes do not hide behind others. NB201 labels each arc at its middle. A NAONet cell has up to 10 labelled
edges on 8 nodes, where middle labels landed on each other and on nodes: there each edge's label sits in a slot
of its destination node (half a column before it, above for the node's first input, below for its second),
so no two labels share a place, and the arc is drawn through its label (:func:`slot_arc`).
"""
from __future__ import annotations

from typing import Optional

import networkx as nx
import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from naoviz.viz.theme import HIGHLIGHT, TEMPLATE, op_color, op_legend, op_short

EdgeKey = tuple  # (cell, u, v) identifying an edge slot


_KIND = {"input": 0, "node": 1, "output": 2}


def layout(g: nx.DiGraph) -> dict:
    """Node -> (x, y): one row per cell group (NAONet: normal above reduction), nodes in their fixed order
    (inputs, intermediate nodes by ``state``, output; NB201: node id) so a seed and its decoded cell line up."""
    groups: dict = {}
    for n, data in g.nodes(data=True):
        groups.setdefault(data.get("cell", ""), []).append(n)
    pos = {}
    for row, (_, nodes) in enumerate(groups.items()):
        def key(n):
            d = g.nodes[n]
            return (_KIND.get(d.get("kind", "node"), 1), d.get("state", n if isinstance(n, int) else 0), str(n))
        for i, n in enumerate(sorted(nodes, key=key)):
            pos[n] = (float(i), -ROW * row)
    return pos


def slotted(g: nx.DiGraph) -> bool:
    """Whether ``g`` is drawn with label slots (a graph of named cells: NAONet) rather than middle labels."""
    return any(d.get("cell") for _, d in g.nodes(data=True))


def _node_label(g: nx.DiGraph, n) -> str:
    label = str(g.nodes[n].get("label", n))
    return label.replace("c_{", "").replace("}", "")


def _main_op(data: dict) -> str:
    """The op that colours an edge: the edge's single op, or the first of a node's two same-source ops."""
    ops = data.get("ops")
    return ops[0] if ops else data.get("op", "?")


def _edge_key(g: nx.DiGraph, u, v) -> EdgeKey:
    return (g.nodes[u].get("cell", ""), u, v)


def _arc(p, q, bend: float, n: int = 20) -> tuple[np.ndarray, np.ndarray]:
    """Quadratic Bezier from p to q bulging by ``bend`` perpendicular to the chord."""
    p, q = np.asarray(p, float), np.asarray(q, float)
    mid = (p + q) / 2
    d = q - p
    normal = np.array([-d[1], d[0]]) / (np.linalg.norm(d) + 1e-9)
    c = mid + bend * normal
    t = np.linspace(0, 1, n)[:, None]
    pts = (1 - t) ** 2 * p + 2 * (1 - t) * t * c + t ** 2 * q
    return pts[:, 0], pts[:, 1]


# NAONet geometry, in data units (one column per node): label slots SLOT above/below the row, half a column
# before their node. An arc to the next node runs level through its slot; a longer one first rises over the
# labels between (to SLOT + CLEAR, RISE more per further column, so arcs of different spans part), then comes
# level into its slot and drops into its node. Rows ROW apart, each reaching PEAK above and below its nodes.
SLOT = 0.6
CLEAR = 0.5                                     # a longer arc's lowest top: over the two-line labels it passes
RISE = 0.12
PEAK = 1.35                                     # the highest arc (k-2 -> n4) tops at 1.2
HIGH = 1.28                                     # a removed edge's level: over every arc, under the row's edge
TITLE = PEAK + 0.25
ROW = 2 * PEAK + 0.5
X_PAD = 0.45
LABEL_FONT = 10
LEGEND_ROOM = 100                               # px of bottom margin: the legend of up to 14 ops in 2-3 rows
COMPARE_HEIGHT = 760     # px: a NAONet cell_compare's 4 cell rows (450 crowds them; export draws it at least this tall)


def _bezier(points, n: int) -> np.ndarray:
    """(n, 2) points of the Bezier curve with these control points (de Casteljau)."""
    t = np.linspace(0, 1, n)[:, None, None]
    pts = np.broadcast_to(np.asarray(points, float), (n, len(points), 2))
    while pts.shape[1] > 1:
        pts = (1 - t) * pts[:, :-1] + t * pts[:, 1:]
    return pts[:, 0]


def slot_arc(p, q, side: int, n: int = 24) -> tuple[tuple[float, float], np.ndarray, np.ndarray]:
    """(label slot, xs, ys): an arc from node p to node q (q right of p) through the slot half a column before
    q, ``SLOT`` above (side +1) or below (side -1) the row, level there; longer spans rise higher first."""
    (x0, y0), (x1, _) = p, q
    xs, ys = x1 - 0.5, y0 + side * SLOT
    if x1 - x0 <= 1:                  # to the next node: level through the slot
        pts = _bezier([(x0, y0), (x0 + 0.1, ys), (xs - 0.2, ys), (xs, ys), (xs + 0.2, ys), (x1 - 0.1, ys), (x1, y0)], n)
    else:                             # over the labels between: up to its own height, down into the slot
        high = y0 + side * (SLOT + CLEAR + RISE * (x1 - x0 - 2))
        rise = _bezier([(x0, y0), (x0 + 0.1, high), (xs - 1.0, high), (xs - 0.45, ys), (xs, ys)], n)
        drop = _bezier([(xs, ys), (x1 - 0.2, ys), (x1, y0)], n // 3)
        pts = np.vstack([rise, drop[1:]])
    return (xs, ys), pts[:, 0], pts[:, 1]


def over_arc(p, q, side: int, n: int = 24) -> tuple[np.ndarray, np.ndarray]:
    """(xs, ys) of a removed edge from node p to node q in a slotted graph: straight up (side +1) or down from p
    at p's column, level at ``HIGH`` over every label and arc, straight into q at q's column. A node's column
    is clear of labels (each sits half a column before its node, narrower than a column), so the edge passes
    behind none; an arc through the label slots would pass behind the label now in its place."""
    (x0, y0), (x1, _) = p, q
    top = y0 + side * HIGH
    c = 0.12                                    # the corners' rounding, in data units
    pts = np.vstack([_bezier([(x0, y0), (x0, top - side * c), (x0, top), (x0 + c, top)], n // 3),
                     _bezier([(x1 - c, top), (x1, top), (x1, top - side * c), (x1, y0)], n // 3)])
    return pts[:, 0], pts[:, 1]


def _bend(pos, u, v, g) -> float:
    """Straight for neighbours, arcs for longer spans, alternating side so they don't overlap."""
    span = abs(pos[v][0] - pos[u][0])
    if span <= 1:
        return 0.0
    k = 0.3 * span if span <= 3 else 0.9 + 0.1 * (span - 3)
    return k if int(round(span)) % 2 == 0 else -k


def add_cell(fig: go.Figure, g: nx.DiGraph, *, row=None, col=None, changed: Optional[set] = None,
             removed: Optional[list] = None, showlegend: bool = True, legend_seen: Optional[set] = None) -> None:
    """Draw ``g`` into ``fig`` (optionally a subplot); ``changed`` edge keys get a highlight halo,
    ``removed`` ((u, v, op) of the other graph) are drawn dotted grey."""
    pos = layout(g)
    changed = changed or set()
    legend_seen = legend_seen if legend_seen is not None else set()
    kw = dict(row=row, col=col) if row is not None else {}
    halo_x, halo_y = [], []
    by_op: dict = {}
    labels = {"x": [], "y": [], "text": [], "hover": [], "color": []}
    slots = slotted(g)
    space = g.graph.get("space", "")
    for u, v, data in g.edges(data=True):
        op = _main_op(data)
        full = data.get("op", op)
        if slots and op != "concat":      # the first input's edge above the row, the second's below
            (lx, ly), xs, ys = slot_arc(pos[u], pos[v], 1 if (data.get("branches") or ["x"])[0] == "x" else -1)
        elif slots and pos[v][0] - pos[u][0] > 1:   # into out: over the labels, through out's free slot
            _, xs, ys = slot_arc(pos[u], pos[v], 1 if int(pos[u][0]) % 2 else -1)
        else:
            xs, ys = _arc(pos[u], pos[v], _bend(pos, u, v, g))
            m = len(xs) // 2
            lx, ly = xs[m], ys[m]
        entry = by_op.setdefault(op, ([], []))
        entry[0].extend(list(xs) + [None])
        entry[1].extend(list(ys) + [None])
        if _edge_key(g, u, v) in changed:
            halo_x.extend(list(xs) + [None])
            halo_y.extend(list(ys) + [None])
        if op == "concat":
            continue                      # the cell output: a plain line, no op label
        labels["x"].append(lx); labels["y"].append(ly)
        labels["text"].append(("<br>" if slots else "+").join(op_short(o, space) for o in data.get("ops", [op])))
        labels["color"].append(op_color(op, space))
        labels["hover"].append(f"{_node_label(g, u)} → {_node_label(g, v)}: {full}"
                               + (" (changed)" if _edge_key(g, u, v) in changed else ""))
    if halo_x:
        fig.add_trace(go.Scatter(name="changed", x=halo_x, y=halo_y, mode="lines", hoverinfo="skip",
                                 line=dict(color=HIGHLIGHT, width=14), opacity=0.6,
                                 showlegend=showlegend and "changed" not in legend_seen, legendgroup="changed"), **kw)
        legend_seen.add("changed")
    for u, v, op in removed or []:
        if u in pos and v in pos:
            xs, ys = over_arc(pos[u], pos[v], 1 if int(pos[v][0]) % 2 else -1) if slots else _arc(pos[u], pos[v], _bend(pos, u, v, g))
            fig.add_trace(go.Scatter(name="removed", x=xs, y=ys, mode="lines", hovertext=f"{u} → {v}: {op} removed",
                                     hoverinfo="text", line=dict(color="#9e9e9e", width=2, dash="dot"),
                                     showlegend=showlegend and "removed" not in legend_seen,
                                     legendgroup="removed"), **kw)
            legend_seen.add("removed")
    for op, (xs, ys) in sorted(by_op.items()):        # the legend says what the edges say ("3×3"), in words
        fig.add_trace(go.Scatter(name=op_legend(op, space), x=xs, y=ys, mode="lines", hoverinfo="skip", legendgroup=op,
                                 line=dict(color=op_color(op, space), width=3),
                                 showlegend=showlegend and op not in legend_seen), **kw)
        legend_seen.add(op)
    if slots:                             # boxes sized to their text (a two-op edge: one op a line)
        refs = _refs(fig, row, col)
        fig.layout.annotations += tuple(   # at once: plotly's add_annotation copies every earlier one each call
            go.layout.Annotation(x=x, y=y, text=text, hovertext=hover, showarrow=False, bgcolor="white",
                                 bordercolor=color, borderwidth=1.5, borderpad=1,
                                 font=dict(size=LABEL_FONT, color="black"), **refs)
            for x, y, text, hover, color in zip(*labels.values()))
        xs = [p[0] for p in pos.values()]
        rows = len({p[1] for p in pos.values()})
        fig.update_xaxes(range=[min(xs) - X_PAD, max(xs) + X_PAD], **kw)
        fig.update_yaxes(range=[-ROW * (rows - 1) - PEAK, TITLE + 0.35], **kw)
    else:
        fig.add_trace(go.Scatter(name="op labels", x=labels["x"], y=labels["y"], mode="markers+text",
                                 text=labels["text"], hovertext=labels["hover"], hoverinfo="text",
                                 textfont=dict(size=10, color="black"), showlegend=False,
                                 marker=dict(size=26, color="white", line=dict(color=labels["color"], width=2))),
                      **kw)
    cells = {}
    for n, d in g.nodes(data=True):
        if d.get("cell"):
            cells.setdefault(d["cell"], pos[n][1])
    if cells:
        tokens = [part.strip() for part in str(g.graph.get("arch", "")).split("|")]
        tokens = tokens if len(tokens) == len(cells) else [g.graph.get("arch", "")] * len(cells)
        fig.add_trace(go.Scatter(name="cell names", x=[-X_PAD] * len(cells), y=[y + TITLE for y in cells.values()],
                                 mode="text", text=[f"<b>{c} cell</b>" for c in cells], textposition="middle right",
                                 hovertext=[f"{c} cell: {t}" for c, t in zip(cells, tokens)], hoverinfo="text",
                                 showlegend=False, textfont=dict(size=12, color="#37474f")), **kw)
    nodes = list(g.nodes)
    fig.add_trace(go.Scatter(name="nodes", x=[pos[n][0] for n in nodes], y=[pos[n][1] for n in nodes],
                             mode="markers+text", text=[_node_label(g, n) for n in nodes],
                             textfont=dict(color="white", size=12), hoverinfo="text",
                             hovertext=[f"{g.nodes[n].get('cell', 'node')} {_node_label(g, n)}" for n in nodes],
                             showlegend=False,
                             marker=dict(size=26, color="#37474f")), **kw)


def _refs(fig: go.Figure, row, col) -> dict:
    """The xref/yref that ``fig.add_annotation(row=row, col=col)`` gives an annotation (none without a subplot)."""
    if row is None:
        return {}
    sub = fig.get_subplot(row, col)
    return {"xref": sub.xaxis.plotly_name.replace("axis", ""), "yref": sub.yaxis.plotly_name.replace("axis", "")}


def _frame(fig: go.Figure, title: str = "", bottom: int = 10) -> go.Figure:
    """Axes hidden, legend below; ``bottom``: the margin the legend goes in (NAONet's 14 entries: 80 px)."""
    fig.update_layout(template=TEMPLATE, title=title or None, margin=dict(l=10, r=10, t=40, b=bottom),
                      legend=dict(orientation="h", y=-0.05, yanchor="top"), uirevision="cell")
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor=None)
    return fig


def _cells_name(g: nx.DiGraph) -> str:
    """A slotted graph's readable name: "NAONet cell, 5 nodes" (``naonet-ws``: "NAONet-WS cell, 5 nodes")."""
    nodes = sum(d.get("kind") == "node" for _, d in g.nodes(data=True)) // max(1, len(g.graph.get("cells", ())))
    space = {"naonet": "NAONet", "naonet-ws": "NAONet-WS"}.get(g.graph.get("space"), str(g.graph.get("space", "")))
    return f"{space} cell, {nodes} nodes"


def _check_space(space) -> None:
    from naoviz.errors import show
    from naoviz.spaces.base import SearchSpace
    if not isinstance(space, SearchSpace):
        raise TypeError(f"space: expected a SearchSpace (naoviz.spaces.get_space('nb201'), table.space), got "
                        f"{type(space).__name__} {show(space)}")


def _coerced(space, arch, name: str):
    """``space.coerce(arch)``, a bad cell named by its argument (``seed: nb201: ...``)."""
    try:
        return space.coerce(arch)
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from None


def cell_graph(space, arch, title: str = "") -> go.Figure:
    """One architecture's cell(s) with a legend of ops. An NB201 figure is titled ``title`` or the cell string;
    a NAONet one (40 tokens) "NAONet cell, 5 nodes" then ``title``, its tokens on hover over the cell names
    and in ``fig.layout.meta["arch"]``."""
    _check_space(space)
    g = space.to_graph(space.coerce(arch))
    fig = go.Figure()
    add_cell(fig, g)
    if not slotted(g):
        return _frame(fig, title or g.graph.get("arch", ""))
    fig.update_layout(meta={"arch": g.graph.get("arch", ""), "space": g.graph.get("space", "")})
    return _frame(fig, _cells_name(g) + (f" · {title}" if title else ""), bottom=LEGEND_ROOM)


def diff_edges(g_old: nx.DiGraph, g_new: nx.DiGraph) -> tuple[set, list]:
    """(edge keys of ``g_new`` that are new or carry another op, (u, v, op) of ``g_old`` edges gone)."""
    old = {_edge_key(g_old, u, v): d.get("op") for u, v, d in g_old.edges(data=True)}
    new = {_edge_key(g_new, u, v): d.get("op") for u, v, d in g_new.edges(data=True)}
    changed = {k for k, op in new.items() if old.get(k) != op}
    removed = [(k[1], k[2], op) for k, op in old.items() if k not in new]
    return changed, removed


def cell_compare(space, seed, decoded, titles=("seed", "decoded")) -> go.Figure:
    """Seed and decoded cells, NB201 side by side, NAONet one above the other (side by side, its 8 columns a
    panel crowded their op labels below ~850 px of width); edges of the decoded cell that differ are highlighted.
    A NAONet figure keeps both cells' tokens in ``fig.layout.meta`` ("seed", "decoded"); every one is marked
    ``meta["figure"] == "cell_compare"``, so a print layout can find it (:func:`for_column`)."""
    from naoviz.errors import show
    _check_space(space)
    if isinstance(titles, str) or not isinstance(titles, (list, tuple)) or len(titles) != 2 \
            or not all(isinstance(t, str) for t in titles):
        raise ValueError(f"titles: expected two texts (seed's, decoded's), got {show(titles)}")
    a, b = _coerced(space, seed, "seed"), _coerced(space, decoded, "decoded")
    ga, gb = space.to_graph(a), space.to_graph(b)
    changed, removed = diff_edges(ga, gb)
    n = space.hamming(a, b)
    sub = (titles[0], f"{titles[1]} ({n} change{'s' if n != 1 else ''})" if n else f"{titles[1]} (same)")
    stacked = slotted(ga)
    fig = (make_subplots(rows=2, cols=1, subplot_titles=sub, vertical_spacing=0.08) if stacked
           else make_subplots(rows=1, cols=2, subplot_titles=sub, horizontal_spacing=0.04))
    seen: set = set()
    add_cell(fig, ga, row=1, col=1, legend_seen=seen)
    add_cell(fig, gb, row=2 if stacked else 1, col=1 if stacked else 2, changed=changed, removed=removed,
             legend_seen=seen)
    meta = {"figure": "cell_compare", "space": ga.graph.get("space", "")}
    if not stacked:
        return _frame(fig.update_layout(meta=meta))
    fig.update_layout(meta={**meta, "seed": ga.graph.get("arch", ""), "decoded": gb.graph.get("arch", "")},
                      height=COMPARE_HEIGHT)
    return _frame(fig, bottom=LEGEND_ROOM)


# A cell comparison in a paper's single column (3.5 in, 336 px; naoviz.viz.print_sizes.for_print): NB201's two
# cells side by side put each op label's circle over the nodes beside it, NAONet's 8 columns a row left 39 px a
# column for labels 45 px wide. There the cells are stacked, NAONet's labels are broken into lines of 3-4
# characters ("1x3_3x1" -> "1x3", "3x1"), its nodes are smaller and its columns take the whole width.
NARROW_NODE = 17          # px: a NAONet node in a column ("k-2" at 11 px fills it)
NARROW_EDGE = 0.22        # data units: a NAONet row's space left of its first node and right of its last
NARROW_SIDE = 4           # px: the figure's left and right margins around a NAONet comparison in a column


def _short_lines(text: str) -> str:
    """An op label broken into lines of 3-4 characters: at ``_`` or ``/`` and between a name and its kernel size
    ("1×3/3×1" -> "1×3", "3×1"; "sep3×3" -> "sep", "3×3")."""
    import re
    return "<br>".join(part for line in str(text).split("<br>") for part in
                       re.sub(r"(?<=[a-z]{2})(?=\d)", "_", line.replace("/", "_")).split("_") if part)


def for_column(fig: go.Figure, width_px: float) -> tuple[float, int]:
    """Lay the cell comparison ``fig`` (changed in place: ``for_print``'s copy) out for a column ``width_px``
    wide: (the height its cells need in px, its side margins in px). NB201: the decoded cell under the seed.
    NAONet: labels in short lines, nodes :data:`NARROW_NODE` px, each row across the width, the legend's entries
    the edges' labels without the words in brackets ("avg2x2", "3x3 conv")."""
    titles = [a for a in fig.layout.annotations if not a.hovertext and a.xref == "paper"]
    if fig.layout.xaxis2.domain and tuple(fig.layout.xaxis2.domain) != tuple(fig.layout.xaxis.domain or (0, 1)):
        gap = 0.12                                     # NB201, side by side: one above the other
        fig.update_layout(xaxis_domain=[0, 1], xaxis2_domain=[0, 1], yaxis_domain=[0.5 + gap / 2, 1],
                          yaxis2_domain=[0, 0.5 - gap / 2])
        for note, top in zip(titles, (1.0, 0.5 - gap / 2)):
            note.update(x=0.5, y=top, xanchor="center", yanchor="bottom")
        return round(width_px * 1.25), 12
    for note in fig.layout.annotations:
        if note.hovertext:
            note.text = _short_lines(note.text)
    for t in fig.data:
        if t.showlegend is not False and t.legendgroup not in (None, "changed", "removed"):
            t.name = t.name.split(" (")[0]            # up to 14 ops: their edges' labels, without the words
        if t.name == "nodes":
            t.marker.size, t.textfont.size = NARROW_NODE, 11
        elif t.name == "cell names":
            t.x = [-NARROW_EDGE] * len(t.x)
    for key in [k for k in fig.layout if k.startswith("xaxis")]:
        lo, hi = fig.layout[key].range
        fig.layout[key].range = [lo + X_PAD - NARROW_EDGE, hi - X_PAD + NARROW_EDGE]
    return round(width_px * 1.35), NARROW_SIDE
