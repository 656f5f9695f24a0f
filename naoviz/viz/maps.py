"""The embedding map (every architecture as one WebGL point) and the gradient-path overlay on it.

Trace names are fixed ("architectures", "seed", "path", "jump to another island", "decoded cell changes", "current")
so a widget can update one trace in place; :func:`path_trace_data` is the single source of what those traces
hold. A path segment flagged as a jump (``naoviz.projection.path_jumps``: the moved point landed on another
island, it never crossed the sea between) is a gap in the solid ``path`` line and a thin dashed faint segment
of the ``jump to another island`` trace, whose legend entry says what the dashed line means.
"""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
import plotly.graph_objects as go

from naoviz.viz.theme import HIGHLIGHT, PATH_COLOR, SEED_COLOR, TEMPLATE, plain, titled

JUMPS = "jump to another island"                         # the dashed trace's name, also its legend entry
MAP_TRACES = ("architectures", "seed", "path", JUMPS, "decoded cell changes", "current")
HALO = "0 0 3px white, 0 0 3px white, 0 0 2px white"      # CSS text-shadow: labels readable over dense points
RING_SIZE, RING_WIDTH = 16, 3                             # the "current" ring: diameter and line width, px
LABEL_CLEARANCE = RING_SIZE / 2 + RING_WIDTH / 2 + 4      # px from the ring's centre to an η label beside it
EDGE = 0.1                                                # a label this close (fraction of the span) to an edge flips


def color_range(values) -> tuple[float, float]:
    """The colour ramp's ends: the 5th..99th percentile of the finite ``values`` (n,), the explorer page's rule
    (explorer_draw.js ``range``), so a few failed cells (digits: some near 10 %, most 85..98) do not squeeze
    every working cell into one end of the ramp; values beyond take the end colours."""
    v = np.asarray(values, dtype=float)
    v = np.sort(v[np.isfinite(v)])
    if not len(v):
        return 0.0, 1.0
    lo, hi = float(v[int(len(v) * 0.05)]), float(v[min(len(v) - 1, int(len(v) * 0.99))])
    return (lo, hi) if hi > lo else (lo - 1.0, hi + 1.0)


def embedding_map(xy, values, *, labels: Sequence[str], color_label: str = "accuracy",
                  extra: Optional[dict] = None, selected: Optional[int] = None, title: str = "",
                  method: str = "", colorscale: str = "Viridis", color_title: str = "") -> go.Figure:
    """Scattergl of ``xy`` (n, 2) coloured by ``values`` (n,); hover shows ``labels`` (arch strings) and
    ``extra`` ({name: (n,) array}) metrics; ``selected`` (row) is drawn as a black-ringed star on top. The
    colour ramp spans :func:`color_range` (5th..99th percentile), as on the explorer page.
    Each point's ``customdata`` is its row, so a click handler gets the architecture back. The colour bar is
    titled ``color_title``, else ``color_label`` in words with its unit (:func:`~naoviz.viz.theme.titled`:
    "validation accuracy (%)"); the hover keeps ``color_label`` as given (a table's id).
    """
    xy = np.asarray(xy, dtype=float)
    values = np.asarray(values, dtype=float)
    if xy.ndim != 2 or xy.shape[1] != 2 or len(xy) != len(values) or len(labels) != len(xy):
        raise ValueError(f"embedding_map: xy {xy.shape}, values {values.shape} and {len(labels)} labels disagree")
    hover = _hover(labels, color_label, values, extra or {})
    cmin, cmax = color_range(values)
    fig = go.Figure(layout=dict(template=TEMPLATE, title=title or None, uirevision="map",
                                margin=dict(l=10, r=10, t=_title_room(title), b=10),
                                legend=dict(orientation="h", y=-0.02, yanchor="top"),
                                xaxis=dict(showticklabels=False, zeroline=False),
                                yaxis=dict(showticklabels=False, zeroline=False), clickmode="event"))
    if method:
        fig.add_annotation(text=f"{method} map", xref="paper", yref="paper", x=0, y=1, xanchor="left",
                           yanchor="top", showarrow=False, font=dict(size=11, color="#616161"), name="method")
    fig.add_trace(go.Scattergl(
        name="architectures", x=xy[:, 0], y=xy[:, 1], mode="markers", customdata=np.arange(len(xy)),
        hovertext=hover, hoverinfo="text",
        marker=dict(size=4, color=values, colorscale=colorscale, opacity=0.8, cmin=cmin, cmax=cmax,
                    colorbar=dict(title=dict(text=plain(color_title or titled(color_label)), side="right"), thickness=12))))
    sx, sy = ([xy[selected, 0]], [xy[selected, 1]]) if selected is not None else ([], [])
    fig.add_trace(go.Scattergl(name="seed", x=sx, y=sy, mode="markers", hoverinfo="skip",
                               marker=dict(size=18, symbol="star", color=HIGHLIGHT,
                                           line=dict(color=SEED_COLOR, width=2))))
    empty = path_trace_data(np.zeros((0, 2)), [], [], None)
    fig.add_trace(go.Scattergl(name="path", mode="lines+markers", hoverinfo="text",
                               line=dict(color=PATH_COLOR, width=3), marker=dict(size=5, color=PATH_COLOR),
                               **empty["path"]))
    fig.add_trace(go.Scatter(name=JUMPS, mode="lines", hoverinfo="skip", showlegend=True,
                             line=dict(color=PATH_COLOR, width=1.2, dash="dash"), opacity=0.6, **empty[JUMPS]))
    # WebGL, like the dots and the path: an SVG trace is drawn under every WebGL one, and the map's dots, the path's
    # points and the ring had hidden these markers wherever they sat (always, at the ring's η)
    fig.add_trace(go.Scattergl(name="decoded cell changes", mode="markers+text", textposition="top center",
                             hoverinfo="text", textfont=dict(size=12, color=PATH_COLOR, weight="bold"),
                             marker=dict(size=12, symbol="diamond", color="white",
                                         line=dict(color=PATH_COLOR, width=2)),
                             **empty["decoded cell changes"]))
    fig.add_trace(go.Scattergl(name="current", mode="markers", hoverinfo="text",
                               marker=dict(size=RING_SIZE, symbol="circle-open", color=SEED_COLOR,
                                           line=dict(width=RING_WIDTH)), **empty["current"]))
    return fig


