"""Colours and labels shared by every figure (one op -> one colour in every plot).

plotly is imported only for a colour this module does not name (an op of no known kind): the
dashboard's Search tab takes its colours from here and its kernel never imports plotly.
"""
from __future__ import annotations

import html

from naoviz import column_names

# NB201's ops as the explorer draws them (explorer_draw.js OP_COLOR, tested equal): each >= 4.5:1 on white, and
# 1×1, 3×3, avg and skip apart to colour-blind readers (tests/test_cvd_colors.py); avg is indigo, not the green
# that was one olive with 3×3's red to a protanope (CIE76 ΔE 11) until 2026-12-07. Every edge also carries its label.
OP_COLORS = {
    "none": "#70757a",
    "skip_connect": "#5f6368",
    "identity": "#5f6368",
    "nor_conv_1x1": "#1a73e8",
    "conv_1x1": "#1a73e8",
    "nor_conv_3x3": "#d93025",
    "conv_3x3": "#d93025",
    "avg_pool_3x3": "#332288",
    "max_pool_3x3": "#9467bd",
    "sep_conv_3x3": "#ff7f0e",
    "sep_conv_5x5": "#8c564b",
    "dil_conv_3x3": "#e377c2",
    "dil_conv_5x5": "#bcbd22",
    "avg_pool_2x2": "#17becf",
    "max_pool_2x2": "#aec7e8",
    "conv_1x3_3x1": "#ff9896",
    "conv_1x7_7x1": "#c5b0d5",
    "concat": "#cfd8dc",
    "avg_pool_5x5": "#98df8a",
    "max_pool_5x5": "#c49c94",
}
# The explorer's NB201 op colours on a dark page (explorer_draw.js OP_COLOR_DARK, tested equal; "none" keeps its grey
# lightened, exported figures stay light): >= 4.5:1 on Voila Dark's #212121, skip, 1×1, 3×3 and avg apart to
# colour-blind readers (NAONet's dark identity, 1×1, 3×3 and avg3×3 below). Until 2026-12-07 a dark page lightened
# the light ones toward white, and skip and avg were ΔE 7 apart to a tritanope on JupyterLab Dark's #111.
OP_COLORS_DARK = {"skip_connect": "#9aa0a6", "nor_conv_1x1": "#379dff", "nor_conv_3x3": "#f34c33",
                  "avg_pool_3x3": "#bbe569"}
OP_SHORT = {"none": "none", "skip_connect": "skip", "identity": "id", "nor_conv_1x1": "1×1", "nor_conv_3x3": "3×3",
            "avg_pool_3x3": "avg", "max_pool_3x3": "max"}
HIGHLIGHT = "#ffb000"      # changed edges, the selected seed, the current path position
SEED_COLOR = "#000000"
PATH_COLOR = "#e4572e"
TEMPLATE = "plotly_white"
# One colour per searcher, keyed by algo id (naoviz.search.ALGOS); every name a figure may use for a searcher
# (the Search tab's long labels, "algo:preset" of `naoviz compare`) resolves to its id through algo_id().
# Colour-blind safe and apart in greyscale (tests/test_cvd_colors.py simulates protan-, deuteran- and tritanopia):
# NAO Okabe-Ito vermilion (L* 54), local search Okabe-Ito sky blue (L* 70), regularised evolution Paul Tol's
# dark blue (L* 29; Okabe-Ito's blue is L* 46, too near vermilion in print), random search grey (L* 43). Until
# 2026-12-07 NAO's red #d62728 and local search's green #2ca02c were one olive to a deuteranope (CIE76 ΔE 7) and
# NAO, evolution, random and local search sat within 11 L* of each other (one grey in print).
ALGO_COLORS = {"nao": "#D55E00", "re": "#004488", "rs": "#666666", "ls": "#56B4E9"}
# The colours of more names than searchers (`compare --algos nao:paper,nao:default,ls`: the second NAO), in order:
# black, violet, brown, tan, indigo, lilac, each >= 3:1 on white and CIE76 ΔE >= 20 from every searcher colour and
# every other spare under each simulated colour blindness (tests/test_cvd_colors.py; picked farthest-first from a
# 16-level sRGB grid). No greyscale check: a spare name also has its own marker shape. plotly's palettes, used
# until 2026-12-07, put #EF553B within ΔE 12 of NAO's vermilion to a deuteranope. A seventh spare name reuses one.
SPARE_COLORS = ("#000000", "#AA00FF", "#663311", "#BB8866", "#5500AA", "#AA77FF")
ALGO_LABELS = {"nao": "NAO", "re": "regularised evolution", "rs": "random search", "ls": "local search (forest-ranked)"}
_ALGO_ALIASES = {"random": "rs", "evolution": "re", "local": "ls"}
# One marker shape per searcher besides its colour, so no searcher is told by colour alone
ALGO_SYMBOLS = {"nao": "circle", "re": "square", "rs": "diamond", "ls": "triangle-up"}
_SPARE_SYMBOLS = ("x", "cross", "star", "triangle-down", "pentagon", "hexagon", "star-triangle-up", "hourglass")
# The Child tab's curves and naoviz.viz.child_curve: one colour and one readable name per column
CHILD_COLORS = {"train_acc": "#0072B2", "valid_acc": "#E69F00"}    # Okabe-Ito blue, orange: apart to every reader
CHILD_LABELS = {"train_acc": "train accuracy", "valid_acc": "validation accuracy"}
# the bands of naoviz.experiments.search.incumbent_band; none leaves the runs' values (no accuracy above 100 %)
BAND_LABELS = {"sd": "± 1 sd within the runs' range", "iqr": "25–75 % of runs", "minmax": "min–max"}


