"""What ``naoviz search --resume`` costs, as a user runs it (a process each, imports and table load included):
the original run's wall time, the resume of that run once finished (ratio to the original: it reads the stored
result), and the resume of a copy stopped by SIGINT (as ``timeout -s INT`` sends it) once ``--cut`` of its queries
were stored (ratio to the original: the replay refits NAO every round). Both resumes must end with the
original's history (``same result: yes``). ``replay_ratio``: seconds from the resume's start to its first
evaluation past the cut over the original's seconds to that same query (1.0: the replay costs what searching
to that point cost). ``--root DIR`` runs another checkout's naoviz (a "before" figure).
Run: .venv/bin/python bench/search_resume.py [--algo nao] [--preset paper] [--queries 60] [--seed 0] [--cut 0.8]
     [--root DIR] [--json]
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_out import print_figures

ROOT = Path(__file__).resolve().parent.parent


def _env(root: Path) -> dict:
    return {**os.environ, "PYTHONPATH": str(root) + os.pathsep + os.environ.get("PYTHONPATH", "")}


def _search(root: Path, *args) -> list[str]:
    return [sys.executable, "-m", "naoviz", "search", *args, "--no-progress", "--json"]


def timed(root: Path, cmd: list[str], db: Path = None, past: int = 0) -> tuple[float, dict, float]:
    """(wall seconds, the --json output, seconds until store ``db`` held more than ``past`` evaluations: NaN
    without ``db``) of one command, which must succeed."""
    start, crossed = time.perf_counter(), float("nan")
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, text=True, env=_env(root), cwd=root)
        while proc.poll() is None:
            if db is not None and crossed != crossed and _stored(db) > past:
                crossed = time.perf_counter() - start
            time.sleep(0.02)
        wall = time.perf_counter() - start
        out.seek(0), err.seek(0)
        stdout, stderr = out.read(), err.read()
    if proc.returncode != 0:
        raise SystemExit(f"search_resume: {' '.join(cmd[3:])} failed: {stderr.strip()[-500:]}")
    return wall, json.loads(stdout), crossed


def _stored(db: Path) -> int:
    """Evaluations in store ``db`` so far (0 while it is not there yet)."""
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as con:
            return con.execute("SELECT count(*) FROM evaluations").fetchone()[0]
    except sqlite3.Error:
        return 0


def stopped_run(root: Path, run_args: list[str], db: Path, at: int) -> tuple[str, int]:
    """Start the search on store ``db``, SIGINT it once ``at`` evaluations are stored; (its run id, how many were
    stored when it ended)."""
    proc = subprocess.Popen(_search(root, *run_args, "--store", str(db)), env=_env(root), cwd=root,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    while proc.poll() is None and _stored(db) < at:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
        run_id, status = con.execute("SELECT id, status FROM runs").fetchone()
    if status == "finished":                     # the SIGINT came too late: nothing left to resume
        raise SystemExit(f"search_resume: the run to stop had finished (exit {proc.returncode}); give a smaller --cut")
    return run_id, _stored(db)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--space", default="nb201")
    ap.add_argument("--algo", default="nao")
    ap.add_argument("--preset", default="paper")
    ap.add_argument("--queries", type=int, default=60)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--cut", type=float, default=0.8, help="share of the queries stored when the copy is stopped")
    ap.add_argument("--root", type=Path, default=ROOT, help="the checkout whose naoviz runs (default: this one)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    run_args = ["--space", args.space, "--algo", args.algo, "--queries", str(args.queries), "--seed", str(args.seed)]
    if args.preset and args.algo == "nao":
        run_args += ["--preset", args.preset]
    with tempfile.TemporaryDirectory() as tmp:
        full_db, cut_db = Path(tmp) / "full.db", Path(tmp) / "cut.db"
        run_id, stored = stopped_run(args.root, run_args, cut_db, round(args.cut * args.queries))
        full_s, full, full_new = timed(args.root, _search(args.root, *run_args, "--store", str(full_db)),
                                       full_db, stored)
        finished_s, again, _ = timed(args.root, _search(args.root, "--store", str(full_db), "--resume", full["run_id"]))
        late_s, late, late_new = timed(args.root, _search(args.root, "--store", str(cut_db), "--resume", run_id),
                                       cut_db, stored)
    archs = [r["arch"] for r in full["history"]]
    out = {"root": str(args.root), "command": " ".join(["naoviz search", *run_args]),
           "original_s": round(full_s, 2),
           "finished_resume_s": round(finished_s, 2), "finished_resume_ratio": round(finished_s / full_s, 3),
           "finished_answered_from_store": bool(again.get("stored", False)),
           "cut_at": f"{stored}/{args.queries}",
           # from the command's start to the first evaluation past the cut: the original got there by searching,
           # the resume by replaying (both include start-up and the refit that proposes that evaluation)
           "original_past_cut_s": round(full_new, 2), "resume_past_cut_s": round(late_new, 2),
           "replay_ratio": round(late_new / full_new, 3),
           "late_resume_s": round(late_s, 2), "late_resume_ratio": round(late_s / full_s, 3),
           "same_result": "yes" if [r["arch"] for r in again["history"]] == archs
           and [r["arch"] for r in late["history"]] == archs else "NO"}
    print_figures(out, args.json, width=28, digits=3)
    return 0 if out["same_result"] == "yes" else 1


if __name__ == "__main__":
    sys.exit(main())
