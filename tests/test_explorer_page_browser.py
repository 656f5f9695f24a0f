"""The standalone explorer page in real Chromium from file:// (no server, no kernel, no network).

The atlas is built by naoviz.atlas_build from a tiny NAO model on the shipped digits table (real paths,
real neighbours); screenshots go to tests/artifacts/.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
ART = ROOT / "tests" / "artifacts"
from _browser import CHROMIUM
SPEC = dict(n_train=200, overrides={"epochs": 15})   # the dashboard browser test's spec: small, trains in ~15 s

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Debian chromium at /usr/bin/chromium")


@pytest.fixture(scope="module")
def atlas():
    import torch
    torch.set_num_threads(1)
    from naoviz.atlas_build import build_atlas
    from naoviz.nao.cache import ModelSpec, load_or_train
    from naoviz.tables import load_benchmark
    bench = load_benchmark("nb201-digits")
    model = load_or_train(bench, ModelSpec(**SPEC))[0]
    return build_atlas(model, bench, etas=np.linspace(0, 10, 11), seeds=list(range(120)), maps=("pca",), k=6)


@pytest.fixture(scope="module")
def page_file(atlas, tmp_path_factory):
    from naoviz.explorer_page import write_page
    return write_page(atlas, tmp_path_factory.mktemp("page") / "explorer.html")


def _open(browser, page_file, query="", width=1400):
    page = browser.new_page(viewport={"width": width, "height": 1000})
    requests, errors = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"file://{page_file}{query}")
    page.wait_for_selector(".nx-root[data-ready='1']", timeout=30_000)
    return page, requests, errors


def _state(page) -> dict:
    return page.evaluate("(() => { const S = document.querySelector('.nx-root').__nx.S; "
                         "return {seed: S.seed, eta: S.eta, view: S.view, picked: S.picked}; })()")


def _moving_seed(atlas):
    """(seed row, first eta index whose decoded cell differs from index 0) for a seed whose path moves."""
    for m, row in enumerate(atlas.seeds):
        changes = np.flatnonzero(atlas.path_decoded[m] != atlas.path_decoded[m, 0])
        if len(changes):
            return int(row), int(changes[0])
    pytest.skip("no seed's decoded cell changes along eta in this atlas")


def test_the_page_draws_the_map_offline(browser, page_file, atlas):
    page, requests, errors = _open(browser, page_file)
    assert not errors, errors
    assert all(u.startswith("file://") for u in requests), requests       # the page itself, nothing else
    painted = page.evaluate("(() => { const c = document.querySelector('.nx-map'); const d = c.getContext('2d')"
                            ".getImageData(0, 0, c.width, c.height).data; let n = 0;"
                            " for (let i = 0; i < d.length; i += 4) if (d[i] < 240 || d[i+1] < 240 || d[i+2] < 240) n++;"
                            " return n; })()")
    assert painted > 2000, painted
    assert page.locator(".nx-seedcell path").count() == 6 and page.locator(".nx-chart polyline").count() == 3
    keys = page.locator(".nx-keys > span")                                # each chart key says what it plots
    assert keys.count() == 3 and "sigmoid" in keys.nth(0).get_attribute("title")
    assert all(keys.nth(k).get_attribute("title") for k in range(3))
    # the colour range is the 5th..99th percentile, so failed cells (~10 %) do not wash the rest into one colour;
    # the legend's ends say when values lie beyond them
    v = np.sort(atlas.columns[atlas.metric][np.isfinite(atlas.columns[atlas.metric])])
    lo, hi = v[int(len(v) * 0.05)], v[min(len(v) - 1, int(len(v) * 0.99))]
    low, high = page.eval_on_selector_all(".nx-legend > span:not(.nx-ramp)", "es => es.map(e => e.textContent)")
    assert low == f"{atlas.metric} {'≤ ' if v[0] < lo else ''}{lo:.2f}\xa0%" and high == f"{'≥ ' if v[-1] > hi else ''}{hi:.2f}\xa0%"
    assert v[0] < lo                                   # the digits table has failed cells: the mark is shown
    page.close()


def test_arrow_keys_and_slider_move_the_decoded_cell_and_chart_with_no_request(browser, page_file, atlas):
    seed, k = _moving_seed(atlas)
    page, requests, errors = _open(browser, page_file, f"?seed={seed}&eta=0")
    m = atlas.seed_index(seed)
    assert page.inner_text(".nx-decoded") == atlas.labels[atlas.path_decoded[m, 0]]
    before_x = page.get_attribute(".nx-marker-line", "x1")
    n_requests = len(requests)
    page.locator(".nx-root").focus()
    for _ in range(k):
        page.keyboard.press("ArrowRight")
    assert _state(page)["eta"] == k
    assert page.inner_text(".nx-decoded") == atlas.labels[atlas.path_decoded[m, k]]
    assert page.get_attribute(".nx-marker-line", "x1") != before_x
    page.keyboard.press("End")                                          # End and Home: the path's two ends
    assert _state(page)["eta"] == len(atlas.etas) - 1
    page.keyboard.press("Home")
    assert _state(page)["eta"] == 0
    page.keyboard.press("ArrowRight")
    page.fill(".nx-slider", "0")                                        # the slider: back to eta 0
    assert page.inner_text(".nx-decoded") == atlas.labels[atlas.path_decoded[m, 0]]
    assert len(requests) == n_requests and not errors
    page.close()


def test_url_state_round_trip(browser, page_file, atlas):
    seed = int(atlas.seeds[5])
    eta = float(atlas.etas[3])
    page, _, _ = _open(browser, page_file, f"?seed={seed}&eta={eta:g}&view=pca")
    assert _state(page) == {"seed": seed, "eta": 3, "view": "pca", "picked": seed}
    assert page.input_value(".nx-seed") == str(seed)
    page.locator(".nx-root").focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function(f"location.search.includes('eta={float(atlas.etas[4]):g}')", timeout=5000)
    assert f"seed={seed}" in page.evaluate("location.search")
    page.close()
    page, _, _ = _open(browser, page_file, "?seed=99999&eta=1e9&view=tsne")       # a bad link says so
    text = page.inner_text(".nx-msg")
    assert "seed 99999" in text and "outside" in text and "view tsne" in text, text
    page.close()


# Each line box of every cell string in the panels: its text, from the characters' own rectangles.
LINES_OF_CELLS = """() => Array.from(document.querySelectorAll('.nx-info code, .nx-binfo code'), (c) => {
  const lines = new Map(), walk = document.createTreeWalker(c, NodeFilter.SHOW_TEXT); let n;
  while ((n = walk.nextNode())) for (let i = 0; i < n.length; i++) {
    const r = document.createRange(); r.setStart(n, i); r.setEnd(n, i + 1);
    const box = r.getClientRects()[0]; if (!box || !box.width) continue;
    const key = Math.round(box.top + box.height / 2); lines.set(key, (lines.get(key) || '') + n.data[i]);
  }
  return Array.from(lines.keys()).sort((a, b) => a - b).map((k) => lines.get(k));
})"""


@pytest.mark.parametrize("width", [1024, 1280, 1600, 1920])
def test_cell_strings_wrap_between_edges_never_leaving_a_separator_alone(browser, page_file, atlas, width):
    """The seed and decoded cell strings beside the map wrap between edges: no line of them is only "|" or "+|"
    (at 1600 px a bare "|" sat on its own line), over many seeds and every η, and the text is still the cell."""
    page, _, _ = _open(browser, page_file, width=width)
    bad, wrapped = [], 0
    for m in range(0, len(atlas.seeds), 7):
        page.evaluate(f"document.querySelector('.nx-root').__nx.setSeed({int(atlas.seeds[m])})")
        for k in range(0, len(atlas.etas), 2):
            page.evaluate(f"document.querySelector('.nx-root').__nx.setEta({k})")
            cells = page.evaluate(LINES_OF_CELLS)
            wrapped += sum(len(lines) > 1 for lines in cells)
            bad += [lines for lines in cells if any(not re.search(r"[A-Za-z0-9]", t) for t in lines)]
    assert not bad, (width, bad[:3])
    assert wrapped or width > 1600, width        # up to 1600 px the strings do wrap: the check saw line breaks
    assert page.inner_text(".nx-decoded") == atlas.labels[atlas.path_decoded[atlas.seed_index(_state(page)["seed"]), k]]
    ART.mkdir(parents=True, exist_ok=True)
    page.locator(".nx-side").screenshot(path=str(ART / f"explorer_cells_text_{width}.png"))
    page.close()


@pytest.mark.parametrize("width", [1024, 400, 1600])
def test_no_horizontal_overflow(browser, page_file, width):
    page, _, _ = _open(browser, page_file, width=width)
    sw, iw = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
    assert sw <= iw, (width, sw, iw)
    over = page.evaluate("(() => { const R = document.querySelector('.nx-root').getBoundingClientRect(); return "
                         "Array.from(document.querySelectorAll('.nx-root *')).filter(e => e.getClientRects().length"
                         " && e.getBoundingClientRect().right > R.right + 1 && !e.closest('.nx-tip')).map(e => e.className.baseVal ?? e.className).slice(0, 5); })()")
    assert not over, (width, over)
    if width >= 1024:       # the chart is drawn at its width: its text keeps the page's size, not scaled up by half
        scale, ticks = page.evaluate("(() => { const s = document.querySelector('.nx-chart'); return "
                                     "[s.getBoundingClientRect().width / s.viewBox.baseVal.width, "
                                     "s.querySelectorAll('text[text-anchor=end]').length]; })()")
        assert abs(scale - 1) < 0.02 and ticks >= 4, (width, scale, ticks)     # >= 3 y ticks + the last eta
    ART.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ART / f"explorer_page_{width}.png"), full_page=True)
    page.close()


def test_every_control_says_what_it_is_for_on_hover(browser, page_file):
    """Each visible control of the explorer has a tip saying what it does (map, colour, seed row, η, steps, ▶,
    tour and the budget's bound had none: a newcomer could not tell pca from umap or what steps does)."""
    page, _, _ = _open(browser, page_file)
    bare = page.evaluate("""() => [...document.querySelectorAll('.nx-root input, .nx-root select, .nx-root button')]
        .filter((e) => e.getClientRects().length && !e.closest('.nx-tour, .nx-lower') && !(e.title || '').trim())
        .map((e) => e.className)""")
    assert not bare, bare
    page.close()


def test_typed_values_out_of_range_say_so(browser, page_file, atlas):
    """Each refused value says why, in red, and changes nothing (the seed box shows the seed again); the red
    line goes once the student moves on (the slider, another colour); a hint (a search's count) is in the text
    colour, stays when the slider moves, and emptying the find box clears it."""
    page, _, _ = _open(browser, page_file)
    before = _state(page)
    for sel, value, words in [(".nx-eta-in", "1e9", "outside"), (".nx-eta-in", "0.3", "not on the grid"),
                              (".nx-eta-in", "x", "η x is not a number (0..10)"), (".nx-eta-in", "", "η: type a step size, 0..10"),
                              (".nx-eta-in", "0x5", "η 0x5 is not a number (0..10)"),     # Number() read it as 5
                              (".nx-steps", "0", "outside 1..10"),
                              (".nx-steps", "x", "steps x is not a whole number"), (".nx-steps", "", "steps: type a whole number, 1..10"),
                              (".nx-seed", "999999", "outside"), (".nx-seed", "abc", "seed row abc is not a row number"),
                              (".nx-seed", "-5", "is not a row number"), (".nx-seed", "", "seed row: type a row number"),
                              (".nx-steps", "3", "needs a kernel")]:
        page.fill(sel, value)
        page.press(sel, "Enter")
        page.wait_for_function(f"document.querySelector('.nx-msg').textContent.includes({words!r})", timeout=5000)
        assert _state(page) == before, (sel, value)
        assert "nx-err" in page.get_attribute(".nx-msg", "class"), (sel, value)
        assert page.input_value(".nx-seed") == str(before["seed"])
    # moving on clears a refusal: the slider moved, the red line (stale now) goes; so does another colour
    for move in ("slider", "colour"):
        page.fill(".nx-eta-in", "x")
        page.press(".nx-eta-in", "Enter")
        page.wait_for_function("document.querySelector('.nx-msg').classList.contains('nx-err')", timeout=5000)
        if move == "slider":
            page.focus(".nx-slider")
            page.keyboard.press("ArrowRight")
        else:
            page.select_option(".nx-color", [v for v in page.eval_on_selector_all(".nx-color option", "os => os.map(o => o.value)")
                                             if v != page.input_value(".nx-color")][0])
        page.wait_for_function("document.querySelector('.nx-msg').textContent === ''", timeout=5000)
        assert "nx-err" not in page.get_attribute(".nx-msg", "class"), move
    page.fill(".nx-search", "zzz")
    page.wait_for_function("document.querySelector('.nx-msg').textContent === '0 cells match zzz'", timeout=5000)
    assert "nx-err" not in page.get_attribute(".nx-msg", "class")
    page.focus(".nx-slider")
    page.keyboard.press("ArrowLeft")                                   # a hint is not a refusal: it stays
    page.wait_for_timeout(200)
    assert page.inner_text(".nx-msg") == "0 cells match zzz"
    page.fill(".nx-search", "")
    page.wait_for_function("document.querySelector('.nx-msg').textContent === ''", timeout=5000)


def test_search_click_neighbours_box_select_and_tour(browser, page_file, atlas):
    page, _, _ = _open(browser, page_file)
    page.fill(".nx-search", "avg_pool_3x3~0 nor_conv_3x3~1")
    expected = sum("avg_pool_3x3~0" in lab and "nor_conv_3x3~1" in lab for lab in atlas.labels)
    page.wait_for_function(f"document.querySelector('.nx-msg').textContent.startsWith('{expected} cell')", timeout=5000)
    row = int(atlas.seeds[7])                                            # a row typed: picked, neighbours listed
    page.fill(".nx-search", str(row))
    page.wait_for_function(f"document.querySelector('.nx-root').__nx.S.picked === {row}", timeout=5000)
    listed = [int(a) for a in page.eval_on_selector_all(".nx-nbrs a", "els => els.map(e => e.dataset.row)")]
    assert listed == atlas.neighbours[row].tolist()
    x, y = page.evaluate(f"(() => {{ const sc = document.querySelector('.nx-root').__nx.scatter.sc; return [sc[2*{row + 1}], sc[2*{row + 1}+1]]; }})()")
    box = page.locator(".nx-map").bounding_box()                          # a click on a point picks it
    page.mouse.click(box["x"] + x, box["y"] + y)
    picked = _state(page)["picked"]
    px, py = page.evaluate(f"(() => {{ const sc = document.querySelector('.nx-root').__nx.scatter.sc; return [sc[2*{picked}], sc[2*{picked}+1]]; }})()")
    assert abs(px - x) <= 8 and abs(py - y) <= 8
    listed = [int(a) for a in page.eval_on_selector_all(".nx-nbrs a", "els => els.map(e => e.dataset.row)")]
    assert listed == atlas.neighbours[picked].tolist()
    box = page.locator(".nx-map").bounding_box()                          # drag a box over the middle
    page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.3)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.7, box["y"] + box["height"] * 0.7, steps=5)
    page.mouse.up()
    page.wait_for_selector(".nx-sel b", timeout=5000)
    n_sel = page.evaluate("window.naovizModel.selection.length")
    assert n_sel > 0 and re.search(rf"selection: {n_sel} cells", page.inner_text(".nx-sel"))
    page.set_viewport_size({"width": 1024, "height": 768})
    page.click(".nx-tour-btn")                     # every stage outlines its element; its card is on screen
    for _ in range(7):
        target = page.get_attribute(".nx-tour", "data-target")
        assert page.locator(f"{target}.nx-hl").count() == 1, target
        top, bottom = page.evaluate("(() => { const r = document.querySelector('.nx-tour').getBoundingClientRect();"
                                    " return [r.top, r.bottom]; })()")
        assert -1 <= top and bottom <= 769, (target, top, bottom)          # (sub-pixel layout)
        # the card covers nothing of its element; the Predict stage's card leaves the chart's key readable (it
        # sat on the key naming the three lines it explains)
        covers = page.evaluate("""(sels) => { const c = document.querySelector('.nx-tour').getBoundingClientRect();
          return sels.map((s) => { const r = document.querySelector(s).getBoundingClientRect();
            return Math.max(0, Math.min(c.right, r.right) - Math.max(c.left, r.left)) *
                   Math.max(0, Math.min(c.bottom, r.bottom) - Math.max(c.top, r.top)); }); }""",
                               [target] + ([".nx-keys"] if "Predict" in page.inner_text(".nx-tour b") else []))
        assert not any(a > 1 for a in covers), (target, covers)
        page.click(".nx-tour button:nth-child(2)")
    assert page.locator(".nx-tour").count() == 0 and page.locator(".nx-hl").count() == 0
    page.close()


