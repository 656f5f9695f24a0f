"""The browser tests' Chromium: Debian's, headless with the flags the project's machines need. The ``browser``
fixture (one Chromium shared by consecutive test modules, tests/_shared.py) is tests/conftest.py's, built from these.
And the waits a test makes on a page's events (drawn frames, loaded images, a state reached), never a fixed sleep:
on the 2-core CI machine under two workers a page's redraw can come seconds late."""
from __future__ import annotations


CHROMIUM = "/usr/bin/chromium"          # Debian's (make browser); never a Playwright download
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]


def next_frames(page, n: int = 3) -> None:
    """Return once the page has drawn ``n`` more frames: the layout, ResizeObserver callbacks and redraws a resize,
    a shown tab or a theme started have run (they run in a frame's rendering step, late on a loaded machine). A wait
    on that event, not a guess at its time as a fixed sleep was."""
    page.evaluate("(n) => new Promise((done) => { const f = (k) => k ? requestAnimationFrame(() => f(k - 1)) : done(); f(n); })", n)


def wait_then_check(page, condition: str, arg=None, timeout: float = 30_000) -> None:
    """Wait up to ``timeout`` ms for the JS ``condition`` (the state the caller then asserts, with its figures in the
    message); a timeout is left to that assert to report, not raised here."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    try:
        page.wait_for_function(condition, arg=arg, timeout=timeout)
    except PlaywrightTimeout:
        pass


def settle_images(page) -> None:
    """Return once every image in the page has loaded or failed (an injected ``<img src=x onerror=...>``'s handler
    has then run) and the frames after the last pointer move are drawn: what a check that no markup ran waits for."""
    page.wait_for_function("[...document.images].every((i) => i.complete)", timeout=30_000)
    next_frames(page)
