"""Figures laid out for a paper's column (naoviz.viz.print_sizes): drawn at the printed width, so plotly's
text prints at 8-9 pt, not at the 3-7 pt a 900 px figure shrunk into a column gives; title out (the caption
holds it), legend under the plot, long axis titles and notes wrapped to fit."""
from __future__ import annotations

import os

import numpy as np
import pytest

from _browser import next_frames, wait_then_check
from naoviz.viz.curves import compare_figure
from naoviz.viz.print_sizes import MIN_FONT_PX, PX_PER_INCH, bare, for_print, wrap

LATE = [[np.nan, 80.0, 81.0, 85.0], [70.0, 80.0, 82.0, 83.0]]


def _figure(report="cifar10_test_acc"):
    return compare_figure({"report": report, "metric": "valid_acc", "constraints": ["latency_pixel3<=9"],
                           "algos": {a: {"curves": LATE} for a in ("nao", "re", "rs", "ls")}})


@pytest.mark.parametrize("inches", [3.5, 7.0])
def test_a_figure_for_a_column_is_that_wide_with_text_of_8_pt_or_more_and_its_legend_under_the_plot(inches):
    fig = _figure()
    out, caption = for_print(fig, inches)
    assert out.layout.width == round(inches * PX_PER_INCH)                      # 1 px = 0.75 pt on the page
    assert out.layout.title.text is None and fig.layout.title.text                 # the original keeps its title
    assert caption.startswith("best feasible incumbent CIFAR-10 test accuracy vs queries (latency on Pixel 3 ≤ 9 ms) — ")
    assert "<" not in caption                                                    # no markup in a caption
    legend = out.layout.legend
    assert legend.orientation == "h" and legend.yref == "container" and legend.y == 0 and legend.yanchor == "bottom"
    assert out.layout.margin.b > 100                                             # the legend's rows below the axis
    assert out.layout.font.size * 0.75 >= 8 and out.layout.legend.font.size >= MIN_FONT_PX
    assert all(a.font.size >= MIN_FONT_PX for a in out.layout.annotations)
    # the lower panel's note, wider than a column, is wrapped to it
    note = next(a for a in out.layout.annotations if "feasible incumbent" in a.text)
    longest = max(len(line) for line in note.text.split("<br>"))
    assert longest * note.font.size * 0.55 <= out.layout.width
    # ... and the panels part to hold its lines (at 3.5 in its 3 lines ran over the upper panel's data)
    area = out.layout.height - out.layout.margin.t - out.layout.margin.b
    lines = note.text.count("<br>") + 1
    assert note.yanchor == "bottom" and note.y + lines * note.font.size * 1.2 / area <= out.layout.yaxis.domain[0]
    assert out.layout.yaxis.domain[1] == 1 and out.layout.yaxis2.domain[0] == 0
    assert out.layout.height > out.layout.width * (0.55 if inches >= 5 else 0.75)


def test_a_y_title_longer_than_the_plot_is_tall_is_wrapped():
    out, _ = for_print(_figure(report="a_very_long_column_name_of_a_users_own_table_test_acc"), 3.5)
    title = out.layout.yaxis.title.text
    assert "<br>" in title and bare(title).replace(" — ", " ").startswith("incumbent a_very_long")


def test_wrap_and_bare():
    assert wrap("one two three four", 10 * 11 * 0.55, 11) == "one two<br>three four"
    assert bare("a <b>b</b><br><sup>c &lt; d</sup>") == "a b — c < d"
    assert bare("x (latency<=9)<br><sup>y</sup>") == "x (latency<=9) — y"
    assert bare("coloured by validation<br>accuracy<br><sup>one point</sup>") == "coloured by validation accuracy — one point"


def test_shipped_columns_read_as_words_and_a_tables_own_as_written():
    from naoviz.viz.theme import constraint_text, readable, titled
    assert [readable(c) for c in ("cifar10_test_acc", "cifar100_test_acc", "imagenet16_120_test_acc", "valid_acc",
                                  "latency_pixel3", "latency_2080ti_32", "cifar10_params_M")] == [
        "CIFAR-10 test accuracy", "CIFAR-100 test accuracy", "ImageNet16-120 test accuracy", "validation accuracy",
        "latency on Pixel 3", "latency on RTX 2080 Ti, batch 32", "CIFAR-10 parameters"]
    assert readable("x<b>y</b>_acc") == "x<b>y</b>_acc" and readable("latency_mydevice") == "latency_mydevice"
    assert titled("cifar10_test_acc", prefix="incumbent ") == "incumbent CIFAR-10 test accuracy (%)"
    assert titled("latency_pixel3", "lower is better") == "latency on Pixel 3 (ms; lower is better)"
    assert constraint_text("latency_pixel3<=6.44") == "latency on Pixel 3 ≤ 6.44 ms"
    assert constraint_text("valid_acc>=90") == "validation accuracy ≥ 90%" and constraint_text("nonsense") == "nonsense"


