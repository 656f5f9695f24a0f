"""A hostile browser: what each PNG export a user meets does when ``NAOVIZ_CHROMIUM`` names a launcher that never
starts (``exec sleep``: holds kaleido's pipe, answers nothing), one that starts Chromium and freezes it (SIGSTOP on
it and its children after ``--freeze-after`` s), or one that exits at once.

Entry points, each in a fresh process: ``naoviz.viz.export(fig, "x.png")``; notebook-style ``export_many`` of a PNG,
an SVG and a PDF; ``naoviz compare --out`` (``--queries 12 --seeds 2 --algos rs,re``; its PNG step turns an export
error into a ``note: PNG skipped`` line and exits 0); the explorer widget's **export figures** as the page asks it
(``_on_custom``: the reply the page shows). Printed per case: the seconds, the exit status, the last line (the reply
for the explorer), ``hang`` when it ran past ``--timeout`` (then killed), and the launcher's processes still alive
after it ended. ``--limit`` sets ``NAOVIZ_EXPORT_TIMEOUT`` (unset: naoviz's default, 60 s); a code without that
limit (before 2026-12-07) ignores it. Cases run ``--jobs`` at a time (they mostly wait).

    python bench/hostile_browser.py [--limit S] [--timeout 300] [--jobs 6] [--only export,many,compare,explorer]
                                    [--browsers "never starts,freezes,exits at once"] [--freeze-after 1] [--json]
"""
from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from _procs import group  # noqa: E402  tests/_procs.py: processes read from /proc

LOG = 'echo "$$ $(cut -d" " -f5 /proc/$$/stat)" >> "$LAUNCH_LOG"\n'     # each start: pid and process group
LAUNCHERS = {
    "never starts": "exec sleep 100000\n",
    "freezes": '{chromium} "$@" &\nb=$!\nsleep {after}\nkill -STOP $b\nfor c in $(pgrep -P $b); do kill -STOP $c; done\n'
               "wait $b\n",
    "exits at once": "exit 1\n",
}
FIG = "import plotly.graph_objects as go; fig = go.Figure(go.Scatter(x=[1, 2], y=[3, 4]))"
PROGRAMS = {
    "export": f"import sys; {FIG}; from naoviz.viz import export; export(fig, sys.argv[1] + '/x.png')",
    "many": f"import sys; {FIG}; from naoviz.viz import export_many; "
            "export_many([fig] * 3, [sys.argv[1] + n for n in ('/a.png', '/b.svg', '/c.pdf')])",
    "explorer": "import os, sys\nfrom naoviz.atlas_cache import cached_atlas\nfrom naoviz.nao.cache import ModelSpec\n"
                "from naoviz.tables import load_benchmark\nfrom naoviz.ui.explorer_widget import ExplorerWidget\n"
                "w = ExplorerWidget(cached_atlas(load_benchmark('nb201-digits'), ModelSpec()))\n"
                "w.send = lambda content, buffers=None: print('reply:', content.get('message') or content.get('ok'))\n"
                "os.environ['NAOVIZ_EXPORT_DIR'] = sys.argv[1]\n"
                "w._on_custom(w, {'type': 'export_figures', 'format': 'png'}, [])\n",
}


def run_case(tmp: Path, browser: str, entry: str, args) -> dict:
    d = tmp / f"{browser.replace(' ', '-')}-{entry}"
    d.mkdir()
    launcher, log = d / "chrome", d / "launched"
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    launcher.write_text("#!/bin/sh\n" + LOG + LAUNCHERS[browser].format(chromium=chromium, after=args.freeze_after))
    launcher.chmod(0o755)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NAOVIZ_CHROMIUM": str(launcher), "NAOVIZ_CACHE": str(d / "cache"),
           "LAUNCH_LOG": str(log), "OMP_NUM_THREADS": "1"}
    env.pop("NAOVIZ_EXPORT_TIMEOUT", None)
    if args.limit is not None:
        env["NAOVIZ_EXPORT_TIMEOUT"] = str(args.limit)
    if entry == "compare":
        cmd = [sys.executable, "-m", "naoviz.cli", "compare", "--algos", "rs,re", "--queries", "12", "--seeds", "2",
               "--out", str(d / "out"), "--no-progress"]
    else:
        cmd = [sys.executable, "-c", PROGRAMS[entry], str(d)]
    start = time.monotonic()
    try:
        p = subprocess.run(cmd, cwd=d, env=env, text=True, capture_output=True, timeout=args.timeout,
                           stdin=subprocess.DEVNULL)
        rc, text, hang = p.returncode, p.stdout + p.stderr, False
    except subprocess.TimeoutExpired as exc:
        rc, text, hang = None, str(exc.stdout or "") + str(exc.stderr or ""), True
    seconds = time.monotonic() - start
    time.sleep(2)                                       # a killed process group is reaped
    groups = [int(line.split()[1]) for line in log.read_text().splitlines()] if log.exists() else []
    left = sorted({pid for g in groups for pid in group(g)})
    for g in groups:                                    # the bench leaves nothing running either
        if group(g):
            os.killpg(g, signal.SIGKILL)
    lines = [x for x in text.splitlines() if x.strip()]
    if entry == "explorer":
        lines = [x for x in lines if x.startswith("reply:")] or lines
    elif entry == "compare":
        lines = [x for x in lines if "PNG skipped" in x] or lines
    return {"browser": browser, "entry": entry, "seconds": round(seconds, 1), "rc": rc, "hang": hang,
            "last": (lines[-1] if lines else "")[:220], "left_running": len(left), "starts": len(groups)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=float, default=None, help="NAOVIZ_EXPORT_TIMEOUT for the cases (default: unset)")
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds a case may take (else: hang, killed)")
    ap.add_argument("--freeze-after", type=float, default=1.0, help="seconds the freezing launcher lets Chromium run")
    ap.add_argument("--jobs", type=int, default=6)
    ap.add_argument("--only", default="export,many,compare,explorer")
    ap.add_argument("--browsers", default=",".join(LAUNCHERS), help="comma list of: " + ", ".join(LAUNCHERS))
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    entries = [e for e in args.only.split(",") if e]
    for e in entries:
        if e not in (*PROGRAMS, "compare"):
            ap.error(f"--only: unknown entry point {e!r}; use export, many, compare, explorer")
    browsers = [b for b in args.browsers.split(",") if b]
    for b in browsers:
        if b not in LAUNCHERS:
            ap.error(f"--browsers: unknown browser {b!r}; use " + ", ".join(LAUNCHERS))
    with tempfile.TemporaryDirectory(prefix="naoviz-hostile-browser-") as t:
        with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
            rows = list(pool.map(lambda be: run_case(Path(t), *be, args),
                                 [(b, e) for b in browsers for e in entries]))
    if args.json:
        print(json.dumps({"limit": args.limit, "timeout": args.timeout, "rows": rows}, indent=1))
        return 0
    print(f"NAOVIZ_EXPORT_TIMEOUT={args.limit if args.limit is not None else 'unset'}, --timeout {args.timeout:g} s")
    print("| browser | entry point | seconds | exit | hang | left running | last line |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['browser']} | {r['entry']} | {r['seconds']} | {r['rc']} | {'yes' if r['hang'] else 'no'} | "
              f"{r['left_running']} | {r['last'].replace('|', '/')} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
