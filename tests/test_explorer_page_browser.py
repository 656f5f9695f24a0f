"""The standalone explorer page in real Chromium from file:// (no server, no kernel, no network): the map,
η and the seed by key, slider and link, the cell strings and the layout at several widths, typed values, find,
pick, box select and the tour, exporting the page. The atlas and page: tests/_explorer_page.py; selections are
tests/test_explorer_page_select_browser.py's, the keyboard-only walk tests/test_explorer_page_a11y_browser.py's,
the shipped atlas's page tests/test_explorer_page_shipped_browser.py's.
"""
from __future__ import annotations

import os
import re

import numpy as np
import pytest

from _browser import CHROMIUM
from _explorer_page import ART, LINES_OF_CELLS, _moving_seed, _open, _seed_box_and_link, _state

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Debian chromium at /usr/bin/chromium")


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
    name, low, high = page.eval_on_selector_all(".nx-legend > span:not(.nx-ramp)", "es => es.map(e => e.textContent)")
    assert atlas.metric == "valid_acc"                 # named in words on the page (naoviz.column_names), id in menus
    assert page.eval_on_selector(".nx-color option[value='valid_acc']", "o => [o.textContent, o.title]") == ["validation accuracy", "valid_acc"]
    assert name == "validation accuracy" and low == f"{'≤ ' if v[0] < lo else ''}{lo:.2f}\xa0%" and high == f"{'≥ ' if v[-1] > hi else ''}{hi:.2f}\xa0%"
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
    page.wait_for_function(f"location.search.includes('eta={float(atlas.etas[4]):g}')", timeout=30_000)
    assert f"seed={seed}" in page.evaluate("location.search")
    page.close()
    page, _, _ = _open(browser, page_file, "?seed=99999&eta=1e9&view=tsne")       # a bad link says so
    text = page.inner_text(".nx-msg")
    assert "seed 99999" in text and "outside" in text and "view tsne" in text, text
    page.close()


def test_a_seed_row_whose_class_has_no_path_is_taken_alike_by_the_seed_box_and_a_link(browser, page_file, atlas):
    """A row with no path, nor its class (rows 120 and up here): the seed row box and ``?seed=`` take it alike:
    the seed stays, the row is picked (its neighbours listed) and one line says so in the text colour (the link
    refused it in red). An isomorph of a seed: tests/test_explorer_page_shipped_browser.py."""
    seeds = set(map(int, atlas.seeds))
    row = next(r for r in range(len(atlas.labels) - 1, -1, -1) if r not in seeds and int(atlas.class_of[r]) not in seeds)
    typed, linked = _seed_box_and_link(browser, page_file, row)
    assert typed == linked, (typed, linked)
    assert linked == {"seed": int(atlas.seeds[0]), "picked": row, "box": str(int(atlas.seeds[0])), "red": False, "errors": [],
                      "said": f"row {row} has no path in this atlas ({len(seeds):,} seeds have one); its neighbours are listed below",
                      "nbrs": atlas.neighbours[row].tolist()}, linked


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
        page.wait_for_function(f"document.querySelector('.nx-msg').textContent.includes({words!r})", timeout=30_000)
        assert _state(page) == before, (sel, value)
        assert "nx-err" in page.get_attribute(".nx-msg", "class"), (sel, value)
        assert page.input_value(".nx-seed") == str(before["seed"])
    # moving on clears a refusal: the slider moved, the red line (stale now) goes; so does another colour
    for move in ("slider", "colour"):
        page.fill(".nx-eta-in", "x")
        page.press(".nx-eta-in", "Enter")
        page.wait_for_function("document.querySelector('.nx-msg').classList.contains('nx-err')", timeout=30_000)
        if move == "slider":
            page.focus(".nx-slider")
            page.keyboard.press("ArrowRight")
        else:
            page.select_option(".nx-color", [v for v in page.eval_on_selector_all(".nx-color option", "os => os.map(o => o.value)")
                                             if v != page.input_value(".nx-color")][0])
        page.wait_for_function("document.querySelector('.nx-msg').textContent === ''", timeout=30_000)
        assert "nx-err" not in page.get_attribute(".nx-msg", "class"), move
    page.fill(".nx-search", "zzz")
    page.wait_for_function("document.querySelector('.nx-msg').textContent === '0 cells match zzz'", timeout=30_000)
    assert "nx-err" not in page.get_attribute(".nx-msg", "class")
    page.focus(".nx-slider")
    eta = _state(page)["eta"]
    page.keyboard.press("ArrowLeft" if eta else "ArrowRight")           # a hint is not a refusal: it stays
    shown = f"{float(atlas.etas[eta - 1 if eta else 1]):g}"                # as explorer.js writeURL gives it
    # once the move's deferred write (120 ms, late on a loaded machine) has run, as the link shows: not a guessed 200 ms
    page.wait_for_function(f"new URLSearchParams(location.search).get('eta') === {shown!r}", timeout=30_000)
    assert page.inner_text(".nx-msg") == "0 cells match zzz"
    page.fill(".nx-search", "")
    page.wait_for_function("document.querySelector('.nx-msg').textContent === ''", timeout=30_000)


