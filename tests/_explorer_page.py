"""The explorer page tests' shared pieces: the tiny atlas and its page, the shipped digits atlas's page (fixtures,
session-scoped: built once for every tests/test_explorer_page*_browser.py and tests/test_explorer_swap_browser.py;
registered by tests/conftest.py), opening a page in Chromium from file:// and reading its state.

The atlas is built by naoviz.atlas_build from a tiny NAO model on the shipped digits table (real paths,
real neighbours); screenshots go to tests/artifacts/.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
ART = ROOT / "tests" / "artifacts"
SPEC = dict(n_train=200, overrides={"epochs": 15})   # the dashboard browser test's spec: small, trains in ~15 s


@pytest.fixture(scope="session")
def atlas():
    """The tiny atlas: a NAO model (SPEC) on the shipped digits table, 120 seeds x 11 steps η, a PCA map."""
    import torch
    torch.set_num_threads(1)
    from naoviz.atlas_build import build_atlas
    from naoviz.nao.cache import ModelSpec, load_or_train
    from naoviz.tables import load_benchmark
    bench = load_benchmark("nb201-digits")
    model = load_or_train(bench, ModelSpec(**SPEC))[0]
    return build_atlas(model, bench, etas=np.linspace(0, 10, 11), seeds=list(range(120)), maps=("pca",), k=6)


@pytest.fixture(scope="session")
def page_file(atlas, tmp_path_factory):
    from naoviz.explorer_page import write_page
    return write_page(atlas, tmp_path_factory.mktemp("page") / "explorer.html")


@pytest.fixture(scope="session")
def shipped_page(tmp_path_factory):
    """The page of the shipped digits atlas (UMAP and PCA maps, 6,466 paths): its UMAP paths have jumps."""
    from naoviz.atlas import Atlas
    from naoviz.explorer_page import write_page
    from naoviz.resources import shipped_dir
    atlas = Atlas.load(sorted(shipped_dir().glob("*-atlas-*.json"))[0].with_suffix(""))
    return atlas, write_page(atlas, tmp_path_factory.mktemp("shipped") / "explorer.html")


def _open(browser, page_file, query="", width=1400, clock=False):
    """(page, its requests, its errors) for the explorer page ``page_file`` opened with ``query``; ``clock``:
    Playwright's clock is installed first, so a test can stop the page's time (timers then wait for it)."""
    page = browser.new_page(viewport={"width": width, "height": 1000})
    if clock:
        page.clock.install()
    requests, errors = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"file://{page_file}{query}")
    page.wait_for_selector(".nx-root[data-ready='1']", timeout=30_000)
    return page, requests, errors


def _state(page) -> dict:
    return page.evaluate("(() => { const S = document.querySelector('.nx-root').__nx.S; "
                         "return {seed: S.seed, eta: S.eta, view: S.view, picked: S.picked}; })()")


def _seed_box_and_link(browser, page_file, row):
    """What the page shows for seed row ``row`` typed in the seed row box, and opened as ``?seed=row``: two dicts
    (seed, picked, the box's value, the line and whether it is red, the neighbours listed, the page's errors)."""
    seen = ("(() => { const S = document.querySelector('.nx-root').__nx.S, m = document.querySelector('.nx-msg');"
            " return {seed: S.seed, picked: S.picked, box: document.querySelector('.nx-seed').value, said: m.textContent,"
            " red: m.classList.contains('nx-err'), nbrs: Array.from(document.querySelectorAll('.nx-nbrs a'), (a) => +a.dataset.row)}; })()")
    out = []
    for query in ("", f"?seed={row}"):
        page, _, errors = _open(browser, page_file, query, width=1024)
        if not query:
            page.fill(".nx-seed", str(row))
            page.press(".nx-seed", "Enter")
            page.wait_for_function(f"document.querySelector('.nx-msg').textContent.startsWith('row {row} has no path')", timeout=30_000)
        out.append({**page.evaluate(seen), "errors": errors})
        page.close()
    return tuple(out)


def _moving_seed(atlas):
    """(seed row, first eta index whose decoded cell differs from index 0) for a seed whose path moves."""
    for m, row in enumerate(atlas.seeds):
        changes = np.flatnonzero(atlas.path_decoded[m] != atlas.path_decoded[m, 0])
        if len(changes):
            return int(row), int(changes[0])
    pytest.skip("no seed's decoded cell changes along eta in this atlas")


# Each line box of every cell string in the panels: its text, from the characters' own rectangles.
LINES_OF_CELLS = """() => Array.from(document.querySelectorAll('.nx-info code, .nx-binfo code'), (c) => {
  const lines = new Map(), walk = document.createTreeWalker(c, NodeFilter.SHOW_TEXT); let n;
  while ((n = walk.nextNode())) for (let i = 0; i < n.length; i++) {
    const r = document.createRange(); r.setStart(n, i); r.setEnd(n, i + 1);
    const box = r.getClientRects()[0]; if (!box || !box.width) continue;
    const key = Math.round(box.top + box.height / 2); lines.set(key, (lines.get(key) || '') + n.data[i]);
  }
  return Array.from(lines.keys()).sort((a, b) => a - b).map((k) => lines.get(k));
})"""
