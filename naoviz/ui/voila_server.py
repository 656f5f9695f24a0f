"""The dashboard's Voila server (``python -m naoviz.ui.voila_server NOTEBOOK [voila options]``): Voila itself,
with harmless server-log noise said plainly, so a newcomer does not read it as a crash.

A page closed or reloaded while its kernel was still sending (a running search's progress) leaves tornado's
``Task exception was never retrieved ... WebSocketClosedError`` traceback: jupyter_server wrote to the closed
page's socket and never awaits the write (tornado calls it harmless noise, tornadoweb/tornado#2568). It is
logged as one line instead; every other error keeps its traceback.

``naoviz dashboard`` runs this module as a process (naoviz.cli.dashboard.voila_command); the backend never
imports it.
"""
from __future__ import annotations

import logging
import sys

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


def quiet_closed_pages() -> None:
    """Install :class:`ClosedPageFilter` on asyncio's logger (where "never retrieved" is logged), once."""
    log = logging.getLogger("asyncio")
    if not any(isinstance(f, ClosedPageFilter) for f in log.filters):
        log.addFilter(ClosedPageFilter())


def main(argv=None) -> None:
    quiet_closed_pages()
    from voila.app import main as voila
    voila(argv=argv)


if __name__ == "__main__":
    main(sys.argv[1:])
