"""UI logic without a browser: the dashboard and the real panel widgets driven from Python
(a small real NAO model on the real NB201 table, cached under tests/artifacts/cache)."""
from __future__ import annotations

import os
import re
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
    from naoviz.ui.panels import child_summary
    from naoviz.ui.search_panel import compare_command, search_summary
    from types import SimpleNamespace
    line = child_summary("|<b>~0|", SimpleNamespace(test_acc=91.25, epochs=4, params=21650, wall_time_s=2.0))
    assert "<code>|&lt;b&gt;~0|</code>" in line and "91.2" in line and "4 epoch" in line and "21,650" in line
    text = search_summary({"NAO": [np.array([1.0, 3.0]), np.array([1.0, 5.0])], "RS": [np.array([2.0])], "LS": []},
                          "test_acc")
    assert text == "incumbent test_acc — NAO: 4.00 ± 1.41 (n=2) · RS: 2.00"
    assert compare_command("nb201-digits", ["nao", "rs"], 20, 3, 2, "fast") == \
        "naoviz compare --space nb201-digits --algos nao:fast,rs --queries 20 --seeds 2 --first-seed 3"



def test_nao_line_counts_the_design_pool_apart_from_random():
    """The Search tab's "which part did the work" line: a k-means pool (source ``design``) is named as the
    initial design, not counted among the random cells; a run with a random pool has no design part."""
    from naoviz.search.base import Record, SearchResult
    from naoviz.ui.search_panel import nao_sources

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


@pytest.fixture(scope="module")
def digits():
    from naoviz.tables import load_benchmark
    return load_benchmark("nb201-digits")


def test_search_tab_over_seeds_draws_compares_mean_and_band(digits):
    """Three seeds: the mean line and the ± sd band are `naoviz compare`'s mean and sd for those seeds, bit
    for bit (the band clipped to the runs' range); min–max is the lowest and highest run; every query is a row
    of the table."""
    from naoviz.evaluate import TableEvaluator
    from naoviz.experiments.search import compare
    from naoviz.ui import SearchPanel
    sp = SearchPanel(digits, budget=12)
    sp.algos.value, sp.seed.value, sp.seeds.value = ("rs", "re"), "1", "3"
    sp.budget.value = 12
    sp.start(wait=True)
    assert "done" in sp.msg.value and sp.progress.value == 72 and len(sp.table.rows) == 72
    assert "naoviz compare --space nb201-digits --algos rs,re --queries 12 --seeds 3 --first-seed 1" in sp.msg.value
    summary = compare(TableEvaluator(digits), [("rs", None), ("re", None)], 12, [1, 2, 3])
    lines = {s["name"]: s for s in sp.curve.series}                    # what the page's chart draws
    assert sp.curve.legend_title == "line: mean · band: ± 1 sd within the runs' range"
    for algo, label in (("rs", "random search"), ("re", "regularised evolution")):
        cli = summary["algos"][algo]
        assert [c.tolist() for c in sp.curves[label]] == cli["curves"]
        mean, sd = np.asarray(cli["mean"]), np.asarray(cli["sd"])
        shown = lines[f"{label} (n=3)"]
        assert shown["y"] == cli["mean"] and shown["x"] == list(range(1, 13)) and shown["n"] == [3] * 12
        runs = np.asarray(cli["curves"])                        # the band never leaves the runs' values
        assert np.array_equal(shown["hi"], np.clip(mean + sd, runs.min(0), runs.max(0)))
        assert np.array_equal(shown["lo"], np.clip(mean - sd, runs.min(0), runs.max(0)))
        assert f"{label}: {cli['mean'][-1]:.2f} ± {cli['sd'][-1]:.2f} (n=3)" in sp.msg.value
        rows = [r for r in sp.table.rows if r[0] == label and r[1] == 2]
        assert [r[2] for r in rows] == list(range(1, 13))               # every query of seed 2, in order
    sp.band.value = "minmax"                                           # redrawn from the same runs
    shown = {s["name"]: s for s in sp.curve.series}["regularised evolution (n=3)"]
    runs = np.asarray(summary["algos"]["re"]["curves"])
    assert np.array_equal(shown["hi"], runs.max(axis=0)) and np.array_equal(shown["lo"], runs.min(axis=0))
    assert sp.curve.legend_title == "line: mean · band: min–max"


