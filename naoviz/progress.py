"""Progress bars that a stop leaves tidy: room for the echo of a typed Ctrl-C, and how a bar cut short ends.

tqdm draws a bar one column short of the terminal's width. A Ctrl-C typed under it is echoed by the terminal as
"^C" after the bar: the "C" wrapped to the next line, so the stop line (``naoviz.cli.interrupts``) replaced
that line and left the bar, ending in "^", above it. A bar two columns short (:func:`echo_bar`, from its first
frame) keeps the echo on its own line, where clearing that line takes both
(``naoviz.cli.interrupts.line_start``). A bar cut short (:func:`close`)
written to a file or pipe is ended by a newline, not cleared, so the stop line starts a line of the log.
"""
from __future__ import annotations

import sys


def echo_bar(cls, **kwargs):
    """``cls(**kwargs)`` (tqdm's class, or tqdm.auto's) drawn one column narrower than tqdm draws it, from its first
    frame, still following the terminal's width when it does (``dynamic_ncols``). A bar made at full width and
    narrowed after showed that first frame for a moment, and a Ctrl-C typed then was echoed after it ("^" left on
    the bar's line above the stop line). On a terminal the bar is made undrawn (tqdm's ``delay``), narrowed, then
    drawn; a bar without a width (a notebook's, one written to a file or pipe) is ``cls(**kwargs)`` as it is."""
    fp = kwargs.get("file") or sys.stderr
    try:
        tty = bool(fp.isatty())
    except (AttributeError, ValueError):             # a closed or wrapped stream
        tty = False
    if not tty or kwargs.get("disable") or kwargs.get("delay"):
        return cls(**kwargs)
    bar = cls(delay=1.0, **kwargs)                   # not drawn at creation
    ncols = getattr(bar, "ncols", None)
    if isinstance(ncols, int) and ncols and not getattr(bar, "disable", True):
        dynamic = getattr(bar, "dynamic_ncols", None)
        if callable(dynamic):
            def narrower(stream):
                cols, rows = dynamic(stream)
                return (max(1, cols - 1) if cols else cols), rows
            bar.dynamic_ncols = narrower
        bar.ncols = max(1, ncols - 1)
    bar.delay = 0.0                                  # drawn from now on as any bar (and cleared when closed)
    bar.refresh()
    return bar


def close(bar, cut_short: bool = False) -> None:
    """Close ``bar`` (tqdm). ``cut_short`` (a stop signal, an error: a line follows it): written to a file or pipe
    it is left as last drawn and ended by a newline, since a cleared bar there is ``\\r`` and blanks and the next
    line would follow them on the bar's line of the log; on a terminal it closes as made (``leave=False``:
    cleared)."""
    if cut_short:
        fp = getattr(bar, "fp", None)
        try:
            tty = fp is not None and fp.isatty()
        except (AttributeError, ValueError):         # a closed or wrapped stream
            tty = False
        if not getattr(bar, "disable", True) and not tty:
            bar.leave = True
    bar.close()
