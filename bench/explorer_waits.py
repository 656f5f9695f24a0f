"""The explorer's long waits (the constrained path under a budget, the figures export), before and after.

Constrained path: the first ask of a budget column fits its cost head (``cost_heads.cost_nao_from`` on every
table cell) and steps twice (``budget_path``). Before: the fit on the process's torch threads, every session;
after: on one thread (``cost_heads.THREADS``), once per model and column, then loaded from disk
(``heads_cache.explorer_heads``). Printed: each time, the ratios, and whether the decoded cells of ``--seeds``
atlas seeds' paths (budget: the column's median) are the same both ways. Export: the explorer's figures set
(``ExplorerWidget.export_figures``, screen PNG and 7 in PDF+SVG) with the path computed again for the figures
(before) and kept from the page's ask (after). Timings are wall seconds; run both sides in the same conditions.

A newer ask while an old one runs (``--newer``, through the widget's queue and ``nao_handler`` as the page asks):
the time from the newer ask to its answer, before (the running ask finished first: a handler without
``should_stop``, as until 2026-12-07) and after (it stops at its next safe point). Cases: a typed cell's path
asked at epoch 15 of a column's first cost head fit; the budget moved (same column) then; a constrained ask at
step 2 of a typed cell's 10-step path (heads ready). Each way on a fresh heads cache.

    python bench/explorer_waits.py --table nb201 --column latency_pixel3 --seeds 10 [--json]
    python bench/explorer_waits.py --table nb201 --column latency_pixel3 --seeds 10 --before-threads 1 --no-export
    python bench/explorer_waits.py --table nb201-digits --column params_M --newer [--json]
    python bench/explorer_waits.py --table nb201-digits --column params_M --browser [--json]

``--browser``: the explorer's figures sets (screen PNG, 7 in PDF+SVG) written each with its own browser start
(before: kaleido's one-shot batch, as the CLI still does) and through the kernel's kept browser (after:
``naoviz.viz.kept_browser``; its first set starts it), ``--repeats`` sets each way, same figures, same folder kind.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time

import numpy as np


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--table", default="nb201")
    ap.add_argument("--column", default="latency_pixel3")
    ap.add_argument("--seeds", type=int, default=10, help="atlas seeds whose paths are compared (default 10)")
    ap.add_argument("--no-export", action="store_true", help="skip the export timing (no browser needed)")
    ap.add_argument("--before-threads", type=int, default=0, help="torch threads of the before fit (default 0: the "
                    "process's, as the dashboard's kernel had them; 1: as bench/explorer_constrained.py ran)")
    ap.add_argument("--newer", action="store_true", help="only the newer-ask case (a newer ask while an old one runs)")
    ap.add_argument("--browser", action="store_true", help="only the export sets: one browser start each, or kept")
    ap.add_argument("--repeats", type=int, default=3, help="--browser: sets each way per size (default 3)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    if args.seeds < 1:
        print(f"--seeds: {args.seeds} is not >= 1", file=sys.stderr)
        return 2
    if args.before_threads < 0:
        print(f"--before-threads: {args.before_threads} is not >= 0", file=sys.stderr)
        return 2
    import torch
    from naoviz.atlas_cache import cached_atlas
    from naoviz.nao import heads_cache
    from naoviz.nao.cache import ModelSpec, load_or_train
    from naoviz.nao.cost_heads import budget_path, cost_nao_from
    from naoviz.tables import load_benchmark

    bench, spec = load_benchmark(args.table), ModelSpec()
    if args.column not in bench.metrics:
        print(f"--column: {args.column!r} is not a column of {bench.name}", file=sys.stderr)
        return 2
    nao = load_or_train(bench, spec)[0]
    atlas = cached_atlas(bench, spec)
    if atlas is None:
        print(f"--table: no cached atlas for {bench.name}; open the dashboard on it once first", file=sys.stderr)
        return 2
    if args.repeats < 1:
        print(f"--repeats: {args.repeats} is not >= 1", file=sys.stderr)
        return 2
    if args.browser:
        out = _browser(atlas, bench, spec, nao, args.column, args.repeats)
        print(json.dumps(out, indent=1) if args.json else _browser_text(out))
        return 0
    if args.newer:
        out = _newer(atlas, bench, spec, nao, args.column)
        print(json.dumps(out, indent=1) if args.json else _newer_text(out))
        return 0
    etas = [float(e) for e in atlas.etas]
    bound = float(np.nanmedian(bench.metric(args.column)))
    budget = {args.column: bound}
    rows = np.random.default_rng(0).choice(atlas.seeds, args.seeds, replace=False)
    cells = [bench.space.parse(atlas.labels[int(r)]) for r in rows]
    out = {"table": bench.name, "column": args.column, "bound": bound, "seeds": int(args.seeds),
           "torch_threads": torch.get_num_threads(), "etas": len(etas),
           "before_threads": args.before_threads or torch.get_num_threads()}

    t0 = time.perf_counter()                                            # before: the old handler's first ask
    old = cost_nao_from(nao, [args.column], bench.archs(), {args.column: bench.metric(args.column)}, seed=0,
                        threads=args.before_threads or None)
    out["before_fit_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    before = [budget_path(old, c, etas, budget, benchmark=bench, metric=spec.metric) for c in cells]
    out["before_path_s"] = (time.perf_counter() - t0) / len(cells)

    keep = os.environ.get("NAOVIZ_CACHE")
    with tempfile.TemporaryDirectory(prefix="naoviz-bench-heads-") as tmp:
        os.environ["NAOVIZ_CACHE"] = tmp                                   # no heads fitted before
        try:
            t0 = time.perf_counter()
            new = heads_cache.explorer_heads(nao, bench, args.column, seed=0)
            out["after_fit_s"] = time.perf_counter() - t0
            heads_cache._heads.clear()                                      # a later session: from disk
            t0 = time.perf_counter()
            new = heads_cache.explorer_heads(nao, bench, args.column, seed=0)
            out["after_load_s"] = time.perf_counter() - t0
        finally:
            if keep is None:
                os.environ.pop("NAOVIZ_CACHE", None)
            else:
                os.environ["NAOVIZ_CACHE"] = keep
    t0 = time.perf_counter()
    after = [heads_cache.explorer_path(new, c, etas, budget, benchmark=bench, metric=spec.metric) for c in cells]
    out["after_path_s"] = (time.perf_counter() - t0) / len(cells)
    same = [a.decoded == b.decoded for a, b in zip(after, before)]
    out["paths_identical"] = int(sum(same))
    out["cells_identical"] = int(sum(x == y for a, b in zip(after, before) for x, y in zip(a.decoded, b.decoded)))
    out["cells"] = len(cells) * len(etas)
    out["first_ask_before_s"] = out["before_fit_s"] + out["before_path_s"]
    out["first_ask_after_s"] = out["after_fit_s"] + out["after_path_s"]
    out["later_session_after_s"] = out["after_load_s"] + out["after_path_s"]
    out["ratio_first_ask"] = out["first_ask_before_s"] / out["first_ask_after_s"]
    out["ratio_later_session"] = out["first_ask_before_s"] / out["later_session_after_s"]

    if not args.no_export:
        out["export"] = _export(atlas, bench, spec, nao, args.column, bound, heads_cache)
    if args.json:
        print(json.dumps(out, indent=1))
    else:
        _print(out)
    return 0


def _export(atlas, bench, spec, nao, column, bound, heads_cache) -> dict:
    """The explorer's figures sets, the path computed again for them (before) or kept (after)."""
    from naoviz.ui.explorer_offgrid import nao_handler
    from naoviz.ui.explorer_widget import ExplorerWidget
    w = ExplorerWidget(atlas, handler=nao_handler(lambda: (nao, bench, spec.metric)))
    w.budget_column, w.budget = column, bound
    w.constrained_path()                                  # the page's ask, before the export button
    res = {}
    with tempfile.TemporaryDirectory(prefix="naoviz-bench-export-") as folder:
        for size in ("screen", "7in"):
            for way in ("before", "after"):
                if way == "before":
                    heads_cache._paths.clear()
                t0 = time.perf_counter()
                paths = w.export_figures("png", folder=folder, size=size)
                res[f"{size}_{way}_s"] = time.perf_counter() - t0
                res[f"{size}_files"] = len(paths)
            res[f"{size}_ratio"] = res[f"{size}_before_s"] / res[f"{size}_after_s"]
    return res


