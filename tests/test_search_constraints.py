"""Constraints, feasibility of incumbents, Pareto fronts and hypervolume, constrained search (issue 14). The cost
models that judge a constrained NAO's decodes (cost heads, linear costs) are tests/test_search_cost_models.py's."""
from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pytest

from naoviz.search.constraints import Constraint, constrained_optimum, parse_constraint, parse_constraints
from naoviz.search.pareto import crowding, hypervolume, nondominated_ranks, pareto_front

COLUMNS = ["valid_acc", "latency_pixel3", "cifar10_params_M"]


# -- parsing -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, want", [
    ("latency_pixel3<=12", ("latency_pixel3", "<=", 12.0)),
    (" latency_pixel3 < 1.5e1 ", ("latency_pixel3", "<", 15.0)),
    ("valid_acc>=90", ("valid_acc", ">=", 90.0)),
    ("cifar10_params_M>-.5", ("cifar10_params_M", ">", -0.5)),
])
def test_parse_constraint(text, want):
    c = parse_constraint(text, COLUMNS)
    assert (c.column, c.op, c.bound) == want
    assert parse_constraint(str(c), COLUMNS) == c          # the text form parses back to the same constraint


@pytest.mark.parametrize("text, why", [
    ("latency_pixel3<=nan", "COLUMN<=NUMBER"), ("latency_pixel3<=inf", "COLUMN<=NUMBER"),
    ("latency_pixel3<=1e999", "finite"), ("latency_pixel3=<3", "COLUMN<=NUMBER"), ("latency_pixel3", "COLUMN"),
    ("<=3", "COLUMN"), ("latency_pixel3<=3<=4", "COLUMN"), ("", "COLUMN"), ("latency_pixel<=3", "did you mean"),
    ("1x<=3", "COLUMN"), (3, "expected text"),
])
def test_parse_constraint_rejects(text, why):
    with pytest.raises(ValueError, match="constraint: ") as err:
        parse_constraint(text, COLUMNS)
    assert why in str(err.value) and "\n" not in str(err.value)


def test_constraint_checks_and_duplicates():
    with pytest.raises(ValueError, match="operator"):
        Constraint("x", "==", 1.0)
    with pytest.raises(ValueError, match="finite"):
        Constraint("x", "<=", math.nan)
    with pytest.raises(ValueError, match="twice"):
        parse_constraints(["x<=1", "x <= 1.0"])


def test_a_latency_column_missing_from_nb201_says_how_to_install_the_latency_table():
    """`naoviz data download` fetches no latencies, so latency_* on such a table names the import, not a list."""
    nb201_no_latency = ["valid_acc", "cifar10_test_acc", "cifar10_params_M"]
    with pytest.raises(ValueError) as err:
        parse_constraint("latency_pixel3<=6.44", nb201_no_latency)
    assert "naoviz data import HELP" in str(err.value) and "\n" not in str(err.value)
    for columns in (["valid_acc", "test_acc", "params_M"], COLUMNS):   # the digits table; NB201 with latencies
        with pytest.raises(ValueError) as err:
            parse_constraint("latency_pixel<=3", columns)
        assert "HELP" not in str(err.value) and f"numeric columns: {', '.join(columns)}" in str(err.value)
    many = [f"col{i}" for i in range(40)]                  # too many to list: where to see them
    with pytest.raises(ValueError) as err:
        parse_constraint("latency_pixel<=3", many)
    assert "numeric columns: naoviz data show" in str(err.value) and "col39" not in str(err.value)


def test_cli_without_the_latency_table_names_the_import(tmp_path, monkeypatch, capsys):
    from naoviz.cli import main
    from naoviz.tables.benchmark import NB201_FILES as FILES
    for key in ("cifar10valid", "test", "cost"):              # what `naoviz data download` installs
        (tmp_path / FILES[key]).symlink_to(Path(os.environ["NAOVIZ_DATA"]) / FILES[key])
    monkeypatch.setenv("NAOVIZ_DATA", str(tmp_path))
    for extra in (["--constraint", "latency_pixel3<=6.44"], ["--objectives", "valid_acc,latency_pixel3"],
                  ["--metric", "latency_pixel3"]):
        assert main(["search", "--algo", "rs", "--queries", "5", "--no-progress", *extra]) == 2
        err = capsys.readouterr().err
        assert f"{extra[0]}: unknown " in err and "naoviz data import HELP" in err and err.count("\n") == 1
        assert len(err.strip()) <= 200                        # the CLI's one short line


