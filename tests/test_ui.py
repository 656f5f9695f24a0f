"""UI logic without a browser: the page's helpers, the query table's rule and the dashboard driven from Python
(its tabs, its cold start, the shipped atlas, `naoviz dashboard`); the Search and Child panels are
tests/test_ui_panels.py's. Caches go under tests/artifacts/cache."""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest


def test_error_line_is_escaped():
    from naoviz.ui.common import error_html
    assert "&lt;script&gt;" in error_html("<script>") and error_html("") == ""


# -- panels and dashboard --------------------------------------------------------------------------
def test_panel_helpers():
    from naoviz.ui.panels import child_summary
    from naoviz.ui.search_status import compare_command, search_summary
    from types import SimpleNamespace
    line = child_summary("|<b>~0|", SimpleNamespace(test_acc=91.25, epochs=4, params=21650, wall_time_s=2.0))
    assert "<code>|&lt;b&gt;~0|</code>" in line and "91.2" in line and "4 epoch" in line and "21,650" in line
    text = search_summary({"NAO": [np.array([1.0, 3.0]), np.array([1.0, 5.0])], "RS": [np.array([2.0])], "LS": []},
                          "test_acc")
    assert text == "incumbent test accuracy (%) — NAO: 4.00 ± 1.41 (n=2) · RS: 2.00"     # the unit once, by the name
    assert compare_command("nb201-digits", ["nao", "rs"], 20, 3, 2, "fast") == \
        "naoviz compare --space nb201-digits --algos nao:fast,rs --queries 20 --seeds 2 --first-seed 3"



def test_nao_line_counts_the_design_pool_apart_from_random():
    """The Search tab's "which part did the work" line: a k-means pool (source ``design``) is named as the
    initial design, not counted among the random cells; a run with a random pool has no design part."""
    from naoviz.search.base import Record, SearchResult
    from naoviz.ui.search_status import nao_sources

    def run(sources, algo="nao"):
        recs = [Record(query=i + 1, arch=str(i), canonical=str(i), value=float(i), report=float(i), source=s,
                       cost_s=0.0) for i, s in enumerate(sources)]
        return SearchResult(algo=algo, space="nb201", metric="v", report="r", maximize=True, seed=0,
                            budget=len(recs), history=recs)

    kmeans = run(["design"] * 3 + ["decoder", "mutation", "random", "decoder"])
    assert nao_sources([kmeans]) == ("NAO's queries: 3 in the initial design, 2 decoded by the gradient step, "
                                     "1 ranked mutations, 1 random; final incumbent decoded in 1 of 1 run")
    line = nao_sources([run(["random"] * 3 + ["decoder", "mutation"]), run(["random"] * 5, algo="rs")])
    assert line.startswith("NAO's queries: 1 decoded") and "3 random;" in line and "design" not in line


def _table():
    from naoviz.ui.query_table import QueryTable, search_columns
    opened = []
    t = QueryTable(search_columns("valid_acc", "test_acc"), on_open=opened.append)
    t.rows = [["NAO", 0, 1, "random", 90.0, 89.5, "|a~0|"], ["random search", 1, 2, "random", 91.0, None, "|B~0|"],
              ["NAO", 0, 3, "decoder", 90.0, 92.0, "|c~0|nor_conv"], ["NAO", 1, 4, "mutation", 88.0, 92.0, "|d~0|"]]
    return t, opened


