"""kaleido's and choreographer's own log records dropped while a naoviz export browser runs: a healthy export now
and then logged choreographer's "JSONError decoding message. Ignoring" with a long traceback (Python's last-resort
handler printed it into the notebook), and a stopped one "Wait expired, Browser is being closed by watchdog." and
"Resorting to unclean kill browser."; naoviz says what failed itself, in one line. Only their named loggers, only
while naoviz's browser runs (the filter is removed after); ``CHOREO_ENABLE_DEBUG`` (choreographer's own debug
switch) leaves them all shown."""
from __future__ import annotations

import logging
import os
import threading

# the loggers those libraries log through (logistro.getLogger(__name__), and "browser_proc": the browser's stderr)
ROOTS = ("choreographer", "kaleido", "browser_proc")


class _Drop(logging.Filter):
    """Drops every record of the logger it is on."""

    def filter(self, record: logging.LogRecord) -> bool:
        return False


_DROP = _Drop()
_lock = threading.Lock()
_holders = 0
_quieted: list = []


def _loggers() -> list:
    """Every logger under :data:`ROOTS` made so far (their modules are imported with kaleido) and the roots: a
    logger's filter sees only the records made on it, not its children's."""
    names = [n for n in list(logging.root.manager.loggerDict) if n.split(".")[0] in ROOTS]
    return [logging.getLogger(n) for n in sorted(set(names) | set(ROOTS))]


def hold() -> None:
    """A naoviz browser starts: drop the libraries' records until every holder has :func:`release`d."""
    global _holders
    with _lock:
        _holders += 1
        if _holders == 1 and not os.environ.get("CHOREO_ENABLE_DEBUG"):
            for logger in _loggers():
                logger.addFilter(_DROP)
                _quieted.append(logger)


def release() -> None:
    """A naoviz browser has stopped: the last one out removes the filter (the user's logging as it was)."""
    global _holders
    with _lock:
        _holders = max(_holders - 1, 0)
        if _holders == 0:
            for logger in _quieted:
                logger.removeFilter(_DROP)
            _quieted.clear()
