"""``naoviz cache`` (naoviz/cli/cache.py over naoviz/cache_admin.py): the listing per kind, each clean mode,
``--dry-run`` and ``--older-than``, entries in use skipped (a lock held by a real second process, and a
real atlas build stopped mid-way), and bad input refused before any work.

The cache is built from the real writers (checkpoint.write, Projector.fit, BuildCheckpoint, semi._write),
made old by editing the version fields they write; only the atlas pair is written by hand (a real atlas needs
a model), with the fields Atlas.save writes.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from _cli_rejects import assert_rejected, run_cli
from test_locks import _result, _start, _wait_for

MODEL = "nb201-valid_acc-{}".format
ATLAS = "nb201-valid_acc-aaaaaaaaaaaaaaaaaaaa-atlas-{}".format


def _atlas(folder: Path, name: str, fmt=None, builder=None) -> None:
    from safetensors.numpy import save
    from naoviz.atlas import FORMAT_VERSION
    from naoviz.atlas_cache import BUILDER_VERSION
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.safetensors").write_bytes(save({"emb": np.zeros((50, 4), np.float32)}))
    meta = {"format": FORMAT_VERSION if fmt is None else fmt, "model_key": "k",
            "meta": {"builder": BUILDER_VERSION if builder is None else builder}}
    (folder / f"{name}.json").write_text(json.dumps(meta))


def _edit_json(path: Path, **fields) -> None:
    d = json.loads(path.read_text())
    d.update(fields)
    path.write_text(json.dumps(d))


def _dead_pid() -> int:
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(proc.stdout)


@pytest.fixture
def cache(tmp_path, monkeypatch) -> dict:
    """A cache folder holding every kind, current and stale; returns {role: path} (``root`` the folder)."""
    import torch
    from naoviz.atlas_resume import MANIFEST, BuildCheckpoint
    from naoviz.nao import checkpoint
    from naoviz.nao.cache import DONE
    from naoviz.nao.semi import _write
    from naoviz.projection import Projector

    root = tmp_path / "cache"
    monkeypatch.setenv("NAOVIZ_CACHE", str(root))
    models, atlases = root / "models", root / "atlases"
    p = {"root": root}
    meta = {"config": {}, "space": {}, "scaler": {}}
    for role, c in (("model", "1"), ("model_old", "2"), ("model_incomplete", "3")):
        p[role] = checkpoint.write(models / MODEL(c * 20), {"w": torch.ones(64)}, meta)
    (p["model"] / DONE).write_text("ok\n")
    (p["model_old"] / DONE).write_text("ok\n")
    _edit_json(p["model_old"] / checkpoint.META, version=0)
    p["model_lock"] = models / f"{p['model'].name}.lock"               # a model's lock file: not an entry
    p["model_lock"].write_text("")
    (models / f"{MODEL('4' * 20)}.lock").write_text("")                  # nor a lone one (trainers wait on it)
    p["lock_orphan"] = atlases / f"{ATLAS('4' * 16)}.lock"
    atlases.mkdir(parents=True)
    p["lock_orphan"].write_text("")
    for role, c, kw in (("atlas", "1", {}), ("atlas_old_format", "2", {"fmt": 0}),
                        ("atlas_old_builder", "3", {"builder": 99})):
        _atlas(atlases, ATLAS(c * 16), **kw)
        p[role] = atlases / ATLAS(c * 16)
    p["partial"] = atlases / f"{ATLAS('5' * 16)}.partial"
    BuildCheckpoint(p["partial"], "key-a").save("embed", {"emb": np.ones((300, 16), np.float32)})
    p["partial_old"] = atlases / f"{ATLAS('6' * 16)}.partial"
    BuildCheckpoint(p["partial_old"], "key-b").save("embed", {"emb": np.ones((30, 16), np.float32)})
    _edit_json(p["partial_old"] / MANIFEST, version=0)
    p["progress_alone"] = atlases / f"{ATLAS('7' * 16)}.progress"
    p["progress_alone"].write_text('{"stage": "train", "done": 1, "total": 5}')
    Projector("pca").fit(np.random.default_rng(0).normal(size=(40, 8)))
    p["projection"] = next((root / "projections").glob("pca-*.npz"))
    p["temp_dead"] = root / "projections" / f".{p['projection'].name}.{_dead_pid()}.tmp"
    p["temp_dead"].write_bytes(b"x" * 100)
    old = time.time() - 7200
    os.utime(p["temp_dead"], (old, old))
    p["pretrain"] = root / "pretrain" / f"nb201-{'b' * 20}"
    _write(p["pretrain"], {"encoder.w": torch.ones(32)}, {"epochs": 1})
    p["pretrain_old"] = root / "pretrain" / f"nb201-{'c' * 20}"
    _write(p["pretrain_old"], {"encoder.w": torch.ones(32)}, {"epochs": 1})
    _edit_json(p["pretrain_old"] / "pretrain.json", version=0)
    for role, c in (("heads", "d"), ("heads_incomplete", "e")):          # the explorer budget's cost heads
        p[role] = checkpoint.write(root / "cost-heads" / f"latency_pixel3-{c * 24}", {"w": torch.ones(16)}, meta)
        (root / "cost-heads" / f"{p[role].name}.lock").write_text("")
    (p["heads"] / DONE).write_text("ok\n")
    from naoviz.explorer_keys import entry_path, files_stamp, remember
    from naoviz.explorer_plan import ExplorerPlan
    for role, n_train in (("visit_key", 100), ("visit_key_old", 200)):     # a dashboard plan's stored key
        plan = ExplorerPlan(table="nb201-digits", n_train=n_train)
        stamp, bench = files_stamp(plan), plan.benchmark()
        remember(plan, stamp, bench, plan.spec(bench), {"maps": ("pca",), "seeds": "classes"})
        p[role] = entry_path(plan, stamp)
    _edit_json(p["visit_key_old"], version=0)
    p["notes"] = root / "notes.txt"
    p["notes"].write_text("the user's own file\n")
    p["stray"] = atlases / "readme.txt"
    p["stray"].write_text("not naoviz's\n")
    return p


def _size(*paths: Path) -> int:
    total = 0
    for path in paths:
        files = [path] if path.is_file() else [Path(d) / f for d, _, fs in os.walk(path) for f in fs]
        total += sum(f.lstat().st_size for f in files)
    return total


def _files(root: Path) -> set:
    return {str(Path(d, f).relative_to(root)) for d, _, fs in os.walk(root) for f in fs} | \
        {str(Path(d).relative_to(root)) for d, _, _ in os.walk(root)}


def _json(argv: list) -> dict:
    code, out, err = run_cli([*argv, "--json"])
    assert code == 0, err
    return json.loads(out)


STALE = ("model_old", "model_incomplete", "lock_orphan", "atlas_old_format", "atlas_old_builder",
         "partial_old", "progress_alone", "temp_dead", "pretrain_old", "visit_key_old", "heads_incomplete")


def _name(p: dict, role: str) -> str:
    path = p[role]
    return str(path.relative_to(p["root"]))


def test_listing_counts_sizes_and_stale_entries_per_kind(cache):
    p = cache
    got = _json(["cache"])
    kinds = {k: v["count"] for k, v in got["kinds"].items()}
    assert kinds == {"models": 3, "atlases": 3, "payloads": 0, "partial": 3, "projections": 1, "visit-keys": 2, "pretrain": 2,
                     "cost-heads": 2, "resources": 0,
                     "leftovers": 2, "other": 2}
    pairs = [p[r].with_suffix(s) for r in ("atlas", "atlas_old_format", "atlas_old_builder")
             for s in (".json", ".safetensors")]
    assert got["kinds"]["atlases"]["bytes"] == _size(*pairs)
    assert got["kinds"]["models"]["bytes"] == _size(p["model"], p["model_old"], p["model_incomplete"])
    assert got["kinds"]["partial"]["bytes"] == _size(p["partial"], p["partial_old"], p["progress_alone"])
    assert got["kinds"]["pretrain"]["bytes"] == _size(p["pretrain"], p["pretrain_old"]) > 0
    assert got["total_bytes"] == sum(v["bytes"] for k, v in got["kinds"].items() if k != "other")
    assert sorted(e["name"] for e in got["stale"]) == sorted(_name(p, r) for r in STALE)
    assert got["in_use"] == [] and got["cache_dir"] == str(p["root"])
    assert got["kinds"]["models"]["oldest"] <= got["kinds"]["models"]["newest"]

    code, out, _ = run_cli(["cache"])                    # the table: every kind, sizes in kB/MB, the folder
    assert code == 0 and str(p["root"]) in out
    assert "stopped builds" in out and "trained models" in out and "kB" in out
    assert f"{len(STALE)} stale" in out and "naoviz cache --clean stale" in out


def test_missing_cache_folder_is_listed_as_empty_and_not_created(tmp_path, monkeypatch):
    monkeypatch.setenv("NAOVIZ_CACHE", str(tmp_path / "nowhere"))
    code, out, _ = run_cli(["cache"])
    assert code == 0 and "does not exist" in out and not (tmp_path / "nowhere").exists()
    assert _json(["cache", "--clean", "all"])["removed"] == [] and not (tmp_path / "nowhere").exists()


@pytest.mark.parametrize("mode", ["partial", "stale", "all"])
def test_dry_run_deletes_nothing_and_lists_what_the_clean_removes(cache, mode):
    root = cache["root"]
    before = _files(root)
    dry = _json(["cache", "--clean", mode, "--dry-run"])
    assert _files(root) == before and dry["dry_run"] and dry["removed"]
    real = _json(["cache", "--clean", mode])
    assert [e["name"] for e in real["removed"]] == [e["name"] for e in dry["removed"]]
    assert real["freed_bytes"] == dry["freed_bytes"] > 0 and _files(root) != before


def test_clean_partial_removes_only_stopped_builds(cache):
    p = cache
    got = _json(["cache", "--clean", "partial"])
    assert sorted(e["name"] for e in got["removed"]) == sorted(_name(p, r) for r in ("partial", "partial_old",
                                                                                    "progress_alone"))
    assert not p["partial"].exists() and not p["partial_old"].exists() and not p["progress_alone"].exists()
    assert got["freed_bytes"] > 300 * 16 * 4
    assert all(p[r].exists() for r in ("model", "model_old", "projection", "pretrain", "temp_dead", "notes"))
    assert p["atlas"].with_suffix(".json").exists()
    assert list(p["root"].glob("atlases/*.lock")) == [p["lock_orphan"]]   # the locks taken to remove them: gone


def test_clean_stale_removes_exactly_what_no_naoviz_reads(cache):
    p = cache
    got = _json(["cache", "--clean", "stale"])
    assert sorted(e["name"] for e in got["removed"]) == sorted(_name(p, r) for r in STALE)
    assert all(e["stale"] for e in got["removed"]) and got["skipped"] == []
    gone = [r for r in STALE if p[r].exists() or p[r].with_suffix(".json").exists()]
    assert gone == []
    for role in ("model", "partial", "projection", "pretrain", "heads", "notes", "stray"):
        assert p[role].exists(), role
    assert p["atlas"].with_suffix(".json").exists() and p["atlas"].with_suffix(".safetensors").exists()
    assert p["model_lock"].exists()                                             # still guards its model
    assert _json(["cache"])["stale"] == []


def test_clean_all_empties_the_cache_but_keeps_what_is_not_naoviz(cache):
    p = cache
    got = _json(["cache", "--clean", "all"])
    assert sorted(e["name"] for e in got["not_naoviz"]) == ["atlases/readme.txt", "notes.txt"]
    left = {str(Path(d, f).relative_to(p["root"])) for d, _, fs in os.walk(p["root"]) for f in fs}
    locks = {f for f in left if f.startswith(("models/", "pretrain/", "cost-heads/")) and f.endswith(".lock")}
    assert left - locks == {"notes.txt", "atlases/readme.txt"}          # and the trainers' lock files, empty:
    assert p["model_lock"] in [p["root"] / f for f in locks] and all((p["root"] / f).stat().st_size == 0 for f in locks)
    kinds = _json(["cache"])["kinds"]
    assert {k: v["count"] for k, v in kinds.items() if v["count"]} == {"other": 2}
    code, out, _ = run_cli(["cache", "--clean", "all"])
    assert code == 0 and "removed 0 entries" in out and "does not recognise" in out


def test_older_than_keeps_recent_entries(cache):
    p = cache
    old = time.time() - 10 * 86400
    for path in (p["model_old"], *p["model_old"].iterdir(), p["projection"]):
        os.utime(path, (old, old))
    got = _json(["cache", "--clean", "all", "--older-than", "5"])
    assert sorted(e["name"] for e in got["removed"]) == sorted([_name(p, "model_old"), _name(p, "projection")])
    assert p["model"].exists() and p["partial"].exists()


def test_reading_an_entry_counts_as_use_for_older_than(cache, tmp_path):
    """A map or pretrained encoder read from the cache is marked used, so ``--older-than`` spares what is
    read daily however long ago it was built; files outside the cache folder are never touched."""
    from naoviz.nao.semi import _read
    from naoviz.paths import mark_used
    from naoviz.projection import Projector

    p = cache
    old = time.time() - 10 * 86400
    for path in (p["projection"], p["pretrain"], *p["pretrain"].iterdir()):
        os.utime(path, (old, old))
    assert Projector("pca").fit(np.random.default_rng(0).normal(size=(40, 8))).from_cache_
    assert _read(p["pretrain"]) is not None
    got = _json(["cache", "--clean", "all", "--older-than", "5", "--dry-run"])
    names = {e["name"] for e in got["removed"]}
    assert _name(p, "projection") not in names and _name(p, "pretrain") not in names
    outside = tmp_path / "elsewhere.json"
    outside.write_text("{}")
    os.utime(outside, (old, old))
    mark_used(outside)
    assert outside.stat().st_mtime == pytest.approx(old)


def test_an_entry_whose_lock_another_process_holds_is_skipped(cache, tmp_path):
    p = cache
    atlas_lock = p["partial"].with_name(p["partial"].name.replace(".partial", ".lock"))
    hold = _start("hold", str(atlas_lock), str(tmp_path))
    try:
        _wait_for(tmp_path / "held", hold)
        listing = _json(["cache"])
        assert [(e["name"], e["in_use_by"]) for e in listing["in_use"]] == [(_name(p, "partial"), hold.pid)]
        for mode in ("partial", "all"):
            got = _json(["cache", "--clean", mode])
            assert [(e["name"], e["in_use_by"], e["why"]) for e in got["skipped"]] == \
                [(_name(p, "partial"), hold.pid, f"in use by PID {hold.pid}")]
            assert p["partial"].is_dir() and atlas_lock.exists()
        code, out, _ = run_cli(["cache", "--clean", "partial"])
        assert code == 0 and f"in use by PID {hold.pid}" in out and "skipped 1" in out
        (tmp_path / "release").touch()
        _result(hold)
    finally:
        (tmp_path / "release").touch()
        if hold.poll() is None:
            hold.kill()
    got = _json(["cache", "--clean", "partial"])          # released: removed now
    assert [e["name"] for e in got["removed"]] == [_name(p, "partial")] and not p["partial"].exists()


@pytest.mark.timeout(300)
def test_a_running_atlas_build_is_not_cleaned_under_it(tmp_path, monkeypatch):
    """A real atlas build stopped mid-way (holding its atlas lock and the model's): `--clean all` skips its
    progress file and the model's lock, naming the builder's PID; the build then finishes and saves."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("NAOVIZ_CACHE", str(cache))
    first = _start("atlas", str(tmp_path), "first", env={"NAOVIZ_CACHE": str(cache), "OMP_NUM_THREADS": "1"})
    try:
        _wait_for(tmp_path / "building", first)
        got = _json(["cache", "--clean", "all"])
        skipped = {e["kind"]: e["in_use_by"] for e in got["skipped"]}
        assert skipped == {"partial": first.pid, "models": first.pid}      # its progress; the model in training
        assert len(list((cache / "atlases").glob("*.progress"))) == 1
        (tmp_path / "release").touch()
        result = _result(first)
    finally:
        (tmp_path / "release").touch()
        if first.poll() is None:
            first.kill()
    assert result["built"]
    saved = list((cache / "atlases").glob("*.json"))
    assert len(saved) == 1
    from naoviz.atlas_cache import BUILDER_VERSION
    assert json.loads(saved[0].read_text())["meta"]["builder"] == BUILDER_VERSION
    assert _json(["cache"])["stale"] == []
    got = _json(["cache", "--clean", "all"])
    assert {e["kind"] for e in got["removed"]} == {"models", "atlases", "projections"} and got["skipped"] == []


def test_bad_input_is_one_line_naming_the_option(tmp_path, monkeypatch):
    afile = tmp_path / "a-file"
    afile.write_text("x")
    monkeypatch.setenv("NAOVIZ_CACHE", str(tmp_path / "cache"))
    cases = [(["cache", "--clean", "foo"], "--clean"), (["cache", "--clean", ""], "--clean"),
             (["cache", "--clean", "stale", "--older-than", "-1"], "--older-than"),
             (["cache", "--clean", "stale", "--older-than", "nan"], "--older-than"),
             (["cache", "--clean", "stale", "--older-than", "1e9"], "--older-than"),
             (["cache", "--clean", "stale", "--older-than", "x"], "--older-than"),
             (["cache", "--clean", "stale", "--older-than", "100001"], "--older-than"),
             (["cache", "--clean", "stale", "--older-than", "7d"], "--older-than"),
             (["cache", "--clean", "stale", "--older-than", "0x10"], "--older-than"),
             (["cache", "--clean", "stale", "--older-than", "1_000"], "--older-than"),
             (["cache", "--clean", "stale", "--older-than", "--dry-run"], "--older-than"),
             (["cache", "--clean", "stale", "--older-than"], "--older-than"),
             (["cache", "--older-than", "3"], "--older-than"), (["cache", "--dry-run"], "--dry-run"),
             (["cache", "--dir", str(afile)], "--dir"), (["cache", "--dir", str(afile / "sub")], "--dir"),
             (["cache", "--dir", ""], "--dir"), (["cache", "--dir", "x" * 100_000], "--dir"),
             (["cache", "--clean", "all", "--dir", str(afile)], "--dir"), (["cache", "--json=1"], "--json")]
    for argv, name in cases:
        assert_rejected(argv, name)
    monkeypatch.setenv("NAOVIZ_CACHE", str(afile))
    assert_rejected(["cache", "--clean", "all"], "NAOVIZ_CACHE")
    assert afile.read_text() == "x"