# A column's unit and its name with its unit on an axis: naoviz.column_names, the one naming table (the explorer's
# payload carries its titles, so the page's charts and a saved figure name a column alike).
unit = column_names.unit
titled = column_names.titled


# The unit after a value in running text ("89.72 %", "1.53 M", "12.4 ms"): the explorer's front end holds the
# same table and rules (explorer_draw.js UNIT_SUFFIXES, VALUE_UNITS; tests/test_explorer_units_js.py checks).
VALUE_UNITS = {"%": "%", "million parameters": "M", "million FLOPs": "M", "ms": "ms", "s": "s"}


def value_unit(name: str) -> str:
    """The short unit written after a value of column ``name`` ("%", "M", "ms", "s"), or ""."""
    return VALUE_UNITS.get(unit(name), "")


def plain(text) -> str:
    """``text`` (a table's column name, a cell string: the user's text) shown as written in a plotly title, axis,
    legend or hover label: plotly reads ``<b>``, ``<br>``, ``<a href=...>`` in them as markup, so ``<``, ``>``
    and ``&`` are written as entities (plotly shows them as the characters)."""
    return html.escape(str(text), quote=False)


# Readable names of the columns the shipped tables hold, for a figure's reader (naoviz.viz.compare_figure,
# pareto_figure): the table's id stays in summary.json, README.md and the hover text. The naming table lives in
# the backend (naoviz.column_names), so the explorer's payload and the dashboard name columns the same way.
def readable(name: str, columns=()) -> str:
    """A shipped table's column as a figure's reader names it (:func:`naoviz.column_names.readable`; ``columns``:
    the table's, so NB201's two CIFAR-10 runs are told apart): ``cifar10_test_acc`` -> "CIFAR-10 test accuracy";
    any other name (a table of your own) as given."""
    return column_names.readable(name, columns)


def summary_columns(summary: dict) -> tuple:
    """The naming context (``columns`` of :func:`readable`) of a ``naoviz compare`` summary, which keeps the
    table's name, not its columns: NB201's mark when it searched NB201 (two CIFAR-10 runs to name apart)."""
    return (column_names.NB201_MARK,) if (summary.get("table") or {}).get("name") == "nb201" else ()


def constraint_text(text: str, columns=()) -> str:
    """A constraint (``latency_pixel3<=6.44``) as a reader reads it: "latency on Pixel 3 ≤ 6.44 ms"; the text
    as given when it does not parse."""
    from naoviz.search.constraints import parse_constraint
    try:
        c = parse_constraint(text)
    except ValueError:
        return str(text)
    sign = {"<=": "≤", ">=": "≥"}.get(c.op, c.op)
    short = value_unit(c.column)
    return f"{readable(c.column, columns)} {sign} {c.bound:g}" + (f" {short}" if short and short != "%" else short)


def with_unit(name: str, note: str = "") -> str:
    """An axis or colour-bar title: ``name`` and its unit and ``note`` in brackets, "valid_acc (%)",
    "params_M (million parameters; lower is better)"; ``name`` alone when there is neither."""
    extra = "; ".join(t for t in (unit(name), note) if t)
    return f"{name} ({extra})" if extra else str(name)


