"""A newer off-grid ask stops the one the explorer's kernel is working on, at its next safe point (between gradient
steps, decodes, a cost head's fit epochs), with the real widget, handler and the digits table's shipped model and
atlas: the stale ask is answered ``superseded``, the newer one with the path it asked for, and a stopped fit leaves
no cache entry (an entry is whole only with its DONE mark). The newer ask is sent from the ``work`` observer when
the old ask reports a given step, so where it stops is exact, never a matter of timing."""
from __future__ import annotations

import threading

import numpy as np
import pytest


@pytest.fixture(scope="module")
def digits():
    from naoviz.atlas_cache import cached_atlas
    from naoviz.nao.cache import ModelSpec, load_or_train
    from naoviz.tables import load_benchmark
    bench, spec = load_benchmark("nb201-digits"), ModelSpec()
    nao = load_or_train(bench, spec)[0]
    return bench, spec, nao, cached_atlas(bench, spec)


def _steps(seen, i):
    """The step counts ask ``i`` reported for its path (its model load and cost head fit left out)."""
    return [s["done"] for s in seen.get(i, []) if s.get("stage", "").endswith("step's path")]


def _widget(digits, when, then):
    """The explorer with the real handler; ``then`` (an ask) is sent once ``when(work)`` holds. Returns (widget,
    replies by id, the work seen by ask id, an Event set when every ask sent so far has its reply)."""
    from naoviz.ui.explorer_offgrid import nao_handler
    from naoviz.ui.explorer_widget import ExplorerWidget
    bench, spec, nao, atlas = digits
    w = ExplorerWidget(atlas, handler=nao_handler(lambda: (nao, bench, spec.metric)))
    replies, seen, sent, all_done = {}, {}, [], threading.Event()

    def on_work(change):
        work = dict(change["new"])
        if work:
            seen.setdefault(work["id"], []).append(work)
        if then and when(work):
            ask = then.pop(0)
            if not ask.get("cancel"):                 # a cancel is never answered
                sent.append(ask["id"])
            w._handle_custom_msg(ask, [])            # as the page sends it, from the worker's own thread here

    def send(content, buffers=None):
        replies[content["id"]] = content
        if set(sent) <= set(replies):
            all_done.set()
    w.observe(on_work, names="work")
    w.send = send

    def ask(content):
        sent.append(content["id"])
        all_done.clear()
        w._handle_custom_msg(content, [])
    return w, replies, seen, all_done, ask


def test_a_newer_ask_stops_a_running_path_between_its_steps_and_is_answered(digits):
    """Ten gradient steps asked for a typed cell; the student asks for another cell's two steps while the first
    takes its 4th: the first stops before its 5th (of 10 steps and a decode), the second gets ``NAO.path``'s
    answer exactly."""
    bench, spec, nao, atlas = digits
    first, second = atlas.labels[int(atlas.seeds[4])], atlas.labels[int(atlas.seeds[9])]
    newer = [{"type": "offgrid", "id": 2, "cell": second, "steps": 2}]
    w, replies, seen, done, ask = _widget(digits, lambda work: work.get("id") == 1 and _steps({1: [work]}, 1) == [3], newer)
    ask({"type": "offgrid", "id": 1, "cell": first, "steps": 10})
    assert done.wait(120), replies
    assert replies[1]["ok"] is False and replies[1]["superseded"], replies[1]
    assert _steps(seen, 1) == [0, 1, 2, 3] and seen[1][-1]["total"] == 11      # stopped before step 5
    assert replies[2]["ok"], replies[2]
    want = nao.path(bench.space.parse(second), [float(e) for e in atlas.etas], steps=2, benchmark=bench,
                    metric=spec.metric)
    assert replies[2]["decoded"] == [bench.space.format(a) for a in want.decoded]
    assert _steps(seen, 2) == [0, 1, 2]                                        # ran to its end
    assert w.work == {}