@pytest.mark.parametrize("width", [1024, 1680])
def test_the_row_lists_under_the_map_are_in_columns_whatever_the_row_numbers_digits(browser, page_file, atlas, width):
    """The nearest cells and the find box's matches line up: every line's figures and cell start at the same x
    and the row links end at the same x, though the rows have different numbers of digits (it read
    "row 94  · distance" over "row 13186 · distance")."""
    digits = lambda rows: {len(str(int(r))) for r in rows}                    # noqa: E731
    row = next((int(r) for r in range(atlas.neighbours.shape[0]) if len(digits(atlas.neighbours[r])) > 1), None)
    if row is None:
        pytest.skip("every row's neighbours have row numbers of one length in this atlas")
    page, _, _ = _open(browser, page_file, width=width)
    page.fill(".nx-search", str(row))
    page.wait_for_function(f"document.querySelector('.nx-root').__nx.S.picked === {row}", timeout=5000)

    def lefts(sel, edge="left"):
        return page.eval_on_selector_all(sel, f"els => els.map(e => Math.round(e.getBoundingClientRect().{edge}))")
    assert len(set(lefts(".nx-nbrs li > span"))) == 1, lefts(".nx-nbrs li > span")
    assert len(set(lefts(".nx-nbrs li > code"))) == 1, lefts(".nx-nbrs li > code")
    assert len(set(lefts(".nx-nbrs li > a", "right"))) == 1, lefts(".nx-nbrs li > a", "right")
    token = "skip_connect~0"                                                  # matches with short and long row numbers
    hits = [i for i, lab in enumerate(atlas.labels) if token in lab][:8]
    assert len(digits(hits)) > 1, hits
    page.fill(".nx-search", token)
    page.wait_for_function(f"document.querySelectorAll('.nx-hits a').length === {len(hits)}", timeout=5000)
    assert len(set(lefts(".nx-hits code"))) == 1, lefts(".nx-hits code")
    assert len(set(lefts(".nx-hits a", "right"))) == 1, lefts(".nx-hits a", "right")
    page.close()


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
    page.wait_for_selector(".nx-sel b", timeout=5000)
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
    assert re.search(rf"selection: {len(got)} cells \(lasso\)", page.inner_text(".nx-sel"))
    page.keyboard.press("Escape")                                        # Esc clears
    page.wait_for_function("window.naovizModel.selection.length === 0", timeout=5000)
    assert page.inner_text(".nx-sel") == ""
    _drag(page, box, [tuple(p) for p in drawn])                          # again; a click on empty map clears
    assert len(page.evaluate("window.naovizModel.selection")) == len(got)
    page.mouse.click(box["x"] + 1, box["y"] + 1)                         # the 10 px margin: no point within 8 px
    page.wait_for_function("window.naovizModel.selection.length === 0", timeout=5000)
    page.click(".nx-tool[data-tool='box']")                             # back to the box
    assert page.evaluate("window.naovizModel.select_tool") == "box"
    rows = expected[:5].tolist()                                         # rows set on the model (as from Python)
    page.evaluate(f"document.querySelector('.nx-root').__nx.model.set('selection', {rows})")
    assert page.inner_text(".nx-sel").startswith("selection: 5 cells")
    assert page.evaluate("document.querySelector('.nx-root').__nx.S.selection") == rows
    assert not errors, errors
    page.close()


