"""``naoviz data download|import|show``: build the benchmark data directory and describe what is in it."""
from __future__ import annotations

import sys
from pathlib import Path

from naoviz.cli.common import (BUILD_TABLE_MORE, TABLE_METAVAR, cut, emit_json, nonempty, path_arg, path_type, readable_dir,
                               resolve_table, say_table, show, writable_dir)

_SCHEMES = ("http://", "https://", "file://")


def add_parser(sub) -> None:
    p = sub.add_parser("data", help="download, import and show the benchmark tables",
                       description="The NAS-Bench-201 tables and CIFAR images naoviz reads from the data folder "
                                   "($NAOVIZ_DATA, else the per-user data folder): download them, import copies "
                                   "you have, or show what is there (docs/data.md).")
    data_sub = p.add_subparsers(dest="data_command", metavar="ACTION")
    data_sub.required = True

    d = data_sub.add_parser("download", help="fetch the NAS-Bench-201 sources (or a CIFAR archive), verify, install",
                            description="Download the NAS-Bench-201 source files at pinned commits (SHA-256 checked) "
                                        "and convert them into the data folder's tables, or a CIFAR archive (MD5 "
                                        "checked) for training child networks.")
    d.add_argument("what", nargs="?", default="nb201", choices=("nb201", "cifar10", "cifar100"),
                   help="nb201: the three benchmark tables (default); cifar10/cifar100: the python-pickle image "
                        "archive the child trainer reads (about 163 MiB each)")
    d.add_argument("--dir", metavar="DATA_DIR", type=path_type, default=None,
                   help="data folder (default: $NAOVIZ_DATA or the per-user data dir)")
    d.add_argument("--base-url", metavar="URL", default=None, type=nonempty("an http(s):// or file:// URL", 2000),
                   help="a mirror: for nb201 laid out like raw.githubusercontent.com (owner/repo/commit/path), "
                        "for CIFAR holding the .tar.gz itself; http(s):// or file://")
    d.add_argument("--no-progress", action="store_true", help="no progress bars")
    d.add_argument("--json", action="store_true", help="machine-readable result")
    d.set_defaults(func=run_download)

    i = data_sub.add_parser("import", help="copy and validate a folder of tables you already have",
                            description="Copy the nb201_*.csv tables in DIR (or the latency table of a clone of "
                                        "HELP) into the data folder, validated.")
    i.add_argument("source", type=path_type, metavar="DIR", help="folder holding nb201_*.csv tables, or a clone of "
                   "github.com/HayeonLee/HELP (the latency table)")
    i.add_argument("--dir", metavar="DATA_DIR", type=path_type, default=None,
                   help="data folder (default: $NAOVIZ_DATA or the per-user data dir)")
    i.add_argument("--json", action="store_true", help="machine-readable result")
    i.set_defaults(func=run_import)

    s = data_sub.add_parser("show", help="row counts, best and mean of each metric, and where the data lives",
                            description="Row counts, the best and mean of each metric and where the data lives, for "
                                        "the installed tables or for one --table.")
    s.add_argument("--dir", metavar="DATA_DIR", type=path_type, default=None,
                   help="data folder (default: $NAOVIZ_DATA or the per-user data dir)")
    s.add_argument("--json", action="store_true", help="machine-readable output")
    s.add_argument("--table", default=None, type=path_arg, metavar=TABLE_METAVAR,
                   help="show this one table: nb201, nb201-digits, or the path of a CSV table of your own (checked "
                        "whole: the line of the first bad row; how many of the space's classes it has)")
    s.set_defaults(func=run_show)


def _report(result: dict, args, verb: str) -> int:
    if args.json:
        emit_json(result)
        return 0
    print(f"{verb} {', '.join(result['files'])}")
    print(f"into {result['dir']}")
    for name, rows in result["rows"].items():
        print(f"  {name}: {rows:,} rows")
    if result.get("converted"):
        print(f"converted from HELP .pt files (no-globals unpickler): {', '.join(result['converted'])}")
    if result.get("ignored"):
        print(f"ignored (not a naoviz table): {', '.join(result['ignored'])}")
    return 0


def run_download(args) -> int:
    from naoviz.tables.download import DEFAULT_BASE_URL, download
    from naoviz.tables.install import target_dir

    if args.base_url is not None and (not args.base_url.lower().startswith(_SCHEMES) or
                                      any(c.isspace() for c in args.base_url)):
        raise ValueError(f"--base-url: expected an http://, https:// or file:// URL, got {show(args.base_url)}")
    writable_dir(target_dir(args.dir), "--dir")       # before anything is fetched
    log = (lambda _: None) if args.json else (lambda line: print(line, file=sys.stderr))
    if args.what != "nb201":
        return _download_cifar(args, log)
    result = download(args.dir, base_url=args.base_url or DEFAULT_BASE_URL,
                      progress=not args.no_progress, log=log)
    return _report(result, args, "installed")


