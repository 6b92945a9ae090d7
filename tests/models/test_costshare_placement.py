"""The cost and benefit games of a placement against brute force over every plan."""

from itertools import combinations

import numpy as np
import pytest

from models import SolveOptions
from models.costshare.coalitions import CoalitionCache, evaluate
from models.formulations.coalition_placement import PlacementData, PlacementGames
from tests.models.helpers import all_plans, random_layered

PLAYERS = ("A", "B", "C")


def _data(seed: int, caps=(10.0, 6.0, np.inf), unowned: bool = True) -> PlacementData:
    inst = random_layered(seed, m=16, n=10, density=0.35, budget_frac=0.5)
    rng = np.random.default_rng(seed + 7)
    owner = rng.integers(-1 if unowned else 0, 3, inst.m)
    host = rng.integers(-1, 3, inst.n)
    plans = all_plans(inst.n)
    ok = np.array([inst.is_feasible(p) for p in plans])
    weights = np.array([inst.evaluate(p)[0] for p in plans])
    grand = plans[np.flatnonzero(ok)[np.argmax(weights[ok])]]
    return PlacementData(inst, PLAYERS, owner, host, np.array(caps), grand)


def _type_ok(inst, plans):
    counts = np.stack([np.bincount(inst.site_type[p], minlength=inst.type_max.shape[0]) for p in plans])
    return (counts <= inst.type_max).all(axis=1)


def brute_games(data: PlacementData) -> tuple[np.ndarray, np.ndarray]:
    inst = data.instance
    plans = all_plans(inst.n)
    type_ok = _type_ok(inst, plans)
    defended = (inst.a_sensor @ plans.T.astype(int) > 0) & (inst.a_interceptor @ plans.T.astype(int) > 0)
    cost = plans @ inst.c
    grand_def = inst.defended(data.plan)
    c = np.zeros(8)
    v = np.zeros(8)
    for mask in range(1, 8):
        pts = data.points_of(mask)
        need = grand_def & pts
        ok = type_ok & ~(need[:, None] & ~defended).any(axis=0)
        c[mask] = cost[ok].min()
        allowed = data.sites_of(mask)
        ok_v = type_ok & ~(plans & ~allowed).any(axis=1) & (cost <= data.pooled_budget(mask) + 1e-9)
        v[mask] = (inst.w[pts] @ defended[pts][:, ok_v]).max()
    c[7] = float(inst.c[data.plan].sum())
    return c, v


@pytest.fixture(scope="module", params=[0, 1, 2, 3])
def case(request):
    data = _data(request.param)
    games = PlacementGames(data, SolveOptions(threads=1, mip_rel_gap=0.0))
    built = games.games(workers=2)
    return data, games, built


def test_coalition_values_match_brute_force(case):
    data, games, built = case
    c, v = brute_games(data)
    assert built["cost"].values == pytest.approx(c)
    assert built["value"].values == pytest.approx(v)


def test_every_recorded_plan_achieves_its_value(case):
    data, games, built = case
    inst = data.instance
    for mask, rec in games.value_solves.items():
        assert not (rec.plan & ~data.sites_of(mask)).any()
        assert inst.c[rec.plan].sum() <= data.pooled_budget(mask) + 1e-9
        assert data.defended_weight(rec.plan)[data.members(mask)].sum() == pytest.approx(rec.value)
    need = inst.defended(data.plan)
    for mask, rec in games.cost_solves.items():
        assert not (need & data.points_of(mask) & ~inst.defended(rec.plan)).any()
        assert inst.c[rec.plan].sum() == pytest.approx(rec.value)


def test_cost_game_is_monotone_and_capped_by_the_bill(case):
    _, _, built = case
    c = built["cost"].values
    for s in range(1, 8):
        for t in range(1, 8):
            if s & t == s:
                assert c[s] <= c[t] + 1e-9
    assert c.max() == pytest.approx(c[7])


def test_grand_value_is_the_plan_when_caps_allow_the_network_budget():
    data = _data(5, caps=(np.inf, np.inf, np.inf), unowned=False)
    games = PlacementGames(data, SolveOptions(threads=1, mip_rel_gap=0.0))
    assert games.value(frozenset(PLAYERS)) == pytest.approx(data.defended_weight(data.plan).sum())
    assert games.value_solves[7].warm_start in ("grand", "subset", "union")


def test_min_cost_of_the_grand_coverage_is_the_brute_force_least_cost(case):
    data, games, _ = case
    inst = data.instance
    plans = all_plans(inst.n)
    need = inst.defended(data.plan) & (data.point_owner >= 0)
    defended = (inst.a_sensor @ plans.T.astype(int) > 0) & (inst.a_interceptor @ plans.T.astype(int) > 0)
    ok = _type_ok(inst, plans) & ~(need[:, None] & ~defended).any(axis=0)
    assert games.min_cost_grand.value == pytest.approx((plans[ok] @ inst.c).min())
    assert games.min_cost_grand.value <= inst.c[data.plan].sum() + 1e-9


def test_each_coalition_is_solved_once_through_a_cache(case):
    data, _, _ = case
    games = PlacementGames(data, SolveOptions(threads=1))
    cache = CoalitionCache(games.value)
    coalitions = [frozenset(c) for k in (1, 2, 3) for c in combinations(PLAYERS, k)]
    evaluate(coalitions + coalitions, cache, workers=2)
    assert len(games.value_solves) == 7 and len(cache) == 7
