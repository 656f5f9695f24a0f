"""``naoviz docs``: the user docs' pages and where they are on disk, so the ``docs/<page>.md`` that help texts and
errors name can be opened from an installed wheel as from a checkout."""
from __future__ import annotations

import sys

from naoviz.cli.common import emit_json
from naoviz.errors import NaovizError
from naoviz.user_docs import docs_dir, find_page, missing_hint, pages


def add_parser(sub) -> None:
    p = sub.add_parser("docs", help="the docs pages and where they are",
                       description="List the docs pages (docs/*.md, shipped in the wheel) with their titles and "
                                   "folder; with PAGE (search, search.md or docs/search.md, as help texts name "
                                   "it) print that page's path, or with --print its text.")
    p.add_argument("page", nargs="?", metavar="PAGE", help="a page: search, search.md or docs/search.md")
    how = p.add_mutually_exclusive_group()
    how.add_argument("--print", action="store_true", dest="show", help="print the page's text instead of its path")
    how.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run)


def run(args) -> int:
    if args.show and args.page is None:
        raise NaovizError("--print: give a PAGE to print, e.g. `naoviz docs search --print`")
    folder = docs_dir()
    if folder is None:
        raise NaovizError(missing_hint())
    if args.page is not None:
        path = find_page(args.page, folder)
        if args.show:
            sys.stdout.write(path.read_text(encoding="utf-8"))
        elif args.json:
            emit_json({"page": path.stem, "title": dict(pages(folder))[path.stem], "path": str(path)})
        else:
            print(path)
        return 0
    listed = pages(folder)
    if args.json:
        emit_json({"docs_dir": str(folder),
                   "pages": [{"page": name, "title": title, "path": str(folder / f"{name}.md")}
                             for name, title in listed]})
        return 0
    print(f"docs folder: {folder}")
    width = max(len(name) for name, _ in listed) + len(".md")
    for name, title in listed:
        print(f"  {name + '.md':<{width}}  {title}")
    print("`naoviz docs PAGE` prints a page's path, `--print` its text; a help text's docs/<page>.md is that page.")
    return 0
