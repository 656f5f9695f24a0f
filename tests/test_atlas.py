"""The atlas (naoviz/atlas.py, naoviz/atlas_build.py): built from a tiny real model on real tables, its paths
equal ``NAO.path`` seed by seed, same seed same arrays, and the file round-trips or is refused clearly."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from naoviz.atlas import Atlas

ROOT = Path(__file__).resolve().parent.parent
TINY = dict(n_train=120, overrides={"epochs": 4, "hidden_size": 16, "mlp_hidden": 16, "batch_size": 40})
ETAS = np.linspace(0, 8, 9)


def _arrays(atlas: Atlas) -> dict:
    out = {k: getattr(atlas, k) for k in ("predicted", "class_of", "class_size", "neighbours", "neighbour_dist",
                                          "etas", "seeds", "path_decoded", "path_pred_moved", "path_pred_decoded")}
    out.update({f"map.{k}": v for k, v in atlas.maps.items()})
    out.update({f"path_map.{k}": v for k, v in atlas.path_maps.items()})
    out.update({f"column.{k}": v for k, v in atlas.columns.items()})
    out.update({f"path_jump.{k}": v for k, v in atlas.path_jump_maps.items()})
    return out


@pytest.fixture(scope="module")
def nb201_model(nb201_table):
    import torch
    torch.set_num_threads(1)
    from naoviz.nao.cache import ModelSpec, load_or_train
    spec = ModelSpec(**TINY)
    return load_or_train(nb201_table, spec)[0], spec


@pytest.fixture(scope="module")
def nb201_atlas(nb201_model, nb201_table):
    from naoviz.atlas_build import build_atlas
    seeds = [0, 7, 1234, 15624]
    stages = []
    atlas = build_atlas(nb201_model[0], nb201_table, etas=ETAS, seeds=seeds, maps=("pca",), k=5,
                        progress=lambda stage, done, total: stages.append((stage, done, total)))
    return atlas, stages


def test_paths_equal_nao_path_seed_by_seed(nb201_atlas, nb201_model, nb201_table):
    atlas, _ = nb201_atlas
    nao = nb201_model[0]
    assert atlas.path_decoded.shape == (4, len(ETAS)) and atlas.path_maps["pca"].shape == (4, len(ETAS), 2)
    for i, row in enumerate(atlas.seeds):
        ref = nao.path(nb201_table.space.from_index(int(row)), ETAS)
        assert [atlas.labels[r] for r in atlas.path_decoded[i]] == [nao.space.format(a) for a in ref.decoded]
        np.testing.assert_allclose(atlas.path_pred_moved[i], ref.predicted, atol=1e-4)
        np.testing.assert_allclose(atlas.path_pred_decoded[i], ref.decoded_predicted, atol=1e-4)
        if atlas.class_of[row] == row:    # eta 0 is a class representative's own point: its class point
            np.testing.assert_allclose(atlas.path_maps["pca"][i, 0], atlas.maps["pca"][row], atol=1e-4)


def test_atlas_contents_on_nb201(nb201_atlas, nb201_table):
    atlas, stages = nb201_atlas
    space = nb201_table.space
    n = len(atlas.labels)
    assert atlas.n_table == n == 15625 and atlas.metric == "valid_acc" and not atlas.lower_is_better
    assert atlas.labels[:3] == [space.format(space.from_index(i)) for i in range(3)]
    # isomorphism classes: 6,466 representatives, sizes sum to the space, members share their point
    reps = np.flatnonzero(atlas.class_of == np.arange(n))
    assert len(reps) == 6466 and atlas.class_size[reps].sum() == 15625
    for row in (5, 100, 9999):
        rep = atlas.class_of[row]
        assert space.canonical(space.from_index(int(row))) == space.canonical(space.from_index(int(rep)))
        assert np.array_equal(atlas.maps["pca"][row], atlas.maps["pca"][rep])
    # neighbours: other classes' representatives, nearest first, distances = 1 - cosine
    assert atlas.neighbours.shape == (n, 5)
    assert np.isin(atlas.neighbours, reps).all()
    assert (atlas.class_of[atlas.neighbours] != atlas.class_of[:, None]).all()
    assert (np.diff(atlas.neighbour_dist, axis=1) >= 0).all()
    np.testing.assert_allclose(atlas.columns["valid_acc"], nb201_table.metric("valid_acc"), rtol=1e-6)
    assert {"test_acc", "cifar10_params_M"} <= set(atlas.columns)
    assert {s for s, _, _ in stages} >= {"embed", "map:pca", "paths", "placing", "neighbours"}
    placing = [(done, total) for s, done, total in stages if s == "placing"]   # the moved points, map by map
    assert placing[0][0] == 0 and placing[-1] == (atlas.path_maps["pca"].size // 2 * len(atlas.maps),) * 2
    assert all(b[0] >= a[0] for a, b in zip(placing, placing[1:]))
    # the dashboard's cold-start line: every stage in words, its count named (it said "(106,496/271,572)")
    from naoviz.atlas_build import STAGES, stage_line
    assert {s.split(":")[0] for s, _, _ in stages} <= set(STAGES)
    done, total = placing[-1]
    assert stage_line("placing", done, total) == f"placing the paths on the maps ({done:,}/{total:,} path points)"
    assert stage_line("map:pca", 0, 1) == "drawing the PCA map" and stage_line("neighbours", 1, 1) == "finding nearest neighbours"


def test_same_seed_same_arrays_and_round_trip(nb201_model, tmp_path):
    from naoviz.atlas_build import build_atlas
    from naoviz.tables import load_benchmark
    digits = load_benchmark("nb201-digits")
    nao = nb201_model[0]   # an NB201-space model; the digits table holds the same space's cells
    a = build_atlas(nao, digits, etas=ETAS, seeds=list(range(0, 6466, 400)), maps=("pca",), model_key="k1")
    b = build_atlas(nao, digits, etas=ETAS, seeds=list(range(0, 6466, 400)), maps=("pca",), model_key="k1")
    for name, arr in _arrays(a).items():
        assert np.array_equal(arr, _arrays(b)[name], equal_nan=True), name
    assert a.labels == b.labels and a.n_table == 6466
    extra = np.arange(a.n_table, len(a.labels))        # decoded cells the one-row-per-class table lacks
    assert np.isin(extra, a.path_decoded).all()
    a.save(tmp_path / "digits")
    c = Atlas.load(tmp_path / "digits")
    assert c.labels == a.labels and c.model_key == "k1" and c.meta["k"] == 10
    for name, arr in _arrays(a).items():
        got = _arrays(c)[name]
        assert got.dtype == arr.dtype and np.array_equal(got, arr, equal_nan=True), name


def test_bad_options_are_refused_before_work(nb201_model, nb201_table):
    from naoviz.atlas_build import build_atlas
    nao = nb201_model[0]
    for kwargs, match in [({"etas": [1, 2]}, "etas"), ({"etas": [0, 2, 1]}, "etas"), ({"etas": [0, float("nan")]}, "etas"),
                          ({"seeds": "some"}, "seeds"), ({"seeds": [15625]}, "seeds"), ({"k": 0}, "k"),
                          ({"maps": ("tsne",)}, "maps"), ({"maps": ()}, "maps"), ({"metric": "nope"}, "metric")]:
        with pytest.raises(ValueError, match=match):
            build_atlas(nao, nb201_table, **kwargs)


def test_corrupt_or_foreign_files_are_refused(tmp_path):
    base = tmp_path / "x"
    with pytest.raises(ValueError, match="not a readable atlas"):
        Atlas.load(base)                                   # nothing there
    base.with_suffix(".json").write_text("{not json")
    base.with_suffix(".safetensors").write_bytes(b"\x00" * 64)
    with pytest.raises(ValueError, match="not a readable atlas"):
        Atlas.load(base)
    base.with_suffix(".json").write_text(json.dumps({"format": 99}))
    from safetensors.numpy import save_file
    save_file({"weights": np.zeros(3, dtype=np.float32)}, str(base.with_suffix(".safetensors")))
    with pytest.raises(ValueError, match="format 99"):
        Atlas.load(base)
    base.with_suffix(".json").write_text(json.dumps({"format": 1}))
    with pytest.raises(ValueError, match="lacks predicted"):
        Atlas.load(base)                                   # a foreign safetensors file (a model's weights)
    st = base.with_suffix(".safetensors")
    st.write_bytes(st.read_bytes()[:20])                   # cut short (a full disk, a killed copy)
    with pytest.raises(ValueError, match="not a readable atlas"):
        Atlas.load(base)


def test_two_processes_build_the_atlas_once(tmp_path):
    from test_locks import _result, _start, _wait_for
    from naoviz.locks import holder
    cache = tmp_path / "cache"
    env = {"NAOVIZ_CACHE": str(cache), "OMP_NUM_THREADS": "1"}
    first = _start("atlas", str(tmp_path), "first", env=env)
    second = None
    try:
        _wait_for(tmp_path / "building", first)          # first holds the atlas lock, mid-build
        locks = list((cache / "atlases").glob("*.lock"))
        assert len(locks) == 1 and holder(locks[0]) == first.pid
        second = _start("atlas", str(tmp_path), "second", env=env)
        _wait_for(tmp_path / "waiting", second)          # second found it locked and waits
        assert not list((cache / "atlases").glob("*.json"))
        assert len(list((cache / "atlases").glob("*.progress"))) == 1     # the builder's progress, for waiters
        _wait_for(tmp_path / "saw-progress", second, 60)  # the waiter showed the builder's progress once (a
        # broken one fails here, before the builder's own 120 s wait for the release runs out)
        (tmp_path / "release").touch()
        a, b = _result(first), _result(second)
    finally:
        (tmp_path / "release").touch()
        for p in (first, second):
            if p is not None and p.poll() is None:
                p.kill()
    assert (a["built"], a["waited"]) == (True, False)
    assert (b["built"], b["waited"]) == (False, True)    # waited, then loaded what the first saved
    assert b["saw_progress"] and not a["saw_progress"]    # the waiter showed the builder's progress
    assert not list((cache / "atlases").glob("*.progress"))                # gone once the atlas is saved
    assert a["model_key"] == b["model_key"] and a["decoded"] == b["decoded"]
    assert len(list((cache / "atlases").glob("*.json"))) == 1


def _shipped_atlas_base() -> Path:
    from naoviz.resources import shipped_dir
    folder = shipped_dir()
    assert folder is not None, "naoviz/resources/shipped is missing (bench/ship_digits.py writes it)"
    found = sorted(folder.glob("*-atlas-*.json"))
    assert len(found) == 1, found
    return found[0].with_suffix("")


def test_shipped_digits_atlas_matches_the_dashboard_model(tmp_path, monkeypatch):
    from naoviz.atlas_cache import atlas_name, cached_atlas
    from naoviz.nao.cache import ModelSpec, is_cached, load_or_train, model_key
    from naoviz.tables import load_benchmark
    monkeypatch.setenv("NAOVIZ_CACHE", str(tmp_path / "empty-cache"))   # nothing cached: only what ships
    bench, spec = load_benchmark("nb201-digits"), ModelSpec()              # the dashboard's digits model
    base = _shipped_atlas_base()
    assert base.name == atlas_name(bench, spec)
    atlas = cached_atlas(bench, spec)
    assert atlas is not None and atlas.model_key == model_key(bench, spec)
    assert atlas.n_table == len(bench) == 6466 and len(atlas.seeds) == 6466 and set(atlas.maps) == {"umap", "pca"}
    assert is_cached(bench, spec)
    nao, cached = load_or_train(bench, spec, callback=lambda *a: pytest.fail("trained a shipped model"))
    assert cached
    rows = [0, 3000, 6465]                                                  # the atlas is this model's
    np.testing.assert_allclose(atlas.predicted[rows], nao.predict([bench.archs()[r] for r in rows]), atol=1e-4)
    assert not list((tmp_path / "empty-cache").rglob("*.safetensors"))
    # the island jumps it ships (so a visit needs no scipy) are those of its own UMAP paths, not stale ones
    from naoviz.projection import path_jumps
    assert set(atlas.path_jump_maps) == {"umap"} and atlas.path_jump_maps["umap"].any()
    computed = path_jumps("umap", atlas.maps["umap"], atlas.path_maps["umap"])
    assert np.array_equal(atlas.path_jumps("umap"), computed)
    assert np.array_equal(atlas.path_jumps("umap", row=3000), computed[atlas.seed_index(3000)])


def test_changing_the_umap_settings_changes_the_atlas_name(tmp_path, monkeypatch):
    """A cached or shipped atlas is never reused with other UMAP settings (docs/ui.md, "Why the NB201 map is
    islands": changing UMAP_PARAMS must rebuild); a PCA-only atlas does not depend on them."""
    from naoviz.atlas_build import UMAP_PARAMS
    from naoviz.atlas_cache import atlas_name, cached_atlas
    from naoviz.nao.cache import ModelSpec
    from naoviz.tables import load_benchmark
    monkeypatch.setenv("NAOVIZ_CACHE", str(tmp_path / "empty-cache"))
    bench, spec = load_benchmark("nb201-digits"), ModelSpec()
    before, pca_only = atlas_name(bench, spec), atlas_name(bench, spec, maps=("pca",))
    assert cached_atlas(bench, spec) is not None                         # the shipped one, for UMAP_PARAMS
    monkeypatch.setitem(UMAP_PARAMS, "min_dist", UMAP_PARAMS["min_dist"] + 0.2)
    assert atlas_name(bench, spec) != before and cached_atlas(bench, spec) is None
    assert atlas_name(bench, spec, maps=("pca",)) == pca_only


def test_export_page_of_the_digits_table_uses_the_shipped_atlas(tmp_path, monkeypatch, capsys):
    """`naoviz export-page` (default table digits) on an empty cache: the shipped atlas, nothing trained or
    built, no "no atlas cached" note; the page holds the atlas's cells."""
    from naoviz.cli import main
    monkeypatch.setenv("NAOVIZ_CACHE", str(tmp_path / "empty-cache"))
    assert main(["export-page", str(tmp_path / "page.html")]) == 0
    out, err = capsys.readouterr()
    assert "wrote" in out and "no atlas cached" not in err
    assert (tmp_path / "page.html").stat().st_size > 1_000_000
    assert not list((tmp_path / "empty-cache").rglob("*.safetensors"))
    # the table's name elsewhere (--space, dashboard --table) is taken too, for the same shipped atlas
    assert main(["export-page", str(tmp_path / "again.html"), "--table", "nb201-digits"]) == 0
    assert (tmp_path / "again.html").read_bytes() == (tmp_path / "page.html").read_bytes()


def test_loading_an_atlas_does_not_import_torch():
    base = _shipped_atlas_base()
    code = ("import sys; from naoviz.atlas import Atlas; a = Atlas.load(sys.argv[1]); "
            "assert 'torch' not in sys.modules, 'torch imported'; print(len(a.labels), a.path_decoded.shape)")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", code, str(base)], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split()[0] == str(len(json.loads(base.with_suffix(".json").read_text())["labels"]))


def test_stage_bars_show_no_rate_before_a_second_update(capsys):
    """``naoviz atlas``'s progress bars: a stage whose first report already says 1 of N (the first epoch
    done) shows no rate until a second report, instead of 1 / (microseconds) = thousands of epochs/s."""
    import time

    from naoviz.cli.atlas import stage_bars
    progress, bars = stage_bars()
    progress("train", 1, 100)
    assert "?epoch/s" in str(bars["train"])
    time.sleep(0.2)
    progress("train", 3, 100)
    shown = re.search(r"([0-9.]+)epoch/s", str(bars["train"]))
    assert shown and float(shown.group(1)) < 100              # 2 epochs in >= 0.2 s: at most 10 epoch/s
    for bar in bars.values():
        bar.close()


def test_the_dashboards_warm_up_stores_jumps_in_an_atlas_cached_without_them(tmp_path, monkeypatch):
    """An atlas cached by a naoviz whose build did not store the island jumps: the warm-up `naoviz dashboard`
    runs (``explorer_plan.prepare``) adds them once, equal to the computed ones, so visits need no scipy."""
    import dataclasses
    from naoviz.atlas_cache import atlas_name
    from naoviz.explorer_plan import ExplorerPlan, prepare
    from naoviz.nao.cache import ModelSpec
    from naoviz.tables import load_benchmark
    shipped = Atlas.load(_shipped_atlas_base())
    monkeypatch.setenv("NAOVIZ_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("NAOVIZ_SHIPPED_OFF", "1")                      # as if cached here, not shipped
    base = tmp_path / "cache" / "atlases" / atlas_name(load_benchmark("nb201-digits"), ModelSpec())
    base.parent.mkdir(parents=True)
    dataclasses.replace(shipped, path_jump_maps={}).save(base)
    assert Atlas.load(base).path_jump_maps == {}
    prepare(ExplorerPlan(table="nb201-digits"))
    upgraded = Atlas.load(base)
    assert set(upgraded.path_jump_maps) == {"umap"}
    assert np.array_equal(upgraded.path_jump_maps["umap"], shipped.path_jump_maps["umap"])
    for name, arr in _arrays(shipped).items():                           # nothing else changed
        assert np.array_equal(arr, _arrays(upgraded)[name], equal_nan=True), name
    before = base.with_suffix(".safetensors").stat().st_mtime_ns
    prepare(ExplorerPlan(table="nb201-digits"))                          # has them: not written again
    assert base.with_suffix(".safetensors").stat().st_mtime_ns == before
    assert not (tmp_path / "cache" / "models").exists()                  # no model was needed for it


def test_the_progress_file_names_each_stage_as_it_begins(tmp_path, monkeypatch):
    """Processes waiting for a build show the stage its ``.progress`` file names: each new stage is written when it
    begins, not only twice a second (the UMAP fit began within 0.5 s of the embedding's end, and waiting visitors
    read "embedding every cell (N/N cells)" for all its minutes)."""
    import json

    from naoviz.atlas_cache import atlas_for, atlas_name
    from naoviz.nao.cache import ModelSpec
    from naoviz.tables import Benchmark, load_benchmark
    monkeypatch.setenv("NAOVIZ_CACHE", str(tmp_path / "cache"))
    digits = load_benchmark("nb201-digits")
    head = Benchmark("digits-head", digits.space, digits.frame.iloc[:300])
    spec = ModelSpec(n_train=60, overrides={"epochs": 2, "hidden_size": 16, "mlp_hidden": 16, "batch_size": 30})
    options = dict(etas=[0, 1, 2], seeds=[0, 1, 2], maps=("pca",))
    path = tmp_path / "cache" / "atlases" / f"{atlas_name(head, spec, **options)}.progress"
    pairs = []

    def progress(stage, done, total):           # called once the file is written: what a waiter reads now
        pairs.append((stage, json.loads(path.read_text())["stage"]))

    atlas_for(head, spec, progress=progress, **options)
    stages = [s for s, _ in pairs]
    assert {"train", "embed", "map:pca", "paths"} <= set(stages), stages
    assert [s for s, _ in pairs] == [f for _, f in pairs], pairs
