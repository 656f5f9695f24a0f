"""``naoviz dashboard --token-file PATH``: the link a teacher put on the course page survives a restart. The real
command, started twice on one file, prints the same URL, which the server accepts; a missing file is made with
a new random token, mode 0600 whatever the umask; a file that is empty, not a plain URL-safe token, shorter than
16 characters, open to group or others, a symbolic link, not a file, or given with --no-token is refused in one
line naming the option. It is opened and read once. A dry run never prints the token (its output is pasted into
bug reports)."""
from __future__ import annotations

import os
import re
import shlex
import stat
import subprocess
import sys
import time
import urllib.request

import pytest

from naoviz.cli import main

from _dashboard_server import _free_port, at, printed_url, wait_served

TOKEN = "kept-token_0123456789abcdefXYZ"


def _start(tmp_path, name: str, *argv: str, umask: int | None = None):
    """``naoviz dashboard`` with ``argv`` (on a free port unless they give one), as a user starts it; returns
    (process, log path)."""
    log_path = tmp_path / f"{name}.log"
    with open(log_path, "w") as log:
        port = [] if "--port" in argv else ["--port", str(_free_port())]
        proc = subprocess.Popen([sys.executable, "-m", "naoviz.cli", "dashboard", *port,
                                 "--table", "nb201-digits", "--pool-size", "0", *argv], cwd=tmp_path, stdout=log,
                                stderr=subprocess.STDOUT, preexec_fn=None if umask is None else lambda: os.umask(umask),
                                env=dict(os.environ, OMP_NUM_THREADS="1", NAOVIZ_CACHE=str(tmp_path / "cache")))
    return proc, log_path


def _stop(proc) -> None:
    proc.terminate()
    proc.wait(30)


def _url_of(tmp_path, name: str, *argv: str, serve: bool = False, umask: int | None = None) -> tuple[str, str]:
    """(printed URL, whole log) of one start; with ``serve``, once the server also answered the URL's page."""
    proc, log_path = _start(tmp_path, name, *argv, umask=umask)
    try:
        url = printed_url(log_path, proc, time.time() + 120)
        if serve:
            wait_served(proc, url, log_path, timeout_s=120)
            page = urllib.request.urlopen(at(url), timeout=60)         # the URL's token is the server's
            assert page.status == 200 and b"naoviz" in page.read()
        return url, log_path.read_text()
    finally:
        _stop(proc)


def test_two_starts_with_one_token_file_print_the_same_link(tmp_path):
    path = tmp_path / "course" / "dashboard.token"           # its folder is made too
    port = ["--port", str(_free_port())]                     # the course page's link: one port, one token
    first, log = _url_of(tmp_path, "first", *port, "--token-file", str(path), serve=True, umask=0)
    token = first.partition("?token=")[2]
    assert re.fullmatch(r"[A-Za-z0-9_-]{32}", token), first
    assert path.read_text() == token + "\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600                # umask 0: the mode is given, not left to it
    assert "a new token was written to" in log and log.count(token) == 1    # on the URL line only
    before = path.stat().st_mtime_ns
    second, log2 = _url_of(tmp_path, "second", *port, "--token-file", str(path))
    assert second == first and "a new token" not in log2
    assert path.stat().st_mtime_ns == before and path.read_text() == token + "\n"
    other, _ = _url_of(tmp_path, "no-file", *port)                        # without the option: a new token each start
    assert other.partition("?token=")[2] not in ("", token)


def test_a_token_written_by_hand_is_served(tmp_path):
    path = tmp_path / "t"
    path.write_text(TOKEN + "\r\n")            # an editor's line end is not part of the token
    path.chmod(0o600)
    url, _ = _url_of(tmp_path, "hand", "--token-file", str(path), serve=True)
    assert url.endswith(f"/?token={TOKEN}")


def _refused(capsys, *argv) -> str:
    rc = main(["dashboard", "--dry-run", *argv])
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert rc == 2 and out == "" and len(lines) == 1 and len(lines[0]) < 200, (argv, rc, out, err)
    assert lines[0].startswith("naoviz dashboard: error: --token-file: ") and "Traceback" not in err
    return lines[0]


