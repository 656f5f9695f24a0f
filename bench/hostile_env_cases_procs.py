"""bench/hostile_env.py's cases on processes (``--only kill,stop,concurrent``): SIGKILL part way and torn cache
entries, a command stopped by SIGTERM, and two processes on one cache entry, store or run at once."""
from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from hostile_env_common import (OWN_CELLS, Ctx, case, evaluations, notes, refusal, run_ids, success,
                                tmp_files)   # bench/hostile_env_common.py (this script's folder is on sys.path)

sys.path.append(str(Path(__file__).resolve().parent.parent / "tests"))
from _procs import group  # noqa: E402  (tests/_procs.py: the /proc reader the tests use too)


# -- 3. SIGKILL mid-write, torn entries -----------------------------------------------------------------
def _kill_after(c: Ctx, args, seconds, env=None):
    p = c.start(args, env)
    time.sleep(seconds)
    if p.poll() is None:
        p.send_signal(signal.SIGKILL)
    p.communicate()
    return p.returncode


def _kill_at(c: Ctx, args, store: Path, n: int, env=None):
    """Start ``args`` and SIGKILL it as soon as ``store`` holds ``n`` evaluations (polled every 20 ms)."""
    p = c.start(args, env)
    deadline = time.monotonic() + c.timeout
    while p.poll() is None and time.monotonic() < deadline:
        try:
            if store.is_file() and len(evaluations(store)) >= n:
                p.send_signal(signal.SIGKILL)
                break
        except sqlite3.Error:
            pass
        time.sleep(0.02)
    p.communicate()
    return p.returncode


def _clear(folder: Path) -> None:
    """Remove everything in ``folder`` (files, and a stopped build's ``.partial`` folder)."""
    for p in folder.glob("*"):
        shutil.rmtree(p) if p.is_dir() else p.unlink()


