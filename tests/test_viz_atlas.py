"""Static figures of the explorer's state (naoviz.viz.atlas_figs) over the shipped digits model's real atlas."""
from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture(scope="module")
def atlas():
    from naoviz.atlas_cache import atlas_for
    from naoviz.nao.cache import ModelSpec
    from naoviz.tables import load_benchmark
    return atlas_for(load_benchmark("nb201-digits"), ModelSpec())      # shipped: loads, never trains


def _trace(fig, name):
    return next(iter(fig.select_traces(selector=dict(name=name))))


def _moving_seed(atlas) -> tuple[int, int]:
    """A seed whose decoded cell changes along η, and the first eta index where it does."""
    for m, row in enumerate(atlas.seeds):
        path = atlas.path_decoded[m]
        if np.any(path != path[0]):
            return int(row), int(np.argmax(path != path[0]))
    pytest.fail("no seed of the shipped atlas ever leaves its cell")


def test_the_widgets_figures_show_its_state(atlas):
    from naoviz.ui.explorer_widget import ExplorerWidget
    from naoviz.spaces import get_space
    seed, i = _moving_seed(atlas)
    w = ExplorerWidget(atlas, seed=seed, eta_index=i, view="pca")
    figs = w.figures()
    si = atlas.seed_index(seed)

    fig = figs["map"]                                                   # one point per class, as the page draws
    points = _trace(fig, "architectures")
    reps = np.flatnonzero(atlas.class_of[:atlas.n_table] == np.arange(atlas.n_table))
    assert len(points.x) == len(reps)
    np.testing.assert_allclose(points.marker.color, atlas.columns[atlas.metric][reps])
    star = _trace(fig, "seed")
    np.testing.assert_allclose([star.x[0], star.y[0]], atlas.maps["pca"][atlas.class_of[seed]], rtol=1e-6)
    ring = _trace(fig, "current")
    np.testing.assert_allclose([ring.x[0], ring.y[0]], atlas.path_maps["pca"][si, i], rtol=1e-6)
    assert len(_trace(fig, "path").x) == len(atlas.etas)

    chart = figs["prediction"]                                          # the line sits at the slider's eta
    line = next(s for s in chart.layout.shapes if s.name == "current")
    assert line.visible and line.x0 == pytest.approx(w.eta)
    np.testing.assert_allclose(_trace(chart, "true value of decoded cell").y,
                               atlas.columns[atlas.metric][atlas.path_decoded[si]])

    titles = [a.text for a in figs["cells"].layout.annotations]         # the decoded cell is the widget's
    space = get_space(atlas.space)
    n = space.hamming(space.parse(atlas.labels[seed]), space.parse(w.decoded_cell))
    assert n > 0 and f"decoded at η = {w.eta:g} ({n} change" in " ".join(titles)

    w.color, w.view = "predicted", "umap"                               # a trait change changes the figure
    again = w.figures()["map"]
    np.testing.assert_allclose(_trace(again, "architectures").marker.color, atlas.predicted[reps], rtol=1e-6)
    np.testing.assert_allclose(_trace(again, "architectures").x, atlas.maps["umap"][reps, 0], rtol=1e-6)


def test_the_exported_umap_map_draws_a_seeds_jumps_dashed(atlas):
    """A seed of the real digits atlas whose UMAP path jumps to another island: the export figure's solid line
    breaks there and the dashed trace (with its legend entry) holds exactly those segments."""
    from naoviz.viz import atlas_map
    from naoviz.viz.maps import JUMPS
    jumps = atlas.path_jumps("umap")
    m = int(np.argmax(jumps.sum(1)))
    assert jumps[m].any()
    fig = atlas_map(atlas, view="umap", seed=int(atlas.seeds[m]), eta_index=0)
    xy = atlas.path_maps["umap"][m]
    dashed = _trace(fig, JUMPS)
    assert dashed.visible and len(dashed.x) == 3 * int(jumps[m].sum())
    np.testing.assert_allclose(np.array(dashed.x[0::3]), xy[:-1][jumps[m], 0], rtol=1e-6)
    assert list(_trace(fig, "path").x).count(None) == int(jumps[m].sum())
    assert not _trace(atlas_map(atlas, view="pca", seed=int(atlas.seeds[m])), JUMPS).visible   # PCA: linear


def test_a_map_without_seed_has_no_path(atlas):
    from naoviz.viz import atlas_map
    fig = atlas_map(atlas, view="umap", color="class_size")
    assert len(_trace(fig, "seed").x) == 0 and len(_trace(fig, "path").x) == 0
    assert np.nanmax(_trace(fig, "architectures").marker.color) == atlas.class_size.max()


