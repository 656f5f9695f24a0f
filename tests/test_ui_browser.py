"""The dashboard in real Chromium (Playwright + Debian chromium) against a real Voila server on 127.0.0.1.

The warm server opens the digits table's shipped atlas (an empty cache: nothing trained); the cold start, two
visitors arriving while nothing is cached, is tests/test_ui_cold_start_browser.py's (it uses this module's
server and page helpers). Screenshots go to tests/artifacts/.
"""
from __future__ import annotations

import os
import re
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ART = ROOT / "tests" / "artifacts"
from _browser import CHROMIUM
READY = ".nx-root[data-ready='1']"
WARM = {"NAOVIZ_DASHBOARD_TABLE": "nb201-digits", "NAOVIZ_DASHBOARD_BUDGET": "20"}

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian chromium (make browser)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(env_extra: dict, cache: Path, name: str, via_cli: bool = False):
    """Voila on the dashboard notebook; ``via_cli``: launched as users do, by ``naoviz dashboard`` (which also
    warms the explorer's model and atlases beside Voila)."""
    import sys

    from naoviz.cli.dashboard import voila_command, voila_env
    ART.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    env = dict(os.environ, **env_extra, NAOVIZ_CACHE=str(cache), OMP_NUM_THREADS="1")
    log_path = ART / f"voila-{name}.log"
    log = open(log_path, "w")
    cmd = ([sys.executable, "-m", "naoviz.cli", "dashboard", "--port", str(port)] if via_cli else
           voila_command(ROOT / "notebooks" / "dashboard.ipynb", port, "127.0.0.1"))
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env if via_cli else voila_env(env),
                            cwd=ART)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 90
    while True:
        try:
            urllib.request.urlopen(url + "voila/static/voila.js", timeout=2)
            break
        except OSError:
            assert proc.poll() is None and time.time() < deadline, log_path.read_text()
            time.sleep(0.3)
    return proc, log, url


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    exports = tmp_path_factory.mktemp("exports")                   # the kernel's export folder (--exports)
    proc, log, url = _serve({**WARM, "NAOVIZ_EXPORT_DIR": str(exports)}, tmp_path_factory.mktemp("warm-cache"), "warm")
    yield {"url": url, "proc": proc, "log": ART / "voila-warm.log", "exports": exports}
    proc.terminate()
    proc.wait(20)
    log.close()


