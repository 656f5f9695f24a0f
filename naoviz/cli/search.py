"""``naoviz search``: one search, resumable, optionally on a Dask cluster; the evaluator, searcher and store checks
it shares with ``naoviz compare`` (naoviz/cli/compare.py; the shared options: naoviz/cli/search_options.py)."""
from __future__ import annotations

import sys
from typing import Optional, Sequence

from naoviz.cli.common import (MAX_SEED, cut, emit_json, int_in, json_value, nonempty, option_error, path_arg,
                               resolve_table, resume_command, say_table, show, table_shown, writable_file)
from naoviz.cli.presets import LIST, main_presets_text, print_presets
# The options search shares with compare live in naoviz.cli.search_options; each stays importable from here.
from naoviz.cli.search_options import (add_budget_options, add_cluster_options,  # noqa: F401
                                       add_table_option, budgets_text, check_cluster, hw_options, use_table)
from naoviz.cli.search_resume import check_resume_options, say_replay, stored_answer
from naoviz.cli.train_evaluator import (add_train_options, check_options, check_resume, evaluator_kind, label,
                                        preload, supernet_evaluator, training_evaluator)

TABLE_SPACES = {"nb201": "nb201", "nb201-digits": "nb201-digits"}
SPACES = [*TABLE_SPACES, "naonet", "naonet-ws"]        # naonet spaces: --evaluator train only
RUN_OPTIONS = ("space", "algo", "queries", "seed", "metric", "report", "preset", "config", "delay")  # stored with a run
MAX_QUERIES = 1_000_000          # argparse bound; the space's class count is checked once it is known
MAX_SEEDS = 10_000
# naoviz.search.nao_presets.PRESETS' names, spelled here so that parsing imports no search code (a test
# keeps the two in step)
NAO_PRESETS = ("paper", "default", "sweep", "fast", "step", "trust", "thompson", "semi", "kmeans", "handoff",
               "stall", "ladder", "semi_thompson", "semi_edit", "sweep_projected", "gp")


def add_parser(sub) -> None:
    p = sub.add_parser("search", help="search a space (NAO, evolution, random, local search)",
                       description="Run one search under a query budget and print its incumbent and where its "
                                   "queries came from. With --store every evaluation is written as it "
                                   "finishes, and --resume continues a stopped run (docs/search.md).")
    p.add_argument("--space", default="nb201", choices=SPACES,
                   help="nb201 (NAS-Bench-201 tables; trained cells with --evaluator train), nb201-digits "
                        "(naoviz's digits table), naonet or naonet-ws (--evaluator train); default nb201; "
                        "your own table: --table")
    add_table_option(p)
    p.add_argument("--algo", default="nao", type=nonempty("a searcher name"),
                   help="nao (NAO), re (regularised evolution), rs (random search) or ls (local search); default nao")
    p.add_argument("--queries", type=int_in(1, MAX_QUERIES), default=100,
                   help="budget: unique evaluations, at most the space's distinct architectures (default 100)")
    p.add_argument("--seed", type=int_in(0, MAX_SEED), default=0,
                   help="seed of every random choice the search makes: the same seed, the same run (default 0)")
    p.add_argument("--metric", default="valid_acc", type=nonempty("a metric name", 200),
                   help="the column the search optimises (default valid_acc): any numeric one, naoviz data show; "
                        "losses, errors, times, sizes and latencies are minimised, the rest maximised")
    p.add_argument("--report", default=None, type=nonempty("a metric name", 200),
                   help="the column reported for the incumbent (default: the table's test accuracy, "
                        "cifar10_test_acc on nb201)")
    p.add_argument("--preset", default=None, type=nonempty("a preset name", 200),
                   help="NAO search preset: " + main_presets_text(len(NAO_PRESETS)) + " (default: default, "
                        "the kmeans recipe; with --constraint or --objectives, default runs sweep_projected: the "
                        "sweep, its step projected onto the budget where the cost judge is exact; docs/search.md, "
                        "\"Which NAO preset?\")")
    p.add_argument("--config", metavar="JSON", default=None, type=nonempty("a JSON object", 1_000_000),
                   help='searcher knob overrides as JSON, e.g. \'{"top_k": 5}\' (fields: docs/search.md)')
    p.add_argument("--store", metavar="FILE", default=None, type=path_arg,
                   help="SQLite run store (created if missing); every evaluation is written as it finishes "
                        "(default: none, nothing stored)")
    p.add_argument("--resume", default=None, metavar="RUN_ID", type=nonempty("a run id", 200),
                   help="continue a stored run (needs --store)")
    add_cluster_options(p)
    add_budget_options(p)
    add_train_options(p)
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run_search)
    # With --resume the stored run decides these; one given explicitly must agree with it. argparse cannot
    # tell "given" from "defaulted", so they default to None here and a new run gets the documented defaults.
    p.set_defaults(run_defaults={d: p.get_default(d) for d in RUN_OPTIONS}, **{d: None for d in RUN_OPTIONS})


