"""The dashboard's Search and Child tabs in real Chromium at 1024 px against a real Voila server: the budget box
and what it refuses, a run under a cost budget drawing the Pareto plot, the NAO preset menu and its line, the
Child tab training the named cell, and the tips of labelled boxes and menus. The warm server (shared with
tests/test_ui_browser.py) and the page helper: tests/_dashboard_server.py; the budget run's steps:
tests/_search_tab_run.py. Screenshots go to tests/artifacts/.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from _browser import CHROMIUM, wait_then_check
from _dashboard_server import ART, _open
from _search_tab_run import cost_budget_run_draws_the_pareto_plot

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian chromium (make browser)")


def test_search_tab_budget_box_says_what_it_refuses_at_1024px(server, browser):
    """The budget slider has no editable readout (it clamped: 2.5 gave 10, 9999 the maximum) but a checked
    box beside it: a value off the step is refused in the tab's red line and the slider stays; a right one
    moves the slider. At 1024 px the slider and its box sit on one line, the page does not scroll sideways. With a
    mouse every target of the explorer (its 19 px menus, the neighbours' row links) meets WCAG 2.2's target size
    minimum, by size or by spacing (the links were 17 px apart); a long colour name is whole in the map's footer."""
    from _a11y import crowded_targets
    page, _, _ = _open(browser, server["url"], width=1024)
    page.wait_for_selector(".nx-nbrs a", timeout=60_000)
    crowded = crowded_targets(page, ".nx-root select, .nx-root button, .nx-root input, .nx-root a")
    assert not crowded, crowded
    # a colour's long name ("predicted validation accuracy"; NB201's "CIFAR-10 test accuracy, trained on 50k")
    # is whole in the map's footer, which wraps where one row is short (at 960 px here; cut to one row, the name
    # said "predicted validation…"), and in its tip
    page.set_viewport_size({"width": 960, "height": 1100})
    page.locator(".nx-color").select_option("predicted")
    page.wait_for_function("document.querySelector('.nx-lname').textContent === 'predicted validation accuracy'")
    # the map redrawn at its new width (its ResizeObserver, after the tab's layout): the name whole in the footer
    wait_then_check(page, "(n => n.scrollWidth <= n.clientWidth)(document.querySelector('.nx-lname'))")
    cut, tip = page.evaluate("[document.querySelector('.nx-lname').scrollWidth - document.querySelector('.nx-lname').clientWidth, "
                             "document.querySelector('.nx-lname').title]")
    assert cut <= 0 and tip.startswith("predicted validation accuracy"), (cut, tip)
    page.set_viewport_size({"width": 1024, "height": 1100})
    page.locator(".nx-color").select_option("valid_acc")
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
    page.get_by_role("slider", name="queries").wait_for(timeout=30_000)   # named by the template's script (<= 200 ms idle)
    assert not unnamed_controls(page.locator(".naoviz-search")), unnamed_controls(page.locator(".naoviz-search"))
    assert page.get_by_role("slider", name="queries").count() == 1 and page.get_by_role("textbox", name="queries (typed)").count() == 1
    assert not low_contrast_text(page, ".naoviz-search"), low_contrast_text(page, ".naoviz-search")
    # no label's tip reads "null" (ipywidgets 8's for a label without a tooltip: "progress" said null); the
    # sliders' labels say what they set
    page.wait_for_function("!document.querySelector('.naoviz-search .widget-label[title=\"null\"]')", timeout=30_000)
    assert "queries per searcher and seed" in page.locator(".naoviz-search .widget-slider > .widget-label", has_text="queries").get_attribute("title")
    assert "'9999' is out of range" in page.locator(".naoviz-search .naoviz-live[aria-live='polite']").first.inner_text()   # said
    slider, box = (page.locator(sel).first.bounding_box() for sel in (".naoviz-search .widget-slider", ".naoviz-budget"))
    assert abs((slider["y"] + slider["height"] / 2) - (box["y"] + box["height"] / 2)) < 4, (slider, box)
    assert box["x"] >= slider["x"] + slider["width"] - 1                     # beside it, not wrapped below
    over = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert over <= 0, f"{over} px of horizontal overflow at 1024 px"
    # the cost budget menu shows its options whole (at 260 px it cut "training time (train_time_s)", and NB201's
    # "latency on Pixel 3 (latenc"), its row still beside the algorithms list, the bound's box on the same line
    text, room = page.evaluate("""(() => { const s = document.querySelector('.naoviz-cost-column select');
      const c = document.createElement('canvas').getContext('2d'); c.font = getComputedStyle(s).font;
      return [Math.max(...[...s.options].map((o) => c.measureText(o.textContent).width)), s.clientWidth - 24]; })()""")
    assert text <= room, (text, room)
    cost, bound = (page.locator(sel).bounding_box() for sel in (".naoviz-cost-column", ".naoviz-cost-bound"))
    assert abs(cost["y"] - bound["y"]) < 4 and bound["x"] + bound["width"] <= 1024, (cost, bound)
    # the line under the algorithms list is one line, and the controls stay beside the list (a wider line wrapped
    # them below it)
    algos, note = (page.locator(sel).first.bounding_box() for sel in (".naoviz-search select[multiple]", ".naoviz-algos-note"))
    assert page.locator(".naoviz-algos-note").inner_text().startswith("4 of 4 picked") and note["height"] < 32, note
    assert page.locator(".naoviz-algos-note").inner_text().endswith("picked · Ctrl-click (⌘) adds or drops one")   # a mouse's words
    # the list's rows sit whole inside it, as much room above the first as below the last (ipywidgets padded the
    # top only: a 5 px strip above "NAO", "local search (forest-ranked)" cut at the bottom border)
    above, below = page.locator(".naoviz-search select[multiple]").evaluate("""(s) => { const top = s.getBoundingClientRect().top + s.clientTop;
      const o = [...s.options].map((x) => x.getBoundingClientRect()); return [o[0].top - top, top + s.clientHeight - o.at(-1).bottom]; }""")
    assert 0 <= below and above <= 3 and abs(above - below) <= 1, f"px above the first row, below the last: {above}, {below}"
    assert slider["x"] >= algos["x"] + algos["width"] and slider["y"] < algos["y"] + algos["height"], (algos, slider)
    budget.fill("30")
    budget.press("Enter")
    page.wait_for_function("document.querySelector('.naoviz-search .widget-slider [aria-valuenow]')"
                           ".getAttribute('aria-valuenow').startsWith('30')", timeout=10_000)
    page.wait_for_function("!document.querySelector('.naoviz-search .naoviz-error')", timeout=10_000)
    cost_budget_run_draws_the_pareto_plot(page)           # tests/_search_tab_run.py
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


_FITS = """(s) => { const c = document.createElement('canvas').getContext('2d'), cs = getComputedStyle(s);
    c.font = cs.font; const text = s.options[s.selectedIndex].text;
    return [text, Math.ceil(c.measureText(text).width),
            Math.floor(s.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight) - 16)]; }"""
_WIDEST = """(s) => { const c = document.createElement('canvas').getContext('2d'); c.font = getComputedStyle(s).font;
    return [...s.options].reduce((a, o) => c.measureText(o.text).width > c.measureText(a.text).width ? o : a).value; }"""


def test_search_tab_menus_show_their_longest_choice_whole_at_1024px(server, browser):
    """Each menu of the Search tab, set to its longest choice, shows it whole (less its arrow's 16 px) and the page
    does not scroll sideways: fixed widths cut "more: sweep_projected — default under budgets" (NAO preset),
    "mean 25–75 % of runs" (band) and, on NB201, "CIFAR-10 parameters (cifar10_par" (cost menus)."""
    page, _, _ = _open(browser, server["url"], width=1024)
    page.get_by_role("tab", name="Search").click()
    page.wait_for_selector(".naoviz-search .nl-root svg", timeout=120_000)
    cut = []
    for menu in (page.locator(".naoviz-cost-column select"), page.get_by_role("combobox", name="NAO preset"),
                 page.get_by_role("combobox", name="band"), page.locator(".naoviz-pareto-x select")):
        menu.select_option(menu.evaluate(_WIDEST))
        try:                                          # the kernel widens the menu: a round trip
            page.wait_for_function(f"(s) => {{ const [, need, room] = ({_FITS})(s); return need <= room; }}",
                                   arg=menu.element_handle(), timeout=10_000)
        except Exception:
            cut.append(menu.evaluate(_FITS))
    page.screenshot(path=str(ART / "dashboard-search-longest-choices-1024.png"), full_page=True)
    assert not cut, f"(choice, px it needs, px it has): {cut}"
    over = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert over <= 0, f"{over} px of horizontal overflow at 1024 px"
    page.context.close()


def test_child_tab_trains_the_named_cell_and_charts_whole_epochs(server, browser):
    """Child tab, in the page: it names the cell a press trains, the press trains that cell (the result line
    names it with its test accuracy, below the progress bar, which keeps its width), and the chart's epoch axis has
    whole-number ticks only. Its recipe line is one line at 1024 px (beside the button it wrapped, "rate 0.05"
    alone 28 px below)."""
    page, _, _ = _open(browser, server["url"], width=1024)
    page.get_by_role("tab", name="Train a child").click()
    page.wait_for_selector("text=a press trains", timeout=120_000)
    lines = page.evaluate("() => { const r = [...document.querySelectorAll('small')].find(s => s.textContent.startsWith('recipe ')); "
                          "return [new Set([...r.getClientRects()].map(x => Math.round(x.top))).size, "
                          "r.getBoundingClientRect().right <= window.innerWidth, r.textContent]; }")
    assert lines[:2] == [1, True] and lines[2].startswith("recipe digits-quick: 8 channels"), lines
    named = page.locator("text=a press trains").locator("code").inner_text()
    bar = page.locator(".widget-hprogress").last
    before = bar.bounding_box()
    page.get_by_role("button", name=re.compile("train decoded cell")).click()
    page.wait_for_function("document.body.innerText.includes('test accuracy')", timeout=180_000)
    # the long result line goes below the progress bar and leaves it its width (it squeezed it to half)
    assert bar.bounding_box()["width"] >= before["width"] - 1, (before, bar.bounding_box())
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
    page.get_by_role("slider", name="epochs").wait_for(timeout=30_000)
    assert not unnamed_controls(panel), unnamed_controls(panel)
    assert not low_contrast_text(page, "body"), low_contrast_text(page, "body")
    assert page.get_by_role("slider", name="epochs").count() == 1
    page.context.close()


# (role, accessible name) of labelled controls of the Search tab and the tip each carries (naoviz.ui.search_panel
# TIPS; the NAO preset menu's is the chosen preset's catalogue line)
_TIPPED = [("textbox", "first seed"), ("textbox", "seeds"), ("combobox", "band"), ("combobox", "cost budget"),
           ("combobox", "NAO preset"), ("listbox", "algorithms"), ("textbox", "queries (typed)"),
           ("combobox", "figure size")]


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
        for _ in range(300):                                      # the page's tips are set within 100 ms (idle)
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


# the dashboard's controls (not the screen-reader-only lines) under 24 px either way, as "tag text WxH"
_SMALL = """(root) => [...root.querySelectorAll('button, select, input, textarea, a, [role=tab]')].filter((e) => {
    const r = e.getBoundingClientRect();
    return r.width && r.height && !e.closest('.nx-sr, .nq-sr, .nx-tip') && (r.width < 24 || r.height < 24); })
  .map((e) => `${e.tagName.toLowerCase()} ${(e.getAttribute('aria-label') || e.textContent || e.value || '').trim().slice(0, 30)} `
    + `${Math.round(e.getBoundingClientRect().width)}x${Math.round(e.getBoundingClientRect().height)}`)"""
# for each selector, the px from each line of its element's text to the next (its text's line boxes, grouped by top)
_LINE_STEPS = """(sels) => sels.map((sel) => { const r = document.createRange(); r.selectNodeContents(document.querySelector(sel));
    const tops = [...r.getClientRects()].map((x) => x.top).sort((a, b) => a - b)
      .reduce((a, t) => (a.length && t - a.at(-1) < 4 ? a : [...a, t]), []);
    return tops.slice(1).map((t, i) => Math.round(t - tops[i])); })"""
# the map's [drawn width, CSS width, its box's inner width] (the visible tab's) and each visible chart's [SVG width, its root's width]
_FILLS = """(() => { const m = [...document.querySelectorAll('canvas.nx-map')].find((c) => c.offsetWidth);
    return [m ? [Math.round(m.width / devicePixelRatio), Math.round(m.getBoundingClientRect().width), m.parentElement.clientWidth - 0] : [],
            [...document.querySelectorAll('.nl-root, .ns-root')].filter((r) => r.offsetWidth).map((r) =>
              [Math.round(r.querySelector('svg').getBoundingClientRect().width), r.clientWidth])]; })()"""
# px the page scrolls sideways: Voila's #rendered_cells scrolls, not the document
_SIDEWAYS = ("Math.max(document.documentElement.scrollWidth - innerWidth, "
             "(c => c ? c.scrollWidth - c.clientWidth : 0)(document.querySelector('#rendered_cells')))")


def _finger(page, x0, y0, x1, y1, steps=8):
    """One finger down at (x0, y0), moved in ``steps`` to (x1, y1) and lifted (CDP touch events: Playwright's
    touchscreen only taps)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x0, "y": y0}]})
    for i in range(1, steps + 1):
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [
            {"x": x0 + (x1 - x0) * i / steps, "y": y0 + (y1 - y0) * i / steps}]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()


def test_on_a_tablet_every_control_takes_a_finger_and_the_query_table_keeps_its_cells_readable(server, browser):
    """A tablet upright (768 x 1024, touch): a finger up the map scrolls the page, one across it draws a box; every
    menu, button, box, tab and link of the Explorer and Search tabs is at least 24 px each way (the explorer's menus and buttons were 19 px high, its sliders 16, the neighbours'
    row links 17, the table's "#" header 10 x 17), a slider's 16 px handle is hit 11 px off its centre, the η and
    queries sliders follow a finger; after a search the query table does not scroll sideways and its cell column
    keeps its room (the headers and searcher names took it: one edge a line). Then, as a 1280 x 720 projector at
    150 % (853 px), the page does not scroll sideways either."""
    page, _, _ = _open(browser, server["url"], width=768, height=1024, has_touch=True)
    assert page.evaluate("matchMedia('(any-pointer: coarse)').matches")
    # the intro and the table's line wrap here, their lines 1.5 apart (ipywidgets' 28 px a line set 11-13 px text
    # apart as if each line were its own)
    steps = page.evaluate(_LINE_STEPS, [".naoviz-dashboard > .widget-html p", ".naoviz-table-line small"])
    assert all(len(s) >= 1 and max(s) <= 1.6 * 13 for s in steps), f"px between a wrapped line and the next: {steps}"
    dash = page.locator(".naoviz-dashboard")
    assert not dash.evaluate(_SMALL), dash.evaluate(_SMALL)
    fits = [page.evaluate(_FILLS)]
    # a finger up the map scrolls the page (it did nothing: touch-action none), one across it draws a box
    m = page.locator("canvas.nx-map").bounding_box()
    mx, my = m["x"] + m["width"] / 2, m["y"] + m["height"] / 2
    _finger(page, mx, my + 150, mx, my - 150, steps=15)
    page.wait_for_function("document.querySelector('#rendered_cells').scrollTop > 100", timeout=30_000)
    assert page.inner_text(".nx-sel") == ""
    page.evaluate("document.querySelector('#rendered_cells').scrollTop = 0")
    m = page.locator("canvas.nx-map").bounding_box()
    _finger(page, m["x"] + m["width"] * 0.2, m["y"] + m["height"] * 0.3, m["x"] + m["width"] * 0.6, m["y"] + m["height"] * 0.5, steps=15)
    page.wait_for_function("document.querySelector('.nx-sel').textContent.startsWith('selection: ')", timeout=30_000)
    page.get_by_role("button", name="clear selection").tap()
    eta = page.locator(".nx-slider")
    box = eta.bounding_box()
    y = box["y"] + box["height"] / 2
    _finger(page, box["x"] + 6, y, box["x"] + box["width"] * 0.75, y)
    page.wait_for_function("+document.querySelector('.nx-slider').value >= +document.querySelector('.nx-slider').max / 2",
                           timeout=30_000)
    page.get_by_role("tab", name="Search").tap()
    page.wait_for_selector(".naoviz-search .nl-root svg", timeout=120_000)
    assert not dash.evaluate(_SMALL), dash.evaluate(_SMALL)
    # the algorithms list says a tap picks another row, and a tap does (a Ctrl-click there needs a keyboard)
    assert page.locator(".naoviz-algos-note").inner_text().endswith("picked · a tap (Ctrl-click) adds or drops one")
    row = page.locator(".naoviz-search select[multiple] option", has_text="random search").bounding_box()
    page.touchscreen.tap(row["x"] + 20, row["y"] + row["height"] / 2)
    page.wait_for_function("document.querySelector('.naoviz-algos-note').textContent.startsWith('3 of 4 picked')", timeout=30_000)
    handle = page.locator(".naoviz-search .widget-slider [role=slider]").first
    h = handle.bounding_box()
    cx, cy = h["x"] + h["width"] / 2, h["y"] + h["height"] / 2
    hit = handle.evaluate("(e, pts) => pts.map(([x, y]) => document.elementFromPoint(x, y)?.closest('.noUi-handle') === e)",
                          [[cx + 11, cy], [cx - 11, cy], [cx, cy + 11], [cx, cy - 11]])
    assert all(hit), hit
    _finger(page, cx, cy, cx + 60, cy)
    page.wait_for_function("+document.querySelector('.naoviz-search .widget-slider [role=slider]').getAttribute('aria-valuenow') > 20",
                           timeout=30_000)
    # the kernel has the dragged value (it writes it into the box) before a typed one goes after it
    page.wait_for_function("document.querySelector('.naoviz-budget input').value === String(+document.querySelector("
                           "'.naoviz-search .widget-slider [role=slider]').getAttribute('aria-valuenow'))", timeout=30_000)
    page.locator(".naoviz-search select[multiple]").select_option(label=["random search", "local search (forest-ranked)"])
    page.locator(".naoviz-budget input").fill("10")
    page.locator(".naoviz-budget input").press("Enter")
    page.wait_for_function("document.querySelector('.naoviz-search .widget-slider [role=slider]').getAttribute('aria-valuenow').startsWith('10')",
                           timeout=30_000)
    page.get_by_role("button", name="run search").tap()
    page.wait_for_function("document.querySelectorAll('.nq-table tbody tr').length === 20", timeout=120_000)
    page.locator(".nq-scroll").scroll_into_view_if_needed()
    page.screenshot(path=str(ART / "dashboard-search-tablet-768.png"))
    table = page.evaluate("""(() => { const s = document.querySelector('.nq-scroll'), t = document.querySelector('.nq-table');
      return [s.scrollWidth - s.clientWidth, document.querySelector('td.nq-cell').getBoundingClientRect().width / t.clientWidth]; })()""")
    assert table[0] <= 0 and table[1] >= 0.3, f"(px the table scrolls sideways, the cell column's share) {table}"
    assert page.evaluate(_SIDEWAYS) <= 0
    page.set_viewport_size({"width": 853, "height": 480})      # 1280 x 720 zoomed to 150 %
    for tab in ("Search", "Explorer"):
        page.get_by_role("tab", name=tab).tap()
        wait_then_check(page, f"{_SIDEWAYS} <= 0")             # the shown tab laid out at 853 px (lumino: frames)
        assert page.evaluate(_SIDEWAYS) <= 0, f"{page.evaluate(_SIDEWAYS)} px sideways at 853 px ({tab})"
    # the map and charts are drawn again by their ResizeObservers, late on a loaded machine: wait for drawn == box
    wait_then_check(page, f"(([m]) => m.length && m[0] === m[1] && m[1] === m[2])({_FILLS})")
    fits.append(page.evaluate(_FILLS))
    page.get_by_role("tab", name="Search").tap()
    wait_then_check(page, f"(([, c]) => c.length && c.every(([a, b]) => Math.abs(a - b) <= 1))({_FILLS})")
    fits.append(page.evaluate(_FILLS))
    # the map (drawn again at its new size, not stretched) and the charts follow the window: one column at 768 px, two at 853
    (map768, _), (map853, _), (_, charts853) = fits
    assert map768[0] == map768[1] == map768[2] and map853[0] == map853[1] == map853[2] and map853[0] < map768[0], fits
    assert charts853 and all(abs(a - b) <= 1 for a, b in charts853), fits
    # the tablet held sideways (1024 x 768): the explorer's η row is on screen with the page at its top (its touch
    # controls put it at 746-774 px under a map 0.75 as tall as wide), the map drawn at the height that leaves it
    page.set_viewport_size({"width": 1024, "height": 768})
    page.get_by_role("tab", name="Explorer").tap()
    page.evaluate("document.querySelector('#rendered_cells').scrollTop = 0")
    wait_then_check(page, "Math.max(...[...document.querySelectorAll('.nx-eta > *')].map(e => e.getBoundingClientRect().bottom)) <= 768")
    row = page.evaluate("[...document.querySelectorAll('.nx-eta > *')].map(e => e.getBoundingClientRect().bottom)")
    shape = page.evaluate("(m => [m.width / devicePixelRatio, m.getBoundingClientRect().height, m.getBoundingClientRect().width])"
                          "(document.querySelector('canvas.nx-map'))")
    assert max(row) <= 768, f"the η row's bottoms at 1024 x 768: {row}"
    assert abs(shape[0] - shape[2]) <= 1 and shape[1] >= 0.6 * shape[2], f"(drawn width, height, CSS width) {shape}"
    page.context.close()
