"""The Search tab: NAO, regularised evolution, random and local search on the benchmark table, live, over one
or several seeds, with a stop button, the incumbent curves as mean ± band, and a table of every query.

The curves are a :class:`~naoviz.ui.line_chart.LineChart` (SVG, no plotly in the page or the kernel).
Each (seed, searcher) runs through :func:`naoviz.search.runs.start_search` (the runner of ``naoviz
search``/``compare``) in a background thread, so the page stays responsive; the curve of a run is
:func:`naoviz.search.base.incumbent_curve` and the mean and band over seeds are
:func:`naoviz.experiments.search.incumbent_band`, the numbers ``naoviz compare`` prints for the same seeds.
"""
from __future__ import annotations

import html
import threading
import time
from importlib import import_module
from typing import Callable, Optional

import ipywidgets as W
import numpy as np

# queries per searcher and seed: the budget slider's range MIN_BUDGET..MAX_BUDGET, its step BUDGET_STEP (10..300 by 10)
from naoviz.explorer_plan import BUDGET_STEP, MAX_BUDGET, MIN_BUDGET, check_budget
from naoviz.ui.common import SliderBox, error_html, fit_choice, in_thread, named, say_check, status_line, whole_number
from naoviz.ui.line_chart import LineChart, line
from naoviz.ui.query_table import QueryTable, search_columns
from naoviz.ui.search_pareto import (COST_TIPS, CostBudget, ParetoView, budget_words, export_figures, search_figures,
                                     summary_extra)
from naoviz.ui.search_status import (compare_command, ended_line, legend_room, nao_sources, result_html, result_room,
                                     running_line, search_summary)
from naoviz.ui.tips import Tips
from naoviz.viz.bands import past_name, searcher_bands
from naoviz.viz.theme import ALGO_LABELS, BAND_LABELS, titled, value_unit

MAX_SEEDS = 10
MAX_FIRST_SEED = 10_000
# the tooltips of the tab's labelled controls, by label (the NAO preset menu's is the chosen preset's line); shown
# on the label and the control (naoviz.ui.tips: ipywidgets 8 shows none on a labelled box or menu)
TIPS = {"algorithms": "the searchers to run, each over the same seeds (Ctrl-click adds or drops one)",
        "queries": "queries per searcher and seed: how many table cells each may look up",
        "first seed": f"the first run's seed; the runs use it and the next ones (a whole number 0..{MAX_FIRST_SEED})",
        "seeds": f"runs per searcher, one per seed (1..{MAX_SEEDS}); two or more draw a band around the mean",
        "band": "what the band around each searcher's mean line spans over its runs (± 1 sd is clipped to the "
                "runs' range)",
        **COST_TIPS}
BAND_MENU = {"sd": "± 1 sd"}    # the band menu's short names (220 px at 1024; the legend's title says the whole)
REDRAW_S = 0.25          # live curve redraws at most this often
TABLE_S = 1.0            # the query table (a few thousand rows travel whole) at most this often


def algos_note(picked: int, total: int) -> str:
    """The line under the algorithms list: how many are picked and how to pick others. All four start picked, and
    a list of picked rows without the focus is drawn grey, which read as disabled. On a touch screen a tap does
    it (no Ctrl key there): naoviz's Voila template shows the second wording where a pointer is coarse."""
    return (f"<small>{picked} of {total} picked · <span class='naoviz-by-mouse'>Ctrl-click (⌘)</span>"
            f"<span class='naoviz-by-touch' hidden>a tap (Ctrl-click)</span> adds or drops one</small>")


def preset_options() -> list:
    """The NAO preset menu: ``(label, name)`` pairs, the main presets first ("default — best measured"), then the
    measured directions under "more:" (``naoviz.search.nao_presets.catalogue``); the value stays the name."""
    from naoviz.search.nao_presets import catalogue
    return [(("" if r["group"] == "main" else "more: ") + f"{r['name']} — {r['label']}", r["name"])
            for r in catalogue()]


def preset_about(name: str) -> str:
    """The line under the menu: what preset ``name`` does (its catalogue line), as HTML."""
    from naoviz.search.nao_presets import ABOUT
    return f"<small><b>{html.escape(name)}</b>: {html.escape(ABOUT[name][1], quote=False)}</small>"


