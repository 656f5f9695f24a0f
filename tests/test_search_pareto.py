"""The Search tab's cost budget and Pareto plot (issue 14), without a browser: a budgeted run is `naoviz compare
--constraint`'s run, the plot's points are the runs' queries and its fronts `pareto_front` of their feasible
ones; a bound that is not one is refused in one line and nothing runs."""
from __future__ import annotations

import html
import time

import numpy as np
import pytest
import traitlets


@pytest.fixture(scope="module")
def digits():
    from naoviz.tables import load_benchmark
    return load_benchmark("nb201-digits")


def _by_label(results):
    from naoviz.viz.theme import ALGO_LABELS
    out = {}
    for r in results:
        out.setdefault(ALGO_LABELS[r.algo], []).append(r)
    return out


def test_budgeted_run_is_compare_with_the_constraint_and_the_plot_is_its_queries(digits):
    from naoviz.evaluate import TableEvaluator
    from naoviz.experiments.search import compare
    from naoviz.search.pareto import pareto_front
    from naoviz.ui import SearchPanel
    from naoviz.viz.pareto import results_points
    sp = SearchPanel(digits, budget=20)
    assert sp.cost.column.value == "" and sp.pareto.x.value == "params_M"      # budget off; x axis: the size
    assert set(sp.cost.columns) == {"params_M", "train_time_s"}                # the explorer's budget columns
    hidden = lambda: (sp.cost.slider.layout.visibility, sp.cost.box.layout.visibility)   # noqa: E731
    assert hidden() == ("hidden", "hidden")            # off: no slider that looks set, its room kept
    sp.cost.column.value = "train_time_s"
    assert hidden() == ("visible", "visible")
    sp.cost.column.value = ""                          # off again: the last column's median not left showing
    assert hidden() == ("hidden", "hidden")
    bound = float(np.nanpercentile(digits.metric("params_M"), 25))
    sp.cost.set("params_M", bound)
    assert hidden() == ("visible", "visible")
    sp.algos.value, sp.seed.value, sp.seeds.value = ("rs", "re"), "3", "2"
    sp.start(wait=True)
    assert "done" in sp.msg.value and sp.progress.value == 80
    text = f"params_M<={bound!r}"
    assert html.escape(f'--constraint "{text}"') in sp.result.value               # the CLI line says the budget
    # the curves are `naoviz compare --constraint`'s, bit for bit: the best feasible incumbent
    summary = compare(TableEvaluator(digits, constraints=[text]), [("rs", None), ("re", None)], 20, [3, 4])
    runs = _by_label(sp.results)
    for algo, label in (("rs", "random search"), ("re", "regularised evolution")):
        assert [c.tolist() for c in sp.curves[label]] == summary["algos"][algo]["curves"]
        for r, curve in zip(runs[label], sp.curves[label]):                   # every incumbent is feasible:
            cost = digits.metric("params_M", [rec.arch for rec in r.history])  # the drawn value after query q
            for q, y in enumerate(curve):                                     # is the best-valid feasible one's
                ok = [i for i in range(q + 1) if cost[i] <= bound]
                if not ok:
                    assert np.isnan(y)                                        # a gap until one is feasible
                    continue
                best = max(ok, key=lambda i: (r.history[i].value, -i))
                assert y == r.history[best].report
            inc = r.incumbent()
            assert inc is None or (inc.feasible and inc.metrics["params_M"] <= bound)
        share = np.mean([f for r in runs[label] for f in r.feasible()])
        assert f"{label} {100 * share:.0f}%" in sp.result.value                   # the summary's feasible share
    # the Pareto plot: every query of each searcher, pooled over its seeds, in its colour; hollow = infeasible
    pts, feas = results_points(runs, "params_M")
    groups = {g["name"]: g for g in sp.pareto.chart.groups}
    assert set(groups) == set(pts)
    for name, g in groups.items():
        assert np.array_equal(np.c_[g["y"], g["x"]], pts[name]) and g["feasible"] == feas[name].tolist()
        idx = np.flatnonzero(feas[name])
        want = idx[pareto_front(pts[name][idx], [True, False])]
        assert sorted(g["front"]) == sorted(want.tolist()) and len(g["front"]) >= 1
        xs = [g["x"][i] for i in g["front"]]
        assert xs == sorted(xs) and all(x <= bound for x in xs)                # a staircase, cost ascending
    # the plot's label, the note under it and the summary line say the budget alike, with its unit (the label and
    # note said "parameters ≤ 0.03" while the summary said "parameters ≤ 0.03 M")
    assert sp.pareto.chart.vline == bound and sp.pareto.chart.vline_label == f"budget parameters ≤ {bound:g} M"
    assert f"budget parameters ≤ {bound:g} M ·" in sp.result.value
    note = sp.pareto.note.value                                                # the note names the marks drawn
    assert "hollow: over the budget" in note and f"parameters ≤ {bound:g} M dashed" in note, note
    # the axes name the columns in words with their units, as the exported figures' do (an accuracy in %, a size
    # in millions); the menus say the words and the id, the value stays the id
    assert sp.pareto.chart.y_title == "test accuracy (%)" and sp.curve.y_title == "incumbent test accuracy (%)"
    assert sp.pareto.chart.x_title == "parameters (millions; lower is better)"
    assert ("training time (train_time_s)", "train_time_s") in [tuple(o) for o in sp.pareto.x.options]
    assert ("parameters (params_M)", "params_M") in [tuple(o) for o in sp.cost.column.options]
    assert [(c["label"], c.get("id"), c.get("unit")) for c in sp.table.columns if c["key"] in ("value", "report")] == [
        ("validation accuracy", "valid_acc", "%"), ("test accuracy", "test_acc", "%")]     # the header says "(%)"
    # another x axis: the same queries against training time, the budget line gone
    sp.pareto.x.value = "train_time_s"
    g = {g["name"]: g for g in sp.pareto.chart.groups}["random search"]
    cells = [row[6] for row in sp.rows if row[0] == "random search"]
    assert g["x"] == digits.metric("train_time_s", cells).tolist() and sp.pareto.chart.vline is None
    note = sp.pareto.note.value                                                # no line drawn: the note says why
    assert "dashed" not in note.replace("no dashed line", "") and "another column" in note, note
    assert sp.pareto.chart.x_title == "training time (s; lower is better)"


