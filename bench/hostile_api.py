"""Hostile arguments to the public Python API, as a notebook user would pass them (README.md, docs/*.md, notebooks/).

Each case (bench/hostile_api_cases.py, then bench/hostile_api_cases_second.py's, _train.py's and _read.py's areas)
is one call with exactly one bad argument, run in a forked child of a process that loaded the fixtures once (the digits
table, a small fitted NAO, the shipped atlas, a run store, ...), with a time limit, and judged:

- ``good``: one exception of a clear type (ValueError, TypeError, LookupError, OSError, NaovizError; a widget
  attribute's TraitError, raised by the widget's declared traits wherever traitlets checks them) raised in
  naoviz's own code, whose message names the argument and shows the value; an OSError carrying the path it
  was given (``.filename``: "Is a directory: '/tmp/x'") names its argument wherever it was raised;
- ``deep``: raised inside a library (torch, numpy, pandas, ...) or the standard library, not at our edge;
- ``unclear type``: an AttributeError, AssertionError, ZeroDivisionError, ...;
- ``no argument`` / ``no value``: the message names neither the argument nor (where the case gives one) the value;
- ``accepted``: the call returned (a silent clamp or wrong output);
- ``hang``: killed at the limit; ``crash``: the child died without an answer.

The cases are written independently of tests/test_api_hostile.py, so a fix tuned to the test's cases does not
pass this by construction.

    python bench/hostile_api.py [--only SUBSTRING] [--timeout S] [--json]
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import sys
import tempfile
import time
import traceback
from pathlib import Path

import hostile_api_cases_read                      # bench/ (this script's folder is on sys.path)
import hostile_api_cases_second
import hostile_api_cases_train
from hostile_api_cases import cases as first_cases, fixtures as first_fixtures

MORE = (hostile_api_cases_second, hostile_api_cases_train, hostile_api_cases_read)    # later areas, each a module of cases(c) + fixtures(ns)


def cases() -> list:
    """Every case: bench/hostile_api_cases.py's, then each of MORE's, with the same (id, code, names, values)."""
    out = first_cases()

    def c(cid, code, names, values=()):
        out.append((cid, code, tuple(names) if isinstance(names, (tuple, list)) else (names,),
                    tuple(values) if isinstance(values, (tuple, list)) else (values,)))
    for module in MORE:
        module.cases(c)
    return out


def fixtures(tmp: Path) -> dict:
    """The first module's namespace, extended by each area's fixtures."""
    ns = first_fixtures(tmp)
    for module in MORE:
        module.fixtures(ns)
    return ns

try:                                  # a widget's attribute refused by its traits: what ipywidgets users meet
    from traitlets import TraitError
    WIDGET: tuple = (TraitError,)
except ImportError:                   # pragma: no cover -- the backend alone
    WIDGET = ()
CLEAR = (ValueError, TypeError, LookupError, OSError) + WIDGET


def _verdict(exc: BaseException, names: tuple, values: tuple) -> tuple[str, str, str]:
    """(verdict, message, where it was raised) for an exception a case raised."""
    from naoviz.errors import NaovizError
    import naoviz
    root = str(Path(naoviz.__file__).parent)
    frames = traceback.extract_tb(exc.__traceback__)
    where = f"{frames[-1].filename}:{frames[-1].lineno}" if frames else "?"
    msg = exc.args[0] if isinstance(exc, KeyError) and exc.args and isinstance(exc.args[0], str) else str(exc)
    first = msg.strip().splitlines()[0] if msg.strip() else ""
    if not isinstance(exc, CLEAR + (NaovizError,)):
        return "unclear type", f"{type(exc).__name__}: {first}", where
    if isinstance(exc, OSError) and exc.filename and any(str(v) in str(exc.filename) for v in values):
        return "good", f"{type(exc).__name__}: {first}", where        # the path given, and what is wrong with it
    if not frames or (not frames[-1].filename.startswith(root) and not isinstance(exc, WIDGET)):
        return "deep", f"{type(exc).__name__}: {first}", where
    low = msg.lower()
    if not any(n.lower() in low for n in names):
        return "no argument", f"{type(exc).__name__}: {first}", where
    if values and not any(str(v).lower() in low for v in values):
        return "no value", f"{type(exc).__name__}: {first}", where
    return "good", f"{type(exc).__name__}: {first}", where


def _child(conn, code: str, ns: dict, names: tuple, values: tuple) -> None:
    import warnings
    warnings.simplefilter("ignore")
    start = time.perf_counter()
    try:
        exec(code, ns)
    except BaseException as exc:      # noqa: BLE001 -- what was raised is what is judged
        verdict, line, where = _verdict(exc, names, values)
    else:
        got = ns.get("_")
        verdict, line, where = "accepted", f"returned {str(got)[:150]!s}" if got is not None else "returned", ""
    conn.send((verdict, line[:300], where, time.perf_counter() - start))
    conn.close()


def run_case(ctx, code: str, ns: dict, names: tuple, values: tuple, timeout: float) -> tuple:
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, code, ns, names, values))
    proc.start()
    child.close()
    if parent.poll(timeout):
        try:
            answer = parent.recv()
        except EOFError:
            answer = ("crash", f"child exited {proc.exitcode}", "", timeout)
    else:
        answer = ("hang", f"no answer in {timeout:.0f} s", "", timeout)
    proc.join(1)
    if proc.is_alive():
        proc.kill()
        proc.join()
    if answer[0] != "hang" and proc.exitcode not in (0, None) and answer[0] == "crash":
        answer = ("crash", f"child exited {proc.exitcode}", "", timeout)
    return answer


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", default="", help="run the cases whose id holds this text")
    ap.add_argument("--timeout", type=float, default=30.0, help="seconds per case (default 30)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if not args.timeout > 0:
        ap.error(f"--timeout: must be a positive number of seconds, got {args.timeout!r}")
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    import torch
    torch.set_num_threads(1)                 # no thread pool alive across fork
    ctx = mp.get_context("fork")
    with tempfile.TemporaryDirectory(prefix="naoviz-hostile-api-") as d:
        start = time.perf_counter()
        todo = [c for c in cases() if args.only in c[0]]
        if not todo:
            ap.error(f"--only: no case id holds {args.only!r}")
        ns = fixtures(Path(d))
        setup_s = time.perf_counter() - start
        counts: dict = {}
        rows = []
        for cid, code, names, values in todo:
            verdict, line, where, took = run_case(ctx, code, ns, tuple(names), tuple(values), args.timeout)
            counts[verdict] = counts.get(verdict, 0) + 1
            rows.append({"case": cid, "code": code, "verdict": verdict, "line": line, "where": where,
                         "s": round(took, 2)})
        wall = time.perf_counter() - start
    slowest = max(rows, key=lambda r: r["s"])
    misses = [r for r in rows if r["verdict"] != "good"]
    import naoviz
    result = {"naoviz": str(Path(naoviz.__file__).parent), "cases": len(rows), "good": counts.get("good", 0),
              "counts": counts,
              "good_fraction": counts.get("good", 0) / len(rows), "misses": misses,
              "setup_s": round(setup_s, 1), "wall_s": round(wall, 1),
              "slowest_case": {"case": slowest["case"], "s": slowest["s"]}}
    if args.json:
        print(json.dumps(result, indent=1))
        return 0
    print(f"naoviz at {result['naoviz']}")
    print(f"{len(rows)} hostile calls of the public Python API in {wall:.0f} s (fixtures {setup_s:.0f} s): "
          + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    print(f"good (clear type, raised at naoviz's edge, names the argument and the value): "
          f"{counts.get('good', 0)} of {len(rows)} ({result['good_fraction']:.1%}); slowest case "
          f"{slowest['case']} {slowest['s']:.1f} s (a refusal after work shows here)")
    for r in misses:
        print(f"  {r['verdict']:>12}: [{r['case']}] {r['code'][:110]}\n{'':>16}{r['line'][:150]}"
              + (f"\n{'':>16}at {r['where']}" if r["verdict"] == "deep" else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
