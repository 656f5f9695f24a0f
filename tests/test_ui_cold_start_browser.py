"""The dashboard's cold start in real Chromium against a real `naoviz dashboard` on 127.0.0.1: nothing cached,
two visitors arrive while it builds (their kernels wait for the warm-up's atlases without reading the table). In
a module of its own: the warm server of tests/test_ui_browser.py and its visitors' kernels are gone and Chromium is
fresh, so the build runs beside nothing but what the test starts.
"""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from _browser import CHROMIUM
from _dashboard_server import _log_path, _open, _serve
from _procs import running_with

COLD = {"NAOVIZ_DASHBOARD_TABLE": "nb201-digits", "NAOVIZ_DASHBOARD_TRAIN": "100", "NAOVIZ_DASHBOARD_EPOCHS": "5",
        "NAOVIZ_DASHBOARD_MAP": "umap", "NAOVIZ_DASHBOARD_SEEDS": "300"}  # quick atlas (PCA): 256 seeds, then all 300

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian chromium (make browser)")
ALONE = True        # a fresh Chromium of its own, no shared one or warm server beside it (tests/_shared.py)


def test_two_visitors_on_a_cold_start_share_one_build(browser, tmp_path):
    """Nothing cached: `naoviz dashboard`'s warm-up process, Voila's pre-started kernel and two visitors all
    want the same model and atlas. One process builds under the lock, the others wait showing its progress,
    and every page ends on the same atlas: the quick one first (paths for 256 classes), then the full one
    (300, with the UMAP map) swapped into the open page, which then shows the UMAP map the quick atlas lacked."""
    cache = tmp_path / "cold-cache"
    proc, log, url = _serve(COLD, cache, "cold", via_cli=True)
    try:
        first, first_s, _ = _open(browser, url, timeout_ms=300_000, log_path=_log_path("cold"))
        second, second_s, _ = _open(browser, url, timeout_ms=300_000, log_path=_log_path("cold"))
        print(f"cold start: the first visitor's page ready in {first_s:.1f} s, the second's in {second_s:.1f} s")
        for p in (first, second):       # the element the explorer's view draws into, to see it is never replaced
            p.evaluate("window.__explorerEl = document.querySelector('.nx-root').parentElement")
        t0 = time.perf_counter()
        for p in (first, second):     # the full atlas: not within 5 min once on ~1/8 of a core
            _wait_or_explain(p, "document.querySelector('.nx-root[data-ready=\\'1\\']')"
                             " && document.querySelector('.nx-root').__nx.atlas.M === 300", 600_000, cache)
        print(f"cold start: the full atlas in both pages {time.perf_counter() - t0:.1f} s later")
        # neither visitor's kernel read the table: both waited for the warm-up's atlases by the names it stored
        # (naoviz.explorer_plan.await_built); no pandas extension module is mapped in them (`import pandas` maps them)
        mapped = {}
        for p in (first, second):
            kernel = p.evaluate("JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId")
            pids = running_with(f"kernel-{kernel}.json")
            assert pids, kernel
            mapped.update({pid: Path(f"/proc/{pid}/maps").read_text() for pid in pids})
        assert all("/numpy/" in m for m in mapped.values())            # the check sees extension modules
        assert not [pid for pid, m in mapped.items() if "/pandas/" in m], "a cold start's kernel imported pandas"
        cells = [p.inner_text(".nx-decoded") for p in (first, second)]
        seeds = [p.input_value(".nx-seed") for p in (first, second)]
        notes = [p.inner_text(".nx-msg") for p in (first, second)]
        assert cells[0] == cells[1] and seeds[0] == seeds[1], (cells, seeds, notes)
        # the page moved to the map the full atlas brought (its own ?view=pca, written on the quick atlas, did not
        # win back over the kernel's choice: the page stayed on PCA, with no islands for the tour to speak of)
        for p in (first, second):
            p.wait_for_function("document.querySelector('.nx-root').__nx.S.view === 'umap'"
                                " && location.search.includes('view=umap')", timeout=10_000)
            assert p.input_value(".nx-view") == "umap"
        # a cell without a path in the full atlas: the page asks the kernel's model for one
        row = first.evaluate("(() => { const a = document.querySelector('.nx-root').__nx.atlas;"
                             " for (let r = 0; r < a.N; r++) if (a.seedIndex[r] < 0 && a.seedIndex[a.A.class_of[r]] < 0)"
                             " return r; return -1; })()")
        assert row >= 0
        first.fill(".nx-search", str(row))
        first.wait_for_function(f"document.querySelector('.nx-msg').textContent.startsWith('row {row}: its path came "
                                "from the kernel')", timeout=120_000)
        assert first.input_value(".nx-seed") == str(row) and f"row {row} (path from the kernel)" in first.inner_text(".nx-root")
        assert first.inner_text(".nx-decoded").startswith("|")
        models = [d for d in (cache / "models").iterdir() if d.is_dir()]
        atlases = list((cache / "atlases").glob("*.safetensors"))
        assert len(models) == 1 and len(atlases) == 2                  # each built once: quick and full
        log_text = (_log_path("cold")).read_text()
        assert "Traceback" not in log_text
        # the full atlas redrew the open explorer in place; nothing re-rendered the view (as a re-parented tab would)
        assert [p.evaluate("document.querySelector('.nx-root').parentElement === window.__explorerEl")
                for p in (first, second)] == [True, True]
    finally:
        proc.terminate()
        proc.wait(30)
        log.close()
    port = url.rsplit(":", 1)[1].strip("/")
    assert _processes_with(f"--port={port}") == []          # SIGTERM to `naoviz dashboard` stopped Voila too
    assert _processes_with("naoviz.explorer_plan", cache=cache) == []


def _wait_or_explain(page, condition: str, timeout_ms: int, cache: Path, log_name: str = "cold") -> None:
    """Wait for ``condition`` on ``page``; on a timeout fail with what the page shows (its atlas's seeds, its
    lines), the atlases in the cache and the server log's tail: enough to tell a slow build from a lost update."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    try:
        page.wait_for_function(condition, timeout=timeout_ms)
    except PlaywrightTimeout:
        shown = page.evaluate("(() => { const r = document.querySelector('.nx-root');"
                              " return {M: r && r.__nx ? r.__nx.atlas.M : null, ready: r ? r.dataset.ready : null,"
                              " text: document.body.innerText.slice(0, 600)}; })()")
        atlases = sorted(p.name for p in (cache / "atlases").glob("*")) if (cache / "atlases").exists() else []
        log_tail = (_log_path(log_name)).read_text(errors="replace").splitlines()[-25:]
        raise AssertionError(f"not within {timeout_ms / 1000:.0f} s: {condition}\npage: {shown}\ncache atlases: "
                             f"{atlases}\nserver log (last 25 lines):\n" + "\n".join(log_tail)) from None


def _processes_with(text: str, cache: Path | None = None) -> list[int]:
    """PIDs whose command line contains ``text`` (and, given ``cache``, whose NAOVIZ_CACHE is it: another
    dashboard on this machine, not this test's, has the same command line)."""
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if text.encode() not in (entry / "cmdline").read_bytes().replace(b"\0", b" "):
                    continue
                if cache is not None and f"NAOVIZ_CACHE={cache}".encode() not in (entry / "environ").read_bytes().split(b"\0"):
                    continue
                out.append(int(entry.name))
            except OSError:
                continue
    return out
