"""The explorer's kept export browser (naoviz.viz.kept_browser) with real kaleido and Debian Chromium: export sets
inside ``using()`` share one browser start, write the same bytes as a one-shot export, a killed browser is started
again on the next set, and ``close`` ends it; ``naoviz compare --out`` starts one for all its sets (``for_command``)
and leaves none running; a browser that never starts or stops answering is one error within
``$NAOVIZ_EXPORT_TIMEOUT``, its processes killed."""
from __future__ import annotations

import logging
import os
import signal
from pathlib import Path

import pytest

from _browser import CHROMIUM

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian chromium (make browser)")
NAMES = ("a.png", "b.svg", "c.pdf")


def test_sets_share_one_browser_write_a_one_shots_bytes_and_a_killed_one_is_started_again(tmp_path, monkeypatch):
    import plotly.graph_objects as go

    from naoviz.viz import kept_browser
    from naoviz.viz.figure_files import export_many
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")           # a PDF's dates fixed: bytes comparable
    monkeypatch.setattr(kept_browser, "_kept", None)                 # this test's own, not one an earlier test kept
    figs = [go.Figure(go.Scatter(x=[1, 2, 3], y=[v, 1, 2], name=f"s{v}")) for v in (3, 4, 5)]
    one_shot = export_many(figs, [tmp_path / "one" / n for n in NAMES], width=300, height=200, scale=1)
    with kept_browser.using() as kept:
        sets = [export_many(figs, [tmp_path / f"kept{i}" / n for n in NAMES], width=300, height=200, scale=1)
                for i in range(2)]
        assert kept.starts == 1 and kept.running()                  # two sets, one browser start
        for paths in sets:
            assert [p.read_bytes() for p in paths] == [p.read_bytes() for p in one_shot]
        proc = kept._kaleido.subprocess
        os.kill(proc.pid, signal.SIGKILL)                            # the browser died between two sets
        proc.wait(30)
        again = export_many(figs, [tmp_path / "again" / n for n in NAMES], width=300, height=200, scale=1)
        assert kept.starts == 2 and [p.read_bytes() for p in again] == [p.read_bytes() for p in one_shot]
        browser = kept._kaleido.subprocess
        said = _Said()                    # choreographer's records (its JSONError traceback...): dropped meanwhile
        for name in ("choreographer.channels.pipe", "choreographer.browser_async"):
            logging.getLogger(name).addHandler(said)
            logging.getLogger(name).error("JSONError decoding message. Ignoring")
        assert said.records == []
    assert kept_browser.kept() is None                               # outside using(): one-shot exports again
    kept_browser.close()
    assert not kept.running() and browser.poll() is not None
    logging.getLogger("choreographer.channels.pipe").error("after")  # the user's logging as it was, once it closed
    for name in ("choreographer.channels.pipe", "choreographer.browser_async"):
        logging.getLogger(name).removeHandler(said)
    assert [r.getMessage() for r in said.records] == ["after"]


class _Said(logging.Handler):
    """The records a logger handled."""

    def __init__(self):
        super().__init__()
        self.records = []

    def emit(self, record):
        self.records.append(record)


def test_a_kept_browser_left_idle_is_closed(tmp_path, monkeypatch):
    """A dashboard visitor's kernel lives for hours: its export browser is closed ``idle_s`` after the last set
    (not held until the kernel ends), and the next set starts another."""
    import time

    import plotly.graph_objects as go

    from naoviz.viz import kept_browser
    from naoviz.viz.figure_files import export_many
    monkeypatch.setattr(kept_browser, "_kept", None)
    fig = go.Figure(go.Scatter(x=[1, 2], y=[3, 4]))
    with kept_browser.using() as kept:
        kept.idle_s = 0.5
        export_many([fig], [tmp_path / "a.png"], width=300, height=200, scale=1)
        browser = kept._kaleido.subprocess
        deadline = time.monotonic() + 30
        while kept.running() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not kept.running() and browser.wait(10) is not None
        export_many([fig], [tmp_path / "b.png"], width=300, height=200, scale=1)
        assert kept.starts == 2 and kept.running()
    kept_browser.close()


