"""``naoviz search --resume RUN``: an option given again must be the one stored with the run (``--algo``,
``--queries``, ``--seed``, ``--preset``, the table, ``--metric``, ``--report``, ``--delay``, ``--constraint``,
``--objectives``, each ``--config`` field), so a resume never runs other settings than the run's own; a finished
run is answered from the store, and a replay says so before it starts."""
from __future__ import annotations

import json
import sys

from naoviz.cli.common import option_error, show


def check_resume_options(args, config, run: dict) -> None:
    """An option stored with the run and given again with --resume must have the stored value: else one line
    naming the option, both values, and that dropping it resumes the run as stored."""
    from naoviz.cli.search import TABLE_SPACES
    cfg = run["config"] if isinstance(run["config"], dict) else {}
    ev = cfg.get("evaluator") if isinstance(cfg.get("evaluator"), dict) else {}
    stored = {"algo": cfg.get("algo"), "queries": cfg.get("budget"), "seed": run["seed"], "preset": cfg.get("preset"),
              "space": ev.get("benchmark", cfg.get("space")), "metric": ev.get("metric"), "report": ev.get("report"),
              "delay": ev.get("delay_s")}
    given = {name: getattr(args, name) for name in stored}
    if args.constraint is not None:
        from naoviz.search.constraints import parse_constraints
        try:
            texts = [str(c) for c in parse_constraints(args.constraint)]
        except ValueError as exc:
            raise option_error(exc, "constraint") from None
        if texts != ev.get("constraints", []):
            raise ValueError(f"--constraint: {texts!r} conflicts with run {run['id']}, stored with "
                             f"{ev.get('constraints', [])!r} (drop --constraint to resume the run as stored)")
    if args.objectives is not None and [o.strip() for o in args.objectives.split(",")] != ev.get("objectives", []):
        raise ValueError(f"--objectives: {show(args.objectives)} conflicts with run {run['id']}, stored with "
                         f"{ev.get('objectives', [])!r} (drop --objectives to resume the run as stored)")
    given["space"] = TABLE_SPACES.get(given["space"], given["space"])
    for name, value in given.items():
        if value is not None and value != stored[name]:
            option = "table" if name == "space" and getattr(args, "table", None) is not None else name
            raise ValueError(f"--{option}: {value!r} conflicts with run {run['id']}, stored with {stored[name]!r} "
                             f"(drop --{option} to resume the run as stored)")
    searcher = cfg.get("searcher") if isinstance(cfg.get("searcher"), dict) else {}
    for key, value in _flatten(config or {}).items():
        have = _flatten(searcher).get(key, "<no such field>")
        if value != have:
            raise ValueError(f"--config: {key}={json.dumps(value)} conflicts with run {run['id']}, stored with "
                             f"{key}={json.dumps(have)} (drop it to resume the run as stored)")


def _flatten(d: dict, prefix: str = "") -> dict:
    """{"model": {"hidden_size": 32}} -> {"model.hidden_size": 32}."""
    out = {}
    for key, value in d.items():
        if isinstance(value, dict) and value:
            out.update(_flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def stored_answer(store, run: dict):
    """The stored result of ``run`` when it already finished with a whole record (``naoviz.search.runs.stored_result``:
    nothing searched again, no torch or cluster started), said in one stderr line; else None (it is replayed)."""
    from naoviz.search.runs import stored_result
    result = stored_result(store, run["id"])
    if result is not None:
        print(f"run {run['id']} finished already ({len(result.history)}/{result.budget} queries): its stored result, "
              "nothing searched again", file=sys.stderr, flush=True)
    return result


def say_replay(run: dict, algo, done: int) -> None:
    """One stderr line before a resumed run replays the ``done`` evaluations it stored (said once the run is held,
    so a second resume refused is not told it replays), so a long replay (NAO refits its model every round, as the
    run did) is never a silent wait, with --no-progress too."""
    budget = run["config"].get("budget") if isinstance(run["config"], dict) else None
    of = f" of {budget}" if isinstance(budget, int) and not isinstance(budget, bool) else ""
    cost = (" (NAO refits its model each round as the run did: about as long as the run took to get there)"
            if algo == "nao" else "")
    print(f"run {run['id']}: replaying its {done}{of} stored queries first{cost}", file=sys.stderr, flush=True)