def _evaluator(space: str, metric: str, report, delay: float = 0.0, queries: int = 0, constraints=None,
               objectives=None, given=None):
    """The table evaluator; bad ``--metric``/``--report`` and a ``--queries`` above the space's distinct
    architectures are errors naming the option, before any search starts. ``given``: a ``--table`` path as the
    user typed it (``space`` is its absolute path), what errors name."""
    from naoviz.evaluate import TableEvaluator
    if space in TABLE_SPACES:
        table = TABLE_SPACES[space]
    elif space in SPACES:
        raise ValueError(f"--space: {show(space)} has no table evaluator; use one of {', '.join(TABLE_SPACES)}, "
                         "or --evaluator train")
    else:                                   # --table PATH (use_table): the file, checked whole before any work
        table = resolve_table(space, "--table", given)  # quiet: the caller says its note when the work starts
    try:
        evaluator = TableEvaluator(table, metric=metric, report=report, delay_s=delay,
                                   constraints=constraints or (), objectives=objectives or ())
    except ValueError as exc:
        raise option_error(exc, "metric", "report", "constraint", "objectives") from None
    pool = evaluator.pool
    if pool is not None and queries > len(pool):
        from naoviz.tables.user_table import shown_path
        shown = shown_path(given, 40) if given is not None else table_shown(evaluator.table)   # 40: one short line
        raise ValueError(f"--queries: at most {len(pool)}, the classes {shown} has rows for; give fewer, add rows, "
                         f"or rerun its build-table command with --archs all; got {queries}")
    classes = getattr(evaluator.space, "classes", None)
    if classes is not None and queries > len(classes):
        where = table_shown(evaluator.table) if not isinstance(table, str) else space
        raise ValueError(f"--queries: at most {len(classes)} (the distinct architectures of {where}), got {queries}")
    return evaluator


def new_evaluator(args, queries: int, delay: float = 0.0):
    """The evaluator of a new search or comparison: a table, or children trained for real."""
    if evaluator_kind(args) == "train":
        return training_evaluator(args, queries)
    if evaluator_kind(args) == "supernet":
        return supernet_evaluator(args, queries)
    typed = getattr(args, "table", None)               # --table as typed: what its errors name
    return _evaluator(args.space, args.metric, args.report, delay, queries, **hw_options(args),
                      **({"given": typed} if typed is not None else {}))


