"""The dashboard's Voila server (``python -m naoviz.ui.voila_server NOTEBOOK [voila options]``): Voila itself,
with harmless server-log noise said plainly or dropped, so a newcomer does not read them as a crash.

- A page closed or reloaded while its kernel was still sending (a running search's progress) leaves tornado's
  ``Task exception was never retrieved ... WebSocketClosedError`` traceback: jupyter_server wrote to the closed
  page's socket and never awaits the write (tornado calls it harmless noise, tornadoweb/tornado#2568). It is
  logged as one line instead; every other error keeps its traceback.
- Voila reads the notebook through jupyter_server's contents manager, which warns "Notebook ... is not
  trusted" on every visit. Trust only decides whether a notebook's *stored* HTML/JS outputs are shown; Voila
  runs the notebook afresh, so it changes nothing here. The served notebook (naoviz's own) is signed at start
  with a key and a signature store held in memory, so nothing is written to the user's Jupyter data folder.
- A closed or reloaded page asks Voila to shut its kernel down (``POST /voila/api/shutdown/<id>``, a
  ``sendBeacon`` on unload), which carries the session cookie but not the ``_xsrf`` argument, so jupyter_server
  refused it (``403 ... '_xsrf' argument missing from POST``, voila-dashboards/voila#1458) and the kernel (about
  90 MB, docs/ui.md) lived on until the idle cull. Here that one request passes when the browser says it comes from the
  page's own origin (its ``Origin`` header matches the host), the check jupyter_server makes before XSRF; a
  request from another origin or without one is checked as before.
- Voila sets jupyter_server's ``allow_remote_access`` on, so no request's ``Host`` is checked. On a loopback
  address it is turned off again (a second wall behind the token, the only one with ``--no-token``): a page
  whose DNS name is rebound to 127.0.0.1 is same-origin with the server and could otherwise run code in a
  kernel; requests for any name but a loopback one are refused (403), or one named by ``--Voila.local_hostnames``
  (``naoviz dashboard --allow-host NAME``: a reverse proxy on this machine that passes its own name as Host).
- Each load of the page starts a kernel; a load another site's page makes of it as an embed (iframe, image:
  ``Sec-Fetch-Site: cross-site`` and ``Sec-Fetch-Dest`` not ``document``) is refused (403) before that, so a
  page elsewhere cannot start dozens of kernels. A link followed from another site still opens it.

- A request without the dashboard's token is sent to ``/login``, which jupyter_server renders from its own
  ``login.html``: a page about Jupyter passwords telling users to run ``jupyter server list`` (which does not
  list this server). naoviz's page (``login.html`` in naoviz's Voila template folder) is rendered instead:
  what link to open or where to paste the token, in the dashboard's ``--theme``, nothing fetched from elsewhere.
  ``/logout`` answered 500 with a traceback in the log: jupyter_server's ``logout.html`` links a favicon through
  ``static_url``, which needs a ``static_path`` Voila does not set. naoviz's ``logout.html`` (login.html's frame)
  is rendered instead: logged out, and how to come back.
- A template static path that leaves ``<template>/static/`` (``/voila/templates/lab/static/../x``) met an assert
  in Voila's handler (500, a traceback; no file served): it is a 404 here.

- Under a path prefix (``--Voila.base_url=/naoviz/``, ``naoviz dashboard --base-url``, for a reverse proxy's
  sub-path) Voila 0.5 moves every route but the login page's, which stays at ``/login`` while visitors without
  the token are sent to ``/naoviz/login``: that is the page's own route, which sends them on to the login page
  again, for ever. The login and logout routes are moved under the prefix, and the ``_xsrf`` cookie is set on
  it, as jupyter_server's own server does.

- A pre-heated kernel keeps the last activity of its start while it waits in the pool, and Voila hands it to a
  visitor as it is: after a quiet spell longer than ``--cull-idle``, the culler's next round shut it down before
  the visitor's page had connected (0 connections), and the page was left on a dead kernel ("Kernel does not
  exist"); seen on a loaded machine, where the page takes longer to connect than a cull round. The hand-out
  counts as activity here.

- tornado >= 6.5 warns, at the first visit, "The websocket_ping_timeout (90000) cannot be longer than the
  websocket_ping_interval (30000). Setting websocket_ping_timeout=30000": jupyter_server's websocket handlers
  give their own ping settings in milliseconds under the names tornado reads in seconds (jupyter_server pings
  by its own timer, so nothing changes). Nothing a user set or can change, so that one warning is dropped.

``naoviz dashboard`` runs this module as a process (naoviz.cli.dashboard.voila_command); the backend never
imports it.
"""
from __future__ import annotations

import contextlib
import logging
import os
import sys
from datetime import datetime, timezone

CLOSED_PAGE = "a page closed or reloaded while its kernel was still sending; its messages were dropped (harmless)"


