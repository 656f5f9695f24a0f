"""Progress bars that a stop leaves tidy: room for the echo of a typed Ctrl-C, and how a bar cut short ends.

tqdm draws a bar one column short of the terminal's width. A Ctrl-C typed under it is echoed by the terminal as
"^C" after the bar: the "C" wrapped to the next line, so the stop line (``naoviz.cli.interrupts``) replaced
that line and left the bar, ending in "^", above it. A bar two columns short keeps the echo on its own line,
where clearing that line takes both (``naoviz.cli.interrupts.line_start``). A bar cut short (:func:`close`)
written to a file or pipe is ended by a newline, not cleared, so the stop line starts a line of the log.
"""
from __future__ import annotations


def room_for_echo(bar):
    """``bar`` (tqdm) drawn one column narrower than tqdm draws it, still following the terminal's width when it
    does (``dynamic_ncols``); a bar without a width (not on a terminal) is left as it is. The frame tqdm drew
    at its creation is cleared and drawn again at the new width (a narrower frame is padded with blanks to the
    last one's length, so the next frame would still reach the old width). Returns ``bar``."""
    ncols = getattr(bar, "ncols", None)
    if not isinstance(ncols, int) or not ncols or getattr(bar, "disable", True):   # a notebook bar: "100%"
        return bar
    dynamic = getattr(bar, "dynamic_ncols", None)
    if callable(dynamic):
        def narrower(fp):
            cols, rows = dynamic(fp)
            return (max(1, cols - 1) if cols else cols), rows
        bar.dynamic_ncols = narrower
    bar.ncols = max(1, bar.ncols - 1)
    bar.clear()
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
