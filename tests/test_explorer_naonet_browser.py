"""The explorer page of a NAONet atlas in real Chromium: its seed and decoded cells are drawn as graphs.

The atlas is the stand-in of tests/_atlas_standin.py (300 seeded random NAONet cells; no table has NAONet
rows). Every box is measured in the page (getBoundingClientRect; edges sampled with getPointAtLength), at the
widths where the two cell panels stack (1024 px) and sit side by side (1600 px); screenshots go to
tests/artifacts/.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from _atlas_standin import naonet_standin_atlas

ART = Path(__file__).resolve().parent / "artifacts"
from _browser import CHROMIUM

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Debian chromium at /usr/bin/chromium")

# Per cell graph: text sizes on screen, label boxes crossing each other / a node / a foreign edge, texts wider
# than their box, and the changes its description names.
MEASURE_JS = """(() => Array.from(document.querySelectorAll('.nx-cells svg')).map(s => {
  const box = (e) => { const b = e.getBoundingClientRect(); return [b.left, b.top, b.right, b.bottom]; };
  const hit = (a, b) => a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];
  const labels = Array.from(s.querySelectorAll('rect.nx-oplabel')), lb = labels.map(box);
  const texts = Array.from(s.querySelectorAll('text.nx-svg-op')).map(box);
  const nodes = Array.from(s.querySelectorAll('.nx-node')).map(box), names = Array.from(s.querySelectorAll('text.nx-svg-node')).map(box);
  let crossed = 0, nodeHits = 0, through = 0;
  lb.forEach((a, i) => { lb.slice(i + 1).forEach(b => { if (hit(a, b)) crossed++; }); nodes.forEach(n => { if (hit(a, n)) nodeHits++; }); });
  nodes.forEach((a, i) => nodes.slice(i + 1).forEach(b => { if (hit(a, b)) nodeHits++; }));
  const inside = texts.filter((t, i) => t[0] >= lb[i][0] && t[2] <= lb[i][2] && t[1] >= lb[i][1] - 1 && t[3] <= lb[i][3] + 1).length;
  const named = names.filter((t, i) => t[2] - t[0] <= nodes[i][2] - nodes[i][0]).length;
  for (const p of s.querySelectorAll('path[data-key]')) {        // an edge passes through its own label only
    const m = p.getScreenCTM(), L = p.getTotalLength();
    for (let d = 0; d <= L; d += 1.5) {
      const q = p.getPointAtLength(d), x = m.a * q.x + m.c * q.y + m.e, y = m.b * q.x + m.d * q.y + m.f;
      labels.forEach((r, i) => { const b = lb[i];
        if (r.dataset.key !== p.dataset.key && x > b[0] + 1 && x < b[2] - 1 && y > b[1] + 1 && y < b[3] - 1) through++; });
    }
  }
  const k = s.getBoundingClientRect().width / s.viewBox.baseVal.width;
  const px = (sel) => Array.from(s.querySelectorAll(sel)).map(t => parseFloat(getComputedStyle(t).fontSize) * k);
  return { w: s.getBoundingClientRect().width, layout: s.dataset.layout, labels: labels.length, crossed, nodeHits, through,
           inside, named, nodes: nodes.length, op: px('text.nx-svg-op'), node: px('text.nx-svg-node'),
           right: Math.max(...lb.map(b => b[2]), ...nodes.map(b => b[2])) <= s.getBoundingClientRect().right,
           changed: s.querySelectorAll('rect.nx-oplabel.nx-changed').length,
           desc: s.querySelector('desc').textContent, aria: s.getAttribute('aria-label') };
}))()"""


@pytest.fixture(scope="module")
def naonet_page(tmp_path_factory):
    from naoviz.explorer_page import write_page
    atlas = naonet_standin_atlas("naonet")
    return atlas, write_page(atlas, tmp_path_factory.mktemp("naonet") / "explorer.html")


def _changed_slots(a, b) -> int:
    """(node, input) slots of two archs whose input or op differ."""
    return sum(a[p:p + 2] != b[p:p + 2] for p in range(0, 40, 2))


@pytest.mark.parametrize("width", [1024, 1600])
def test_naonet_seed_and_decoded_cells_are_graphs_whose_labels_do_not_cross(browser, naonet_page, width):
    from naoviz.spaces import get_space
    atlas, page_file = naonet_page
    space = get_space(atlas.space)
    m = next(m for m in range(len(atlas.seeds)) if (atlas.path_decoded[m] != atlas.path_decoded[m, 0]).any())
    seed, eta = int(atlas.seeds[m]), len(atlas.etas) - 1
    decoded = int(atlas.path_decoded[m, eta])
    a, b = space.parse(atlas.labels[seed]), space.parse(atlas.labels[decoded])
    n_changed = _changed_slots(list(a), list(b))
    assert n_changed > 0
    page = browser.new_page(viewport={"width": width, "height": 1000})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"file://{page_file}?seed={seed}&eta={eta}")
    page.wait_for_selector(".nx-root[data-ready='1']", timeout=30_000)
    page.wait_for_function("Array.from(document.querySelectorAll('.nx-cells svg')).every(s => "
                           "Math.abs(Number(s.dataset.w) - s.clientWidth) <= 1)", timeout=30_000)
    seed_svg, dec_svg = page.evaluate(MEASURE_JS)
    for cell in (seed_svg, dec_svg):
        assert cell["labels"] == 20 and cell["nodes"] == 16, cell                  # 2 cells x 5 nodes x 2 inputs
        assert cell["crossed"] == 0 and cell["nodeHits"] == 0 and cell["through"] == 0, cell
        assert cell["inside"] == 20 and cell["named"] == 16 and cell["right"], cell
        assert all(11 - 0.2 <= v <= 16 + 0.2 for v in cell["op"]), cell
        assert all(10 - 0.2 <= v <= 13 + 0.2 for v in cell["node"]), cell
    assert seed_svg["changed"] == 0 and seed_svg["desc"] == atlas.labels[seed]
    assert dec_svg["changed"] == n_changed and dec_svg["desc"].startswith(atlas.labels[decoded] + "; changed from the seed: ")
    assert dec_svg["desc"].count("→") == n_changed and dec_svg["aria"].startswith("cell graph: decoded at η")
    from _a11y import low_contrast_text
    assert not low_contrast_text(page, ".nx-cells"), low_contrast_text(page, ".nx-cells")   # op labels in their colours
    info = page.inner_text(".nx-info")
    assert f"{n_changed} edge{'s' if n_changed != 1 else ''} changed" in info
    ART.mkdir(parents=True, exist_ok=True)
    page.locator(".nx-cells").screenshot(path=str(ART / f"explorer_naonet_cells_{width}.png"))
    other = 1024 if width == 1600 else 1600                # a resize redraws both at their new width
    page.set_viewport_size({"width": other, "height": 1000})
    page.wait_for_function("Array.from(document.querySelectorAll('.nx-cells svg')).every(s => "
                           "Math.abs(Number(s.dataset.w) - s.clientWidth) <= 1)", timeout=30_000)
    for cell in page.evaluate(MEASURE_JS):
        assert cell["labels"] == 20 and cell["crossed"] == cell["nodeHits"] == cell["through"] == 0, (other, cell)
    page.click("button:has-text('tour')")                     # stage 2 names NAONet's parts, not NB201's
    page.click(".nx-tour button[data-act='next']")
    tour = page.inner_text(".nx-tour")
    assert "reduction cell" in tour and "6 edges" not in tour, tour
    assert not errors, errors
    page.close()


def test_a_naonet_ws_cell_draws_with_its_own_op_names(browser, tmp_path):
    """The 5-op space's ids (0..4) are told from the paper space's (5..15) by the header's space."""
    from naoviz.explorer_page import write_page
    atlas = naonet_standin_atlas("naonet-ws", n=60)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"file://{write_page(atlas, tmp_path / 'ws.html')}?seed=0")
    page.wait_for_selector(".nx-root[data-ready='1']", timeout=30_000)
    ops = page.evaluate("Array.from(document.querySelectorAll('.nx-seedcell text.nx-svg-op')).map(t => t.textContent)")
    assert len(ops) == 20 and set(ops) <= {"sep3×3", "sep5×5", "avg3×3", "max3×3", "id"}, ops
    page.close()


