"""The teaching dashboard (served by Voila from notebooks/dashboard.ipynb): the explorer widget over the
model's atlas, and the search and child panels in tabs.

The explorer answers slider, click, hover and search in the browser from the atlas (``naoviz.atlas_cache``:
shipped for the digits table, else cached, else built once under a file lock while the page shows progress); a
visit loads it once and reads its page payload packed once per server (``atlas_cache.atlas_payload``).
The kernel imports no torch and no plotly until a student asks for off-grid work, opens the Search tab or
trains a child, and no pandas either: it opens the atlas by the model key the warm-up stored
(``naoviz.explorer_keys``; on a cold start it waits for the warm-up's atlases by the names it stored,
``explorer_plan.await_built``) and reads the table only when a tab or off-grid work needs it; a visitor's kernel
stays near 75-90 MB. The Search and Child tabs are built when first opened, so a visit does not download plotly's front end
unless it uses them.
"""
from __future__ import annotations

import html
import logging
import threading
import time
from importlib import import_module
from typing import Optional

import ipywidgets as W

from naoviz.explorer_plan import ExplorerPlan, budget_from_env, check_budget
from naoviz.ui.common import error_html, named, status_line

log = logging.getLogger("naoviz.ui")

INTRO = ("<h2 style='margin:4px 0'>naoviz · Neural Architecture Optimization</h2>"
         "<p style='margin:2px 0'>NAO encodes a cell into a vector, predicts its accuracy, takes a gradient "
         "step uphill and decodes a new cell. Click a point on the map (or type a cell), then drag the "
         "<b>step η</b> slider; <b>tour</b> walks through each stage.</p>")
TABS = ("Explorer", "Search", "Train a child")
TAKEOVER = ("The dashboard's warm-up stopped before it finished (killed, or out of memory); the build goes on "
            "here, keeping what it had finished.")
TAKEOVER_ELSEWHERE = ("The dashboard's warm-up stopped before it finished (killed, or out of memory); another "
                      "visitor's session goes on with the build, keeping what it had finished.")


def table_line(facts) -> str:
    """The line under the intro naming the table the app runs on (nothing on the page said whether it was
    NB201 or the digits table), its size, what the model predicts, and how to open another (HTML); ``facts``:
    ``naoviz.explorer_keys.TableFacts``."""
    return (f"<small>table <b>{html.escape(str(facts.name))}</b>: {facts.rows:,} cells · the model predicts "
            f"{named(facts.metric, list(facts.metrics))} · another table: <code>naoviz dashboard --table nb201 | "
            f"digits | FILE.csv</code></small>")


class EnvRefusal:
    """The page of a dashboard refused before any work (a bad NAOVIZ_DASHBOARD_* value): the intro and the one
    line naming the variable and its value, where Voila's own page said only "There was an error when executing
    cell [1]". ``error``: that line's text."""

    def __init__(self, error: str):
        self.error = error
        self.stage = status_line(error_html(error))
        self.widget = W.VBox([W.HTML(INTRO), self.stage])
        self.widget.add_class("naoviz-dashboard")
        self.ready, self.complete = threading.Event(), threading.Event()
        self.ready.set()
        self.complete.set()


def app_from_env():
    """The Voila app (notebooks/dashboard.ipynb): ``Dashboard.from_env()``, or, when a NAOVIZ_DASHBOARD_* value is
    bad, an :class:`EnvRefusal` showing its one line (``naoviz dashboard`` refuses it before Voila starts; this
    is for a Voila started another way)."""
    try:
        return Dashboard.from_env()
    except ValueError as exc:
        log.warning("naoviz dashboard: %s", exc)
        return EnvRefusal(str(exc))


