"""``naoviz dashboard``: serve the teaching app (notebooks/dashboard.ipynb) with Voila on 127.0.0.1."""
from __future__ import annotations

import argparse
import ipaddress
import os
import re
import subprocess
import sys
from pathlib import Path

from naoviz.cli.common import int_in, path_type, readable_dir, show, writable_dir

_HOSTNAME = re.compile(r"(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*")


def bind_address(text: str) -> str:
    """``type=`` for --ip: an IPv4/IPv6 address or a host name."""
    try:
        ipaddress.ip_address(text)
        return text
    except ValueError:
        pass
    if not _HOSTNAME.fullmatch(text):
        raise argparse.ArgumentTypeError(f"expected an IP address or a host name, got {show(text)}")
    return text


def add_parser(sub) -> None:
    p = sub.add_parser("dashboard", help="serve the interactive dashboard with Voila (http://127.0.0.1:8866)")
    p.add_argument("--port", type=int_in(1, 65535), default=8866, help="port to listen on, 1..65535 (default 8866)")
    p.add_argument("--ip", default="127.0.0.1", type=bind_address,
                   help="address to bind (default 127.0.0.1: this machine only)")
    p.add_argument("--data", type=path_type, default=None, help="benchmark-table folder (sets NAOVIZ_DATA)")
    p.add_argument("--exports", type=path_type, default=Path("naoviz-exports"),
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
    env = dict(os.environ)
    if args.data is not None:
        env["NAOVIZ_DATA"] = str(readable_dir(args.data, "--data").resolve())
    writable_dir(args.exports, "--exports", create=not args.dry_run)    # a dry run creates nothing
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
