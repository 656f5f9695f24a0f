"""The standalone explorer page in real Chromium: selecting cells on the map, by a lasso around a concave
outline (checked against a winding-number test computed here) and by a budget on a cost column (checked
against what Python computes from the atlas). Fixtures and helpers: tests/_explorer_page.py.
"""
from __future__ import annotations

import os
import re

import numpy as np
import pytest

from _browser import CHROMIUM
from _explorer_page import _open

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Debian chromium at /usr/bin/chromium")


def _screen_xy(atlas, view, width, height):
    """(N, 2) css-px positions of the atlas's points on a width x height map, computed here from the packed
    map coordinates the way the page lays them out (uniform scale, 10 px padding, centred, y up)."""
    from naoviz.atlas_payload import pack, unpack
    xy = np.asarray(unpack(*pack(atlas))[f"map.{view}"], np.float64).reshape(-1, 2)
    lo, hi = np.nanmin(xy, 0), np.nanmax(xy, 0)
    span = np.where(hi - lo > 0, hi - lo, 1)
    s = min((width - 20) / span[0], (height - 20) / span[1])
    ox, oy = (width - s * (hi[0] - lo[0])) / 2, (height - s * (hi[1] - lo[1])) / 2
    return np.stack([ox + (xy[:, 0] - lo[0]) * s, height - oy - (xy[:, 1] - lo[1]) * s], 1)


def _winding_inside(pts, poly):
    """Inside a simple polygon by the winding number (sum of the angles the edges subtend): another method
    than the page's ray casting, equal to the even-odd rule for a polygon that does not cross itself.
    Also returns the points within 1e-3 px of an edge, where the two may rightly disagree."""
    total = np.zeros(len(pts))
    near = np.zeros(len(pts), bool)
    for a, b in zip(poly, np.roll(poly, -1, 0)):
        u, v = a - pts, b - pts
        total += np.arctan2(u[:, 0] * v[:, 1] - u[:, 1] * v[:, 0], (u * v).sum(1))
        t = np.clip(((pts - a) @ (b - a)) / max(float((b - a) @ (b - a)), 1e-12), 0, 1)
        near |= np.hypot(*(a + t[:, None] * (b - a) - pts).T) < 1e-3
    return np.abs(total) > np.pi, near


def _drag(page, box, path, steps=8):
    page.mouse.move(box["x"] + path[0][0], box["y"] + path[0][1])
    page.mouse.down()
    for x, y in path[1:]:
        page.mouse.move(box["x"] + x, box["y"] + y, steps=steps)
    page.mouse.up()


