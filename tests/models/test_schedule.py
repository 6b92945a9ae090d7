"""The multi-period build-out model: hand-checked, brute-forced, recomputed apart from the model."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.sparse as sp

from models import LayeredInstance, SolveOptions, solve_layered
from models.formulations.schedule import greedy_schedule, schedule_feasible, solve_schedule
from models.instance import PlanRules
from models.linear import ModelError
from models.schedule import ScheduleInstance
from tests.models.helpers import random_layered

OPTS = SolveOptions(time_limit_s=30, mip_rel_gap=0.0)


def two_year(
    budget=(7.0, 7.0), lead=(0, 0), discount=(1.0, 1.0), carry=False, om=0.0, **kw
) -> ScheduleInstance:
    """Points A (10) and B (5); sensor s0 sees both (cost 4); interceptors k1 -> A, k2 -> B (3 each)."""
    base = LayeredInstance(
        w=np.array([10.0, 5.0]),
        c=np.array([4.0, 3.0, 3.0]),
        a_sensor=sp.csr_array(np.array([[1, 0, 0], [1, 0, 0]])),
        a_interceptor=sp.csr_array(np.array([[0, 1, 0], [0, 0, 1]])),
        site_type=np.array([0, 1, 1]),
        type_max=np.array([1, 2]),
        budget=np.inf,
        site_ids=np.array(["s0", "k1", "k2"], dtype=object),
        type_names=("sensor", "interceptor"),
    )
    return ScheduleInstance(
        base=base,
        budget=np.array(budget),
        carry_over=carry,
        discount=np.array(discount),
        lead=np.array(lead),
        life=np.array([0, 0]),
        replace=np.array(True),
        replacement_fraction=np.array(1.0),
        om=om,
        **kw,
    )


@pytest.mark.parametrize(
    ("kw", "value", "funded"),
    [
        # year 0: s0 + k1 (7) defends A; year 1: k2 (3) adds B -> 10 + 15
        ({}, 25.0, [0, 0, 1]),
        ({"discount": (1.0, 0.5)}, 17.5, [0, 0, 1]),
        # 3 in year 0 buys one interceptor only (nothing defended); year 1: s0 + the other -> 15
        ({"budget": (3.0, 7.0)}, 15.0, None),
        # interceptors take a year: funded in year 0 they serve from year 1 -> 0 + 15 (the sensor
        # may come in either year: no single optimal schedule)
        ({"budget": (10.0, 10.0), "lead": (0, 1)}, 15.0, None),
        # carry-over: 5 + 5 cannot buy s0 + k1 in year 0, but 10 by year 1 buys s0 + k1 + k2
        ({"budget": (5.0, 5.0), "carry": False}, 10.0, None),
        ({"budget": (3.0, 7.0), "carry": True}, 15.0, None),
    ],
)
def test_two_year_by_hand(kw, value, funded):
    inst = two_year(**kw)
    res = solve_schedule(inst, OPTS)
    assert res.status == "optimal"
    assert res.objective == pytest.approx(value)
    if funded is not None:
        assert res.x is not None and inst.funding_years(res.x).tolist() == funded


def test_two_year_operations_and_milestone():
    # O&S 1 per site-year: in year 0, s0 + k1 costs 7 + 2 > 7: nothing is defended in year 0.
    # Year 1 holds 8: the two units bought (7) and their O&S (2) would be 9, so one unit comes in
    # year 0 (s0 or k1: 4 or 3, + 1 O&S) and the other in year 1; k2 (3 + 1) no longer fits: A only.
    inst = two_year(budget=(7.0, 8.0), om=1.0)
    res = solve_schedule(inst, OPTS)
    assert res.objective == pytest.approx(10.0)
    # All defended in year 1 would need s0 + k1 + k2 in service (10 + 3 O&S > 7 + 8): infeasible.
    bad = two_year(budget=(7.0, 8.0), om=1.0, share_milestones=((1, 1.0),))
    assert solve_schedule(bad, OPTS).x is None
    # Two interceptors in service from year 0 (a milestone) leave no room for the sensor until
    # year 1: 0 + 15 instead of 10 + 15.
    forced = two_year(type_milestones=((0, 1, 2),))
    res = solve_schedule(forced, OPTS)
    assert res.objective == pytest.approx(15.0)
    assert res.x is not None and forced.funding_years(res.x).tolist() == [1, 0, 0]


def _recompute(inst: ScheduleInstance, funded: np.ndarray, unit_om: np.ndarray):
    """Spending and service from the build decisions, by explicit loops over sites and years."""
    big_t = inst.years
    spend = np.zeros(big_t)
    service = np.zeros((inst.n, big_t), bool)
    for j, s in enumerate(funded):
        if s < 0:
            continue
        t = inst.base.site_type[j]
        lead, life, cost = int(inst.lead[t]), int(inst.life[t]), inst.base.c[j]
        pay = max(lead, 1)
        for k in range(pay):  # acquisition instalments
            if s + k < big_t:
                spend[s + k] += cost / pay
        start = s + lead
        for year in range(start, big_t):
            if life == 0 or inst.replace[t] or year < start + life:
                service[j, year] = True
                spend[year] += unit_om[j]
        if life and inst.replace[t]:
            renewal = start + life  # each replacement enters service as its predecessor retires
            while renewal - lead < big_t:
                for k in range(pay):
                    if 0 <= renewal - lead + k < big_t:
                        spend[renewal - lead + k] += inst.replacement_fraction[t] * cost / pay
                renewal += life
    return spend, service


def _random_schedule(seed: int, years: int = 3, n: int = 6, carry: bool = False) -> ScheduleInstance:
    rng = np.random.default_rng(seed)
    base = random_layered(seed, m=12, n=n, density=0.35)
    return ScheduleInstance(
        base=base,
        budget=rng.integers(3, 9, years).astype(float),
        carry_over=carry,
        discount=0.9 ** np.arange(years),
        lead=rng.integers(0, 3, 3),
        life=rng.integers(0, 3, 3),
        replace=rng.random(3) < 0.5,
        replacement_fraction=rng.choice([0.5, 1.0], 3),
        om=rng.integers(0, 2, n).astype(float),
    )


@pytest.mark.parametrize("seed", range(6))
def test_recomputed_apart_from_the_model_and_within_budget(seed):
    inst = _random_schedule(seed, carry=seed % 2 == 1)
    res = solve_schedule(inst, OPTS, presolve=seed % 3 != 0)
    assert res.x is not None
    funded = inst.funding_years(res.x)
    spend, service = _recompute(inst, funded, inst.om)
    np.testing.assert_allclose(inst.spend(funded), spend, atol=1e-9)
    np.testing.assert_array_equal(inst.ledger(funded)["service"] > 0.5, service)
    if inst.carry_over:
        assert (np.cumsum(spend) <= np.cumsum(inst.budget) + 1e-9).all()
    else:
        assert (spend <= inst.budget + 1e-9).all()
    a_s, a_k = inst.base.a_sensor, inst.base.a_interceptor
    d = np.column_stack([(a_s @ service[:, k] > 0) & (a_k @ service[:, k] > 0) for k in range(inst.years)])
    assert res.objective == pytest.approx(float(inst.discount @ (inst.base.w @ d)))


@pytest.mark.parametrize("seed", range(4))
def test_optimum_equals_brute_force(seed):
    inst = _random_schedule(seed + 10, years=2, n=5, carry=seed % 2 == 0)
    res = solve_schedule(inst, OPTS)
    best = 0.0
    rules = PlanRules()
    for funded in itertools.product(range(-1, inst.years), repeat=inst.n):
        f = np.array(funded)
        if schedule_feasible(inst, rules, inst.plan_mask(f)):
            best = max(best, inst.value(f))
    assert res.status == "optimal"
    assert res.objective == pytest.approx(best)


@pytest.mark.parametrize("seed", range(5))
def test_one_year_without_lead_time_is_the_single_period_optimum(seed):
    base = random_layered(seed, m=25, n=10)
    single = solve_layered(base, OPTS)
    inst = ScheduleInstance(
        base=base,
        budget=np.array([base.budget]),
        carry_over=False,
        discount=np.array([1.0]),
        lead=np.array(0),
        life=np.array(0),
        replace=np.array(True),
        replacement_fraction=np.array(1.0),
        om=np.array(0.0),
    )
    res = solve_schedule(inst, OPTS, single_period_plan=single.x)
    assert res.objective == pytest.approx(single.objective)
    assert res.extra["start_source"] == "heuristic"  # the single-period plan, scheduled


def test_greedy_schedule_is_a_feasible_warm_start():
    inst = _random_schedule(3, years=4, n=6)
    funded = greedy_schedule(inst, np.ones(inst.n, bool))
    assert inst.budget_ok(inst.spend(funded))
    assert schedule_feasible(inst, PlanRules(), inst.plan_mask(funded))


@pytest.mark.parametrize("engine", ["pyomo", "cpsat"])
def test_every_engine_agrees_on_the_two_year_instance(engine):
    inst = two_year(budget=(3.0, 7.0), om=0.0, lead=(0, 1), share_milestones=((1, 0.5),))
    ref = solve_schedule(inst, OPTS)
    res = solve_schedule(inst, OPTS, engine=engine)
    assert res.status == "optimal"
    assert res.objective == pytest.approx(ref.objective)


class SiteYears:
    """A stand-in value model (not coverage): b_j per year site j is in service, through YearValue."""

    def __init__(self, b: np.ndarray) -> None:
        self.b = b

    def add(self, model, u, discount):
        model.set_objective({u: np.kron(self.b, discount)})
        return None

    def columns(self, service):
        return np.zeros(0)

    def year_value(self, in_service):
        return float(self.b @ in_service)


def test_another_value_model_plugs_in_through_year_value():
    inst = two_year(budget=(4.0, 6.0), lead=(0, 1), discount=(1.0, 0.9))
    b = np.array([1.0, 5.0, 2.0])
    res = solve_schedule(inst, OPTS, value=SiteYears(b))
    best = 0.0
    for funded in itertools.product(range(-1, inst.years), repeat=inst.n):
        f = np.array(funded)
        if schedule_feasible(inst, PlanRules(), inst.plan_mask(f)):
            on = inst.ledger(f)["service"]
            best = max(best, float(inst.discount @ (b @ on)))
    assert res.status == "optimal"
    assert res.objective == pytest.approx(best)
    with pytest.raises(ModelError, match="coverage value"):
        solve_schedule(two_year(share_milestones=((1, 0.5),)), OPTS, value=SiteYears(b))
