"""The record a ``naoviz compare --store`` leaves in the run store: one run of kind "compare" (no evaluations)
whose config names the comparison's searchers, seeds, budget and evaluator, and the command that ran it.

Its search runs are ordinary search runs (``search_or_resume``), indistinguishable by themselves from those
``naoviz search`` makes; this record is how ``naoviz runs`` tells that an interrupted run belongs to a
comparison and offers the command that finishes the comparison (``naoviz search --resume`` would continue
that one run only, and never start the (searcher, seed) runs the comparison had not reached).
"""
from __future__ import annotations

from typing import Callable, Optional, Sequence, TypeVar

KIND = "compare"
T = TypeVar("T")


def label(algo: str, preset: Optional[str]) -> str:
    """A searcher as ``naoviz compare --algos`` names it: ``nao:paper``, ``ls``."""
    return f"{algo}:{preset}" if preset else algo


def config_of(evaluator, algos: Sequence[tuple[str, Optional[str]]], budget: int, seeds: Sequence[int],
              command: Optional[Sequence[str]] = None, cwd: Optional[str] = None) -> dict:
    """The stored config: ``algos`` as labels (``nao:paper``), ``seeds`` as ints, ``evaluator`` as its
    ``describe()`` (what each search run stores too), ``command`` (argv, from ``naoviz``) and ``cwd`` when a
    command ran it, else None (a call from Python: no command to offer)."""
    return {"algos": [label(a, p) for a, p in algos], "budget": int(budget), "seeds": [int(s) for s in seeds],
            "space": evaluator.space.name, "evaluator": evaluator.describe(),
            "command": [str(a) for a in command] if command is not None else None, "cwd": cwd}


def recorded(store, config: dict, work: Callable[[], T]) -> T:
    """``work()`` holding the comparison's record: the one already stored with this exact config (the same
    command run again), else a new one; "finished" at the end, "stopped" on Ctrl-C, "failed" on an error, like
    a search run (``RunStore.marked``)."""
    found = store.find_runs(KIND, config, None) or [r for r in store.runs() if r.get("kind") == KIND
                                                     and _same_comparison(r.get("config"), config)]
    run_id = found[-1]["id"] if found else store.create_run(KIND, config, None, status="stopped")
    with store.hold_run(run_id):
        return store.marked(run_id, work)


# options that change how a comparison runs or prints, not what it compares: a rerun with other ones (say
# --jobs 4 after --jobs 1) takes up the same record, not a second one that would stay "stopped"
_HOW_FLAGS, _HOW_VALUES = {"--no-progress", "--json"}, {"--jobs"}


def _what(command) -> Optional[list]:
    """``command`` (argv) without the options that say how it runs (``--jobs N``, ``--no-progress``, ``--json``)."""
    if not isinstance(command, list):
        return None
    out, skip = [], False
    for arg in map(str, command):
        if skip:
            skip = False
        elif arg in _HOW_FLAGS or any(arg.startswith(f"{o}=") for o in _HOW_VALUES):
            continue
        elif arg in _HOW_VALUES:
            skip = True
        else:
            out.append(arg)
    return out


def _same_comparison(stored, config: dict) -> bool:
    """Whether a stored record's config is ``config`` but for how its command ran (:func:`_what`)."""
    if not isinstance(stored, dict) or stored.keys() != config.keys():
        return False
    rest = [k for k in config if k != "command"]
    return all(stored[k] == config[k] for k in rest) and _what(stored["command"]) == _what(config["command"]) \
        and config["command"] is not None


def belongs(record_config: dict, run: dict) -> bool:
    """Whether search run ``run`` (a ``RunStore`` run dict) is one of the comparison's (searcher, seed) runs:
    same evaluator settings and budget, its searcher among the labels, its seed among the seeds."""
    cfg, rec = run.get("config"), record_config
    if run.get("kind") != "search" or not isinstance(cfg, dict) or not isinstance(rec, dict):
        return False
    algos, seeds = rec.get("algos"), rec.get("seeds")
    return (isinstance(algos, list) and isinstance(seeds, list) and cfg.get("budget") == rec.get("budget")
            and cfg.get("evaluator") == rec.get("evaluator") and run.get("seed") in seeds
            and label(str(cfg.get("algo")), cfg.get("preset")) in algos)
