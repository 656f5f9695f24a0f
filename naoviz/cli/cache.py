"""``naoviz cache``: what naoviz keeps on disk (per kind: count, size, oldest and newest) and its safe cleaning.

The listing, what is stale and the removal are ``naoviz.cache_admin``'s; this module parses, checks and prints.
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from naoviz.cache_admin import CLEAN_MODES
from naoviz.cli.common import cut, cut_path, emit_json, float_in, path_type

MAX_DAYS = 100_000.0


def add_parser(sub) -> None:
    p = sub.add_parser("cache", help="what naoviz keeps on disk (models, atlases, stopped builds...) and cleaning it",
                       description="List the cache folder ($NAOVIZ_CACHE or the per-user cache dir) per kind: "
                                   "trained models, atlases, stopped atlas builds, projections, visit keys, pretraining, "
                                   "cost heads, resources, leftovers (count, size, oldest, newest). --clean removes entries; "
                                   "one that a running build holds the lock of is skipped and reported. Files "
                                   "naoviz does not recognise are listed and never removed.")
    p.add_argument("--dir", type=path_type, default=None,
                   help="the cache folder (default: $NAOVIZ_CACHE, else the per-user cache dir)")
    p.add_argument("--clean", choices=CLEAN_MODES, default=None,
                   help="partial: stopped atlas builds' checkpoints; stale: entries no current naoviz reads "
                        "(older formats or builders, unfinished writes, lone lock files); all: everything naoviz wrote")
    p.add_argument("--older-than", type=float_in(0.0, MAX_DAYS), default=None, metavar="DAYS",
                   help="with --clean: only entries last written or read at least DAYS days ago (default: any age)")
    p.add_argument("--dry-run", action="store_true", help="with --clean: list what would go, remove nothing")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run)


def human(n: int) -> str:
    """``1234567`` -> ``1.2 MB`` (powers of 1000, as ``du --si``)."""
    if n < 1000:
        return f"{n} B"
    size = float(n)
    for unit in ("kB", "MB", "GB", "TB"):
        size /= 1000
        if size < 1000 or unit == "TB":
            break
    return f"{size:.1f} {unit}"


def _when(stamp: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(stamp)) if stamp else "-"


def check_root(path, option: str) -> Path:
    """The cache folder ``path`` (need not exist yet); ``ValueError`` naming ``option`` when it is a file or
    lies under one."""
    root = Path(path).expanduser()
    for p in (root, *root.absolute().parents):
        if p.exists():
            if not p.is_dir():
                raise ValueError(f"{option}: {cut_path(p)} is a file, not a folder")
            break
    return root


def _root(args):
    from naoviz.paths import cache_dir
    if args.dir is not None:
        return check_root(args.dir, "--dir")
    return check_root(cache_dir(create=False), "NAOVIZ_CACHE" if os.environ.get("NAOVIZ_CACHE") else "cache dir")


def run(args) -> int:
    for flag, value in (("--older-than", args.older_than), ("--dry-run", args.dry_run or None)):
        if value is not None and args.clean is None:
            raise ValueError(f"{flag}: only with --clean {'|'.join(CLEAN_MODES)}")
    root = _root(args)
    from naoviz import cache_admin
    entries = cache_admin.scan(root)
    if args.clean is None:
        return _list(root, entries, args.json)
    chosen = cache_admin.select(entries, args.clean, args.older_than)
    outcome = cache_admin.remove(chosen, dry_run=args.dry_run)
    left = [e for e in entries if e.kind == "other"]
    if args.json:
        emit_json({"cache_dir": str(root), "mode": args.clean, "older_than_days": args.older_than,
                   **outcome.as_dict(), "not_naoviz": [e.as_dict() for e in left]})
    else:
        _say_clean(root, outcome, left, args.clean == "all")
    failed = [(e, why) for e, why in outcome.skipped if why.startswith("cannot")]
    if failed:                                   # e.g. a file of another user: the rest was removed
        e, why = failed[0]
        print(f"naoviz cache: error: {len(failed)} entr{'y' if len(failed) == 1 else 'ies'} not removed, "
              f"first {cut(e.name, 120)}: {why}", file=sys.stderr)
        return 1
    return 0


def _list(root, entries, as_json: bool) -> int:
    from naoviz.cache_admin import KINDS, in_use_text, iso, summary
    kinds = summary(entries)
    stale = [e for e in entries if e.stale is not None and not e.in_use]
    busy = [e for e in entries if e.in_use]
    mine = [e for e in entries if e.kind != "other"]
    if as_json:
        emit_json({"cache_dir": str(root), "exists": root.is_dir(),
                   "kinds": {k: {**v, "oldest": iso(v["oldest"]), "newest": iso(v["newest"])} for k, v in kinds.items()},
                   "total_bytes": sum(e.size for e in mine), "stale": [e.as_dict() for e in stale],
                   "in_use": [e.as_dict() for e in busy]})
        return 0
    if not root.is_dir():
        print(f"cache folder {root}: does not exist yet (nothing kept)")
        return 0
    print(f"cache folder {root}")
    print(f"  {'kind':<20} {'count':>6} {'size':>9}  {'oldest':<16}  newest")
    for kind, v in kinds.items():
        if v["count"] or kind != "other":
            label = KINDS[kind] + (" (kept)" if kind == "other" else "")
            print(f"  {label:<20} {v['count']:>6} {human(v['bytes']):>9}  {_when(v['oldest']):<16}  {_when(v['newest'])}")
    print(f"  {'total':<20} {len(mine):>6} {human(sum(e.size for e in mine)):>9}")
    if stale:
        print(f"{len(stale)} stale (no current naoviz reads them, {human(sum(e.size for e in stale))}): "
              "naoviz cache --clean stale")
    stopped = [e for e in entries if e.kind == "partial" and not e.in_use]
    if stopped:
        print(f"{len(stopped)} stopped atlas build(s) ({human(sum(e.size for e in stopped))}; the next build of the "
              "same atlas resumes from them): naoviz cache --clean partial")
    for e in busy:
        print(f"{in_use_text(e.holder)}: {e.name}")
    return 0


def _say_clean(root, outcome, left, everything: bool) -> None:
    verb = "would remove" if outcome.dry_run else "removed"
    for e in outcome.removed:
        print(f"{verb} {human(e.size):>9}  {e.name}" + (f"  ({e.stale})" if e.stale else ""))
    for e, why in outcome.skipped:
        print(f"skipped {human(e.size):>9}  {e.name}  ({why})")
    n = len(outcome.removed)
    line = f"{verb} {n} entr{'y' if n == 1 else 'ies'}, {human(outcome.freed)} from {root}"
    if outcome.skipped:
        line += f"; skipped {len(outcome.skipped)}"
    print(line)
    if everything and left:
        print(f"left {len(left)} file(s) naoviz does not recognise ({human(sum(e.size for e in left))}), e.g. {left[0].name}")