def op_color(op: str, space: str = "") -> str:
    """The colour of an op; a NAONet cell's (``space`` "naonet", "naonet-ws") from :data:`NAONET_COLORS`, as the
    explorer draws it; unknown ops get a stable colour from plotly's qualitative palette."""
    if str(space).startswith("naonet") and op in NAONET_COLORS:
        return NAONET_COLORS[op]
    if op in OP_COLORS:
        return OP_COLORS[op]
    import plotly.express as px
    palette = px.colors.qualitative.Dark24
    return palette[sum(map(ord, op)) % len(palette)]


# NAONet's edge labels, as the explorer draws them (explorer_naonet.js NAONET_SHORT; tests/test_cell_labels.py
# checks they agree): until 2026-12-07 the exported figures said "sep3x3", "1x3_3x1", "avg" where the page said
# "sep3×3", "1×3/3×1", "avg3×3".
NAONET_SHORT = {"sep_conv_3x3": "sep3×3", "sep_conv_5x5": "sep5×5", "identity": "id", "conv_1x1": "1×1",
                "conv_3x3": "3×3", "conv_1x3_3x1": "1×3/3×1", "conv_1x7_7x1": "1×7/7×1", "max_pool_2x2": "max2×2",
                "max_pool_3x3": "max3×3", "max_pool_5x5": "max5×5", "avg_pool_2x2": "avg2×2", "avg_pool_3x3": "avg3×3",
                "avg_pool_5x5": "avg5×5"}


# NAONet's op colours, as the explorer draws them (explorer_naonet.js NAONET_COLOR; tests/test_cvd_colors.py checks
# they agree). Eleven ops in one cell (the paper's set) is more than any colour-blind-safe palette names (Okabe-Ito
# 8, Paul Tol's 7-9), so they were picked for it: each >= 4.5:1 on white (the explorer draws every label in its op's
# colour), CIELAB L* >= 25 and chroma >= 30 (no near-black, no second grey beside identity's), and every pair of one
# op set CIE76 ΔE >= 20 apart to normal, protanope, deuteranope and tritanope readers (Machado 2009), maximised
# from a 16-level sRGB grid: 1×1 blue and 3×3 red as NB201's, the other convs dark reds, max pools violets, avg
# pools magenta, plum and brown; the weight-sharing set's sep3×3 amber and sep5×5 Paul Tol's vibrant blue. Until
# 2026-12-07 the explorer's max pools and avg pools were one colour each to every reader (max2×2 and max3×3
# ΔE 10 apart even to normal vision; avg5×5 and id ΔE 2 to a deuteranope), and the figures took the NB201 and
# plotly colours above, pastels 1.6-2.3:1 on white (avg5×5 green, max2×2 blue, 1×3/3×1 pink), another set than the
# page's.
NAONET_COLORS = {"identity": "#5f6368", "conv_1x1": "#3e66da", "conv_3x3": "#c92700", "conv_1x3_3x1": "#8f000c",
                 "conv_1x7_7x1": "#761f31", "max_pool_2x2": "#8221ff", "max_pool_3x3": "#4100b5",
                 "max_pool_5x5": "#5c2094", "avg_pool_2x2": "#be3fa5", "avg_pool_3x3": "#661b69",
                 "avg_pool_5x5": "#986148", "sep_conv_3x3": "#b45309", "sep_conv_5x5": "#0077bb"}
# The explorer's NAONet op colours on a dark page (explorer_naonet.js NAONET_COLOR_DARK, tested equal; exported
# figures stay light): picked the same way for >= 4.5:1 on Voila Dark's #212121 (more on JupyterLab Dark's #111),
# L* <= 92: convs blue, red, orange, yellow; max pools magenta, pink, tan; avg pools greens; sep3×3 orange, sep5×5
# blue. Until 2026-12-07 a dark page lightened the light colours toward white (explorer_theme.js legible): on
# JupyterLab Dark's #111, 23 of the paper's set's 55 pairs under ΔE 20 (id and 1×3/3×1 ΔE 3 to a deuteranope).
NAONET_COLORS_DARK = {"identity": "#9aa0a6", "conv_1x1": "#379dff", "conv_3x3": "#f34c33", "conv_1x3_3x1": "#ff8800",
                      "conv_1x7_7x1": "#ffe904", "max_pool_2x2": "#f500dc", "max_pool_3x3": "#f9adf4",
                      "max_pool_5x5": "#c6826e", "avg_pool_2x2": "#2cffa3", "avg_pool_3x3": "#bbe569",
                      "avg_pool_5x5": "#9debcf", "sep_conv_3x3": "#ff8800", "sep_conv_5x5": "#379dff"}


