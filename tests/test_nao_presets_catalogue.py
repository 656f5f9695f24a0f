"""The NAO preset catalogue (``nao_presets.GROUPS`` / ``ABOUT`` / ``catalogue``): every preset has a group and a
line in words, the groups cover the presets exactly, and the lines agree with the fields they describe."""
from __future__ import annotations

from naoviz.search.nao_presets import ABOUT, GROUPS, MAIN, PRESETS, catalogue
from naoviz.search.nao_search import NAOSearch


def test_the_groups_cover_the_presets_exactly_once():
    listed = [name for names in GROUPS.values() for name in names]
    assert sorted(listed) == sorted(PRESETS) and len(listed) == len(set(listed))
    assert set(MAIN) == {"default", "paper", "step", "fast", "sweep"} and MAIN[0] == "default"
    assert set(ABOUT) == set(PRESETS)


def test_every_preset_has_a_short_label_and_one_line():
    for name, (label, about) in ABOUT.items():
        assert label.strip() and len(label) <= 25 and "\n" not in label, name
        assert about.strip() and len(about) <= 100 and "\n" not in about, name


def test_catalogue_lists_main_first_and_says_what_runs_under_budgets():
    rows = catalogue()
    assert [r["name"] for r in rows[:len(MAIN)]] == list(MAIN)
    assert {r["group"] for r in rows[:len(MAIN)]} == {"main"} and {r["group"] for r in rows[len(MAIN):]} == {"measured"}
    assert all(r["runs"] == r["name"] for r in rows)                  # no budgets: every name runs as asked
    under = {r["name"]: r["runs"] for r in catalogue(budgets=True)}
    assert under["default"] == "sweep_projected"
    assert all(ran == name for name, ran in under.items() if name != "default")


def test_the_lines_agree_with_the_fields():
    """A line that says "no mutations" or "decoder only" names a preset without mutations, one that names
    mutations otherwise has them; a line built on another preset ("trust with ...") names a real one."""
    for name, (_, about) in ABOUT.items():
        cfg = NAOSearch.preset_config(name)
        if "no mutations" in about or "decoder only" in about:
            assert cfg.n_mutations == 0, name
        elif "mutations" in about:
            assert cfg.n_mutations > 0, name
        first = about.split()[0].rstrip("':,")
        if first.isascii() and first.isidentifier() and first.islower() and first not in ("the", "what"):
            assert first in PRESETS, (name, first)
    assert NAOSearch.preset_config("paper").n_init == 40 and NAOSearch.preset_config("paper").top_k == 10
    fast, sweep = NAOSearch.preset_config("fast"), NAOSearch.preset_config("sweep")
    assert (fast.epochs, fast.warm_epochs) == (50, 15) and fast.epochs * 2 == sweep.epochs


def test_preset_list_prints_every_preset_with_its_group_and_line(capsys):
    from naoviz.cli import main
    assert "list" not in PRESETS                    # --preset list would shadow it
    assert main(["search", "--preset", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    rows = {line.split()[0]: line.split(None, 2)[1:] for line in lines[1:len(PRESETS) + 1]}
    assert list(rows) == [name for names in GROUPS.values() for name in names]
    for name, (group, about) in rows.items():
        assert (name in GROUPS[group], about) == (True, ABOUT[name][1])
    assert "With --constraint or --objectives, default runs sweep_projected" in "\n".join(lines)
    assert main(["search", "--preset", "list", "--json"]) == 0
    import json
    listed = json.loads(capsys.readouterr().out)["presets"]
    assert [r["name"] for r in listed] == list(rows)
    assert {r["name"]: r["runs_under_budgets"] for r in listed if r["runs_under_budgets"] != r["name"]} == \
        {"default": "sweep_projected"}


def test_an_unknown_preset_is_still_an_error_that_points_to_the_list(capsys):
    from naoviz.cli import main
    assert main(["search", "--preset", "kmean", "--queries", "5", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "--preset: unknown NAO search preset 'kmean' (did you mean 'kmeans'?)" in err
    assert main(["search", "--preset", "nope", "--queries", "5", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "'nope'" in err and "naoviz search --preset list" in err and "Traceback" not in err


def test_the_search_doc_says_which_preset_to_use_in_step_with_the_groups():
    """docs/search.md's "Which preset should I use?" names the command, every main preset, and how many
    measured directions there are (a preset added to a group must reach the paragraph)."""
    from pathlib import Path
    text = (Path(__file__).resolve().parent.parent / "docs" / "search.md").read_text(encoding="utf-8")
    para = " ".join(text.split("**Which preset should I use?**")[1].split("\n\n")[0].split())
    assert "naoviz search --preset list" in para
    for name in MAIN:
        assert f"`{name}`" in para, name
    words = {8: "eight", 9: "nine", 10: "ten", 11: "eleven", 12: "twelve"}
    assert f"other {words[len(GROUPS['measured'])]} are measured directions" in para
    assert f"the {['no', 'one', 'two', 'three', 'four', 'five', 'six'][len(MAIN)]} main ones" in para