def test_search_click_neighbours_box_select_and_tour(browser, page_file, atlas):
    page, _, _ = _open(browser, page_file)
    page.fill(".nx-search", "avg_pool_3x3~0 nor_conv_3x3~1")
    expected = sum("avg_pool_3x3~0" in lab and "nor_conv_3x3~1" in lab for lab in atlas.labels)
    page.wait_for_function(f"document.querySelector('.nx-msg').textContent.startsWith('{expected:,} cell')", timeout=30_000)
    row = int(atlas.seeds[7])                                            # a row typed: picked, neighbours listed
    page.fill(".nx-search", str(row))
    page.wait_for_function(f"document.querySelector('.nx-root').__nx.S.picked === {row}", timeout=30_000)
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
    page.wait_for_selector(".nx-sel b", timeout=30_000)
    n_sel = page.evaluate("window.naovizModel.selection.length")
    assert n_sel > 0 and re.search(rf"selection: {n_sel:,} cells?", page.inner_text(".nx-sel"))
    page.set_viewport_size({"width": 1024, "height": 768})
    page.click(".nx-tour-btn")                     # every stage outlines its element; its card is on screen
    for _ in range(7):
        target = page.get_attribute(".nx-tour", "data-target")
        assert page.locator(f"{target}.nx-hl").count() == 1, target
        top, bottom = page.evaluate("(() => { const r = document.querySelector('.nx-tour').getBoundingClientRect();"
                                    " return [r.top, r.bottom]; })()")
        assert -1 <= top and bottom <= 769, (target, top, bottom)          # (sub-pixel layout)
        # the card covers nothing of its element; the Predict stage's card leaves the chart's key readable (it
        # sat on the key naming the three lines it explains) and the values under it ("at the moved point: predicted …", which
        # the card under the key hid)
        covers = page.evaluate("""(sels) => { const c = document.querySelector('.nx-tour').getBoundingClientRect();
          return sels.map((s) => { const r = document.querySelector(s).getBoundingClientRect();
            return Math.max(0, Math.min(c.right, r.right) - Math.max(c.left, r.left)) *
                   Math.max(0, Math.min(c.bottom, r.bottom) - Math.max(c.top, r.top)); }); }""",
                               [target] + ([".nx-keys", ".nx-info"] if "Predict" in page.inner_text(".nx-tour b") else []))
        assert not any(a > 1 for a in covers), (target, covers)
        page.click(".nx-tour button:nth-child(2)")
    assert page.locator(".nx-tour").count() == 0 and page.locator(".nx-hl").count() == 0
    page.close()


