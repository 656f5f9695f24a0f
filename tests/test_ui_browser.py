"""The dashboard in real Chromium (Playwright + Debian chromium) against a real Voila server on 127.0.0.1: a visit
(loopback only, small, exports its figures once), the slider and the Search tab's run and table, a reload
mid-search, a visit's kernel without pandas, the tab bar from the keyboard, the link state and a refused value at
1024 px.

The warm server (shared with tests/test_ui_browser_tabs.py, the Search and Child tabs' controls) and the page
helper are tests/_dashboard_server.py's; the cold start, two visitors arriving while nothing is cached, is
tests/test_ui_cold_start_browser.py's. Screenshots go to tests/artifacts/.
"""
from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from _browser import CHROMIUM, wait_then_check
from _dashboard_server import ART, READY, _open, at
from _procs import running_with

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian chromium (make browser)")


def test_visit_is_interactive_small_and_fetches_nothing_beyond_loopback(server, browser):
    page, seconds, got = _open(browser, server["url"])
    page.wait_for_load_state("networkidle", timeout=30_000)
    hosts = {re.match(r"^[a-z]+://([^/:]+)", u).group(1) for u in got["requests"] if re.match(r"^[a-z]+://", u)}
    assert hosts == {"127.0.0.1"}, hosts
    # the explorer's atlas travels once; no plotly bundle (the Search and Child tabs are not open)
    assert got["ws"] < 3_000_000, got["ws"]
    assert page.locator(".js-plotly-plot").count() == 0
    assert not [u for u in got["requests"] if "plotly" in u]            # Voila is told not to load plotly's extension
    print(f"visit: interactive in {seconds:.1f} s, {got['ws'] / 1e6:.2f} MB over the websocket")
    page.screenshot(path=str(ART / "dashboard.png"), full_page=True)
    _export_figures_twice_says_already_saved(page, server["exports"])
    page.context.close()


def _export_figures_twice_says_already_saved(page, folder: Path):
    """The explorer's "export figures": the kernel draws the map, chart and cells as PNG into the dashboard's
    export folder and the page says "saved N figures in <folder>: <file names>" (the full paths in its tip); a second
    press on the same view writes nothing and the page says "already saved in <folder>: <the same names>"
    (figuresSaved in naoviz/resources/explorer/explorer.js)."""
    reply = ("(() => { const t = document.querySelector('.nx-msg').textContent; return ['saved ', 'already saved ', "
             "'export figures:'].some((p) => t.startsWith(p)) && t; })()")       # a click first says "drawing ..."
    saved = lambda: sorted(f for f in folder.iterdir() if not f.name.startswith("."))   # noqa: E731
    assert saved() == []
    page.click(".nx-figs")
    first = page.wait_for_function(reply, timeout=120_000).json_value()
    files = saved()
    head, _, names = first.partition(": ")
    # the folder once, the files by name (three full paths wrapped to two lines at 1024 px); the full paths in the tip
    assert head == f"saved {len(files)} figures in {folder}" and sorted(names.split(", ")) == [f.name for f in files], (first, files)
    assert sorted(page.get_attribute(".nx-msg", "title").split("\n")) == list(map(str, files))
    assert page.evaluate("(() => { const m = document.querySelector('.nx-msg');"
                         " return m.offsetHeight < 1.5 * parseFloat(getComputedStyle(m).lineHeight); })()")   # one line
    assert len(files) >= 2
    stamps = [f.stat().st_mtime_ns for f in files]
    page.click(".nx-figs")                                             # the same view again
    again = page.wait_for_function(reply, timeout=120_000).json_value()
    assert again == f"already saved in {folder}: {names}", again
    assert saved() == files and [f.stat().st_mtime_ns for f in files] == stamps     # nothing written
    # the size beside the button: laid out for a paper's full width (naoviz.viz.export_for_print), PDF and SVG
    page.select_option(".nx-figsize", "7in")
    page.click(".nx-figs")
    page.wait_for_function("(before) => { const t = document.querySelector('.nx-msg').textContent; return t !== before "
                           "&& (t.startsWith('saved ') || t.startsWith('export figures:')); }", arg=again, timeout=120_000)
    wide = sorted(set(saved()) - set(files))
    assert page.inner_text(".nx-msg").startswith(f"saved {2 * len(files)} figures in {folder}: ")
    assert sorted(f.name for f in wide) == sorted(f.name.replace(".png", f"-7in.{e}") for f in files for e in ("pdf", "svg"))
    assert all(re.search(rb"/MediaBox \[0 0 504(\.0*)? ", f.read_bytes()) for f in wide if f.suffix == ".pdf")   # 7 in


