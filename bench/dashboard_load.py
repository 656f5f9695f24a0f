"""Classroom load: N visitors open the dashboard at once against one `naoviz dashboard` server on loopback.

Starts the real server (Voila, naoviz's template, --pool-size and --cull-idle as given), opens N pages in
Debian Chromium (one browser context per visitor, like separate students), and reports per visitor: time to
interactive (the explorer marks itself ``data-ready``), bytes received over the websocket, and the
in-browser time of one slider step; per kernel (oldest first): RSS, PSS, CPU seconds and which heavy
packages (pandas, scipy, torch, sklearn, numba...) it has imported; and the CPU seconds the server (dashboard, Voila,
kernels) and the browser (every Chromium process) spent until all pages were interactive: both share this
machine's cores here, while a classroom's browsers run on the students' machines. The baseline in the same run is visitor 1 (N=1 first):
``ratio`` is the mean time to interactive at N over that at N=1.
``--cold`` starts every server on an empty cache (nothing trained: the model and the quick atlas are built while
the first visitors wait) and also reports the seconds from launching ``naoviz dashboard`` to each page's first
interactive explorer.
``--client protocol`` replaces the browsers by protocol visitors (bench/load_client.py): the server measured alone.
Run: .venv/bin/python bench/dashboard_load.py --visitors 1,10,30 [--table nb201-digits] [--cold] [--client protocol] [--settle 20] [--json]
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Optional

READY = ".nx-root[data-ready='1']"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _processes() -> dict[int, tuple[int, bytes]]:
    """pid -> (parent pid, command line) of every process we can read."""
    out = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                out[int(entry.name)] = (ppid, (entry / "cmdline").read_bytes())
            except (OSError, ValueError, IndexError):
                continue
    return out


def kernel_pids(root_pid: int) -> list[int]:
    """Kernel processes (ipykernel) anywhere below ``root_pid`` (naoviz dashboard -> voila -> kernels)."""
    procs = _processes()
    return [pid for pid in server_tree(root_pid, procs) - {root_pid} if b"ipykernel" in procs[pid][1]]


def cpu_seconds(match) -> float:
    """User + system CPU seconds so far of every live process whose (pid, command line) satisfies ``match``."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid, (_, cmd) in _processes().items():
        if match(pid, cmd):
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / tick
            except (OSError, ValueError, IndexError):
                continue
    return total


def server_tree(root_pid: int, procs: Optional[dict] = None) -> set:
    """PIDs of ``root_pid`` and everything below it (naoviz dashboard -> voila -> kernels)."""
    procs = _processes() if procs is None else procs
    below, frontier = {root_pid}, {root_pid}
    while frontier:
        frontier = {pid for pid, (ppid, _) in procs.items() if ppid in frontier} - below
        below |= frontier
    return below


def kernels_rss_mb(root_pid: int) -> list[float]:
    """RSS in MB of every kernel process below ``root_pid``."""
    return [k["rss_mb"] for k in kernels_memory(root_pid)]


# Packages with extension modules, seen in a process's memory map once imported (pure-Python ones, plotly or umap
# itself, leave no trace there; umap brings numba, pynndescent and sklearn, which do)
HEAVY = ("pandas", "scipy", "torch", "sklearn", "numba", "llvmlite", "pyarrow", "matplotlib", "PIL")


def kernels_memory(root_pid: int) -> list[dict]:
    """Per kernel process below ``root_pid``, oldest first (Voila's pre-started kernel, then one per visitor):
    RSS and PSS (its share of pages shared with the other kernels) in MB, its CPU seconds so far, and the HEAVY
    packages mapped in it."""
    out = []
    for pid in kernel_pids(root_pid):
        try:
            status = Path(f"/proc/{pid}/status").read_text().splitlines()
            rss = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) / 1024
            try:
                rollup = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
                pss = next(int(line.split()[1]) for line in rollup if line.startswith("Pss:")) / 1024
            except (OSError, StopIteration):
                pss = None
            maps = Path(f"/proc/{pid}/maps").read_text()
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            started, cpu = int(fields[19]), (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, StopIteration, ValueError, IndexError):
            continue
        out.append({"pid": pid, "started": started, "rss_mb": rss, "pss_mb": pss, "cpu_s": cpu,
                    "heavy": [name for name in HEAVY if f"/{name}/" in maps]})
    return [{k: v for k, v in row.items() if k != "started"} for row in sorted(out, key=lambda r: r["started"])]


def wait_http(port: int, proc, log_path: Path, timeout: float = 120) -> str:
    """Wait until the server answers; the URL it printed (``naoviz dashboard: http://...?token=...``)."""
    import http.client
    import re
    deadline = time.time() + timeout
    while not (found := re.search(r"naoviz dashboard: (http://\S+)", log_path.read_text(errors="replace"))):
        if proc.poll() is not None or time.time() > deadline:
            raise SystemExit("dashboard server did not start")
        time.sleep(0.2)
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/voila/static/voila.js")
            conn.getresponse().read()
            return found.group(1)
        except OSError:
            if proc.poll() is not None or time.time() > deadline:
                raise SystemExit("dashboard server did not start")
            time.sleep(0.3)


