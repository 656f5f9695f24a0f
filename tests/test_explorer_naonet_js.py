"""The explorer's NAONet cell drawing (explorer_naonet.js) without a browser: parsing, changes and layout in node.

The front end's pure functions run in node on the same files the page concatenates; what they say about a cell
is checked against naoviz.spaces.naonet (the Python side), and the layout's label boxes against each other and
the nodes at the explorer's cell-panel widths. The drawn page is checked in Chromium by
tests/test_explorer_page_browser.py.
"""
from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from naoviz.explorer_page import STATIC
from naoviz.spaces import get_space

NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="needs node")
WIDTHS = [230, 300, 394, 500, 626, 800]      # the cell panel: auto-fit columns of at least 230 px


def run_js(body: str):
    """The value ``body`` prints as JSON, run after explorer_draw.js and explorer_naonet.js."""
    src = "\n".join((STATIC / f).read_text(encoding="utf-8") for f in ("explorer_draw.js", "explorer_naonet.js"))
    out = subprocess.run([NODE, "-"], input=src + "\n" + body, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


@pytest.mark.parametrize("name", ["naonet", "naonet-ws"])
def test_parse_matches_the_python_space(name):
    space = get_space(name)
    archs = space.sample(20, seed=3)
    labels = [space.format(a) for a in archs]
    got = run_js(f"""const L = {json.dumps(labels)};
      console.log(JSON.stringify(L.map((l) => {{ const p = parseNAONet(l, {json.dumps(name)}), q = parseNAONet(l, "");
        return [p.space, q && q.space, p.cells, p.cells.map(naonetLoose)]; }})));""")
    for arch, (sp, guessed, cells, loose) in zip(archs, got):
        assert sp == name and guessed in (name, None)
        flat = [v for cell in cells for node in cell for inp, op in node for v in (inp, space.ops.index(op))]
        assert flat == list(arch)
        assert loose == [space.loose_ends(arch, c) for c in range(2)]


def test_what_is_not_a_naonet_cell_parses_to_null():
    space = get_space("naonet")
    good = space.format(space.sample(1, seed=0)[0])
    first, rest = good.split(" ", 1)
    bad = [good.replace("|", ""), good + " 1", f"{first} x{rest}", "|nor_conv_3x3~0|+|none~0|none~1|+|a~0|b~1|c~2|",
           "7 " + good.split(" ", 1)[1],                       # node 0 reads input 7 (it may read 0..1)
           good.replace(" | ", " | 99 ", 1)[:-3], ""]
    assert run_js(f"console.log(JSON.stringify({json.dumps(bad)}.map((l) => parseNAONet(l, 'naonet'))));") == [None] * len(bad)


def test_changes_name_every_slot_whose_input_or_op_differs():
    space = get_space("naonet-ws")
    a, b = space.sample(2, seed=5)
    want = sorted({p // 2 for p in range(40) if a[p] != b[p]})          # (cell, node, branch) slots, flat
    got = run_js(f"""const ch = naonetChanges(parseNAONet({json.dumps(space.format(b))}, "naonet-ws"),
                                               parseNAONet({json.dumps(space.format(a))}, "naonet-ws"));
      console.log(JSON.stringify([ch.map((c) => c.cell * 10 + c.node * 2 + c.branch), ch.map(naonetDescribe),
        cellChangeCount({json.dumps(space.format(b))}, {json.dumps(space.format(a))}, "naonet-ws")]));""")
    assert got[0] == want and got[2] == len(want)
    assert all(("first input" in t or "second input" in t) and "→" in t for t in got[1])


def _overlap(a, b, gap=0.0):
    return a[0] < b[2] + gap and b[0] < a[2] + gap and a[1] < b[3] + gap and b[1] < a[3] + gap


@pytest.mark.parametrize("name", ["naonet", "naonet-ws"])
def test_layout_labels_clear_each_other_and_the_nodes_at_panel_widths(name):
    """Label boxes (each sized for its text at the changed size) overlap no other label and no node, and lie
    inside the drawing, for 20 seeded random cells at every cell-panel width; so do the node shapes."""
    space = get_space(name)
    labels = [space.format(a) for a in space.sample(20, seed=11)]
    lays = run_js(f"""const out = [];
      for (const W of {WIDTHS}) for (const l of {json.dumps(labels)}) {{
        const k = W / 300, px = (kind) => {{ const [b, lo, hi] = CELL_TEXT[kind]; return Math.min(hi, Math.max(lo, b * k)); }};
        out.push(naonetLayout(parseNAONet(l, {json.dumps(name)}), W, {{ op: px("op"), node: px("node"), title: px("title"), sub: px("node") }}));
      }}
      console.log(JSON.stringify(out));""")
    for lay in lays:
        W, H = lay["W"], lay["H"]
        boxes, shapes = [], []
        for cell in lay["cells"]:
            for e in cell["edges"]:
                if e["label"]:
                    b = e["label"]
                    boxes.append((b["x"] - b["w"] / 2, b["y"] - b["h"] / 2, b["x"] + b["w"] / 2, b["y"] + b["h"] / 2))
            shapes += [(n["x"] - n["w"] / 2, n["y"] - n["h"] / 2, n["x"] + n["w"] / 2, n["y"] + n["h"] / 2) for n in cell["nodes"]]
        assert len(boxes) == 20 and len(shapes) == 16
        for i, a in enumerate(boxes):
            assert not any(_overlap(a, b, 2) for b in boxes[i + 1:]), (W, a)
            assert not any(_overlap(a, s, 2) for s in shapes), (W, a)
        for i, a in enumerate(shapes):
            assert not any(_overlap(a, s) for s in shapes[i + 1:]), (W, a)
        assert all(0 <= b[0] and b[2] <= W and 0 <= b[1] and b[3] <= H for b in boxes + shapes), W
