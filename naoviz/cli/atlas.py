"""``naoviz atlas``: build (or load from the cache) the explorer's atlas for a table's dashboard model."""
from __future__ import annotations

import time

import numpy as np

from naoviz.cli.common import (TABLE_METAVAR, emit_json, explorer_metric, int_in, nonempty, path_arg, path_type,
                               resolve_table, say_table, show, writable_file)

TABLE_HELP = ("digits (shipped; also nb201-digits, its name in --space and dashboard --table), nb201 (NAOVIZ_DATA), "
              "or the path of a CSV table of your own (naoviz build-table --out; docs/data.md); default digits")


def add_parser(sub) -> None:
    p = sub.add_parser("atlas", help="build the explorer's atlas (maps, predictions, paths) for a table",
                       description="Train or load the dashboard's NAO model (the fast preset on 1000 cells) for a "
                                   "table and build its atlas: UMAP and PCA maps on one point per isomorphism "
                                   "class, predictions, the table's columns, nearest classes and the gradient path "
                                   "of every seed on an eta grid. Cached by model fingerprint; the digits atlas "
                                   "ships in the package.")
    p.add_argument("--table", type=path_arg, metavar=TABLE_METAVAR, default="digits", help=TABLE_HELP)
    p.add_argument("--out", metavar="PATH", type=path_type, default=None,
                   help="also write PATH.safetensors + PATH.json (default: the cache only, where dashboard and "
                        "export-page --table find it)")
    p.add_argument("--etas", type=nonempty("a step-size grid", 20_000), default="10:21",
                   help="MAX:N (N step sizes from 0 to MAX; MAX in (0, 1e6], N in 2..1000; default 10:21) or a "
                        "comma list of 2 to 1000 increasing numbers starting at 0")
    p.add_argument("--seeds", choices=("classes", "all", "none"), default="classes",
                   help="cells with a path: one per isomorphism class (default), all, or none")
    p.add_argument("--k", type=int_in(1, 100), default=10, help="nearest classes kept per cell (default 10)")
    p.add_argument("--maps", type=nonempty("a comma list of maps", 100), default="umap,pca",
                   help="comma list of umap, pca (default both)")
    p.add_argument("--json", action="store_true", help="print a summary as JSON")
    p.set_defaults(func=run)


# what each build stage's bar counts (naoviz.atlas_build.STAGES, singular as tqdm writes a rate: "cell/s"); a
# stage not named here counts "step" (was tqdm's "it" for every stage)
UNITS = {"train": "epoch", "embed": "cell", "map": "map", "paths": "path", "placing": "path point",
         "neighbours": "search"}


def stage_bars(args=None):
    """``(progress, bars)``: a ``progress(stage, done, total)`` for ``atlas_for`` that shows one tqdm bar per
    build stage on stderr (train, embed, maps, paths), each naming what it counts, and the dict of bars it
    opened (empty: nothing built). ``args``: once a build starts, a stop's line says a rerun takes it up."""
    from tqdm import tqdm

    from naoviz.cli import interrupts
    from naoviz.progress import echo_bar          # plain lines in a log
    bars: dict = {}

    def progress(stage, done, total):
        interrupts.check()                   # a Ctrl-C that numba's weakref callback swallowed during UMAP
        bar = bars.get(stage)
        if bar is None:
            for other in bars.values():
                other.close()
            if args is not None and stage != "train":     # what it finishes from here is kept (atlas_resume);
                args.interrupted_hint = "the same command takes up the build where it stopped"   # not the model
            unit = UNITS.get(stage.partition(":")[0], "step")
            bar = bars[stage] = echo_bar(tqdm, total=total, desc=stage, leave=False, initial=done,  # rate from here
                                         unit=unit)
        bar.n = done
        bar.refresh()

    return progress, bars


def say_resumed(text: str) -> None:
    """One line on stderr when the build takes up a stopped one's checkpoints (above any progress bar)."""
    import sys

    from tqdm import tqdm
    tqdm.write(f"naoviz atlas: {text}", file=sys.stderr)


