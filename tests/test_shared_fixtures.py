"""tests/_shared.py: a shared resource (the Chromium, the warm Voila server) is stopped before any test that does
not use it runs, and kept between consecutive modules that do, whatever order pytest runs them in. An inner
pytest run (a subprocess) on three small modules, with tests/conftest.py's hook and tests/_shared.py as they are,
logs each start, stop and test."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent

CONFTEST = f'''
import importlib.util
import sys
sys.path.insert(0, {str(TESTS)!r})
import pytest
from _shared import Shared

_spec = importlib.util.spec_from_file_location("naoviz_tests_conftest", {str(TESTS / "conftest.py")!r})
_theirs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_theirs)
pytest_runtest_teardown = _theirs.pytest_runtest_teardown     # the hook under test, as tests/conftest.py has it

def _log(word):
    with open("log.txt", "a") as f:
        f.write(word + "\\n")

@pytest.fixture(scope="session")
def _res():
    shared = Shared("res", lambda: _log("start") or "R", lambda value: _log("stop"))
    yield shared
    shared.stop()

@pytest.fixture(scope="module")
def res(request, _res):
    yield _res.get()
    _res.done_with(request)
'''
USES = ("def test_one(res):\n    open('log.txt', 'a').write('{m}1\\n')\n\n"
        "def test_two(res):\n    open('log.txt', 'a').write('{m}2\\n')\n")
SKIPS = "def test_one():\n    open('log.txt', 'a').write('{m}1\\n')\n"


def _run(tmp_path, *args, a_also: str = "") -> list:
    """Run pytest with ``args`` on test_a.py (two tests using ``res``, plus ``a_also``), test_b.py (one test that
    does not) and test_c.py (like a): the log's words in order (start, stop, a1, a2, b1, c1, c2)."""
    (tmp_path / "conftest.py").write_text(CONFTEST)
    (tmp_path / "test_a.py").write_text(USES.format(m="a") + a_also)
    (tmp_path / "test_b.py").write_text(SKIPS.format(m="b"))
    (tmp_path / "test_c.py").write_text(USES.format(m="c"))
    (tmp_path / "log.txt").unlink(missing_ok=True)
    # No third-party plugin: the hook and the holder under test are pytest's core and tests/ (nbmake's and
    # hypothesis's imports were ~3.5 s CPU of each inner run's ~3.7)
    env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
                   cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env)
    return (tmp_path / "log.txt").read_text().split()


@pytest.mark.parametrize("args, log", [
    # consecutive users share one start; the module between them runs with it stopped
    (["test_a.py", "test_c.py", "test_b.py"], ["start", "a1", "a2", "c1", "c2", "stop", "b1"]),
    (["test_a.py", "test_b.py", "test_c.py"], ["start", "a1", "a2", "stop", "b1", "start", "c1", "c2", "stop"]),
    # a module's tests out of order (as --ff runs them): before, the resource lived on through test_b, because the
    # module after test_a's *last* test (test_c) uses it
    (["test_a.py::test_one", "test_b.py", "test_a.py::test_two", "test_c.py"],
     ["start", "a1", "stop", "b1", "start", "a2", "c1", "c2", "stop"]),
    # a single test, -k
    (["test_c.py::test_two"], ["start", "c2", "stop"]),
    (["-k", "two", "test_a.py", "test_b.py", "test_c.py"], ["start", "a2", "c2", "stop"]),
])
def test_a_shared_resource_lives_only_beside_tests_that_use_it(tmp_path, args, log):
    assert _run(tmp_path, *args) == log


def test_x_stops_it_when_the_run_stops(tmp_path):
    failing = "\ndef test_three(res):\n    assert False\n"
    assert _run(tmp_path, "-x", "test_a.py", "test_c.py", a_also=failing) == ["start", "a1", "a2", "stop"]
