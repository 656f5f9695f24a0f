"""Hostile input against the installed ``naoviz`` command, from outside the project, as a user would type it.

Each case runs ``naoviz ARGS`` in a fresh process (cwd: a temporary folder, 60 s limit) and is judged:
``clean`` (non-zero exit, no traceback, last stderr line names an option or what is wrong and is at most
200 characters), ``traceback``, ``hang`` (killed at the limit), ``exit 0`` (bad input accepted), ``long``
(a clean exit whose error line is over 200 characters) or ``misread`` (the line says an option "expected one
argument" although one followed it: a value such as ``-1:5`` was taken for an option). A clean refusal said in more
than one stderr line (a table's note above the error, say) is listed apart, not counted a miss. Then tables as researchers
export them (cp1252, tabs, semicolons, several rows per class) must be *read*: exit 0 with a ``table NAME:``
line on stderr (``read_tables``; counted apart), and an own table's runs must say what they must (the table
file as typed, the column a model trained on, advice that fits a hand-made CSV, the table in compare's
summary.json, ``--scheduler`` named: ``said_cases``; counted apart). The cases (bench/hostile_cli_cases_commands.py,
bench/hostile_cli_cases_tables.py) are written independently of ``tests/test_cli_hostile.py``, so that a fix
tuned to the test's cases does not pass this by construction.

    python bench/hostile_cli.py [--naoviz PATH] [--json]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# the runner; the cases live beside it (this script's folder is on sys.path): refusals of every command
# (hostile_cli_cases_commands.py), own tables refused, read and what their runs say (hostile_cli_cases_tables.py)
from hostile_cli_cases_commands import cases
from hostile_cli_cases_tables import read_tables, said_cases


def judge_read(proc: subprocess.CompletedProcess) -> tuple[str, str]:
    """``read`` (exit 0, no traceback, the ``table NAME: ...`` line saying how it was read), ``traceback``,
    ``refused`` (a non-zero exit) or ``silent`` (read without saying how)."""
    err = proc.stderr.strip()
    last = err.splitlines()[-1] if err else ""
    if "Traceback (most recent call last)" in proc.stderr or "Traceback" in proc.stdout:
        return "traceback", last
    if proc.returncode != 0:
        return "refused", last
    if not any(x.startswith("table ") for x in err.splitlines()):
        return "silent", last
    return "read", last


def stderr_lines(proc: subprocess.CompletedProcess) -> int:
    """The non-blank lines a run wrote on stderr (a progress bar's ``\\r`` redraws are one line)."""
    return sum(1 for line in proc.stderr.split("\n") if line.strip())


def judge(proc: subprocess.CompletedProcess, argv: list[str]) -> tuple[str, str]:
    err = proc.stderr.strip()
    last = err.splitlines()[-1] if err else ""
    if "Traceback (most recent call last)" in proc.stderr or "Traceback" in proc.stdout:
        return "traceback", last
    if proc.returncode == 0:
        return "exit 0", last
    if len(last) > 200 or not last:
        return "long", last
    named = last.split("error: ", 1)[-1].split(":", 1)[0]
    if "expected one argument" in last and named in argv[:-1]:
        return "misread", last
    return "clean", last


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    beside = Path(sys.executable).with_name("naoviz")          # the venv running this script
    ap.add_argument("--naoviz", default=shutil.which("naoviz") or (str(beside) if beside.exists() else "naoviz"),
                    help="the installed command (default: on PATH, else beside this Python)")
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if shutil.which(args.naoviz) is None:
        ap.error(f"--naoviz: no such command {args.naoviz!r} (install naoviz, or give its path)")
    with tempfile.TemporaryDirectory(prefix="naoviz-hostile-") as d:
        tmp = Path(d)
        env = dict(os.environ, NAOVIZ_CACHE=str(tmp / "cache"), OMP_NUM_THREADS="1")
        counts: dict = {}
        bad: list = []
        wordy: list = []                    # clean refusals said in more than one stderr line (the standard: one)
        start = time.perf_counter()
        good = tmp / "good.db"              # a real store for the `naoviz runs --csv` cases
        made = subprocess.run([args.naoviz, "search", "--space", "nb201-digits", "--algo", "rs", "--queries", "3",
                               "--store", str(good), "--no-progress"], capture_output=True, text=True, cwd=tmp,
                              env=env, timeout=args.timeout, stdin=subprocess.DEVNULL)
        if made.returncode != 0:
            print(f"cannot make the run store the runs cases read: {made.stderr.strip()[-300:]}", file=sys.stderr)
            return 1
        all_cases = cases(tmp, good)
        for argv in all_cases:
            argv, extra = argv if isinstance(argv, tuple) else (argv, {})
            try:
                proc = subprocess.run([args.naoviz, *argv], capture_output=True, text=True, cwd=tmp,
                                      env={**env, **extra}, timeout=args.timeout, stdin=subprocess.DEVNULL)
                verdict, line = judge(proc, argv)
            except subprocess.TimeoutExpired:
                verdict, line = "hang", ""
            counts[verdict] = counts.get(verdict, 0) + 1
            if verdict == "clean" and stderr_lines(proc) > 1:
                wordy.append({"argv": [a[:60] for a in argv], "lines": stderr_lines(proc),
                              "first": proc.stderr.strip().split("\n")[0][:300]})
            if verdict != "clean":
                bad.append({"argv": [a[:60] for a in argv], "verdict": verdict, "line": line[:300]})
        read_cases, unread = read_tables(tmp), []
        for argv in read_cases:                  # what must be read, not refused: exit 0 and the table's note line
            try:
                proc = subprocess.run([args.naoviz, *argv], capture_output=True, text=True, cwd=tmp, env=env,
                                      timeout=args.timeout, stdin=subprocess.DEVNULL)
                verdict, line = judge_read(proc)
            except subprocess.TimeoutExpired:
                verdict, line = "hang", ""
            if verdict != "read":
                unread.append({"argv": [a[:60] for a in argv], "verdict": verdict, "line": line[:300]})
        said, unsaid = said_cases(tmp), []
        for name, argv, check in said:           # what an own table's run must say (one check each)
            try:
                proc = subprocess.run([args.naoviz, *argv], capture_output=True, text=True, cwd=tmp, env=env,
                                      timeout=args.timeout, stdin=subprocess.DEVNULL)
                ok = check(proc) and "Traceback" not in proc.stderr
                line = (proc.stderr.strip().splitlines() or [""])[-1]
            except subprocess.TimeoutExpired:
                ok, line = False, "hang"
            if not ok:
                unsaid.append({"case": name, "argv": [a[:60] for a in argv], "line": line[:300]})
        wall = time.perf_counter() - start
    result = {"cases": len(all_cases), "counts": counts, "not_clean": bad, "wall_s": wall,
              "clean_fraction": counts.get("clean", 0) / len(all_cases),
              "clean_in_one_line": counts.get("clean", 0) - len(wordy), "clean_in_more_lines": wordy,
              "read_cases": len(read_cases), "read": len(read_cases) - len(unread), "not_read": unread,
              "said_cases": len(said), "said": len(said) - len(unsaid), "not_said": unsaid}
    if args.json:
        print(json.dumps(result, indent=1))
        return 0
    print(f"{len(all_cases)} hostile invocations of {args.naoviz} in {wall:.0f} s: "
          + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    print(f"clean errors: {result['clean_fraction']:.1%} of the cases")
    for b in bad:
        print(f"  {b['verdict']:>9}: naoviz {' '.join(b['argv'])[:140]}\n             {b['line'][:160]}")
    print(f"clean errors in one stderr line: {result['clean_in_one_line']} of {counts.get('clean', 0)}")
    for b in wordy:
        print(f"  {b['lines']:>3} lines: naoviz {' '.join(b['argv'])[:140]}\n             first: {b['first'][:160]}")
    print(f"researchers' table exports read (exit 0, a `table NAME:` line): {result['read']} of {len(read_cases)}")
    for b in unread:
        print(f"  {b['verdict']:>9}: naoviz {' '.join(b['argv'])[:140]}\n             {b['line'][:160]}")
    print(f"own tables' runs that say what they must (file as typed, model column, advice, summary's table, "
          f"--scheduler): {result['said']} of {len(said)}")
    for b in unsaid:
        print(f"  {b['case']}: naoviz {' '.join(b['argv'])[:140]}\n             {b['line'][:160]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
