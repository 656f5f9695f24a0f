"""Docs that match the code: every ``docs/X.md, "Section"`` quoted in the code, docs, bench or notebooks names a
heading (or a bold item) of that page, and every ``docs/X.md`` named exists. Pages were split and sections
renamed before; a stale pointer sends a reader nowhere. Also: the tests, files, names, ``#anchors``, commands,
options, defaults and ranges README.md and docs/ give exist and agree with the code (each test says which)."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REF = re.compile(r'(?:docs/)?([a-z_]+\.md)\)?,? \(?"([^"]{3,120})"')               # a quote may wrap a line
PAGE = re.compile(r'(?<!shared/)docs/([A-Za-z_]+\.md)')                # ../shared/docs/ is the spec, not ours


def _tracked() -> list[Path]:
    out = subprocess.run(["git", "ls-files", "*.py", "*.md", "*.ipynb"], cwd=ROOT, capture_output=True, text=True)
    if out.returncode:                                   # not a git checkout (an sdist): every such file below
        return [p for ext in ("py", "md", "ipynb") for p in ROOT.rglob(f"*.{ext}") if ".venv" not in p.parts]
    return [ROOT / f for f in out.stdout.split()]


def _anchors(page: Path) -> list[str]:
    """A page's headings and the bold lead of its list items (``- **Budget** ...``)."""
    text = page.read_text()
    heads = [line.lstrip("#").strip() for line in text.splitlines() if line.startswith("#")]
    return heads + re.findall(r"^\s*[-*] \*\*([^*]+)\*\*", text, flags=re.M)


def test_quoted_sections_and_named_pages_exist():
    pages = {p.name: _anchors(p) for p in (ROOT / "docs").glob("*.md")}
    pages["RESULTS.md"] = _anchors(ROOT / "bench" / "RESULTS.md")
    stale, missing = [], []
    for f in _tracked():
        if f.name == Path(__file__).name:
            continue
        text = f.read_text(errors="ignore")
        for m in REF.finditer(text):
            page, section = m.group(1), " ".join(m.group(2).split())
            if page in pages and not any(a.startswith(section) or section in a for a in pages[page]):
                stale.append(f"{f.relative_to(ROOT)}: {page}, {section!r}")
        missing += [f"{f.relative_to(ROOT)}: docs/{m}" for m in PAGE.findall(text) if not (ROOT / "docs" / m).exists()]
    assert not stale, "sections quoted that their page lacks:\n" + "\n".join(stale)
    assert not missing, "pages named that do not exist:\n" + "\n".join(sorted(set(missing)))


# `tests/test_x.py::test_name` (a parametrised id's `[...]` and a class's `::method` left out)
TEST_REF = re.compile(r"tests/([a-z_0-9]+\.py)::([A-Za-z_0-9]+)")


def test_every_test_the_docs_name_is_defined_in_its_file():
    """Each ``tests/FILE.py::NAME`` written in a tracked file names a test function or class FILE defines (docs
    named ``test_dashboard_server.py::test_base_url_takes_a_plain_path_only`` after the test moved and was
    renamed)."""
    missing = []
    for f in _tracked():
        if f.name == Path(__file__).name:           # its own examples
            continue
        for file, name in TEST_REF.findall(f.read_text(errors="ignore")):
            target = ROOT / "tests" / file
            if not target.exists() or not re.search(rf"^\s*(?:async )?(?:def|class) {name}\b", target.read_text(),
                                                     flags=re.M):
                missing.append(f"{f.relative_to(ROOT)}: tests/{file}::{name}")
    assert not missing, "tests named that their file does not define:\n" + "\n".join(sorted(set(missing)))


