"""Cell graphs (networkx -> plotly): ops on edges, one legend entry per op, changes highlighted.

Works for any space's ``to_graph``: nodes are grouped by a ``cell`` node attribute when present (NAONet's
normal and reduction cells side by side), layered by topological generation, and edges are drawn as arcs
so edges that skip nodes do not hide behind others.
"""
from __future__ import annotations

from typing import Optional

import networkx as nx
import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from naoviz.viz.theme import HIGHLIGHT, TEMPLATE, op_color, op_short

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
            pos[n] = (float(i), -4.0 * row)
    return pos


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
    for u, v, data in g.edges(data=True):
        op = _main_op(data)
        full = data.get("op", op)
        xs, ys = _arc(pos[u], pos[v], _bend(pos, u, v, g))
        entry = by_op.setdefault(op, ([], []))
        entry[0].extend(list(xs) + [None])
        entry[1].extend(list(ys) + [None])
        if _edge_key(g, u, v) in changed:
            halo_x.extend(list(xs) + [None])
            halo_y.extend(list(ys) + [None])
        if op == "concat":
            continue                      # the cell output: a plain line, no op label
        m = len(xs) // 2
        labels["x"].append(xs[m]); labels["y"].append(ys[m])
        labels["text"].append("+".join(op_short(o) for o in data.get("ops", [op])))
        labels["color"].append(op_color(op))
        labels["hover"].append(f"{_node_label(g, u)} → {_node_label(g, v)}: {full}"
                               + (" (changed)" if _edge_key(g, u, v) in changed else ""))
    if halo_x:
        fig.add_trace(go.Scatter(name="changed", x=halo_x, y=halo_y, mode="lines", hoverinfo="skip",
                                 line=dict(color=HIGHLIGHT, width=14), opacity=0.6,
                                 showlegend=showlegend and "changed" not in legend_seen, legendgroup="changed"), **kw)
        legend_seen.add("changed")
    for u, v, op in removed or []:
        if u in pos and v in pos:
            xs, ys = _arc(pos[u], pos[v], _bend(pos, u, v, g))
            fig.add_trace(go.Scatter(name="removed", x=xs, y=ys, mode="lines", hovertext=f"{u} → {v}: {op} removed",
                                     hoverinfo="text", line=dict(color="#9e9e9e", width=2, dash="dot"),
                                     showlegend=showlegend and "removed" not in legend_seen,
                                     legendgroup="removed"), **kw)
            legend_seen.add("removed")
    for op, (xs, ys) in sorted(by_op.items()):
        fig.add_trace(go.Scatter(name=op, x=xs, y=ys, mode="lines", hoverinfo="skip", legendgroup=op,
                                 line=dict(color=op_color(op), width=3),
                                 showlegend=showlegend and op not in legend_seen), **kw)
        legend_seen.add(op)
    fig.add_trace(go.Scatter(name="op labels", x=labels["x"], y=labels["y"], mode="markers+text",
                             text=labels["text"], hovertext=labels["hover"], hoverinfo="text",
                             textfont=dict(size=10, color="black"), showlegend=False,
                             marker=dict(size=26, color="white", line=dict(color=labels["color"], width=2))), **kw)
    cells = {}
    for n, d in g.nodes(data=True):
        if d.get("cell"):
            cells.setdefault(d["cell"], pos[n][1])
    if cells:
        fig.add_trace(go.Scatter(name="cell names", x=[-0.3] * len(cells), y=[y + 1.7 for y in cells.values()],
                                 mode="text", text=[f"<b>{c} cell</b>" for c in cells], textposition="middle right", hoverinfo="skip",
                                 showlegend=False, textfont=dict(size=12, color="#37474f")), **kw)
    nodes = list(g.nodes)
    fig.add_trace(go.Scatter(name="nodes", x=[pos[n][0] for n in nodes], y=[pos[n][1] for n in nodes],
                             mode="markers+text", text=[_node_label(g, n) for n in nodes],
                             textfont=dict(color="white", size=12), hoverinfo="text",
                             hovertext=[f"{g.nodes[n].get('cell', 'node')} {_node_label(g, n)}" for n in nodes],
                             showlegend=False,
                             marker=dict(size=26, color="#37474f")), **kw)


def _frame(fig: go.Figure, title: str = "") -> go.Figure:
    fig.update_layout(template=TEMPLATE, title=title or None, margin=dict(l=10, r=10, t=40, b=10),
                      legend=dict(orientation="h", y=-0.05, yanchor="top"), uirevision="cell")
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor=None)
    return fig


def cell_graph(space, arch, title: str = "") -> go.Figure:
    """One architecture's cell(s) with a legend of ops."""
    g = space.to_graph(space.coerce(arch))
    fig = go.Figure()
    add_cell(fig, g)
    return _frame(fig, title or g.graph.get("arch", ""))


def diff_edges(g_old: nx.DiGraph, g_new: nx.DiGraph) -> tuple[set, list]:
    """(edge keys of ``g_new`` that are new or carry another op, (u, v, op) of ``g_old`` edges gone)."""
    old = {_edge_key(g_old, u, v): d.get("op") for u, v, d in g_old.edges(data=True)}
    new = {_edge_key(g_new, u, v): d.get("op") for u, v, d in g_new.edges(data=True)}
    changed = {k for k, op in new.items() if old.get(k) != op}
    removed = [(k[1], k[2], op) for k, op in old.items() if k not in new]
    return changed, removed


def cell_compare(space, seed, decoded, titles=("seed", "decoded")) -> go.Figure:
    """Seed and decoded cells side by side; edges of the decoded cell that differ are highlighted."""
    a, b = space.coerce(seed), space.coerce(decoded)
    ga, gb = space.to_graph(a), space.to_graph(b)
    changed, removed = diff_edges(ga, gb)
    n = space.hamming(a, b)
    sub = (titles[0], f"{titles[1]} ({n} change{'s' if n != 1 else ''})" if n else f"{titles[1]} (same)")
    fig = make_subplots(rows=1, cols=2, subplot_titles=sub, horizontal_spacing=0.04)
    seen: set = set()
    add_cell(fig, ga, row=1, col=1, legend_seen=seen)
    add_cell(fig, gb, row=1, col=2, changed=changed, removed=removed, legend_seen=seen)
    return _frame(fig)
