"""The explorer's kept export browser (naoviz.viz.kept_browser) with real kaleido and Debian Chromium: export sets
inside ``using()`` share one browser start, write the same bytes as a one-shot export, a killed browser is started
again on the next set, and ``close`` ends it; ``naoviz compare --out`` starts one for all its sets (``for_command``)
and leaves none running."""
from __future__ import annotations

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
    assert kept_browser.kept() is None                               # outside using(): one-shot exports again
    kept_browser.close()
    assert not kept.running() and browser.poll() is not None


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
    deadline = time.monotonic() + 10
    while any(alive(pid) or group(pgid) for pid, pgid in starts) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(alive(pid) or group(pgid) for pid, pgid in starts)
