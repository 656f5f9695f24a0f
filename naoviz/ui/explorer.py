"""The explorer: map of every architecture, a seed, the step-size slider along its gradient path, the
prediction chart and the seed-vs-decoded cells, updating together. A thin view over :class:`Session` and
the pure functions of :mod:`naoviz.ui.state`; every callback reports errors inline, never as a traceback.
"""
from __future__ import annotations

import functools
import logging
import os
import time
from dataclasses import replace
from pathlib import Path
from typing import Optional

import ipywidgets as W
import numpy as np
import plotly.graph_objects as go

from naoviz.ui import state as S
from naoviz.viz import (attention_heatmap, cell_compare, embedding_map, export_many, label_gap, path_overlay,
                        path_trace_data, prediction_chart)

log = logging.getLogger("naoviz.ui")


class _FigureWidget(go.FigureWidget):
    """A FigureWidget whose comm opens only once its traces are in the widget state.

    plotly opens the comm (sending the state to the browser) before it fills ``_widget_data``; the data
    follows as an update, and a browser busy loading the widget class can draw the view from the empty
    state and never redraw (seen under load). Opening after construction sends one complete state.
    """

    def open(self):
        if self.__dict__.get("_naoviz_ready"):
            super().open()


def figure_widget(fig: go.Figure) -> go.FigureWidget:
    """``go.FigureWidget(fig)`` whose first message to the browser already holds the whole figure."""
    fw = _FigureWidget(fig)
    fw.__dict__["_naoviz_ready"] = True
    fw.open()
    return fw


def swap_figure(box: W.Box, old: go.FigureWidget, fig: go.Figure) -> go.FigureWidget:
    """Show ``fig`` in ``box`` as a fresh FigureWidget (closing ``old``); always reaches the browser whole."""
    new = figure_widget(fig)
    box.children = [new]
    old.close()
    return new


def export_dir() -> Path:
    return Path(os.environ.get("NAOVIZ_EXPORT_DIR", "naoviz-exports")).expanduser().resolve()


