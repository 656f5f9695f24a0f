"""Compare searchers over seeds: incumbent mean/sd after each query, optimum hits, who found what.

Every searcher here is anytime (a run with budget B is a prefix of one with a larger budget), so one run
per (algo, seed) at the largest budget answers every smaller budget too.

Directions: the incumbent is the best by the *search* metric (``SearchResult.maximize``); whether it is "at
the optimum" is judged in the *report* metric's own direction (``lower_is_better(report)``), since the
optimum is the table's best reported value. Searching on a loss and reporting an accuracy mixes the two.
"""
from __future__ import annotations

from typing import Callable, Optional, Sequence

import numpy as np

from naoviz.experiments.compare_record import label
# a comparison's runs (one_run, stored_run) live in compare_runs; RunSpec and at_optimum named here as before
from naoviz.experiments.compare_runs import RunSpec, all_runs, at_optimum
from naoviz.search.result import SHOWN_SOURCES, SOURCES
from naoviz.tables.benchmark import lower_is_better

DEFAULT_CHECKPOINTS = (10, 25, 50, 100, 150, 200, 300, 500, 1000)


def parse_algos(text: str) -> list[tuple[str, Optional[str]]]:
    """``"nao,re,nao:paper"`` -> [("nao", None), ("re", None), ("nao", "paper")]."""
    from naoviz.errors import show
    from naoviz.search.registry import ALGOS
    out = []
    items = [t.strip() for t in str(text).split(",")]
    if any(not t for t in items) and any(items):
        raise ValueError(f"algos: an empty name in {show(text)} (a stray comma?)")
    for item in [t for t in items if t]:
        algo, colon, preset = item.partition(":")
        if colon and not preset.strip():
            raise ValueError(f"algos: {show(item)} names no preset after ':' (e.g. nao:trust; plain {algo} for the default)")
        preset = preset.strip()
        if algo not in ALGOS:
            within = f" in {show(text)}" if len(text) <= 60 else ""        # a long list is not echoed twice
            raise ValueError(f"algos: unknown searcher {show(algo, 60)}{within}; expected names from {', '.join(ALGOS)}")
        if (algo, preset or None) in out:
            raise ValueError(f"algos: {show(item)} named twice in {show(text)}")
        out.append((algo, preset or None))
    if not out:
        raise ValueError(f"algos: no searcher named in {show(text)}")
    return out


