"""What a newcomer's log shows: progress bars as plain lines when stderr is a file or pipe (no ``ESC[A`` cursor-up
codes, no carriage-return redraws), and one note when a search's budget is spent on its initial pool."""
from __future__ import annotations

import io
import subprocess
import sys

from naoviz.cli import main

NOTE = ("note: --queries 20 is within nao:paper's 40 random initial cells: NAO's step never runs; "
        "give --queries above 40")


def test_compare_with_stderr_to_a_pipe_writes_plain_lines_and_no_escape_codes(capsys):
    """``naoviz compare --algos rs,re --queries 10 --seeds 2`` with stderr to a pipe: its bar over runs and each
    search's bar under it wrote ``\\r`` redraws and ``ESC[A`` into the log. Now: re's note, then plain lines, the
    runs' bar from 0/4 to 4/4 and each search's under it, indented, from 0/10 to 10/10; ``--no-progress``: the
    note alone."""
    from _cli_process import env
    args = [sys.executable, "-m", "naoviz.cli", "compare", "--algos", "rs,re", "--queries", "10", "--seeds", "2"]
    done = subprocess.run(args, env=env(), capture_output=True, timeout=120)
    err = done.stderr.decode()
    assert done.returncode == 0, err[-2000:]
    assert b"\x1b" not in done.stderr and b"\r" not in done.stderr, err[-500:]
    lines = err.splitlines()
    assert lines[0].startswith("note: --queries 10 is within re's 20 random initial cells"), lines
    runs = [line for line in lines if line.startswith("compare:")]
    searches = [line for line in lines if line.startswith(("  rs search:", "  re search:"))]
    assert len(runs) + len(searches) == len(lines) - 1, lines
    assert [r.split(" [")[0] for r in runs] == [f"compare: {25 * k:3d}% {k}/4" for k in range(5)], runs
    assert sum(" 0/10 [" in s for s in searches) == sum(" 10/10 [" in s for s in searches) == 4, searches
    assert main(["compare", "--algos", "rs,re", "--queries", "10", "--seeds", "2", "--no-progress"]) == 0
    assert capsys.readouterr().err.splitlines() == lines[:1]          # the note, no bar


def test_a_bar_in_a_log_is_a_line_per_step_and_one_under_it_a_line_per_quarter_indented():
    """``naoviz.progress.echo_bar`` on a stream that is no terminal: a bar writes a line at 0 % and at each 10 % it
    passes (one line when it jumps several), a bar under it one per 25 %, indented; a full bar's line comes
    as it closes, with its last postfix; ``tqdm.write`` (a line above the bars) is left whole, no blanks or
    ``\\r`` around it; closed short, a bar's last line is where it stopped."""
    from tqdm import tqdm

    from naoviz.progress import close, echo_bar
    fp = io.StringIO()
    outer = echo_bar(tqdm, total=5, desc="outer", unit="run", file=fp, leave=False)
    inner = echo_bar(tqdm, total=8, desc="inner", file=fp, leave=False)
    for _ in range(8):
        inner.update(1)
    inner.set_postfix_str("best 9")
    inner.close()
    tqdm.write("a line of its own", file=fp)
    outer.update(3)
    outer.update(2)
    outer.close()
    short = echo_bar(tqdm, total=100, desc="short", file=fp, leave=False)
    short.update(37)
    close(short, cut_short=True)
    text = fp.getvalue()
    assert "\r" not in text and "\x1b" not in text, text
    assert [line.split(" [")[0] for line in text.splitlines()] == [
        "outer:   0% 0/5", "  inner:   0% 0/8", "  inner:  25% 2/8", "  inner:  50% 4/8", "  inner:  75% 6/8",
        "  inner: 100% 8/8", "a line of its own", "outer:  60% 3/5", "outer: 100% 5/5", "short:   0% 0/100",
        "short:  37% 37/100"]
    assert text.splitlines()[5].endswith(", best 9]"), text