@pytest.mark.parametrize("kwargs, says", [
    (dict(view="tsne"), "view: 'tsne'"),
    (dict(color="flops"), "color: 'flops'"),
    (dict(seed=10**6), "row 1000000 has no path"),
    (dict(seed="first", eta_index=99), "eta_index: 99"),
])
def test_bad_state_is_refused_with_its_name(atlas, kwargs, says):
    from naoviz.viz import atlas_map
    if kwargs.get("seed") == "first":
        kwargs["seed"] = int(atlas.seeds[0])
    with pytest.raises(ValueError, match=says.replace("(", r"\(")):
        atlas_map(atlas, **kwargs)


def test_the_static_map_spreads_its_colours_over_the_working_cells(atlas):
    # The digits table has a few cells near 10 % and most at 85..98: on a min..max ramp (8.6..98.6) the middle
    # half of the cells took 7 % of it and the exported map was one yellow-green; the page clips at the
    # 5th..99th percentile, and the static figure now does the same.
    from naoviz.viz import atlas_map
    from naoviz.viz.maps import color_range
    points = _trace(atlas_map(atlas), "architectures")
    values = np.asarray(points.marker.color, dtype=float)
    assert (points.marker.cmin, points.marker.cmax) == color_range(values)
    assert np.nanmin(values) < points.marker.cmin < points.marker.cmax <= np.nanmax(values)
    q25, q75 = np.nanpercentile(values, [25, 75])
    assert (q75 - q25) / (points.marker.cmax - points.marker.cmin) > 0.25
    assert np.mean(values < points.marker.cmin) <= 0.06               # only the failed tail takes the end colour


