"""A ``--local-cluster`` keeps its Dask scratch folders in a folder of the user's own. Dask's default,
``<tmp>/dask-scratch-space``, is one name for every account of the machine, and Dask puts each scratch folder
first on ``sys.path`` (naoviz's process's and the workers'): another user who made that folder first could have
naoviz and its workers import a module of theirs in place of the real one."""
from __future__ import annotations

import importlib.util
import os
import sys

import pytest

from naoviz.evaluate import ClusterConfig, Executors

pytest.importorskip("distributed")

PLANTED = "naoviz_planted_by_another_user"


@pytest.mark.timeout(240)
def test_a_local_cluster_imports_nothing_from_a_scratch_folder_another_user_made(tmp_path):
    import dask
    shared = tmp_path / "dask-scratch-space"          # another account made it first, open to all
    shared.mkdir(mode=0o777)
    os.chmod(shared, 0o777)
    (shared / f"{PLANTED}.py").write_text("RAN = True\n")
    with dask.config.set({"temporary-directory": str(tmp_path)}):
        executors = Executors(ClusterConfig(local_cluster=1, retries=0))
        with executors as executor:
            here = importlib.util.find_spec(PLANTED)
            there = executor.submit(lambda name: importlib.util.find_spec(name) is None, PLANTED).result(timeout=60)
            scratch = executor.submit(lambda: [p for p in sys.path if "dask-scratch-space" in p]).result(timeout=60)
    assert here is None, f"naoviz's process would import {here.origin}"
    assert there, "a worker would import the module planted in the shared scratch folder"
    assert scratch and not any(p.startswith(str(shared)) for p in scratch), scratch
    assert sorted(p.name for p in shared.iterdir()) == [f"{PLANTED}.py"]         # nothing written there
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dask-scratch-space"]  # the private one is removed
    assert not any(p.startswith(str(tmp_path)) for p in sys.path), "sys.path keeps a removed folder's name"