def search_lines(curves: dict, band: str = "sd") -> tuple[list, str]:
    """The Search tab's chart: per searcher the mean incumbent over its runs (seeds) and, with two runs or
    more, the band (:func:`naoviz.viz.bands.searcher_bands`, as :func:`naoviz.viz.curves.search_curves` draws them).
    Returns the :class:`LineChart` series and the legend's title (which names the band, when one is drawn)."""
    bands, legend = searcher_bands(curves, band)
    # an incumbent changes only at a query: each line and band is a step (held flat until the next query), as
    # the exported figure draws it (naoviz.viz.curves.search_curves)
    series = [line(b["label"], b["x"], b["mean"], b["color"], lo=b["lo"], hi=b["hi"], n=b["n"], step=True)
              if b["runs"] >= 2 else line(b["label"], b["x"], b["mean"], b["color"], step=True) for b in bands]
    # runs of different lengths (seeds still running, a stop): the mean above ends where the shortest run ends;
    # the longer runs go on dashed, named as such, their number on hover ("n=k here")
    series += [line(past_name(b["name"]), b["x"], b["past"], b["color"], n=b["n"], dash=True, step=True)
               for b in bands if b["past"] is not None]
    return series, legend


def _cell(v) -> Optional[float]:
    return float(v) if np.isfinite(v) else None          # JSON has no NaN: the table shows "–"


