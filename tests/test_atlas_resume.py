"""A stopped atlas build resumes (naoviz/atlas_resume.py, ``build_atlas(resume_dir=...)``, the atlas cache's
``<atlas>.partial`` folder): stopped at any stage, in-process or by SIGKILL of a real build process, the next
build takes up the saved stages and gives the same arrays as an uninterrupted build; corrupt files are
rebuilt with a warning, a folder of another build is never used."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from test_atlas import _arrays

ROOT = Path(__file__).resolve().parent.parent
WORKER = Path(__file__).with_name("_atlas_worker.py")
TINY = dict(n_train=120, overrides={"epochs": 4, "hidden_size": 16, "mlp_hidden": 16, "batch_size": 40})
OPTS = dict(etas=np.linspace(0, 8, 9), seeds=list(range(0, 6466, 3)), maps=("pca",), path_chunk=300)
# 9 etas: 113 seeds per decode batch, so 226 seeds per saved paths chunk (2,156 seeds: 10 chunks), and
# 19,404 moved points: 3 placing chunks of 8,192.


class Stop(Exception):
    """Raised from the progress callback: the build stops there, as a Ctrl-C would."""


@pytest.fixture(scope="module")
def digits_model():
    import torch
    torch.set_num_threads(1)
    from naoviz.nao.cache import ModelSpec, load_or_train
    from naoviz.tables import load_benchmark
    digits = load_benchmark("nb201-digits")
    return load_or_train(digits, ModelSpec(**TINY))[0], digits


@pytest.fixture(scope="module")
def reference(digits_model):
    """The uninterrupted build, with no checkpoint folder at all."""
    from naoviz.atlas_build import build_atlas
    return build_atlas(*digits_model, **OPTS)


def _assert_same(a, b) -> None:
    assert a.labels == b.labels and a.n_table == b.n_table
    got = _arrays(b)
    for name, arr in _arrays(a).items():
        assert got[name].dtype == arr.dtype and np.array_equal(got[name], arr, equal_nan=True), name


def _stopped(model, bench, folder, stage, at, **opts):
    """Run a build with checkpoints in ``folder`` until ``stage`` reports ``done >= at``."""
    from naoviz.atlas_build import build_atlas

    def progress(s, done, total):
        if s == stage and done >= at:
            raise Stop

    with pytest.raises(Stop):
        build_atlas(model, bench, resume_dir=folder, progress=progress, **{**OPTS, **opts})


def _resumed(model, bench, folder):
    from naoviz.atlas_build import build_atlas
    stages, notes = [], []
    atlas = build_atlas(model, bench, resume_dir=folder, progress=lambda *s: stages.append(s),
                        on_resume=notes.append, **OPTS)
    return atlas, stages, notes


@pytest.mark.parametrize("stage,at,note", [
    ("map:pca", 0, "resuming a stopped build: embed done; paths 0/2156"),
    ("paths", 700, "resuming a stopped build: embed, map:pca done; paths 678/2156"),
    ("placing", 16384, "resuming a stopped build: embed, map:pca done; paths 2156/2156; placing 16384/19404"),
])
def test_a_build_stopped_anywhere_resumes_to_the_same_atlas(digits_model, reference, tmp_path, stage, at, note):
    model, bench = digits_model
    _stopped(model, bench, tmp_path, stage, at)
    assert (tmp_path / "manifest.json").is_file() and (tmp_path / "embed.safetensors").is_file()
    atlas, stages, notes = _resumed(model, bench, tmp_path)
    _assert_same(reference, atlas)
    assert notes == [note] and atlas.meta["resumed"] == note and "resumed" not in reference.meta
    assert stages[0] == ("embed", 6466, 6466)                  # reported done, not started again
    if stage != "map:pca":
        assert ("map:pca", 0, 1) not in stages and ("map:pca", 1, 1) in stages
        paths = [done for s, done, _ in stages if s == "paths"]
        assert paths == sorted(paths) and paths[-1] == 2156
    assert not list(tmp_path.glob(".*.tmp"))                   # every write finished (atomic)


def test_corrupt_checkpoints_are_rebuilt_with_a_warning(digits_model, reference, tmp_path):
    model, bench = digits_model
    _stopped(model, bench, tmp_path, "placing", 16384)
    embed = tmp_path / "embed.safetensors"
    embed.write_bytes(embed.read_bytes()[: embed.stat().st_size // 2])           # truncated
    (tmp_path / "paths-0000226.safetensors").write_bytes(b"\x00" * 100)           # garbage
    from safetensors.numpy import save_file                                       # readable, wrong shape
    save_file({"xy": np.zeros((5, 2))}, str(tmp_path / "place-pca-000000000.safetensors"))
    with pytest.warns(UserWarning, match="corrupt checkpoint") as caught:
        atlas, stages, notes = _resumed(model, bench, tmp_path)
    messages = " ".join(str(w.message) for w in caught)
    assert "embed.safetensors" in messages and "paths-0000226" in messages and "place-pca-000000000" in messages
    _assert_same(reference, atlas)
    assert ("embed", 0, 6466) in stages                                           # embed rebuilt


def test_a_partial_folder_of_other_options_or_another_model_is_not_used(digits_model, reference, tmp_path):
    from naoviz.atlas_build import build_atlas
    from naoviz.atlas_resume import build_key
    model, bench = digits_model
    _stopped(model, bench, tmp_path, "placing", 8192, etas=np.linspace(0, 4, 9))  # other etas
    with pytest.warns(UserWarning, match="another model or other options"):
        atlas, stages, notes = _resumed(model, bench, tmp_path)
    assert notes == [] and "resumed" not in atlas.meta and ("embed", 0, 6466) in stages
    _assert_same(reference, atlas)
    # the key follows the model's weights, not only its name: one weight nudged, another key
    import torch
    labels, seeds = ["a", "b"], np.arange(2)
    before = build_key(model, labels, seeds, {})
    param = next(model.net_.parameters())
    with torch.no_grad():
        param.view(-1)[0] += 1e-6
        nudged = build_key(model, labels, seeds, {})
        param.view(-1)[0] -= 1e-6
    assert nudged != before and build_key(model, labels, seeds, {"etas": [0, 1]}) != before
    with pytest.raises(ValueError, match="path_chunk"):
        build_atlas(model, bench, **{**OPTS, "path_chunk": 0})


def _worker(folder: Path, mode: str, env: dict) -> subprocess.Popen:
    path = os.pathsep.join([str(ROOT)] + [p for p in [os.environ.get("PYTHONPATH")] if p])
    env = {**os.environ, **env, "PYTHONPATH": path}
    return subprocess.Popen([sys.executable, str(WORKER), str(folder), mode], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)


def _finish(proc: subprocess.Popen) -> tuple[dict, str]:
    out, err = proc.communicate(timeout=180)
    assert proc.returncode == 0, err[-3000:]
    return json.loads(out.strip().splitlines()[-1]), err


def test_a_killed_build_process_resumes_to_the_same_atlas(tmp_path):
    from naoviz.atlas import Atlas
    from test_locks import _wait_for
    env = {"NAOVIZ_CACHE": str(tmp_path / "cache"), "OMP_NUM_THREADS": "1"}
    first, _ = _finish(_worker(tmp_path, "run", env))             # uninterrupted (trains the tiny model)
    base = Path(first["base"])
    reference = Atlas.load(base)
    assert first["resumed"] == [] and not base.with_name(base.name + ".partial").exists()
    for suffix in (".json", ".safetensors"):                       # the model stays cached, the atlas goes
        base.with_suffix(suffix).unlink()

    proc = _worker(tmp_path, "stop", env)
    try:
        _wait_for(tmp_path / "checkpointed", proc)
        partial = base.with_name(base.name + ".partial")
        assert {p.name for p in partial.iterdir()} >= {"manifest.json", "embed.safetensors", "map-pca.safetensors",
                                                        "paths-0000000.safetensors"}
        os.kill(proc.pid, signal.SIGKILL)                          # no finally, no atexit: as a closed laptop
        proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL and not base.with_suffix(".json").exists()

    again, err = _finish(_worker(tmp_path, "run", env))
    assert again["resumed"] == ["resuming a stopped build: embed, map:pca done; paths 452/2156"]
    assert "naoviz atlas: resuming a stopped build: embed, map:pca done; paths 452/2156" in err
    assert again["stages"][0] == ["embed", 6466, 6466] and ["paths", 0, 2156] in again["stages"]
    assert not partial.exists()                                    # removed once the atlas is saved
    _assert_same(reference, Atlas.load(base))
    shutil.rmtree(tmp_path / "cache", ignore_errors=True)
