"""``naoviz dashboard``: serve the teaching app (notebooks/dashboard.ipynb) with Voila on 127.0.0.1."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path




def add_parser(sub) -> None:
    p = sub.add_parser("dashboard", help="serve the interactive dashboard with Voila (http://127.0.0.1:8866)")
    p.add_argument("--port", type=int, default=8866, help="port to listen on (default 8866)")
    p.add_argument("--ip", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    p.add_argument("--data", type=Path, default=None, help="benchmark-table folder (sets NAOVIZ_DATA)")
    p.add_argument("--exports", type=Path, default=Path("naoviz-exports"),
                   help="where the export button writes figures (default ./naoviz-exports)")
    p.add_argument("--dry-run", action="store_true", help="print the Voila command and exit")
    p.set_defaults(func=run)


def dashboard_notebook() -> Path:
    """The dashboard notebook shipped in the package (``notebooks/dashboard.ipynb`` links to it)."""
    from naoviz.resources import DASHBOARD_NOTEBOOK, resource_path
    return resource_path(DASHBOARD_NOTEBOOK)


def voila_command(notebook: Path, port: int, ip: str) -> list[str]:
    # preheat_kernel: one kernel runs the notebook before anyone asks, so a visit finds the app built.
    return [sys.executable, "-m", "voila", str(notebook), "--no-browser", f"--port={port}", f"--Voila.ip={ip}",
            "--Voila.token=", "--theme=light", "--preheat_kernel=True", "--pool_size=1"]


def run(args) -> int:
    if not 1 <= args.port <= 65535:
        raise ValueError(f"--port: expected 1..65535, got {args.port}")
    env = dict(os.environ)
    if args.data is not None:
        if not args.data.is_dir():
            raise ValueError(f"--data: {str(args.data)!r} is not a folder")
        env["NAOVIZ_DATA"] = str(args.data.expanduser().resolve())
    env["NAOVIZ_EXPORT_DIR"] = str(args.exports.expanduser().resolve())
    cmd = voila_command(dashboard_notebook(), args.port, args.ip)
    if args.dry_run:
        print(" ".join(cmd))
        return 0
    print(f"naoviz dashboard: http://{args.ip}:{args.port}/  (Ctrl-C to stop; the first start trains and caches "
          f"the model, later starts are quick)", file=sys.stderr)
    try:
        return subprocess.call(cmd, env=env)
    except KeyboardInterrupt:
        return 0
