"""The explorer's η chart in real Chromium: its y tick labels fit inside the chart's box whatever their length
(a near-flat series needs five decimals, "0.49998", which a fixed 40 px left margin clipped to ".49998").
The atlas and page: tests/_explorer_page.py."""
from __future__ import annotations

import dataclasses
import os

import numpy as np
import pytest

from _browser import CHROMIUM
from _explorer_page import ART, _open

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Debian chromium at /usr/bin/chromium")

# Each y tick label of the chart (text-anchor end, left of the y axis): its text, its left edge and the chart's,
# the y axis's x, in CSS pixels.
TICKS = """() => { const s = document.querySelector('.nx-chart'), box = s.getBoundingClientRect();
  const axis = s.querySelectorAll('line.nx-axis')[1].getBoundingClientRect().left;
  return { box: box.left, axis, ticks: Array.from(s.querySelectorAll('text[text-anchor=end]'))
    .filter((t) => t.getBoundingClientRect().right <= axis + 1)
    .map((t) => ({ text: t.textContent, left: t.getBoundingClientRect().left, right: t.getBoundingClientRect().right })) }; }"""


def _flat_page(atlas, folder, level):
    """A page of ``atlas`` whose seed 0 path stays on its own cell with predictions within 1e-4 of ``level`` (the
    seed's true value set to ``level``): a near-flat chart."""
    from naoviz.explorer_page import write_page
    decoded = atlas.path_decoded.copy()
    decoded[0] = atlas.seeds[0]
    ramp = np.linspace(-5e-5, 5e-5, len(atlas.etas), dtype=np.float32)
    moved, pred = atlas.path_pred_moved.copy(), atlas.path_pred_decoded.copy()
    moved[0], pred[0] = level + ramp, level - ramp / 2
    column = atlas.columns[atlas.metric].copy()
    column[atlas.seeds[0]] = level
    flat = dataclasses.replace(atlas, path_decoded=decoded, path_pred_moved=moved, path_pred_decoded=pred,
                               columns={**atlas.columns, atlas.metric: column})
    return write_page(flat, folder / "explorer.html"), int(atlas.seeds[0])


@pytest.mark.parametrize("level,width", [(0.5, 1024), (0.5, 1680), (93.4512, 1024)])
def test_the_charts_y_tick_labels_lie_inside_its_box_for_a_near_flat_series(browser, atlas, tmp_path, level, width):
    page_file, seed = _flat_page(atlas, tmp_path, level)
    page, _, errors = _open(browser, page_file, f"?seed={seed}&eta=0", width=width)
    page.locator(".nx-chart").scroll_into_view_if_needed()
    got = page.evaluate(TICKS)
    ticks = got["ticks"]
    assert len(ticks) >= 3 and len({t["text"] for t in ticks}) == len(ticks), got      # distinct labels
    assert all(len(t["text"].split(".")[-1]) >= 4 for t in ticks), got                  # the near-flat digits
    assert all(t["left"] >= got["box"] for t in ticks), got                             # none clipped on the left
    assert all(t["right"] <= got["axis"] for t in ticks), got                           # left of the axis
    ART.mkdir(parents=True, exist_ok=True)
    page.locator(".nx-chart").screenshot(path=str(ART / f"explorer_chart_flat_{level:g}_{width}.png"))
    assert not errors, errors
    page.close()
