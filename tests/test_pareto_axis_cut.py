"""The Pareto plot's y axis when a few queries are far worse than the rest (a 10 % cell among 85-94 % ones): it
starts above them, they are drawn on its lower edge and counted on the plot (the Search tab's chart, the
exported figure, and the chart drawn in Chromium); without such outliers the axis fits every query as before."""
from __future__ import annotations

import os
from types import SimpleNamespace

import numpy as np
import pytest
import traitlets

from naoviz.viz.axis_cut import low_cut


def _bulk(n=90, seed=0):
    return np.random.default_rng(seed).uniform(85, 94, n)


def test_a_few_far_outliers_are_cut_and_counted_the_rest_is_not():
    y = np.r_[_bulk(), [10.0, 11.5, 12.0], np.nan]
    cut = low_cut(y)
    bulk = _bulk()
    assert cut is not None and cut.below == 3 and cut.lowest == 10.0
    assert 12.0 < cut.lo < bulk.min() and cut.hi > bulk.max()                 # every other query stays in view
    assert (bulk.max() - bulk.min()) / (cut.hi - cut.lo) > 0.8                 # and fills most of the height
    assert cut.note("%") == "▼ 3 queries below %.4g %%, drawn at the axis's lower edge (lowest 10 %%)" % cut.lo
    assert low_cut(_bulk()) is None                                            # no outlier: no cut
    assert low_cut(np.r_[_bulk(8), 10.0]) is None                              # too few queries to call one
    assert low_cut(np.r_[_bulk(60), np.full(20, 10.0)]) is None                # a quarter low: the distribution
    assert low_cut(np.r_[_bulk(), 80.0]) is None                               # a gain under 1.5x: not worth it
    one = low_cut(np.r_[_bulk(), 10.0])
    assert one.below == 1 and one.note().startswith("▼ 1 query below ")


def test_the_scatter_chart_refuses_a_y_range_it_cannot_draw():
    from naoviz.ui.scatter_chart import ScatterChart
    chart = ScatterChart()
    chart.y_range = [1.0, 2.0]
    assert chart.y_range == [1.0, 2.0]
    for bad in ([2.0, 1.0], [1.0], [1.0, float("inf")], [0.0, 1.0, 2.0]):
        with pytest.raises(traitlets.TraitError):
            chart.y_range = bad
    chart.y_range = []


@pytest.fixture(scope="module")
def digits():
    from naoviz.tables import load_benchmark
    return load_benchmark("nb201-digits")


def _view(digits, low=()):
    """The Search tab's Pareto view with 60 queried cells of test_acc >= 60 % (no outlier) and then cells whose
    reported value is ``low`` (a cell far worse than the rest)."""
    from naoviz.ui.search_pareto import CostBudget, ParetoView
    view = ParetoView(digits, "test_acc", CostBudget(digits))
    queries = (digits.query(int(row)) for row in np.random.default_rng(3).permutation(len(digits)))
    queries = [q for q, _ in zip((q for q in queries if q["test_acc"] >= 60), range(60 + len(low)))]
    for k, q in enumerate(queries):
        value = low[k - 60] if k >= 60 else q["test_acc"]
        view.log.add("random search", SimpleNamespace(report=value, feasible=True, arch=q["arch_str"]))
    view.draw()
    return view


def test_the_search_tabs_pareto_chart_starts_above_the_outliers_and_says_so(digits):
    view = _view(digits, low=(10.0, 10.0))
    chart, g = view.chart, view.chart.groups[0]
    lo, hi = chart.y_range
    ys = np.array(g["y"], dtype=float)
    assert (ys < lo).sum() == 2 and ys[ys < lo].max() == 10.0                  # the two cut, nothing else
    assert ys.max() <= hi and lo > 40, (lo, hi)
    assert chart.y_note == f"▼ 2 queries below {lo:.4g} %, drawn at the axis's lower edge (lowest 10 %)"
    plain = _view(digits)                                                       # no outlier: the axis fits all
    assert plain.chart.y_range == [] and plain.chart.y_note == ""


