"""Three directions after the stall switch (issue 13): ``retrieve_on_flat`` (the switch on the *predicted* stall:
rounds whose queried step cells the model scores no higher than the incumbent), ``escape_on_stall`` (once
retrieval decodes, stalled rounds move the step's seeds down the measured ranking) and ``near_ladder`` (beyond
``near_edits``, fewest edits first). Checked: each does what it says on real searches, the search before the
switch is the decoder search bit for bit, the same seed repeats it, bad values are refused in one line."""
from __future__ import annotations

import contextlib
import io
import json
from types import SimpleNamespace

import pytest
import torch

from naoviz.cli import main
from naoviz.evaluate import TableEvaluator
from naoviz.search import make_searcher
from naoviz.search.early import near_first
from naoviz.search.nao_search import NAOSearchConfig
from naoviz.search.retrieve import escaped, stalled_rounds

from test_nao_retrieve_stall import LATE, QUERIES, STEP      # the tiny trust-step search the stall tests run

torch.set_num_threads(1)


def _history(res):
    return [(r.canonical, r.value, r.source, json.dumps(r.extra, sort_keys=True)) for r in res.history]


def _first_retrieved_round(res):
    rounds = [r.round for r in res.history if r.extra.get("decode") == "nearest"]
    return min(rounds) if rounds else None


@pytest.mark.parametrize("seed,n", [(2, 1), (3, 2)])
def test_the_flat_switch_comes_after_n_predicted_stalls_in_a_row(nb201_table, seed, n):
    """A search that never switches (``retrieve_on_flat`` too large) records each decoder round's predicted
    stall; with ``n`` the switch comes at the round after the first ``n`` flat rounds in a row, not before."""
    ev = TableEvaluator(nb201_table)
    never = make_searcher("nao", preset="sweep", config={**STEP, **LATE, "retrieve_on_flat": 100_000})
    plain = never.run(ev, QUERIES, seed, progress=False)
    assert _first_retrieved_round(plain) is None
    flags = never._flat                                       # round r's flag at index r - 1
    want = next((r + 2 for r in range(n - 1, len(flags)) if all(flags[r - n + 1:r + 1])), None)
    assert want is not None and 2 <= want <= max(x.round for x in plain.history), "no flat run here: pick a seed"
    fields = {**STEP, **LATE, "retrieve_on_flat": n}
    res = make_searcher("nao", preset="sweep", config=fields).run(ev, QUERIES, seed, progress=False)
    cut = sum(r.round < want for r in res.history)
    assert _history(res)[:cut] == _history(plain)[:cut]       # the decoder search before the switch
    assert _first_retrieved_round(res) == want
    again = make_searcher("nao", preset="sweep", config=fields).run(ev, QUERIES, seed, progress=False)
    assert _history(again) == _history(res)


@pytest.mark.parametrize("seed,n", [(2, 1), (3, 1)])
def test_stall_needs_flat_switches_on_a_stall_only_after_a_flat_round(nb201_table, seed, n):
    """``stall_needs_flat``: the switch comes at the first round that starts with ``n`` stalled step rounds and a
    flat latest round (read off a search that never switches), later than the stall alone would on these seeds."""
    ev = TableEvaluator(nb201_table)
    never = make_searcher("nao", preset="sweep", config={**STEP, **LATE, "retrieve_on_flat": 100_000})
    plain = never.run(ev, QUERIES, seed, progress=False)
    flags = never._flat
    rounds = sorted({r.round for r in plain.history if r.round >= 2})
    stalled = {k: stalled_rounds([r for r in plain.history if r.round < k]) for k in rounds}
    want = next((k for k in rounds if stalled[k] >= n and flags[k - 2]), None)
    alone = next((k for k in rounds if stalled[k] >= n), None)
    assert want is not None and want != alone, "the veto changes nothing here: pick another seed"
    fields = {**STEP, **LATE, "retrieve_on_stall": n, "stall_needs_flat": True}
    res = make_searcher("nao", preset="sweep", config=fields).run(ev, QUERIES, seed, progress=False)
    cut = sum(r.round < want for r in res.history)
    assert _history(res)[:cut] == _history(plain)[:cut]
    assert _first_retrieved_round(res) == want
    again = make_searcher("nao", preset="sweep", config=fields).run(ev, QUERIES, seed, progress=False)
    assert _history(again) == _history(res)


def test_escaped_rotates_the_seeds_down_by_the_stalled_rounds():
    ranked = ["a", "b", "c", "d"]
    assert escaped(ranked, 0, 2) == ranked and escaped(ranked, 1, 2) == ranked
    assert escaped(ranked, 2, 2) == ["b", "c", "d", "a"] and escaped(ranked, 5, 2) == ["c", "d", "a", "b"]
    assert escaped(ranked, 99, 1) == ["d", "a", "b", "c"]          # never past the last cell
    assert escaped(ranked, 4, 0) == ranked and escaped([], 4, 1) == []


