"""The explorer widget's state without a browser: payload, traits, validation, URL state, custom messages."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import traitlets

from _atlas_standin import standin_atlas


@pytest.fixture(scope="module")
def atlas():
    return standin_atlas(n_seeds=300)


@pytest.fixture()
def widget(atlas):
    from naoviz.ui.explorer_widget import ExplorerWidget
    return ExplorerWidget(atlas)


def test_payload_round_trips_within_16_bit_precision_and_is_deterministic(atlas):
    from naoviz.atlas_payload import pack, unpack
    header, blob = pack(atlas)
    assert pack(atlas)[1] == blob
    out = unpack(header, blob)
    assert out["labels"] == atlas.labels
    for name, xy in atlas.maps.items():
        span = xy.max(0) - xy.min(0)
        assert np.all(np.abs(out[f"map.{name}"] - xy) <= span / 65534 + 1e-6)
    np.testing.assert_array_equal(out["path_decoded"], atlas.path_decoded)
    np.testing.assert_array_equal(out["neighbours"], atlas.neighbours)
    np.testing.assert_array_equal(out["column.valid_acc"], atlas.columns["valid_acc"])   # printed values: exact
    assert np.allclose(out["path_pred_moved"], atlas.path_pred_moved, atol=1e-3)
    assert json.loads(json.dumps(header)) == header                                     # JSON-ready
    for name in atlas.path_maps:                     # which path segments the front end draws as jumps
        np.testing.assert_array_equal(out[f"path_jump.{name}"], atlas.path_jumps(name).astype(np.uint8))
    assert header["arrays"]["path_jump.umap"]["shape"] == [len(atlas.seeds), len(atlas.etas) - 1]


def test_nan_survives_quantisation(atlas):
    from dataclasses import replace
    from naoviz.atlas_payload import pack, unpack
    moved = atlas.path_pred_moved.copy()
    moved[0, 3] = np.nan
    out = unpack(*pack(replace(atlas, path_pred_moved=moved)))
    assert np.isnan(out["path_pred_moved"][0, 3]) and np.isfinite(out["path_pred_moved"][0, 2])


def test_state_is_the_traits_and_python_reads_what_the_page_shows(widget, atlas):
    assert widget.seed == int(atlas.seeds[0]) and widget.eta_index == 0 and widget.view in atlas.maps
    widget.seed, widget.eta_index = int(atlas.seeds[5]), 7
    assert widget.eta == pytest.approx(float(atlas.etas[7]))
    assert widget.decoded_cell == atlas.labels[atlas.path_decoded[5, 7]]
    state = widget.get_state()
    assert state["seed"] == int(atlas.seeds[5]) and state["eta_index"] == 7
    assert isinstance(state["_atlas_data"], (bytes, memoryview)) and state["_atlas_header"]["n"] == len(atlas.labels)


@pytest.mark.parametrize("trait,value", [("eta_index", 21), ("eta_index", -1), ("seed", 10**6), ("view", "tsne"),
                                         ("color", "bogus"), ("selection", [0, 10**7]), ("select_tool", "circle")])
def test_bad_values_are_refused_naming_the_trait_not_clamped(widget, trait, value):
    before = getattr(widget, trait)
    with pytest.raises(traitlets.TraitError, match=trait):
        setattr(widget, trait, value)
    assert getattr(widget, trait) == before


def test_an_unknown_state_keyword_is_refused_with_the_name_it_meant(atlas):
    # traitlets used to pass it on with a DeprecationWarning: the widget opened without the budget
    from naoviz.ui.explorer_widget import ExplorerWidget
    with pytest.raises(TypeError, match="unknown state 'budgetcolumn' \\(did you mean 'budget_column'\\?\\)"):
        ExplorerWidget(atlas, budgetcolumn=next(iter(atlas.columns)))
    with pytest.raises(TypeError, match="'eta'"):
        ExplorerWidget(atlas, eta=3)
    assert ExplorerWidget(atlas, eta_index=3, view="pca").eta_index == 3


def test_selection_statistics(widget, atlas):
    assert widget.select_tool == "box" and widget.get_state()["select_tool"] == "box"
    widget.select_tool = "lasso"                             # synced: the page's toggle follows, and sets it back
    assert widget.get_state()["select_tool"] == "lasso"
    rows = [0, 1, 2, 3]
    widget.selection = rows
    stats = widget.selection_stats()
    true = atlas.columns["valid_acc"][rows]
    assert stats["count"] == 4 and stats["mean"] == pytest.approx(float(true.mean()), rel=1e-6)
    assert stats["max"] == pytest.approx(float(true.max()), rel=1e-6)
    # at the atlas's float32 precision: 93.52777, not 93.52777099609375 (a notebook prints the dict)
    assert all(len(repr(stats[k])) <= 10 for k in ("mean", "min", "max")), stats


def test_url_state_round_trip_and_bad_links_say_so(widget, atlas):
    seed = int(atlas.seeds[9])
    assert widget.apply_query(f"?seed={seed}&eta={float(atlas.etas[4]):g}&view=pca")
    assert (widget.seed, widget.eta_index, widget.view) == (seed, 4, "pca")
    assert widget.url_query() == f"?seed={seed}&eta={float(atlas.etas[4]):g}&view=pca"
    for query, word in [("?eta=1e9", "outside"), ("?eta=0.3", "not on the grid"), ("?seed=x", "seed"),
                        ("?view=tsne", "view"), ("?seed=99999", "no path"), ("?eta=nan", "outside")]:
        assert not widget.apply_query(query)
        assert word in widget.message, (query, widget.message)
        assert (widget.seed, widget.eta_index, widget.view) == (seed, 4, "pca")     # nothing changed


def test_a_links_isomorph_of_a_seed_gives_its_representative_as_the_page_does(atlas):
    """``?seed=`` naming a row with no path whose class's representative has one takes that row, saying so in the
    page's words (the seed row box and the page's link); a row whose class has no path is still refused."""
    import dataclasses
    from naoviz.ui.explorer_widget import ExplorerWidget
    seeds = set(map(int, atlas.seeds))
    row, other = [r for r in range(len(atlas.labels)) if r not in seeds][:2]
    rep = int(atlas.seeds[3])
    class_of = np.array(atlas.class_of, copy=True)
    class_of[row] = rep                                  # the standin has no isomorphs: one made here
    widget = ExplorerWidget(dataclasses.replace(atlas, class_of=class_of))
    assert widget.apply_query(f"?seed={row}&view=pca")
    assert (widget.seed, widget.view) == (rep, "pca")
    assert widget.message == f"row {row} has no path; showing its isomorphism class's representative, row {rep}"
    assert not widget.apply_query(f"?seed={other}&view=umap") and "no path" in widget.message
    assert (widget.seed, widget.view) == (rep, "pca")    # nothing changed


def test_voila_helper_is_false_outside_voila(widget):
    assert widget.apply_voila_query() is False


def test_off_grid_without_a_handler_says_it_needs_a_model(widget):
    reply = widget.answer_offgrid({"type": "offgrid", "id": 3, "cell": "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|",
                                   "steps": 2})
    assert reply["ok"] is False and "needs a model" in reply["message"] and reply["id"] == 3
    bad = widget.answer_offgrid({"cell": "x", "steps": 0})
    assert not bad["ok"] and "steps" in bad["message"]


def test_off_grid_with_a_handler_maps_decoded_cells_to_rows(atlas):
    from naoviz.ui.explorer_widget import ExplorerWidget
    seen = []

    def handler(request):          # a real handler needs a fitted model; this one answers from the table
        seen.append(request)
        return {"decoded": [atlas.labels[1]] * len(request["etas"]), "pred_moved": [1.0] * len(request["etas"]),
                "pred_decoded": [2.0] * len(request["etas"]), "true": None, "steps": request["steps"]}

    w = ExplorerWidget(atlas, handler=handler)
    reply = w.answer_offgrid({"cell": atlas.labels[2], "steps": 3})
    assert reply["ok"] and reply["rows"] == [1] * len(atlas.etas) and seen[0]["steps"] == 3
    assert w.has_handler


def test_the_pages_requests_are_answered_beside_the_kernels_thread_and_a_newer_ask_supersedes_a_queued_one(atlas):
    """The comm's handler returns while a request is still being worked on (here a handler that waits), so the
    kernel's thread is free for the next message: a Search tab opened while the explorer's first constrained step
    loaded torch sat on "opening…" for 70 s. The one being worked on is answered; of those queued behind it only
    the newest off-grid ask is computed (a budget changed twice while a cost head fitted: the page shows only the
    latest), the stale one is answered ``superseded`` without calling the handler."""
    import threading

    from naoviz.ui.explorer_widget import ExplorerWidget
    started, gate, asked = threading.Event(), threading.Event(), []

    def handler(request):          # answers from the table, once the test opens the gate
        asked.append(request["cell"])
        started.set()
        gate.wait(5)
        return {"decoded": [atlas.labels[1]] * len(request["etas"]), "pred_moved": [1.0] * len(request["etas"]),
                "pred_decoded": [2.0] * len(request["etas"]), "true": None, "steps": request["steps"]}

    w = ExplorerWidget(atlas, handler=handler)
    replies, done = [], threading.Event()
    w.send = lambda content, buffers=None: (replies.append(content), len(replies) == 3 and done.set())
    for i in (1, 2, 3):                                # what the page sends: ipywidgets' custom message path
        w._handle_custom_msg({"type": "offgrid", "id": i, "cell": atlas.labels[i], "steps": 1}, [])
        if i == 1:
            assert started.wait(5)                     # the first is being worked on when 2 and 3 come
    assert replies == []                               # the kernel's thread is back at once
    gate.set()
    assert done.wait(30), replies
    assert [r["id"] for r in replies] == [1, 2, 3]
    assert replies[0]["ok"] and replies[2]["ok"]
    assert replies[1]["ok"] is False and replies[1]["superseded"] and asked == [atlas.labels[1], atlas.labels[3]]
    assert w.work == {}                                # idle again: the page hides its progress line


def test_a_handler_that_reports_progress_fills_the_work_trait(atlas):
    """``work`` carries the stage and n of N of the handler's work while it runs (the page's progress line),
    and is emptied when the answer is sent; a handler without ``progress`` still works (no stages)."""
    import threading

    from naoviz.ui.explorer_widget import ExplorerWidget
    seen, idle = [], threading.Event()

    def handler(request, progress=None):
        for n in range(3):
            progress("fitting the params_M cost head", n, 3)
        return {"decoded": [atlas.labels[1]] * len(request["etas"]), "pred_moved": [1.0] * len(request["etas"]),
                "pred_decoded": [2.0] * len(request["etas"]), "true": None, "steps": request["steps"]}

    w = ExplorerWidget(atlas, handler=handler)
    w.observe(lambda ch: (seen.append(dict(ch["new"])), ch["new"] or idle.set()), names="work")
    replies = []
    w.send = lambda content, buffers=None: replies.append(content)
    w._handle_custom_msg({"type": "offgrid", "id": 7, "cell": atlas.labels[2], "steps": 1}, [])
    assert idle.wait(30) and replies[0]["ok"]
    assert seen[:3] == [{"what": "path", "id": 7, "stage": "fitting the params_M cost head", "done": n, "total": 3}
                        for n in range(3)]
    assert w.work == {} and seen[-1] == {}


def test_the_front_end_ships_in_the_package_and_names_no_remote_address():
    from naoviz.explorer_page import STATIC, front_end_css, front_end_source
    js = front_end_source()
    assert "export default" in js and "render" in js
    for text in (js, front_end_css(), (STATIC / "page_shim.js").read_text()):
        assert "http://" not in text.replace("http://www.w3.org/2000/svg", "") and "https://" not in text
    assert "plotly" not in js.lower()


def test_importing_the_widget_pulls_in_neither_torch_nor_plotly():
    code = ("import sys, naoviz.ui.explorer_widget, naoviz.explorer_page; "
            "print(sorted(m for m in ('torch', 'plotly') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "[]"


def test_write_page_is_one_self_contained_file(atlas, tmp_path):
    from naoviz.explorer_page import write_page
    path = write_page(atlas, tmp_path / "explorer.html")
    text = path.read_text()
    assert text.count("<script") == 3 and "src=" not in text and "https://" not in text
    assert path.stat().st_size < 5_000_000


def test_export_figures_draws_what_the_student_sees(tmp_path, monkeypatch):
    """The shipped digits atlas: the export button's figures are the current seed's path on the current map
    and the decoded cell at the current eta; a bad format is refused before anything is written."""
    from naoviz.atlas_cache import cached_atlas
    from naoviz.nao.cache import ModelSpec
    from naoviz.tables import load_benchmark
    from naoviz.ui.explorer_widget import ExplorerWidget
    monkeypatch.setenv("NAOVIZ_CACHE", str(tmp_path / "cache"))
    shipped = cached_atlas(load_benchmark("nb201-digits"), ModelSpec())
    assert shipped is not None
    w = ExplorerWidget(shipped)
    w.seed, w.eta_index, w.view = int(shipped.seeds[7]), 8, "pca"
    paths = w.export_figures("html", tmp_path / "out")
    assert [p.name for p in paths] == [f"naoviz-nb201-digits-seed{w.seed}-eta{w.eta:g}-{n}.html" for n in ("map", "prediction", "cells")]
    before = [p.read_bytes() for p in paths]
    # the same figures again from the page's button: the kernel's reply says nothing new was written
    monkeypatch.setenv("NAOVIZ_EXPORT_DIR", str(tmp_path / "out"))
    replies = []
    w.send = lambda content, buffers=None: replies.append(content)
    w._on_custom(w, {"type": "export_figures", "format": "html"}, [])
    assert replies[-1]["ok"] is True and replies[-1]["paths"] == [str(p) for p in paths]
    assert replies[-1]["written"] == [] and replies[-1]["reused"] == [str(p) for p in paths]
    w.view = "umap"                                                     # another map: kept beside, never over
    again = w.export_figures("html", tmp_path / "out")
    assert [p.name for p in again] == [f"naoviz-nb201-digits-seed{w.seed}-eta{w.eta:g}-{n}-2.html" for n in ("map", "prediction", "cells")]
    assert [p.read_bytes() for p in paths] == before
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(p.name for p in paths + again)
    cells = paths[2].read_text()
    assert w.decoded_cell.split("|")[1].split("~")[0] in cells or "decoded at η = 4" in cells
    assert "PCA" in paths[0].read_text()
    with pytest.raises(ValueError, match="format"):
        w.export_figures("gif", tmp_path / "bad")
    assert not (tmp_path / "bad").exists()
    w._on_custom(w, {"type": "export_figures", "format": "gif"}, [])
    assert replies[-1]["ok"] is False and "format" in replies[-1]["message"]
    # the page's size menu (its print sizes are drawn in tests/test_ui_browser.py): a size it does not offer is
    # refused in one line, nothing written
    w._on_custom(w, {"type": "export_figures", "format": "png", "size": "A4"}, [])
    assert replies[-1] == {"type": "export_figures", "ok": False,
                           "message": "size: expected one of screen, 7in, 3.5in, got 'A4'"}
    # an export error of naoviz's own (here a bad time limit, before a browser starts; also no browser, or one that
    # never answered) is said on the page: it was only logged, the page left saying nothing
    monkeypatch.setenv("NAOVIZ_EXPORT_TIMEOUT", "soon")
    w._on_custom(w, {"type": "export_figures", "format": "png"}, [])
    assert replies[-1] == {"type": "export_figures", "ok": False, "message": "export: NAOVIZ_EXPORT_TIMEOUT: expected "
                           "seconds, a number in (0, 3600], got 'soon'"}
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(p.name for p in paths + again)


def _path_best(atlas, seed, column, budget):
    """Largest eta index whose decoded cell has ``column`` <= budget (-1 if none), from the atlas's arrays."""
    m = int(np.flatnonzero(atlas.seeds == seed)[0])
    costs = [float(atlas.columns[column][r]) for r in atlas.path_decoded[m]]
    within = [e for e, c in enumerate(costs) if c == c and c <= budget]
    return (within[-1] if within else -1), m