class SearchPanel:
    """Run the chosen searchers for seeds ``first seed .. first seed + seeds - 1`` (seed by seed, so every
    searcher's band grows together); ``stop`` ends the running search after its current query and starts no
    other. ``open_cell(cell_str)``: called when a row of the query table is clicked (the dashboard opens the
    cell in the explorer); without it the table only sorts and filters."""

    def __init__(self, bench, metric: str = "valid_acc", report: Optional[str] = None, budget: int = 60,
                 nao_preset: str = "default", nao_config: Optional[dict] = None,
                 open_cell: Optional[Callable[[str], None]] = None):
        for module in ("naoviz.evaluate", "naoviz.experiments.search", "naoviz.search"):
            import_module(module)             # imported here, not first in the worker thread
        from naoviz.search.nao_presets import ABOUT
        from naoviz.search.nao_search import PRESETS
        if nao_preset not in PRESETS:
            raise ValueError(f"nao_preset: unknown preset {nao_preset!r}; expected one of {', '.join(PRESETS)}")
        asked = check_budget(budget, "budget")     # 10..300 on the slider's step: its front end snaps any other
        self.bench, self.metric = bench, metric
        from naoviz.evaluate import TableEvaluator
        # the same default report as `naoviz search`/`compare`: the table's test accuracy
        evaluator = TableEvaluator(bench, metric=metric)
        self.report = report or evaluator.report
        # a partial table (a file of fewer classes than the space) is searched within its rows: the budget
        # slider stops at its class count (step 10), as `naoviz search --queries` does
        pool = evaluator.pool
        self.max_budget = (MAX_BUDGET if pool is None else
                           max(MIN_BUDGET, min(MAX_BUDGET, len(pool) // BUDGET_STEP * BUDGET_STEP)))
        budget = min(asked, self.max_budget)
        # the table's own limit is said under the controls, not applied silently
        self.budget_note = "" if budget == asked else (
            f"<small>this table has {len(pool):,} classes: the queries slider stops at {budget}, not the "
            f"{asked} asked for</small>")
        self.nao_config = dict(nao_config or {})
        self.open_cell = open_cell
        self.algos = W.SelectMultiple(options=[(v, k) for k, v in ALGO_LABELS.items()], value=tuple(ALGO_LABELS),
                                      description="algorithms", rows=len(ALGO_LABELS), tooltip=TIPS["algorithms"])
        self.algos_note = W.HTML(algos_note(len(self.algos.value), len(ALGO_LABELS)),
                                 layout=W.Layout(width="auto", margin="0 0 0 4px"))
        self.algos_note.add_class("naoviz-algos-note")
        self.algos.observe(lambda ch: setattr(self.algos_note, "value", algos_note(len(ch["new"]), len(ALGO_LABELS))),
                           names="value")
        # the slider has a checked box, not ipywidgets' readout (which clamps: 2.5 -> 10, 9999 -> 300)
        self.budget_input = SliderBox("queries", budget, MIN_BUDGET, self.max_budget, step=BUDGET_STEP, css_class="naoviz-budget")
        self.budget = self.budget_input.slider
        small = W.Layout(width="150px")
        # text boxes, checked here: a browser's number box silently drops what it cannot take (2.5 -> 25)
        self.seed = W.Text(value="0", description="first seed", layout=small, continuous_update=False,
                           tooltip=TIPS["first seed"])
        self.seeds = W.Text(value="1", description="seeds", layout=small, continuous_update=False,
                            tooltip=TIPS["seeds"])
        self.seed.add_class("naoviz-first-seed")
        self.seeds.add_class("naoviz-seeds")
        self.cost = CostBudget(bench)              # the cost budget row (search_pareto.py); off by default
        self.constraint = None                     # the running (or last) run's, from self.cost at start
        for box in (self.seed, self.seeds, self.budget_input.box, self.cost.box, self.cost.column):
            box.observe(lambda _: self._check_boxes(), names="value")
        # which NAO runs: `fast` (the `sweep` recipe, fewer epochs) for a live page; `trust` and `default`
        # (`kmeans`: `thompson` from a space-filling pool) propose every model-guided query by a step, so the
        # query table's source column shows what the step did without mutations (docs/search.md, presets)
        self.preset = fit_choice(W.Dropdown(options=preset_options(), value=nao_preset, description="NAO preset"),
                                 label_px=130, least_px=360)    # "more: sweep_projected — default under budgets" whole
        self.preset_about = W.HTML(preset_about(nao_preset), layout=W.Layout(max_width="600px"))
        self.preset_about.add_class("naoviz-preset-about")
        self.preset.tooltip = ABOUT[nao_preset][1]
        self.preset.observe(self._show_preset, names="value")
        self.start_note = W.HTML(layout=W.Layout(max_width="600px"))   # a budget spent on an initial pool
        self.start_note.add_class("naoviz-start-note")
        self.band = W.Dropdown(options=[(f"mean {BAND_MENU.get(k, v)}", k) for k, v in BAND_LABELS.items()],
                               value="sd", description="band", style={"description_width": "initial"},
                               tooltip=TIPS["band"])   # its label as wide as "band": with the labels' usual 80 px
        fit_choice(self.band, label_px=90, least_px=220)        # and 220 px, "mean 25–75 % of runs" was cut
        self.budget.tooltip = self.budget_input.box.tooltip = TIPS["queries"]
        self.run_btn = W.Button(description="run search", button_style="primary", icon="play")
        self.stop_btn = W.Button(description="stop", button_style="", icon="stop", disabled=True,
                                 tooltip="stop after the current query")
        self.progress = W.IntProgress(value=0, min=0, max=1, description="progress")
        # one line beside the bar (running, stopping, done, a refusal), its text wrapping in the row's rest: an empty
        # line left the bar alone on its row and the first "running…" wrapped under it, moving the chart down 51 px
        self.msg = status_line(self.budget_note)
        self.msg.layout = W.Layout(flex="1 1 300px", min_width="0")
        # the run's result (3-4 lines) under the curves and their note: beside the bar it pushed the chart down 71 px as a
        # run ended; here it keeps the room of the widest result from the run's start (``result_room``, invisible in
        # the same grid cell), so the Pareto plot under it does not move down 68-110 px as the run ends
        cell = dict(grid_area="1 / 1", min_width="0")
        self.result = status_line()
        self.result.layout = W.Layout(**cell)
        self.result.add_class("naoviz-search-result")
        self.result_room = W.HTML(layout=W.Layout(visibility="hidden", **cell))    # not seen, not read out
        self.result_box = W.GridBox([self.result, self.result_room],
                                    layout=W.Layout(grid_template_columns="minmax(0, 1fr)", display="none"))
        self.table = QueryTable(search_columns(metric, self.report, bench.metrics), on_open=self._open_row)
        self.rows: list[list] = []                 # one per query, in the table's column order
        self.curves: dict[str, list] = {}          # searcher label -> incumbent curve of each run, seed order
        self.results: list = []                    # SearchResult of each finished (or stopped) run
        self.curve = LineChart(x_title="queries", x_integer=True, height=360, y_unit=value_unit(self.report),
                               y_title=titled(self.report, prefix="incumbent ", columns=bench.metrics))
        self.curve_box = W.VBox([self.curve], layout=W.Layout(width="100%"))
        self.pareto = ParetoView(bench, self.report, self.cost)     # accuracy against cost, under the curves
        self.pareto.on_export = lambda size, progress=None: self.export_figures(size=size, progress=progress)     # its "export figures" button
        self.run_btn.on_click(lambda _: self.start())
        self.stop_btn.on_click(lambda _: self.stop())
        self.band.observe(lambda _: self._draw(table=False), names="value")
        self._stop = threading.Event()
        self._running = threading.Event()          # set from start() until the run ends (stop() may come first)
        self._lock = threading.Lock()               # one redraw at a time (worker thread and band changes)
        self.thread: Optional[threading.Thread] = None
        controls = W.VBox([self.budget_input.widget, self.cost.widget, W.HBox([self.seed, self.seeds]),
                           W.HBox([self.preset, self.band], layout=W.Layout(flex_flow="row wrap")),
                           self.preset_about, self.start_note,
                           W.HBox([self.run_btn, self.stop_btn])],
                          layout=W.Layout(flex="1 1 420px", min_width="0"))     # beside the list; its rows wrap
        selected_by = ("" if metric == self.report else
                       f"The incumbent is the best query by {named(metric, bench.metrics)}, what the "
                       f"searchers see; the curves show its {named(self.report, bench.metrics)}, which can fall when a "
                       "cell that validates better tests worse. ")
        # right under the curves, where a falling one is seen (under the Pareto plot it was 400 px below them)
        self.curve_note = W.HTML(f"<small>{selected_by}</small>" if selected_by else "")
        self.curve_note.add_class("naoviz-curve-note")
        hint = W.HTML("<small>Every query of the run: click a header to sort, type to filter (e.g. "
                      "<code>decoder report&gt;=94</code>), click a row to open its cell in the explorer.</small>")
        # each labelled control's tooltip on its label and on the control (ipywidgets 8 shows none on either)
        self.tips = Tips([self.algos, self.budget, self.budget_input.box, self.seed, self.seeds, self.preset, self.band,
                          self.cost.column, self.cost.slider, self.cost.box, self.pareto.x, self.pareto.export_size])
        self.widget = W.VBox([W.HBox([W.VBox([self.algos, self.algos_note]), controls],
                                     layout=W.Layout(flex_flow="row wrap")),
                              W.HBox([self.progress, self.msg], layout=W.Layout(flex_flow="row wrap")),
                              self.curve_box, self.curve_note, self.result_box, self.pareto.widget, hint, self.table, self.tips])
        self.widget.add_class("naoviz-search")
        for control in (self.algos, self.budget, self.preset):
            control.observe(lambda _: self._say_start(), names="value")
        self._say_start()

    def _show_preset(self, change) -> None:
        """The chosen preset's line under the menu and in its tooltip."""
        from naoviz.search.nao_presets import ABOUT
        self.preset_about.value = preset_about(change["new"])
        self.preset.tooltip = ABOUT[change["new"]][1]

    def _say_start(self) -> None:
        """Under the preset line, the notes ``naoviz compare`` prints: a budget within a searcher's initial pool."""
        from naoviz.search.registry import start_notes
        notes = start_notes([(a, self.preset.value if a == "nao" else None) for a in self.algos.value],
                            self.budget.value, option="queries", nao_config=self.nao_config or None, names=ALGO_LABELS)
        self.start_note.value = "".join(f"<div><small>{html.escape(n)}</small></div>" for n in notes)
        self.start_note.layout.display = None if notes else "none"     # no empty row's height in the controls

    # -- running --------------------------------------------------------------------------------------
    def start(self, wait: bool = False) -> None:
        if self._running.is_set():
            return
        if not self.algos.value:        # nothing to run: say so (not "done" and a compare line with no --algos)
            self.msg.value = error_html("pick at least one algorithm in the list (Ctrl-click or Shift-click for several)")
            return
        if not self._check_boxes():
            return
        settings = (self.budget_input.checked(), *self.seed_range())
        self.constraint = self.pareto.constraint = self.cost.checked()
        self.pareto.log.clear()
        self._stop.clear()
        self._running.set()         # before the thread starts: a stop from its first callback must count
        self._buttons(running=True)
        self.rows, self.curves, self.results = [], {}, []
        self._cmd = self._command(*settings)         # as the run starts: the menus may change while it runs
        self.result_room.value = self._result_room(*settings)
        self.curve.legend_room = legend_room([ALGO_LABELS[a] for a in self.algos.value], settings[2], self.band.value)
        self.result.value = "<i>running… the result shows here when the run ends</i>"
        self.result_box.layout.display = None      # none before the first run: no empty room under the chart
        # an export's line is of the run before (its "nothing to draw yet: run a search first" stayed red beside
        # the new run's points)
        self.pareto.export_msg.value, self.pareto.export_msg.layout.display = "", "none"
        self.thread = in_thread(lambda: self._run(*settings), self._failed)
        if wait:
            self.thread.join()

    def _command(self, budget: int, first: int, n_seeds: int) -> str:
        """The ``naoviz compare`` line of a run of these settings ("" with a NAO config of its own)."""
        return "" if self.nao_config else compare_command(
            self.bench.source if self.bench.fingerprint else self.bench.name, list(self.algos.value), budget, first,
            n_seeds, self.preset.value, self.constraint)

    def _result_room(self, budget: int, first: int, n_seeds: int) -> str:
        """The room the result of this run keeps from its start (``search_status.result_room``)."""
        algos = list(self.algos.value)
        words = budget_words(self.constraint, self.bench.metrics) if self.constraint is not None else ""
        return result_room([ALGO_LABELS[a] for a in algos], n_seeds, budget, self.report, self.bench.metrics, words,
                           "nao" in algos, self._cmd)

    def seed_range(self) -> tuple[int, int]:
        """(first seed, number of seeds) from the two boxes; ValueError naming the box and what it holds."""
        return (whole_number("first seed", self.seed.value, 0, MAX_FIRST_SEED),
                whole_number("seeds", self.seeds.value, 1, MAX_SEEDS))

    def _check_boxes(self) -> bool:
        """Say at once (and again on run) what the budget box or a seed box holds that is not a budget or a
        seed; clear that line once all three are right. True when they are."""
        return say_check(self.msg, lambda: (self.budget_input.checked(), self.seed_range(), self.cost.checked()),
                         busy=self._running.is_set())

    def stop(self) -> None:
        """End the running search after its current query; no further (seed, searcher) starts."""
        if self._running.is_set():
            self._stop.set()
            self._buttons(running=True, stopping=True)
            self.msg.value = "<i>stopping after the current query…</i>"

    def _failed(self, exc: Exception) -> None:
        self.msg.value = error_html(f"{type(exc).__name__}: {exc}")
        self.result_box.layout.display = "none"      # no "running…" left under the curves
        self._buttons(running=False)

    def _run(self, budget: int, first: int, n_seeds: int) -> None:
        try:
            self._run_all(budget, first, n_seeds)
        finally:
            self._running.clear()

    def _run_all(self, budget: int, first: int, n_seeds: int) -> None:
        """Run every (seed, searcher) with the budget and seeds checked by :meth:`start`."""
        from naoviz.evaluate import TableEvaluator
        from naoviz.search import incumbent_curve, start_search

        algos = list(self.algos.value)
        preset = self.preset.value
        self.progress.max, self.progress.value = max(budget * len(algos) * n_seeds, 1), 0
        evaluator = TableEvaluator(self.bench, metric=self.metric, report=self.report,
                                   constraints=[self.constraint] if self.constraint is not None else ())
        last = {"curve": 0.0, "table": 0.0}
        for seed in range(first, first + n_seeds):
            for algo in algos:
                if self._stop.is_set():
                    break
                name = ALGO_LABELS[algo]
                runs = self.curves.setdefault(name, [])
                runs.append(np.zeros(0))
                k, records = len(runs) - 1, []
                shown = f"{name} ({preset})" if algo == "nao" else name
                done = self.progress.value                 # where this run sits among all: the bar has no number

                def running(at=None, shown=shown, seed=seed, done=done):
                    return running_line(shown, seed, done, budget, self.progress.max, at)

                def on_eval(rec, name=name, runs=runs, k=k, records=records, seed=seed, running=running):
                    records.append(rec)
                    self.pareto.log.add(name, rec)
                    self.rows.append([name, seed, rec.query, rec.source, _cell(rec.value), _cell(rec.report),
                                      rec.arch])
                    runs[k] = incumbent_curve(records, evaluator.maximize)
                    self.progress.value += 1
                    now = time.perf_counter()
                    if now - last["curve"] > REDRAW_S:              # throttle redraws
                        table = now - last["table"] > TABLE_S
                        last["curve"], last["table"] = now, now if table else last["table"]
                        self._draw(table=table)
                        if not self._stop.is_set():                 # "stopping…" stays until the run ends
                            self.msg.value = running(self.progress.value)

                self.msg.value = running()
                kw = {"preset": preset, "config": self.nao_config or None} if algo == "nao" else {}
                result = start_search(algo, evaluator, budget, seed, progress=False, on_evaluation=on_eval,
                                      stop=self._stop, **kw)
                runs[k] = result.incumbent_curve()
                self.results.append(result)
        self._draw()
        summary = html.escape(search_summary(self.curves, self.report, self.band.value, self.bench.metrics)) + summary_extra(self.pareto)
        self.result.value = result_html(summary, self._stop.is_set(), len(self.rows), self._cmd, nao_sources(self.results))
        self.msg.value = ended_line(self._stop.is_set(), len(self.rows))
        self._buttons(running=False)

    def _buttons(self, running: bool, stopping: bool = False) -> None:
        """Run and stop as the search stands. The stop button is orange only while it can stop something: the
        disabled orange one (ipywidgets fades it) read as a live button beside "run search" before any run."""
        self.run_btn.disabled = running
        self.stop_btn.disabled = stopping or not running
        self.stop_btn.button_style = "warning" if running and not stopping else ""

    # -- drawing --------------------------------------------------------------------------------------
    def _draw(self, table: bool = True) -> None:
        with self._lock:
            series, legend = search_lines(self.curves, self.band.value)
            with self.curve.hold_sync():                    # one message for the series and the legend
                self.curve.series, self.curve.legend_title = series, legend
            if table:                                        # the Pareto plot's points travel with the table's rows
                self.table.rows = [list(r) for r in self.rows]
                self.pareto.draw()

    def figures(self) -> dict:
        """``{"incumbent", "pareto"}``: the curves and the Pareto plot as plotly figures for ``naoviz.viz.export``
        (:func:`naoviz.ui.search_pareto.search_figures`; plotly loads only here)."""
        from naoviz.tables.benchmark import lower_is_better
        return search_figures(self.curves, self.pareto, self.report, self.band.value, lower_is_better(self.report),
                              metric=self.metric)

    def export_figures(self, fmt: str = "png", folder=None, size: str = "screen", progress=None) -> list:
        """Write :meth:`figures` to ``folder`` (default: the dashboard's ``--exports``), as on screen or laid out
        for a paper's column (``size`` "7in", "3.5in": PDF and SVG); the paths written. ``progress(stage, done,
        total)``: told as each file is rendered. Before any query there is nothing to draw: ValueError, no file."""
        if not self.rows:                 # it wrote an empty chart (axes -1..6 by 0..4) and said "saved 1 figure"
            raise ValueError("nothing to draw yet: run a search first (no file written)")
        return export_figures(self.figures(), fmt, folder, table=getattr(self.bench, "name", ""), size=size,
                              progress=progress)

    def _open_row(self, row: dict) -> None:
        if self.open_cell is not None:
            self.open_cell(row["cell"])
