"""Local Dask workers and GPUs: one worker per GPU, each pinned with ``CUDA_VISIBLE_DEVICES``; CPU workers
otherwise. The choice is a pure function of the GPU count (tested without CUDA); a real cluster started with
an injected GPU count shows the pins reach the workers; the CUDA test skips cleanly without CUDA."""
from __future__ import annotations

import os

import pytest

from naoviz.cli import main
from naoviz.executors import ClusterConfig, Executors, worker_environments


def test_auto_is_one_worker_per_gpu_or_cpu_workers():
    assert worker_environments("auto", 4) == [{"CUDA_VISIBLE_DEVICES": str(i)} for i in range(4)]
    assert worker_environments("auto", 0, cpu_workers=3) == [{}, {}, {}]
    assert worker_environments("auto", 1) == [{"CUDA_VISIBLE_DEVICES": "0"}]


def test_n_workers_are_pinned_to_the_gpus_in_turn():
    assert [e["CUDA_VISIBLE_DEVICES"] for e in worker_environments(5, 2)] == ["0", "1", "0", "1", "0"]
    assert worker_environments(2, 0) == [{}, {}]              # no GPU: CPU workers, environment untouched
    assert len(worker_environments(1, 8)) == 1


def test_pins_keep_to_the_devices_this_process_may_use():
    assert [e["CUDA_VISIBLE_DEVICES"] for e in worker_environments("auto", 2, visible="2, 5")] == ["2", "5"]
    assert [e["CUDA_VISIBLE_DEVICES"] for e in worker_environments(3, 2, visible="GPU-a1,GPU-b2")] == \
        ["GPU-a1", "GPU-b2", "GPU-a1"]
    assert [e["CUDA_VISIBLE_DEVICES"] for e in worker_environments("auto", 1, visible="3,4")] == ["3"]
    assert worker_environments("auto", 2, visible="")[1] == {"CUDA_VISIBLE_DEVICES": "1"}


@pytest.mark.parametrize("workers, gpus", [(0, 1), (-1, 0), ("x", 0), (True, 0), (2, -1), (2, 1.5), (2, True)])
def test_bad_counts_are_refused(workers, gpus):
    with pytest.raises(ValueError):
        worker_environments(workers, gpus)


def _pin() -> tuple:
    return os.environ.get("CUDA_VISIBLE_DEVICES"), os.environ.get("MALLOC_TRIM_THRESHOLD_")


def test_a_local_cluster_pins_its_workers():
    """Three real worker processes on two (claimed) GPUs: the pins reach them, next to the malloc settings."""
    pytest.importorskip("distributed")
    executors = Executors(ClusterConfig(local_cluster=3, gpus=2, retries=0))
    with executors:
        got = sorted(executors.client.run(_pin).values())
    assert got == [("0", str(256 * 2**20)), ("0", str(256 * 2**20)), ("1", str(256 * 2**20))]


def test_cli_accepts_auto(capsys, monkeypatch):
    """``--local-cluster auto`` on this machine (one worker per GPU on a GPU machine; without a GPU one per
    usable core, which the test caps at 2 so a many-core CI runner does not start dozens)."""
    pytest.importorskip("distributed")
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    code = main(["search", "--algo", "rs", "--queries", "3", "--local-cluster", "auto", "--no-progress", "--json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert '"history"' in out.out


def test_cuda_workers_see_one_gpu_each():
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    pytest.importorskip("distributed")
    n = torch.cuda.device_count()

    def seen() -> tuple:
        import torch
        return os.environ.get("CUDA_VISIBLE_DEVICES"), torch.cuda.device_count(), torch.cuda.get_device_name(0)

    executors = Executors(ClusterConfig(local_cluster="auto"))
    with executors:
        got = list(executors.client.run(seen).values())
    assert len(got) == n and all(count == 1 for _, count, _ in got)
    assert len({pin for pin, _, _ in got}) == n
