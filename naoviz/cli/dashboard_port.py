"""Whether ``naoviz dashboard`` can listen on its ``--ip``/``--port``, asked before Voila starts.

Voila, given a port that is taken, moved on to the next free one and said so only in its log, after naoviz had
printed the URL with the asked-for port: the printed link (with this dashboard's token in it) then opened
whatever else listened there, another user's dashboard on a shared machine. So the port is tried first and a
taken or forbidden one is one line naming ``--port`` (a free port near it suggested), and Voila is told not to
move (``--Voila.port_retries=0``, naoviz.cli.dashboard.voila_command) should the port be taken in between.
``wait_answering``: when Voila answers there, so the link is printed when it opens.
"""
from __future__ import annotations

import errno
import ipaddress
import socket
import time
from typing import Optional


def bind_error(ip: str, port: int) -> Optional[OSError]:
    """The error binding ``ip``:``port`` as Voila's tornado does (every address ``ip`` names, SO_REUSEADDR, an
    IPv6 socket IPv6-only) gives, or None when it binds; the sockets are closed at once."""
    try:
        infos = socket.getaddrinfo(ip, port, socket.AF_UNSPEC, socket.SOCK_STREAM, 0, socket.AI_PASSIVE)
    except socket.gaierror as exc:
        return OSError(errno.EADDRNOTAVAIL, str(exc))
    for family, kind, proto, _, address in dict.fromkeys(infos):
        with socket.socket(family, kind, proto) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            try:
                s.bind(address)
            except OSError as exc:
                if exc.errno == errno.EADDRNOTAVAIL and ip == "localhost" and address[0] == "::1":
                    continue                       # no IPv6 loopback here: tornado skips it too
                return exc
    return None


def check_port(ip: str, port: int) -> None:
    """A ValueError naming ``--port`` (or ``--ip``) when the dashboard could not listen on ``ip``:``port``."""
    exc = bind_error(ip, port)
    if exc is None:
        return
    if exc.errno == errno.EADDRINUSE:
        free = next((p for p in range(port + 1, min(port + 50, 65535) + 1) if bind_error(ip, p) is None), None)
        hint = f"give a free one (--port {free} is)" if free else "give another"
        raise ValueError(f"--port: in use on {ip} (a dashboard or another server already listens there): "
                         f"{hint}, got {port}")
    if exc.errno == errno.EACCES:
        raise ValueError(f"--port: this user may not listen on ports below 1024: give one from 1024 up, got {port}")
    if exc.errno == errno.EADDRNOTAVAIL:
        raise ValueError(f"--ip: not an address of this machine, got {ip!r}")
    raise ValueError(f"--port: cannot listen on {ip}:{port} ({exc.strerror or exc}), got {port}")


def wait_answering(server, ip: str, port: int, timeout_s: float = 120.0, path: str = "/voila/static/voila.js") -> bool:
    """Wait until the server on ``ip``:``port`` (an unspecified ``ip``: on loopback) answers a request for ``path``
    (a static file: no kernel, no log line) while the process ``server`` runs: True when it does (or ``timeout_s``
    passed with it running), False when it exited. An answer, not an accepted connection: Voila accepts connections
    as it starts listening and logs its own address after that, but answers only once its loop runs, after the log
    line, so a link printed then is below Voila's address (a connection alone printed it above, now and then)."""
    host = ip
    if ip != "localhost" and ipaddress.ip_address(ip).is_unspecified:          # every interface: ask loopback
        host = "::1" if ipaddress.ip_address(ip).version == 6 else "127.0.0.1"
    deadline = time.monotonic() + timeout_s
    while server.poll() is None:
        try:
            with socket.create_connection((host, port), timeout=1.0) as conn:
                conn.sendall(f"HEAD {path} HTTP/1.0\r\n\r\n".encode())
                conn.recv(1)          # any reply, or the server closing the connection: its loop runs
                return True
        except OSError:               # refused, or no reply within the second (socket.timeout): asked again
            if time.monotonic() > deadline:
                return True
            time.sleep(0.2)
    return False