def test_budget_traits_grey_cells_and_name_the_best_feasible_cell_on_the_path(widget, atlas):
    from naoviz.atlas_payload import pack
    assert pack(atlas)[0]["cost_columns"] == ["train_time_s", "params_M"]      # the digits table's costs
    assert widget.budget_column == "" and widget.budget is None and widget.feasible_mask() is None
    params = atlas.columns["params_M"]
    seed = next(int(s) for m, s in enumerate(atlas.seeds) if len(set(params[atlas.path_decoded[m]].tolist())) > 1)
    m = int(np.flatnonzero(atlas.seeds == seed)[0])
    path_costs = sorted(set(params[atlas.path_decoded[m]].tolist()))
    budget = (path_costs[0] + path_costs[1]) / 2                  # some decoded cells within it, some over
    widget.seed, widget.budget_column = seed, "params_M"
    assert widget.feasible_mask() is None and widget.best_feasible() is None       # a column alone greys nothing
    widget.budget = budget
    assert widget.get_state()["budget"] == budget and widget.get_state()["budget_column"] == "params_M"
    expected = np.array([p <= budget for p in params.tolist()])
    np.testing.assert_array_equal(widget.feasible_mask(), expected)
    e, m = _path_best(atlas, seed, "params_M", budget)
    best = widget.best_feasible()
    row = int(atlas.path_decoded[m, e])
    assert best["eta_index"] == e and best["row"] == row and best["cell"] == atlas.labels[row]
    assert best["cost"] == pytest.approx(float(params[row])) and best["cost"] <= budget
    assert best["true"] == pytest.approx(float(atlas.columns["valid_acc"][row]))
    assert best["predicted"] == pytest.approx(float(atlas.path_pred_decoded[m, e]))
    np.testing.assert_allclose(atlas.path_costs(seed, "params_M"), params[atlas.path_decoded[m]])
    widget.budget = float(params.min()) / 2                       # below every cell: none feasible
    assert not widget.feasible_mask().any() and widget.best_feasible() is None


