"""A ``--local-cluster`` is reachable from this machine only: scheduler, dashboard, nannies and workers all
listen on 127.0.0.1 (checked on the real sockets of this process and of every process the cluster spawned)."""
from __future__ import annotations

import os

import pytest

from naoviz.evaluate import ClusterConfig, Executors

pytest.importorskip("distributed")
psutil = pytest.importorskip("psutil")


def _listening(pids) -> set[tuple[int, str, int]]:
    out = set()
    for pid in pids:
        try:
            conns = psutil.Process(pid).net_connections(kind="inet")
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        out |= {(pid, c.laddr.ip, c.laddr.port) for c in conns if c.status == psutil.CONN_LISTEN}
    return out


def test_local_cluster_listens_on_loopback_only():
    me = psutil.Process(os.getpid())
    before = _listening([me.pid])
    with Executors(ClusterConfig(local_cluster=1, retries=0)) as executor:
        executors_client = executor
        assert executors_client.submit(pow, 2, 5).result(timeout=60) == 32
        pids = [me.pid] + [p.pid for p in me.children(recursive=True)]
        sockets = _listening(pids) - before
    assert len({pid for pid, _, _ in sockets}) >= 2, sockets    # the scheduler here, a worker elsewhere
    assert len(sockets) >= 3, sockets                           # scheduler + dashboard + a worker at least
    exposed = sorted(s for s in sockets if s[1] not in ("127.0.0.1", "::1"))
    assert not exposed, f"listening beyond loopback: {exposed}"
