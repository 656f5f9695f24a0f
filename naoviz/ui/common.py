"""Small helpers the panels share: an error line, a checked whole number, a worker thread.

No panel draws with plotly (the curves are :class:`naoviz.ui.line_chart.LineChart`), so a dashboard visit
loads no plotly front end and its kernel imports no plotly; figures for export are made on demand.
"""
from __future__ import annotations

import html
import logging
import threading
from typing import Callable

log = logging.getLogger("naoviz.ui")


def error_html(message: str) -> str:
    """One red line for the page (escaped), or "" for no message."""
    return f"<span class='naoviz-error' style='color:#c62828'>⚠ {html.escape(message)}</span>" if message else ""


def whole_number(field: str, text, lo: int, hi: int) -> int:
    """The whole number typed in a panel's box ``field``, or a ValueError of one line naming the field and the
    value as typed. A browser's number box drops what it cannot take (``2.5`` arrived as 25, ``1e3`` as 13,
    and seed 13 ran): the boxes are text, and what is refused is said, never rewritten."""
    typed = str(text).strip()
    if not typed.isascii() or not typed.lstrip("+").isdigit() or typed.count("+") > 1:
        raise ValueError(f"{field}: {str(text)[:40]!r} is not a whole number (expected {lo}..{hi}); nothing ran")
    value = int(typed)
    if not lo <= value <= hi:
        raise ValueError(f"{field}: {str(text)[:40]!r} is out of range (expected {lo}..{hi}); nothing ran")
    return value


def in_thread(target: Callable[[], None], on_error: Callable[[Exception], None]) -> threading.Thread:
    """Run ``target`` in a daemon thread (a panel's work; the page stays responsive); an exception goes to
    ``on_error`` (shown in the panel) and the log, never to the console as a traceback."""
    def run():
        try:
            target()
        except Exception as exc:  # noqa: BLE001 - shown in the panel
            log.warning("naoviz panel: %s: %s", type(exc).__name__, exc)
            on_error(exc)
    t = threading.Thread(target=run, daemon=True, name="naoviz-panel")
    t.start()
    return t
