"""``naoviz dashboard`` behind each real reverse proxy that docs/security.md gives a setup for (nginx, Caddy,
Apache: tests/_proxy.py, each serving the page's block word for word), driven by real Chromium as a teacher's class
meets it at ``http://HOST/naoviz/`` (``--base-url /naoviz/``) or at the proxy's root: the login page and its pasted
token, a kernel round trip over the proxied websocket, the explorer's map drawn from its data, every request,
websocket and cookie under the prefix, and in the proxy's own log the login and the websocket's upgrade. The host is
``dash.localhost`` (Chromium sends ``*.localhost`` to 127.0.0.1 itself), a name of the proxy's that the dashboard
accepts only with ``--allow-host``. Two dashboards (sub-path, root) for the module, each proxy started per setup; a
proxy whose binary is absent is skipped, saying so (``make browser`` installs them when missing and root). 5-13 s
a visit on the shared 2-core machine; the module, about 45 s. Screenshots: tests/artifacts/dashboard-proxy-*.png."""
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

import _proxy
import _proxy_apache
import _proxy_caddy
import _proxy_nginx
from _browser import CHROMIUM
from _dashboard_server import ART, READY, _free_port, printed_url, wait_served

ROOT = Path(__file__).resolve().parent.parent
PREFIX = "/naoviz/"
HOST = "dash.localhost"
PROXIES = {m.NAME: m for m in (_proxy_nginx, _proxy_caddy, _proxy_apache)}


def _runs(name: str):
    """``name`` as a parameter, skipped (saying why) where Chromium or that proxy's binary is absent."""
    module = PROXIES[name]
    there = {"Debian chromium": Path(CHROMIUM).exists(), f"Debian's {module.PACKAGE}": module.BINARY}
    missing = [what for what, found in there.items() if not found]
    return pytest.param(name, marks=pytest.mark.skipif(bool(missing), reason=(
        f"needs {' and '.join(missing)}, missing here (make browser installs it when missing and root; else "
        f"apt-get install chromium {module.PACKAGE})")))


RUNS = [_runs(name) for name in PROXIES]


@pytest.mark.parametrize("name, setup", [(n, s) for n in PROXIES for s in ("SUBPATH", "ROOT")])
def test_docs_give_the_blocks_the_proxy_test_runs(name, setup):
    """docs/security.md's block for each proxy and setup is the one its tests/_proxy_*.py serves (indentation
    aside), so the page's setup is the tested one."""
    page = (ROOT / "docs" / "security.md").read_text()
    blocks = [textwrap.dedent(b) for b in re.findall(r"((?:^ {4,}.*\n|^\n)+)", page, flags=re.M)]
    assert any(getattr(PROXIES[name], setup) in b for b in blocks), f"docs/security.md lacks {name}'s {setup} block"


@pytest.fixture(scope="module")
def dashboards(tmp_path_factory):
    """``naoviz dashboard --allow-host dash.localhost``, started on first use for each base URL (``/naoviz``: no
    trailing '/', it is added; ``None``: the root) and kept for the module: {url (printed), token, port}."""
    running, procs = {}, []

    def get(base_url: str | None) -> dict:
        if base_url not in running:
            tmp = tmp_path_factory.mktemp("dashboard")
            ART.mkdir(parents=True, exist_ok=True)
            log_path = ART / f"voila-proxy-{'root' if base_url is None else 'subpath'}.log"
            log = open(log_path, "w")
            port = _free_port()
            cmd = [sys.executable, "-m", "naoviz.cli", "dashboard", "--port", str(port), "--allow-host", HOST,
                   "--table", "nb201-digits", "--pool-size", "0", "--exports", str(tmp / "exports")]
            proc = subprocess.Popen(cmd + (["--base-url", base_url] if base_url else []), cwd=tmp, stdout=log,
                                    stderr=subprocess.STDOUT,
                                    env=dict(os.environ, OMP_NUM_THREADS="1", NAOVIZ_CACHE=str(tmp / "cache")))
            procs.append((proc, log))
            url = printed_url(log_path, proc, time.time() + 120)
            wait_served(proc, url, log_path, timeout_s=120)
            running[base_url] = {"url": url, "token": url.partition("?token=")[2], "port": port}
        return running[base_url]

    yield get
    for proc, _ in procs:
        proc.terminate()
    for proc, log in procs:
        proc.wait(30)
        log.close()


def _proxied(request, dashboards, tmp_path_factory, base_url: str | None, setup: str):
    name = request.param
    module = PROXIES[name]
    dash = dashboards(base_url)
    folder = tmp_path_factory.mktemp(f"{name}-{setup.lower()}")
    proc, port = module.start(folder, dash["port"], getattr(module, setup))
    mount = PREFIX if base_url else "/"
    return proc, {**dash, "name": name, "module": module, "folder": folder, "port": port, "mount": mount,
                  "base": f"http://{HOST}:{port}{mount}"}