def test_off_grid_needs_a_kernel_and_export_downloads_the_page(browser, page_file, atlas, tmp_path):
    from naoviz.spaces import NB201Space
    space = NB201Space()
    present = set(atlas.labels)
    missing = next(space.format(a) for a in space.all_archs() if space.format(a) not in present)
    page, _, _ = _open(browser, page_file)
    page.fill(".nx-search", missing)
    page.wait_for_function("document.querySelector('.nx-msg').textContent.includes('needs a kernel')", timeout=5000)
    with page.expect_download() as dl:
        page.click(".nx-export")
    target = tmp_path / "again.html"
    dl.value.save_as(str(target))
    again, _, errors = _open(browser, target)                             # the exported page runs too
    assert not errors and again.inner_text(".nx-decoded")
    again.close()
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
    assert page.get_by_role("slider", name="budget (slider)").get_attribute("aria-valuetext") == f"params_M ≤ {budget!r}"
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
    from naoviz.viz.theme import value_unit                                  # the cost axis says its unit
    assert value_unit("params_M") and page.locator(".nx-costchart text", has_text="of the decoded cell along η").text_content() \
        == f"params_M ({value_unit('params_M')}) of the decoded cell along η"
    assert page.inner_text(".nx-bunit") == value_unit("params_M")              # and so does the bound's box
    assert page.locator(".nx-costchart circle.nx-cost-over").count() == int(np.sum(np.isfinite(costs) & (costs > budget)))
    e = int(np.flatnonzero(costs <= budget)[-1])
    row = int(atlas.path_decoded[m, e])
    assert page.get_attribute(".nx-binfo", "data-best") == str(e) and page.get_attribute(".nx-binfo", "data-row") == str(row)
    info = page.inner_text(".nx-binfo")
    assert f"{int(within.sum())} of {len(params)} cells within params_M ≤ {budget!r}" in info
    assert f"row {row} · true {float(atlas.columns[atlas.metric][row]):.2f}" in info and f"params_M {params[row]:.3f}" in info
    assert atlas.labels[row] in info
    assert ("Shown: the gradient path filtered by the budget (no kernel: the constrained step needs JupyterLab or the "
            "dashboard)") in info and "naoviz search --constraint" in info
    page.fill(".nx-budget", f"{float(np.nanmin(params)) / 2:.6g}")          # below every cell: none feasible
    page.press(".nx-budget", "Enter")
    page.wait_for_function("document.querySelector('.nx-binfo').dataset.best === '-1'", timeout=5000)
    assert "no decoded cell on this path is within" in page.inner_text(".nx-binfo")
    page.fill(".nx-budget", "x")                                             # a bad value says so, changes nothing
    page.press(".nx-budget", "Enter")
    page.wait_for_function("document.querySelector('.nx-msg').textContent.includes('budget x is not a number')", timeout=5000)
    lo, hi = float(np.nanmin(params)), float(np.nanmax(params))                # and what the column spans
    assert re.search(r"budget x is not a number \(params_M spans [\d.]+\.\.[\d.]+\)", page.inner_text(".nx-msg"))
    assert f"{lo:.4g}" in page.inner_text(".nx-msg") and f"{hi:.4g}" in page.inner_text(".nx-msg")
    page.fill(".nx-budget", "0x1")                                           # hex is not a budget (Number() read 1)
    page.press(".nx-budget", "Enter")
    page.wait_for_function("document.querySelector('.nx-msg').textContent.includes('budget 0x1 is not a number')", timeout=5000)
    page.select_option(".nx-bcol", "")                                       # off: nothing greyed, no cost chart
    page.wait_for_function("document.querySelector('.nx-bunit').textContent === ''", timeout=5000)
    page.wait_for_function("location.search.indexOf('budget') < 0", timeout=5000)
    assert page.evaluate("document.querySelector('.nx-root').__nx.budget.off()") is None
    assert page.evaluate("window.naovizModel.budget") is None and page.locator(".nx-costbox").is_hidden()
    assert all(u.startswith("file://") for u in requests) and not errors, errors
    page.close()


