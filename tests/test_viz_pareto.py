"""The Pareto figure: each searcher's queries and its front, checked against a brute-force dominance test here
(not the backend's sort), on made-up points and on real constrained searches over the shipped digits table."""
from __future__ import annotations

import numpy as np
import pytest

from naoviz.viz import export, pareto_figure, results_points
from naoviz.viz.pareto import summary_pareto_figures
from naoviz.viz.theme import ALGO_LABELS, ALGO_SYMBOLS


def _front(points, feasible):
    """{(metric, cost)} of the feasible points no other feasible point dominates (metric up, cost down)."""
    p = [tuple(map(float, x)) for x, ok in zip(points, feasible) if ok and np.isfinite(x).all()]
    return sorted({a for a in p if not any(b[0] >= a[0] and b[1] <= a[1] and b != a for b in p)}, key=lambda t: t[1])


def _trace(fig, name):
    found = [t for t in fig.data if t.name == name]
    assert len(found) == 1, [t.name for t in fig.data]
    return found[0]


def test_each_searcher_has_its_queries_and_its_non_dominated_feasible_front():
    rng = np.random.default_rng(3)
    pts = {name: np.c_[rng.uniform(60, 95, 80), rng.uniform(1, 30, 80)].round(1) for name in ("nao", "re")}
    feas = {name: rng.random(80) < 0.7 for name in pts}
    pts["re"][5] = [np.nan, 3.0]                                       # a query with no value stays off the front
    fig = pareto_figure(pts, metric="test_acc", cost="latency_pixel3", feasible=feas, budget=12.0)
    for algo in pts:                                # "re" is shown as "regularised evolution" (theme.algo_label)
        name = ALGO_LABELS[algo]
        q = _trace(fig, f"{name} queries")
        np.testing.assert_array_equal(np.asarray(q.x, float), pts[algo][:, 1])
        shape = ALGO_SYMBOLS[algo]                                    # the searcher's shape, hollow when infeasible
        assert list(q.marker.symbol) == [shape if ok else f"{shape}-open" for ok in feas[algo]]
        f = _trace(fig, f"{name} front")
        got = list(zip(map(float, f.y), map(float, f.x)))
        assert sorted(set(got), key=lambda t: t[1]) == _front(pts[algo], feas[algo])
        assert list(f.x) == sorted(f.x) and f.line.shape == "hv"      # a staircase, cost ascending
    assert fig.layout.shapes[0].x0 == 12.0                           # the budget line
    # a static PNG has no hover: the budget's label says what the hollow markers are, when there are any
    assert fig.layout.annotations[0].text == "budget 12 ms (hollow: over it)"      # its unit, as the axis's
    all_ok = pareto_figure(pts, metric="test_acc", cost="latency_pixel3", budget=12.0)
    assert all_ok.layout.annotations[0].text == "budget 12 ms"
    with pytest.raises(ValueError, match="feasible"):
        pareto_figure({"rs": pts["nao"]}, metric="a", cost="b", feasible={"rs": feas["nao"][:3]})


def test_the_budget_label_sits_above_the_plot_area_clear_of_the_front():
    """Inside the plot, top left of the line, the label had covered the front's most accurate feasible points
    (those just under the budget, at the top), seen on a digits params_M export."""
    pts = {"re": np.array([[96.4, 0.031], [93.6, 0.0187], [80.0, 0.06]])}
    for budget, anchor in ((0.0324, "left"), (0.058, "right")):
        fig = pareto_figure(pts, metric="test_acc", cost="params_M", budget=budget)
        label = fig.layout.annotations[0]
        assert label.text == f"budget {budget:g} M"
        assert (label.xref, label.x, label.yref, label.y, label.yanchor) == ("x", budget, "paper", 1, "bottom")
        assert label.xanchor == anchor                 # it runs away from the nearer edge of the costs drawn


