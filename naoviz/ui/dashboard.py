"""The teaching dashboard (served by Voila from notebooks/dashboard.ipynb): a guided explorer, the search
panel and the child panel in tabs. With a cached model the app is built before the page is served (a few
seconds; Voila's preheated kernel does it before anyone asks); on a first start a background thread trains
the model with a live loss curve and then builds the tabs, so the page shows progress at once.
(Building widgets in a thread while a browser is still connecting can race ipywidgets' state fetch, so
the thread is used only when training makes the page worth showing early.)"""
from __future__ import annotations

import html
import logging
import threading
import time
from typing import Optional

import ipywidgets as W

from naoviz.ui.state import error_html
from naoviz.viz import training_curves

log = logging.getLogger("naoviz.ui")

INTRO = ("<h2 style='margin:4px 0'>naoviz · Neural Architecture Optimization</h2>"
         "<p style='margin:2px 0'>NAO encodes a cell into a vector, predicts its accuracy, takes a gradient "
         "step uphill and decodes a new cell. Click a point on the map (or paste an architecture), then drag "
         "the <b>step η</b> slider.</p>")


def find_benchmark():
    """NAS-Bench-201 when installed, else the shipped digits table; NaovizError naming the fix otherwise."""
    from naoviz.tables import default_benchmark
    from naoviz.errors import DataMissingError, NaovizError
    from naoviz.paths import data_dir

    try:
        return default_benchmark()
    except DataMissingError as exc:
        raise NaovizError(f"No benchmark table found in {data_dir()}. Run `naoviz data download` to fetch the "
                          f"NAS-Bench-201 tables (or `naoviz data import DIR`), or start with --data DIR. "
                          f"({exc})") from None


