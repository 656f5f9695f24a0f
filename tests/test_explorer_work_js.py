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


KERNEL_PART = """
const sent = [];
const model = { get: (k) => ({ kernel: true, has_handler: true, work: {} })[k], send: (m) => sent.push(m) };
const atlas = { labels: ["a", "b", "c"], seedIndex: { 0: 0, 1: 1 } };
const S = { seed: 0, m: 0, offgrid: null };
const Bg = { state: { col: "params_M", budget: 0.03 }, info: () => {} };
const hooks = { msg: () => {}, seedPanels: () => {}, overlay: () => {}, setSeed: () => {}, hasPath: () => true };
globalThis.setTimeout = () => 0;                      // the 60 s "no answer" timer: not waited for here
const k = kernelPart({ querySelector: () => ({ textContent: "" }) }, model, atlas, S, Bg, hooks);
k.constrain();                                        // a budget: the seed's constrained step is asked for
Bg.state = { col: "", budget: null }; k.constrain();  // the budget cleared while it is worked on
k.constrain();                                        // nothing asked now: nothing to cancel
k.request("typed", 3);                                // a typed cell's three steps
k.constrain();                                        // no budget: the typed ask is not the budget's to cancel
k.reset();                                            // another atlas seed picked: the typed path is not wanted
k.answer({ id: 3, ok: true, decoded: [], rows: [] }); // its answer, if it came, is ignored
k.reset();                                            // nothing pending: nothing sent
console.log(JSON.stringify([sent, S.offgrid]));
"""


def test_the_page_cancels_the_kernels_work_on_a_path_it_no_longer_wants():
    """The budget cleared while its constrained step is worked on, or another atlas seed picked while a typed
    cell's path is: the page sends ``{"type": "offgrid", "cancel": true}`` (the kernel stops at its next step,
    tests/test_explorer_stops.py); a newer ask needs no cancel (it supersedes), and nothing pending, none."""
    src = (STATIC / "explorer_kernel.js").read_text(encoding="utf-8")
    out = subprocess.run([NODE, "-"], input=src + "\n" + KERNEL_PART, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    sent, shown = json.loads(out.stdout)
    assert sent == [{"type": "offgrid", "id": 1, "cell": "a", "steps": 1, "budget": {"column": "params_M", "bound": 0.03}},
                    {"type": "offgrid", "id": 2, "cancel": True},
                    {"type": "offgrid", "id": 3, "cell": "typed", "steps": 3},
                    {"type": "offgrid", "id": 4, "cancel": True}]
    assert shown is None


STEPS = """
const said = [], seeded = [];
const model = { get: (k) => ({ kernel: true, has_handler: true, work: {} })[k], send: () => {} };
const atlas = { labels: ["a", "b", "c"], seedIndex: { 0: 0, 1: 1 }, M: 2 };
const S = { seed: 0, m: 0, offgrid: null };
const Bg = { state: { col: "", budget: null }, info: () => {} };
const hooks = { msg: (t) => said.push(t), seedPanels: () => {}, overlay: () => {}, setSeed: (r) => seeded.push(r), hasPath: () => true };
globalThis.setTimeout = () => 0;
const k = kernelPart({ querySelector: () => ({ textContent: "" }) }, model, atlas, S, Bg, hooks);
k.request("a", 3, 0);                                 // seed row 0, three steps: the page's steps box
k.answer({ id: 1, ok: true, steps: 3, cell: "a", decoded: ["b"], rows: [1] });
const three = [S.offgrid && S.offgrid.row, said[said.length - 1], seeded.length];
k.request("typed", 2);                                // a typed cell's two steps (no row)
k.answer({ id: 2, ok: true, steps: 2, cell: "typed", decoded: ["c"], rows: [2] });
console.log(JSON.stringify([three, [S.offgrid.row, said[said.length - 1], seeded.length]]));
"""


def test_several_steps_from_a_seed_row_stay_that_rows_path():
    """*steps* 3 on seed row 0: the kernel's path is shown as row 0's ("row 0: 3 steps of size η each, from the
    kernel"), not swapped back for the atlas path because row 0 has one, nor called a typed cell (the box emptied)."""
    src = (STATIC / "explorer_kernel.js").read_text(encoding="utf-8")
    out = subprocess.run([NODE, "-"], input=src + "\n" + STEPS, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == [[0, "row 0: 3 steps of size η each, from the kernel", 0],
                                      [-1, "2 steps from the kernel for the typed cell", 0]]
