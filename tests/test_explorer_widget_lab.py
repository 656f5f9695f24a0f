"""The explorer widget live in JupyterLab: a real jupyter server on 127.0.0.1, a real kernel, real Chromium.

The notebook loads a saved atlas (over the real digits table; stand-in maps and paths, tests/_atlas_standin.py)
and displays ExplorerWidget; the test drives the page and reads the kernel's traits back through a cell.
"""
from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import pytest

from _atlas_standin import standin_atlas
from _explorer_page import LINES_OF_CELLS
from _lab import jupyterlab

ROOT = Path(__file__).resolve().parent.parent
ART = ROOT / "tests" / "artifacts"
from _browser import ARGS, CHROMIUM
FRAMES = "() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))"   # two frames drawn

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Debian chromium at /usr/bin/chromium")


def _cell(src: str) -> dict:
    return {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": src}


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    work = tmp_path_factory.mktemp("lab")
    standin_atlas(n_seeds=200).save(work / "atlas")
    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                                           "language": "python"}},
          "cells": [_cell("import sys; sys.path.insert(0, %r)\nfrom naoviz.atlas import Atlas\n"
                          "from naoviz.ui.explorer_widget import ExplorerWidget\n"
                          "w = ExplorerWidget(Atlas.load('atlas'))\nw" % str(ROOT)),
                    _cell("print('STATE', w.seed, w.eta_index, w.decoded_cell)"),
                    _cell("import _atlas_standin\nw.set_atlas(_atlas_standin.standin_atlas(n_seeds=300))")]}
    (work / "explorer.ipynb").write_text(json.dumps(nb))
    with jupyterlab(work) as url:
        yield {"url": url, "work": work}


def _frames_sent(page) -> list:
    """Every websocket frame the page sends from now on, as text (Lab's kernel protocol may be binary)."""
    sent = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda p: sent.append(
        p if isinstance(p, str) else bytes(p).decode("latin-1"))))
    return sent


def _wait_sent(page, sent: list, fragment: str, timeout_s: float = 60) -> None:
    """Until the page has sent ``fragment`` (its throttled write-back of a trait) to the kernel: a cell run
    after it is handled after it (one shell channel, in order); a fixed sleep was a guess on a loaded machine."""
    deadline = time.time() + timeout_s
    while not any(fragment in f for f in sent):
        assert time.time() < deadline, f"the page never sent {fragment!r} to the kernel"
        page.wait_for_timeout(50)


@pytest.mark.timeout(300)
def test_the_widget_runs_in_jupyterlab_and_the_kernel_sees_the_slider(lab):
    from playwright.sync_api import sync_playwright
    atlas = standin_atlas(n_seeds=200)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        sent = _frames_sent(page)
        page.goto(lab["url"] + "lab/tree/explorer.ipynb", timeout=120_000)
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120_000)
        page.wait_for_function("document.body.innerText.includes('(ipykernel) | Idle')", timeout=120_000)
        page.click(".jp-Notebook .jp-Cell >> nth=0")
        page.keyboard.press("Escape")
        page.keyboard.press("Shift+Enter")
        try:
            page.wait_for_selector(".jp-OutputArea .nx-root[data-ready='1']", timeout=90_000)
        except Exception:
            ART.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ART / "explorer_lab_failed.png"))
            raise
        assert page.evaluate("location.search") == ""                   # no URL writes inside Lab
        page.locator(".nx-root").focus()
        for _ in range(3):
            page.keyboard.press("ArrowRight")
        m = 0
        want = atlas.labels[atlas.path_decoded[m, 3]]
        try:                                        # the keys are handled asynchronously on a loaded machine
            page.wait_for_function("w => document.querySelector('.nx-decoded').innerText === w", arg=want,
                                   timeout=10_000)
        except Exception:
            pass                                    # the assert below says what it shows instead
        assert page.inner_text(".nx-decoded") == want
        for width in (1600, 1280):              # Lab's own styles around it: cell strings wrap between edges
            page.set_viewport_size({"width": width, "height": 1000})
            page.wait_for_function("w => window.innerWidth === w", arg=width, timeout=10_000)
            page.evaluate(FRAMES)                   # Lab lays its panels out again in the frames after a resize
            lines = page.evaluate(LINES_OF_CELLS)
            assert lines and not [c for c in lines if any(not re.search(r"[A-Za-z0-9]", t) for t in c)], (width, lines)
            ART.mkdir(parents=True, exist_ok=True)
            page.locator(".nx-side").screenshot(path=str(ART / f"explorer_lab_cells_{width}.png"))
        _wait_sent(page, sent, '"eta_index":3')                          # the throttled write-back (120 ms)
        page.click(".jp-Notebook .jp-Cell >> nth=1")
        page.keyboard.press("Escape")
        page.keyboard.press("Shift+Enter")
        page.wait_for_function("document.body.innerText.includes('STATE ')", timeout=60_000)
        text = page.inner_text(".jp-Notebook")
        # a new atlas from the kernel (a cold start's full one) redraws the same view, state kept
        page.click(".jp-Notebook .jp-Cell >> nth=2")
        page.keyboard.press("Escape")
        page.keyboard.press("Shift+Enter")
        page.wait_for_function("document.querySelector('.nx-root') && document.querySelector('.nx-root').__nx"
                               " && document.querySelector('.nx-root').__nx.atlas.M === 300", timeout=60_000)
        assert page.input_value(".nx-slider") == "3"
        assert page.locator(".nx-root").count() == 1
        ART.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ART / "explorer_lab.png"))
        browser.close()
    line = next(s for s in text.splitlines() if s.startswith("STATE "))
    assert line == f"STATE {int(atlas.seeds[0])} 3 {atlas.labels[atlas.path_decoded[0, 3]]}", line


