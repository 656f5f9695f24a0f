"""The explorer's state sync with the kernel, in real Chromium against a real Voila server: a late echo of the
page's own earlier write never sets the page back (ipywidgets 8 applies the kernel's echo of a value the page
sent even when the page has since set a newer one it has not sent yet).

The kernel's websocket is routed through Playwright so the test can hold the kernel's echo back and let it
arrive at the worst moment: right after the next key press, before the page sends that press's value.
"""
from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from _browser import CHROMIUM
from _dashboard_server import READY      # server: the warm Voila server, a fixture of tests/_dashboard_server.py

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian chromium (make browser)")
SLIDER = ".nx-slider"


def _page_with_held_echoes(browser, url, key="eta_index"):
    """A visitor whose kernel websocket passes through here: while ``hold["on"]``, the kernel's echoes of
    ``key`` are kept in ``held`` instead of reaching the page; ``release()`` delivers them. ``passed``:
    the ``key`` value of every echo handed to the page, in order."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 1100})
    hold, held, sockets, passed = {"on": False}, [], [], []
    pattern = re.compile(rb'"%s": ?("(?:[^"\\]|\\.)*"|-?\d+)' % key.encode())

    def value(message):
        data = message if isinstance(message, (bytes, bytearray)) else message.encode()
        found = pattern.search(data) if b"echo_update" in data else None
        return json.loads(found.group(1)) if found else None

    def route(ws):
        to_kernel = ws.connect_to_server()
        sockets.append(ws)

        def from_kernel(message):
            echo = value(message)
            if hold["on"] and echo is not None:
                held.append((ws, message))
            else:
                ws.send(message)
                if echo is not None:
                    passed.append(echo)
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
            passed.append(value(message))
    return page, hold, held, release, passed


def _wait_held(page, held, what):
    for _ in range(600):                              # a loaded machine's kernel may take seconds to answer
        page.wait_for_timeout(100)
        if held:
            return
    raise AssertionError(f"the kernel never echoed the page's {what}")


def test_a_late_echo_of_an_earlier_step_never_sets_the_slider_back(server, browser):
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
    _wait_held(page, held, "eta_index")
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


def test_a_late_echo_of_an_earlier_message_never_replaces_the_newer_one(server, browser):
    """Two refusals typed one after the other (a bad η, then a bad seed row); the kernel's echo of the first
    line arrives just after the second was shown. The line keeps the second refusal, in red, the whole time.
    (``message`` is saved at once, not through the page's throttled ``write``: ipywidgets 8 drops an echo whose
    request is not the newest one sent for the field, or while a newer value waits to be sent. This passed
    before any change to the page; it guards that ``msg`` keeps saving at once.)"""
    page, hold, held, release, passed = _page_with_held_echoes(browser, server["url"], key="message")
    hold["on"] = True
    page.fill(".nx-eta-in", "abc")
    page.press(".nx-eta-in", "Enter")                 # refusal A: shown, sent, its echo held
    first = page.text_content(".nx-msg")
    assert first.startswith("η abc is not a number"), first
    _wait_held(page, held, "message")
    page.evaluate("""() => { const m = document.querySelector('.nx-msg'), seen = window.__msgs = [];
        new MutationObserver(() => seen.push([m.textContent, m.classList.contains('nx-err')]))
          .observe(m, { childList: true, characterData: true, subtree: true, attributes: true }); }""")
    page.fill(".nx-seed", "x")
    page.press(".nx-seed", "Enter")                   # refusal B: shown and sent ...
    second = page.text_content(".nx-msg")
    assert second.startswith("seed row x is not a row number"), second
    release()                                         # ... when the echo of A arrives
    deadline = time.monotonic() + 60                  # wait for B's own echo too: the page has seen everything
    while second not in passed:
        assert time.monotonic() < deadline, f"the kernel never echoed the second message: {passed}"
        page.wait_for_timeout(50)
    page.evaluate("() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")
    seen = page.evaluate("window.__msgs")
    assert [first, True] not in seen and [first, False] not in seen, f"the line went back to the first refusal: {seen}"
    assert all(s == [second, True] for s in seen if s[0] == second), f"the second refusal lost its red: {seen}"
    assert page.text_content(".nx-msg") == second
    assert page.evaluate("document.querySelector('.nx-msg').classList.contains('nx-err')")
    page.context.close()