def _open(browser, url, width=1400, timeout_ms=120_000, log_path: Path | None = None):
    """A fresh visitor (own context); returns (page, seconds to interactive, websocket bytes received). A page
    that never gets ready fails with what it shows, its console and the server log's tail (and a screenshot in
    tests/artifacts/), so a failure on CI says where it stopped."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    ctx = browser.new_context(viewport={"width": width, "height": 1100})
    page = ctx.new_page()
    got = {"ws": 0, "requests": [], "console": []}
    page.on("request", lambda r: got["requests"].append(r.url))
    page.on("websocket", lambda ws: ws.on("framereceived", lambda p: got.__setitem__("ws", got["ws"] + len(p))))
    page.on("console", lambda m: got["console"].append(f"{m.type}: {m.text}"[:300]))
    page.on("pageerror", lambda e: got["console"].append(f"page error: {e}"[:300]))
    t0 = time.perf_counter()
    try:
        page.goto(url, timeout=timeout_ms)
        page.wait_for_selector(READY, timeout=timeout_ms)
    except PlaywrightTimeout:
        shot = ART / f"not-ready-{time.strftime('%H%M%S')}.png"
        page.screenshot(path=str(shot), full_page=True)
        shows = " ".join(page.inner_text("body").split())[:800]
        log_tail = log_path.read_text(errors="replace").splitlines()[-25:] if log_path else []
        raise AssertionError(f"{url}: not ready after {time.perf_counter() - t0:.0f} s ({shot.name}); the page shows: "
                             f"{shows!r}\nconsole (last 20): {got['console'][-20:]}\nserver log (last 25 lines):\n"
                             + "\n".join(log_tail)) from None
    return page, time.perf_counter() - t0, got


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
    export folder and the page says "saved N figures: <paths>"; a second press on the same view writes nothing
    and the page says "already saved: <the same paths>" (figuresSaved in naoviz/resources/explorer/explorer.js)."""
    reply = ("(() => { const t = document.querySelector('.nx-msg').textContent; return ['saved ', 'already saved: ', "
             "'export figures:'].some((p) => t.startsWith(p)) && t; })()")       # a click first says "drawing ..."
    saved = lambda: sorted(f for f in folder.iterdir() if not f.name.startswith("."))   # noqa: E731
    assert saved() == []
    page.click(".nx-figs")
    first = page.wait_for_function(reply, timeout=120_000).json_value()
    files = saved()
    head, _, names = first.partition(": ")
    assert head == f"saved {len(files)} figures" and sorted(names.split(", ")) == list(map(str, files)), (first, files)
    assert len(files) >= 2
    stamps = [f.stat().st_mtime_ns for f in files]
    page.click(".nx-figs")                                             # the same view again
    again = page.wait_for_function(reply, timeout=120_000).json_value()
    assert again == f"already saved: {names}", again
    assert saved() == files and [f.stat().st_mtime_ns for f in files] == stamps     # nothing written


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
    assert chart.locator("path.nl-line[data-name='random search (n=2)']").get_attribute("d").count("L") == 19
    assert chart.locator("path.nl-band").count() == 1 and chart.locator(".nl-legend").inner_text().startswith("line: mean")
    # its values carry their unit (the text alternative, as the hover readout): "random search (n=2): 93.1 % at ..."
    assert re.fullmatch(r"random search \(n=2\): \d+\.\d{3}\u00a0% at queries 20", chart.locator("desc").text_content())
    # the y axis ends on labelled ticks: the top and bottom grid lines enclose every drawn point (SVG y grows down)
    grid = [float(y) for y in chart.locator("line.nl-grid").evaluate_all("es => es.map(e => e.getAttribute('y1'))")]
    drawn = [float(y) for d in chart.locator("path.nl-line, path.nl-band").evaluate_all("es => es.map(e => e.getAttribute('d'))")
             for y in re.findall(r"[ML]\s*[-\d.e]+[ ,]([-\d.e]+)", d)]
    assert drawn and min(grid) <= min(drawn) + 0.5 and max(grid) >= max(drawn) - 0.5, (grid, min(drawn), max(drawn))
    assert page.locator(".js-plotly-plot").count() == 0 and not [u for u in got["requests"] if "plotly" in u]
    page.context.close()


def _cells_wrap_between_edges_only(page):
    """At 1024 px the query table's cell column wraps, and only between edges: no op name is split across two
    lines (with the column's anywhere-wrap, "nor_conv_1x" ended one line and "1~0|" began the next)."""
    size = page.viewport_size
    page.set_viewport_size({"width": 1024, "height": size["height"]})
    try:
        page.wait_for_timeout(300)
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
    finally:
        page.set_viewport_size(size)
    texts = page.eval_on_selector_all(".nq-table td.nq-cell", "ts => ts.map(t => t.textContent)")
    assert wrapped > 0 and not split, (wrapped, split)
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
    header = page.locator(".nq-table th", has_text="test_acc").get_by_role("button", name="sort by test_acc")
    header.focus()                                                     # from the keyboard: a header is a button
    header.press("Enter")
    page.locator(".nq-table th", has_text="test_acc").get_by_role("button").press("Enter")   # again: descending
    page.fill(".nq-filter", "seed=1 random")
    page.wait_for_function("document.querySelector('.nq-count').textContent.startsWith('20 of 40')", timeout=5000)
    rows = page.eval_on_selector_all(".nq-table tbody tr", "rs => rs.map(r => [...r.children].map(c => c.textContent))")
    reports = [float(r[5]) for r in rows]
    assert len(rows) == 20 and {r[1] for r in rows} == {"1"} and reports == sorted(reports, reverse=True)
    _cells_wrap_between_edges_only(page)
    cell = rows[0][6]
    page.locator(".nq-table tbody tr[tabindex='0']").focus()           # the rows are one Tab stop: Down, Up, Enter
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    assert page.evaluate("document.activeElement.matches('.nq-table tbody tr:first-child')")
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelector('.nx-root').offsetParent !== null", timeout=20_000)
    page.wait_for_function("document.querySelector('.nx-msg').textContent.includes('from the Search tab')",
                           timeout=10_000)
    shown = page.inner_text(".nx-info")
    assert f"seed row {page.input_value('.nx-seed')}" in shown
    # the nearest-cells list follows the seed the kernel set (it stayed on the first seed's: "nearest to row 0")
    page.wait_for_function("document.querySelector('.nx-nbrs').textContent.startsWith("
                           f"'nearest to row {page.input_value('.nx-seed')} ')", timeout=5000)
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
    while _kernel_running(old):
        assert time.monotonic() < deadline, f"kernel {old} still running after its shutdown"
        time.sleep(0.2)
    text = server["log"].read_text()
    assert "Using pre-heated kernel" in text                           # the log is this server's
    assert "Traceback" not in text and "not trusted" not in text, text[-3000:]


