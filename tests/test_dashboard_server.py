"""``naoviz dashboard``: who may reach it. Every address gets a random token, loopback too (other users of a
shared machine reach 127.0.0.1); ``--no-token`` warns; ``--ip`` must be an address. A real Voila server started with naoviz's command and
environment enforces the token and renders naoviz's template, whose page names no outside host."""
from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from naoviz.cli import main

from _dashboard_server import _free_port, printed_url, wait_served
from _procs import alive, children, command_line, stat


def _dry(capsys, *argv):
    rc = main(["dashboard", "--dry-run", *argv])
    out = capsys.readouterr()
    return rc, out.out, out.err


@pytest.mark.parametrize("ip", ["127.0.0.1", "127.0.0.2", "::1", "localhost"])
def test_loopback_gets_a_random_token_too(capsys, ip):
    """Every account of a shared machine (a login server, a lab box) reaches 127.0.0.1: a token, as Jupyter's.
    A dry run shows no token (its output goes into bug reports): the line it prints has Voila make its own."""
    rc, out, err = _dry(capsys, "--ip", ip)
    assert rc == 0 and "--Voila.auto_token=True" in out.split() and "--Voila.token=" not in out
    assert "JUPYTER_TOKEN" not in out and "token=" not in out.replace("auto_token=True", "")
    assert "/?token=...  (the token: a dry run never shows it" in err and "warning" not in err


def test_no_token_on_loopback_warns_that_other_users_can_run_code_as_you(capsys):
    rc, out, err = _dry(capsys, "--no-token")
    assert rc == 0 and "--Voila.token=" in out.split() and "JUPYTER_TOKEN" not in out
    warning, url = err.strip().splitlines()
    assert warning == ("naoviz dashboard: warning: --no-token: other users of this machine can open the dashboard "
                       "and run code as you")
    assert url == "naoviz dashboard: http://127.0.0.1:8866/"


def test_other_address_gets_a_random_token(capsys):
    rc, out, err = _dry(capsys, "--ip", "192.0.2.7", "--port", "9001")
    assert rc == 0 and "JUPYTER_TOKEN" not in out
    assert "--Voila.auto_token=True" in out.split() and "--Voila.token=" not in out.split()
    warning, url = err.strip().splitlines()           # what it exposes, said once, then the address
    assert url.startswith("naoviz dashboard: http://192.0.2.7:9001/?token=...  (")
    assert warning.startswith("naoviz dashboard: warning: serving on 192.0.2.7, port 9001: ")
    assert "run code" in warning and "unencrypted" in warning
    _, _, err6 = _dry(capsys, "--ip", "2001:db8::1", "--port", "9001")
    assert err6.splitlines()[1].startswith("naoviz dashboard: http://[2001:db8::1]:9001/?token=...")
    _, _, err0 = _dry(capsys, "--ip", "0.0.0.0")
    assert err0.startswith("naoviz dashboard: warning: serving on every network interface (0.0.0.0), port 8866: ")


def test_no_token_on_other_address_warns(capsys):
    rc, out, err = _dry(capsys, "--ip", "0.0.0.0", "--no-token")
    assert rc == 0 and "--Voila.token=" in out.split() and "JUPYTER_TOKEN" not in out
    warnings = [line for line in err.splitlines() if "warning" in line]
    assert len(warnings) == 1 and "--no-token" in warnings[0] and "0.0.0.0" in warnings[0]
    assert "?token=" not in err


def test_table_nb201_without_its_tables_is_refused_before_voila_starts(capsys, tmp_path):
    """A server that could only show an error page is not started: one line naming --table and what to run."""
    rc, out, err = _dry(capsys, "--table", "nb201", "--data", str(tmp_path))
    assert rc == 2 and out == "" and len(err.strip().splitlines()) == 1 and len(err) < 200
    assert "--table: no NAS-Bench-201 tables" in err and "naoviz data download" in err and "nb201-digits" in err
    rc, out, _ = _dry(capsys, "--table", "nb201-digits", "--data", str(tmp_path))   # the shipped table needs none
    assert rc == 0 and "NAOVIZ_DASHBOARD_TABLE=nb201-digits" in out
    rc, out, _ = _dry(capsys, "--table", "nb201")                                    # NAOVIZ_DATA: the real tables
    assert rc == 0 and "NAOVIZ_DASHBOARD_TABLE=nb201" in out


@pytest.mark.parametrize("ip", ["example.org", "1.2.3", "0.0.0.0.0", "", "x" * 300])
def test_bad_ip_is_one_line_exit_2(capsys, ip):
    rc, out, err = _dry(capsys, "--ip", ip)
    assert rc == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "--ip" in err and "Traceback" not in err
    assert len(err) < 200


