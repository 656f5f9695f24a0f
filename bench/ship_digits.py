"""Regenerate the digits model and atlas shipped in naoviz/resources/shipped (so an offline first start
trains nothing): the dashboard's model for the digits table (``ModelSpec()``: fast preset, 1000 cells,
seed 0, one torch thread) and its default atlas, built in an empty cache and copied in. Deterministic:
the same code gives the same model key, weights and arrays.

Run: nice -n 10 .venv/bin/python bench/ship_digits.py [--check] [--cache DIR]
(--check: only compare with what ships; --cache: reuse a cache that holds the same model key)
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "naoviz" / "resources" / "shipped"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", action="store_true", help="report whether the shipped files match this code")
    ap.add_argument("--cache", default=None, help="build cache (default: a new empty folder)")
    args = ap.parse_args(argv)
    os.environ["NAOVIZ_CACHE"] = args.cache or tempfile.mkdtemp(prefix="naoviz-ship-")
    import torch
    torch.set_num_threads(1)
    from naoviz.atlas_cache import atlas_for, atlas_name
    from naoviz.nao.cache import ModelSpec, model_dir, model_key
    from naoviz.paths import cache_dir
    from naoviz.tables import load_benchmark

    bench, spec = load_benchmark("nb201-digits"), ModelSpec()
    key, name = model_key(bench, spec), atlas_name(bench, spec)
    if args.check:
        ok = (SHIPPED / key / "done").is_file() and (SHIPPED / f"{name}.json").is_file()
        print(json.dumps({"model_key": key, "atlas": name, "shipped_matches_code": ok}))
        return 0 if ok else 1
    # build in the empty cache: the shipped folder must not short-cut the build
    os.environ["NAOVIZ_SHIPPED_OFF"] = "1"
    atlas = atlas_for(bench, spec, progress=lambda stage, done, total: print(f"{stage} {done}/{total}", end="\r"))
    if SHIPPED.exists():
        shutil.rmtree(SHIPPED)
    SHIPPED.mkdir(parents=True)
    shutil.copytree(model_dir(bench, spec), SHIPPED / key)
    for suffix in (".safetensors", ".json"):
        shutil.copyfile((cache_dir() / "atlases" / name).with_suffix(suffix), (SHIPPED / name).with_suffix(suffix))
    size = sum(f.stat().st_size for f in SHIPPED.rglob("*") if f.is_file())
    print(json.dumps({"model_key": key, "atlas": name, "rows": len(atlas.labels), "seeds": int(len(atlas.seeds)),
                      "bytes": size, "timings_s": atlas.meta["timings_s"]}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
