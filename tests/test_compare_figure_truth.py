"""The compare figure and tables tell the truth: bands stay within the runs' values, a mean of best-so-far
curves is taken over one fixed set of runs (never drops as a late run joins), and the hypervolume's
reference point is printed with its columns' names."""
from __future__ import annotations

import numpy as np
import pytest

from naoviz.experiments.search import BANDS, incumbent_band

# three runs whose best-so-far curves never decrease; run c has no feasible incumbent until query 4, and then a
# weak one: a mean over the runs that have one would drop from 90 to 80 there
LATE = [[88.0, 90.0, 90.0, 92.0, 92.0, 93.0],
        [88.0, 90.0, 90.0, 90.0, 91.0, 91.0],
        [np.nan, np.nan, np.nan, 58.0, 70.0, 70.0]]


def test_the_mean_waits_for_every_run_and_never_drops():
    naive = np.nanmean(np.asarray(LATE), axis=0)
    assert (np.diff(naive) < 0).any()                        # the old rule (runs that have one) drops here
    s = incumbent_band(LATE)
    assert np.isnan(s["mean"][:3]).all() and np.isfinite(s["mean"][3:]).all()
    assert (np.diff(s["mean"][3:]) >= 0).all()
    assert s["feasible"].tolist() == [2, 2, 2, 3, 3, 3] and s["n"].tolist() == [3] * 6
    assert s["mean"][3] == pytest.approx((92 + 90 + 58) / 3)


@pytest.mark.parametrize("band", BANDS)
def test_every_band_stays_within_the_runs_values(band):
    """Accuracies near 100 with one weak run: mean + sd is above 100, the band is not."""
    runs = np.array([[99.0, 100.0, 100.0], [98.0, 100.0, 100.0], [60.0, 70.0, 99.5]])
    assert (runs.mean(0) + runs.std(0, ddof=1) > 100).any()
    s = incumbent_band(runs, band)
    assert (s["hi"] <= runs.max(0)).all() and (s["lo"] >= runs.min(0)).all() and (s["lo"] <= s["hi"]).all()
    if band == "iqr":
        assert s["lo"].tolist() == np.percentile(runs, 25, axis=0).tolist()
        assert s["hi"].tolist() == np.percentile(runs, 75, axis=0).tolist()


def test_sd_band_inside_the_range_is_compares_mean_plus_minus_sd():
    runs = np.array([[1.0, 2.0, 5.0], [2.0, 4.0, 5.0], [3.0, 6.0, 8.0], [4.0, 4.0, 9.0]])
    s = incumbent_band(runs, "sd")
    mean, sd = runs.mean(0), runs.std(0, ddof=1)
    assert s["mean"].tolist() == mean.tolist() and s["sd"].tolist() == sd.tolist()
    inside = (mean + sd <= runs.max(0)) & (mean - sd >= runs.min(0))
    assert inside.any()
    assert s["hi"][inside].tolist() == (mean + sd)[inside].tolist()


def _summary(curves: dict) -> dict:
    """The part of a ``naoviz compare`` summary that its figure reads (NaN as JSON writes it: null)."""
    nulls = {k: [[None if np.isnan(v) else v for v in run] for run in c] for k, c in curves.items()}
    return {"report": "cifar10_test_acc", "metric": "cifar10_test_acc", "constraints": ["latency_pixel3<=9"],
            "algos": {k: {"curves": c} for k, c in nulls.items()}}


