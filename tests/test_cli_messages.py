"""The CLI's lines beyond refusing a value: a closed stdout pipe, an OS error in one line with its path, help that
names every option and its range, unknown options and actions named by their command, a value that starts like
a negative number, names the file system refuses and lists not echoed twice."""
from __future__ import annotations

import contextlib
import io

import pytest

from _cli_rejects import ARCH, HANG_S, MAX_LINE, assert_rejected, run_cli
from naoviz.cli import main


# -- a closed stdout pipe ---------------------------------------------------------------------------------
class _ClosedPipe(io.StringIO):
    def write(self, text):
        raise BrokenPipeError(32, "Broken pipe")


@pytest.mark.timeout(HANG_S)
def test_a_closed_pipe_ends_quietly():
    err = io.StringIO()
    with contextlib.redirect_stdout(_ClosedPipe()), contextlib.redirect_stderr(err):
        code = main(["search", "--algo", "rs", "--queries", "5", "--no-progress"])
    assert code in (0, 141) and "Traceback" not in err.getvalue() and err.getvalue().strip() == ""
    with contextlib.redirect_stdout(_ClosedPipe()), contextlib.redirect_stderr(err):
        assert main(["--help"]) in (0, 141)
    assert "Traceback" not in err.getvalue()


@pytest.mark.timeout(HANG_S)
def test_any_os_error_is_one_line_with_the_path(monkeypatch):
    import naoviz.cli.info as info

    def denied():
        raise PermissionError(13, "Permission denied", "/some/where")
    monkeypatch.setattr(info, "collect", denied)
    code, out, err = run_cli(["info"])
    assert code == 2 and "Traceback" not in err
    assert err.strip() == "naoviz info: error: /some/where: Permission denied"


def test_every_option_of_every_command_says_what_it_does():
    """`naoviz CMD --help` explains each option: none is listed without a help text."""
    from naoviz.cli import walk_parsers
    bare = [" ".join(("naoviz", *words, act.option_strings[-1])) for words, parser in walk_parsers()
            for act in parser._actions if act.option_strings and not act.help]   # sub-commands too (data show)
    assert not bare


def test_bare_naoviz_lists_the_commands():
    """``naoviz`` alone shows what it can do (exit 2: a usage mistake), not only 'COMMAND is required'."""
    code, out, err = run_cli([])
    assert code == 2 and out == ""
    assert all(f"    {c} " in err for c in ("search", "compare", "dashboard", "cache")), err


def test_a_group_without_its_action_names_the_actions():
    assert "(one of download, import, show)" in assert_rejected(["data"], "ACTION")


def test_a_value_that_starts_like_a_negative_number_is_checked_as_a_value():
    # argparse alone took `-1:5` (not `-1`) for an option and said "expected one argument"
    cases = [(["atlas", "--etas", "-1:5"], "got '-1'"), (["atlas", "--etas", "-1,0,1"], "got '-1'"),
             (["search", "--algo", "rs", "--delay", "-1e-3"], "got '-1e-3'"),
             (["search", "--algo", "rs", "--delay", "-inf"], "got '-inf'"),
             (["search", "--algo", "rs", "--local-cluster", "-2"], "got '-2'"),
             (["cache", "--clean", "stale", "--dry-run", "--older-than", "-1e3"], "got '-1e3'"),
             (["predictor", "--train-sizes", "-1,2"], "'-1'")]
    for argv, said in cases:
        last = assert_rejected(argv, argv[-2])
        assert said in last and "expected one argument" not in last, (argv, last)
    assert "expected one argument" in assert_rejected(["cache", "--older-than"], "--older-than")   # still missing


def test_an_unknown_option_is_named_by_its_command():
    line = assert_rejected(["search", "--queries", "5", "--nope", "1"], "--nope")
    assert line.startswith("naoviz search: error: unrecognized arguments: --nope 1"), line
    assert assert_rejected(["data", "show", "--bar"], "--bar").startswith("naoviz data show: error:")


