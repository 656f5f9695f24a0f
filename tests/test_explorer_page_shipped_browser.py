"""The page of the shipped digits atlas (UMAP and PCA maps, 6,466 paths) in real Chromium from file://: the map
it opens on and its name's cell count, the seed's star on top at η = 0, its jumps between islands drawn dashed, the cell graphs' text at every width, and a small table of
one's own drawn in points one can see. Fixtures and helpers: tests/_explorer_page.py.
"""
from __future__ import annotations

import os

import numpy as np
import pytest

from _browser import CHROMIUM
from _explorer_page import ART, _open, _seed_box_and_link, _state

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Debian chromium at /usr/bin/chromium")


def test_the_seeds_star_shows_at_eta_0_over_the_decoded_diamond(browser, shipped_page):
    """At η = 0 the decoded cell is the seed: the star the seed's panel names ("★ on the map") is drawn on top
    (the decoded cell's orange diamond and the moved point's ring covered it, so the page opened with no star)."""
    atlas, page_file = shipped_page
    m = next(i for i, s in enumerate(atlas.seeds) if atlas.path_decoded[i, 0] == s)
    seed = int(atlas.seeds[m])
    page, _, _ = _open(browser, page_file, f"?seed={seed}&eta=0", width=1024)
    assert "★ on the map" in page.text_content(".nx-seedcell")
    rgb = page.evaluate(f"""(() => {{ const s = document.querySelector('.nx-root').__nx.scatter, c = document.querySelector('.nx-map');
      const x = Math.round(s.sc[2 * {seed}] * s.dpr), y = Math.round(s.sc[2 * {seed} + 1] * s.dpr);
      return Array.from(c.getContext('2d').getImageData(x, y, 1, 1).data.slice(0, 3)); }})()""")
    assert max(abs(a - b) for a, b in zip(rgb, (0xfb, 0xbc, 0x04))) <= 24, rgb     # the star's yellow, not the diamond's orange
    page.close()


def test_the_maps_name_counts_the_tables_cells_as_the_table_line_does(browser, shipped_page):
    """A screen reader hears the map named with the table's cell count, the one the dashboard's table line and the
    exported map's title give (6,466 on digits); it said "map of 6,912 cells", counting the atlas's cells decoded off
    the table too, under a line that says 6,466."""
    atlas, page_file = shipped_page
    assert len(atlas.labels) > atlas.n_table                    # the shipped atlas holds decoded cells off the table
    page, _, errors = _open(browser, page_file, width=1024)
    name = page.get_attribute(".nx-map", "aria-label")
    assert name.startswith(f"map of {atlas.n_table:,} cells (umap)") and not errors, (name, errors)
    page.close()


def test_a_links_seed_out_of_range_is_refused_and_an_isomorph_jumps_to_its_class_as_the_seed_box_does(browser, shipped_page):
    """A link's seed row outside the table is refused in the seed row box's words. A row with no path (a cell
    decoded off the table, an isomorph of a table row) is taken as the box takes it: the seed is its class's
    representative, the row is picked and the line says so (the link refused it, naming how many rows have one)."""
    atlas, page_file = shipped_page
    n = len(atlas.labels)
    page, _, errors = _open(browser, page_file, f"?seed={n}", width=1024)
    said = page.evaluate("document.querySelector('.nx-root [role=status]').innerText")
    assert said == f"link: seed {n} is outside 0..{n - 1}" and not errors, (said, errors)
    page.close()
    row = next(r for r in range(n - 1, -1, -1) if r not in set(map(int, atlas.seeds)))
    rep = int(atlas.class_of[row])
    typed, linked = _seed_box_and_link(browser, shipped_page[1], row)
    assert typed == linked, (typed, linked)
    assert linked == {"seed": rep, "picked": row, "box": str(rep), "red": False, "errors": [],
                      "said": f"row {row} has no path; showing its isomorphism class's representative, row {rep}",
                      "nbrs": atlas.neighbours[row].tolist()}, linked


def test_the_page_opens_on_the_umap_map_as_the_widget_does(browser, shipped_page):
    """No ?view=: the page opens on UMAP when the atlas has it, as ExplorerWidget does (it opened on PCA, the
    first of the shipped atlas's maps, so `naoviz export-page` showed another map than the dashboard)."""
    atlas, page_file = shipped_page
    assert list(atlas.maps)[0] != "umap"            # the order that picked PCA before
    page, _, errors = _open(browser, page_file)
    assert _state(page)["view"] == "umap" and page.input_value(".nx-view") == "umap" and not errors, errors
    page.close()


