"""naoviz.cli.interrupts: a stop signal swallowed by a library is raised again, and the handlers are put back."""
from __future__ import annotations

import os
import re
import select
import signal
import sys
import time

import pytest

from naoviz.cli import interrupts


def test_a_ctrl_c_swallowed_by_a_library_is_raised_again_at_the_next_check():
    """numba's weakref callback swallows a KeyboardInterrupt raised in it during a UMAP fit ("Exception ignored
    in ..."); before, `naoviz atlas` then built on for minutes. The next progress callback's check() raises it."""
    before = signal.getsignal(signal.SIGTERM)
    with interrupts.caught():
        interrupts.check()                                   # nothing came: nothing raised
        assert signal.getsignal(signal.SIGTERM) is interrupts._handler
        try:
            interrupts._handler(signal.SIGINT, None)         # what Python runs on SIGINT ...
        except KeyboardInterrupt:
            pass                                             # ... swallowed, as in a __del__ or weakref callback
        with pytest.raises(KeyboardInterrupt) as exc:
            interrupts.check()
        assert interrupts.exit_status(exc.value) == 130 and interrupts.how(exc.value) == "interrupted"
    assert signal.getsignal(signal.SIGTERM) is before        # main() called in a test leaves it as it was
    interrupts.check()                                       # and forgets the signal


def test_sigterm_is_an_interrupt_with_its_own_exit_status():
    with interrupts.caught():
        with pytest.raises(KeyboardInterrupt) as exc:
            interrupts._handler(signal.SIGTERM, None)
    assert interrupts.exit_status(exc.value) == 143 and interrupts.how(exc.value) == "stopped by SIGTERM"


def test_the_stop_line_starts_a_line_of_its_own_after_an_open_progress_bar(tmp_path, monkeypatch):
    """`naoviz atlas` stopped by SIGTERM while its train bar (leave=False) was open: the stop line used to land on
    the bar's line (`... 10/150 [...]naoviz atlas: stopped by SIGTERM`). Now the bars are closed first."""
    from _cli_process import start
    from test_user_table import write_tables

    from naoviz.tables import load_digits_table

    _, table = write_tables(tmp_path, load_digits_table(), n=200)
    monkeypatch.setenv("NAOVIZ_CACHE", str(tmp_path / "cache"))                   # a model to train, not load
    proc = start("atlas", "--table", str(table), "--maps", "pca", "--seeds", "none")
    os.set_blocking(proc.stderr.fileno(), False)
    err, deadline = b"", time.monotonic() + 120
    while b"train:" not in err:                  # the model's bar is drawn: stop the command under it
        assert proc.poll() is None and time.monotonic() < deadline, err[-1000:]
        time.sleep(0.05)
        err += proc.stderr.read() or b""
    proc.send_signal(signal.SIGTERM)
    os.set_blocking(proc.stderr.fileno(), True)
    err += proc.stderr.read()
    assert proc.wait(timeout=60) == 143, err[-1000:]
    text = err.decode()
    assert "\nnaoviz atlas: stopped by SIGTERM\n" in text, text[-500:]
    assert text.endswith("naoviz atlas: stopped by SIGTERM\n"), text[-500:]     # nothing drawn after it either


def _screen(data: str, cols: int) -> list[str]:
    """The lines a ``cols``-wide terminal shows after ``data``: text, ``\\r``, ``\\n`` (the pty already turned the
    program's newlines into ``\\r\\n``), erase to the line's end (``ESC[K``) and up (``ESC[A``); a character
    written after the last column goes to the next line (a terminal's wrap)."""
    lines, row, col, wrap, i = [[]], 0, 0, False, 0
    while i < len(data):
        if data.startswith("\x1b[K", i):
            del lines[row][col:]
            i += 3
            continue
        if data.startswith("\x1b[A", i):
            row, wrap, i = max(0, row - 1), False, i + 3
            continue
        ch, i = data[i], i + 1
        if ch == "\r":
            col, wrap = 0, False
        elif ch == "\n":
            row, wrap = row + 1, False
        else:
            if wrap:
                row, col, wrap = row + 1, 0, False
            while len(lines) <= row:
                lines.append([])
            line = lines[row]
            line.extend(" " * (col + 1 - len(line)))
            line[col] = ch
            col, wrap = (col, True) if col == cols - 1 else (col + 1, False)
        while len(lines) <= row:
            lines.append([])
    return ["".join(line).rstrip() for line in lines]


