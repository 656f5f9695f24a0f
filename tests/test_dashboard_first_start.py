"""The line ``naoviz dashboard`` prints with its URL says what its first start does, true for the settings given:
on the digits table its model and map ship with naoviz, unless NAOVIZ_DASHBOARD_* settings (or a digits table
of the data folder's own) ask for others, which are then trained, or the map made, and cached (it said "nothing
to train" while a model trained). The rule, told without reading the table, is checked against the shipped
files themselves."""
from __future__ import annotations

import pytest


@pytest.mark.parametrize("settings, says", [
    ({}, "the digits table's model and map ship with naoviz: nothing to train"),
    ({"NAOVIZ_DASHBOARD_TRAIN": "1000"}, "nothing to train"),                   # the shipped model's own size
    ({"NAOVIZ_DASHBOARD_TRAIN": "100"}, "NAOVIZ_DASHBOARD_TRAIN=100: the digits table's model and map are "
                                        "trained and cached on the first start, later starts are quick"),
    ({"NAOVIZ_DASHBOARD_EPOCHS": "3"}, "NAOVIZ_DASHBOARD_EPOCHS=3: the digits table's model and map are trained"),
    ({"NAOVIZ_DASHBOARD_SEEDS": "50"}, "NAOVIZ_DASHBOARD_SEEDS=50: the digits table's model ships with naoviz, "
                                       "its map is made and cached on the first start"),
    ({"NAOVIZ_DASHBOARD_MAP": "pca"}, "NAOVIZ_DASHBOARD_MAP=pca: the digits table's model ships with naoviz, its map"),
])
def test_the_printed_line_says_what_the_first_start_on_digits_does(tmp_path, settings, says):
    """``first_start_note`` as ``naoviz dashboard`` calls it for the line with the URL, once Voila answers (its
    environment, the data folder: here one with no digits table of its own)."""
    from naoviz.cli.dashboard import first_start_note
    note = first_start_note("nb201-digits", settings, tmp_path)
    assert says in note, note
    assert ("nothing to train" in note) == ("nothing to train" in says), note


def test_a_digits_table_of_the_data_folders_own_is_trained_unless_it_is_the_shipped_one(tmp_path):
    from naoviz.explorer_plan import ExplorerPlan, digits_shipped
    from naoviz.resources import DIGITS_TABLE, resource_path
    own = tmp_path / "nb201_digits.csv"
    text = resource_path(DIGITS_TABLE).read_bytes()
    own.write_bytes(text)
    assert digits_shipped(ExplorerPlan(table="nb201-digits"), tmp_path) == (True, True, "")
    own.write_bytes(text.replace(b"0.", b"1.", 1))
    model, atlas, why = digits_shipped(ExplorerPlan(table="nb201-digits"), tmp_path)
    assert (model, atlas) == (False, False) and "nb201_digits.csv is not the shipped digits table" in why


@pytest.mark.parametrize("plan", [{}, {"n_train": 100}, {"seeds": 50}, {"method": "pca"}])
def test_the_rule_agrees_with_the_shipped_files(monkeypatch, tmp_path, plan):
    """What digits_shipped says (from the settings alone) is what an empty cache finds shipped for the plan."""
    monkeypatch.setenv("NAOVIZ_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("NAOVIZ_DATA", str(tmp_path))
    from naoviz.atlas_cache import cached_atlas
    from naoviz.explorer_plan import ExplorerPlan, digits_shipped
    from naoviz.nao.cache import shipped_model_dir
    plan = ExplorerPlan(table="nb201-digits", **plan)
    bench = plan.benchmark()
    spec = plan.spec(bench)
    model, atlas, _ = digits_shipped(plan, tmp_path)
    assert model == (shipped_model_dir(bench, spec) is not None)
    assert atlas == (cached_atlas(bench, spec, **plan.full_options(bench)) is not None)