@pytest.mark.parametrize("width", [390, 1024, 1400])
def test_a_jump_to_another_island_is_drawn_dashed_with_its_caption(browser, shipped_page, width):
    """The seed whose UMAP path has the longest jump: the map draws exactly the payload's jumps (data-jumps),
    the caption shows, over none of the colour key's words (on a phone its dash was drawn through "≥ 97.22 %"),
    and along a jump the canvas is dashed (about half its pixels drawn over the base image, not all as a solid
    line would); on the PCA map the same path has none and the caption hides."""
    atlas, page_file = shipped_page
    jumps = atlas.path_jumps("umap")
    P = atlas.path_maps["umap"]
    length = np.where(jumps, np.linalg.norm(P[:, 1:] - P[:, :-1], axis=-1), 0)
    m, e = np.unravel_index(int(np.argmax(length)), length.shape)
    seed = int(atlas.seeds[m])
    page, _, errors = _open(browser, page_file, f"?seed={seed}&eta=0&view=umap", width=width)
    assert page.get_attribute(".nx-map", "data-jumps") == str(int(jumps[m].sum()))
    note = page.locator(".nx-jumpnote")                 # at 1024 px "- - - jump", its title says the rest (the footer keeps one row)
    assert note.is_visible() and "jump" in note.inner_text() and "another island" in note.inner_text() + note.get_attribute("title")
    over = page.evaluate("""() => { const n = document.querySelector('.nx-jumpnote').getBoundingClientRect();
        return Array.from(document.querySelectorAll('.nx-legend > span:not(.nx-lname)')).map(e => e.getBoundingClientRect())
          .filter(b => b.left < n.right && n.left < b.right && b.top < n.bottom && n.top < b.bottom).length; }""")
    assert over == 0, over
    drawn = page.evaluate("""([m, e, E]) => { const X = document.querySelector('.nx-root').__nx, s = X.scatter,
        P = X.atlas.A['path_map.umap'], k = 2 * (m * E + e), d = s.dpr;
        const a = [s.tx(P[k]) * d, s.ty(P[k + 1]) * d], b = [s.tx(P[k + 2]) * d, s.ty(P[k + 3]) * d];
        const top = s.canvas.getContext('2d').getImageData(0, 0, s.canvas.width, s.canvas.height).data,
              base = s.base.getContext('2d').getImageData(0, 0, s.base.width, s.base.height).data;
        const out = [];
        for (let t = 0.3; t <= 0.7; t += 0.005) {
          const x = Math.round(a[0] + t * (b[0] - a[0])), y = Math.round(a[1] + t * (b[1] - a[1])), i = 4 * (y * s.canvas.width + x);
          out.push(Math.abs(top[i] - base[i]) + Math.abs(top[i + 1] - base[i + 1]) + Math.abs(top[i + 2] - base[i + 2]) > 30);
        }
        return [out, Math.hypot(b[0] - a[0], b[1] - a[1])]; }""", [int(m), int(e), len(atlas.etas)])
    on, px = drawn
    assert px > 60, px                                          # a long jump: dashes of 4 px on, 4 off
    assert 0.2 < np.mean(on) < 0.8, (np.mean(on), px)
    ART.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ART / f"explorer_page_jumps_{width}.png"), full_page=True)
    page.select_option(".nx-view", "pca")
    page.wait_for_function("document.querySelector('.nx-map').dataset.jumps === '0'", timeout=30_000)
    assert not page.locator(".nx-jumpnote").is_visible()
    assert not errors, errors


