"""The explorer in JupyterLab's dark theme: a real JupyterLab server on 127.0.0.1, a real kernel, real Chromium.

The widget opens in JupyterLab Light, then the theme is switched to JupyterLab Dark in the open page (the command
Settings > Theme runs). Every text of the explorer (the chart's axis labels, the cell graphs' titles, the lists)
must keep WCAG AA contrast, 4.5:1, against its background in both, and the canvas map must be drawn on the page's
own background, with its colour ramp's dark end still visible (3:1). Until 2026-12-06 the explorer's colours were
fixed light ones: in the dark theme its text was #202124 on #111 (1.1:1) and the map a white block.
The dashboard served with ``naoviz dashboard --theme dark`` (Voila's dark theme) is checked the same way, its tab
bar too; the offline page follows prefers-color-scheme (no server: a file:// page).
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from _atlas_standin import standin_atlas
from _browser import ARGS, CHROMIUM
from _lab import jupyterlab

ROOT = Path(__file__).resolve().parent.parent
ART = ROOT / "tests" / "artifacts"
LIVE = ".jp-NotebookPanel:not(.lm-mod-hidden) "

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Debian chromium at /usr/bin/chromium")

# The map canvas's background pixel (a corner: the layout pads every point 10 px in), the page's background
# behind the explorer, the contrast of the explorer's text colour on it, and the colour ramp's low end against it.
CANVAS = """(sel) => {
  const root = document.querySelector(sel), map = root.querySelector('.nx-map');
  const lum = (c) => c.slice(0, 3).map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
    .reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const rgb = (c) => c.match(/[\\d.]+/g).map(Number);
  let bg = [255, 255, 255];
  for (let e = root; e; e = e.parentElement) { const c = rgb(getComputedStyle(e).backgroundColor); if (c.length < 4 || c[3] > 0.9) { bg = c.slice(0, 3); break; } }
  const px = Array.from(map.getContext('2d').getImageData(2, 2, 1, 1).data).slice(0, 3);
  const fg = rgb(getComputedStyle(root).color), a = fg.length > 3 ? fg[3] : 1;
  const text = fg.slice(0, 3).map((v, i) => a * v + (1 - a) * bg[i]);
  const low = rgb(root.querySelector('.nx-ramp').style.background.match(/rgb\\([^)]*\\)/)[0]);
  return { bg, px, theme: root.dataset.theme, text: ratio(text, bg), ramp_low: ratio(low, px), map_vs_page: ratio(px, bg) };
}"""


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab (Light, its default) with the app on ``window.jupyterapp`` so a test can run its theme command."""
    work = tmp_path_factory.mktemp("lab-theme")
    standin_atlas(n_seeds=60).save(work / "atlas")
    src = ("import sys; sys.path.insert(0, %r)\nfrom naoviz.atlas import Atlas\nfrom naoviz.ui.explorer_widget import "
           "ExplorerWidget\nExplorerWidget(Atlas.load('atlas'))" % str(ROOT))
    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                                           "language": "python"}},
          "cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": src}]}
    (work / "theme.ipynb").write_text(json.dumps(nb))
    with jupyterlab(work, "--LabApp.expose_app_in_browser=True", f"--LabApp.user_settings_dir={work / 'settings'}",
                    f"--LabApp.workspaces_dir={work / 'ws'}") as url:
        yield url


def _readable(page, sel: str, theme: str) -> dict:
    """Assert the explorer at ``sel`` is readable (text at 4.5:1, map on the page's background, ramp's low end at
    3:1) and screenshot it as theme_``theme``.png; returns the measures (CANVAS) for theme-specific checks."""
    from _a11y import low_contrast_text
    got = page.evaluate(CANVAS, sel)
    ART.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ART / f"theme_{theme}.png"))
    assert not low_contrast_text(page, sel), (theme, low_contrast_text(page, sel))     # axis labels, titles, lists
    assert got["text"] >= 4.5, got
    assert got["map_vs_page"] < 1.1, got            # the map is drawn on the page's background, not a block of its own
    assert got["ramp_low"] >= 3, got                # the worst cells' colour can be seen on it (WCAG 1.4.11)
    return got


def _drawn_in(page, sel: str, theme: str) -> None:
    """Wait (30 s at most) until the explorer at ``sel`` says ``theme`` and its map's background pixel is drawn in
    it (dark: every channel under 60, light: over 200), the state :func:`_readable` then checks; it redraws on the
    theme's change and again when the page's colours follow, later on a loaded machine (a fixed 1 s wait guessed)."""
    from _browser import wait_then_check
    wait_then_check(page, f"(s) => {{ const g = ({CANVAS})(s); return g.theme === '{theme}' && "
                          + ("Math.max(...g.px) < 60; }" if theme == "dark" else "Math.min(...g.px) > 200; }"), arg=sel)