def test_compare_figure_starts_each_mean_where_every_run_is_feasible_and_shows_the_share():
    from naoviz.viz.curves import compare_figure
    fig = compare_figure(_summary({"rs": LATE, "re": [LATE[0], LATE[1]]}))
    lines = {t.name: t for t in fig.data if t.mode == "lines+markers" and t.yaxis in (None, "y")}
    rs = np.asarray(lines["random search (n=3)"].y, dtype=float)
    assert np.isnan(rs[:3]).all() and (np.diff(rs[3:]) >= 0).all()
    re = np.asarray(lines["regularised evolution (n=2)"].y, dtype=float)
    assert np.isfinite(re).all() and (np.diff(re) >= 0).all()
    share = {t.name: list(t.y) for t in fig.data if t.yaxis == "y2"}
    assert share["random search: runs with a feasible incumbent"] == pytest.approx([200 / 3] * 3 + [100.0] * 3)
    assert share["regularised evolution: runs with a feasible incumbent"] == [100.0] * 6
    assert "25–75 % of runs" in fig.layout.legend.title.text
    lo, hi = np.nanmin(np.asarray(LATE), 0), np.nanmax(np.asarray(LATE), 0)
    band = next(t for t in fig.data if t.fill == "toself" and t.legendgroup == "random search")
    y = np.asarray(band.y, dtype=float)
    assert list(band.x) == [4, 5, 5, 6, 6] + [6, 6, 5, 5, 4] and np.isfinite(y).all()   # where the mean is (a step)
    upper, lower = y[[0, 2, 4]], y[5:][::-1][[0, 2, 4]]                  # the values at queries 4, 5, 6
    assert (upper <= hi[3:]).all() and (lower >= lo[3:]).all()


def test_without_a_late_run_the_figure_has_one_panel():
    from naoviz.viz.curves import compare_figure
    fig = compare_figure(_summary({"rs": [LATE[0], LATE[1]]}))
    assert all(t.yaxis in (None, "y") for t in fig.data)


@pytest.fixture(scope="module")
def late_summary(nb201_table):
    """rs under a tight latency budget, report = search metric (best-so-far curves that never decrease); the
    checkpoints 1-3 come before some runs have a feasible incumbent."""
    from naoviz.evaluate import TableEvaluator
    from naoviz.experiments.search import compare
    from naoviz.search.constraints import percentile_budget
    ev = TableEvaluator(nb201_table, metric="valid_acc", report="valid_acc",
                        constraints=[percentile_budget(nb201_table, "latency_pixel3", 25)])
    return compare(ev, [("rs", None)], 20, list(range(6)), checkpoints=(1, 2, 3, 10))


def test_tables_average_over_all_runs_or_say_how_many_have_one(late_summary):
    from naoviz.experiments.constrained import format_hw_table
    from naoviz.experiments.search import format_table
    a = late_summary["algos"]["rs"]
    curves = np.asarray(a["curves"], dtype=float)
    assert np.isnan(curves[:, 0]).any() and np.isfinite(curves[:, -1]).all()       # the case this test is for
    row = next(line for line in format_table(late_summary).splitlines() if line.startswith("| rs |"))
    hw = next(line for line in format_hw_table(late_summary).splitlines() if line.startswith("| rs |"))
    for c in late_summary["checkpoints"]:
        at = curves[:, c - 1]
        have = int(np.isfinite(at).sum())
        if have < len(at):
            assert f"– ({have}/{len(at)})" in row and f"– ({have}/{len(at)})" in hw
            assert a["at_hw"][str(c)]["best_feasible"] is None
            assert a["at_hw"][str(c)]["incumbent_frac"] == have / len(at)
        else:
            assert f"{at.mean():.3f} ± {at.std(ddof=1):.3f}" in row
            assert a["at_hw"][str(c)]["best_feasible"] == pytest.approx(at.mean())
    means = [a["at_hw"][str(c)]["best_feasible"] for c in late_summary["checkpoints"]]
    known = [m for m in means if m is not None]
    assert known and all(x <= y for x, y in zip(known, known[1:]))


def test_the_reference_point_is_printed_with_names_and_kept_a_list(late_summary):
    from naoviz.experiments.constrained import format_hw_table
    a = late_summary["algos"]["rs"]
    assert isinstance(a["hv_reference"], list) and a["hv_columns"] == ["valid_acc", "latency_pixel3"]
    head = format_hw_table(late_summary).splitlines()[0]
    want = ", ".join(f"{c} {v:g}" for c, v in zip(a["hv_columns"], a["hv_reference"]))
    assert f"reference point: {want}" in head and "[" not in head


def test_the_search_tabs_summary_line_waits_for_every_run_too():
    from naoviz.ui.search_status import search_summary
    early = search_summary({"rs": [run[:3] for run in LATE]}, "test_acc")
    assert "rs: – (2 of 3 runs with a feasible incumbent)" in early
    late = search_summary({"rs": LATE}, "test_acc")
    assert f"rs: {np.mean([93.0, 91.0, 70.0]):.2f} ± " in late