@pytest.fixture(scope="module")
def shipped_page(tmp_path_factory):
    """The page of the shipped digits atlas (UMAP and PCA maps, 6,466 paths): its UMAP paths have jumps."""
    from naoviz.atlas import Atlas
    from naoviz.explorer_page import write_page
    from naoviz.resources import shipped_dir
    atlas = Atlas.load(sorted(shipped_dir().glob("*-atlas-*.json"))[0].with_suffix(""))
    return atlas, write_page(atlas, tmp_path_factory.mktemp("shipped") / "explorer.html")


def test_the_page_opens_on_the_umap_map_as_the_widget_does(browser, shipped_page):
    """No ?view=: the page opens on UMAP when the atlas has it, as ExplorerWidget does (it opened on PCA, the
    first of the shipped atlas's maps, so `naoviz export-page` showed another map than the dashboard)."""
    atlas, page_file = shipped_page
    assert list(atlas.maps)[0] != "umap"            # the order that picked PCA before
    page, _, errors = _open(browser, page_file)
    assert _state(page)["view"] == "umap" and page.input_value(".nx-view") == "umap" and not errors, errors
    page.close()


@pytest.mark.parametrize("width", [1024, 1400])
def test_a_jump_to_another_island_is_drawn_dashed_with_its_caption(browser, shipped_page, width):
    """The seed whose UMAP path has the longest jump: the map draws exactly the payload's jumps (data-jumps),
    the caption shows, and along a jump the canvas is dashed (about half its pixels drawn over the base
    image, not all as a solid line would); on the PCA map the same path has none and the caption hides."""
    atlas, page_file = shipped_page
    jumps = atlas.path_jumps("umap")
    P = atlas.path_maps["umap"]
    length = np.where(jumps, np.linalg.norm(P[:, 1:] - P[:, :-1], axis=-1), 0)
    m, e = np.unravel_index(int(np.argmax(length)), length.shape)
    seed = int(atlas.seeds[m])
    page, _, errors = _open(browser, page_file, f"?seed={seed}&eta=0&view=umap", width=width)
    assert page.get_attribute(".nx-map", "data-jumps") == str(int(jumps[m].sum()))
    assert page.locator(".nx-jumpnote").is_visible() and "another island" in page.inner_text(".nx-jumpnote")
    drawn = page.evaluate("""([m, e, E]) => { const X = document.querySelector('.nx-root').__nx, s = X.scatter,
        P = X.atlas.A['path_map.umap'], k = 2 * (m * E + e), d = s.dpr;
        const a = [s.tx(P[k]) * d, s.ty(P[k + 1]) * d], b = [s.tx(P[k + 2]) * d, s.ty(P[k + 3]) * d];
        const top = s.canvas.getContext('2d').getImageData(0, 0, s.canvas.width, s.canvas.height).data,
              base = s.base.getContext('2d').getImageData(0, 0, s.base.width, s.base.height).data;
        const out = [];
        for (let t = 0.3; t <= 0.7; t += 0.005) {
          const x = Math.round(a[0] + t * (b[0] - a[0])), y = Math.round(a[1] + t * (b[1] - a[1])), i = 4 * (y * s.canvas.width + x);
          out.push(Math.abs(top[i] - base[i]) + Math.abs(top[i + 1] - base[i + 1]) + Math.abs(top[i + 2] - base[i + 2]) > 30);
        }
        return [out, Math.hypot(b[0] - a[0], b[1] - a[1])]; }""", [int(m), int(e), len(atlas.etas)])
    on, px = drawn
    assert px > 60, px                                          # a long jump: dashes of 4 px on, 4 off
    assert 0.2 < np.mean(on) < 0.8, (np.mean(on), px)
    ART.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ART / f"explorer_page_jumps_{width}.png"), full_page=True)
    page.select_option(".nx-view", "pca")
    page.wait_for_function("document.querySelector('.nx-map').dataset.jumps === '0'", timeout=5000)
    assert not page.locator(".nx-jumpnote").is_visible()
    assert not errors, errors


