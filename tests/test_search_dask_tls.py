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
