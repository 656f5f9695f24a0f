"""The standalone explorer page in headless Chromium from file://: size, time to interactive, slider step, lasso.

A slider step is timed in the page with ``performance.now()`` around the redraw it triggers (decoded cell,
chart marker, info, map overlay) plus a forced style/layout, for every eta of many seeds. Baseline in the same
run: a full repaint of every map point per step (what a page without the cached base image would do), so the
ratio says what the cached base buys. Target (issue 12): <= 16 ms per step, page <= 5 MB, interactive
<= 2 s from file://.
Lasso: ``Scatter.inPolygon`` over every map point for freehand-like outlines (a wavy ring, a vertex every
~2 px, as a drawn lasso records them), against a plain even-odd test of every point against every edge
(no bounding box, no y bands) in the same page; both must select the same rows. Target: well under 16 ms.
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
LASSO_JS = """(nPolys) => {
  const sc = document.querySelector('.nx-root').__nx.scatter, W = sc.cssW, H = sc.cssH, fast = [], plain = [];
  const brute = (poly) => {                // every point against every edge: the baseline
    const m = poly.length / 2, out = [];
    for (let i = 0; i < sc.n; i++) {
      const x = sc.sc[2 * i], y = sc.sc[2 * i + 1]; let inside = false;
      for (let k = 0, j = m - 1; k < m; j = k++) {
        const xi = poly[2 * k], yi = poly[2 * k + 1], xj = poly[2 * j], yj = poly[2 * j + 1];
        if ((yi > y) !== (yj > y) && x < xi + ((xj - xi) * (y - yi)) / (yj - yi)) inside = !inside;
      }
      if (inside) out.push(i);
    }
    return out;
  };
  let vertices = 0, selected = 0;
  for (let p = 0; p < nPolys; p++) {       // a wavy ring around a shifting centre, ~2 px between vertices
    const cx = W * (0.35 + 0.3 * (p % 3) / 2), cy = H * (0.4 + 0.2 * (p % 2)), r = Math.min(W, H) * (0.2 + 0.05 * (p % 4));
    const m = Math.round((2 * Math.PI * r) / 2), poly = new Float64Array(2 * m);
    for (let k = 0; k < m; k++) {
      const a = (2 * Math.PI * k) / m, rr = r * (1 + 0.3 * Math.sin(5 * a + p));
      poly[2 * k] = cx + rr * Math.cos(a); poly[2 * k + 1] = cy + rr * Math.sin(a);
    }
    let t0 = performance.now(); const a = sc.inPolygon(poly); fast.push(performance.now() - t0);
    t0 = performance.now(); const b = brute(poly); plain.push(performance.now() - t0);
    if (a.length !== b.length || a.some((v, i) => v !== b[i])) throw new Error(`polygon ${p}: inPolygon and the plain test disagree`);
    vertices += m; selected += a.length;
  }
  return {fast, plain, vertices: vertices / nPolys, selected: selected / nPolys, points: sc.n};
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
    ap.add_argument("--lassos", type=int, default=40, help="lasso outlines to time")
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
        las = page.evaluate(LASSO_JS, args.lassos)
        browser.close()
    step, full = _stats(res["steps"]), _stats(res["full"])
    report = {"atlas": source, "cells": len(atlas.labels), "seeds_with_path": len(atlas.seeds),
              "etas": len(atlas.etas), "page_mb": round(out.stat().st_size / 1e6, 3), "write_page_s": round(write_s, 3),
              "interactive_s": round(tti, 3), "slider_step": step, "baseline_full_repaint_step": full,
              "ratio_full_over_step_median": round(full["median_ms"] / max(step["median_ms"], 1e-6), 1),
              "target_ms": 16, "meets_target_p95": step["p95_ms"] <= 16,
              "lasso": _stats(las["fast"]), "baseline_lasso_every_edge": _stats(las["plain"]),
              "lasso_points": las["points"], "lasso_mean_vertices": round(las["vertices"], 1),
              "lasso_mean_selected": round(las["selected"], 1),
              "ratio_plain_over_lasso_median": round(_stats(las["plain"])["median_ms"] / max(_stats(las["fast"])["median_ms"], 1e-6), 1),
              "lasso_meets_target_max": _stats(las["fast"])["max_ms"] <= 16}
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(f"atlas: {source}; {report['cells']} cells, {report['seeds_with_path']} seeds x {report['etas']} etas")
        print(f"page: {report['page_mb']} MB (budget 5 MB); interactive from file:// in {tti:.2f} s (target 2 s)")
        print(f"slider step: median {step['median_ms']} ms, p95 {step['p95_ms']} ms, max {step['max_ms']} ms over {step['n']} steps "
              f"(target 16 ms)")
        print(f"baseline (repaint every point per step): median {full['median_ms']} ms; "
              f"ratio {report['ratio_full_over_step_median']}x")
        la, lp = report["lasso"], report["baseline_lasso_every_edge"]
        print(f"lasso (inPolygon, {las['points']} points, ~{report['lasso_mean_vertices']} vertices, ~{report['lasso_mean_selected']} "
              f"selected): median {la['median_ms']} ms, p95 {la['p95_ms']} ms, max {la['max_ms']} ms over {la['n']} outlines "
              f"(target 16 ms); baseline (every point x every edge): median {lp['median_ms']} ms; "
              f"ratio {report['ratio_plain_over_lasso_median']}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