class Dashboard:
    """``Dashboard(...).widget`` is the app. ``background``: "auto" (a thread only when the atlas must be
    built), True (always a thread) or False (build before returning). ``seeds``: paths for the first N
    isomorphism classes only (small machines and tests); None: every class. ``search_budget``: the Search tab's
    queries slider at start, 10..300 in steps of 10 (``explorer_plan.check_budget``), refused before any work
    otherwise."""

    def __init__(self, metric: str = "valid_acc", n_train: int = 1000, epochs: Optional[int] = None,
                 method: str = "umap", guided: bool = False, background="auto", search_budget: int = 60,
                 nao_search_config: Optional[dict] = None, child_epochs: Optional[int] = None,
                 table: Optional[str] = None, seeds: Optional[int] = None, plan: Optional[ExplorerPlan] = None):
        search_budget = check_budget(search_budget, "search_budget")     # never clamped, nor snapped by the slider
        self.plan = plan or ExplorerPlan(table=table, metric=metric, n_train=n_train, epochs=epochs, method=method,
                                         seeds=seeds)
        self.options = dict(guided=guided, search_budget=search_budget, nao_search_config=nao_search_config,
                            child_epochs=child_epochs)
        self.progress = W.IntProgress(value=0, min=0, max=1, layout=W.Layout(width="100%", max_width="420px",
                                                                             display="none"))
        self.stage = status_line("<i>loading the benchmark table…</i>")
        self.body = W.VBox([self.stage, self.progress])
        self.table_info = W.HTML()                 # the table's name, once it is loaded (table_line)
        self.table_info.add_class("naoviz-table-line")
        self.widget = W.VBox([W.HTML(INTRO), self.table_info, self.body])
        self.widget.add_class("naoviz-dashboard")
        self.explorer = self.search = self.child = self.tabs = None
        self._cached = None                     # the atlas _atlas_cached found, for _build (loaded once a visit)
        self._facts = None                      # ... and the table's name, size and columns (explorer_keys.TableFacts)
        self._bench = None                      # the table, read when first needed (_table): a visit may never
        self._bench_lock = threading.Lock()
        self.ready = threading.Event()          # the explorer is shown (on a cold start: the quick atlas)
        self.complete = threading.Event()       # the full atlas is shown (UMAP, every class's path) or failed
        self.timings: dict = {}
        self.resumed: list = []                 # what each build took up from a stopped one (atlas_for's note)
        self._resuming = None                   # ... the note of the build now running, shown with its stages
        self.took_over = False                  # the warm-up stopped with the atlas unbuilt: a build here (TAKEOVER)
        self.waits_on_other = False             # ... and another kernel builds it; this one shows its progress
        # Import here, in the caller's thread: a first import racing the main thread's can see a
        # half-initialised module.
        for module in ("naoviz.atlas_cache", "naoviz.explorer_keys", "naoviz.tables", "naoviz.ui.explorer_widget"):
            import_module(module)
        if background == "auto":
            background = not self._atlas_cached()
        if background:
            threading.Thread(target=self._build_safely, daemon=True, name="naoviz-dashboard").start()
        else:
            self._build_safely()

    def _atlas_cached(self) -> bool:
        """Whether the atlas is shipped or cached (then the app is built in a second, before display). While the
        warm-up runs the table is not read here: a cold start then waits for the warm-up's atlases (_build)."""
        from naoviz.explorer_plan import warmup_alive
        try:
            self._open_cached(read_table=not warmup_alive())
            return self._cached is not None
        except Exception:  # noqa: BLE001 - build synchronously: the error is shown at once
            return True

    def _open_cached(self, read_table: bool = True) -> None:
        """The cached atlas and the table's facts (``explorer_plan.open_cached``: by the stored key, the table
        unread, else by reading it unless ``read_table`` is False)."""
        from naoviz.explorer_plan import open_cached
        self._cached, self._facts, bench = open_cached(self.plan, read_table)
        if bench is not None:
            self._bench = bench

    def _table(self):
        """The benchmark table, read once, when first needed: the Search and Child tabs, off-grid work, a build."""
        with self._bench_lock:
            if self._bench is None:
                self._bench = self.plan.benchmark()
            return self._bench

    @classmethod
    def from_env(cls, **defaults) -> "Dashboard":
        """A dashboard whose sizes can be set from the environment (tests and small machines): the plan's
        NAOVIZ_DASHBOARD_TABLE, _TRAIN, _EPOCHS, _MAP, _SEEDS (``naoviz.explorer_plan``) and
        NAOVIZ_DASHBOARD_BUDGET (the Search tab's queries per searcher and seed: 10..300 in steps of 10). A bad
        value is a ValueError naming the variable, before any work."""
        plan_fields = {"table", "metric", "n_train", "epochs", "method", "seeds"}
        plan = ExplorerPlan.from_env(**{k: v for k, v in defaults.items() if k in plan_fields})
        opts = {k: v for k, v in defaults.items() if k not in plan_fields}
        budget = budget_from_env()
        if budget is not None:
            opts["search_budget"] = budget
        return cls(plan=plan, **opts)

    # -- building -----------------------------------------------------------------------------------------
    def _build_safely(self) -> None:
        try:
            self._build()
        except Exception as exc:  # noqa: BLE001 - shown on the page, not as a traceback
            log.warning("naoviz dashboard: %s: %s", type(exc).__name__, exc)
            self.stage.value = error_html(str(exc))
            self.stage.layout.display = None               # shown again if the full atlas's swap hid it first
            self.progress.layout.display = "none"
            self.ready.set()
        finally:
            self.complete.set()

    def _on_progress(self, stage: str, done: int, total: int) -> None:
        """Show a build stage as a line and a bar: its words and what it counts (``train`` epochs, ``paths``, ``placing``
        path points: :func:`naoviz.atlas_build.stage_line`)."""
        self.progress.layout.display = "flex"
        self.progress.max = max(int(total), 1)
        self.progress.value = min(int(done), self.progress.max)
        from naoviz.atlas_build import stage_line     # the backend names the stage and what it counts
        self._show_stage(stage_line(stage, done, total))

    def _show_stage(self, words: str) -> None:
        """The cold start's line: the stage ``words`` (plain text), with why this page builds and what it resumed."""
        count = html.escape(words)
        if self._resuming:                    # this build took up a stopped one's checkpoints: say so
            count += f", {html.escape(self._resuming)}"
        why = ""
        if self.took_over:                    # the warm-up stopped: built here, or by another visitor's kernel
            why = f"{html.escape(TAKEOVER_ELSEWHERE if self.waits_on_other else TAKEOVER)} "
        if self.ready.is_set():               # the explorer is up; the full atlas is being built behind it
            self.stage.value = (f"<i>{why}The explorer works now (PCA map, paths for {len(self.explorer.atlas.seeds):,} "
                                f"cells; other cells ask the kernel). Preparing the UMAP map and every cell's path: "
                                f"{count}; the explorer updates when they are ready.</i>")
        else:
            self.stage.value = (f"<i>{why}First start on {html.escape(self._bench_name)}: {count}. "
                                f"Later starts are instant.</i>")

    def _on_resume(self, note: str) -> None:
        """A build takes up a stopped one's checkpoints (``atlas_for``): kept, and shown with its stages."""
        self.resumed.append(note)
        self._resuming = note
        self.waits_on_other = False           # built here after all (the other builder stopped too)

    def _on_full_wait(self) -> None:
        """Another kernel builds the full atlas this one needs (``atlas_for``): its progress is shown here."""
        self.waits_on_other = True

    def _on_wait(self) -> None:
        self.waits_on_other = True
        self.stage.value = ("<i>Another session is preparing the same model and map; this page waits for it "
                            "and then opens them (nothing is trained twice)…</i>")

    def _build(self) -> None:
        from naoviz.atlas_cache import atlas_for, cached_atlas
        from naoviz.explorer_plan import await_built, stored_entry, warmup_stopped
        from naoviz.ui.explorer_offgrid import nao_handler
        from naoviz.ui.explorer_widget import ExplorerWidget

        o, plan = self.options, self.plan
        t0 = time.perf_counter()
        entry = None
        if self._facts is None:                # not looked up before display, or only by the stored key (a warm-up
            entry = stored_entry(plan)         # runs: its entry, waited for, names what it builds; the table unread)
            if entry is not None:
                self._facts = entry["table"]
            else:
                self._open_cached()
        atlas, self._cached, quick = self._cached, None, None
        self._bench_name = self._facts.name
        self.table_info.value = table_line(self._facts)
        self.timings["benchmark_s"] = time.perf_counter() - t0
        if atlas is None and entry is not None:    # a cold start: the warm-up's atlas, opened by its stored name
            found = await_built(entry, True, progress=self._on_progress, on_wait=self._on_wait)
            if found is not None:
                atlas, quick = found
        if atlas is None:                      # none cached: built here (the table is read: the model trains on it)
            self.took_over = warmup_stopped()  # ... in place of the warm-up, which stopped part-way
            entry, bench = None, self._table()
            spec, full = plan.spec(bench), plan.full_options(bench)
            atlas = cached_atlas(bench, spec, **full)
            first = None if atlas is not None else plan.quick_options(bench)
            quick = first is not None
            atlas = atlas or atlas_for(bench, spec, progress=self._on_progress, on_wait=self._on_wait,
                                       on_resume=self._on_resume, **(first or full))
        self.timings["atlas_s"] = time.perf_counter() - t0

        def load_model():                      # off-grid work only: torch (and the table) are imported then
            from naoviz.nao.cache import load_or_train
            bench = self._table()
            spec = plan.spec(bench)
            return load_or_train(bench, spec)[0], bench, spec.metric

        view = plan.method if plan.method in atlas.maps else next(iter(atlas.maps))   # the quick atlas: PCA only
        self.explorer = ExplorerWidget(atlas, handler=nao_handler(load_model), view=view,
                                       tour_stage=0 if o["guided"] else -1)
        # A link's ?seed=..&eta=..&view=.. is applied by the page itself (no kernel wait: in Voila's preheated
        # kernel, voila.utils.get_query_string() would block the build until someone visits).
        # The Search and Child tabs are boxes whose content is set when first opened: the Tab's own children never
        # change, since a new children list makes the page re-render the tab bar, dropping the keyboard focus of
        # a tab just opened with Enter to the page's body.
        tabs = W.Tab(children=[self.explorer] + [W.VBox([W.HTML("<i>opening…</i>")]) for _ in TABS[1:]])
        for i, title in enumerate(TABS):
            tabs.set_title(i, title)
        tabs.observe(self._open_tab, names="selected_index")
        self.tabs = tabs
        self.body.children = [tabs] if not quick else [self.stage, self.progress, tabs]
        self.timings["ready_s"] = time.perf_counter() - t0
        self.ready.set()
        if quick:                              # a cold start: the full atlas behind the working explorer
            self._resuming, self.waits_on_other = None, False     # the full atlas's build: built here until a wait
            self.progress.value = 0
            self._show_stage("starting")          # no stage yet: a count here would read "0/1 cells"
            found = None if entry is None else await_built(entry, False, progress=self._on_progress)
            if found is not None:
                atlas = found[0]
            else:                              # nobody builds it (the warm-up stopped): built here, from the table
                self.took_over = self.took_over or warmup_stopped()
                bench = self._table()
                spec = plan.spec(bench)
                atlas = atlas_for(bench, spec, progress=self._on_progress, on_resume=self._on_resume,
                                  on_wait=self._on_full_wait, **plan.full_options(bench))
            # Hidden, not removed: a shorter children list makes the page re-render the tabs, and with them the
            # explorer, which would redraw from scratch under a visitor's pointer. Hidden before the new atlas is
            # drawn, so the map is sized where it then sits (its η row on screen: explorer_layout.js mapHeight).
            self.stage.layout.display = self.progress.layout.display = "none"
            self.explorer.set_atlas(atlas)
            if self.explorer.view == view and plan.method in atlas.maps:
                self.explorer.view = plan.method          # the map asked for, now that it exists
            self.explorer.message = (f"The full map is ready: {', '.join(atlas.maps)} maps, paths for all "
                                     f"{len(atlas.seeds):,} seeds.")
            self.timings["complete_s"] = time.perf_counter() - t0

    def _open_tab(self, change) -> None:
        """Build the Search or Child panel the first time its tab is opened (plotly loads only then)."""
        i = change["new"]
        try:
            if i == 1 and self.search is None:
                self._set_tab(1, self._search_widget())
            elif i == 2 and self.child is None:
                from naoviz.ui.panels import ChildPanel
                self.child = ChildPanel(self._table().space, self._current_decoded, epochs=self.options["child_epochs"])
                self._set_tab(2, self.child.widget)
            if i == 2 and self.child is not None:
                self.child.show_next()              # the cell a press trains: the explorer may have moved
        except Exception as exc:  # noqa: BLE001 - shown in the tab
            log.warning("naoviz dashboard: %s: %s", type(exc).__name__, exc)
            self._set_tab(i, W.HTML(error_html(str(exc))))

    def _set_tab(self, i: int, widget) -> None:
        """Show ``widget`` in tab ``i`` (its box; the tab bar is left as it is, the focus with it)."""
        self.tabs.children[i].children = [widget]

    def _search_widget(self):
        bench, o = self._table(), self.options
        # a partial table (fewer classes than the space) is searched within its rows (SearchContext.pool)
        from naoviz.ui.search_panel import SearchPanel
        self.search = SearchPanel(bench, metric=self.plan.spec(bench).metric, budget=o["search_budget"],
                                  nao_config=o["nao_search_config"], open_cell=self.open_cell)
        return self.search.widget

    def open_cell(self, cell: str) -> None:
        """Show ``cell`` in the explorer (a click on a Search tab row) and switch to it: its path when the cell
        or its isomorphism class has one in the atlas, else (no path, or not a cell) the explorer's search box."""
        try:
            _, path_row = self.explorer.atlas.locate(cell, self._table().space)
        except ValueError:                             # not a cell of the space: the search box says so
            path_row = -1
        if path_row >= 0:
            self.explorer.seed = path_row
            shown = self.explorer.atlas.labels[path_row]
            self.explorer.message = (f"from the Search tab: row {path_row}" if shown == cell else
                                     f"from the Search tab: {cell} is shown as row {path_row}, the same cell up "
                                     "to isomorphism")
        else:
            if self.explorer.search == cell:
                self.explorer.search = ""              # the page acts on a change
            self.explorer.search = cell
        self.tabs.selected_index = 0

    def _current_decoded(self):
        """The cell the explorer shows decoded now (what the Child tab trains): under a budget or after several
        steps, the kernel's path's, not the atlas path's (``ExplorerWidget.shown_decoded_cell``)."""
        return self._table().space.parse(self.explorer.shown_decoded_cell())
