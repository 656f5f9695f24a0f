"""The explorer's state sync with the kernel, in real Chromium against a real Voila server: a late echo of the
page's own earlier write never sets the page back (ipywidgets 8 applies the kernel's echo of a value the page
sent even when the page has since set a newer one it has not sent yet).

The kernel's websocket is routed through Playwright so the test can hold the kernel's echo back and let it
arrive at the worst moment: right after the next key press, before the page sends that press's value.
"""
from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from _browser import CHROMIUM
from test_ui_browser import READY, server  # noqa: F401  (server: the module's warm Voila server, a fixture)

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian chromium (make browser)")
SLIDER = ".nx-slider"


def _page_with_held_echoes(browser, url):
    """A visitor whose kernel websocket passes through here: while ``hold["on"]``, the kernel's echoes of
    ``eta_index`` are kept in ``held`` instead of reaching the page; ``release()`` delivers them. ``passed``:
    the ``eta_index`` of every echo handed to the page, in order."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 1100})
    hold, held, sockets, passed = {"on": False}, [], [], []

    def route(ws):
        to_kernel = ws.connect_to_server()
        sockets.append(ws)

        def from_kernel(message):
            data = message if isinstance(message, (bytes, bytearray)) else message.encode()
            echo = re.search(rb'"eta_index": ?(\d+)', data) if b"echo_update" in data else None
            if hold["on"] and echo:
                held.append((ws, message))
            else:
                ws.send(message)
                if echo:
                    passed.append(int(echo.group(1)))
        to_kernel.on_message(from_kernel)
        ws.on_message(lambda message: to_kernel.send(message))

    ctx.route_web_socket(lambda url: "/channels" in url, route)
    page = ctx.new_page()
    page.goto(url, timeout=120_000)
    page.wait_for_selector(READY, timeout=120_000)

    def release():
        hold["on"] = False
        while held:
            ws, message = held.pop(0)
            ws.send(message)
            passed.append(int(re.search(rb'"eta_index": ?(\d+)', message if isinstance(message, (bytes, bytearray))
                                        else message.encode()).group(1)))
    return page, hold, held, release, passed


def test_a_late_echo_of_an_earlier_step_never_sets_the_slider_back(server, browser):  # noqa: F811
    """Two arrow presses; the kernel's echo of the first arrives just after the second. Every frame the slider
    shows is sampled: after the second press it never shows the first press's value again (before the fix it
    went back for a write period, ~120 ms, and on a slow kernel for good)."""
    page, hold, held, release, passed = _page_with_held_echoes(browser, server["url"])
    page.focus(SLIDER)
    eta = int(page.input_value(SLIDER))
    assert eta + 2 <= int(page.get_attribute(SLIDER, "max"))
    hold["on"] = True
    page.keyboard.press("ArrowRight")                 # eta + 1: sent to the kernel 120 ms later, its echo held
    page.wait_for_function("document.querySelector('.nx-slider').value === '%d'" % (eta + 1), timeout=10_000)
    for _ in range(600):                              # a loaded machine's kernel may take seconds to answer
        page.wait_for_timeout(100)
        if held:
            break
    assert held, "the kernel never echoed the page's eta_index"
    page.evaluate("""() => { const s = document.querySelector('.nx-slider'), seen = window.__seen = [];
        const frame = () => { seen.push(Number(s.value)); if (seen.length < 600) requestAnimationFrame(frame); };
        s.addEventListener('input', () => seen.push(Number(s.value)));   // the press's own value, whatever the frame
        frame(); }""")
    page.keyboard.press("ArrowRight")                 # eta + 2: set in the page, not yet sent ...
    release()                                         # ... when the echo of eta + 1 arrives
    deadline = time.monotonic() + 60                  # the page sends eta + 2; wait for its own echo to come back
    while eta + 2 not in passed:
        assert time.monotonic() < deadline, f"the kernel never echoed eta_index {eta + 2}: {passed}"
        page.wait_for_timeout(50)
    page.evaluate("() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")   # drawn
    seen = page.evaluate("window.__seen")
    after = seen[seen.index(eta + 2):]
    assert eta + 1 not in after, f"the slider went back to {eta + 1} after the press to {eta + 2}: {after[:40]}"
    assert int(page.input_value(SLIDER)) == eta + 2
    assert page.evaluate("document.querySelector('.nx-root').__nx.S.eta") == eta + 2
    page.context.close()
