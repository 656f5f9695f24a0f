"""NAO's ``default`` preset: the ``kmeans`` recipe (``thompson`` from a space-filling initial pool), except under budgets (--constraint / --objectives), where
it runs the ``sweep`` recipe every constrained and Pareto figure was measured with (issue 13, 14); which one
ran is shown to the user and stored, so a resume reproduces it."""
from __future__ import annotations

import json
import sqlite3

import pytest

from naoviz.cli import main
from naoviz.evaluate import TableEvaluator
from naoviz.search import make_searcher, resume_search, start_search
from naoviz.search.nao_presets import PRESETS, describe, recipe
from naoviz.store import RunStore

# small models so a run takes seconds; the same overrides on both sides of every comparison
TINY = {"epochs": 4, "warm_epochs": 2, "n_init": 8,
        "model": {"ensemble": 2, "hidden_size": 16, "mlp_hidden": 16, "augment_draws": 2}}
BUDGET = "latency_pixel3<=12"


def _archs(res) -> list:
    return [r.arch for r in res.history]


@pytest.fixture(scope="module")
def budget_ev(nb201_table):
    return TableEvaluator(nb201_table, constraints=[BUDGET])


def test_recipe_is_the_one_place_that_maps_default():
    assert recipe(None) == recipe("default") == "default" and PRESETS["default"] == dict(PRESETS["kmeans"], snap_to_table=True)
    assert recipe("default", budgets=True) == recipe(None, budgets=True) == "sweep_projected" and PRESETS["sweep"] == {}
    assert PRESETS["sweep_projected"]["project_tol"] > 0 and PRESETS["sweep_projected"]["nearest_feasible"]
    for name in PRESETS:                          # every other preset runs as asked, with budgets or without
        if name != "default":
            assert recipe(name, budgets=True) == recipe(name) == name
    assert describe("default", "constraints") == "default (sweep_projected under constraints)"
    assert describe("thompson", "constraints") == "thompson" and describe(None) == "default"


def test_default_unconstrained_runs_kmeans(nb201_table):
    ev = TableEvaluator(nb201_table)
    dflt = start_search("nao", ev, 20, 3, preset="default", config=TINY, progress=False)
    thom = start_search("nao", ev, 20, 3, preset="kmeans", config=TINY, progress=False)
    bare = make_searcher("nao", config=TINY).run(ev, 20, 3, progress=False)   # no preset: default
    assert _archs(dflt) == _archs(thom) == _archs(bare)
    assert dflt.config["snap_to_table"] and not thom.config["snap_to_table"]      # acts on a partial table only
    assert dict(dflt.config, snap_to_table=False) == thom.config and dflt.config["proposer"] == "trust" and dflt.config["thompson"]
    assert dflt.config["init_design"] == "kmeans"
    assert dflt.preset == bare.preset == "default" and thom.preset == "kmeans"


def test_default_under_a_latency_constraint_runs_the_sweep(budget_ev):
    # sweep_projected projects only where every cost column is additive; latency_pixel3 is not: the sweep throughout
    dflt = start_search("nao", budget_ev, 20, 3, preset="default", config=TINY, progress=False)
    projected = start_search("nao", budget_ev, 20, 3, preset="sweep_projected", config=TINY, progress=False)
    sweep = start_search("nao", budget_ev, 20, 3, preset="sweep", config=TINY, progress=False)
    assert _archs(dflt) == _archs(projected) == _archs(sweep) and dflt.config == projected.config
    assert dflt.config["project_tol"] > 0 and dflt.config["n_mutations"] == 5
    assert not any(r.extra.get("decode") == "nearest" for r in dflt.history)
    assert dflt.preset == "default (sweep_projected under constraints)" and sweep.preset == "sweep"
    # built without knowing the budgets (Python API), run under them: the same recipe
    late = make_searcher("nao", config=TINY).run(budget_ev, 20, 3, progress=False)
    assert _archs(late) == _archs(sweep) and late.preset == "default (sweep_projected under constraints)"


def test_an_explicit_preset_runs_as_asked_under_a_constraint(budget_ev):
    res = start_search("nao", budget_ev, 12, 3, preset="thompson", config=TINY, progress=False)
    assert res.preset == "thompson" and res.config["proposer"] == "trust" and res.config["thompson"]


class _Crash(Exception):
    pass


def _crash_at(query: int):
    """An ``on_evaluation`` hook that kills the search once query ``query`` is stored."""
    def crash(record):
        if record.query == query:
            raise _Crash
    return crash


def test_resume_keeps_the_recipe_that_ran(tmp_path, budget_ev):
    reference = start_search("nao", budget_ev, 24, 4, config=TINY, progress=False)
    store = RunStore(tmp_path / "runs.db")
    with pytest.raises(_Crash):
        start_search("nao", budget_ev, 24, 4, config=TINY, store=store, progress=False, on_evaluation=_crash_at(14))
    run = store.runs()[0]
    stored = store.get_run(run["id"])["config"]
    assert stored["preset_label"] == "default (sweep_projected under constraints)" and stored["searcher"]["project_tol"] > 0
    resumed = resume_search(store, run["id"], progress=False)
    assert _archs(resumed) == _archs(reference) and resumed.preset == "default (sweep_projected under constraints)"


