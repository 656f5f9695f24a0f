"""A real nginx in front of a test's dashboard (tests/_proxy.py: Debian's, as the test's user, its own config,
``daemon off;``, its pid, logs and temporary files in the test's folder). SUBPATH and ROOT are docs/security.md's
``location`` blocks, word for word."""
from __future__ import annotations

import os
import re
from pathlib import Path

import _proxy

NAME, PACKAGE = "nginx", "nginx-light"
BINARY = _proxy.binary("nginx", "/usr/sbin/nginx")

# docs/security.md's block for `naoviz dashboard --base-url /naoviz/` on its default port (8866)
SUBPATH = """\
location /naoviz/ {
    proxy_pass http://127.0.0.1:8866;          # no path after the port: /naoviz/... is passed on as it came
    proxy_set_header Host $http_host;          # the browser's Host, port included: Origin must match it
    proxy_http_version 1.1;                    # the kernel's websocket
    proxy_set_header Upgrade $http_upgrade;
    proxy_set_header Connection "upgrade";
    proxy_read_timeout 1d;                     # an open page's websocket stays idle for long
}
"""
# and for `naoviz dashboard` at the proxy's root
ROOT = """\
location / {
    proxy_pass http://127.0.0.1:8866;
    proxy_set_header Host $http_host;          # the browser's Host, port included: Origin must match it
    proxy_http_version 1.1;                    # the kernel's websocket
    proxy_set_header Upgrade $http_upgrade;
    proxy_set_header Connection "upgrade";
    proxy_read_timeout 1d;                     # an open page's websocket stays idle for long
}
"""


def config(folder: Path, port: int, dashboard_port: int, block: str) -> str:
    """nginx.conf for a proxy on 127.0.0.1:``port`` whose one server holds ``block``, passing to the dashboard
    on ``dashboard_port``; everything nginx writes goes in ``folder``."""
    block = block.replace(_proxy.DASHBOARD, f"127.0.0.1:{dashboard_port}")
    # As root, nginx would run its workers as 'nobody', which cannot write in the test's private folder: run them
    # as the test's user too (an unprivileged master runs them as itself and takes no `user`).
    user = "user root;\n" if os.geteuid() == 0 else ""
    temp = "".join(f"    {kind}_temp_path {folder / kind};\n"
                   for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return (f"{user}daemon off;\nworker_processes 1;\npid {folder / 'nginx.pid'};\nerror_log {folder / 'error.log'};\n"
            "events { worker_connections 256; }\n"
            f"http {{\n    access_log {folder / 'access.log'};\n{temp}"
            f"    server {{\n        listen 127.0.0.1:{port};\n" + _proxy.indent(block, 8) + "    }\n}\n")


def start(folder: Path, dashboard_port: int, block: str):
    """nginx on a free port of 127.0.0.1 serving ``block``: (process, port), once it listens."""
    folder.mkdir(parents=True, exist_ok=True)
    port = _proxy.free_port()
    (folder / "nginx.conf").write_text(config(folder, port, dashboard_port, block))
    return _proxy.launch(NAME, [BINARY, "-p", str(folder), "-c", str(folder / "nginx.conf")], folder, port), port


LINE = re.compile(r'"(\w+) (\S+) HTTP/[\d.]+" (\d{3}) ')


def served(folder: Path) -> list[tuple[str, str, int]]:
    """(method, uri, status) of each request in nginx's access log (the combined format; a websocket is logged
    once it has closed)."""
    return [(m[1], m[2], int(m[3])) for m in LINE.finditer((folder / "access.log").read_text(errors="replace"))]