def op_short(op: str, space: str = "") -> str:
    """A 3-7 character label drawn on an edge; a NAONet cell's (``space`` "naonet", "naonet-ws") as the
    explorer's (:data:`NAONET_SHORT`), any other's as NB201's (:data:`OP_SHORT`)."""
    if str(space).startswith("naonet") and op in NAONET_SHORT:
        return NAONET_SHORT[op]
    if op in OP_SHORT:
        return OP_SHORT[op]
    return (op.replace("sep_conv_", "sep").replace("dil_conv_", "dil").replace("avg_pool_", "avg")
            .replace("max_pool_", "max").replace("conv_", "").replace("identity", "id"))


# An op's long name in words, for a cell figure's legend beside the short label its edges carry
OP_WORDS = {"none": "zero", "skip_connect": "identity", "identity": "identity"}
_OP_KINDS = (("sep_conv_", "separable conv"), ("dil_conv_", "dilated conv"), ("nor_conv_", "conv"), ("conv_", "conv"),
             ("avg_pool_", "average pool"), ("max_pool_", "max pool"))


def op_legend(op: str, space: str = "") -> str:
    """A cell figure's legend entry for ``op``: the label drawn on its edges (:func:`op_short`) with its name in
    words, "3×3 conv", "avg (3×3 average pool)", "skip (identity)", "none (zero)", "sep3×3 (separable conv)";
    an op of no known kind as its id. The edges' hover keeps the op's id."""
    short = op_short(op, space)
    if op in OP_WORDS:
        return f"{short} ({OP_WORDS[op]})"
    for prefix, words in _OP_KINDS:
        if op.startswith(prefix):
            size = op[len(prefix):].replace("x", "×") if "×" in short or op in OP_SHORT else op[len(prefix):]
            if short[:1].isdigit():                        # "3×3", "1×3/3×1": the size is the label
                return f"{short} {words}"
            return f"{short} ({words})" if size in short else f"{short} ({size} {words})"
    return short if short == op else f"{short} ({op})"


def algo_id(name: str):
    """The searcher id behind a curve name ("nao", "nao:paper", "NAO", "regularised evolution", ...), or None."""
    key = str(name).strip().lower()
    for algo, label in ALGO_LABELS.items():
        if key == label.lower():
            return algo
    key = key.partition(":")[0].split(" ")[0] if key else key
    return key if key in ALGO_COLORS else _ALGO_ALIASES.get(key)


def algo_label(name: str) -> str:
    """A searcher as a figure names it for a reader: ``nao`` -> "NAO", ``re`` -> "regularised evolution" (the
    Search tab's names, :data:`ALGO_LABELS`), ``nao:paper`` -> "NAO (paper preset)"; any other name as given."""
    text = str(name)
    algo, _, preset = text.partition(":")
    if algo in ALGO_LABELS:
        return ALGO_LABELS[algo] + (f" ({preset} preset)" if preset else "")
    return text


def algo_labels(names) -> dict:
    """{name: :func:`algo_label` of it} for ``names``, or each name kept when two would read the same (a
    notebook's "nao" beside "NAO"), so no curve is lost to a merge."""
    out = {n: algo_label(n) for n in names}
    return out if len(set(out.values())) == len(out) else {n: n for n in names}


def _distinct(names, own: dict, spare: list) -> dict:
    """One value per name: ``own[searcher id]`` for the first name of each searcher, then the first of ``spare``
    not yet used (cycling once all are), so two names never share a colour or a marker while any is free."""
    out, used = {}, set()
    for name in names:
        value = own.get(algo_id(name))
        if value is not None and value not in used:
            out[name] = value
            used.add(value)
    for name in names:
        if name not in out:
            free = [v for v in spare if v not in used]
            out[name] = free[0] if free else spare[len(out) % len(spare)]
            used.add(out[name])
    return out


def algo_symbols(names) -> dict:
    """A distinct marker shape per name (:data:`ALGO_SYMBOLS` for the first name of each searcher, then spare
    shapes), the same rule as :func:`algo_colors`."""
    spare = [s for s in _SPARE_SYMBOLS if s not in ALGO_SYMBOLS.values()] + list(ALGO_SYMBOLS.values())
    return _distinct(names, ALGO_SYMBOLS, spare)


def algo_colors(names) -> dict:
    """A distinct colour per name: the searcher's own colour (:data:`ALGO_COLORS`) for the first name of each
    searcher, then :data:`SPARE_COLORS` in order (so "nao" and "nao:paper" differ too, to colour-blind eyes)."""
    return _distinct(list(names), ALGO_COLORS, list(SPARE_COLORS))
