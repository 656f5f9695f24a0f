"""A hostile machine, not hostile arguments: what a user's disk, cache and other processes do to ``naoviz``.

Each case runs ``python -m naoviz.cli ...`` (the ``naoviz`` this Python imports; ``PYTHONPATH`` picks a checkout)
in fresh processes from a temporary folder, on real files, and judges the outcome:

* **environment**: ``NAOVIZ_CACHE`` a read-only folder, under a file, or unset with ``HOME`` read-only (run as
  ``nobody`` when this runs as root, since root writes through ``chmod 555``); ``NAOVIZ_DATA`` an empty
  folder, a file, or holding a truncated, cut mid-row, binary or empty table;
* **disk full**: a file size limit (``ulimit -f 200``: the write fails with EFBIG, as on a full disk) hit by
  ``atlas --out``, ``search --store``, ``compare --out``, ``export-page`` and ``build-table --out --store``;
* **SIGKILL** part way through an atlas build, a stored NAO search and a pretraining, then the same command
  again; **torn cache entries** (an atlas, a pretrained model, a map, an own table's NAO model cut short);
* **stopped**: ``search --local-cluster 2`` stopped by SIGTERM as ``timeout`` sends it (the command, then its
  group) and by ``kill PID``; ``compare --out`` run again beside the ``.NAME.PID.tmp`` files a SIGKILLed write
  leaves (the PID gone): no leftover after it;
* **two processes at once**: two atlas builds of one cache entry, two searches on one store, two
  ``--resume`` of one run, two ``compare --store`` of one comparison.

``clean`` means: no traceback, no hang (``--timeout``), a refusal is ONE last stderr line of at most 200
characters with a non-zero exit, the previous good file is byte for byte as it was with no half-written file
under its name, torn entries are rebuilt with one ``note:`` line, and a rerun (or a single run) gives the
result an undisturbed run gives. Anything else is a miss, printed with why.

    python bench/hostile_env.py [--json] [--timeout S]
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LIMIT = 200 * 1024                 # ``ulimit -f 200``
DATA = Path(os.environ.get("NAOVIZ_DATA", "/work/shared/data"))
TABLES = ("nb201_cifar10valid_200ep.csv", "nb201_test_acc_200ep.csv")
OWN_CELLS = ("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|",
             "|nor_conv_1x1~0|+|skip_connect~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_1x1~1|avg_pool_3x3~2|",
             "|avg_pool_3x3~0|+|nor_conv_3x3~0|skip_connect~1|+|nor_conv_1x1~0|nor_conv_3x3~1|skip_connect~2|",
             "|skip_connect~0|+|nor_conv_1x1~0|nor_conv_3x3~1|+|nor_conv_3x3~0|avg_pool_3x3~1|nor_conv_1x1~2|",
             "|nor_conv_3x3~0|+|avg_pool_3x3~0|nor_conv_1x1~1|+|skip_connect~0|skip_connect~1|nor_conv_3x3~2|")


class Ctx:
    """The temporary folder, the timeout, and how to run the command (optionally as ``nobody``, or capped)."""

    def __init__(self, tmp: Path, timeout: float):
        self.tmp, self.timeout = tmp, timeout

    def env(self, cache=None, **extra) -> dict:
        env = {**os.environ, "OMP_NUM_THREADS": "1", "NAOVIZ_DATA": str(DATA),
               "NAOVIZ_CACHE": str(cache or self.tmp / "cache")}
        env.update({k: v for k, v in extra.items() if v is not None})
        for k, v in extra.items():
            if v is None:
                env.pop(k, None)
        return env

    def argv(self, args, nobody=False) -> list:
        cmd = [sys.executable, "-m", "naoviz.cli", *map(str, args)]
        if nobody and os.geteuid() == 0:
            cmd = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *cmd]
        return cmd

    def run(self, args, env=None, limit=None, nobody=False) -> dict:
        """Run to the end (or the timeout): {rc, err, out, hang}."""
        def cap():
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
        try:
            p = subprocess.run(self.argv(args, nobody), cwd=self.tmp, env=env or self.env(), text=True,
                               capture_output=True, timeout=self.timeout, stdin=subprocess.DEVNULL,
                               preexec_fn=cap if limit else None)
            return {"rc": p.returncode, "err": p.stderr, "out": p.stdout, "hang": False}
        except subprocess.TimeoutExpired as exc:
            return {"rc": None, "err": str(exc.stderr or ""), "out": "", "hang": True}

    def start(self, args, env=None) -> subprocess.Popen:
        return subprocess.Popen(self.argv(args), cwd=self.tmp, env=env or self.env(), text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)

    def finish(self, p: subprocess.Popen) -> dict:
        try:
            out, err = p.communicate(timeout=self.timeout)
            return {"rc": p.returncode, "err": err, "out": out, "hang": False}
        except subprocess.TimeoutExpired:
            p.kill()
            out, err = p.communicate()
            return {"rc": None, "err": err, "out": out, "hang": True}


def last_line(err: str) -> str:
    lines = [x for x in err.replace("\r", "\n").splitlines() if x.strip()]
    return lines[-1].strip() if lines else ""


def notes(err: str) -> list:
    return [x for x in err.replace("\r", "\n").splitlines() if ": note: " in x]


def refusal(r: dict) -> list:
    """Why ``r`` is not a clean refusal ([] when it is)."""
    if r["hang"]:
        return ["hang"]
    why = []
    if "Traceback" in r["err"] + r["out"]:
        why.append("traceback")
    if r["rc"] == 0:
        why.append("exit 0")
    last = last_line(r["err"])
    if not last or len(last) > 200:
        why.append(f"last line {len(last)} chars")
    return why


def success(r: dict) -> list:
    if r["hang"]:
        return ["hang"]
    why = ["traceback"] if "Traceback" in r["err"] + r["out"] else []
    if r["rc"] != 0:
        why.append(f"exit {r['rc']}: {last_line(r['err'])[:120]}")
    return why


def digest(paths) -> dict:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(paths) if p.is_file()}


def tmp_files(folder: Path) -> list:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def evaluations(store: Path, run_id=None) -> list:
    conn = sqlite3.connect(store)
    try:
        q = "SELECT run_id, arch FROM evaluations ORDER BY id"
        rows = conn.execute(q).fetchall()
    finally:
        conn.close()
    return [a for r, a in rows if run_id is None or r == run_id]


def run_ids(store: Path) -> list:
    conn = sqlite3.connect(store)
    try:
        return [r[0] for r in conn.execute("SELECT id FROM runs ORDER BY created, rowid")]
    finally:
        conn.close()


def case(name, command, r, state, why) -> dict:
    return {"case": name, "command": command, "rc": None if r is None else r["rc"],
            "last": "" if r is None else last_line(r["err"])[:200], "state": state,
            "verdict": "clean" if not why else "miss: " + "; ".join(why)}


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


def _group(pgid: int) -> set:
    """Live (not zombie) processes of process group ``pgid`` (Linux /proc; empty elsewhere)."""
    out = set()
    for name in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if name.isdigit():
            try:
                fields = Path(f"/proc/{name}/stat").read_text().rpartition(")")[2].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] != "Z":
                out.add(int(name))
    return out


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
    while _group(p.pid) and time.monotonic() < end:
        time.sleep(0.1)
    left = len(_group(p.pid))
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


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--timeout", type=float, default=180.0, help="seconds a command may take (else: hang)")
    ap.add_argument("--only", default="env,disk,kill,stop,concurrent",
                    help="comma list of env, disk, kill, stop, concurrent")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    groups = {"env": env_cases, "disk": disk_cases, "kill": kill_cases, "stop": stop_cases,
              "concurrent": concurrent_cases}
    start = time.perf_counter()
    rows = []
    with tempfile.TemporaryDirectory(prefix="naoviz-hostile-env-") as d:
        tmp = Path(d)
        tmp.chmod(0o755)                       # ``nobody`` must reach it
        try:
            for name in args.only.split(","):
                rows += groups[name](Ctx(tmp, args.timeout))
        finally:
            for p in tmp.rglob("*"):           # the read-only folders, so the folder can go
                if p.is_dir():
                    p.chmod(0o755)
            shutil.rmtree(tmp, ignore_errors=True)
    clean = sum(r["verdict"] == "clean" for r in rows)
    result = {"cases": len(rows), "clean": clean, "wall_s": round(time.perf_counter() - start, 1), "rows": rows}
    if args.json:
        print(json.dumps(result, indent=1))
        return 0
    print(f"{clean}/{len(rows)} clean ({result['wall_s']:.0f} s)")
    print("| case | command | exit | last stderr line | state after | verdict |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        cells = [r["case"], r["command"], str(r["rc"]), r["last"], r["state"], r["verdict"]]
        print("| " + " | ".join(x.replace("|", "\\|") for x in cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
