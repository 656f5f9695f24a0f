"""The ``naoviz`` command: one module per command group, each with ``add_parser(subparsers)``.

User mistakes (``NaovizError``, ``ValueError``, ``KeyError``, missing files) print one line to stderr
and exit with status 2; anything else is a bug and keeps its traceback.
"""
from __future__ import annotations

import argparse
import importlib
import sys
from typing import Optional, Sequence

from naoviz import __version__
from naoviz.errors import NaovizError

# Command modules, in the order ``naoviz --help`` lists them.
COMMAND_MODULES = [
    "naoviz.cli.info",
    "naoviz.cli.data",
    "naoviz.cli.search",
    "naoviz.cli.predictor",
    "naoviz.cli.child",
    "naoviz.cli.build_table",
    "naoviz.cli.dashboard",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="naoviz", description="See and use Neural Architecture Optimization (NAO).")
    parser.add_argument("--version", action="version", version=f"naoviz {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMAND_MODULES:
        importlib.import_module(name).add_parser(sub)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (NaovizError, ValueError, KeyError, FileNotFoundError) as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        print(f"naoviz {args.command}: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"naoviz {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
