"""``naoviz search --preset list``: the NAO presets as a short table (name, group, what each does, and what runs
under budgets), from ``naoviz.search.nao_presets.catalogue``; the names the help text leads with."""
from __future__ import annotations

from naoviz.cli.common import emit_json

# nao_presets.MAIN with their short labels (nao_presets.ABOUT), spelled here so that parsing imports no search
# code (a test keeps the two in step)
MAIN_PRESETS = (("default", "best measured"), ("paper", "the paper's loop"), ("step", "step only"),
                ("fast", "quick, for live demos"), ("sweep", "η sweep + mutations"))
LIST = "list"            # --preset list: the table, not a search


def main_presets_text(n_all: int) -> str:
    """The help's lead: the main presets with their labels and how to see all ``n_all``."""
    named = ", ".join(f"{name} ({label})" for name, label in MAIN_PRESETS)
    return (f"{named}; {n_all - len(MAIN_PRESETS)} more are measured directions: naoviz search --preset list "
            f"shows all {n_all} with a line each")


def print_presets(as_json: bool = False) -> int:
    """Print the catalogue (``--json``: one object per preset, with ``runs_under_budgets``)."""
    from naoviz.search.nao_presets import catalogue
    rows = catalogue()
    under = {r["name"]: r["runs"] for r in catalogue(budgets=True)}
    for row in rows:
        row["runs_under_budgets"] = under[row["name"]]
    if as_json:
        emit_json({"presets": rows})
        return 0
    width = max(len(r["name"]) for r in rows)
    print(f"{'preset':<{width}}  {'group':<8}  what proposes the cells")
    for r in rows:
        print(f"{r['name']:<{width}}  {r['group']:<8}  {r['about']}")
    for name, ran in under.items():
        if ran != name:
            print(f"With --constraint or --objectives, {name} runs {ran}; every other preset runs as named.")
    print("main: the ones to pick from; measured: directions kept so the commands in the repository's "
          "bench/RESULTS.md (not in the wheel) reproduce. "
          "Figures side by side: docs/search.md, \"Which NAO preset?\".")
    return 0
