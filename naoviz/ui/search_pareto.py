"""The Search tab's cost budget and its Pareto plot (issue 14): a cost column of the table (or off) with an upper
bound, passed to the searchers as a constraint exactly as ``naoviz compare --constraint`` does, and the reported
metric against a cost column for every searcher's queries (pooled over its seeds; hollow when infeasible) with
its front of feasible queries as a staircase and the budget as a dashed line.

The cost columns are :func:`naoviz.atlas.budget_columns` of the whole table (the explorer's budget applies the
same rule to the columns its atlas carries, a handful on NB201); the
queries and fronts are kept by :class:`naoviz.experiments.pareto_log.ParetoLog` (the UI holds no algorithm);
a few far worse queries are drawn on the y axis's lower edge, counted, not let squash the rest (``axis_cut``);
the page draws with :class:`~naoviz.ui.scatter_chart.ScatterChart` (no plotly); :func:`search_figures` makes the plotly figures
for export (``naoviz.viz.pareto_figure``), importing plotly only when called.
"""
from __future__ import annotations

import html
import math
from typing import Optional

import ipywidgets as W
import numpy as np

from naoviz.atlas import budget_columns
from naoviz.experiments.pareto_log import ParetoLog
from naoviz.search.constraints import Constraint
from naoviz.ui.common import error_html, fit_choice, in_thread, status_line
from naoviz.ui.scatter_chart import ScatterChart, points
from naoviz.viz.axis_cut import low_cut
from naoviz.column_names import menu_name, readable
from naoviz.viz.theme import algo_colors, constraint_text, titled, value_unit

# the export buttons' sizes ({label: naoviz.viz.print_sizes.SIZES tag}), the explorer's menu the same
# (one wording with the explorer's menu, naoviz/resources/explorer/explorer_layout.js; "screen (PNG)" here was "PNG" there)
EXPORT_SIZES = {"PNG": "screen", "7 in (PDF, SVG)": "7in", "3.5 in (PDF, SVG)": "3.5in"}
SLIDER_STEPS = 200           # the bound slider's resolution over the column's range
# the tooltips of the cost budget row and the plot's axis menu, by label (naoviz.ui.tips shows them)
COST_TIPS = {"cost budget": "a cost column to bound: queries over the bound are infeasible ('off': no budget)",
             "at most": "the bound: cells over it are infeasible (choose a column first)",
             "Pareto plot's x axis": "the cost column the Pareto plot puts across",
             "figure size": "export figures: PNG as on screen, or laid out for a paper's full width (7 in) or "
                            "single column (3.5 in) as PDF and SVG, text 8-9 pt"}


def cost_columns(bench) -> list:
    """The table's columns a budget can bound (sizes, FLOPs, latencies, times), as the explorer offers them."""
    return budget_columns([m for m in bench.metrics if m != "arch_index"])


def default_cost(columns) -> str:
    """The Pareto plot's x axis until one is picked: the table's parameter count (``params_M``,
    ``cifar10_params_M``), else its first cost column."""
    return next((c for c in columns if "params" in c), columns[0] if columns else "")


def pareto_note(constraint: Optional[Constraint], column: str, columns=()) -> str:
    """The line under the Pareto plot, as HTML: what its marks mean for the run drawn. It names hollow points
    and the dashed line only when the run had a budget (and the line only when the x axis is the budget's
    column): without one every query is feasible, and a note of hollow points and a dashed budget would name
    marks the plot does not have."""
    if constraint is None:
        return ("<small>Each searcher's queries over its seeds and its Pareto front as a staircase (no cost "
                "budget: every query is feasible).</small>")
    bound = html.escape(budget_words(constraint, columns))          # as the plot's budget label and the summary write it
    where = (f"the budget {bound} dashed" if constraint.column == column else
             f"no dashed line: the budget ({bound}) is on another column than this axis")
    return (f"<small>Each searcher's queries over its seeds (hollow: over the budget), its front of feasible "
            f"queries as a staircase, {where}.</small>")


def budget_words(constraint: Constraint, columns=()) -> str:
    """A budget as the page says it everywhere (the summary line, the plot's label, the note under it):
    "latency on Pixel 3 ≤ 10.68 ms", with the column's unit (the label and note said "≤ 10.68" while the summary
    said "≤ 10.68 ms"). ``columns``: the table's (:func:`naoviz.column_names.readable`)."""
    return constraint_text(f"{constraint.column}{constraint.op}{constraint.bound:g}", columns)