def test_a_mistyped_or_abbreviated_option_is_refused_with_the_one_meant():
    # typos name the option meant; an abbreviation is refused (`compare --seed 3` ran three seeds, not seed 3)
    for argv, meant in ((["search", "--sapce", "nb201"], "(did you mean --space?)"),
                        (["search", "--queries=5", "--no-progres"], "(did you mean --no-progress?)"),
                        (["search", "--que", "5"], "(did you mean --queries?)"),
                        (["compare", "--seed", "3"], "(did you mean --seeds or --first-seed?)"),
                        (["dashboard", "--prot", "9000"], "(did you mean --port?)")):
        line = assert_rejected(argv, argv[-2] if not argv[-1].startswith("--") else argv[-1])
        assert line.startswith(f"naoviz {argv[0]}: error: unrecognized arguments: ") and line.endswith(meant), line


def test_help_says_the_range_of_every_checked_option():
    """``naoviz CMD --help`` writes the accepted range of every option whose value is checked against one
    (int_in / workers_in / float_in), so the range is read before a bad value is tried, not after; always in
    the same words, ``(default X; range A..B)`` (eleven options wrote their own: "0..100; default 2",
    "1..1000 (default 3)", "(default 1: shared CPUs), 1..256")."""
    import argparse

    from naoviz.cli import walk_parsers
    checked, own_words = 0, []
    for _, parser in walk_parsers():
        formatter = parser._get_formatter()
        for action in parser._actions:
            forms = getattr(action.type, "range_text", ())
            if forms and action.help != argparse.SUPPRESS:
                checked += 1
                shown = " ".join(formatter._get_help_string(action).split())
                if not any(f"range {form}" in shown for form in forms):
                    own_words.append(f"{parser.prog} {action.option_strings[0]}: {shown[-70:]}")
    assert checked >= 50
    assert not own_words, "ranges not written as '(default X; range A..B)':\n" + "\n".join(own_words)
    code, out, _ = run_cli(["train-child", "--help"])
    out = " ".join(out.split())
    assert code == 0 and "--epochs EPOCHS training epochs (default 10; range 1..10000)" in out
    assert "(default 0; range >= 0)" in out                  # a seed: no 20-digit upper end


def test_a_default_that_conflicts_says_it_is_the_default():
    """--sampling fair on naonet-ws, whose default --paths-per-step is 1: the line says the 1 is that default
    and what to give, not only 'got 1' for an option the user never typed."""
    last = assert_rejected(["supernet", "--space", "naonet-ws", "--sampling", "fair"], "--paths-per-step")
    assert "got 1, naonet-ws's default (give --paths-per-step 5)" in last
    last = assert_rejected(["supernet", "--sampling", "fair", "--paths-per-step", "3"], "--paths-per-step")
    assert last.endswith("got 3")


@pytest.mark.parametrize("under", ["", "sub"])
def test_a_cache_folder_that_is_a_file_is_named_as_the_cache(tmp_path, monkeypatch, under):
    """NAOVIZ_CACHE set to a file (or a folder under one): one line naming NAOVIZ_CACHE; before, `naoviz atlas`
    said only "/path: File exists" (or "Not a directory"), which does not say which setting is wrong."""
    blocker = tmp_path / "cache-file"
    blocker.write_text("x")
    monkeypatch.setenv("NAOVIZ_CACHE", str(blocker / under) if under else str(blocker))
    table = tmp_path / "t.csv"
    others = ("|skip_connect~0|+|nor_conv_1x1~0|none~1|+|avg_pool_3x3~0|skip_connect~1|nor_conv_3x3~2|",
              "|none~0|+|nor_conv_1x1~0|none~1|+|avg_pool_3x3~0|skip_connect~1|nor_conv_3x3~2|")
    table.write_text(f"arch_str,valid_acc\n{ARCH},90\n{others[0]},80\n{others[1]},70\n")   # 3 rows: a map's fewest
    code, _, err = run_cli(["atlas", "--table", str(table), "--etas", "1:2", "--maps", "pca"])
    assert code == 2 and err.count("\n") == 1, err
    assert err.startswith("naoviz atlas: error: NAOVIZ_CACHE:") and f"{blocker} is a file, not a folder" in err, err


# -- names the file system refuses, and lists echoed twice (the lead's fuzz of every option, 2026-12-06) --------
LONG_NAME = "9" * 300                    # one file name over the 255 bytes every common file system allows