def parse_etas(text: str) -> list[float]:
    """``MAX:N`` or ``0,a,b,...`` -> increasing finite step sizes from 0; ValueError naming --etas."""
    from naoviz.cli.common import float_in, int_in as _int
    import argparse
    try:
        if ":" in text:
            top, _, n = text.partition(":")
            hi, count = float_in(0.0, 1e6, lo_open=True)(top), _int(2, 1000)(n)
            return np.linspace(0.0, hi, count).tolist()
        values = [float_in(0.0, 1e6)(v) for v in text.split(",")]
    except argparse.ArgumentTypeError as exc:
        within = f", in {show(text)}" if ("," in text or ":" in text) and len(text) <= 60 else ""   # shown once, short
        raise ValueError(f"--etas: {exc} (expected MAX:N or a comma list starting at 0){within}") from None
    if values[0] != 0 or any(b <= a for a, b in zip(values, values[1:])) or not 2 <= len(values) <= 1000:
        # one value (0) would be a path of the seed alone, which MAX:N (N >= 2) cannot ask for either
        raise ValueError(f"--etas: expected 2 to 1000 increasing numbers starting at 0, got {show(text)}")
    return values


def run(args) -> int:
    from naoviz.projection import METHODS
    etas = parse_etas(args.etas)
    maps = tuple(m.strip() for m in args.maps.split(","))
    if any(m not in METHODS for m in maps) or len(set(maps)) != len(maps):
        raise ValueError(f"--maps: expected distinct names from {', '.join(METHODS)}, got {show(args.maps)}")
    out = None
    if args.out is not None:
        writable_file(args.out, "--out")
        out = writable_file(args.out.with_suffix(".json"), "--out")
    from naoviz.atlas_cache import atlas_for
    from naoviz.nao.cache import ModelSpec

    bench = resolve_table(args.table)
    spec = ModelSpec(metric=explorer_metric(bench))          # the dashboard's model (ExplorerPlan.spec)
    say_table(bench, spec.metric)                            # every check passed: one error line, never two
    progress, bars = stage_bars(args)
    t0 = time.perf_counter()
    atlas = atlas_for(bench, spec, etas=etas, seeds=args.seeds, k=args.k, maps=maps, progress=progress,
                      on_resume=say_resumed)
    for bar in bars.values():
        bar.close()
    seconds = time.perf_counter() - t0
    if out is not None:
        atlas.save(out.with_suffix(""))
    summary = {"table": bench.name, "model_key": atlas.model_key, "rows": len(atlas.labels),
               "table_rows": atlas.n_table, "seeds": int(len(atlas.seeds)), "etas": atlas.etas.tolist(),
               "maps": sorted(atlas.maps), "columns": sorted(atlas.columns), "seconds": round(seconds, 2),
               "built": bool(bars), "out": str(out.with_suffix("")) if out is not None else None,
               "build_timings_s": atlas.meta.get("timings_s"), "resumed": atlas.meta.get("resumed")}
    cached = None
    if bars and getattr(atlas, "payload_source", None):      # built and saved in the cache under this name
        from naoviz.paths import cache_dir
        cached = cache_dir() / "atlases" / atlas.payload_source[0]
    summary["cache_file"] = str(cached) if cached is not None else None      # what this run wrote there
    if args.json:
        emit_json(summary)
    else:
        how = "built" if bars else "loaded"
        extra = len(atlas.labels) - atlas.n_table           # cells a path decoded that are no row of the table
        cells = (f"{len(atlas.labels)} cells ({atlas.n_table} table rows + {extra} decoded off the table)" if extra
                 else f"{len(atlas.labels)} cells")
        print(f"atlas {how} in {seconds:.1f} s: {bench.name}, {cells}, {len(atlas.seeds)} seeds "
              f"x {len(atlas.etas)} etas, maps {', '.join(sorted(atlas.maps))}"
              + (f"; cached as {cached}.safetensors/.json" if cached is not None else "")
              + (f"; written to {summary['out']}.safetensors/.json" if out is not None else ""))
    return 0
