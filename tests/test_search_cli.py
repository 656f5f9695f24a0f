"""``naoviz search`` / ``naoviz compare`` in-process: JSON shapes, figure, user errors exit 2."""
from __future__ import annotations

import json
import re
import platform

import numpy as np

from naoviz.cli import main


def strict_loads(text: str):
    """json.loads that refuses NaN / Infinity, as jq does."""
    def refuse(token):
        raise ValueError(f"non-standard JSON constant {token}")
    return json.loads(text, parse_constant=refuse)


def _check_optimum_figures(a: dict, optimum: float, maximize: bool, checkpoints) -> None:
    """Recompute the optimum figures of one searcher from its curves, in the REPORT metric's direction."""
    curves = np.asarray(a["curves"], dtype=float)
    hit = curves >= optimum - 1e-9 if maximize else curves <= optimum + 1e-9
    assert a["optimum_frac"] == hit[:, -1].mean()
    for c in checkpoints:
        assert a["at"][str(c)]["optimum_frac"] == hit[:, c - 1].mean()
    first = [int(np.argmax(h)) + 1 if h.any() else None for h in hit]
    assert [r["queries_to_optimum"] for r in a["runs"]] == first == a["queries_to_optimum"]
    reached = [q for q in first if q is not None]
    assert a["reached_optimum"] == len(reached)
    assert a["queries_to_optimum_mean"] == (float(np.mean(reached)) if reached else None)
    assert a["queries_to_optimum_median"] == (float(np.median(reached)) if reached else None)
    for c in checkpoints:
        agg, per_run = a["counts_at"][str(c)], [r["counts_at"][str(c)] for r in a["runs"]]
        assert sum(agg["queries"].values()) == c
        for s, v in agg["queries"].items():
            assert v == np.mean([p["queries"][s] for p in per_run])
        assert agg["incumbent_source"] == {s: sum(p["incumbent_source"] == s for p in per_run)
                                           for s in agg["incumbent_source"]}


def test_compare_json_and_figure(tmp_path, capsys):
    rc = main(["compare", "--algos", "rs,re", "--queries", "30", "--seeds", "3", "--json", "--no-progress",
               "--out", str(tmp_path)])
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    assert abs(out["optimum"] - 94.3733) < 1e-3 and out["checkpoints"][-1] == 30
    for name in ("rs", "re"):
        a = out["algos"][name]
        curves = np.asarray(a["curves"])
        assert curves.shape == (3, 30)
        np.testing.assert_allclose(a["mean"], curves.mean(axis=0))
        assert a["at"]["30"]["mean"] == np.float64(curves[:, -1].mean())
        _check_optimum_figures(a, out["optimum"], maximize=True, checkpoints=out["checkpoints"])
        assert sum(a["queries"].values()) == 30
        assert [r["seed"] for r in a["runs"]] == [0, 1, 2]
    assert out["algos"]["rs"]["queries"]["random"] == 30
    assert out["algos"]["rs"]["decoded_final_share"] == 0.0     # nothing decoded: no share to claim
    assert (tmp_path / "summary.json").is_file()
    assert (tmp_path / "compare.html").is_file()          # the viz layer is present in this repo
    env = out["environment"]                              # where it ran: NAO's figures depend on the machine
    from importlib import metadata
    assert env["torch"] == metadata.version("torch") and env["numpy"] == np.__version__
    assert env["python"] == platform.python_version() and env["machine"] == platform.machine()
    assert json.loads((tmp_path / "summary.json").read_text())["environment"] == env