LIVE = ".jp-NotebookPanel:not(.lm-mod-hidden) "     # the open notebook (Lab may restore an earlier one, hidden)
HANDLER = '''import sys; sys.path.insert(0, %r)
import numpy as np
from naoviz.atlas import Atlas
from naoviz.ui.explorer_widget import ExplorerWidget
atlas = Atlas.load('atlas')
asks = []
cheap = [atlas.labels[r] for r in np.argsort(atlas.columns['params_M'][:atlas.n_table], kind='stable')]
def handler(req):                    # a stand-in model: under a budget, the cheapest cells (the UI is tested here)
    asks.append(req)
    n = len(req['etas'])
    dec = cheap[:n] if req.get('budget') else [req['cell']] * n
    return {'decoded': dec, 'pred_moved': [1.0] * n, 'pred_decoded': [1.0] * n, 'true': None, 'steps': 1,
            **({'constrained': req['budget'], 'constrained_at': [True] * n} if req.get('budget') else {})}
w = ExplorerWidget(atlas, handler=handler)
w'''


@pytest.mark.timeout(300)
def test_a_budget_asks_the_kernel_for_the_constrained_step_once_per_settled_value(lab):
    """With a handler, choosing a budget column and releasing the budget slider each ask the kernel once (not per
    drag pixel); the page then shows the kernel's path and says it is the constrained step (screenshot at 1024 px)."""
    from playwright.sync_api import sync_playwright
    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                                           "language": "python"}},
          "cells": [_cell(HANDLER % str(ROOT)),
                    _cell("print('ASKS', sum(1 for a in asks if a.get('budget')), asks[-1]['budget']['bound'], w.budget)")]}
    (lab["work"] / "constrained.ipynb").write_text(json.dumps(nb))
    atlas = standin_atlas(n_seeds=200)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        page = browser.new_page(viewport={"width": 1024, "height": 1100})
        sent = _frames_sent(page)
        page.goto(lab["url"] + "lab/workspaces/constrained/tree/constrained.ipynb?reset", timeout=120_000)
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120_000)
        page.wait_for_function("document.body.innerText.includes('(ipykernel) | Idle')", timeout=120_000)
        page.click(LIVE + ".jp-Notebook .jp-Cell >> nth=0")
        page.keyboard.press("Escape")
        page.keyboard.press("Shift+Enter")
        try:
            page.wait_for_selector(LIVE + ".jp-OutputArea .nx-root[data-ready='1']", timeout=90_000)
        except Exception:
            ART.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ART / "explorer_constrained_failed.png"))
            raise
        page.evaluate("LIVE => { window.nxInputs = 0; document.querySelector(LIVE + '.nx-bslider')"
                      ".addEventListener('input', () => window.nxInputs++); }", LIVE)
        try:
            page.select_option(LIVE + ".nx-bcol", "params_M", timeout=20_000)
        except Exception:
            ART.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ART / "explorer_constrained_failed.png"))
            raise
        page.wait_for_function("LIVE => document.querySelector(LIVE + '.nx-bnote') && document.querySelector(LIVE + '.nx-bnote')"
                               ".innerText.startsWith('Shown: the constrained step, budget parameters')", arg=LIVE, timeout=60_000)
        cheap = [atlas.labels[r] for r in sorted(range(atlas.n_table), key=lambda r: atlas.columns["params_M"][r])]
        assert page.inner_text(LIVE + ".nx-decoded") == cheap[0]                           # the kernel's path, at eta 0
        box = page.locator(LIVE + ".nx-bslider").bounding_box()
        y = box["y"] + box["height"] / 2
        page.mouse.move(box["x"] + box["width"] * 0.5, y)
        page.mouse.down()
        for k in range(1, 11):                                                       # a drag: many input events
            page.mouse.move(box["x"] + box["width"] * (0.5 + 0.03 * k), y)
            time.sleep(0.05)
        during = page.inner_text(LIVE + ".nx-bnote")
        page.mouse.up()
        want = page.evaluate("LIVE => document.querySelector(LIVE + '.nx-root').__nx.budget.state.budget", LIVE)
        page.wait_for_function("([L, b]) => document.querySelector(L + '.nx-bnote').innerText.replace(/\\u00a0/g, ' ').includes('parameters ≤ ' + b + ' M (')",
                               arg=[LIVE, want], timeout=60_000)
        inputs = page.evaluate("window.nxInputs")
        ART.mkdir(parents=True, exist_ok=True)
        page.locator(LIVE + ".nx-bnote").scroll_into_view_if_needed()
        page.screenshot(path=str(ART / "explorer_constrained_1024.png"))
        _wait_sent(page, sent, page.evaluate("b => JSON.stringify({budget: b}).slice(1, -1)", want))  # the write-back
        page.click(LIVE + ".jp-Notebook .jp-Cell >> nth=1")
        page.keyboard.press("Escape")
        page.keyboard.press("Shift+Enter")
        page.wait_for_function("document.body.innerText.includes('ASKS ')", timeout=60_000)
        line = next(s for s in page.inner_text(LIVE + ".jp-Notebook").splitlines() if s.startswith("ASKS "))
        browser.close()
    _, n, bound, budget = line.split()
    assert inputs >= 5 and int(n) == 2, (line, inputs)                       # the column, then the release
    assert float(bound) == float(budget) == want
    assert "constrained step" in during                           # the old answer stays shown while dragging