def test_slider_answers_in_the_browser_and_the_search_tab_opens(server, browser):
    page, _, got = _open(browser, server["url"])
    before = page.inner_text(".nx-decoded")
    # one input event: the decoded cell is redrawn before the handler returns (no kernel round trip)
    changed = page.evaluate("""() => { const s = document.querySelector('.nx-slider');
        const before = document.querySelector('.nx-decoded').textContent;
        for (let i = 1; i <= Number(s.max); i++) { s.value = String(i); s.dispatchEvent(new Event('input', {bubbles: true}));
          if (document.querySelector('.nx-decoded').textContent !== before) return i; }
        return -1; }""")
    assert changed > 0 and page.inner_text(".nx-decoded") != before
    page.locator(".nx-root").focus()
    for _ in range(40):                                                # a fast sweep leaves the page responsive
        page.keyboard.press("ArrowLeft")
    page.wait_for_function("document.querySelector('.nx-slider').value === '0'", timeout=10_000)
    page.get_by_role("tab", name="Search").click()                     # built on first open, in the kernel
    page.wait_for_selector(".naoviz-search .nl-root svg", timeout=120_000)
    assert page.get_by_role("button", name=re.compile("run")).count() >= 1
    _search_table_sorts_filters_and_opens_the_explorer(page)
    # the chart drew the mean over the two seeds with its band, and no plotly came with the Search tab
    chart = page.locator(".naoviz-search .nl-root")
    assert chart.get_attribute("data-series") == "1"
    line = chart.locator("path.nl-line[data-name='random search (n=2)']").get_attribute("d")
    assert line.count("H") == line.count("V") == 19 and "L" not in line     # 20 queries: a step at each (held, then up)
    assert chart.locator("path.nl-band").count() == 1 and chart.locator(".nl-legend:not(.nl-room)").inner_text().startswith("line: mean")
    # its values carry their unit (the text alternative, as the hover readout): "random search (n=2): 93.1 % at ..."
    assert re.fullmatch(r"random search \(n=2\): \d+\.\d{3}\u00a0% at queries 20", chart.locator("desc").text_content())
    # the y axis ends on labelled ticks: the top and bottom grid lines enclose every drawn point (SVG y grows down)
    grid = [float(y) for y in chart.locator("line.nl-grid").evaluate_all("es => es.map(e => e.getAttribute('y1'))")]
    drawn = [float(y) for d in chart.locator("path.nl-line, path.nl-band").evaluate_all("es => es.map(e => e.getAttribute('d'))")
             for y in re.findall(r"(?:[ML]\s*[-\d.e]+[ ,]|V\s*)([-\d.e]+)", d)]
    assert drawn and min(grid) <= min(drawn) + 0.5 and max(grid) >= max(drawn) - 0.5, (grid, min(drawn), max(drawn))
    assert page.locator(".js-plotly-plot").count() == 0 and not [u for u in got["requests"] if "plotly" in u]
    page.context.close()