def test_the_exported_pareto_figure_cuts_the_same_and_says_so_in_its_title(digits):
    from naoviz.viz.pareto import pareto_figure
    view = _view(digits, low=(10.0, 10.0))
    pts, feas, _ = view.log.series("params_M")
    fig = pareto_figure(pts, metric="test_acc", cost="params_M", feasible=feas)
    assert list(fig.layout.yaxis.range) == view.chart.y_range                 # the page's axis
    assert view.chart.y_note in fig.layout.title.text                          # counted in the title
    under = [tr for tr in fig.data if tr.name == "random search under the axis"]
    assert len(under) == 1 and list(under[0].customdata) == [10.0, 10.0]        # true values on hover
    assert set(under[0].y) == {view.chart.y_range[0]} and under[0].cliponaxis is False
    plain_pts, plain_feas, _ = _view(digits).log.series("params_M")
    plain = pareto_figure(plain_pts, metric="test_acc", cost="params_M", feasible=plain_feas)
    assert plain.layout.yaxis.range is None and "▼" not in plain.layout.title.text
    assert not any("under the axis" in tr.name for tr in plain.data)


CHROMIUM = "/usr/bin/chromium"


@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Debian chromium at /usr/bin/chromium")
def test_the_chart_draws_the_cut_points_on_its_lower_edge_inside_the_frame(browser, digits):
    """scatter_chart.js in Chromium (a stand-in model, no kernel): the cut queries are ▼ on the frame's lower
    edge, the others circles inside it, and a line under the x axis's title carries the note, whole at 900 px, its
    first clause at 300 px; the plot area starts where it does without a cut (in the legend the note wrapped to
    a second row and moved it 19 px down mid-run)."""
    import json

    from _explorer_page import ART
    from naoviz.ui.line_chart import chart_module
    from naoviz.ui.query_table import STATIC
    view = _view(digits, low=(10.0, 10.0))
    state = {k: getattr(view.chart, k) for k in ("groups", "vline", "vline_label", "x_title", "y_title", "label",
                                                  "height", "y_range", "y_note")}
    page = browser.new_page(viewport={"width": 1024, "height": 600})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    css = (STATIC / "scatter_chart.css").read_text(encoding="utf-8")
    plain = dict(state, y_range=[], y_note="")
    page.set_content(f"<style>{css}</style><div id='el' style='width:900px'></div><div id='plain' style='width:900px'>"
                     "</div><div id='phone' style='width:300px'></div>")
    src = chart_module("scatter_chart.js").replace("export default { render };", "")
    page.add_script_tag(type="module", content=src + "".join(
        f"\nrender({{ model: {{ get: (k) => ({json.dumps(s)})[k], on() {{}}, off() {{}} }}, el: document.getElementById('{el}') }});"
        for el, s in (("el", state), ("plain", plain), ("phone", state))) + "\ndocument.body.dataset.ready = '1';")
    page.wait_for_selector("body[data-ready='1']")
    got = page.evaluate("""() => { const f = document.querySelector('#el .ns-frame').getBoundingClientRect();
      const box = (e) => e.getBoundingClientRect();
      return { frame: [f.top, f.bottom], below: Array.from(document.querySelectorAll('#el path.ns-below'), (e) => [box(e).top, box(e).bottom]),
               circles: Array.from(document.querySelectorAll('#el circle.ns-point'), (e) => [box(e).top, box(e).bottom]),
               legend: document.querySelector('#el .ns-legend').innerText,
               notes: Array.from(document.querySelectorAll('.ns-cut-note'), (e) => [e.firstChild.textContent, e.querySelector('title').textContent,
                 e.getBBox().x + e.getBBox().width <= e.ownerSVGElement.width.baseVal.value]),
               starts: ['el', 'plain'].map((id) => (r => box(r.querySelector('.ns-frame')).top - box(r).top)(document.getElementById(id))) }; }""")
    top, bottom = got["frame"]
    assert len(got["below"]) == 2 and len(got["circles"]) == 60, got
    assert all(bottom - 10 <= t and b <= bottom + 0.5 for t, b in got["below"]), got      # on the lower edge
    assert all(top - 3.5 <= t and b <= bottom + 3.5 for t, b in got["circles"]), got       # inside the frame
    note = view.chart.y_note
    assert note not in got["legend"] and not errors, (got["legend"], errors)
    assert got["notes"] == [[note, note, True], [note.split(", ")[0], note, True]], got["notes"]
    assert got["starts"][0] == got["starts"][1], got["starts"]
    ART.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ART / "pareto_axis_cut.png"))
    page.close()