# a finished run and a shorter one (a seed still running, or a stop): a mean over the runs that reached each
# query would jump from 86 to 92 where the short run ends, though neither run moved by more than 1
LONG, SHORT = [90.0, 91.0, 92.0, 93.0], [80.0, 81.0]


def test_the_mean_is_over_every_run_and_ends_with_the_shortest():
    fixed = incumbent_band([LONG, SHORT])
    assert fixed["mean"][:2].tolist() == [85.0, 86.0] and np.isnan(fixed["mean"][2:]).all()
    assert np.isnan(fixed["lo"][2:]).all() and np.isnan(fixed["hi"][2:]).all()
    assert fixed["n"].tolist() == [2, 2, 1, 1]
    reached = incumbent_band([LONG, SHORT], fixed=False)                  # the runs that reached each query
    assert reached["mean"].tolist() == [85.0, 86.0, 92.0, 93.0]


def test_the_search_tabs_chart_ends_the_mean_with_the_shortest_run_and_dashes_the_longer_runs():
    from naoviz.ui.search_panel import past_name, search_lines
    series, _ = search_lines({"rs": [np.array(LONG), np.array(SHORT)]})
    lines = {s["name"]: s for s in series}
    mean = lines["rs (n=2)"]
    assert mean["y"] == [85.0, 86.0, None, None] and mean["hi"][2:] == [None, None] and not mean["dash"]
    past = lines[past_name("rs")]
    assert past["dash"] and past["y"] == [None, 86.0, 92.0, 93.0] and past["n"] == [2, 2, 1, 1]
    # every run as long: no dashed line
    same, _ = search_lines({"rs": [np.array(LONG), np.array(LONG) - 5]})
    assert [s["name"] for s in same] == ["rs (n=2)"] and None not in same[0]["y"]


def test_the_exported_search_figure_does_the_same():
    from naoviz.viz.curves import search_curves
    fig = search_curves({"rs": [np.array(LONG), np.array(SHORT)]})
    mean = next(t for t in fig.data if t.name == "random search (n=2)")        # "rs" under its readable name
    assert np.asarray(mean.y, dtype=float)[:2].tolist() == [85.0, 86.0] and np.isnan(np.asarray(mean.y, float)[2:]).all()
    past = next(t for t in fig.data if t.name == "random search: longer runs only")
    assert past.line.dash == "dash" and list(past.customdata) == [2, 2, 1, 1]
    # the band is one closed outline over queries 1-2, where both runs are: with the NaN past them in it,
    # plotly broke the fill there and closed each piece on itself (diagonal wedges across the chart)
    band = next(t for t in fig.data if t.fill == "toself")
    assert list(band.x) == [1, 2, 2, 2, 2, 1] and np.isfinite(np.asarray(band.y, float)).all()   # a step outline
    hi, lo = incumbent_band([LONG, SHORT])["hi"][:2], incumbent_band([LONG, SHORT])["lo"][:2]
    assert list(band.y) == [hi[0], hi[0], hi[1], lo[1], lo[0], lo[0]]


def test_incumbent_lines_and_bands_are_steps_held_until_the_next_query():
    """A best-so-far curve changes only at a query, and so do the mean and the percentiles of such curves: the
    exported figure draws each as a step (held flat, then the jump; plotly's "hv"), the band's outline too (every
    edge flat or upright, its top over [q, q + 1) at query q's value), the markers and hover at the queries."""
    from naoviz.viz.curves import compare_figure, search_curves
    fig = compare_figure(_summary({"rs": LATE, "re": [LATE[0], LATE[1]]}))
    lines = [t for t in fig.data if t.mode and "lines" in t.mode]
    assert lines and all(t.line.shape == "hv" for t in lines), [(t.name, t.line.shape) for t in lines]
    runs = [np.array(LONG), np.array(LONG) - [0, 3, 1, 0]]
    fig = search_curves({"rs": runs}, band="minmax")
    band = next(t for t in fig.data if t.fill == "toself")
    x, y = np.asarray(band.x, float), np.asarray(band.y, float)
    assert ((np.diff(x) == 0) | (np.diff(y) == 0)).all()                         # no slanted edge
    top = incumbent_band(runs, "minmax")["hi"]
    for q in range(1, len(LONG)):                                              # over [q, q + 1): query q's value
        flat = (x[:-1] == q) & (x[1:] == q + 1)
        assert y[:-1][flat].tolist() == [top[q - 1]] and y[1:][flat].tolist() == [top[q - 1]]
    mean = next(t for t in fig.data if t.mode == "lines+markers")
    assert list(mean.x) == [1, 2, 3, 4] and mean.hovertemplate.startswith("query %{x}")


