"""UI logic without a browser: the dashboard and the real panel widgets driven from Python
(a small real NAO model on the real NB201 table, cached under tests/artifacts/cache)."""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

GOOD = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"


def test_error_line_is_escaped():
    from naoviz.ui.common import error_html
    assert "&lt;script&gt;" in error_html("<script>") and error_html("") == ""


# -- panels and dashboard --------------------------------------------------------------------------
def test_panel_helpers():
    from naoviz.ui.panels import child_summary, table_html
    rows = [{"algo": "NAO", "query": i, "source": "decoder", "value": 1.0, "report": 2.0, "arch": "<a>"} for i in range(12)]
    html = table_html(rows, limit=3, value="valid_acc", report="test_acc")
    assert html.count("<tr>") == 4 and "&lt;a&gt;" in html and ">11<" in html
    assert "<th>valid_acc</th><th>test_acc</th>" in html
    from types import SimpleNamespace
    line = child_summary("|<b>~0|", SimpleNamespace(test_acc=91.25, epochs=4, params=21650, wall_time_s=2.0))
    assert "<code>|&lt;b&gt;~0|</code>" in line and "91.2" in line and "4 epoch" in line and "21,650" in line


def test_search_and_child_panels_run(nb201_table):
    from naoviz.ui import ChildPanel, SearchPanel
    from naoviz.viz.theme import ALGO_COLORS
    sp = SearchPanel(nb201_table, budget=12, nao_config={"epochs": 5, "warm_epochs": 2, "n_init": 6, "top_k": 3,
                                                         "n_new": 3})
    sp.budget.value = 12
    assert sp.algos.value == ("nao", "re", "rs", "ls")
    sp.start(wait=True)
    assert "done" in sp.msg.value and sp.progress.value == 48
    names = {t.name: t.line.color for t in sp.curve.data}
    assert set(names) == {"NAO", "regularised evolution", "random search", "local search (forest-ranked)"}
    assert sorted(names.values()) == sorted(ALGO_COLORS.values())       # one colour each, the searcher's own
    arch = nb201_table.space.parse(GOOD)
    cp = ChildPanel(nb201_table.space, lambda: arch, epochs=1)
    assert cp.preset.name == "digits-quick" and "digits-quick" in cp.recipe.value
    cp.start(wait=True)
    assert "test accuracy" in cp.msg.value and cp.progress.value == 1 and len(cp.curve.data[0].x) == 1
    assert f"<code>{GOOD}</code>" in cp.msg.value        # the tab names the cell it trained
    assert cp.result.arch == GOOD and cp.result.epochs == 1


@pytest.fixture(scope="module")
def search_panel_run(nb201_table):
    """The Search tab run for rs, re, ls (budget 20, seed 3), with a copy of the curves at every redraw."""
    from naoviz.ui import SearchPanel
    sp = SearchPanel(nb201_table, budget=20)
    sp.algos.value, sp.seed.value = ("rs", "re", "ls"), 3
    drawn, draw = [], sp._draw

    def spy():
        drawn.append({k: np.array(v) for k, v in sp.curves.items()})
        draw()

    sp._draw = spy
    sp.start(wait=True)
    assert "done" in sp.msg.value and sp.progress.value == 60
    return sp, drawn


def test_search_tab_and_compare_give_the_same_incumbent(search_panel_run, nb201_table):
    from naoviz.evaluate import TableEvaluator
    from naoviz.experiments.search import compare
    from naoviz.viz.theme import ALGO_LABELS
    sp, drawn = search_panel_run
    ev = TableEvaluator(nb201_table)                 # what `naoviz compare` uses by default
    assert (sp.metric, sp.report) == (ev.metric, ev.report) == ("valid_acc", "cifar10_test_acc")
    summary = compare(ev, [("rs", None), ("re", None), ("ls", None)], 20, [3])
    for algo in ("rs", "re", "ls"):
        cli = summary["algos"][algo]["curves"][0]
        assert sp.curves[ALGO_LABELS[algo]].tolist() == cli
        # every live redraw showed a prefix of that same curve (the live rule is the CLI's rule)
        live = [d[ALGO_LABELS[algo]] for d in drawn if ALGO_LABELS[algo] in d]
        assert live and all(c.tolist() == cli[:len(c)] for c in live) and len(live[-1]) == 20


