"""The Search and Child panels driven from Python, with no browser: runs over seeds and presets against `naoviz
compare`, stops, and a row opening its cell in the dashboard's explorer (a small real NAO model on the real NB201
table, cached under tests/artifacts/cache). The checked boxes and what they refuse: tests/test_ui_panel_boxes.py."""
from __future__ import annotations

import html
import re

import numpy as np
import pytest

GOOD = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"


@pytest.fixture(scope="module")
def digits():
    from naoviz.tables import load_benchmark
    return load_benchmark("nb201-digits")



def _text(value: str) -> str:
    """An HTML widget's text, as a reader copies it (tags off, entities read)."""
    return html.unescape(re.sub("<[^>]+>", "", value))

def _within_room(result: str, room: str) -> bool:
    """Whether the shown ``result`` fits one of the endings the invisible ``room`` lays in its grid cell: one with
    as many lines, each as long or longer (a number at its widest is as long as any)."""
    said = [_text(line) for line in result.split("<br>")]
    endings = re.findall(r"<div style='grid-area:1/1'>(.*?)</div>", room) or [room]
    return any(len(lines) == len(said) and all(len(a) <= len(b) for a, b in zip(said, lines))
               for lines in ([_text(x) for x in e.split("<br>")] for e in endings))


def _run_curves(lengths: dict, feasible_from=None) -> dict:
    """Incumbent curves, one per run of the given lengths per searcher; ``feasible_from``: per searcher, the query
    each run's first feasible incumbent comes at (None: never), NaN before it."""
    curves = {}
    for name, ns in lengths.items():
        starts = (feasible_from or {}).get(name, [0] * len(ns))
        curves[name] = [np.array([np.nan if s is None or q < s else 90.0 + q / 100 for q in range(n)])
                        for n, s in zip(ns, starts)]
    return curves


@pytest.mark.parametrize("budget", ["", "parameters ≤ 0.03 M"])
def test_result_room_covers_a_stopped_run(budget):
    """A stop during a searcher's second seed writes "after query 25 (the shortest run's end)" on its part and
    "stopped after N queries." before the summary, no command: the room kept from the run's start is at least
    as long, line by line (it covered only the finished run, so the stopped line could wrap once more and move
    the Pareto plot as the run ended), with and without a cost budget, the cut run infeasible or not."""
    from naoviz.ui.search_status import result_html, result_room, search_summary
    names = ["random search", "regularised evolution", "local search (forest-ranked)"]
    room = result_room(names, 2, 30, "test_acc", budget=budget, nao=False,
                       command="naoviz compare --space nb201-digits --algos rs,re,ls --queries 30 --seeds 2 --first-seed 0")
    for cut in names:
        lengths = {n: [30, 25 if n == cut else 30] if names.index(n) <= names.index(cut) else [30] for n in names}
        feasible = {n: [None, None] if n == cut and budget else [0, 0] for n in names}
        summary = search_summary(_run_curves(lengths, feasible), "test_acc")
        assert "after query 25 (the shortest run's end)" in summary, summary
        if budget:
            summary += f" · budget {budget} · feasible: " + " · ".join(f"{n} 0%" for n in names)
        shown = result_html(html.escape(summary), True, sum(map(sum, lengths.values())))
        assert _within_room(shown, room), (shown, room)


def test_result_room_covers_searchers_with_no_feasible_incumbent():
    """Under a tight cost budget a searcher whose runs found no feasible cell says "– (k of n runs with a feasible
    incumbent)", longer than a mean ± sd: the room covers every searcher saying it."""
    from naoviz.ui.search_status import nao_sources, result_html, result_room, search_summary
    names, budget = ["NAO", "regularised evolution", "random search"], "parameters ≤ 0.03 M"
    cmd = "naoviz compare --space nb201-digits --algos nao:default,re,rs --queries 30 --seeds 3 --first-seed 0"
    curves = _run_curves({n: [30, 30, 30] for n in names}, {n: [None, 12, None] for n in names})
    summary = search_summary(curves, "test_acc")
    assert summary.count("1 of 3 runs with a feasible incumbent") == 3, summary
    summary += f" · budget {budget} · feasible: " + " · ".join(f"{n} 12%" for n in names)
    shown = result_html(html.escape(summary), False, 270, cmd, nao_sources([]) or
                        "NAO's queries: 90 decoded by the gradient step, 0 ranked mutations, 0 random; final incumbent "
                        "decoded in 3 of 3 runs")
    assert _within_room(shown, result_room(names, 3, 30, "test_acc", budget=budget, nao=True, command=cmd))
    # without a budget no searcher can lack a feasible incumbent: the room stays that of a mean ± sd
    assert "runs with a feasible incumbent" not in result_room(names, 3, 30, "test_acc", nao=True, command=cmd)


