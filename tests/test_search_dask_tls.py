"""A ``--local-cluster`` speaks mutual TLS with a key made for it: another account of the machine, which reaches
127.0.0.1 too, cannot connect to its scheduler (plain tcp, TLS without a certificate, TLS with a certificate of its
own), while the search runs on the workers. A ``--scheduler tls://...`` takes the user's certificates from Dask's
config; missing or refused ones are one line, not a traceback."""
from __future__ import annotations

import asyncio
import ssl

import pytest

from naoviz.evaluate import ClusterConfig, Executors

pytest.importorskip("distributed")
pytest.importorskip("cryptography")


def _connects(address: str, **kwargs) -> bool:
    """Whether Dask's comm layer completes a connection (the TLS handshake included) to ``address``."""
    from distributed.comm import connect

    async def attempt():
        comm = await asyncio.wait_for(connect(address, timeout=5, **kwargs), 10)
        await comm.close()

    try:
        asyncio.run(attempt())
    except (OSError, asyncio.TimeoutError, TypeError):      # refused, reset, handshake failed; no ssl_context
        return False
    return True


def _other_certificate_context() -> ssl.SSLContext:
    """A client TLS context holding a certificate of its own (another user's Security.temporary)."""
    import os
    import tempfile

    from distributed.security import Security
    other = Security.temporary()
    ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE       # it trusts any server; the server must not
    with tempfile.TemporaryDirectory() as tmp:
        cert, key = os.path.join(tmp, "c.pem"), os.path.join(tmp, "k.pem")
        with open(cert, "w") as f:
            f.write(other.tls_client_cert)
        with open(key, "w") as f:
            f.write(other.tls_client_key)
        ctx.load_cert_chain(cert, key)
    return ctx


@pytest.mark.timeout(240)
def test_a_local_cluster_refuses_connections_without_its_key_and_still_runs_the_work():
    from distributed import Client
    executors = Executors(ClusterConfig(local_cluster=1, retries=0))
    with executors as executor:
        assert executor.submit(pow, 2, 5).result(timeout=60) == 32            # the workers run the work
        address = executors.client.scheduler.address
        assert address.startswith("tls://127.0.0.1:"), address
        plain = "tcp://" + address[len("tls://"):]
        assert not _connects(plain)                                           # plain tcp: reset in the handshake
        anything = ssl.create_default_context()
        anything.check_hostname, anything.verify_mode = False, ssl.CERT_NONE
        assert not _connects(address, ssl_context=anything)                   # TLS, no certificate
        assert not _connects(address, ssl_context=_other_certificate_context())   # TLS, someone else's cert
        assert _connects(address, **executors.client.security.get_connection_args("client"))   # the cluster's own
        for attempt in (plain, address):                                      # nor as a Dask client
            with pytest.raises((OSError, TypeError)):
                Client(attempt, timeout="5s")
        workers = executors.client.scheduler_info()["workers"]
        assert workers and all(w.startswith("tls://127.0.0.1:") for w in workers), workers


@pytest.fixture(scope="module")
def tls_scheduler(tmp_path_factory):
    """A real TLS scheduler with one worker, its certificate and key written to files (as a user's own cluster
    would have them): (address, cert path, key path)."""
    from distributed import LocalCluster
    from distributed.security import Security
    security = Security.temporary()
    folder = tmp_path_factory.mktemp("certs")
    cert, key = folder / "dask.crt", folder / "dask.key"
    cert.write_text(security.tls_client_cert)
    key.write_text(security.tls_client_key)
    key.chmod(0o600)
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, host="127.0.0.1", security=security,
                      dashboard_address=None) as cluster:
        yield cluster.scheduler_address, cert, key


def _search(capsys, address):
    from naoviz.cli import main
    rc = main(["search", "--algo", "rs", "--queries", "5", "--no-progress", "--scheduler", address])
    err = capsys.readouterr().err
    return rc, [line for line in err.splitlines() if line.strip()]


@pytest.mark.timeout(180)
def test_a_tls_scheduler_without_certificates_in_dasks_config_is_one_line(capsys, monkeypatch, tls_scheduler,
                                                                        tmp_path):
    import dask
    address, cert, key = tls_scheduler
    for name in ("ca-file", "client.cert", "client.key"):
        monkeypatch.delenv("DASK_DISTRIBUTED__COMM__TLS__" + name.upper().replace(".", "__").replace("-", "_"),
                           raising=False)
    with dask.config.set({"distributed.comm.tls.ca-file": None, "distributed.comm.tls.client.cert": None,
                          "distributed.comm.tls.client.key": None}):
        rc, lines = _search(capsys, address)
    assert rc == 2 and len(lines) == 1, lines
    assert f": --scheduler: {address} is a TLS scheduler" in lines[0], lines
    assert "DASK_DISTRIBUTED__COMM__TLS__CA_FILE" in lines[0] and "DASK_DISTRIBUTED__COMM__TLS__CLIENT__CERT" in lines[0]
    with dask.config.set({"distributed.comm.tls.ca-file": str(cert),
                          "distributed.comm.tls.client.cert": str(cert),
                          "distributed.comm.tls.client.key": str(tmp_path / "gone.key")}):
        rc, lines = _search(capsys, address)
    assert rc == 2 and len(lines) == 1 and "distributed.comm.tls.client.key" in lines[0], lines
    assert "no readable file" in lines[0], lines


