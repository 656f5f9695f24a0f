"""How long a stopped ``naoviz compare --jobs N`` takes to exit: this checkout against a baseline revision.

Each trial starts ``naoviz compare --algos nao,ls,re --queries 100 --seeds 2 --jobs N --store DB`` (the NB201
table from $NAOVIZ_DATA), waits until N runs are under way in the store (3 evaluations or more each), sends the
signal (SIGTERM to the command; SIGINT to its process group, as a terminal's Ctrl-C), and measures the seconds
to the stop line and to the exit. The baseline is the same script on ``git archive REV`` (default: the commit
before the fix), run in the same session, so the ratio compares like with like on a shared machine.

    python bench/compare_stop.py [--baseline-rev REV] [--jobs N] [--json]
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

ROOT = Path(__file__).resolve().parent.parent
BASELINE_REV = "835cc13"     # main before the stop fix


def _under_way(db: Path, jobs: int) -> bool:
    try:
        with sqlite3.connect(db) as con:
            rows = con.execute("SELECT COUNT(*) FROM runs r WHERE r.status = 'running' AND r.kind = 'search' AND "
                               "(SELECT COUNT(*) FROM evaluations e WHERE e.run_id = r.id) >= 3").fetchone()
        return rows[0] >= jobs
    except sqlite3.Error:
        return False


def trial(root: Path, signum: int, jobs: int, work: Path) -> dict:
    """One stopped comparison run from ``root``: seconds to the stop line and to the exit, and its status."""
    db = work / f"stop-{root.name}-{signum}.db"
    db.unlink(missing_ok=True)
    proc = subprocess.Popen([sys.executable, "-m", "naoviz.cli", "compare", "--algos", "nao,ls,re", "--queries",
                             "100", "--seeds", "2", "--jobs", str(jobs), "--store", str(db), "--no-progress"],
                            env={**os.environ, "PYTHONPATH": str(root), "OMP_NUM_THREADS": "1"}, cwd=work,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 600
    while not _under_way(db, jobs):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise SystemExit(f"compare_stop: the comparison never had {jobs} runs under way ({root})")
        time.sleep(0.05)
    sent = time.monotonic()
    if signum == signal.SIGINT:
        os.killpg(proc.pid, signum)
    else:
        proc.send_signal(signum)
    err, line_s = b"", None
    while chunk := proc.stderr.read1(4096):
        err += chunk
        if line_s is None and b"naoviz compare: " in err:
            line_s = time.monotonic() - sent
    status = proc.wait()
    return {"line_s": round(line_s or float("nan"), 2), "exit_s": round(time.monotonic() - sent, 2),
            "status": status, "last_line": err.decode(errors="replace").strip().splitlines()[-1][:60]}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--baseline-rev", default=BASELINE_REV)
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="naoviz-stop-bench-") as tmp:
        work, old = Path(tmp), Path(tmp) / "baseline"
        old.mkdir()
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", args.baseline_rev], capture_output=True,
                                 check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(old)], input=archive, check=True)
        rows = []
        for name, signum in (("SIGTERM", signal.SIGTERM), ("SIGINT to group", signal.SIGINT)):
            base, now = trial(old, signum, args.jobs, work), trial(ROOT, signum, args.jobs, work)
            rows.append({"signal": name, "jobs": args.jobs, "baseline": base, "now": now,
                         "exit_ratio": round(now["exit_s"] / base["exit_s"], 3)})
    if args.json:
        print(json.dumps({"baseline_rev": args.baseline_rev, "trials": rows}, indent=1))
        return 0
    print(f"stop -> exit of naoviz compare --algos nao,ls,re --queries 100 --seeds 2 --jobs {args.jobs} "
          f"(baseline {args.baseline_rev} | this checkout)")
    for r in rows:
        b, n = r["baseline"], r["now"]
        print(f"{r['signal']:16s} line {b['line_s']:5.1f} s, exit {b['exit_s']:5.1f} s (status {b['status']}) | "
              f"line {n['line_s']:5.1f} s, exit {n['exit_s']:5.1f} s (status {n['status']})  ratio {r['exit_ratio']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