def _path_options():
    """(command argv prefix, option) for every option whose type is a path, found by walking the parser."""
    from naoviz.cli import walk_parsers
    from naoviz.cli.common import path_arg, path_type
    return [(list(words), action.option_strings[-1]) for words, parser in walk_parsers() for action in parser._actions
            if action.option_strings and action.type in (path_arg, path_type)]


def test_every_path_option_refuses_an_overlong_file_name_before_any_work():
    """Before: `--store 999...` (300 digits) searched, then failed with the file system's 'File name too long'
    and a 300-character line naming no option; every path option now names itself in one short line."""
    options = _path_options()
    assert len(options) >= 15 and (["search"], "--store") in options, options
    for prefix, option in options:
        needs = {"train-child": ["--arch", ARCH], "runs": ["--store", "runs.db"]}.get(prefix[0], [])
        assert_rejected([*prefix, *needs, option, LONG_NAME], option)
    assert_rejected(["export-page", LONG_NAME + ".html"], "OUT.html")


def test_a_long_list_is_not_echoed_twice():
    for argv, name in [(["compare", "--algos", "nao," + LONG_NAME], "--algos"),
                       (["predictor", "--train-sizes", "5," + LONG_NAME], "--train-sizes"),
                       (["atlas", "--etas", "0," + LONG_NAME], "--etas")]:
        last = assert_rejected(argv, name)
        assert last.count("'") == 1, last            # the bad item once (cut), not the whole list after it
    # a short list is still quoted whole, so the reader sees where the bad item sits
    assert "in 'nao,foo'" in assert_rejected(["compare", "--algos", "nao,foo"], "--algos")


def test_an_os_error_on_a_long_path_keeps_its_start_and_its_file_name(monkeypatch):
    import naoviz.cli.info as info
    where = "/data/" + "deep/" * 60 + "runs.db"

    def denied():
        raise PermissionError(13, "Permission denied", where)
    monkeypatch.setattr(info, "collect", denied)
    code, out, err = run_cli(["info"])
    line = err.strip()
    assert code == 2 and len(line) <= MAX_LINE, line
    assert line.startswith("naoviz info: error: /data/deep/") and line.endswith("runs.db: Permission denied"), line


# -- export settings ---------------------------------------------------------------------------------------
@pytest.mark.timeout(HANG_S)
def test_a_bad_export_setting_is_refused_before_any_search(tmp_path, monkeypatch):
    """``compare --out`` and ``dashboard`` check ``NAOVIZ_EXPORT_TIMEOUT`` and ``NAOVIZ_CHROMIUM`` before any work:
    one line naming the setting and its value, status 2 (compare ran every search, then wrote "PNG skipped" and
    exited 0). Without ``--out`` nothing is exported, so nothing is checked."""
    plain = tmp_path / "plain"
    plain.write_text("not a browser")
    settings = [("NAOVIZ_EXPORT_TIMEOUT", "soon"), ("NAOVIZ_EXPORT_TIMEOUT", "-1"),
                ("NAOVIZ_CHROMIUM", str(tmp_path / "no-such-chrome")), ("NAOVIZ_CHROMIUM", str(tmp_path)),
                ("NAOVIZ_CHROMIUM", str(plain))]
    for name, value in settings:
        monkeypatch.delenv("NAOVIZ_EXPORT_TIMEOUT", raising=False)
        monkeypatch.setenv("NAOVIZ_CHROMIUM", "none")
        monkeypatch.setenv(name, value)
        out = tmp_path / "cmp"
        last = assert_rejected(["compare", "--algos", "rs", "--queries", "5", "--seeds", "1", "--no-progress",
                                "--store", str(tmp_path / "runs.db"), "--out", str(out)], f"{name}")
        assert value[-20:] in last, last
        assert not (tmp_path / "runs.db").exists() and not (out / "summary.json").exists()   # before any run
        assert_rejected(["dashboard", "--dry-run"], name)
    monkeypatch.setenv("NAOVIZ_EXPORT_TIMEOUT", "soon")
    assert run_cli(["compare", "--algos", "rs", "--queries", "5", "--seeds", "1", "--no-progress"])[0] == 0