def label_gap(map_xy, fraction: float = 0.04) -> float:
    """The distance below which two η labels on a map of ``map_xy`` (n, 2) would overlap: ``fraction``
    of the map's diagonal."""
    xy = np.asarray(map_xy, dtype=float).reshape(-1, 2)
    return float(fraction * np.hypot(*np.ptp(xy, axis=0))) if len(xy) else 0.0


def path_trace_data(path_xy, etas: Sequence[float], decoded: Sequence[str],
                    current: Optional[int], min_label_gap: float = 0.0, jumps=None) -> dict:
    """Data of the overlay traces: ``path`` (all moved embeddings; the line broken before each jump),
    ``jump to another island`` (the jumps, segments i -> i + 1 where ``jumps`` (E - 1,) bool is true; None:
    none), ``decoded cell changes`` (where the decoded cell differs from the previous step, labelled by eta) and
    ``current`` (the slider's position).
    A change closer than ``min_label_gap`` to the last labelled one keeps its marker and hover but no label."""
    path_xy = np.asarray(path_xy, dtype=float).reshape(-1, 2)
    jumps = np.zeros(max(len(path_xy) - 1, 0), bool) if jumps is None else np.asarray(jumps, bool).reshape(-1)
    if len(jumps) != max(len(path_xy) - 1, 0):
        raise ValueError(f"path_trace_data: jumps has {len(jumps)} segments, the path {len(path_xy)} points")
    etas = [float(e) for e in etas]
    hover = [f"η = {e:.2f}<br>{d}" for e, d in zip(etas, decoded)]
    change = [i for i in range(len(decoded)) if i > 0 and decoded[i] != decoded[i - 1]]
    text, last = [], None
    for i in change:
        if last is None or np.hypot(*(path_xy[i] - path_xy[last])) >= min_label_gap:
            text.append(f"η={etas[i]:.2f}")
            last = i
        else:
            text.append("")
    cur = {"x": [], "y": [], "hovertext": []}
    if current is not None and 0 <= current < len(path_xy):
        cur = {"x": [path_xy[current, 0]], "y": [path_xy[current, 1]], "hovertext": [hover[current]]}
    line = {"x": [], "y": [], "hovertext": []}          # the points in order, a None gap where a jump starts
    for i in range(len(path_xy)):
        if i and jumps[i - 1]:
            line["x"].append(None), line["y"].append(None), line["hovertext"].append("")
        line["x"].append(float(path_xy[i, 0])), line["y"].append(float(path_xy[i, 1])), line["hovertext"].append(hover[i])
    dashed = {"x": [], "y": []}
    for i in np.flatnonzero(jumps):
        dashed["x"] += [float(path_xy[i, 0]), float(path_xy[i + 1, 0]), None]
        dashed["y"] += [float(path_xy[i, 1]), float(path_xy[i + 1, 1]), None]
    return {
        "path": line, JUMPS: {**dashed, "visible": bool(jumps.any())},
        "decoded cell changes": {"x": [path_xy[i, 0] for i in change], "y": [path_xy[i, 1] for i in change],
                         "text": text, "hovertext": [hover[i] for i in change]},
        "current": cur,
    }


