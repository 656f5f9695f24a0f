"""What a newcomer's log shows: progress bars as plain lines when stderr is a file or pipe (no ``ESC[A`` cursor-up
codes, no carriage-return redraws)."""
from __future__ import annotations

import io
import subprocess
import sys


def test_compare_with_stderr_to_a_pipe_writes_plain_lines_and_no_escape_codes():
    """``naoviz compare --algos rs,re --queries 10 --seeds 2`` with stderr to a pipe: its bar over runs and each
    search's bar under it wrote ``\\r`` redraws and ``ESC[A`` into the log. Now plain lines: the runs' bar from
    0/4 to 4/4 and each search's under it, indented, from 0/10 to 10/10."""
    from _cli_process import env
    args = [sys.executable, "-m", "naoviz.cli", "compare", "--algos", "rs,re", "--queries", "10", "--seeds", "2"]
    done = subprocess.run(args, env=env(), capture_output=True, timeout=120)
    err = done.stderr.decode()
    assert done.returncode == 0, err[-2000:]
    assert b"\x1b" not in done.stderr and b"\r" not in done.stderr, err[-500:]
    lines = err.splitlines()
    runs = [line for line in lines if line.startswith("compare:")]
    searches = [line for line in lines if line.startswith(("  rs search:", "  re search:"))]
    assert len(runs) + len(searches) == len(lines), lines
    assert [r.split(" [")[0] for r in runs] == [f"compare: {25 * k:3d}% {k}/4" for k in range(5)], runs
    assert sum(" 0/10 [" in s for s in searches) == sum(" 10/10 [" in s for s in searches) == 4, searches


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

