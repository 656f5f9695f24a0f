"""The standalone explorer page in real Chromium for a teacher with only a keyboard and a student with a screen
reader: every control's tip, the Tab order and focus ring, the live line, the accessibility tree and contrast.
Fixtures and helpers: tests/_explorer_page.py.
"""
from __future__ import annotations

import os
import re
import time

import pytest

from _browser import CHROMIUM
from _explorer_page import _moving_seed, _open, _state

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Debian chromium at /usr/bin/chromium")


def test_every_control_says_what_it_is_for_on_hover(browser, page_file):
    """Each visible control of the explorer has a tip saying what it does (map, colour, seed row, η, steps, ▶,
    tour and the budget's bound had none: a newcomer could not tell pca from umap or what steps does)."""
    page, _, _ = _open(browser, page_file)
    bare = page.evaluate("""() => [...document.querySelectorAll('.nx-root input, .nx-root select, .nx-root button')]
        .filter((e) => e.getClientRects().length && !e.closest('.nx-tour, .nx-lower') && !(e.title || '').trim())
        .map((e) => e.className)""")
    assert not bare, bare
    page.close()


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
    page, _, errors = _open(browser, page_file, f"?seed={seed}&eta=0", width=1024, clock=True)
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
    # the page's clock stands still while the k presses land (on a loaded machine they can come > 600 ms apart,
    # which the live line rightly reads as η resting), then runs on: the announcement waits for η to rest
    page.clock.pause_at(time.time() + 1)
    page.evaluate("window.__said = []; new MutationObserver(() => window.__said.push("
                  "document.querySelector('.nx-live').textContent)).observe(document.querySelector('.nx-live'),"
                  " {childList: true, characterData: true, subtree: true})")
    for _ in range(k):
        page.keyboard.press("ArrowRight")
    page.clock.run_for(1000)
    page.clock.resume()
    label = atlas.labels[atlas.path_decoded[m, k]]
    eta = f"{atlas.etas[k]:.2f}"
    assert page.input_value(".nx-slider") == str(k) and page.inner_text(".nx-decoded") == label
    # the changed ops' labels are boxed and heavier, not underlined (an underline read as a link that did nothing)
    marks = page.evaluate("Array.from(document.querySelectorAll('.nx-cells text.nx-svg-op.nx-changed'), (t) =>"
                          " [getComputedStyle(t).textDecorationLine, !!t.previousElementSibling?.matches('rect.nx-opmark')])")
    assert marks and all(m == ["none", True] for m in marks), marks
    assert page.get_attribute(".nx-slider", "aria-valuetext") == f"η = {eta}"
    assert f"seed row {seed} (star)" in page.get_attribute(".nx-map", "aria-label")
    assert f"at η = {eta}" in page.get_attribute(".nx-map", "aria-label")
    page.wait_for_function(f"document.querySelector('.nx-live').textContent.startsWith('η {eta}: decoded row')",
                           timeout=30_000)
    assert page.evaluate("window.__said.length") == 1                 # k steps, one announcement
    live = page.inner_text(".nx-live")
    true = atlas.columns[atlas.metric][atlas.path_decoded[m, k]]
    assert f"row {atlas.path_decoded[m, k]}" in live and f"true {true:.2f}" in live, live
    # every value with its unit: accuracies in percent (naoviz.viz.theme.unit's rules, explorer_draw.js unitOf)
    assert re.search(rf"true {true:.2f}[\xa0 ]% \(validation accuracy\)", live), live
    assert re.search(r"at the moved point: predicted \d+\.\d\d[\xa0 ]% · decoded: predicted \d+\.\d\d[\xa0 ]%, true \d+\.\d\d[\xa0 ]%",
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
    assert page.inner_text(".nx-nbrs b").startswith(f"nearest to row {row} (true validation accuracy ")
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
    page.wait_for_selector(".nx-select-hits", timeout=30_000)
    page.locator(".nx-select-hits").focus()
    page.keyboard.press("Enter")
    n = sum(all(t in lab for t in ("nor_conv_3x3~0", "avg_pool")) for lab in atlas.labels)
    assert page.inner_text(".nx-sel").startswith(f"selection: {n:,} cell{'' if n == 1 else 's'} (find)")
    page.locator(".nx-root").focus()
    page.keyboard.press("Escape")                                      # clears it
    assert page.locator(".nx-sel").inner_text() == ""
    assert not low_contrast_text(page, ".nx-root"), low_contrast_text(page, ".nx-root")
    page.locator(".nx-slider").focus()                                 # a new atlas (cold start) keeps the focus
    page.evaluate("(() => { const m = document.querySelector('.nx-root').__nx.model;"
                  " m.set('_atlas_data', new DataView(m.get('_atlas_data').buffer.slice(0))); })()")
    page.wait_for_function("document.querySelector('.nx-root[data-ready]') && document.activeElement.matches('.nx-slider')"
                           " && document.querySelector('.nx-root').contains(document.activeElement)", timeout=30_000)
    # no keyboard trap: Tab leaves the explorer
    for _ in range(40):
        page.keyboard.press("Tab")
        if not page.evaluate("document.querySelector('.nx-root').contains(document.activeElement)"):
            break
    assert not page.evaluate("document.querySelector('.nx-root').contains(document.activeElement)")
    assert not errors
    page.close()
