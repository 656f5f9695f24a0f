"""``naoviz dashboard``: who may reach it. Every address gets a random token, loopback too (other users of a
shared machine reach 127.0.0.1); ``--no-token`` warns; ``--ip`` must be an address. A real Voila server started with naoviz's command and
environment enforces the token and renders naoviz's template, whose page names no outside host, answers only the
host names it is given and starts no kernel for another site's embed. Its kernels and processes:
tests/test_dashboard_processes.py."""
from __future__ import annotations

import http.client
import re

import pytest

from _dashboard_server import dry, get, kernels_of, tiny_voila


@pytest.fixture(scope="module")
def open_voila(tmp_path_factory):
    """(process, port) of one tiny Voila served as ``--no-token`` with no pool and no culling, for the module's
    tests of the checks that stand without a token (the Host check, Fetch Metadata): they only read what it
    answers, and count the kernels it starts from their own count before (none is culled)."""
    with tiny_voila(tmp_path_factory.mktemp("open-voila"), pool_size=0, cull_idle_s=0) as served:
        yield served


@pytest.mark.parametrize("ip", ["127.0.0.1", "127.0.0.2", "::1", "localhost"])
def test_loopback_gets_a_random_token_too(capsys, ip):
    """Every account of a shared machine (a login server, a lab box) reaches 127.0.0.1: a token, as Jupyter's.
    A dry run shows no token (its output goes into bug reports): the line it prints has Voila make its own."""
    rc, out, err = dry(capsys, "--ip", ip)
    assert rc == 0 and "--Voila.auto_token=True" in out.split() and "--Voila.token=" not in out
    assert "JUPYTER_TOKEN" not in out and "token=" not in out.replace("auto_token=True", "")
    assert "/?token=...  (the token: a dry run never shows it" in err and "warning" not in err


def test_no_token_on_loopback_warns_that_other_users_can_run_code_as_you(capsys):
    rc, out, err = dry(capsys, "--no-token")
    assert rc == 0 and "--Voila.token=" in out.split() and "JUPYTER_TOKEN" not in out
    warning, url = err.strip().splitlines()
    assert warning == ("naoviz dashboard: warning: --no-token: other users of this machine can open the dashboard "
                       "and run code as you")
    assert url == "naoviz dashboard: http://127.0.0.1:8866/"


def test_other_address_gets_a_random_token(capsys):
    rc, out, err = dry(capsys, "--ip", "192.0.2.7", "--port", "9001")
    assert rc == 0 and "JUPYTER_TOKEN" not in out
    assert "--Voila.auto_token=True" in out.split() and "--Voila.token=" not in out.split()
    warning, url = err.strip().splitlines()           # what it exposes, said once, then the address
    assert url.startswith("naoviz dashboard: http://192.0.2.7:9001/?token=...  (")
    assert warning.startswith("naoviz dashboard: warning: serving on 192.0.2.7, port 9001: ")
    assert "run code" in warning and "unencrypted" in warning
    _, _, err6 = dry(capsys, "--ip", "2001:db8::1", "--port", "9001")
    assert err6.splitlines()[1].startswith("naoviz dashboard: http://[2001:db8::1]:9001/?token=...")
    _, _, err0 = dry(capsys, "--ip", "0.0.0.0")
    assert err0.startswith("naoviz dashboard: warning: serving on every network interface (0.0.0.0), port 8866: ")


def test_no_token_on_other_address_warns(capsys):
    rc, out, err = dry(capsys, "--ip", "0.0.0.0", "--no-token")
    assert rc == 0 and "--Voila.token=" in out.split() and "JUPYTER_TOKEN" not in out
    warnings = [line for line in err.splitlines() if "warning" in line]
    assert len(warnings) == 1 and "--no-token" in warnings[0] and "0.0.0.0" in warnings[0]
    assert "?token=" not in err


