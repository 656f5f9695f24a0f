"""bench/hostile_api.py's cases for reading back and drawing: the run store's reading API (``RunStore``'s
methods, ``naoviz.search.runs``), the figure functions a notebook calls (``search_curves``, ``atlas_map``,
``cell_compare``, ``cell_graph``, ``export``/``export_many``) and ``ExplorerWidget``'s traits and methods.
Same form as bench/hostile_api_cases.py: (id, code, argument names, values). Figures go to .html (no browser)."""
from __future__ import annotations

API = {"naoviz.search.runs": "open_store", "naoviz.viz": "search_curves cell_compare cell_graph export "
                                                         "training_curves child_curve"}


def fixtures(ns: dict) -> None:
    """Adds a small figure (``fig``) and a widget on the shipped atlas (``w``)."""
    import importlib
    ns.update({name: getattr(importlib.import_module(module), name) for module, names in API.items()
               for name in names.split()})
    ns.update(fig=ns["search_curves"]({"rs": [[1.0, 2.0, 3.0]]}), w=ns["ExplorerWidget"](ns["atlas"]))


def cases(c) -> None:
    # -- the run store's reading API ----------------------------------------------------------------------
    c("store/get_run-int", "_ = store.get_run(5)", ("run", "run_id"), "5")
    c("store/get_run-none", "_ = store.get_run(None)", ("run", "run_id"), "None")
    c("store/evaluations-none", "_ = store.evaluations(None)", ("run", "run_id"), "None")
    c("store/artifacts", "_ = store.artifacts('nope')", ("run", "run_id"), "nope")
    c("store/to_frame-int", "_ = store.to_frame(5)", ("run", "run_id"), "5")
    c("store/csv_text", "_ = store.csv_text('nope')", ("run", "run_id"), "nope")
    c("store/export-none", "_ = store.export_csv(None)", "path", "None")
    c("store/find_runs-config", "_ = store.find_runs('rs', 'x', 0)", "config", "'x'")
    c("store/find_runs-seed", "_ = store.find_runs('rs', {}, 'x')", "seed", "'x'")
    c("store/writer_of-path", "_ = store.writer_of('../x')", ("run", "run_id"), "../x")
    c("store/hold_run", "with store.hold_run('nope'): pass", ("run", "run_id"), "nope")
    c("store/set_status-run", "store.set_status('nope', 'finished')", ("run", "run_id"), "nope")
    c("store/create-config", "_ = store.create_run('rs', 'x', 0)", "config", "'x'")
    c("store/create-seed", "_ = store.create_run('rs', {}, -1)", "seed", "-1")
    c("store/create-kind", "_ = store.create_run(5, {}, 0)", "kind", "5")
    c("RunStore/read_only-str", "_ = RunStore(store_path, read_only='yes')", "read_only", "yes")
    c("resume/store-int", "_ = resume_search(5, run_id, progress=False)", "store", "5")
    c("resume/executor", "_ = resume_search(store, run_id, executor='x', progress=False)", "executor", "'x'")
    c("resume/on_evaluation", "_ = resume_search(store, run_id, on_evaluation='x', progress=False)",
      "on_evaluation", "'x'")
    c("stored_result/on_evaluation", "_ = stored_result(store, run_id, on_evaluation='x')", "on_evaluation", "'x'")
    c("stored_result/none", "_ = stored_result(store, None)", ("run", "run_id"), "None")
    c("stored_result/store-missing", "_ = stored_result(T + '/nope.db', run_id)", "store", "nope.db")
    c("search_or_resume/store-folder", "_ = search_or_resume('rs', ev, 3, 0, store=T + '/a_folder', progress=False)",
      ("store", "path"), "a_folder")
    c("search_or_resume/seed", "_ = search_or_resume('rs', ev, 3, -1, store=store, progress=False)", "seed", "-1")
    c("search_or_resume/algo", "_ = search_or_resume('bogus', ev, 3, 0, store=store, progress=False)",
      ("algo", "searcher"), "bogus")
    c("finished_search/budget", "_ = finished_search('rs', ev, 0, 0, store=store)", "budget", "0")
    c("open_store/int", "_ = open_store(5)", "store", "5")
    # -- figures -------------------------------------------------------------------------------------------
    c("search_curves/list", "_ = search_curves([1, 2, 3])", "curves", "[1, 2, 3]")
    c("search_curves/text", "_ = search_curves({'rs': 'abc'})", ("curves", "rs"), "abc")
    c("search_curves/band", "_ = search_curves({'rs': [1, 2]}, band='bogus')", "band", "bogus")
    c("search_curves/3d", "_ = search_curves({'rs': [[[1, 2]]]})", ("curves", "rs"), "rs")
    c("search_curves/columns", "_ = search_curves({'rs': [1, 2]}, columns=5)", "columns", "5")
    c("training_curves/str", "_ = training_curves('abc')", "history", "abc")
    c("child_curve/int", "_ = child_curve(5)", "history", "5")
    c("atlas_map/none", "_ = atlas_map(None)", "atlas", "None")
    c("atlas_map/eta_index", "_ = atlas_map(atlas, seed=int(atlas.seeds[0]), eta_index=999)", "eta_index", "999")
    c("atlas_map/eta_index-neg", "_ = atlas_map(atlas, seed=int(atlas.seeds[0]), eta_index=-1)", "eta_index", "-1")
    c("atlas_map/seed-str", "_ = atlas_map(atlas, seed='x')", "seed", "'x'")
    c("atlas_map/color-int", "_ = atlas_map(atlas, color=5)", "color", "5")
    c("atlas_map/view-none", "_ = atlas_map(atlas, view=None)", "view", "None")
    c("cell_compare/seed", "_ = cell_compare(space, 'garbage', CELL)", ("seed", "arch", "cell"), "garbage")
    c("cell_compare/decoded", "_ = cell_compare(space, CELL, NAONET_ARCH)", ("decoded", "arch", "cell"), "1 12 1 7")
    c("cell_compare/space-str", "_ = cell_compare('nb201', CELL, CELL)", "space", "nb201")
    c("cell_compare/titles", "_ = cell_compare(space, CELL, CELL, titles='x')", "titles", "'x'")
    c("cell_graph/arch", "_ = cell_graph(space, 'garbage')", ("arch", "cell", "nb201:"), "garbage")
    c("cell_graph/space-none", "_ = cell_graph(None, CELL)", "space", "None")
    c("export/folder", "_ = export(fig, T + '/a_folder')", "path", "a_folder")
    c("export/format", "_ = export(fig, T + '/x.html', format='bogus')", "format", "bogus")
    c("export/no-suffix", "_ = export(fig, T + '/x')", ("format", "path"), "x")
    c("export/width", "_ = export(fig, T + '/x.html', width=0)", "width", "0")
    c("export/scale", "_ = export(fig, T + '/x.html', scale=NAN)", "scale", "nan")
    c("export/fig-str", "_ = export('fig', T + '/x.html')", ("fig", "figure"), "'fig'")
    c("export/under-file", "_ = export(fig, T + '/a_file/x.html')", "path", "a_file")
    c("export/path-none", "_ = export(fig, None)", "path", "None")
    c("export_many/figs-one", "_ = export_many(fig, [T + '/x.html'])", "figs", "Figure")
    c("export_many/paths-str", "_ = export_many([fig], T + '/x.html')", "paths", "x.html")
    c("export_many/formats", "_ = export_many([fig], [T + '/x.html'], formats=['bogus'])", "format", "bogus")
    c("export_many/height", "_ = export_many([fig], [T + '/x.html'], height=-5)", "height", "-5")
    # -- the explorer widget's traits and methods ---------------------------------------------------------
    c("widget/handler", "_ = ExplorerWidget(atlas, handler='x')", "handler", "'x'")
    c("widget/init-view", "_ = ExplorerWidget(atlas, view='bogus')", "view", "bogus")
    c("widget/init-eta", "_ = ExplorerWidget(atlas, eta_index=999)", "eta_index", "999")
    c("widget/budget_column", "w.budget_column = 'nope'", "budget_column", "nope")
    c("widget/budget-nan", "w.budget = NAN", "budget", "nan")
    c("widget/budget-str", "w.budget = 'abc'", "budget", "abc")
    c("widget/select_tool", "w.select_tool = 'x'", "select_tool", "'x'")
    c("widget/url_state", "w.url_state = 'x'", "url_state", "'x'")
    c("widget/tour_stage-neg", "w.tour_stage = -5", "tour_stage", "-5")
    c("widget/selection-neg", "w.selection = [-1]", "selection", "-1")
    c("widget/selection-str", "w.selection = 'abc'", "selection", "abc")
    c("widget/seed-str", "w.seed = 'x'", "seed", "'x'")
    c("widget/eta-neg", "w.eta_index = -1", "eta_index", "-1")
    c("widget/view-none", "w.view = None", "view", "None")
    c("widget/color-int", "w.color = 5", "color", "5")
    c("widget/kernel-str", "w.kernel = 'x'", "kernel", "'x'")
    c("widget/export-size", "_ = w.export_figures('html', folder=T, size='bogus')", "size", "bogus")
    c("widget/export-folder-file", "_ = w.export_figures('html', folder=T + '/a_file')", "folder", "a_file")
    c("widget/export-progress", "_ = w.export_figures('html', folder=T, progress='x')", "progress", "'x'")
    c("widget/apply_query-int", "_ = w.apply_query(5)", "query", "5")
    c("widget/eta_index_of", "_ = w.eta_index_of('abc')", "eta", "abc")
    c("widget/answer_offgrid-str", "_ = w.answer_offgrid('x')", "request", "'x'")
    c("widget/set_atlas-none", "w.set_atlas(None)", "atlas", "None")
