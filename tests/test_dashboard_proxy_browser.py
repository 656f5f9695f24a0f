"""``naoviz dashboard --base-url /naoviz/`` behind a real nginx (tests/_nginx.py: docs/security.md's sub-path
block, word for word), driven by real Chromium as a teacher's class meets it at ``http://HOST/naoviz/``: the
login page and its pasted token, the three tabs, a kernel round trip and the explorer's data, every request,
websocket and cookie under the prefix, nothing at the proxy's root. The host is ``dash.localhost`` (Chromium
sends ``*.localhost`` to 127.0.0.1 itself), a name of the proxy's that the dashboard accepts only with
``--allow-host``. One dashboard, one nginx, one visitor (about 20 s on the shared 2-core machine).
Screenshots: tests/artifacts/dashboard-proxy-*.png."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

import _nginx
from _browser import CHROMIUM
from _dashboard_server import ART, READY, _free_port, printed_url, wait_served

ROOT = Path(__file__).resolve().parent.parent
PREFIX = "/naoviz/"
HOST = "dash.localhost"
MISSING = [name for name, there in (("Debian chromium", Path(CHROMIUM).exists()), ("nginx", _nginx.NGINX)) if not there]
needs_both = pytest.mark.skipif(bool(MISSING), reason=f"needs {' and '.join(MISSING)}, missing here (make browser "
                                "installs it when missing and root; else apt-get install chromium nginx-light)")


def test_docs_give_the_nginx_block_the_proxy_test_runs():
    """docs/security.md's sub-path block is the one tests/_nginx.py serves (indentation aside), so the page's
    setup is the tested one."""
    page = (ROOT / "docs" / "security.md").read_text()
    blocks = [textwrap.dedent(b) for b in re.findall(r"((?:^ {4,}.*\n|^\n)+)", page, flags=re.M)]
    assert any(_nginx.LOCATION in b for b in blocks), "docs/security.md lacks tests/_nginx.py's LOCATION block"


@pytest.fixture(scope="module")
def proxied(tmp_path_factory):
    """``naoviz dashboard --base-url /naoviz`` (no trailing '/': it is added) and nginx in front of it:
    {url (printed), token, base (the proxy's address of the dashboard), nginx (its folder)}."""
    tmp = tmp_path_factory.mktemp("proxy")
    ART.mkdir(parents=True, exist_ok=True)
    log_path = ART / "voila-proxy.log"
    log = open(log_path, "w")
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "naoviz.cli", "dashboard", "--port", str(port), "--base-url",
                             PREFIX.rstrip("/"), "--allow-host", HOST, "--table", "nb201-digits", "--pool-size", "0",
                             "--exports", str(tmp / "exports")],
                            cwd=tmp, stdout=log, stderr=subprocess.STDOUT,
                            env=dict(os.environ, OMP_NUM_THREADS="1", NAOVIZ_CACHE=str(tmp / "cache")))
    nginx = None
    try:
        url = printed_url(log_path, proc, time.time() + 120)
        wait_served(proc, url, log_path, timeout_s=120)
        nginx, proxy_port = _nginx.start(tmp / "nginx", port)
        yield {"url": url, "token": url.partition("?token=")[2], "base": f"http://{HOST}:{proxy_port}{PREFIX}",
               "port": proxy_port, "nginx": tmp / "nginx"}
    finally:
        if nginx is not None:
            _nginx.stop(nginx)
        proc.terminate()
        proc.wait(30)
        log.close()


@needs_both
def test_the_printed_link_and_the_proxy_carry_the_prefix(proxied):
    assert re.fullmatch(rf"http://127\.0\.0\.1:\d+{PREFIX}\?token=[\w-]+", proxied["url"]), proxied["url"]

    def status(path: str, host: str) -> int:
        request = urllib.request.Request(f"http://127.0.0.1:{proxied['port']}{path}", headers={"Host": host})
        opener = urllib.request.build_opener(NoRedirect)
        try:
            return opener.open(request, timeout=30).status
        except urllib.error.HTTPError as exc:
            return exc.code
    # through nginx: the page sends a visitor without the token to the login page, which answers (it looped
    # on itself before: Voila left /login at the root); another name than --allow-host's is refused
    assert status(PREFIX, f"{HOST}:{proxied['port']}") == 302
    assert status(PREFIX + "login", f"{HOST}:{proxied['port']}") == 200
    assert status(PREFIX, f"elsewhere.example:{proxied['port']}") == 403


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@needs_both
def test_a_class_opens_the_dashboard_under_the_prefix_through_nginx(proxied, browser):
    base = proxied["base"]
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = ctx.new_page()
    requests, sockets = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("websocket", lambda ws: sockets.append(ws.url))
    try:
        page.goto(base)                                                     # a bookmark: no token
        assert page.url == f"{base}login?next={PREFIX.replace('/', '%2F')}", page.url
        assert "This naoviz dashboard needs its token" in page.inner_text("main")
        page.get_by_label("Token").fill(proxied["token"])
        page.get_by_role("button", name="Open the dashboard").click()
        page.wait_for_selector(READY, timeout=180_000)          # the explorer loaded its atlas and drew its map
        assert page.url.startswith(base) and "token=" not in page.url and "/login" not in page.url, page.url
        assert page.locator(".nx-root svg").count() > 0
        assert page.get_by_role("tab").all_inner_texts() == ["Explorer", "Search", "Train a child"]
        page.get_by_role("tab", name="Train a child").click()
        page.wait_for_selector("text=a press trains", timeout=60_000)
        page.get_by_role("tab", name="Search").click()
        page.wait_for_selector(".naoviz-search .nl-root svg", timeout=60_000)
        # a kernel round trip through the proxied websocket: the preset menu's choice goes to the kernel, whose
        # handler writes the line that says what the chosen preset does
        about = page.inner_text(".naoviz-preset-about")
        page.get_by_role("combobox", name="NAO preset").select_option(index=1)
        page.wait_for_function("was => document.querySelector('.naoviz-preset-about').textContent !== was",
                               arg=about, timeout=30_000)
        page.screenshot(path=str(ART / "dashboard-proxy-search.png"))
        ws_base = "ws" + base[len("http"):]
        assert sockets and all(url.startswith(ws_base + "api/kernels/") for url in sockets), sockets
        elsewhere = [u for u in requests if not u.startswith(base) and not u.startswith(("data:", "blob:"))]
        assert elsewhere == [], elsewhere[:10]                  # every page, asset and API call under /naoviz/
        cookies = ctx.cookies()
        assert cookies and {c["path"] for c in cookies} == {PREFIX}, cookies     # the login's and _xsrf's
    finally:
        ctx.close()
    # and it all went through nginx: the login, the page, the kernel's websocket (101: upgraded; nginx logs a
    # websocket once it has closed, which the closed page's socket does a moment later)
    upgraded = re.compile(rf'"GET {PREFIX}api/kernels/[\w-]+/channels\S* HTTP/1.1" 101')
    deadline = time.time() + 30
    while not upgraded.search(log := (proxied["nginx"] / "access.log").read_text()) and time.time() < deadline:
        time.sleep(0.2)
    assert upgraded.search(log), log[-2000:]
    assert re.search(rf'"POST {PREFIX}login\?next=\S+ HTTP/1.1" 302', log), log[-2000:]