def test_escape_seeds_from_the_next_best_cell_after_stalled_retrieval(nb201_table):
    """Each retrieved query's seed is the measured cell the rule names at its round: the (stalled rounds since
    the switch) // ``escape_on_stall``-th best; the escape happens in this run; the same seed repeats it."""
    ev = TableEvaluator(nb201_table)
    fields = {**STEP, **LATE, "retrieve_after": 15, "escape_on_stall": 1}
    res = make_searcher("nao", preset="sweep", config=fields).run(ev, QUERIES, 1, progress=False)
    space = ev.space
    retrieved = [r for r in res.history if r.extra.get("decode") == "nearest"]
    switch = min(r.round for r in retrieved)
    moved = 0
    for r in retrieved:
        before = [x for x in res.history if x.round < r.round]
        j = min(stalled_rounds(before), r.round - switch)
        order = sorted(range(len(before)), key=lambda i: -before[i].value)          # stable: ties by query
        seed = space.canonical(space.parse(r.extra["seed"]))
        assert seed == before[order[j]].canonical           # top_k 1: the retrieved ball always has 5 new
        moved += j > 0
    assert moved, "no escape in this run: pick another seed"
    again = make_searcher("nao", preset="sweep", config=fields).run(ev, QUERIES, 1, progress=False)
    assert _history(again) == _history(res)


def test_near_ladder_ranks_by_edit_count_beyond_near_edits():
    g = [SimpleNamespace(name=n, hamming=h) for n, h in [("a", 3), ("b", 2), ("c", 1), ("d", 4), ("e", 2), ("f", 0)]]
    flat = [x.name for x in near_first(g, 1, 0, 50)]
    ladder = [x.name for x in near_first(g, 1, 0, 50, ladder=True)]
    assert flat == ["c", "f", "a", "b", "d", "e"]             # near first, the rest in acquisition order
    assert ladder == ["c", "f", "b", "e", "a", "d"]           # then two edits, three, four
    assert [x.name for x in near_first(g, 2, 0, 50, ladder=True)] == ["b", "c", "e", "f", "a", "d"]
    assert [x.name for x in near_first(g, 1, 40, 50, ladder=True)] == [x.name for x in g]   # past near_until


def test_near_ladder_changes_the_search_only_through_the_order(nb201_table):
    ev = TableEvaluator(nb201_table)
    fields = {**STEP, **LATE, "near_ladder": True}
    res = make_searcher("nao", preset="sweep", config=fields).run(ev, 40, 2, progress=False)
    again = make_searcher("nao", preset="sweep", config=fields).run(ev, 40, 2, progress=False)
    assert _history(again) == _history(res)


@pytest.mark.parametrize("over,field", [
    ({"retrieve_on_flat": -1}, "retrieve_on_flat"), ({"retrieve_on_flat": 1.5}, "retrieve_on_flat"),
    ({"retrieve_on_flat": True}, "retrieve_on_flat"), ({"retrieve_on_flat": 100_001}, "retrieve_on_flat"),
    ({"retrieve_on_flat": 2, "decode_by": "decoder"}, "retrieve_on_flat"),
    ({"retrieve_on_flat": 2, "proposer": "rank"}, "retrieve_on_flat"),
    ({"escape_on_stall": -1}, "escape_on_stall"), ({"escape_on_stall": 2, "decode_by": "decoder"}, "escape_on_stall"),
    ({"stall_needs_flat": True}, "stall_needs_flat"), ({"stall_needs_flat": 1, "retrieve_on_stall": 2}, "stall_needs_flat"),
    ({"stall_needs_flat": True, "retrieve_on_stall": 2, "proposer": "rank"}, "stall_needs_flat"),
    ({"near_ladder": "yes"}, "near_ladder"), ({"near_ladder": True, "near_edits": 0}, "near_ladder")])
def test_bad_values_are_refused_in_one_line(over, field):
    with pytest.raises(ValueError, match=field) as exc:
        NAOSearchConfig(**{**STEP, "decode_by": "nearest", **over})
    assert "\n" not in str(exc.value)


def test_cli_refuses_escape_without_retrieval_in_one_line():
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["search", "--algo", "nao", "--queries", "20", "--config", json.dumps({"escape_on_stall": 2})])
    lines = [x for x in err.getvalue().splitlines() if x.strip()]
    assert code == 2 and len(lines) == 1 and "escape_on_stall" in lines[0] and "Traceback" not in err.getvalue()


def test_ladder_is_stall_with_the_edit_ladder():
    from naoviz.search.nao_search import PRESETS
    assert {k: v for k, v in PRESETS["ladder"].items() if k != "near_ladder"} == PRESETS["stall"]
    assert PRESETS["ladder"]["near_ladder"] is True and "near_ladder" not in PRESETS["stall"]