def _cells_wrap_between_edges_only(page):
    """At 1024 px the query table's cell column wraps, and only between edges: no op name is split across two
    lines (with the column's anywhere-wrap, "nor_conv_1x" ended one line and "1~0|" began the next)."""
    size = page.viewport_size
    page.set_viewport_size({"width": 1024, "height": size["height"]})
    try:
        # the table refits its headers on its ResizeObserver once the tab's layout (lumino, a few frames) has the
        # new width: late on a loaded machine, so wait for the headers on one line, as asserted below
        wait_then_check(page, "[...document.querySelectorAll('.nq-table th .nq-sort span')].every((s) => s.getClientRects().length === 1)")
        wrapped, split = page.evaluate("""() => { let wrapped = 0; const split = [];
          for (const td of document.querySelectorAll('.nq-table td.nq-cell')) {
            const lines = new Set();
            for (const n of td.childNodes) {
              if (n.nodeType !== Node.TEXT_NODE) continue;
              const r = document.createRange(); r.selectNodeContents(n);
              const tops = new Set([...r.getClientRects()].map((x) => Math.round(x.top)));
              if (tops.size > 1) split.push(n.textContent);
              tops.forEach((t) => lines.add(t));
            }
            if (lines.size > 1) wrapped++;
          }
          return [wrapped, split.slice(0, 3)]; }""")
        # the headers wrap only where needed: on digits at 1024 px one line fits them and costs the cells nothing
        # (they wrapped at every width: "validation accuracy (%)" over two lines)
        heads = page.eval_on_selector_all(".nq-table th .nq-sort span", "ss => ss.map(s => [s.textContent, s.getClientRects().length])")
    finally:
        page.set_viewport_size(size)
    texts = page.eval_on_selector_all(".nq-table td.nq-cell", "ts => ts.map(t => t.textContent)")
    assert wrapped > 0 and not split, (wrapped, split)
    assert heads and all(n == 1 for _, n in heads), heads
    assert all(t.startswith("|") and t.endswith("|") and " " not in t for t in texts)   # the text is the cell string


def _search_table_sorts_filters_and_opens_the_explorer(page):
    """Search tab: random search over two seeds; the query table sorts and filters in the page (the rule of
    naoviz.ui.query_table.view); a click on a row shows that cell's class in the explorer."""
    page.wait_for_selector(".nq-root[data-ready='1']", timeout=60_000)
    page.locator(".naoviz-search select[multiple]").select_option(label=["random search"])
    first = page.locator(".naoviz-first-seed input")
    first.fill("2.5")                       # a number box made this 25, and ran it; the text box says so
    first.press("Enter")
    page.wait_for_function("document.querySelector('.naoviz-search .naoviz-error')?.textContent"
                           ".includes(\"first seed: '2.5' is not a whole number\")", timeout=10_000)
    first.fill("0")
    first.press("Enter")
    seeds = page.locator(".naoviz-seeds input")
    seeds.fill("2")
    seeds.press("Enter")
    page.get_by_role("button", name="run search").click()
    page.wait_for_function("document.querySelector('.naoviz-search').innerText.includes('done')", timeout=120_000)
    page.wait_for_function("document.querySelector('.nq-count').textContent.startsWith('40 of 40')", timeout=10_000)
    header = page.locator(".nq-table th", has_text="test accuracy").get_by_role("button", name="sort by test accuracy")
    header.focus()                                                     # from the keyboard: a header is a button
    header.press("Enter")
    page.locator(".nq-table th", has_text="test accuracy").get_by_role("button").press("Enter")   # again: descending
    page.fill(".nq-filter", "seed=1 random")
    page.wait_for_function("document.querySelector('.nq-count').textContent.startsWith('20 of 40')", timeout=30_000)
    rows = page.eval_on_selector_all(".nq-table tbody tr", "rs => rs.map(r => [...r.children].map(c => c.textContent))")
    reports = [float(r[5]) for r in rows]
    assert len(rows) == 20 and {r[1] for r in rows} == {"1"} and reports == sorted(reports, reverse=True)
    _cells_wrap_between_edges_only(page)
    cell = rows[0][6]
    page.locator(".nq-table tbody tr[tabindex='0']").focus()           # the rows are one Tab stop: Down, Up, Enter
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    assert page.evaluate("document.activeElement.matches('.nq-table tbody tr:first-child')")
    assert page.locator(".nq-table th", has_text="test accuracy").inner_text().startswith("test accuracy (%)")   # its unit
    size = page.viewport_size
    page.set_viewport_size({"width": 1024, "height": 768})            # an explorer taller than the window
    page.locator(".nq-table tbody tr:first-child").scroll_into_view_if_needed()
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelector('.nx-root').offsetParent !== null", timeout=20_000)
    page.wait_for_function("document.querySelector('.nx-msg').textContent.includes('from the Search tab')",
                           timeout=10_000)
    # the page is back at the tab bar, the explorer's line and map in view (it stayed at the table's depth)
    page.wait_for_function("document.querySelector('.jupyter-widget-tab').getBoundingClientRect().top >= -1", timeout=30_000)
    page.set_viewport_size(size)
    shown = page.inner_text(".nx-info")
    assert f"seed row {page.input_value('.nx-seed')}" in shown
    # the nearest-cells list follows the seed the kernel set (it stayed on the first seed's: "nearest to row 0")
    page.wait_for_function("document.querySelector('.nx-nbrs').textContent.startsWith("
                           f"'nearest to row {page.input_value('.nx-seed')} ')", timeout=30_000)
    assert cell in shown or "same cell up to isomorphism" in page.inner_text(".nx-msg")


