"""``naoviz dashboard --base-url``: the value as the CLI takes it (a dry run shows it, the printed link has it)
and a real Voila server under the prefix, login page included (Voila 0.5 left its login route at the root, so a
visitor without the token was sent round the prefix's login URL for ever). The refusals are
tests/test_cli_hostile.py's; the whole dashboard behind a real nginx, Caddy and Apache, tests/test_dashboard_proxy_browser.py."""
from __future__ import annotations

import http.client
import shlex
import urllib.parse

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from naoviz.cli import main

from _dashboard_server import tiny_voila


@pytest.mark.parametrize("given, served", [("/naoviz", "/naoviz/"), ("/naoviz/", "/naoviz/"),
                                           ("/courses/nas-2026/naoviz~1.x_/", "/courses/nas-2026/naoviz~1.x_/")])
def test_base_url_is_given_to_voila_with_its_trailing_slash_and_printed(capsys, given, served):
    rc = main(["dashboard", "--dry-run", "--base-url", given])
    out, err = capsys.readouterr()
    assert rc == 0 and f"--Voila.base_url={served}" in shlex.split(out), out     # the line runs as printed
    assert err.startswith(f"naoviz dashboard: http://127.0.0.1:8866{served}?token=...  "), err


def test_the_root_is_the_default_and_adds_nothing(capsys):
    for argv in ([], ["--base-url", "/"]):
        rc = main(["dashboard", "--dry-run", *argv])
        out, err = capsys.readouterr()
        assert rc == 0 and "base_url" not in out and "http://127.0.0.1:8866/?token=..." in err


def _request(port: int, method: str, path: str) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request(method, path)
    resp = conn.getresponse()
    resp.body = resp.read().decode("utf-8", "replace")
    conn.close()
    return resp


def test_real_voila_under_a_prefix_serves_its_login_page_and_cookies_there(tmp_path):
    token = "t0k-" + "x" * 30
    with tiny_voila(tmp_path, token, pool_size=0, cull_idle_s=0, base_url="/naoviz/") as (_, port):
        page = _request(port, "GET", "/naoviz/")
        assert page.status == 302 and page.headers["Location"] == "/naoviz/login?next=%2Fnaoviz%2F"
        login = _request(port, "GET", "/naoviz/login?next=%2Fnaoviz%2F")
        assert login.status == 200, (login.status, login.headers.get("Location"))      # was 302, to itself
        assert "This naoviz dashboard needs its token" in login.body
        assert 'action="/naoviz/login?next=%2Fnaoviz%2F"' in login.body
        assert all("path=/naoviz/" in c.lower() for c in login.headers.get_all("Set-Cookie")), login.headers
        opened = _request(port, "GET", f"/naoviz/?token={token}")
        assert opened.status == 200 and "naoviz-tiny-42" in opened.body
        assert "path=/naoviz/" in opened.headers["Set-Cookie"].lower()
        assert _request(port, "GET", "/login").status == 404                    # nothing left at the root


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(st.one_of(st.text(max_size=60), st.lists(st.sampled_from(["naoviz", "a", ".", "..", "", " ", "?x=1", "%2e",
                                                                 "~u", "é", "#", "\\", "\n"]), max_size=6)
                 .map(lambda parts: "/" + "/".join(parts))))
def test_base_url_is_a_plain_path_or_one_line_naming_the_option(value):
    from naoviz.cli.dashboard import check_base_url
    try:
        served = check_base_url(value)
    except ValueError as exc:
        said = str(exc)
        assert said.startswith("--base-url: ") and "\n" not in said and len(said) < 220, said
        return
    assert served.startswith("/") and served.endswith("/") and "//" not in served, served
    assert all(part not in (".", "..") for part in served.split("/")), served
    assert urllib.parse.quote(served, safe="/~") == served                   # nothing a proxy would re-encode
    assert check_base_url(served) == served and served.rstrip("/") == value.rstrip("/")