def test_a_bound_that_is_not_one_is_refused_in_one_line_and_nothing_runs(digits):
    from naoviz.ui import SearchPanel
    sp = SearchPanel(digits, budget=10)
    sp.algos.value = ("rs",)
    assert sp.pareto.note.value == ""                  # no run drawn: the note names no marks (nor "no cost budget")
    sp.cost.set("params_M")
    assert sp.pareto.note.value == "", sp.pareto.note.value     # a budget picked, none run: it said "no cost budget"
    lo, hi = sp.cost.range
    assert lo == pytest.approx(np.nanmin(digits.metric("params_M"))) and sp.cost.box.value    # the median
    before = sp.cost.slider.value
    # the slider sits at the median the box shows, inside the column's range (set with the range, so the page
    # never clamps a stale value into it: tests/test_ui_browser.py types over it at once)
    assert before == float(sp.cost.box.value) == pytest.approx(float(np.nanmedian(digits.metric("params_M"))), rel=1e-3)
    assert lo < before < hi
    for typed in ("abc", "nan", "inf", "1e999", "", "-1", "5"):
        sp.cost.box.value = typed
        said = sp.msg.value
        assert "naoviz-error" in said and "cost budget" in said and html.escape(repr(typed)) in said, said
        assert said.count("⚠") == 1 and "nothing ran" in said
        sp.start(wait=True)
        assert sp.thread is None and sp.results == [] and sp.progress.value == 0 and sp.pareto.chart.groups == []
        assert sp.cost.slider.value == before                                  # the slider kept its value
    sp.cost.box.value = "0.03"
    assert sp.msg.value == "" and sp.cost.slider.value == 0.03 and str(sp.cost.checked()) == "params_M<=0.03"
    sp.cost.set("")                                                            # off: no constraint, all feasible
    assert sp.cost.checked() is None and sp.cost.slider.disabled
    sp.start(wait=True)
    g = sp.pareto.chart.groups[0]
    assert all(g["feasible"]) and len(g["x"]) == 10 and sp.pareto.chart.vline is None
    # no budget: the note names no hollow points and no dashed budget (before, it named both, drawn or not)
    note = sp.pareto.note.value
    assert "no cost budget" in note and "hollow" not in note and "dashed" not in note, note
    assert "--constraint" not in sp.result.value and "feasible:" not in sp.result.value


