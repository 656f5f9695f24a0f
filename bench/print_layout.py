"""How the figures an author publishes lay out, measured in the files themselves: for the prediction chart and a
compare figure with its "runs with a feasible incumbent" panel, laid out for 3.5 and 7 in (SVG), the blank between
the x axis title and the legend and whether the lower panel's note runs into the upper panel; a NAONet cell
comparison's height with its legend of 14 ops at 3.5 and 7 in; for a saved HTML
compare figure at 390 and 1024 px (Chromium), the plot's width. Prints each figure (``--json``: as JSON).

    python bench/print_layout.py [--json]
"""
from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from bench_out import print_figures  # noqa: E402
from naoviz.viz import export_many  # noqa: E402
from naoviz.viz.curves import compare_figure  # noqa: E402
from naoviz.viz.path import prediction_chart  # noqa: E402
from naoviz.viz.print_sizes import export_for_print, for_print  # noqa: E402

LATE = [[np.nan, 80.0, 81.0, 85.0], [70.0, 80.0, 82.0, 83.0]]


def figures() -> dict:
    etas = np.linspace(0, 10, 21)
    return {"prediction": prediction_chart(etas, etas + 90, etas + 89, etas + 88, current=8, metric="valid_acc"),
            "compare": compare_figure({"report": "cifar10_test_acc", "metric": "valid_acc",
                                       "constraints": ["latency_pixel3<=9"],
                                       "algos": {a: {"curves": LATE} for a in ("nao", "re", "rs", "ls")}})}


def naonet_compare():
    """Two NAONet cells (``sample(2, seed=0)``) compared: 14 ops in its legend, the longest a cell figure has."""
    from naoviz.spaces import get_space
    from naoviz.viz import cell_compare
    space = get_space("naonet")
    return cell_compare(space, *space.sample(2, seed=0))


def svg_gap(path: Path) -> float:
    """px between the lowest x axis title's baseline and the legend's top, in an exported SVG."""
    text = path.read_text()
    legend = float(re.search(r'class="legend"[^>]*translate\([\d.]+,([\d.]+)\)', text).group(1))
    title = max(float(y) for y in re.findall(r'class="x\d*title" x="[\d.]+" y="([\d.]+)"', text))
    return legend - title


def note_room(fig, inches: float) -> float:
    """px left between the lower panel's note's top line and the upper panel (negative: the note runs over it)."""
    out, _ = for_print(fig, inches)
    note = next(a for a in out.layout.annotations if "feasible incumbent" in (a.text or ""))
    area = out.layout.height - out.layout.margin.t - out.layout.margin.b
    lines = note.text.count("<br>") + 1
    return (out.layout.yaxis.domain[0] - note.y) * area - lines * note.font.size * 1.2


def phone_plot_width(page_file: Path) -> dict:
    from playwright.sync_api import sync_playwright
    from _browser import ARGS, CHROMIUM
    got = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for width in (390, 1024):
            page = browser.new_page(viewport={"width": width, "height": 800})
            page.goto(page_file.as_uri())
            page.wait_for_selector(".legend")
            page.wait_for_timeout(300)
            got[f"html compare: plot width at {width} px (px)"] = page.evaluate(
                "document.querySelector('.nsewdrag').getBoundingClientRect().width")
            page.close()
        browser.close()
    return got


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args()
    figs = figures()
    out: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name, fig in figs.items():
            for inches in (3.5, 7.0):
                path = folder / f"{name}-{inches}.svg"
                export_for_print([fig], [path], inches)
                out[f"{name} {inches:g} in: x title to legend (px)"] = round(svg_gap(path), 1)
        for inches in (3.5, 7.0):
            out[f"compare {inches:g} in: room above the lower note (px)"] = round(note_room(figs["compare"], inches), 1)
        naonet = naonet_compare()
        for inches in (3.5, 7.0):
            out[f"NAONet cells {inches:g} in: height with its legend (px)"] = for_print(naonet, inches)[0].layout.height
        page, = export_many([figs["compare"]], [folder / "compare.html"])
        out.update(phone_plot_width(page))
    print_figures(out, args.json, 52, 1)


if __name__ == "__main__":
    main()