def test_lasso_selects_the_points_inside_a_concave_outline(browser, page_file, atlas):
    page, _, errors = _open(browser, page_file, "?view=pca")
    page.focus(".nx-tool[data-tool='lasso']")                            # the toggle works from the keyboard
    page.keyboard.press("Enter")
    assert page.get_attribute(".nx-tool[data-tool='lasso']", "aria-pressed") == "true"
    assert page.get_attribute(".nx-tool[data-tool='box']", "aria-pressed") == "false"
    assert page.evaluate("window.naovizModel.select_tool") == "lasso"
    box = page.locator(".nx-map").bounding_box()
    w, hgt = page.evaluate("[document.querySelector('.nx-map').clientWidth, document.querySelector('.nx-map').clientHeight]")
    # a chevron: its notch from the top holds points its bounding box (and convex hull) would take
    f = [(0.12, 0.1), (0.5, 0.62), (0.88, 0.1), (0.9, 0.9), (0.1, 0.88)]
    drawn = np.array([(fx * w, fy * hgt) for fx, fy in f])
    _drag(page, box, [tuple(p) for p in drawn] + [tuple(drawn[0])])
    page.wait_for_selector(".nx-sel b", timeout=30_000)
    poly = np.array(page.evaluate("(() => { const nx = document.querySelector('.nx-root').__nx, sc = nx.scatter;"
                                  " const p = nx.S.shape.pts; const out = [];"
                                  " for (let k = 0; k < p.length; k += 2) out.push([sc.tx(p[k]), sc.ty(p[k + 1])]);"
                                  " return out; })()"))
    # the outline the page kept is the one drawn: every vertex within 1 px of the drawn path, every corner kept
    seg = [(a, b) for a, b in zip(drawn, np.roll(drawn, -1, 0))]
    dist = lambda q, a, b: np.hypot(*(a + np.clip((q - a) @ (b - a) / ((b - a) @ (b - a)), 0, 1) * (b - a) - q))
    assert all(min(dist(q, a, b) for a, b in seg) <= 1.0 for q in poly)
    assert all(np.min(np.hypot(*(poly - c).T)) <= 1.0 for c in drawn)
    pts = _screen_xy(atlas, "pca", w, hgt)
    inside, near = _winding_inside(pts, poly)
    expected = np.flatnonzero(inside)
    in_bbox = ((pts >= poly.min(0)) & (pts <= poly.max(0))).all(1).sum()
    assert len(expected) >= 20 and in_bbox - len(expected) >= 20, (len(expected), in_bbox)   # the shape matters
    got = page.evaluate("window.naovizModel.selection")
    assert len(set(got) ^ set(expected.tolist())) <= near.sum(), (len(got), len(expected), near.sum())
    assert re.search(rf"selection: {len(got):,} cells? \(lasso\)", page.inner_text(".nx-sel"))
    page.keyboard.press("Escape")                                        # Esc clears
    page.wait_for_function("window.naovizModel.selection.length === 0", timeout=30_000)
    assert page.inner_text(".nx-sel") == ""
    _drag(page, box, [tuple(p) for p in drawn])                          # again; a click on empty map clears
    assert len(page.evaluate("window.naovizModel.selection")) == len(got)
    page.mouse.click(box["x"] + 1, box["y"] + 1)                         # the 10 px margin: no point within 8 px
    page.wait_for_function("window.naovizModel.selection.length === 0", timeout=30_000)
    page.click(".nx-tool[data-tool='box']")                             # back to the box
    assert page.evaluate("window.naovizModel.select_tool") == "box"
    rows = expected[:5].tolist()                                         # rows set on the model (as from Python)
    page.evaluate(f"document.querySelector('.nx-root').__nx.model.set('selection', {rows})")
    assert page.inner_text(".nx-sel").startswith("selection: 5 cells")
    assert page.evaluate("document.querySelector('.nx-root').__nx.S.selection") == rows
    assert not errors, errors
    page.close()