def bound_value(text, column: str, lo: float, hi: float) -> float:
    """The upper bound typed in the cost budget's box: a finite number in ``[lo, hi]`` (the column's range
    over the table), or a ValueError of one line naming the box and the text as typed."""
    shown = repr(str(text)[:40])
    expected = f"expected {column} in {lo:.4g}..{hi:.4g}"
    try:
        value = float(str(text).strip())
    except ValueError:
        raise ValueError(f"cost budget: {shown} is not a number ({expected}); nothing ran") from None
    if not math.isfinite(value):
        raise ValueError(f"cost budget: {shown} is not a finite number ({expected}); nothing ran")
    if not lo <= value <= hi:
        raise ValueError(f"cost budget: {shown} is out of range ({expected}); nothing ran")
    return value


class CostBudget:
    """The budget row: ``column`` (a cost column, or "" for off), a slider over that column's range with a
    checked text box beside it (the conventions of :class:`naoviz.ui.common.SliderBox`: no editable readout,
    a typed value that is not a bound is refused in one line and leaves the slider where it was).
    :meth:`checked` is the run's :class:`~naoviz.search.constraints.Constraint` (``column <= bound``) or None."""

    def __init__(self, bench):
        self.bench = bench
        self.columns = cost_columns(bench)
        self.column = W.Dropdown(options=[("off", "")] + [(menu_name(c, bench.metrics), c) for c in self.columns], value="",
                                 description="cost budget", layout=W.Layout(width="340px"),
                                 tooltip=COST_TIPS["cost budget"])
        # the menu 340 px (wider for a longer choice: the row then wraps) and the slider 220 px: at 1024 px a
        # 260 px menu showed "latency on Pixel 3 (latenc" of NB201's "latency on Pixel 3 (latency_pixel3)", and
        # 340 px "CIFAR-10 parameters (cifar10_para"
        fit_choice(self.column, label_px=140, least_px=340)
        # its label as wide as the other rows' (80 px, right-aligned): where the row wraps (853 px, a 1280 px
        # screen at 150 %) "at most" sits under "cost budget" in the labels' column, not flush left of it
        self.slider = W.FloatSlider(value=0.0, min=0.0, max=1.0, step=0.01, description="at most", readout=False,
                                    disabled=True, continuous_update=False, style={"description_width": "80px"},
                                    layout=W.Layout(width="220px"))
        self.box = W.Text(value="", description="cost bound (typed)", style={"description_width": "0px"},
                          layout=W.Layout(width="80px"), continuous_update=False, disabled=True)
        self.box.add_class("naoviz-named-box")
        self.box.add_class("naoviz-cost-bound")
        self.slider.tooltip = self.box.tooltip = COST_TIPS["at most"]
        self.column.add_class("naoviz-cost-column")
        self.slider.add_class("naoviz-cost-slider")
        self.range = (0.0, 1.0)
        self.column.observe(lambda _: self._column(), names="value")
        self._typing = False                           # a typed bound moves the slider; the box keeps the text
        self.slider.observe(self._dragged, names="value")
        self.box.observe(lambda _: self._typed(), names="value")
        self.widget = W.HBox([self.column, self.slider, self.box], layout=W.Layout(align_items="center",
                                                                                   flex_flow="row wrap"))
        self._show_bound(False)

    def _show_bound(self, shown: bool) -> None:
        """The slider and its box shown only with a column chosen, their room kept (the row does not move): off, a
        disabled slider left at the last column's median looked set, as the explorer's budget did."""
        self.slider.layout.visibility = self.box.layout.visibility = "visible" if shown else "hidden"

    def _column(self) -> None:
        col = self.column.value
        self.slider.disabled = self.box.disabled = not col
        self._show_bound(bool(col))
        if not col:
            self.box.value = ""
            return
        values = self.bench.metric(col)
        values = values[np.isfinite(values)]
        lo, hi = float(values.min()), float(values.max())
        self.range = (lo, hi)
        median = float(np.median(values))                     # the table's median: about half the cells feasible
        # range and value in one message to the page: a range sent alone had the page clamp the old value into
        # it and send that back, which (arriving late on a loaded machine) overwrote a bound typed meanwhile
        self._typing = True
        try:
            with self.slider.hold_sync(), self.slider.hold_trait_notifications():
                self.slider.min, self.slider.max, self.slider.step = lo, hi, (hi - lo) / SLIDER_STEPS
                self.slider.value = median
        finally:
            self._typing = False
        self.box.value = f"{median:.4g}"

    def _dragged(self, change) -> None:
        """A drag writes the box; the page's slider snapping a value the kernel set onto its step grid (an
        echo less than half a step away) does not: the typed or set bound stays what runs."""
        if self._typing or abs(change["new"] - change["old"]) <= self.slider.step / 2:
            return
        self.box.value = f"{change['new']:.4g}"

    def _typed(self) -> None:
        try:
            value = self.bound()
        except ValueError:
            return                                     # the slider keeps its value; the panel says why
        if value is not None and value != self.slider.value:
            self._typing = True
            try:
                self.slider.value = value
            finally:
                self._typing = False

    def bound(self) -> Optional[float]:
        """The typed upper bound (None when off); ValueError of one line naming the box and the value."""
        if not self.column.value:
            return None
        return bound_value(self.box.value, self.column.value, *self.range)

    def checked(self) -> Optional[Constraint]:
        """``column <= bound`` for a run (what ``--constraint`` would say), or None when the budget is off."""
        b = self.bound()
        return None if b is None else Constraint(self.column.value, "<=", b)

    def set(self, column: str, bound: Optional[float] = None) -> None:
        """Choose the column ("" for off) and, given, the bound (from Python or a test; checked like a typed one)."""
        self.column.value = column
        if bound is not None:
            self.box.value = repr(float(bound))


