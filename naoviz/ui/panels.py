"""Search panel (NAO, regularised evolution, random search and local search, live) and child panel (train a
cell on digits, live). Work runs in a background thread so the page stays responsive; the pure helpers at the top
decide what the table and curves show and are tested without a browser."""
from __future__ import annotations

import html
import logging
import threading
import time
from typing import Callable, Optional, Sequence

import ipywidgets as W
import plotly.graph_objects as go

from naoviz.ui.common import error_html, figure_widget, swap_figure
from naoviz.viz import search_curves
from naoviz.viz.theme import ALGO_LABELS, TEMPLATE

log = logging.getLogger("naoviz.ui")


# -- pure helpers ------------------------------------------------------------------------------------
def table_html(rows: Sequence[dict], limit: int = 8, value: str = "value", report: str = "report") -> str:
    """The last ``limit`` evaluations, newest first: algo, query, who proposed it, the searched metric
    (headed ``value``), the reported one (``report``), arch."""
    head = (f"<tr><th>algo</th><th>#</th><th>source</th><th>{html.escape(value)}</th><th>{html.escape(report)}</th>"
            "<th>arch</th></tr>")
    body = "".join(
        f"<tr><td>{html.escape(r['algo'])}</td><td>{r['query']}</td><td>{html.escape(r['source'])}</td>"
        f"<td>{r['value']:.2f}</td><td>{r['report']:.2f}</td><td><code>{html.escape(r['arch'])}</code></td></tr>"
        for r in list(rows)[::-1][:limit])
    style = ("<style>.naoviz-search-table th, .naoviz-search-table td {text-align: left; padding: 1px 10px 1px 0}"
             "</style>")
    return f"{style}<table class='naoviz-search-table' style='font-size:12px'>{head}{body}</table>"


def search_summary(curves: dict, report: str) -> str:
    parts = [f"{name}: {arr[-1]:.2f}" for name, arr in curves.items() if len(arr)]
    return f"incumbent {report} — " + " · ".join(parts) if parts else ""


def child_curve(history: Sequence[dict]) -> go.Figure:
    """Train and valid accuracy per epoch of a child network."""
    fig = go.Figure(layout=dict(template=TEMPLATE, xaxis_title="epoch", yaxis_title="accuracy (%)",
                                margin=dict(l=50, r=10, t=20, b=40), height=280, uirevision="child"))
    x = list(range(1, len(history) + 1))
    for key in ("train_acc", "valid_acc"):
        fig.add_trace(go.Scatter(name=key, x=x, y=[h.get(key) for h in history], mode="lines+markers"))
    return fig


def _in_thread(target: Callable[[], None], on_error: Callable[[Exception], None]) -> threading.Thread:
    def run():
        try:
            target()
        except Exception as exc:  # noqa: BLE001 - shown in the panel
            log.warning("naoviz panel: %s: %s", type(exc).__name__, exc)
            on_error(exc)
    t = threading.Thread(target=run, daemon=True, name="naoviz-panel")
    t.start()
    return t


# -- search ------------------------------------------------------------------------------------------
class SearchPanel:
    """Run the chosen searchers (NAO, RE, RS, LS) on the benchmark table one after another, each through
    :func:`naoviz.search.runs.start_search` (the runner of ``naoviz search``/``compare``), with a live table
    and the incumbent curve of :func:`naoviz.search.base.incumbent_curve` (reported metric of the best cell
    by the search metric), the same curve ``naoviz compare`` draws."""

    def __init__(self, bench, metric: str = "valid_acc", report: Optional[str] = None, budget: int = 60,
                 nao_preset: str = "fast", nao_config: Optional[dict] = None):
        import naoviz.evaluate  # noqa: F401  (imported here, not first in the worker thread)
        import naoviz.search  # noqa: F401
        self.bench, self.metric = bench, metric
        from naoviz.evaluate import TableEvaluator
        # the same default report as `naoviz search`/`compare`: the table's test accuracy
        self.report = report or TableEvaluator(bench, metric=metric).report
        self.nao_preset, self.nao_config = nao_preset, dict(nao_config or {})
        self.algos = W.SelectMultiple(options=[(v, k) for k, v in ALGO_LABELS.items()], value=tuple(ALGO_LABELS),
                                      description="algorithms", rows=len(ALGO_LABELS))
        self.budget = W.IntSlider(value=budget, min=10, max=300, step=10, description="budget")
        self.seed = W.BoundedIntText(value=0, min=0, max=10_000, description="seed", layout=W.Layout(width="160px"))
        self.run_btn = W.Button(description="run search", button_style="primary")
        self.progress = W.IntProgress(value=0, min=0, max=1, description="queries")
        self.msg = W.HTML()
        self.table = W.HTML()
        self.curve = figure_widget(self._figure())
        self.curve_box = W.Box([self.curve])
        self.run_btn.on_click(lambda _: self.start())
        self.rows: list[dict] = []
        self.curves: dict = {}
        self.thread: Optional[threading.Thread] = None
        self.widget = W.VBox([W.HBox([self.algos, W.VBox([self.budget, self.seed, self.run_btn])]),
                              W.HBox([self.progress, self.msg]), self.curve_box, self.table])

    def start(self, wait: bool = False) -> None:
        if self.thread is not None and self.thread.is_alive():
            return
        self.run_btn.disabled = True
        self.rows, self.curves = [], {}
        self.thread = _in_thread(self._run, self._failed)
        if wait:
            self.thread.join()

    def _failed(self, exc: Exception) -> None:
        self.msg.value = error_html(f"{type(exc).__name__}: {exc}")
        self.run_btn.disabled = False

    def _run(self) -> None:
        from naoviz.evaluate import TableEvaluator
        from naoviz.search import incumbent_curve, start_search

        algos, budget, seed = list(self.algos.value), int(self.budget.value), int(self.seed.value)
        self.progress.max, self.progress.value = budget * len(algos), 0
        evaluator = TableEvaluator(self.bench, metric=self.metric, report=self.report)
        for algo in algos:
            name = ALGO_LABELS[algo]
            records: list = []
            last = [0.0]

            def on_eval(rec, name=name, records=records, last=last):
                records.append(rec)
                self.rows.append({"algo": name, "query": rec.query, "source": rec.source, "value": rec.value,
                                  "report": rec.report, "arch": rec.arch})
                self.curves[name] = incumbent_curve(records, evaluator.maximize)
                self.progress.value += 1
                if time.perf_counter() - last[0] > 0.25 or len(records) == budget:   # throttle redraws
                    last[0] = time.perf_counter()
                    self._draw()

            self.msg.value = f"<i>running {html.escape(name)}…</i>"
            kw = {"preset": self.nao_preset, "config": self.nao_config or None} if algo == "nao" else {}
            result = start_search(algo, evaluator, budget, seed, progress=False, on_evaluation=on_eval, **kw)
            self.curves[name] = result.incumbent_curve()
            self._draw()
        self.msg.value = "<b>done</b> " + html.escape(search_summary(self.curves, self.report))
        self.run_btn.disabled = False

    def _figure(self) -> go.Figure:
        fig = search_curves(dict(getattr(self, "curves", {})), metric=self.report)
        fig.layout.height = 320
        return fig

    def _draw(self) -> None:
        self.curve = swap_figure(self.curve_box, self.curve, self._figure())
        self.table.value = table_html(self.rows, value=self.metric, report=self.report)