def checked_searcher(algo: str, preset, config, option: str = "--config", budgets: str = "",
                     model_check: bool = True):
    """``make_searcher`` with its ``algo:``/``preset:``/``config:`` errors named as CLI options; a NAO model
    that cannot be built here fails now, not after queries (``check_nao_model``; ``model_check`` False leaves
    that to the caller, which then imports torch only when a NAO run will be made), and so does a NAO config
    with pseudo-labels under ``budgets`` (``--constraint`` / ``--objectives``: see ``budgets_text``; NAO's
    ``default`` then runs the ``sweep`` recipe)."""
    from naoviz.search.registry import make_searcher
    try:
        searcher = make_searcher(algo, preset=preset, config=config, budgets=budgets)
    except ValueError as exc:
        if option == "--config":
            raise option_error(exc, "algo", "preset", "config") from None
        message = str(exc)
        for field in ("algo: ", "preset: ", "config: "):   # --algos: name the item, not make_searcher's field
            if message.startswith(field):
                message = message[len(field):]
                break
        item = f"{algo}:{preset}" if preset else algo
        raise ValueError(f"{option}: {item}: {message}") from None
    if searcher.name == "nao":
        if model_check:
            check_nao_model(searcher, option)
        if budgets and searcher.config.pseudo_cells:
            where = f"{option}: {algo}:{preset}" if option == "--algos" else ("--preset" if preset else option)
            raise ValueError(f"{where}: pseudo-labels (pseudo_cells {searcher.config.pseudo_cells}) need a search "
                             "without --constraint or --objectives")
    return searcher


def check_nao_model(searcher, option: str = "--config") -> None:
    """Build a NAO searcher's model once (imports torch): a tokenization or a CUDA device this build cannot
    serve fails now, named under ``option``, not after queries."""
    from naoviz.errors import NaovizError
    from naoviz.nao import NAO
    from naoviz.spaces import NB201Space
    try:
        NAO(NB201Space(), searcher.model_config(0))
    except (ValueError, NaovizError) as exc:      # NaovizError: CUDA asked for on a build without it
        raise ValueError(f"{option}: model: {exc}") from None


def one_torch_thread() -> None:
    """NAO's small networks run fastest on one thread, and the machine is shared."""
    import torch
    torch.set_num_threads(1)


def run_search(args) -> int:
    if args.preset == LIST:                 # --preset list: the catalogue, no search
        return print_presets(args.json)
    from naoviz.evaluate import ClusterConfig, Executors
    from naoviz.search import resume_search, start_search
    if args.resume and not args.store:
        raise ValueError("--resume: needs --store (the run store that holds the run)")
    use_table(args)
    if not args.resume:
        for name, default in args.run_defaults.items():
            if getattr(args, name) is None:
                setattr(args, name, default)
    check_cluster(args.scheduler, args.local_cluster)
    config = None
    if args.config:
        config = json_value(args.config, "--config")
        if not isinstance(config, dict):
            raise ValueError(f"--config: expected a JSON object, got {show(args.config)}")
    if not args.resume:
        searcher = checked_searcher(args.algo, args.preset, config, budgets=budgets_text(args))
        check_options(args)
        evaluator = new_evaluator(args, args.queries, delay=args.delay)   # data loaded before a run is stored
    store = open_store(args.store) if args.store else None
    if args.resume:
        try:
            run = store.get_run(args.resume)
        except KeyError as exc:             # a mistyped id: where the ids are listed
            raise ValueError(f"--resume: {exc.args[0]} (naoviz runs --store {cut(args.store, 80)} lists them)") from None
        if run["kind"] != "search":        # a compare record or a build-table run: not resumed by search
            raise ValueError(f"--resume: run {args.resume} is a {run['kind']} run, not a search (naoviz runs "
                             f"--store {cut(args.store, 80)} says how to resume it)")
        check_resume_options(args, config, run)
        check_resume(args, run)
        result = stored_answer(store, run)      # a finished run: read back, no torch, cluster or replay
        if result is not None:
            return _report(args, result, run["config"]["evaluator"], None)
        preload(run)
        algo = run["config"].get("algo") if isinstance(run["config"], dict) else None
    else:
        algo = args.algo
    if algo == "nao":
        one_torch_thread()
    cluster = ClusterConfig(scheduler=args.scheduler, local_cluster=args.local_cluster, retries=args.retries)
    with Executors(cluster) as executor:
        if args.resume:
            args.interrupted_hint = f"resume it: {resume_command(cut(args.store, 120), args.resume)}"
            result = resume_search(store, args.resume, executor=executor, progress=not args.no_progress,
                                   on_replay=lambda n: say_replay(run, algo, n))
        else:
            from naoviz.search.registry import check_cache
            check_cache([searcher])                         # a NAOVIZ_CACHE the search cannot use: before any note
            say_table(getattr(evaluator, "table", None))    # every check passed (store, cluster): one error line
            say_start(searcher, args.queries, args.algo, args.preset)
            evaluator.use_executor(executor)
            result = start_search(args.algo, evaluator, args.queries, args.seed, preset=args.preset,
                                  config=config, store=store, progress=not args.no_progress,
                                  on_start=lambda run_id: _announce(run_id, args))
    described = store.get_run(args.resume)["config"]["evaluator"] if args.resume else evaluator.describe()
    return _report(args, result, described, None if args.resume else evaluator)