def test_cli_header_and_compare_label_say_which_recipe_ran(capsys, tmp_path):
    tiny = '{"epochs": 3, "warm_epochs": 1, "n_init": 6, "model": {"hidden_size": 16, "mlp_hidden": 16}}'
    assert main(["search", "--queries", "8", "--no-progress", "--constraint", BUDGET, "--config", tiny]) == 0
    assert capsys.readouterr().out.startswith("nao:default (sweep_projected under constraints) on ")
    assert main(["search", "--queries", "8", "--no-progress", "--preset", "sweep", "--config", tiny]) == 0
    assert capsys.readouterr().out.startswith("nao:sweep on ")
    argv = ["compare", "--algos", "nao:default,rs", "--queries", "8", "--seeds", "1", "--no-progress",
            "--constraint", BUDGET]
    assert main(argv) == 0            # compare runs the presets' own fields: 8 queries of the sweep stay cheap
    assert "| nao:default (sweep_projected under constraints) |" in capsys.readouterr().out


def test_the_designed_pool_is_tagged_design_and_a_random_pool_random(nb201_table):
    """Issue 13, "which part did the work": the k-means pool is no random fill. ``default`` (kmeans) tags its
    first ``n_init`` queries ``design`` and no later one; ``sweep`` (uniform random pool) tags them
    ``random``; the counts carry every source, ``design`` included."""
    ev = TableEvaluator(nb201_table)
    dflt = start_search("nao", ev, 20, 3, preset="default", config=TINY, progress=False)
    sweep = start_search("nao", ev, 20, 3, preset="sweep", config=TINY, progress=False)
    n = TINY["n_init"]
    assert [r.source for r in dflt.history[:n]] == ["design"] * n
    assert "design" not in {r.source for r in dflt.history[n:]}
    assert [r.source for r in sweep.history[:n]] == ["random"] * n
    assert "design" not in {r.source for r in sweep.history}
    q = dflt.counts()["queries"]
    assert q["design"] == n and sum(q.values()) == 20 and sweep.counts()["queries"]["design"] == 0
    assert set(q) == set(sweep.counts()["incumbents"]) == {"random", "decoder", "mutation", "design"}


def test_a_run_stored_before_design_existed_loads_and_resumes(tmp_path, nb201_table):
    """A `default` run stored before the ``design`` source had its pool tagged ``random``: the store still
    reads it, and a resume replays the stored queries (labels come from the searcher, never the store) to
    the uninterrupted run, its pool now tagged ``design``."""
    ev = TableEvaluator(nb201_table)
    reference = start_search("nao", ev, 20, 5, config=TINY, progress=False)
    store = RunStore(tmp_path / "runs.db")
    with pytest.raises(_Crash):
        start_search("nao", ev, 20, 5, config=TINY, store=store, progress=False, on_evaluation=_crash_at(12))
    run_id = store.runs()[0]["id"]
    store.close()
    with sqlite3.connect(tmp_path / "runs.db") as conn:      # the three-source records of an older naoviz
        conn.execute("UPDATE evaluations SET extra = replace(extra, '\"design\"', '\"random\"')")
    store = RunStore(tmp_path / "runs.db")
    old = store.evaluations(run_id)
    assert len(old) >= 12 and {e["extra"]["source"] for e in old} <= {"random", "decoder", "mutation"}
    assert {e["extra"]["source"] for e in old[:TINY["n_init"]]} == {"random"}
    resumed = resume_search(store, run_id, progress=False)
    assert _archs(resumed) == _archs(reference) and sum(r.replayed for r in resumed.history) == len(old)
    assert [r.source for r in resumed.history] == [r.source for r in reference.history]
    assert resumed.counts() == reference.counts() and resumed.counts()["queries"]["design"] == TINY["n_init"]


def test_compare_counts_the_design_pool_apart_from_random(capsys, tmp_path):
    """``naoviz compare``: the JSON's per-source counts and the table's dec/mut/rand/design column keep the
    k-means pool out of ``random``. 8 queries are all pool (``n_init`` 10), so no model is fitted."""
    argv = ["compare", "--algos", "nao:default,rs", "--queries", "8", "--seeds", "1", "--no-progress",
            "--store", str(tmp_path / "runs.db")]
    assert main([*argv, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    nao, rs = out["algos"]["nao:default"], out["algos"]["rs"]
    assert nao["queries"] == {"random": 0.0, "decoder": 0.0, "mutation": 0.0, "design": 8.0}
    assert rs["queries"]["random"] == 8.0 and rs["queries"]["design"] == 0.0
    assert nao["counts_at"]["8"]["queries"]["design"] == 8.0 and nao["final_incumbent_source"]["design"] == 1
    assert main(argv) == 0                                      # the same runs, replayed from the store
    text = capsys.readouterr().out
    assert "| queries dec/mut/rand/design | incumbents dec/mut/rand/design |" in text
    row = next(line for line in text.splitlines() if line.startswith("| nao:default |"))
    assert "| 0.0/0.0/0.0/8.0 |" in row
    assert "| 0.0/0.0/8.0/0.0 |" in next(line for line in text.splitlines() if line.startswith("| rs |"))
