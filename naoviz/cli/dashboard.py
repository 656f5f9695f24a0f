"""``naoviz dashboard``: serve the teaching app (notebooks/dashboard.ipynb) with Voila on 127.0.0.1.

Whoever opens the page can run code in its kernels as you, so a random token is required on every address,
printed in the URL: on 127.0.0.1 too, since every other account of a shared machine (a university login
server, a lab box) reaches 127.0.0.1, as Jupyter's own token assumes. A browser that opened the URL once keeps
a login cookie; one without it gets naoviz's login page, where the token can be pasted. ``--token-file`` keeps
the token in a file, so the link stays the same across restarts (naoviz.cli.dashboard_token). ``--no-token``
turns the token off, with a one-line warning. The page is rendered with naoviz's Voila template
(``naoviz/resources/jupyter/voila/templates/naoviz``): Voila's lab template without its CDN links, and the
login page.
"""
from __future__ import annotations

import ipaddress
import os
import re
import shlex
import socket
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Mapping, Optional

from naoviz.cli.common import (TABLE_METAVAR, cut, explorer_metric, int_in, path_arg, path_type, readable_dir,
                               resolve_table, say_table, show, writable_dir)
from naoviz.cli.dashboard_port import check_port, wait_answering
from naoviz.cli.dashboard_token import new_token, read_token_file, token_from_file
from naoviz.paths import data_dir

VOILA_TEMPLATE = "naoviz"
# Front-end extensions the dashboard's pages do not need. (@jupyter-widgets/jupyterlab-manager must stay: it
# carries ipywidgets' controls; denied, the page stays blank.)
DENIED = ("jupyterlab-plotly", "jupyterlab_pygments")
THEMES = ("light", "dark")              # Voila's --theme: JupyterLab Light or JupyterLab Dark


def add_parser(sub) -> None:
    p = sub.add_parser("dashboard", help="serve the interactive dashboard with Voila (http://127.0.0.1:8866)",
                       description="Serve the dashboard notebook with Voila: the Explorer, Search and Train a "
                                   "child tabs (docs/ui.md). The address is printed at the start; Ctrl-C stops it.")
    p.add_argument("--port", type=int_in(1, 65535), default=8866, help="port to listen on (default 8866)")
    p.add_argument("--ip", default="127.0.0.1",
                   help="address to bind: an IP address or 'localhost' (default 127.0.0.1: this machine only). "
                        "Every address requires a random token, printed in the URL")
    p.add_argument("--allow-host", metavar="NAME", action="append", default=[],
                   help="behind a reverse proxy on this machine that passes the browser's Host header on "
                        "(nginx: proxy_set_header Host $http_host): accept requests for NAME too (a host name, no "
                        "port; repeat for several; only with a loopback --ip, where requests for any other name "
                        "are refused, 403, so a page whose DNS name is rebound to 127.0.0.1 cannot use the "
                        "dashboard; docs/security.md)")
    p.add_argument("--base-url", metavar="PATH", default="/",
                   help="serve under this path, for a reverse proxy that gives the dashboard a sub-path "
                        "(https://host/naoviz/): '/' then letters, digits, '.', '_', '~' or '-' in '/'-separated parts "
                        "(default /; a missing trailing '/' is added; docs/security.md)")
    p.add_argument("--no-token", action="store_true",
                   help="serve without a token: anyone who reaches the address (on 127.0.0.1: every other user of "
                        "this machine) can run code as you")
    p.add_argument("--token-file", metavar="PATH", type=path_type, default=None,
                   help="keep the token in this file, so the printed link stays the same across restarts: read "
                        "from it when it exists (your own file, mode 600, one line of at least 16 letters, digits, "
                        "'-' or '_'; not a symbolic link), else made there with a new random token, mode 600")
    p.add_argument("--data", metavar="DIR", type=path_type, default=None,
                   help="benchmark-table folder (sets NAOVIZ_DATA)")
    p.add_argument("--table", default=None, type=path_arg, metavar=TABLE_METAVAR,
                   help="which table the explorer and the Search tab open: nb201, nb201-digits (or digits, as in "
                        "naoviz atlas / export-page --table), or the path of a CSV table of your own (naoviz "
                        "build-table --out; a partial one is searched within its rows). Default: nb201 when its "
                        "tables are installed, else the shipped digits table, whose model and map ship with naoviz")
    p.add_argument("--exports", metavar="DIR", type=path_type, default=Path("naoviz-exports"),
                   help="where the export button writes figures (default ./naoviz-exports)")
    p.add_argument("--pool-size", type=int_in(0, 64), default=1, metavar="N",
                   help="kernels kept started and ready for the next visitors (default 1)")
    p.add_argument("--cull-idle", type=int_in(0, 7 * 24 * 3600), default=90, metavar="SECONDS",
                   help="shut a visitor's kernel down after it has been idle this long with its tab closed "
                        "(0: never; default 90, so a closed tab's kernel is gone within 2 minutes; checked "
                        "every SECONDS/2, at least every 30 s)")
    p.add_argument("--cull-connected", action="store_true",
                   help="with --cull-idle, also shut down idle kernels whose tab is still open")
    p.add_argument("--theme", choices=THEMES, default="light",
                   help="the page's colours: light (default) or dark (JupyterLab Dark's; the explorer's map, cell "
                        "graphs and charts follow it, docs/ui.md)")
    p.add_argument("--dry-run", action="store_true",
                   help="print the Voila command and exit (without the token: the command makes its own, or "
                        "reads --token-file's)")
    p.set_defaults(func=run)


