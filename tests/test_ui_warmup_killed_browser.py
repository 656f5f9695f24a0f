"""A cold start whose warm-up is killed part-way (the OOM killer, a user's `kill -9`), in real Chromium against a real
`naoviz dashboard` on 127.0.0.1: the visitor already on the page takes the build over, resuming what the warm-up
checkpointed, says why, and reaches the full explorer; a visitor arriving after the kill shares that build. In a
module of its own (a fresh Chromium, no warm server beside it), like tests/test_ui_cold_start_browser.py.
"""
from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path

import pytest

from _browser import CHROMIUM
from _dashboard_server import _log_path, _open, _serve
from _procs import alive
from test_ui_cold_start_browser import COLD, _processes_with, _wait_or_explain

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian chromium (make browser)")
ALONE = True        # a fresh Chromium of its own, no shared one or warm server beside it (tests/_shared.py)
# the cold start's sizes on the PCA map alone (no UMAP fit: seconds): a quick atlas of 256 seeds, then the full one of 300
KILLED = {**COLD, "NAOVIZ_DASHBOARD_MAP": "pca"}
FULL = ("document.querySelector('.nx-root[data-ready=\\'1\\']')"
        " && document.querySelector('.nx-root').__nx.atlas.M === 300")


def _stop_warmup_in_full_build(cache: Path, stopped: dict, deadline: float) -> None:
    """SIGSTOP the warm-up of the dashboard on ``cache`` once its full atlas's build has embedded the table (that
    checkpoint written: what a kill leaves to resume); its PID and the stage in ``stopped``."""
    while time.time() < deadline:
        pids = _processes_with("naoviz.explorer_plan", cache=cache)
        keys = list((cache / "visit-keys").glob("*.json"))
        if pids and keys:
            try:
                full = json.loads(keys[0].read_text())["atlas"]
                shown = json.loads((cache / "atlases" / f"{full}.progress").read_text())
            except (OSError, ValueError, KeyError):
                shown = None
            if shown is not None and (shown["stage"] != "embed" or shown["done"] == shown["total"]):
                os.kill(pids[0], signal.SIGSTOP)
                stopped.update(pid=pids[0], stage=shown["stage"], atlas=full)
                return
        time.sleep(0.02)


def test_a_warmup_killed_mid_build_leaves_the_build_to_the_visitors(browser, tmp_path):
    cache = tmp_path / "cold-cache"
    stopped: dict = {}
    watcher = threading.Thread(target=_stop_warmup_in_full_build, args=(cache, stopped, time.time() + 300), daemon=True)
    watcher.start()
    proc, log, url = _serve(KILLED, cache, "killed-warmup", via_cli=True, start_s=240)
    try:
        watcher.join(300)
        assert stopped, "the warm-up never reached its full atlas's build"
        atlases = cache / "atlases"
        assert not (atlases / f"{stopped['atlas']}.json").exists(), stopped     # stopped part-way, not after
        first, _, _ = _open(browser, url, timeout_ms=300_000, log_path=_log_path("killed-warmup"))   # the quick atlas
        first.evaluate("""window.__lines = []; new MutationObserver(() => {
            for (const el of document.querySelectorAll('.naoviz-dashboard i')) window.__lines.push(el.textContent); })
            .observe(document.body, {subtree: true, childList: true, characterData: true})""")
        os.kill(stopped["pid"], signal.SIGKILL)                               # as the OOM killer would
        deadline = time.time() + 30
        while alive(stopped["pid"]) and time.time() < deadline:             # reaped by `naoviz dashboard`
            time.sleep(0.05)
        assert not alive(stopped["pid"])
        second, _, _ = _open(browser, url, timeout_ms=300_000, log_path=_log_path("killed-warmup"))
        for p in (first, second):
            _wait_or_explain(p, FULL, 300_000, cache, log_name="killed-warmup")
        lines = first.evaluate("window.__lines")
        taken = [t for t in lines if "warm-up stopped before it finished" in t]
        assert taken, lines[-5:]                               # the page said why it builds, with the stages
        # the warm-up's checkpoint was taken up: the saved full atlas records it (the page shows it only while that
        # stage's progress lines come; a fast stage can pass between two of the observer's reads)
        full_meta = json.loads((atlases / f"{stopped['atlas']}.json").read_text())["meta"]
        assert full_meta.get("resumed", "").startswith("resuming a stopped build: embed"), full_meta.get("resumed")
        assert "The full map is ready" in first.inner_text(".nx-msg")
        # built once between them: one model, the quick and the full atlas; no checkpoints or progress left behind
        assert len([d for d in (cache / "models").iterdir() if d.is_dir()]) == 1
        assert len(list(atlases.glob("*.safetensors"))) == 2
        assert list(atlases.glob("*.partial")) == [] and list(atlases.glob("*.progress")) == []
        assert "Traceback" not in _log_path("killed-warmup").read_text()
    finally:
        if stopped.get("pid") and alive(stopped["pid"]):
            os.kill(stopped["pid"], signal.SIGKILL)
        proc.terminate()
        proc.wait(30)
        log.close()