def _newer(atlas, bench, spec, nao, column) -> dict:
    """Seconds from a newer ask to its answer while an older ask runs, before and after, per case."""
    import threading

    from naoviz.nao import heads_cache
    from naoviz.ui.explorer_offgrid import nao_handler
    from naoviz.ui.explorer_widget import ExplorerWidget
    seeds = [atlas.labels[int(r)] for r in np.random.default_rng(0).choice(atlas.seeds, 3, replace=False)]
    low, high = (float(np.nanpercentile(bench.metric(column), q)) for q in (25, 60))
    budget = lambda b: {"column": column, "bound": b}                          # noqa: E731
    fitting = lambda w: w.get("id") == 1 and w.get("stage", "").startswith("fitting") and w["done"] == 15  # noqa: E731
    stepping = lambda w: w.get("id") == 1 and w.get("stage", "").endswith("step's path") and w["done"] == 2  # noqa: E731
    cases = {   # name: (old ask, when the newer is sent, newer ask, heads fitted beforehand)
        "typed cell during a column's first fit": ({"cell": seeds[0], "steps": 1, "budget": budget(low)}, fitting,
                                                   {"cell": seeds[1], "steps": 1}, False),
        "budget moved during its first fit": ({"cell": seeds[0], "steps": 1, "budget": budget(low)}, fitting,
                                              {"cell": seeds[0], "steps": 1, "budget": budget(high)}, False),
        "constrained ask during a 10-step path": ({"cell": seeds[2], "steps": 10}, stepping,
                                                  {"cell": seeds[1], "steps": 1, "budget": budget(high)}, True)}
    keep, res = os.environ.get("NAOVIZ_CACHE"), {"table": bench.name, "column": column, "cases": {}}
    for name, (old, when, new, ready) in cases.items():
        row = {}
        for way in ("before", "after"):
            with tempfile.TemporaryDirectory(prefix="naoviz-bench-newer-") as tmp:
                os.environ["NAOVIZ_CACHE"] = tmp
                heads_cache._heads.clear()
                heads_cache._paths.clear()
                handle = nao_handler(lambda: (nao, bench, spec.metric))
                if ready:
                    handle({"cell": seeds[0], "steps": 1, "etas": [0.0], "budget": budget(low)})
                    heads_cache._paths.clear()
                if way == "before":                       # the widget cannot stop a handler without should_stop
                    handler = lambda request, progress=None, handle=handle: handle(request, progress=progress)  # noqa: E731
                else:
                    handler = handle
                w = ExplorerWidget(atlas, handler=handler)
                times, replies, done = {}, {}, threading.Event()

                def on_work(change, w=w, when=when, new=new, times=times):
                    if "newer" not in times and when(dict(change["new"])):
                        times["newer"] = time.perf_counter()
                        w._handle_custom_msg({"type": "offgrid", "id": 2, **new}, [])

                def send(content, buffers=None, replies=replies, done=done, times=times):
                    replies[content["id"]] = content
                    if content["id"] == 2:
                        times["answer"] = time.perf_counter()
                    if len(replies) == 2:
                        done.set()
                w.observe(on_work, names="work")
                w.send = send
                t0 = time.perf_counter()
                w._handle_custom_msg({"type": "offgrid", "id": 1, **old}, [])
                if not done.wait(1800):
                    raise RuntimeError(f"{name}, {way}: no answer in 30 min")
                row[f"{way}_s"] = times["answer"] - times["newer"]
                row[f"{way}_old_superseded"] = bool(replies[1].get("superseded"))
                row[f"{way}_total_s"] = times["answer"] - t0
                row[f"{way}_decoded"] = replies[2].get("decoded")
                if not replies[2].get("ok"):
                    raise RuntimeError(f"{name}, {way}: {replies[2].get('message')}")
        row["same_answer"] = row.pop("before_decoded") == row.pop("after_decoded")
        row["ratio"] = row["before_s"] / row["after_s"]
        res["cases"][name] = row
    if keep is None:
        os.environ.pop("NAOVIZ_CACHE", None)
    else:
        os.environ["NAOVIZ_CACHE"] = keep
    return res


