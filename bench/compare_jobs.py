"""Wall time of one ``naoviz compare`` at ``--jobs 1``, ``2`` and ``auto``, as a researcher runs it (a process each,
worker start-up and imports included), with the ratio to ``--jobs 1`` from the same run, and whether every
figure but the wall times came out the same (it must: ``same summary: yes``). ``--repeats R`` runs the settings
R times in turn (1, 2, auto, 1, 2, auto, ...) and reports each one's median wall time (and every one): on a
shared machine one run's wall time says more about the neighbours than about --jobs. CPU: user + system
seconds of the command and its workers (median), which shows the workers' start-up (imports, table) apart
from waiting for a core.
Run: .venv/bin/python bench/compare_jobs.py [--space nb201-digits] [--algos nao,ls,re] [--queries 50]
     [--seeds 6] [--jobs 1,2,auto] [--repeats 2] [--json]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _without_wall(value):
    if isinstance(value, dict):
        return {k: _without_wall(v) for k, v in value.items() if k not in ("wall_s", "jobs")}
    if isinstance(value, list):
        return [_without_wall(v) for v in value]
    return value


def timed_compare(args, jobs: str) -> tuple[float, float, dict]:
    """(wall seconds of the whole command, CPU seconds of it and its workers (user + system), its --json
    summary)."""
    import resource
    cmd = [sys.executable, "-m", "naoviz.cli", "compare", "--space", args.space, "--algos", args.algos,
           "--queries", str(args.queries), "--seeds", str(args.seeds), "--first-seed", str(args.first_seed),
           "--no-progress", "--json", "--jobs", jobs]
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    before, start = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    wall, after = time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    if done.returncode != 0:
        raise SystemExit(f"compare_jobs: --jobs {jobs} failed: {done.stderr.strip()[-500:]}")
    return wall, cpu, json.loads(done.stdout)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--space", default="nb201-digits")
    ap.add_argument("--algos", default="nao,ls,re")
    ap.add_argument("--queries", type=int, default=50)
    ap.add_argument("--seeds", type=int, default=6)
    ap.add_argument("--first-seed", type=int, default=0)
    ap.add_argument("--jobs", default="1,2,auto", help="comma list; the first is the baseline (1)")
    ap.add_argument("--repeats", type=int, default=2, help="runs of each setting, in turn; the median is reported")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    import statistics

    from naoviz.experiments.compare_jobs import cpu_cores

    settings = args.jobs.split(",")
    walls: dict = {j: [] for j in settings}
    cpus: dict = {j: [] for j in settings}
    processes, same, base_summary = {}, {j: True for j in settings}, None
    for _ in range(max(1, args.repeats)):
        for jobs in settings:
            wall, cpu, summary = timed_compare(args, jobs)
            base_summary = base_summary or summary
            walls[jobs].append(round(wall, 2))
            cpus[jobs].append(round(cpu, 2))
            processes[jobs] = summary["environment"]["jobs"]
            same[jobs] &= _without_wall(summary) == _without_wall(base_summary)
    base = statistics.median(walls[settings[0]])
    rows = []
    for jobs in settings:
        med = statistics.median(walls[jobs])
        rows.append({"jobs": jobs, "processes": processes[jobs], "wall_s": round(med, 2), "walls_s": walls[jobs],
                     "cpu_s": round(statistics.median(cpus[jobs]), 2),
                     "ratio_to_first": round(med / base, 3), "speedup": round(base / med, 2),
                     "same_summary": same[jobs]})
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    result = {"space": args.space, "algos": args.algos, "queries": args.queries, "seeds": args.seeds,
              "repeats": max(1, args.repeats),
              "cores": cpu_cores(), "loadavg_after": [round(x, 2) for x in load] if load else None, "rows": rows}
    if args.json:
        print(json.dumps(result))
    else:
        print(f"compare {args.space} {args.algos} x {args.seeds} seeds x {args.queries} queries; "
              f"{result['cores']} cores, load average after {result['loadavg_after']}")
        for r in rows:
            print(f"--jobs {r['jobs']:>4} ({r['processes']} processes): {r['wall_s']:.1f} s median of "
                  f"{', '.join(f'{w:.1f}' for w in r['walls_s'])} s (CPU {r['cpu_s']:.1f} s), "
                  f"{r['ratio_to_first']:.2f}x the time of --jobs {rows[0]['jobs']} (speed-up {r['speedup']:.2f}), "
                  f"same summary: {'yes' if r['same_summary'] else 'NO'}")
    return 0 if all(r["same_summary"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