def test_search_tab_on_a_partial_table_searches_its_rows(digits, tmp_path):
    """A table of your own with 120 of the 6,466 classes: the budget slider stops at 120, every query is a row of
    the table, and the compare line names the file with --table."""
    from naoviz.tables.user_table import load_table_file
    from naoviz.ui import SearchPanel
    frame = digits.frame.reset_index().drop(columns="arch_index")
    frame.iloc[np.random.default_rng(0).choice(len(frame), 120, replace=False)].to_csv(tmp_path / "own.csv", index=False)
    own = load_table_file(tmp_path / "own.csv")
    sp = SearchPanel(own, budget=300)
    assert sp.budget.max == 120 and sp.budget.value == 120
    sp.algos.value, sp.seeds.value = ("rs", "ls"), "1"
    sp.budget.value = 20
    sp.start(wait=True)
    assert "done" in sp.msg.value and len(sp.table.rows) == 40, sp.msg.value
    space = own.space                       # a row's class: the cell itself or an isomorphic member
    assert {space.canonical(space.parse(r[-1])) for r in sp.table.rows} <= set(own.class_rows())
    assert f"naoviz compare --table {tmp_path / 'own.csv'} --algos rs,ls --queries 20" in sp.msg.value


def test_search_tab_seed_boxes_refuse_what_is_not_a_seed_and_say_so(digits):
    """A browser's number box turned 2.5 into 25 and 1e3 into 13 (and ran seed 13): the boxes are text now, a
    value that is not a whole number in range is said at once, in one line naming the box and the value as
    typed, and "run search" then runs nothing; a right value clears the line and runs those seeds."""
    import html

    from naoviz.ui import SearchPanel
    sp = SearchPanel(digits, budget=10)
    sp.algos.value = ("rs",)
    for box, typed, lo, hi in ((sp.seed, "2.5", 0, 10_000), (sp.seed, "1e3", 0, 10_000), (sp.seed, "-1", 0, 10_000),
                               (sp.seed, "", 0, 10_000), (sp.seeds, "11", 1, 10), (sp.seeds, "0", 1, 10),
                               (sp.seeds, "two", 1, 10)):
        box.value = typed                                               # what the page sends on Enter / blur
        said = sp.msg.value
        assert "naoviz-error" in said and box.description in said and html.escape(repr(typed)) in said, said
        assert f"{lo}..{hi}" in said
        sp.start(wait=True)
        assert sp.thread is None and sp.results == [] and sp.progress.value == 0 and sp.msg.value == said
        assert not sp.run_btn.disabled
        box.value = "1"
        assert sp.msg.value == ""                                        # the line goes once the box is right
    sp.seed.value, sp.seeds.value = " 13 ", "2"
    sp.start(wait=True)
    assert "done" in sp.msg.value and [r.seed for r in sp.results] == [13, 14]


