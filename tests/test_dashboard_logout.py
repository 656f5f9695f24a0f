"""naoviz's Voila answers what jupyter_server and Voila left to a traceback: ``/logout`` (it was a 500: jupyter_server's
logout.html needs a ``static_path`` Voila does not set) is naoviz's page, in the dashboard's theme, clearing the
login cookie the login set; without a token it says there is nothing to log out of. A template static path that
leaves ``<template>/static/`` (a ``..``, raw or escaped) is a 404, not an assert's 500. No traceback in the log.
(The logout page in Chromium: tests/test_dashboard_login_browser.py.)"""
from __future__ import annotations

import http.client
import re
import time
import urllib.parse
from email.utils import parsedate_to_datetime

from _dashboard_server import get, tiny_voila

TOKEN = "t0k-" + "L" * 30


def _request(port: int, method: str, path: str, body: str = "", headers: dict | None = None):
    """(status, headers as a list of pairs, body) of one request to 127.0.0.1:``port``."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body or None, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.getheaders(), resp.read().decode("utf-8", "replace")
    finally:
        conn.close()


def _cookies(headers) -> dict:
    """name -> the whole Set-Cookie line, of the response ``headers``."""
    return {v.split("=", 1)[0]: v for k, v in headers if k.lower() == "set-cookie"}


def _log_of(tmp_path) -> str:
    return (tmp_path / "voila.log").read_text(errors="replace")


def test_logout_clears_the_login_and_says_how_to_come_back(tmp_path):
    with tiny_voila(tmp_path, TOKEN, pool_size=0, cull_idle_s=0, theme="dark") as (_, port):
        # log in as the login page's form does: its _xsrf cookie and field, the token as the password
        status, headers, page = _request(port, "GET", "/login?next=%2F")
        xsrf = re.search(r'name="_xsrf" value="([^"]+)"', page).group(1)
        cookie = "_xsrf=" + _cookies(headers)["_xsrf"].split("=", 1)[1].split(";")[0]
        status, headers, _ = _request(port, "POST", "/login?next=%2F",
                                      urllib.parse.urlencode({"_xsrf": xsrf, "password": TOKEN}),
                                      {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
        login = [v for name, v in _cookies(headers).items() if name.startswith("username-")]
        assert status == 302 and len(login) == 1, (status, headers)
        name, value = login[0].split(";")[0].split("=", 1)
        assert value

        status, headers, page = _request(port, "GET", "/logout", headers={"Cookie": f"{cookie}; {name}={value}"})
        assert status == 200, (status, page[:300], _log_of(tmp_path)[-2000:])
        assert "Logged out of this naoviz dashboard" in page and 'data-theme="dark"' in page
        assert 'href="/login"' in page and "?token=" in page             # how to come back
        cleared = _cookies(headers).get(name, "")
        assert cleared.startswith(f"{name}=;") or cleared.startswith(f'{name}="";'), headers   # the cookie dropped
        expires = re.search(r"expires=([^;]+)", cleared, re.I)
        assert expires and parsedate_to_datetime(expires.group(1)).timestamp() < time.time(), cleared   # expired
        assert get(port, "/logout")[0] == 200                            # a visitor never logged in: the same page
        links = re.findall(r"""(?:src|href)\s*=\s*["']?([^"'\s>]+)""", page)
        assert not [u for u in links if re.match(r"(https?:)?//", u)], links   # nothing from elsewhere
    log = _log_of(tmp_path)
    assert "Traceback" not in log and "500 GET" not in log, log[-3000:]


def test_logout_without_a_token_says_there_is_nothing_to_log_out_of(tmp_path):
    with tiny_voila(tmp_path, None, pool_size=0, cull_idle_s=0) as (_, port):
        status, page = get(port, "/logout")
        assert status == 200, (status, page[:300], _log_of(tmp_path)[-2000:])
        assert "no token to log out of" in page and "--no-token" in page and 'data-theme="light"' in page
        assert 'href="/"' in page
        # a template static path that leaves <template>/static/: 404, however the '..' is written
        for path in ("/voila/templates/lab/static/../../../../etc/passwd", "/voila/templates/lab/static/..%2F..%2Fconf.json",
                     "/voila/templates/naoviz/static/%2E%2E/conf.json", "/voila/templates/../static/index.css"):
            assert get(port, path)[0] == 404, path
        status, css = get(port, "/voila/templates/lab/static/index.css")    # what is inside is served as before
        assert status == 200 and css.strip()
    log = _log_of(tmp_path)
    assert "Traceback" not in log and "500 GET" not in log and "AssertionError" not in log, log[-3000:]