def test_compare_under_a_budget_writes_a_pareto_figure(tmp_path, capsys):
    """--constraint with --out: besides compare.html, pareto-<cost>.html with each searcher's front."""
    assert main(["compare", "--space", "nb201-digits", "--algos", "rs,ls", "--queries", "12", "--seeds", "2",
                 "--constraint", "params_M<=0.05", "--no-progress", "--out", str(tmp_path)]) == 0
    text = capsys.readouterr().out
    assert f"figure: {tmp_path / 'pareto-params_M.html'}" in text
    html = (tmp_path / "pareto-params_M.html").read_text()
    assert "random search front" in html and "local search (forest-ranked) front" in html and "budget 0.05" in html
    # the curves are the best feasible incumbent's: the title said "incumbent test_acc vs queries"
    assert "best feasible incumbent test accuracy vs queries (parameters ≤ 0.05 M)" in (tmp_path / "compare.html").read_text()
    # for a paper: vector PDF and SVG laid out for a full-width (7 in) and a single (3.5 in) column, each
    # printed as written, and README.md telling where they came from, with each figure's caption
    for name in ("compare", "pareto-params_M"):
        for tag, points in (("7in", 504), ("3.5in", 252)):
            pdf = (tmp_path / f"{name}-{tag}.pdf").read_bytes()
            assert re.search(rb"/MediaBox \[0 0 %d(\.0*)? " % points, pdf), (name, tag)   # the page: 7 in, 3.5 in
            assert (tmp_path / f"{name}-{tag}.svg").read_text().startswith("<svg")
            assert f"figure: {tmp_path / f'{name}-{tag}.pdf'}" in text
    readme = (tmp_path / "README.md").read_text()
    assert f"readme: {tmp_path / 'README.md'}" in text
    assert "naoviz compare --space nb201-digits --algos rs,ls --queries 12 --seeds 2 --constraint " in readme
    assert "seeds 0–1 (2)" in readme and "constraints params_M<=0.05" in readme
    assert "- searchers: random search (`rs`), local search (forest-ranked) (`ls`)" in readme
    assert "Caption: best feasible incumbent test accuracy vs queries (parameters ≤ 0.05 M) — " in readme
    assert "`compare-3.5in.pdf`" in readme and "`pareto-params_M-7in.svg`" in readme
    assert json.loads((tmp_path / "summary.json").read_text())["command"][:3] == ["naoviz", "compare", "--space"]