def test_keyboard_only_and_screen_reader_walkthrough(browser, page_file, atlas):
    """A teacher with only a keyboard and a student with a screen reader, on the page at 1024 px: Tab reaches
    every control in reading order with a visible focus ring and reaches the η slider; its arrow keys move η
    and the decoded cell, whose graph's description is the cell string; the live line says the prediction
    once η rests (one announcement for a sweep, not one per step); the tour opens, steps and closes with
    Enter and Escape; ▶ plays and Escape stops it; find + "select the matches" selects without a pointer.
    Every control has a name, the images a text alternative, and text meets WCAG AA contrast."""
    from _a11y import ax_nodes, low_contrast_text, unnamed_controls
    seed, k = _moving_seed(atlas)
    m = atlas.seed_index(seed)
    page, _, errors = _open(browser, page_file, f"?seed={seed}&eta=0", width=1024)
    order = []
    for _ in range(30):                                                # Tab from the page's start to the slider
        page.keyboard.press("Tab")
        order.append(page.evaluate("(() => { const e = document.activeElement, cs = getComputedStyle(e);"
                                   " return [e.className, e.matches(':focus-visible') && cs.outlineStyle !== 'none'"
                                   " && parseFloat(cs.outlineWidth) >= 1]; })()"))
        if order[-1][0] == "nx-slider":
            break
    classes = [c for c, _ in order]
    assert classes[:6] == ["nx-root", "nx-search", "nx-seed", "nx-view", "nx-color", "nx-tour-btn"], classes
    assert classes[-2:] == ["nx-play", "nx-slider"], classes
    assert all(ring for _, ring in order), order                       # the focus is always outlined
    page.evaluate("window.__said = []; new MutationObserver(() => window.__said.push("
                  "document.querySelector('.nx-live').textContent)).observe(document.querySelector('.nx-live'),"
                  " {childList: true, characterData: true, subtree: true})")
    for _ in range(k):
        page.keyboard.press("ArrowRight")
    label = atlas.labels[atlas.path_decoded[m, k]]
    eta = f"{atlas.etas[k]:.2f}"
    assert page.input_value(".nx-slider") == str(k) and page.inner_text(".nx-decoded") == label
    assert page.get_attribute(".nx-slider", "aria-valuetext") == f"η = {eta}"
    assert f"seed row {seed} (star)" in page.get_attribute(".nx-map", "aria-label")
    assert f"at η = {eta}" in page.get_attribute(".nx-map", "aria-label")
    page.wait_for_function(f"document.querySelector('.nx-live').textContent.startsWith('η {eta}: decoded row')",
                           timeout=5000)
    assert page.evaluate("window.__said.length") == 1                 # k steps, one announcement
    live = page.inner_text(".nx-live")
    true = atlas.columns[atlas.metric][atlas.path_decoded[m, k]]
    assert f"row {atlas.path_decoded[m, k]}" in live and f"true {true:.2f}" in live, live
    # every value with its unit: accuracies in percent (naoviz.viz.theme.unit's rules, explorer_draw.js unitOf)
    assert re.search(rf"true {true:.2f}[\xa0 ]% \({atlas.metric}\)", live), live
    assert re.search(r"predicted here \d+\.\d\d[\xa0 ]% · decoded: predicted \d+\.\d\d[\xa0 ]%, true \d+\.\d\d[\xa0 ]%",
                     page.inner_text(".nx-info")), page.inner_text(".nx-info")
    for key, want in (("End", len(atlas.etas) - 1), ("PageDown", len(atlas.etas) - 1 - max(1, round((len(atlas.etas) - 1) / 10))),
                      ("Home", 0)):
        page.keyboard.press(key)
        assert _state(page)["eta"] == want, key
    # Chromium's own accessibility tree: every image has a name and a description; the cell graphs' is the cell
    nodes = ax_nodes(page)
    imgs = {n["name"]: n["description"] for n in nodes if n["role"] == "image"}
    seed_graph = next(d for n, d in imgs.items() if n.startswith("cell graph: seed"))
    # the graphs' titles name the map's marks (a diamond far from the ring had no legend): ★ seed, ◆ decoded
    assert any(n.startswith("cell graph: seed (row ") and n.endswith(" · ★ on the map") for n in imgs), imgs
    assert any(n.startswith("cell graph: decoded at η = ") and n.endswith(" · ◆ on the map") for n in imgs), imgs
    assert seed_graph.startswith(atlas.labels[seed]), imgs
    assert any(n.startswith("map of ") and "find" in d for n, d in imgs.items()), imgs
    assert any(n == "prediction along step size η" and d.startswith("η 0.00: decoded") for n, d in imgs.items()), imgs
    assert all(n and d for n, d in imgs.items()), imgs
    assert not unnamed_controls(page.locator(".nx-root")), unnamed_controls(page.locator(".nx-root"))
    assert page.get_by_role("slider", name="step size η").count() == 1
    assert page.get_by_role("textbox", name="seed row").count() == 1
    assert page.get_by_role("main").get_by_role("group", name="NAO explorer").count() == 1   # the page's landmark
    first = page.locator(".nx-nbrs a").first                           # a neighbour by Enter: its neighbours (and its
    row = int(first.get_attribute("data-row"))                         # path, when it has one); the focus stays in
    first.focus()                                                      # the redrawn list, not at the page's top
    page.keyboard.press("Enter")
    assert page.inner_text(".nx-nbrs b").startswith(f"nearest to row {row} (true {atlas.metric} ")
    # each neighbour's figures are named for a student ("d 0.025" was unexplained): distance, with a tip
    first_line = page.inner_text(".nx-nbrs li >> nth=0")
    assert re.search(r"· distance \d\.\d{3} · true \d+\.\d{2}", first_line) and " d " not in first_line, first_line
    tip = page.get_attribute(".nx-nbrs li span >> nth=0", "title")
    assert "cosine distance" in tip and atlas.metric in tip, tip
    assert page.evaluate("document.activeElement.matches('.nx-nbrs a')")
    # the tour with Enter and Escape; focus goes into the card and back to its button
    page.locator(".nx-tour-btn").focus()
    page.keyboard.press("Enter")
    assert page.get_by_role("dialog", name=re.compile("tour: 1 · The map")).count() == 1
    assert page.evaluate("document.activeElement.dataset.act") == "next"
    page.keyboard.press("Enter")
    assert page.get_attribute(".nx-tour", "data-stage") == "1"
    page.keyboard.press("Escape")
    assert page.locator(".nx-tour").count() == 0 and page.evaluate("document.activeElement.className") == "nx-tour-btn"
    page.locator(".nx-play").focus()                                   # ▶ with Space; Escape stops it
    page.keyboard.press("Space")
    assert page.get_attribute(".nx-play", "aria-label") == "pause η"
    page.keyboard.press("Escape")
    assert page.get_attribute(".nx-play", "aria-label") == "play η"
    # the map's selection without a pointer: find's matches, then "select the matches"
    page.locator(".nx-search").focus()
    page.keyboard.type("nor_conv_3x3~0 avg_pool")
    page.wait_for_selector(".nx-select-hits", timeout=5000)
    page.locator(".nx-select-hits").focus()
    page.keyboard.press("Enter")
    n = sum(all(t in lab for t in ("nor_conv_3x3~0", "avg_pool")) for lab in atlas.labels)
    assert page.inner_text(".nx-sel").startswith(f"selection: {n} cells (find)")
    page.locator(".nx-root").focus()
    page.keyboard.press("Escape")                                      # clears it
    assert page.locator(".nx-sel").inner_text() == ""
    assert not low_contrast_text(page, ".nx-root"), low_contrast_text(page, ".nx-root")
    page.locator(".nx-slider").focus()                                 # a new atlas (cold start) keeps the focus
    page.evaluate("(() => { const m = document.querySelector('.nx-root').__nx.model;"
                  " m.set('_atlas_data', new DataView(m.get('_atlas_data').buffer.slice(0))); })()")
    page.wait_for_function("document.querySelector('.nx-root[data-ready]') && document.activeElement.matches('.nx-slider')"
                           " && document.querySelector('.nx-root').contains(document.activeElement)", timeout=10_000)
    # no keyboard trap: Tab leaves the explorer
    for _ in range(40):
        page.keyboard.press("Tab")
        if not page.evaluate("document.querySelector('.nx-root').contains(document.activeElement)"):
            break
    assert not page.evaluate("document.querySelector('.nx-root').contains(document.activeElement)")
    assert not errors
    page.close()


