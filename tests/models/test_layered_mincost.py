"""Least-cost layered cover against brute force on small instances."""

import numpy as np
import pytest

from models.formulations.layered_mincost import solve_layered_min_cost, stacked_cover
from models.result import Termination
from tests.models.helpers import all_plans, random_layered


def brute_min_cost(inst, required):
    plans = all_plans(inst.n)
    counts = np.stack([np.bincount(inst.site_type[p], minlength=inst.type_max.shape[0]) for p in plans])
    ok = (counts <= inst.type_max).all(axis=1)
    defended = (inst.a_sensor @ plans.T.astype(int) > 0) & (inst.a_interceptor @ plans.T.astype(int) > 0)
    ok &= ~(required[:, None] & ~defended).any(axis=0)
    return float((plans[ok] @ inst.c).min()) if ok.any() else None


@pytest.mark.parametrize("seed", range(8))
def test_min_cost_matches_brute_force(seed):
    inst = random_layered(seed, m=20, n=10, density=0.35)
    rng = np.random.default_rng(seed + 50)
    reachable = (inst.a_sensor.sum(axis=1) > 0) & (inst.a_interceptor.sum(axis=1) > 0)
    required = reachable & (rng.random(inst.m) < 0.4)
    want = brute_min_cost(inst, required)
    res = solve_layered_min_cost(inst, required)
    if want is None:
        assert res.x is None and res.termination is Termination.INFEASIBLE
        return
    assert res.x is not None and res.objective == pytest.approx(want)
    assert not (required & ~inst.defended(res.x)).any()
    assert float(inst.c[res.x].sum()) == pytest.approx(res.objective)


def test_no_required_point_costs_nothing():
    inst = random_layered(1)
    res = solve_layered_min_cost(inst, np.zeros(inst.m, dtype=bool))
    assert res.objective == 0.0 and res.x is not None and not res.x.any()


def test_unreachable_required_point_is_infeasible():
    inst = random_layered(2, m=12, n=8)
    unreachable = (inst.a_sensor.sum(axis=1) == 0) | (inst.a_interceptor.sum(axis=1) == 0)
    assert unreachable.any()
    res = solve_layered_min_cost(inst, unreachable)
    assert res.x is None and res.termination is Termination.INFEASIBLE


def test_stacked_rows_are_the_two_layers():
    inst = random_layered(3, m=6, n=5)
    req = np.array([True, False, True, False, False, True])
    cover = stacked_cover(inst, req)
    assert cover.m == 6 and cover.required is not None and cover.required.all()
    assert (cover.a.toarray()[:3] == inst.a_sensor.toarray()[req]).all()
    assert (cover.a.toarray()[3:] == inst.a_interceptor.toarray()[req]).all()


def test_a_warm_start_that_misses_required_points_is_ignored():
    inst = random_layered(4, m=20, n=10, density=0.4)
    plan = np.zeros(inst.n, dtype=bool)
    for t, cap in enumerate(inst.type_max):  # a plan within the type limits
        plan[np.flatnonzero(inst.site_type == t)[:cap]] = True
    required = inst.defended(plan)
    assert required.any()
    res = solve_layered_min_cost(inst, required, warm_start=np.zeros(inst.n, dtype=bool))
    want = brute_min_cost(inst, required)
    assert want is not None and res.objective == pytest.approx(want)