@pytest.mark.parametrize("stop, status", [("ctrl-c", 130), ("SIGTERM", 143)])
def test_on_a_terminal_the_stop_line_stands_alone_with_nothing_of_the_bar_or_the_echo_left(tmp_path, stop, status):
    """`naoviz search --store` on a pseudo-terminal, stopped under its progress bar by a typed Ctrl-C (the terminal
    echoes "^C") or by SIGTERM. tqdm's bar is one column short of the width, so the echo's "C" wrapped and the stop
    line used to leave the bar, ending in "^", on the line above it; and a Ctrl-C before any output gave
    "^Cnaoviz search: interrupted". Now the screen's last line is the stop line alone, from its first column."""
    pty = pytest.importorskip("pty")
    import fcntl
    import struct
    import termios

    from _cli_process import env

    cols, db = 80, tmp_path / "runs.db"
    cmd = [sys.executable, "-m", "naoviz.cli", "search", "--space", "nb201-digits", "--algo", "rs", "--queries",
           "300", "--delay", "0.1", "--store", str(db)]
    try:
        pid, master = pty.fork()
    except OSError as exc:
        pytest.skip(f"no pseudo-terminal here: {exc}")
    if pid == 0:                                    # the child: the pty is its terminal, cols wide
        try:
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 24, cols, 0, 0))
            signal.signal(signal.SIGINT, signal.SIG_DFL)     # a background test run starts with it ignored
            os.execve(sys.executable, cmd, env())
        finally:
            os._exit(127)
    out, deadline, sent = b"", time.monotonic() + 120, False
    try:
        while True:
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:                     # Linux: EIO once the child has closed the terminal
                    chunk = b""
                if not chunk:
                    break
                out += chunk
            if not sent and b"query/s" in out.rpartition(b"rs search")[2]:     # the bar is drawn: stop under it
                if stop == "ctrl-c":
                    os.write(master, b"\x03")       # typed: the terminal sends SIGINT and echoes ^C
                else:
                    os.kill(pid, signal.SIGTERM)
                sent = True
            assert time.monotonic() < deadline, out[-1000:]
    finally:
        os.close(master)
        _, code = os.waitpid(pid, 0)
    assert sent and os.waitstatus_to_exitcode(code) == status, out[-1000:]
    text = out.decode("utf-8", "replace")
    how = "interrupted" if stop == "ctrl-c" else "stopped by SIGTERM"
    run_id = re.search(r"--resume ([0-9a-f]+)", text).group(1)
    stop_line = f"naoviz search: {how}; resume it: naoviz search --store {db} --resume {run_id}"
    screen = [line for line in _screen(text, cols) if line]
    wrapped = [stop_line[k:k + cols] for k in range(0, len(stop_line), cols)]     # a long path wraps it
    assert screen[-len(wrapped):] == wrapped, screen[-4:]
    assert not any("rs search" in line or "^" in line for line in screen), screen[-4:]


def test_in_a_log_a_search_stopped_under_its_bar_ends_the_bar_with_a_newline(tmp_path):
    """stderr to a pipe (a log), progress on, SIGINT mid-search: the search's own bar used to be cleared as it
    closed (``\\r``, blanks, ``\\r``), so in the log the stop line followed the bar on its line. Now a log's bar is
    plain lines (``naoviz.progress.LineBar``), its last the count where it stopped, and the stop line is the log's
    last line, alone."""
    from _cli_process import start, wait_for_store

    db = tmp_path / "runs.db"
    proc = start("search", "--space", "nb201-digits", "--algo", "rs", "--queries", "300", "--delay", "0.05",
                 "--store", str(db))
    store = wait_for_store(proc, db, lambda _, runs: runs and runs[0]["n_evaluations"] >= 5)
    proc.send_signal(signal.SIGINT)
    err = proc.communicate(timeout=60)[1].decode()
    (run,) = store.runs()
    assert proc.returncode == 130, err[-1000:]
    *_, bar, stop = err.splitlines()
    assert stop == f"naoviz search: interrupted; resume it: naoviz search --store {db} --resume {run['id']}", err[-500:]
    assert bar.startswith("rs search:") and "/300 [" in bar, err[-500:]    # where it stopped, on its own line
    assert "\r" not in err and "\x1b" not in err, err[-500:]


def test_importing_the_command_loads_no_numpy_so_an_early_ctrl_c_meets_the_handler():
    """`naoviz` imported numpy (through ``naoviz.get_space``) before ``main`` ran: a Ctrl-C in its first ~0.2 s
    printed a traceback from numpy's import. The package and ``naoviz.cli`` now import it on first use."""
    import subprocess
    code = "import sys, naoviz.cli, naoviz; print('numpy' in sys.modules); print(naoviz.get_space('nb201').name)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "nb201"]


def test_a_ctrl_c_while_the_commands_import_is_one_line_and_status_130(monkeypatch, capsys):
    """The commands' modules import inside ``main`` (``build_parser``); a Ctrl-C there was a traceback."""
    import importlib

    from naoviz.cli import main

    def interrupted(name, *args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(importlib, "import_module", interrupted)
    assert main(["search", "--queries", "5"]) == 130
    assert capsys.readouterr().err.strip() == "naoviz: interrupted"


def test_a_bar_on_a_terminal_leaves_room_for_the_echo_from_its_first_frame():
    """``naoviz.progress.echo_bar`` on an 80-column pseudo-terminal: every frame, the first included, is at most 78
    columns, so a Ctrl-C's "^C" echoed after it stays on the bar's line. The bar used to be drawn at tqdm's 79
    columns and narrowed after: a Ctrl-C typed at once (tests above, seen in 3 of 5 runs) left "…query/s]^" above
    the stop line."""
    pty = pytest.importorskip("pty")
    import fcntl
    import struct
    import termios

    from tqdm import tqdm

    from naoviz.progress import echo_bar

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    with os.fdopen(slave, "w", encoding="utf-8", closefd=True) as fp:
        bar = echo_bar(tqdm, total=3, desc="rs search", unit="query", file=fp, leave=False, dynamic_ncols=True)
        bar.update(1)
        bar.close()
        fp.flush()
        out = b""
        while select.select([master], [], [], 0.2)[0]:
            out += os.read(master, 65536)
    os.close(master)
    frames = [f for f in out.decode("utf-8", "replace").split("\r") if "rs search" in f]
    assert frames and max(len(f.rstrip("\n")) for f in frames) <= 78, [len(f) for f in frames]
