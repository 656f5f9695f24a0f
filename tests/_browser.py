"""The browser tests' Chromium: Debian's, headless with the flags the project's machines need. The ``browser``
fixture (one Chromium shared by consecutive test modules, tests/_shared.py) is tests/conftest.py's, built from these."""
from __future__ import annotations


CHROMIUM = "/usr/bin/chromium"          # Debian's (make browser); never a Playwright download
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]