def test_a_commands_browser_rerenders_a_dropped_figure_itself_and_is_closed_on_ctrl_c(tmp_path, monkeypatch):
    """``for_command()`` (a CLI command's figure sets): a figure kaleido's batch left unwritten is rendered again in
    the same browser (it started another before), and a Ctrl-C inside the block closes the browser."""
    import kaleido
    import plotly.graph_objects as go

    from naoviz.viz import kept_browser
    from naoviz.viz.figure_files import export_many
    monkeypatch.setattr(kept_browser, "_kept", None)
    real, calls = kaleido.Kaleido.write_fig_from_object, []

    async def dropping(self, specs, **kw):       # the first batch writes nothing and says no error, as kaleido can
        calls.append(len(specs))
        return () if len(calls) == 1 else await real(self, specs, **kw)
    monkeypatch.setattr(kaleido.Kaleido, "write_fig_from_object", dropping)
    fig = go.Figure(go.Scatter(x=[1, 2], y=[3, 4]))
    with pytest.raises(KeyboardInterrupt):
        with kept_browser.for_command() as kept:
            out = export_many([fig], [tmp_path / "a.png"], width=300, height=200, scale=1)
            assert out[0].read_bytes()[:4] == b"\x89PNG" and calls == [1, 1] and kept.starts == 1
            browser = kept._kaleido.subprocess
            raise KeyboardInterrupt
    assert not kept.running() and browser.poll() is not None and kept_browser.kept() is None


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")
def test_compare_out_starts_one_browser_for_all_its_figures_and_leaves_none(tmp_path, monkeypatch, capsys):
    """``naoviz compare --out`` writes its PNG, 7 in and 3.5 in PDF+SVG sets with one Chromium (it started one per
    set: 3 starts, about 3 s each), and the browser and its processes are gone when the command ends."""
    import time

    from _procs import alive, group
    from naoviz.cli import main
    from naoviz.viz.figure_files import find_browser
    launcher, log = tmp_path / "chrome", tmp_path / "launched"
    # each start: the browser's pid and process group (the browser execs here: the same pid), then the real one
    launcher.write_text(f'#!/bin/sh\necho "$$ $(cut -d" " -f5 /proc/$$/stat)" >> "{log}"\n'
                        f'exec "{find_browser()}" "$@"\n')
    launcher.chmod(0o755)
    monkeypatch.setenv("NAOVIZ_CHROMIUM", str(launcher))
    monkeypatch.setenv("NAOVIZ_CACHE", str(tmp_path / "cache"))     # its own wrapper, not the suite's
    out = tmp_path / "cmp"
    assert main(["compare", "--table", "nb201-digits", "--algos", "rs", "--queries", "8", "--seeds", "1",
                 "--objectives", "valid_acc,params_M", "--no-progress", "--out", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    names = {Path(line.removeprefix("figure: ")).name for line in lines if line.startswith("figure: ")}
    assert {"compare.png", "pareto-params_M.png", "compare-7in.pdf", "pareto-params_M-3.5in.svg"} <= names, lines
    starts = [tuple(map(int, line.split())) for line in log.read_text().splitlines()]
    assert len(starts) == 1, starts
    deadline = time.monotonic() + 60                # a loaded machine reaps a closed Chromium slowly
    while any(alive(pid) or group(pgid) for pid, pgid in starts) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(alive(pid) or group(pgid) for pid, pgid in starts)


# the exports of the test below, in a process of their own: a hang (the old code) is cut short by its timeout
_HOSTILE = r'''
import json, os, signal, sys, time
from pathlib import Path
import plotly.graph_objects as go
from naoviz.errors import NaovizError
from naoviz.viz import export, kept_browser
fig, out, said = go.Figure(go.Scatter(x=[1, 2], y=[3, 4])), Path(sys.argv[1]), {}

def attempt(name, path):
    start = time.monotonic()
    try:
        export(fig, path, width=300, height=200, scale=1)
        said[name] = ["written", time.monotonic() - start]
    except NaovizError as exc:
        said[name] = [str(exc), time.monotonic() - start]
os.environ["NAOVIZ_CHROMIUM"] = sys.argv[2]
attempt("never starts", out / "a.png")
os.environ.update(NAOVIZ_CHROMIUM=sys.argv[3], NAOVIZ_EXPORT_TIMEOUT="120")    # a loaded machine's start
with kept_browser.using() as kept:
    attempt("healthy", out / "b.png")
    said["group"] = os.getpgid(kept._kaleido.subprocess.pid)
    os.killpg(said["group"], signal.SIGSTOP)
    os.environ["NAOVIZ_EXPORT_TIMEOUT"] = "2"
    attempt("frozen", out / "c.png")
print(json.dumps(said))
'''


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")
def test_a_browser_that_never_starts_or_stops_answering_is_one_error_in_the_time_limit_and_killed(tmp_path):
    """A browser that never starts, in a plain ``export`` (kaleido's one-shot call waited for it forever), then the
    explorer's kept browser frozen (SIGSTOP on its group) after a set and asked for the next one (it waited 600 s):
    each is one NaovizError within ``NAOVIZ_EXPORT_TIMEOUT`` (2 s here), and its processes are killed."""
    import json
    import subprocess
    import sys
    import time

    from _procs import alive, group
    from naoviz.viz.figure_files import find_browser
    log = tmp_path / "launched"
    never = tmp_path / "never-starts"                # holds kaleido's pipe, answers nothing
    never.write_text(f'#!/bin/sh\necho "$$ $(cut -d" " -f5 /proc/$$/stat)" >> "{log}"\nexec sleep 600\n')
    never.chmod(0o755)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent), "NAOVIZ_EXPORT_TIMEOUT": "2",
           "NAOVIZ_CACHE": str(tmp_path / "cache")}
    try:
        done = subprocess.run([sys.executable, "-c", _HOSTILE, str(tmp_path), str(never), find_browser()], env=env,
                              cwd=tmp_path, text=True, capture_output=True, timeout=90, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:               # a hang (the old code) leaves no launcher behind either
        for line in log.read_text().splitlines() if log.exists() else []:
            if group(int(line.split()[1])):
                os.killpg(int(line.split()[1]), signal.SIGKILL)
        raise
    assert done.returncode == 0, done.stderr[-3000:]
    said = json.loads(done.stdout.splitlines()[-1])
    assert said["never starts"][0] == (f"export: the browser {never} did not start within 2 s; it was stopped "
                                       "(set NAOVIZ_EXPORT_TIMEOUT to wait longer)"), said
    assert said["healthy"][0] == "written" and (tmp_path / "b.png").stat().st_size > 0
    assert said["frozen"][0] == (f"export: the browser {find_browser()} stopped answering: no figure rendered in "
                                 "2 s; it was stopped (set NAOVIZ_EXPORT_TIMEOUT to wait longer)"), said
    assert not (tmp_path / "a.png").exists() and not (tmp_path / "c.png").exists()
    (pid, pgid), = [tuple(map(int, line.split())) for line in log.read_text().splitlines()]
    deadline = time.monotonic() + 60               # killed: the launcher's sleep and the frozen Chromium's group
    while (alive(pid) or group(pgid) or group(said["group"])) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(pid) and not group(pgid) and not group(said["group"])


def test_a_bad_export_time_limit_is_one_line_naming_it(tmp_path, monkeypatch):
    """``NAOVIZ_EXPORT_TIMEOUT`` not a number of seconds in (0, 3600]: one error naming it and the value, before a
    browser starts; HTML export needs no browser and ignores it."""
    import plotly.graph_objects as go

    from naoviz.errors import NaovizError
    from naoviz.viz import export
    fig = go.Figure(go.Scatter(x=[1, 2], y=[3, 4]))
    for bad in ("soon", "0", "-5", "nan", "1e9"):
        monkeypatch.setenv("NAOVIZ_EXPORT_TIMEOUT", bad)
        with pytest.raises(NaovizError) as err:
            export(fig, tmp_path / "a.png")
        assert str(err.value) == ("export: NAOVIZ_EXPORT_TIMEOUT: expected seconds, a number in (0, 3600], "
                                  f"got {bad!r}")
    assert export(fig, tmp_path / "a.html").stat().st_size > 1000 and not (tmp_path / "a.png").exists()
