"""Shared fixtures. Tests read the real benchmark tables from NAOVIZ_DATA (CI: ../shared/data)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_SHARED = ROOT.parent / "shared" / "data"
if not os.environ.get("NAOVIZ_DATA") and _SHARED.is_dir():
    os.environ["NAOVIZ_DATA"] = str(_SHARED)
# Caches (models, projections) go to a per-run folder so tests never touch a user's cache.
# Tiny LSTMs and child nets gain nothing from threads, and 2 cores shared by pytest, Dask workers and
# Voila kernels slow down badly when each asks for 2 (docs/model.md); subprocesses inherit this.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("NAOVIZ_CACHE", str(ROOT / "tests" / "artifacts" / "cache"))
os.environ.setdefault("NUMBA_CACHE_DIR", str(ROOT / "tests" / "artifacts" / "numba"))


@pytest.fixture(scope="session")
def nb201_table():
    """The real NAS-Bench-201 tables (all 15,625 rows)."""
    from naoviz.tables import load_nb201
    return load_nb201()


@pytest.fixture(scope="session")
def nb201_space():
    from naoviz.spaces import NB201Space
    return NB201Space()


@pytest.fixture(scope="module")
def browser():
    """One headless Debian Chromium per test module (tests/_browser.py: the path and flags)."""
    from playwright.sync_api import sync_playwright

    from _browser import ARGS, CHROMIUM
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()