CELL_TEXT_JS = """(() => Array.from(document.querySelectorAll('.nx-cells svg')).map(s => {
  const k = s.getBoundingClientRect().width / s.viewBox.baseVal.width;
  const px = (sel) => Array.from(s.querySelectorAll(sel)).map(t => parseFloat(getComputedStyle(t).fontSize) * k);
  const box = (e) => { const b = e.getBoundingClientRect(); return [b.left, b.top, b.right, b.bottom]; };
  const ops = Array.from(s.querySelectorAll('text.nx-svg-op')).map(box);
  let crossed = 0;                                  // op labels over each other, or over a node's circle
  ops.forEach((a, i) => ops.slice(i + 1).forEach(b => { if (a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3]) crossed++; }));
  const nodes = Array.from(s.querySelectorAll('circle.nx-node')).map(box), names = Array.from(s.querySelectorAll('text.nx-svg-node')).map(box);
  nodes.forEach(c => { const cx = (c[0] + c[2]) / 2, cy = (c[1] + c[3]) / 2, r = (c[2] - c[0]) / 2;
    ops.forEach(a => { if (Math.hypot(Math.max(a[0] - cx, 0, cx - a[2]), Math.max(a[1] - cy, 0, cy - a[3])) < r) crossed++; }); });
  const outside = names.filter((t, i) => t[2] - t[0] > nodes[i][2] - nodes[i][0]).length;   // a name wider than its circle
  return { w: s.getBoundingClientRect().width, op: px('text.nx-svg-op'), node: px('text.nx-svg-node'),
           title: px('text.nx-svg-title'), crossed, outside, drawnAt: Number(s.dataset.w) };
}))()"""


def test_cell_graph_labels_are_readable_at_every_width_and_do_not_cross(browser, shipped_page):
    """The cell graphs scale with their width; their text did too, so where two share the side column (about
    250 px each at 1280 px) op labels were 9 px and node names 7 px. Now on screen: ops 11..16 px (a changed
    edge's 1 px more), node names 10..13 px, titles 12..15 px, none over another or over a node, at 1024, 1280
    and 1700 px, and after a resize (the graphs are redrawn at their new width)."""
    _, page_file = shipped_page
    page, _, errors = _open(browser, page_file, "?seed=100&eta=8", width=1700)
    ART.mkdir(parents=True, exist_ok=True)
    for width in (1700, 1280, 1024):
        page.set_viewport_size({"width": width, "height": 1000})
        page.wait_for_function("Array.from(document.querySelectorAll('.nx-cells svg')).every(s => "
                               "Math.abs(Number(s.dataset.w) - s.clientWidth) <= 1)", timeout=30_000)
        for cell in page.evaluate(CELL_TEXT_JS):
            assert all(11 - 0.2 <= v <= 16 + 0.2 for v in cell["op"]) and len(cell["op"]) == 6, (width, cell)
            assert all(10 - 0.2 <= v <= 13 + 0.2 for v in cell["node"]), (width, cell)
            assert all(12 - 0.2 <= v <= 15 + 0.2 for v in cell["title"]), (width, cell)
            assert cell["crossed"] == 0 and cell["outside"] == 0, (width, cell)
        page.locator(".nx-cells").screenshot(path=str(ART / f"explorer_cells_{width}.png"))
    assert not errors, errors
    page.close()


def _map_ink(page) -> int:
    """Pixels of the map canvas that are not white (the points, drawn in colour)."""
    return page.evaluate("""() => {
        const c = document.querySelector('.nx-map'), d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0; for (let i = 0; i < d.length; i += 4) if (d[i] < 235 || d[i + 1] < 235 || d[i + 2] < 235) n++;
        return n; }""")


def test_a_small_table_of_your_own_is_drawn_in_points_one_can_see(browser, shipped_page, tmp_path):
    """A table of 200 rows (build-table --archs 200, the usual own-data case) was 200 specks of 3x3 px; its
    points are now larger, while the shipped table's 6,466 classes keep their small ones."""
    from _atlas_standin import standin_atlas

    from naoviz.explorer_page import write_page
    from naoviz.tables import load_benchmark
    from naoviz.tables.user_table import load_table_file
    rows = (load_benchmark("nb201-digits").frame.reset_index().iloc[:200])
    rows.to_csv(tmp_path / "mine.csv", index=False)
    small = standin_atlas(n_seeds=20, table=load_table_file(tmp_path / "mine.csv"))
    page, _, errors = _open(browser, write_page(small, tmp_path / "small.html"), width=1024)
    small_ink = _map_ink(page) / len(small.labels)
    page.close()
    page, _, _ = _open(browser, shipped_page[1], width=1024)
    big_ink = _map_ink(page) / shipped_page[0].n_table
    page.close()
    assert not errors, errors
    # 54 vs 1.5 ink px per point (squares of 7 vs 3 px, the path and markers included); 17 before, small
    assert small_ink >= 30 and big_ink < 12, (small_ink, big_ink)
