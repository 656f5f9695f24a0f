"""Expensive test resources (a Chromium, the warm Voila server) shared by consecutive test modules: an idea
split over several files starts no extra browser or server, and none lives on beside a module that does not use
it (tests/conftest.py's ``browser``, tests/_dashboard_server.py's ``server``)."""
from __future__ import annotations


class Shared:
    """``start()`` on the first ``get()``; ``stop(value)`` after a module when the test pytest runs next does
    not ask for fixture ``name`` or either module sets ``ALONE = True`` (its Chromium and servers are its own,
    fresh), and at the session's end. ``starts``: how many times it was started.

    ``next_item`` is the test pytest runs next, set by tests/conftest.py's ``pytest_runtest_teardown`` before
    the module's fixtures are torn down (None at the end or once ``-x`` stops the run): pytest's own choice, so
    ``-k``, ``-x``, a single test and any order of modules are read as they run."""

    next_item = None

    def __init__(self, name: str, start, stop):
        self.name, self._start, self._stop = name, start, stop
        self.value, self.starts = None, 0

    def get(self):
        """The resource, started now if it is not running."""
        if self.value is None:
            self.value, self.starts = self._start(), self.starts + 1
        return self.value

    def stop(self) -> None:
        """Stop the resource if it runs (a no-op otherwise)."""
        if self.value is not None:
            value, self.value = self.value, None
            self._stop(value)

    def done_with(self, request) -> None:
        """Called as ``request``'s module ends: stop unless the test pytest runs next uses it (a module's tests
        need not run together: ``--ff``, node ids given out of order)."""
        nxt = Shared.next_item
        mod = getattr(nxt, "module", None)
        if (mod is None or self.name not in getattr(nxt, "fixturenames", ())
                or getattr(mod, "ALONE", False) or getattr(request.module, "ALONE", False)):
            self.stop()