def test_search_tab_budget_box_refuses_what_the_slider_cannot_take_and_says_so(digits):
    """ipywidgets' editable readout parsed with parseInt and clamped (2.5 gave 10, 9999 gave 300, and that
    ran): the budget slider has a checked box instead. A typed value off the step, out of range or not a whole
    number is said in one line naming the box and the value as typed, the slider keeps its value and a press
    runs nothing; dragging the slider writes the box; a right value moves the slider and is what runs."""
    import html

    from naoviz.ui import SearchPanel
    sp = SearchPanel(digits, budget=20)
    sp.algos.value = ("rs",)
    box = sp.budget_input.box
    assert not sp.budget.readout and box.value == "20" and "naoviz-budget" in box._dom_classes
    not_whole = "is not a whole number"
    for typed, why in (("25", "is not a multiple of 10"), ("9999", "is out of range"), ("5", "is out of range"),
                       ("2.5", not_whole), ("1e2", not_whole), ("", not_whole)):
        box.value = typed                                               # what the page sends on Enter / blur
        said = sp.msg.value
        assert "naoviz-error" in said and f"queries: {html.escape(repr(typed))} {why} (expected 10..300)" in said, said
        assert sp.budget.value == 20                                    # the slider keeps its value
        sp.start(wait=True)
        assert sp.thread is None and sp.results == [] and sp.progress.value == 0 and sp.msg.value == said
    sp.budget.value = 40                                                # a drag writes the box, the line goes
    assert box.value == "40" and sp.msg.value == ""
    box.value = " 30 "
    assert sp.budget.value == 30 and box.value == "30" and sp.msg.value == ""
    sp.start(wait=True)
    assert "done" in sp.msg.value and [len(r.history) for r in sp.results] == [30] and sp.progress.value == 30
    with pytest.raises(ValueError, match=r"queries: 5 is out of range \(expected 10\.\.300\)"):
        SearchPanel(digits, budget=5)                                   # not clamped to 10 by the slider


def test_child_tab_epochs_box_refuses_what_the_slider_cannot_take_and_says_so(digits):
    """The Child tab's epochs slider: the same checked box as the budget's. A bad value is said and trains
    nothing, the slider keeps its value; a typed right value moves the slider and is the number trained."""
    import html

    from naoviz.ui import ChildPanel
    arch = digits.space.parse(GOOD)
    cp = ChildPanel(digits.space, lambda: arch, epochs=3)
    box = cp.epochs_input.box
    assert not cp.epochs.readout and box.value == "3" and "naoviz-epochs" in box._dom_classes
    for typed, why in (("2.5", "is not a whole number"), ("31", "is out of range"), ("0", "is out of range"),
                       ("-1", "is not a whole number")):
        box.value = typed
        said = cp.msg.value
        assert "naoviz-error" in said and f"epochs: {html.escape(repr(typed))} {why} (expected 1..30)" in said, said
        assert cp.epochs.value == 3
        cp.start(wait=True)
        assert cp.thread is None and cp.result is None and cp.progress.value == 0 and not cp.train_btn.disabled
    cp.epochs.value = 5
    assert box.value == "5" and cp.msg.value == ""
    box.value = "1"
    assert cp.epochs.value == 1 and cp.msg.value == ""
    cp.start(wait=True)
    assert "test accuracy" in cp.msg.value and cp.result.epochs == 1 and cp.progress.value == 1
    with pytest.raises(ValueError, match="epochs: 31 is out of range"):
        ChildPanel(digits.space, lambda: arch, epochs=31)


def test_search_tab_stop_ends_after_the_current_query(digits):
    """Stop pressed during query 25 of evolution (one query at a time after its 20 random ones): the run ends
    there, no further searcher or seed starts, the curve and the table hold exactly what ran."""
    from naoviz.evaluate import TableEvaluator
    from naoviz.search import start_search
    from naoviz.ui import SearchPanel
    sp = SearchPanel(digits, budget=30)
    sp.algos.value, sp.seeds.value = ("rs", "re"), "2"
    sp.budget.value = 30
    press = lambda ch: sp.stop() if ch["new"] == 55 else None          # noqa: E731
    sp.progress.observe(press, names="value")
    sp.start(wait=True)
    assert "stopped" in sp.msg.value and "after 55 queries" in sp.msg.value
    assert sp.progress.value == 55 and len(sp.table.rows) == 55
    assert not sp.run_btn.disabled and sp.stop_btn.disabled
    assert [len(c) for c in sp.curves["random search"]] == [30]
    assert [len(c) for c in sp.curves["regularised evolution"]] == [25]
    assert [r.stopped for r in sp.results] == [False, True]
    full = start_search("re", TableEvaluator(digits), 30, 0, progress=False)
    assert sp.curves["regularised evolution"][0].tolist() == full.incumbent_curve()[:25].tolist()
    sp.progress.unobserve(press, names="value")
    sp.start(wait=True)                                                # a new run after a stop runs to the end
    assert "done" in sp.msg.value and sp.progress.value == 120


