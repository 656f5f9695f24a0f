"""The explorer widget's custom messages, answered in one worker thread: a newer off-grid ask makes the older stale.

The page's requests (off-grid paths, exports) are answered in the order they came, beside the kernel's own thread,
so a tab opened meanwhile is built at once. A newer off-grid ask supersedes the older ones: a queued one is never
computed, the one running is told by ``should_stop`` and ends at its next safe point (the backend's
``naoviz.errors.Stopped``); both are answered ``superseded``. Closing the widget stops the running one too.
"""
from __future__ import annotations

import logging
import queue
import threading
from typing import Callable

log = logging.getLogger("naoviz.ui.explorer_widget")
SUPERSEDE = ("offgrid",)    # custom messages a newer one of the same kind makes stale (exports all run)


class AskQueue:
    """Mixin for ``ExplorerWidget``: ``_start_asks()`` in ``__init__``; the widget's ``_on_custom(widget, content,
    buffers, should_stop=)`` answers one request and ``work`` is its progress trait."""

    def _start_asks(self) -> None:
        self._jobs, self._worker, self._asked, self._newest = queue.SimpleQueue(), None, 0, {}
        self._closed = False
        self.on_msg(self._queue_custom)

    def close(self) -> None:
        """Close the widget (its page is gone): the off-grid work running stops at its next safe point."""
        self._closed = True
        super().close()

    def _queue_custom(self, _widget, content, buffers) -> None:
        """The page's requests are answered in one worker thread, in the order they came, so the kernel's own
        thread stays free: a tab opened meanwhile is built at once (the first constrained step, torch loading and a
        cost head fitted on NB201's 15,625 cells, kept the Search tab on "opening…" for 70 s on 2 loaded cores).
        A newer off-grid ask supersedes the older ones: the student's latest choice is answered, a stale one
        queued gets ``superseded`` and is never computed, the one running stops at its next safe point (between
        gradient steps, decodes, a cost head's fit epochs: ``_stale``) and gets ``superseded`` too. The page sends
        ``{"type": "offgrid", "cancel": true}`` when it no longer wants the path it asked for (no answer)."""
        self._asked += 1
        kind = content.get("type") if isinstance(content, dict) else None
        if kind in SUPERSEDE:
            self._newest[kind] = (self._asked, content)
        if self._worker is None:
            self._worker = threading.Thread(target=self._work, daemon=True, name="naoviz-explorer")
            self._worker.start()
        self._jobs.put((self._asked, content, buffers))

    def _work(self) -> None:
        while True:
            n, content, buffers = self._jobs.get()
            kind = content.get("type") if isinstance(content, dict) else None
            try:
                if kind in SUPERSEDE and content.get("cancel"):
                    continue                                   # nothing to answer: it only superseded the others
                if kind in SUPERSEDE and self._stale(kind, n)():
                    self.send(superseded(content))
                    continue
                self._on_custom(self, content, buffers, should_stop=self._stale(kind, n) if kind in SUPERSEDE else None)
            except Exception as exc:  # noqa: BLE001 - the worker answers the next request all the same
                log.warning("naoviz explorer: %s: %s", type(exc).__name__, exc)
            finally:
                self.work = {}

    def _stale(self, kind: str, n: int) -> Callable[[], object]:
        """The ``should_stop`` of request ``n``: falsy while it is the newest of its kind, else the newer request
        (the page's dict), or True once the widget is closed."""
        def newer():
            if self._closed:
                return True
            m, content = self._newest.get(kind, (n, None))
            return content if m > n else None
        return newer

    def _progress(self, what: str, ask_id=None) -> Callable[[str, int, int], None]:
        """A ``progress(stage, done, total)`` that shows the stage in ``work`` (the page's progress line)."""
        def tell(stage: str, done: int, total: int) -> None:
            self.work = {"what": what, "id": ask_id, "stage": str(stage), "done": int(done), "total": int(total)}
        return tell


def superseded(request) -> dict:
    """The answer to a stale off-grid ask (the page shows only its newest ask's answer)."""
    return {"type": "offgrid", "id": request.get("id") if isinstance(request, dict) else None, "ok": False,
            "superseded": True, "message": "superseded by a newer request"}
