"""Shared fixtures. Tests read the real benchmark tables from NAOVIZ_DATA (CI: ../shared/data)."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

# Fixtures several test modules share, registered once so a session-scoped one is built once:
# the explorer page's atlases and pages, the dashboard's warm Voila server.
pytest_plugins = ["_explorer_page", "_dashboard_server"]

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


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_teardown(item, nextitem):
    """Before ``item``'s fixtures are torn down, tell tests/_shared.py which test runs next (pytest's own
    ``nextitem``: None at the end or when ``-x`` stops the run), so a shared Chromium or server is kept only for
    a next module that uses it."""
    from _shared import Shared
    Shared.next_item = nextitem


_TORCH_THREADS = []     # torch's CPU thread count as the first test found it (1: OMP_NUM_THREADS above)


@pytest.fixture(autouse=True)
def _torch_threads_unchanged():
    """Fail a test that leaves torch's CPU thread count changed (it or a fixture it used), and set it back: a
    UMAP fit once left it at the number of cores, and the NAO tests after it in the same process ran several
    times slower (docs/model.md, "Use one thread on shared cores"). Costs microseconds a test."""
    torch = sys.modules.get("torch")
    if torch is not None and not _TORCH_THREADS:
        _TORCH_THREADS.append(torch.get_num_threads())
    yield
    torch = sys.modules.get("torch")
    if torch is None or not _TORCH_THREADS:
        return
    now, want = torch.get_num_threads(), _TORCH_THREADS[0]
    if now != want:
        torch.set_num_threads(want)
        pytest.fail(f"torch's CPU thread count was left at {now}, not {want}, by this test or its fixtures",
                    pytrace=False)


@pytest.fixture(scope="session")
def nb201_table():
    """The real NAS-Bench-201 tables (all 15,625 rows)."""
    from naoviz.tables import load_nb201
    return load_nb201()


@pytest.fixture(scope="session")
def nb201_space():
    from naoviz.spaces import NB201Space
    return NB201Space()


def _launch_chromium():
    """(Playwright, its headless Debian Chromium): what the shared ``browser`` holds."""
    from playwright.sync_api import sync_playwright

    from _browser import ARGS, CHROMIUM
    p = sync_playwright().start()
    return p, p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)


def _close_chromium(pb) -> None:
    """Close the Chromium and stop the Playwright of :func:`_launch_chromium`'s pair ``pb``."""
    pb[1].close()
    pb[0].stop()


@pytest.fixture(scope="session")
def _chromium():
    """The session's one Chromium holder (tests/_shared.py), started and stopped by ``browser`` as modules need."""
    from _shared import Shared
    shared = Shared("browser", _launch_chromium, _close_chromium)
    yield shared
    shared.stop()


@pytest.fixture(scope="module")
def browser(request, _chromium):
    """A headless Debian Chromium (tests/_browser.py: the path and flags), shared by consecutive modules that
    use it, so an idea split over several files starts one; a module with ``ALONE = True`` gets its own
    (tests/_shared.py)."""
    yield _chromium.get()[1]
    _chromium.done_with(request)


@pytest.fixture(scope="module")
def one_browser():
    """One kept export Chromium for a module's figure exports (``kept_browser.for_command``, as a command keeps
    one): kaleido's start is most of an export's seconds. Closed at the module's end; a test with another
    ``NAOVIZ_CHROMIUM`` still gets a browser of its own (another key starts another)."""
    from naoviz.viz import kept_browser
    with kept_browser.for_command() as kept:
        yield kept