class ClosedPageFilter(logging.Filter):
    """Turns asyncio's "never retrieved" record of a write to a closed websocket into one line (no traceback);
    lets every other record through unchanged."""

    def filter(self, record: logging.LogRecord) -> bool:
        from tornado.iostream import StreamClosedError
        from tornado.websocket import WebSocketClosedError
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, (WebSocketClosedError, StreamClosedError)) and "never retrieved" in str(record.msg):
            record.msg, record.args = CLOSED_PAGE, ()
            record.exc_info, record.exc_text, record.stack_info = None, None, None
            record.levelno, record.levelname = logging.WARNING, "WARNING"   # still shown (logging.lastResort)
        return True


PING_TIMEOUT = "The websocket_ping_timeout ("


class PingTimeoutFilter(logging.Filter):
    """Drops tornado's warning that jupyter_server's ping timeout exceeds its ping interval (module docstring)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (isinstance(record.msg, str) and record.msg.startswith(PING_TIMEOUT)
                    and "websocket_ping_interval" in record.msg)


def _shutdown_handler():
    from voila.shutdown_kernel_handler import VoilaShutdownKernelHandler

    class SameOriginShutdown(VoilaShutdownKernelHandler):
        """Voila's unload shutdown, accepted from the page's own origin without the ``_xsrf`` argument the
        beacon cannot carry (module docstring); anything else is checked as jupyter_server checks it."""

        def check_xsrf_cookie(self):
            if self.request.headers.get("Origin") and self.check_origin():
                return None
            return super().check_xsrf_cookie()

    return VoilaShutdownKernelHandler, SameOriginShutdown


def _loopback(ip: str) -> bool:
    """Whether ``ip`` (Voila.ip) is this machine only: 'localhost' or a loopback address."""
    import ipaddress
    try:
        return ip == "localhost" or ipaddress.ip_address(ip).is_loopback
    except ValueError:
        return False


EMBEDDABLE = ("document", "")      # Sec-Fetch-Dest of a top-level visit ("" when the browser sends none)


def _page_handler():
    """Voila's page handler, refusing (403) a load another site's page makes of it as an embed."""
    from tornado import web
    from voila.tornado.handler import TornadoVoilaHandler

    class NoCrossSiteEmbed(TornadoVoilaHandler):
        """Each load of the page starts a kernel (about 90 MB, docs/ui.md): another site's page must not
        start dozens of them by embedding it (iframes, images). A browser marks such loads with Fetch
        Metadata (``Sec-Fetch-Site: cross-site`` and a ``Sec-Fetch-Dest`` other than ``document``); a link
        followed from elsewhere (a top-level visit) and requests without those headers are served as before."""

        async def get(self, path=None):
            headers = self.request.headers
            if headers.get("Sec-Fetch-Site") == "cross-site" and headers.get("Sec-Fetch-Dest", "") not in EMBEDDABLE:
                raise web.HTTPError(403, "the dashboard is not served as another site's embed")
            return await super().get(path)

    return TornadoVoilaHandler, NoCrossSiteEmbed


def _static_handler():
    """Voila's handler of a template's static files, answering a path that leaves ``<template>/static/`` (a ``..``
    part, raw or escaped) with 404: Voila's own met it with an assert (500 and a traceback in the log; it served no
    file)."""
    from tornado import web
    from voila.static_file_handler import TemplateStaticFileHandler

    class TemplateStaticInside(TemplateStaticFileHandler):
        """Serves ``<template>/static/<file>`` as Voila's does; any other shape is a 404 (no traceback)."""

        def parse_url_path(self, path):
            parts = path.split("/")
            if len(parts) < 3 or parts[1] != "static" or any(p in (".", "..") or "\\" in p for p in parts):
                raise web.HTTPError(404)
            return super().parse_url_path(path)

    return TemplateStaticFileHandler, TemplateStaticInside


def _login_under_prefix(handlers: list, login_handlers: list, server_url: str) -> list:
    """``handlers`` with the login and logout routes (``login_handlers``, jupyter_server's identity provider's)
    moved under ``server_url``: Voila 0.5 adds them as ``/login`` whatever its ``base_url``, while it sends a
    visitor without the token to ``<base_url>login``, which its page handler (``<base_url>(.*)``) answers by
    sending them to the login page again, for ever (``naoviz dashboard --base-url``). At the root nothing moves."""
    from jupyter_server.utils import url_path_join
    moved = {(pattern, cls): url_path_join(server_url, pattern) for pattern, cls, *_ in login_handlers}
    return [(moved.get((h[0], h[1]), h[0]), *h[1:]) for h in handlers]


AUTH_PAGES = ("login.html", "logout.html")      # logout.html extends login.html


