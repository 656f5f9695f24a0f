"""A stopped atlas build resumes: seconds of the build after a SIGKILL, against a build from scratch.

The dashboard's model for the table (``ModelSpec(metric="valid_acc")``, trained into ``NAOVIZ_CACHE`` first if
missing) and its full atlas as ``naoviz atlas --table T --json`` builds it (UMAP + PCA, every class's path,
21 etas), each build its own process:

1. ``first``: the atlas built from scratch (UMAP fitted unless its map is in ``cache_dir()/projections``
   already; ``first_timings_s`` says); its atlas is the reference;
2. per ``--kill-after`` stem (a checkpoint file of the partial folder, naoviz/atlas_resume.py, e.g.
   ``paths-0002880``, chunks of 480 seeds at 21 etas, or ``place-umap-000065536``): a build SIGKILLed as soon
   as that file appears (``killed``: its seconds until then), then the next build (``resumed``), which must
   print its one "resuming" line;
3. ``scratch_warm``: the atlas and partial folder deleted, the UMAP map still cached: what a restart cost
   before builds were checkpointed (the UMAP map was already cached then).

Prints each build's wall seconds, ``saved`` = scratch_warm - resumed, and whether each resumed atlas has the
same arrays as the reference (``same``).

Run: NAOVIZ_DATA=... NAOVIZ_CACHE=/tmp/x OMP_NUM_THREADS=1 nice -n 19 .venv/bin/python bench/atlas_resume.py \
     --table nb201 [--kill-after paths-0002880,place-umap-000065536] [--json]
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np


def _cmd(table: str) -> list:
    return [sys.executable, "-m", "naoviz.cli", "atlas", "--table", table, "--json"]


def _build(table: str) -> tuple[dict, float, str]:
    t0 = time.perf_counter()
    done = subprocess.run(_cmd(table), capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"naoviz atlas failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout), time.perf_counter() - t0, done.stderr


def _killed(table: str, partial: Path, stem: str) -> float:
    t0 = time.perf_counter()
    proc = subprocess.Popen(_cmd(table), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while not (partial / f"{stem}.safetensors").exists():
        if proc.poll() is not None:
            raise SystemExit(f"the build ended before {stem} was saved (is the stem one of this build's?)")
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    return time.perf_counter() - t0


def _same(a, b) -> bool:
    keys = ("predicted", "class_of", "neighbours", "neighbour_dist", "seeds", "path_decoded", "path_pred_moved")
    return a.labels == b.labels and all(np.array_equal(getattr(a, k), getattr(b, k)) for k in keys) \
        and all(np.array_equal(a.maps[m], b.maps[m]) and np.array_equal(a.path_maps[m], b.path_maps[m])
                for m in a.maps)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--table", choices=("nb201", "digits"), default="nb201")
    ap.add_argument("--kill-after", default="paths-0002880,place-umap-000065536")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    from naoviz.atlas import Atlas
    from naoviz.atlas_cache import atlas_name, partial_path
    from naoviz.nao.cache import ModelSpec, load_or_train
    from naoviz.paths import cache_dir
    from naoviz.tables.user_table import open_table
    bench, spec = open_table(args.table), ModelSpec(metric="valid_acc")
    load_or_train(bench, spec)
    base = cache_dir() / "atlases" / atlas_name(bench, spec)
    partial = partial_path(base)

    def forget():
        for suffix in (".json", ".safetensors"):
            base.with_suffix(suffix).unlink(missing_ok=True)

    forget()
    out: dict = {"table": bench.name, "runs": []}
    summary, out["first_s"], _ = _build(args.table)
    out["first_timings_s"] = summary["build_timings_s"]
    reference = Atlas.load(base)
    for stem in args.kill_after.split(","):
        forget()
        killed = _killed(args.table, partial, stem)
        summary, seconds, err = _build(args.table)
        line = next((s for s in err.splitlines() if "resuming a stopped build" in s), None)
        out["runs"].append({"kill_after": stem, "killed_s": round(killed, 1), "resumed_s": round(seconds, 1),
                            "line": line, "same": _same(reference, Atlas.load(base)),
                            "timings_s": summary["build_timings_s"]})
    forget()
    _, out["scratch_warm_s"], _ = _build(args.table)
    for run in out["runs"]:
        run["saved_s"] = round(out["scratch_warm_s"] - run["resumed_s"], 1)
    out["first_s"], out["scratch_warm_s"] = round(out["first_s"], 1), round(out["scratch_warm_s"], 1)
    if args.json:
        print(json.dumps(out))
        return 0
    print(f"{bench.name}: first build {out['first_s']} s (UMAP fit {out['first_timings_s'].get('map_umap')} s), "
          f"from scratch again {out['scratch_warm_s']} s (UMAP map cached: a restart before checkpoints)")
    for r in out["runs"]:
        print(f"  killed after {r['kill_after']} at {r['killed_s']} s; resumed build {r['resumed_s']} s, "
              f"saved {r['saved_s']} s; same arrays: {r['same']}; {r['line']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