def visit_all(url: str, n: int, timeout_s: float, on_open=None, browsers: int = 1) -> list[dict]:
    """Open ``n`` pages at once, spread over ``browsers`` Chromium processes (a classroom: one each); per page:
    seconds to interactive, websocket bytes in, slider step ms. ``url``: the one the server printed (its token)."""
    from playwright.sync_api import sync_playwright
    results = []
    with sync_playwright() as pw:
        launched = [pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
                    for _ in range(max(1, min(browsers, n)))]
        pages = []
        for i in range(n):
            ctx = launched[i % len(launched)].new_context(viewport={"width": 1280, "height": 900})
            page = ctx.new_page()
            rec = {"ws_bytes": 0, "start": time.perf_counter()}

            def on_ws(ws, rec=rec):
                ws.on("framereceived", lambda payload, rec=rec: rec.__setitem__(
                    "ws_bytes", rec["ws_bytes"] + len(payload)))
            page.on("websocket", on_ws)
            # Start the navigation without waiting for its first byte: Voila answers a page only once its
            # kernel has run the notebook, so goto(wait_until="commit") would queue the visitors one by one.
            page.evaluate("url => { window.location.href = url; }", url)
            pages.append((page, rec))
        deadline = time.perf_counter() + timeout_s
        for page, rec in pages:
            left = max(1.0, deadline - time.perf_counter())
            try:
                page.wait_for_selector(READY, timeout=left * 1000, state="attached")
                rec["interactive_s"] = time.perf_counter() - rec["start"]
            except Exception:
                rec["interactive_s"] = None
        for page, rec in pages:
            if rec["interactive_s"] is None:
                rec["step_ms"] = None
                continue
            rec["step_ms"] = page.evaluate("""() => {
                const s = document.querySelector(".nx-root[data-ready='1'] .nx-slider");
                if (!s) return null;
                const t = performance.now();
                s.value = String(Math.min(Number(s.max), Number(s.value) + 1));
                s.dispatchEvent(new Event('input', {bubbles: true}));
                void document.body.offsetHeight;            // include the layout the redraw causes
                return performance.now() - t; }""")
            results.append({k: v for k, v in rec.items() if k != "start"})
        if on_open is not None:
            on_open()                          # measure while every tab is still open
        for browser in launched:
            browser.close()
    return results


def record_reference(args) -> dict:
    """A server of its own and one real Chromium visit to it: the static files a page fetches (which the protocol
    visitors fetch too) and that visit's seconds to interactive."""
    from load_client import record_statics
    port = free_port()
    cmd = [sys.executable, "-m", "naoviz.cli", "dashboard", "--port", str(port), "--table", args.table]
    log_path = Path(args.log_dir) / "voila-reference.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        try:
            url = wait_http(port, proc, log_path)
            time.sleep(args.settle)
            return record_statics(url, CHROMIUM_ARGS, READY, args.timeout, visits=args.reference_visits)
        finally:
            proc.terminate()
            proc.wait(30)


