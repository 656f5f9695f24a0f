"""The Search tab's chart module (naoviz/ui/static/line_chart.js, as the widget ships it) drawn in real Chromium
from the series the kernel sends (naoviz.ui.search_panel.search_lines): the dashed "longer runs only" line of a
search whose seeds differ in length keeps its legend label while a seed runs, and its legend swatch is dashed
as its line is. Screenshots go to tests/artifacts/."""
from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest

from _browser import CHROMIUM

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian chromium (make browser)")
ART = Path(__file__).resolve().parent / "artifacts"

# the page: the widget's own ES module and CSS, rendered into a div by its render({model, el}) with a model
# that answers get() from the state given and on() by keeping the callbacks (an anywidget model's two calls used)
PAGE = """<!doctype html><html><head><meta charset="utf-8"><style>body{font:13px sans-serif;margin:8px;background:#fff}
%s</style></head><body><div id="chart" style="width:%dpx"></div><script type="module">
const url = URL.createObjectURL(new Blob([%s], {type: "text/javascript"}));
const mod = (await import(url)).default;
const state = %s, handlers = {};
const model = {get: (k) => state[k], on: (e, f) => { (handlers[e] ||= []).push(f); }, off: () => {}};
window.setState = (s) => { Object.assign(state, s); for (const k of Object.keys(s)) for (const f of handlers["change:" + k] || []) f(); };
mod.render({model, el: document.getElementById("chart")});
document.body.dataset.ready = "1";
</script></body></html>"""


def _state(curves) -> dict:
    from naoviz.ui.line_chart import LineChart
    from naoviz.ui.search_panel import search_lines
    series, legend = search_lines(curves)
    chart = LineChart(series=series, legend_title=legend, x_title="queries", y_title="incumbent test_acc")
    return {k: getattr(chart, k) for k in ("series", "legend_title", "x_title", "x_integer", "y_title", "y_unit",
                                           "height")}


def _curves(short: int) -> dict:
    """Random search, seed 0 finished at 40 queries, seed 1 running at ``short`` queries (incumbents rise)."""
    rng = np.random.default_rng(0)
    runs = [np.maximum.accumulate(85 + 8 * rng.random(40)), np.maximum.accumulate(84 + 8 * rng.random(40))]
    return {"rs": [runs[0], runs[1][:short]]}


def _dashes(png: bytes) -> int:
    """Coloured runs along the middle row of a swatch's screenshot: 1 for a solid swatch, several for dashes."""
    from PIL import Image
    img = Image.open(io.BytesIO(png)).convert("RGB")
    row = [img.getpixel((x, img.height // 2)) for x in range(img.width)]
    inked = [min(p) < 200 for p in row]
    return sum(1 for i, on in enumerate(inked) if on and (i == 0 or not inked[i - 1]))


@pytest.mark.parametrize("width", [1024, 1600])
def test_the_longer_runs_line_keeps_its_label_and_has_a_dashed_swatch(browser, width):
    from naoviz.ui.line_chart import STATIC, chart_module
    css = (STATIC / "line_chart.css").read_text(encoding="utf-8")
    state = _state(_curves(12))
    page = browser.new_page(viewport={"width": width, "height": 600})
    page.set_content(PAGE % (css, width - 40, json.dumps(chart_module("line_chart.js")), json.dumps(state)))
    page.wait_for_selector("body[data-ready='1'] .nl-legend .nl-item")
    ART.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ART / f"search-longer-runs-{width}.png"))
    swatches = page.locator(".nl-item .nl-swatch")
    assert _dashes(swatches.nth(0).screenshot()) == 1                     # the mean: solid
    assert _dashes(swatches.nth(1).screenshot()) >= 2                     # the longer runs: dashed, as its line
    labels = page.locator(".nl-item").all_inner_texts()
    assert labels == ["rs (n=2)", "rs: longer runs only"], labels
    # while seed 1 runs on (query 12, then 13 and 30), the dashed line's name stays: its legend entry and its
    # hover readout do not jump query by query
    for short in (13, 30):
        page.evaluate("s => window.setState(s)", {"series": _state(_curves(short))["series"]})
        assert page.locator(".nl-item").all_inner_texts() == labels
    page.close()


def _contrast(a: str, b: str) -> float:
    """WCAG 2's contrast ratio of two 'rgb(r,g,b)' or '#rrggbb' colours."""
    import re

    def lum(c):
        v = [int(c[i:i + 2], 16) for i in (1, 3, 5)] if c.startswith("#") else [int(x) for x in re.findall(r"\d+", c)[:3]]
        v = [x / 255 for x in v]
        v = [x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4 for x in v]
        return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]
    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_incumbent_lines_are_steps_in_the_searchers_colours_lightened_on_a_dark_page(browser):
    """The Search tab's lines are steps (an incumbent changes only at a query: held flat, then the jump; the
    band too), in graded widths no wider than 4 px, drawn in :data:`naoviz.viz.theme.ALGO_COLORS` as given on a light page and, on JupyterLab Dark's
    #111, each lightened to at least 3:1 (evolution's dark blue #004488 is 1.9:1 there)."""
    from naoviz.ui.line_chart import STATIC, chart_module
    from naoviz.viz.theme import ALGO_COLORS
    css = (STATIC / "line_chart.css").read_text(encoding="utf-8")
    rng = np.random.default_rng(1)
    state = _state({a: [np.maximum.accumulate(85 + 8 * rng.random(20)) for _ in range(3)] for a in ALGO_COLORS})
    page = browser.new_page(viewport={"width": 900, "height": 600})
    drawn = {}
    for bg in ("#fff", "#111"):
        html = PAGE % (css, 860, json.dumps(chart_module("line_chart.js")), json.dumps(state))
        if bg == "#111":
            html = html.replace("background:#fff", "background:#111").replace("<body>", '<body data-jp-theme-light="false">')
        page.set_content(html)
        page.wait_for_selector("body[data-ready='1'] .nl-line")
        ART.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ART / f"search-steps-{'dark' if bg == '#111' else 'light'}.png"))
        drawn[bg] = page.evaluate("[...document.querySelectorAll('.nl-line, .nl-band')].map("
                                  "(e) => [e.getAttribute('class'), e.getAttribute('stroke') || e.getAttribute('fill'), e.getAttribute('d')])")
    # graded widths (a curve equal to a later one shows as a rim), the widest 4 px: it was 6.5 px of 2, and read
    # as the searcher that mattered
    widths = page.evaluate("[...document.querySelectorAll('.nl-line')].map((e) => parseFloat(e.style.strokeWidth))")
    assert widths == sorted(widths, reverse=True) and len(set(widths)) == len(widths) and widths[-1] == 2, widths
    assert widths[0] <= 4, widths
    lines = [d for d in drawn["#fff"] if d[0] == "nl-line"]
    assert [c for _, c, _ in lines] == list(ALGO_COLORS.values())
    for cls, _, d in drawn["#fff"]:              # after the first point: only flat (H) and upright (V) moves
        assert d.startswith("M") and "L" not in d and "H" in d and "V" in d, (cls, d[:80])
    dark = [c for cls, c, _ in drawn["#111"] if cls == "nl-line"]
    assert all(_contrast(c, "#111111") >= 3 for c in dark), dark
    assert dark[0] == ALGO_COLORS["nao"] and dark[1] != ALGO_COLORS["re"]     # vermilion already 3:1; blue lightened
    page.close()