def _python_blocks(page: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", page.read_text(), flags=re.S)


def test_the_run_store_example_runs_as_written(tmp_path, monkeypatch):
    """docs/store.md's example, pasted into a fresh folder, runs to its end (it named a ``ckpt/`` folder that
    a reader does not have, so ``add_artifact`` stopped it with FileNotFoundError)."""
    monkeypatch.chdir(tmp_path)
    (block,) = _python_blocks(ROOT / "docs" / "store.md")
    scope: dict = {}
    exec(compile(block, "docs/store.md", "exec"), scope)
    assert scope["store"].artifacts(scope["run"]) and (tmp_path / "evals.csv").exists()


def _command_options() -> dict[str, set[str]]:
    """``{"search": {"--algo", ...}, "data show": {...}, ...}``: the options each command's parser takes."""
    import argparse

    from naoviz.cli import build_parser

    def subs(parser):
        return next((a.choices for a in parser._actions if isinstance(a, argparse._SubParsersAction)), {})
    out = {}
    for name, sp in subs(build_parser()).items():
        out[name] = {s for a in sp._actions for s in a.option_strings}
        for name2, sp2 in subs(sp).items():
            out[f"{name} {name2}"] = {s for a in sp2._actions for s in a.option_strings}
    return out


# `naoviz CMD [ACTION] ...` up to the end of the code span or line, a `#` comment or a shell pipe (an NB201 cell's
# own `|` is followed by an op, never a space)
_INVOCATION = re.compile(r"naoviz ([a-z][a-z-]*(?: (?:download|import|show))?)((?:[^`\n|#]|\|(?! ))*)")


def _prose() -> list[tuple[str, str]]:
    """``(where, text)`` of README.md, each docs/ page and each markdown cell of the notebooks (a reader copies
    commands from all three)."""
    import json

    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    out = [(str(p.relative_to(ROOT)), p.read_text()) for p in pages]
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(nb.read_text())["cells"]
        out += [(f"{nb.relative_to(ROOT)} cell {k}", "".join(c["source"])) for k, c in enumerate(cells)
                if c["cell_type"] == "markdown"]
    return out


def test_every_option_the_docs_give_a_command_is_one_it_takes():
    """Each ``naoviz CMD ... --option`` written in README.md, docs/ and the notebooks' markdown names an option
    of CMD (a renamed or dropped flag left in an example makes a pasted command fail)."""
    commands = _command_options()
    wrong, seen = [], 0
    for where, text in _prose():
        for n, line in enumerate(text.splitlines(), 1):
            for m in _INVOCATION.finditer(line):
                cmd = m.group(1) if m.group(1) in commands else m.group(1).split()[0]
                if cmd not in commands:               # prose ("naoviz is MIT-licensed"), not a command
                    continue
                seen += "notebooks/" in where
                wrong += [f"{where}:{n}: naoviz {cmd} {opt}"
                          for opt in re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*)", m.group(2))
                          if opt not in commands[cmd]]
    assert seen >= 5                                          # the notebooks' commands are read too
    assert not wrong, "options a command does not take:\n" + "\n".join(wrong)


def test_every_dotted_naoviz_name_in_the_docs_resolves():
    """Each ``naoviz.module.name`` written in README.md, docs/ or a notebook's markdown imports (a module) or is
    an attribute of one: a renamed function or moved module left in the prose sends a reader to an ImportError."""
    import importlib

    def resolves(name: str) -> bool:
        parts = name.split(".")
        for i in range(len(parts), 0, -1):
            try:
                obj = importlib.import_module(".".join(parts[:i]))
            except ModuleNotFoundError:
                continue
            for p in parts[i:]:
                if not hasattr(obj, p):
                    return False
                obj = getattr(obj, p)
            return True
        return False

    names: dict[str, str] = {}
    for where, text in _prose():
        for n, line in enumerate(text.splitlines(), 1):
            for m in re.finditer(r"(?<![\w/.-])(naoviz(?:\.[A-Za-z_]\w*)+)", line):
                names.setdefault(m.group(1), f"{where}:{n}")
    assert len(names) > 50                                   # the pattern still finds the docs' names
    wrong = [f"{where}: {name}" for name, where in sorted(names.items()) if not resolves(name)]
    assert not wrong, "names the docs give that do not exist:\n" + "\n".join(wrong)


def _block_commands(page: Path) -> list[tuple[int, str]]:
    """``(line, command)`` for each ``naoviz ...`` command in a page's bash/sh/console blocks and bare ``````
    blocks: ``\\``-continued lines joined, a leading ``$ `` and ``ENV=... `` dropped, ``a && b`` split."""
    out, lines = [], page.read_text().splitlines()
    lang = None
    for n, line in enumerate(lines, 1):
        fence = re.match(r"\s*```(\w*)", line)
        if fence:
            lang = None if lang is not None else fence.group(1)
            continue
        if lang not in ("bash", "sh", "console", "shell", ""):
            continue
        if out and out[-1][1].endswith("\\"):                    # a continued command
            out[-1] = (out[-1][0], out[-1][1][:-1] + " " + line.strip())
        else:
            out.append((n, re.sub(r"^\s*\$?\s*(?:[A-Z_]+=\S+\s+)*", "", line)))
    return [(n, part.strip()) for n, cmd in out for part in cmd.split(" && ") if part.strip().startswith("naoviz ")]


def _synopsis(argv: list[str]) -> bool:
    """A usage line, not a command: ``[--opt X]``, ``a|b`` alternatives (an NB201 cell string is ``|op~0|...``)
    or ``...``."""
    return any(re.search(r"[\[\]…]|\.\.\.", w) or ("|" in w and not w.startswith("|")) for w in argv)