def compare(evaluator, algos: Sequence[tuple[str, Optional[str]]], budget: int, seeds: Sequence[int],
            checkpoints: Sequence[int] = DEFAULT_CHECKPOINTS, optimum: Optional[float] = None,
            progress: bool = False, on_run: Optional[Callable[[dict], None]] = None, store=None,
            command: Optional[Sequence[str]] = None, cwd: Optional[str] = None, jobs=1,
            on_query: Optional[Callable[[int, int], None]] = None,
            on_plan: Optional[Callable[[int, int], None]] = None, finished: Optional[dict] = None) -> dict:
    """Run every (algo, seed); summarise incumbent curves. ``optimum``: best reported value (from the table).
    ``store`` (a ``RunStore``): every run is stored, and a run of the same search already there is taken up
    again: one that finished with a whole record is read back (``finished_search``: nothing run, no worker;
    ``on_plan(read, total)`` is called with their count before any run starts), any other is continued or
    replayed (``search_or_resume``), so a comparison killed part way and started again with the same store
    loses no evaluation and repeats none, and a rerun searches only the runs not finished. The store also gets
    a "compare" record (``compare_record``: the searchers, seeds, budget, evaluator, and ``command`` / ``cwd``,
    the argv and folder that ran it, if given), so ``naoviz runs`` can offer the command that finishes it.
    ``jobs`` (an int, or "auto": the cores this process may use): the runs go to that many worker processes
    (``compare_jobs``; table evaluators only, no per-search progress bars), ``on_run`` is called as each
    finishes, and the summary is the one ``jobs=1`` gives, wall times and ``environment.jobs`` aside.
    ``on_query(i, n)``: run ``i`` (algos outer, seeds inner) has made ``n`` queries; under ``jobs`` throttled
    (``compare_jobs.TICK_S``), each run's final count always comes (what ``naoviz compare --jobs N``'s bar shows).
    ``finished``: the store's finished runs as ``compare_runs.read_finished`` read them (not read again).

    Per searcher: mean/sd of the incumbent's reported value after each query and at each checkpoint;
    ``optimum_frac`` (runs whose incumbent is at the optimum, at the end and per checkpoint);
    ``queries_to_optimum`` (per run, the first 1-based query after which the incumbent is at the optimum, or
    None) with ``reached_optimum``, ``queries_to_optimum_mean`` / ``_median`` over the runs that reached it;
    source counts overall and per checkpoint (``counts_at``), ``decoded_final_share`` (runs whose final
    incumbent was decoded); the runs and the curves.
    """
    from naoviz.errors import show
    from naoviz.experiments import compare_jobs
    if isinstance(algos, str) or not hasattr(algos, "__iter__") \
            or not all(isinstance(a, (tuple, list)) and len(a) == 2 for a in algos):
        raise ValueError(f"algos: expected a list of (algo, preset or None) pairs, e.g. [('rs', None), "
                         f"('nao', 'fast')], got {show(algos)}")
    if isinstance(seeds, (str, bytes)) or not hasattr(seeds, "__iter__"):
        raise ValueError(f"seeds: expected a list of seeds, e.g. [0, 1, 2], got {show(seeds)}")
    bad = [c for c in checkpoints if isinstance(c, bool) or not isinstance(c, (int, np.integer)) or c < 1]
    if bad:                            # those past the budget are dropped (the default list runs to 1,000)
        raise ValueError(f"checkpoints: expected query counts >= 1, got {show(bad[0])}")
    jobs = compare_jobs.resolve_jobs(jobs)
    if jobs > 1:
        compare_jobs.check_parallel(evaluator)
    if store is None:
        return _compare(evaluator, algos, budget, seeds, checkpoints, optimum, progress, on_run, None, jobs,
                        on_query, on_plan)
    from naoviz.experiments import compare_record
    return compare_record.recorded(
        store, compare_record.config_of(evaluator, algos, budget, seeds, command, cwd),
        lambda: _compare(evaluator, algos, budget, seeds, checkpoints, optimum, progress, on_run, store, jobs,
                         on_query, on_plan, finished))


