"""What bench scripts share at their ends: their figures printed (``--json``: indented JSON, else one aligned
``name: value`` line each) or written to a file (``--json PATH``), and the issue-13 search benches' ``--seeds A-B``
/ ``--queries`` / ``--json PATH`` options. Imported as ``from bench_out import ...``:
``python bench/X.py`` puts this folder on ``sys.path``.
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import Optional


def print_figures(out: dict, as_json: bool, width: int, digits: int) -> None:
    """``out`` on stdout: indented JSON when ``as_json`` (a value JSON cannot hold as its ``str``), else a line a
    figure, its name right-aligned to ``width`` characters, a float to ``digits`` decimals."""
    if as_json:
        json.dump(out, sys.stdout, indent=2, default=str)
        print()
        return
    for k, v in out.items():
        print(f"{k:>{width}}: {v:.{digits}f}" if isinstance(v, float) else f"{k:>{width}}: {v}")


def save_json(out, path: Optional[str]) -> None:
    """``--json PATH``: every figure written to PATH as JSON; nothing when no path was given."""
    if path:
        with open(path, "w") as fh:
            json.dump(out, fh)


def seed_range(text: str) -> range:
    """``--seeds A-B``: seeds A..B-1 (``0-10``: issue 13's tuning seeds); else argparse's one-line error."""
    lo, sep, hi = str(text).partition("-")
    if not (sep and lo.isdigit() and hi.isdigit() and int(lo) < int(hi)):
        raise argparse.ArgumentTypeError(f"expected A-B, seeds A..B-1 with A < B, got {text!r}")
    return range(int(lo), int(hi))


def add_search_options(ap: argparse.ArgumentParser, json_help: Optional[str] = None) -> None:
    """The options the issue-13 search benches share: ``--seeds A-B`` (a :func:`seed_range`, default 0-10),
    ``--queries N`` (default 100) and ``--json PATH`` (:func:`save_json`)."""
    ap.add_argument("--seeds", type=seed_range, default="0-10", help="A-B: seeds A..B-1 (default 0-10, the tuning seeds)")
    ap.add_argument("--queries", type=int, default=100)
    ap.add_argument("--json", default=None, metavar="PATH", help=json_help or "write every figure to this file")
