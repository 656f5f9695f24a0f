"""``naoviz compare``: every searcher on the same seeds, incumbent curves, optimum hits, costs under budgets and,
with ``--against``, paired differences with a bootstrap interval."""
from __future__ import annotations

import json
import os
import sys

from naoviz.cli.common import (MAX_SEED, cut, cut_path, emit_json, int_in, nonempty, one_line, option_error, path_arg,
                               say_table, show, workers_in, writable_dir)
from naoviz.cli.presets import main_presets_text
from naoviz.cli.search import (MAX_QUERIES, MAX_SEEDS, NAO_PRESETS, SPACES, add_budget_options, add_cluster_options,
                               add_table_option, budgets_text, check_cluster, check_nao_model, checked_searcher,
                               new_evaluator, one_torch_thread, open_store, partial_text, use_table)
from naoviz.cli.train_evaluator import add_train_options, check_options, evaluator_kind

MAX_JOBS = 256              # naoviz.experiments.compare_jobs.MAX_JOBS (a test checks it)
FIGURE_WRITE_FAILED = 3     # naoviz.viz.compare_figure.WRITE_FAILED (the CLI imports no UI module)
FIGURE_NOT_WRITTEN = "figures not written: "
FIGURE_SKIPPED = ("PNG skipped", "figures skipped")   # _write_figures' entries that name no file written

# naoviz.experiments.paired's bootstrap bounds and default, spelled here so that parsing imports no experiment
# code (a test checks them)
MIN_BOOTSTRAP, MAX_BOOTSTRAP, DEFAULT_BOOTSTRAP = 100, 1_000_000, 10_000


def add_parser(sub) -> None:
    c = sub.add_parser("compare", help="compare searchers over seeds (incumbent curves, optimum hits)",
                       description="Run every searcher of --algos on the same seeds and print, per searcher, the "
                                   "mean incumbent at each checkpoint and how often and how fast it reached the "
                                   "optimum. --out DIR writes summary.json and the figures (docs/search.md).")
    c.add_argument("--space", default=None, choices=SPACES, help="as naoviz search --space (default nb201)")
    add_table_option(c)
    c.add_argument("--algos", default="nao,re,rs,ls", type=nonempty("a comma list of searchers", 1000),
                   help="comma list of nao (NAO), re (regularised evolution), rs (random search), ls (local search) "
                        "(default nao,re,rs,ls); nao:PRESET picks a NAO preset: "
                        + main_presets_text(len(NAO_PRESETS)))
    c.add_argument("--queries", type=int_in(1, MAX_QUERIES), default=100,
                   help="budget per run: unique evaluations (default 100)")
    c.add_argument("--seeds", metavar="N", type=int_in(1, MAX_SEEDS), default=10,
                   help="number of seeds: FIRST_SEED .. FIRST_SEED+N-1 (default 10)")
    c.add_argument("--first-seed", type=int_in(0, MAX_SEED - MAX_SEEDS), default=0,
                   help="the first seed (default 0); e.g. 10 with --seeds 20 runs the held-out seeds 10-29")
    c.add_argument("--metric", default="valid_acc", type=nonempty("a metric name", 200),
                   help="the column the search optimises (default valid_acc): any numeric one, naoviz data show; "
                        "losses, errors, times, sizes and latencies are minimised, the rest maximised")
    c.add_argument("--report", default=None, type=nonempty("a metric name", 200),
                   help="the column reported for each incumbent and judged against the table's optimum (default: "
                        "the table's test accuracy, cifar10_test_acc on nb201)")
    add_budget_options(c)
    add_train_options(c)
    c.add_argument("--store", metavar="FILE", default=None, type=path_arg,
                   help="SQLite run store: every run and evaluation is written as it finishes, and the same "
                        "command run again with the same store takes up the runs already there (finished ones "
                        "read back, nothing run again; interrupted ones continued)")
    add_cluster_options(c)
    c.add_argument("--jobs", default=1, type=workers_in(1, MAX_JOBS), metavar="N|auto",
                   help="run the (searcher, seed) runs in N worker processes, one torch thread each; auto: one per "
                        "CPU this process may use, the smaller of its CPU affinity set and its cgroup CPU quota, "
                        "e.g. a container's --cpus 2 (default 1: one after another in this process). The figures "
                        "are the same for any N, wall times aside; table look-ups only (not with --evaluator train "
                        "or supernet, --local-cluster or --scheduler)")
    c.add_argument("--out", metavar="DIR", default=None, type=path_arg,
                   help="folder for summary.json, the incumbent-vs-queries figure and, under --constraint or "
                        "--objectives, one accuracy-against-cost Pareto figure per cost column; each file written "
                        "is named on its own line (default: none, only the table is printed)")
    c.add_argument("--against", default=None, metavar="ALGO", type=nonempty("a searcher of --algos", 1000),
                   help="after the table, every other searcher's paired difference to ALGO (one of --algos, as "
                        "written there) per checkpoint: mean over seeds, 95%% bootstrap interval, wins/ties/losses, "
                        "ahead/behind only when the interval excludes 0 (docs/search.md)")
    c.add_argument("--bootstrap", default=None, metavar="N", type=int_in(MIN_BOOTSTRAP, MAX_BOOTSTRAP),
                   help=f"bootstrap resamples for --against's interval (default {DEFAULT_BOOTSTRAP}; the "
                        "resampling seed is fixed, so the same runs give the same interval)")
    c.add_argument("--no-progress", action="store_true", help="no progress bar")
    c.add_argument("--json", action="store_true", help="machine-readable output")
    c.set_defaults(func=run_compare)


