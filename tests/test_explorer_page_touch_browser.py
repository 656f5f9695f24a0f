"""The standalone explorer page on a phone (390 x 844, touch, 2x pixels) in real Chromium: it does not scroll
sideways, its controls take a finger (32 px) and its small text is 12 px; a tap on a dot makes it the seed; with box
a finger up the map scrolls the page; with lasso an outline begun downwards is drawn and selects (the page took such
a finger before: pointercancel, nothing selected). A finger is CDP touch events, as a phone sends (Playwright's
touchscreen only taps). Fixtures: tests/_explorer_page.py.
"""
from __future__ import annotations

import os

import pytest

from _browser import CHROMIUM
from _explorer_page import ART

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Debian chromium at /usr/bin/chromium")


def _finger(page, points, steps=6):
    """One finger down at points[0], moved through the others (``steps`` moves each leg) and lifted."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": points[0][0], "y": points[0][1]}]})
    for (x0, y0), (x1, y1) in zip(points, points[1:]):
        for i in range(1, steps + 1):
            cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [
                {"x": x0 + (x1 - x0) * i / steps, "y": y0 + (y1 - y0) * i / steps}]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()


# each visible control's (class, width, height) under 32 px high; each visible text's font size under 12 px
_SMALL = """(() => [[...document.querySelectorAll('.nx-root button, .nx-root input, .nx-root select')]
  .filter((e) => e.offsetParent && getComputedStyle(e).visibility !== 'hidden')
  .map((e) => [e.className, Math.round(e.getBoundingClientRect().width), e.getBoundingClientRect().height])
  .filter(([, w, hgt]) => hgt < 32 || w < 32),
 [...document.querySelectorAll('.nx-root *')].filter((e) => e.offsetParent && !e.closest('.nx-sr') && !e.closest('svg')
  && [...e.childNodes].some((n) => n.nodeType === 3 && n.data.trim()) && parseFloat(getComputedStyle(e).fontSize) < 12)
  .map((e) => [e.tagName + '.' + e.className, getComputedStyle(e).fontSize])])()"""
# the page's scroll once it has not moved for 10 frames (a fling ended)
_SETTLED = """new Promise((done) => { let last = -1, same = 0;
  const look = () => { if (scrollY !== last) { last = scrollY; same = 0; } else if (++same >= 10) return done(scrollY);
    requestAnimationFrame(look); }; look(); })"""
_SELECTED = "document.querySelector('.nx-root').__nx.S.selection.length"


def test_on_a_phone_the_page_fits_and_a_finger_taps_scrolls_and_draws_a_lasso_any_way(browser, shipped_page):
    _, page_file = shipped_page
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, has_touch=True, is_mobile=True)
    page = ctx.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"file://{page_file}")
    page.wait_for_selector(".nx-root[data-ready='1']", timeout=30_000)
    assert page.evaluate("matchMedia('(any-pointer: coarse)').matches")
    assert page.evaluate("document.scrollingElement.scrollWidth <= innerWidth"), "the page scrolls sideways at 390 px"
    small, tiny_text = page.evaluate(_SMALL)
    assert not small, f"controls under 32 px for a finger: {small}"
    assert not tiny_text, f"text under 12 px: {tiny_text[:8]}"
    page.screenshot(path=str(ART / "explorer-page-phone-390.png"))
    page.evaluate("""window.__cancelled = 0; document.querySelector('canvas.nx-map')
                     .addEventListener('pointercancel', () => { window.__cancelled++; })""")

    # a tap on a dot makes it the seed
    m = page.locator("canvas.nx-map").bounding_box()
    x, y, row = page.evaluate("""(() => { const nx = document.querySelector('.nx-root').__nx, c = document.querySelector('canvas.nx-map');
      for (let y = 20; y < c.clientHeight - 20; y += 5) for (let x = 20; x < c.clientWidth - 20; x += 5) {
        const r = nx.scatter.nearest(x, y); if (r >= 0 && r !== nx.S.seed) return [x, y, r]; } })()""")
    page.touchscreen.tap(m["x"] + x, m["y"] + y)
    page.wait_for_function(f"document.querySelector('.nx-root').__nx.S.seed === {row}", timeout=10_000)

    # box (the default): a finger up the map scrolls the page and selects nothing
    cx = m["x"] + m["width"] / 2
    _finger(page, [(cx, m["y"] + m["height"] * 0.8), (cx, m["y"] + m["height"] * 0.2)])
    page.wait_for_function("scrollY > 50", timeout=10_000)
    assert page.evaluate(_SELECTED) == 0
    page.evaluate(_SETTLED)                             # the swipe's fling over, then back to the top
    page.evaluate("scrollTo(0, 0)")
    assert page.evaluate(_SETTLED) == 0
    page.evaluate("window.__cancelled = 0")

    # lasso: an outline begun downwards is drawn, the page stays put, and the cells inside it are selected
    page.locator(".nx-tool[data-tool='lasso']").tap()
    page.wait_for_function("document.querySelector('.nx-root').__nx.S.tool === 'lasso'")
    m = page.locator("canvas.nx-map").bounding_box()
    outline = [(0.2, 0.15), (0.25, 0.85), (0.8, 0.85), (0.75, 0.15), (0.2, 0.15)]
    _finger(page, [(m["x"] + m["width"] * fx, m["y"] + m["height"] * fy) for fx, fy in outline])
    page.wait_for_function("document.querySelector('.nx-sel').textContent.includes('(lasso)')", timeout=10_000)
    assert page.evaluate(_SELECTED) > 100
    assert page.evaluate("[scrollY, window.__cancelled]") == [0, 0]
    assert not errors, errors
    ctx.close()
