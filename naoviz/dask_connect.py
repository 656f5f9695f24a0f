"""Connecting safely to a Dask scheduler: TLS credentials for a ``tls://`` address or a local cluster, and a
handshake read with a time limit, so a wrong or silent peer is one line naming ``--scheduler``, never a hang.

Used by :class:`naoviz.executors.Executors`; its ``CONNECT_S`` and ``HANDSHAKE_S`` are the limits it passes.
"""
from __future__ import annotations

import os
import threading
from typing import Optional


TLS_CONFIG = (("ca-file", "distributed.comm.tls.ca-file"), ("client cert", "distributed.comm.tls.client.cert"))
TLS_FILES = TLS_CONFIG + (("client key", "distributed.comm.tls.client.key"),)


def check_tls_config(address: str) -> None:
    """Before connecting to a ``tls://`` scheduler: Dask's config must name this client's certificate and the
    cluster's CA (``distributed.comm.tls.ca-file``, ``.client.cert``, ``.client.key`` unless the key is in the
    cert file; ``DASK_DISTRIBUTED__COMM__TLS__CA_FILE`` etc. in the environment, or a YAML file in
    ``~/.config/dask``), each a readable file; else a NaovizError of one line naming what is missing (Dask itself
    fails with a TypeError about an ``ssl_context``). Not checked when a ``distributed.client.security-loader``
    supplies the credentials."""
    import dask
    if not address.startswith("tls://") or dask.config.get("distributed.client.security-loader", None):
        return
    from naoviz.errors import NaovizError
    missing = [key for _, key in TLS_CONFIG if not dask.config.get(key, None)]
    if missing:
        env = ", ".join("DASK_" + k.upper().replace(".", "__").replace("-", "_") + "=PATH" for k in missing)
        raise NaovizError(f"--scheduler: {address} is a TLS scheduler, and Dask's config names no "
                          f"{' or '.join(missing)}: give your certificate files ({env}; docs/security.md)")
    for what, key in TLS_FILES:
        value = dask.config.get(key, None)
        if value and "\n" not in str(value) and not os.access(os.path.expanduser(str(value)), os.R_OK):
            raise NaovizError(f"--scheduler: {key} ({what}) {str(value)[:120]!r} is no readable file")


def client_security(address: str):
    """The Dask ``Security`` a ``Client`` of ``address`` would use: the ``distributed.client.security-loader``'s
    if one is configured (called once, here), else the ``distributed.comm.tls`` config; the handshake check and the
    client then connect alike. A loader that fails is a NaovizError of one line."""
    import dask
    from distributed.security import Security
    term = dask.config.get("distributed.client.security-loader", None)
    security = None
    if term:
        from distributed.utils import import_term

        from naoviz.errors import NaovizError
        try:
            security = import_term(term)({"address": address})
        except Exception as exc:
            raise NaovizError(f"--scheduler: Dask's distributed.client.security-loader {str(term)[:120]!r} failed "
                              f"({type(exc).__name__}: {str(exc)[:200]})") from None
    if security is None or security is False:
        return Security()
    return Security(**security) if isinstance(security, dict) else security


def tls_refused(exc: BaseException) -> bool:
    """Whether a failed connection to a ``tls://`` scheduler was the TLS handshake (an SSL error, or the peer
    closing the connection during it), not an unreachable address."""
    import ssl
    seen = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLError) or type(seen).__name__ == "CommClosedError":
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def local_cluster_security():
    """A Dask ``Security`` for one local cluster: a key and a self-signed certificate made now, in memory, that
    the scheduler, the nannies, the workers and this process's client all require of each other (mutual TLS).
    Over plain tcp any other account of a shared machine could connect to the scheduler on 127.0.0.1 and submit
    a pickled function, i.e. run code as the user; without the key a connection is refused in the handshake.
    The workers get it from their nanny's pipe (Dask writes it for a moment into a 0700 temporary folder to load
    it into OpenSSL). Needs the ``cryptography`` package."""
    import importlib.util

    from distributed.security import Security
    if importlib.util.find_spec("cryptography") is None:      # Security.temporary's ImportError, in one line
        from naoviz.errors import NaovizError
        raise NaovizError("local Dask cluster: needs the 'cryptography' package for its TLS key "
                          "(pip install cryptography; a dependency of naoviz)")
    return Security.temporary()


class NoHandshake(Exception):
    """A peer that accepted the connection and never sent Dask's handshake."""


def handshake(address: str, connect_s: float, handshake_s: float, connection_args: Optional[dict] = None) -> None:
    """Connect to a ``tcp://`` or ``tls://`` scheduler and read its handshake, in at most ``handshake_s`` in all
    (``connection_args``: the client's TLS context, ``Security.get_connection_args("client")``). Dask's
    ``connect`` (and so ``Client``) waits for ever on a peer that accepts, completes TLS and says nothing (a
    firewall that accepts and drops, a tls:// scheduler given as tcp://, another service that waits for its
    client to speak, a TLS proxy whose backend is gone). Raises what connecting raised (OSError when
    unreachable, an SSL error when refused), or :class:`NoHandshake`, also for a ``tls://`` peer that accepts
    the connection and never answers the TLS handshake itself (Dask: "Timed out trying to connect")."""
    import asyncio

    from distributed.comm import connect

    outcome: dict = {}
    tls = address.startswith("tls://")

    async def shake():
        try:
            comm = await asyncio.wait_for(connect(address, timeout=connect_s, **(connection_args or {})),
                                          handshake_s)
        except asyncio.TimeoutError:       # connect() itself gives up on an unreachable peer with an OSError
            outcome["stalled"] = True
            return
        await comm.close()

    def run():                   # a thread of its own: the caller may be inside a running event loop (Jupyter)
        try:
            asyncio.run(shake())
        except BaseException as exc:  # noqa: BLE001 - handed to the caller
            outcome["exc"] = exc

    thread = threading.Thread(target=run, name="naoviz-scheduler-handshake", daemon=True)
    thread.start()
    thread.join(handshake_s + 5)
    exc = outcome.get("exc")
    if thread.is_alive() or outcome.get("stalled"):
        hint = "another service there?" if tls else "another service there, or a tls:// scheduler given as tcp://?"
        raise NoHandshake(f"accepted the connection but sent no Dask handshake within {handshake_s:g} s ({hint})")
    if exc is not None:
        if tls and isinstance(exc, OSError) and not tls_refused(exc) and timed_out(exc) \
                and accepts_tcp(address, min(5.0, connect_s)):
            raise NoHandshake(f"accepted the connection but did not complete the TLS handshake within "
                               f"{connect_s:g} s (no TLS service there, or a tcp:// scheduler given as tls://?)")
        raise exc


def timed_out(exc: BaseException) -> bool:
    """Whether Dask's connect gave up for lack of an answer (its attempts timed out), not a refusal."""
    seen = exc
    while seen is not None:
        if isinstance(seen, TimeoutError) or "Timed out" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def accepts_tcp(address: str, timeout_s: float) -> bool:
    """Whether the host and port of ``address`` accept a plain TCP connection (closed at once, nothing sent):
    told apart, a peer that never answers the TLS handshake and an unreachable one. Only asked once the TLS
    connection has timed out, so a real scheduler never sees it."""
    import socket

    from distributed.comm.addressing import get_address_host_port
    try:
        host, port = get_address_host_port(address)
        with socket.create_connection((host, port), timeout=timeout_s):
            return True
    except (OSError, ValueError):
        return False
