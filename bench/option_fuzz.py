"""Every option of every command, each given the same hostile values, against the installed ``naoviz``.

``bench/hostile_cli.py`` runs hand-written cases, each bad in one known way; this bench writes none: it walks
naoviz's own argument parser for every option that takes a value (a new option is covered the day it is added)
and gives each, alone, the values below. Each run is a fresh process (cwd: a temporary folder, ``--limit``
seconds) and is judged:

* ``refused``: non-zero exit, no traceback, a last stderr line of at most 200 characters (the standard);
* ``traceback`` or ``long`` (a refusal whose line is over 200 characters): the misses;
* ``accepted``: exit 0: the value was valid for that option (a store named ``nan`` is a file name);
* ``working``: still running at the limit: accepted, and real work started (a 6,466-cell build-table),
  told apart from a hang by the progress it printed (``--show`` prints each such run's last stderr line).

    NAOVIZ_DATA=... python bench/option_fuzz.py [--naoviz PATH] [--limit 25] [--only search,compare] [--json]

Commands that need an argument get a valid one (``train-child --arch`` a cell, ``runs --store`` a file,
``export-page`` an output page), so the value under test is the only thing wrong; ``dashboard`` runs with
``--dry-run`` (its checks, no server). Slow: about 1,400 runs, most refused in a second.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ARCH = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"
VALUES = ["", "-1", "nan", "1e999", "9" * 400, "\u00fc", ",", "FOLDER", "UNDER_FILE/x", "-"]   # see values()
MAX_LINE = 200


def options() -> list[tuple[list[str], str]]:
    """(command words, option) for every option that takes a value, from naoviz's parser."""
    from naoviz.cli import walk_parsers
    return [(list(words), action.option_strings[-1]) for words, parser in walk_parsers() for action in parser._actions
            if action.option_strings and action.nargs != 0 and action.option_strings[-1] != "--help"]


def needs(words: list[str], option: str, tmp: Path) -> list[str]:
    """What a command needs besides the option under test (valid, so the option is the one thing wrong)."""
    first = words[0]
    if first == "train-child" and option != "--arch":
        return ["--arch", ARCH]
    if first == "runs" and option != "--store":
        return ["--store", str(tmp / "none.db")]
    if first == "build-table" and option != "--store":
        return ["--store", str(tmp / "bt.db")]
    if first == "export-page":
        return [str(tmp / "page.html")]
    if first == "data" and words[1:] == ["import"]:
        return [str(tmp)]
    if first == "dashboard":
        return ["--dry-run"]                    # the checks, then the Voila command printed; no server started
    return ["--no-progress"] if first in ("search", "compare") else []


def values(tmp: Path) -> list[str]:
    """:data:`VALUES` with FOLDER a folder (where a file belongs) and UNDER_FILE a file (where a folder
    belongs), both in ``tmp``: nothing is ever written outside it, even by a command run as root."""
    (tmp / "a_folder").mkdir(exist_ok=True)
    (tmp / "a_file").write_text("x")
    where = {"FOLDER": str(tmp / "a_folder"), "UNDER_FILE": str(tmp / "a_file")}
    return [where.get(v.split("/")[0], v.split("/")[0]) + v[len(v.split("/")[0]):] if v else v for v in VALUES]


def judge(code, err: str) -> tuple[str, str]:
    lines = [line for line in err.strip().splitlines() if line.strip()]
    last = lines[-1] if lines else ""
    if "Traceback (most recent call last)" in err:
        return "traceback", last
    if code == "limit":
        return "working", last
    if code == 0:
        return "accepted", last
    return ("long" if len(last) > MAX_LINE else "refused"), last


def run_one(argv: list, env: dict, cwd: Path, limit: float) -> tuple:
    """(exit status or "limit", stderr) of one run; at the limit its whole process group is killed, so no
    server or worker it started outlives it. stderr goes to a file (a pipe would fill with progress bars)."""
    with open(cwd / ".stderr", "w+") as err:
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=err, stdin=subprocess.DEVNULL, env=env,
                                cwd=cwd, start_new_session=True)
        try:
            code = proc.wait(limit)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            code = "limit"
        err.seek(0)
        return code, err.read()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--naoviz", default=shutil.which("naoviz") or "naoviz", help="the naoviz command to run")
    ap.add_argument("--limit", type=float, default=25.0, help="seconds per run (default 25)")
    ap.add_argument("--only", default="", help="comma list of commands (first word), e.g. search,compare")
    ap.add_argument("--show", action="store_true", help="print every non-refused run, not only the misses")
    ap.add_argument("--json", action="store_true", help="every run as JSON on stdout")
    args = ap.parse_args()
    only = {w for w in args.only.split(",") if w}
    runs, start = [], time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="naoviz-fuzz-") as t:
        tmp = Path(t)
        env = dict(os.environ, NAOVIZ_CACHE=str(tmp / "cache"), OMP_NUM_THREADS="1")
        for words, option in options():
            if only and words[0] not in only:
                continue
            for value in values(tmp):
                argv = [*words, *needs(words, option, tmp), option, value]
                code, err = run_one([args.naoviz, *argv], env, tmp, args.limit)
                verdict, last = judge(code, err)
                runs.append({"command": " ".join(words), "option": option, "value": value[:40], "verdict": verdict,
                             "last": last[-300:]})
                if verdict in ("traceback", "long") or (args.show and verdict != "refused"):
                    print(f"{verdict:9} naoviz {' '.join(words)} {option} {value[:20]!r}: {last[-160:]}",
                          file=sys.stderr, flush=True)
    counts = Counter(r["verdict"] for r in runs)
    wall = time.perf_counter() - start
    n_options = len({(r["command"], r["option"]) for r in runs})
    misses = counts["traceback"] + counts["long"]
    if args.json:
        print(json.dumps({"runs": runs, "counts": dict(counts), "options": n_options, "values": len(VALUES),
                          "wall_s": round(wall, 1)}, indent=1))
        return 0
    print(f"{len(runs)} runs ({n_options} options x {len(VALUES)} values) of {args.naoviz} in {wall:.0f} s: "
          + ", ".join(f"{k} {counts[k]}" for k in ("refused", "accepted", "working", "traceback", "long")))
    print(f"misses (traceback or a line over {MAX_LINE} characters): {misses} of {len(runs)} "
          f"({100 * misses / max(1, len(runs)):.1f} %)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