def _write_figures(out) -> list[str]:
    """The comparison's figures in ``out`` (``naoviz compare --out``), drawn from ``out/summary.json`` by the
    UI layer's program ``python -m naoviz.viz.compare_figure`` in its own process: the CLI, like the rest of
    the backend, imports no plotting library. Returns what was written, or why the figures were skipped."""
    import subprocess
    done = subprocess.run([sys.executable, "-m", "naoviz.viz.compare_figure", str(out)], capture_output=True,
                          text=True, stdin=subprocess.DEVNULL)
    if done.returncode == 0:
        try:
            return list(json.loads(done.stdout.strip().splitlines()[-1]))
        except (ValueError, IndexError):
            pass
    why = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
    if done.returncode == FIGURE_WRITE_FAILED:       # the disk refused it: the command fails, after its table
        return [f"{FIGURE_NOT_WRITTEN}{why.removeprefix('compare figure: ')} in {cut_path(out, 60)} (summary.json "
                "written; any older figure there kept)"]
    return [f"figures skipped: {why}"]


def _check_against(args, algos) -> None:
    """``--against`` names one of ``--algos`` (as labelled there: ``ls``, ``nao:kmeans``) and leaves another
    to compare, over two seeds or more; ``--bootstrap`` only with it. Checked before any search."""
    from naoviz.experiments.compare_record import label
    labels = [label(a, p) for a, p in algos]
    if args.against is None:
        if args.bootstrap is not None:
            raise ValueError(f"--bootstrap: sets --against's interval; got {args.bootstrap} without --against")
        return
    if args.against not in labels:
        raise ValueError(f"--against: {show(args.against)} is not one of --algos ({cut(', '.join(labels), 200)})")
    if len(labels) < 2:
        raise ValueError(f"--against: {show(args.against)} is the only searcher in --algos; nothing to compare")
    if args.seeds < 2:
        raise ValueError(f"--against: needs --seeds 2 or more for an interval over seeds, got --seeds {args.seeds}")


def _check_jobs(args) -> None:
    """``--jobs`` other than 1 runs whole searches in processes of their own: not with a Dask cluster (which
    parallelises the evaluations inside each search) nor an evaluator that trains or scores cells itself (every
    worker would load the data and share one GPU's memory; per-worker GPU pinning is not done)."""
    if args.jobs == 1:
        return
    if args.scheduler or args.local_cluster:
        other = f"--scheduler {show(args.scheduler)}" if args.scheduler else f"--local-cluster {args.local_cluster}"
        raise ValueError(f"--jobs: runs whole searches in parallel processes; {other} parallelises the evaluations "
                         f"inside each search: give one or the other, got --jobs {args.jobs}")
    kind = evaluator_kind(args)
    if kind != "table":
        raise ValueError(f"--jobs: only table look-ups run in parallel; --evaluator {kind} trains or scores cells "
                         f"itself (every worker would load the data and share one GPU): use --jobs 1, got "
                         f"--jobs {args.jobs}")


