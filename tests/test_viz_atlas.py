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