@pytest.mark.timeout(180)
def test_a_tls_scheduler_that_refuses_the_certificate_is_one_line(capsys, tls_scheduler, tmp_path):
    import dask
    from distributed.security import Security
    address, _, _ = tls_scheduler
    other = Security.temporary()                    # a certificate the scheduler's CA did not sign
    cert, key = tmp_path / "other.crt", tmp_path / "other.key"
    cert.write_text(other.tls_client_cert)
    key.write_text(other.tls_client_key)
    with dask.config.set({"distributed.comm.tls.ca-file": str(cert), "distributed.comm.tls.client.cert": str(cert),
                          "distributed.comm.tls.client.key": str(key)}):
        rc, lines = _search(capsys, address)
    assert rc == 2 and len(lines) == 1 and "refused the TLS handshake" in lines[0] and address in lines[0], lines


@pytest.mark.timeout(180)
def test_a_tls_scheduler_with_the_users_certificates_runs_the_work(tls_scheduler):
    import dask
    address, cert, key = tls_scheduler
    with dask.config.set({"distributed.comm.tls.ca-file": str(cert), "distributed.comm.tls.client.cert": str(cert),
                          "distributed.comm.tls.client.key": str(key)}):
        with Executors(ClusterConfig(scheduler=address, retries=0)) as executor:
            assert executor.submit(pow, 3, 4).result(timeout=60) == 81


def _certificates(folder):
    """A certificate and key (Security.temporary's) written to files: (cert path, key path)."""
    from distributed.security import Security
    security = Security.temporary()
    cert, key = folder / "c.pem", folder / "k.pem"
    cert.write_text(security.tls_client_cert)
    key.write_text(security.tls_client_key)
    return cert, key


def _search_with_certificates(capsys, address, cert, key):
    import dask
    with dask.config.set({"distributed.comm.tls.ca-file": str(cert), "distributed.comm.tls.client.cert": str(cert),
                          "distributed.comm.tls.client.key": str(key)}):
        return _search(capsys, address)


@pytest.mark.timeout(60)
def test_a_tls_address_that_accepts_and_never_answers_the_tls_handshake_is_one_line(capsys, monkeypatch,
                                                                                   tmp_path):
    """A socket that accepts and says nothing (a firewall that drops, a tcp:// scheduler given as tls://): one
    line naming the TLS handshake within CONNECT_S (before: "cannot reach" the scheduler it had reached)."""
    import socket

    from naoviz import executors
    cert, key = _certificates(tmp_path)
    monkeypatch.setattr(executors, "CONNECT_S", 1.0)
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)                           # the kernel accepts; nobody reads or writes
    address = f"tls://127.0.0.1:{server.getsockname()[1]}"
    try:
        rc, lines = _search_with_certificates(capsys, address, cert, key)
    finally:
        server.close()
    assert rc == 2 and len(lines) == 1 and f"--scheduler: {address} accepted the connection" in lines[0], lines
    assert "did not complete the TLS handshake within 1 s" in lines[0], lines


@pytest.mark.timeout(60)
def test_a_tls_peer_that_completes_tls_and_says_nothing_is_one_line(capsys, monkeypatch, tmp_path):
    """A TLS server that completes the handshake and never speaks (a TLS proxy whose backend is gone, another
    TLS service): Dask waits for the scheduler's handshake for ever (`naoviz search` hung > 60 s); naoviz gives up
    after HANDSHAKE_S with one line (a hang: the timeout mark)."""
    import socket
    import threading

    from naoviz import executors
    cert, key = _certificates(tmp_path)
    monkeypatch.setattr(executors, "HANDSHAKE_S", 2.0)
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(str(cert), str(key))
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    held = []

    def serve():
        while True:
            try:
                conn, _ = server.accept()
            except OSError:                    # closed at the end of the test
                return
            try:
                held.append(server_ctx.wrap_socket(conn, server_side=True))    # TLS done, then silence
            except (OSError, ssl.SSLError):
                conn.close()

    threading.Thread(target=serve, daemon=True).start()
    address = f"tls://127.0.0.1:{server.getsockname()[1]}"
    try:
        rc, lines = _search_with_certificates(capsys, address, cert, key)
    finally:
        server.close()
        for conn in held:
            conn.close()
    assert held, "the TLS handshake was never completed: this test would not test the silent scheduler"
    assert rc == 2 and len(lines) == 1 and f"--scheduler: {address} accepted the connection" in lines[0], lines
    assert "sent no Dask handshake within 2 s" in lines[0], lines


@pytest.mark.timeout(60)
def test_a_security_loader_that_fails_is_one_line(capsys):
    """A ``distributed.client.security-loader`` that cannot be imported: one line naming it (it is called once,
    before the handshake check, whose connection then uses its credentials like the client's)."""
    import dask
    with dask.config.set({"distributed.client.security-loader": "naoviz_no_such_module.loader"}):
        rc, lines = _search(capsys, "tls://127.0.0.1:9")
    assert rc == 2 and len(lines) == 1, lines
    assert "--scheduler: Dask's distributed.client.security-loader 'naoviz_no_such_module.loader' failed" in lines[0]
