"""``naoviz compare --against``: paired differences per seed, the seeded bootstrap interval, the verdict."""
from __future__ import annotations

import json

import numpy as np
import pytest

from naoviz.cli import main
from naoviz.experiments import paired
from naoviz.experiments.paired import FEW_TEXT, bootstrap_interval, paired_stats, paired_summary, paired_table


def _summary(curves: dict, seeds: dict, maximize: bool = True, checkpoints=(2, 4)) -> dict:
    """A hand-built compare summary: per searcher its (seeds, budget) curves and the seed of each row."""
    return {"report": "acc" if maximize else "loss", "report_maximize": maximize, "checkpoints": list(checkpoints),
            "algos": {n: {"curves": np.asarray(c, dtype=float).tolist(), "runs": [{"seed": s} for s in seeds[n]]}
                      for n, c in curves.items()}}


# Two small curve sets, 4 seeds x 4 queries; "a" and the baseline "b" list the seeds in different orders,
# so a pairing by row (not by seed) would give other numbers.
A = [[1.0, 2.0, 3.0, 4.0],      # seed 0
     [0.5, 1.0, 1.5, 2.0],      # seed 1
     [2.0, 2.0, 2.0, 2.0],      # seed 2
     [0.0, 1.0, 1.0, 5.0]]      # seed 3
B_BY_SEED = {0: [1.0, 1.0, 2.0, 3.0], 1: [1.0, 1.5, 1.5, 2.5], 2: [2.0, 2.5, 2.5, 2.5], 3: [0.0, 0.0, 1.0, 1.0]}
B_SEEDS = [3, 1, 0, 2]


def _ab(maximize=True):
    return _summary({"a": A, "b": [B_BY_SEED[s] for s in B_SEEDS]}, {"a": [0, 1, 2, 3], "b": B_SEEDS}, maximize)


def test_paired_difference_equals_a_hand_computation():
    out = paired_summary(_ab(), "b", n_boot=1000)
    # after 2 queries: a - b per seed 0..3 = 1.0, -0.5, -0.5, 1.0 -> mean 0.25; wins 2, losses 2
    at2 = out["vs"]["a"]["2"]
    assert at2["mean"] == pytest.approx(0.25)
    assert (at2["wins"], at2["ties"], at2["losses"], at2["n"]) == (2, 0, 2, 4)
    # after 4 queries: 1.0, -0.5, -0.5, 4.0 -> mean 1.0
    at4 = out["vs"]["a"]["4"]
    assert at4["mean"] == pytest.approx(1.0)
    assert (at4["wins"], at4["ties"], at4["losses"]) == (2, 0, 2)
    assert list(out["vs"]) == ["a"] and out["against"] == "b"


def test_lower_is_better_turns_the_sign_so_positive_is_better():
    up, down = paired_summary(_ab(True), "b", n_boot=1000), paired_summary(_ab(False), "b", n_boot=1000)
    for c in ("2", "4"):
        u, d = up["vs"]["a"][c], down["vs"]["a"][c]
        assert d["mean"] == pytest.approx(-u["mean"])
        assert (d["wins"], d["losses"]) == (u["losses"], u["wins"])
        assert (d["lo"], d["hi"]) == pytest.approx((-u["hi"], -u["lo"]))
    assert "lower is better, so b − searcher" in paired_table(down)


def test_a_tie_is_counted_as_a_tie():
    s = paired_stats([0.0, 0.3, -0.2, 0.0], n_boot=500)
    assert (s["wins"], s["ties"], s["losses"]) == (1, 2, 1)


def test_the_same_seed_gives_the_same_interval_and_another_seed_another():
    rng = np.random.default_rng(7)
    d = rng.normal(0.1, 0.5, size=20)
    assert bootstrap_interval(d, 2000, seed=0) == bootstrap_interval(d, 2000, seed=0)
    assert bootstrap_interval(d, 2000, seed=0) != bootstrap_interval(d, 2000, seed=1)
    lo, hi = bootstrap_interval(d, 2000, seed=0)
    assert lo < d.mean() < hi
    # the percentile interval of the mean is close to mean ± 1.96 sd/sqrt(n) for 20 normal draws
    half = 1.96 * d.std(ddof=0) / np.sqrt(d.size)
    assert hi - lo == pytest.approx(2 * half, rel=0.15)


def test_constant_differences_give_a_point_interval():
    lo, hi = bootstrap_interval([0.4, 0.4, 0.4], 300)
    assert lo == pytest.approx(0.4) and hi == pytest.approx(0.4)
    assert paired_stats([0.4] * 10, 300)["verdict"] == "ahead"
    assert paired_stats([-0.4] * 10, 300)["verdict"] == "behind"


def test_no_verdict_on_fewer_than_ten_seeds():
    """Three seeds that all win give an interval above 0 whatever their spread: no verdict is drawn from it."""
    few = paired_stats([0.1, 2.0, 0.3], 2000)
    assert few["lo"] > 0 and few["verdict"] == FEW_TEXT
    assert paired_stats([0.1, 2.0, 0.3] * 4, 2000)["verdict"] == "ahead"


def test_an_interval_that_contains_zero_prints_level():
    curves = {"a": [[1.0, 1.0], [0.0, 3.0], [1.0, 0.5], [0.0, 2.0]] * 3,        # 12 seeds: a verdict is drawn
              "b": [[0.0, 0.0], [1.0, 0.0], [0.0, 0.0], [1.0, 0.0]] * 3}
    out = paired_summary(_summary(curves, {"a": list(range(12)), "b": list(range(12))}, checkpoints=(1, 2)), "b",
                         n_boot=2000)
    at1, at2 = out["vs"]["a"]["1"], out["vs"]["a"]["2"]
    assert at1["mean"] == pytest.approx(0.0) and at1["lo"] < 0 < at1["hi"]
    assert at1["verdict"] == "level (within noise)"
    assert at2["lo"] > 0 and at2["verdict"] == "ahead"               # 1, 3, 0.5, 2: every seed ahead
    table = paired_table(out)
    assert "| a | 1 | +0.000 |" in table and "level (within noise)" in table
    assert "| a | 2 | +1.625 |" in table and "| ahead |" in table
    same = paired_stats([0.0] * 12, 2000)          # runs that share their first draws: no noise to be within
    assert same["ties"] == 12 and same["verdict"] == "the same on every seed"