def dashboard_notebook() -> Path:
    """The dashboard notebook shipped in the package (``notebooks/dashboard.ipynb`` links to it)."""
    from naoviz.resources import DASHBOARD_NOTEBOOK, resource_path
    return resource_path(DASHBOARD_NOTEBOOK)


def template_root() -> Path:
    """A Jupyter data folder holding ``voila/templates/naoviz`` (put on ``JUPYTER_PATH`` for Voila)."""
    from naoviz.resources import resource_path
    files = [resource_path(f"jupyter/voila/templates/{VOILA_TEMPLATE}/{name}")
             for name in ("conf.json", "index.html.j2", "login.html", "logout.html", "page.html")]
    return files[0].parents[3]


def is_loopback(ip: str) -> bool:
    return ip == "localhost" or ipaddress.ip_address(ip).is_loopback


def check_ip(ip: str) -> str:
    """``ip`` if it is an IP address or 'localhost'; else a ValueError naming --ip."""
    if ip != "localhost":
        try:
            ipaddress.ip_address(ip)
        except ValueError:
            raise ValueError(f"--ip: expected an IP address or 'localhost', got {ip[:80]!r}") from None
    return ip


HOST_NAME = re.compile(r"(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*")


def check_allowed_hosts(names: list[str], ip: str) -> list[str]:
    """``--allow-host`` names, lower-cased, each a DNS host name (no port, scheme, wildcard or IP address);
    else a ValueError naming the option. Only with a loopback ``ip``: on another address Voila checks no Host."""
    out = []
    for name in names:
        shown = cut(name, 40)               # the line stays under 200 characters whatever was typed
        try:
            ipaddress.ip_address(name.strip("[]"))
        except ValueError:
            pass
        else:
            raise ValueError(f"--allow-host: {shown!r} is an IP address: a Host that is an address passes only if it "
                             f"is a loopback one; give the host name the proxy sends")
        if not HOST_NAME.fullmatch(name.lower()):
            raise ValueError(f"--allow-host: expected a host name such as dash.example.org (letters, digits, '-' "
                             f"and '.', no port or scheme), got {shown!r}")
        if name.lower() not in out:
            out.append(name.lower())
    if out and not is_loopback(ip):
        raise ValueError(f"--allow-host: only with a loopback --ip; on {ip} no Host name is checked (a proxy on "
                         f"this machine reaches 127.0.0.1)")
    return out


MAX_BASE_URL = 200
URL_PART = re.compile(r"[A-Za-z0-9._~-]+")     # RFC 3986's unreserved characters: nothing to escape or decode


def check_base_url(value: str) -> str:
    """``--base-url``: a path of '/'-separated parts of unreserved characters, ending in '/' (added when
    missing); else a ValueError naming the option. No '.' or '..' part (a proxy or browser would fold it), no
    empty part (``//evil.com/`` reads as another host), no query, fragment, space or escape."""
    shown = show(value, 80)
    if len(value) > MAX_BASE_URL:
        raise ValueError(f"--base-url: at most {MAX_BASE_URL} characters, got {len(value)}: {shown}")
    if not value.startswith("/"):
        raise ValueError(f"--base-url: expected a path starting with '/', such as /naoviz/, got {shown}")
    parts = value[1:].split("/")
    if parts[-1] == "":
        parts.pop()                     # the trailing '/' (or the root itself)
    for part in parts:
        if part in ("", ".", ".."):
            raise ValueError(f"--base-url: no empty, '.' or '..' part between the '/'s, got {shown}")
        if not URL_PART.fullmatch(part):
            raise ValueError(f"--base-url: only letters, digits, '.', '_', '~' and '-' between the '/'s (no space, "
                             f"query, '%' or '#'), got {shown}")
    return "/" + "".join(part + "/" for part in parts)


