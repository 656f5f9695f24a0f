"""The explorer's progress line (explorer_kernel.js showWork) in node: what the widget's ``work`` trait says is
shown as a bar and "stage… n of N" beside the message, and hidden when the kernel is idle."""
from __future__ import annotations

import json
import subprocess

import pytest

from tests.test_explorer_naonet_js import NODE, STATIC

pytestmark = pytest.mark.skipif(NODE is None, reason="needs node")

FAKE_ROOT = """
const els = { ".nx-work": { hidden: true }, ".nx-work-bar": { max: "1", value: "0" }, ".nx-work-text": { textContent: "" } };
const root = { querySelector: (s) => els[s] };
const seen = (w) => { showWork(root, w); return [els[".nx-work"].hidden, els[".nx-work-bar"].max, els[".nx-work-bar"].value,
                                              els[".nx-work-text"].textContent]; };
"""


def test_the_work_trait_is_shown_as_a_bar_and_its_stage_and_hidden_when_idle():
    cases = [{"what": "path", "id": 3, "stage": "fitting the latency_pixel3 cost head", "done": 12, "total": 60},
             {"what": "export", "stage": "rendering the figures", "done": 2, "total": 6},
             {"what": "path", "stage": "the constrained step's path", "done": 9, "total": 2}, {}]
    src = (STATIC / "explorer_kernel.js").read_text(encoding="utf-8")
    body = FAKE_ROOT + f"console.log(JSON.stringify({json.dumps(cases)}.map(seen)));"
    out = subprocess.run([NODE, "-"], input=src + "\n" + body, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == [
        [False, "60", "12", "fitting the latency_pixel3 cost head… 12 of 60"],
        [False, "6", "2", "exporting: rendering the figures… 2 of 6"],
        [False, "2", "2", "the constrained step's path… 2 of 2"],          # never past its total
        [True, "2", "2", "the constrained step's path… 2 of 2"]]           # idle: hidden, as it was