def test_search_json_and_errors(capsys):
    assert main(["search", "--algo", "re", "--queries", "25", "--seed", "2", "--json", "--no-progress"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["queries"] == 25 and len(out["history"]) == 25 and len(out["incumbent_curve"]) == 25
    assert out["incumbent"]["report"] == out["incumbent_curve"][-1]
    assert main(["search", "--algo", "bogus", "--queries", "5", "--no-progress"]) == 2
    assert "algo" in capsys.readouterr().err
    assert main(["search", "--algo", "rs", "--metric", "nope", "--no-progress"]) == 2
    assert "metric" in capsys.readouterr().err
    assert main(["search", "--resume", "abc", "--no-progress"]) == 2
    assert "--store" in capsys.readouterr().err
    assert main(["compare", "--algos", "rs,xx", "--seeds", "1", "--no-progress"]) == 2
    assert "algos" in capsys.readouterr().err
    assert main(["compare", "--algos", "rs,nao:kmean", "--seeds", "1", "--no-progress"]) == 2
    err = capsys.readouterr().err      # the item as typed, not make_searcher's "preset:" field
    assert "--algos: nao:kmean: unknown NAO search preset 'kmean'" in err and "preset: " not in err
    assert main(["compare", "--algos", "rs:paper", "--seeds", "1", "--no-progress"]) == 2
    assert "--algos: rs:paper: " in capsys.readouterr().err


def test_progress_bar_names_the_reported_metric_of_the_incumbent():
    # A bare "best=94.37" beside a search on valid_acc (best 91.61) read as the search metric's best.
    from naoviz.evaluate import TableEvaluator
    from naoviz.search.base import SearchContext
    ctx = SearchContext(TableEvaluator("nb201-digits"), 5, algo="rs", seed=0, progress=True)
    ctx.evaluate([(a, "random") for a in ctx.random_new(np.random.default_rng(0), 5)])
    assert ctx._bar.postfix == f"incumbent test_acc={ctx.best_report():.2f}" and "best=" not in str(ctx._bar)
    ctx.close()


def test_compare_judges_the_optimum_in_the_report_direction(capsys):
    """Search on a loss (minimised), report test accuracy (maximised): runs ending near 90% are not at 94.37."""
    assert main(["compare", "--algos", "rs", "--queries", "20", "--seeds", "4", "--metric", "valid_loss",
                 "--json", "--no-progress"]) == 0
    out = strict_loads(capsys.readouterr().out)
    assert abs(out["optimum"] - 94.3733) < 1e-3
    a = out["algos"]["rs"]
    assert np.asarray(a["curves"])[:, -1].max() < out["optimum"] - 0.1      # no run got there in 20 queries
    assert a["optimum_frac"] == 0.0 and a["reached_optimum"] == 0
    assert a["queries_to_optimum_mean"] is None and a["queries_to_optimum_median"] is None
    _check_optimum_figures(a, out["optimum"], maximize=True, checkpoints=out["checkpoints"])


def test_compare_minimised_report_metric(capsys):
    """Search valid_acc, report test_loss (minimised): the optimum is the table's lowest test_loss."""
    from naoviz.evaluate import TableEvaluator
    ev = TableEvaluator("nb201", metric="valid_acc", report="test_loss")
    assert ev.report_optimum() == ev.table.frame["test_loss"].min()
    assert TableEvaluator("nb201", metric="valid_loss").report_optimum() == ev.table.frame["cifar10_test_acc"].max()
    assert main(["compare", "--algos", "re", "--queries", "20", "--seeds", "3", "--report", "test_loss",
                 "--json", "--no-progress"]) == 0
    out = strict_loads(capsys.readouterr().out)
    assert out["optimum"] == ev.report_optimum()
    a = out["algos"]["re"]
    assert np.asarray(a["curves"])[:, -1].min() > out["optimum"] + 0.01
    assert a["optimum_frac"] == 0.0
    _check_optimum_figures(a, out["optimum"], maximize=False, checkpoints=out["checkpoints"])


def test_compare_reaching_the_optimum_counts_queries(capsys):
    """Runs that reach the optimum get queries_to_optimum: evolution on valid_acc (one of 3 seeds by 100
    queries), and random search minimising FLOPs reported as params (minimised; 2 of 3 by 30 queries)."""
    for args, algo, maximize in ((["--algos", "re", "--queries", "100"], "re", True),
                                 (["--algos", "rs", "--queries", "30", "--metric", "cifar10_flops_M",
                                   "--report", "cifar10_params_M"], "rs", False)):
        assert main(["compare", *args, "--seeds", "3", "--json", "--no-progress"]) == 0
        out = strict_loads(capsys.readouterr().out)
        a = out["algos"][algo]
        assert 1 <= a["reached_optimum"] < 3 and None in a["queries_to_optimum"]
        _check_optimum_figures(a, out["optimum"], maximize=maximize, checkpoints=out["checkpoints"])


def test_compare_output_is_strict_json_with_nan_reports(tmp_path, capsys, monkeypatch, nb201_table):
    """Half the table's reported values missing (NaN): --json and summary.json carry null, never NaN."""
    import dataclasses

    import naoviz.cli.search as cli_search
    from naoviz.evaluate import TableEvaluator
    frame = nb201_table.frame.copy()
    frame.loc[frame.index % 2 == 0, "cifar10_test_acc"] = np.nan
    holed = dataclasses.replace(nb201_table, frame=frame)
    monkeypatch.setattr(cli_search, "_evaluator", lambda space, metric, report, delay=0.0, queries=0:
                        TableEvaluator(holed, metric=metric, report=report))
    assert main(["compare", "--algos", "rs", "--queries", "12", "--seeds", "3", "--json", "--no-progress",
                 "--out", str(tmp_path)]) == 0
    text = capsys.readouterr().out
    out = strict_loads(text)
    saved = strict_loads((tmp_path / "summary.json").read_text())
    assert None in out["algos"]["rs"]["curves"][0] + out["algos"]["rs"]["curves"][1] + out["algos"]["rs"]["curves"][2]
    assert saved["algos"]["rs"]["curves"] == out["algos"]["rs"]["curves"]
    assert main(["compare", "--algos", "rs", "--queries", "12", "--seeds", "3", "--no-progress"]) == 0
    text = capsys.readouterr().out
    assert "queries to optimum" in text and "), 3 seeds\n" in text


def test_compare_table_without_an_optimum_claims_no_hits():
    # `compare --evaluator train` has no optimum (children trained, not looked up); its table printed
    # "93.333 (0%)" and a queries-to-optimum column "– (0/1)", as if the optimum had been missed
    from naoviz.evaluate import TableEvaluator
    from naoviz.experiments.search import compare, format_table, parse_algos
    summary = compare(TableEvaluator("nb201-digits"), parse_algos("rs,ls"), 10, [0, 1])
    with_optimum = format_table(summary)
    summary["optimum"] = None                    # what a comparison of trained children has
    text = format_table(summary)
    assert "%)" in with_optimum and "queries to optimum" in with_optimum
    assert "%)" not in text and "queries to optimum" not in text and "(0/2)" not in text
    for table in (with_optimum, text):          # header, rule and rows: one column count
        assert len({line.count("|") for line in table.splitlines()}) == 1


def test_compare_header_counts_one_seed(capsys):
    assert main(["compare", "--algos", "rs", "--queries", "5", "--seeds", "1", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "), 1 seed\n" in out
    row = next(line for line in out.splitlines() if line.startswith("| rs |"))
    assert "±" not in row                 # one run has no spread: not "± 0.000", which reads as no variance
    assert main(["compare", "--algos", "rs", "--queries", "5", "--seeds", "2", "--no-progress"]) == 0
    assert "±" in next(line for line in capsys.readouterr().out.splitlines() if line.startswith("| rs |"))


def test_search_and_compare_under_constraints(tmp_path, capsys, nb201_table):
    """--constraint: feasibility per query in the JSON, the incumbent feasible; compare reports per budget the
    best feasible accuracy, the share of feasible queries and hypervolume against a fixed reference."""
    argv = ["--queries", "30", "--no-progress", "--json", "--constraint", "latency_pixel3<=9",
            "--constraint", "cifar10_params_M<0.6"]
    assert main(["search", "--algo", "re", "--seed", "1", "--store", str(tmp_path / "r.db")] + argv) == 0
    out = strict_loads(capsys.readouterr().out)
    assert out["constraints"] == ["latency_pixel3<=9", "cifar10_params_M<0.6"]
    feas = [h["feasible"] for h in out["history"]]
    assert out["feasible_frac"] == np.mean(feas)
    for h in out["history"]:
        assert h["feasible"] == (h["metrics"]["latency_pixel3"] <= 9 and h["metrics"]["cifar10_params_M"] < 0.6)
    assert out["incumbent"]["feasible"]
    assert main(["compare", "--algos", "rs,re", "--seeds", "2"] + argv) == 0
    cmp = strict_loads(capsys.readouterr().out)
    for a in cmp["algos"].values():
        hw = a["at_hw"]["30"]
        assert 0 <= hw["feasible_frac"] <= 1 and hw["hypervolume"] >= 0
        assert hw["best_feasible"] <= a["constrained_optimum"] + 1e-9
        assert a["hv_columns"] == ["cifar10_test_acc", "latency_pixel3", "cifar10_params_M"]
        assert a["hv_reference"][1:] == [9.0, 0.6]               # the budgets bound the hypervolume
        assert hw["feasible_frac"] == np.mean([r["hw"]["feasible_frac"]["30"] for r in a["runs"]])
    assert main(["search", "--algo", "rs", "--queries", "5", "--no-progress", "--constraint", "bogus<=1"]) == 2
    assert "--constraint" in capsys.readouterr().err


def test_help_names_the_main_nao_presets_and_how_to_list_all(capsys):
    """The CLI spells the preset names without importing the search code; they must stay the real ones. The
    help leads with the main presets (nao_presets.MAIN, with their labels) and says how to see all of them."""
    from naoviz.cli.presets import MAIN_PRESETS
    from naoviz.cli.search import NAO_PRESETS
    from naoviz.search.nao_presets import ABOUT, MAIN
    from naoviz.search.nao_search import PRESETS
    assert tuple(PRESETS) == NAO_PRESETS
    assert MAIN_PRESETS == tuple((name, ABOUT[name][0]) for name in MAIN)
    for command in ("search", "compare"):
        try:
            main([command, "--help"])
        except SystemExit as e:
            assert e.code == 0
        out = " ".join(capsys.readouterr().out.split())
        text = out.split("NAO preset:" if command == "compare" else "NAO search preset:")[1][:400]
        for name, label in MAIN_PRESETS:
            assert f"{name} ({label})" in text, (command, name)
        assert f"naoviz search --preset list shows all {len(PRESETS)}" in text


def test_training_time_reads_as_a_duration_never_as_zero():
    """A run whose children trained for 0.3 s says 0.3 s, not "0 s"; whole seconds from 10 s; hours from 6 min."""
    from naoviz.cli.search import _duration
    assert [_duration(s) for s in (0.3, 9.94, 42.4, 7200)] == ["0.3 s", "9.9 s", "42 s", "2.0 h"]


def test_compare_says_when_the_best_cell_by_the_search_metric_is_not_the_optimum(capsys, nb201_table):
    """Searching CIFAR-10 valid_acc and reporting CIFAR-100 test accuracy, the best valid_acc cell is not the
    CIFAR-100 optimum: compare says where such a run ends; on the default protocol the two agree, no note."""
    args = ["compare", "--algos", "rs", "--queries", "10", "--seeds", "1", "--no-progress"]
    assert main([*args, "--report", "cifar100_test_acc"]) == 0
    text = capsys.readouterr().out
    i = int(np.nanargmax(nb201_table.metric("valid_acc")))
    top = float(nb201_table.metric("cifar100_test_acc")[i])
    assert top < np.nanmax(nb201_table.metric("cifar100_test_acc"))
    assert f"note: the table's best valid_acc cell reports {top:g}, not the optimum" in text, text
    assert main([*args, "--report", "cifar100_test_acc", "--json"]) == 0
    assert strict_loads(capsys.readouterr().out)["metric_best_report"] == top
    assert main(args) == 0
    assert "note: the table's best" not in capsys.readouterr().out