@pytest.mark.parametrize("trait,value", [("budget_column", "valid_acc"), ("budget_column", "bogus"),
                                         ("budget", float("nan")), ("budget", float("inf")), ("budget", "12")])
def test_bad_budgets_are_refused_naming_the_trait_and_value(widget, trait, value):
    widget.budget_column, widget.budget = "params_M", 0.05
    with pytest.raises(traitlets.TraitError, match=trait):
        setattr(widget, trait, value)
    if value != "12":                                             # ours: a ValueError too, naming the value
        with pytest.raises(ValueError, match=repr(value) if isinstance(value, str) else str(value)):
            setattr(widget, trait, value)
    assert (widget.budget_column, widget.budget) == ("params_M", 0.05)


def test_budget_in_the_url_state(widget, atlas):
    seed = int(atlas.seeds[3])
    assert widget.apply_query(f"?seed={seed}&budget_column=params_M&budget=0.04")
    assert (widget.budget_column, widget.budget) == ("params_M", 0.04)
    assert widget.url_query().endswith("&budget_column=params_M&budget=0.04")
    for query, word in [("?budget=x", "budget"), ("?budget=inf", "finite"), ("?budget_column=valid_acc", "cost column")]:
        assert not widget.apply_query(query)
        assert word in widget.message, (query, widget.message)
        assert (widget.budget_column, widget.budget) == ("params_M", 0.04)


