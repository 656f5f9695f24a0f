"""Figures laid out for a printed column: a paper's single column (3.5 in) or its full width (7 in).

A figure drawn 900 px wide with plotly's 12 px text, placed in a 3.5 in column, prints its text at 3.4 pt (7 in:
6.7 pt); journals ask for 6-8 pt at least. Here a figure is drawn at its printed size, 96 px to the inch, so
plotly's 12 px is 9 pt on paper (a PDF page comes out exactly that wide: kaleido's page is 0.75 pt per px at
scale 1). The title goes (a paper's caption says it: ``compare --out``'s README.md holds it), the legend moves
under the plot, where it covers no data and takes the column's width, and long notes above a panel are wrapped.
"""
from __future__ import annotations

import html
import re

import plotly.graph_objects as go

PX_PER_INCH = 96
COLUMNS = {"3.5in": 3.5, "7in": 7.0}          # file-name tag -> printed width (inches)
SIZES = ("screen", "7in", "3.5in")             # what an export button offers (:func:`export_sized`)
MIN_FONT_PX = 11                               # 8.25 pt on paper: no text smaller
_CHAR_EM = 0.55                                # a text character's mean width, in ems (Helvetica-like)


def wrap(text: str, width_px: float, font_px: float) -> str:
    """``text`` with ``<br>`` between words so that no line runs wider than ``width_px`` at ``font_px``."""
    per_line = max(8, int(width_px / (font_px * _CHAR_EM)))
    lines: list[str] = []
    for part in re.split(r"<br\s*/?>", text):
        line = ""
        for word in part.split(" "):
            if line and len(bare(line)) + 1 + len(bare(word)) > per_line:
                lines.append(line)
                line = word
            else:
                line = f"{line} {word}" if line else word
        lines.append(line)
    return "<br>".join(lines)


def bare(text: str) -> str:
    """``text`` of a plotly title as plain text: a line break before a subtitle (``<br><sup>``) a dash, one that
    wrapped a line a space (a map's file was titled "coloured by validation — accuracy"), its markup
    (``<sup>``, ``<b>``...) gone, its entities (``&lt;``) the characters."""
    text = re.sub(r"<br\s*/?>(?=\s*<sup\b)", " — ", str(text))
    text = re.sub(r"\s*<br\s*/?>\s*", " ", text)
    return html.unescape(re.sub(r"</?(?:b|i|em|sup|sub|span|a)(?:\s[^>]*)?>", "", text)).strip()