def run_load(n: int, args) -> dict:
    port = free_port()
    cmd = [sys.executable, "-m", "naoviz.cli", "dashboard", "--port", str(port), "--pool-size", str(args.pool_size),
           "--cull-idle", str(args.cull_idle), "--table", args.table]
    log_path = Path(args.log_dir) / f"voila-{n}.log"
    log = open(log_path, "w")
    env = dict(os.environ)
    if args.cold:
        env["NAOVIZ_CACHE"] = tempfile.mkdtemp(prefix="naoviz-load-cold-")
        env["NAOVIZ_SHIPPED_OFF"] = "1"
    launched = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        url = wait_http(port, proc, log_path)
        time.sleep(args.settle)                # a server already running when the class arrives (--settle)
        t = time.perf_counter()
        held: dict = {}

        def cpu_now():                         # (server: dashboard + voila + kernels, browser: chromium)
            tree = server_tree(proc.pid)
            return (cpu_seconds(lambda pid, cmd: pid in tree), cpu_seconds(lambda pid, cmd: b"chrom" in cmd))
        cpu0 = cpu_now()
        on_open = lambda: held.update(kernels=kernels_memory(proc.pid), cpu=cpu_now())   # noqa: E731
        if args.client == "protocol":
            from load_client import visit_all_protocol
            visits = [{"interactive_s": v["served_s"] if v.get("explorer") else None,
                       "ws_bytes": v.get("bytes_ws", 0), "http_bytes": v.get("bytes_http", 0), "step_ms": None,
                       "page_s": v.get("page_s"), "error": v.get("error")}
                      for v in visit_all_protocol(url, n, args.statics, args.timeout, on_open=on_open)]
        else:
            visits = visit_all(url, n, args.timeout, on_open=on_open, browsers=args.browsers)
        wall = time.perf_counter() - t
        kernels = held.get("kernels", [])
        rss = [k["rss_mb"] for k in kernels]
        closed = time.perf_counter()           # every tab is closed now: how long until their kernels go?
        while len(kernel_pids(proc.pid)) > args.pool_size and time.perf_counter() - closed < args.cull_idle + 120:
            time.sleep(2)
        gone_s = time.perf_counter() - closed
        left = len(kernel_pids(proc.pid))
    finally:
        proc.terminate()
        proc.wait(30)
        log.close()
    ok = [v for v in visits if v["interactive_s"] is not None]
    cpu1 = held.get("cpu", (float("nan"), float("nan")))
    errors = sorted({v["error"] for v in visits if v.get("error")})
    return {"visitors": n, "client": args.client, "browsers": min(args.browsers, n) if args.client == "browser" else 0,
            "interactive": len(ok), "wall_s": wall, "errors": errors[:3],
            "page_s_max": max((v["page_s"] for v in visits if v.get("page_s") is not None), default=None),
            "cold": bool(args.cold),
            "cpu_s_server": cpu1[0] - cpu0[0], "cpu_s_browser": cpu1[1] - cpu0[1],
            "from_launch_interactive_s_max": (t - launched) + max((v["interactive_s"] for v in ok), default=float("nan")),
            "interactive_s_mean": statistics.mean(v["interactive_s"] for v in ok) if ok else None,
            "interactive_s_max": max((v["interactive_s"] for v in ok), default=None),
            "ws_mb_mean": statistics.mean(v["ws_bytes"] for v in ok) / 1e6 if ok else None,
            "step_ms_mean": statistics.mean(v["step_ms"] for v in ok if v["step_ms"] is not None)
            if any(v["step_ms"] is not None for v in ok) else None,
            "kernels": len(rss), "kernel_rss_mb_mean": statistics.mean(rss) if rss else None,
            "kernel_rss_mb_max": max(rss, default=None),
            "kernel_pss_mb_mean": statistics.mean(k["pss_mb"] for k in kernels)
            if kernels and all(k["pss_mb"] is not None for k in kernels) else None,
            "kernels_with_heavy": sum(1 for k in kernels if k["heavy"]), "per_kernel": kernels,
            "closed_tabs_kernels_gone_s": gone_s, "kernels_left_after_close": left}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--visitors", default="1,10,30", help="comma list of N (default 1,10,30)")
    ap.add_argument("--table", default="nb201-digits", choices=["nb201", "nb201-digits"],
                    help="the table the explorer opens (default: the digits table, whose atlas ships)")
    ap.add_argument("--pool-size", type=int, default=1)
    ap.add_argument("--cull-idle", type=int, default=90)
    ap.add_argument("--browsers", type=int, default=1, help="Chromium processes the visitors are spread over "
                    "(default 1; N: one browser per visitor, as in a classroom)")
    ap.add_argument("--client", default="browser", choices=["browser", "protocol"],
                    help="browser: one Chromium page per visitor; protocol: what a page asks of the server (page, "
                         "static files, kernel websocket, widget state; bench/load_client.py) without drawing, so "
                         "the server is measured alone (the static files are those of one real Chromium visit)")
    ap.add_argument("--cold", action="store_true", help="empty cache: the first visits wait for the build")
    ap.add_argument("--reference-visits", type=int, default=5,
                    help="with --client protocol: real Chromium visits, one at a time, before the load (default 5)")
    ap.add_argument("--settle", type=float, default=0.0,
                    help="seconds between the server answering and the visitors arriving (default 0: at once; "
                         "e.g. 20: its pool of preheated kernels is ready, as for a class that arrives later)")
    ap.add_argument("--timeout", type=float, default=300, help="seconds for all N pages to become interactive")
    ap.add_argument("--log-dir", default=tempfile.mkdtemp(prefix="naoviz-load-"))
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    ns = [int(x) for x in args.visitors.split(",")]
    reference = None
    if args.client == "protocol":              # one real visit: the files a page fetches, its own drawing time
        reference = record_reference(args)
        args.statics = reference["statics"]
    rows = [run_load(n, args) for n in ns]
    base = rows[0]["interactive_s_mean"]
    for r in rows:
        r["ratio_interactive_vs_first"] = (r["interactive_s_mean"] / base) if base and r["interactive_s_mean"] else None
    ref = None if reference is None else {"browser_interactive_s": reference["browser_interactive_s"],
                                          "browser_interactive_s_median": statistics.median(reference["browser_interactive_s"]),
                                          "static_files": len(reference["statics"])}
    if args.json:
        print(json.dumps({"rows": rows, "reference_visit": ref, "logs": args.log_dir}, indent=2))
    else:
        if ref:
            times = ", ".join(f"{x:.2f}" for x in ref["browser_interactive_s"])
            print(f"reference Chromium visits (warm server, one at a time): interactive in {times} s "
                  f"(median {ref['browser_interactive_s_median']:.2f} s), {ref['static_files']} static files")
        for r in rows:
            print(" ".join(f"{k}={v:.2f}" if isinstance(v, float) else f"{k}={v}" for k, v in r.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
