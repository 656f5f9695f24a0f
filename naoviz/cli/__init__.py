"""The ``naoviz`` command: one module per command group, each with ``add_parser(subparsers)``.

User mistakes (``NaovizError``, ``ValueError``, ``KeyError``, any ``OSError``, and argparse's usage errors)
print ONE line to stderr, ``naoviz CMD: error: --option: <why>, got <value>`` (values cut to about 80
characters), and exit with status 2; a closed stdout pipe (``naoviz ... | head``) ends quietly; anything
else is a bug and keeps its traceback. ``main`` returns the exit status (argparse's too) instead of raising.
"""
from __future__ import annotations

import argparse
import importlib
import os
import re
import sys
import warnings
from typing import Optional, Sequence

from naoviz import __version__
from naoviz.cli import interrupts
from naoviz.cli.common import RangeHelpFormatter, cut, cut_path, one_line
from naoviz.errors import NaovizError

# Command modules, in the order ``naoviz --help`` lists them.
COMMAND_MODULES = [
    "naoviz.cli.info",
    "naoviz.cli.docs",
    "naoviz.cli.data",
    "naoviz.cli.search",
    "naoviz.cli.compare",
    "naoviz.cli.runs",
    "naoviz.cli.predictor",
    "naoviz.cli.child",
    "naoviz.cli.build_table",
    "naoviz.cli.atlas",
    "naoviz.cli.cache",
    "naoviz.cli.supernet",
    "naoviz.cli.dashboard",
    "naoviz.cli.export_page",
]


