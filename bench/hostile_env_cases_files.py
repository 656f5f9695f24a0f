"""bench/hostile_env.py's cases on files (``--only env,disk``): ``NAOVIZ_CACHE`` / ``HOME`` / ``NAOVIZ_DATA``
unusable or holding broken tables, and a file size limit (``ulimit -f``: the disk fills) hit mid-write."""
from __future__ import annotations

import os

from hostile_env_common import (DATA, LIMIT, TABLES, Ctx, case, digest, evaluations, refusal, run_ids, success,
                                tmp_files)   # bench/hostile_env_common.py (this script's folder is on sys.path)


# -- 1. the environment ---------------------------------------------------------------------------------
def env_cases(c: Ctx) -> list:
    out = []
    ro = c.tmp / "ro"
    (ro / "cache").mkdir(parents=True)
    (ro / "cache").chmod(0o555)
    ro.chmod(0o555)
    afile = c.tmp / "a-file"
    afile.write_text("x")
    for name, args, env, ok in [
        ("NAOVIZ_CACHE read-only, atlas to build", ["atlas", "--table", "digits", "--etas", "1:3", "--maps", "pca"],
         c.env(ro / "cache"), False),
        ("NAOVIZ_CACHE read-only, shipped atlas", ["atlas", "--table", "digits"], c.env(ro / "cache"), True),
        ("NAOVIZ_CACHE read-only, nao search", ["search", "--algo", "nao", "--queries", "20", "--no-progress"],
         c.env(ro / "cache"), False),
        ("NAOVIZ_CACHE under a file", ["search", "--algo", "nao", "--queries", "20", "--no-progress"],
         c.env(afile / "cache"), False),
        ("HOME read-only, no NAOVIZ_CACHE", ["search", "--algo", "nao", "--queries", "20", "--no-progress"],
         c.env(NAOVIZ_CACHE=None, XDG_CACHE_HOME=None, HOME=str(ro)), False)]:
        r = c.run(args, env=env, nobody=True)
        why = success(r) if ok else refusal(r)
        out.append(case(name, "naoviz " + " ".join(args), r, "as nobody" if os.geteuid() == 0 else "", why))
    # NAOVIZ_DATA: empty, a file, and folders holding a broken table
    broken = {"empty folder": {}, "truncated table (5 kB)": {0: lambda b: b[:5000]},
              "table cut mid-row": {1: lambda b: b[:len(b) // 2]}, "binary table": {1: lambda b: os.urandom(3000)},
              "empty table files": {0: lambda b: b"", 1: lambda b: b""}}
    for i, (what, edits) in enumerate(broken.items()):
        d = c.tmp / f"data-{i}"
        d.mkdir()
        if edits:
            for j, t in enumerate(TABLES):
                b = (DATA / t).read_bytes()
                (d / t).write_bytes(edits[j](b) if j in edits else b)
        out.append(_data_case(c, f"NAOVIZ_DATA {what}", d))
    out.append(_data_case(c, "NAOVIZ_DATA a file", afile))
    return out


def _data_case(c: Ctx, name, data) -> dict:
    args = ["search", "--algo", "rs", "--queries", "5", "--no-progress"]
    r = c.run(args, env=c.env(NAOVIZ_DATA=str(data)))
    return case(name, "naoviz " + " ".join(args), r, "", refusal(r))


# -- 2. the disk fills mid-write ------------------------------------------------------------------------
def _limited(c: Ctx, name, args, kept, limit=LIMIT, then=None, capped=None) -> dict:
    """``args`` once freely, then (``capped``, default the same) under the size limit: a clean refusal,
    ``kept()`` files unchanged, no .tmp left, and (``then``) a free rerun succeeding."""
    first = c.run(args)
    why = [f"first run: {w}" for w in success(first)]
    before = digest(kept())
    args = capped or args
    r = c.run(args, limit=limit)
    why += refusal(r)
    after = digest(kept())
    if after != before:
        why.append(f"changed: {sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))}")
    left = [f for k in kept() for f in tmp_files(k.parent) if f.startswith(f".{k.name}.")]
    if left:
        why.append(f"left {left}")
    again = c.run(then or args)
    why += [f"rerun: {w}" for w in success(again)]
    return case(name, f"ulimit -f {limit // 1024}; naoviz " + " ".join(map(str, args)), r,
                f"{len(before)} earlier file(s) {'intact' if after == before else 'CHANGED'}, "
                f"{len(left)} .tmp left, rerun exit {again['rc']}", why)


def disk_cases(c: Ctx) -> list:
    d = c.tmp / "disk"
    d.mkdir()
    out = [_limited(c, "atlas --out", ["atlas", "--table", "digits", "--out", d / "mine"],
                    lambda: list(d.glob("mine.*"))),
           _limited(c, "export-page", ["export-page", d / "page.html"], lambda: [d / "page.html"]),
           _limited(c, "compare --out", ["compare", "--algos", "rs", "--queries", "5", "--seeds", "2", "--out",
                                         d / "cmp", "--no-progress"], lambda: [d / "cmp" / "compare.html"])]
    # build-table: a finished build, then a bigger one under a cap its store outgrows; rerun resumes
    bt = ["build-table", "--epochs", "1", "--store", d / "bt.db", "--out", d / "bt.csv"]
    out.append(_limited(c, "build-table --out --store", [*bt, "--archs", "3"], lambda: [d / "bt.csv"],
                        limit=40 * 1024, then=[*bt, "--archs", "6"], capped=[*bt, "--archs", "6"]))
    # search --store: a finished run, then a long one under the cap; it resumes to a single run's evaluations
    store, alone = d / "s.db", d / "alone.db"
    long = ["search", "--algo", "rs", "--queries", "300", "--seed", "4", "--no-progress"]
    first = c.run(["search", "--algo", "rs", "--queries", "5", "--no-progress", "--store", store])
    why = [f"first run: {w}" for w in success(first)]
    kept = evaluations(store)
    r = c.run([*long, "--store", store], limit=LIMIT)
    why += refusal(r)
    if evaluations(store)[:len(kept)] != kept:
        why.append("the finished run's evaluations changed")
    ids = run_ids(store)
    resumed = c.run(["search", "--store", store, "--resume", ids[-1], "--no-progress"])
    why += [f"resume: {w}" for w in success(resumed)]
    single = c.run([*long, "--store", alone])
    why += [f"single run: {w}" for w in success(single)]
    same = evaluations(store, ids[-1]) == evaluations(alone) and len(evaluations(alone)) == 300
    if not same:
        why.append("resumed run differs from a single run")
    out.append(case("search --store", "ulimit -f 200; naoviz " + " ".join(long) + " --store S", r,
                    f"finished run intact; resume exit {resumed['rc']}; evaluations == single run: {same}", why))
    return out

