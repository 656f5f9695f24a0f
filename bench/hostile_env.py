"""A hostile machine, not hostile arguments: what a user's disk, cache and other processes do to ``naoviz``.

Each case runs ``python -m naoviz.cli ...`` (the ``naoviz`` this Python imports; ``PYTHONPATH`` picks a checkout)
in fresh processes from a temporary folder, on real files, and judges the outcome:

* **environment**: ``NAOVIZ_CACHE`` a read-only folder, under a file, or unset with ``HOME`` read-only (run as
  ``nobody`` when this runs as root, since root writes through ``chmod 555``); ``NAOVIZ_DATA`` an empty
  folder, a file, or holding a truncated, cut mid-row, binary or empty table;
* **disk full**: a file size limit (``ulimit -f 200``: the write fails with EFBIG, as on a full disk) hit by
  ``atlas --out``, ``search --store``, ``compare --out``, ``export-page`` and ``build-table --out --store``;
* **SIGKILL** part way through an atlas build, a stored NAO search and a pretraining, then the same command
  again; **torn cache entries** (an atlas, a pretrained model, a map, an own table's NAO model cut short);
* **stopped**: ``search --local-cluster 2`` stopped by SIGTERM as ``timeout`` sends it (the command, then its
  group) and by ``kill PID``; ``compare --out`` run again beside the ``.NAME.PID.tmp`` files a SIGKILLed write
  leaves (the PID gone): no leftover after it;
* **two processes at once**: two atlas builds of one cache entry, two searches on one store, two
  ``--resume`` of one run, two ``compare --store`` of one comparison.

``clean`` means: no traceback, no hang (``--timeout``), a refusal is ONE last stderr line of at most 200
characters with a non-zero exit, the previous good file is byte for byte as it was with no half-written file
under its name, torn entries are rebuilt with one ``note:`` line, and a rerun (or a single run) gives the
result an undisturbed run gives. Anything else is a miss, printed with why.

    python bench/hostile_env.py [--only env,disk,kill,stop,concurrent] [--json] [--timeout S]
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

# the runner; the cases and how they run live beside it (this script's folder is on sys.path): files (env, disk:
# hostile_env_cases_files.py), processes (kill, stop, concurrent: hostile_env_cases_procs.py), hostile_env_common.py
from hostile_env_cases_files import disk_cases, env_cases
from hostile_env_cases_procs import concurrent_cases, kill_cases, stop_cases
from hostile_env_common import Ctx


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--timeout", type=float, default=180.0, help="seconds a command may take (else: hang)")
    ap.add_argument("--only", default="env,disk,kill,stop,concurrent",
                    help="comma list of env, disk, kill, stop, concurrent")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    groups = {"env": env_cases, "disk": disk_cases, "kill": kill_cases, "stop": stop_cases,
              "concurrent": concurrent_cases}
    start = time.perf_counter()
    rows = []
    with tempfile.TemporaryDirectory(prefix="naoviz-hostile-env-") as d:
        tmp = Path(d)
        tmp.chmod(0o755)                       # ``nobody`` must reach it
        try:
            for name in args.only.split(","):
                rows += groups[name](Ctx(tmp, args.timeout))
        finally:
            for p in tmp.rglob("*"):           # the read-only folders, so the folder can go
                if p.is_dir():
                    p.chmod(0o755)
            shutil.rmtree(tmp, ignore_errors=True)
    clean = sum(r["verdict"] == "clean" for r in rows)
    result = {"cases": len(rows), "clean": clean, "wall_s": round(time.perf_counter() - start, 1), "rows": rows}
    if args.json:
        print(json.dumps(result, indent=1))
        return 0
    print(f"{clean}/{len(rows)} clean ({result['wall_s']:.0f} s)")
    print("| case | command | exit | last stderr line | state after | verdict |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        cells = [r["case"], r["command"], str(r["rc"]), r["last"], r["state"], r["verdict"]]
        print("| " + " | ".join(x.replace("|", "\\|") for x in cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