def test_a_budget_greys_the_cells_over_it_and_names_the_best_feasible_cell_on_the_path(browser, page_file, atlas):
    """A budget from the link: the cells over it are painted grey under every cell within it, the path's cost
    chart marks its decoded cells within/over it, and the page names the largest-η decoded cell within it;
    all checked against what Python computes here from the atlas's params_M column."""
    params = np.asarray(atlas.columns["params_M"], np.float64)
    for m, seed in enumerate(atlas.seeds):                     # a seed whose decoded cells straddle a budget
        u = np.unique(params[atlas.path_decoded[m]][np.isfinite(params[atlas.path_decoded[m]])])
        if len(u) >= 2:
            break
    else:
        pytest.skip("no path in this atlas changes params_M")
    seed, budget = int(seed), float(f"{(u[0] + u[1]) / 2:.6g}")
    assert u[0] <= budget < u[1]
    page, requests, errors = _open(browser, page_file, f"?seed={seed}&budget_column=params_M&budget={budget!r}")
    assert page.evaluate("[window.naovizModel.budget_column, window.naovizModel.budget]") == ["params_M", budget]
    assert page.get_by_role("slider", name="budget (slider)").get_attribute("aria-valuetext") == f"parameters ≤ {budget!r}\xa0M"
    within = params <= budget                                  # NaN is never within
    off = page.evaluate("Array.from(document.querySelector('.nx-root').__nx.budget.off())")
    np.testing.assert_array_equal(np.asarray(off, bool), ~within)
    # the pixels: a greyed cell with no cell within the budget nearby shows the grey; a cell within never does
    sc, dpr = page.evaluate("(() => { const s = document.querySelector('.nx-root').__nx.scatter; return [Array.from(s.sc), s.dpr]; })()")
    xy = np.floor(np.asarray(sc, np.float64).reshape(-1, 2) * dpr + 0.5)
    ok_xy = xy[within]
    lone = [i for i in np.flatnonzero(~within) if np.all(np.isfinite(xy[i]))
            and np.min(np.max(np.abs(ok_xy - xy[i]), axis=1)) > 2][:200]
    probe = [i for i in np.flatnonzero(within)[:200]] + lone
    rgb = page.evaluate("(pts) => { const b = document.querySelector('.nx-root').__nx.scatter.base, d = b.getContext('2d')"
                        ".getImageData(0, 0, b.width, b.height).data; return pts.map(([x, y]) => { const k = 4 * (y * b.width + x);"
                        " return [d[k], d[k + 1], d[k + 2]]; }); }", [[int(x), int(y)] for x, y in xy[probe]])
    grey = [tuple(c) == (228, 228, 228) for c in rgb]
    assert len(lone) >= 5 and grey == [False] * (len(probe) - len(lone)) + [True] * len(lone)
    # the path: its cost chart, and the best feasible decoded cell (largest η within the budget)
    m = atlas.seed_index(seed)
    costs = params[atlas.path_decoded[m]]
    assert page.locator(".nx-costchart circle.nx-cost-ok").count() == int(np.sum(np.isfinite(costs) & (costs <= budget)))
    from naoviz.viz.theme import titled, value_unit        # the cost axis names the column as a saved figure's axis
    assert titled("params_M") == "parameters (millions)" and page.locator(         # (it said "parameters (M)")
        ".nx-costchart text", has_text="of the decoded cell along η").text_content() == f"{titled('params_M')} of the decoded cell along η"
    assert page.locator(".nx-chart text", has_text="step size η").text_content() == f"step size η · values: {titled(atlas.metric)}"
    assert page.inner_text(".nx-bunit") == value_unit("params_M")              # and so does the bound's box
    assert page.locator(".nx-costchart circle.nx-cost-over").count() == int(np.sum(np.isfinite(costs) & (costs > budget)))
    e = int(np.flatnonzero(costs <= budget)[-1])
    row = int(atlas.path_decoded[m, e])
    assert page.get_attribute(".nx-binfo", "data-best") == str(e) and page.get_attribute(".nx-binfo", "data-row") == str(row)
    info = page.inner_text(".nx-binfo").replace("\xa0", " ")
    # the count grouped and the bound with its unit, as the rest of the page writes them (it said "1234 of 6466
    # cells within parameters ≤ 0.03", with no unit, beside a chart in M)
    assert f"{int(within.sum()):,} of {len(params):,} cells within parameters ≤ {budget!r} M;" in info
    assert f"row {row} · true {float(atlas.columns[atlas.metric][row]):.2f}" in info and f"parameters {params[row]:.3f}" in info
    assert atlas.labels[row] in info
    assert ("Shown: the gradient path filtered by the budget (no kernel: the constrained step needs JupyterLab or the "
            "dashboard)") in info and "naoviz search --constraint" in info
    page.fill(".nx-budget", f"{float(np.nanmin(params)) / 2:.6g}")          # below every cell: none feasible
    page.press(".nx-budget", "Enter")
    page.wait_for_function("document.querySelector('.nx-binfo').dataset.best === '-1'", timeout=30_000)
    assert "no decoded cell on this path is within" in page.inner_text(".nx-binfo")
    page.fill(".nx-budget", "x")                                             # a bad value says so, changes nothing
    page.press(".nx-budget", "Enter")
    page.wait_for_function("document.querySelector('.nx-msg').textContent.includes('budget x is not a number')", timeout=30_000)
    lo, hi = float(np.nanmin(params)), float(np.nanmax(params))                # and what the column spans
    assert re.search(r"budget x is not a number \(params_M spans [\d.]+\.\.[\d.]+\)", page.inner_text(".nx-msg"))
    assert f"{lo:.4g}" in page.inner_text(".nx-msg") and f"{hi:.4g}" in page.inner_text(".nx-msg")
    page.fill(".nx-budget", "0x1")                                           # hex is not a budget (Number() read 1)
    page.press(".nx-budget", "Enter")
    page.wait_for_function("document.querySelector('.nx-msg').textContent.includes('budget 0x1 is not a number')", timeout=30_000)
    page.select_option(".nx-bcol", "")                                       # off: nothing greyed, no cost chart
    page.wait_for_function("document.querySelector('.nx-bunit').textContent === ''", timeout=30_000)
    page.wait_for_function("location.search.indexOf('budget') < 0", timeout=30_000)
    assert page.evaluate("document.querySelector('.nx-root').__nx.budget.off()") is None
    assert page.evaluate("window.naovizModel.budget") is None and page.locator(".nx-costbox").is_hidden()
    # off looks off: no slider (a disabled range input sat at mid-range and looked set) nor bound box, their room kept
    assert page.locator(".nx-bslider").is_hidden() and page.locator(".nx-budget").is_hidden()
    assert page.locator(".nx-bcol").is_visible() and page.locator(".nx-bslider").bounding_box()["width"] > 0
    assert all(u.startswith("file://") for u in requests) and not errors, errors
    page.close()