def _compare(evaluator, algos, budget, seeds, checkpoints, optimum, progress, on_run, store, jobs=1,
             on_query=None, on_plan=None, finished=None) -> dict:
    jobs = min(jobs, max(1, len(algos) * len(seeds)))          # no idle workers; one run: this process
    hw = bool(getattr(evaluator, "constraints", ()) or getattr(evaluator, "objectives", ()))
    if hw:
        from naoviz.experiments import constrained
        if optimum is None:
            optimum = constrained.optimum_for(evaluator)     # the best FEASIBLE reported value
    if optimum is None and hasattr(evaluator, "report_optimum") and not getattr(evaluator, "constraints", ()):
        optimum = evaluator.report_optimum()
    report_sign = -1.0 if lower_is_better(evaluator.report) else 1.0   # the optimum is a best REPORTED value
    checks = sorted({int(c) for c in checkpoints if 0 < int(c) <= budget} | {int(budget)})
    out = {"budget": int(budget), "seeds": [int(s) for s in seeds], "metric": evaluator.metric,
           "report": evaluator.report, "maximize": bool(evaluator.maximize),
           "report_maximize": report_sign > 0, "optimum": optimum, "checkpoints": checks, "table": table_of(evaluator),
           "algos": {}}
    from naoviz.search.nao_presets import budgets_of, note
    spec = RunSpec(int(budget), tuple(checks), optimum, report_sign, hw, bool(progress))
    done = iter(all_runs(evaluator, algos, seeds, spec, on_run, store, jobs, on_query, on_plan, finished))
    for algo, preset in algos:
        name = label(algo, preset)
        why = note(preset, budgets_of(evaluator)) if algo == "nao" else ""   # `default` under budgets: sweep
        runs, curves = [], []
        for _ in seeds:
            run, curve = next(done)
            runs.append(run)
            curves.append(curve)
        arr = np.vstack(curves)                                     # (seeds, budget)
        hit = at_optimum(arr, optimum, report_sign)
        first = [r["queries_to_optimum"] for r in runs]
        reached = [q for q in first if q is not None]
        out["algos"][name] = {
            "shown": f"{name} ({why})" if why else name,       # the table's label: which recipe ran
            "mean": arr.mean(axis=0).tolist(), "sd": arr.std(axis=0, ddof=1).tolist() if len(arr) > 1 else
            [0.0] * arr.shape[1],
            "at": {str(c): {"mean": float(arr[:, c - 1].mean()),
                            "sd": float(arr[:, c - 1].std(ddof=1)) if len(arr) > 1 else 0.0,
                            "optimum_frac": float(hit[:, c - 1].mean())} for c in checks},
            "optimum_frac": float(hit[:, -1].mean()),
            "queries_to_optimum": first, "reached_optimum": len(reached),
            "queries_to_optimum_mean": float(np.mean(reached)) if reached else None,
            "queries_to_optimum_median": float(np.median(reached)) if reached else None,
            "queries": {s: float(np.mean([r["queries"][s] for r in runs])) for s in SOURCES},
            "incumbents": {s: float(np.mean([r["incumbents"][s] for r in runs])) for s in SOURCES},
            "final_incumbent_source": {s: sum(r["final_incumbent_source"] == s for r in runs) for s in SOURCES},
            "decoded_final_share": float(np.mean([r["final_incumbent_source"] == "decoder" for r in runs])),
            "counts_at": {str(c): {"queries": {s: float(np.mean([r["counts_at"][str(c)]["queries"][s] for r in runs]))
                                               for s in SOURCES},
                                   "incumbent_source": {s: sum(r["counts_at"][str(c)]["incumbent_source"] == s
                                                               for r in runs) for s in SOURCES}}
                          for c in checks},
            "wall_s": float(np.mean([r["wall_s"] for r in runs])),
            "retrieved": float(np.mean([r["retrieved"] for r in runs])),
            "runs": runs, "curves": arr.tolist()}
        if hw:
            out["algos"][name].update(constrained.summarise(evaluator, runs, checks, optimum))
    if hw:
        out["constraints"] = [str(c) for c in evaluator.constraints]
        out["objectives"] = list(evaluator.objectives)
    if not hw and hasattr(evaluator, "best"):
        # the report of the table's best cell by the search metric: where a run that measures it ends (below
        # the optimum when the search and reported metrics disagree on the top)
        out["metric_best_report"] = float(evaluator.best()[1])
    out["environment"] = {**environment(), "jobs": int(jobs)}   # processes the runs went to
    return out


def table_of(evaluator) -> Optional[dict]:
    """Which table a comparison searched (``table`` in ``--json`` / summary.json, so that its figure can say it):
    ``name``, and for a table file ``file`` (its path as the user gave it), ``path`` (absolute) and
    ``fingerprint`` (sha256 of its bytes, 16 hex digits: ``user_table.file_fingerprint``); None when children
    were trained or scored, not looked up. Summaries written before it have no ``table``: :func:`table_text`."""
    if getattr(evaluator, "name", "") != "table":
        return None
    bench = evaluator.table
    out = {"name": bench.name}
    if getattr(bench, "fingerprint", ""):
        out.update(file=getattr(bench, "given", "") or bench.source, path=bench.source, fingerprint=bench.fingerprint)
    return out