def test_a_reload_mid_search_leaves_no_traceback_in_the_server_log(server, browser):
    """A page reloaded while its search still sends progress: the server log shows no traceback (a write to the
    closed page's socket is one line, tests/test_voila_server.py) and no visit says "not trusted"."""
    page, _, _ = _open(browser, server["url"])
    page.get_by_role("tab", name="Search").click()
    page.wait_for_selector(".naoviz-search .nl-root svg", timeout=120_000)
    for box, value in ((".naoviz-budget input", "200"), (".naoviz-seeds input", "3")):     # a long run
        page.locator(box).fill(value)
        page.locator(box).press("Enter")
    page.wait_for_function("!document.querySelector('.naoviz-search .naoviz-error')", timeout=10_000)
    page.get_by_role("button", name="run search").click()
    page.wait_for_function("document.querySelector('.naoviz-search').innerText.includes('running')", timeout=60_000)
    old = page.evaluate("JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId")
    page.reload()
    page.wait_for_selector(READY, timeout=120_000)
    page.context.close()
    # the reloaded page's kernel is shut down at once: Voila's unload request was refused for want of an _xsrf
    # argument (voila#1458) and the kernel lived on to the idle cull (Playwright's close runs no unload handler)
    deadline = time.monotonic() + 120                                  # a loaded machine shuts a kernel down slowly
    while time.monotonic() < deadline:
        text = server["log"].read_text()
        if f"Kernel shutdown: {old}" in text:
            break
        time.sleep(0.5)
    assert "_xsrf' argument missing" not in text, text[-3000:]
    assert f"Kernel shutdown: {old}" in text, text[-3000:]
    # once the old kernel's process has exited, its last messages (the search's progress, to a closed socket)
    # have reached the server and its log
    while running_with(f"kernel-{old}.json"):      # its connection file, on its command line
        assert time.monotonic() < deadline, f"kernel {old} still running after its shutdown"
        time.sleep(0.2)
    text = server["log"].read_text()
    assert "Using pre-heated kernel" in text                           # the log is this server's
    assert "Traceback" not in text and "not trusted" not in text, text[-3000:]


def test_a_visits_kernel_has_not_imported_pandas(server, browser):
    """A visit's kernel opens the atlas by the model key stored before it (naoviz.explorer_keys: by the warm-up, or
    here, with no warm-up, by the server's first kernel, which read the table) and never reads the table: no
    pandas extension module is mapped in its process (``import pandas`` loads them)."""
    for visit in (1, 2):                        # the second visit's kernel started after a kernel stored the key
        page, _, _ = _open(browser, server["url"])
        kernel = page.evaluate("JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId")
        pids = running_with(f"kernel-{kernel}.json")
        assert pids, kernel
        mapped = {pid: Path(f"/proc/{pid}/maps").read_text() for pid in pids}
        page.context.close()
    assert all("/numpy/" in m for m in mapped.values())            # the check sees extension modules
    assert not [pid for pid, m in mapped.items() if "/pandas/" in m], "the visit's kernel imported pandas"


