"""The options ``naoviz search`` and ``naoviz compare`` share, and their checks: ``--table``, the cluster's
(``--scheduler``, ``--local-cluster``, ``--retries``, ``--delay``) and the budgets' (``--constraint``,
``--objectives``). Kept apart from naoviz/cli/search.py, which runs one search with them."""
from __future__ import annotations

from naoviz.cli.common import (TABLE_METAVAR, float_in, int_in, max_workers, nonempty, path_arg, show,
                               workers_in)
from naoviz.cli.train_evaluator import evaluator_kind


def add_budget_options(p) -> None:
    """``--constraint`` and ``--objectives``, the same for ``search`` and ``compare``."""
    p.add_argument("--constraint", action="append", default=None, type=nonempty("a constraint like latency_pixel3<=12", 500),
                   metavar="COL<=X", help="keep only cells with COL <= X (or <, >=, >) feasible; repeatable; any "
                   "numeric column (naoviz data show)")
    p.add_argument("--objectives", metavar="COL,COL", default=None, type=nonempty("a comma list of columns", 1000),
                   help="Pareto search, e.g. valid_acc,latency_pixel3 (the search metric first)")


def add_cluster_options(p) -> None:
    """``--scheduler``, ``--local-cluster``, ``--retries`` and ``--delay``, the same for ``search`` and ``compare``."""
    p.add_argument("--scheduler", metavar="ADDRESS", default=None, type=nonempty("a Dask scheduler address", 1000),
                   help="Dask scheduler address, tcp://host:8786 (each worker reads a --table file at the same "
                        "path and NB201 from its own NAOVIZ_DATA)")
    p.add_argument("--local-cluster", type=workers_in(0, max_workers()), default=0, metavar="N|auto",
                   help="start a local Dask cluster of N workers (at most 4 per CPU core), pinned to the CUDA "
                        "GPUs in turn; auto: one worker per GPU, or one per CPU core without a GPU (default 0: no "
                        "cluster, evaluate in this process)")
    p.add_argument("--retries", type=int_in(0, 100), default=2,
                   help="re-runs of an evaluation whose worker died (Dask; default 2)")
    p.add_argument("--delay", metavar="SECONDS", type=float_in(0.0, 60.0), default=0.0,
                   help="seconds of simulated work per table query (default 0)")


TABLE_HELP = ("the NB201 space with this table: a name (nb201, nb201-digits) or the path of a CSV that naoviz "
              "build-table wrote (arch_str + numeric columns); instead of --space. A partial table (fewer rows than "
              "the 6,466 classes) is searched within its rows (docs/data.md)")


def add_table_option(p) -> None:
    """``--table NAME|PATH``, the same for ``search`` and ``compare``."""
    p.add_argument("--table", default=None, type=path_arg, metavar=TABLE_METAVAR, help=TABLE_HELP)


def use_table(args) -> None:
    """``--table`` as the space the search runs on (``args.space``: the table's name or its file's absolute
    path, what a run stores); with ``--space`` or a non-table evaluator it is an error. Call before the
    defaults are filled in, so a given ``--space`` is told from a defaulted one."""
    if args.table is None:
        return
    if args.space is not None:
        raise ValueError(f"--table: give either --space or --table, not both (got --space {show(args.space)} "
                         f"and --table {show(args.table)})")
    if evaluator_kind(args) != "table":
        raise ValueError(f"--table: cells are looked up in a table; drop --evaluator {args.evaluator} "
                         "(it trains or scores cells itself)")
    from naoviz.tables.user_table import table_id
    args.space = table_id(args.table)


def budgets_text(args) -> str:
    """What ``--constraint`` / ``--objectives`` put a search under ("constraints", ...; "" for none), as
    ``nao_presets.budgets_of`` says it of the evaluator they make."""
    from types import SimpleNamespace
    from naoviz.search.nao_presets import budgets_of
    return budgets_of(SimpleNamespace(constraints=args.constraint, objectives=args.objectives))


def hw_options(args) -> dict:
    """``--constraint`` / ``--objectives`` as evaluator arguments (none when neither is given)."""
    out = {}
    if args.constraint:
        out["constraints"] = args.constraint
    if args.objectives:
        out["objectives"] = args.objectives
    return out


def check_cluster(scheduler, local_cluster, local_option: str = "--local-cluster") -> None:
    if scheduler and local_cluster:
        raise ValueError(f"--scheduler: give either --scheduler or {local_option}, not both "
                         f"(got {show(scheduler)} and {local_cluster})")
    if scheduler and not str(scheduler).startswith(("tcp://", "tls://", "inproc://", "ws://", "wss://")):
        raise ValueError(f"--scheduler: expected an address like tcp://host:8786, got {show(scheduler)}")