def test_a_row_of_the_search_tab_opens_its_cell_in_the_explorer(digits):
    """Dashboard wiring: a clicked row sets the explorer's seed to the row with that cell's path (the cell
    itself or its isomorphism class's representative) and shows the Explorer tab; a cell the atlas lacks goes
    to the explorer's search box."""
    from naoviz.ui import Dashboard
    app = Dashboard(table="nb201-digits", background=False)
    # the page names the table it runs on, its size and what the model predicts
    assert f"table <b>{digits.name}</b>: {len(digits):,} cells" in app.table_info.value
    assert f"predicts <code>{app.plan.spec(digits).metric}</code>" in app.table_info.value
    app.tabs.selected_index = 1
    sp = app.search
    sp.algos.value, sp.seeds.value = ("rs",), "1"
    sp.budget.value = 10
    sp.start(wait=True)
    space, atlas = digits.space, app.explorer.atlas
    sp.table.sort = "-report"
    best = sp.table.view()[0]
    cell = sp.table.rows[best][6]
    sp.table.open_row(best)
    assert app.tabs.selected_index == 0
    shown = atlas.labels[app.explorer.seed]
    assert space.canonical(space.parse(shown)) == space.canonical(space.parse(cell))
    labels = set(atlas.labels)
    member = next(space.format(m) for ms in space.classes.values() for m in ms if space.format(m) not in labels)
    app.tabs.selected_index = 1
    app.open_cell(member)                                              # no row of its own: its class's path
    shown = atlas.labels[app.explorer.seed]
    assert shown != member and space.canonical(space.parse(shown)) == space.canonical(space.parse(member))
    assert f"{member} is shown as row {app.explorer.seed}" in app.explorer.message
    assert app.tabs.selected_index == 0
    app.tabs.selected_index = 1
    app.open_cell("not a cell")
    assert app.explorer.search == "not a cell" and app.tabs.selected_index == 0


def test_search_and_child_panels_run(nb201_table):
    from naoviz.ui import ChildPanel, SearchPanel
    from naoviz.viz.theme import ALGO_COLORS
    sp = SearchPanel(nb201_table, budget=12, nao_config={"epochs": 5, "warm_epochs": 2, "n_init": 6, "top_k": 3,
                                                         "n_new": 3})
    sp.budget.value = 12
    assert sp.algos.value == ("nao", "re", "rs", "ls")
    sp.start(wait=True)
    assert "done" in sp.msg.value and sp.progress.value == 48
    names = {s["name"]: s["color"] for s in sp.curve.series}
    assert set(names) == {"NAO", "regularised evolution", "random search", "local search (forest-ranked)"}
    assert sorted(names.values()) == sorted(ALGO_COLORS.values())       # one colour each, the searcher's own
    arch = nb201_table.space.parse(GOOD)
    cp = ChildPanel(nb201_table.space, lambda: arch, epochs=1)
    assert cp.preset.name == "digits-quick" and "digits-quick" in cp.recipe.value
    assert "8 channels, 1 cell per stage, batch 32, learning rate 0.05" in cp.recipe.value   # words, not C=8, N=1, lr
    shown = re.sub(r"<[^>]+>", "", cp.recipe.value)                     # the text on the page, tags (and tip) gone
    assert "C=" not in shown and "N=" not in shown and " lr " not in shown, shown
    assert "(C)" in cp.recipe.value and "(N)" in cp.recipe.value        # the tip keeps the paper's letters
    cp.show_next()                                        # before a press: the cell a press would train
    assert f"<code>{GOOD}</code>" in cp.next_cell.value and not cp.msg.value
    cp.start(wait=True)
    assert "test accuracy" in cp.msg.value and cp.progress.value == 1 and [s["x"] for s in cp.curve.series] == [[1], [1]]
    assert f"<code>{GOOD}</code>" in cp.msg.value        # the tab names the cell it trained
    assert cp.result.arch == GOOD and cp.result.epochs == 1