_QUOTED = re.compile(r"'(?:[^'\\]|\\.){80,}'")
_CHOICES = re.compile(r"\(choose from ((?:'[^']*'(?:, )?)+)\)")
# An argument that starts like a negative number (-1:5, -1e3, -0.5,1, -inf, -nan) is a value, never an option:
# argparse alone takes only -1 and -1.5 as values, so `--etas -1:5` would say "expected one argument".
_NEGATIVE = re.compile(r"-(\.?\d|inf|nan)", re.IGNORECASE)


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors: ``naoviz search: error: --threads: must be ..., got '0'`` (no usage
    block; ``--help`` shows it, with each checked option's range). Subcommand parsers are made by the same class."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", RangeHelpFormatter)
        # Options are typed in full: `compare --seed 3` was taken as --seeds 3 (three seeds, not seed 3), and an
        # abbreviation that works today would change meaning with the next option of the same prefix.
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message: str):
        message = re.sub(r"^argument ([^:]+): ", r"\1: ", message)
        subs = [a for a in self._actions if isinstance(a, argparse._SubParsersAction)]
        if subs and "arguments are required" in message:          # `naoviz data`: name the actions
            message += f" (one of {', '.join(subs[0].choices)})"
        message = _QUOTED.sub(lambda m: cut(m.group(0), 80), message)
        message = _CHOICES.sub(lambda m: "(choose from " + m.group(1).replace("'", "") + ")", message)   # short
        self.exit(2, f"{self.prog}: error: {one_line(message)}\n")

    def _parse_optional(self, arg_string):
        # None: "a value, not an option"; the option's own type check then says what is wrong with it
        if _NEGATIVE.match(arg_string) and arg_string not in self._option_string_actions:
            return None
        return super()._parse_optional(arg_string)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="naoviz", description="See and use Neural Architecture Optimization (NAO).",
        epilog="naoviz COMMAND --help lists a command's options with their defaults and ranges. Data: "
               "$NAOVIZ_DATA (naoviz data --help); cache: $NAOVIZ_CACHE (naoviz cache --help).")
    parser.add_argument("--version", action="version", version=f"naoviz {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMAND_MODULES:
        importlib.import_module(name).add_parser(sub)
    return parser


def walk_parsers(parser: Optional[argparse.ArgumentParser] = None, words: tuple = ()):
    """``(command words, parser)`` for naoviz's parser and every (sub-)command's, depth first: ``((), naoviz)``,
    ``(("search",), ...)``, ``(("data", "show"), ...)``. What the option tests and bench/option_fuzz.py walk."""
    parser = build_parser() if parser is None else parser
    yield words, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from walk_parsers(sub, (*words, name))


def _did_you_mean(parser: argparse.ArgumentParser, command: str, extra: Sequence[str]) -> str:
    """`` (did you mean --space?)`` for the first unrecognized ``--option`` of ``extra`` close to ``command``'s
    options: a typo (``--sapce``), an abbreviation (``--que``: options are typed in full), or a word one of them
    holds (``compare --seed``: ``--seeds or --first-seed``); else ""."""
    import difflib
    options = next((list(p._option_string_actions) for words, p in walk_parsers(parser)
                    if " ".join(words) == command), [])
    for word in extra:
        if word.startswith("--"):
            typed = word.split("=", 1)[0]
            close = difflib.get_close_matches(typed, options, n=2, cutoff=0.75)
            close += [o for o in options
                      if o not in close and (o.startswith(typed) or typed[2:] in o[2:].split("-"))]
            if close:
                return f" (did you mean {' or '.join(close[:3])}?)"
    return ""


def _error_text(exc: BaseException) -> str:
    if isinstance(exc, KeyError) and exc.args:
        return str(exc.args[0])
    if isinstance(exc, OSError) and not isinstance(exc, NaovizError) and exc.filename and exc.strerror:
        where = f"{exc.filename} -> {exc.filename2}" if exc.filename2 else str(exc.filename)
        return f"{cut_path(where)}: {exc.strerror}{_in_cache(exc)}"
    return str(exc)


NOTE_LINE = 200         # a note is at most this long, as a hostile-input error line is (bench/hostile_cli.py)


def _in_cache(exc: OSError) -> str:
    """What to do when the file refused is in the cache folder (read-only, or HOME's not writable): a hint
    naming NAOVIZ_CACHE, else ""."""
    import errno
    from pathlib import Path
    from naoviz.paths import cache_dir
    if exc.errno not in (errno.EACCES, errno.EPERM, errno.EROFS):
        return ""
    try:
        if Path(exc.filename).resolve().is_relative_to(cache_dir(create=False).resolve()):
            return " (the cache folder is not writable: set NAOVIZ_CACHE to a folder that is)"
    except (OSError, ValueError, TypeError):
        pass
    return ""


def _note_line(command: str):
    """``warnings.showwarning`` for the command: a warning (a corrupt cache entry being rebuilt, a stopped
    build's checkpoint not used) is ONE stderr line, ``naoviz CMD: note: <message>``, not Python's two lines
    with a source file and line number."""
    def show(message, category, filename, lineno, file=None, line=None):
        text = one_line(f"naoviz {command}: note: {message}", NOTE_LINE)
        std = sys.modules.get("tqdm.std")
        if std is not None and file is None:      # an open progress bar: above it, the bar drawn again below
            std.tqdm.write(text, file=sys.stderr)
        else:
            print(text, file=file or sys.stderr)
    return show


def _quiet_stdout() -> None:
    """After a closed pipe: point stdout at /dev/null so the interpreter's final flush cannot fail too
    (the Python documentation's recipe for SIGPIPE)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def main(argv: Optional[Sequence[str]] = None) -> int:
    command = "?"
    _stopped["yes"] = False
    try:
        parser = build_parser()
        if not (sys.argv[1:] if argv is None else argv):      # bare `naoviz`: the commands, not only an error
            parser.print_help(sys.stderr)
            return 2
        try:
            args, extra = parser.parse_known_args(argv)
        except SystemExit as exc:       # --help / --version (0) or a usage error (2, its line already printed)
            return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
        command = args.command + (f" {args.data_command}" if getattr(args, "data_command", None) else "")
        if extra:                       # named by the command they were given to, as its other errors are
            print(f"naoviz {command}: error: unrecognized arguments: {cut(' '.join(extra), 80)}"
                  f"{_did_you_mean(parser, command, extra)}", file=sys.stderr)
            return 2
        args.argv = list(sys.argv[1:] if argv is None else argv)     # what `naoviz compare --store` records
        try:
            with interrupts.caught(), warnings.catch_warnings():  # SIGTERM/SIGHUP stop it as Ctrl-C does
                warnings.showwarning = _note_line(command)
                return int(args.func(args) or 0)
        except BrokenPipeError:
            raise
        except (NaovizError, ValueError, KeyError, OSError) as exc:
            interrupts.close_bars()         # the line below starts a line, not after an unfinished bar
            print(f"naoviz {command}: error: {one_line(_error_text(exc))}", file=sys.stderr)
            return 2
        except KeyboardInterrupt as exc:
            _stopped["yes"] = True
            hint = getattr(args, "interrupted_hint", None)
            how = interrupts.how(exc)
            interrupts.close_bars()
            print(interrupts.line_start() + f"naoviz {command}: {how}" + (f"; {hint}" if hint else ""),
                  file=sys.stderr)
            return interrupts.exit_status(exc)
    except BrokenPipeError:             # `naoviz ... | head`: the reader is gone, nothing left to say
        _quiet_stdout()
        return 141
    except KeyboardInterrupt as exc:    # Ctrl-C while the commands' modules import: before any work, no traceback
        _stopped["yes"] = True
        name = "naoviz" if command == "?" else f"naoviz {command}"
        print(interrupts.line_start() + f"{name}: {interrupts.how(exc)}", file=sys.stderr)
        return interrupts.exit_status(exc)


def command():
    """The ``naoviz`` program: :func:`main` on the command line, then exit with its status (a stopped command
    at once, skipping the interpreter's teardown: :func:`interrupts.leave`)."""
    status = main()
    interrupts.leave(status, _stopped["yes"])


_stopped = {"yes": False}     # main() ended on a stop signal (its status: 128 + the signal)


if __name__ == "__main__":  # pragma: no cover
    command()