def run_compare(args) -> int:
    from naoviz.evaluate import ClusterConfig, Executors
    from naoviz.experiments.compare_runs import all_finished, read_finished
    from naoviz.experiments.search import compare, format_table, parse_algos
    from naoviz.search.registry import check_cache, start_notes
    use_table(args)
    if args.space is None:
        args.space = "nb201"
    check_cluster(args.scheduler, args.local_cluster)
    _check_jobs(args)
    try:
        algos = parse_algos(args.algos)
    except ValueError as exc:
        raise option_error(exc, "algos") from None
    snappers = []                       # NAO presets that snap decodes into a partial table (the line below)
    nao_searchers = []                  # their models are built (torch) below, unless every NAO run is stored
    for algo, preset in algos:          # every searcher and preset checked before the first run
        searcher = checked_searcher(algo, preset, None, option="--algos", budgets=budgets_text(args),
                                    model_check=False)
        if searcher.name == "nao":
            nao_searchers.append(((algo, preset), searcher))
        if getattr(searcher.config, "snap_to_table", False):
            snappers.append(f"{algo}:{preset or 'default'}")
    _check_against(args, algos)
    if args.out:
        writable_dir(args.out, "--out")
        from naoviz import export_settings
        export_settings.check()         # the PNG/SVG/PDF's NAOVIZ_EXPORT_TIMEOUT and NAOVIZ_CHROMIUM, before any run
    store = open_store(args.store) if args.store else None
    if store is not None:               # the line a Ctrl-C prints (naoviz.cli.main)
        import shlex
        argv = getattr(args, "argv", None)
        again = f": {shlex.join(['naoviz', *argv])}" if argv else ""
        args.interrupted_hint = f"the runs so far are in {cut(args.store, 120)}; the same command resumes them{again}"
    check_options(args)
    evaluator = new_evaluator(args, args.queries, delay=args.delay)
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    read_back = None                    # the store's finished runs, read once when NAO or a cluster asks
    if store is not None and (nao_searchers or args.scheduler or args.local_cluster):
        read_back = read_finished(evaluator, algos, args.queries, seeds, store)
    if nao_searchers and not (read_back is not None and all_finished(
            read_back, [spec for spec, _ in nao_searchers], seeds)):
        for _, searcher in nao_searchers:   # a NAO run will be made: its model must build here (imports torch)
            check_nao_model(searcher, option="--algos")
        one_torch_thread()
    bar, runs = None, len(algos) * len(seeds)
    from naoviz.experiments.compare_jobs import resolve_jobs
    parallel = min(resolve_jobs(args.jobs), runs) > 1      # as compare() counts its processes
    made = [0] * runs                       # --jobs N: each run's queries so far, as its worker reports them
    runs_done = 0

    def finished(run: dict) -> None:        # one bar over runs: done / total, the searcher that just finished
        nonlocal runs_done
        if parallel:                        # the bar counts queries; the postfix, the runs done
            runs_done += 1
            bar.set_postfix_str(f"{runs_done}/{runs} runs done, last {run['algo']}")
            return
        bar.set_postfix_str(run["algo"], refresh=False)
        bar.update(1)

    def planned(read: int, total: int) -> None:   # stderr, before any run: what the store already answered
        if read:
            rest = f"running {total - read}" if read < total else "nothing to run"
            line = f"compare: {read} of {total} runs taken from the store (finished: read back, not run again); {rest}"
            if bar is not None:
                bar.write(line, file=sys.stderr)
            else:
                print(line, file=sys.stderr, flush=True)

    def queried(i: int, n: int) -> None:    # --jobs N: run i has made n queries (a worker's throttled count)
        if n > made[i]:
            bar.update(n - made[i])
            made[i] = n
    cluster = ClusterConfig(scheduler=args.scheduler, local_cluster=args.local_cluster, retries=args.retries)
    if read_back is not None and (args.scheduler or args.local_cluster) and all_finished(read_back, algos, seeds):
        cluster = ClusterConfig()           # every run is read back from the store: nothing to evaluate anywhere
    with Executors(cluster) as executor:
        check_cache(algos)                              # a NAOVIZ_CACHE NAO cannot use: its line before any note
        say_table(getattr(evaluator, "table", None))    # every check passed (store, cluster): one error line
        for note in start_notes(algos, args.queries, budgets=budgets_text(args)):   # a budget within a pool
            print(note, file=sys.stderr, flush=True)
        if not args.no_progress:
            from tqdm import tqdm
            from naoviz.progress import echo_bar                    # a typed Ctrl-C's "^C" fits after it
            # --jobs 1: a bar over runs, each search's own bar under it; --jobs N: one bar over every query of
            # every run (runs x queries), fed by the workers, so it moves while long runs are under way
            bar = echo_bar(tqdm, total=runs * args.queries if parallel else runs, desc="compare",
                           unit="query" if parallel else "run", file=sys.stderr, leave=False)
        evaluator.use_executor(executor)
        summary = compare(evaluator, algos, args.queries, seeds, store=store,
                          command=["naoviz", *getattr(args, "argv", ["compare"])], cwd=os.getcwd(),
                          on_run=finished if bar else None, jobs=args.jobs,
                          on_query=queried if bar is not None and parallel else None, on_plan=planned,
                          progress=bar is not None and not parallel,   # each search's own bar under the runs' bar
                          finished=read_back)
    if bar is not None:
        bar.close()
    if args.against is not None:
        from naoviz.experiments.paired import paired_summary
        summary["paired"] = paired_summary(summary, args.against, args.bootstrap or DEFAULT_BOOTSTRAP)
    if args.out:
        from pathlib import Path
        from naoviz.jsonio import dumps_strict
        from naoviz.paths import atomic_write_text
        out = Path(args.out)
        summary["command"] = ["naoviz", *getattr(args, "argv", ["compare"])]     # README.md names it
        atomic_write_text(out / "summary.json", dumps_strict(summary, indent=1))
        summary["figures"] = _write_figures(out)
    if args.json:
        emit_json(summary)
        return _figures_failed(summary)
    scored = ("cells scored by one shared-weight supernet" if evaluator_kind(args) == "supernet"
              else "children trained")
    bound = "constrained " if summary.get("constraints") else ""     # the best FEASIBLE value: what runs can reach
    optimum = (f"{bound}optimum {summary['optimum']}" if summary["optimum"] is not None
               else f"no optimum: {scored}, not looked up")
    from naoviz.tables.user_table import shown_path
    shown = shown_path(args.table) if args.table is not None else args.space      # as typed: every command's rule
    print(f"{shown}: search {summary['metric']}, report {summary['report']} ({optimum}), {len(seeds)} seed{'' if len(seeds) == 1 else 's'}")
    if partial_text(evaluator):
        print(partial_text(evaluator, snappers=snappers))
    top = summary.get("metric_best_report")
    if top is not None and summary["optimum"] is not None and abs(top - summary["optimum"]) > 1e-9:
        print(f"note: the table's best {summary['metric']} cell reports {top:g}, not the optimum: a run that "
              f"measures it ends there, below the optimum (the incumbent is the best by {summary['metric']})")
    print(format_table(summary))
    for name, a in summary["algos"].items():           # decode_by nearest: the decoder's queries were retrieved
        if a.get("retrieved"):
            print(f"{name}: {a['retrieved']:.1f} of its {a['queries']['decoder']:.1f} decoder queries per run were "
                  "retrieved from the pool, not LSTM-decoded (decode_by nearest)")
    if store is not None:
        runs = [r for a in summary["algos"].values() for r in a["runs"]]
        read = [r for r in runs if r.get("stored")]                     # finished: read back, nothing run
        taken = [r for r in runs if r["replayed"] and not r.get("stored")]  # replayed, then continued
        line = f"runs in {args.store}: {len(runs) - len(taken) - len(read)} new"
        if read:
            line += f", {len(read)} read from the store (finished, nothing run again)"
        if taken:
            line += (f", {len(taken)} taken up from the store ({sum(r['replayed'] for r in taken)} evaluations "
                     "replayed, not repeated)")
        if read or taken:
            line += "; s per run counts this command's time, not the first pass"
        print(line)
    if summary.get("constraints") or summary.get("objectives"):
        from naoviz.experiments.constrained import format_hw_table
        print(format_hw_table(summary))
    if "paired" in summary:
        from naoviz.experiments.paired import paired_table
        print()
        print(paired_table(summary["paired"]))
    if args.out:
        print(f"summary: {os.path.join(args.out, 'summary.json')}")
    for f in summary.get("figures", []):
        if f.startswith(FIGURE_SKIPPED):            # no browser for PNG: a note (docs/search.md), not a file
            print(f"note: {f}")
        elif f.endswith("README.md"):                  # where the figures came from, their captions
            print(f"readme: {f}")
        elif not f.startswith(FIGURE_NOT_WRITTEN):
            print(f"figure: {f}")
    return _figures_failed(summary)


def _figures_failed(summary: dict) -> int:
    """1 after one error line when the disk refused a figure (``_write_figures``), else 0."""
    failed = [f for f in summary.get("figures", []) if f.startswith(FIGURE_NOT_WRITTEN)]
    if failed:
        print(f"naoviz compare: error: {one_line(failed[0])}", file=sys.stderr)
    return 1 if failed else 0