# -- a real server -----------------------------------------------------------------------------------

def _get(port: int, path: str) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, resp.read().decode("utf-8", "replace")
    finally:
        conn.close()


@contextlib.contextmanager
def _tiny_voila(tmp_path, token: str | None = None, **options):
    """naoviz's Voila (its command and environment) on a one-cell notebook printing naoviz-tiny-42, on 127.0.0.1,
    requiring ``token`` (None: no token, as ``--no-token``; ``options``: voila_command's); yields (process, port)
    once it answers, and stops it after."""
    from naoviz.cli.dashboard import voila_command, voila_env
    nb = tmp_path / "tiny.ipynb"
    nb.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "id": "a", "metadata": {}, "execution_count": None, "outputs": [],
         "source": "print('naoviz-tiny-' + str(6 * 7))"}]}))
    port = _free_port()
    env = voila_env(dict(os.environ, OMP_NUM_THREADS="1"), token)
    log = open(tmp_path / "voila.log", "w")
    proc = subprocess.Popen(voila_command(nb, port, "127.0.0.1", bool(token), **options), env=env, cwd=tmp_path,
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_served(proc, f"http://127.0.0.1:{port}/", tmp_path / "voila.log", timeout_s=60)
        yield proc, port
    finally:
        proc.terminate()
        proc.wait(20)
        log.close()


def test_real_voila_enforces_the_token_and_links_no_outside_host(tmp_path):
    token = "t0k-" + "x" * 30
    with _tiny_voila(tmp_path, token) as (_, port):
        status, _ = _get(port, "/")
        assert status in (302, 401, 403)                    # no token: the page is refused
        assert _get(port, "/?token=wrong")[0] in (302, 401, 403)
        status, html = _get(port, f"/?token={token}")
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
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.putrequest("GET", path, skip_host=True)
        conn.putheader("Host", host)
        for k, v in (headers or {}).items():
            conn.putheader(k, v)
        conn.endheaders()
        resp = conn.getresponse()
        resp.read()
        return resp.status
    finally:
        conn.close()


def test_real_voila_on_loopback_refuses_another_host_name(tmp_path):
    """On loopback the server answers only requests addressed to a loopback name: a web page whose DNS name is
    rebound to 127.0.0.1 would otherwise be same-origin with it, open its kernel's websocket and run code (Voila
    itself sets allow_remote_access=True, turning jupyter_server's Host check off). Served with --no-token here,
    where this check is the only wall (behind a token it is a second one)."""
    with _tiny_voila(tmp_path, pool_size=0) as (_, port):
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


def test_real_voila_behind_a_reverse_proxy_answers_the_names_given_with_allow_host(tmp_path):
    """A reverse proxy on this machine (nginx ``proxy_set_header Host $http_host``, Caddy's default) forwards the
    browser's Host, its own public name, to 127.0.0.1: refused (403) by the loopback Host check unless named with
    ``--allow-host`` (``--Voila.local_hostnames``). Named, the page and its kernel's websocket (whose Origin is
    the proxy's URL) work through it; another name is still refused."""
    with _tiny_voila(tmp_path, pool_size=0, cull_idle_s=0, allow_hosts=("dash.example.org",)) as (_, port):
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
    with _tiny_voila(tmp_path, pool_size=0, cull_idle_s=0) as (_, port):          # without: the proxy is refused
        assert _page_as(port, "dash.example.org")[0] == 403


@pytest.mark.parametrize("name, says", [("10.0.0.7", "is an IP address"), ("dash.example.org:443", "host name"),
                                        ("https://dash.example.org", "host name"), ("*.example.org", "host name"),
                                        ("", "host name"), ("a" * 64 + ".org", "host name")])
def test_allow_host_takes_host_names_only(capsys, name, says):
    rc, out, err = _dry(capsys, "--allow-host", name)
    assert rc == 2 and out == "" and len(err.strip().splitlines()) == 1, err
    assert err.startswith("naoviz dashboard: error: --allow-host: ") and says in err and len(err) < 220


def test_allow_host_reaches_voila_lower_cased_with_localhost_and_only_on_loopback(capsys):
    rc, out, _ = _dry(capsys, "--allow-host", "Dash.Example.org", "--allow-host", "b.example", "--allow-host", "b.example")
    names = [a.split("=", 1)[1] for a in out.split() if a.startswith("--Voila.local_hostnames=")]
    assert rc == 0 and names == ["localhost", "dash.example.org", "b.example"]
    rc, out, _ = _dry(capsys)
    assert rc == 0 and "local_hostnames" not in out                  # not given: jupyter_server's default
    rc, out, err = _dry(capsys, "--allow-host", "dash.example.org", "--ip", "0.0.0.0")
    assert rc == 2 and "--allow-host: only with a loopback --ip" in err


def test_real_voila_starts_no_kernel_for_another_sites_embed(tmp_path):
    """Every load of the dashboard's page starts a kernel (about 140 MB): a web page elsewhere could embed it
    (``<iframe>``/``<img src=http://127.0.0.1:8866/>``) dozens of times and exhaust the machine's memory. A
    load the browser marks cross-site and not a top-level visit (``Sec-Fetch-Site: cross-site``,
    ``Sec-Fetch-Dest`` other than ``document``) is refused (403) before a kernel starts; a link followed from
    another site (``Sec-Fetch-Dest: document``) still opens the dashboard. Served with --no-token here; behind
    the token the check stands too (a browser may send the visitor's login cookie with another site's embed)."""
    with _tiny_voila(tmp_path, pool_size=0, cull_idle_s=0) as (proc, port):
        host = f"127.0.0.1:{port}"
        for dest in ("iframe", "image", "script", "empty"):
            assert _get_as(port, "/", host, {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Dest": dest}) == 403
        assert _kernels_of(proc.pid) == 0
        assert _get_as(port, "/", host, {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Dest": "document"}) == 200
        assert _get_as(port, "/", host, {"Sec-Fetch-Site": "same-origin", "Sec-Fetch-Dest": "iframe"}) == 200
        assert _get_as(port, "/", host) == 200                  # no Fetch Metadata (a script, an old browser)
        assert _kernels_of(proc.pid) == 3                        # each load that was let through started one


def _kernels_of(pid: int) -> int:
    """Kernel processes started by the server ``pid`` (its children running ipykernel)."""
    return sum(b"ipykernel" in command_line(k) for k in children(pid))


def test_dashboard_options_pass_culling_and_pool_size(capsys):
    rc, out, _ = _dry(capsys, "--cull-idle", "90", "--pool-size", "3", "--cull-connected")
    assert rc == 0
    words = out.split()
    assert "--pool_size=3" in words and "--MappingKernelManager.cull_idle_timeout=90" in words
    assert "--MappingKernelManager.cull_connected=True" in words
    _, out0, _ = _dry(capsys, "--cull-idle", "0", "--pool-size", "0")
    assert "cull_idle_timeout" not in out0 and "--preheat_kernel=True" not in out0
    rc, out, err = _dry(capsys, "--cull-idle", "0", "--cull-connected")
    assert rc == 2 and out == "" and "--cull-connected" in err and len(err.strip().splitlines()) == 1


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc to count kernels")
def test_real_voila_culls_the_kernel_of_a_closed_visit(tmp_path):
    """A visit starts a kernel; once nobody is connected and it is idle past --cull-idle it is shut down,
    while the pre-started pool kernel stays."""
    from naoviz.cli.dashboard import voila_command, voila_env
    nb = tmp_path / "tiny.ipynb"
    nb.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "id": "a", "metadata": {}, "execution_count": None, "outputs": [],
         "source": "print('naoviz-cull-' + str(6 * 7))"}]}))
    port = _free_port()
    env = voila_env(dict(os.environ, OMP_NUM_THREADS="1"))
    log = open(tmp_path / "voila.log", "w")
    proc = subprocess.Popen(voila_command(nb, port, "127.0.0.1", pool_size=1, cull_idle_s=2), env=env,
                            cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 90
        while _kernels_of(proc.pid) < 1:          # the pool kernel is up
            assert proc.poll() is None and time.time() < deadline, (tmp_path / "voila.log").read_text()
            time.sleep(0.3)
        url = printed_url(tmp_path / "voila.log", proc, deadline)     # with the token Voila made
        status, html = _get(port, "/?" + url.partition("?")[2])
        assert status == 200 and "naoviz-cull-42" in html
        while _kernels_of(proc.pid) < 2:          # the visit took the pool kernel; the pool refills
            assert time.time() < deadline, (tmp_path / "voila.log").read_text()
            time.sleep(0.3)
        while _kernels_of(proc.pid) > 1:          # the visit's kernel, never connected, is culled
            assert time.time() < deadline, (tmp_path / "voila.log").read_text()
            time.sleep(0.5)
        time.sleep(3)
        assert _kernels_of(proc.pid) == 1         # the pool kernel is never culled
        assert "Culling kernel" in (tmp_path / "voila.log").read_text()
    finally:
        proc.terminate()
        proc.wait(20)
        log.close()


def _children(pid: int) -> list[tuple[int, str, bytes]]:
    """(pid, state, cmdline) of every child process of ``pid``."""
    return [(k, f[0], command_line(k)) for k in sorted(children(pid)) if (f := stat(k))]


def test_the_finished_warm_up_is_reaped_not_left_a_zombie(tmp_path):
    """``naoviz dashboard`` runs the explorer's warm-up beside Voila; once it has finished (at once for the
    shipped digits atlas) the dashboard waits for it, so no defunct child stays until the dashboard exits."""
    port = _free_port()
    log = open(tmp_path / "dashboard.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "naoviz.cli", "dashboard", "--port", str(port), "--table",
                             "nb201-digits"], env=dict(os.environ, OMP_NUM_THREADS="1"), cwd=tmp_path,
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 90
        while True:
            kids = _children(proc.pid)
            warm = [k for k in kids if b"explorer_plan" in k[2]]
            started = any(b"voila" in k[2] for k in kids)
            if started and not any(state != "Z" for _, state, _ in warm):
                break                                  # Voila is up and the warm-up has exited (or was reaped)
            assert proc.poll() is None and time.time() < deadline, (tmp_path / "dashboard.log").read_text()
            time.sleep(0.3)
        while [k for k in _children(proc.pid) if k[1] == "Z"]:      # reaped soon, not when the dashboard exits
            assert proc.poll() is None and time.time() < deadline, _children(proc.pid)
            time.sleep(0.1)
        first = (tmp_path / "dashboard.log").read_text().splitlines()[0]
        assert first.endswith("(Ctrl-C to stop; the digits table's model and map ship with naoviz: nothing to "
                              "train)"), first            # not NAS-Bench-201's first start, which it does not serve
    finally:
        proc.terminate()
        proc.wait(30)
        log.close()


def test_the_url_line_says_what_the_first_start_on_a_table_file_does(tmp_path):
    """`naoviz dashboard --table pets_table.csv` (docs/ui.md) trains that table's model and map on its first
    start; the line with the URL said the digits table's ship and NAS-Bench-201's are trained, neither served."""
    import naoviz
    rows = (Path(naoviz.__file__).parent / "resources" / "nb201_digits.csv").read_text().splitlines()[:201]
    (tmp_path / "pets_table.csv").write_text("\n".join(rows) + "\n")
    proc = subprocess.Popen([sys.executable, "-m", "naoviz.cli", "dashboard", "--port", str(_free_port()),
                             "--table", "pets_table.csv", "--pool-size", "0"], cwd=tmp_path, text=True,
                            env=dict(os.environ, OMP_NUM_THREADS="1", NAOVIZ_CACHE=str(tmp_path / "cache")),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        line = ""
        while "naoviz dashboard:" not in line:
            line = proc.stderr.readline()
            assert line, "the dashboard ended before printing its URL"
    finally:
        proc.terminate()
        proc.wait(60)
        proc.stderr.close()
    assert line.rstrip().endswith("(Ctrl-C to stop; pets_table.csv's model and map are trained and cached on its "
                                  "first start, later starts are quick)"), line
    assert "digits" not in line and "NAS-Bench-201" not in line, line


def test_a_killed_dashboard_takes_its_voila_server_with_it(tmp_path):
    """`kill -9` of `naoviz dashboard` runs no handler, so it cannot stop its children: Voila (and its kernel
    pool) kept serving the port until found and killed by hand. Voila now stops once its parent is gone."""
    port = _free_port()
    log = open(tmp_path / "dashboard.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "naoviz.cli", "dashboard", "--port", str(port), "--table",
                             "nb201-digits", "--pool-size", "0"], env=dict(os.environ, OMP_NUM_THREADS="1"),
                            cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)
    voila: list[int] = []
    try:
        deadline = time.time() + 120
        while True:                                    # Voila answers on the port
            assert proc.poll() is None and time.time() < deadline, (tmp_path / "dashboard.log").read_text()
            try:
                if _get(port, "/")[0] in (200, 302):
                    break
            except OSError:
                pass
            time.sleep(0.5)
            voila = [pid for pid, _, cmd in _children(proc.pid) if b"voila" in cmd]
        assert voila, _children(proc.pid)
        proc.kill()
        proc.wait(10)
        deadline = time.time() + 30
        while [pid for pid in voila if alive(pid)]:
            assert time.time() < deadline, ("Voila still running after its dashboard was killed", voila)
            time.sleep(0.3)
        with pytest.raises(OSError):                   # nothing serves the port any more
            _get(port, "/")
    finally:
        if proc.poll() is None:
            proc.kill()
        for pid in voila:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        log.close()
