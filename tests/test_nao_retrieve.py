"""Decode by retrieval (``decode_by="nearest"``, issue 13): the step's moved points become the nearest
unmeasured cells of a pool in NAO's embedding instead of the LSTM decoder's cells. Checked: only unmeasured
pool cells are proposed, each tagged as retrieved; the search is seeded; bad values are refused in one line.
``nearest_feasible`` (issue 14, a projected step): under a budget the pool holds only the cells the cost judge
predicts within it; ``step_fills`` leaves part of the step's slots to the judge-sorted random fills."""
from __future__ import annotations

import contextlib
import io
import json

import pytest
import torch

from naoviz.cli import main
from naoviz.evaluate import TableEvaluator
from naoviz.search import make_searcher
from naoviz.search.nao_search import PRESETS, NAOSearchConfig

torch.set_num_threads(1)

TINY = {"hidden_size": 16, "mlp_hidden": 16, "augment_draws": 2}
STEP = {"epochs": 8, "warm_epochs": 2, "n_init": 10, "top_k": 1, "n_new": 5, "n_mutations": 0,
        "proposer": "trust", "seed_by": "value", "n_etas": 2, "draws": 4, "temperature": 1.5, "model": TINY}


def _run(ev, seed, **fields):
    s = make_searcher("nao", preset="sweep", config={**STEP, "decode_by": "nearest", **fields})
    return s, s.run(ev, 30, seed, progress=False)


def test_nearest_proposes_only_unmeasured_pool_cells_seeded(nb201_table):
    ev = TableEvaluator(nb201_table)
    space = nb201_table.space
    s, a = _run(ev, 3, nearest_k=4, nearest_pool=300)
    pool = set(s._near[1])                                    # the pool drawn once from the search's rng
    assert len(pool) == 300
    dec = [(i, r) for i, r in enumerate(a.history) if r.source == "decoder"]
    assert dec, "the step proposed nothing"
    for i, r in dec:
        assert r.canonical in pool                           # a pool cell, not a free decode
        assert r.extra.get("decode") == "nearest"            # tagged as retrieved
        assert r.canonical not in {q.canonical for q in a.history[:i]}    # unmeasured when proposed
    assert len({r.canonical for r in a.history}) == len(a.history)
    _, b = _run(ev, 3, nearest_k=4, nearest_pool=300)
    _, c = _run(ev, 4, nearest_k=4, nearest_pool=300)
    assert [r.canonical for r in a.history] == [r.canonical for r in b.history]
    assert [r.canonical for r in a.history] != [r.canonical for r in c.history]
    assert all(space.canonical(space.coerce(r.arch)) == r.canonical for r in a.history)


def test_nearest_pool_zero_is_every_class_of_the_table(nb201_table):
    ev = TableEvaluator(nb201_table)
    s, res = _run(ev, 5, nearest_k=2)
    assert len(s._near[0]) == len(nb201_table.space.classes) == 6466
    assert any(r.extra.get("decode") == "nearest" for r in res.history)


def test_decoder_default_is_unchanged_in_every_preset():
    for name, values in PRESETS.items():
        cfg = NAOSearchConfig(**values)
        assert cfg.decode_by == "decoder" or (name == "handoff" and cfg.retrieve_after > 0) or (
            name in ("stall", "ladder") and cfg.retrieve_on_stall > 0) or (
            name == "sweep_projected" and cfg.project_tol > 0), name   # retrieval only where the judge is exact


def test_handoff_is_kmeans_with_late_retrieval():
    late = {k: v for k, v in PRESETS["handoff"].items()
            if k not in ("decode_by", "nearest_k", "near_edits", "near_until", "retrieve_after")}
    assert late == PRESETS["kmeans"] and PRESETS["handoff"]["retrieve_after"] == 50


@pytest.mark.parametrize("field,value", [("decode_by", "beam"), ("decode_by", 1), ("nearest_k", 0),
                                         ("nearest_k", 2.5), ("nearest_pool", -1), ("nearest_feasible", 1),
                                         ("step_fills", 6), ("step_fills", -1)])
def test_bad_values_are_refused_naming_the_field(field, value):
    with pytest.raises(ValueError, match=field):
        NAOSearchConfig(**{**STEP, "decode_by": "nearest", field: value})


def test_nearest_needs_a_step_that_moves_points():
    with pytest.raises(ValueError, match="decode_by nearest needs proposer"):
        NAOSearchConfig(decode_by="nearest")                              # the sweep: nao.generate decodes
    with pytest.raises(ValueError, match="edit_radius"):
        NAOSearchConfig(**{**STEP, "decode_by": "nearest", "edit_radius": 1})
    with pytest.raises(ValueError, match="nearest_feasible needs decode_by"):
        NAOSearchConfig(**{**STEP, "nearest_feasible": True})            # the decoder: nothing to restrict