def test_the_table_cache_follows_naoviz_data(tmp_path, monkeypatch):
    """A process that points NAOVIZ_DATA elsewhere gets that folder's table, not the one it loaded first."""
    from naoviz.evaluate import _load_table
    from naoviz.tables.benchmark import NB201_FILES
    full = _load_table("nb201", None)
    (tmp_path / NB201_FILES["cifar10valid"]).symlink_to(Path(os.environ["NAOVIZ_DATA"]) / NB201_FILES["cifar10valid"])
    (tmp_path / NB201_FILES["test"]).symlink_to(Path(os.environ["NAOVIZ_DATA"]) / NB201_FILES["test"])
    monkeypatch.setenv("NAOVIZ_DATA", str(tmp_path))
    bare = _load_table("nb201", None)
    assert "latency_pixel3" in full.metrics and "latency_pixel3" not in bare.metrics
    assert _load_table("nb201", str(tmp_path)) is bare       # the same folder, named, is the same entry


def test_feasibility_semantics():
    le, lt, ge = Constraint("c", "<=", 2.0), Constraint("c", "<", 2.0), Constraint("c", ">=", 2.0)
    values = np.array([1.0, 2.0, 3.0, np.nan])
    assert le.mask(values).tolist() == [True, True, False, False]
    assert lt.mask(values).tolist() == [True, False, False, False]
    assert ge.mask(values).tolist() == [False, True, True, False]
    assert le.violation(1.0) == 0 and le.violation(3.0) == pytest.approx(0.5, abs=1e-9)
    assert lt.violation(2.0) > 0 and math.isinf(le.violation(math.nan))
    assert ge.violation(1.0) == pytest.approx(0.5, abs=1e-9)


# -- Pareto and hypervolume, hand-checkable ---------------------------------------------------------------
def test_hypervolume_2d_staircase():
    # maximise accuracy, minimise latency; ref (0, 4): rectangles 1x3, 2x2, 3x1 whose union is 3 + 2 + 1 = 6
    pts = [[1, 1], [2, 2], [3, 3]]
    assert hypervolume(pts, [0, 4], [True, False]) == pytest.approx(6.0)
    # a dominated point and a point beyond the reference add nothing
    assert hypervolume(pts + [[1.5, 2.5], [5, 5]], [0, 4], [True, False]) == pytest.approx(6.0)
    assert hypervolume([], [0, 4], [True, False]) == 0.0
    assert hypervolume([[3, 1]], [0, 4], [True, False]) == pytest.approx(9.0)


def test_hypervolume_3d_exact():
    assert hypervolume([[1, 1, 1]], [2, 3, 4], [False] * 3) == pytest.approx(6.0)
    # two boxes of volume 2 overlapping in a unit cube
    assert hypervolume([[0, 1, 1], [1, 0, 1]], [2, 2, 2], [False] * 3) == pytest.approx(3.0)
    rng = np.random.default_rng(0)
    pts = rng.uniform(0, 1, size=(12, 3))
    samples = rng.uniform(0, 1, size=(200_000, 3))
    dominated = (pts[None, :, :] <= samples[:, None, :]).all(-1).any(-1)
    assert hypervolume(pts, [1, 1, 1], [False] * 3) == pytest.approx(dominated.mean(), abs=0.01)


def test_nondominated_ranks_and_front():
    pts = np.array([[3, 3], [2, 2], [1, 1], [2, 3], [1, 3], [np.nan, 1]])     # maximise, minimise
    ranks = nondominated_ranks(pts, [True, False])
    assert ranks[:5].tolist() == [0, 0, 0, 1, 2] and ranks[5] == 3
    assert pareto_front(pts, [True, False]).tolist() == [0, 1, 2]            # best accuracy first
    c = crowding(pts[:3], [True, False])
    assert np.isinf(c[0]) and np.isinf(c[2]) and np.isfinite(c[1])


# -- constrained search on the real table -------------------------------------------------------------
@pytest.fixture(scope="module")
def budget_evaluator(nb201_table):
    from naoviz.evaluate import TableEvaluator
    from naoviz.search.constraints import percentile_budget
    c = percentile_budget(nb201_table, "latency_pixel3", 25)
    return TableEvaluator(nb201_table, constraints=[c])


@pytest.mark.parametrize("algo", ["rs", "re", "ls"])
def test_constrained_incumbent_is_best_feasible(budget_evaluator, nb201_table, algo):
    from naoviz.search import make_searcher
    cfg = {"n_trees": 10} if algo == "ls" else None          # small forests: the test is about feasibility
    res = make_searcher(algo, config=cfg).run(budget_evaluator, 40, seed=3, progress=False)
    (c,) = budget_evaluator.constraints
    lat = nb201_table.metric("latency_pixel3", [r.arch for r in res.history])
    assert res.feasible().tolist() == c.mask(lat).tolist()        # feasibility is the table's, per query
    assert res.feasible().any()
    curve = res.incumbent_curve()
    for q in (10, 25, 40):             # the incumbent after q queries: best valid_acc among the feasible ones
        ok = [r for r in res.history[:q] if r.feasible]
        if ok:
            best = max(ok, key=lambda r: r.value)
            assert curve[q - 1] == best.report
        else:
            assert np.isnan(curve[q - 1])
    inc = res.incumbent()
    assert inc.feasible and c.ok(inc.metrics["latency_pixel3"])
    assert inc.report <= constrained_optimum(nb201_table, [c], "cifar10_test_acc") + 1e-9
    again = make_searcher(algo, config=cfg).run(budget_evaluator, 40, seed=3, progress=False)
    assert [r.arch for r in again.history] == [r.arch for r in res.history]          # deterministic per seed
    d = res.to_dict()
    assert d["constraints"] == [str(c)] and 0 < d["feasible_frac"] <= 1