@pytest.mark.parametrize("content, mode, says", [
    ("", 0o600, "is empty"), ("\n", 0o600, "is empty"),
    ("secret token with spaces 0123456789", 0o600, "not a plain token"),
    ("abcdefghijklmnop\nqrstuvwxyz012345\n", 0o600, "not a plain token"),       # two lines
    ("abcdefghijklmnop%2F", 0o600, "not a plain token"), ("jeton-très-secret-0123", 0o600, "not a plain token"),
    ("a" * 15, 0o600, "15 characters"), ("a" * 257, 0o600, "over 256"),
    (TOKEN, 0o640, "mode 0640"), (TOKEN, 0o604, "mode 0604"), (TOKEN, 0o620, "mode 0620"), (TOKEN, 0o644, "mode 0644"),
])
def test_a_token_file_that_is_no_safe_token_is_refused_in_one_line(capsys, tmp_path, content, mode, says):
    path = tmp_path / "token"
    path.write_bytes(content.encode("utf-8"))
    path.chmod(mode)
    line = _refused(capsys, "--token-file", str(path))
    assert says in line and path.name in line
    assert not content.strip() or content.strip() not in line            # never echoes the file's content


def test_a_token_file_of_16_plain_characters_is_taken(capsys, tmp_path):
    path = tmp_path / "token"
    path.write_text("a" * 16 + "\n")
    path.chmod(0o600)
    assert main(["dashboard", "--dry-run", "--token-file", str(path)]) == 0
    capsys.readouterr()


def test_other_token_file_refusals(capsys, tmp_path):
    fine = tmp_path / "fine"
    fine.write_text(TOKEN)
    fine.chmod(0o600)
    assert "--no-token" in _refused(capsys, "--token-file", str(fine), "--no-token")
    assert "is not a file" in _refused(capsys, "--token-file", str(tmp_path))
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo, 0o600)
    assert "is not a file" in _refused(capsys, "--token-file", str(fifo))        # refused, not waited on
    assert "cannot be read" in _refused(capsys, "--token-file", str(fine / "under-a-file"))
    if os.geteuid() == 0:                     # root can hand a file to another user; and writes anywhere
        os.chown(fine, 65534, -1)
        assert "belongs to another user" in _refused(capsys, "--token-file", str(fine))
    else:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        assert "cannot be written" in _refused_real(tmp_path, "--token-file", str(locked / "t"))
        locked.chmod(0o700)


def _refused_real(tmp_path, *argv) -> str:
    """The real command refusing ``argv`` before it starts anything: its one line."""
    proc, log_path = _start(tmp_path, "refused", *argv)
    assert proc.wait(60) == 2
    lines = log_path.read_text().strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


def test_the_real_command_refuses_a_readable_token_file_before_serving(tmp_path):
    path = tmp_path / "token"
    path.write_text(TOKEN + "\n")
    path.chmod(0o644)
    line = _refused_real(tmp_path, "--token-file", str(path))
    assert line.startswith("naoviz dashboard: error: --token-file: ") and "mode 0644" in line and TOKEN not in line


def test_a_dry_run_prints_no_token(capsys, tmp_path):
    path = tmp_path / "my token"
    path.write_text(TOKEN + "\n")
    path.chmod(0o600)
    assert main(["dashboard", "--dry-run", "--token-file", str(path)]) == 0
    out, err = capsys.readouterr()
    assert TOKEN not in out + err and "?token=..." in err
    # the printed line reads the file when it runs: its assignment, run by sh, gives the file's token
    assignment = re.search(r'JUPYTER_TOKEN="\$\(cat -- [^)]*\)"', out).group(0)
    got = subprocess.run(["sh", "-c", assignment + '; printf %s "$JUPYTER_TOKEN"'], capture_output=True, text=True)
    assert got.stdout == TOKEN
    assert shlex.split(out)[-1].startswith("--MappingKernelManager")      # one shell line, quoted as such
    missing = tmp_path / "later"
    assert main(["dashboard", "--dry-run", "--token-file", str(missing)]) == 0
    out, err = capsys.readouterr()
    assert not missing.exists() and "made there by a start that is not a dry run" in err
    assert main(["dashboard", "--dry-run"]) == 0                         # no file: Voila makes its own token
    out, err = capsys.readouterr()
    assert "JUPYTER_TOKEN" not in out and "--Voila.auto_token=True" in out.split() and "?token=..." in err