def _synopsis_choices(argv: list[str]) -> list[str]:
    """In a usage line, each alternative of ``--opt a|b`` (``--opt [a|b]``) that ``--opt``'s choices lack."""
    from naoviz.cli import walk_parsers

    words = [w.strip("[]") for w in argv]
    parsers = {" ".join(k): p for k, p in walk_parsers()}
    cmd = " ".join(words[:2]) if " ".join(words[:2]) in parsers else words[0]
    actions = {s: a for a in parsers[cmd]._actions for s in a.option_strings}
    return [f"naoviz {cmd} {opt} {alt}" for opt, val in zip(words, words[1:])
            if opt in actions and actions[opt].choices and "|" in val and not val.startswith("|")
            for alt in val.split("|") if alt not in actions[opt].choices]


def test_every_command_in_the_docs_code_blocks_parses():
    """Each concrete ``naoviz ...`` line in a code block of README.md and docs/ parses with the real parser as a
    user would paste it (command and action named right, every option known and given a valid value, no stray
    word): a renamed option, a dropped choice or a value an option no longer takes fails here, not for a reader.
    Usage lines (``[--epochs E]``, ``nao|re``) are left to the option-name test above."""
    import contextlib
    import io
    import shlex

    from naoviz.cli import build_parser

    parsed, wrong = 0, []
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for n, cmd in _block_commands(page):
            argv = shlex.split(cmd, comments=True)[1:]
            if _synopsis(argv):
                wrong += [f"{page.relative_to(ROOT)}:{n}: {w}" for w in _synopsis_choices(argv)]
                continue
            err = io.StringIO()
            try:
                with contextlib.redirect_stderr(err):
                    _, extra = build_parser().parse_known_args(argv)
            except SystemExit:
                extra = [err.getvalue().strip()]
            parsed += 1
            if extra:
                wrong.append(f"{page.relative_to(ROOT)}:{n}: {cmd}  ->  {' '.join(extra)}")
    assert parsed > 40                                       # the extraction still finds the docs' commands
    assert not wrong, "commands the docs print that do not parse:\n" + "\n".join(wrong)


def test_every_option_of_every_command_is_in_the_docs():
    """Each option a command's parser takes (``--help`` aside) is written in README.md or docs/, so the reference
    pages name everything ``naoviz CMD --help`` lists (``predictor --no-baselines`` and ``--no-steps`` were in
    ``--help`` only); the reverse, each documented option existing, is the test above."""
    import argparse

    from naoviz.cli import walk_parsers
    text = "\n".join(p.read_text() for p in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))])
    missing, seen = [], 0
    for words, parser in walk_parsers():
        for action in parser._actions:
            if isinstance(action, argparse._HelpAction) or action.help == argparse.SUPPRESS:
                continue
            for opt in (s for s in action.option_strings if s.startswith("--")):
                seen += 1
                if not re.search(re.escape(opt) + r"(?![\w-])", text):
                    missing.append(f"naoviz {' '.join(words)} {opt}".replace("  ", " "))
    assert seen > 150                                        # the walk still reaches every command
    assert not missing, "options in --help that README.md and docs/ never name:\n" + "\n".join(missing)


# a path in this repository, as README.md and docs/ write it: `naoviz/atlas.py`, `bench/atlas_map.py`,
# `tests/test_ui.py`, `naoviz/resources/explorer/explorer*.js` (a glob); not one in another repository (HELP's
# `data/nasbench201/latency`) and not what a test run writes (`tests/artifacts/...`)
_REPO_PATH = re.compile(r"(?<![\w/.~-])((?:naoviz|bench|tests|notebooks|docs|\.ci)/[\w./*-]*[\w*])")


def test_every_file_the_docs_name_exists():
    """Each ``naoviz/...``, ``bench/...``, ``tests/...``, ``notebooks/...`` and ``.ci/...`` path written in
    README.md or docs/ is a file or folder of the checkout (a glob matches one), and each ``x.py`` in a row of
    README's package table is a file under ``naoviz/``: a moved or renamed module left in the prose sends a
    reader to a file that is not there."""
    wrong, seen = [], 0
    for where, text in _prose():
        if where.startswith("notebooks/"):
            continue
        for n, line in enumerate(text.splitlines(), 1):
            for path in _REPO_PATH.findall(line):
                path = path.rstrip(".")
                if path.startswith("tests/artifacts/"):
                    continue
                seen += 1
                if not (any(ROOT.glob(path)) if "*" in path else (ROOT / path).exists()):
                    wrong.append(f"{where}:{n}: {path}")
    modules = {p.name for p in (ROOT / "naoviz").rglob("*.py")}
    for n, line in enumerate((ROOT / "README.md").read_text().splitlines(), 1):
        if line.startswith("| `naoviz/"):
            wrong += [f"README.md:{n}: {name}" for name in re.findall(r"`(\w+\.py)`", line.split("|")[1])
                      if name not in modules]
    assert seen > 100                                        # the pattern still finds the docs' paths
    assert not wrong, "files the docs name that do not exist:\n" + "\n".join(wrong)


