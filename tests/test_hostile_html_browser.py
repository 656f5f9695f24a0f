"""Markup in a table's or an atlas's names never runs as script in naoviz's HTML outputs, in real Chromium.

An attacker hands a researcher a table (or a saved atlas) whose column names, cell strings, metric and title
hold ``<img src=x onerror=...>``, ``</script><script>...`` and ``<!--<script>``; every payload would set
``window.__pwned``. Each output is opened, moved over and clicked, and ``window.__pwned`` must stay undefined
(docs/security.md).
"""
from __future__ import annotations

import os

import pytest

from _browser import CHROMIUM, settle_images

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Debian chromium at /usr/bin/chromium")

IMG = '<img src=x onerror="window.__pwned=(window.__pwned||0)+1">'
END = '</script><script>window.__pwned=(window.__pwned||0)+10</script><!--<script>'


def hostile_atlas():
    """The shipped digits atlas with every name an attacker's file could set (columns, metric, space, title,
    cell strings) carrying a payload."""
    from naoviz.atlas import Atlas
    from naoviz.resources import shipped_dir
    folder = shipped_dir()
    if folder is None:
        pytest.skip("the shipped atlas is not installed as plain files")
    atlas = Atlas.load(sorted(folder.glob("*-atlas-*.json"))[0].with_suffix(""))
    metric = atlas.metric + END
    atlas.columns = {(metric if k == atlas.metric else k + IMG): v for k, v in atlas.columns.items()}
    atlas.metric = metric
    atlas.space = atlas.space + IMG
    atlas.meta = dict(atlas.meta, title="table" + IMG + END)
    atlas.labels = [label + IMG if i % 7 == 0 else label for i, label in enumerate(atlas.labels)]
    return atlas


def _visit(page, url: str) -> None:
    """Open ``url``, wait for the explorer, move over the map and click it (tooltips, the details, the rows)."""
    page.goto(url)
    page.wait_for_selector(".nx-root[data-ready='1']", timeout=30_000)
    for x in range(60, 1300, 90):
        for y in range(120, 900, 90):
            page.mouse.move(x, y)
    page.mouse.click(360, 420)
    settle_images(page)


def test_export_page_shows_markup_in_names_as_text(browser, tmp_path):
    """export-page: the header JSON is inlined with <, >, & escaped, so ``</script>`` or ``<!--<script>`` in a
    column name neither ends its element nor breaks the page (before: the page never rendered)."""
    from naoviz.explorer_page import write_page
    out = write_page(hostile_atlas(), tmp_path / "explorer.html", title="course" + IMG + END + "</title>" + IMG)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    _visit(page, f"file://{out}")
    assert page.evaluate("window.__pwned") is None
    assert errors == []
    assert END in page.inner_text(".nx-root")                  # the names are shown, as text
    page.close()


def test_page_exported_from_the_page_escapes_its_title(browser, tmp_path):
    """The standalone page's own "export page" button writes the title back escaped (before: the decoded title
    was written as markup, and the exported page ran the title's ``<img onerror>``)."""
    from naoviz.explorer_page import write_page
    out = write_page(hostile_atlas(), tmp_path / "explorer.html", title="course</title>" + IMG + END)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    _visit(page, f"file://{out}")
    with page.expect_download() as download:
        page.click(".nx-export")
    again = tmp_path / "again.html"
    download.value.save_as(again)
    page.close()
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    _visit(page, f"file://{again}")
    assert page.evaluate("window.__pwned") is None
    assert page.evaluate("document.title") == "course</title>" + IMG + END
    page.close()


def test_line_chart_readout_shows_markup_in_names_as_text(browser, tmp_path):
    """The Search and Child tabs' chart (naoviz.ui.LineChart, also a public widget): its hover readout is built
    from nodes and text (before: ``innerHTML`` of the series' names and the x title)."""
    from naoviz.explorer_page import json_in_script
    from naoviz.ui.line_chart import LineChart, line
    chart = LineChart(series=[line("rs" + IMG, [1, 2, 3], [90.0, 91.0, 92.0], "#1f77b4"),
                              line("re" + END, [1, 2, 3], [89.0, 91.5, 93.0], "#d62728")],
                      x_title="queries" + IMG, y_title="acc" + IMG)
    state = {k: getattr(chart, k) for k in ("series", "x_title", "x_integer", "y_title", "y_unit", "legend_title",
                                            "height")}
    page_file = tmp_path / "chart.html"
    page_file.write_text(
        "<!doctype html><html><head><meta charset='utf-8'></head><body><div id='el' style='width:800px'></div>"
        f"<script type='application/json' id='src'>{json_in_script(LineChart._esm)}</script>"
        f"<script type='application/json' id='state'>{json_in_script(state)}</script>"
        "<script type='module'>"
        "const src = JSON.parse(document.getElementById('src').textContent);"
        "const state = JSON.parse(document.getElementById('state').textContent);"
        "const model = {get: (k) => state[k], on: () => {}, off: () => {}};"
        "const mod = await import(URL.createObjectURL(new Blob([src], {type: 'text/javascript'})));"
        "mod.default.render({model, el: document.getElementById('el')}); window.__drawn = true;"
        "</script></body></html>", encoding="utf-8")
    page = browser.new_page(viewport={"width": 1024, "height": 700})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"file://{page_file}")
    page.wait_for_function("window.__drawn === true", timeout=10_000)
    box = page.locator("#el svg").first.bounding_box()
    for i in range(1, 20):
        page.mouse.move(box["x"] + box["width"] * i / 20, box["y"] + box["height"] / 2)
    settle_images(page)
    tip = page.locator(".nl-tip")
    assert tip.is_visible()
    assert page.evaluate("window.__pwned") is None and errors == []
    assert "queries" + IMG in tip.inner_text() and "re" + END in tip.inner_text()
    page.close()