def test_the_map_tip_breaks_between_words_and_edges_only_and_stays_in_the_map(browser, page_file, atlas):
    """Hovering the map's rightmost point at 1024 px: the tip lies inside the map, its facts line breaks between
    words only and its cell between edges only (it was squeezed into the 200 px at the map's right edge and broke
    anywhere: "validation accuracy 8" / "9.19 %", "pre" / "dicted")."""
    page, _, _ = _open(browser, page_file, width=1024)
    x, y = page.evaluate("(() => { const sc = document.querySelector('.nx-root').__nx.scatter.sc; let k = 0;"
                         " for (let i = 0; i < sc.length; i += 2) if (sc[i] > sc[k]) k = i; return [sc[k], sc[k + 1]]; })()")
    box = page.locator(".nx-map").bounding_box()
    page.mouse.move(box["x"] + x, box["y"] + y)
    page.wait_for_selector(".nx-tip:not([hidden])", timeout=30_000)
    split = page.evaluate(r"""(() => {
      const tip = document.querySelector('.nx-tip'), bad = [];
      const lines = (node, a, b) => { const r = document.createRange(); r.setStart(node, a); r.setEnd(node, b);
        return new Set([...r.getClientRects()].filter((q) => q.width > 0).map((q) => Math.round(q.top))).size; };
      const walk = document.createTreeWalker(tip, NodeFilter.SHOW_TEXT);
      for (let t = walk.nextNode(); t; t = walk.nextNode()) {
        if (t.parentElement.closest('code')) { if (lines(t, 0, t.length) > 1) bad.push(t.textContent); continue; }  // an edge
        for (const m of t.textContent.matchAll(/[^\s|]+/g))                  // a word or number of the facts
          if (!m[0].includes('~') && lines(t, m.index, m.index + m[0].length) > 1) bad.push(m[0]);
      }
      return bad; })()""")
    assert not split, split
    tip, mapbox = page.locator(".nx-tip").bounding_box(), page.locator(".nx-mapbox").bounding_box()
    assert tip["x"] >= mapbox["x"] - 1 and tip["x"] + tip["width"] <= mapbox["x"] + mapbox["width"] + 1, (tip, mapbox)
    assert tip["y"] + tip["height"] <= mapbox["y"] + mapbox["height"] + 1, (tip, mapbox)
    assert page.inner_text(".nx-tip code") in atlas.labels
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
    page.wait_for_function(f"document.querySelector('.nx-root').__nx.S.picked === {row}", timeout=30_000)

    def lefts(sel, edge="left"):
        return page.eval_on_selector_all(sel, f"els => els.map(e => Math.round(e.getBoundingClientRect().{edge}))")
    assert len(set(lefts(".nx-nbrs li > span"))) == 1, lefts(".nx-nbrs li > span")
    assert len(set(lefts(".nx-nbrs li > code"))) == 1, lefts(".nx-nbrs li > code")
    assert len(set(lefts(".nx-nbrs li > a", "right"))) == 1, lefts(".nx-nbrs li > a", "right")
    token = "skip_connect~0"                                                  # matches with short and long row numbers
    hits = [i for i, lab in enumerate(atlas.labels) if token in lab][:8]
    assert len(digits(hits)) > 1, hits
    page.fill(".nx-search", token)
    page.wait_for_function(f"document.querySelectorAll('.nx-hits a').length === {len(hits)}", timeout=30_000)
    assert len(set(lefts(".nx-hits code"))) == 1, lefts(".nx-hits code")
    assert len(set(lefts(".nx-hits a", "right"))) == 1, lefts(".nx-hits a", "right")
    page.close()


def test_off_grid_needs_a_kernel_and_export_downloads_the_page(browser, page_file, atlas, tmp_path):
    from naoviz.spaces import NB201Space
    space = NB201Space()
    present = set(atlas.labels)
    missing = next(space.format(a) for a in space.all_archs() if space.format(a) not in present)
    page, _, _ = _open(browser, page_file)
    page.fill(".nx-search", missing)
    page.wait_for_function("document.querySelector('.nx-msg').textContent.includes('needs a kernel')", timeout=30_000)
    with page.expect_download() as dl:
        page.click(".nx-export")
    target = tmp_path / "again.html"
    dl.value.save_as(str(target))
    assert re.match(r"downloaded naoviz-explorer\.html \(\d+\.\d MB, your browser's downloads\)", page.inner_text(".nx-msg"))
    again, _, errors = _open(browser, target)                             # the exported page runs too
    assert not errors and again.inner_text(".nx-decoded")
    # with the heading that names its table (a saved page had lost it) and the same title
    assert page.inner_text("main > h1").startswith("naoviz explorer: ")
    assert again.inner_text("main > h1") == page.inner_text("main > h1") and again.title() == page.title()
    again.close()
    page.close()
