"""A real Caddy in front of a test's dashboard (tests/_proxy.py: Debian's, as the test's user, ``caddy run`` in
the foreground with its own Caddyfile; no admin endpoint, no automatic HTTPS, its storage, autosave and access log
in the test's folder). SUBPATH and ROOT are docs/security.md's blocks for a site block, word for word."""
from __future__ import annotations

import json
import os
from pathlib import Path

import _proxy

NAME, PACKAGE = "caddy", "caddy"
BINARY = _proxy.binary("caddy", "/usr/bin/caddy")

# docs/security.md's lines for the site block of `naoviz dashboard --base-url /naoviz/` on its default port
SUBPATH = """\
redir /naoviz /naoviz/                         # the address typed without its last '/'
handle /naoviz/* {                             # handle, not handle_path: the prefix is passed on
    reverse_proxy 127.0.0.1:8866               # passes Host, Origin and the websocket as they came
}
"""
# and for `naoviz dashboard` at the site's root
ROOT = """\
reverse_proxy 127.0.0.1:8866                   # passes Host, Origin and the websocket as they came
"""


def config(folder: Path, port: int, dashboard_port: int, block: str) -> str:
    """A Caddyfile for a plain-HTTP site on 127.0.0.1:``port`` (any Host: the dashboard checks it) holding
    ``block``, passing to the dashboard on ``dashboard_port``."""
    block = block.replace(_proxy.DASHBOARD, f"127.0.0.1:{dashboard_port}")
    return ("{\n    admin off\n    auto_https off\n"          # no :2019 endpoint (parallel tests), no certificates
            f"    storage file_system {folder / 'data'}\n}}\n"
            f"http://:{port} {{\n    bind 127.0.0.1\n    log {{\n        output file {folder / 'access.log'}\n    }}\n"
            + _proxy.indent(block, 4) + "}\n")


def start(folder: Path, dashboard_port: int, block: str):
    """Caddy on a free port of 127.0.0.1 serving ``block``: (process, port), once it listens."""
    folder.mkdir(parents=True, exist_ok=True)
    port = _proxy.free_port()
    (folder / "Caddyfile").write_text(config(folder, port, dashboard_port, block))
    # Caddy keeps its state (autosave.json, certificates) under $XDG_CONFIG_HOME / $XDG_DATA_HOME, else $HOME
    env = dict(os.environ, HOME=str(folder), XDG_CONFIG_HOME=str(folder), XDG_DATA_HOME=str(folder))
    cmd = [BINARY, "run", "--config", str(folder / "Caddyfile"), "--adapter", "caddyfile"]
    return _proxy.launch(NAME, cmd, folder, port, env=env), port


def served(folder: Path) -> list[tuple[str, str, int]]:
    """(method, uri, status) of each request in Caddy's access log (JSON lines; a websocket is logged once it has
    closed, with status 0 by Caddy 2.6, whose logged response headers then say it was switched: read as 101)."""
    log = folder / "access.log"
    lines = [json.loads(line) for line in log.read_text(errors="replace").splitlines() if line.strip()] \
        if log.exists() else []
    return [(e["request"]["method"], e["request"]["uri"], _status(e)) for e in lines if "request" in e]


def _status(entry: dict) -> int:
    switched = entry["status"] == 0 and "Sec-Websocket-Accept" in entry.get("resp_headers", {})
    return 101 if switched else int(entry["status"])
