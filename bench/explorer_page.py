"""The standalone explorer page in headless Chromium from file://: size, time to interactive, slider step.

A slider step is timed in the page with ``performance.now()`` around the redraw it triggers (decoded cell,
chart marker, info, map overlay) plus a forced style/layout, for every eta of many seeds. Baseline in the same
run: a full repaint of every map point per step (what a page without the cached base image would do), so the
ratio says what the cached base buys. Target (issue 12): <= 16 ms per step, page <= 5 MB, interactive
<= 2 s from file://.
Run: .venv/bin/python bench/explorer_page.py --atlas PATH [--seeds 30] [--json]
     (without --atlas: a stand-in atlas over the digits table, tests/_atlas_standin.py)
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]
STEP_JS = """(nSeeds) => {
  const nx = document.querySelector('.nx-root').__nx, A = nx.atlas.A, E = nx.atlas.E, steps = [], full = [];
  for (let m = 0; m < Math.min(nSeeds, nx.atlas.M); m++) {
    nx.setSeed(A.seeds[m]);
    for (let e = 0; e < E; e++) {
      const t0 = performance.now(); nx.setEta(e); document.body.offsetHeight; steps.push(performance.now() - t0);
    }
  }
  for (let r = 0; r < 10; r++) {           // baseline: repaint every point, then the same step
    const t0 = performance.now(); nx.repaint(); nx.setEta((r + 1) % E); document.body.offsetHeight; full.push(performance.now() - t0);
  }
  return {steps, full};
}"""


def _stats(xs):
    xs = sorted(xs)
    return {"median_ms": round(xs[len(xs) // 2], 3), "p95_ms": round(xs[int(len(xs) * 0.95)], 3),
            "max_ms": round(xs[-1], 3), "n": len(xs)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--atlas", default=None, help="a saved atlas (PATH.safetensors + PATH.json)")
    ap.add_argument("--seeds", type=int, default=30, help="seeds to sweep (every eta of each)")
    ap.add_argument("--width", type=int, default=1400)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    from naoviz.atlas import Atlas
    from naoviz.explorer_page import write_page
    if args.atlas:
        atlas, source = Atlas.load(args.atlas), args.atlas
    else:
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
        from _atlas_standin import standin_atlas
        atlas, source = standin_atlas(), "stand-in (digits table)"
    out = Path(tempfile.mkdtemp(prefix="naoviz-bench-")) / "explorer.html"
    t0 = time.perf_counter()
    write_page(atlas, out)
    write_s = time.perf_counter() - t0
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        page = browser.new_page(viewport={"width": args.width, "height": 1000})
        t0 = time.perf_counter()
        page.goto(f"file://{out}")
        page.wait_for_selector(".nx-root[data-ready='1']", timeout=60_000)
        tti = time.perf_counter() - t0
        res = page.evaluate(STEP_JS, args.seeds)
        browser.close()
    step, full = _stats(res["steps"]), _stats(res["full"])
    report = {"atlas": source, "cells": len(atlas.labels), "seeds_with_path": len(atlas.seeds),
              "etas": len(atlas.etas), "page_mb": round(out.stat().st_size / 1e6, 3), "write_page_s": round(write_s, 3),
              "interactive_s": round(tti, 3), "slider_step": step, "baseline_full_repaint_step": full,
              "ratio_full_over_step_median": round(full["median_ms"] / max(step["median_ms"], 1e-6), 1),
              "target_ms": 16, "meets_target_p95": step["p95_ms"] <= 16}
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(f"atlas: {source}; {report['cells']} cells, {report['seeds_with_path']} seeds x {report['etas']} etas")
        print(f"page: {report['page_mb']} MB (budget 5 MB); interactive from file:// in {tti:.2f} s (target 2 s)")
        print(f"slider step: median {step['median_ms']} ms, p95 {step['p95_ms']} ms, max {step['max_ms']} ms over {step['n']} steps "
              f"(target 16 ms)")
        print(f"baseline (repaint every point per step): median {full['median_ms']} ms; "
              f"ratio {report['ratio_full_over_step_median']}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