def test_table_nb201_without_its_tables_is_refused_before_voila_starts(capsys, tmp_path, monkeypatch):
    """A server that could only show an error page is not started: one line naming --table and what to run;
    with neither --data nor NAOVIZ_DATA (the per-user folder, empty here), also how to name the tables' folder."""
    rc, out, err = dry(capsys, "--table", "nb201", "--data", str(tmp_path))
    assert rc == 2 and out == "" and len(err.strip().splitlines()) == 1 and len(err) < 200
    assert "--table: no NAS-Bench-201 tables" in err and "naoviz data download" in err and "nb201-digits" in err
    assert "--data DIR" not in err                                      # a folder was given: it is named
    with monkeypatch.context() as env:
        env.delenv("NAOVIZ_DATA", raising=False)
        env.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))              # platformdirs' per-user data folder
        rc, _, err = dry(capsys, "--table", "nb201")
    assert rc == 2 and "give --data DIR (their folder)" in err and str(tmp_path / "xdg") in err
    rc, out, err = dry(capsys, "--table", "nb201-digits", "--data", str(tmp_path))   # the shipped table needs none
    assert rc == 0 and "NAOVIZ_DASHBOARD_TABLE=nb201-digits" in out and "digits table opens" not in err
    rc, out, err = dry(capsys, "--data", str(tmp_path))                 # no --table: digits, and the line says why
    assert rc == 0 and "NAOVIZ_DASHBOARD_TABLE" not in out
    assert f"no NAS-Bench-201 tables in {tmp_path}, so the shipped digits table opens (NAS-Bench-201: --data DIR" in err
    rc, out, _ = dry(capsys, "--table", "nb201")                                    # NAOVIZ_DATA: the real tables
    assert rc == 0 and "NAOVIZ_DASHBOARD_TABLE=nb201" in out


@pytest.mark.parametrize("name, value, says", [
    ("NAOVIZ_DASHBOARD_BUDGET", "15", "'15' is not a multiple of 10 (expected 10..300 in steps of 10)"),
    ("NAOVIZ_DASHBOARD_BUDGET", "5000", "'5000' is out of range (expected 10..300 in steps of 10)"),
    ("NAOVIZ_DASHBOARD_SEEDS", "many", "expected int, got 'many'")])
def test_a_bad_dashboard_environment_value_is_refused_before_voila_starts(capsys, monkeypatch, name, value, says):
    """A kernel would refuse it (the page then said only "There was an error when executing cell [1]", and a
    budget of 15 had shown, and run, 20): one line naming the variable, exit 2, nothing started."""
    monkeypatch.setenv(name, value)
    rc, out, err = dry(capsys, "--table", "nb201-digits")
    assert rc == 2 and out == "" and err == f"naoviz dashboard: error: {name}: {says}\n"


@pytest.mark.parametrize("ip", ["example.org", "1.2.3", "0.0.0.0.0", "", "x" * 300])
def test_bad_ip_is_one_line_exit_2(capsys, ip):
    rc, out, err = dry(capsys, "--ip", ip)
    assert rc == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "--ip" in err and "Traceback" not in err
    assert len(err) < 200


def test_real_voila_enforces_the_token_and_links_no_outside_host(tmp_path):
    token = "t0k-" + "x" * 30
    with tiny_voila(tmp_path, token) as (_, port):
        status, _ = get(port, "/")
        assert status in (302, 401, 403)                    # no token: the page is refused
        assert get(port, "/?token=wrong")[0] in (302, 401, 403)
        status, html = get(port, f"/?token={token}")
        assert status == 200 and "naoviz-tiny-42" in html
        assert "cdn.jsdelivr" not in html
        assert "https://" not in html
        # what remains of http:// are names inside the spinner's SVG (xmlns="http://www.w3.org/2000/svg",
        # rdf:resource="http://purl.org/dc/dcmitype/StillImage"): identifiers, never fetched
        names = re.sub(r'(xmlns(:\w+)?|rdf:resource)="[^"]*"', "", html)
        assert re.findall(r"https?://[^\s\"'<>)]+", names) == []


def _get_as(port: int, path: str, host: str, headers: dict | None = None) -> int:
    """The status of GET ``path`` sent to 127.0.0.1:``port`` with the ``Host`` header ``host`` (what a browser
    sends after a DNS-rebinding page has pointed its own name at 127.0.0.1) and ``headers``."""
    return _body_as(port, path, host, headers)[0]