def test_scatter_chart_refuses_groups_it_cannot_draw():
    from naoviz.ui.scatter_chart import ScatterChart, points
    chart = ScatterChart()
    chart.groups = [points("a", [1, 2], [3, float("nan")], feasible=[True, False], front=[0])]
    assert chart.groups[0]["y"] == [3.0, None]
    for bad in ({"name": "a", "x": [1], "y": [1, 2], "color": "#000", "feasible": [True], "front": []},
                {"name": "a", "x": [1], "y": [1], "color": "#000", "feasible": [True], "front": [3]},
                {"name": "a", "x": [1]}):
        with pytest.raises(traitlets.TraitError):
            chart.groups = [bad]
    with pytest.raises(traitlets.TraitError):
        chart.vline = float("nan")


def test_export_figures_carry_the_pareto_plot(digits, tmp_path, monkeypatch):
    from naoviz.ui import SearchPanel
    sp = SearchPanel(digits, budget=10)
    figs = sp.figures()
    assert set(figs) == {"incumbent"}                          # no query yet: no Pareto figure
    # ... and the button writes nothing: it saved an empty chart (axes -1..6) and said "saved 1 figure"
    with pytest.raises(ValueError, match="nothing to draw yet: run a search first"):
        sp.export_figures("html", tmp_path)
    assert not list(tmp_path.iterdir())
    # the curves are test_acc of the best valid_acc query so far, which can fall: the title says which chose it
    assert figs["incumbent"].layout.title.text == ("incumbent test accuracy by query"
                                                   "<br><sup>incumbent: the best validation accuracy so far</sup>")
    sp.algos.value = ("rs",)
    sp.cost.set("params_M", 0.03)
    sp.start(wait=True)
    figs = sp.figures()
    pareto = figs["pareto"]
    names = [tr.name for tr in pareto.data]
    assert names == ["random search queries", "random search front"]
    assert list(pareto.data[0].x) == sp.pareto.chart.groups[0]["x"]
    assert any(s.x0 == 0.03 for s in pareto.layout.shapes)     # the budget, dashed
    # the saved curves say they are under a budget (the page says so beside them; a PNG alone did not)
    assert figs["incumbent"].layout.title.text.startswith(
        "incumbent test accuracy by query, budget parameters ≤ 0.03 M (feasible queries only)<br><sup>incumbent: the best")
    paths = sp.export_figures("html", tmp_path)                 # html needs no browser
    name = sp.bench.name
    assert sorted(p.name for p in paths) == [f"naoviz-{name}-search-incumbent.html", f"naoviz-{name}-search-pareto.html"]
    assert all(p.stat().st_size > 1000 for p in paths)
    first = [p.read_bytes() for p in paths]
    same = sp.export_figures("html", tmp_path)                 # the same figures: the same files, nothing new
    assert same == paths and same.written == [] and same.reused == paths
    # the tab's button (html here: png needs a browser) on figures already there says nothing new was written
    monkeypatch.setenv("NAOVIZ_EXPORT_DIR", str(tmp_path))
    button = sp.pareto.on_export
    sp.pareto.on_export = lambda size, progress=None: sp.export_figures("html", size=size, progress=progress)

    def press():
        sp.pareto._export()
        for _ in range(1200):
            if not sp.pareto.export_btn.disabled:
                break
            time.sleep(0.05)
        return sp.pareto.export_msg.value
    assert press().startswith(f"already saved in {tmp_path}: naoviz-")        # the folder once, then the names
    assert sp.pareto.export_msg.layout.display is None and str(tmp_path / "naoviz-") in sp.pareto.export_msg.tooltip
    # the size beside the button, through the panel's own handler: laid out for a paper's single column
    sp.pareto.on_export, sp.pareto.export_size.value = button, "3.5in"
    assert press().startswith(f"saved 4 figures in {tmp_path}: "), sp.pareto.export_msg.value
    assert sorted(p.name for p in tmp_path.glob("*-3.5in.*")) == [
        f"naoviz-{name}-search-{n}-3.5in.{e}" for n in ("incumbent", "pareto") for e in ("pdf", "svg")]
    sp.pareto.x.value = next(c for _, c in sp.pareto.x.options if c != sp.pareto.x.value)   # another cost axis
    again = sp.export_figures("html", tmp_path)
    assert sorted(p.name for p in again) == [f"naoviz-{name}-search-incumbent-2.html", f"naoviz-{name}-search-pareto-2.html"]
    assert [p.read_bytes() for p in paths] == first