def test_search_tab_runs_the_chosen_nao_preset(digits):
    """The NAO preset picked in the tab is what runs: `trust` proposes by steps only (no mutation source), its
    curve is the CLI's for that preset, and the compare line names it; an unknown preset is refused."""
    from naoviz.evaluate import TableEvaluator
    from naoviz.search import start_search
    from naoviz.ui import SearchPanel
    sp = SearchPanel(digits, budget=16)
    assert sp.preset.value == "default" and {"trust", "fast", "paper"} <= {name for _, name in sp.preset.options}
    sp.algos.value, sp.preset.value = ("nao",), "trust"
    sp.budget.value = 16
    sp.start(wait=True)
    assert "done" in sp.msg.value and len(sp.table.rows) == 16
    sources = {r[3] for r in sp.table.rows}
    assert "mutation" not in sources and "decoder" in sources
    cli = start_search("nao", TableEvaluator(digits), 16, 0, progress=False, preset="trust")
    assert sp.curves["NAO"][0].tolist() == cli.incumbent_curve().tolist()
    assert "--algos nao:trust --queries 16" in sp.msg.value
    decoded = sum(r[3] == "decoder" for r in sp.table.rows)            # the line says which part did the work
    final = "1 of 1 run" if cli.counts()["final_incumbent_source"] == "decoder" else "0 of 1 run"
    assert f"{decoded} decoded by the gradient step, 0 ranked mutations" in sp.msg.value and final in sp.msg.value
    with pytest.raises(ValueError, match="nao_preset"):
        SearchPanel(digits, nao_preset="nope")


def test_search_tab_preset_menu_leads_with_the_main_presets_and_says_what_the_chosen_one_does(digits):
    """The menu: the main presets first with short labels, the measured directions after under "more:"; the
    value is the preset name; the line under it (and the tooltip) is the chosen preset's catalogue line."""
    from naoviz.search.nao_presets import ABOUT, MAIN, MEASURED
    from naoviz.ui import SearchPanel
    sp = SearchPanel(digits, budget=16)
    labels, names = zip(*sp.preset.options)
    assert names == MAIN + MEASURED
    assert labels[0] == "default — best measured" and sp.preset.label == labels[0]
    assert all(not label.startswith("more:") for label in labels[:len(MAIN)])
    assert all(label.startswith(f"more: {name} — ") for label, name in zip(labels[len(MAIN):], MEASURED))
    assert ABOUT["default"][1] in sp.preset_about.value and sp.preset.tooltip == ABOUT["default"][1]
    sp.preset.value = "stall"
    assert sp.preset.label == f"more: stall — {ABOUT['stall'][0]}"
    assert "<b>stall</b>" in sp.preset_about.value and ABOUT["stall"][1] in sp.preset_about.value
    assert sp.preset.tooltip == ABOUT["stall"][1] and ABOUT["default"][1] not in sp.preset_about.value
    opened = SearchPanel(digits, nao_preset="paper")
    assert opened.preset.value == "paper" and ABOUT["paper"][1] in opened.preset_about.value