def say_start(searcher, queries: int, algo: str, preset) -> None:
    """The note on stderr when the budget is spent on the searcher's initial pool, so its step never runs
    (``naoviz.search.registry.start_note``): after every check, before the first query."""
    from naoviz.search.registry import label, start_note
    note = start_note(searcher, queries, label(algo, preset))
    if note:
        print(note, file=sys.stderr, flush=True)


def _report(args, result, described: dict, evaluator) -> int:
    """Print ``result`` (``--json``: as JSON) and return 0. ``described``: the evaluator's ``describe()``;
    ``evaluator``: a new run's own (None on --resume: rebuilt from ``described`` where a line needs it)."""
    from naoviz.search import SHOWN_SOURCES
    if args.json:
        emit_json({**result.to_dict(), "table": _table_of(evaluator if evaluator is not None else described)})
        return 0
    inc = result.incumbent()
    counts = result.counts()
    feasible = result.feasible()
    replayed = sum(r.replayed for r in result.history)
    where = {"training": "", "supernet": " and scoring with the supernet"}.get(described.get("name"), " in the table")
    name = f"{result.algo}:{result.preset}" if result.preset else result.algo   # nao:default (sweep under ...)
    from naoviz.tables.user_table import shown_path
    searched = shown_path(args.table) if args.table is not None and not args.resume else label(described)  # as typed
    wall = "stored result (nothing run again)" if result.stored else f"{result.wall_s:.1f} s wall"
    print(f"{name} on {searched}: {len(result.history)} queries, seed {result.seed}, "
          f"{wall}, {_duration(result.train_time_s)} of training{where}")
    # a resumed run says what its table restricted it to, as the run did when it started
    partial = partial_text(evaluator if evaluator is not None else _evaluator_of(described), snapped_count(result))
    if partial:
        print(partial)
    if result.constraints:
        print(f"constraints: {', '.join(result.constraints)}; {int(feasible.sum())}/{len(feasible)} queries feasible")
    if inc is None:
        print("incumbent: none (no query met the constraints)")
    else:
        reported = f"  {result.report}={inc.report:.4f}" if result.report != result.metric else ""   # once when one
        print(f"incumbent: {inc.arch}  {result.metric}={inc.value:.4f}{reported} (query {inc.query}, from {inc.source})")
    if result.objectives:
        from naoviz.search.pareto import front_of_records
        from naoviz.tables.benchmark import lower_is_better
        front = front_of_records(result.history, result.objectives, [not lower_is_better(o) for o in result.objectives])
        print(f"Pareto front of {', '.join(result.objectives)}: {len(front)} cells")
        for r in front:
            print("  " + "  ".join(f"{o}={r.metrics[o]:.4g}" for o in result.objectives) + f"  {r.arch}")
    retrieved = result.retrieved()
    print(f"queries    {'/'.join(SHOWN_SOURCES)}: " + "/".join(str(counts["queries"][s]) for s in SHOWN_SOURCES)
          + (f" ({retrieved} of the decoder's retrieved from the pool, not LSTM-decoded: decode_by nearest)"
             if retrieved else ""))
    print(f"incumbents {'/'.join(SHOWN_SOURCES)}: " + "/".join(str(counts["incumbents"][s]) for s in SHOWN_SOURCES))
    if result.stored:
        print(f"run {result.run_id} in {args.store} (finished: its {len(result.history)} stored evaluations read, "
              "nothing replayed)")
    elif result.run_id:
        print(f"run {result.run_id} in {args.store}" + (f" ({replayed} evaluations replayed from the store)" if replayed else ""))
    return 0