def table_text(summary: dict) -> str:
    """The table of a comparison summary as a figure's subtitle says it (``table my_cells (my_cells.csv, sha256
    1a2b3c4d...)``, ``table nb201``); "" for a summary without one (written before ``table`` was, or children
    trained)."""
    table = summary.get("table")
    if not isinstance(table, dict) or not table.get("name"):
        return ""
    if not table.get("file"):
        return f"table {table['name']}"
    from naoviz.errors import cut_path
    return f"table {table['name']} ({cut_path(table['file'], 60)}, sha256 {str(table.get('fingerprint', ''))[:8]}...)"


def environment() -> dict:
    """Where a comparison ran (``environment`` in ``--json`` / summary.json): NAO's fits, and so its runs, can
    differ between CPUs, torch builds and thread counts (docs/search.md, "Same seed, same result, on one
    machine"), so a figure travels with the machine that printed it. Reads versions, never imports torch."""
    import platform
    import sys
    from importlib import metadata

    from naoviz import __version__

    def version(package: str) -> Optional[str]:
        try:
            return metadata.version(package)
        except metadata.PackageNotFoundError:
            return None

    torch = sys.modules.get("torch")
    return {"naoviz": __version__, "python": platform.python_version(), "numpy": np.__version__,
            "torch": version("torch"), "torch_threads": torch.get_num_threads() if torch is not None else None,
            "system": platform.system(), "machine": platform.machine(), "cpu": _cpu_model()}


def _cpu_model() -> str:
    """The CPU's model name (Linux: /proc/cpuinfo), else what ``platform.processor()`` says ("" if nothing)."""
    import platform
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or ""


BANDS = ("iqr", "sd", "minmax")


def incumbent_band(curves: Sequence, band: str = "sd", fixed: bool = True) -> dict:
    """Mean and band of incumbent curves over runs (seeds), after each query.

    ``curves``: one 1-D curve per run; lengths may differ (a stopped or still-running search). ``fixed``
    (default): a query is summarised only when every run reached it, so the mean is over one fixed set of runs
    and cannot jump where a shorter run ends (NaN past the shortest run); ``fixed=False``: over the runs that
    reached it (``n``), for a separate "past the shortest run" line that says its n.
    NaN is a run with no feasible incumbent yet: the mean and band of a query are NaN until *every* run that
    reached it has one, so a mean of best-so-far curves is taken over one fixed set of runs and never drops
    because a weak run joined it (``feasible`` counts the runs with one, for "k of n runs have a feasible
    incumbent" before that).
    ``band``: "iqr" (the 25th to 75th percentile of the runs, linear interpolation: always within the runs'
    values), "sd" (mean ± one sample standard deviation, ddof=1, ``compare``'s sd, clipped to the lowest and
    highest run so that it never claims a value no run has, e.g. above 100 %; no width with one run) or
    "minmax" (lowest and highest run). Returns ``{"mean", "sd", "lo", "hi", "n", "feasible"}`` (``n``: runs
    that reached the query; ``feasible``: those of them with a finite value), each ``(max length,)``; with
    equal, finite curves ``mean`` and ``sd`` are :func:`compare`'s, bit for bit.
    """
    if band not in BANDS:
        raise ValueError(f"band: expected one of {', '.join(BANDS)}, got {band!r}")
    runs = [np.asarray(c, dtype=float).ravel() for c in curves]
    width = max((len(c) for c in runs), default=0)
    arr = np.full((len(runs), width), np.nan)                       # (runs, queries), NaN past a run's end
    reached = np.zeros((len(runs), width), dtype=bool)
    for i, c in enumerate(runs):
        arr[i, :len(c)] = c
        reached[i, :len(c)] = True
    ok = np.isfinite(arr)
    n = reached.sum(axis=0)
    feasible = ok.sum(axis=0)
    whole = (feasible == n) & (n > 0)                                # every run that reached q has a value
    if fixed:
        whole &= n == len(runs)                                      # ... and every run reached q
    with np.errstate(invalid="ignore", divide="ignore"):
        # the same operations as ndarray.mean/std, so equal curves give compare's numbers bit for bit
        mean = np.where(whole, np.where(ok, arr, 0.0).sum(axis=0) / n, np.nan)
        dev = np.where(ok, arr - mean, 0.0)
        sd = np.where(whole, np.where(n > 1, np.sqrt((dev * dev).sum(axis=0) / (n - 1)), 0.0), np.nan)
        low = np.where(whole, np.where(ok, arr, np.inf).min(axis=0, initial=np.inf), np.nan)
        high = np.where(whole, np.where(ok, arr, -np.inf).max(axis=0, initial=-np.inf), np.nan)
        if band == "sd":
            lo, hi = np.clip(mean - sd, low, high), np.clip(mean + sd, low, high)
        elif band == "iqr":
            lo, hi = np.full(width, np.nan), np.full(width, np.nan)
            for q in np.flatnonzero(whole):
                lo[q], hi[q] = np.percentile(arr[ok[:, q], q], [25, 75])
        else:
            lo, hi = low, high
    return {"mean": mean, "sd": sd, "lo": lo, "hi": hi, "n": n, "feasible": feasible}