def test_bad_inputs_of_the_backend():
    with pytest.raises(ValueError, match="against"):
        paired_summary(_ab(), "c")
    with pytest.raises(ValueError, match="bootstrap"):
        bootstrap_interval([1.0, 2.0], 5)
    assert paired_stats([np.nan, np.nan])["verdict"] == "no data"


def test_cli_bounds_match_the_backend():
    from naoviz.cli import compare
    assert (compare.MIN_BOOTSTRAP, compare.MAX_BOOTSTRAP, compare.DEFAULT_BOOTSTRAP) == (
        paired.MIN_BOOTSTRAP, paired.MAX_BOOTSTRAP, paired.DEFAULT_BOOTSTRAP)


@pytest.mark.parametrize("argv, option", [
    (["--algos", "ls,re", "--against", "nao"], "--against"),
    (["--algos", "ls,nao:kmeans", "--against", "nao"], "--against"),       # as written in --algos
    (["--algos", "ls", "--against", "ls"], "--against"),
    (["--algos", "ls,re", "--seeds", "1", "--against", "ls"], "--against"),
    (["--algos", "ls,re", "--against", "ls", "--bootstrap", "10"], "--bootstrap"),
    (["--algos", "ls,re", "--against", "ls", "--bootstrap", "ten"], "--bootstrap"),
    (["--algos", "ls,re", "--bootstrap", "1000"], "--bootstrap")])
def test_bad_against_and_bootstrap_are_one_line_errors_before_any_search(argv, option, capsys, tmp_path):
    store = tmp_path / "s.db"
    assert main(["compare", "--queries", "30", "--no-progress", "--store", str(store), *argv]) == 2
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(err) == 1 and option in err[0] and "Traceback" not in err[0]
    assert not store.exists()                                        # refused before the store and the runs


def test_a_real_compare_prints_the_paired_table_and_stores_it(capsys, tmp_path):
    argv = ["compare", "--algos", "ls,re,rs", "--queries", "12", "--seeds", "3", "--against", "ls",
            "--bootstrap", "2000", "--no-progress"]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "paired against ls" in text and "searcher − ls" in text
    rows = [line for line in text.splitlines() if line.startswith("| re |") or line.startswith("| rs |")]
    assert len(rows) == 2 * 2 + 2                      # 2 checkpoints (10, 12) each, + the main table's rows
    assert main([*argv, "--json", "--out", str(tmp_path)]) == 0
    out = json.loads(capsys.readouterr().out)
    p = out["paired"]
    assert p["against"] == "ls" and p["bootstrap"] == 2000 and set(p["vs"]) == {"re", "rs"}
    for name in ("re", "rs"):
        diffs = np.asarray(out["algos"][name]["curves"]) - np.asarray(out["algos"]["ls"]["curves"])
        for c in out["checkpoints"]:
            s = p["vs"][name][str(c)]
            assert s["mean"] == pytest.approx(diffs[:, c - 1].mean())
            assert s["wins"] + s["ties"] + s["losses"] == 3
            assert s["lo"] <= s["mean"] + 1e-12 and s["mean"] <= s["hi"] + 1e-12
            assert s["verdict"] == FEW_TEXT                 # 3 seeds: the interval, no verdict
            assert f"| {name} | {c} | {s['mean']:+.3f} | [{s['lo']:+.3f}, {s['hi']:+.3f}] |" in text
    assert json.loads((tmp_path / "summary.json").read_text())["paired"] == p


def test_a_seed_without_both_values_is_left_out_and_the_table_says_so():
    """Under --constraint a run has no incumbent (NaN) until it finds a feasible cell: at checkpoint 2 seed 1 of
    "a" and seed 3 of "b" have none, so 2 of 4 seeds pair there; by checkpoint 4 all do."""
    a = [row[:] for row in A]
    a[1][:2] = [np.nan, np.nan]
    b = {s: list(v) for s, v in B_BY_SEED.items()}
    b[3][:3] = [np.nan] * 3
    p = paired_summary(_summary({"a": a, "b": [b[s] for s in B_SEEDS]}, {"a": [0, 1, 2, 3], "b": B_SEEDS}),
                       "b", n_boot=1000)
    at2, at4 = p["vs"]["a"]["2"], p["vs"]["a"]["4"]
    both = [0, 2]                                             # the seeds with a value in both runs at query 2
    assert at2["n"] == 2 and at2["seeds"] == 4
    assert at2["mean"] == pytest.approx(np.mean([A[s][1] - B_BY_SEED[s][1] for s in both]))
    assert at2["wins"] + at2["ties"] + at2["losses"] == 2
    assert at2["verdict"] == paired.partial_text(2, 4) and "2 of 4 seeds" in at2["verdict"]
    assert at4["n"] == at4["seeds"] == 4 and at4["verdict"] == FEW_TEXT
    text = paired_table(p)
    assert "| a | 2 | " in text and " | 2/4 | no verdict: 2 of 4 seeds have both |" in text
    assert " | 4/4 | " in text and "n below all" in text and "needs both values" in text
    # every seed paired everywhere: no note
    assert "n below all" not in paired_table(paired_summary(_ab(), "b", n_boot=1000))
