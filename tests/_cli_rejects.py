"""The hostile-input tests' shared pieces: the CLI run in-process and the check that it refused an argv in ONE
short line naming the option (tests/test_cli_hostile*.py, tests/test_cli_messages.py, tests/test_cache_cli.py)."""
from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

from naoviz.cli import main

ARCH = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"
HUGE = "x" * 100_000
MAX_LINE = 200
# The per-test limit of the hostile-input tests: it turns a hang into a failure, never a slow run. Their 60 s was
# within reach under load (2 cores, pytest-xdist's two workers, other jobs): test_search_rejects_hostile_input's
# 2.8 s of CPU took 31.9 s, and 48.7 s in another run.
HANG_S = 300


def cuda() -> bool:
    """Whether torch sees a CUDA GPU (``--device cuda`` is then no hostile value)."""
    import torch
    return torch.cuda.is_available()


def hostile_paths(root: Path) -> dict:
    """Under ``root``: a file (where a folder or a folder's parent belongs), a folder (where a file belongs), a
    store's path; what the ``paths`` fixtures of tests/test_cli_hostile*.py hand their cases."""
    afile = root / "a-file"
    afile.write_text("not a folder\n")
    folder = root / "a-folder"
    folder.mkdir()
    return {"file": str(afile), "under_file": str(afile / "sub" / "x.db"), "folder": str(folder),
            "store": str(root / "runs.db"), "root": root}


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def assert_rejected(argv: list[str], must_name: str) -> str:
    """``argv`` exits 2 with a last stderr line that is short, one line, names ``must_name``; no traceback."""
    code, out, err = run_cli(argv)
    shown = [a if len(a) < 100 else a[:60] + "..." for a in argv]
    assert "Traceback" not in out + err, (shown, err[-2000:])
    assert code == 2, (shown, code, out[-500:], err[-500:])
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines, (shown, "no error line")
    last = lines[-1]
    # measured as in a one-process run: pytest-xdist puts each worker's temporary folders one level deeper
    assert len(re.sub(r"/popen-gw\d+(?=/)", "", last)) <= MAX_LINE, (shown, len(last), last[:300])
    assert last.startswith("naoviz"), (shown, last)
    assert must_name in last, (shown, must_name, last)
    return last
