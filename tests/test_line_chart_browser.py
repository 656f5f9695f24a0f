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
