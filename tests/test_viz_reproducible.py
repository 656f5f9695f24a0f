"""What an author publishes: a figure exported twice is the same file, and every axis and colour bar of a
measured quantity says its unit."""
from __future__ import annotations

import re

import numpy as np

from naoviz.spaces import NB201Space
from naoviz.viz import (cell_compare, embedding_map, export_many, pareto_figure, path_overlay, prediction_chart,
                        search_curves)
from naoviz.viz.theme import unit, with_unit

SEED = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"
DEC = "|nor_conv_3x3~0|+|none~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|"


def _map():
    xy = np.random.default_rng(0).standard_normal((40, 2))
    fig = embedding_map(xy, np.linspace(60, 95, 40), labels=[f"c{i}" for i in range(40)], color_label="valid_acc",
                        selected=3)
    return path_overlay(fig, xy[:5], [0, 1, 2, 3, 4], ["a", "a", "b", "b", "c"], current=2)


def test_a_figure_exported_twice_is_the_same_file(tmp_path, monkeypatch):
    """plotly draws random ids into SVG (clip paths, gradients, trace classes) and HTML (the div's uuid), and
    Chromium stamps a PDF with the time: each export of one figure gave other bytes. Two browsers, as two
    commands would use (no ``one_browser``)."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    figs = [_map(), cell_compare(NB201Space(), SEED, DEC)]
    names = [f"{n}.{e}" for n in ("map", "cells") for e in ("png", "svg", "pdf", "html")]
    runs = []
    for run in ("a", "b"):
        paths = export_many([f for f in figs for _ in range(4)], [tmp_path / run / n for n in names],
                            width=500, height=350, scale=1)
        runs.append({p.name: p.read_bytes() for p in paths})
    differ = [n for n in names if runs[0][n] != runs[1][n]]
    assert differ == [], f"exported twice, these differ: {differ}"
    svg = runs[0]["map.svg"].decode()
    uid = re.search(r'id="defs-([0-9a-z]+)"', svg).group(1)
    # every reference still names an id the file defines (the colour bar's gradient, the clip paths)
    refs = set(re.findall(r"url\(['\"]?#([^)'\"]+)", svg))
    assert refs and all(f'id="{r}"' in svg for r in refs) and any(uid in r for r in refs)
    # two figures in one page do not share ids
    assert uid != re.search(r'id="defs-([0-9a-z]+)"', runs[0]["cells.svg"].decode()).group(1)
    assert b"/CreationDate (D:20231114221320" in runs[0]["map.pdf"]


def test_axis_and_colour_bar_titles_say_units():
    assert [with_unit(n) for n in ("valid_acc", "predicted test_acc", "params_M", "cifar10_flops_M",
                                   "latency_pixel3", "train_time_s", "valid_loss", "cells in class")] == [
        "valid_acc (%)", "predicted test_acc (%)", "params_M (million parameters)",
        "cifar10_flops_M (million FLOPs)", "latency_pixel3 (ms)", "train_time_s (s)", "valid_loss", "cells in class"]
    assert unit("accent") == "" and unit("Top1_Accuracy") == "%"
    chart = prediction_chart([0, 1], [90, 91], [90, 90.5], metric="valid_acc")
    assert chart.layout.yaxis.title.text == "validation accuracy (%)" and chart.layout.xaxis.title.text == "step size η"
    curves = search_curves({"rs": np.array([[80, 85, 90]])}, metric="test_acc")
    assert curves.layout.yaxis.title.text == "incumbent test accuracy (%)"      # a reader's name for the column
    assert _map().data[0].marker.colorbar.title.text == "validation accuracy (%)"
    front = pareto_figure({"rs": np.array([[90, 0.3], [91, 0.5]])}, metric="test_acc", cost="latency_pixel3")
    assert front.layout.xaxis.title.text == "latency on Pixel 3 (ms; lower is better)"
    assert front.layout.yaxis.title.text == "test accuracy (%)"
    own = pareto_figure({"rs": np.array([[90, 0.3]])}, metric="my score", cost="cifar10_params_M")
    assert own.layout.yaxis.title.text == "my score" and \
        own.layout.xaxis.title.text == "CIFAR-10 parameters (millions; lower is better)"



def test_compare_figure_says_which_metric_chose_the_incumbent():
    """`compare` searches valid_acc and reports test_acc: the curve is the test_acc of the best valid_acc cell
    so far, which a title of "incumbent test_acc" alone read as the best test_acc."""
    from naoviz.viz.curves import compare_figure
    summary = {"metric": "valid_acc", "report": "test_acc", "algos": {"rs": {"curves": [[80.0, 85.0, 84.0]]}}}
    title = compare_figure(summary).layout.title.text
    assert title.startswith("incumbent test accuracy vs queries") and "the best validation accuracy so far" in title
    assert compare_figure({**summary, "metric": "test_acc"}).layout.title.text == "incumbent test accuracy vs queries"
    budget = compare_figure({**summary, "constraints": ["params_M<=0.3"]}).layout.title.text
    assert budget.startswith("best feasible incumbent test accuracy vs queries (parameters ≤ 0.3 M)")


def test_training_curves_name_their_axes_and_label_the_log_axis_as_numbers():
    """Both panels' y axes had no title, and the log axis labelled 0.3 as "3" (plotly's minor digits)."""
    from naoviz.viz import training_curves
    history = [{"epoch": e, "loss": 0.5 / e, "mse": 0.08 / e ** 0.3, "nll": 2.1 / e ** 0.4} for e in range(1, 31)]
    fig = training_curves(history)
    assert fig.layout.yaxis.title.text == "trade_off·mse + (1 − trade_off)·nll"
    log = fig.layout.yaxis2
    assert log.type == "log" and log.title.text == "part (log scale)"
    values = [float(v) for v in log.tickvals]
    assert [float(t) for t in log.ticktext] == values           # each label reads as its own value
    lo = min(min(h["mse"], h["nll"]) for h in history)
    hi = max(max(h["mse"], h["nll"]) for h in history)
    assert values[0] <= lo and values[-1] >= hi and {0.05, 0.1, 0.2, 0.5, 1.0, 2.0} <= set(values)


def test_export_new_never_overwrites_and_reuses_the_same_bytes(tmp_path):
    """A second export into one folder: the same figures are the same files (nothing written); other figures
    get the next free group number (``-2``) for the whole group; a file put there meanwhile is never replaced;
    a table's name becomes a safe part of a file name."""
    import plotly.graph_objects as go

    from naoviz.viz.figure_files import export_message, export_new, safe_name
    a = {"map": go.Figure(go.Scatter(x=[0, 1], y=[0, 1])), "chart": go.Figure(go.Bar(x=[1], y=[2]))}
    b = {"map": go.Figure(go.Scatter(x=[0, 1], y=[1, 0])), "chart": go.Figure(go.Bar(x=[1], y=[2]))}
    first = export_new(a, tmp_path, "naoviz-t", "html")
    assert [p.name for p in first] == ["naoviz-t-map.html", "naoviz-t-chart.html"]
    assert first.written == first and first.reused == [] and export_message(first) == (
        f"saved 2 figures in {tmp_path}: naoviz-t-map.html, naoviz-t-chart.html")       # the folder once
    again = export_new(a, tmp_path, "naoviz-t", "html")
    assert again == first and again.written == [] and again.reused == first        # nothing new was written
    assert export_message(again) == f"already saved in {tmp_path}: {first[0].name}, {first[1].name}"
    (tmp_path / "naoviz-t-map-2.html").write_text("someone else's")
    second = export_new(b, tmp_path, "naoviz-t", "html")
    assert [p.name for p in second] == ["naoviz-t-map-3.html", "naoviz-t-chart-3.html"]
    assert (tmp_path / "naoviz-t-map-2.html").read_text() == "someone else's"
    assert first[0].read_bytes() != second[0].read_bytes() and first[1].read_bytes() == second[1].read_bytes()
    assert second.written == second and export_new(b, tmp_path, "naoviz-t", "html").reused == second
    first[1].unlink()                                   # one of a group gone: written again, the other reused
    mixed = export_new(a, tmp_path, "naoviz-t", "html")
    assert mixed == first and mixed.written == [first[1]] and mixed.reused == [first[0]]
    assert export_message(mixed) == f"saved 2 figures (1 already there) in {tmp_path}: {first[0].name}, {first[1].name}"
    assert export_message([tmp_path / "a.png", tmp_path / "b" / "c.png"]) == (     # two folders: each path whole
        f"saved 2 figures: {tmp_path / 'a.png'}, {tmp_path / 'b' / 'c.png'}")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["naoviz-t-map.html", "naoviz-t-chart.html", "naoviz-t-map-2.html", "naoviz-t-map-3.html", "naoviz-t-chart-3.html"])
    assert safe_name("my runs/v2") == "my-runs-v2" and safe_name("nb201-digits") == "nb201-digits"