def _table_of(evaluator) -> Optional[dict]:
    """``table`` in ``search --json``, as ``compare --json`` has it (``experiments.search.table_of``: the name, and
    a table file's path as given, absolute path and fingerprint; None when children were trained or scored).
    ``evaluator``: the search's, or a resumed run's stored ``describe()``, rebuilt for it."""
    from naoviz.experiments.search import table_of
    if isinstance(evaluator, dict):
        evaluator = _evaluator_of(evaluator)
        if evaluator is None:
            return None
    return table_of(evaluator)


def _evaluator_of(described: dict):
    """A resumed run's table evaluator, rebuilt from its stored ``describe()`` (the file is read again, cached by
    its path and content); None when it trained or scored children."""
    if described.get("name") != "table":
        return None
    from naoviz.evaluate import evaluator_from_config
    return evaluator_from_config(described)


def partial_text(evaluator, snapped: Optional[int] = None, snappers: Sequence[str] = ()) -> str:
    """One line when the table is partial (what a search on it was restricted to), else "". ``snapped``: how
    many of a NAO run's decodes were snapped into the table (``snap_to_table``, on in ``default``; None: the run
    did not snap); ``snappers``: the searchers of a comparison that snap (``nao:default``)."""
    pool = getattr(evaluator, "pool", None)
    if not isinstance(pool, dict):
        return ""
    head = f"partial table: {len(pool):,} of {len(evaluator.space.classes):,} classes; only its classes were proposed "
    if snapped is not None:
        return head + f"({snapped} decodes outside it snapped to the nearest table cell, mutations outside it skipped)"
    return head + "(decodes and mutations outside it skipped" + (
        f"; {', '.join(snappers)} snap{'s' if len(snappers) == 1 else ''} decodes to the nearest table cell instead)"
        if snappers else ")")


def snapped_count(result) -> Optional[int]:
    """How many of ``result``'s queries were decodes snapped into a partial table; None when its searcher does
    not snap (not NAO, or ``snap_to_table`` off)."""
    config = getattr(result, "config", None)
    if not isinstance(config, dict) or not config.get("snap_to_table"):
        return None
    return sum("snapped_from" in r.extra for r in result.history)


def _announce(run_id: str, args) -> None:
    """The new run's id on stderr before its first evaluation: what a killed search needs to be resumed (and
    the line a Ctrl-C prints, naoviz.cli.main)."""
    args.interrupted_hint = f"resume it: {resume_command(cut(args.store, 120), run_id)}"
    print(f"run {run_id} in {args.store} (if it stops: {resume_command(args.store, run_id)}; "
          f"naoviz runs --store {args.store} lists every run)", file=sys.stderr, flush=True)


def _duration(seconds: float) -> str:
    """Training time as read: hours from 6 minutes, whole seconds from 10 s, tenths below (not "0 s")."""
    if seconds >= 360:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds:.0f} s" if seconds >= 10 else f"{seconds:.1f} s"


def open_store(path):
    """The ``--store`` file as a ``RunStore``; its problems are ``--store`` errors."""
    from naoviz.store import RunStore
    writable_file(path, "--store")
    try:
        return RunStore(path)
    except ValueError as exc:
        raise ValueError(f"--store: {exc}") from None