def _download_cifar(args, log) -> int:
    from naoviz.child.cifar_download import CIFAR_BASE_URL, download_cifar

    result = download_cifar(args.what, args.dir, base_url=args.base_url or CIFAR_BASE_URL,
                            progress=not args.no_progress, log=log)
    if args.json:
        emit_json(result)
        return 0
    verb = "already installed" if result["reused"] else "installed"
    print(f"{verb} {result['file']} ({result['bytes']:,} bytes, md5 {result['md5']})")
    print(f"into {result['dir']}")
    print(f"  {args.what}: {result['images']['train']:,} training and {result['images']['test']:,} test images; "
          f"train on it with `naoviz train-child --data {args.what} ...`")
    return 0


def run_import(args) -> int:
    from naoviz.tables.install import import_dir, target_dir

    if not args.source.exists():     # `naoviz data import HELP`, typed as the docs and hints write it
        raise ValueError(f"DIR: {cut(args.source, 100)} does not exist (DIR: a folder of nb201_*.csv tables, or "
                         "a clone of github.com/HayeonLee/HELP)")
    readable_dir(args.source, "DIR")
    writable_dir(target_dir(args.dir), "--dir")
    return _report(import_dir(args.source, args.dir), args, "imported")


def collect(directory: Path | None = None) -> tuple[dict, str | None]:
    """Summaries of every benchmark found, and the missing-data message (None when NB201 is present)."""
    from naoviz.tables.install import target_dir
    from naoviz.tables.benchmark import DIGITS_FILE, load_digits_table, load_nb201
    from naoviz.errors import DataMissingError

    folder = target_dir(directory)
    payload: dict = {"data_dir": str(folder), "benchmarks": {}}
    missing = None
    try:
        payload["benchmarks"]["nb201"] = load_nb201(folder).summary()
    except DataMissingError as exc:
        missing = str(exc)
    try:
        digits = load_digits_table(folder / DIGITS_FILE) if directory else load_digits_table()
        payload["benchmarks"]["nb201-digits"] = digits.summary()
    except (DataMissingError, FileNotFoundError):
        pass
    return payload, missing


def format_summary(summary: dict) -> list[str]:
    """A benchmark summary as aligned text lines (one per metric)."""
    lines = [f"{summary['name']}: {summary['rows']:,} rows from {summary['source']}",
             f"  {'metric':<26} {'best':>12} {'at index':>9} {'mean':>12}  direction"]
    for name, m in summary["metrics"].items():
        direction = "lower is better" if m["lower_is_better"] else "higher is better"
        lines.append(f"  {name:<26} {m['best']:>12.6g} {m['best_index']:>9} {m['mean']:>12.6g}  {direction}")
    return lines


def table_summary(bench) -> dict:
    """``Benchmark.summary`` plus the classes it answers: a partial table (fewer than the space's) is searched
    within its rows."""
    summary = bench.summary()
    summary.update(classes=len(bench.class_rows()), space_classes=len(bench.space.classes), complete=bench.complete)
    if bench.note:                               # how the file was read, when not plainly (user_table)
        summary["note"] = bench.note
    return summary


def run_show(args) -> int:
    from naoviz.errors import DataMissingError

    if args.table is not None:
        if args.dir is not None:
            raise ValueError(f"--dir: give either --dir or --table, not both (got --table {show(args.table)})")
        bench = resolve_table(args.table)
        summary = table_summary(bench)
        say_table(bench)
        if args.json:
            emit_json({"benchmarks": {bench.name: summary}})
            return 0
        print("\n".join(format_summary(summary)))
        how = ("complete" if summary["complete"] else
               f"partial: a search draws from these classes only; add rows for more, {BUILD_TABLE_MORE}")
        print(f"  classes: {summary['classes']:,} of {summary['space_classes']:,} ({how})")
        return 0
    if args.dir is not None:            # a mistyped folder is named as such, not as a folder without tables
        readable_dir(args.dir, "--dir")
    payload, missing = collect(args.dir)
    if args.json:
        if payload["benchmarks"] or not missing:
            payload["missing"] = missing
            emit_json(payload)
    elif payload["benchmarks"]:
        print(f"data dir: {payload['data_dir']}")
        for summary in payload["benchmarks"].values():
            print("\n".join(format_summary(summary)))
    if missing:                         # --dir given: that is what to point at their folder, not NAOVIZ_DATA
        from naoviz.tables.benchmark import POINT_AT
        raise DataMissingError(missing.replace(POINT_AT, "point --dir at their folder") if args.dir else missing)
    return 0
