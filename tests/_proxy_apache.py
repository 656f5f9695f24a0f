"""A real Apache httpd in front of a test's dashboard (tests/_proxy.py: Debian's apache2 binary, not its
apache2ctl or service, in the foreground with its own httpd.conf loading only the modules it needs; its pid,
runtime files and logs in the test's folder). SUBPATH and ROOT are docs/security.md's lines for a VirtualHost,
word for word (Apache takes no comment after a directive: each comment has its own line)."""
from __future__ import annotations

import os
import re
from pathlib import Path

import _proxy

NAME, PACKAGE = "apache", "apache2"
BINARY = _proxy.binary("apache2", "/usr/sbin/apache2")
MODULES_DIR = Path("/usr/lib/apache2/modules")
# what the blocks need: the proxy and its HTTP backend (which, since 2.4.47, also tunnels the websocket that
# `upgrade=websocket` names); alias for RedirectMatch; an MPM (Debian's default, event); authz_core, without which
# every request is a 500 ("couldn't check user")
MODULES = ("mpm_event", "authz_core", "proxy", "proxy_http", "alias")

# docs/security.md's lines for the VirtualHost of `naoviz dashboard --base-url /naoviz/` on its default port
SUBPATH = """\
# the browser's Host, port included: Origin must match it
ProxyPreserveHost On
# the prefix passed on as it came, and the kernel's websocket
ProxyPass /naoviz/ http://127.0.0.1:8866/naoviz/ upgrade=websocket
# the address typed without its last '/'
RedirectMatch ^/naoviz$ /naoviz/
"""
# and for `naoviz dashboard` at the site's root
ROOT = """\
ProxyPreserveHost On
ProxyPass / http://127.0.0.1:8866/ upgrade=websocket
"""


def config(folder: Path, port: int, dashboard_port: int, block: str) -> str:
    """httpd.conf for a server on 127.0.0.1:``port`` holding ``block``, passing to the dashboard on
    ``dashboard_port``; everything Apache writes goes in ``folder``."""
    block = block.replace(_proxy.DASHBOARD, f"127.0.0.1:{dashboard_port}")
    loads = "".join(f"LoadModule {m}_module {MODULES_DIR / f'mod_{m}.so'}\n" for m in MODULES)
    # Apache refuses to run its workers as root: as root they run as www-data (logs and pid file are opened by the
    # root parent); an unprivileged parent runs them as itself
    user = "User www-data\nGroup www-data\n" if os.geteuid() == 0 else ""
    return (f"ServerRoot {folder}\nDefaultRuntimeDir {folder}\nPidFile {folder / 'httpd.pid'}\n{loads}{user}"
            f"ServerName 127.0.0.1\nListen 127.0.0.1:{port}\nErrorLog {folder / 'error.log'}\n"
            f"LogFormat \"%h %t \\\"%r\\\" %>s %b\" short\nCustomLog {folder / 'access.log'} short\n" + block)


def start(folder: Path, dashboard_port: int, block: str):
    """Apache on a free port of 127.0.0.1 serving ``block``: (process, port), once it listens."""
    folder.mkdir(parents=True, exist_ok=True)
    port = _proxy.free_port()
    (folder / "httpd.conf").write_text(config(folder, port, dashboard_port, block))
    cmd = [BINARY, "-d", str(folder), "-f", str(folder / "httpd.conf"), "-DFOREGROUND"]
    return _proxy.launch(NAME, cmd, folder, port), port


LINE = re.compile(r'"(\w+) (\S+) HTTP/[\d.]+" (\d{3}) ')


def served(folder: Path) -> list[tuple[str, str, int]]:
    """(method, uri, status) of each request in Apache's access log (a websocket is logged once it has closed)."""
    return [(m[1], m[2], int(m[3])) for m in LINE.finditer((folder / "access.log").read_text(errors="replace"))]