def test_the_summary_line_of_a_stopped_search_is_at_the_shortest_runs_end():
    from naoviz.ui.search_status import search_summary
    text = search_summary({"rs": [LONG, SHORT]}, "test_acc")
    assert f"rs: 86.00 ± {np.std([91.0, 81.0], ddof=1):.2f} (n=2) after query 2 (the shortest run's end)" in text


def test_compare_figure_names_searchers_as_the_search_tab_does_and_marks_each_with_its_own_shape():
    """An author's figure said "re", "rs", "ls" (ids of --algos) where the Search tab says "regularised
    evolution"; and red NAO and green local search are one colour to a deuteranope, blue/green/grey one grey in
    print: each searcher's line also carries a few markers of its own shape, shown in the legend."""
    from naoviz.viz.curves import compare_figure
    from naoviz.viz.theme import ALGO_LABELS
    runs = [[80.0 + q + s for q in range(30)] for s in range(2)]
    fig = compare_figure({"report": "test_acc", "metric": "valid_acc",
                          "algos": {k: {"curves": runs} for k in ("nao", "re", "rs", "ls", "nao:paper")}})
    means = [t for t in fig.data if t.mode == "lines+markers"]
    assert [t.name for t in means] == [f"{ALGO_LABELS[a]} (n=2)" for a in ("nao", "re", "rs", "ls")] + \
        ["NAO (paper preset) (n=2)"]
    shapes = [t.marker.symbol for t in means]
    assert len(set(shapes)) == len(shapes)                        # five searchers, five shapes
    colours = [t.line.color for t in means]
    assert len(set(colours)) == len(colours)
    for t in means:
        marked = [i for i, size in enumerate(t.marker.size) if size > 0]
        assert 3 <= len(marked) <= 10                             # a few marks, not one per query
    # staggered: no two searchers mark the same query
    marks = [{i for i, size in enumerate(t.marker.size) if size > 0} for t in means]
    assert all(not (a & b) for k, a in enumerate(marks) for b in marks[k + 1:])
    assert fig.layout.legend.itemsizing == "constant"


def test_the_readme_says_in_words_what_the_ids_stand_for(tmp_path):
    """compare --out's README.md named the columns and NAO's recipe by id only ("searched valid_acc", "NAO
    (`nao`; ran sweep_projected under constraints)"): each id now has the words a figure uses, and NAO the
    preset's line from ``naoviz search --preset list``."""
    from naoviz.search.nao_presets import ABOUT
    from naoviz.viz.compare_figure import write_readme
    summary = {"metric": "valid_acc", "report": "cifar10_test_acc", "budget": 50, "seeds": [0, 1, 2],
               "table": {"name": "nb201"}, "constraints": ["latency_pixel3<=6"],
               "algos": {"nao": {"shown": "nao (sweep_projected under constraints)"}, "nao:paper": {"shown": "nao:paper"},
                         "rs": {"shown": "rs"}}}
    text = write_readme(summary, tmp_path, {}, []).read_text()
    # NB201's two CIFAR-10 runs named apart (its cifar10-valid run on 25k images, its cifar10 run on all 50k)
    assert ("searched valid_acc (validation accuracy), reported cifar10_test_acc (CIFAR-10 test "
            "accuracy, trained on 50k)" in text
            and "constraints latency_pixel3<=6 (latency on Pixel 3 ≤ 6 ms)" in text)
    assert f"NAO (`nao`; ran sweep_projected under constraints — {ABOUT['sweep_projected'][1]})" in text
    assert f"(`nao:paper`; preset paper — {ABOUT['paper'][1]})" in text and "random search (`rs`)," not in text
    assert text.count("random search (`rs`)") == 1
