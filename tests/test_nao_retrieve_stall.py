"""Retrieval switched on when the step stalls (``retrieve_on_stall``, issue 13): the LSTM decoder decodes until
that many step rounds in a row measure no new incumbent (never before ``retrieve_after`` cells), then retrieval
takes over for good. Checked: ``stalled_rounds`` counts what it says; the switch comes at exactly the round
the rule names, the search before it is the decoder search bit for bit; the same seed repeats it; bad values
are refused in one line."""
from __future__ import annotations

import contextlib
import io
import json

import pytest
import torch

from naoviz.cli import main
from naoviz.evaluate import TableEvaluator
from naoviz.search import make_searcher
from naoviz.search.base import Record
from naoviz.search.nao_search import PRESETS, NAOSearchConfig
from naoviz.search.retrieve import stalled_rounds

torch.set_num_threads(1)

TINY = {"hidden_size": 16, "mlp_hidden": 16, "augment_draws": 2}
STEP = {"epochs": 8, "warm_epochs": 2, "n_init": 10, "top_k": 1, "n_new": 5, "n_mutations": 0,
        "proposer": "trust", "seed_by": "value", "n_etas": 2, "draws": 4, "temperature": 1.5, "model": TINY}
LATE = {"decode_by": "nearest", "nearest_k": 4, "nearest_pool": 300, "near_edits": 1, "near_until": 0}
QUERIES = 50


def _rec(i, value, rnd, feasible=True):
    return Record(query=i + 1, arch=str(i), canonical=str(i), value=value, report=value, source="decoder",
                  cost_s=0.0, round=rnd, feasible=feasible)


def _history_of(rounds):
    """[[values of round 0], [round 1], ...] -> records, rounds numbered from 0 (the pool)."""
    out = []
    for rnd, values in enumerate(rounds):
        out += [_rec(len(out), v, rnd) for v in values]
    return out


def test_stalled_rounds_counts_the_latest_step_rounds_without_a_new_incumbent():
    assert stalled_rounds([]) == 0
    assert stalled_rounds(_history_of([[1, 5]])) == 0                      # the pool is not a step round
    assert stalled_rounds(_history_of([[1, 5], [2, 3]])) == 1
    assert stalled_rounds(_history_of([[1, 5], [2, 3], [4, 5]])) == 2      # a tie keeps the old incumbent
    assert stalled_rounds(_history_of([[1, 5], [2, 6], [4, 5]])) == 1      # round 1 improved
    assert stalled_rounds(_history_of([[1, 5], [2, 3], [4, 7]])) == 0      # the latest round improved
    assert stalled_rounds(_history_of([[5, 1], [2, 3], [4, 0.5]]), maximize=False) == 0
    assert stalled_rounds(_history_of([[5, 1], [2, 3], [4, 1.5]]), maximize=False) == 2
    infeasible = _history_of([[1, 5], [2, 3]]) + [_rec(4, 9.0, 2, feasible=False)]
    assert stalled_rounds(infeasible) == 2                                  # an infeasible cell is no incumbent


def _history(res):
    return [(r.canonical, r.value, r.source, json.dumps(r.extra, sort_keys=True)) for r in res.history]


def _expected_switch(plain, n: int, floor: int = 0):
    """The first round whose start the rule passes, read off the decoder search's history (which the delayed
    search equals until its switch): ``floor`` cells measured and ``n`` stalled step rounds; None: never."""
    for rnd in sorted({r.round for r in plain.history if r.round >= 1}):
        before = [r for r in plain.history if r.round < rnd]
        if len(before) >= floor and stalled_rounds(before, plain.maximize) >= n:
            return rnd
    return None


def _first_retrieved_round(res):
    rounds = [r.round for r in res.history if r.extra.get("decode") == "nearest"]
    return min(rounds) if rounds else None


@pytest.mark.parametrize("seed,n,floor", [(2, 1, 0), (2, 1, 25), (3, 2, 0), (2, 2, 0)])
def test_the_switch_comes_exactly_when_the_stall_rule_says_and_stays(nb201_table, seed, n, floor):
    ev = TableEvaluator(nb201_table)
    plain = make_searcher("nao", preset="sweep", config=STEP).run(ev, QUERIES, seed, progress=False)
    want = _expected_switch(plain, n, floor)
    assert want is not None and want >= 2, "the rule never fires late in this run: pick another seed"
    fields = {**STEP, **LATE, "retrieve_on_stall": n, "retrieve_after": floor}
    s = make_searcher("nao", preset="sweep", config=fields)
    res = s.run(ev, QUERIES, seed, progress=False)
    cut = sum(r.round < want for r in res.history)
    assert _history(res)[:cut] == _history(plain)[:cut]     # the decoder search bit for bit before the switch
    assert _first_retrieved_round(res) == want               # switched at exactly that round
    after = [r for r in res.history if r.round >= want and r.source == "decoder"]
    assert after and all(r.extra.get("decode") == "nearest" for r in after)    # and stays switched
    assert all(r.canonical in set(s._near[1]) for r in after)
    again = make_searcher("nao", preset="sweep", config=fields).run(ev, QUERIES, seed, progress=False)
    assert _history(again) == _history(res)                  # seeded: same seed, same search


def test_the_switch_stays_after_the_incumbent_improves(nb201_table):
    """Once retrieval took over, a new incumbent does not hand the step back to the decoder."""
    ev = TableEvaluator(nb201_table)
    res = make_searcher("nao", preset="sweep", config={**STEP, **LATE, "retrieve_on_stall": 1}).run(
        ev, QUERIES, 3, progress=False)
    start = _first_retrieved_round(res)
    later = sorted({r.round for r in res.history if r.round > start})
    reset = [k for k in later if stalled_rounds([r for r in res.history if r.round < k]) == 0]
    assert reset, "no improvement after the switch in this run: pick another seed"
    for k in reset:
        assert any(r.extra.get("decode") == "nearest" for r in res.history if r.round == k)


@pytest.mark.parametrize("over", [{"retrieve_on_stall": -1}, {"retrieve_on_stall": "2"},
                                  {"retrieve_on_stall": 1.5}, {"retrieve_on_stall": True},
                                  {"retrieve_on_stall": 100_001},
                                  {"retrieve_on_stall": 2, "decode_by": "decoder"}])
def test_bad_retrieve_on_stall_is_refused_in_one_line(over):
    with pytest.raises(ValueError, match="retrieve_on_stall") as exc:
        NAOSearchConfig(**{**STEP, "decode_by": "nearest", **over})
    assert "\n" not in str(exc.value)


def test_cli_refuses_retrieve_on_stall_without_retrieval_in_one_line():
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["search", "--algo", "nao", "--queries", "20", "--config",
                     json.dumps({"retrieve_on_stall": 2})])
    lines = [x for x in err.getvalue().splitlines() if x.strip()]
    assert code == 2 and len(lines) == 1 and "retrieve_on_stall" in lines[0] and "Traceback" not in err.getvalue()


def test_stall_is_handoff_with_the_switch_keyed_to_a_stall():
    same = {k: v for k, v in PRESETS["stall"].items() if k != "retrieve_on_stall"}
    assert same == {k: v for k, v in PRESETS["handoff"].items() if k != "retrieve_after"}
    assert PRESETS["stall"]["retrieve_on_stall"] == 2 and "retrieve_after" not in PRESETS["stall"]
