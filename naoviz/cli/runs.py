"""``naoviz runs``: what a run store holds, run by run, and which runs can be resumed.

A search or table build killed part way keeps status "running" in the store; no process holds its lock any
more (docs/store.md, "Run locks"), so this command shows it as "interrupted" with the command that resumes it.
"""
from __future__ import annotations

import os
import sys

from naoviz.cli.common import emit_json, nonempty, not_the_store, path_arg, resume_command, writable_file
from naoviz.cli.train_evaluator import label


def add_parser(sub) -> None:
    p = sub.add_parser("runs", help="list the runs in a run store (status, progress, how to resume)",
                       description="List every run in a run store (id, kind, status, seed, evaluations done, "
                                   "what ran) and the command that resumes an interrupted one; --csv writes a "
                                   "run's evaluations as CSV (docs/store.md).")
    p.add_argument("--store", metavar="FILE", required=True, type=path_arg,
                   help="the SQLite run store (naoviz search --store)")
    p.add_argument("--csv", default=None, metavar="RUN_ID", type=nonempty("a run id", 200),
                   help="write this run's evaluations (one row each, every metric a column) as CSV to --out; "
                        "'all' for every run's")
    p.add_argument("--out", metavar="FILE", default=None, type=path_arg,
                   help="the CSV file --csv writes (atomically); - for standard output")
    p.add_argument("--json", action="store_true",
                   help="machine-readable output: the runs, or with --csv what was written (file, run, evaluations)")
    p.set_defaults(func=run)


def _describe(run: dict) -> dict:
    """One run as listed: id, kind, what ran (searcher[:preset], or the build's space and data), seed,
    evaluations done of the budget, status (interrupted: "running" with no writer), writer PID, created."""
    cfg = run["config"] if isinstance(run["config"], dict) else {}
    if run["kind"] == "search":
        preset = cfg.get("preset_label") or cfg.get("preset")
        what = f"{cfg.get('algo')}:{preset}" if preset else str(cfg.get("algo"))
        ev = cfg.get("evaluator") if isinstance(cfg.get("evaluator"), dict) else {}
        what += f" on {label(ev)}" if ev else ""
        budget = cfg.get("budget")
    elif run["kind"] == "compare":
        seeds = [s for s in cfg.get("seeds") or () if isinstance(s, int)]
        ev = cfg.get("evaluator") if isinstance(cfg.get("evaluator"), dict) else {}
        what = ",".join(map(str, cfg.get("algos") or ())) + (f" on {label(ev)}" if ev else "")
        what += f", seeds {seeds[0]}-{seeds[-1]}" if len(seeds) > 1 else f", seed {seeds[0]}" if seeds else ""
        budget = None
    else:
        what = " ".join(str(cfg[k]) for k in ("space", "data") if isinstance(cfg.get(k), (str, int)))
        archs = cfg.get("archs")
        what += f", {archs} archs" if archs is not None else ""
        budget = archs if isinstance(archs, int) and not isinstance(archs, bool) else None
        if archs == "all" and run["kind"] == "build-table":       # every canonical class of the space
            from naoviz.spaces.nb201 import NB201Space
            budget = len(NB201Space().classes)
    return {"id": run["id"], "kind": run["kind"], "what": what, "seed": run["seed"],
            "evaluations": run["n_evaluations"], "budget": budget if isinstance(budget, int) else None,
            "status": run["status"], "created": run["created"]}