def test_real_voila_on_loopback_refuses_another_host_name(open_voila):
    """On loopback the server answers only requests addressed to a loopback name: a web page whose DNS name is
    rebound to 127.0.0.1 would otherwise be same-origin with it, open its kernel's websocket and run code (Voila
    itself sets allow_remote_access=True, turning jupyter_server's Host check off). Served with --no-token here,
    where this check is the only wall (behind a token it is a second one)."""
    _, port = open_voila
    assert _get_as(port, "/", f"attacker.example:{port}") == 403
    assert _get_as(port, "/api/kernels", f"attacker.example:{port}") == 403
    assert _get_as(port, "/", f"127.0.0.1:{port}") == 200
    assert _get_as(port, "/", f"localhost:{port}") == 200


def _page_as(port: int, host: str) -> tuple[int, str]:
    """(status, body) of GET / with the ``Host`` header ``host``, as a reverse proxy that passes it forwards it."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.putrequest("GET", "/", skip_host=True)
        conn.putheader("Host", host)
        conn.endheaders()
        resp = conn.getresponse()
        return resp.status, resp.read().decode("utf-8", "replace")
    finally:
        conn.close()


def _kernel_socket_status(port: int, kernel_id: str, host: str, origin: str) -> int:
    """The status of opening the kernel's websocket with ``Host`` and ``Origin`` as a browser behind a proxy sends
    them: 101 when it opened, else the refusal's HTTP status."""
    import asyncio

    from tornado.httpclient import HTTPClientError, HTTPRequest
    from tornado.websocket import websocket_connect

    async def attempt():
        request = HTTPRequest(f"ws://127.0.0.1:{port}/api/kernels/{kernel_id}/channels",
                              headers={"Host": host, "Origin": origin}, request_timeout=30)
        try:
            socket = await websocket_connect(request)
        except HTTPClientError as exc:
            return exc.code
        socket.close()
        return 101
    return asyncio.run(attempt())


def test_real_voila_behind_a_reverse_proxy_answers_the_names_given_with_allow_host(tmp_path, open_voila):
    """A reverse proxy on this machine (nginx ``proxy_set_header Host $http_host``, Caddy's default) forwards the
    browser's Host, its own public name, to 127.0.0.1: refused (403) by the loopback Host check unless named with
    ``--allow-host`` (``--Voila.local_hostnames``). Named, the page and its kernel's websocket (whose Origin is
    the proxy's URL) work through it; another name is still refused."""
    with tiny_voila(tmp_path, pool_size=0, cull_idle_s=0, allow_hosts=("dash.example.org",)) as (_, port):
        status, html = _page_as(port, "dash.example.org")
        assert status == 200 and "naoviz-tiny-42" in html
        kernel_id = re.search(r'"kernelId":\s*"([0-9a-f-]{36})"', html).group(1)
        assert _kernel_socket_status(port, kernel_id, "dash.example.org", "https://dash.example.org") == 101
        assert _kernel_socket_status(port, kernel_id, "dash.example.org:8443", "https://dash.example.org:8443") == 101
        # a proxy that replaces Host by the backend's (nginx's default): the page, but not the kernel's socket
        assert _kernel_socket_status(port, kernel_id, f"127.0.0.1:{port}", "https://dash.example.org") == 403
        # a proxy that sends $host (no port) while the browser's Origin has one: Origin != Host, refused
        assert _kernel_socket_status(port, kernel_id, "dash.example.org", "https://dash.example.org:8443") == 403
        assert _page_as(port, "dash.example.org:8443")[0] == 200
        assert _page_as(port, f"127.0.0.1:{port}")[0] == 200 and _page_as(port, f"localhost:{port}")[0] == 200
        assert _page_as(port, "other.example.org")[0] == 403
        assert _kernel_socket_status(port, kernel_id, "other.example.org", "https://other.example.org") == 403
    assert _page_as(open_voila[1], "dash.example.org")[0] == 403                 # without: the proxy is refused


@pytest.mark.parametrize("name, says", [("10.0.0.7", "is an IP address"), ("dash.example.org:443", "host name"),
                                        ("https://dash.example.org", "host name"), ("*.example.org", "host name"),
                                        ("", "host name"), ("a" * 64 + ".org", "host name"),
                                        ("9" * 400, "host name"), ("1" * 400, "host name")])