def test_exported_figures_carry_the_budget(widget, atlas):
    """The figures of the export button: the map greys the class representatives over the budget, the
    prediction chart carries the path's cost (hollow over the budget)."""
    params = np.asarray(atlas.columns["params_M"], float)
    seed = int(atlas.seeds[4])
    widget.seed, widget.budget_column, widget.budget = seed, "params_M", float(np.median(params))
    figs = widget.figures()
    grey = [t for t in figs["map"].data if t.name.startswith("over budget")]
    reps = np.flatnonzero(atlas.class_of[:atlas.n_table] == np.arange(atlas.n_table))
    over = reps[~(params[reps] <= widget.budget)]
    assert len(grey) == 1 and len(grey[0].x) == len(over) > 0
    np.testing.assert_allclose(grey[0].x, atlas.maps[widget.view][over, 0])
    cost = [t for t in figs["prediction"].data if t.name == "parameters of decoded cell"][0]
    m = atlas.seed_index(seed)
    np.testing.assert_allclose(cost.y, params[atlas.path_decoded[m]])
    assert list(cost.marker.symbol) == ["circle" if c <= widget.budget else "circle-open" for c in cost.y]
    assert figs["prediction"].layout.yaxis2.title.text == "parameters (millions)"     # in words, as the page says it
    widget.budget_column = ""
    assert not any(t.name.startswith("over budget") for t in widget.figures()["map"].data)


