"""The explorer's kept export browser (naoviz.viz.kept_browser) with real kaleido and Debian Chromium: export sets
inside ``using()`` share one browser start, write the same bytes as a one-shot export, a killed browser is started
again on the next set, and ``close`` ends it."""
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