def test_the_live_front_kept_up_query_by_query_is_the_front_of_all_queries(digits):
    """The log keeps each front up as queries come (the last front and the new queries); after every query it
    equals `pareto_front` of all feasible queries so far, ties and infeasible ones included."""
    from types import SimpleNamespace

    from naoviz.search.pareto import pareto_front
    from naoviz.experiments.pareto_log import ParetoLog
    rng = np.random.default_rng(5)
    rows = rng.choice(len(digits), 120)
    rows = np.concatenate([rows, rows[:10]])                       # the same cell again: ties
    log = ParetoLog(digits)
    for k, row in enumerate(rows):
        q = digits.query(int(row))
        log.add("rs", SimpleNamespace(report=q["test_acc"], feasible=bool(rng.random() < 0.7), arch=q["arch_str"]))
        if k % 7 and k != len(rows) - 1:
            continue
        pts, feas, fronts = log.series("params_M")
        idx = np.flatnonzero(feas["rs"])
        want = idx[pareto_front(pts["rs"][idx], [True, False])]
        assert sorted(fronts["rs"].tolist()) == sorted(want.tolist())
    assert len(pts["rs"]) == len(rows)


def test_nb201s_two_cifar10_runs_are_named_apart_and_the_digits_tables_columns_as_before(nb201_table, digits):
    """NB201 holds a "test accuracy" of two runs (docs/data.md): test_acc of its cifar10-valid run (trained on
    the 25k train half) and cifar10_test_acc of its cifar10 run (trained on all 50k); the colour menu showed
    "test accuracy" beside "CIFAR-10 test accuracy". Now every name of NB201's columns is its own and says its
    run, in the explorer's payload, the Search tab's menus and table, and a compare figure; the digits table
    (test_acc: the digits test split, one run) keeps its plain words."""
    from naoviz.atlas_payload import color_names
    from naoviz.column_names import menu_name, readable_names
    from naoviz.ui.query_table import search_columns
    from naoviz.ui.search_pareto import CostBudget
    from naoviz.viz.curves import compare_figure
    names = color_names(nb201_table.metrics, "valid_acc")
    assert len(set(names.values())) == len(names), names                  # no two columns read the same
    assert (names["test_acc"], names["cifar10_test_acc"], names["valid_acc"], names["predicted"]) == (
        "test accuracy, trained on 25k", "CIFAR-10 test accuracy, trained on 50k",
        "validation accuracy", "predicted validation accuracy")               # no namesake: plain words
    assert names["train_time_s"] == "training time" and names["cifar100_test_acc"] == "CIFAR-100 test accuracy"
    heads = [c["label"] for c in search_columns("valid_acc", "cifar10_test_acc", nb201_table.metrics)]
    assert heads[4:6] == ["validation accuracy", "CIFAR-10 test accuracy, trained on 50k"]
    assert "training time (train_time_s)" in [label for label, _ in CostBudget(nb201_table).column.options]
    fig = compare_figure({"report": "cifar10_test_acc", "metric": "valid_acc", "table": {"name": "nb201"},
                          "algos": {"rs": {"curves": [[90.0, 91.0], [89.0, 92.0]]}}})
    assert fig.layout.title.text.startswith("incumbent CIFAR-10 test accuracy, trained on 50k vs queries")
    assert fig.layout.yaxis.title.text == "incumbent CIFAR-10 test accuracy, trained on 50k (%)"
    plain = readable_names(digits.metrics)
    assert (plain["test_acc"], plain["valid_acc"], plain["train_time_s"]) == (
        "test accuracy", "validation accuracy", "training time")
    assert menu_name("test_acc", digits.metrics) == "test accuracy (test_acc)"