# -- child training ----------------------------------------------------------------------------------
def child_summary(arch_text: str, result) -> str:
    """The Child tab's result line: the trained cell's string, its test accuracy, epochs, size and time."""
    return (f"<code>{html.escape(arch_text)}</code>: test accuracy <b>{result.test_acc:.1f}%</b> after "
            f"{result.epochs} epoch(s), {result.params:,} parameters, {result.wall_time_s:.1f} s")


class ChildPanel:
    """Train the explorer's current decoded cell (or any arch) with a named recipe of
    :mod:`naoviz.child.presets` (default ``digits-quick``: C=8, N=1, 4 epochs on digits) and a live curve;
    the training itself is :func:`naoviz.child.train_preset`, the recipe ``naoviz train-child --preset`` uses."""

    def __init__(self, space, get_arch: Callable[[], tuple], epochs: Optional[int] = None,
                 preset: str = "digits-quick"):
        import naoviz.child  # noqa: F401  (imported here, not first in the worker thread)
        from naoviz.child import get_preset
        self.preset = get_preset(preset)
        epochs = self.preset.epochs if epochs is None else epochs
        self.space, self.get_arch = space, get_arch
        self.epochs = W.IntSlider(value=epochs, min=1, max=30, description="epochs")
        self.train_btn = W.Button(description=f"train decoded cell on {self.preset.data}", button_style="primary",
                                  layout=W.Layout(width="240px"))
        self.progress = W.IntProgress(value=0, min=0, max=epochs, description="epochs")
        self.msg = W.HTML()
        self.recipe = W.HTML(f"<small>recipe <code>{html.escape(self.preset.name)}</code>: C={self.preset.channels}, "
                             f"N={self.preset.cells}, batch {self.preset.batch_size}, lr {self.preset.lr:g}</small>")
        self.curve = figure_widget(child_curve([]))
        self.curve_box = W.Box([self.curve])
        self.train_btn.on_click(lambda _: self.start())
        self.thread: Optional[threading.Thread] = None
        self.result = None
        self.widget = W.VBox([W.HBox([self.epochs, self.train_btn, self.recipe]), W.HBox([self.progress, self.msg]),
                              self.curve_box])

    def start(self, wait: bool = False) -> None:
        if self.thread is not None and self.thread.is_alive():
            return
        self.train_btn.disabled = True
        self.thread = _in_thread(self._run, self._failed)
        if wait:
            self.thread.join()

    def _failed(self, exc: Exception) -> None:
        self.msg.value = error_html(f"{type(exc).__name__}: {exc}")
        self.train_btn.disabled = False

    def _run(self) -> None:
        from naoviz.child import train_preset

        arch = self.get_arch()
        text = self.space.format(arch)
        epochs = int(self.epochs.value)
        self.progress.max, self.progress.value = epochs, 0
        self.msg.value = f"<i>training <code>{html.escape(text)}</code>…</i>"
        history: list = []

        def cb(epoch, logs):
            history.append(logs)
            self.progress.value = epoch + 1
            self.curve = swap_figure(self.curve_box, self.curve, child_curve(history))

        self.result = train_preset(self.space, arch, self.preset, callback=cb, epochs=epochs)
        self.msg.value = child_summary(text, self.result)
        self.train_btn.disabled = False
