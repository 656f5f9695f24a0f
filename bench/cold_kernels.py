"""A cold start's kernels, outside Voila: on an empty cache, ``naoviz dashboard``'s warm-up
(``python -m naoviz.explorer_plan``) starts, and beside it N fresh Pythons that import what a kernel imports
(ipykernel, IPython, ipywidgets) and run the dashboard notebook's cell, as Voila's pre-started kernel and the first
visitors' kernels do (given the warm-up's PID as ``naoviz dashboard`` gives it). Per kernel: seconds from the
warm-up's start to its first explorer (the quick atlas) and to the full atlas, CPU seconds, RSS, ``sys.modules``'
size and which heavy packages it imported; and the warm-up's CPU until then (stopped once every kernel shows its
explorer, unless ``--full``). Without Voila and Chromium, so
less of the machine's noise. ``--before TREE`` runs a baseline tree alternately with this one, round by round.
Run: NAOVIZ_DATA=... .venv/bin/python bench/cold_kernels.py [--table nb201-digits] [--kernels 3] [--rounds 2]
[--full] [--before TREE] [--json]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
HEAVY = ("pandas", "scipy", "torch", "sklearn", "numba", "umap", "plotly", "matplotlib")
CHILD = r"""
import json, sys, time
t0 = float(sys.argv[2])
import ipykernel.kernelapp, ipykernel.ipkernel, ipykernel.comm, IPython, ipywidgets
nb = json.load(open(sys.argv[1]))
code = "".join(next(c for c in nb["cells"] if c["cell_type"] == "code")["source"])
wait = "app.complete.wait()" if sys.argv[4] == "full" else "pass"
code = code.replace("display(app.widget)", "app.ready.wait(); t_ready = time.time(); " + wait)
space = {"time": time}
exec(compile(code, "dashboard.ipynb", "exec"), space)
app = space["app"]
rss = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmRSS:")) / 1024
print(json.dumps({"ready_s": space["t_ready"] - t0, "complete_s": time.time() - t0 if wait != "pass" else None,
                  "cpu_s": time.process_time(),
                  "rss_mb": rss, "modules": len(sys.modules), "explorer": app.explorer is not None,
                  "heavy": [m for m in sys.argv[3].split(",") if m in sys.modules]}))
"""


def cold_start(tree: Path, table: str, kernels: int, full: bool) -> dict:
    """One cold start on ``tree``: the warm-up and ``kernels`` kernels started together on an empty cache; until
    every kernel shows its first explorer, or (``full``) the full atlas, then the warm-up is stopped."""
    cache = tempfile.mkdtemp(prefix="naoviz-cold-kernels-")
    env = {**os.environ, "PYTHONPATH": str(tree), "NAOVIZ_CACHE": cache, "NAOVIZ_SHIPPED_OFF": "1",
           "NAOVIZ_DASHBOARD_TABLE": table}
    t0 = time.time()
    before = os.times()
    warm = subprocess.Popen([sys.executable, "-m", "naoviz.explorer_plan"], env=env, cwd=tree)
    env["NAOVIZ_DASHBOARD_WARMUP"] = str(warm.pid)         # as `naoviz dashboard` tells Voila (an older tree ignores it)
    procs = [subprocess.Popen([sys.executable, "-c", CHILD, str(tree / "naoviz/resources/dashboard.ipynb"), repr(t0),
                               ",".join(HEAVY), "full" if full else "first"], env=env, cwd=tree,
                              stdout=subprocess.PIPE, text=True)
             for _ in range(kernels)]
    rows = [json.loads(p.communicate()[0].strip().splitlines()[-1]) for p in procs]
    warm_s = time.time() - t0 if warm.poll() is not None else None     # still building the full atlas: stopped
    warm.terminate()
    warm.wait()
    after = os.times()
    total_cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return {"kernels": rows, "warm_up_s": warm_s, "cpu_s_all": total_cpu,
            "cpu_s_warm_up": total_cpu - sum(r["cpu_s"] for r in rows)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--table", default="nb201-digits", choices=["nb201", "nb201-digits"])
    ap.add_argument("--kernels", type=int, default=3, help="kernels beside the warm-up (default 3: Voila's "
                    "pre-started one and two visitors')")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--full", action="store_true", help="wait for the full atlas too (minutes; NB201: ~20 min)")
    ap.add_argument("--before", type=Path, help="a baseline tree, run alternately with this one")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    for name in ("kernels", "rounds"):
        if getattr(args, name) < 1:
            ap.error(f"--{name}: expected a whole number >= 1, got {getattr(args, name)}")
    trees = {"this": HERE} | ({"before": args.before.resolve()} if args.before else {})
    for name, tree in trees.items():
        if not (tree / "naoviz/resources/dashboard.ipynb").is_file():
            ap.error(f"--before: not a naoviz tree: {tree}")
    runs = []
    for r in range(args.rounds):
        for name, tree in (list(trees.items())[::-1] if r % 2 else trees.items()):
            load = os.getloadavg()[0]
            runs.append({"round": r + 1, "tree": name, "load": load, **cold_start(tree, args.table, args.kernels, args.full)})
    if args.json:
        print(json.dumps({"table": args.table, "trees": {k: str(v) for k, v in trees.items()}, "runs": runs}, indent=2))
        return 0
    for run in runs:
        ks = run["kernels"]
        full = f", full atlas {max(k['complete_s'] for k in ks):.1f} s" if args.full else ""
        warm = "stopped" if run["warm_up_s"] is None else f"{run['warm_up_s']:.1f} s"
        print(f"round {run['round']} {run['tree']:6} (load {run['load']:.1f}): first explorer after "
              f"{min(k['ready_s'] for k in ks):.1f} s (last {max(k['ready_s'] for k in ks):.1f} s){full}; "
              f"per kernel CPU {statistics.mean(k['cpu_s'] for k in ks):.2f} s, "
              f"RSS {statistics.mean(k['rss_mb'] for k in ks):.1f} MB, modules "
              f"{statistics.mean(k['modules'] for k in ks):.0f}, heavy {sorted({h for k in ks for h in k['heavy']})}; "
              f"warm-up {warm}, {run['cpu_s_warm_up']:.1f} CPU-s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
