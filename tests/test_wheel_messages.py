"""What the installed wheel prints names no file of the repository as if the user had it: the wheel carries
neither bench/ nor the Makefile, so such a name says where it lives (a wheel user read `bench/RESULTS.md` in
`naoviz search --preset list`, and `make browser` in the no-browser export error, with no such file or target)."""
from __future__ import annotations

import re

from naoviz.cli import main
from naoviz.viz.figure_files import NO_BROWSER

REPO_ONLY = re.compile(r"bench/|make \w")


def _says_where(text: str) -> bool:
    return all("repository" in line for line in text.splitlines() if REPO_ONLY.search(line))


def test_preset_list_says_bench_is_in_the_repository(capsys):
    assert main(["search", "--preset", "list"]) == 0
    out = capsys.readouterr().out
    assert "bench/RESULTS.md" in out and _says_where(out), out[-400:]


def test_no_browser_error_says_make_is_the_repository_s():
    assert "make browser" in NO_BROWSER and _says_where(NO_BROWSER)