def test_search_tab_with_no_algorithm_picked_asks_for_one(digits):
    """Every algorithm unselected: the press runs nothing and says why (it said "done" and showed a compare
    command with an empty --algos). The line under the list counts the picked ones and says how to pick."""
    from naoviz.ui import SearchPanel
    sp = SearchPanel(digits, budget=10)
    n = len(sp.algos.options)
    assert f"{n} of {n} picked" in sp.algos_note.value and "Ctrl-click" in sp.algos_note.value   # all, and how to pick
    sp.algos.value = ()
    assert f"0 of {n} picked" in sp.algos_note.value                         # the line follows the list
    sp.start(wait=True)
    assert "pick at least one algorithm" in sp.msg.value and "done" not in sp.msg.value
    assert sp.thread is None and not sp.run_btn.disabled and sp.rows == []
    sp.algos.value = ("rs",)
    assert f"1 of {n} picked" in sp.algos_note.value


def test_search_tab_running_line_says_which_queries_of_how_many(digits):
    """While a run goes, the line beside the bar (which has no number) says which of all the queries run now."""
    from naoviz.ui import SearchPanel
    sp = SearchPanel(digits, budget=10)
    sp.algos.value, sp.seeds.value = ("rs", "re"), "2"
    said = []
    sp.msg.observe(lambda ch: said.append(ch["new"]), names="value")
    sp.start(wait=True)
    running = [s for s in said if "running" in s]
    assert [s.split(": ")[-1] for s in running] == [f"queries {a}..{a + 9} of 40…</i>" for a in (1, 11, 21, 31)], running
    assert "seed 1" in running[-1] and "done" in sp.msg.value


def test_search_tab_says_the_incumbent_is_chosen_by_the_search_metric(digits):
    """Selected by valid_acc, drawn in test_acc: the tab says why a curve can fall; with one metric it says nothing."""
    from naoviz.ui import SearchPanel
    def text(panel):
        return " ".join(w.value for w in panel.widget.children if isinstance(getattr(w, "value", None), str))
    assert "best query by <code>valid_acc</code>" in text(SearchPanel(digits)) and "can fall" in text(SearchPanel(digits))
    assert "can fall" not in text(SearchPanel(digits, metric="test_acc", report="test_acc"))


@pytest.fixture(scope="module")
def search_panel_run(nb201_table):
    """The Search tab run for rs, re, ls (budget 20, seed 3), with a copy of the curves at every redraw."""
    from naoviz.ui import SearchPanel
    sp = SearchPanel(nb201_table, budget=20)
    sp.algos.value, sp.seed.value = ("rs", "re", "ls"), "3"
    drawn, draw = [], sp._draw

    def spy(table=True):
        drawn.append({k: np.array(v[0]) for k, v in sp.curves.items()})
        draw(table)

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
        assert sp.curves[ALGO_LABELS[algo]][0].tolist() == cli
        # every live redraw showed a prefix of that same curve (the live rule is the CLI's rule)
        live = [d[ALGO_LABELS[algo]] for d in drawn if ALGO_LABELS[algo] in d]
        assert live and all(c.tolist() == cli[:len(c)] for c in live) and len(live[-1]) == 20


def test_search_tab_curve_is_not_the_running_best_report(search_panel_run, nb201_table):
    from naoviz.evaluate import TableEvaluator
    from naoviz.search import start_search
    sp, _ = search_panel_run
    ev = TableEvaluator(nb201_table, metric=sp.metric, report=sp.report)
    # seed 3, budget 20: evolution's best test accuracy is not on its best-by-validation cell
    reports = [r[5] for r in sp.rows if r[0] == "regularised evolution"]
    running_best = np.maximum.accumulate(reports)
    curve = sp.curves["regularised evolution"][0]
    assert not np.array_equal(curve, running_best) and curve[-1] < running_best[-1]
    assert curve.tolist() == start_search("re", ev, 20, 3, progress=False).incumbent_curve().tolist()