def test_a_search_whose_budget_is_its_initial_pool_says_that_nao_never_steps(capsys):
    """``--algo nao --preset paper --queries 20``: the 20 queries are paper's 40 random initial cells, NAO never
    runs, and only the counts line (0/0/20/0) showed it; now one note on stderr first. Above the pool: none."""
    assert main(["search", "--algo", "nao", "--preset", "paper", "--queries", "20", "--no-progress"]) == 0
    out = capsys.readouterr()
    assert out.err.splitlines() == [NOTE]
    assert "queries    decoder/mutation/random/design: 0/0/20/0" in out.out
    from naoviz.search.registry import make_searcher, start_note, start_notes
    assert start_note(make_searcher("nao", "paper"), 41, "nao:paper") is None
    assert start_note(make_searcher("nao", "paper", {"n_init": 15}), 20, "nao:paper") is None   # --config counts
    assert start_notes([("nao", "paper"), ("rs", None), ("ls", None), ("nao", None)], 20) == [NOTE]


def test_a_cache_nao_cannot_use_is_the_only_line_not_after_the_pool_note(tmp_path, monkeypatch, capsys):
    """``NAOVIZ_CACHE`` a file, ``--algo nao --queries 5`` (within ``default``'s 10 k-means cells): the pool's note
    came first and the cache's error after it, two lines; now the error alone, in ``search`` and ``compare``
    (``registry.check_cache``: the k-means design writes the cache before its first query). ``paper`` (a
    random pool, no cache) still runs with its note."""
    afile = tmp_path / "a-file"
    afile.write_text("not a folder")
    monkeypatch.setenv("NAOVIZ_CACHE", str(afile))
    for argv in (["search", "--algo", "nao", "--queries", "5", "--no-progress"],
                 ["compare", "--algos", "nao,re", "--queries", "5", "--seeds", "1", "--no-progress"]):
        assert main(argv) == 2
        err = capsys.readouterr().err.splitlines()
        assert len(err) == 1 and "NAOVIZ_CACHE" in err[0] and str(afile) in err[0], err
    assert main(["search", "--algo", "nao", "--preset", "paper", "--queries", "5", "--no-progress"]) == 0
    assert capsys.readouterr().err.startswith("note: --queries 5 is within nao:paper's 40")


def test_atlas_stage_bars_in_a_log_name_what_each_stage_counts_and_a_stop_after_training_says_it_resumes(capsys):
    """``naoviz atlas`` piped to a log: every stage's bar counted tqdm's "it" ("paths: 32% 2046/6466 [..,
    114.89it/s]"); now each names its unit (epochs, cells, paths, path points). Its stop line said nothing of the
    checkpoints a rerun takes up; from the first stage after the model's training (not checkpointed) it does."""
    import argparse

    from naoviz.cli.atlas import stage_bars
    args = argparse.Namespace()
    progress, bars = stage_bars(args)
    for stage, total in (("train", 4), ("embed", 50), ("map:pca", 1), ("paths", 20), ("placing", 400),
                         ("neighbours", 1)):
        for done in (0, total):
            progress(stage, done, total)
            if stage == "train":
                assert getattr(args, "interrupted_hint", None) is None       # a stop there trains it again
        if stage == "embed":
            assert "takes up the build" in args.interrupted_hint
    for bar in bars.values():
        bar.close()
    lines = capsys.readouterr().err.splitlines()
    assert not any("it/s" in line for line in lines), lines
    for stage, unit in (("train", "epoch"), ("embed", "cell"), ("map:pca", "map"), ("paths", "path"),
                        ("placing", "path point"), ("neighbours", "search")):
        mine = [line for line in lines if line.startswith(stage + ":")]        # "2.1cell/s", or "1.2s/cell" slow
        assert mine and all(f"{unit}/s]" in line or f"s/{unit}]" in line for line in mine), (stage, lines)
