"""``naoviz export-page OUT.html``: the explorer as one self-contained HTML file (no kernel, no network).

The atlas comes from ``--atlas PATH`` (a saved atlas: PATH.safetensors + PATH.json) or, without it, from
``naoviz.atlas_cache.atlas_for`` for ``--table`` (the dashboard's model, as ``naoviz atlas`` builds it: the
digits atlas ships in the package; an NB201 one is built once and cached). The page itself is
written by ``naoviz.explorer_page.write_page``, a backend serialiser (no widget library).
"""
from __future__ import annotations

import sys
from pathlib import Path

from naoviz.cli.common import (TABLE_METAVAR, cut, cut_path, explorer_metric, nonempty, path_arg, path_type, resolve_table,
                               say_table, writable_file)


def add_parser(sub) -> None:
    p = sub.add_parser("export-page", help="write the explorer as one offline HTML page (course site, supplement)",
                       description="Write the explorer over a table's atlas as one self-contained HTML file that "
                                   "runs from file:// with no kernel and no network. A table whose atlas is not "
                                   "cached gets its model and atlas built first (minutes, once; the digits "
                                   "atlas ships with naoviz).")
    p.add_argument("out", metavar="OUT.html", type=path_type, help="the HTML file to write")
    p.add_argument("--table", type=path_arg, metavar=TABLE_METAVAR, default="digits",
                   help="table whose cached atlas to export: digits (the default: shipped, offline), nb201, or the "
                        "path of a CSV table of your own (naoviz build-table --out)")
    p.add_argument("--atlas", metavar="PATH", type=path_type, default=None,
                   help="a saved atlas (PATH.safetensors + PATH.json) instead of the table's cached one")
    p.add_argument("--title", type=nonempty("a non-empty title (at most 200 characters)", 200),
                   default="naoviz explorer", help="the page's title (default: naoviz explorer)")
    p.set_defaults(func=run)


def _check_out(out: Path) -> Path:
    if out.suffix.lower() not in (".html", ".htm"):
        raise ValueError(f"OUT.html: must end in .html, got {cut_path(out)}")
    return writable_file(out, "OUT.html")


def _load_atlas(args):
    from naoviz.atlas import Atlas
    if args.atlas is not None:
        base = args.atlas.with_suffix("") if args.atlas.suffix in (".json", ".safetensors") else args.atlas
        if not base.with_suffix(".json").is_file() or not base.with_suffix(".safetensors").is_file():
            raise ValueError(f"--atlas: no atlas at {cut_path(base)} (needs .safetensors and .json)")
        try:
            return Atlas.load(base)
        except ValueError as exc:
            raise ValueError(f"--atlas: {exc}") from None
    from naoviz.atlas_cache import atlas_for, cached_atlas
    from naoviz.cli.atlas import stage_bars
    from naoviz.nao.cache import ModelSpec, is_cached
    bench = resolve_table(args.table)
    spec = ModelSpec(metric=explorer_metric(bench))                       # the dashboard's model
    say_table(bench, spec.metric)                     # after the table's checks: a refusal is one line
    atlas = cached_atlas(bench, spec)
    if atlas is not None:
        return atlas
    what = "building its atlas" if is_cached(bench, spec) else "training its model and building its atlas"
    print(f"naoviz export-page: no atlas cached for {bench.name} yet: {what} once (minutes on a CPU; "
          f"later exports take seconds)", file=sys.stderr, flush=True)
    progress, bars = stage_bars()
    atlas = atlas_for(bench, spec, progress=progress)          # as `naoviz atlas --table` builds it
    for bar in bars.values():
        bar.close()
    return atlas


def run(args) -> int:
    out = _check_out(args.out)                     # checked before any work
    if args.atlas is not None and args.table != "digits":
        raise ValueError(f"--atlas: give either --atlas or --table, not both (got --table {cut(args.table, 120)})")
    atlas = _load_atlas(args)
    from naoviz.explorer_page import write_page
    path = write_page(atlas, out, title=args.title)
    print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB): open it in a browser, no server needed")
    return 0