def test_every_name_a_docs_snippet_imports_exists():
    """Each ``from naoviz.X import a, b`` in a ``python`` block of README.md or docs/ imports: a snippet a reader
    pastes (README's, docs/search.md's) stops at its first line when a name moved."""
    import importlib

    wrong, seen = [], 0
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for block in _python_blocks(page):
            for module, names in re.findall(r"^\s*from (naoviz[\w.]*) import ([\w, ]+)$", block, flags=re.M):
                for name in filter(None, (x.strip() for x in names.split(","))):
                    seen += 1
                    try:
                        getattr(importlib.import_module(module), name)
                    except (ImportError, AttributeError):
                        try:
                            importlib.import_module(f"{module}.{name}")
                        except ImportError:
                            wrong.append(f"{page.relative_to(ROOT)}: from {module} import {name}")
    assert seen > 30                                         # the pattern still finds the snippets' imports
    assert not wrong, "names the docs' snippets import that do not exist:\n" + "\n".join(wrong)


def _slugs(page: Path) -> set[str]:
    """The ``#anchors`` GitHub makes of a page's headings: lower case, punctuation dropped, spaces to ``-``, a
    repeated heading's ``-1``, ``-2``..."""
    out, count = set(), {}
    for line in page.read_text().splitlines():
        if line.startswith("#"):
            slug = re.sub(r"[^\w\- ]", "", line.lstrip("#").strip().lower()).replace(" ", "-")
            out.add(slug if slug not in count else f"{slug}-{count[slug]}")
            count[slug] = count.get(slug, 0) + 1
    return out


def test_every_link_to_a_section_finds_its_heading():
    """Each ``[text](page.md#anchor)`` in README.md, docs/, bench/RESULTS.md and data/README.md lands on a heading
    of that page: a heading reworded (``Which NAO preset? (held-out seeds 10–29, ...)``) leaves GitHub's link at
    the top of the page, silently."""
    wrong, seen = [], 0
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), ROOT / "bench" / "RESULTS.md",
                 ROOT / "data" / "README.md"]:
        for file, anchor in re.findall(r"\]\(([^)#\s]*)#([^)\s]+)\)", page.read_text()):
            target = (page.parent / file) if file else page
            seen += 1
            if not target.exists() or anchor not in _slugs(target):
                wrong.append(f"{page.relative_to(ROOT)}: {file}#{anchor}")
    assert seen > 10                                         # the pattern still finds the links
    assert not wrong, "links to sections their page lacks:\n" + "\n".join(wrong)


def test_a_default_or_range_the_docs_give_an_option_is_the_one_its_help_gives():
    """Where README.md or docs/ write ``--option ...`` then, in the same sentence, ``(default X`` or a range
    ``A..B``, ``naoviz CMD --help`` gives that option the same default or range (``--pool-size N`` (default 1,
    0..64)): a default changed in the parser and not in the prose misleads a reader. An option whose help gives
    no range (``--seed``: ``>= 0``) is not compared."""
    import argparse

    from naoviz.cli import walk_parsers

    helps: dict[str, str] = {}
    for _, parser in walk_parsers():
        formatter = parser._get_formatter()
        for action in parser._actions:
            if action.help != argparse.SUPPRESS:
                for opt in action.option_strings:
                    helps[opt] = helps.get(opt, "") + " " + " ".join(formatter._format_action(action).split())
    default = re.compile(r"`(--[a-z][a-z0-9-]*)[^`]*`[^;\n`]{0,40}?\(default:? `?([\w./-]+)")
    span = re.compile(r"`(--[a-z][a-z0-9-]*)[^`]*`[^;\n`]{0,60}?(\d[\d,]*\s?\.\.\s?[\d,]*\d)")
    wrong, seen = [], 0
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = page.read_text()
        for pattern, given in ((default, r"default:? ([\w./-]+)"), (span, r"(\d[\d,]*\.\.[\d,]*\d)")):
            for m in pattern.finditer(text):
                opt, value = m.group(1), m.group(2).replace(",", "").replace(" ", "")
                in_help = {v.replace(",", "") for v in re.findall(given, helps.get(opt, ""))}
                if not in_help:
                    continue
                seen += 1
                if value not in in_help:
                    n = text[:m.start()].count("\n") + 1
                    wrong.append(f"{page.relative_to(ROOT)}:{n}: {opt} {value} (--help: {', '.join(sorted(in_help))})")
    assert seen >= 5                                         # the patterns still find the docs' defaults and ranges
    assert not wrong, "defaults and ranges the docs give that --help does not:\n" + "\n".join(wrong)
