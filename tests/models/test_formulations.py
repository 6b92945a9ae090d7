"""Every formulation on every engine against brute force over all subsets (≤ 12 sites)."""

from __future__ import annotations

import numpy as np
import pytest

from models import PlanRules, SolutionStatus, SolveOptions, solve_cover, solve_layered
from models.formulations.rules import partner_totals, rules_feasible
from tests.models.helpers import (
    brute_force_layered,
    brute_force_levels,
    brute_force_min_cost,
    random_cover,
    random_layered,
)

ENGINES = ["highs", "pyomo", "cpsat"]
OPTS = SolveOptions(time_limit_s=30, mip_rel_gap=0.0, threads=1, seed=0)


def _check(res, expected: float) -> None:
    assert res.solution_status is SolutionStatus.OPTIMAL, res.summary()
    assert res.objective == pytest.approx(expected)


@pytest.mark.parametrize("engine", ENGINES)
def test_max_cover_budget_count_types_required(engine: str) -> None:
    cases = [
        random_cover(1, n=11, budget_frac=0.35),
        random_cover(2, n=10, budget_frac=None, count=3),
        random_cover(3, n=12, budget_frac=0.5, types=2),
        random_cover(4, n=10, budget_frac=0.6, required_frac=0.1, density=0.3),
    ]
    for inst in cases:
        res = solve_cover(inst, OPTS, formulation="max_cover", engine=engine)
        _check(res, brute_force_levels(inst, [1.0], inst.is_feasible))
        assert res.x is not None and inst.is_feasible(res.x)


@pytest.mark.parametrize("engine", ENGINES)
def test_min_cost_cover(engine: str) -> None:
    cases = [
        random_cover(5, n=12, budget_frac=None, density=0.3),
        random_cover(6, n=11, budget_frac=None, required_frac=0.5, types=2, density=0.3),
    ]
    for inst in cases:
        req = inst.required if inst.required is not None else np.ones(inst.m, bool)

        def feasible(x, inst=inst, req=req):
            return inst.is_feasible(x) and not (req & (inst.coverage_counts(x) == 0)).any()

        best = brute_force_min_cost(inst, feasible)
        assert best is not None
        res = solve_cover(inst, OPTS, formulation="min_cost", engine=engine)
        _check(res, best)
        assert feasible(res.x)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("theta", [0.7, 0.3])
def test_backup_cover(engine: str, theta: float) -> None:
    inst = random_cover(7, n=10, budget_frac=0.5, density=0.3)
    res = solve_cover(inst, OPTS, formulation="backup", theta=theta, engine=engine)
    _check(res, brute_force_levels(inst, [theta, 1 - theta], inst.is_feasible))


@pytest.mark.parametrize("engine", ENGINES)
def test_expected_cover(engine: str) -> None:
    p = 0.6
    inst = random_cover(8, n=10, budget_frac=0.6, density=0.35)
    levels = inst.n
    inc = p * (1 - p) ** np.arange(levels)
    res = solve_cover(inst, OPTS, formulation="expected", p=p, engine=engine)
    best = brute_force_levels(inst, inc, inst.is_feasible)
    assert res.x is not None
    # The objective is the exact expectation sum_i w_i (1 - (1 - p)^k_i) of the plan.
    k = inst.coverage_counts(res.x)
    assert res.objective == pytest.approx(float(inst.w @ (1 - (1 - p) ** k)))
    _check(res, best)


def _layered_rules(inst) -> PlanRules:
    rng = np.random.default_rng(99)
    existing = np.zeros(inst.n, bool)
    existing[int(np.argmin(inst.c))] = True
    others = np.flatnonzero(~existing)
    exclusive = np.array([[others[0], others[1]], [others[2], others[3]]])
    partner = rng.integers(-1, 2, inst.m)
    return PlanRules(
        existing=existing,
        exclusive=exclusive,
        type_min=np.array([0, 1, 0]),
        partner=partner,
        min_share=np.array([0.3, 0.2]),
        partner_names=("A", "B"),
    )


@pytest.mark.parametrize("engine", ENGINES)
def test_layered_with_every_rule(engine: str) -> None:
    for seed in (21, 22, 23):
        inst = random_layered(seed, m=30, n=11, density=0.35, budget_frac=0.5)
        rules = _layered_rules(inst)
        totals = partner_totals(rules, inst.w)

        def feasible(x, inst=inst, rules=rules, totals=totals):
            return rules_feasible(rules, x, inst.site_type, inst.defended(x), inst.w, totals)

        res = solve_layered(inst, OPTS, engine=engine, rules=rules)
        try:
            best = brute_force_layered(inst, feasible)
        except ValueError:  # no feasible plan at all
            assert not res.has_solution
            continue
        _check(res, best)
        assert res.x is not None and inst.is_feasible(res.x) and feasible(res.x)
        assert res.x[rules.existing].all()
