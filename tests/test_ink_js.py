"""The colour maths the explorer and the dashboard's SVG charts share (naoviz/resources/ink.js), in node.

One copy serves both bundles; each keeps its own rule for a light page: the explorer darkens a colour under its
contrast (explorer_theme.js legible), the charts draw the palette as given (chart_common.js pageInk). Both are
checked here on the same files the bundles concatenate; the drawn pages in Chromium by tests/test_theme_browser.py
and tests/test_line_chart_browser.py.
"""
from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from naoviz.explorer_page import INK_JS, STATIC, front_end_source
from naoviz.ui.line_chart import chart_module
from naoviz.ui.query_table import STATIC as CHART_STATIC

NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="needs node")
# getComputedStyle stands in for the page's: an element is {bg, parentElement}
DOM = "globalThis.getComputedStyle = (e) => ({ backgroundColor: e.bg });\n"
SHARED = ("rgbaOf", "cssRGB", "luminance", "contrast", "mixRGB", "darkBackground", "pageBackground", "inkOn")


def run_js(body: str):
    """The value ``body`` prints as JSON, run after ink.js, explorer_theme.js and chart_common.js."""
    src = "\n".join(p.read_text(encoding="utf-8") for p in (INK_JS, STATIC / "explorer_theme.js",
                                                              CHART_STATIC / "chart_common.js"))
    out = subprocess.run([NODE, "-"], input=DOM + src + "\n" + body, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def _contrast(a, b) -> float:
    def lum(c):
        v = [x / 255 for x in c[:3]]
        v = [x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4 for x in v]
        return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]
    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_colours_parse_and_contrast_as_wcag_says():
    """#rgb, #rrggbb, rgb() and rgba() read without a canvas; black on white is 21:1, #767676 4.54:1, and the
    contrast of every NAONet op colour on white is what tests/test_cvd_colors.py computes in Python."""
    from naoviz.viz.theme import NAONET_COLORS
    got = run_js(f"""console.log(JSON.stringify([["#fff", "#1A73E8", "rgb(17, 17, 17)", "rgba(0,0,0,0.5)",
        "rgb(300, 0, 0)"].map(rgbaOf), contrast([0, 0, 0], [255, 255, 255]), contrast(rgbaOf("#767676"), [255, 255, 255]),
        {json.dumps(list(NAONET_COLORS.values()))}.map((c) => contrast(rgbaOf(c), [255, 255, 255]))]));""")
    assert got[0] == [[255, 255, 255, 1], [26, 115, 232, 1], [17, 17, 17, 1], [0, 0, 0, 0.5], [255, 0, 0, 1]]
    assert got[1] == pytest.approx(21) and got[2] == pytest.approx(4.54, abs=0.01)
    from test_cvd_colors import _contrast_on_white
    assert got[3] == pytest.approx([_contrast_on_white(c) for c in NAONET_COLORS.values()], abs=1e-6)


def test_a_colour_is_moved_just_far_enough_and_each_bundle_keeps_its_light_page_rule():
    """inkOn keeps a colour that has the contrast and otherwise moves it toward white (dark background) or black
    in 5 % steps until it has it, not one step more; a see-through colour is blended first. On JupyterLab Dark's
    #111 the explorer (legible, 4.5:1) and the charts (pageInk, 3:1) both lighten evolution's dark blue #004488;
    on white the explorer darkens local search's sky blue #56B4E9 (2.3:1) and the charts draw it as given."""
    got = run_js("""const dark = [17, 17, 17], white = [255, 255, 255];
      const page = (bg) => ({ bg: "rgba(0, 0, 0, 0)", parentElement: { bg, parentElement: null } });
      const step = (c, bg, min) => {              // the 5 % step taken, the contrast there and one step before
        const out = inkOn(c, bg, min), to = darkBackground(bg) ? white : [0, 0, 0], s = rgbaOf(c);
        const k = [...Array(21).keys()].find((k) => cssRGB(mixRGB(s, to, k * 0.05)) === out);
        return [k, contrast(rgbaOf(out), bg), contrast(mixRGB(s, to, (k - 1) * 0.05), bg)]; };
      console.log(JSON.stringify({
        kept: [inkOn("#D55E00", dark, 3), inkOn("#004488", white, 4.5), inkOn("#56B4E9", white, 2)],
        lightened: ["#5f6368", "#ad1457"].map((c) => inkOn(c, dark, 4.5)),
        steps: [step("#004488", dark, 3), step("#004488", dark, 4.5), step("#56B4E9", white, 4.5)],
        blended: inkOn("rgba(0, 0, 0, 0.2)", white, 3),
        bg: [pageBackground(page("rgb(17, 17, 17)")), pageBackground(page("rgba(17, 17, 17, 0.5)"))],
        explorer: [legible("#004488", { bg: dark, cache: new Map() }), legible("#56B4E9", { bg: white, cache: new Map() })],
        charts: [pageInk(page("#111"))("#004488"), pageInk(page("#ffffff"))("#56B4E9"), pageInk(page("#111"))("#D55E00")],
      }));""")
    assert got["kept"] == ["#D55E00", "#004488", "#56B4E9"]
    assert got["lightened"] == ["rgb(127,130,134)", "rgb(198,91,137)"]    # the old NAONet id, 1×3/3×1 on #111:
    # #7f8286 and #c65b89, ΔE 3.4 apart to a deuteranope (tests/test_cvd_colors.py)
    for (k, moved, one_back), want in zip(got["steps"], (3, 4.5, 4.5)):
        assert k >= 1 and moved >= want > one_back
    blended = [int(v) for v in got["blended"][4:-1].split(",")]
    assert _contrast(blended, (255, 255, 255)) >= 3 and len(set(blended)) == 1      # a grey, darker than 20 % black
    assert got["bg"] == [[17, 17, 17], [255, 255, 255]]
    lighter, darker = (json.loads("[" + c[4:-1] + "]") for c in got["explorer"])
    assert _contrast(lighter, (17, 17, 17)) >= 4.5 and _contrast(darker, (255, 255, 255)) >= 4.5
    assert darker[2] > darker[1] > darker[0]                                            # still a blue
    chart_dark = json.loads("[" + got["charts"][0][4:-1] + "]")
    assert 3 <= _contrast(chart_dark, (17, 17, 17)) < 4.5                             # a line's 3:1, not text's
    assert got["charts"][1:] == ["#56B4E9", "#D55E00"]


def test_each_bundle_holds_one_copy_of_the_colour_maths_and_parses(tmp_path):
    """The explorer's module and both chart widgets' start with ink.js and define each of its functions once
    (a second copy in a part would be a SyntaxError in an ES module, which node's parse check also catches)."""
    ink = INK_JS.read_text(encoding="utf-8")
    for name, src in (("explorer", front_end_source()), ("line", chart_module("line_chart.js")),
                      ("scatter", chart_module("scatter_chart.js"))):
        assert src.startswith(ink), name
        for fn in SHARED:
            assert src.count(f"function {fn}(") + src.count(f"const {fn} = ") == 1, (name, fn)
        path = tmp_path / f"{name}.mjs"
        path.write_text(src, encoding="utf-8")
        out = subprocess.run([NODE, "--check", str(path)], capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, (name, out.stderr)