def test_a_map_for_a_column_keeps_its_colour_bar_and_is_written_that_wide(tmp_path):
    """The right margin holds a colour bar (a map's; it was cut off at the 12 px a line chart needs), an axis
    without tick labels takes no left margin, and export_for_print writes the page that wide (PNG at scale 3),
    its file titled by the caption the layout took out (it was the file's name: "map")."""
    import re

    from naoviz.viz import embedding_map, export_for_print
    xy = np.random.default_rng(1).standard_normal((30, 2))
    fig = embedding_map(xy, np.linspace(60, 95, 30), labels=[f"c{i}" for i in range(30)], color_label="valid_acc")
    fig.update_layout(title="valid_acc map <sup>seed 3</sup>")
    out, caption = for_print(fig, 3.5)
    assert caption == "valid_acc map seed 3" and out.layout.title.text is None
    assert out.layout.margin.r >= 70 and out.layout.margin.l <= 20
    line, _ = for_print(_figure(), 3.5)
    assert line.layout.margin.r <= 20 and line.layout.margin.l >= 50
    # the explorer's map of the shipped digits atlas: plotly draws its 6 entries one a row (the widest sets every
    # column); the legend starts under the plot, not over its bottom (it covered 20 px of it once the 51 px kept
    # for x tick labels the map lacks went), nor far below it
    from naoviz.atlas_cache import cached_atlas
    from naoviz.nao.cache import ModelSpec
    from naoviz.tables import load_benchmark
    from naoviz.viz import atlas_figures
    shipped = cached_atlas(load_benchmark("nb201-digits"), ModelSpec())
    atlas_map = atlas_figures(shipped, seed=int(shipped.seeds[7]), eta_index=8)["map"]
    laid, _ = for_print(atlas_map, 3.5)
    from naoviz.viz import kept_browser
    with kept_browser.for_command():          # one browser for its two batches (PDF/SVG at 1, PNG at 3), as a command
        pdf, png, svg = export_for_print([fig, fig, atlas_map], [tmp_path / f"map.{e}" for e in ("pdf", "png", "svg")],
                                         3.5)
    legend_top = float(re.search(r'class="legend"[^>]*translate\([\d.]+,([\d.]+)\)', svg.read_text()).group(1))
    assert 0 <= legend_top - (laid.layout.height - laid.layout.margin.b) <= 15, (legend_top, laid.layout.margin.b)
    assert re.search(rb"/MediaBox \[0 0 252(\.0*)? ", pdf.read_bytes())
    from PIL import Image
    assert Image.open(png).size[0] == 3 * 336
    from tests.test_viz_reproducible import _pdf_info
    assert _pdf_info(pdf.read_bytes())["Title"] == caption and Image.open(png).info["Title"] == caption


def test_a_compare_title_under_several_budgets_is_wrapped_to_the_figure_and_the_margin_holds_it():
    summary = {"report": "cifar10_test_acc", "metric": "valid_acc", "algos": {"rs": {"curves": LATE}},
               "constraints": ["latency_pixel3<=9", "cifar10_params_M<=0.5", "cifar10_flops_M<=80"]}
    fig = compare_figure(summary)
    lines = fig.layout.title.text.split("<br>")
    assert len(lines) >= 3                                             # two of title, one of "incumbent: ..."
    assert all(len(bare(line)) * 17 * 0.55 <= 820 for line in lines if not line.startswith("<sup>"))
    assert fig.layout.margin.t >= 40 + 24 * (len(lines) - 1)
    assert "CIFAR-10 FLOPs ≤ 80 M" in fig.layout.title.text