CELL_TEXT_JS = """(() => Array.from(document.querySelectorAll('.nx-cells svg')).map(s => {
  const k = s.getBoundingClientRect().width / s.viewBox.baseVal.width;
  const px = (sel) => Array.from(s.querySelectorAll(sel)).map(t => parseFloat(getComputedStyle(t).fontSize) * k);
  const box = (e) => { const b = e.getBoundingClientRect(); return [b.left, b.top, b.right, b.bottom]; };
  const ops = Array.from(s.querySelectorAll('text.nx-svg-op')).map(box);
  let crossed = 0;                                  // op labels over each other, or over a node's circle
  ops.forEach((a, i) => ops.slice(i + 1).forEach(b => { if (a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3]) crossed++; }));
  const nodes = Array.from(s.querySelectorAll('circle.nx-node')).map(box), names = Array.from(s.querySelectorAll('text.nx-svg-node')).map(box);
  nodes.forEach(c => { const cx = (c[0] + c[2]) / 2, cy = (c[1] + c[3]) / 2, r = (c[2] - c[0]) / 2;
    ops.forEach(a => { if (Math.hypot(Math.max(a[0] - cx, 0, cx - a[2]), Math.max(a[1] - cy, 0, cy - a[3])) < r) crossed++; }); });
  const outside = names.filter((t, i) => t[2] - t[0] > nodes[i][2] - nodes[i][0]).length;   // a name wider than its circle
  return { w: s.getBoundingClientRect().width, op: px('text.nx-svg-op'), node: px('text.nx-svg-node'),
           title: px('text.nx-svg-title'), crossed, outside, drawnAt: Number(s.dataset.w) };
}))()"""


