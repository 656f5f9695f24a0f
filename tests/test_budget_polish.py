"""The step aimed along the front early and the late-game polish (naoviz.search.budget_moves, issue 14;
NAOSearchConfig.front_rounds / polish_stall): the drawn bound, when a round polishes, and what a seeded search
does with them (and does not do where the projected step runs)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from naoviz.search.budget_moves import front_budgets, polishing

torch.set_num_threads(1)

LAT = "latency_pixel3"
TINY = {"epochs": 4, "warm_epochs": 2, "n_init": 10, "max_eta": 8.0,
        "model": {"hidden_size": 16, "mlp_hidden": 16, "augment_draws": 2}}


@pytest.fixture(scope="module")
def evaluated(nb201_table):
    """A search context under the p50 latency_pixel3 budget with 30 random cells evaluated."""
    from naoviz.evaluate import TableEvaluator
    from naoviz.search.base import SearchContext
    from naoviz.search.constraints import percentile_budget
    ev = TableEvaluator(nb201_table, constraints=[percentile_budget(nb201_table, LAT, 50)])
    ctx = SearchContext(ev, 60, algo="test", seed=0, progress=False)
    ctx.evaluate([(a, "random") for a in ctx.random_new(np.random.default_rng(0), 30)])
    return ev, ctx


def test_front_budgets_draw_a_bound_among_the_feasible_costs_in_the_first_rounds_only(evaluated):
    ev, ctx = evaluated
    (budget,) = ev.constraints
    costs = np.asarray([r.metrics[LAT] for r in ctx.history if r.feasible])
    drawn = []
    for rnd in (1, 2, 3):
        ctx.round = rnd
        (b,) = front_budgets(ctx, [budget], 3)
        assert b.column == LAT and b.op == budget.op
        assert np.quantile(costs, 0.1) <= b.bound <= min(budget.bound, np.quantile(costs, 0.9))
        assert front_budgets(ctx, [budget], 3) == [b]                       # seeded by (seed, round)
        drawn.append(b.bound)
    assert len(set(drawn)) == 3                                             # a new draw each round
    ctx.round = 4
    assert front_budgets(ctx, [budget], 3) == [budget]                      # after the first rounds: the budget
    ctx.round = 1
    assert front_budgets(ctx, [budget], 0) == [budget]
    from naoviz.search.constraints import Constraint
    lower = Constraint(LAT, ">=", 1.0)
    assert front_budgets(ctx, [lower], 3) == [lower]                        # no upper constraint: unchanged


def test_polishing_waits_for_the_queries_and_the_stall(nb201_table):
    from naoviz.evaluate import TableEvaluator
    from naoviz.search.base import SearchContext
    from naoviz.search.constraints import percentile_budget
    ev = TableEvaluator(nb201_table, constraints=[percentile_budget(nb201_table, LAT, 50)])
    ctx = SearchContext(ev, 60, algo="test", seed=1, progress=False)
    ctx.evaluate([(a, "random") for a in ctx.random_new(np.random.default_rng(1), 30)])
    assert not polishing(ctx, 1, 0)                          # only the initial pool: no step round yet
    ctx.round = 1                                            # a step round that measures only cells over budget
    over = [a for a in ctx.random_new(np.random.default_rng(2), 200) if ev.evaluate(a)["metrics"][LAT] >
            ev.constraints[0].bound][:2]
    ctx.evaluate([(a, "mutation") for a in over])
    assert polishing(ctx, 1, 30) and not polishing(ctx, 2, 30) and not polishing(ctx, 1, 40)
    assert not polishing(ctx, 0, 0)
    free = SearchContext(TableEvaluator(nb201_table), 60, algo="test", seed=1, progress=False)
    free.evaluate([(a, "random") for a in ctx.archs])
    free.round = 2
    assert not polishing(free, 1, 0)                         # no budget: never


def test_a_search_polishes_with_mutations_of_the_best_feasible_cells(nb201_table):
    from naoviz.evaluate import TableEvaluator
    from naoviz.search import make_searcher
    from naoviz.search.constraints import percentile_budget
    from naoviz.search.nao_search import NAOSearchConfig
    with pytest.raises(ValueError, match=r"polish_stall must be an int in 0\.\.100000, got -1"):
        NAOSearchConfig(polish_stall=-1)
    with pytest.raises(ValueError, match=r"polish_parents must be an int in 1\.\.10000, got 0"):
        NAOSearchConfig(polish_parents=0)
    with pytest.raises(ValueError, match="front_rounds must be an int"):
        NAOSearchConfig(front_rounds=1.5)
    ev = TableEvaluator(nb201_table, constraints=[percentile_budget(nb201_table, LAT, 50)])
    cfg = {**TINY, "polish_stall": 1, "polish_after": 20, "polish_parents": 2}
    runs = [make_searcher("nao", preset="sweep", config=cfg).run(ev, 60, seed=3, progress=False) for _ in range(2)]
    hist = runs[0].history
    assert [r.arch for r in hist] == [r.arch for r in runs[1].history]      # seeded
    from naoviz.search.retrieve import stalled_rounds
    space = ev.space
    polished, many, stepped = 0, False, False
    for rnd in sorted({r.round for r in hist if r.round >= 1}):
        before = [r for r in hist if r.round < rnd]
        now = [r for r in hist if r.round == rnd]
        if stalled_rounds(before, True) < 1 or len(before) < 20:
            stepped = stepped or (len(before) >= 20 and any(r.source == "decoder" for r in now))
            continue
        polished += 1
        assert not any(r.source == "decoder" for r in now)                  # no step in a polish round
        top = sorted((r for r in before if r.feasible), key=lambda r: -r.value)[:2]
        near = set().union(*({space.canonical(n) for n in space.neighbours(space.parse(r.arch))} for r in top))
        muts = [r for r in now if r.source == "mutation"]
        assert muts[0].canonical in near          # the best parents' neighbours first (more parents once dry)
        many = many or len(muts) > 5                                          # the step's slots too
    assert stepped                                # an improving round hands the next one back to the step
    assert polished >= 1 and many
    plain = make_searcher("nao", preset="sweep", config=TINY).run(ev, 60, seed=3, progress=False).history
    assert [r.arch for r in plain[:20]] == [r.arch for r in hist[:20]]       # nothing changes before polish_after
    assert [r.arch for r in plain] != [r.arch for r in hist]


def test_front_rounds_lower_the_steps_costs_early_and_leave_the_projected_step_alone(nb201_table):
    from naoviz.evaluate import TableEvaluator
    from naoviz.search import make_searcher
    from naoviz.search.constraints import percentile_budget
    ev = TableEvaluator(nb201_table, constraints=[percentile_budget(nb201_table, LAT, 50)])
    bound = ev.constraints[0].bound

    def decoded_costs(config, seeds=range(3)):
        out = []
        for s in seeds:
            hist = make_searcher("nao", preset="sweep", config=config).run(ev, 40, seed=s, progress=False).history
            out += [r.metrics[LAT] for r in hist if r.source != "mutation" and 1 <= r.round <= 3]
        return np.asarray(out)

    # the step's slots (its decodes, or the fills where it decodes nothing under the drawn bound) cost less
    drawn, plain = decoded_costs({**TINY, "front_rounds": 3}), decoded_costs(TINY)
    assert len(drawn) == len(plain) == 3 * 3 * 5
    assert np.median(drawn) < np.median(plain) and np.median(drawn) < bound
    # where the projection runs (params, additive) the step is projected and front_rounds does nothing
    params = TableEvaluator(nb201_table, constraints=[percentile_budget(nb201_table, "cifar10_params_M", 50)])
    proj = {**TINY, "proposer": "rank", "decode_by": "nearest", "nearest_k": 4, "nearest_pool": 300,
            "nearest_feasible": True, "step_fills": 3, "cheap_rounds": 3, "project_tol": 0.005}
    a = make_searcher("nao", preset="sweep", config={**proj, "front_rounds": 3}).run(params, 30, seed=1, progress=False)
    b = make_searcher("nao", preset="sweep", config=proj).run(params, 30, seed=1, progress=False)
    assert [r.arch for r in a.history] == [r.arch for r in b.history]


def test_front_fields_are_validated():
    from naoviz.search.nao_search import NAOSearchConfig
    with pytest.raises(ValueError, match=r"front_low must be a finite number in \[0, 1\], got 1\.5"):
        NAOSearchConfig(front_low=1.5)
    with pytest.raises(ValueError, match=r"front_high must be a finite number in \[0, 1\], got 'x'"):
        NAOSearchConfig(front_high="x")
    with pytest.raises(ValueError, match=r"front_low must be <= front_high \(0\.3\), got 0\.6"):
        NAOSearchConfig(front_low=0.6, front_high=0.3)
    with pytest.raises(ValueError, match=r"front_slots must be an int in 0\.\.10000, got -1"):
        NAOSearchConfig(front_slots=-1)


def test_front_budgets_draw_in_the_narrowed_range(evaluated):
    ev, ctx = evaluated
    (budget,) = ev.constraints
    costs = np.asarray([r.metrics[LAT] for r in ctx.history if r.feasible])
    for rnd in (1, 2, 3):
        ctx.round = rnd
        (b,) = front_budgets(ctx, [budget], 3, 0.2, 0.6)
        assert np.quantile(costs, 0.2) <= b.bound <= np.quantile(costs, 0.6)
        (point,) = front_budgets(ctx, [budget], 3, 0.4, 0.4)                  # a range of one quantile
        assert point.bound == pytest.approx(min(budget.bound, np.quantile(costs, 0.4)))


def test_split_step_aims_its_slots_lower_and_the_rest_at_the_budget():
    from naoviz.search.budget_moves import split_step
    calls = []

    class Gen:
        def __init__(self, arch):
            self.arch = arch

    def step(n, scope, exclude, dry=False):
        calls.append((n, scope, list(exclude)))
        return [] if dry and scope == "front" else [Gen(f"{scope}{i}") for i in range(n)]

    got = split_step(step, 5, 2, "front", "budget")
    assert [g.arch for g in got] == ["front0", "front1", "budget0", "budget1", "budget2"]
    assert calls == [(2, "front", []), (3, "budget", ["front0", "front1"])]
    calls.clear()                                                # nothing decodes under the drawn bound:
    got = split_step(lambda n, s, e: step(n, s, e, dry=True), 5, 2, "front", "budget")
    assert [g.arch for g in got] == [f"budget{i}" for i in range(3)]         # the fills take the front's slots
    assert calls == [(2, "front", []), (3, "budget", [])]
    calls.clear()
    assert [g.arch for g in split_step(step, 5, 5, "front", "budget")] == [f"front{i}" for i in range(5)]
    assert calls == [(5, "front", [])]


def test_a_split_front_round_is_seeded_and_its_fields_off_change_nothing(nb201_table):
    from naoviz.evaluate import TableEvaluator
    from naoviz.search import make_searcher
    from naoviz.search.constraints import percentile_budget
    ev = TableEvaluator(nb201_table, constraints=[percentile_budget(nb201_table, LAT, 50)])

    def run(config, seed=2):
        return make_searcher("nao", preset="sweep", config=config).run(ev, 40, seed=seed, progress=False).history

    split = {**TINY, "front_rounds": 3, "front_slots": 2}
    a, b = run(split), run(split)
    assert [r.arch for r in a] == [r.arch for r in b]                       # same seed, same result
    whole = run({**TINY, "front_rounds": 3})
    assert [r.arch for r in a[:20]] != [r.arch for r in whole[:20]]         # the split changes the front rounds
    assert len({r.canonical for r in a}) == len(a)                          # the two parts propose no cell twice
    explicit = run({**TINY, "front_rounds": 3, "front_low": 0.1, "front_high": 0.9, "front_slots": 0})
    assert [r.arch for r in explicit] == [r.arch for r in whole]            # the defaults are today's step
