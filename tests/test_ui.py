"""UI logic without a browser: pure state functions, and the real widgets driven from Python
(a small real NAO model on the real NB201 table, cached under tests/artifacts/cache)."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from naoviz.ui import state as S

BAD = "|nor_conv_3x3~0|+|nor_conv_3x3~0|"
GOOD = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"


@pytest.fixture(scope="module")
def session(nb201_table):
    import torch
    torch.set_num_threads(1)
    from naoviz.nao.cache import ModelSpec, load_or_train
    from naoviz.ui import Session
    model, _ = load_or_train(nb201_table, ModelSpec(n_train=200, overrides={"epochs": 15}))
    return Session(nb201_table, model, method="pca")


@pytest.fixture()
def explorer(session):
    from naoviz.ui import Explorer
    return Explorer(session, seed=GOOD, max_eta=10, n_etas=11)


# -- pure state ------------------------------------------------------------------------------------
def test_paste_keeps_state_and_reports_parser_message(nb201_space):
    st = S.ExplorerState(seed=(1, 1, 1, 1, 1, 1), index=4)
    bad = S.paste_arch(st, nb201_space, BAD)
    assert bad.seed == st.seed and bad.index == 4 and "expected 3 node groups" in bad.error
    good = S.paste_arch(bad, nb201_space, GOOD)
    assert good.seed == nb201_space.parse(GOOD) and good.index == 0 and good.error == ""
    assert "&lt;" in S.error_html("<script>") and S.error_html("") == ""


def test_etas_slider_pool_and_guide():
    assert list(S.etas_grid(4, 5)) == [0, 1, 2, 3, 4]
    with pytest.raises(ValueError, match="max_eta"):
        S.etas_grid(0, 5)
    with pytest.raises(ValueError, match="n_etas"):
        S.etas_grid(1, 1)
    st = S.ExplorerState(seed=(0,) * 6, n_etas=5)
    assert S.move_slider(st, 99).index == 4 and S.move_slider(st, -3).index == 0
    p = S.add_to_pool(S.add_to_pool(st, (1,) * 6), (1,) * 6)
    assert p.pool == ((1,) * 6,)
    texts = [S.guide_text(i, {"predicted": 80.0, "true": 81.0}, None) for i in range(4)]
    assert [t.split("·")[1].split(".")[0].strip() for t in texts] == ["encode", "predict", "gradient step", "decode"]
    assert "80.00%" in texts[1] and "81.00%" in texts[1]


def test_edge_options_only_for_nb201(nb201_space):
    opts = S.edge_options(nb201_space)
    assert len(opts) == 6 and opts[0][0] == "0→1" and [o for o, _ in opts[0][1]][0] == "none"


# -- session and explorer --------------------------------------------------------------------------
def test_model_is_cached_by_data_and_config(nb201_table, session):
    from naoviz.nao.cache import ModelSpec, load_or_train
    again, cached = load_or_train(nb201_table, ModelSpec(n_train=200, overrides={"epochs": 15}))
    assert cached
    np.testing.assert_allclose(again.predict(session.archs[:50]), session.predicted[:50], rtol=1e-5)
    assert session.xy.shape == (len(nb201_table), 2) and session.map_method == "PCA"


def test_path_is_computed_once_per_seed(session):
    a = session.path(GOOD, S.etas_grid(10, 11))
    assert session.path(GOOD, S.etas_grid(10, 11)) is a
    assert a.xy.shape == (11, 2) and len(a.decoded) == 11
    pos = S.position(a, 3)
    assert pos["eta"] == 3.0 and pos["decoded_str"] == a.decoded[3]


def test_slider_updates_map_chart_and_cells_together(explorer):
    pv = explorer.path_view
    last = None
    for i in (3, 7, 1, 9, 10):       # a fast drag: the last position wins
        explorer.slider.value = i
        last = i
    assert explorer.state.index == last
    eta = float(pv.result.etas[last])
    assert explorer.pred.layout.shapes[0].x0 == eta
    cur = [t for t in explorer.map.data if t.name == "current"][0]
    assert (cur.x[0], cur.y[0]) == (pv.xy[last, 0], pv.xy[last, 1])
    assert f"η = {eta:.2f}" in explorer.cell.layout.annotations[1].text
    assert pv.decoded[last] in explorer.info.value or "&gt;" in explorer.info.value


def test_attention_view_follows_the_slider(explorer, session):
    explorer.slider.value = 6
    explorer.view.value = "attention"
    heat = explorer.cell.data[0]
    pv, tokens = explorer.path_view, session.model.space
    assert heat.type == "heatmap" and np.asarray(heat.z).shape == pv.result.attention[6].shape
    np.testing.assert_allclose(np.asarray(heat.z), pv.result.attention[6])
    assert list(heat.y) == tokens.token_labels(pv.result.decoded[6])
    assert list(heat.x) == tokens.step_labels(explorer.state.seed)
    assert len(heat.x) == np.asarray(heat.z).shape[1] and len(heat.y) == np.asarray(heat.z).shape[0]
    explorer.slider.value = 2
    np.testing.assert_allclose(np.asarray(explorer.cell.data[0].z), pv.result.attention[2])
    assert "η = " + f"{pv.result.etas[2]:.2f}" in explorer.cell.layout.title.text
    assert "attention" in explorer.figures()
    explorer.view.value = "cells"
    assert explorer.cell.data[0].type != "heatmap" and "cells" in explorer.figures()


def test_malformed_paste_is_inline_and_harmless(explorer):
    before = explorer.state.seed
    explorer.text.value = BAD
    explorer._on_paste()
    assert "expected 3 node groups" in explorer.error.value and explorer.state.seed == before
    explorer.text.value = GOOD.replace("avg_pool_3x3~1", "max_pool~1")
    explorer._on_paste()
    assert "unknown op 'max_pool'" in explorer.error.value.replace("&#x27;", "'")


def test_click_dropdowns_and_colour(explorer, session):
    class Points:
        point_inds = [123]
    explorer._on_click(explorer.map.data[0], Points(), None)
    assert explorer.state.seed == session.archs[123]
    assert tuple(d.value for d in explorer.dropdowns) == session.archs[123]
    seed_trace = [t for t in explorer.map.data if t.name == "seed"][0]
    assert seed_trace.x[0] == session.xy[123, 0]
    explorer.dropdowns[0].value = (session.archs[123][0] + 1) % 5
    assert explorer.state.seed[0] == (session.archs[123][0] + 1) % 5 and explorer.state.seed[1:] == session.archs[123][1:]
    explorer.colour.value = "predicted"
    np.testing.assert_allclose(explorer.map.data[0].marker.color, session.predicted)


def test_pool_and_export(explorer, tmp_path):
    explorer.slider.value = 10
    explorer._on_add()
    assert len(explorer.state.pool) == 1 and "pool (1)" in explorer.pool.value
    paths = explorer.export("png", tmp_path)
    assert [p.name.split("-")[-1] for p in paths] == ["map.png", "prediction.png", "cells.png"]
    assert all(p.read_bytes()[:4] == b"\x89PNG" and p.stat().st_size > 5000 for p in paths)
    assert "saved" in explorer.export_msg.value


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


def test_dashboard_builds_and_names_the_fix_when_data_is_missing(tmp_path, monkeypatch):
    from naoviz.ui import Dashboard
    app = Dashboard(n_train=200, epochs=15, method="pca", background=False)
    assert app.ready.is_set() and app.explorer is not None and len(app.tabs.children) == 3
    assert app.timings["model_cached"] is True
    monkeypatch.setenv("NAOVIZ_DATA", str(tmp_path))
    broken = Dashboard(n_train=200, epochs=15, method="pca", background=True)
    assert broken.ready.wait(60)
    from naoviz.resources import DIGITS_TABLE, resource_path
    if not resource_path(DIGITS_TABLE).is_file():   # no shipped table: the page says what to run
        assert "naoviz data download" in broken.stage.value and broken.explorer is None
    else:
        assert broken.explorer is not None and broken.explorer.session.bench.name == "nb201-digits"
        # the shipped table has every class, so the Search tab searches it (reporting its test accuracy)
        assert broken.search is not None and broken.search.report == "test_acc"


def test_cli_dashboard_command():
    out = subprocess.run([sys.executable, "-m", "naoviz.cli", "dashboard", "--dry-run", "--port", "9123"],
                         capture_output=True, text=True)
    assert out.returncode == 0 and "--port=9123" in out.stdout and "--Voila.ip=127.0.0.1" in out.stdout
    words = out.stdout.split()
    assert words[words.index("voila") + 1].endswith("dashboard.ipynb") and "--template=naoviz" in words
    bad = subprocess.run([sys.executable, "-m", "naoviz.cli", "dashboard", "--port", "0"], capture_output=True, text=True)
    assert bad.returncode == 2 and "--port" in bad.stderr and "Traceback" not in bad.stderr