def run(args) -> int:
    from pathlib import Path

    from naoviz.store import RunStore
    path = Path(args.store).expanduser()
    if not path.is_file():
        raise ValueError(f"--store: {args.store} {'is a folder, not a file' if path.is_dir() else 'does not exist'}")
    if (args.csv is None) != (args.out is None):
        raise ValueError("--csv: give --csv RUN_ID (or all) and --out FILE together" if args.csv is None
                         else f"--out: --csv {args.csv} needs --out FILE (where the CSV goes)")
    if args.out == "-" and args.json:
        raise ValueError("--json: with --out - the CSV itself is the output on stdout; give --out FILE for the JSON "
                         "line of what was written, or drop --json")
    if args.out is not None and args.out != "-":          # "-": standard output
        writable_file(args.out, "--out")
        not_the_store(args.out, path)
    try:
        store = RunStore(path, read_only=True)         # lists a store it may not write; an empty file stays empty
    except ValueError as exc:
        raise ValueError(f"--store: {exc}") from None
    if args.csv is not None:
        run_id = None if args.csv == "all" else args.csv
        try:
            n = store.get_run(run_id)["n_evaluations"] if run_id else sum(r["n_evaluations"] for r in store.runs())
        except KeyError:
            raise ValueError(f"--csv: no run {args.csv!r} in {path} (naoviz runs --store {args.store} lists them)") from None
        what = f"{n} evaluations of {'every run' if run_id is None else 'run ' + run_id}"
        if args.out == "-":                                # the CSV alone on stdout (for a pipe), the count on stderr
            sys.stdout.write(store.csv_text(run_id))
            print(f"standard output: {what}", file=sys.stderr)
            return 0
        written = store.export_csv(Path(args.out).expanduser(), run_id)
        if args.json:
            emit_json({"store": str(path), "csv": str(written), "run": args.csv, "evaluations": n})
        else:
            print(f"{written}: {what}")
        return 0
    rows, stored_runs = [], store.runs()          # read once: a compare's progress and the resume line use it
    for stored in stored_runs:
        row = _describe(stored)
        writer = store.writer_of(stored["id"]) if stored["status"] == "running" else None
        row["writer_pid"] = writer
        if stored["status"] == "running" and writer is None:
            row["status"] = "interrupted"
        if stored["kind"] == "compare":          # progress in runs: the searches it made that finished
            _count_runs(row, stored, stored_runs)
        rows.append(row)
    if args.json:
        emit_json({"store": str(path), "runs": rows})
        return 0
    if not rows:
        print(f"{path}: no runs")
        return 0
    print(f"{path}: {len(rows)} run{'s' if len(rows) != 1 else ''}")
    print(f"{'run':<13} {'kind':<12} {'status':<14} {'seed':>6} {'done':>11}  {'created (UTC)':<17} what")
    for r in rows:
        done = f"{r['evaluations']}/{r['budget']}" if r["budget"] else str(r["evaluations"])
        if "runs_planned" in r:
            done = f"{r['runs_finished']}/{r['runs_planned']} runs"
        status = f"running ({r['writer_pid']})" if r["writer_pid"] else r["status"]
        seed = "" if r["seed"] is None else r["seed"]
        print(f"{r['id']:<13} {r['kind']:<12} {status:<14} {seed:>6} {done:>11}  {r['created'][:16].replace('T', ' '):<17} {r['what']}")
    resumable = [r for r in rows if r["kind"] in ("search", "compare")
                 and r["status"] in ("interrupted", "stopped", "failed")]
    if resumable:
        print(_resume_line(resumable[-1]["id"], stored_runs, args.store))
    builds = [r for r in rows if r["kind"] == "build-table" and r["status"] in ("interrupted", "stopped", "failed")]
    if builds:                  # a build stores no command line: its settings are the run's (found by them)
        print(f"resume a build: run the same naoviz build-table command (same settings, --store {args.store}) "
              "again; the cells already trained are kept")
    return 0


def _count_runs(row: dict, record: dict, stored_runs: list) -> None:
    """A comparison's progress: ``runs_finished`` of its searches of ``runs_planned`` (searchers x seeds)."""
    from naoviz.experiments.compare_record import belongs
    cfg = record["config"] if isinstance(record["config"], dict) else {}
    row["runs_planned"] = len(cfg.get("algos") or ()) * len(cfg.get("seeds") or ())
    row["runs_finished"] = sum(r["status"] == "finished" and belongs(cfg, r) for r in stored_runs)


def _resume_line(run_id: str, stored_runs: list, shown: str) -> str:
    """How to take up run ``run_id``. A search a ``naoviz compare --store`` made (its "compare" record says
    so) is resumed by that comparison's command, which continues it and starts the (searcher, seed) runs not
    reached yet; ``naoviz search --resume`` would continue that one run alone. A comparison recorded without a
    command (a call from Python) cannot be rebuilt here: the line says to rerun it with the same store."""
    import shlex

    from naoviz.experiments.compare_record import KIND, belongs
    run = next(r for r in stored_runs if r["id"] == run_id)
    if run["kind"] == KIND:
        record = run
    else:
        records = [r for r in stored_runs if r["kind"] == KIND and belongs(r["config"], run)]
        if not records:
            return f"resume one: {resume_command(shown, run_id)}"
        record = records[-1]
    cfg = record["config"] if isinstance(record["config"], dict) else {}
    command, cwd = cfg.get("command"), cfg.get("cwd")
    of = f"comparison {record['id']}" + (f", which made run {run_id}; {resume_command(shown, run_id)} "
                                         "continues that run alone" if run["kind"] != KIND else "")
    if not (isinstance(command, list) and command and all(isinstance(a, str) for a in command)):
        return f"resume one: rerun the same naoviz compare with --store {shown} ({of})"
    where = f" in {cwd}" if isinstance(cwd, str) and cwd != os.getcwd() else ""
    return f"resume one: {shlex.join(command)}{where} (the command of {of})"