class Explorer:
    """Widgets over a :class:`naoviz.ui.session.Session`; ``.widget`` is the box to display."""

    def __init__(self, session, seed=None, max_eta: float = 10.0, n_etas: int = 21, guided: bool = False):
        self.session = session
        space = session.space
        if seed is None:      # start from a middling architecture: there is room to improve
            order = np.argsort(session.true)
            seed = session.archs[int(order[len(order) // 2])]
        self.state = S.ExplorerState(seed=space.coerce(seed), max_eta=max_eta, n_etas=n_etas)
        # Figures are built with their content: FigureWidget edits made before a browser connects (Voila runs
        # the notebook first; a preheated kernel long before) reach it only through sync_state, which is too
        # heavy for the 15,625-point map.
        self.map = self._map_widget()
        self.view = W.ToggleButtons(options=[("cells", "cells"), ("decoder attention", "attention")], value="cells",
                                    tooltips=["seed and decoded cell as graphs",
                                              "which seed tokens the decoder looked at for each decoded token"],
                                    style={"button_width": "130px"})
        pv = self.path_view
        self.pred = figure_widget(self._pred_figure(pv))
        self.cell = figure_widget(self._cell_figure(S.position(pv, 0)))
        # controls
        self.slider = W.IntSlider(value=0, min=0, max=n_etas - 1, description="step η", readout=False,
                                  continuous_update=True, layout=W.Layout(width="360px"))
        self.eta_label = W.HTML()
        self.steps = W.BoundedIntText(value=1, min=1, max=10, description="steps", layout=W.Layout(width="150px"))
        self.max_eta = W.BoundedFloatText(value=max_eta, min=0.5, max=500, step=0.5, description="max η",
                                          layout=W.Layout(width="170px"))
        self.colour = W.ToggleButtons(options=[("true", "true"), ("predicted", "predicted")], value="true",
                                      description="colour", style={"button_width": "80px"})
        self.text = W.Text(placeholder="paste an architecture string and press Enter", continuous_update=False,
                           layout=W.Layout(width="560px"))
        self.go = W.Button(description="use arch", tooltip="parse the pasted string")
        self.error = W.HTML()
        self.dropdowns = [W.Dropdown(options=opts, description=label, layout=W.Layout(width="210px"),
                                     style={"description_width": "40px"})
                          for label, opts in S.edge_options(space)]
        self.info = W.HTML()
        self._syncing = False
        self.add_btn = W.Button(description="add decoded to pool", button_style="success")
        self.pool = W.HTML(S.pool_html(space, ()))
        self.export_fmt = W.Dropdown(options=["png", "svg", "pdf", "html"], value="png", layout=W.Layout(width="80px"))
        self.export_btn = W.Button(description="export figures")
        self.export_msg = W.HTML()
        self.status = W.HTML(self._status_text())
        self.guide = W.HTML()
        self.guide_next = W.Button(description="next stage ▸", layout=W.Layout(width="120px"))
        self.guide_box = W.HBox([self.guide_next, self.guide], layout=W.Layout(display="flex" if guided else "none"))
        # wiring
        self.slider.observe(self._guard(lambda ch: self._show_index()), names="value")
        self.steps.observe(self._guard(lambda ch: self._new_path()), names="value")
        self.max_eta.observe(self._guard(lambda ch: self._new_path()), names="value")
        self.colour.observe(self._guard(self._on_colour), names="value")
        self.view.observe(self._guard(lambda ch: self._show_index()), names="value")
        self.text.observe(self._guard(lambda _: self._on_paste()), names="value")
        self.go.on_click(self._guard(lambda _: self._on_paste()))
        for d in self.dropdowns:
            d.observe(self._guard(self._on_dropdown), names="value")
        self.add_btn.on_click(self._guard(lambda _: self._on_add()))
        self.export_btn.on_click(self._guard(lambda _: self.export()))
        self.guide_next.on_click(self._guard(lambda _: self._next_stage()))
        self.widget = self._layout()
        self.widget.add_class("naoviz-explorer")
        self._sync_controls()
        self._show_text(S.position(pv, 0))

    # -- layout -------------------------------------------------------------------------------------
    def _layout(self) -> W.Widget:
        for w, cls in ((self.slider, "naoviz-eta"), (self.text, "naoviz-paste"), (self.export_btn, "naoviz-export"),
                       (self.info, "naoviz-info-box"), (self.error, "naoviz-error-box")):
            w.add_class(cls)
        fig_map, fig_cell, fig_pred = (W.Box([f], layout=W.Layout(width="100%")).add_class(c) for f, c in
                                       ((self.map, "naoviz-map"), (self.cell, "naoviz-cell"), (self.pred, "naoviz-pred")))
        self.map_box, self.cell_box, self.pred_box = fig_map, fig_cell, fig_pred
        edit = W.VBox([W.HBox([self.text, self.go]), self.error,
                       W.GridBox(self.dropdowns, layout=W.Layout(grid_template_columns="repeat(3, 220px)"))])
        left = W.VBox([self.status, self.colour, fig_map], layout=W.Layout(width="660px"))
        right = W.VBox([self.view, fig_cell, self.info], layout=W.Layout(width="710px"))
        controls = W.HBox([self.slider, self.eta_label, self.steps, self.max_eta])
        actions = W.HBox([self.add_btn, self.export_fmt, self.export_btn])   # the message below: long paths
        return W.VBox([self.guide_box, edit, W.HBox([left, right]), controls, fig_pred, actions, self.export_msg,
                       self.pool])

    def _status_text(self) -> str:
        s = self.session
        wait = " (UMAP map computing in the background; PCA shown meanwhile)" if s.umap_future is not None \
            and not s.umap_future.done() else ""
        return f"<small>{s.bench.name} · model predicts {s.metric} · {s.map_method} map{wait}</small>"

    # -- plumbing -----------------------------------------------------------------------------------
    def _guard(self, fn):
        """Run a callback; any exception becomes an inline message (and a log line), never a traceback."""
        @functools.wraps(fn)
        def wrapped(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except Exception as exc:  # noqa: BLE001 - the UI must survive anything a user can do
                log.warning("naoviz explorer: %s: %s", type(exc).__name__, exc)
                self.error.value = S.error_html(f"{type(exc).__name__}: {exc}")
        return wrapped

    @property
    def path_view(self):
        st = self.state
        return self.session.path(st.seed, st.etas, st.steps)

    # -- events -------------------------------------------------------------------------------------
    def _on_click(self, trace, points, selector) -> None:
        if points.point_inds:
            self.select(self.session.archs[int(points.point_inds[0])])

    def _on_paste(self) -> None:
        new = S.paste_arch(self.state, self.session.space, self.text.value)
        if new.error:
            self.state = new
            self.error.value = S.error_html(new.error)
            return
        self.select(new.seed)

    def _on_dropdown(self, change) -> None:
        if not self._syncing:
            self.select(tuple(d.value for d in self.dropdowns))

    def _on_colour(self, change) -> None:
        s = self.session
        with self.map.batch_update():
            self.map.data[0].marker.color = s.colour(change["new"])
            self.map.data[0].marker.colorbar.title.text = f"{change['new']} {s.metric}"

    def _on_add(self) -> None:
        pos = S.position(self.path_view, self.state.index)
        self.state = S.add_to_pool(self.state, pos["decoded"])
        self.pool.value = S.pool_html(self.session.space, self.state.pool)

    def _next_stage(self) -> None:
        self.state = replace(self.state, guide_stage=(self.state.guide_stage + 1) % len(S.GUIDE))
        if self.state.guide_stage >= 2 and self.slider.value == 0:
            self.slider.value = min(5, self.slider.max)     # show a real step
        self._render_guide()

    # -- actions ------------------------------------------------------------------------------------
    def select(self, arch) -> None:
        """Make ``arch`` the seed: recompute its path and reset the slider to η = 0."""
        self.state = S.select_arch(self.state, self.session.space.coerce(arch))
        self.error.value = ""
        self._new_path()

    # -- figures ------------------------------------------------------------------------------------
    def _map_widget(self) -> go.FigureWidget:
        """A fresh map widget (all points, seed star, path overlay at the current slider position)."""
        s, st = self.session, self.state
        pv = self.path_view
        row = pv.seed_row
        base = embedding_map(s.xy, s.colour(self.colour.value if hasattr(self, "colour") else "true"),
                             labels=s.labels, color_label=f"true {s.metric}", extra=s.extra,
                             selected=row, method=s.map_method)
        if row is None:   # a seed outside the table: star at its own projection
            base.update_traces(selector=dict(name="seed"), x=[pv.xy[0, 0]], y=[pv.xy[0, 1]])
        fig = path_overlay(base, pv.xy, pv.result.etas, pv.decoded, st.index)
        fig.layout.update(height=480, width=620, margin=dict(l=10, r=40, t=10, b=10))
        fw = figure_widget(fig)
        fw.data[0].on_click(self._guard(self._on_click))
        return fw

    def _pred_figure(self, pv) -> go.Figure:
        r = pv.result
        fig = prediction_chart(r.etas, r.predicted, r.decoded_predicted, r.true, current=self.state.index,
                               decoded=pv.decoded, metric=self.session.metric)
        fig.layout.update(height=300, width=1000)
        return fig

    def _cell_figure(self, pos) -> go.Figure:
        """Seed and decoded cells, or (``view`` = attention) the decoder's attention for this decode."""
        if self.view.value == "attention":
            tokens = self.session.model.space
            fig = attention_heatmap(self.path_view.result.attention[pos["index"]],
                                    out_labels=tokens.token_labels(pos["decoded"]),
                                    in_labels=tokens.step_labels(self.state.seed),
                                    title=f"decoder attention at η = {pos['eta']:.2f} (rows: decoded, columns: seed)")
            fig.layout.update(height=460, width=700, xaxis_title="seed, per encoder step", xaxis_tickangle=-45)
            return fig
        fig = cell_compare(self.session.space, self.state.seed, pos["decoded"],
                           titles=("seed", f"decoded at η = {pos['eta']:.2f}"))
        fig.layout.update(height=330, width=700)
        return fig

    def _sync_controls(self) -> None:
        """Dropdowns show the seed and the slider sits at the state's index, without re-triggering."""
        self._syncing = True
        try:
            for d, v in zip(self.dropdowns, self.state.seed):
                d.value = int(v)
            if self.slider.value != self.state.index:
                self.slider.value = self.state.index
        finally:
            self._syncing = False

    def _show_text(self, pos) -> None:
        self.eta_label.value = f"<b>η = {pos['eta']:.2f}</b>"
        self.info.value = S.info_html(self.session.describe(self.state.seed), pos, self.session.metric)
        self.status.value = self._status_text()
        self._render_guide(pos)

    def _new_path(self) -> None:
        """A new seed or grid: recompute the path (cached per seed) and redraw everything at η = 0."""
        self.state = replace(self.state, steps=int(self.steps.value), max_eta=float(self.max_eta.value), index=0)
        pv = self.path_view
        s = self.session
        self._sync_controls()
        row = pv.seed_row
        with self.map.batch_update():
            self.map.data[1].x = [s.xy[row, 0]] if row is not None else [pv.xy[0, 0]]
            self.map.data[1].y = [s.xy[row, 1]] if row is not None else [pv.xy[0, 1]]
            for name, data in path_trace_data(pv.xy, pv.result.etas, pv.decoded, 0, label_gap(s.xy)).items():
                self.map.update_traces(selector=dict(name=name), **data)
        self._show_index()

    def _show_index(self) -> None:
        """Render the slider's current value (read now, so a burst of drags ends on the last one)."""
        if self._syncing:
            return
        self.state = S.move_slider(self.state, int(self.slider.value))
        pv = self.path_view
        pos = S.position(pv, self.state.index)
        with self.map.batch_update():
            self.map.update_traces(selector=dict(name="current"),
                                   **path_trace_data(pv.xy, pv.result.etas, pv.decoded, pos["index"])["current"])
        # Fresh widgets for the two small figures: layout edits made in place did not always reach a
        # browser whose widgets were created before it connected (Voila runs the notebook first, and
        # preheated kernels long before); a new widget always arrives whole. The map only gets restyles.
        self.pred = swap_figure(self.pred_box, self.pred, self._pred_figure(pv))
        self.cell = swap_figure(self.cell_box, self.cell, self._cell_figure(pos))
        self._show_text(pos)

    def _render_guide(self, pos=None) -> None:
        pos = pos or S.position(self.path_view, self.state.index)
        self.guide.value = S.guide_text(self.state.guide_stage, self.session.describe(self.state.seed), pos)

    def refresh_map(self) -> None:
        """Show the session's new projection (PCA -> UMAP): a fresh map widget replaces the old one, so a
        browser that connects later still gets the whole, current map."""
        old, self.map = self.map, self._map_widget()
        self.map_box.children = [self.map]
        old.close()
        self.status.value = self._status_text()

    def figures(self) -> dict:
        """The current figures as plain plotly figures (what export writes)."""
        return {"map": go.Figure(self.map), "prediction": go.Figure(self.pred),
                self.view.value: go.Figure(self.cell)}

    def export(self, fmt: Optional[str] = None, folder: Optional[Path] = None) -> list[Path]:
        """Write the map, prediction chart and cells to ``folder`` (default $NAOVIZ_EXPORT_DIR or
        ./naoviz-exports) as ``fmt``; reports the paths (or the problem) next to the button."""
        fmt = fmt or self.export_fmt.value
        folder = Path(folder) if folder else export_dir()
        stamp = time.strftime("%Y%m%d-%H%M%S")
        figs = self.figures()
        paths = [folder / f"{stamp}-{name}.{fmt}" for name in figs]
        self.export_msg.value = "<i>exporting…</i>"
        try:
            export_many(list(figs.values()), paths, width=1000, height=600, scale=1.5)
        except Exception as exc:  # noqa: BLE001 - shown inline (no browser, disk full, ...)
            self.export_msg.value = S.error_html(str(exc))
            raise
        self.export_msg.value = ("<span class='naoviz-exported'>saved " +
                                 ", ".join(f"<code>{p}</code>" for p in paths) + "</span>")
        return paths