def _browser(atlas, bench, spec, nao, column, repeats: int) -> dict:
    """Seconds per figures set: each with its own browser (one-shot) against the kernel's kept browser."""
    from naoviz.ui.explorer_offgrid import nao_handler
    from naoviz.ui.explorer_widget import ExplorerWidget
    from naoviz.viz import kept_browser
    from naoviz.viz.print_sizes import export_sized
    w = ExplorerWidget(atlas, handler=nao_handler(lambda: (nao, bench, spec.metric)))
    w.budget_column, w.budget = column, float(np.nanmedian(bench.metric(column)))
    w.constrained_path()                                  # the page's ask, before the export button
    figs = w.figures()
    res = {"table": bench.name, "repeats": repeats, "sizes": {}}
    kept_browser.close()
    with tempfile.TemporaryDirectory(prefix="naoviz-bench-browser-") as folder:
        for size in ("screen", "7in"):
            row = {"one_shot_s": [], "kept_s": []}
            for i in range(repeats):                      # before: a browser started for each set
                t0 = time.perf_counter()
                paths = export_sized(figs, f"{folder}/one-{size}-{i}", "set", size, "png")
                row["one_shot_s"].append(time.perf_counter() - t0)
            with kept_browser.using() as kept:            # after: the kernel's kept browser (the first set starts it)
                before = kept.starts
                for i in range(repeats + 1):
                    t0 = time.perf_counter()
                    export_sized(figs, f"{folder}/kept-{size}-{i}", "set", size, "png")
                    row["kept_s"].append(time.perf_counter() - t0)
                row["browser_starts"] = kept.starts - before
            kept_browser.close()
            row["files"] = len(paths)
            row["one_shot_mean_s"] = float(np.mean(row["one_shot_s"]))
            row["kept_first_s"] = row["kept_s"][0]
            row["kept_later_mean_s"] = float(np.mean(row["kept_s"][1:]))
            row["ratio_later"] = row["one_shot_mean_s"] / row["kept_later_mean_s"]
            res["sizes"][size] = row
    return res