def test_the_default_title_fits_a_notebook_at_1024px_with_the_file_browser_open():
    """In JupyterLab at 1024 px with its file browser open a plotly figure is 592 px wide: the title wrapped at 800
    px ran past it ("CIFAR-10 test accuracy against latency on Pixel 3: queries and Pareto front", notebook 06).
    Its lines fit 560 px (at the wrap's generous 0.55 em a character), and the top margin holds them over the
    budget's label above the plot (plotly: a title's first baseline at t/2, each further line 22 px lower)."""
    pts = {"re": np.array([[96.4, 0.031], [93.6, 0.0187], [80.0, 0.06]])}
    fig = pareto_figure(pts, metric="cifar10_test_acc", cost="latency_pixel3", budget=0.05)
    lines = fig.layout.title.text.split("<br>")
    assert len(lines) == 2 and all(len(line) * 17 * 0.55 <= 560 for line in lines), lines
    t = fig.layout.margin.t
    assert t / 2 + 1.3 * 17 * (len(lines) - 1) + 0.3 * 17 <= t - 17, t     # the budget label: 12 px text


@pytest.fixture(scope="module")
def digits_constrained():
    from naoviz.evaluate import TableEvaluator
    from naoviz.search.constraints import percentile_budget
    from naoviz.tables import load_benchmark
    table = load_benchmark("nb201-digits")
    budget = percentile_budget(table, "params_M", 40)
    return TableEvaluator(table, constraints=[budget]), budget


def test_real_searches_give_their_records_front_and_export(digits_constrained, tmp_path):
    from naoviz.search import make_searcher
    ev, budget = digits_constrained
    runs = {algo: make_searcher(algo).run(ev, budget=25, seed=1, progress=False) for algo in ("rs", "re")}
    pts, feas = results_points(runs, "params_M")
    fig = pareto_figure(pts, metric=ev.report, cost="params_M", feasible=feas, budget=budget.bound)
    for algo, res in runs.items():
        recs = [(r.report, r.metrics["params_M"]) for r in res.history]
        assert pts[algo].tolist() == [list(x) for x in recs]
        assert feas[algo].tolist() == [r.metrics["params_M"] <= budget.bound for r in res.history]
        f = _trace(fig, f"{ALGO_LABELS[algo]} front")
        assert sorted(set(zip(map(float, f.y), map(float, f.x))), key=lambda t: t[1]) == _front(recs, feas[algo])
        assert all(x <= budget.bound for x in f.x)
    out = export(fig, tmp_path / "pareto.html")
    assert "random search front" in out.read_text()
    with pytest.raises(ValueError, match="latency_pixel3"):
        results_points(runs, "latency_pixel3")


def test_compare_summary_gives_one_figure_per_cost_column_pooled_over_seeds(digits_constrained):
    from naoviz.experiments.search import compare
    import json
    from naoviz.jsonio import dumps_strict
    ev, budget = digits_constrained
    summary = json.loads(dumps_strict(compare(ev, [("rs", None), ("ls", None)], 15, [0, 1])))   # as summary.json
    figs = summary_pareto_figures(summary)
    assert list(figs) == ["params_M"]
    fig = figs["params_M"]
    for algo, a in summary["algos"].items():
        name = ALGO_LABELS[algo]                          # "random search", as the incumbent figure names it
        pooled = [q for r in a["runs"] for q in r["hw"]["queries"]["values"]]
        ok = [f for r in a["runs"] for f in r["hw"]["queries"]["feasible"]]
        assert len(pooled) == 30 and len(_trace(fig, f"{name} queries").x) == 30
        f = _trace(fig, f"{name} front")
        assert sorted(set(zip(map(float, f.y), map(float, f.x))), key=lambda t: t[1]) == _front(pooled, ok)
    assert summary_pareto_figures({"algos": {"rs": {"runs": [{}]}}}) == {}


def test_two_names_of_one_searcher_are_kept_apart():
    """A notebook's "nao" beside "NAO" would both read "NAO": then every name is shown as given, no front lost."""
    pts = {n: np.array([[90.0, 1.0], [91.0, 2.0]]) for n in ("nao", "NAO")}
    fig = pareto_figure(pts, metric="test_acc", cost="params_M")
    assert {t.name for t in fig.data} == {"nao queries", "nao front", "NAO queries", "NAO front"}