@pytest.mark.parametrize("name", ["nb201", "naonet", "naonet-ws"])
def test_a_cell_comparison_in_a_single_column_has_no_label_over_a_node_or_another_label(name):
    """At 3.5 in NB201's two cells side by side put each op label's circle over the nodes beside it and NAONet's
    8 columns a row left 39 px a column for labels 45 px wide (docs said: print it at 7 in). In a column the cells
    are stacked and NAONet's labels broken into short lines: measured in the printed figure's own pixels, no label
    box overlaps another or a node, no two nodes overlap, every text is 8 pt or more, at both widths."""
    from naoviz.spaces import get_space
    from naoviz.viz import cell_compare
    from tests.test_cell_labels import crossings, label_boxes
    space = get_space(name)
    archs = space.sample(6, seed=11)
    for i in range(3):
        fig = cell_compare(space, archs[i], archs[3 + i])
        for inches in (3.5, 7.0):
            out, _ = for_print(fig, inches)
            width, height = out.layout.width, out.layout.height
            found = label_boxes(out, width, height)
            assert crossings(out, width, height, found) == [], (i, inches)
            for nodes in found[1].values():
                assert all((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2 >= (a[2] + b[2]) ** 2
                           for j, a in enumerate(nodes) for b in nodes[j + 1:]), (i, inches)
            sizes = [a.font.size for a in out.layout.annotations] + [t.textfont.size for t in out.data
                                                                    if t.textfont.size is not None]
            assert min(sizes) >= MIN_FONT_PX, (i, inches)


@pytest.mark.skipif(not os.path.exists("/usr/bin/chromium"), reason="needs Debian chromium at /usr/bin/chromium")
def test_a_saved_html_figure_on_a_phone_keeps_its_plot_wide_with_the_legend_under_it(browser, tmp_path):
    """compare.html at 390 px drew its plot 70 px wide beside the legend, under a title cut at the right edge:
    below 600 px (naoviz.viz.html_narrow) the legend goes under the plot and the title is wrapped; at 1024 px
    the figure is as plotly lays it out, legend at the right. Nothing is fetched."""
    from naoviz.viz import export_many
    page_file, = export_many([_figure()], [tmp_path / "compare.html"])
    boxes = """() => { const r = s => { const e = document.querySelector(s); if (!e) return null;
        const b = e.getBoundingClientRect(); return [b.left, b.top, b.right, b.bottom]; };
      return {plot: r('.nsewdrag'), legend: r('.legend'), title: r('.gtitle'), x: r('.g-x2title') || r('.g-xtitle')}; }"""
    for width in (390, 1024):
        page = browser.new_page(viewport={"width": width, "height": 800})
        requests = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto(page_file.as_uri(), timeout=120_000)           # plotly.js inlined: seconds to parse when loaded
        page.wait_for_selector(".legend", timeout=120_000)
        # the page's script relayouts the drawn figure for its width (html_narrow), late on a loaded machine: at
        # 390 px wait for the legend under the x axis title, then for the frames that draw it
        if width == 390:
            wait_then_check(page, f"(() => {{ const g = ({boxes})(); return g.legend && g.x && g.legend[1] >= g.x[3] - 1; }})()")
        next_frames(page)
        got = page.evaluate(boxes)
        plot, legend, title, x = got["plot"], got["legend"], got["title"], got["x"]
        if width == 390:
            assert plot[2] - plot[0] > 250, got                      # the plot keeps the width (it had 70 px)
            assert legend[1] >= x[3] - 1 and legend[2] <= width, got  # the legend under the x axis title, all shown
            assert title[2] <= width and title[0] >= 0, got          # the title wrapped within the screen
        else:
            assert legend[0] >= plot[2] - 1, got                     # plotly's own layout: legend at the right
        assert all(u.startswith("file:") for u in requests), requests
        page.close()


@pytest.mark.skipif(not os.path.exists("/usr/bin/chromium"), reason="needs Debian chromium at /usr/bin/chromium")
def test_a_saved_pareto_figure_with_nb201s_long_names_shows_its_title_and_legend_whole_at_1024px(browser, tmp_path):
    """pareto-<cost>.html of an NB201 run (``naoviz compare --algos rs,nao:sweep_projected,... --constraint
    latency_1080ti_1<=8``) at 1024 px: its one-line title ("CIFAR-10 test accuracy, trained on 50k against latency
    on GTX 1080 Ti, batch 1: queries of 2 seeds pooled, each searcher's front") ran past the page's right edge; it
    wraps now, its lines and the axis-cut line clear of the budget's label, and every legend name is on the page."""
    import numpy as np

    from naoviz.viz import export_many
    from naoviz.viz.pareto import pareto_figure
    rng = np.random.default_rng(0)
    pts = {a: np.c_[rng.uniform(70, 94, 40), rng.uniform(4, 15, 40)] for a in ("rs", "nao:sweep_projected", "nao:handoff", "re", "ls")}
    pts["rs"][0] = [20.0, 6.0]                                      # far below the rest: the axis cut's line
    fig = pareto_figure(pts, metric="cifar10_test_acc", cost="latency_1080ti_1", budget=8.0, columns=("cifar10_test_acc",),
                        title="CIFAR-10 test accuracy, trained on 50k against latency on GTX 1080 Ti, batch 1: queries of 2 "
                              "seeds pooled, each searcher's front")
    page_file, = export_many([fig], [tmp_path / "pareto-latency_1080ti_1.html"])
    page = browser.new_page(viewport={"width": 1024, "height": 800})
    page.goto(page_file.as_uri(), timeout=120_000)           # plotly.js inlined: seconds to parse when loaded
    page.wait_for_selector(".legend", timeout=120_000)
    next_frames(page)                                               # drawn, with the page script's relayout
    got = page.evaluate("""() => { const b = (e) => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
      return {title: b(document.querySelector('.gtitle')), budget: b([...document.querySelectorAll('.annotation')].find(
                a => a.textContent.startsWith('budget'))), names: [...document.querySelectorAll('.legendtext')].map(b)}; }""")
    title, budget = got["title"], got["budget"]
    assert 0 <= title[0] and title[2] <= 1024 and title[3] <= budget[1] + 1, got
    assert got["names"] and all(0 <= n[0] and n[2] <= 1024 for n in got["names"]), got
    page.close()