def test_compare_figure_names_the_table_it_shows():
    """A summary that records its table (a researcher's file) says it under the title; an older one does not."""
    from naoviz.viz.curves import compare_figure
    summary = {"report": "test_acc", "metric": "valid_acc", "algos": {"rs": {"curves": [[90.0, 91.0]]}},
               "table": {"name": "my<cells", "file": "my<cells.csv", "fingerprint": "425308e2aa11"}}
    title = compare_figure(summary).layout.title.text
    assert "incumbent: the best validation accuracy so far · table my&lt;cells (my&lt;cells.csv, sha256 425308e2...)" in title
    assert "table" not in compare_figure({**summary, "table": None}).layout.title.text
    alone = compare_figure({**summary, "metric": "test_acc"}).layout.title.text
    assert alone == "incumbent test accuracy vs queries<br><sup>table my&lt;cells (my&lt;cells.csv, sha256 425308e2...)</sup>"


def test_a_map_saved_as_svg_or_pdf_is_vector_not_a_bitmap(tmp_path, one_browser):
    """The explorer's map is WebGL (scattergl) on screen; plotly put a WebGL trace into an SVG or PDF as one
    embedded bitmap, so a "vector" map blurred when printed large. Saved as SVG/PDF, every point is a shape."""
    from naoviz.viz.figure_files import vector_figure
    fig = _map()
    assert "scattergl" in {t.type for t in fig.data}
    vec = vector_figure(fig)
    assert {t.type for t in vec.data} == {"scatter"} and len(vec.data) == len(fig.data)
    assert list(vec.data[0].x) == list(fig.data[0].x) and vec.data[0].marker.color is not None
    assert {t.type for t in fig.data} >= {"scattergl"}            # the figure given is left as it was
    svg, pdf, png = export_many([fig] * 3, [tmp_path / "map.svg", tmp_path / "map.pdf", tmp_path / "map.png"],
                                width=500, height=350, scale=1)
    text = svg.read_text()
    assert "<image" not in text and text.count('class="point ') + text.count('class="point"') >= 40
    # no bitmap at all: the WebGL layer was one of the whole plot (the figure's 500 px times the scale), and the
    # η labels' white text-shadow halo three small ones (~130 px), now a white box behind the label
    assert any(a.font.shadow for a in fig.layout.annotations if a.name == "eta label")
    widths = [int(w) for w in re.findall(rb"/Subtype */Image\s*/Width (\d+)", pdf.read_bytes())]
    assert widths == [], widths
    assert png.stat().st_size > 0