class ParetoView:
    """The Pareto plot under the curves: the x axis a cost column (the budget's column when one is chosen),
    the reported metric up; :meth:`draw` sends the log's points (call it as often as the curves)."""

    def __init__(self, bench, report: str, budget: CostBudget):
        self.log, self.report, self.budget = ParetoLog(bench), report, budget
        self.table_columns = bench.metrics                   # the names' context: NB201's two runs told apart
        self.constraint: Optional[Constraint] = None          # the run's (drawn as the dashed line)
        cols = budget.columns
        self.x = W.Dropdown(options=[(menu_name(c, self.table_columns), c) for c in cols], value=default_cost(cols) or None, description="Pareto plot's x axis",
                            style={"description_width": "initial"}, layout=W.Layout(width="360px"),
                            tooltip=COST_TIPS["Pareto plot's x axis"])
        fit_choice(self.x, label_px=170, least_px=360)      # 360 px alone cut "CIFAR-10 parameters (cifar10_par"
        self.x.add_class("naoviz-pareto-x")
        named = self.table_columns
        self.chart = ScatterChart(y_title=titled(report, columns=named),
                                  x_title=titled(self.x.value or "", "lower is better", columns=named), height=320,
                                  label=f"{readable(report, named)} against cost: every query and each searcher's Pareto front")
        self.chart.add_class("naoviz-pareto")
        budget.column.observe(lambda ch: ch["new"] and setattr(self.x, "value", ch["new"]), names="value")
        self.x.observe(lambda _: self.draw(), names="value")
        self.note = note = W.HTML("")               # what the marks mean, once a run has drawn some (draw)
        note.add_class("naoviz-pareto-note")
        # export figures: the curves and this plot to the dashboard's --exports folder (``on_export(size)``, set by
        # the panel), as on screen (PNG) or laid out for a paper's column (PDF and SVG)
        self.on_export = None
        self.export_size = W.Dropdown(options=list(EXPORT_SIZES.items()), value="screen", description="figure size",
                                      style={"description_width": "initial"}, layout=W.Layout(width="240px"),
                                      tooltip=COST_TIPS["figure size"])
        self.export_size.add_class("naoviz-export-size")
        self.export_btn = W.Button(description="export figures", icon="download",
                                   tooltip="the curves and the Pareto plot, in the size chosen beside, to the "
                                           "dashboard's --exports folder")
        # its own row under the menus and the button, shown from a click ("exporting…") to a new run: beside the button
        # the "saved ..." line wrapped to a row of two lines seconds after the click, pushing the plot down 32-52 px
        self.export_msg = status_line()
        self.export_msg.layout = W.Layout(flex="0 0 100%", display="none")
        self.export_btn.on_click(lambda _: self._export())
        self.widget = W.VBox([W.HBox([self.x, self.export_size, self.export_btn, self.export_msg],
                                     layout=W.Layout(flex_flow="row wrap",
                                                                                           align_items="center")),
                              self.chart, note], layout=W.Layout(width="100%"))

    def _export(self) -> None:
        if self.on_export is None:
            return
        self.export_btn.disabled = True
        self.export_msg.value, self.export_msg.layout.display = "<i>exporting…</i>", None

        def run():
            from naoviz.viz.figure_files import export_message     # plotly loads only on export
            def tell(stage, done, total):         # "exporting… rendering the figures 2 of 4"
                self.export_msg.value = f"<i>exporting… {html.escape(stage)} {done} of {total}</i>"
            paths = self.on_export(self.export_size.value, progress=tell)
            self.export_msg.value = html.escape(export_message(paths))      # "already saved in ...: ..." when nothing new
            self.export_msg.tooltip = "\n".join(str(p) for p in paths)       # each file's full path
            self.export_btn.disabled = False

        def failed(exc):
            self.export_msg.value = error_html(f"export figures: {exc}")
            self.export_btn.disabled = False
        in_thread(run, failed)

    def draw(self) -> None:
        column = self.x.value
        if not column:
            return
        pts, feas, fronts = self.log.series(column)
        colors = algo_colors(list(pts))
        groups = [points(n, pts[n][:, 1], pts[n][:, 0], colors[n], feas[n], fronts[n]) for n in pts]
        # a few far worse queries (a 10 % cell among 85-94 % ones) would squash the rest: the axis starts above
        # them, they are drawn on its edge and the legend counts them (naoviz.viz.axis_cut)
        cut = low_cut(np.concatenate([p[:, 0] for p in pts.values()])) if pts else None
        c = self.constraint
        line = c.bound if c is not None and c.column == column else None
        # no queries, no marks to name: before any run "no cost budget: every query is feasible" sat under an empty
        # plot, even with a budget picked in the menu above it
        self.note.value = pareto_note(c, column, self.table_columns) if pts else ""
        with self.chart.hold_sync():
            self.chart.groups, self.chart.x_title = groups, titled(column, "lower is better", columns=self.table_columns)
            self.chart.y_range = [cut.lo, cut.hi] if cut else []
            self.chart.y_note = cut.note(value_unit(self.report)) if cut else ""
            self.chart.vline, self.chart.vline_label = line, (f"budget {budget_words(c, self.table_columns)}" if line is not None else "")