def test_dashboard_opens_the_shipped_digits_atlas_without_torch_or_plotly(tmp_path):
    """Offline first start on the digits table: the shipped atlas, built before display, in a kernel that has
    imported neither torch nor plotly (not even once the Search and Child tabs are open)."""
    code = (
        "import sys, time\n"
        "from naoviz.ui import Dashboard\n"
        "app = Dashboard(table='nb201-digits', background='auto')\n"
        "assert app.ready.is_set() and app.explorer is not None, app.stage.value\n"
        "assert len(app.tabs.children) == 3 and app.search is None and app.child is None\n"
        "print('heavy', 'torch' in sys.modules, 'plotly' in sys.modules)\n"
        "app.tabs.selected_index = 1\n"
        "app.tabs.selected_index = 2\n"
        "assert app.search is not None and app.child is not None\n"
        "print('tabs', 'plotly' in sys.modules)\n"
        "print('cell', app.explorer.decoded_cell)\n"
        "print('decoded', app._current_decoded())\n")
    env = dict(os.environ, NAOVIZ_CACHE=str(tmp_path / "cache"))    # an empty cache: only what ships
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "heavy False False" in out.stdout
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
    assert app.explorer.eta_index == 7 and app.explorer.selection == [3, 5]
    assert "full map is ready" in app.explorer.message
    assert len(list((tmp_path / "cache" / "models").glob("*/nao.safetensors"))) == 1   # trained once
    again = Dashboard(table="nb201-digits", n_train=100, epochs=5, method="umap", seeds=n_full, background="auto")
    assert again.ready.is_set() and len(again.explorer.atlas.seeds) == n_full         # the full one, cached


def test_a_cold_start_takes_up_a_stopped_build_and_says_so(tmp_path, monkeypatch):
    """A first build stopped part-way (here: its progress callback raises once placing starts) leaves its
    checkpoints; the next visitor's cold start resumes from them, and the page's progress line says what was
    resumed (``Dashboard.resumed`` keeps it), for that build only."""
    from naoviz.atlas_cache import atlas_for
    from naoviz.explorer_plan import QUICK_SEEDS, ExplorerPlan
    from naoviz.ui import Dashboard
    monkeypatch.setenv("NAOVIZ_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("NAOVIZ_SHIPPED_OFF", "1")
    sizes = dict(table="nb201-digits", n_train=100, epochs=5, method="umap", seeds=QUICK_SEEDS + 40)
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
    assert "(960/6,466), resuming a stopped build: embed done; paths 480/6466;" in app.stage.value


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
    with pytest.raises(ValueError, match="method"):
        Dashboard(method="tsne", table="nb201-digits", background=False)
    monkeypatch.setenv("NAOVIZ_DASHBOARD_SEEDS", "many")
    with pytest.raises(ValueError, match="NAOVIZ_DASHBOARD_SEEDS"):
        Dashboard.from_env(table="nb201-digits", background=False)
    monkeypatch.delenv("NAOVIZ_DASHBOARD_SEEDS")
    monkeypatch.setenv("NAOVIZ_DATA", str(tmp_path))
    broken = Dashboard(table="nb201", background=False)               # no NB201 tables here: the page says why
    assert broken.ready.is_set() and broken.explorer is None and "naoviz-error" in broken.stage.value


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


def test_search_tab_stop_from_the_first_query_counts(digits):
    """A stop that arrives before ``start`` has even returned (here: from the first evaluation's callback, in
    the worker thread) still ends the run: the panel knows it is running before its thread starts."""
    from naoviz.ui import SearchPanel
    for _ in range(5):                      # the old race needed the thread to outrun start(); try a few times
        sp = SearchPanel(digits, budget=30)
        sp.algos.value, sp.seeds.value = ("rs",), "3"
        sp.progress.observe(lambda ch, sp=sp: sp.stop() if ch["new"] == 1 else None, names="value")
        sp.start(wait=True)
        assert "stopped" in sp.msg.value, sp.msg.value
        assert sp.progress.value <= 30 and len(sp.results) == 1 and sp.results[0].stopped


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
