"""``naoviz dashboard`` on 127.0.0.1, as a student starts it on a shared machine (a login server, a lab box):
another account reaches 127.0.0.1 too, so a request without the printed URL's token is sent to naoviz's login
page (302 to /login, which says what to open or paste, not Jupyter's `jupyter server list`) and starts no
kernel; with the token it is served and leaves a login cookie that serves the next requests. (The page and its
kernels with the token in a real browser: tests/test_ui_browser*.py; the login page there:
tests/test_dashboard_login_browser.py.)"""
from __future__ import annotations

import http.client
import os
import re
import subprocess
import sys
import time

from _dashboard_server import at, printed_url
from _procs import children, command_line


def _get(url_port: int, path: str, headers: dict | None = None) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", url_port, timeout=60)
    conn.request("GET", path, headers=headers or {})
    resp = conn.getresponse()
    resp.body = resp.read()
    conn.close()
    return resp


def _kernels(pid: int) -> int:
    """Kernel processes under the dashboard ``pid`` (Voila's children running ipykernel)."""
    return sum(b"ipykernel" in command_line(k) for v in children(pid) for k in children(v) | {v})


def test_the_loopback_dashboard_serves_only_the_printed_urls_token(tmp_path):
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log_path = tmp_path / "dashboard.log"
    log = open(log_path, "w")
    proc = subprocess.Popen([sys.executable, "-m", "naoviz.cli", "dashboard", "--port", str(port), "--table",
                             "nb201-digits", "--pool-size", "0"], cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT,
                            env=dict(os.environ, OMP_NUM_THREADS="1", NAOVIZ_CACHE=str(tmp_path / "cache")))
    try:
        deadline = time.time() + 120
        url = printed_url(log_path, proc, deadline)
        token = url.partition("?token=")[2]
        assert url == f"http://127.0.0.1:{port}/?token={token}" and len(token) >= 32, url
        assert _get(port, "/voila/static/voila.js").status == 200      # printed once Voila answers, not before
        said = log_path.read_text()                                     # and below Voila's hidden-token address
        assert said.index(f"http://127.0.0.1:{port}/?token=...") < said.index(url), said
        for path in ("/", "/?token=wrong", "/?token=", "/api/kernels", "/voila/api/shutdown/x"):
            resp = _get(port, path)
            assert resp.status in (302, 403), (path, resp.status)
            if resp.status == 302:
                assert resp.getheader("Location").startswith("/login?next="), (path, resp.getheader("Location"))
        login = _get(port, "/login?next=%2F")                               # naoviz's page asks for the token
        page = login.body.decode()
        assert login.status == 200 and "This naoviz dashboard needs its token" in page, page[:500]
        assert "<code>naoviz dashboard</code> printed" in page and 'name="password"' in page
        assert "jupyter server list" not in page and not re.search(r"(src|href)=\"?(https?:)?//", page)
        assert _kernels(proc.pid) == 0                                       # nothing refused started a kernel
        assert token not in log_path.read_text().split(url, 1)[1]            # said once, on the URL line
        resp = _get(port, at(url).removeprefix(f"http://127.0.0.1:{port}"))       # the printed URL's page
        assert resp.status == 200 and b"voila" in resp.body and b"naoviz" in resp.body, resp.status
        cookie = resp.getheader("Set-Cookie").split(";", 1)[0]
        again = _get(port, "/", {"Cookie": cookie})                         # a browser that opened it once
        assert again.status == 200 and b"voila" in again.body
        assert _get(port, "/", {"Cookie": cookie.split("=", 1)[0] + "=forged"}).status == 302
        while _kernels(proc.pid) < 2:                                       # the two visits let in started theirs
            assert time.time() < deadline, log_path.read_text()
            time.sleep(0.3)
    finally:
        proc.terminate()
        proc.wait(30)
        log.close()
