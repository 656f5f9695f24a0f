"""Where gradient-path points land on the UMAP map: on land (near a mapped cell) or in the sea between islands.

For the model the dashboard trains (``ModelSpec(metric="valid_acc")``, from the cache or trained) it embeds
every cell, fits the atlas's UMAP map on one point per isomorphism class (``naoviz.atlas_build.UMAP_PARAMS``
through ``Projector``, cached), moves ``--seeds`` sampled classes (seeded) by every nonzero eta of the atlas's
grid (``naoviz.atlas_build.DEFAULT_ETAS``, the same ``NAO.move`` step as ``NAO.path_grid``, not decoded) and
places the moved points with ``Projector.transform_many`` under each placement:

- ``all_k``: the weighted mean of all k nearest fitted rows' positions (``land_radius=None``, the placement
  before 2026-12-05, the baseline);
- ``r<x>``: only the neighbours within x of the map's extent of the nearest one's position
  (``land_radius=x``; ``--radii``).

Figures per placement (eta 0 is left out: it lands exactly on the seed's dot either way):

- ``off_land``: share of placed points farther than X from every mapped class, X = ``--sea`` x the map's
  median nearest-neighbour spacing (the distance from a class's dot to the nearest other one); also at 1 %
  of the map's extent (the radius ``naoviz.map_quality.islands`` joins dots at);
- ``on_a_dot``: share placed within 0.1 spacing of a class's dot (reads as "this point is that cell": what
  snapping to the nearest class would do to every point, the placement's other way to mislead);
- ``gap_median`` / ``gap_p90``: the distance to the nearest mapped class in units of that spacing;
- ``faithful_at_k``: share of placed points whose nearest mapped class is among the moved point's k nearest
  classes in the embedding (``--k``, the neighbourhood the map should keep); ``faithful_top1``: is it the
  embedding's nearest class;
- ``place_s``: seconds of ``transform_many``;

and each figure's ratio to ``all_k`` from the same run.

Then how the path *lines* read (:func:`jump_figures`): each seed's path (its dot at eta 0, then the placed
points) as segments, a step or a jump (``naoviz.projection.path_jumps``, drawn dashed): the share of jumps
under each UMAP placement and on the PCA map (linear, none by the rule; ``island_rule_share`` says what the
island rule alone would flag there), and with ``--atlas`` the same over every path of the cached (or shipped)
atlas, per map: what the explorer draws.

Run: NAOVIZ_DATA=... NAOVIZ_CACHE=... OMP_NUM_THREADS=1 nice -n 19 .venv/bin/python bench/path_placement.py \
     --table nb201 [--seeds 1000] [--radii 0.005,0.01,0.02,0.05] [--sea 3] [--k 15] [--atlas] [--json]
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))                    # table_model: the shared preamble


def _floats(text: str, name: str) -> list:
    try:
        vals = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        vals = []
    if not vals or not all(0 < v <= 1 for v in vals):
        raise SystemExit(f"{name}: expected comma-separated numbers in (0, 1], got {text!r}")
    return vals


def moved_points(model, archs, etas, per: int = 50) -> np.ndarray:
    """(len(archs) * len(etas), H) pooled embeddings of each seed moved by each eta (``NAO.path_grid``'s step)."""
    import torch

    from naoviz.nao.modules import pool
    out = []
    for lo in range(0, len(archs), per):
        part = archs[lo:lo + per]
        out0 = model._encode(part)[0]                                            # (m, S, H)
        states = model.move(out0.repeat_interleave(len(etas), dim=0), np.tile(etas, len(part)))
        with torch.no_grad():
            out.append(pool(states).cpu().numpy().astype(np.float32))
    return np.concatenate(out)


def figures(xy_cells, placed, emb_cells, moved, k: int, sea: float) -> dict:
    """The figures above for ``placed`` (m, 2) map positions of ``moved`` (m, H) among the fitted classes'
    map positions ``xy_cells`` (n, 2) and embeddings ``emb_cells`` (n, H)."""
    from scipy.spatial import cKDTree
    tree = cKDTree(xy_cells)
    spacing = float(np.median(tree.query(xy_cells, k=2)[0][:, 1]))
    gap, near = tree.query(placed)                                               # (m,), (m,)
    extent = float(np.ptp(xy_cells, axis=0).max())
    E = emb_cells / np.linalg.norm(emb_cells, axis=1, keepdims=True)
    hit_k = hit_1 = 0
    for lo in range(0, len(moved), 2048):
        q = moved[lo:lo + 2048] / np.linalg.norm(moved[lo:lo + 2048], axis=1, keepdims=True)
        sim = q.astype(np.float64) @ E.T.astype(np.float64)                       # (b, n) cosine
        top = np.argpartition(-sim, k - 1, axis=1)[:, :k]
        hit_k += int((top == near[lo:lo + 2048, None]).any(1).sum())
        hit_1 += int((np.argmax(sim, 1) == near[lo:lo + 2048]).sum())
    return {"off_land": round(float(np.mean(gap > sea * spacing)), 4),
            "off_land_1pct": round(float(np.mean(gap > 0.01 * extent)), 4),
            "on_a_dot": round(float(np.mean(gap < 0.1 * spacing)), 4),
            "gap_median": round(float(np.median(gap)) / spacing, 3),
            "gap_p90": round(float(np.quantile(gap, 0.9)) / spacing, 3),
            f"faithful_at_{k}": round(hit_k / len(moved), 4), "faithful_top1": round(hit_1 / len(moved), 4),
            "spacing": round(spacing, 5)}


def jump_figures(method: str, dots, paths) -> dict:
    """How the path lines on a map of ``dots`` (n, 2) read: ``paths`` (S, E, 2) are drawn as E - 1 segments,
    a step (solid) or a jump (dashed; ``naoviz.projection.path_jumps``). ``jump_share``: share of segments
    flagged; ``paths_with_a_jump``; ``jump_median_spacings``: a flagged segment's median length in median dot
    spacings; ``unflagged_over_sea``: share of the unflagged segments that pass a spot farther than the land
    radius from every dot (31 points along each; no placed point can be there: a jump missed);
    ``flagged_min_gap``: the least, over flagged segments, of the farthest such spot, in land radii (0.5 or
    more on the whole segment by the rule; the 31 samples can miss a little). ``island_rule_share``: the share the island rule would flag without the linear-map exemption."""
    from scipy.spatial import cKDTree

    from naoviz.projection import LAND_RADIUS, path_jumps
    dots = np.unique(np.asarray(dots, np.float64), axis=0)
    paths = np.asarray(paths, np.float64)
    J = path_jumps(method, dots, paths)                                          # (S, E-1)
    tree = cKDTree(dots)
    spacing = float(np.median(tree.query(dots, k=2)[0][:, 1]))
    radius = LAND_RADIUS * float(np.ptp(dots, axis=0).max())
    t = np.linspace(0, 1, 33)[1:-1]
    a, b = paths[:, :-1], paths[:, 1:]
    far = np.empty(J.shape)
    for lo in range(0, len(paths), 256):                                         # (s, E-1, 31, 2) samples
        seg = a[lo:lo + 256, :, None] + t[None, None, :, None] * (b - a)[lo:lo + 256, :, None]
        far[lo:lo + 256] = tree.query(seg.reshape(-1, 2))[0].reshape(seg.shape[:3]).max(-1)
    length = np.linalg.norm(b - a, axis=-1)
    return {"jump_share": round(float(J.mean()), 4), "paths_with_a_jump": round(float(J.any(1).mean()), 4),
            "jump_median_spacings": round(float(np.median(length[J])) / spacing, 1) if J.any() else None,
            "unflagged_over_sea": round(float(np.mean(far[~J] > radius)), 5) if (~J).any() else None,
            "flagged_min_gap": round(float(far[J].min()) / radius, 3) if J.any() else None,
            "island_rule_share": round(float(path_jumps("umap", dots, paths).mean()), 4)}


def atlas_jumps(bench) -> dict | None:
    """``jump_figures`` of every path of the cached (or shipped) atlas of the bench's model, per map: what the
    explorer draws; ``flags_s``: seconds of ``Atlas.path_jumps`` (what packing the payload adds, best of 3),
    ``flags_zlib_bytes``: the flags alone deflated as the payload is (about what they add to its blob).
    None when no atlas is cached."""
    import zlib

    from naoviz.atlas_cache import cached_atlas
    from naoviz.nao.cache import ModelSpec
    atlas = cached_atlas(bench, ModelSpec(metric="valid_acc"))
    if atlas is None:
        return None
    out = {}
    for view in atlas.path_maps:
        secs = []
        for _ in range(3):
            t0 = time.perf_counter()
            flags = atlas.path_jumps(view)
            secs.append(time.perf_counter() - t0)
        out[view] = {**jump_figures(view, atlas.maps[view], atlas.path_maps[view]),
                     "segments": int(flags.size), "flags_s": round(min(secs), 3),
                     "flags_zlib_bytes": len(zlib.compress(flags.astype(np.uint8).tobytes(), 6))}
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--table", choices=("nb201", "digits"), default="nb201")
    ap.add_argument("--seeds", type=int, default=1000, help="sampled classes whose paths are placed (default 1000)")
    ap.add_argument("--radii", default=None, help="land_radius values to try (default: the current LAND_RADIUS)")
    ap.add_argument("--sea", type=float, default=3.0, help="X in median spacings (default 3)")
    ap.add_argument("--k", type=int, default=15, help="embedding neighbourhood of faithful_at_k (default 15)")
    ap.add_argument("--atlas", action="store_true", help="also the jump shares of the cached atlas's paths")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    from naoviz.projection import LAND_RADIUS
    radii = _floats(args.radii, "--radii") if args.radii else [LAND_RADIUS]
    if args.seeds < 1:
        print(f"--seeds: expected an int >= 1, got {args.seeds}", file=sys.stderr)
        return 2
    if not args.sea > 0 or not 1 <= args.k <= 200:
        print(f"--sea/--k: expected sea > 0 and k in 1..200, got {args.sea}, {args.k}", file=sys.stderr)
        return 2
    from table_model import table_model

    from naoviz.atlas_build import DEFAULT_ETAS, UMAP_PARAMS
    from naoviz.projection import Projector

    t = table_model(args.table)
    bench, model, archs, raw, reps = t["bench"], t["model"], t["archs"], t["raw"], t["reps"]
    base = Projector("umap", land_radius=None, **UMAP_PARAMS).fit(raw[reps])
    seeds = np.sort(np.random.default_rng(0).choice(reps, min(args.seeds, len(reps)), replace=False))
    etas = np.asarray([e for e in DEFAULT_ETAS if e > 0])
    moved = moved_points(model, [archs[r] for r in seeds], etas)                 # (S*E, H)

    out = {"table": bench.name, "classes": int(len(reps)), "seeds": int(len(seeds)), "etas": len(etas),
           "points": int(len(moved)), "sea_spacings": args.sea, "k": args.k, "placements": {}}
    at = np.searchsorted(reps, seeds)                                            # the seeds' dots: eta 0
    out["jumps"] = {}
    for name, r in [("all_k", None), *[(f"r{r:g}", r) for r in radii]]:
        proj = Projector("umap", land_radius=r, **UMAP_PARAMS).restore(raw[reps], base.state_)
        t0 = time.perf_counter()
        placed = proj.transform_many(moved)
        secs = time.perf_counter() - t0
        out["placements"][name] = {**figures(base.embedding_, placed, raw[reps], moved, args.k, args.sea),
                                   "place_s": round(secs, 2)}
        paths = np.concatenate([base.embedding_[at, None], placed.reshape(len(seeds), len(etas), 2)], 1)
        out["jumps"][f"umap_{name}"] = jump_figures("umap", base.embedding_, paths)
    pca = Projector("pca").fit(raw[reps])                                        # linear: no jumps by the rule
    paths = np.concatenate([pca.embedding_[at, None], pca.transform_many(moved).reshape(len(seeds), len(etas), 2)], 1)
    out["jumps"]["pca"] = jump_figures("pca", pca.embedding_, paths)
    if args.atlas:
        out["atlas_jumps"] = atlas_jumps(bench)
    ref = out["placements"]["all_k"]
    keys = [k for k in ref if k not in ("spacing",)]
    for q in out["placements"].values():
        q["ratios_vs_all_k"] = {k: round(q[k] / ref[k], 3) if ref[k] else None for k in keys}
    if args.json:
        print(json.dumps(out, indent=2))
        return 0
    print(f"{out['table']}: {out['points']} path points ({out['seeds']} seeds x {out['etas']} nonzero etas) on the "
          f"UMAP map of {out['classes']} classes; median spacing {ref['spacing']}; sea: farther than "
          f"{args.sea:g} spacings from every class")
    cols = [k for k in keys if k != "place_s"] + ["place_s"]
    print(f"{'placement':10s} " + " ".join(f"{c:>14s}" for c in cols))
    for name, q in out["placements"].items():
        print(f"{name:10s} " + " ".join(f"{q[c]:>14}" for c in cols))
        if name != "all_k":
            print(f"{'  ratio':10s} " + " ".join(f"{str(q['ratios_vs_all_k'][c]):>14s}" for c in cols))
    print(f"path lines ({out['etas'] + 1} points, {out['etas']} segments a path, eta 0 at the seed's dot): "
          "jumps drawn dashed (projection.path_jumps)")
    jcols = list(out["jumps"]["pca"])
    print(f"{'map':14s} " + " ".join(f"{c[:20]:>20s}" for c in jcols))
    for name, q in out["jumps"].items():
        print(f"{name:14s} " + " ".join(f"{str(q[c]):>20s}" for c in jcols))
    if args.atlas:
        print(f"the cached atlas's paths (None: none cached): {out['atlas_jumps']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