def test_cli_refuses_a_bad_decode_by_in_one_line():
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["search", "--algo", "nao", "--queries", "20",
                     "--config", json.dumps({"decode_by": "nearest", "nearest_k": 0, "proposer": "trust"})])
    lines = [x for x in err.getvalue().splitlines() if x.strip()]
    assert code == 2 and len(lines) == 1 and "nearest_k" in lines[0] and "Traceback" not in err.getvalue()
    assert len(lines[0]) <= 200


def test_both_tags_only_the_retrieved_queries(nb201_table):
    ev = TableEvaluator(nb201_table)
    s, res = _run(ev, 6, decode_by="both", nearest_k=2, nearest_pool=200)
    pool = set(s._near[1])
    tagged = [r for r in res.history if r.extra.get("decode") == "nearest"]
    assert all(r.source == "decoder" and r.canonical in pool for r in tagged)
    step = [r for r in res.history if r.source == "decoder"]
    assert 0 < len(tagged) < len(step)                   # both halves were queried: retrieved and decoded


def test_pool_zero_needs_enumerable_cells():
    from types import SimpleNamespace

    from naoviz.search.nao_config_checks import check_pool
    cfg = NAOSearchConfig(**{**STEP, "decode_by": "nearest"})
    bare = SimpleNamespace(space=SimpleNamespace(name="free-space", classes=None), pool=None)
    with pytest.raises(ValueError, match="nearest_pool"):
        check_pool(cfg, bare)
    check_pool(NAOSearchConfig(**{**STEP, "decode_by": "nearest", "nearest_pool": 500}), bare)   # a drawn pool: fine


def test_feasible_pool_holds_and_retrieves_only_cells_the_judge_passes(nb201_table):
    """Inside a budget the restricted pool is exactly the judge's predicted-feasible cells, and every row's
    ``k`` nearest come from it (the unrestricted pool's nearest include cells the judge would drop)."""
    import numpy as np
    from types import SimpleNamespace

    from naoviz.nao import NAOConfig
    from naoviz.nao.cost import CostNAO
    from naoviz.search.hw import LinearCosts
    from naoviz.search.retrieve import Retriever
    sp, col = nb201_table.space, "cifar10_params_M"
    archs, cells = sp.sample(40, seed=0), sp.sample(400, seed=1)
    keys = [sp.canonical(a) for a in cells]
    nao = CostNAO(sp, NAOConfig.preset("fast", epochs=5, **TINY), cost_columns=[col])
    nao.fit(archs, nb201_table.metric("valid_acc", archs), costs={col: nb201_table.metric(col, archs)}, progress=False)
    judge = LinearCosts(sp, [col]).fit(archs, {col: nb201_table.metric(col, archs)})
    ctx = SimpleNamespace(open_class=lambda key: True)
    budget = {col: float(np.median(judge.predict_costs(cells)[col]))}
    moved = nao._encode(archs[:3])[0]                                          # (3, S, H)
    with nao.budget(budget, cost_model=judge):
        ok = nao.within_budget(cells)
        passed = {k for k, good in zip(keys, ok) if good}
        wide = Retriever(ctx, nao, cells, keys, 8)
        proj = Retriever(ctx, nao, cells, keys, 8, feasible=True)
        got, rows = proj(moved, set())
        near, _ = wide(moved, set())
    assert 0 < len(passed) < len(cells) and set(proj.keys) == passed and len(wide.keys) == len(cells)
    assert len(got) >= 8 and {sp.canonical(a) for a in got} <= passed
    assert not {sp.canonical(a) for a in near} <= passed          # filtering after retrieval would lose some
    assert len(Retriever(ctx, nao, cells, keys, 8, feasible=True).keys) == len(cells)   # no budget: all pass


def test_feasible_pool_search_is_seeded_and_stays_within_the_judges_cells(nb201_table):
    from naoviz.search.constraints import percentile_budget
    ev = TableEvaluator(nb201_table, constraints=[percentile_budget(nb201_table, "cifar10_params_M", 25)])
    fields = dict(STEP, decode_by="nearest", nearest_k=4, nearest_pool=300, nearest_feasible=True)
    runs = [make_searcher("nao", preset="sweep", config=fields).run(ev, 30, 1, progress=False) for _ in range(2)]
    assert [r.canonical for r in runs[0].history] == [r.canonical for r in runs[1].history]
    assert any(r.extra.get("decode") == "nearest" for r in runs[0].history)