def _cell(a: dict, c: int, n_runs: int, has_opt: bool) -> str:
    """One searcher's table cell at checkpoint ``c``: mean ± sd (optimum %) over all its runs; "– (k/n)" while
    only k of its n runs have a feasible incumbent (under ``--constraint``: a mean over those k alone would
    change its set of runs from one checkpoint to the next)."""
    at = a["at"][str(c)]
    mean = at["mean"]
    if mean is None or not np.isfinite(mean):
        have = sum(1 for r in a["runs"] if r["at"].get(str(c)) is not None and np.isfinite(r["at"][str(c)]))
        return f"– ({have}/{n_runs})"
    return (f"{mean:.3f}" + (f" ± {at['sd']:.3f}" if n_runs > 1 else "")
            + (f" ({100 * at['optimum_frac']:.0f}%)" if has_opt else ""))


def format_table(summary: dict) -> str:
    """Markdown table: mean ± sd (optimum %) per algo and checkpoint (one run: the value alone), queries to
    the optimum (mean/median over the runs that reached it, and how many did; both only when the summary has
    an optimum), source counts (decoder / mutation / random / design:
    the last is a designed initial pool, e.g. k-means; a summary saved before it existed shows 0 there), and
    the share of runs whose final incumbent the decoder proposed. Every mean is over all runs: "– (k/n)" at a
    checkpoint where only k runs have a feasible incumbent."""
    checks = summary["checkpoints"]
    # no optimum (children trained, not looked up): no "(0%)" at it and no queries-to-optimum column, which
    # read as "never reached" when there is nothing to reach
    has_opt = summary.get("optimum") is not None
    lines = ["| searcher | " + " | ".join(f"{c} queries" for c in checks)
             + (" | queries to optimum mean/median (reached)" if has_opt else "") + " | queries dec/mut/rand/design"
             " | incumbents dec/mut/rand/design | final incumbent decoded | s per run |",
             "|---|" + "---|" * (len(checks) + 4 + has_opt)]
    for name, a in summary["algos"].items():
        n_runs = len(a["runs"])
        # one run has no spread: its value alone, as the dashboard's note writes it (not "± 0.000")
        cells = [_cell(a, c, n_runs, has_opt) for c in checks]
        q, i = a["queries"], a["incumbents"]
        to_opt = (f"{a['queries_to_optimum_mean']:.1f}/{a['queries_to_optimum_median']:.1f}" if a["reached_optimum"]
                  else "–") + f" ({a['reached_optimum']}/{n_runs})"
        lines.append(f"| {a.get('shown', name)} | " + " | ".join(cells) + (f" | {to_opt}" if has_opt else "")
                     + " | " + "/".join(f"{q.get(s, 0.0):.1f}" for s in SHOWN_SOURCES)
                     + " | " + "/".join(f"{i.get(s, 0.0):.1f}" for s in SHOWN_SOURCES)
                     + f" | {100 * a['decoded_final_share']:.0f}% | {a['wall_s']:.1f} |")
    return "\n".join(lines)