@pytest.mark.parametrize("width", [1024, 1600])
def test_a_naonet_ws_label_box_holds_its_op_name_changed_or_not(browser, tmp_path, width):
    """The 5-op space's names are few letters but wide ones ("max3×3" in semi-bold: m and ×): every label's text
    lies inside its box, seed and decoded, a changed (larger, bold) one too. Until 2026-12-06 the box was sized by
    a per-character guess and a changed "max3×3" ran 2-3 px past both sides of it, 0.6 px an unchanged one."""
    from naoviz.explorer_page import write_page
    atlas = naonet_standin_atlas("naonet-ws", n=60)
    page_file = write_page(atlas, tmp_path / "ws.html")
    moved = [m for m in range(len(atlas.seeds)) if (atlas.path_decoded[m] != atlas.path_decoded[m, 0]).any()][:3]
    assert moved
    page = browser.new_page(viewport={"width": width, "height": 1000})
    for m in moved:
        page.goto(f"file://{page_file}?seed={int(atlas.seeds[m])}&eta={len(atlas.etas) - 1}")
        page.wait_for_selector(".nx-root[data-ready='1']", timeout=30_000)
        page.wait_for_function("Array.from(document.querySelectorAll('.nx-cells svg')).every(s => "
                               "Math.abs(Number(s.dataset.w) - s.clientWidth) <= 1)", timeout=30_000)
        seed_svg, dec_svg = page.evaluate(MEASURE_JS)
        assert dec_svg["changed"] > 0, dec_svg
        for cell in (seed_svg, dec_svg):
            assert cell["inside"] == 20 and cell["labels"] == 20, (m, cell)
            assert cell["crossed"] == 0 and cell["nodeHits"] == 0 and cell["through"] == 0 and cell["right"], (m, cell)
    page.close()