def test_eta_labels_keep_clear_of_every_diamond_the_ring_and_each_other(atlas):
    """Over seeded seeds, both maps and a few η: each η label's box (at its textposition, in the pixels of an
    exported map: naoviz.viz.maps.map_pixels) touches no other change diamond (one within 3 px lies under its
    own), not the ring, not the seed's star, not the path's line and no other label; as many changes keep a
    label as before (198 of 564 then, 197, 194 since the ring's label keeps clear of the diamonds too: measured
    2026-12-06). A label drawn
    "top center" whatever lay above it had touched a neighbouring diamond (PCA map, a middling seed)."""
    from naoviz.viz.atlas_figs import atlas_map
    from naoviz.viz.maps import (DIAMOND_HALF, RING_SIZE, RING_WIDTH, _box, _hits, annotation_box, label_box, map_pixels,
                                 path_marks)
    rng = np.random.default_rng(0)
    moving = [int(r) for m, r in enumerate(atlas.seeds) if len(set(atlas.path_decoded[m])) > 3]
    labelled = changes_seen = 0
    for view in atlas.maps:
        for seed in rng.choice(moving, size=min(25, len(moving)), replace=False):
            for eta in (0, len(atlas.etas) // 2, len(atlas.etas) - 1):
                fig = atlas_map(atlas, view=view, seed=int(seed), eta_index=eta)
                ch, pts, path = _trace(fig, "decoded cell changes"), _trace(fig, "architectures"), _trace(fig, "path")
                ring, star = _trace(fig, "current"), _trace(fig, "seed")
                px = [x for x in path.x if x is not None]
                py = [y for y in path.y if y is not None]
                to_px = map_pixels(np.r_[pts.x, px], np.r_[pts.y, py])
                d = [to_px(x, y) for x, y in zip(ch.x, ch.y)]
                places = ch.textposition if isinstance(ch.textposition, (list, tuple)) else [ch.textposition] * len(d)
                boxes = [label_box(*d[k], t, places[k]) for k, t in enumerate(ch.text) if t]
                keep = [_box(*to_px(ring.x[0], ring.y[0]), RING_SIZE / 2 + RING_WIDTH, RING_SIZE / 2 + RING_WIDTH),
                        _box(*to_px(star.x[0], star.y[0]), 11, 11)]
                notes = [annotation_box(a.to_plotly_json(), to_px) for a in fig.layout.annotations if a.name == "eta label"]
                changes_seen += len(d)
                labelled += len(boxes) + len(notes)
                for k, t in enumerate(ch.text):
                    if not t:
                        continue
                    b = label_box(*d[k], t, places[k])
                    near = [j for j in range(len(d)) if j != k and np.hypot(*np.subtract(d[j], d[k])) > 3]
                    assert not any(_hits(b, _box(*d[j], DIAMOND_HALF, DIAMOND_HALF)) for j in near), (view, seed, eta, t)
                    assert not any(_hits(b, o) for o in keep + notes), (view, seed, eta, t)
                    assert sum(_hits(b, o) for o in boxes) == 1, (view, seed, eta, t)       # itself only
                    line = path_marks([None if x is None else to_px(x, y) for x, y in zip(path.x, path.y)])
                    assert not any(_hits(b, o) for o in line if max(abs((o[0] + o[2]) / 2 - d[k][0]),
                                                                     abs((o[1] + o[3]) / 2 - d[k][1])) > DIAMOND_HALF + 3)
    assert changes_seen > 100 and labelled > 0.3 * changes_seen, (labelled, changes_seen)


def test_the_ring_label_keeps_clear_of_every_diamond_the_seed_and_the_other_labels(atlas):
    """Over seeded seeds, both maps, with the ring on a change (an η where the decoded cell changes): the η
    label beside the ring (an annotation, above or below it) touches no other change diamond (one within 3 px
    lies under its own), not the seed's star and no other label (131 ring labels in these 120 maps before, 121
    now: measured 2026-12-06). Placed above (below near the top) whatever lay there, it had touched a
    neighbouring diamond (PCA map)."""
    from naoviz.viz.atlas_figs import atlas_map
    from naoviz.viz.maps import DIAMOND_HALF, _box, _hits, annotation_box, label_box, map_pixels
    rng = np.random.default_rng(1)
    moving = [m for m in range(len(atlas.seeds)) if len(set(atlas.path_decoded[m])) > 3]
    notes_seen = 0
    for view in atlas.maps:
        for m in rng.choice(moving, size=min(20, len(moving)), replace=False):
            path_cells = atlas.path_decoded[m]
            changes = [i for i in range(1, len(path_cells)) if path_cells[i] != path_cells[i - 1]]
            for eta in rng.choice(changes, size=min(3, len(changes)), replace=False):
                fig = atlas_map(atlas, view=view, seed=int(atlas.seeds[m]), eta_index=int(eta))
                ch, pts, path = _trace(fig, "decoded cell changes"), _trace(fig, "architectures"), _trace(fig, "path")
                star = _trace(fig, "seed")
                to_px = map_pixels(np.r_[pts.x, [x for x in path.x if x is not None]],
                                   np.r_[pts.y, [y for y in path.y if y is not None]])
                d = [to_px(x, y) for x, y in zip(ch.x, ch.y)]
                places = ch.textposition if isinstance(ch.textposition, (list, tuple)) else [ch.textposition] * len(d)
                labels = [label_box(*d[k], t, places[k]) for k, t in enumerate(ch.text) if t]
                notes = [a.to_plotly_json() for a in fig.layout.annotations if a.name == "eta label"]
                boxes = [annotation_box(n, to_px) for n in notes]
                notes_seen += len(notes)
                for n, b in zip(notes, boxes):
                    own = to_px(n["x"], n["y"])
                    near = [p for p in d if np.hypot(*np.subtract(p, own)) > 3]
                    assert not any(_hits(b, _box(*p, DIAMOND_HALF, DIAMOND_HALF)) for p in near), (view, m, eta, n["text"])
                    assert not _hits(b, _box(*to_px(star.x[0], star.y[0]), 11, 11)), (view, m, eta, n["text"])
                    assert sum(_hits(b, o) for o in boxes) == 1 and not any(_hits(b, o) for o in labels), (view, m, eta)
    assert notes_seen > 20, notes_seen


def test_each_exported_explorer_figure_has_a_title_saying_what_it_shows(atlas):
    """A saved map, chart or cell figure had no title ("UMAP map" at most): pasted into slides or a paper it
    did not say which table, seed or η it showed, nor what the colour is."""
    from naoviz.viz.atlas_figs import atlas_figures
    seed, i = _moving_seed(atlas)
    figs = atlas_figures(atlas, seed=seed, eta_index=i, view="umap", color="test_acc")
    eta = f"η = {float(atlas.etas[i]):g}"
    titles = {k: f.layout.title.text for k, f in figs.items()}
    table = atlas.meta["table"]
    assert all(t.startswith(f"{table}: ") for t in titles.values()), titles
    assert "UMAP map" in titles["map"] and "coloured by test accuracy" in titles["map"].replace("<br>", " ")
    assert eta in titles["map"]
    assert f"seed row {seed}" in titles["map"] and f"seed row {seed}" in titles["prediction"]
    assert atlas.metric == "valid_acc" and "predicted validation accuracy" in titles["prediction"]
    assert f"seed row {seed}'s cell" in titles["cells"] and eta in titles["cells"]
    # room for them: no line wider than a 900 px export, the top margin holds the lines
    for fig in figs.values():
        lines = fig.layout.title.text.split("<br>")
        for line in lines:                                  # a <sup> line is drawn at 70 % of the title's 17 px
            small = line.startswith("<sup>")
            assert len(line.replace("<sup>", "").replace("</sup>", "")) * 17 * (0.7 if small else 1) * 0.55 <= 800
        assert fig.layout.margin.t >= 40 + 22 * (len(lines) - 1)


def test_a_wrapped_title_keeps_clear_of_the_legend_and_the_panel_titles(atlas):
    """A title wrapped to two lines (a 4-digit seed row, a long table name) ran its second line over the prediction
    chart's legend ("path" on its first key; notebook 03) and would over the cells' panel titles. plotly draws a
    title's first line mid-margin (baseline at t/2; checked in an SVG export) and each further line 1.3 lines lower,
    so the top margin must hold them above what sits on the plot's top edge: the legend's 29 px row, 2 % of the
    plot above it, and the panel titles' 21 px, at export's 900x600."""
    import dataclasses
    from naoviz.viz.atlas_figs import atlas_figures
    long = dataclasses.replace(atlas, meta={**atlas.meta, "table": "my-own-table-of-cells-measured-on-a-laptop"})
    seed = next(int(s) for s in atlas.seeds if int(s) >= 1000)
    under = {"prediction": lambda t: t - 0.02 * (600 - t - 40) - 29, "cells": lambda t: t - 21}
    wrapped = 0
    for a in (atlas, long):
        figs = atlas_figures(a, seed=seed, eta_index=4)
        for name, top_of in under.items():
            t, lines = figs[name].layout.margin.t, figs[name].layout.title.text.count("<br>") + 1
            wrapped += lines > 1
            assert t / 2 + 1.3 * 17 * (lines - 1) + 0.3 * 17 <= top_of(t), (name, lines, t)
    assert wrapped >= 3, wrapped                        # the prediction's title both times, the long table's cells


def test_the_page_and_its_figures_name_columns_in_words_from_one_table(atlas):
    """The explorer's colour bar and prediction axis said ``valid_acc (%)`` and its menu listed ids, where compare's
    figures say "CIFAR-10 test accuracy (%)": the payload header now carries each colour's name in words (the
    page shows them, the id in its menus), and the exported figures title the same words."""
    import copy
    from naoviz.atlas_payload import pack
    from naoviz.viz.atlas_figs import atlas_figures
    from naoviz.viz.theme import readable
    header, _ = pack(atlas)
    names = header["names"]
    assert set(atlas.columns) | {"predicted", "class_size"} <= set(names)
    assert atlas.metric == "valid_acc" and names["valid_acc"] == "validation accuracy"
    assert names["params_M"] == "parameters" and names["test_acc"] == "test accuracy"
    assert names["predicted"] == "predicted validation accuracy"
    assert all(readable(c) == names[c] for c in atlas.columns)        # the figures' names are the page's
    seed, i = _moving_seed(atlas)
    figs = atlas_figures(atlas, seed=seed, eta_index=i, view="umap", color="predicted")
    assert figs["map"].data[0].marker.colorbar.title.text == "predicted validation accuracy (%)"
    assert figs["prediction"].layout.yaxis.title.text == "validation accuracy (%)"
    size = atlas_figures(atlas, seed=seed, eta_index=i, view="umap", color="params_M")["map"]
    assert size.data[0].marker.colorbar.title.text == "parameters (millions)"
    # the page's charts title their axes from the header's titles: the same words and unit as the figures' axes
    # (its cost chart said "parameters (M)" where the exported figure says "parameters (millions)")
    assert header["titles"]["params_M"] == size.data[0].marker.colorbar.title.text
    assert header["titles"][atlas.metric] == figs["prediction"].layout.yaxis.title.text
    # a table of your own keeps its columns as written, as text (plotly's markup escaped in the figure)
    own = copy.copy(atlas)
    own.columns = {("my <b>score</b>" if k == "params_M" else k): v for k, v in atlas.columns.items()}
    assert pack(own)[0]["names"]["my <b>score</b>"] == "my <b>score</b>"
    bar = atlas_figures(own, seed=seed, eta_index=i, view="umap", color="my <b>score</b>")["map"]
    assert bar.data[0].marker.colorbar.title.text == "my &lt;b&gt;score&lt;/b&gt;"