@pytest.mark.parametrize("band", ["sd", "minmax"])
def test_curves_legend_room_holds_every_name_a_run_draws(band):
    """While a searcher's second seed runs on, the curves' legend names its dashed "longer runs only" line too (a
    second row at 1024 px, gone as the run ends: the Pareto plot moved 19 px down, then up): the room kept from
    the run's start holds the title and every name the legend shows at any point of the run."""
    from naoviz.ui.search_panel import search_lines
    from naoviz.ui.search_status import legend_room
    names = ["NAO", "regularised evolution", "random search", "local search (forest-ranked)"]
    room = legend_room(names, 2, band)
    kept = {(text, kind) for text, kind in room}
    for k in range(len(names) + 1):                       # searchers 0..k-1 into their second seed, cut at query 12
        curves = {n: [np.arange(30.0), np.arange(12.0)] if i < k else [np.arange(30.0)] for i, n in enumerate(names)}
        series, title = search_lines(curves, band)
        assert (title, "title") in kept or (not title and k == 0), (title, room)
        for s in series:                      # kept, or the room's name before its "(n=2)": no wider than it
            kind = "dash" if s.get("dash") else "line"
            assert any(text == s["name"] or text.startswith(s["name"] + " (n=") for text, kd in kept if kd == kind), s["name"]
    assert legend_room(names[:1], 1, band) == [["NAO", "line"]]     # one seed: no band, no dashed line


def test_search_tab_over_seeds_draws_compares_mean_and_band(digits):
    """Three seeds: the mean line and the ± sd band are `naoviz compare`'s mean and sd for those seeds, bit
    for bit (the band clipped to the runs' range); min–max is the lowest and highest run; every query is a row
    of the table."""
    from naoviz.evaluate import TableEvaluator
    from naoviz.experiments.search import compare
    from naoviz.ui import SearchPanel
    sp = SearchPanel(digits, budget=10)
    sp.algos.value, sp.seed.value, sp.seeds.value = ("rs", "re"), "1", "3"
    sp.budget.value = 10
    sp.start(wait=True)
    assert "done" in sp.msg.value and sp.progress.value == 60 and len(sp.table.rows) == 60
    # the line beside the bar stays one line; the result (3-4 lines) sits under the curves, where it moves no chart
    assert sp.msg.value == "<b>done</b>: 60 queries; the result is under the curves"
    kids = sp.widget.children
    assert kids.index(sp.result_box) == kids.index(sp.curve_note) + 1 and sp.result.value.startswith("<b>done</b> ")
    # the room kept from the run's start (invisible, in the result's grid cell) is as long as the result, line by
    # line, so the Pareto plot under it does not move as the run ends
    assert _within_room(sp.result.value, sp.result_room.value)
    # the command as the page copies it (tags off): each option with its value in a nowrap span, plain hyphens
    assert ("naoviz compare --space nb201-digits --algos rs,re --queries 10 --seeds 3 --first-seed 1"
            in _text(sp.result.value))
    assert '<span style="white-space:nowrap">--first-seed 1</span>' in sp.result.value
    summary = compare(TableEvaluator(digits), [("rs", None), ("re", None)], 10, [1, 2, 3])
    lines = {s["name"]: s for s in sp.curve.series}                    # what the page's chart draws
    assert sp.curve.legend_title == "line: mean · band: ± 1 sd within the runs' range"
    # the menu's names fit its 220 px beside the label at 1024 px ("mean ± 1 sd withi" was cut); the legend's
    # title and the tooltip say the whole
    assert all(len(label) <= 20 for label, _ in sp.band.options), sp.band.options
    for algo, label in (("rs", "random search"), ("re", "regularised evolution")):
        cli = summary["algos"][algo]
        assert [c.tolist() for c in sp.curves[label]] == cli["curves"]
        mean, sd = np.asarray(cli["mean"]), np.asarray(cli["sd"])
        shown = lines[f"{label} (n=3)"]
        assert shown["y"] == cli["mean"] and shown["x"] == list(range(1, 11)) and shown["n"] == [3] * 10
        runs = np.asarray(cli["curves"])                        # the band never leaves the runs' values
        assert np.array_equal(shown["hi"], np.clip(mean + sd, runs.min(0), runs.max(0)))
        assert np.array_equal(shown["lo"], np.clip(mean - sd, runs.min(0), runs.max(0)))
        assert f"{label}: {cli['mean'][-1]:.2f} ± {cli['sd'][-1]:.2f} (n=3)" in sp.result.value
        rows = [r for r in sp.table.rows if r[0] == label and r[1] == 2]
        assert [r[2] for r in rows] == list(range(1, 11))               # every query of seed 2, in order
    sp.band.value = "minmax"                                           # redrawn from the same runs
    shown = {s["name"]: s for s in sp.curve.series}["regularised evolution (n=3)"]
    runs = np.asarray(summary["algos"]["re"]["curves"])
    assert np.array_equal(shown["hi"], runs.max(axis=0)) and np.array_equal(shown["lo"], runs.min(axis=0))
    assert sp.curve.legend_title == "line: mean · band: min–max"