def test_query_table_sorts_filters_and_opens_rows_like_the_page():
    """The rule static/query_table.js follows: a header click sorts (again: descending; ties in run order,
    missing numbers last); filter tokens all hold (text anywhere in a text column, or column<op>number)."""
    import traitlets
    t, opened = _table()
    assert t.view() == [0, 1, 2, 3]                                    # run order
    t.sort = "value"
    assert t.view() == [3, 0, 2, 1]                                    # 88, 90, 90 (run order), 91
    t.sort = "-value"
    assert t.view() == [1, 0, 2, 3]
    t.sort = "-report"
    assert t.view() == [2, 3, 0, 1]                                    # 92, 92 (run order), 89.5, missing last
    t.sort = "report"
    assert t.view() == [0, 2, 3, 1]
    t.sort = "cell"
    assert t.view() == [1, 0, 2, 3]                                    # "|B" < "|a": code-point order, like JS
    t.sort, t.filter = "", "nao"
    assert t.view() == [0, 2, 3]                                       # case-insensitive, any text column
    t.filter = "NAO test_acc>=92 nor_conv"
    assert t.view() == [2]                                             # every token; a column by its header
    t.filter = "report<90 seed=0"
    assert t.view() == [0]                                             # a missing value never passes a comparison
    t.filter = "value>abc"
    assert t.view() == []                                              # not a number: a text token, no match
    t.filter = ""
    with pytest.raises(traitlets.TraitError, match="sort"):
        t.sort = "-nope"
    t._on_custom(t, {"type": "open", "index": 2}, [])                  # what a click on the third row sends
    t._on_custom(t, {"type": "open", "index": 99}, [])                 # a row that is gone: nothing happens
    assert opened == [{"searcher": "NAO", "seed": 0, "query": 3, "source": "decoder", "value": 90.0,
                       "report": 92.0, "cell": "|c~0|nor_conv"}]


def test_dashboard_opens_the_shipped_digits_atlas_without_torch_or_plotly(tmp_path):
    """Offline first start on the digits table: the shipped atlas, built before display, in a kernel that has
    imported neither torch nor plotly (not even once the Search and Child tabs are open), nor scipy: the atlas
    holds its paths' island jumps (about 30 MB and 0.3 s less per visitor's kernel)."""
    code = (
        "import sys, time\n"
        "from naoviz.ui import Dashboard\n"
        "app = Dashboard(table='nb201-digits', background='auto')\n"
        "assert app.ready.is_set() and app.explorer is not None, app.stage.value\n"
        "assert len(app.tabs.children) == 3 and app.search is None and app.child is None\n"
        "print('heavy', 'torch' in sys.modules, 'plotly' in sys.modules, 'scipy' in sys.modules)\n"
        "app.tabs.selected_index = 1\n"
        "app.tabs.selected_index = 2\n"
        "assert app.search is not None and app.child is not None\n"
        "print('tabs', 'plotly' in sys.modules)\n"
        "print('cell', app.explorer.decoded_cell)\n"
        "print('decoded', app._current_decoded())\n")
    env = dict(os.environ, NAOVIZ_CACHE=str(tmp_path / "cache"))    # an empty cache: only what ships
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "heavy False False False" in out.stdout
    assert "tabs False" in out.stdout                                  # the Search and Child tabs draw without plotly
    assert not (tmp_path / "cache" / "models").exists()                # nothing was trained