def test_naonet_edges_take_the_light_or_the_dark_op_colours_with_the_page(browser, naonet_page):
    """On a light page every edge, label box and label text is drawn in its op's :data:`NAONET_COLORS` colour as
    given; on a dark one (the offline page follows prefers-color-scheme) in its :data:`NAONET_COLORS_DARK` one,
    not the light one lightened (pastels that ran together to colour-blind readers, tests/test_cvd_colors.py)."""
    from naoviz.viz.theme import NAONET_COLORS, NAONET_COLORS_DARK
    atlas, page_file = naonet_page
    for scheme, want in (("light", NAONET_COLORS), ("dark", NAONET_COLORS_DARK)):
        page = browser.new_page(viewport={"width": 1600, "height": 1000}, color_scheme=scheme)
        page.goto(f"file://{page_file}?seed=0")
        page.wait_for_selector(".nx-root[data-ready='1']", timeout=30_000)
        drawn = page.evaluate("""() => Array.from(document.querySelectorAll('.nx-seedcell path[data-op]'))
          .filter(p => p.dataset.op !== 'concat').map(p => { const k = p.dataset.key;
            const box = document.querySelector(`.nx-seedcell rect.nx-oplabel[data-key="${k}"]`);
            return [p.dataset.op, p.getAttribute('stroke'), box.getAttribute('stroke'), box.nextSibling.getAttribute('fill')]; })""")
        assert len(drawn) == 20, drawn
        assert all(stroke == box == text == want[op] for op, stroke, box, text in drawn), (scheme, drawn)
        page.close()