def path_overlay(fig: go.Figure, path_xy, etas, decoded: Sequence[str], current: Optional[int] = None,
                 jumps=None) -> go.Figure:
    """A copy of an :func:`embedding_map` figure with the gradient path drawn on it (η labels thinned so
    they do not overlap at the map's scale; ``jumps`` (E - 1,) bool segments drawn dashed, not solid)."""
    return draw_path(go.Figure(fig), path_xy, etas, decoded, current, jumps)


def draw_path(out: go.Figure, path_xy, etas, decoded: Sequence[str], current: Optional[int] = None,
              jumps=None) -> go.Figure:
    """:func:`path_overlay` drawn into ``out`` itself, no copy: for a figure just made for it (``atlas_map``), where
    copying thousands of points' validated data again was a third of the figure's time."""
    points = next(iter(out.select_traces(selector=dict(name="architectures"))), None)
    gap = label_gap(np.c_[points.x, points.y]) if points is not None and points.x is not None else 0.0
    data = path_trace_data(path_xy, etas, decoded, current, gap, jumps)
    ring, changes = data["current"], data["decoded cell changes"]
    xs = np.r_[points.x if points is not None and points.x is not None else [], np.asarray(path_xy)[:, 0]]
    ys = np.r_[points.y if points is not None and points.y is not None else [], np.asarray(path_xy)[:, 1]]
    to_px = map_pixels(xs, ys)
    diamonds = [to_px(x, y) for x, y in zip(changes["x"], changes["y"])]
    seed = next(iter(out.select_traces(selector=dict(name="seed"))), None)
    star = [_box(*to_px(seed.x[0], seed.y[0]), 11, 11)] if seed is not None and seed.x else []
    ring_box, notes = [], []        # the ring and the η labels beside it (annotations), px boxes
    if ring["x"]:                   # an η label at (or within ``gap`` of) the ring would be drawn over it
        ring_box = [_box(*to_px(ring["x"][0], ring["y"][0]), RING_SIZE / 2 + RING_WIDTH, RING_SIZE / 2 + RING_WIDTH)]
        marks = [_box(px, py, DIAMOND_HALF, DIAMOND_HALF) for px, py in diamonds]
        for k, (x, y, text) in enumerate(zip(changes["x"], changes["y"], changes["text"])):
            if text and np.hypot(x - ring["x"][0], y - ring["y"][0]) <= gap:
                # clear of every other diamond (one within 3 px lies under this one), the seed, the labels so far
                others = [m for j, m in enumerate(marks)
                          if j != k and np.hypot(*np.subtract(diamonds[j], diamonds[k])) > 3] + star + notes
                note = place_ring_label(text, x, y, xs, ys, to_px, others)
                if note is None:    # no free place above or below: the diamond's own label tries its places
                    continue
                changes["text"] = [*changes["text"][:k], "", *changes["text"][k + 1:]]
                out.add_annotation(**note)
                notes.append(annotation_box(note, to_px))
    taken = ring_box + star + notes  # px boxes the trace's labels keep clear of
    line = [None if x is None else to_px(x, y) for x, y in zip(data["path"]["x"], data["path"]["y"])]
    changes["textposition"], changes["text"] = place_labels(diamonds, changes["text"], taken, path_marks(line))
    for name, trace in data.items():
        out.update_traces(selector=dict(name=name), **trace)
    return out