def test_allow_host_takes_host_names_only(capsys, name, says):
    rc, out, err = dry(capsys, "--allow-host", name)
    assert rc == 2 and out == "" and len(err.strip().splitlines()) == 1, err
    # 400 nines: 223 characters before (bench/option_fuzz.py)
    assert err.startswith("naoviz dashboard: error: --allow-host: ") and says in err and len(err.strip()) <= 200


def test_allow_host_reaches_voila_lower_cased_with_localhost_and_only_on_loopback(capsys):
    rc, out, _ = dry(capsys, "--allow-host", "Dash.Example.org", "--allow-host", "b.example", "--allow-host", "b.example")
    names = [a.split("=", 1)[1] for a in out.split() if a.startswith("--Voila.local_hostnames=")]
    assert rc == 0 and names == ["localhost", "dash.example.org", "b.example"]
    rc, out, _ = dry(capsys)
    assert rc == 0 and "local_hostnames" not in out                  # not given: jupyter_server's default
    rc, out, err = dry(capsys, "--allow-host", "dash.example.org", "--ip", "0.0.0.0")
    assert rc == 2 and "--allow-host: only with a loopback --ip" in err


def test_real_voila_starts_no_kernel_for_another_sites_embed(open_voila):
    """Every load of the dashboard's page starts a kernel (about 140 MB): a web page elsewhere could embed it
    (``<iframe>``/``<img src=http://127.0.0.1:8866/>``) dozens of times and exhaust the machine's memory. A
    load the browser marks cross-site and not a top-level visit (``Sec-Fetch-Site: cross-site``,
    ``Sec-Fetch-Dest`` other than ``document``) is refused (403) before a kernel starts; a link followed from
    another site (``Sec-Fetch-Dest: document``) still opens the dashboard. Served with --no-token here; behind
    the token the check stands too (a browser may send the visitor's login cookie with another site's embed)."""
    proc, port = open_voila
    host = f"127.0.0.1:{port}"
    before = kernels_of(proc.pid)                           # the kernels of the module's earlier loads (none culled)
    for dest in ("iframe", "image", "script", "empty"):
        assert _get_as(port, "/", host, {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Dest": dest}) == 403
    assert kernels_of(proc.pid) == before
    assert _get_as(port, "/", host, {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Dest": "document"}) == 200
    assert _get_as(port, "/", host, {"Sec-Fetch-Site": "same-origin", "Sec-Fetch-Dest": "iframe"}) == 200
    assert _get_as(port, "/", host) == 200                  # no Fetch Metadata (a script, an old browser)
    assert kernels_of(proc.pid) == before + 3               # each load that was let through started one


def test_real_voilas_refusals_link_no_outside_host(open_voila):
    """Voila renders a refused request (403 for another Host name or another site's embed) from its base page.html, which linked Font Awesome from cdn.jsdelivr.net: the browser that met the
    refusal fetched from the network. naoviz's template has its own page.html, without that link."""
    _, port = open_voila
    host = f"127.0.0.1:{port}"
    pages = {"another Host": _body_as(port, "/", f"attacker.example:{port}"),
             "another site's embed": _body_as(port, "/", host, {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Dest": "iframe"})}
    for what, (status, html) in pages.items():
        assert status == 403 and "<h1>403" in html, (what, status, html[:300])
        links = re.findall(r"""(?:src|href)\s*=\s*["']?([^"'\s>]+)""", html)
        assert links and not [u for u in links if re.match(r"(https?:)?//", u)], (what, links)


def _body_as(port: int, path: str, host: str, headers: dict | None = None) -> tuple[int, str]:
    """(status, body) of GET ``path`` with the ``Host`` header ``host`` and ``headers``."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.putrequest("GET", path, skip_host=True)
        conn.putheader("Host", host)
        for k, v in (headers or {}).items():
            conn.putheader(k, v)
        conn.endheaders()
        resp = conn.getresponse()
        return resp.status, resp.read().decode("utf-8", "replace")
    finally:
        conn.close()