def test_a_shutdown_from_another_origin_is_still_refused(server):
    """The unload shutdown passes without _xsrf only from the page's own origin; from another it is refused."""
    import urllib.error
    import urllib.request
    kernel = "00000000-0000-0000-0000-000000000000"
    for origin in ("http://evil.example", None):
        req = urllib.request.Request(at(server["url"], f"voila/api/shutdown/{kernel}"), data=b"",
                                     method="POST", headers={"Origin": origin} if origin else {})
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(req, timeout=10)
        assert err.value.code in (403, 404), (origin, err.value.code)


def test_a_tab_opened_from_the_keyboard_keeps_the_focus(server, browser):
    """On the tab bar, arrow keys and Enter open a tab; the focus stays on it while the kernel builds the panel
    (a rebuilt tab bar dropped it to the page's body), and the next Tab goes into the opened panel."""
    page, _, _ = _open(browser, server["url"], width=1024)
    active = "(() => { const e = document.activeElement; return [e.getAttribute('role'), e.textContent.trim(), " \
             "e.getAttribute('aria-selected'), !!e.closest('.naoviz-search')]; })()"
    page.get_by_role("tab", name="Explorer").focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    page.wait_for_selector(".naoviz-search .nl-root svg", timeout=120_000)     # built in the kernel meanwhile
    time.sleep(0.5)
    assert page.evaluate(active) == ["tab", "Search", "true", False]
    page.keyboard.press("Tab")                                                   # into the opened panel
    assert page.evaluate(active)[3] is True, page.evaluate(active)
    page.get_by_role("tab", name="Search").focus()
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelector('.nx-root').offsetParent !== null", timeout=20_000)
    time.sleep(0.5)
    assert page.evaluate(active)[:3] == ["tab", "Explorer", "true"]
    page.context.close()


def test_link_state_round_trip_and_1024px(server, browser):
    page, _, _ = _open(browser, at(server["url"], query="seed=5&eta=2.5&view=pca"), width=1024)
    S = page.evaluate("(() => { const S = document.querySelector('.nx-root').__nx.S; "
                      "return {seed: S.seed, eta: S.eta, view: S.view}; })()")
    assert S["view"] == "pca" and S["eta"] == 5                        # 2.5 on the 0, 0.5, ..., 10 grid
    assert page.input_value(".nx-seed") == str(S["seed"])
    page.locator(".nx-root").focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("location.search.includes('eta=3')", timeout=30_000)
    assert "token=" not in page.url                 # a link copied from the address bar hands on no token ...
    page.reload()                                   # ... and the page keeps working on the login cookie
    page.wait_for_selector(READY, timeout=120_000)
    assert page.evaluate("document.querySelector('.nx-root').__nx.S.eta") == 6
    page.locator(".nx-root").focus()
    over = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert over <= 0, f"{over} px of horizontal overflow at 1024 px"
    _bars_hold_long_names_at_1024(page)
    page.screenshot(path=str(ART / "dashboard-1024.png"), full_page=True)
    _keyboard_reaches_the_slider_and_every_control_is_named(page)
    page.context.close()


def test_a_refused_value_is_said_on_screen_at_1024x768(server, browser):
    """At 1024x768 a value refused in the top bar (seed row) or under the map (η) is said in a line on screen
    with the box: the line sat under the neighbour list, below the fold, so the box went back and nothing
    seemed to happen."""
    page, _, _ = _open(browser, server["url"], width=1024)
    page.set_viewport_size({"width": 1024, "height": 768})
    for sel, said in ((".nx-seed", "seed row abc is not a row number"), (".nx-eta-in", "η abc is not a number")):
        page.evaluate("window.scrollTo(0, 0)")
        page.fill(sel, "abc")
        page.press(sel, "Enter")
        page.wait_for_function(f"document.querySelector('.nx-msg').textContent.startsWith({said!r})", timeout=30_000)
        box, line = (page.locator(s).bounding_box() for s in (sel, ".nx-msg"))
        assert 0 <= line["y"] and line["y"] + line["height"] <= 768 and 0 <= box["y"] <= 768 - box["height"], (sel, box, line)
    page.context.close()


