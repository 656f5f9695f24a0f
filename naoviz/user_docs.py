"""Where the user docs (the pages ``naoviz CMD --help`` names as ``docs/<page>.md``) are on this machine, and which
page a name means: ``naoviz docs`` and ``naoviz info`` use it, so an installed wheel's user finds them too.

The wheel holds a copy of the repository's ``docs/*.md`` as ``naoviz/resources/docs/`` (setup.py copies it at
build time; git keeps one copy, ``docs/``). A source checkout (or an editable install) reads ``docs/`` itself.
"""
from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

from naoviz.errors import NaovizError

PACKAGED = "docs"        # the folder under naoviz/resources/ that setup.py fills in a built wheel


def docs_dir() -> Path | None:
    """The folder of the pages: the wheel's copy, else the source checkout's ``docs/``; None when neither is
    there (a zipped install, or a checkout without docs/)."""
    ref = resources.files("naoviz.resources") / PACKAGED
    if isinstance(ref, Path) and ref.is_dir() and any(ref.glob("*.md")):
        return ref
    root = Path(__file__).resolve().parent.parent
    # the checkout's own docs/, not any docs/ beside site-packages' naoviz (another package may have put one there)
    if (root / "pyproject.toml").is_file() and (root / "docs" / "install.md").is_file():
        return root / "docs"
    return None


def pages(folder: Path) -> list[tuple[str, str]]:
    """``(page name without .md, its title)`` for each page of ``folder``, by name; the title is the first
    ``# `` heading, its backticks dropped."""
    out = []
    for path in sorted(folder.glob("*.md")):
        title = next((line[2:].strip() for line in path.read_text(encoding="utf-8").splitlines()
                      if line.startswith("# ")), "")
        out.append((path.stem, title.replace("`", "")))
    return out


def find_page(name: str, folder: Path) -> Path:
    """The page ``name`` means: ``search``, ``search.md``, ``docs/search.md`` (as the help texts write it) or
    ``docs/search.md#anchor``, in any case. Unknown: a NaovizError naming the value and the pages there are."""
    stem = re.sub(r"#.*$", "", name.strip()).replace("\\", "/").rsplit("/", 1)[-1].lower().removesuffix(".md")
    names = [p for p, _ in pages(folder)]
    if stem in names:
        return folder / f"{stem}.md"
    shown = name if len(name) <= 60 else name[:57] + "..."
    raise NaovizError(f"PAGE: no page {shown!r}; the pages are {', '.join(names)}")


def missing_hint() -> str:
    """What to say when ``docs_dir()`` is None."""
    return ("no docs folder in this install (a zipped package?): the pages are docs/*.md of naoviz's source "
            "(the sdist holds them too)")
