"""CPU seconds of one dashboard visit's kernel work, outside Voila: a fresh Python imports what a kernel imports
(ipykernel, IPython, ipywidgets), runs the dashboard notebook's code cell and serialises the explorer's state.

Each visit is a new process (as each visitor's kernel is), so nothing is shared between visits but the disk cache
the server's warm-up filled (``python -m naoviz.explorer_plan`` runs first, once per tree). ``--before TREE``
runs a baseline tree (e.g. ``git worktree add --detach /tmp/before main``) alternately with this one, visit by
visit, and ``ratio`` is this tree's median over the baseline's. CPU time (user + system of the child), not wall
time, so other work on a shared machine moves it less. Each tree's row also gives the modules loaded after the cell
(``modules``), the process's RSS then (``rss_mb``, Linux) and whether pandas was imported. ``--tree TREE`` measures
TREE in place of this one (a tree older than this script: its own copy may lack these fields).
Run: NAOVIZ_DATA=... .venv/bin/python bench/kernel_visit_cpu.py [--table nb201-digits] [--visits 8] [--before TREE] [--tree TREE] [--json]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
CHILD = r"""
import json, sys, time
t0 = time.process_time()
import ipykernel.kernelapp, ipykernel.ipkernel, ipykernel.comm, IPython, ipywidgets
t1 = time.process_time()
nb = json.load(open(sys.argv[1]))
code = "".join(next(c for c in nb["cells"] if c["cell_type"] == "code")["source"])
code = code.replace("display(app.widget)", "app.ready.wait(); app.explorer.get_state()")
exec(compile(code, "dashboard.ipynb", "exec"), {})
t2 = time.process_time()
rss = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmRSS:")) / 1024
print(json.dumps({"kernel_imports_s": t1 - t0, "notebook_s": t2 - t1, "modules": len(sys.modules), "rss_mb": rss,
                  "pandas": "pandas" in sys.modules}))
"""


def visit(tree: Path, env: dict) -> dict:
    """One visit in a new process on ``tree`` (run in it: ``python -c`` imports from its working folder first):
    its split, and its total CPU seconds (user + system)."""
    before = os.times()
    out = subprocess.run([sys.executable, "-c", CHILD, str(tree / "naoviz/resources/dashboard.ipynb")],
                         env={**env, "PYTHONPATH": str(tree)}, cwd=tree, capture_output=True, text=True, check=True)
    after = os.times()
    row = json.loads(out.stdout.strip().splitlines()[-1])
    row["cpu_s"] = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return row


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--table", default="nb201-digits", help="NAOVIZ_DASHBOARD_TABLE for the visits")
    ap.add_argument("--visits", type=int, default=8, help="visits per tree")
    ap.add_argument("--before", type=Path, help="a baseline tree, run alternately with this one")
    ap.add_argument("--tree", type=Path, help="the tree to measure in place of this script's own")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if args.visits < 1:
        ap.error(f"--visits: expected a whole number >= 1, got {args.visits}")
    trees = {"this": args.tree.resolve() if args.tree else HERE} | ({"before": args.before.resolve()} if args.before else {})
    for name, tree in trees.items():
        if not (tree / "naoviz/resources/dashboard.ipynb").is_file():
            ap.error(f"--{'tree' if name == 'this' else 'before'}: not a naoviz tree: {tree}")
    env = {**os.environ, "NAOVIZ_DASHBOARD_TABLE": args.table}
    for tree in trees.values():                      # the server's warm-up: model, atlas (and payload) cached
        subprocess.run([sys.executable, "-m", "naoviz.explorer_plan"], env={**env, "PYTHONPATH": str(tree)}, cwd=tree,
                       check=True)
    rows: dict = {name: [] for name in trees}
    for _ in range(args.visits):
        for name, tree in trees.items():
            rows[name].append(visit(tree, env))
    result = {"table": args.table, "visits": args.visits, "trees": {name: str(t) for name, t in trees.items()}}
    for name, got in rows.items():
        result[name] = {k: statistics.median(r[k] for r in got) for k in ("cpu_s", "kernel_imports_s", "notebook_s",
                                                                            "modules", "rss_mb")}
        result[name]["pandas"] = any(r["pandas"] for r in got)
    if "before" in rows:
        result["ratio"] = result["this"]["cpu_s"] / result["before"]["cpu_s"]
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for name in rows:
            r = result[name]
            print(f"{name:6}  CPU per visit {r['cpu_s']:.2f} s (kernel imports {r['kernel_imports_s']:.2f} s, "
                  f"notebook {r['notebook_s']:.2f} s), median of {args.visits}; {r['modules']:.0f} modules, "
                  f"RSS {r['rss_mb']:.1f} MB, pandas {'imported' if r['pandas'] else 'not imported'}")
        if "ratio" in result:
            print(f"ratio this / before: {result['ratio']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