# the page's [η row's lowest bottom, the prediction chart's bottom, the map's drawn height, its CSS height and width]
_FOLD = """(() => { const m = document.querySelector('canvas.nx-map'), r = m.getBoundingClientRect();
    return [Math.max(...[...document.querySelectorAll('.nx-eta > *')].map(e => e.getBoundingClientRect().bottom)),
            document.querySelector('.nx-chart').getBoundingClientRect().bottom, m.height / devicePixelRatio, r.height, r.width]; })()"""


def test_the_eta_row_is_on_screen_on_laptop_windows(server, browser):
    """On a 1366x768 or 1280x800 laptop, whole or less its browser's bars (1366x657, 1280x689), the page at its top
    shows the η row and the prediction chart beside the map: the η row was 170-250 px below the fold (the map 0.75 as tall as
    wide). The map is drawn at its new height (not stretched), at least 0.4 as tall as wide; 1024x768 and 1920x1080
    keep the 0.75 map (640 px at most), and a window made shorter only (its width the same) shortens the map too."""
    page, _, _ = _open(browser, server["url"], width=1366, height=768)
    got = {}
    for w, hgt in ((1366, 768), (1366, 657), (1280, 689), (1280, 800), (1024, 768), (1920, 1080)):
        page.set_viewport_size({"width": w, "height": hgt})
        page.evaluate("document.querySelector('#rendered_cells').scrollTop = 0")
        wait_then_check(page, f"(([eta, , drawn, css, wide]) => eta <= {hgt} && Math.abs(drawn - css) < 1 "    # the map
                        f"&& css >= Math.min(0.75 * wide, 640) - 1)({_FOLD})" if w in (1024, 1920) else     # is drawn
                        f"(([eta, , drawn, css]) => eta <= {hgt} && Math.abs(drawn - css) < 1)({_FOLD})")   # again
        got[f"{w}x{hgt}"] = eta, chart, drawn, css, wide = page.evaluate(_FOLD)
        page.screenshot(path=str(ART / f"dashboard-fold-{w}x{hgt}.png"))
        assert eta <= hgt and abs(drawn - css) < 1 and css >= 0.4 * wide - 1, got
        if w in (1024, 1920):                         # (at 1024 px the chart is under the two cells, as before)
            assert abs(css - round(min(0.75 * wide, 640))) <= 1, got
        else:
            assert chart <= hgt, got
    page.context.close()


def test_the_maps_legend_names_its_colour_whole_at_1024px(server, browser):
    """At 1024 px the map's footer names every colour whole in one row ("predicted validation accuracy" and "cells
    in its isomorphism class" were cut to "predicted validation acc…" by a fixed 12em with the footer's room
    beside them); at 960 px, where one row is short, the footer wraps (box | lasso under the key) and the name is
    still whole (it was cut to "predicted validation…", as in JupyterLab at 1366 px with its file browser open),
    and the η row stays on a 768 px screen."""
    page, _, _ = _open(browser, server["url"], width=1024, height=768)
    page.wait_for_selector(".nx-nbrs a", timeout=60_000)
    name = """(() => { const n = document.querySelector('.nx-lname');
        return [n.textContent, n.scrollWidth - n.clientWidth, n.title, document.querySelector('.nx-mapfoot').getBoundingClientRect().height]; })()"""
    got, fold = {}, {}
    for width in (1024, 960):
        page.set_viewport_size({"width": width, "height": 768})
        for colour in page.eval_on_selector_all(".nx-color option", "os => os.map(o => o.value)"):
            page.select_option(".nx-color", colour)
            page.wait_for_function("(t) => document.querySelector('.nx-lname').textContent === t",
                                   arg=page.eval_on_selector(f".nx-color option[value='{colour}']", "o => o.textContent"), timeout=30_000)
            got[(width, colour)] = text, cut, tip, foot = page.evaluate(name)
            assert cut <= 0 and tip.startswith(text), got
            assert width != 1024 or foot < 30, got
        page.evaluate("document.querySelector('#rendered_cells').scrollTop = 0")
        fold[width] = page.evaluate(_FOLD)[0]
    assert any(foot > 30 for (width, _), (_, _, _, foot) in got.items() if width == 960), got   # wrapped, not cut
    assert fold[960] <= 768, fold
    page.context.close()


