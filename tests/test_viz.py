"""Figures: content checked on the figure objects (no browser); export writes real PNG/SVG/PDF/HTML."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from naoviz.spaces import NB201Space
from naoviz.viz import (attention_heatmap, cell_compare, cell_graph, diff_edges, embedding_map, export,
                        path_overlay, path_trace_data, prediction_chart, search_curves, training_curves)
from naoviz.viz.theme import HIGHLIGHT, op_color

ROOT = Path(__file__).resolve().parent.parent

SEED = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"
DEC = "|nor_conv_3x3~0|+|none~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|"


def _trace(fig, name):
    found = [t for t in fig.data if t.name == name]
    assert found, f"no trace {name!r} in {[t.name for t in fig.data]}"
    return found[0]


def test_embedding_map_colours_hover_and_selection():
    xy = np.random.default_rng(0).standard_normal((50, 2))
    vals = np.linspace(10, 90, 50)
    labels = [f"arch{i}" for i in range(50)]
    fig = embedding_map(xy, vals, labels=labels, color_label="test_acc", extra={"valid_acc": vals - 1}, selected=7)
    pts = _trace(fig, "architectures")
    assert pts.type == "scattergl" and len(pts.x) == 50
    np.testing.assert_allclose(pts.marker.color, vals)
    assert list(pts.customdata[:3]) == [0, 1, 2]
    assert "arch7" in pts.hovertext[7] and "test_acc: 21.43" in pts.hovertext[7] and "valid_acc" in pts.hovertext[7]
    seed = _trace(fig, "seed")
    assert (seed.x[0], seed.y[0]) == (xy[7, 0], xy[7, 1]) and seed.marker.symbol == "star"
    with pytest.raises(ValueError, match="disagree"):
        embedding_map(xy, vals[:3], labels=labels)


def test_path_overlay_marks_changes_with_eta_labels():
    xy = np.zeros((20, 2))
    path = np.c_[np.linspace(0, 1, 5), np.zeros(5)]
    decoded = ["a", "a", "b", "b", "c"]
    base = embedding_map(xy, np.zeros(20), labels=["x"] * 20)
    fig = path_overlay(base, path, [0, 0.5, 1, 1.5, 2], decoded, current=3)
    assert list(_trace(fig, "path").x) == list(path[:, 0])
    changes = _trace(fig, "decoded cell changes")
    assert list(changes.x) == [0.5, 1.0] and list(changes.text) == ["η=1.00", "η=2.00"]
    assert list(_trace(fig, "current").x) == [0.75]
    assert len(_trace(base, "path").x or []) == 0        # the input figure is not modified
    assert path_trace_data(path, [0] * 5, decoded, None)["current"]["x"] == []


def test_the_change_markers_are_drawn_over_the_dots_the_path_and_under_the_ring():
    """plotly draws every SVG trace under every WebGL one: as an SVG trace the change diamonds sat under the map's
    dots, the path's points and the ring (notebook 03's map showed none of its three). Draw order is trace order
    within WebGL, so each overlay is WebGL and after what it must cover."""
    base = embedding_map(np.random.default_rng(1).standard_normal((30, 2)), np.zeros(30), labels=["x"] * 30)
    fig = path_overlay(base, np.zeros((3, 2)), [0, 1, 2], ["a", "b", "b"], current=1)
    order = [t.name for t in fig.data if t.type == "scattergl"]
    assert order == ["architectures", "seed", "path", "decoded cell changes", "current"]


def test_the_eta_label_at_the_ring_sits_clear_of_it_flipped_near_the_edges():
    """The η label of a change where the "current" ring sits is drawn beside the ring, offset by its radius plus
    a margin in pixels (whatever the map's scale), not over it: above it, below it near the top of the map, and
    anchored inwards near the left or right edge. Other labels stay on their markers."""
    from naoviz.viz.maps import RING_SIZE, RING_WIDTH
    xy = np.c_[np.linspace(0, 10, 20), np.linspace(0, 10, 20)]
    base = embedding_map(xy, np.zeros(20), labels=["x"] * 20)
    decoded = ["a", "a", "b", "b", "c"]
    path = np.c_[[5.0, 5.2, 5.4, 5.6, 7.0], [5.0, 5.0, 5.0, 5.0, 5.0]]
    fig = path_overlay(base, path, [0, 1, 2, 3, 4], decoded, current=2)        # the ring on the first change
    labels = [a for a in fig.layout.annotations if a.name == "eta label"]
    assert len(labels) == 1 and labels[0].text == "η=2.00" and (labels[0].x, labels[0].y) == (5.4, 5.0)
    assert labels[0].yanchor == "bottom" and labels[0].yshift >= RING_SIZE / 2 + RING_WIDTH / 2 + 2
    assert labels[0].xanchor == "center" and not labels[0].showarrow
    assert list(_trace(fig, "decoded cell changes").text) == ["", "η=4.00"]    # not drawn twice; the other stays
    top = path_overlay(base, np.c_[path[:, 0], [9.9] * 5], [0, 1, 2, 3, 4], decoded, current=2)
    (flipped,) = [a for a in top.layout.annotations if a.name == "eta label"]
    assert flipped.yanchor == "top" and flipped.yshift <= -(RING_SIZE / 2 + RING_WIDTH / 2 + 2)
    for x, anchor in ((0.1, "left"), (9.9, "right")):
        edge = path_overlay(base, np.c_[[x] * 5, [5.0] * 5], [0, 1, 2, 3, 4], ["a", "a", "b", "b", "b"], current=2)
        (label,) = [a for a in edge.layout.annotations if a.name == "eta label"]
        assert label.xanchor == anchor and label.yanchor == "bottom"
    far = np.c_[[3.0, 5.2, 5.4, 5.6, 7.0], [5.0] * 5]
    away = path_overlay(base, far, [0, 1, 2, 3, 4], decoded, current=0)        # no label near the ring
    assert not [a for a in away.layout.annotations if a.name == "eta label"]
    assert list(_trace(away, "decoded cell changes").text) == ["η=2.00", "η=4.00"]
    assert not [a for a in base.layout.annotations if a.name == "eta label"]   # the input figure is unchanged


def test_a_jump_is_a_gap_in_the_path_line_and_a_dashed_segment_in_the_legend():
    from naoviz.viz.maps import JUMPS
    path = np.c_[[0.0, 0.1, 0.2, 3.0, 3.1], [0.0, 0.0, 0.0, 2.0, 2.0]]
    decoded = ["a", "a", "b", "c", "c"]
    base = embedding_map(np.zeros((4, 2)), np.zeros(4), labels=["x"] * 4)
    fig = path_overlay(base, path, [0, 1, 2, 3, 4], decoded, jumps=[False, False, True, False])
    line = _trace(fig, "path")
    assert list(line.x) == [0.0, 0.1, 0.2, None, 3.0, 3.1]          # no solid line from 0.2 to 3.0
    assert [h for h in line.hovertext if h] == [f"η = {e:.2f}<br>{d}" for e, d in zip(range(5), decoded)]
    jump = _trace(fig, JUMPS)
    assert list(jump.x) == [0.2, 3.0, None] and list(jump.y) == [0.0, 2.0, None]
    assert jump.visible and jump.line.dash == "dash" and jump.showlegend and jump.line.width < line.line.width
    plain = path_overlay(base, path, [0, 1, 2, 3, 4], decoded)       # no jumps: one solid line, no legend entry
    assert list(_trace(plain, "path").x) == list(path[:, 0]) and _trace(plain, JUMPS).visible is False
    with pytest.raises(ValueError, match="jumps"):
        path_trace_data(path, [0] * 5, decoded, None, jumps=[True])


def test_eta_labels_that_would_overlap_are_thinned_but_every_change_keeps_its_marker():
    path = np.c_[[0.0, 0.001, 0.002, 0.003, 0.5, 0.501], np.zeros(6)]
    decoded = ["a", "b", "c", "d", "e", "f"]
    etas = [0, 1, 2, 3, 4, 5]
    changes = path_trace_data(path, etas, decoded, None, min_label_gap=0.1)["decoded cell changes"]
    assert len(changes["x"]) == 5 and len(changes["hovertext"]) == 5
    assert changes["text"] == ["η=1.00", "", "", "η=4.00", ""]
    # path_overlay measures the gap on the map it draws on: a map 10 wide hides the near labels
    base = embedding_map(np.c_[[0.0, 10.0], [0.0, 0.0]], np.zeros(2), labels=["x", "y"])
    assert list(_trace(path_overlay(base, path, etas, decoded), "decoded cell changes").text) == changes["text"]
    small = embedding_map(np.c_[[0.0, 0.01], [0.0, 0.0]], np.zeros(2), labels=["x", "y"])
    tiny = _trace(path_overlay(small, path, etas, decoded), "decoded cell changes")
    assert list(tiny.text)[:2] == ["η=1.00", "η=2.00"]         # the gap does not hide them on a tiny map...
    assert list(tiny.textposition)[:2] == ["top center", "bottom center"]   # ...each has a place of its own
    assert list(tiny.text)[2] == ""                            # a third at the same spot has none left: no label


def test_prediction_chart_series_and_current_marker():
    etas = np.linspace(0, 4, 5)
    fig = prediction_chart(etas, [1, 2, 3, 4, 5], [1, 1, 3, 3, 5], [np.nan, 1.5, np.nan, 3.5, 5], current=2)
    names = [t.name for t in fig.data]
    # the explorer page's legend, word for word and colour for colour: a saved chart reads like the page
    series = re.findall(r'\["([^"]+)", "(#[0-9a-f]{6})", "(?:pred_moved|pred_decoded|true)"',
                        (ROOT / "naoviz" / "resources" / "explorer" / "explorer_chart.js").read_text())
    assert len(series) == 3 and names == [n for n, _ in series]
    colours = [fig.data[0].line.color, fig.data[1].line.color, fig.data[2].marker.color]
    assert colours == [c for _, c in series] and fig.data[1].line.dash == "dash"      # dashed there too
    assert fig.layout.shapes[0].x0 == 2.0 and fig.layout.shapes[0].visible
    assert fig.layout.xaxis.title.text == "step size η (vertical line: η = 2)"    # what the line marks (it said nothing)
    assert prediction_chart(etas, etas, etas).layout.xaxis.title.text == "step size η"
    assert len(prediction_chart(etas, etas, etas).data) == 2     # no true values: no third series
    with pytest.raises(ValueError, match="same length"):
        prediction_chart(etas, etas[:2], etas)


def test_cell_graph_has_op_legend_and_colours():
    space = NB201Space()
    fig = cell_graph(space, SEED)
    legend = {t.name: t for t in fig.data if t.showlegend is not False and t.mode == "lines"}
    # the legend says what the edges say (3×3, avg, skip), with the name in words; the hover keeps the op id
    assert set(legend) == {"3×3 conv", "avg (3×3 average pool)", "skip (identity)"}
    assert legend["avg (3×3 average pool)"].line.color == op_color("avg_pool_3x3")
    drawn = set(_trace(fig, "op labels").text)
    assert drawn == {"3×3", "avg", "skip"} and all(any(n.startswith(d + " ") for n in legend) for d in drawn)
    assert any("avg_pool_3x3" in h for h in _trace(fig, "op labels").hovertext)
    assert len(_trace(fig, "nodes").x) == 4


def test_cell_compare_highlights_exactly_the_changed_edges():
    space = NB201Space()
    changed, removed = diff_edges(space.to_graph(space.parse(SEED)), space.to_graph(space.parse(DEC)))
    assert changed == {("", 1, 2), ("", 2, 3)}            # avg->3x3 on 1->2, skip->1x1 on 2->3
    assert removed == [(0, 2, "nor_conv_3x3")]             # 0->2 became none
    fig = cell_compare(space, SEED, DEC)
    halo = _trace(fig, "changed")
    assert halo.line.color == HIGHLIGHT and halo.xaxis == "x2"  # only in the decoded panel
    assert sum(v is None for v in halo.x) == 2               # two highlighted arcs
    assert _trace(fig, "removed").line.dash == "dot"
    assert "3 changes" in fig.layout.annotations[1].text
    same = cell_compare(space, SEED, SEED)
    assert not [t for t in same.data if t.name == "changed"] and "(same)" in same.layout.annotations[1].text


def test_child_curve_names_and_colours_its_lines_as_the_child_tab_does():
    from naoviz.ui.panels import child_lines
    from naoviz.viz import child_curve
    history = [{"train_acc": 50.0 + e, "valid_acc": 48.0 + e} for e in range(4)]
    fig = child_curve(history)
    tab = child_lines(history)
    assert [t.name for t in fig.data] == [s["name"] for s in tab] == ["train accuracy", "validation accuracy"]
    assert [t.line.color for t in fig.data] == [s["color"] for s in tab]


def test_curves_and_heatmap():
    hist = [{"epoch": i + 1, "loss": 1 / (i + 1), "mse": 0.5 / (i + 1), "nll": 0.5 / (i + 1)} for i in range(5)]
    fig = training_curves(hist)
    assert [t.name for t in fig.data] == ["total loss", "predictor MSE", "decoder NLL"]      # not "nll"
    assert list(fig.data[0].x) == [1, 2, 3, 4, 5]
    runs = np.array([[1, 2, 3], [1, 3, 3]], dtype=float)
    sc = search_curves({"NAO": runs, "random": np.array([1, 1, 2.0])})
    band = [t for t in sc.data if t.fill == "toself"]
    assert len(band) == 1 and list(_trace(sc, "NAO (n=2)").y) == [1, 2.5, 3]
    # one colour per searcher, keyed by algo id: the Search tab's labels and the CLI's ids agree
    from naoviz.viz.theme import ALGO_COLORS, ALGO_LABELS, algo_colors
    assert len(set(ALGO_COLORS.values())) == len(ALGO_COLORS) and set(ALGO_LABELS) == set(ALGO_COLORS)
    long = search_curves({label: np.array([1.0, 2.0]) for label in ALGO_LABELS.values()})
    assert [t.line.color for t in long.data] == [ALGO_COLORS[a] for a in ALGO_LABELS]
    short = search_curves({a: np.array([1.0, 2.0]) for a in ALGO_LABELS})
    assert [t.line.color for t in short.data] == [t.line.color for t in long.data]
    mixed = algo_colors(["nao", "nao:paper", "re", "rs", "ls", "random", "mine", "other"])
    assert len(set(mixed.values())) == 8 and mixed["nao"] == ALGO_COLORS["nao"]
    hm = attention_heatmap(np.eye(3), out_labels=list("abc"))
    assert hm.data[0].type == "heatmap" and hm.data[0].z.shape == (3, 3) if hasattr(hm.data[0].z, "shape") else True
    with pytest.raises(ValueError, match="seq_len"):
        attention_heatmap(np.zeros(3))


def test_export_png_svg_pdf_html(tmp_path, one_browser):
    fig = cell_compare(NB201Space(), SEED, DEC)
    from naoviz.viz import export_many
    paths = export_many([fig] * 4, [tmp_path / f"cell.{e}" for e in ("png", "svg", "pdf", "html")],
                        width=700, height=350, scale=1)
    heads = {p.suffix: p.read_bytes()[:8] for p in paths}
    assert heads[".png"].startswith(b"\x89PNG") and heads[".pdf"].startswith(b"%PDF")
    assert b"<svg" in paths[1].read_bytes()[:400] and b"plotly" in paths[3].read_bytes()
    assert all(p.stat().st_size > 1000 for p in paths)
    with pytest.raises(ValueError, match="format"):
        export(fig, tmp_path / "cell.eps")


def test_export_without_browser_says_what_to_do(tmp_path, monkeypatch):
    from naoviz.errors import NaovizError
    monkeypatch.setenv("NAOVIZ_CHROMIUM", str(tmp_path / "no-such-chrome"))
    with pytest.raises(NaovizError, match="name Chrome or Chromium") as err:
        export(cell_graph(NB201Space(), SEED), tmp_path / "x.png")
    # the wrong setting is named: "none was found (looked at ... /usr/bin/chromium ...)" read as "not installed"
    assert "NAOVIZ_CHROMIUM=" in str(err.value) and "no-such-chrome: not an executable file" in str(err.value)
    assert "none was found" not in str(err.value)
    assert export(cell_graph(NB201Space(), SEED), tmp_path / "x.html").stat().st_size > 1000


def test_export_retries_a_figure_kaleido_left_unwritten(tmp_path, monkeypatch, one_browser):
    """kaleido's batch call drops a figure that failed to render without raising: the missing one is rendered
    again on its own, in the same browser; one that fails there too is an error naming its file and the cause."""
    import kaleido
    from naoviz.errors import NaovizError
    from naoviz.viz import export_many
    real, calls = kaleido.Kaleido.write_fig_from_object, []

    async def dropping(self, specs, **kw):       # the real batch renderer, minus the first batch's first file
        calls.append([spec["path"] for spec in specs])
        errors = await real(self, specs, **kw)
        if len(calls) == 1:
            Path(specs[0]["path"]).unlink()
        return errors
    monkeypatch.setattr(kaleido.Kaleido, "write_fig_from_object", dropping)
    fig = cell_compare(NB201Space(), SEED, DEC)
    out = export_many([fig] * 2, [tmp_path / "a.png", tmp_path / "b.svg"], width=300, height=200, scale=1)
    # one batch, rendered into a private folder of its own (kaleido never writes a target, nor beside it, where it
    # would follow a planted link: tests/test_hostile_files.py), then kept through hidden temporaries; the dropped
    # figure alone again
    assert len(calls) == 2 and len({Path(p).parent for p in calls[0]}) == 1 and calls[1] == calls[0][:1]
    assert Path(calls[0][0]).parent != tmp_path and not Path(calls[0][0]).parent.exists()     # removed after
    assert out[0].read_bytes()[:4] == b"\x89PNG" and b"<svg" in out[1].read_bytes()[:400]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.png", "b.svg"]

    async def failing(self, specs, **kw):        # the batch drops it (as the real one dropped a.png above), alone
        calls.append(len(specs))                 # it fails
        if len(calls) > 3:
            raise RuntimeError("tab crashed")
        return ()
    monkeypatch.setattr(kaleido.Kaleido, "write_fig_from_object", failing)
    with pytest.raises(NaovizError, match="c.png was not written.*tab crashed"):
        export_many([fig], [tmp_path / "c.png"], width=300, height=200, scale=1)


def test_a_failed_export_leaves_the_previous_figures_whole(tmp_path, monkeypatch, one_browser):
    """PNG/SVG/PDF used to be written by kaleido straight onto the targets: a browser killed or a disk filled
    mid-write left a torn file where the good one was. Each is rendered beside its target and renamed over it;
    a failure leaves every previous file as it was and no temporary file behind."""
    import kaleido
    from naoviz.errors import NaovizError
    from naoviz.viz import export_many
    fig = cell_compare(NB201Space(), SEED, DEC)
    targets = [tmp_path / "a.png", tmp_path / "b.svg", tmp_path / "c.pdf"]
    export_many([fig] * 3, targets, width=300, height=200, scale=1)
    good = {p: p.read_bytes() for p in targets}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.png", "b.svg", "c.pdf"]    # none left on success

    async def torn(self, specs, **kw):           # the renderer dies half way: a part of each file written
        for spec in specs:
            Path(spec["path"]).write_bytes(good[targets[0]][:100])
        raise RuntimeError("browser killed")
    monkeypatch.setattr(kaleido.Kaleido, "write_fig_from_object", torn)
    with pytest.raises(NaovizError, match="browser killed"):
        export_many([fig] * 3, targets, width=300, height=200, scale=1)
    assert {p: p.read_bytes() for p in targets} == good
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.png", "b.svg", "c.pdf"]

    # the real renderer with a browser that fails to start (the wrapper kaleido launches exits at once)
    monkeypatch.undo()
    broken = tmp_path / "bin" / "chrome"
    broken.parent.mkdir()
    broken.write_text("#!/bin/sh\nexit 1\n")
    broken.chmod(0o755)
    monkeypatch.setenv("NAOVIZ_CHROMIUM", str(broken))
    monkeypatch.setenv("NAOVIZ_CACHE", str(tmp_path / "cache"))
    with pytest.raises(NaovizError):
        export_many([fig] * 3, targets, width=300, height=200, scale=1)
    assert {p: p.read_bytes() for p in targets} == good
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.png", "b.svg", "bin", "c.pdf", "cache"]


def _net_log(path: Path) -> list[tuple[str, dict]]:
    """(event type, params) of each event in a Chromium ``--log-net-log`` file (closed or cut off at exit)."""
    import json
    text = path.read_text().rstrip()
    if not text.endswith("}"):                   # the browser was closed before it ended the file
        text = text.rstrip(",") + "]}"
    log = json.loads(text)
    names = {v: k for k, v in log["constants"]["logEventTypes"].items()}
    return [(names.get(e["type"], ""), e.get("params", {})) for e in log["events"]]


def test_an_export_contacts_no_host(tmp_path, monkeypatch):
    """A PNG export, batched and one figure re-rendered alone, with Chromium's own network log: kaleido's page
    asked cdnjs for MathJax, and Chromium looked up update.googleapis.com, accounts.google.com and its start page's
    host on every export. Now no script is asked from the network and no host name is resolved."""
    import kaleido
    import plotly.graph_objects as go
    from naoviz.viz import kept_browser
    from naoviz.viz.figure_files import find_browser
    if find_browser() is None:
        pytest.skip("no Chromium: export needs one")
    logged = tmp_path / "chrome"
    logged.write_text(f'#!/bin/sh\nexec "{find_browser()}" --log-net-log="$NET_LOG" "$@"\n')
    logged.chmod(0o755)
    monkeypatch.setenv("NAOVIZ_CHROMIUM", str(logged))
    monkeypatch.setenv("NAOVIZ_CACHE", str(tmp_path / "cache"))     # its own wrapper, not the suite's
    fig = go.Figure(go.Scatter(x=[1, 2], y=[3, 4]))
    # one browser (its start's look-ups logged once) for both exports: the second's batch writes nothing, so its
    # figure is rendered on its own
    real, batches = kaleido.Kaleido.write_fig_from_object, []

    async def dropping(self, specs, **kw):
        batches.append(specs)
        return () if len(batches) == 2 else await real(self, specs, **kw)
    monkeypatch.setattr(kaleido.Kaleido, "write_fig_from_object", dropping)
    monkeypatch.setenv("NET_LOG", str(tmp_path / "net.json"))
    with kept_browser.for_command() as browser:
        for name in ("batch", "alone"):
            starts = browser.starts
            out = export(fig, tmp_path / f"{name}.png", width=300, height=200, scale=1)
            assert out.read_bytes()[:4] == b"\x89PNG" and len(batches) == (1 if name == "batch" else 3)
            assert browser.starts == starts + (name == "batch")        # the same logged browser for both
    events = _net_log(tmp_path / "net.json")
    asked = [p.get("url", "") for kind, p in events if kind == "URL_REQUEST_START_JOB"]
    assert asked and all(url.startswith("file:") or "mathjax" not in url.lower() for url in asked), asked
    resolved = [p.get("host") for kind, p in events if kind.startswith("HOST_RESOLVER_MANAGER_JOB")]
    assert resolved == [], resolved


def test_each_browser_gets_its_own_wrapper(tmp_path, monkeypatch):
    """Two processes sharing a cache folder with different ``NAOVIZ_CHROMIUM`` wrote one ``chromium-headless``, so
    one's export could launch the other's browser: each browser now has its own wrapper, running it, and
    ``naoviz cache`` lists them as resources."""
    import os
    import stat

    from naoviz.cache_admin import scan
    from naoviz.viz.figure_files import browser_wrapper
    monkeypatch.setenv("NAOVIZ_CACHE", str(tmp_path / "cache"))
    browsers = []
    for name in ("chrome a", "chrome-b"):           # a space in the path: quoted in the script
        b = tmp_path / name
        b.write_text("#!/bin/sh\n")
        b.chmod(b.stat().st_mode | stat.S_IXUSR)
        browsers.append(b)
    wrappers = []
    for b in browsers:
        monkeypatch.setenv("NAOVIZ_CHROMIUM", str(b))
        wrappers.append(browser_wrapper())
    assert wrappers[0] != wrappers[1] and browser_wrapper() == wrappers[1]          # the same browser: the same
    for w, b in zip(wrappers, browsers):
        assert w.read_text().splitlines()[1].startswith(f"exec '{b}' " if " " in b.name else f"exec {b} ")
        assert os.access(w, os.X_OK)
    assert sorted(e.name for e in scan(tmp_path / "cache") if e.kind == "resources") == sorted(w.name for w in wrappers)


def test_the_browser_wrapper_is_written_through_no_link_planted_in_the_cache(tmp_path, monkeypatch):
    """In a cache folder others can write (a lab's shared NAOVIZ_CACHE), a symlink planted at the wrapper's
    temporary name (``.chromium-headless-<hash>.<PID>``, the PID guessable) had naoviz write the wrapper's text into
    the link's target and make it executable. The wrapper is now written as every other file: a new temporary
    never opened through a link."""
    import os
    import stat

    from naoviz.paths import temp_path
    from naoviz.viz.figure_files import browser_wrapper, wrapper_name
    cache = tmp_path / "cache"
    cache.mkdir()
    monkeypatch.setenv("NAOVIZ_CACHE", str(cache))
    browser = tmp_path / "chromium"
    browser.write_text("#!/bin/sh\n")
    browser.chmod(browser.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("NAOVIZ_CHROMIUM", str(browser))
    victim = tmp_path / "victim.txt"
    victim.write_text("the user's own file")
    victim.chmod(0o600)
    name = wrapper_name(str(browser))
    for planted in (cache / f".{name}.{os.getpid()}", temp_path(cache / name)):     # the old name and the new
        planted.symlink_to(victim)
    wrapper = browser_wrapper()
    assert victim.read_text() == "the user's own file" and victim.stat().st_mode & 0o777 == 0o600
    assert not wrapper.is_symlink() and wrapper.read_text().startswith("#!/bin/sh\nexec ")
    assert os.access(wrapper, os.X_OK)
