"""bench/hostile_env.py's shared parts: how a case runs ``python -m naoviz.cli`` (:class:`Ctx`: a temporary
folder, a timeout, optionally as ``nobody`` or under a file size limit) and how its outcome is judged (a clean
refusal, a success, files unchanged) and written as a row of the table."""
from __future__ import annotations

import hashlib
import os
import resource
import sqlite3
import subprocess
import sys
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

