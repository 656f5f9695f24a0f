"""Progress bars that a stop leaves tidy and a log keeps plain: room for the echo of a typed Ctrl-C, how a bar cut
short ends, and plain lines where the bar's stream is a file or pipe.

tqdm draws a bar one column short of the terminal's width. A Ctrl-C typed under it is echoed by the terminal as
"^C" after the bar: the "C" wrapped to the next line, so the stop line (``naoviz.cli.interrupts``) replaced
that line and left the bar, ending in "^", above it. A bar two columns short (:func:`echo_bar`, from its first
frame) keeps the echo on its own line, where clearing that line takes both
(``naoviz.cli.interrupts.line_start``). A bar cut short (:func:`close`)
written to a file or pipe is ended by a newline, not cleared, so the stop line starts a line of the log.

Written to a file or pipe (a log, CI), tqdm's redraws are carriage returns and, for a bar under another, cursor-up
codes (``ESC[A``) left in the log as they are. There :func:`echo_bar` makes a :class:`LineBar` instead: one plain
line per 10 % step of a bar (or per 30 s of a bar without a total); a bar under another (a search's under
``compare``'s, NAO's training under ``predictor``'s) one per 25 %, indented, so a long run still shows its
progress without doubling the log; never an escape code or a carriage return.
"""
from __future__ import annotations

import sys

STEPS = 10          # lines per bar with a total: at 0 %, then at each 10 % it crosses (one line if it jumps several)
NESTED_STEPS = 4    # a bar under another: at 0 % and each 25 %
EVERY_S = 30.0      # a bar without a total (a download of unknown size): a line per this many seconds


def _is_tty(fp) -> bool:
    try:
        return bool(fp.isatty())
    except (AttributeError, ValueError):             # a closed or wrapped stream
        return False


def echo_bar(cls, **kwargs):
    """``cls(**kwargs)`` (tqdm's class, or tqdm.auto's) drawn one column narrower than tqdm draws it, from its first
    frame, still following the terminal's width when it does (``dynamic_ncols``). A bar made at full width and
    narrowed after showed that first frame for a moment, and a Ctrl-C typed then was echoed after it ("^" left on
    the bar's line above the stop line). On a terminal the bar is made undrawn (tqdm's ``delay``), narrowed, then
    drawn. Written to a file or pipe, a bar drawn as text (not a notebook's widget) is a :class:`LineBar`."""
    fp = kwargs.get("file") or sys.stderr
    tty = _is_tty(fp)
    if not tty and not kwargs.get("disable") and _draws_text(cls):
        return line_class(cls)(**kwargs)
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


def _draws_text(cls) -> bool:
    """``cls`` draws its bar as text on a stream (tqdm's own ``display``), not as a notebook widget or a GUI."""
    from tqdm.std import tqdm
    return isinstance(cls, type) and issubclass(cls, tqdm) and cls.display is tqdm.display


class LineBar:
    """Mixed in before a tqdm class: the bar written as plain lines (``"compare:  50% 2/4 [00:01<00:01, 1.9run/s]"``)
    for a log. tqdm's clearing and cursor moves write nothing; its ``write`` (a line above the bar) is kept."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("mininterval", 0)          # every update reaches display(), which decides whether to print
        kwargs.setdefault("miniters", 1)
        self._shown = self._said = None              # the last line's step, and its count and postfix
        super().__init__(*args, **kwargs)

    def _step(self):
        if self.total:
            steps = NESTED_STEPS if abs(self.pos) else STEPS
            return min(steps, max(0, int(steps * self.n / self.total)))
        start = getattr(self, "start_t", None)       # set at the end of tqdm's __init__
        return 0 if start is None else int((self._time() - start) // EVERY_S)

    def _line(self) -> None:
        d = {**self.format_dict, "ncols": 0, "bar_format": None}        # no bar: the figures only
        self.fp.write("  " * abs(self.pos) + self.format_meter(**d) + "\n")     # a bar under another: indented
        self.fp.flush()
        self._said = (self.n, self.postfix)

    def display(self, msg=None, pos=None):
        if msg is not None or (self.total and self.n >= self.total):
            return True                              # a clearing frame; the full bar's line: when it closes
        step = self._step()
        if self._shown is None or step > self._shown:
            self._shown = step
            self._line()
        return True

    def clear(self, nolock=False):
        """Nothing to clear in a log (tqdm wrote blanks and a carriage return)."""

    def moveto(self, n):
        """No cursor in a log (tqdm wrote ``ESC[A`` or newlines)."""

    def close(self):
        """The bar's last line, unless the last line said it: the full bar with its final postfix (set after the
        last count, as a search's incumbent is), or where a bar stopped short or one without a total ended;
        nothing more (tqdm ended a bar by clearing it or redrawing it)."""
        if getattr(self, "disable", True):
            return
        with self._lock:
            if self._said != (self.n, self.postfix) and hasattr(self, "sp"):
                try:
                    self._line()
                except ValueError:                   # a closed stream
                    pass
        self.sp = None                               # tqdm's close then only forgets the bar (its GUI path)
        super().close()


_classes: dict = {}


def line_class(cls):
    """``cls`` with :class:`LineBar` mixed in (made once per class)."""
    if cls not in _classes:
        _classes[cls] = type(f"Line{cls.__name__}", (LineBar, cls), {"__doc__": LineBar.__doc__})
    return _classes[cls]


def close(bar, cut_short: bool = False) -> None:
    """Close ``bar`` (tqdm). ``cut_short`` (a stop signal, an error: a line follows it): written to a file or pipe
    it is left as last drawn and ended by a newline, since a cleared bar there is ``\\r`` and blanks and the next
    line would follow them on the bar's line of the log; on a terminal it closes as made (``leave=False``:
    cleared). A :class:`LineBar` ends with its last count as a line either way."""
    if cut_short:
        fp = getattr(bar, "fp", None)
        tty = fp is not None and _is_tty(fp)
        if not getattr(bar, "disable", True) and not tty:
            bar.leave = True
    bar.close()
