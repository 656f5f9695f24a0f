"""Retake the README's and docs' screenshots in docs/img (same scene, same size), or say how far the current code's
differ from them: cells.png (the exported NB201 cell comparison, 1000 x 600 at scale 1.5), atlas_islands.png (the
NB201 offline page at 1200 x 900, seed row 0, η = 10, the tour's first card) and dashboard.png (the dashboard's
Explorer tab, tests/test_ui_browser.py's warm server, 1400 x 1150). Each recipe reproduced the images committed
before 2026-12-07 pixel for pixel. Prints the pixels that differ from the committed image (``--json``: as JSON).

    NAOVIZ_DATA=/work/shared/data python bench/docs_images.py [--write] [--only NAME] [--json]

``--write`` replaces the images in docs/img. atlas_islands.png needs the NB201 atlas (a cold cache builds it
first: about 1.5 min on 2 cores).
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from bench_out import print_figures  # noqa: E402

SEED = "|skip_connect~0|+|avg_pool_3x3~0|skip_connect~1|+|avg_pool_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|"
DECODED = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|"


def cells(out: Path, _browser) -> None:
    from naoviz.spaces import get_space
    from naoviz.viz import cell_compare, export
    fig = cell_compare(get_space("nb201"), SEED, DECODED, titles=("seed", "decoded at η = 4.00"))
    export(fig, out, width=1000, height=600, scale=1.5)


def atlas_islands(out: Path, browser) -> None:
    page_file = out.with_suffix(".html")
    subprocess.run([sys.executable, "-m", "naoviz", "export-page", "--table", "nb201", str(page_file)], check=True,
                   stdout=subprocess.DEVNULL)
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.goto(f"{page_file.resolve().as_uri()}?seed=0&eta=10")
    page.wait_for_selector(".nx-root[data-ready='1']", timeout=60_000)
    page.get_by_role("button", name="tour").click()
    page.wait_for_timeout(600)
    page.screenshot(path=str(out))
    page.close()


def dashboard(out: Path, browser) -> None:
    import _dashboard_server as server
    with tempfile.TemporaryDirectory() as tmp:
        proc, log, url = server._serve({**server.WARM, "NAOVIZ_EXPORT_DIR": tmp}, Path(tmp) / "cache", "docs-image")
        try:
            page, _, _ = server._open(browser, url)
            page.set_viewport_size({"width": 1400, "height": 1150})
            page.wait_for_load_state("networkidle", timeout=30_000)
            page.wait_for_timeout(1000)
            page.screenshot(path=str(out), full_page=True)
            page.context.close()
        finally:
            proc.terminate()
            proc.wait(20)
            log.close()


RECIPES = {"cells.png": cells, "atlas_islands.png": atlas_islands, "dashboard.png": dashboard}


def differing(a: Path, b: Path) -> int:
    """Pixels whose RGB differ by more than 30 (summed) between two images; -1 when their sizes differ."""
    import numpy as np
    from PIL import Image
    x, y = (np.asarray(Image.open(p).convert("RGB"), dtype=int) for p in (a, b))
    return -1 if x.shape != y.shape else int((np.abs(x - y).sum(2) > 30).sum())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true", help="replace the images in docs/img")
    ap.add_argument("--only", choices=sorted(RECIPES), help="one image")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    from _browser import ARGS, CHROMIUM
    out = {}
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for name, recipe in RECIPES.items():
            if args.only and name != args.only:
                continue
            new = Path(tmp) / name
            recipe(new, browser)
            out[f"{name}: pixels differing from docs/img"] = differing(new, ROOT / "docs" / "img" / name)
            if args.write:
                (ROOT / "docs" / "img" / name).write_bytes(new.read_bytes())
        browser.close()
    print_figures(out, args.json, 44, 0)


if __name__ == "__main__":
    main()