def _legend_height(fig: go.Figure, width: float, font: float) -> float:
    """The height in px of ``fig``'s horizontal legend at ``width`` px: plotly stacks a legend group's entries
    and lays the groups side by side, wrapping to a new row of groups where the next does not fit."""
    groups: dict = {}
    for i, t in enumerate(fig.data):
        if t.name and t.showlegend is not False:
            groups.setdefault(t.legendgroup or f"#{i}", []).append(bare(t.name))
    # a row is 1.6 fonts (19 px at 12: measured in an exported SVG); the group gap only where plotly groups the
    # traces (some trace has a legendgroup): three ungrouped entries were given 26 px more than they take
    grouped = any(t.legendgroup for t in fig.data)
    entry = font * 1.6
    gap = (fig.layout.legend.tracegroupgap if fig.layout.legend.tracegroupgap is not None else 10) if grouped else 0
    if not grouped and groups:        # plotly: one row if all fit, else every entry as wide as the widest
        blocks = [50 + len(names[0]) * font * _CHAR_EM for names in groups.values()]   # (a 3.5 in map's 6 entries
        per_row = len(blocks) if sum(blocks) <= width else max(1, int(width // max(blocks)))   # took 6 rows, not 3)
        return -(-len(blocks) // per_row) * entry + 10
    total, used, tallest = 0.0, 0.0, 0
    for names in groups.values():
        block = 50 + max(len(n) for n in names) * font * _CHAR_EM
        if used and used + block > width:
            total, used, tallest = total + tallest * entry + gap, 0.0, 0
        used += block
        tallest = max(tallest, len(names))
    return total + tallest * entry + (10 if groups else 0)          # plotly's padding above and below its rows


def for_print(fig: go.Figure, width_in: float) -> tuple[go.Figure, str]:
    """(a copy of ``fig`` laid out for a column ``width_in`` inches wide, its title as plain text): its
    ``layout.width`` that column at :data:`PX_PER_INCH`, no title, the legend under the x axis across the
    column (its title above its entries; the figure made taller by its rows), the title kept in
    ``layout.meta["caption"]`` for the file's title field, text of :data:`MIN_FONT_PX` px
    at least, the y axis titles and notes above panels wrapped to fit, room for a colour bar. Export it at scale
    1 (PDF, SVG: the page is then ``width_in`` wide) or more (PNG): :func:`export_for_print`. A cell comparison
    (``cell_compare``) in a single column is laid out for it: cells stacked, short labels
    (:func:`naoviz.viz.cells.for_column`)."""
    out = go.Figure(fig)
    title = bare(out.layout.title.text or "")
    width = round(width_in * PX_PER_INCH)
    plot_h, side = round(width * (0.55 if width_in >= 5 else 0.75)), 12
    if width_in < 5 and isinstance(out.layout.meta, dict) and out.layout.meta.get("figure") == "cell_compare":
        from naoviz.viz.cells import for_column
        plot_h, side = for_column(out, width)
    base = max(MIN_FONT_PX, out.layout.font.size or 12)
    legend_title = bool(out.layout.legend.title.text)
    top = 30 if out.layout.annotations else 12
    # tick labels and the x axis title under the plot; a map's axes have neither (it kept 51 px blank for them)
    shown = any(out.layout[k].visible is not False and (out.layout[k].showticklabels is not False
                                                         or out.layout[k].title.text)
                for k in out.layout if k.startswith("xaxis"))
    axis = 40 + base if shown else 8
    bottom = axis + _legend_height(out, width - 20, base) + (base + 8 if legend_title else 0) + 6
    # a colour bar sits in the right margin; axes without tick labels (a map, a cell graph) need no left one
    bar = any(getattr(getattr(t, "marker", None), "colorbar", None) is not None and
              (t.marker.showscale is not False) and t.marker.colorbar.title.text for t in out.data)
    labelled = any(out.layout[k].showticklabels is not False and out.layout[k].visible is not False
                   for k in out.layout if k.startswith("yaxis"))
    if title and (out.layout.meta is None or isinstance(out.layout.meta, dict)):   # the file's own title field
        out.update_layout(meta={**(out.layout.meta or {}), "caption": title})  # (file_title): not its file name
    out.update_layout(title=None, font_size=base, width=width, height=plot_h + top + bottom,
                      legend=dict(orientation="h", x=0, xanchor="left", y=0, yanchor="bottom", yref="container",
                                  title_side="top", font_size=base),
                      margin=dict(l=62 if labelled else side, r=80 if bar else side, t=top, b=bottom, autoexpand=False))
    out.update_xaxes(title_standoff=4, automargin=False)
    out.update_yaxes(automargin=False)
    for name in [k for k in out.layout if k.startswith("yaxis")]:
        axis = out.layout[name]
        if axis.title.text:
            share = (axis.domain[1] - axis.domain[0]) if axis.domain else 1.0
            axis.title.text = wrap(axis.title.text, plot_h * share, (axis.title.font.size or base + 2))
    # panels side by side (a cell comparison): a note above one is wrapped to that panel's share of the width
    sides = len({tuple(out.layout[k].domain or (0, 1)) for k in out.layout if k.startswith("xaxis")}) or 1
    for t in out.data:                                 # text drawn by a trace (a cell graph's op labels) too
        if getattr(t, "textfont", None) is not None and t.textfont.size is not None and t.textfont.size < MIN_FONT_PX:
            t.textfont.size = MIN_FONT_PX
    for note in out.layout.annotations:
        size = max(MIN_FONT_PX, note.font.size or base)
        note.font.size = size
        if note.text and note.xref in (None, "paper") and note.name != "budget":
            note.text = wrap(note.text, (width - 80) / sides, size)
    _room_for_notes(out, plot_h)
    return out, title


def _room_for_notes(fig: go.Figure, plot_h: float) -> None:
    """Make ``fig`` (a plot area ``plot_h`` px tall) taller where a note over a lower panel (a subplot title:
    compare's "runs with a feasible incumbent (%)...") wrapped to more lines than the gap between the panels
    holds: the panels above move up by the missing px (at 3.5 in its 3 lines ran over the upper panel's data)."""
    eps = 1e-9
    starts = sorted({float(fig.layout[k].domain[0]) for k in fig.layout
                     if k.startswith("yaxis") and fig.layout[k].domain})
    extra, cut = 0.0, None
    for note in fig.layout.annotations:
        if not note.text or note.yref not in (None, "paper") or note.yanchor != "bottom" or note.y is None:
            continue
        above = [a for a in starts if a > note.y + eps]
        if not above:
            continue
        lines = note.text.count("<br>") + 1
        need = lines * (note.font.size or MIN_FONT_PX) * 1.3 + 6
        short = need - (above[0] - note.y) * plot_h
        if short > extra:
            extra, cut = short, above[0]
    if extra <= 0:
        return
    new_h = plot_h + extra
    move = lambda v: (v * plot_h + (extra if v >= cut - eps else 0.0)) / new_h     # noqa: E731
    for k in [k for k in fig.layout if k.startswith("yaxis")]:
        d = fig.layout[k].domain
        if d:
            fig.layout[k].domain = [min(1.0, move(d[0])), min(1.0, move(d[1]))]
    for note in fig.layout.annotations:
        if note.yref in (None, "paper") and note.y is not None:
            note.y = move(note.y)
    fig.layout.height = fig.layout.height + round(extra)


def export_for_print(figs, paths, width_in: float, png_scale: float = 3.0, progress=None) -> list:
    """Write each figure of ``figs`` laid out for a column ``width_in`` inches wide (:func:`for_print`) to its
    path of ``paths`` (PDF, SVG: a page exactly that wide; PNG at ``png_scale``, 288 dpi at 3); the paths. Its
    caption is the figure's title: ``for_print(fig, width_in)[1]``. ``progress``: as ``export_many``'s."""
    from naoviz.viz.figure_files import export_many
    laid = [for_print(f, width_in)[0] for f in figs]
    paths = list(paths)
    out, done = [], 0
    for scale, want in ((1.0, lambda p: not str(p).lower().endswith(".png")), (png_scale, lambda p: str(p).lower().endswith(".png"))):
        pick = [(f, p) for f, p in zip(laid, paths) if want(p)]
        if pick:
            tell = None if progress is None else (lambda stage, n, _total, d=done: progress(stage, d + n, len(paths)))
            out += export_many([f for f, _ in pick], [p for _, p in pick], width=pick[0][0].layout.width, height=1,
                               scale=scale, progress=tell)
            done += len(pick)
    order = {str(p): i for i, p in enumerate(paths)}
    return sorted(out, key=lambda p: order[str(p)])


def export_sized(figs: dict, folder, stem: str, size: str = "screen", fmt: str = "png", progress=None):
    """What an export button writes (the explorer's, the Search tab's): ``figs`` ({name: figure}) as on screen
    (``size`` "screen": ``fmt``, 900x600) or laid out for a paper's column (``size`` a :data:`COLUMNS` tag: PDF
    and SVG, :func:`export_for_print`, named ``<stem>-<name>-7in.pdf``...), never over a file that holds
    something else (:func:`naoviz.viz.figure_files.export_new`); the paths (an ``Exported``). ``progress(stage,
    done, total)``: each figure file as it is rendered."""
    from naoviz.viz.figure_files import export_new
    if size == "screen":
        return export_new(figs, folder, stem, fmt, progress=progress)
    if size not in COLUMNS:
        raise ValueError(f"size: expected one of {', '.join(SIZES)}, got {size!r}")
    return export_new({f"{name}-{size}": fig for name, fig in figs.items()}, folder, stem, ("pdf", "svg"),
                      width_in=COLUMNS[size], progress=progress)