def test_cold_start_shows_a_quick_atlas_then_swaps_in_the_full_one(tmp_path, monkeypatch):
    """Nothing cached: the explorer opens on a quick atlas (PCA, paths for QUICK_SEEDS classes), a cell without
    a path there gets one from the kernel, and the full atlas replaces it in the same widget, state kept."""
    from naoviz.ui import Dashboard
    from naoviz.explorer_plan import QUICK_SEEDS
    monkeypatch.setenv("NAOVIZ_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("NAOVIZ_SHIPPED_OFF", "1")
    n_full = QUICK_SEEDS + 40
    app = Dashboard(table="nb201-digits", n_train=100, epochs=5, method="umap", seeds=n_full, background=True)
    assert app.ready.wait(300), app.stage.value
    quick = app.explorer.atlas
    assert len(quick.seeds) == QUICK_SEEDS and list(quick.maps) == ["pca"]
    first_data = app.explorer._atlas_data
    no_path = next(r for r in range(len(quick.labels)) if quick.class_of[r] == r and r not in set(quick.seeds))
    reply = app.explorer.answer_offgrid({"id": 1, "cell": quick.labels[no_path], "steps": 1})
    assert reply["ok"] and len(reply["rows"]) == len(quick.etas) and reply["decoded"][0]
    app.explorer.eta_index = 7
    app.explorer.selection = [3, 5]
    assert app.complete.wait(300), app.stage.value
    full = app.explorer.atlas
    assert len(full.seeds) == n_full and full is not quick and app.explorer._atlas_data != first_data
    assert set(full.maps) == {"umap", "pca"} and app.explorer.view == "umap"         # the map asked for
    from naoviz.projection import path_jumps                                        # the build stores its jumps
    assert set(full.path_jump_maps) == {"umap"} and set(quick.path_jump_maps) == set()
    assert np.array_equal(full.path_jump_maps["umap"], path_jumps("umap", full.maps["umap"], full.path_maps["umap"]))
    assert app.explorer.eta_index == 7 and app.explorer.selection == [3, 5]
    assert "full map is ready" in app.explorer.message
    assert len(list((tmp_path / "cache" / "models").glob("*/nao.safetensors"))) == 1   # trained once
    again = Dashboard(table="nb201-digits", n_train=100, epochs=5, method="umap", seeds=n_full, background="auto")
    assert again.ready.is_set() and len(again.explorer.atlas.seeds) == n_full         # the full one, cached


def test_a_cold_start_takes_up_a_stopped_build_and_says_so(tmp_path, monkeypatch):
    """A first build stopped part-way (here: its progress callback raises once placing starts) leaves its
    checkpoints; the next visitor's cold start resumes from them, and the page's progress line says what was
    resumed (``Dashboard.resumed`` keeps it), for that build only. PCA maps only: the quick atlas, the one
    resumed, is PCA whatever the map asked for, and the full one need not fit UMAP to start fresh and say nothing."""
    from naoviz.atlas_cache import atlas_for
    from naoviz.explorer_plan import QUICK_SEEDS, ExplorerPlan
    from naoviz.ui import Dashboard
    monkeypatch.setenv("NAOVIZ_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("NAOVIZ_SHIPPED_OFF", "1")
    sizes = dict(table="nb201-digits", n_train=100, epochs=5, method="pca", seeds=QUICK_SEEDS + 40)
    plan = ExplorerPlan(**sizes)
    bench = plan.benchmark()

    class Stopped(Exception):
        pass

    def stop_when_placing(stage, done, total):
        if stage == "placing":
            raise Stopped

    with pytest.raises(Stopped):
        atlas_for(bench, plan.spec(bench), progress=stop_when_placing, **plan.quick_options(bench))
    app = Dashboard(**sizes, background=True)
    assert app.complete.wait(300), app.stage.value
    assert len(app.resumed) == 1 and app.resumed[0].startswith("resuming a stopped build: embed, map:pca done")
    assert app._resuming is None                  # the full build after it started fresh, and says nothing
    app._on_resume("resuming a stopped build: embed done; paths 480/6466")
    app._on_progress("paths", 960, 6466)           # what the page shows while such a build runs
    assert "computing the gradient paths (960/6,466 paths), resuming a stopped build: embed done; paths 480/6466;" in app.stage.value
    # the warm-up stopped: this kernel builds and says so; another visitor's kernel, waiting on that build, says
    # who builds (it said "the build goes on here" too), until it takes the build up itself
    import html
    from naoviz.ui.dashboard import TAKEOVER, TAKEOVER_ELSEWHERE
    TAKEOVER, TAKEOVER_ELSEWHERE = html.escape(TAKEOVER), html.escape(TAKEOVER_ELSEWHERE)   # as the line holds them
    app.took_over = True
    app._on_progress("paths", 1920, 6466)
    assert TAKEOVER in app.stage.value and TAKEOVER_ELSEWHERE not in app.stage.value
    app._on_full_wait()
    app._on_progress("paths", 2880, 6466)
    assert TAKEOVER_ELSEWHERE in app.stage.value and TAKEOVER not in app.stage.value
    app._on_resume("resuming a stopped build: embed done; paths 2880/6466")
    app._on_progress("paths", 3840, 6466)
    assert TAKEOVER in app.stage.value


def test_dashboard_builds_tabs_lazily_and_names_the_fix_when_data_is_missing(tmp_path, monkeypatch):
    from naoviz.ui import Dashboard
    app = Dashboard(table="nb201-digits", background=False)
    assert app.ready.is_set() and app.explorer.atlas.space == "nb201"
    app.tabs.selected_index = 1                                        # the Search tab is built on first open
    assert app.search is not None and app.search.report == "test_acc"
    assert app.tabs.children[1].children == (app.search.widget,)
    app.tabs.selected_index = 2
    assert app.child is not None and app.tabs.children[2].children == (app.child.widget,)
    assert f"<code>{app.explorer.decoded_cell}</code>" in app.child.next_cell.value    # what a press trains
    app.tabs.selected_index = 0                                        # move the explorer, come back: named anew
    app.explorer.eta_index = len(app.explorer.atlas.etas) - 1
    app.explorer.seed = (app.explorer.seed + 7) % len(app.explorer.atlas.seeds)
    app.tabs.selected_index = 2
    assert f"<code>{app.explorer.decoded_cell}</code>" in app.child.next_cell.value
    # under a budget, or with several steps, the page draws the kernel's path and writes the decoded cell it shows:
    # a press trains that one (it trained the atlas path's, a cell the explorer did not show), until the seed or η
    # moves on from the state the page drew
    ex = app.explorer
    other = ex.atlas.labels[(ex.decoded_row + 1) % len(ex.atlas.labels)]
    ex._decoded_shown = {"seed": ex.seed, "eta_index": ex.eta_index, "cell": other}
    app.tabs.selected_index = 0
    app.tabs.selected_index = 2
    assert f"<code>{other}</code>" in app.child.next_cell.value and app._current_decoded() == app._table().space.parse(other)
    ex.eta_index = 0
    assert ex.shown_decoded_cell() == ex.decoded_cell != other
    with pytest.raises(ValueError, match="method"):
        Dashboard(method="tsne", table="nb201-digits", background=False)
    monkeypatch.setenv("NAOVIZ_DASHBOARD_SEEDS", "many")
    with pytest.raises(ValueError, match="NAOVIZ_DASHBOARD_SEEDS"):
        Dashboard.from_env(table="nb201-digits", background=False)
    monkeypatch.delenv("NAOVIZ_DASHBOARD_SEEDS")
    monkeypatch.setenv("NAOVIZ_DATA", str(tmp_path))
    broken = Dashboard(table="nb201", background=False)               # no NB201 tables here: the page says why
    assert broken.ready.is_set() and broken.explorer is None and "naoviz-error" in broken.stage.value


def test_dashboard_budget_is_refused_before_any_work_never_clamped_and_the_app_says_why(monkeypatch):
    """The Search tab's budget is 10..300 on the slider's step: NAOVIZ_DASHBOARD_BUDGET=15 showed, and ran, 20
    (the page's slider snaps to its step) and 310 or 5000 ran 300. Now a bad value is a ValueError naming the
    variable or the argument, and the Voila app shows that line, not "There was an error when executing cell [1]"."""
    import html

    from naoviz.ui import Dashboard
    from naoviz.ui.dashboard import EnvRefusal, app_from_env
    for value, why in (("15", "'15' is not a multiple of 10"), ("310", "'310' is out of range"),
                       ("0", "'0' is out of range"), ("-5", "'-5' is out of range"), ("abc", "'abc' is not a whole number")):
        monkeypatch.setenv("NAOVIZ_DASHBOARD_BUDGET", value)
        said = f"NAOVIZ_DASHBOARD_BUDGET: {why} (expected 10..300 in steps of 10)"
        with pytest.raises(ValueError) as refused:
            Dashboard.from_env(table="nb201-digits", background=False)
        assert str(refused.value) == said
        page = app_from_env()
        assert isinstance(page, EnvRefusal) and page.ready.is_set() and page.error == said
        assert "naoviz-error" in page.stage.value and said in html.unescape(page.stage.value)
    monkeypatch.setenv("NAOVIZ_DASHBOARD_BUDGET", "30")
    assert Dashboard.from_env(table="nb201-digits", background=False).options["search_budget"] == 30
    monkeypatch.delenv("NAOVIZ_DASHBOARD_BUDGET")
    with pytest.raises(ValueError, match=r"^search_budget: 15 is not a multiple of 10 \(expected 10\.\.300 in steps of 10\)$"):
        Dashboard(search_budget=15, table="nb201-digits", background=False)


def test_the_page_without_nb201_says_what_is_missing_and_the_one_command_in_a_short_line(tmp_path, monkeypatch):
    """It was 348 characters naming `naoviz data download` twice and --data, which a page cannot take."""
    import html
    import re
    from naoviz.ui import Dashboard
    monkeypatch.setenv("NAOVIZ_DATA", str(tmp_path))
    page = Dashboard(table="nb201", background=False)
    said = html.unescape(re.sub(r"<[^>]+>", "", page.stage.value)).strip()
    assert said.count("naoviz data download") == 1 and f"no NAS-Bench-201 tables in {tmp_path}" in said, said
    assert "--data" not in said and len(said) - len(str(tmp_path)) <= 90, (len(said), said)


def test_cli_dashboard_command():
    out = subprocess.run([sys.executable, "-m", "naoviz.cli", "dashboard", "--dry-run", "--port", "9123"],
                         capture_output=True, text=True)
    assert out.returncode == 0 and "--port=9123" in out.stdout and "--Voila.ip=127.0.0.1" in out.stdout
    words = out.stdout.split()
    assert words[words.index("naoviz.ui.voila_server") + 1].endswith("dashboard.ipynb") and "--template=naoviz" in words
    bad = subprocess.run([sys.executable, "-m", "naoviz.cli", "dashboard", "--port", "0"], capture_output=True, text=True)
    assert bad.returncode == 2 and "--port" in bad.stderr and "Traceback" not in bad.stderr
    # `digits` names the shipped table as `naoviz atlas/export-page --table digits` do
    for name in ("digits", "nb201-digits"):
        out = subprocess.run([sys.executable, "-m", "naoviz.cli", "dashboard", "--dry-run", "--table", name],
                             capture_output=True, text=True)
        assert out.returncode == 0 and "NAOVIZ_DASHBOARD_TABLE=nb201-digits" in out.stdout.split(), out.stdout

def test_cli_dashboard_dry_run_prints_the_environment_it_sets(tmp_path):
    """The printed line, copied, serves what the command would: --data and --exports travel in the environment."""
    data, exports = tmp_path / "tables", tmp_path / "figs"
    data.mkdir()
    out = subprocess.run([sys.executable, "-m", "naoviz.cli", "dashboard", "--dry-run", "--data", str(data),
                          "--exports", str(exports)], capture_output=True, text=True)
    words = out.stdout.split()
    assert out.returncode == 0 and f"NAOVIZ_DATA={data.resolve()}" in words, out.stdout
    assert f"NAOVIZ_EXPORT_DIR={exports.resolve()}" in words and not exports.exists()   # a dry run creates nothing


def test_tips_follow_each_covered_widgets_tooltip():
    """naoviz.ui.tips.Tips: a covered widget gets a class of its own and its tooltip is sent under it; a changed
    tooltip is sent again, an emptied one taken away (the page then removes its titles)."""
    import ipywidgets as W

    from naoviz.ui.tips import Tips
    box, menu = W.Text(description="first seed", tooltip="a seed"), W.Dropdown(options=["a"], description="m")
    tips = Tips([box, menu])
    name = next(c for c in box._dom_classes if c.startswith("naoviz-tip-"))
    assert tips.tips == {name: "a seed"} and tips.layout.display == "none"
    box.tooltip = "another"
    menu.tooltip = "a menu"
    other = next(c for c in menu._dom_classes if c.startswith("naoviz-tip-"))
    assert tips.tips == {name: "another", other: "a menu"}
    box.tooltip = ""
    assert tips.tips == {other: "a menu"}