@pytest.mark.timeout(300)
def test_the_explorer_stays_readable_when_jupyterlab_turns_dark(lab):
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.goto(lab + "lab/workspaces/theme/tree/theme.ipynb?reset", timeout=120_000)
        page.wait_for_function("document.body.innerText.includes('(ipykernel) | Idle')", timeout=120_000)
        page.click(LIVE + ".jp-Notebook .jp-Cell >> nth=0")
        page.keyboard.press("Escape")
        page.keyboard.press("Shift+Enter")
        page.wait_for_selector(LIVE + ".nx-root[data-ready='1']", timeout=90_000)
        page.locator(LIVE + ".nx-chart").scroll_into_view_if_needed()
        light = _readable(page, LIVE + ".nx-root", "light")
        assert min(light["bg"]) > 200, light
        page.evaluate("window.jupyterapp.commands.execute('apputils:change-theme', {theme: 'JupyterLab Dark'})")
        page.wait_for_function("document.body.dataset.jpThemeLight === 'false' && getComputedStyle(document.body)"
                               ".getPropertyValue('--jp-layout-color0').trim() === '#111'", timeout=30_000)
        # the explorer redraws at once and when the colours follow (late on a loaded machine): wait for the map in the dark
        _drawn_in(page, LIVE + ".nx-root", "dark")
        dark = _readable(page, LIVE + ".nx-root", "dark")
        assert max(dark["bg"]) < 60 and max(dark["px"]) < 60 and dark["theme"] == "dark", dark
        browser.close()


def _op_inks(page, colors: dict) -> bool:
    """Whether every op label of both NB201 cell graphs but "none" (its grey lightened on a dark page) is drawn in
    its ``colors`` colour; at least one label is."""
    from naoviz.viz.theme import OP_SHORT
    ops = {short: op for op, short in OP_SHORT.items()}
    drawn = page.evaluate("Array.from(document.querySelectorAll('.nx-cells text.nx-svg-op'), (t) => [t.textContent, t.getAttribute('fill')])")
    drawn = [(ops[text], fill) for text, fill in drawn if text != "none"]
    assert drawn and all(fill == colors[op] for op, fill in drawn), drawn
    return True


def test_the_offline_page_follows_prefers_color_scheme(browser, tmp_path):
    from naoviz.explorer_page import write_page
    from naoviz.viz.theme import OP_COLORS, OP_COLORS_DARK
    page_file = write_page(standin_atlas(n_seeds=30), tmp_path / "explorer.html")
    page = browser.new_page(viewport={"width": 1024, "height": 900}, color_scheme="dark")
    page.goto(page_file.as_uri())
    page.wait_for_selector(".nx-root[data-ready='1']", timeout=60_000)
    dark = _readable(page, ".nx-root", "dark")
    assert max(dark["px"]) < 60 and dark["theme"] == "dark", dark
    assert _op_inks(page, OP_COLORS_DARK)                # the dark-page op colours, not the light ones lightened
    page.emulate_media(color_scheme="light")            # the reader's system turns light: the page follows
    _drawn_in(page, ".nx-root", "light")
    light = _readable(page, ".nx-root", "light")
    assert min(light["px"]) > 200 and light["theme"] == "light", light
    assert _op_inks(page, OP_COLORS)
    page.close()


def test_the_explorer_redraws_when_a_late_stylesheet_turns_the_page_dark(browser, tmp_path):
    """The theme's mark on <body> comes before its colours (JupyterLab may set it before the new theme's stylesheet
    applies; slower still on a loaded machine): the explorer draws again when the colours come, here 1.5 s later.
    It redrew at the change and 400 ms after, then never: the map stayed white on the dark page."""
    from naoviz.explorer_page import write_page
    page_file = write_page(standin_atlas(n_seeds=30), tmp_path / "explorer.html")
    page = browser.new_page(viewport={"width": 1024, "height": 900}, color_scheme="light")
    page.goto(page_file.as_uri())
    page.wait_for_selector(".nx-root[data-ready='1']", timeout=60_000)
    assert min(page.evaluate(CANVAS, ".nx-root")["px"]) > 200
    page.evaluate("""() => {
      const late = document.createElement('style');      // the old theme's background, until the new one applies
      late.textContent = 'body[data-jp-theme-light=false] { background: #fff !important; }';
      document.head.appendChild(late);
      document.body.dataset.jpThemeLight = 'false';
      setTimeout(() => late.remove(), 1500);
    }""")
    _drawn_in(page, ".nx-root", "dark")
    dark = _readable(page, ".nx-root", "dark")
    assert max(dark["bg"]) < 60 and max(dark["px"]) < 60 and dark["theme"] == "dark", dark
    page.close()


@pytest.mark.timeout(300)
def test_the_dashboard_in_voilas_dark_theme_is_readable(browser, tmp_path):
    """``naoviz dashboard --theme dark``'s Voila command on the digits table: the explorer's texts and the tab bar's
    names (naoviz's template made them rgba(0,0,0,.62), for the light tab colour) at 4.5:1, the map on the page's
    background."""
    from _a11y import low_contrast_text
    from _dashboard_server import WARM, _log_path, _open, _serve
    proc, log, url = _serve(WARM, tmp_path / "cache", "dark", theme="dark")
    try:
        page = _open(browser, url, width=1024, log_path=_log_path("dark"))[0]
        assert page.evaluate("document.body.dataset.jpThemeLight") == "false"
        dark = _readable(page, ".nx-root", "dark")
        assert max(dark["px"]) < 60 and dark["theme"] == "dark", dark
        assert not low_contrast_text(page, ".jupyter-widget-tab > .lm-TabBar"), low_contrast_text(page, ".lm-TabBar")
        page.context.close()
    finally:
        proc.terminate()
        proc.wait(20)
        log.close()