# Where the η labels of the change diamonds go, in the pixels of an exported map (900 x 600, `export`'s default:
# the plot area less the margins, colour bar and legend): a label's box is kept clear of every other diamond, the
# ring, the seed's star and the labels placed before it (plotly draws text without avoiding anything).
MAP_PLOT_PX = (800.0, 500.0)
DIAMOND_HALF = 8.0                     # px: half the change diamond (size 12) with its outline
TEXT_OFFSET = 6.0                      # px from a marker's centre to its text: plotly's half marker size
PATH_HALF = 2.5                        # px: half the path line (width 3) with a margin
LABEL_FONT_PX = 12.0                   # the labels' font size; a character ~0.6 of it wide, bold
LABEL_MARGIN = 2.0                     # px kept free between a label and anything else
# plotly textpositions tried in order, each as the label box's centre offset in (half widths, half heights)
# beyond the diamond: above, below, right, left, then the four corners
LABEL_PLACES = (("top center", 0, 1), ("bottom center", 0, -1), ("middle right", 1, 0), ("middle left", -1, 0),
                ("top right", 1, 1), ("top left", -1, 1), ("bottom right", 1, -1), ("bottom left", -1, -1))


def map_pixels(xs, ys, size=MAP_PLOT_PX):
    """A function (x, y) -> (px, py) (py up) onto the plot area ``size`` of a map spanning ``xs``, ``ys`` (every
    x and y drawn), as plotly's autorange draws it (about 5 % padding each side)."""
    xs, ys = np.asarray(xs, float), np.asarray(ys, float)
    def axis(v, n):
        v = v[np.isfinite(v)]
        lo, hi = (float(v.min()), float(v.max())) if len(v) else (0.0, 1.0)
        span = (hi - lo) or 1.0
        return lambda t: (float(t) - lo + 0.05 * span) / (1.1 * span) * n
    fx, fy = axis(xs, size[0]), axis(ys, size[1])
    return lambda x, y: (fx(x), fy(y))


def _box(cx: float, cy: float, hw: float, hh: float) -> tuple:
    return (cx - hw, cy - hh, cx + hw, cy + hh)


def _hits(a: tuple, b: tuple, margin: float = LABEL_MARGIN) -> bool:
    return a[0] < b[2] + margin and b[0] < a[2] + margin and a[1] < b[3] + margin and b[1] < a[3] + margin


def label_size(text: str) -> tuple[float, float]:
    """(width, height) in px of an η label ("η=0.50") at :data:`LABEL_FONT_PX`, bold."""
    return 0.62 * LABEL_FONT_PX * len(text), 1.25 * LABEL_FONT_PX


def label_box(x: float, y: float, text: str, place: str) -> tuple:
    """The px box (x0, y0, x1, y1; y up) of ``text`` at textposition ``place`` by the diamond at (x, y) px."""
    w, h = label_size(text)
    _, kx, ky = next(p for p in LABEL_PLACES if p[0] == place)
    return _box(x + kx * (TEXT_OFFSET + w / 2), y + ky * (TEXT_OFFSET + h / 2), w / 2, h / 2)


def annotation_box(note: dict, to_px) -> tuple:
    """The px box of a :func:`ring_label` annotation."""
    x, y = to_px(note["x"], note["y"])
    w, h = label_size(note["text"])
    x0 = x - w / 2 if note["xanchor"] == "center" else x if note["xanchor"] == "left" else x - w
    y0 = y + note["yshift"] - (h if note["yanchor"] == "top" else 0)
    return (x0, y0, x0 + w, y0 + h)


def path_marks(path_px, step: float = 3.0) -> list:
    """Small px boxes along the path's polyline ``path_px`` ((x, y) px, None at a gap), every ``step`` px: a
    label over the line is hard to read, so labels keep clear of it too."""
    out, prev = [], None
    for p in path_px:
        if p is None:
            prev = None
            continue
        if prev is not None:
            n = max(1, int(np.hypot(p[0] - prev[0], p[1] - prev[1]) / step))
            out += [_box(prev[0] + (p[0] - prev[0]) * t / n, prev[1] + (p[1] - prev[1]) * t / n, PATH_HALF, PATH_HALF)
                    for t in range(1, n + 1)]
        else:
            out.append(_box(p[0], p[1], PATH_HALF, PATH_HALF))
        prev = p
    return out