def search_figures(curves: dict, view: ParetoView, report: str, band: str = "sd", lower_is_better: bool = False,
                   metric: Optional[str] = None) -> dict:
    """``{"incumbent": ..., "pareto": ...}``: the Search tab as plotly figures for export (``naoviz.viz.export``),
    the curves by :func:`naoviz.viz.curves.search_curves`, the plot by :func:`naoviz.viz.pareto_figure` on the
    same points; the Pareto figure is left out before any query. ``metric``: the searched column, named under
    the title when it is not ``report``. Imports plotly."""
    from naoviz.viz import pareto_figure, search_curves
    from naoviz.viz.curves import chosen_by
    from naoviz.viz.theme import plain, readable
    c = view.constraint
    # a saved figure keeps what the page says around the curves: under a budget they are the best *feasible* query's
    budget = plain(budget_words(c, view.table_columns)) if c is not None else ""
    named = view.table_columns                      # NB201: its two CIFAR-10 runs named apart
    title = f"incumbent {plain(readable(report, named))} by query" + (f", budget {budget} (feasible queries only)"
                                                                       if c is not None else "") + chosen_by(metric, report, named)
    figs = {"incumbent": search_curves({k: v for k, v in curves.items() if v}, report, band=band,
                                       lower_is_better=lower_is_better, title=title, columns=named)}
    column = view.x.value
    pts, feas, _ = view.log.series(column) if column else ({}, {}, {})
    if pts:
        figs["pareto"] = pareto_figure(pts, metric=report, cost=column, feasible=feas, columns=named,
                                       budget=c.bound if c is not None and c.column == column else None)
    return figs


def export_figures(figs: dict, fmt: str = "png", folder=None, table: str = "", size: str = "screen",
                   progress=None) -> list:
    """Write ``figs`` (:func:`search_figures`) to ``folder`` (default ``$NAOVIZ_EXPORT_DIR``, the dashboard's
    ``--exports``, or ./naoviz-exports) as png, svg, pdf or html, ``naoviz-<table>-search-<name>.<fmt>``, an
    earlier export with other content kept and this one numbered (``-2``: ``naoviz.viz.figure_files.export_new``);
    ``size`` "7in" or "3.5in": laid out for a paper's column as PDF and SVG (``naoviz.viz.print_sizes.export_sized``).
    The paths (an ``Exported``: ``reused`` were already there with the same bytes)."""
    import os
    from pathlib import Path

    from naoviz.viz.figure_files import FORMATS, safe_name
    from naoviz.viz.print_sizes import export_sized
    if fmt not in FORMATS:
        raise ValueError(f"format: expected one of {', '.join(FORMATS)}, got {fmt!r}")
    folder = Path(folder or os.environ.get("NAOVIZ_EXPORT_DIR", "naoviz-exports")).expanduser().resolve()
    stem = f"naoviz-{safe_name(table)}-search" if table else "naoviz-search"
    return export_sized(figs, folder, stem, size, fmt, progress=progress)


def summary_extra(view: ParetoView) -> str:
    """The summary line's addition under a budget: its constraint and each searcher's feasible share (escaped)."""
    c = view.constraint
    if c is None:
        return ""
    return html.escape(f" · budget {budget_words(c, view.table_columns)} · {view.log.feasible_shares()}")