@pytest.fixture(scope="module", params=RUNS)
def subpath(request, dashboards, tmp_path_factory):
    """A proxy serving its SUBPATH block in front of ``naoviz dashboard --base-url /naoviz``: the dashboard's
    {url, token} and the proxy's {name, module, folder, port, mount, base (its address of the dashboard)}."""
    proc, got = _proxied(request, dashboards, tmp_path_factory, PREFIX.rstrip("/"), "SUBPATH")
    yield got
    _proxy.stop(proc)


@pytest.fixture(scope="module", params=RUNS)
def root(request, dashboards, tmp_path_factory):
    """A proxy serving its ROOT block in front of ``naoviz dashboard`` (no --base-url): as ``subpath``."""
    proc, got = _proxied(request, dashboards, tmp_path_factory, None, "ROOT")
    yield got
    _proxy.stop(proc)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _status(proxied: dict, path: str, host: str) -> tuple[int, str]:
    """(status, Location) of GET ``path`` through the proxy with Host ``host``, redirects not followed."""
    request = urllib.request.Request(f"http://127.0.0.1:{proxied['port']}{path}", headers={"Host": host})
    try:
        answer = urllib.request.build_opener(NoRedirect).open(request, timeout=30)
    except urllib.error.HTTPError as exc:
        answer = exc
    return answer.status, answer.headers.get("Location", "")


def test_the_printed_link_and_the_proxy_carry_the_prefix(subpath):
    assert re.fullmatch(rf"http://127\.0\.0\.1:\d+{PREFIX}\?token=[\w-]+", subpath["url"]), subpath["url"]
    ours, other = f"{HOST}:{subpath['port']}", f"elsewhere.example:{subpath['port']}"
    # through the proxy: the page sends a visitor without the token to the login page, which answers (it looped
    # on itself before: Voila left /login at the root); another name than --allow-host's is refused, so the
    # proxy passed the browser's Host on; the prefix typed without its last '/' is sent to the dashboard
    assert _status(subpath, PREFIX, ours) == (302, f"{PREFIX}login?next=%2Fnaoviz%2F")
    assert _status(subpath, PREFIX + "login", ours)[0] == 200
    assert _status(subpath, PREFIX, other)[0] == 403
    status, location = _status(subpath, PREFIX.rstrip("/"), ours)
    assert status in (301, 302, 307, 308) and location in (PREFIX, f"http://{ours}{PREFIX}"), (status, location)


def _visit(proxied: dict, browser, tabs: bool) -> None:
    """A class's visit at the proxy's address of the dashboard: the bookmark without the token, the login page,
    the map, (``tabs``: the three tabs,) a kernel round trip; all of it under the mount and through the proxy."""
    base, mount = proxied["base"], proxied["mount"]
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = ctx.new_page()
    requests, sockets = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("websocket", lambda ws: sockets.append(ws.url))
    try:
        page.goto(base)                                                     # a bookmark: no token
        assert page.url == f"{base}login?next={mount.replace('/', '%2F')}", page.url
        assert "This naoviz dashboard needs its token" in page.inner_text("main")
        page.get_by_label("Token").fill(proxied["token"])
        page.get_by_role("button", name="Open the dashboard").click()
        page.wait_for_selector(READY, timeout=180_000)          # the explorer loaded its atlas and drew its map
        assert page.url.startswith(base) and "token=" not in page.url and "/login" not in page.url, page.url
        assert page.locator(".nx-root svg").count() > 0
        if tabs:
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
        page.screenshot(path=str(ART / f"dashboard-proxy-{proxied['name']}-{'subpath' if tabs else 'root'}.png"))
        ws_base = "ws" + base[len("http"):]
        assert sockets and all(url.startswith(ws_base + "api/kernels/") for url in sockets), sockets
        elsewhere = [u for u in requests if not u.startswith(base) and not u.startswith(("data:", "blob:"))]
        assert elsewhere == [], elsewhere[:10]                  # every page, asset and API call under the mount
        cookies = ctx.cookies()
        assert cookies and {c["path"] for c in cookies} == {mount}, cookies     # the login's and _xsrf's
    finally:
        ctx.close()
    # and it all went through the proxy: the login, the page, the kernel's websocket (101: upgraded; a proxy logs
    # a websocket once it has closed, which the closed page's socket does a moment later)
    channels = re.compile(rf"{mount}api/kernels/[\w-]+/channels(\?\S*)?")
    deadline = time.time() + 30
    while time.time() < deadline:
        served = proxied["module"].served(proxied["folder"])
        if any(s == 101 and channels.fullmatch(uri) for _, uri, s in served):
            break
        time.sleep(0.2)
    assert any(s == 101 and channels.fullmatch(uri) for _, uri, s in served), served[-20:]
    assert any(m == "POST" and uri.startswith(f"{mount}login?next=") and s == 302 for m, uri, s in served), served[-20:]


def test_a_class_opens_the_dashboard_under_the_prefix_through_the_proxy(subpath, browser):
    _visit(subpath, browser, tabs=True)


def test_a_class_opens_the_dashboard_at_the_proxy_root(root, browser):
    assert _status(root, "/", f"elsewhere.example:{root['port']}")[0] == 403     # the browser's Host passed on
    _visit(root, browser, tabs=False)