def test_an_off_grid_budget_reaches_the_handler_checked(atlas):
    """The page's constrained-step ask: ``budget`` {column, bound} is checked against the atlas's cost columns
    before the handler sees it; without a budget the handler gets none."""
    from naoviz.ui.explorer_widget import ExplorerWidget
    seen = []

    def handler(request):          # answers from the table: the cheapest cell at every eta
        seen.append(request)
        return {"decoded": [atlas.labels[0]] * len(request["etas"]), "pred_moved": [1.0] * len(request["etas"]),
                "pred_decoded": [1.0] * len(request["etas"]), "true": None, "steps": 1}

    w = ExplorerWidget(atlas, handler=handler)
    assert w.constrained_path() is None                   # no budget set
    ok = w.answer_offgrid({"cell": atlas.labels[2], "steps": 1, "budget": {"column": "params_M", "bound": 0.03}})
    assert ok["ok"] and seen[-1]["budget"] == {"column": "params_M", "bound": 0.03}
    for bad, word in (({"column": "valid_acc", "bound": 1}, "budget_column"), ({"column": "params_M", "bound": "x"}, "bound"),
                      ({"column": "params_M", "bound": float("nan")}, "bound"), ("params_M<=1", "budget")):
        reply = w.answer_offgrid({"cell": atlas.labels[2], "steps": 1, "budget": bad})
        assert not reply["ok"] and word in reply["message"], reply
    assert len(seen) == 1
    w.answer_offgrid({"cell": atlas.labels[2], "steps": 1})
    assert "budget" not in seen[-1]
    w.seed, w.budget_column, w.budget = int(atlas.seeds[4]), "params_M", 0.03
    assert w.constrained_path()["ok"] and seen[-1]["cell"] == atlas.labels[int(atlas.seeds[4])]