def test_a_new_column_stops_a_cost_head_fit_leaving_no_entry_and_the_same_column_fits_on(digits, tmp_path,
                                                                                         monkeypatch):
    """A budget's first ask fits its column's cost head (60 epochs). A newer ask that does not need that head (a
    typed cell's path) stops the fit after 3 epochs: nothing saved, nothing kept in memory. A newer ask under the
    same column (the budget slider moved) lets the fit finish (it needs those heads), skips the stale ask's path
    and answers the newer bound with the path ``budget_path`` gives on the saved heads."""
    from naoviz.nao import heads_cache
    from naoviz.nao.cost_heads import budget_path
    monkeypatch.setenv("NAOVIZ_CACHE", str(tmp_path))
    monkeypatch.setattr(heads_cache, "_heads", type(heads_cache._heads)())
    monkeypatch.setattr(heads_cache, "_paths", type(heads_cache._paths)())
    bench, spec, nao, atlas = digits
    seed = atlas.labels[int(atlas.seeds[7])]
    low, high = (float(np.nanpercentile(bench.metric("params_M"), q)) for q in (25, 60))
    fitting = lambda i: lambda work: work.get("id") == i and work["stage"].startswith("fitting") and work["done"] == 2
    newer = [{"type": "offgrid", "id": 2, "cell": atlas.labels[int(atlas.seeds[3])], "steps": 1}]
    w, replies, seen, done, ask = _widget(digits, fitting(1), newer)
    ask({"type": "offgrid", "id": 1, "cell": seed, "steps": 1, "budget": {"column": "params_M", "bound": low}})
    assert done.wait(120), replies
    assert replies[1]["superseded"] and replies[2]["ok"], replies
    assert [s["done"] for s in seen[1] if s["stage"].startswith("fitting")] == [0, 1, 2]
    assert not list((tmp_path / "cost-heads").glob("*/done")) and not heads_cache._heads      # no entry, torn or whole

    newer.append({"type": "offgrid", "id": 4, "cell": seed, "steps": 1, "budget": {"column": "params_M", "bound": high}})
    w2, replies, seen, done, ask = _widget(digits, fitting(3), newer)
    ask({"type": "offgrid", "id": 3, "cell": seed, "steps": 1, "budget": {"column": "params_M", "bound": low}})
    assert done.wait(300), replies
    assert replies[3]["superseded"] and replies[4]["ok"], replies
    fit = [s["done"] for s in seen[3] if s["stage"].startswith("fitting")]
    assert fit == list(range(61)) and _steps(seen, 3) == []                   # the stale path not stepped
    assert len(list((tmp_path / "cost-heads").glob("*/done"))) == 1
    heads = next(iter(heads_cache._heads.values()))
    want = budget_path(heads, bench.space.parse(seed), [float(e) for e in atlas.etas], {"params_M": high},
                       benchmark=bench, metric=spec.metric)
    assert replies[4]["decoded"] == [bench.space.format(a) for a in want.decoded]
    assert replies[4]["constrained"] == {"column": "params_M", "bound": high}
    assert replies[4]["constrained_at"] == want.constrained.tolist()


@pytest.mark.parametrize("how", ["close", "cancel"])
def test_a_closed_widget_or_a_dropped_path_stops_the_running_ask(digits, how):
    """The page is gone (the widget closed, as a re-run cell does) or dropped the path it asked for (the page's
    ``cancel``: budget cleared, another atlas seed picked): the ask running stops at its next step instead of
    computing a path nobody will see, and the cancel itself is not answered."""
    atlas = digits[3]
    then = [{"type": "offgrid", "id": 2, "cancel": True}] if how == "cancel" else []
    w, replies, seen, done, ask = _widget(digits, lambda work: _steps({1: [work]}, 1) == [2], then)
    if how == "close":
        w.observe(lambda change: _steps({1: [change["new"]]}, 1) == [2] and w.close(), names="work")
    ask({"type": "offgrid", "id": 1, "cell": atlas.labels[int(atlas.seeds[2])], "steps": 10})
    assert done.wait(120), replies
    assert replies[1]["superseded"] and _steps(seen, 1) == [0, 1, 2] and set(replies) == {1}