def cull_options(idle_s: int, connected: bool = False) -> list[str]:
    """Jupyter-server kernel culling: a kernel idle for ``idle_s`` seconds with no open tab (or, with
    ``connected``, even with one) is shut down, so a classroom's closed tabs give their memory back.
    Voila never culls its pre-started pool."""
    if idle_s <= 0:
        return []
    interval = max(1, min(30, idle_s // 2))
    return [f"--MappingKernelManager.cull_idle_timeout={idle_s}", f"--MappingKernelManager.cull_interval={interval}",
            f"--MappingKernelManager.cull_connected={connected}"]


def voila_command(notebook: Path, port: int, ip: str, token: bool = True, pool_size: int = 1,
                  cull_idle_s: int = 90, cull_connected: bool = False, theme: str = "light",
                  allow_hosts: tuple[str, ...] = (), base_url: str = "/") -> list[str]:
    """The Voila command line. With ``token`` Voila requires one: the one in ``JUPYTER_TOKEN`` (see
    :func:`voila_env`; not on the command line, where every local user could read it with ``ps``), else one
    it makes and prints in its URL. Without, anyone who reaches the address can use the page. ``allow_hosts``:
    names a request's Host may give besides loopback ones (naoviz.ui.voila_server's ``Voila.local_hostnames``).
    ``base_url``: the path every page, asset, websocket and the login cookie live under (:func:`check_base_url`)."""
    # preheat_kernel: ``pool_size`` kernels run the notebook before anyone asks, so a visit finds the app built.
    if theme not in THEMES:
        raise ValueError(f"--theme: expected one of {', '.join(THEMES)}, got {theme!r}")
    auth = "--Voila.auto_token=True" if token else "--Voila.token="
    pool = ["--preheat_kernel=True", f"--pool_size={pool_size}"] if pool_size > 0 else []
    # The dashboard draws nothing with plotly: its 4.7 MB labextension would be every visit's largest download.
    # naoviz.ui.voila_server: Voila, with a closed page's websocket traceback and the "not trusted" warning of
    # every visit said in one line or not at all (harmless noise a newcomer would read as a crash).
    return ([sys.executable, "-m", "naoviz.ui.voila_server", str(notebook), "--no-browser", f"--port={port}", f"--Voila.ip={ip}",
             auth, f"--template={VOILA_TEMPLATE}", f"--theme={theme}",
             *(f"--VoilaConfiguration.extension_denylist={name}" for name in DENIED),
             # Kernels talk to Voila over Unix sockets: TCP ports picked at random collide when a class starts
             # 30 kernels at once (seen: "Address already in use", a restarted kernel, a page that never came).
             "--KernelManager.transport=ipc",
             # A taken port stops Voila rather than moving it to another one than the printed URL's
             # (naoviz.cli.dashboard_port checks the port first; this covers one taken in between).
             "--Voila.port_retries=0"]
            + pool + cull_options(cull_idle_s, cull_connected)
            + [f"--Voila.local_hostnames={name}" for name in (("localhost", *allow_hosts) if allow_hosts else ())]
            + ([f"--Voila.base_url={base_url}"] if base_url != "/" else []))


def voila_env(base: Mapping[str, str], token: Optional[str] = None) -> dict:
    """``base`` plus what :func:`voila_command` needs: naoviz's template on ``JUPYTER_PATH``, the token."""
    env = dict(base)
    env["JUPYTER_PATH"] = os.pathsep.join([str(template_root())] + [p for p in [env.get("JUPYTER_PATH")] if p])
    env.pop("JUPYTER_TOKEN", None)
    env.pop("JUPYTER_TOKEN_FILE", None)
    if token:
        env["JUPYTER_TOKEN"] = token
    return env


def dashboard_url(ip: str, port: int, token: Optional[str] = None, base_url: str = "/") -> str:
    host = ip
    if ip != "localhost" and ipaddress.ip_address(ip).is_unspecified:   # 0.0.0.0 / ::: every interface
        host = socket.gethostname()
    elif ":" in ip:
        host = f"[{ip}]"
    return f"http://{host}:{port}{base_url}" + (f"?token={token}" if token else "")


def first_start_note(table: str, env: Mapping[str, str], data_folder: Path) -> str:
    """What the first start of a dashboard on ``table`` (a known name or a table file's path) does, for the
    line that gives its URL: the digits table's model and map ship with naoviz, unless ``env``'s
    NAOVIZ_DASHBOARD_* settings (or a digits table of its own in ``data_folder``) ask for others; then, as any
    other table's, they are trained (or the map made) and cached on the first start."""
    later = "cached on the first start, later starts are quick"
    if table == "nb201-digits":
        from naoviz.explorer_plan import ExplorerPlan, digits_shipped
        model, atlas, why = digits_shipped(ExplorerPlan.from_env(env), data_folder)
        if model and atlas:
            return "the digits table's model and map ship with naoviz: nothing to train"
        if model:
            return f"{why}: the digits table's model ships with naoviz, its map is made and {later}"
        return f"{why}: the digits table's model and map are trained and {later}"
    name = "NAS-Bench-201" if table == "nb201" else cut(Path(table).name, 60)
    return f"{name}'s model and map are trained and {later}"


def dry_run_line(env: Mapping[str, str], cmd: list[str], data_set: bool, token_file: Optional[Path]) -> str:
    """The shell line a dry run prints: the environment this command sets (an inherited NAOVIZ_DATA is left
    out: the copied line inherits it too) and the Voila command. Never the token, since a dry run's output is
    pasted into bug reports: with ``token_file`` the line reads it from the file when it runs, else Voila makes
    its own (``--Voila.auto_token``) and prints its URL."""
    keys = ("JUPYTER_PATH", "NAOVIZ_DATA" if data_set else "", "NAOVIZ_DASHBOARD_TABLE", "NAOVIZ_EXPORT_DIR")
    prefix = [f"{k}={shlex.quote(env[k])}" for k in keys if k in env]
    if token_file is not None:
        prefix.append(f'JUPYTER_TOKEN="$(cat -- {shlex.quote(os.path.abspath(token_file))})"')
    return " ".join(prefix + [shlex.join(cmd)])


def run(args) -> int:
    ip = check_ip(args.ip)
    if args.cull_connected and args.cull_idle == 0:
        raise ValueError("--cull-connected: needs --cull-idle above 0")
    allow_hosts = check_allowed_hosts(args.allow_host, ip)
    base_url = check_base_url(args.base_url)
    if args.token_file is not None and args.no_token:
        raise ValueError("--token-file: cannot be used with --no-token (which serves without a token)")
    # An existing token file is opened, checked and read once, now, before any work (a second read could find
    # another file swapped in); a missing one is made below, after the other checks.
    kept = read_token_file(args.token_file) if args.token_file is not None else None
    if args.no_token:
        who = "other users of this machine" if is_loopback(ip) else f"anyone who can reach {ip}:{args.port}"
        print(f"naoviz dashboard: warning: --no-token: {who} can open the dashboard and run code as you",
              file=sys.stderr)
    elif not is_loopback(ip):
        where = f"every network interface ({ip})" if ipaddress.ip_address(ip).is_unspecified else ip
        print(f"naoviz dashboard: warning: serving on {where}, port {args.port}: whoever reaches it with the "
              "URL's token can run code in the dashboard's kernel as you; plain HTTP, so the token crosses "
              "the network unencrypted", file=sys.stderr)
    env = dict(os.environ)
    from naoviz.explorer_plan import check_env
    check_env(env)       # NAOVIZ_DASHBOARD_TRAIN, _BUDGET, ...: a bad one refused now, not as Voila's error page
    from naoviz import export_settings
    export_settings.check()     # NAOVIZ_EXPORT_TIMEOUT, NAOVIZ_CHROMIUM (the export button's): the same, now
    if args.data is not None:
        env["NAOVIZ_DATA"] = str(readable_dir(args.data, "--data").resolve())
    writable_dir(args.exports, "--exports", create=not args.dry_run)    # a dry run creates nothing
    env["NAOVIZ_EXPORT_DIR"] = str(args.exports.expanduser().resolve())
    from naoviz.tables.user_table import TABLE_NAMES
    if args.table in TABLE_NAMES:
        env["NAOVIZ_DASHBOARD_TABLE"] = TABLE_NAMES[args.table]
    elif args.table is not None:        # a table file: checked whole now, and handed on by its absolute path
        bench = resolve_table(args.table)
        metric = explorer_metric(bench)
        say_table(bench, metric)        # after the table's checks: a refusal is one line
        env["NAOVIZ_DASHBOARD_TABLE"] = bench.source
    from naoviz.tables.benchmark import nb201_missing
    folder = Path(env["NAOVIZ_DATA"]).expanduser() if env.get("NAOVIZ_DATA") else data_dir()
    missing = nb201_missing(folder)
    if args.table == "nb201" and missing:   # refused now, not as an error page once Voila and a kernel are up
        point = "" if env.get("NAOVIZ_DATA") else "give --data DIR (their folder), "    # the default folder: say how
        raise ValueError(f"--table: {cut(missing, 120)}: {point}run `naoviz data download`, or use --table nb201-digits")
    served = env.get("NAOVIZ_DASHBOARD_TABLE") or ("nb201-digits" if missing else "nb201")
    if not args.dry_run:                    # before a token file is made or anything starts
        check_port(ip, args.port)
    made = False
    if args.no_token:
        token = None
    elif args.token_file is not None:
        token, made = (kept, False) if kept is not None or args.dry_run else token_from_file(args.token_file)
    else:
        token = new_token()
    cmd = voila_command(dashboard_notebook(), args.port, ip, not args.no_token, args.pool_size, args.cull_idle,
                        args.cull_connected, args.theme, tuple(allow_hosts), base_url)
    env = voila_env(env, token)
    url = dashboard_url(ip, args.port, token, base_url)
    if args.table is None and missing:      # a newcomer whose tables sit elsewhere learns why digits opened
        print(f"naoviz dashboard: {cut(missing, 120)}, so the shipped digits table opens (NAS-Bench-201: "
              "--data DIR, or `naoviz data download`)", file=sys.stderr)
    if args.dry_run:
        print(dry_run_line(env, cmd, args.data is not None, args.token_file))
        if args.no_token:
            note = ""
        elif args.token_file is None:
            note = "  (the token: a dry run never shows it; the command above makes its own and prints its URL)"
        else:
            later = "" if kept is not None else ", made there by a start that is not a dry run"
            note = f"  (the token: {cut(args.token_file, 80)}'s{later})"
        print(f"naoviz dashboard: {dashboard_url(ip, args.port, None if args.no_token else '...', base_url)}{note}",
              file=sys.stderr)
        return 0
    if made:
        print(f"naoviz dashboard: a new token was written to {cut(args.token_file, 120)} (mode 600): later starts "
              "with this --token-file print the same link", file=sys.stderr)
    # Warm the explorer's model and atlases beside Voila (a no-op when cached): the first visitors' kernels
    # wait on the same locks, show its progress and load what it writes. Told its PID, they wait for it rather than
    # read the table themselves (pandas in every visitor's kernel: explorer_plan.await_built).
    from naoviz.explorer_plan import WARMUP_ENV
    prepare = subprocess.Popen([sys.executable, "-m", "naoviz.explorer_plan"], env=env, stdin=subprocess.DEVNULL)
    threading.Thread(target=prepare.wait, daemon=True).start()     # reaped when done, not left a zombie
    server = subprocess.Popen(cmd, env={**env, WARMUP_ENV: str(prepare.pid)})
    # SIGTERM (a service manager, a test, `kill`) stops Voila and the warm-up too, not only this process.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    try:
        # The link is printed once Voila answers (seconds; clicked before, it was "connection refused"), so it is
        # also the last address on the screen, below Voila's own one with the token hidden ("?token=...").
        if wait_answering(server, ip, args.port, path=f"{base_url}voila/static/voila.js"):
            print(f"naoviz dashboard: {url}  (Ctrl-C to stop; {first_start_note(served, env, folder)})", file=sys.stderr)
        return server.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        for child in (server, prepare):
            _stop(child)


def _stop(child: subprocess.Popen, grace_s: float = 10) -> None:
    """Terminate ``child`` and wait for it; kill it if it has not exited after ``grace_s``."""
    if child.poll() is None:
        child.terminate()
        try:
            child.wait(grace_s)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