def place_labels(diamonds, texts, taken=(), path=()) -> tuple[list, list]:
    """(textpositions, texts) of the change diamonds' labels: each label (in order) at the first place of
    :data:`LABEL_PLACES` whose box keeps clear of every other diamond (``diamonds``: their (x, y) px), of
    ``taken`` (px boxes: the ring, the seed, ring labels), of the path (``path``: :func:`path_marks`; where it
    runs into the label's own diamond, within :data:`DIAMOND_HALF` + 3 px, it does not count) and of the labels
    placed before it; a label with no free place is left out (its diamond keeps its hover). A diamond within
    3 px of the label's own lies under it and does not count."""
    marks = [_box(x, y, DIAMOND_HALF, DIAMOND_HALF) for x, y in diamonds]
    boxes, places, out = list(taken), [], []
    for k, ((x, y), text) in enumerate(zip(diamonds, texts)):
        where = "top center"
        if text:
            # a diamond within a few px of this one lies under it: the label sits beside both
            others = [m for j, m in enumerate(marks) if j != k and np.hypot(*np.subtract(diamonds[j], (x, y))) > 3] + boxes
            others += [b for b in path if max(abs((b[0] + b[2]) / 2 - x), abs((b[1] + b[3]) / 2 - y)) > DIAMOND_HALF + 3]
            where = next((p for p, _, _ in LABEL_PLACES
                          if not any(_hits(label_box(x, y, text, p), o) for o in others)), None)
            if where is None:
                where, text = "top center", ""
            else:
                boxes.append(label_box(x, y, text, where))
        places.append(where)
        out.append(text)
    return places, out


def place_ring_label(text: str, x: float, y: float, xs, ys, to_px, others) -> Optional[dict]:
    """The :func:`ring_label` annotation of ``text`` at (x, y) at the first of its places (above, then below;
    below first near the top) whose px box (``to_px``: :func:`map_pixels`) keeps clear of ``others`` (px boxes:
    the other diamonds, the seed, labels placed before it); None when neither is free."""
    first = ring_label(text, x, y, xs, ys)
    for note in (first, ring_label(text, x, y, xs, ys, below=first["yanchor"] != "top")):
        if not any(_hits(annotation_box(note, to_px), o) for o in others):
            return note
    return None


def ring_label(text: str, x: float, y: float, xs, ys, below: Optional[bool] = None) -> dict:
    """An annotation of ``text`` at (x, y), beside the ring there: above it by the ring's radius plus a margin
    (:data:`LABEL_CLEARANCE` px, whatever the map's scale), below it near the top of the drawn span (``xs``,
    ``ys``: every x and y on the map) or when ``below`` says so, and anchored inwards near the left or right
    edge."""
    def where(v, vs):
        lo, hi = (float(np.nanmin(vs)), float(np.nanmax(vs))) if len(vs) else (v, v)
        return (v - lo) / (hi - lo) if hi > lo else 0.5
    if below is None:
        below = where(y, ys) > 1 - EDGE
    fx = where(x, xs)
    return dict(name="eta label", text=text, x=float(x), y=float(y), showarrow=False,
                xanchor="left" if fx < EDGE else "right" if fx > 1 - EDGE else "center",
                yanchor="top" if below else "bottom", yshift=-LABEL_CLEARANCE if below else LABEL_CLEARANCE,
                font=dict(size=12, color=PATH_COLOR, weight="bold", shadow=HALO))


def _title_room(title: str) -> int:
    """The top margin (px) a title of ``<br>``-separated lines needs: 40 for one line, 70 for two, 22 more for
    each further line (a long column's words wrap a map's title to three)."""
    lines = title.count("<br>")
    return 10 if not title else 40 if not lines else 70 + 22 * (lines - 1)


def _hover(labels, color_label, values, extra) -> list[str]:
    cols = [(color_label, values)] + [(k, np.asarray(v, dtype=float)) for k, v in extra.items() if k != color_label]
    parts = []
    for i, lab in enumerate(labels):
        metrics = "<br>".join(f"{plain(k)}: {v[i]:.2f}" for k, v in cols if np.isfinite(v[i]))
        parts.append(f"{plain(lab)}<br>{metrics}")
    return parts
