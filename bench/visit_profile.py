"""Where a warm dashboard visit spends its time in the browser: one Chromium visit under the JS CPU profiler.

Starts ``naoviz dashboard`` (model and atlas cached: a warm server), waits ``--settle`` seconds for its
preheated kernel, opens the page once in a fresh browser context (an empty cache, a student's first visit) with
the DevTools protocol's sampling profiler on, and prints the seconds to an interactive explorer, the static
bytes, and the sampled CPU milliseconds by script file and by function. The baseline in the same run is the
whole profile: ``explorer_share`` is the explorer's own code (the anywidget module, a blob: URL) over all
sampled script time.
Run: NAOVIZ_DATA=../shared/data .venv/bin/python bench/visit_profile.py [--table nb201] [--json]
"""
from __future__ import annotations

import argparse
import collections
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dashboard_load import CHROMIUM_ARGS, READY, free_port, wait_http

IDLE = {"(idle)", "(program)", "(garbage collector)", "(root)"}


def profile_visit(url: str, timeout_s: float) -> dict:
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Profiler.enable")
        cdp.send("Profiler.setSamplingInterval", {"interval": 200})
        cdp.send("Profiler.start")
        t0 = time.perf_counter()
        page.goto(url, wait_until="commit", timeout=timeout_s * 1000)
        page.wait_for_selector(READY, state="attached", timeout=timeout_s * 1000)
        seconds = time.perf_counter() - t0
        profile = cdp.send("Profiler.stop")["profile"]
        static = page.evaluate("() => performance.getEntriesByType('resource')"
                               ".reduce((a, e) => a + (e.transferSize || 0), 0)")
        browser.close()
    nodes = {n["id"]: n["callFrame"] for n in profile["nodes"]}
    by_file, by_function = collections.Counter(), collections.Counter()
    for sample, dt_us in zip(profile["samples"], profile["timeDeltas"]):
        frame = nodes[sample]
        name = frame["url"].rsplit("/", 1)[-1].split("?")[0] or frame["functionName"] or "(native)"
        if frame["url"].startswith("blob:"):
            name = "explorer (anywidget module)"
        by_file[name] += dt_us / 1000
        by_function[f"{name}: {frame['functionName'] or '(anonymous)'}"] += dt_us / 1000
    script_ms = sum(v for k, v in by_file.items() if k not in IDLE)
    return {"interactive_s": seconds, "static_mb": static / 1e6, "script_ms": script_ms,
            "explorer_ms": by_file.get("explorer (anywidget module)", 0.0),
            "explorer_share": by_file.get("explorer (anywidget module)", 0.0) / script_ms if script_ms else None,
            "by_file_ms": dict(by_file.most_common(12)), "by_function_ms": dict(by_function.most_common(12))}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--table", default="nb201", choices=["nb201", "nb201-digits"])
    ap.add_argument("--settle", type=float, default=20.0, help="seconds between the server answering and the visit")
    ap.add_argument("--timeout", type=float, default=120.0)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    port = free_port()
    log_path = Path(tempfile.mkdtemp(prefix="naoviz-profile-")) / "dashboard.log"
    with open(log_path, "w") as log:
        server = subprocess.Popen([sys.executable, "-m", "naoviz.cli", "dashboard", "--port", str(port),
                                   "--table", args.table], stdout=log, stderr=subprocess.STDOUT)
        try:
            url = wait_http(port, server, log_path)          # the URL it printed, with its token
            time.sleep(args.settle)
            out = profile_visit(url, args.timeout)
        finally:
            server.terminate()
            server.wait(30)
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        print(f"interactive {out['interactive_s']:.2f} s, static {out['static_mb']:.2f} MB, "
              f"script {out['script_ms']:.0f} ms (explorer {out['explorer_ms']:.0f} ms, share {out['explorer_share']:.3f})")
        for k, v in out["by_file_ms"].items():
            print(f"  {v:8.0f} ms  {k}")
        for k, v in out["by_function_ms"].items():
            print(f"  {v:8.0f} ms  {k}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
