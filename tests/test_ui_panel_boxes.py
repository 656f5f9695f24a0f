"""The Search and Child panels' checked boxes, driven from Python with no browser: the seed boxes, the budget's
and the epochs' boxes beside their sliders refuse what is not a whole number in range, say so in one line naming
the box and the value as typed, and run nothing; a right value moves the slider and is what runs (the digits
table; a one-epoch child). Split from tests/test_ui_panels.py, which runs the panels."""
from __future__ import annotations

import pytest

GOOD = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"


@pytest.fixture(scope="module")
def digits():
    from naoviz.tables import load_benchmark
    return load_benchmark("nb201-digits")


def test_search_tab_seed_boxes_refuse_what_is_not_a_seed_and_say_so(digits):
    """A browser's number box turned 2.5 into 25 and 1e3 into 13 (and ran seed 13): the boxes are text now, a
    value that is not a whole number in range is said at once, in one line naming the box and the value as
    typed, and "run search" then runs nothing; a right value clears the line and runs those seeds."""
    import html

    from naoviz.ui import SearchPanel
    sp = SearchPanel(digits, budget=10)
    sp.algos.value = ("rs",)
    for box, typed, lo, hi in ((sp.seed, "2.5", 0, 10_000), (sp.seed, "1e3", 0, 10_000), (sp.seed, "-1", 0, 10_000),
                               (sp.seed, "", 0, 10_000), (sp.seeds, "11", 1, 10), (sp.seeds, "0", 1, 10),
                               (sp.seeds, "two", 1, 10)):
        box.value = typed                                               # what the page sends on Enter / blur
        said = sp.msg.value
        assert "naoviz-error" in said and box.description in said and html.escape(repr(typed)) in said, said
        assert f"{lo}..{hi}" in said
        sp.start(wait=True)
        assert sp.thread is None and sp.results == [] and sp.progress.value == 0 and sp.msg.value == said
        assert not sp.run_btn.disabled
        box.value = "1"
        assert sp.msg.value == ""                                        # the line goes once the box is right
    sp.seed.value, sp.seeds.value = " 13 ", "2"
    sp.start(wait=True)
    assert "done" in sp.msg.value and [r.seed for r in sp.results] == [13, 14]


def test_search_tab_budget_box_refuses_what_the_slider_cannot_take_and_says_so(digits):
    """ipywidgets' editable readout parsed with parseInt and clamped (2.5 gave 10, 9999 gave 300, and that
    ran): the budget slider has a checked box instead. A typed value off the step, out of range or not a whole
    number is said in one line naming the box and the value as typed, the slider keeps its value and a press
    runs nothing; dragging the slider writes the box; a right value moves the slider and is what runs."""
    import html

    from naoviz.ui import SearchPanel
    sp = SearchPanel(digits, budget=20)
    sp.algos.value = ("rs",)
    box = sp.budget_input.box
    assert not sp.budget.readout and box.value == "20" and "naoviz-budget" in box._dom_classes
    not_whole = "is not a whole number"
    for typed, why in (("25", "is not a multiple of 10"), ("9999", "is out of range"), ("5", "is out of range"),
                       ("2.5", not_whole), ("1e2", not_whole), ("", not_whole)):
        box.value = typed                                               # what the page sends on Enter / blur
        said = sp.msg.value
        assert "naoviz-error" in said and f"queries: {html.escape(repr(typed))} {why} (expected 10..300)" in said, said
        assert sp.budget.value == 20                                    # the slider keeps its value
        sp.start(wait=True)
        assert sp.thread is None and sp.results == [] and sp.progress.value == 0 and sp.msg.value == said
    sp.budget.value = 40                                                # a drag writes the box, the line goes
    assert box.value == "40" and sp.msg.value == ""
    box.value = " 30 "
    assert sp.budget.value == 30 and box.value == "30" and sp.msg.value == ""
    sp.start(wait=True)
    assert "done" in sp.msg.value and [len(r.history) for r in sp.results] == [30] and sp.progress.value == 30
    sp.budget.value = 15               # set from Python: the page's slider would snap it to 20, so it is refused
    assert f"queries: {html.escape(repr('15'))} is not a multiple of 10" in sp.msg.value
    sp.start(wait=True)
    assert [len(r.history) for r in sp.results] == [30] and "is not a multiple" in sp.msg.value    # nothing ran
    # a budget given to the panel: refused when it is built, never clamped to the range nor snapped to the step
    for budget, why in ((5, "5 is out of range"), (310, "310 is out of range"), (0, "0 is out of range"),
                        (-5, "-5 is out of range"), (15, "15 is not a multiple of 10"), (12.5, "12.5 is not a whole number"),
                        ("20", "'20' is not a whole number"), (True, "True is not a whole number")):
        with pytest.raises(ValueError, match=rf"^budget: {why} \(expected 10\.\.300 in steps of 10\)$"):
            SearchPanel(digits, budget=budget)


def test_child_tab_epochs_box_refuses_what_the_slider_cannot_take_and_says_so(digits):
    """The Child tab's epochs slider: the same checked box as the budget's. A bad value is said and trains
    nothing, the slider keeps its value; a typed right value moves the slider and is the number trained."""
    import html

    from naoviz.ui import ChildPanel
    arch = digits.space.parse(GOOD)
    cp = ChildPanel(digits.space, lambda: arch, epochs=3)
    box = cp.epochs_input.box
    assert not cp.epochs.readout and box.value == "3" and "naoviz-epochs" in box._dom_classes
    for typed, why in (("2.5", "is not a whole number"), ("31", "is out of range"), ("0", "is out of range"),
                       ("-1", "is not a whole number")):
        box.value = typed
        said = cp.msg.value
        assert "naoviz-error" in said and f"epochs: {html.escape(repr(typed))} {why} (expected 1..30)" in said, said
        assert cp.epochs.value == 3
        cp.start(wait=True)
        assert cp.thread is None and cp.result is None and cp.progress.value == 0 and not cp.train_btn.disabled
    cp.epochs.value = 5
    assert box.value == "5" and cp.msg.value == ""
    box.value = "1"
    assert cp.epochs.value == 1 and cp.msg.value == ""
    cp.start(wait=True)
    assert "test accuracy" in cp.msg.value and cp.result.epochs == 1 and cp.progress.value == 1
    with pytest.raises(ValueError, match="epochs: 31 is out of range"):
        ChildPanel(digits.space, lambda: arch, epochs=31)
