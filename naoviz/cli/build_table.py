"""``naoviz build-table``: train one NB201 architecture per canonical class into a tabular benchmark."""
from __future__ import annotations

from naoviz.cli.common import emit_json


def add_parser(sub) -> None:
    p = sub.add_parser("build-table", help="train NB201 cells on digits/CIFAR into a benchmark table",
                       description="Train one architecture per canonical NB201 class (all 6,466 or N of them) "
                                   "and write a table the benchmark interface reads (nb201-digits). Results go "
                                   "to the run store as they finish; rerunning the same command resumes.")
    p.add_argument("--space", default="nb201", choices=["nb201"])
    p.add_argument("--data", default="digits", choices=["digits", "cifar10", "cifar100", "synthetic"])
    p.add_argument("--epochs", type=int, default=4)
    p.add_argument("--archs", default="all", help="'all' canonical classes or a number N (seeded subset)")
    p.add_argument("--channels", type=int, default=8, help="width C of the NB201 net")
    p.add_argument("--cells", type=int, default=1, help="cells per stage N")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--lr", type=float, default=0.05)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--data-dir", default=None)
    p.add_argument("--store", required=True, help="run-store SQLite file (resumes a build with the same settings)")
    p.add_argument("--out", default=None, help="table path (default: <data dir>/nb201_digits.csv)")
    p.add_argument("--scheduler", default=None, help="Dask scheduler address tcp://host:port")
    p.add_argument("--workers", type=int, default=0, help="local Dask worker processes (1 thread each)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run)


def run(args) -> int:
    from naoviz.tables.benchmark import DIGITS_FILE
    from naoviz.child.build_table import BuildConfig, build_benchmark
    from naoviz.evaluate import ClusterConfig
    from naoviz.paths import data_dir

    archs = args.archs
    if archs != "all":
        try:
            archs = int(archs)
        except ValueError:
            raise ValueError(f"--archs: expected 'all' or a number, got {args.archs!r}") from None
    config = BuildConfig(space=args.space, data=args.data, epochs=args.epochs, archs=archs,
                         channels=args.channels, cells=args.cells, batch_size=args.batch_size, lr=args.lr,
                         seed=args.seed, data_dir=args.data_dir)
    out = args.out or str(data_dir() / DIGITS_FILE)
    cluster = ClusterConfig(scheduler=args.scheduler, local_cluster=args.workers or False)
    summary = build_benchmark(config, args.store, out, cluster, progress=not args.json)
    if args.json:
        emit_json(summary)
    else:
        print(f"run {summary['run_id']}: trained {summary['trained']}, reused {summary['reused']}, "
              f"{summary['rows']} rows -> {summary['table']}")
    return 0