def test_search_tab_curve_is_not_the_running_best_report(search_panel_run, nb201_table):
    from naoviz.evaluate import TableEvaluator
    from naoviz.search import start_search
    sp, _ = search_panel_run
    ev = TableEvaluator(nb201_table, metric=sp.metric, report=sp.report)
    # seed 3, budget 20: evolution's best test accuracy is not on its best-by-validation cell
    reports = [r["report"] for r in sp.rows if r["algo"] == "regularised evolution"]
    running_best = np.maximum.accumulate(reports)
    curve = sp.curves["regularised evolution"]
    assert not np.array_equal(curve, running_best) and curve[-1] < running_best[-1]
    assert curve.tolist() == start_search("re", ev, 20, 3, progress=False).incumbent_curve().tolist()


def test_dashboard_opens_the_shipped_digits_atlas_without_torch_or_plotly(tmp_path):
    """Offline first start on the digits table: the shipped atlas, built before display, in a kernel that has
    imported neither torch nor plotly; the Child tab is built when first opened and trains the decoded cell."""
    code = (
        "import sys, time\n"
        "from naoviz.ui import Dashboard\n"
        "app = Dashboard(table='nb201-digits', background='auto')\n"
        "assert app.ready.is_set() and app.explorer is not None, app.stage.value\n"
        "assert len(app.tabs.children) == 3 and app.search is None and app.child is None\n"
        "print('heavy', 'torch' in sys.modules, 'plotly' in sys.modules)\n"
        "print('cell', app.explorer.decoded_cell)\n"
        "print('decoded', app._current_decoded())\n")
    env = dict(os.environ, NAOVIZ_CACHE=str(tmp_path / "cache"))    # an empty cache: only what ships
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "heavy False False" in out.stdout
    assert not (tmp_path / "cache" / "models").exists()                # nothing was trained


def test_dashboard_builds_tabs_lazily_and_names_the_fix_when_data_is_missing(tmp_path, monkeypatch):
    from naoviz.ui import Dashboard
    app = Dashboard(table="nb201-digits", background=False)
    assert app.ready.is_set() and app.explorer.atlas.space == "nb201"
    app.tabs.selected_index = 1                                        # the Search tab is built on first open
    assert app.search is not None and app.search.report == "test_acc"
    assert app.tabs.children[1] is app.search.widget
    app.tabs.selected_index = 2
    assert app.child is not None and app.tabs.children[2] is app.child.widget
    with pytest.raises(ValueError, match="method"):
        Dashboard(method="tsne", table="nb201-digits", background=False)
    monkeypatch.setenv("NAOVIZ_DASHBOARD_SEEDS", "many")
    with pytest.raises(ValueError, match="NAOVIZ_DASHBOARD_SEEDS"):
        Dashboard.from_env(table="nb201-digits", background=False)
    monkeypatch.delenv("NAOVIZ_DASHBOARD_SEEDS")
    monkeypatch.setenv("NAOVIZ_DATA", str(tmp_path))
    broken = Dashboard(table="nb201", background=False)               # no NB201 tables here: the page says why
    assert broken.ready.is_set() and broken.explorer is None and "naoviz-error" in broken.stage.value


def test_cli_dashboard_command():
    out = subprocess.run([sys.executable, "-m", "naoviz.cli", "dashboard", "--dry-run", "--port", "9123"],
                         capture_output=True, text=True)
    assert out.returncode == 0 and "--port=9123" in out.stdout and "--Voila.ip=127.0.0.1" in out.stdout
    words = out.stdout.split()
    assert words[words.index("voila") + 1].endswith("dashboard.ipynb") and "--template=naoviz" in words
    bad = subprocess.run([sys.executable, "-m", "naoviz.cli", "dashboard", "--port", "0"], capture_output=True, text=True)
    assert bad.returncode == 2 and "--port" in bad.stderr and "Traceback" not in bad.stderr