def test_constrained_re_prefers_feasible(budget_evaluator):
    """Constrained evolution spends more of its queries on feasible cells than random search does."""
    from naoviz.search import make_searcher
    share = {a: np.mean([make_searcher(a).run(budget_evaluator, 100, seed=s, progress=False).feasible().mean()
                         for s in range(3)]) for a in ("rs", "re")}
    assert share["re"] > share["rs"] + 0.05, share


def test_pareto_search_front(nb201_table):
    from naoviz.evaluate import TableEvaluator
    from naoviz.search import make_searcher
    from naoviz.search.pareto import front_of_records
    ev = TableEvaluator(nb201_table, objectives="valid_acc,latency_pixel3")
    res = make_searcher("re").run(ev, 60, seed=1, progress=False)
    front = front_of_records(res.history, ev.objectives, [True, False])
    assert front
    pts = np.array([[r.value, r.metrics["latency_pixel3"]] for r in res.history])
    for f in front:                    # nothing evaluated dominates a front member
        assert not ((pts[:, 0] >= f.value) & (pts[:, 1] <= f.metrics["latency_pixel3"])
                    & ((pts[:, 0] > f.value) | (pts[:, 1] < f.metrics["latency_pixel3"]))).any()
    with pytest.raises(ValueError, match="objectives: the first objective"):
        TableEvaluator(nb201_table, objectives="latency_pixel3,valid_acc")


# -- NAO with cost heads ---------------------------------------------------------------------------------
TINY = {"epochs": 4, "warm_epochs": 2, "n_init": 10, "max_eta": 8.0, "model": {"hidden_size": 16, "mlp_hidden": 16, "augment_draws": 2}}


def test_constrained_nao_search(budget_evaluator):
    from naoviz.search import make_searcher
    runs = [make_searcher("nao", preset="fast", config=TINY).run(budget_evaluator, 20, seed=2, progress=False)
            for _ in range(2)]
    assert [r.arch for r in runs[0].history] == [r.arch for r in runs[1].history]
    inc = runs[0].incumbent()
    assert inc is None or inc.feasible
    assert {r.source for r in runs[0].history} >= {"random"}


def test_constrained_nao_feasibility_aware_acquisition_and_adaptive_level_repeat(budget_evaluator, monkeypatch):
    """NAO with the feasibility-aware acquisition and the adaptive margin level: same seed, same queries;
    the incumbent is feasible."""
    from naoviz.search import hw, make_searcher
    monkeypatch.setattr(hw, "ACQUISITION", "pof")
    monkeypatch.setattr(hw, "ADAPT", 0.01)
    runs = [make_searcher("nao", preset="fast", config=TINY).run(budget_evaluator, 30, seed=3, progress=False)
            for _ in range(2)]
    assert [r.arch for r in runs[0].history] == [r.arch for r in runs[1].history]
    inc = runs[0].incumbent()
    assert inc is None or inc.feasible
    assert {r.source for r in runs[0].history} & {"mutation", "decoder"}


def test_constraints_no_row_meets_are_an_input_error_naming_the_column_range(capsys):
    """A budget below every cell (or two bounds no cell meets together) would leave every query infeasible,
    the summary's incumbent 'none' and compare's optimum NaN: it is refused before any query, on one line."""
    from naoviz.cli import main
    from naoviz.evaluate import TableEvaluator
    from naoviz.tables import load_benchmark
    table = load_benchmark("nb201-digits")
    params, acc = table.metric("params_M"), table.metric("valid_acc")
    small = float(np.quantile(params, 0.1))
    best_small = float(acc[params <= small].max())
    assert best_small < acc.max()
    high = f"valid_acc>{best_small}"
    TableEvaluator(table, constraints=[f"params_M<={small}"])                 # each alone is feasible
    TableEvaluator(table, constraints=[high])
    with pytest.raises(ValueError, match=r"^constraint: no cell of nb201-digits is feasible \(params_M spans "):
        TableEvaluator(table, constraints=[f"params_M<={small}", high])
    for command in (["search"], ["compare", "--seeds", "1"]):
        code = main([*command, "--space", "nb201-digits", "--algo" + ("s" if command[0] == "compare" else ""),
                     "rs", "--queries", "5", "--no-progress", "--constraint", f"params_M<={params.min() / 2}"])
        err = capsys.readouterr().err
        assert code == 2 and err.count("\n") == 1 and "--constraint: no cell of nb201-digits is feasible" in err
        assert f"params_M spans {params.min():g}..{params.max():g}" in err and len(err.strip()) <= 200
