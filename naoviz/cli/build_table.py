"""``naoviz build-table``: train one NB201 architecture per canonical class into a tabular benchmark."""
from __future__ import annotations

from naoviz.cli.child import (MAX_BATCH, MAX_CELLS, MAX_CHANNELS, MAX_CHILD_SEED, MAX_EPOCHS, add_data_options,
                              check_image_size, data_line, load_data_option, scan_data)
from naoviz.cli.common import (cut, emit_json, float_in, int_in, max_workers, nonempty, not_the_store, path_arg,
                               readable_dir, show, workers_in, writable_file)


def add_parser(sub) -> None:
    p = sub.add_parser("build-table", help="train NB201 cells on digits/CIFAR into a benchmark table",
                       description="Train one architecture per canonical NB201 class (all 6,466 or N of them) "
                                   "and write a table the benchmark interface reads (nb201-digits). Results go "
                                   "to the run store as they finish; rerunning the same command resumes.")
    p.add_argument("--space", default="nb201", choices=["nb201"], help="the search space (nb201 only, the default)")
    add_data_options(p)
    p.add_argument("--epochs", type=int_in(1, MAX_EPOCHS), default=4, help="training epochs per cell (default 4)")
    p.add_argument("--archs", default="all", type=nonempty("'all' or a number", 100),
                   help="'all' canonical classes (the default) or a number N (seeded subset)")
    p.add_argument("--channels", type=int_in(1, MAX_CHANNELS), default=8, help="width C of the NB201 net (default 8)")
    p.add_argument("--cells", type=int_in(1, MAX_CELLS), default=1, help="cells per stage N (default 1)")
    p.add_argument("--batch-size", type=int_in(1, MAX_BATCH), default=64, help="images per SGD step (default 64)")
    p.add_argument("--lr", type=float_in(0.0, 10.0, lo_open=True), default=0.05, help="SGD learning rate (default 0.05)")
    p.add_argument("--seed", type=int_in(0, MAX_CHILD_SEED), default=0,
                   help="seed of the class subset and order, the data split and every cell's training (default 0)")
    p.add_argument("--data-dir", metavar="DIR", default=None, type=path_arg,
                   help="folder with the CIFAR archives (default: $NAOVIZ_DATA or the per-user data dir)")
    p.add_argument("--store", metavar="FILE", required=True, type=path_arg,
                   help="run-store SQLite file (resumes a build with the same settings)")
    p.add_argument("--out", metavar="FILE", default=None, type=path_arg,
                   help="table path (default: <data dir>/nb201_digits.csv, which nb201-digits then reads in place "
                        "of the shipped digits table)")
    p.add_argument("--scheduler", metavar="ADDRESS", default=None, type=nonempty("a Dask scheduler address", 1000),
                   help="Dask scheduler address tcp://host:port")
    p.add_argument("--workers", type=workers_in(0, max_workers()), default=0, metavar="N|auto",
                   help="local Dask worker processes (default 0: train in this process; 1 thread each; at most 4 "
                        "per CPU core); with GPUs, worker i "
                        "uses GPU i mod the GPU count; auto: one worker per GPU, or one per CPU core without a GPU")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run)


def run(args) -> int:
    from naoviz.tables.benchmark import DIGITS_FILE
    from naoviz.child.build_table import BuildConfig, build_benchmark
    from naoviz.evaluate import ClusterConfig
    from naoviz.paths import data_dir
    from naoviz.store import RunStore

    from naoviz.cli.search import check_cluster

    archs = args.archs.strip()
    if archs != "all":
        if not (archs.isascii() and archs.isdigit() and len(archs) <= 9):
            raise ValueError(f"--archs: expected 'all' or a number, got {show(args.archs)}")
        archs = int(archs)
    check_image_size(args)
    config = BuildConfig(space=args.space, data=args.data or "digits", image_size=args.image_size,
                         epochs=args.epochs, archs=archs,
                         channels=args.channels, cells=args.cells, batch_size=args.batch_size, lr=args.lr,
                         seed=args.seed, data_dir=args.data_dir)
    config.check()
    check_cluster(args.scheduler, args.workers, "--workers")
    if args.data_dir is not None:
        readable_dir(args.data_dir, "--data-dir")
    if args.out is None and config.data.startswith("imagefolder:"):
        raise ValueError("--out: required with --data imagefolder:PATH (the default path is the digits table's)")
    out = args.out or str(data_dir() / DIGITS_FILE)
    writable_file(args.store, "--store")       # both written only after the training: checked before it
    writable_file(out, "--out")
    not_the_store(out, args.store)
    scan_data(config.data)
    if config.data.startswith("imagefolder:"):  # every image decoded before a run is created in the store
        data = load_data_option(config.data, config.seed, config.data_dir, config.image_size)
        if not args.json:
            print(data_line(data))                # what was read, before the first cell trains
    try:
        RunStore(args.store)
    except ValueError as exc:
        raise ValueError(f"--store: {exc}") from None
    cluster = ClusterConfig(scheduler=args.scheduler, local_cluster=args.workers or False)
    args.interrupted_hint = (f"the cells trained so far are in {cut(args.store, 120)}; the same command "
                             "(same settings) resumes the build")
    summary = build_benchmark(config, args.store, out, cluster, progress=not args.json)
    if args.json:
        emit_json(summary)
    else:
        print(f"run {summary['run_id']} in {args.store}: trained {summary['trained']}, reused {summary['reused']}, "
              f"{summary['rows']} row{'' if summary['rows'] == 1 else 's'} -> {summary['table']}")
    return 0
