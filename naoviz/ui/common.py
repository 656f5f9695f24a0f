"""Small helpers the panels share: an error line, a worker thread, and plotly FigureWidgets that reach the
browser whole.

Only the Search and Child panels draw with plotly; the explorer widget never does, so a visit that stays in
the explorer never loads plotly's front end.
"""
from __future__ import annotations

import html
import logging
import threading
from functools import lru_cache
from typing import Callable

log = logging.getLogger("naoviz.ui")


def error_html(message: str) -> str:
    """One red line for the page (escaped), or "" for no message."""
    return f"<span class='naoviz-error' style='color:#c62828'>⚠ {html.escape(message)}</span>" if message else ""


@lru_cache(maxsize=None)
def _figure_widget_class():
    """plotly is imported here, on the first figure, not when the dashboard starts."""
    import plotly.graph_objects as go

    class _FigureWidget(go.FigureWidget):
        """A FigureWidget whose comm opens only once its traces are in the widget state.

        plotly opens the comm (sending the state to the browser) before it fills ``_widget_data``; the data
        follows as an update, and a browser busy loading the widget class can draw the view from the empty
        state and never redraw (seen under load). Opening after construction sends one complete state.
        """

        def open(self):
            if self.__dict__.get("_naoviz_ready"):
                super().open()

    return _FigureWidget


def figure_widget(fig):
    """``go.FigureWidget(fig)`` whose first message to the browser already holds the whole figure."""
    fw = _figure_widget_class()(fig)
    fw.__dict__["_naoviz_ready"] = True
    fw.open()
    return fw


def show_in_place(widget, fig) -> None:
    """Put ``fig``'s traces and axis titles into the shown FigureWidget ``widget``, in place: a fresh
    FigureWidget sends plotly's whole front end (~5 MB) again on every live redraw
    (measured: 25 MB over the websocket for a 60-query search)."""
    if len(widget.data) != len(fig.data):
        widget.data = widget.data[:0]
        widget.add_traces(list(fig.data))
    else:
        with widget.batch_update():
            for old, new in zip(widget.data, fig.data):
                old.update({k: v for k, v in new.to_plotly_json().items() if k not in ("type", "uid")})
    with widget.batch_update():
        widget.layout.legend.title.text = fig.layout.legend.title.text
        widget.layout.xaxis.title.text = fig.layout.xaxis.title.text
        widget.layout.yaxis.title.text = fig.layout.yaxis.title.text


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