def kill_cases(c: Ctx) -> list:
    out = []
    atlas = ["atlas", "--table", "digits", "--etas", "1:3", "--maps", "pca"]
    for secs in (3, 6):
        env = c.env(c.tmp / f"cache-kill-{secs}")
        rc = _kill_after(c, atlas, secs, env)
        r = c.run(atlas, env=env)
        out.append(case(f"atlas build SIGKILLed after {secs} s, run again", "naoviz " + " ".join(atlas), r,
                        f"killed: {rc == -9}; lock left: {len(list((c.tmp / f'cache-kill-{secs}').rglob('*.lock')))}",
                        success(r)))
    # a stored NAO search killed part way: the next one resumes it, without losing or repeating evaluations
    store, alone = c.tmp / "k.db", c.tmp / "k-alone.db"
    nao = ["search", "--algo", "nao", "--queries", "100", "--seed", "2", "--no-progress"]
    env = c.env(c.tmp / "cache-nao")
    c.run(["search", "--algo", "nao", "--queries", "20", "--no-progress"], env=env)     # pretrained once
    rc = _kill_at(c, [*nao, "--store", store], store, 30, env)
    done = len(evaluations(store))
    run_id = run_ids(store)[-1]
    r = c.run(["search", "--store", store, "--resume", run_id, "--no-progress"], env=env)
    single = c.run([*nao, "--store", alone], env=env)
    got, want = evaluations(store, run_id), evaluations(alone)
    why = success(r) + [f"single: {w}" for w in success(single)]
    if got != want:
        why.append(f"resumed {len(got)} evaluations, single run {len(want)}, equal: {got == want}")
    out.append(case("nao search --store SIGKILLed, --resume", f"naoviz {' '.join(nao)} --store S; kill -9; "
                    "--resume", r, f"killed: {rc == -9} at {done}/100; resumed == single run: {got == want}", why))
    # pretraining killed (its lock held), then the search again
    env = c.env(c.tmp / "cache-pre")
    rc = _kill_after(c, ["search", "--algo", "nao", "--queries", "20", "--no-progress"], 4, env)
    r = c.run(["search", "--algo", "nao", "--queries", "20", "--no-progress"], env=env)
    out.append(case("pretraining SIGKILLed, search again", "naoviz search --algo nao --queries 20", r,
                    f"killed: {rc == -9}", success(r)))
    # torn cache entries: one note, rebuilt, the next run silent
    cache = c.tmp / "cache-torn"
    env = c.env(cache)
    c.run(atlas, env=env)
    c.run(["search", "--algo", "nao", "--queries", "20", "--no-progress"], env=env)
    torn = [("atlas safetensors", lambda: next((cache / "atlases").glob("*.safetensors")), atlas),
            ("atlas json", lambda: next((cache / "atlases").glob("*.json")), atlas),
            ("map npz", lambda: next((cache / "projections").glob("*.npz")), atlas),
            ("pretrained weights", lambda: next((cache / "pretrain").glob("*/pretrain.safetensors")),
             ["search", "--algo", "nao", "--queries", "20", "--no-progress"]),
            ("pretrained json", lambda: next((cache / "pretrain").glob("*/pretrain.json")),
             ["search", "--algo", "nao", "--queries", "20", "--no-progress"])]
    own = c.tmp / "own.csv"                         # an own table: its NAO model is trained and cached
    own.write_text("arch_str,valid_acc\n" + "".join(f"{a},{80 + i}\n" for i, a in enumerate(OWN_CELLS)))
    own_atlas = ["atlas", "--table", own, "--maps", "pca", "--etas", "1:3"]
    c.run(own_atlas, env=env)
    torn.append(("NAO model", lambda: next((cache / "models").glob("*/nao.safetensors")), own_atlas))
    for what, path, args in torn:
        if what in ("map npz", "NAO model"):        # read only when the atlas is built again
            _clear(cache / "atlases")
        f = path()
        whole = f.read_bytes()
        f.write_bytes(whole[:min(1000, len(whole) // 2)])
        r = c.run(args, env=env)
        if what == "NAO model":
            _clear(cache / "atlases")
        again = c.run(args, env=env)
        why = success(r) + [f"rerun: {w}" for w in success(again)]
        if len(notes(r["err"])) != 1 or len(notes(r["err"])[0]) > 200:
            why.append(f"{len(notes(r['err']))} note lines")
        if notes(again["err"]):
            why.append("rerun still notes")
        out.append(case(f"torn cached {what}", "naoviz " + " ".join(map(str, args)), r,
                        f"note: {(notes(r['err']) or ['none'])[0][-60:]}; rerun silent: {not notes(again['err'])}",
                        why))
    return out


# -- 4. stopped by a signal, and what a SIGKILLed write leaves ------------------------------------------
def _dead_pid() -> int:
    """The PID of a process that has ended (what a SIGKILLed writer's temporary file is named after)."""
    p = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(p.stdout)


def _stopped_cluster(c: Ctx, how: str) -> dict:
    """``search --local-cluster 2 --store`` stopped once evaluations flow: ``timeout`` (SIGTERM to the command,
    then to its whole group, as timeout(1) sends it) or ``pid`` (``kill PID``). Clean: exit 143, stderr only
    the run line and the stop line (no traceback, Dask warning or "leaked semaphore"), the run "stopped", no
    process of the group left."""
    store = c.tmp / f"cluster-{how}.db"
    args = ["search", "--algo", "rs", "--queries", "300", "--delay", "0.3", "--local-cluster", "2", "--store",
            store, "--no-progress"]
    p = subprocess.Popen(c.argv(args), cwd=c.tmp, env=c.env(), text=True, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + c.timeout
    while p.poll() is None and time.monotonic() < deadline:
        try:
            if store.is_file() and len(evaluations(store)) >= 2:
                break
        except sqlite3.Error:
            pass
        time.sleep(0.05)
    if p.poll() is None:
        os.kill(p.pid, signal.SIGTERM)
        if how == "timeout":
            time.sleep(0.2)
            os.killpg(p.pid, signal.SIGTERM)
    r = c.finish(p)
    lines = [x for x in r["err"].splitlines() if x.strip()]
    why = [] if r["rc"] == 143 else [f"exit {r['rc']}"]
    why += [w for w in ("Traceback", "leaked semaphore", "WARNING") if w in r["err"]]
    if len(lines) != 2 or not lines[1].startswith("naoviz search: stopped by SIGTERM"):
        why.append(f"{len(lines)} stderr lines")
    status = None
    try:
        conn = sqlite3.connect(store)
        status = conn.execute("SELECT status FROM runs ORDER BY created DESC LIMIT 1").fetchone()[0]
        conn.close()
    except (sqlite3.Error, TypeError):
        pass
    if status != "stopped":
        why.append(f"run {status}")
    end = time.monotonic() + 15
    while group(p.pid) and time.monotonic() < end:
        time.sleep(0.1)
    left = len(group(p.pid))
    if left:
        why.append(f"{left} processes left")
    sent = "kill PID; kill -TERM -PGID" if how == "timeout" else "kill PID"
    return case(f"search --local-cluster 2 stopped ({sent})", f"naoviz {' '.join(map(str, args))}; {sent}", r,
                f"{len(lines)} stderr lines; run {status}; {left} processes left", why)


def stop_cases(c: Ctx) -> list:
    out = [_stopped_cluster(c, "timeout"), _stopped_cluster(c, "pid")]
    # what a SIGKILLed write leaves (its .NAME.PID.tmp, the PID gone), then the same command: cleared
    d = c.tmp / "stale"
    args = ["compare", "--algos", "rs", "--queries", "5", "--seeds", "2", "--out", d, "--no-progress"]
    first = c.run(args)
    pid = _dead_pid()
    planted = [d / f".summary.json.{pid}.tmp", d / f".compare.html.{pid}.tmp", d / f".compare.png.{pid}.tmp-1.png"]
    for f in planted:
        f.write_bytes(b"half a file")
    r = c.run(args)
    left = tmp_files(d) + sorted(f.name for f in d.iterdir() if ".tmp-" in f.name)
    why = [f"first run: {w}" for w in success(first)] + success(r) + ([f"left {left}"] if left else [])
    out.append(case("compare --out after a SIGKILLed write's .tmp", "naoviz " + " ".join(map(str, args)) +
                    "  (.summary.json.PID.tmp etc. of a dead PID beside)", r, f"{len(left)} of 3 .tmp left", why))
    return out


# -- 5. two processes at once ---------------------------------------------------------------------------
def _pair(c: Ctx, args_a, args_b, env=None, stagger=0.5):
    a = c.start(args_a, env)
    time.sleep(stagger)
    b = c.start(args_b, env)
    return c.finish(a), c.finish(b)


def concurrent_cases(c: Ctx) -> list:
    out = []
    atlas = ["atlas", "--table", "digits", "--etas", "1:3", "--maps", "pca", "--json"]
    env = c.env(c.tmp / "cache-two")
    a, b = _pair(c, atlas, atlas, env)
    why = success(a) + success(b)
    same = False
    try:
        ja, jb = json.loads(a["out"]), json.loads(b["out"])
        ja.pop("seconds", None), jb.pop("seconds", None)
        same = ja == jb
    except ValueError:
        why.append("no JSON")
    entries = len(list((c.tmp / "cache-two" / "atlases").glob("*.safetensors")))
    if not same or entries != 1:
        why.append(f"same: {same}, entries {entries}")
    out.append(case("two atlas builds of one entry", "naoviz " + " ".join(atlas) + "  (x2, empty cache)", b,
                    f"both exit 0, same atlas: {same}, {entries} entry", why))
    # two searches on one store: two runs, each a single run's evaluations
    store, alone = c.tmp / "two.db", c.tmp / "two-alone.db"
    s = ["search", "--algo", "re", "--queries", "100", "--no-progress"]
    a, b = _pair(c, [*s, "--seed", "1", "--store", store], [*s, "--seed", "2", "--store", store], stagger=0.2)
    c.run([*s, "--seed", "1", "--store", alone])
    c.run([*s, "--seed", "2", "--store", alone])
    ids, ida = run_ids(store), run_ids(alone)
    seeds_ok = sorted(map(tuple, (evaluations(store, i) for i in ids))) == \
        sorted(map(tuple, (evaluations(alone, i) for i in ida)))
    why = success(a) + success(b) + ([] if seeds_ok and len(ids) == 2 else ["runs differ from single runs"])
    out.append(case("two searches on one store", "naoviz " + " ".join(s) + " --seed 1|2 --store S  (at once)", b,
                    f"{len(ids)} runs, each == a single run: {seeds_ok}", why))
    # two --resume of one run at once: one refuses in one line, the other finishes; no duplicates
    store, alone = c.tmp / "res.db", c.tmp / "res-alone.db"
    nao = ["search", "--algo", "nao", "--queries", "100", "--seed", "5", "--no-progress"]
    env = c.env(c.tmp / "cache-nao")
    c.run(["search", "--algo", "nao", "--queries", "20", "--no-progress"], env=env)     # pretrained once
    _kill_at(c, [*nao, "--store", store], store, 30, env)
    run_id = run_ids(store)[-1]
    resume = ["search", "--store", store, "--resume", run_id, "--no-progress"]
    a, b = _pair(c, resume, resume, env, stagger=0.3)
    c.run([*nao, "--store", alone], env=env)
    got, want = evaluations(store, run_id), evaluations(alone)
    ok = sorted(r["rc"] == 0 for r in (a, b)) == [False, True]
    loser = a if a["rc"] != 0 else b
    why = ([] if ok else [f"exits {a['rc']}, {b['rc']}"]) + refusal(loser)
    if got != want:
        why.append(f"{len(got)} evaluations vs single {len(want)}, duplicates {len(got) - len(set(got))}")
    out.append(case("two --resume of one run", "naoviz search --store S --resume ID  (x2 at once)", loser,
                    f"one exit 0: {ok}; == single run: {got == want}", why))
    # two compare --store of one comparison: one holds the record
    store = c.tmp / "cmp.db"
    cmp_args = ["compare", "--algos", "re", "--queries", "300", "--seeds", "4", "--store", store, "--no-progress"]
    a, b = _pair(c, cmp_args, cmp_args, stagger=0.3)
    ok = sorted(r["rc"] == 0 for r in (a, b))
    loser = a if a["rc"] != 0 else b
    # one refuses in one line while the other holds the comparison, or (the first done before the second
    # looked) the second takes its runs up from the store; either way 4 runs of 300, none twice
    why = refusal(loser) if ok == [False, True] else ([] if ok == [True, True] else [f"exits {a['rc']}, {b['rc']}"])
    conn = sqlite3.connect(store)
    try:
        counts = [n for (n,) in conn.execute("SELECT COUNT(*) FROM evaluations GROUP BY run_id")]
    finally:
        conn.close()
    if sorted(counts) != [300] * 4:
        why.append(f"evaluations per run {sorted(counts)}")
    out.append(case("two compare --store of one comparison", "naoviz " + " ".join(map(str, cmp_args)) + " (x2)",
                    loser, f"exits {a['rc']}, {b['rc']}; evaluations per run {sorted(set(counts))}", why))
    return out