class Dashboard:
    """``Dashboard(...).widget`` is the app. ``background``: "auto" (thread only when the model must be
    trained), True (always a thread) or False (build before returning)."""

    def __init__(self, metric: str = "valid_acc", n_train: int = 1000, epochs: Optional[int] = None,
                 method: str = "umap", guided: bool = True, background="auto", search_budget: int = 60,
                 nao_search_config: Optional[dict] = None, child_epochs: Optional[int] = None):
        self.options = dict(metric=metric, n_train=n_train, epochs=epochs, method=method, guided=guided,
                            search_budget=search_budget, nao_search_config=nao_search_config,
                            child_epochs=child_epochs)
        self.progress = W.IntProgress(value=0, min=0, max=1, description="training", layout=W.Layout(width="420px"))
        self.stage = W.HTML("<i>loading the benchmark table…</i>")
        from naoviz.ui.explorer import figure_widget
        self.loss = figure_widget(training_curves([]))
        self.loss.layout.height = 260
        self.loss_fig_box = W.Box([self.loss])
        self.loss_box = W.VBox([self.progress, self.loss_fig_box], layout=W.Layout(display="none"))
        self.body = W.VBox([self.stage, self.loss_box])
        self.widget = W.VBox([W.HTML(INTRO), self.body])
        self.widget.add_class("naoviz-dashboard")
        self.explorer = self.search = self.child = None
        self.ready = threading.Event()
        self.timings: dict = {}
        # Import the heavy modules here, in the caller's thread: a first import racing the main thread's
        # (plotly imports pandas lazily) can see a half-initialised module.
        import naoviz.tables  # noqa: F401
        import naoviz.nao  # noqa: F401
        import naoviz.ui.panels  # noqa: F401
        import naoviz.nao.cache  # noqa: F401
        import naoviz.ui.session  # noqa: F401
        if background == "auto":
            background = not self._model_cached()
        if background:
            threading.Thread(target=self._build_safely, daemon=True, name="naoviz-dashboard").start()
        else:
            self._build_safely()

    def _spec(self, bench):
        from naoviz.nao.cache import ModelSpec
        o = self.options
        metric = o["metric"] if o["metric"] in bench.metrics else next(m for m in bench.metrics if "acc" in m)
        return ModelSpec(metric=metric, n_train=o["n_train"], overrides={"epochs": o["epochs"]} if o["epochs"] else {})

    def _model_cached(self) -> bool:
        """Whether the model is on disk (then building takes seconds and is done before display)."""
        from naoviz.nao.cache import is_cached
        try:
            self._bench = find_benchmark()
            return is_cached(self._bench, self._spec(self._bench))
        except Exception:  # noqa: BLE001 - build synchronously: the error is shown at once
            return True

    @classmethod
    def from_env(cls, **defaults) -> "Dashboard":
        """A dashboard whose sizes can be set from the environment (tests and small machines):
        NAOVIZ_DASHBOARD_TRAIN (archs the model learns from), NAOVIZ_DASHBOARD_EPOCHS, NAOVIZ_DASHBOARD_MAP
        (umap or pca), NAOVIZ_DASHBOARD_BUDGET (search queries per algorithm)."""
        import os

        env = {"n_train": ("NAOVIZ_DASHBOARD_TRAIN", int), "epochs": ("NAOVIZ_DASHBOARD_EPOCHS", int),
               "method": ("NAOVIZ_DASHBOARD_MAP", str), "search_budget": ("NAOVIZ_DASHBOARD_BUDGET", int)}
        opts = dict(defaults)
        for key, (name, kind) in env.items():
            if os.environ.get(name):
                try:
                    opts[key] = kind(os.environ[name])
                except ValueError:
                    raise ValueError(f"{name}: expected {kind.__name__}, got {os.environ[name]!r}") from None
        return cls(**opts)

    def _build_safely(self) -> None:
        try:
            self._build()
        except Exception as exc:  # noqa: BLE001 - shown on the page, not as a traceback
            log.warning("naoviz dashboard: %s: %s", type(exc).__name__, exc)
            self.stage.value = error_html(str(exc))
            self.ready.set()

    def _build(self) -> None:
        from naoviz.ui.explorer import Explorer, swap_figure
        from naoviz.ui.panels import ChildPanel, SearchPanel
        from naoviz.nao.cache import epochs_to_train, is_cached, load_or_train
        from naoviz.ui.session import Session

        o = self.options
        t0 = time.perf_counter()
        bench = getattr(self, "_bench", None) or find_benchmark()
        spec = self._spec(bench)
        metric = spec.metric
        self.timings["benchmark_s"] = time.perf_counter() - t0
        epochs = epochs_to_train(bench, spec)
        if not is_cached(bench, spec):
            self.stage.value = (f"<i>First start: training the NAO model on {spec.n_train} {html.escape(bench.name)} "
                                f"architectures ({epochs} epochs, cached afterwards)…</i>")
            self.progress.max = epochs
            self.loss_box.layout.display = "flex"
        history: list = []

        def on_epoch(epoch, logs):
            history.append({"epoch": epoch + 1, **logs})
            self.progress.value = epoch + 1
            if epoch % 5 == 4 or epoch + 1 == epochs:
                fig = training_curves(history)
                fig.layout.height = 260
                self.loss = swap_figure(self.loss_fig_box, self.loss, fig)

        def on_wait():
            self.stage.value = ("<i>Another session is training the same NAO model; this page waits for it "
                                "and then loads it…</i>")

        model, cached = load_or_train(bench, spec, callback=on_epoch, on_wait=on_wait)
        self.timings["model_s"] = time.perf_counter() - t0
        self.timings["model_cached"] = cached
        self.stage.value = "<i>embedding every architecture and drawing the map…</i>"
        holder: dict = {}
        session = Session(bench, model, metric=metric, method=o["method"],
                          on_map_ready=lambda s: holder["ex"].refresh_map() if "ex" in holder else None)
        self.explorer = holder["ex"] = Explorer(session, guided=o["guided"])
        if session.umap_future is not None and session.umap_future.done() and session.map_method == "UMAP":
            self.explorer.refresh_map()       # UMAP finished while the explorer was being built
        if bench.complete:
            self.search = SearchPanel(bench, metric=metric, budget=o["search_budget"],
                                      nao_config=o["nao_search_config"])
            search_widget = self.search.widget
        else:                                 # a partial table cannot answer every query a search makes
            self.search = None
            search_widget = W.HTML(f"<p>Search needs a table with every architecture; {html.escape(bench.name)} "
                                   f"has {len(bench):,} rows. Run <code>naoviz data download</code> for "
                                   "NAS-Bench-201, or build a complete table with "
                                   "<code>naoviz build-table --archs all</code>.</p>")
        self.child = ChildPanel(bench.space, self._current_decoded, epochs=o["child_epochs"])
        tabs = W.Tab(children=[self.explorer.widget, search_widget, self.child.widget])
        for i, title in enumerate(("Explorer", "Search", "Train a child")):
            tabs.set_title(i, title)
        self.tabs = tabs
        self.body.children = [tabs] if cached else [tabs, W.HTML("<b>NAO training loss (this first start)</b>"),
                                                     self.loss_fig_box]
        self.timings["ready_s"] = time.perf_counter() - t0
        self.ready.set()

    def _current_decoded(self):
        from naoviz.ui.state import position
        ex = self.explorer
        return position(ex.path_view, ex.state.index)["decoded"]