def _kernel_running(kernel_id: str) -> bool:
    """A process runs the kernel ``kernel_id`` (its connection file, kernel-<id>.json, on its command line)."""
    name = f"kernel-{kernel_id}.json".encode()
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and name in (entry / "cmdline").read_bytes():
                return True
        except OSError:
            continue
    return False


def test_a_shutdown_from_another_origin_is_still_refused(server):
    """The unload shutdown passes without _xsrf only from the page's own origin; from another it is refused."""
    import urllib.error
    import urllib.request
    kernel = "00000000-0000-0000-0000-000000000000"
    for origin in ("http://evil.example", None):
        req = urllib.request.Request(server["url"].rstrip("/") + f"/voila/api/shutdown/{kernel}", data=b"",
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
    page, _, _ = _open(browser, server["url"] + "?seed=5&eta=2.5&view=pca", width=1024)
    S = page.evaluate("(() => { const S = document.querySelector('.nx-root').__nx.S; "
                      "return {seed: S.seed, eta: S.eta, view: S.view}; })()")
    assert S["view"] == "pca" and S["eta"] == 5                        # 2.5 on the 0, 0.5, ..., 10 grid
    assert page.input_value(".nx-seed") == str(S["seed"])
    page.locator(".nx-root").focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("location.search.includes('eta=3')", timeout=5000)
    over = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert over <= 0, f"{over} px of horizontal overflow at 1024 px"
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
        page.wait_for_function(f"document.querySelector('.nx-msg').textContent.startsWith({said!r})", timeout=5000)
        box, line = (page.locator(s).bounding_box() for s in (sel, ".nx-msg"))
        assert 0 <= line["y"] and line["y"] + line["height"] <= 768 and 0 <= box["y"] <= 768 - box["height"], (sel, box, line)
    page.context.close()


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
    page.wait_for_function(f"location.search.includes('eta={shown}')", timeout=5000)   # the link follows
    assert not unnamed_controls(page.locator(".lm-TabBar").first) and not unnamed_controls(page.locator(".nx-root"))
    assert not low_contrast_text(page, "body"), low_contrast_text(page, "body")   # the tab bar's other tabs too


def test_search_tab_budget_box_says_what_it_refuses_at_1024px(server, browser):
    """The budget slider has no editable readout (it clamped: 2.5 gave 10, 9999 the maximum) but a checked
    box beside it: a value off the step is refused in the tab's red line and the slider stays; a right one
    moves the slider. At 1024 px the slider and its box sit on one line, the page does not scroll sideways."""
    page, _, _ = _open(browser, server["url"], width=1024)
    page.get_by_role("tab", name="Search").click()
    page.wait_for_selector(".naoviz-search .nl-root svg", timeout=120_000)
    budget = page.locator(".naoviz-budget input")
    handle = page.locator(".naoviz-search .widget-slider [aria-valuenow]").first
    assert budget.input_value() == "20" and handle.get_attribute("aria-valuenow").startswith("20")
    assert page.locator(".naoviz-search .widget-readout:visible").count() == 0   # no parseInt-and-clamp readout
    for typed, said in (("25", "queries: '25' is not a multiple of 10 (expected 10..300)"),
                        ("9999", "queries: '9999' is out of range (expected 10..300)")):
        budget.fill(typed)
        budget.press("Enter")
        page.wait_for_function("document.querySelector('.naoviz-search .naoviz-error')?.textContent"
                               f".includes({said!r})", timeout=10_000)
        assert handle.get_attribute("aria-valuenow").startswith("20")       # the slider keeps its value
    page.screenshot(path=str(ART / "dashboard-search-1024.png"), full_page=True)
    from _a11y import low_contrast_text, unnamed_controls                # a screen reader names every control
    page.get_by_role("slider", name="queries").wait_for(timeout=5000)   # named by the template's script (<= 200 ms)
    assert not unnamed_controls(page.locator(".naoviz-search")), unnamed_controls(page.locator(".naoviz-search"))
    assert page.get_by_role("slider", name="queries").count() == 1 and page.get_by_role("textbox", name="queries (typed)").count() == 1
    assert not low_contrast_text(page, ".naoviz-search"), low_contrast_text(page, ".naoviz-search")
    # no label's tip reads "null" (ipywidgets 8's for a label without a tooltip: "progress" said null); the
    # sliders' labels say what they set
    page.wait_for_function("!document.querySelector('.naoviz-search .widget-label[title=\"null\"]')", timeout=5000)
    assert "queries per searcher and seed" in page.locator(".naoviz-search .widget-slider > .widget-label", has_text="queries").get_attribute("title")
    assert "'9999' is out of range" in page.locator(".naoviz-search .naoviz-live[aria-live='polite']").first.inner_text()   # said
    slider, box = (page.locator(sel).first.bounding_box() for sel in (".naoviz-search .widget-slider", ".naoviz-budget"))
    assert abs((slider["y"] + slider["height"] / 2) - (box["y"] + box["height"] / 2)) < 4, (slider, box)
    assert box["x"] >= slider["x"] + slider["width"] - 1                     # beside it, not wrapped below
    over = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert over <= 0, f"{over} px of horizontal overflow at 1024 px"
    # the line under the algorithms list is one line, and the controls stay beside the list (a wider line wrapped
    # them below it)
    algos, note = (page.locator(sel).first.bounding_box() for sel in (".naoviz-search select[multiple]", ".naoviz-algos-note"))
    assert page.locator(".naoviz-algos-note").inner_text().startswith("4 of 4 picked") and note["height"] < 32, note
    assert slider["x"] >= algos["x"] + algos["width"] and slider["y"] < algos["y"] + algos["height"], (algos, slider)
    budget.fill("30")
    budget.press("Enter")
    page.wait_for_function("document.querySelector('.naoviz-search .widget-slider [aria-valuenow]')"
                           ".getAttribute('aria-valuenow').startsWith('30')", timeout=10_000)
    page.wait_for_function("!document.querySelector('.naoviz-search .naoviz-error')", timeout=10_000)
    _cost_budget_run_draws_the_pareto_plot(page)
    page.context.close()


def test_search_tab_preset_menu_labels_the_presets_and_says_what_the_chosen_one_does_at_1024px(server, browser):
    """The NAO preset menu leads with the main presets ("default — best measured"), the measured directions
    after under "more:"; picking one changes the line under the menu to its catalogue line; at 1024 px the
    menu fits the page, every control is named and the line is readable."""
    from _a11y import low_contrast_text, unnamed_controls
    from naoviz.search.nao_presets import ABOUT, MAIN, MEASURED
    page, _, _ = _open(browser, server["url"], width=1024)
    page.get_by_role("tab", name="Search").click()
    page.wait_for_selector(".naoviz-search .nl-root svg", timeout=120_000)
    menu = page.get_by_role("combobox", name="NAO preset")
    options = menu.locator("option").evaluate_all(                     # ipywidgets writes spaces as nbsp
        "os => os.map(o => [o.textContent.replace(/\\u00a0/g, ' '), o.selected])")
    assert [label for label, _ in options[:len(MAIN)]] == [f"{n} — {ABOUT[n][0]}" for n in MAIN]
    assert [label for label, _ in options[len(MAIN):]] == [f"more: {n} — {ABOUT[n][0]}" for n in MEASURED]
    assert options[0][1] and ABOUT["default"][1] in page.inner_text(".naoviz-preset-about")
    menu.select_option(index=len(MAIN) + MEASURED.index("stall"))
    page.wait_for_function("document.querySelector('.naoviz-preset-about').textContent.startsWith('stall:')",
                           timeout=10_000)
    assert ABOUT["stall"][1] in page.inner_text(".naoviz-preset-about")
    menu.select_option(index=MAIN.index("step"))
    page.wait_for_function("document.querySelector('.naoviz-preset-about').textContent.startsWith('step:')",
                           timeout=10_000)
    page.screenshot(path=str(ART / "dashboard-search-presets-1024.png"), full_page=True)
    box, about = menu.bounding_box(), page.locator(".naoviz-preset-about").bounding_box()
    assert about["y"] >= box["y"] + box["height"] - 1                  # the line sits under the menu
    assert not unnamed_controls(page.locator(".naoviz-search")), unnamed_controls(page.locator(".naoviz-search"))
    assert not low_contrast_text(page, ".naoviz-search"), low_contrast_text(page, ".naoviz-search")
    over = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert over <= 0, f"{over} px of horizontal overflow at 1024 px"
    page.context.close()


def _cost_budget_run_draws_the_pareto_plot(page):
    """A short random search under a params_M budget: the Pareto plot (SVG, no plotly) has every query as a
    point (the over-budget ones hollow), a staircase front and the dashed budget; a bound that is not a number
    is refused in the red line first; every control is named and every text readable."""
    from _a11y import low_contrast_text, unnamed_controls
    page.locator(".naoviz-search select[multiple]").select_option(label=["random search"])
    page.locator(".naoviz-cost-column select").select_option("params_M")
    bound = page.locator(".naoviz-cost-bound input")
    page.wait_for_function("document.querySelector('.naoviz-cost-bound input').value !== ''", timeout=10_000)
    for typed in ("abc", "0.03"):
        bound.fill(typed)
        bound.press("Enter")
        if typed == "abc":
            page.wait_for_function("document.querySelector('.naoviz-search .naoviz-error')?.textContent"
                                   ".includes(\"cost budget: 'abc' is not a number\")", timeout=10_000)
    page.wait_for_function("!document.querySelector('.naoviz-search .naoviz-error')", timeout=10_000)
    page.get_by_role("button", name="run search").click()
    page.wait_for_function("document.querySelector('.naoviz-search').innerText.includes('done')", timeout=120_000)
    assert 'constraint "params_M<=0.03"' in page.inner_text(".naoviz-search")
    plot = page.locator(".naoviz-pareto .ns-root")
    page.wait_for_function("document.querySelectorAll('.naoviz-pareto circle.ns-point').length === 30", timeout=10_000)
    assert plot.locator("circle.ns-hollow").count() >= 1 and plot.locator("path.ns-front").count() == 1
    assert plot.locator("path.ns-front").get_attribute("d").startswith("M")
    assert plot.locator("line.ns-budget").count() == 1 and "budget params_M ≤ 0.03" in plot.inner_text()
    assert page.locator(".js-plotly-plot").count() == 0
    page.locator(".naoviz-pareto").scroll_into_view_if_needed()
    page.screenshot(path=str(ART / "dashboard-search-pareto-1024.png"), full_page=True)
    assert not unnamed_controls(page.locator(".naoviz-search")), unnamed_controls(page.locator(".naoviz-search"))
    assert not low_contrast_text(page, ".naoviz-search"), low_contrast_text(page, ".naoviz-search")
    over = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert over <= 0, f"{over} px of horizontal overflow at 1024 px"


def test_child_tab_trains_the_named_cell_and_charts_whole_epochs(server, browser):
    """Child tab, in the page: it names the cell a press trains, the press trains that cell (the result line
    names it with its test accuracy), and the chart's epoch axis has whole-number ticks only. Its recipe line
    is one line at 1024 px (beside the button it wrapped, "rate 0.05" alone 28 px below)."""
    page, _, _ = _open(browser, server["url"], width=1024)
    page.get_by_role("tab", name="Train a child").click()
    page.wait_for_selector("text=a press trains", timeout=120_000)
    lines = page.evaluate("() => { const r = [...document.querySelectorAll('small')].find(s => s.textContent.startsWith('recipe ')); "
                          "return [new Set([...r.getClientRects()].map(x => Math.round(x.top))).size, "
                          "r.getBoundingClientRect().right <= window.innerWidth, r.textContent]; }")
    assert lines[:2] == [1, True] and lines[2].startswith("recipe digits-quick: 8 channels"), lines
    named = page.locator("text=a press trains").locator("code").inner_text()
    page.get_by_role("button", name=re.compile("train decoded cell")).click()
    page.wait_for_function("document.body.innerText.includes('test accuracy')", timeout=180_000)
    result = page.locator("code", has_text=named).last.locator("xpath=..").inner_text()
    assert named in result and re.search(r"test accuracy \d+\.\d%", result)
    chart = page.locator(".nl-root").last
    page.wait_for_function("[...document.querySelectorAll('.nl-root')].pop().querySelectorAll('path.nl-line').length >= 2",
                           timeout=10_000)
    # graded widths, the first drawn widest: equal curves (here train and test on a short run) stay visible
    widths = chart.locator("path.nl-line").evaluate_all("es => es.map(e => parseFloat(getComputedStyle(e).strokeWidth))")
    assert len(widths) >= 2 and all(a > b for a, b in zip(widths, widths[1:])) and widths[-1] == 2, widths
    x_labels = chart.locator(".nl-axes text[text-anchor='middle']").evaluate_all("es => es.map(e => e.textContent)")
    assert len(x_labels) >= 2 and all(re.fullmatch(r"\d+", t) for t in x_labels), x_labels
    page.screenshot(path=str(ART / "dashboard-child-1024.png"), full_page=True)
    from _a11y import low_contrast_text, unnamed_controls
    panel = page.locator(".widget-tab-contents, .lm-TabPanel-stackedPanel").first
    page.get_by_role("slider", name="epochs").wait_for(timeout=5000)
    assert not unnamed_controls(panel), unnamed_controls(panel)
    assert not low_contrast_text(page, "body"), low_contrast_text(page, "body")
    assert page.get_by_role("slider", name="epochs").count() == 1
    page.context.close()


# (role, accessible name) of labelled controls of the Search tab and the tip each carries (naoviz.ui.search_panel
# TIPS; the NAO preset menu's is the chosen preset's catalogue line)
_TIPPED = [("textbox", "first seed"), ("textbox", "seeds"), ("combobox", "band"), ("combobox", "cost budget"),
           ("combobox", "NAO preset"), ("listbox", "algorithms"), ("textbox", "queries (typed)")]


def test_labelled_controls_show_their_tooltip_on_the_label_and_the_control(server, browser):
    """ipywidgets 8 puts a Text's, Dropdown's or Select's ``tooltip`` on the control only when it has no
    ``description`` (and never on the label: jupyter-widgets/ipywidgets#3964), so a labelled box or menu showed
    no tip at all. Hovering the label or the control of each now shows the widget's tooltip: a ``title`` on both
    (naoviz.ui.tips), and a changed tooltip (another preset) follows."""
    from naoviz.search.nao_presets import ABOUT, MAIN
    from naoviz.ui.search_panel import TIPS
    page, _, _ = _open(browser, server["url"], width=1024)
    page.get_by_role("tab", name="Search").click()
    page.wait_for_selector(".naoviz-search .nl-root svg", timeout=120_000)
    expected = {name: TIPS.get(name, ABOUT["default"][1]) for _, name in _TIPPED}
    expected["queries (typed)"] = TIPS["queries"]

    def titles(role, name):
        control = page.get_by_role(role, name=name, exact=True)
        return control.evaluate("c => [c.title, c.labels && c.labels[0] ? c.labels[0].title : null]")

    for role, name in _TIPPED:
        got = None
        for _ in range(50):                                       # the page's tips are set within 100 ms
            got = titles(role, name)
            if got == [expected[name]] * 2:
                break
            page.wait_for_timeout(100)
        assert got == [expected[name]] * 2, (name, got)
    # the label's tip is where the pointer is: the element under the label's centre carries it (or its parent)
    label = page.locator(".naoviz-first-seed > .widget-label")
    box = label.bounding_box()
    under = page.evaluate("([x, y]) => document.elementFromPoint(x, y).closest('[title]')?.title",
                          [box["x"] + box["width"] - 4, box["y"] + box["height"] / 2])
    assert under == TIPS["first seed"], under
    page.get_by_role("combobox", name="NAO preset").select_option(index=MAIN.index("step"))
    page.wait_for_function("t => document.querySelector('.naoviz-search select[title]') && [...document.querySelectorAll"
                           "('.naoviz-search select')].some(s => s.title === t && s.labels[0].title === t)",
                           arg=ABOUT["step"][1], timeout=10_000)
    page.context.close()
