"""A real nginx in front of a test's dashboard: Debian's binary (``make browser`` installs it when missing), run as
the test's own user with its own config in a temporary folder: no system service, 127.0.0.1 on a free port,
``daemon off;``, its pid, logs and temporary files in that folder. The ``location`` block it serves is
docs/security.md's sub-path setup, word for word (tests/test_dashboard_proxy_browser.py checks the page holds it).
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None)

# docs/security.md's block for `naoviz dashboard --base-url /naoviz/` on its default port (8866)
LOCATION = """\
location /naoviz/ {
    proxy_pass http://127.0.0.1:8866;          # no path after the port: /naoviz/... is passed on as it came
    proxy_set_header Host $http_host;          # the browser's Host, port included: Origin must match it
    proxy_http_version 1.1;                    # the kernel's websocket
    proxy_set_header Upgrade $http_upgrade;
    proxy_set_header Connection "upgrade";
    proxy_read_timeout 1d;                     # an open page's websocket stays idle for long
}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def config(folder: Path, port: int, dashboard_port: int) -> str:
    """nginx.conf for a proxy on 127.0.0.1:``port`` whose one ``location`` is :data:`LOCATION`, passing to the
    dashboard on ``dashboard_port``; everything nginx writes goes in ``folder``."""
    location = LOCATION.replace("127.0.0.1:8866;", f"127.0.0.1:{dashboard_port};")
    # As root, nginx would run its workers as 'nobody', which cannot write in the test's private folder: run them
    # as the test's user too (an unprivileged master runs them as itself and takes no `user`).
    user = "user root;\n" if os.geteuid() == 0 else ""
    temp = "".join(f"    {kind}_temp_path {folder / kind};\n"
                   for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return (f"{user}daemon off;\nworker_processes 1;\npid {folder / 'nginx.pid'};\nerror_log {folder / 'error.log'};\n"
            "events { worker_connections 256; }\n"
            f"http {{\n    access_log {folder / 'access.log'};\n{temp}"
            f"    server {{\n        listen 127.0.0.1:{port};\n"
            + "".join(f"        {line}\n" for line in location.splitlines()) + "    }\n}\n")


def start(folder: Path, dashboard_port: int, timeout_s: float = 20) -> tuple[subprocess.Popen, int]:
    """nginx on a free port of 127.0.0.1, proxying /naoviz/ to the dashboard: (process, port), once it listens."""
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    conf = folder / "nginx.conf"
    conf.write_text(config(folder, port, dashboard_port))
    log = open(folder / "nginx.out", "w")
    proc = subprocess.Popen([NGINX, "-p", str(folder), "-c", str(conf)], stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL)
    log.close()
    deadline = time.time() + timeout_s
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc, port
        except OSError:
            if proc.poll() is not None or time.time() > deadline:
                stop(proc)
                said = [(folder / name).read_text(errors="replace")[-2000:] for name in ("nginx.out", "error.log")
                        if (folder / name).exists()]
                raise AssertionError(f"nginx did not listen on 127.0.0.1:{port}: {said}")
            time.sleep(0.1)


def stop(proc: subprocess.Popen) -> None:
    """Stop nginx (SIGTERM: its master stops its worker) and wait for it."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