def test_step_fills_leave_step_slots_to_random_fills_only_under_budgets(nb201_table):
    from naoviz.search.constraints import percentile_budget
    fields = dict(STEP, decode_by="nearest", nearest_k=4, nearest_pool=300, nearest_feasible=True, step_fills=2)
    budget = TableEvaluator(nb201_table, constraints=[percentile_budget(nb201_table, "cifar10_params_M", 25)])
    runs = [make_searcher("nao", preset="sweep", config=fields).run(budget, 30, 1, progress=False)
            for _ in range(2)]
    assert [r.canonical for r in runs[0].history] == [r.canonical for r in runs[1].history]
    later = [r for r in runs[0].history if r.round >= 1 and r.source != "design"]
    rounds = {r.round for r in later}
    assert rounds and all(sum(r.source == "decoder" for r in later if r.round == k) <= 3 for k in rounds)
    assert all(sum(r.source == "random" for r in later if r.round == k) >= 2 for k in rounds)
    free = make_searcher("nao", preset="sweep", config=fields).run(TableEvaluator(nb201_table), 30, 1,
                                                                   progress=False)
    assert any(sum(r.source == "decoder" for r in free.history if r.round == k) > 3
               for k in {r.round for r in free.history if r.round >= 1})   # no budget: the whole step


def _history(res):
    return [(r.canonical, r.value, r.source, json.dumps(r.extra, sort_keys=True)) for r in res.history]


def test_retrieve_after_is_the_decoder_search_until_the_switch(nb201_table):
    ev = TableEvaluator(nb201_table)
    plain = make_searcher("nao", preset="sweep", config=STEP).run(ev, 30, 7, progress=False)
    late = dict(nearest_k=4, nearest_pool=300, near_edits=1, near_until=0, retrieve_after=20)
    s, a = _run(ev, 7, **late)
    assert _history(a)[:20] == _history(plain)[:20]          # bit for bit before 20 cells are measured
    assert not any(r.extra.get("decode") == "nearest" for r in a.history[:20])
    after = [r for r in a.history[20:] if r.extra.get("decode") == "nearest"]
    assert after and all(r.canonical in set(s._near[1]) for r in after)   # retrieval took over at the switch
    assert _history(a) != _history(plain)
    _, b = _run(ev, 7, **late)
    assert _history(a) == _history(b)                        # seeded: same seed, same search


@pytest.mark.parametrize("over", [{"retrieve_after": -1}, {"retrieve_after": "25"}, {"retrieve_after": 2.5},
                                  {"retrieve_after": 25, "decode_by": "decoder"}])
def test_bad_retrieve_after_is_refused_in_one_line(over):
    with pytest.raises(ValueError, match="retrieve_after") as exc:
        NAOSearchConfig(**{**STEP, "decode_by": "nearest", **over})
    assert "\n" not in str(exc.value)


def test_cli_refuses_retrieve_after_without_retrieval_in_one_line():
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["search", "--algo", "nao", "--queries", "20", "--config", json.dumps({"retrieve_after": 25})])
    lines = [x for x in err.getvalue().splitlines() if x.strip()]
    assert code == 2 and len(lines) == 1 and "retrieve_after" in lines[0] and "Traceback" not in err.getvalue()


def test_cli_says_how_many_decoder_queries_were_retrieved(capsys):
    """The search summary counts the retrieved queries apart (they keep source decoder), and says nothing of
    retrieval when the LSTM decoder made every one."""
    assert main(["search", "--algo", "nao", "--queries", "20", "--no-progress",
                 "--config", json.dumps({"decode_by": "nearest", "nearest_k": 4})]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("queries "))
    n = int(line.split(": ")[1].split("/")[0])                   # decoder queries, every one retrieved here
    assert n > 0 and f"({n} of the decoder's retrieved from the pool, not LSTM-decoded" in line, line
    assert main(["search", "--algo", "nao", "--queries", "20", "--no-progress"]) == 0
    assert "retrieved" not in capsys.readouterr().out


def test_compare_says_how_many_decoder_queries_were_retrieved(capsys, tmp_path):
    """compare's runs count their retrieved queries; the text says so under the table for a retrieving recipe
    (handoff retrieves after 50 cells), and for none of the others. The text run is the same command rerun on
    its --store, as a user would: the runs read back keep their counts, nothing searches again."""
    command = ["compare", "--algos", "nao:handoff,rs", "--queries", "60", "--seeds", "1", "--no-progress",
               "--store", str(tmp_path / "runs.db")]
    assert main([*command, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    runs = out["algos"]["nao:handoff"]["runs"]
    assert runs[0]["retrieved"] > 0 and out["algos"]["nao:handoff"]["retrieved"] == runs[0]["retrieved"]
    assert runs[0]["retrieved"] <= runs[0]["queries"]["decoder"] and out["algos"]["rs"]["retrieved"] == 0
    assert main(command) == 0
    text = capsys.readouterr().out
    assert "0 new, 2 read from the store (finished, nothing run again)" in text, text
    assert f"nao:handoff: {runs[0]['retrieved']:.1f} of its" in text and text.count("were retrieved from the pool") == 1