def _naoviz_login_page(settings: dict, theme: str) -> None:
    """jupyter_server renders its login and logout pages (``login.html``, ``logout.html``) from its own template
    folder, in ``settings["jinja2_env"]``, not from Voila's template paths: put naoviz's template folder before it
    for those names (jupyter_server's other pages, errors included, are left as they are), and hand the pages the
    dashboard's ``--theme`` as ``naoviz_theme``."""
    import jinja2

    from naoviz.resources import resource_path

    def ours(name):
        if name not in AUTH_PAGES:
            return None
        page = resource_path("jupyter/voila/templates/naoviz/" + name)
        return page.read_text("utf-8"), str(page), lambda: True

    env = settings["jinja2_env"]
    env.loader = jinja2.ChoiceLoader([jinja2.FunctionLoader(ours), env.loader])
    settings["jinja_template_vars"] = {**settings.get("jinja_template_vars", {}), "naoviz_theme": theme}


def _active_from_hand_out(kernel_manager) -> None:
    """A pooled kernel counts as active from the moment Voila hands it to a visitor, not from its start, so the
    idle cull does not take it before the visitor's page connects (see the module's docstring)."""
    take = getattr(kernel_manager, "get_rendered_notebook", None)       # absent without a pool (--pool-size 0)
    if take is None:
        return

    async def get_rendered_notebook(*args, **kwargs):
        task, rendered, kernel_id = await take(*args, **kwargs)
        with contextlib.suppress(KeyError):
            kernel_manager.get_kernel(kernel_id).last_activity = datetime.now(timezone.utc)
        return task, rendered, kernel_id

    kernel_manager.get_rendered_notebook = get_rendered_notebook


def _voila_class():
    from nbformat.sign import MemorySignatureStore, NotebookNotary
    from traitlets import List, Unicode
    from voila import app

    class Voila(app.Voila):
        """Voila that trusts the one notebook it serves, in memory, and shuts a closed page's kernel down at
        once (see the module's docstring). Named as its base: the log's lines keep saying [Voila], and
        --Voila.* options apply as before."""

        local_hostnames = List(Unicode(), ["localhost"], config=True,
                               help="Host names a request may give on a loopback address besides loopback IPs "
                                    "(jupyter_server's ServerApp.local_hostnames; naoviz dashboard --allow-host)")

        def init_handlers(self):
            swap = dict([_shutdown_handler(), _page_handler(), _static_handler()])
            handlers = [(h[0], swap[h[1]], *h[2:]) if len(h) > 1 and h[1] in swap else h
                        for h in super().init_handlers()]
            return _login_under_prefix(handlers, self.identity_provider.get_handlers(), self.server_url)

        def init_settings(self):
            settings = super().init_settings()
            # Voila sets allow_remote_access=True, which turns jupyter_server's Host check off. On a loopback
            # address keep it on (behind the token; alone with --no-token): a page whose DNS name is rebound to
            # 127.0.0.1 is same-origin with the server and could otherwise open a kernel's websocket and run
            # code (docs/security.md).
            settings["allow_remote_access"] = not _loopback(self.ip)
            _active_from_hand_out(self.kernel_manager)
            settings["local_hostnames"] = list(self.local_hostnames)     # a reverse proxy's name (--allow-host)
            # the _xsrf cookie under --base-url too, as jupyter_server's own server sets it (Voila leaves it on
            # '/', where it would meet another Jupyter's on the same host)
            settings.setdefault("xsrf_cookie_kwargs", {"path": self.base_url})
            _naoviz_login_page(settings, self.voila_configuration.theme)
            if self.notebook_path:
                import nbformat
                notary = NotebookNotary(parent=self.contents_manager, secret=os.urandom(32), db_file=":memory:",
                                        store_factory=MemorySignatureStore)
                # the notebook as the contents manager reads it (as_version=4), so the signatures match
                notary.sign(nbformat.read(self.notebook_path, as_version=4))
                self.contents_manager.notary = notary
            return settings

    return Voila


def quiet_closed_pages() -> None:
    """Install :class:`ClosedPageFilter` on asyncio's logger (where "never retrieved" is logged), once."""
    log = logging.getLogger("asyncio")
    if not any(isinstance(f, ClosedPageFilter) for f in log.filters):
        log.addFilter(ClosedPageFilter())


def quiet_ping_timeout() -> None:
    """Install :class:`PingTimeoutFilter` on tornado's general logger (where the warning is logged), once."""
    log = logging.getLogger("tornado.general")
    if not any(isinstance(f, PingTimeoutFilter) for f in log.filters):
        log.addFilter(PingTimeoutFilter())


def main(argv=None) -> None:
    from naoviz.parent_watch import stop_with_parent
    stop_with_parent()          # `naoviz dashboard` SIGKILLed: stop too, kernels and all, not serve on orphaned
    quiet_closed_pages()
    quiet_ping_timeout()
    _voila_class().launch_instance(argv=argv)


if __name__ == "__main__":
    main(sys.argv[1:])
