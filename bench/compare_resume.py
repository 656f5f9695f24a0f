"""What a rerun of ``naoviz compare --store`` costs, as a user runs it (a process per command, imports and table load
included): a comparison on a new store (``first_s``), the same command again on that store (``rerun_s``, ratio to
the first: every run finished, so it is read from the store), and the command with one more searcher (``grown_s``,
ratio to a fresh comparison of the grown set on a store of its own, ``fresh_grown_s``: only the new searcher's runs
are searched). ``same_result``: the rerun prints the first's summary and the grown command the fresh grown one's,
wall times and how each run was got (``wall_s``, ``replayed``, ``stored``, ``environment``, ``run_id``) aside.
``evaluations_added``: store rows each later command wrote. ``--root DIR`` runs another checkout's naoviz (a
"before" figure).
Run: .venv/bin/python bench/compare_resume.py [--algos nao,re,rs] [--add ls] [--queries 60] [--seeds 5]
     [--space nb201] [--jobs 1] [--root DIR] [--json]
"""
from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_out import print_figures

ROOT = Path(__file__).resolve().parent.parent
VOLATILE = ("wall_s", "replayed", "stored", "run_id")      # per run: how this command got it, not what it found


def _env(root: Path) -> dict:
    return {**os.environ, "PYTHONPATH": str(root) + os.pathsep + os.environ.get("PYTHONPATH", "")}


def timed(root: Path, cmd: list[str]) -> tuple[float, dict, str]:
    """(wall seconds, the --json output, stderr) of one command, which must succeed."""
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, env=_env(root), cwd=root)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"compare_resume: {' '.join(cmd[3:])} failed: {done.stderr.strip()[-500:]}")
    return wall, json.loads(done.stdout), done.stderr


def _rows(db: Path) -> int:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
        return con.execute("SELECT count(*) FROM evaluations").fetchone()[0]


def comparable(summary: dict, algos=None) -> dict:
    """``summary`` without what differs between a comparison that searched and one that read its runs back."""
    out = {k: v for k, v in summary.items() if k not in ("environment", "algos")}
    out["algos"] = {}
    for name, a in summary["algos"].items():
        if algos is not None and name not in algos:
            continue
        a = {k: v for k, v in a.items() if k != "wall_s"}
        a["runs"] = [{k: v for k, v in r.items() if k not in VOLATILE} for r in a["runs"]]
        out["algos"][name] = a
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--space", default="nb201")
    ap.add_argument("--algos", default="nao,re,rs")
    ap.add_argument("--add", default="ls", help="the searcher the grown command adds")
    ap.add_argument("--queries", type=int, default=60)
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--jobs", default="1")
    ap.add_argument("--root", type=Path, default=ROOT, help="the checkout whose naoviz runs (default: this one)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)

    def command(algos: str, db: Path) -> list[str]:
        return [sys.executable, "-m", "naoviz", "compare", "--space", args.space, "--algos", algos, "--queries",
                str(args.queries), "--seeds", str(args.seeds), "--jobs", args.jobs, "--store", str(db),
                "--no-progress", "--json"]
    grown_algos = f"{args.algos},{args.add}"
    with tempfile.TemporaryDirectory() as tmp:
        db, fresh_db = Path(tmp) / "cmp.db", Path(tmp) / "fresh.db"
        first_s, first, _ = timed(args.root, command(args.algos, db))
        rows = _rows(db)
        rerun_s, rerun, rerun_err = timed(args.root, command(args.algos, db))
        rerun_rows = _rows(db) - rows
        grown_s, grown, grown_err = timed(args.root, command(grown_algos, db))
        grown_rows = _rows(db) - rows - rerun_rows
        fresh_s, fresh, _ = timed(args.root, command(grown_algos, fresh_db))
    runs = args.seeds * len(args.algos.split(","))
    out = {"root": str(args.root), "command": " ".join(["naoviz", *command(args.algos, Path("S"))[3:]]),
           "runs": runs, "first_s": round(first_s, 2),
           "rerun_s": round(rerun_s, 2), "rerun_ratio": round(rerun_s / first_s, 3),
           "rerun_evaluations_added": rerun_rows,
           "rerun_runs_from_store": sum(bool(r.get("stored")) for a in rerun["algos"].values() for r in a["runs"]),
           "grown": f"--algos {grown_algos}", "fresh_grown_s": round(fresh_s, 2), "grown_s": round(grown_s, 2),
           "grown_ratio": round(grown_s / fresh_s, 3), "grown_evaluations_added": grown_rows,
           "grown_runs_from_store": sum(bool(r.get("stored")) for a in grown["algos"].values() for r in a["runs"]),
           "progress_line": next((line for line in grown_err.splitlines() if "from the store" in line), ""),
           "same_result": "yes" if comparable(rerun) == comparable(first)
           and comparable(grown) == comparable(fresh) else "NO"}
    print_figures(out, args.json, width=26, digits=3)
    return 0 if out["same_result"] == "yes" else 1


if __name__ == "__main__":
    sys.exit(main())