def test_search_tab_on_a_partial_table_searches_its_rows(digits, tmp_path):
    """A table of your own with 120 of the 6,466 classes: the budget slider stops at 120 (the panel's line says
    so when more was asked), every query is a row of the table, and the compare line names the file with --table."""
    from naoviz.tables.user_table import load_table_file
    from naoviz.ui import SearchPanel
    frame = digits.frame.reset_index().drop(columns="arch_index")
    frame.iloc[np.random.default_rng(0).choice(len(frame), 120, replace=False)].to_csv(tmp_path / "own.csv", index=False)
    own = load_table_file(tmp_path / "own.csv")
    sp = SearchPanel(own, budget=300)
    assert sp.budget.max == 120 and sp.budget.value == 120             # and said, not applied silently
    assert "this table has 120 classes: the queries slider stops at 120, not the 300 asked for" in sp.msg.value
    assert SearchPanel(own, budget=60).msg.value == ""                # within the table's limit: nothing to say
    sp.algos.value, sp.seeds.value = ("rs", "ls"), "1"
    sp.budget.value = 20
    sp.start(wait=True)
    assert "done" in sp.msg.value and len(sp.table.rows) == 40, sp.msg.value
    space = own.space                       # a row's class: the cell itself or an isomorphic member
    assert {space.canonical(space.parse(r[-1])) for r in sp.table.rows} <= set(own.class_rows())
    assert f"naoviz compare --table {tmp_path / 'own.csv'} --algos rs,ls --queries 20" in _text(sp.result.value)


def test_search_tab_stop_ends_after_the_current_query(digits):
    """Stop pressed during query 25 of evolution (one query at a time after its 20 random ones): the run ends
    there, no further searcher or seed starts, the curve and the table hold exactly what ran."""
    from naoviz.evaluate import TableEvaluator
    from naoviz.search import start_search
    from naoviz.ui import SearchPanel
    sp = SearchPanel(digits, budget=30)
    sp.algos.value, sp.seeds.value = ("rs", "re"), "2"
    sp.budget.value = 30
    assert sp.stop_btn.disabled and sp.stop_btn.button_style == ""     # grey, not a faded orange, before a run
    styles = []
    press = lambda ch: (styles.append(sp.stop_btn.button_style), sp.stop()) if ch["new"] == 55 else None  # noqa
    sp.progress.observe(press, names="value")
    sp.start(wait=True)
    assert "stopped" in sp.msg.value and "after 55 queries" in sp.msg.value
    assert sp.result.value.startswith("<b>stopped</b> after 55 queries. incumbent ")   # the result under the curves
    assert sp.progress.value == 55 and len(sp.table.rows) == 55
    assert not sp.run_btn.disabled and sp.stop_btn.disabled
    assert styles == ["warning"] and sp.stop_btn.button_style == ""     # orange only while it can stop
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
    assert app.plan.spec(digits).metric == "valid_acc"                       # named in words, its id beside them
    assert "predicts validation accuracy (<code>valid_acc</code>)" in app.table_info.value
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
    sp = SearchPanel(nb201_table, budget=10, nao_config={"epochs": 5, "warm_epochs": 2, "n_init": 6, "top_k": 3,
                                                         "n_new": 3})
    assert sp.algos.value == ("nao", "re", "rs", "ls")
    sp.start(wait=True)
    assert "done" in sp.msg.value and sp.progress.value == 40
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
    sp = SearchPanel(digits, budget=20)
    assert sp.preset.value == "default" and {"trust", "fast", "paper"} <= {name for _, name in sp.preset.options}
    sp.algos.value, sp.preset.value = ("nao",), "trust"
    sp.start(wait=True)
    assert "done" in sp.msg.value and len(sp.table.rows) == 20
    sources = {r[3] for r in sp.table.rows}
    assert "mutation" not in sources and "decoder" in sources
    cli = start_search("nao", TableEvaluator(digits), 20, 0, progress=False, preset="trust")
    assert sp.curves["NAO"][0].tolist() == cli.incumbent_curve().tolist()
    assert "--algos nao:trust --queries 20" in _text(sp.result.value)
    decoded = sum(r[3] == "decoder" for r in sp.table.rows)            # the line says which part did the work
    final = "1 of 1 run" if cli.counts()["final_incumbent_source"] == "decoder" else "0 of 1 run"
    assert f"{decoded} decoded by the gradient step, 0 ranked mutations" in sp.result.value and final in sp.result.value
    with pytest.raises(ValueError, match="nao_preset"):
        SearchPanel(digits, nao_preset="nope")