def _bars_hold_long_names_at_1024(page):
    """At 1024 px with the longest colour and budget names chosen, the top bar keeps one row (export page wrapped
    to a second one until 2026-12-07) and the budget menu shows its whole choice (a 24em cap cut its end)."""
    for sel in (".nx-color", ".nx-bcol"):
        names = page.eval_on_selector_all(f"{sel} option", "os => os.map(o => o.textContent)")
        page.select_option(sel, label=max(names, key=len))
    tops = page.eval_on_selector_all(".nx-root > .nx-bar:not(.nx-bbar) > :not([hidden])",
                                     "es => es.map(e => Math.round(e.getBoundingClientRect().top))")
    assert max(tops) - min(tops) < 10, tops
    shown, text = page.evaluate("""(() => { const s = document.querySelector('.nx-bcol'), c = document.createElement('canvas').getContext('2d');
        c.font = getComputedStyle(s).font; return [s.clientWidth, c.measureText(s.selectedOptions[0].textContent).width]; })()""")
    assert shown >= text, (shown, text)
    page.select_option(".nx-bcol", index=0)           # budget off again: the keyboard walk after counts its tabs


def _keyboard_reaches_the_slider_and_every_control_is_named(page):
    """In the dashboard, keyboard only: Tab from the page's start (the tab bar first) reaches the η slider, and
    its arrow keys move η and the decoded cell; every control of the tab bar and explorer has a name."""
    from _a11y import low_contrast_text, unnamed_controls
    page.evaluate("document.activeElement.blur()")
    page.mouse.click(2, 2)                                             # the page's start, nothing focused
    tabs = []
    for _ in range(40):
        page.keyboard.press("Tab")
        tabs.append(page.evaluate("document.activeElement.className"))
        if tabs[-1] == "nx-slider":
            break
    assert tabs[-1] == "nx-slider" and "nx-root" in tabs and len(tabs) <= 20, tabs
    eta = int(page.input_value(".nx-slider"))
    page.keyboard.press("ArrowRight")
    # a loaded machine may hand the key to the page's handler after press() returns: wait (10 s), then assert
    page.wait_for_function(f"document.querySelector('.nx-slider').value === '{eta + 1}'", timeout=10_000)
    nx = "document.querySelector('.nx-root').__nx"
    want = page.evaluate(f"(() => {{ const {{S, atlas}} = {nx}; return atlas.labels[atlas.A.path_decoded[S.m * atlas.E + S.eta]]; }})()")
    page.wait_for_function(f"document.querySelector('.nx-decoded').textContent.includes({want!r})", timeout=10_000)
    assert int(page.input_value(".nx-slider")) == eta + 1 and page.inner_text(".nx-decoded") == want
    shown = page.evaluate(f"String(+{nx}.atlas.A.etas[{eta + 1}].toFixed(4))")
    page.wait_for_function(f"location.search.includes('eta={shown}')", timeout=30_000)   # the link follows
    assert not unnamed_controls(page.locator(".lm-TabBar").first) and not unnamed_controls(page.locator(".nx-root"))
    assert not low_contrast_text(page, "body"), low_contrast_text(page, "body")   # the tab bar's other tabs too