LINK = '<a href="https://attacker.example/">CLICK</a>'


def test_compare_figures_show_column_names_as_written(browser, tmp_path, capsys, monkeypatch):
    """compare --out's plotly figures (compare.html, pareto-<cost>.html): a column named with plotly's markup
    (``<a href=...>``, ``<b>``) or HTML is shown as written, no link made, no script run (before: the search
    column's ``<a href>`` was a live link in the title and ``<b>`` turned bold). The mouse moves over each plot's
    area, where plotly draws its hover labels (the margins, title and legend draw none)."""
    import csv

    from naoviz.cli import main
    from naoviz.resources import DIGITS_TABLE, resource_path
    with open(resource_path(DIGITS_TABLE), newline="") as f:
        rows = list(csv.reader(f))
    names = {"valid_acc": "v" + LINK, "test_acc": "t<b>" + IMG, "params_M": "p<b>B</b>" + IMG}
    rows[0] = [names.get(c, c) for c in rows[0]]
    table = tmp_path / "t.csv"
    with open(table, "w", newline="") as f:
        csv.writer(f).writerows(rows)
    out = tmp_path / "out"
    # the HTML figures only: the PNG, PDF and SVG sets (a Chromium start and 3 batches, ~5 s) are not opened here
    monkeypatch.setenv("NAOVIZ_CHROMIUM", "none")
    assert main(["compare", "--table", str(table), "--algos", "rs,re", "--queries", "10", "--seeds", "2",
                 "--metric", names["valid_acc"], "--report", names["test_acc"],
                 "--objectives", f"{names['valid_acc']},{names['params_M']}", "--no-progress",
                 "--out", str(out)]) == 0
    capsys.readouterr()
    figures = sorted(out.glob("*.html"))
    assert len(figures) == 2
    for fig in figures:
        page = browser.new_page(viewport={"width": 1200, "height": 800})
        page.goto(f"file://{fig}", timeout=120_000)               # plotly.js inlined: slow to parse when loaded
        page.wait_for_selector(".main-svg", timeout=120_000)
        plots = page.evaluate("Array.from(document.querySelectorAll('.nsewdrag'), (e) => { const r = e.getBoundingClientRect();"
                              " return [r.left, r.top, r.right, r.bottom]; })")
        moves = [(x, y) for x in range(40, 1200, 30) for y in range(60, 800, 60)
                 if any(left <= x <= right and top <= y <= bottom for left, top, right, bottom in plots)]
        assert len(moves) > 200, (plots, len(moves))
        for x, y in moves:
            page.mouse.move(x, y)
        assert page.evaluate("window.__pwned") is None
        svg_text = page.evaluate("Array.from(document.querySelectorAll('.main-svg')).map(s => s.textContent).join(' ')")
        assert page.locator("svg a").count() == 0                   # no link made of a column name
        shown = [names["test_acc"]] + ([names["params_M"]] if "pareto" in fig.name else [names["valid_acc"]])
        assert all(name in svg_text for name in shown)              # the names as written
        page.close()


def test_a_link_whose_query_holds_markup_shows_it_as_text(browser, tmp_path):
    """A link handed to a student (``page.html?view=<img onerror>&eta=...&seed=...&budget_column=...``): the
    explorer reads its query into state and names a bad value in its message line, as text."""
    from urllib.parse import quote

    from naoviz.atlas import Atlas
    from naoviz.explorer_page import write_page
    from naoviz.resources import shipped_dir
    folder = shipped_dir()
    if folder is None:
        pytest.skip("the shipped atlas is not installed as plain files")
    out = write_page(Atlas.load(sorted(folder.glob("*-atlas-*.json"))[0].with_suffix("")), tmp_path / "p.html")
    query = "&".join(f"{k}={quote(IMG + END)}" for k in ("view", "eta", "seed", "budget_column", "budget"))
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    _visit(page, f"file://{out}?{query}")
    assert page.evaluate("window.__pwned") is None
    assert page.inner_text(".nx-msg").startswith("link: ") and IMG in page.inner_text(".nx-msg")
    page.close()
