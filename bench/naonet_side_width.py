"""The least cell-panel width (the drawing's CSS px, a panel's inner width) at which the explorer draws a NAONet
cell's normal and reduction cells side by side, per space, in this machine's Chromium (its fonts and the page's
measured labels: the rule depends on the space's widest op name and the font sizes alone), and the widths the
explorer's two cell panels have at a 1024 and a 1600 px window. The figures docs/ui.md quotes ("side by side only
from 650 px of panel"). Prints each figure (``--json``: as JSON).

    python bench/naonet_side_width.py [--json]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from bench_out import print_figures  # noqa: E402

READY = ".nx-root[data-ready='1']"


def layout_at(page, w: int) -> str:
    """The first cell panel redrawn at ``w`` px of drawing (its grid column set to that plus its 1 px borders):
    "side" or "stacked"."""
    page.evaluate("w => { const c = document.querySelector('.nx-cells'); c.style.gridTemplateColumns = "
                  "`${w + 2}px ${w + 2}px`; c.style.width = 'max-content'; }", w)
    page.wait_for_function("w => document.querySelector('.nx-cells svg').dataset.w === String(w)", arg=w, timeout=10_000)
    return page.evaluate("document.querySelector('.nx-cells svg').dataset.layout")


def least_side(page, lo: int = 300, hi: int = 1200) -> int:
    """The least drawing width at which the cells sit side by side (bisection: stacked at ``lo``, side at ``hi``)."""
    assert layout_at(page, lo) == "stacked" and layout_at(page, hi) == "side"
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if layout_at(page, mid) == "side" else (mid, hi)
    return hi


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args(argv)
    from playwright.sync_api import sync_playwright

    from _atlas_standin import naonet_standin_atlas
    from _browser import ARGS, CHROMIUM
    from naoviz.explorer_page import write_page
    out = {}
    with sync_playwright() as p, tempfile.TemporaryDirectory() as tmp:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        out["chromium"] = browser.version
        for space in ("naonet", "naonet-ws"):
            page_file = write_page(naonet_standin_atlas(space), Path(tmp) / f"{space}.html")
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            for window in (1024, 1600):
                page.set_viewport_size({"width": window, "height": 1000})
                page.goto(f"file://{page_file}")
                page.wait_for_selector(READY, timeout=60_000)
                out[f"{space} panel width at {window} px (px)"] = page.evaluate(
                    "[...document.querySelectorAll('.nx-cells svg')].map((s) => s.clientWidth).join(' / ')")
            out[f"{space} side by side from (px)"] = least_side(page)
            page.close()
        browser.close()
    print_figures(out, args.json, width=42, digits=0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