def test_cell_graph_labels_are_readable_at_every_width_and_do_not_cross(browser, shipped_page):
    """The cell graphs scale with their width; their text did too, so where two share the side column (about
    250 px each at 1280 px) op labels were 9 px and node names 7 px. Now on screen: ops 11..16 px (a changed
    edge's 1 px more), node names 10..13 px, titles 12..15 px, none over another or over a node, at 1024, 1280
    and 1700 px, and after a resize (the graphs are redrawn at their new width)."""
    _, page_file = shipped_page
    page, _, errors = _open(browser, page_file, "?seed=100&eta=8", width=1700)
    ART.mkdir(parents=True, exist_ok=True)
    for width in (1700, 1280, 1024):
        page.set_viewport_size({"width": width, "height": 1000})
        page.wait_for_function("Array.from(document.querySelectorAll('.nx-cells svg')).every(s => "
                               "Math.abs(Number(s.dataset.w) - s.clientWidth) <= 1)", timeout=5000)
        for cell in page.evaluate(CELL_TEXT_JS):
            assert all(11 - 0.2 <= v <= 16 + 0.2 for v in cell["op"]) and len(cell["op"]) == 6, (width, cell)
            assert all(10 - 0.2 <= v <= 13 + 0.2 for v in cell["node"]), (width, cell)
            assert all(12 - 0.2 <= v <= 15 + 0.2 for v in cell["title"]), (width, cell)
            assert cell["crossed"] == 0 and cell["outside"] == 0, (width, cell)
        page.locator(".nx-cells").screenshot(path=str(ART / f"explorer_cells_{width}.png"))
    assert not errors, errors
    page.close()