def test_search_tab_preset_menu_leads_with_the_main_presets_and_says_what_the_chosen_one_does(digits):
    """The menu: the main presets first with short labels, the measured directions after under "more:"; the
    value is the preset name; the line under it (and the tooltip) is the chosen preset's catalogue line."""
    from naoviz.search.nao_presets import ABOUT, MAIN, MEASURED
    from naoviz.ui import SearchPanel
    sp = SearchPanel(digits, budget=20)
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


def test_search_tab_says_when_the_queries_budget_is_within_a_searchers_initial_pool(digits):
    """The note ``naoviz compare`` prints (``naoviz.search.registry.start_notes``), under the preset line: it
    follows the preset menu, the queries slider and the algorithm list, and is gone above every pool."""
    import html
    from naoviz.ui import SearchPanel
    sp = SearchPanel(digits, budget=30, nao_preset="paper")
    said = html.unescape(sp.start_note.value)
    assert "queries 30 is within NAO (paper)'s 40 random initial cells: NAO's step never runs" in said, said
    assert said.count("note:") == 1                                  # evolution's and local search's pools: 20, 10
    sp.budget.value = 50
    assert sp.start_note.value == "" and sp.start_note.layout.display == "none"
    sp.budget.value, sp.algos.value = 20, ("rs", "re")
    assert html.unescape(sp.start_note.value) == ("<div><small>note: queries 20 is within regularised evolution's "
                                                  "20 random initial cells: evolution never mutates a cell; give "
                                                  "queries above 20</small></div>")


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
    starts = [s for s in running if "(this run" not in s]
    assert [s.split(": ")[-1] for s in starts] == [f"queries {a}..{a + 9} of 40…</i>" for a in (1, 11, 21, 31)], running
    assert "seed 1" in starts[-1] and "done" in sp.msg.value
    # and, as the queries come, the count (a NAO run of 300 on NB201 said "queries 1..300" for 100 s): the first
    # query of the run always (redraws are throttled), each within the run it names
    counts = [re.search(r": query (\d+) of 40 \(this run: queries (\d+)\.\.(\d+)\)…</i>$", s) for s in running
              if ": query " in s]
    assert counts and all(m and int(m[2]) <= int(m[1]) <= int(m[3]) for m in counts), running
    assert counts[0].group(0).startswith(": query 1 of 40 (this run: queries 1..10)")


def test_search_tab_says_the_incumbent_is_chosen_by_the_search_metric(digits):
    """Selected by valid_acc, drawn in test_acc: the tab says why a curve can fall; with one metric it says nothing."""
    from naoviz.ui import SearchPanel
    def text(panel):
        return " ".join(w.value for w in panel.widget.children if isinstance(getattr(w, "value", None), str))
    assert "best query by validation accuracy (<code>valid_acc</code>)" in text(SearchPanel(digits))
    assert "its test accuracy (<code>test_acc</code>), which can fall" in text(SearchPanel(digits))
    assert "can fall" not in text(SearchPanel(digits, metric="test_acc", report="test_acc"))
    # said right under the curves, where a falling one is seen, not under the Pareto plot below them
    panel = SearchPanel(digits)
    kids = list(panel.widget.children)
    assert "can fall" in kids[kids.index(panel.curve_box) + 1].value


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