def _pdf_info(data: bytes) -> dict:
    """The document-information entries the last trailer points at, hex strings decoded (UTF-16 with its BOM)."""
    trailer = data[data.rfind(b"trailer"):]
    n = int(re.search(rb"/Info (\d+) 0 R", trailer).group(1))
    start = int(re.search(rb"startxref\s+(\d+)", trailer).group(1))
    table = data[start:]
    assert table.startswith(b"xref")
    offset = int(re.search(rb"\n%d 1\n(\d{10}) 00000 n" % n, table).group(1))
    assert data[offset:].startswith(b"%d 0 obj" % n)                     # the table points at the object
    body = data[offset:data.index(b"endobj", offset)]
    return {k.decode(): bytes.fromhex(v.decode()).decode("utf-16") for k, v in re.findall(rb"/(\w+) <([0-9A-F]+)>", body)}


def test_every_exported_file_carries_its_title_and_the_naoviz_that_drew_it(tmp_path, monkeypatch, one_browser):
    """A figure copied into a paper's folder said nothing of itself: an HTML page had no <title> (its tab showed
    the file name), an SVG none, a PDF's title was Chromium's "Kaleido-fier"."""
    from PIL import Image
    from naoviz.viz.file_meta import software
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    fig = _map()
    fig.update_layout(title="valid_acc map <sup>seed 3, η = 2</sup>")
    title = "valid_acc map seed 3, η = 2"
    made = software()
    assert made.startswith("naoviz ")
    # one batch (one browser start): the four files of the titled figure, and a figure without a title
    png, svg, pdf, page, plain_png = export_many(
        [fig] * 4 + [_map()], [tmp_path / f"m.{e}" for e in ("png", "svg", "pdf", "html")]
        + [tmp_path / "naoviz-nb201-seed3-map.png"], width=400, height=300, scale=1)
    info = Image.open(png).info
    assert info["Title"] == title and info["Software"] == made
    text = svg.read_text()
    assert f"<title>{title}</title><desc>drawn by {made}</desc>" in text
    assert f"<title>{title}</title>" in page.read_text() and f'name="generator" content="{made}"' in page.read_text()
    data = pdf.read_bytes()
    assert _pdf_info(data) == {"Title": title, "Creator": made, "Producer": made}
    assert data.rstrip().endswith(b"%%EOF") and b"/CreationDate (D:20231114221320" in data[data.rfind(b" 0 obj"):]
    # a figure without a title is named by its file
    assert Image.open(plain_png).info["Title"] == "naoviz-nb201-seed3-map"