def _start_on(path: str, barrier, results) -> None:
    from naoviz.cli.dashboard_token import token_from_file
    barrier.wait()
    results.put(token_from_file(path))


def test_starts_at_once_on_a_missing_token_file_serve_one_token(tmp_path):
    """Two dashboards started together on one missing ``--token-file`` each made a token and renamed it into place:
    the last rename won, so the first one's printed link never worked. Now the first to create the file wins and
    every other start serves its token."""
    import multiprocessing
    ctx = multiprocessing.get_context("spawn")
    path = tmp_path / "token"
    barrier, results = ctx.Barrier(6), ctx.Queue()
    procs = [ctx.Process(target=_start_on, args=(str(path), barrier, results)) for _ in range(6)]
    for proc in procs:
        proc.start()
    got = [results.get(timeout=120) for _ in procs]
    for proc in procs:
        proc.join(timeout=60)
    tokens = {token for token, _ in got}
    assert tokens == {path.read_text().strip()}, got
    assert sum(made for _, made in got) == 1, got
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not [p.name for p in tmp_path.iterdir() if p.name != "token"]     # no temporary left


_WATCHED: list = []         # [path, opens] while a test watches a token file's opens (audit hooks stay installed)


def _watch_opens(event, args) -> None:
    """Audit hook: counts opens of the watched path; at its second open, before it happens, swaps another
    token file in at that name (what another process could do between a check and a use)."""
    if event != "open" or not _WATCHED or not isinstance(args[0], (str, bytes, os.PathLike)):
        return
    path, swap = _WATCHED[0], _WATCHED[1]
    if os.fsdecode(os.fspath(args[0])) == str(path):
        _WATCHED[2] += 1
        if _WATCHED[2] == 2:
            os.replace(swap, path)


class _Started(Exception):
    pass


def test_the_token_file_is_opened_once_and_a_file_swapped_in_afterwards_is_not_served(tmp_path, monkeypatch):
    """The file was read twice, a check before the other checks and a use after them: another file put at the
    name in between (another token, or a link) was served unchecked against the first. It is opened, checked
    and read once now; the start serves what that read found."""
    path, swap = tmp_path / "token", tmp_path / "swap"
    path.write_text(TOKEN + "\n")
    swap.write_text("swapped-in-token-0123456789abcdef\n")
    for f in (path, swap):
        f.chmod(0o600)
    sys.addaudithook(_watch_opens)
    seen = {}

    def popen(cmd, env=None, **kwargs):          # the first child (the warm-up): stop here, with its environment
        seen["env"] = env
        raise _Started

    monkeypatch.setattr(subprocess, "Popen", popen)
    _WATCHED[:] = [path, swap, 0]
    try:
        with pytest.raises(_Started):
            main(["dashboard", "--token-file", str(path), "--table", "nb201-digits", "--exports", str(tmp_path / "x")])
        opens = _WATCHED[2]
    finally:
        _WATCHED[:] = []
    assert opens == 1
    assert seen["env"]["JUPYTER_TOKEN"] == TOKEN


def test_a_token_file_that_is_a_symbolic_link_is_refused(capsys, tmp_path):
    """A link at the token file's name (which whoever can write its folder may re-point) is not followed."""
    real = tmp_path / "real"
    real.write_text(TOKEN + "\n")
    real.chmod(0o600)
    link = tmp_path / "link"
    link.symlink_to(real)
    line = _refused(capsys, "--token-file", str(link))
    assert "is a symbolic link" in line and TOKEN not in line
    dangling = tmp_path / "dangling"
    dangling.symlink_to(tmp_path / "nowhere")          # not made through the link either
    assert "is a symbolic link" in _refused(capsys, "--token-file", str(dangling))
    assert not (tmp_path / "nowhere").exists()
