"""The NB201 offline explorer page (``naoviz export-page --table nb201``) from file:// in Chromium at 390, 1024 and
1600 px: what it fetches beyond its own file, its script errors, its horizontal overflow, and whether its words
match the table: the seed's and each decoded cell's string and true value along η for the first seeds, and the
nearest-cells list, against ``load_benchmark("nb201")``. Prints each figure (``--json``: as JSON); every count
but the checked values should be 0. Screenshots of each width with ``--shots DIR``.

    NAOVIZ_DATA=/work/shared/data python bench/nb201_page.py [--page PATH] [--seeds 5] [--shots DIR] [--json]

Without ``--page`` it runs ``naoviz export-page --table nb201`` into a temporary folder first (a cold cache
builds the model and atlas: about 1.5 min on 2 cores; the export alone about 1 s).
"""
from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from bench_out import print_figures  # noqa: E402

WIDTHS = (390, 1024, 1600)
ROW = re.compile(r"row (\d+)\s*· distance [\d.]+ · true ([\d.]+)\s*%")


def check_width(browser, page_file: Path, width: int, frame, seeds: int, shots) -> dict:
    """One width's figures: requests beyond file://, page errors, overflow (px), values checked and wrong."""
    page = browser.new_page(viewport={"width": width, "height": 900})
    requests, errors = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    start = time.perf_counter()
    page.goto(page_file.as_uri())
    page.wait_for_selector(".nx-root[data-ready='1']", timeout=60_000)
    ready = time.perf_counter() - start
    if shots:
        page.screenshot(path=str(Path(shots) / f"nb201-page-{width}.png"), full_page=True)
    checked, wrong = 0, []
    arch, valid = frame["arch_str"].tolist(), frame["valid_acc"].to_numpy()
    seeds_rows = page.evaluate("Array.from(document.querySelector('.nx-root').__nx.atlas.A.seeds)")[:seeds]
    n_eta = page.evaluate("document.querySelector('.nx-root').__nx.atlas.E")
    for seed in seeds_rows:
        for eta in (0, n_eta // 2, n_eta - 1):
            page.evaluate("([s, e]) => { const nx = document.querySelector('.nx-root').__nx; nx.setSeed(s); nx.setEta(e); }",
                          [int(seed), int(eta)])
            decoded = page.inner_text(".nx-decoded").strip()
            info = " ".join(page.inner_text(".nx-info").split())     # the panel under the chart: seed, decoded, values
            m = re.search(r"decoded row (\d+): .*decoded: predicted [\d.]+\s*%, true ([\d.]+)\s*%", info)
            row = int(m.group(1)) if m else -1
            checked += 3
            if row < 0 or decoded != arch[row]:
                wrong.append(f"seed {seed} η index {eta}: decoded {decoded!r} is not row {row}'s cell")
            if row >= 0 and m.group(2) != f"{valid[row]:.2f}":
                wrong.append(f"seed {seed} η index {eta}: true {m.group(2)} % against the table's {valid[row]:.2f}")
            checked += 1
            if f"seed row {seed}: {arch[int(seed)]}" not in info:
                wrong.append(f"seed {seed}: 'seed row {seed}: <its cell>' is not on the page")
        for r, v in ROW.findall(page.inner_text(".nx-root")):
            checked += 1
            if v != f"{valid[int(r)]:.2f}":
                wrong.append(f"nearest row {r}: true {v} % against the table's {valid[int(r)]:.2f}")
    overflow = page.evaluate("document.documentElement.scrollWidth - innerWidth")
    page.close()
    return {"requests beyond file://": len([u for u in requests if not u.startswith("file://")]),
            "page errors": len(errors), "horizontal overflow (px)": overflow, "values checked": checked,
            "values wrong": len(wrong), "interactive after (s)": round(ready, 2), "_wrong": wrong[:5], "_errors": errors[:3]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--page", type=Path, help="an exported NB201 page (default: export one now)")
    ap.add_argument("--seeds", type=int, default=5, help="seeds whose path is checked at η's start, middle and end")
    ap.add_argument("--shots", help="folder for a full-page screenshot at each width")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    from _browser import ARGS, CHROMIUM
    from naoviz.tables import load_benchmark
    frame = load_benchmark("nb201").frame
    with tempfile.TemporaryDirectory() as tmp:
        page_file = args.page
        if page_file is None:
            page_file = Path(tmp) / "nb201.html"
            subprocess.run([sys.executable, "-m", "naoviz", "export-page", "--table", "nb201", str(page_file)],
                           check=True, stdout=subprocess.DEVNULL)
        out = {"page size (MB)": round(page_file.stat().st_size / 1e6, 2)}
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for width in WIDTHS:
                got = check_width(browser, page_file.resolve(), width, frame, args.seeds, args.shots)
                out.update({f"{width} px: {k}": v for k, v in got.items() if not k.startswith("_")})
                for line in got["_wrong"] + got["_errors"]:
                    print(f"{width} px: {line}", file=sys.stderr)
            browser.close()
    print_figures(out, args.json, 44, 2)


if __name__ == "__main__":
    main()
