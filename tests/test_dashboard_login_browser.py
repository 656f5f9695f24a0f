"""The login page a teacher or student meets when they open the dashboard without its token (a bookmark of
``http://127.0.0.1:8866/``, the course page's link after a restart), with the real ``naoviz dashboard`` and
Chromium: naoviz's page, not jupyter_server's (which talks of Jupyter passwords and ``jupyter server list``, a
command that does not list naoviz's server); nothing fetched from elsewhere; readable at 1024 px, in the light
and the dark theme (WCAG AA contrast, named controls); a wrong token says so and stays there; the right token
pasted opens the dashboard; /logout says logged out and how to come back, in the theme.
Screenshots: tests/artifacts/dashboard-login-*.png, dashboard-logout-*.png."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from _a11y import low_contrast_text, unnamed_controls
from _browser import CHROMIUM
from _dashboard_server import ART, READY, _free_port, printed_url, wait_served

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian chromium (make browser)")

SAYS = ("This naoviz dashboard needs its token", "Open the link that naoviz dashboard printed when it started: it "
        "ends in ?token=...", "Or paste the token (what follows token=) here:")


def _dashboard(tmp_path, name: str, *argv: str):
    """``naoviz dashboard`` as a user starts it (the shipped digits table, no pool); returns (process, log, URL)."""
    ART.mkdir(parents=True, exist_ok=True)
    log_path = ART / f"voila-login-{name}.log"
    log = open(log_path, "w")
    proc = subprocess.Popen([sys.executable, "-m", "naoviz.cli", "dashboard", "--port", str(_free_port()), "--table",
                             "nb201-digits", "--pool-size", "0", "--exports", str(tmp_path / "exports"), *argv],
                            cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT,
                            env=dict(os.environ, OMP_NUM_THREADS="1", NAOVIZ_CACHE=str(tmp_path / "cache")))
    try:
        url = printed_url(log_path, proc, time.time() + 120)
        wait_served(proc, url, log_path, timeout_s=120)
    except BaseException:
        proc.terminate()
        proc.wait(30)
        log.close()
        raise
    return proc, log, url


def _login_page(browser, url: str, width: int):
    """A fresh visitor opening the server's address without the token: (page, URLs it requested)."""
    base = url.partition("?")[0]
    page = browser.new_context(viewport={"width": width, "height": 800}).new_page()
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(base)
    assert "/login?next=" in page.url, page.url
    return page, requests


def _check_readable(page, width: int) -> None:
    text = " ".join(page.inner_text("main").split())
    assert all(line in text for line in SAYS), text
    assert "jupyter server list" not in text.lower() and "password" not in text.lower()
    assert page.evaluate("document.documentElement.scrollWidth") <= width          # no sideways scrolling
    box = page.locator("main").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width and box["width"] >= 480
    assert page.get_by_label("Token").is_visible() and page.get_by_role("button", name="Open the dashboard").is_visible()
    assert unnamed_controls(page.locator("body")) == []
    assert low_contrast_text(page, "body") == []


def _check_logout(page, base: str, theme: str) -> None:
    """/logout (a 500 before naoviz had its own page): says logged out and how to come back, readable, in ``theme``,
    nothing fetched from elsewhere; screenshot tests/artifacts/dashboard-logout-``theme``.png."""
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    resp = page.goto(base + "logout")
    assert resp.status == 200, resp.status
    text = " ".join(page.inner_text("main").split())
    assert "Logged out of this naoviz dashboard" in text and "?token=..." in text, text
    assert page.get_by_role("link", name="login page").get_attribute("href") == "/login"
    assert page.evaluate("document.documentElement.dataset.theme") == theme
    assert low_contrast_text(page, "body") == []
    assert [r for r in requests if not r.startswith(base)] == []
    page.screenshot(path=str(ART / f"dashboard-logout-{theme}.png"))


def test_the_login_page_says_what_to_open_and_the_pasted_token_opens_the_dashboard(browser, tmp_path):
    token_file = tmp_path / "course.token"
    proc, log, url = _dashboard(tmp_path, "light", "--token-file", str(token_file))
    try:
        token = url.partition("?token=")[2]
        assert token and token_file.read_text() == token + "\n"
        base = url.partition("?")[0]
        for width in (1024, 1600):
            page, requests = _login_page(browser, url, width)
            _check_readable(page, width)
            page.screenshot(path=str(ART / f"dashboard-login-light-{width}.png"))
            assert [r for r in requests if not r.startswith(base)] == []           # nothing from elsewhere
            page.context.close()
        page, _ = _login_page(browser, url, 1024)
        page.get_by_label("Token").fill(token[:-1] + ("x" if token[-1] != "x" else "y"))
        page.get_by_role("button", name="Open the dashboard").click()
        page.wait_for_load_state()
        assert "/login" in page.url and "not this dashboard's token" in page.get_by_role("alert").inner_text()
        page.screenshot(path=str(ART / "dashboard-login-light-wrong.png"))
        page.get_by_label("Token").fill(token)
        page.get_by_role("button", name="Open the dashboard").click()
        page.wait_for_selector(READY, timeout=300_000)                   # the explorer drew: the dashboard is open
        assert "/login" not in page.url and "token=" not in page.url
        page.screenshot(path=str(ART / "dashboard-login-opened.png"))
        _check_logout(page, base, "light")
        page.goto(base)                                                  # the login cookie is gone: the login page
        assert "/login?next=" in page.url, page.url
        page.context.close()
    finally:
        proc.terminate()
        proc.wait(30)
        log.close()


def test_the_login_page_in_the_dark_theme(browser, tmp_path):
    proc, log, url = _dashboard(tmp_path, "dark", "--theme", "dark")
    try:
        page, _ = _login_page(browser, url, 1024)
        _check_readable(page, 1024)
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        card = page.evaluate("getComputedStyle(document.querySelector('main')).backgroundColor")
        dark = [sum(int(v) for v in c[c.index("(") + 1:c.index(")")].split(",")[:3]) for c in (background, card)]
        assert max(dark) < 3 * 64, (background, card)                   # the dashboard's dark, not a white page
        page.screenshot(path=str(ART / "dashboard-login-dark-1024.png"))
        _check_logout(page, url.partition("?")[0], "dark")
        page.context.close()
    finally:
        proc.terminate()
        proc.wait(30)
        log.close()
