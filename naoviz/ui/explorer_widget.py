"""The explorer as one anywidget over an atlas: the browser draws and answers, the kernel only does off-grid work.

The widget's state IS its traitlets. ``_atlas_header`` + ``_atlas_data`` (one zlib blob, see
``naoviz.atlas_payload``) sync once; slider, click, hover, search, colour and box/lasso selection run in the
front end (``naoviz/resources/explorer/explorer*.js``, shipped in the package, nothing from a CDN) and write the UI
traits back, so Python sees what the student sees. Custom messages carry what the atlas cannot answer (a
typed cell that is not in it, several gradient steps, a seed's path under a budget): an optional ``handler`` answers them (see
``naoviz.ui.explorer_offgrid``; torch is imported only when it runs); without one the page says it needs a
model in the kernel. The same front end runs in the standalone page (``naoviz.explorer_page``).
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Callable, Optional
from urllib.parse import parse_qs

import anywidget
import numpy as np
import traitlets as t

from naoviz.atlas_cache import atlas_payload
from naoviz.errors import NaovizError, Stopped
from naoviz.explorer_page import front_end_css, front_end_source, page_html
from naoviz.ui.explorer_asks import AskQueue, superseded
from naoviz.ui.explorer_checks import TraitChecks

MAX_STEPS = 10


def _check_atlas(atlas) -> None:
    from naoviz.atlas import Atlas
    if not isinstance(atlas, Atlas):
        from naoviz.errors import show
        raise TypeError(f"ExplorerWidget: atlas must be a naoviz.atlas.Atlas (atlas_for(...), Atlas.load(path)), "
                        f"got {type(atlas).__name__} {show(atlas)}")


class ExplorerWidget(AskQueue, TraitChecks, anywidget.AnyWidget):
    """Map, path, cells and prediction chart of one atlas; ``seed`` is a row with a path, ``eta_index`` an
    index into the atlas's eta grid. Setting a trait from Python moves the picture; the browser sets them too."""

    _esm = t.Unicode(front_end_source()).tag(sync=True)
    _css = t.Unicode(front_end_css()).tag(sync=True)
    _atlas_header = t.Dict().tag(sync=True)
    _atlas_data = t.Bytes(b"").tag(sync=True)

    seed = t.Int(-1).tag(sync=True)              # atlas row of the selected seed (-1: none yet)
    eta_index = t.Int(0).tag(sync=True)          # index into the atlas's eta grid
    view = t.Unicode("umap").tag(sync=True)      # which map: a key of atlas.maps
    color = t.Unicode("").tag(sync=True)         # "predicted", a column name, or "" (the metric)
    search = t.Unicode("").tag(sync=True)        # the search box's text
    selection = t.List(t.Int()).tag(sync=True)   # rows picked by box or lasso select (or set here: highlighted)
    select_tool = t.Enum(["box", "lasso"], "box").tag(sync=True)   # what a drag on the map draws
    budget_column = t.Unicode("").tag(sync=True)  # a cost column (budget_columns(atlas.columns)) or "" (no budget)
    budget = t.Float(None, allow_none=True).tag(sync=True)   # feasible: budget_column <= budget; None: nothing greyed
    message = t.Unicode("").tag(sync=True)       # one line for the student (errors, hints)
    url_state = t.Enum(["auto", "on", "off"], "auto").tag(sync=True)   # auto: on, except inside JupyterLab
    tour_stage = t.Int(-1).tag(sync=True)        # -1: no tour; else the stage shown
    kernel = t.Bool(True).tag(sync=True)         # False in the standalone page (no off-grid work possible)
    has_handler = t.Bool(False).tag(sync=True)
    # the kernel's long work now, for the page's progress line: {"what": "path" | "export", "id", "stage",
    # "done", "total"}; {} when idle (a constrained path's first cost head fit, a figures export)
    work = t.Dict().tag(sync=True)
    # the decoded cell the page draws now, {"seed", "eta_index", "cell"} (written by the page): a constrained step's,
    # several steps' or a typed cell's path comes from the kernel, and its decoded cell is not the atlas path's
    _decoded_shown = t.Dict().tag(sync=True)

    def __init__(self, atlas, handler: Optional[Callable[[dict], dict]] = None, **state):
        # traitlets passes an unknown keyword on with a DeprecationWarning nobody sees: a typo
        # (``budgetcolumn=``, ``eta=3``) was dropped and the widget opened without it
        known = sorted(n for n in self.class_trait_names() if not n.startswith("_") and n != "has_handler")
        unknown = sorted(set(state) - set(known))
        if unknown:
            from naoviz.errors import did_you_mean
            own = [n for n in type(self).class_own_traits() if not n.startswith("_") and n != "has_handler"]
            raise TypeError(f"ExplorerWidget: unknown state {unknown[0]!r}{did_you_mean(unknown[0], known)}; "
                            f"the explorer's: {', '.join(own)}")
        _check_atlas(atlas)
        from naoviz.errors import check_function
        check_function(handler, "handler", "a function of one ask dict (nao_handler(loader))")
        self.atlas = atlas
        self.handler = handler
        header, blob = atlas_payload(atlas)
        self._n = len(atlas.labels)
        self._seeds = np.asarray(atlas.seeds)
        state.setdefault("seed", int(self._seeds[0]) if len(self._seeds) else -1)
        state.setdefault("color", atlas.metric)
        if state.get("view", "umap") not in atlas.maps:
            state.setdefault("view", next(iter(atlas.maps)))
        super().__init__(_atlas_header=header, _atlas_data=blob, has_handler=handler is not None, **state)
        self._start_asks()

    def set_atlas(self, atlas) -> None:
        """Show ``atlas`` instead (a cold start's full atlas after its quick one): the page redraws from it and
        keeps seed, eta, view, colour and selection where the new atlas has them."""
        _check_atlas(atlas)
        header, blob = atlas_payload(atlas)
        self.atlas, self._n, self._seeds = atlas, len(atlas.labels), np.asarray(atlas.seeds)
        with self.hold_sync():
            if self.seed != -1 and not np.any(self._seeds == self.seed):
                self.seed = int(self._seeds[0]) if len(self._seeds) else -1
            if self.eta_index >= len(atlas.etas):
                self.eta_index = 0
            if self.view not in atlas.maps:
                self.view = next(iter(atlas.maps))
            if self.color not in ("predicted", "class_size", *atlas.columns):
                self.color = atlas.metric
            self.selection = [r for r in self.selection if r < self._n]
            if self.budget_column and self.budget_column not in atlas.columns:
                self.budget, self.budget_column = None, ""
            self._atlas_header, self._atlas_data = header, blob

    # -- what the student sees, read from Python --------------------------------------------------------
    @property
    def eta(self) -> float:
        return float(self.atlas.etas[self.eta_index])

    @property
    def decoded_row(self) -> int:
        """Atlas row of the cell decoded from ``seed`` at ``eta``."""
        return int(self.atlas.path_decoded[self.atlas.seed_index(self.seed), self.eta_index])

    @property
    def decoded_cell(self) -> str:
        return self.atlas.labels[self.decoded_row]

    def shown_decoded_cell(self) -> str:
        """The decoded cell the page shows for this ``seed`` and ``eta_index``: the kernel's path's (a budget's
        constrained step, several steps, a typed cell) when the page drew one, else :attr:`decoded_cell` (no page
        yet, or the page has not caught up with a seed or η set from Python)."""
        shown = self._decoded_shown or {}
        if shown.get("seed") == self.seed and shown.get("eta_index") == self.eta_index and isinstance(shown.get("cell"), str):
            return shown["cell"]
        return self.decoded_cell

    def feasible_mask(self) -> Optional[np.ndarray]:
        """(N,) bool: the cells the map shows in colour under the budget (the rest greyed); None when off."""
        if not self.budget_column or self.budget is None:
            return None
        return self.atlas.budget_mask(self.budget_column, self.budget)

    def best_feasible(self) -> Optional[dict]:
        """The page's "best feasible on this path": the largest-eta decoded cell of ``seed``'s precomputed
        (unconstrained) path within the budget, with its true and predicted value and its cost; None when no
        budget is set or no decoded cell is within it. The constrained step's path is ``constrained_path``."""
        if self.feasible_mask() is None or self.seed < 0:
            return None
        e = self.atlas.best_feasible(self.seed, self.budget_column, self.budget)
        if e < 0:
            return None
        m = self.atlas.seed_index(self.seed)
        row = int(self.atlas.path_decoded[m, e])
        true = self.atlas.columns.get(self.atlas.metric)
        return {"eta_index": e, "eta": float(self.atlas.etas[e]), "row": row, "cell": self.atlas.labels[row],
                "true": float(true[row]) if true is not None else math.nan,
                "predicted": float(self.atlas.path_pred_decoded[m, e]),
                "cost": float(self.atlas.columns[self.budget_column][row])}

    def selection_stats(self) -> dict:
        """Count, mean, min and max of the metric over ``selection`` (what the page's selection panel shows)."""
        rows = np.asarray(self.selection, dtype=int)
        col = self.atlas.columns.get(self.atlas.metric, self.atlas.predicted)[rows] if len(rows) else np.array([])
        col = col[np.isfinite(col)]
        if not len(col):
            return {"count": int(len(rows))}
        # the atlas holds float32: each figure at that precision (93.52777, not 93.52777099609375)
        f32 = lambda v: float(str(np.float32(v)))          # noqa: E731 - the shortest float32 round trip
        return {"count": int(len(rows)), "mean": f32(col.mean()), "min": f32(col.min()), "max": f32(col.max())}

    def figures(self, space=None) -> dict:
        """{"map", "prediction", "cells"}: what the widget shows now as plotly figures (for ``export`` or a
        notebook read without a kernel), the budget's marks included; with a budget and a handler, the
        constrained step's path as the page shows it (``constrained_path``); see ``naoviz.viz.atlas_figs``.
        Imports plotly only when called."""
        from naoviz.viz.atlas_figs import atlas_figures
        shown = self.constrained_path()
        return atlas_figures(self.atlas, seed=self.seed, eta_index=self.eta_index, view=self.view,
                             color=self.color, space=space, budget_column=self.budget_column, budget=self.budget,
                             constrained=shown if shown and shown.get("ok") else None)

    # -- URL state (?seed=..&eta=..&view=..&budget_column=..&budget=..), e.g. Voila's query string --------
    def apply_query(self, query: str) -> bool:
        """Apply ``seed``/``eta``/``view``/``budget_column``/``budget`` from a URL query string; a bad value
        sets ``message`` naming it and changes nothing (no clamp). A seed row with no path whose isomorphism class's
        representative has one gives that row, saying so (as the page does). True when everything applied."""
        if not isinstance(query, str):
            from naoviz.errors import show
            raise TypeError(f"apply_query: query must be a URL query string ('seed=9&eta=3'), got {show(query)}")
        q = {k: v[-1] for k, v in parse_qs(query.lstrip("?")).items()}
        new, note = {}, ""
        try:
            if "seed" in q:
                row = _int(q["seed"], "seed")
                if 0 <= row < self._n and not np.any(self._seeds == row):   # as the page's seed row box and link take it
                    rep = int(self.atlas.class_of[row])
                    if rep != row and np.any(self._seeds == rep):
                        note, row = f"row {row} has no path; showing its isomorphism class's representative, row {rep}", rep
                new["seed"] = row
                self._check_seed({"value": row})
            if "eta" in q:
                new["eta_index"] = self.eta_index_of(q["eta"])
            if "view" in q:
                self._check_view({"value": q["view"]})
                new["view"] = q["view"]
            if "budget_column" in q:
                new["budget_column"] = self._check_budget_column({"value": q["budget_column"]})
            if "budget" in q:
                new["budget"] = self._check_budget({"value": _float(q["budget"], "budget")})
        except (ValueError, t.TraitError) as exc:
            self.message = f"link: {exc}"
            return False
        with self.hold_sync():
            for k, v in new.items():
                setattr(self, k, v)
            if note:
                self.message = note
        return True

    def eta_index_of(self, text) -> int:
        """Index of the grid eta equal to ``text`` (a number); ValueError naming the grid when it is not on it."""
        try:
            value = float(text)
        except (TypeError, ValueError):
            raise ValueError(f"eta: {text!r} is not a number") from None
        etas = np.asarray(self.atlas.etas, dtype=float)
        if not np.isfinite(value) or not etas[0] - 1e-9 <= value <= etas[-1] + 1e-9:
            raise ValueError(f"eta: {text} is outside {etas[0]:g}..{etas[-1]:g}")
        i = int(np.argmin(np.abs(etas - value)))
        if abs(etas[i] - value) > 1e-4 * max(1.0, abs(value)):
            raise ValueError(f"eta: {text} is not on the grid (step {etas[1] - etas[0]:g}); nearest {etas[i]:g}")
        return i

    def url_query(self) -> str:
        """The query string a teacher hands out for the current state."""
        budget = f"&budget_column={self.budget_column}&budget={self.budget!r}" if self.feasible_mask() is not None else ""
        return f"?seed={self.seed}&eta={self.eta:g}&view={self.view}{budget}"

    def apply_voila_query(self) -> bool:
        """In Voila, apply the page's URL query (``voila.utils.get_query_string``); False outside Voila."""
        try:
            from voila.utils import get_query_string
        except ImportError:
            return False
        query = get_query_string()
        return bool(query) and self.apply_query(query)

    # -- custom messages: off-grid work and the page export ---------------------------------------------
    def _on_custom(self, _widget, content, _buffers, should_stop=None):
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "export_page":
            html = page_html(self._atlas_header, self._atlas_data).encode("utf-8")
            self.send({"type": "export_page", "ok": True, "bytes": len(html)}, buffers=[html])
        elif kind == "offgrid":
            self.send(self.answer_offgrid(content, should_stop=should_stop))
        elif kind == "export_figures":
            fmt, size = content.get("format", "png"), content.get("size", "screen")
            try:
                paths = self.export_figures(fmt, size=size, progress=self._progress("export"))
                reused = getattr(paths, "reused", [])     # files that already held the same figure: not written
                self.send({"type": "export_figures", "ok": True, "paths": [str(p) for p in paths],
                           "written": [str(p) for p in paths if p not in reused], "reused": [str(p) for p in reused]})
            except (ValueError, OSError, RuntimeError, NaovizError) as exc:   # no browser, or one that never
                # started or stopped answering: the page says so (it was logged, the page left saying nothing)
                self.send({"type": "export_figures", "ok": False, "message": str(exc)[:300]})

    def export_figures(self, fmt: str = "png", folder=None, size: str = "screen", progress=None) -> list:
        """Write the map with the path, the prediction chart and the cells, as the student sees them now, to
        ``folder`` (default ``$NAOVIZ_EXPORT_DIR`` or ./naoviz-exports) as png, svg, pdf or html (plotly and
        kaleido load only here), named by the table, seed and η (``naoviz-nb201-seed9-eta3-map.png``); an
        earlier export with other content is kept and this one numbered (``...-map-2.png``,
        :func:`naoviz.viz.figure_files.export_new`). ``size`` "7in" or "3.5in": laid out for a paper's column
        as PDF and SVG instead (``...-map-7in.pdf``; :func:`naoviz.viz.print_sizes.export_sized`). Returns the
        paths (an ``Exported``: ``reused`` were already there with the same bytes). ``progress(stage, done,
        total)``: told as the figures are drawn and rendered."""
        import os
        from naoviz.viz import kept_browser
        from naoviz.viz.figure_files import FORMATS, safe_name
        from naoviz.viz.print_sizes import export_sized
        if fmt not in FORMATS:
            raise ValueError(f"format: expected one of {', '.join(FORMATS)}, got {fmt!r}")
        from naoviz.errors import check_function
        check_function(progress, "progress", "a function of (stage, done, total)")
        folder = Path(folder or os.environ.get("NAOVIZ_EXPORT_DIR", "naoviz-exports")).expanduser().resolve()
        if folder.exists() and not folder.is_dir():           # refused before the figures are drawn
            raise ValueError(f"folder: {str(folder)!r} is a file, not a folder")
        if progress is not None:
            progress("drawing the figures", 0, 1)
        figs = self.figures()
        table = safe_name(self.atlas.meta.get("table") or self.atlas.space) if isinstance(self.atlas.meta, dict) \
            else safe_name(self.atlas.space)
        with kept_browser.using():     # a kernel exports set after set: one browser for all (~3 s a set saved)
            return export_sized(figs, folder, f"naoviz-{table}-seed{self.seed}-eta{self.eta:g}", size, fmt,
                                progress=progress)

    def answer_offgrid(self, request: dict, should_stop: Optional[Callable[[], object]] = None) -> dict:
        """The reply to an off-grid request ``{"cell": str, "steps": int}``: the handler's answer, or why not;
        ``superseded`` when ``should_stop`` (see ``nao_handler``) ended the handler's work at a safe point."""
        if not isinstance(request, dict):
            from naoviz.errors import show
            raise TypeError(f"answer_offgrid: request must be a dict {{'cell': str, 'steps': int}}, got {show(request)}")
        reply = {"type": "offgrid", "id": request.get("id"), "cell": request.get("cell")}
        steps = request.get("steps", 1)
        if isinstance(steps, bool) or not isinstance(steps, int) or not 1 <= steps <= MAX_STEPS:
            return {**reply, "ok": False, "message": f"steps: {steps!r} is outside 1..{MAX_STEPS}"}
        if self.handler is None:
            return {**reply, "ok": False, "message": "this needs a model in the kernel: "
                    "ExplorerWidget(atlas, handler=nao_handler(loader))"}
        ask = {"cell": str(request.get("cell", "")), "steps": steps, "etas": [float(e) for e in self.atlas.etas]}
        if request.get("budget") is not None:
            try:
                ask["budget"] = self._checked_budget(request["budget"])
            except ValueError as exc:
                return {**reply, "ok": False, "message": str(exc)[:300]}
        try:
            out = self._ask_handler(ask, request.get("id"), should_stop)
        except Stopped:
            return {**reply, **superseded(request)}
        except (ValueError, KeyError) as exc:
            return {**reply, "ok": False, "message": str(exc)[:300]}
        rows = self._row_of()
        out["rows"] = [rows.get(c, -1) for c in out.get("decoded", [])]
        return {**reply, "ok": True, **out}

    def _ask_handler(self, ask: dict, ask_id, should_stop=None) -> dict:
        """The handler's answer; a handler that takes ``progress`` (``nao_handler``'s) reports its stages in
        ``work``, one that takes ``should_stop`` is told when a newer ask makes this one stale."""
        import inspect
        try:
            takes = inspect.signature(self.handler).parameters
        except (TypeError, ValueError):
            takes = {}
        extra = {"progress": self._progress("path", ask_id)} if "progress" in takes else {}
        if "should_stop" in takes and should_stop is not None:
            extra["should_stop"] = should_stop
        return self.handler(ask, **extra)

    def _checked_budget(self, budget) -> dict:
        """An off-grid request's ``{"column", "bound"}``: a cost column of this atlas and a finite number."""
        if not isinstance(budget, dict):
            raise ValueError(f"budget: expected {{'column': ..., 'bound': ...}}, got {budget!r}")
        self._check_budget_column({"value": str(budget.get("column", ""))})
        bound = budget.get("bound")
        if not budget.get("column") or isinstance(bound, bool) or not isinstance(bound, (int, float)) \
                or not math.isfinite(bound):
            raise ValueError(f"budget: {budget!r} needs a cost column and a finite bound")
        return {"column": str(budget["column"]), "bound": float(bound)}

    def constrained_path(self) -> Optional[dict]:
        """The constrained step's path for ``seed`` under the budget, as the page shows it with a kernel (the
        handler's answer: decoded cells, ``rows``, predictions, ``cost_predicted``/``cost_true``, ``constrained``),
        or None when no budget is set, there is no handler or no seed. A failed ask returns the reply with
        ``ok`` False and its ``message``; the page then keeps the filtered atlas path."""
        if self.handler is None or self.feasible_mask() is None or self.seed < 0:
            return None
        return self.answer_offgrid({"cell": self.atlas.labels[self.seed], "steps": 1,
                                    "budget": {"column": self.budget_column, "bound": self.budget}})

    def _row_of(self) -> dict:
        """Row of each cell string in the atlas shown now (kept with that atlas: the worker thread may ask while
        set_atlas swaps it)."""
        atlas, kept = self.atlas, getattr(self, "_rows", None)
        if kept is None or kept[0] is not atlas:
            kept = self._rows = (atlas, {label: i for i, label in enumerate(atlas.labels)})
        return kept[1]


def _float(text: str, name: str) -> float:
    try:
        return float(str(text).strip())
    except ValueError:
        raise ValueError(f"{name}: {text!r} is not a number") from None


def _int(text: str, name: str) -> int:
    s = str(text).strip()
    if not s.lstrip("+-").isdigit() or not s.isascii():
        raise ValueError(f"{name}: {text!r} is not a whole number")
    return int(s)