def _browser_text(out: dict) -> str:
    lines = [f"{out['table']}: the explorer's figures sets, seconds each ({out['repeats']} each way)"]
    for size, r in out["sizes"].items():
        lines.append(f"  {size} ({r['files']} files): one browser start per set {r['one_shot_mean_s']:.2f} s "
                     f"({', '.join(f'{v:.2f}' for v in r['one_shot_s'])}); kept browser: first set "
                     f"{r['kept_first_s']:.2f} s (starts it), later sets {r['kept_later_mean_s']:.2f} s "
                     f"({', '.join(f'{v:.2f}' for v in r['kept_s'][1:])}): x{r['ratio_later']:.1f}, "
                     f"{r['browser_starts']} start(s)")
    return "\n".join(lines)


def _newer_text(out: dict) -> str:
    lines = [f"{out['table']}, budget column {out['column']}: seconds from a newer ask to its answer while an old one runs"]
    for name, r in out["cases"].items():
        lines.append(f"  {name}: before {r['before_s']:.2f} s, after {r['after_s']:.2f} s: x{r['ratio']:.1f} "
                     f"(old ask superseded: before {r['before_old_superseded']}, after {r['after_old_superseded']}; "
                     f"same answer: {r['same_answer']})")
    return "\n".join(lines)


def _print(out: dict) -> None:
    print(f"{out['table']}: budget {out['column']} <= {out['bound']:.4g}, {out['seeds']} seeds x {out['etas']} etas, "
          f"torch threads {out['torch_threads']}, before's fit on {out['before_threads']}")
    print(f"  first ask of the column: before {out['first_ask_before_s']:.1f} s (fit {out['before_fit_s']:.1f} s), "
          f"after {out['first_ask_after_s']:.1f} s (fit {out['after_fit_s']:.1f} s): x{out['ratio_first_ask']:.1f}")
    print(f"  a later session: after {out['later_session_after_s']:.2f} s (heads loaded in {out['after_load_s']:.2f} s)"
          f": x{out['ratio_later_session']:.0f} against before's every session")
    print(f"  one path: before {out['before_path_s']:.2f} s, after {out['after_path_s']:.2f} s")
    print(f"  decoded cells identical: {out['cells_identical']} of {out['cells']} "
          f"({out['paths_identical']} of {out['seeds']} paths)")
    e = out.get("export")
    if e:
        for size in ("screen", "7in"):
            print(f"  export {size} ({e[f'{size}_files']} files): before {e[f'{size}_before_s']:.1f} s, "
                  f"after {e[f'{size}_after_s']:.1f} s: x{e[f'{size}_ratio']:.2f}")


if __name__ == "__main__":
    sys.exit(main())