def _map_ink(page) -> int:
    """Pixels of the map canvas that are not white (the points, drawn in colour)."""
    return page.evaluate("""() => {
        const c = document.querySelector('.nx-map'), d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0; for (let i = 0; i < d.length; i += 4) if (d[i] < 235 || d[i + 1] < 235 || d[i + 2] < 235) n++;
        return n; }""")


def test_a_small_table_of_your_own_is_drawn_in_points_one_can_see(browser, shipped_page, tmp_path):
    """A table of 200 rows (build-table --archs 200, the usual own-data case) was 200 specks of 3x3 px; its
    points are now larger, while the shipped table's 6,466 classes keep their small ones."""
    from _atlas_standin import standin_atlas

    from naoviz.explorer_page import write_page
    from naoviz.tables import load_benchmark
    from naoviz.tables.user_table import load_table_file
    rows = (load_benchmark("nb201-digits").frame.reset_index().iloc[:200])
    rows.to_csv(tmp_path / "mine.csv", index=False)
    small = standin_atlas(n_seeds=20, table=load_table_file(tmp_path / "mine.csv"))
    page, _, errors = _open(browser, write_page(small, tmp_path / "small.html"), width=1024)
    small_ink = _map_ink(page) / len(small.labels)
    page.close()
    page, _, _ = _open(browser, shipped_page[1], width=1024)
    big_ink = _map_ink(page) / shipped_page[0].n_table
    page.close()
    assert not errors, errors
    # 54 vs 1.5 ink px per point (squares of 7 vs 3 px, the path and markers included); 17 before, small
    assert small_ink >= 30 and big_ink < 12, (small_ink, big_ink)
