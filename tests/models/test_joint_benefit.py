"""The benefit-proportional joint plan: CP-SAT against bisection on the price, and brute force."""

import numpy as np
import pytest

from models import SolveOptions
from models.formulations.joint_benefit import (
    benefit_target,
    joint_benefit_by_price,
    meets_benefit_rule,
    solve_joint_benefit,
    solve_joint_benefit_cpsat,
)
from models.formulations.joint_plan import JointInstance, verify_joint
from tests.models.helpers import all_plans
from tests.models.test_joint_plan import PLAYERS, joint_instance


def brute_force_benefit(ji: JointInstance, allowance: float = 0.0) -> float:
    """Best weight over plans whose exact benefit split (± allowance) fits every cash cap."""
    inst = ji.instance
    best = 0.0
    for x in all_plans(inst.n):
        if not inst.is_feasible(x):
            continue
        d = inst.defended(x)
        got = np.array([inst.w[d & (ji.point_owner == p)].sum() for p in range(3)])
        if got.sum() == 0:
            continue
        cost = inst.c[x].sum()
        hosted = np.array([inst.c[x & (ji.site_host == p)].sum() for p in range(3)])
        lo = cost * got / got.sum() - allowance
        hi = np.minimum(cost * got / got.sum() + allowance, ji.caps + ji.in_kind_fraction * hosted)
        members = (ji.floor_masks[:, None] >> np.arange(3)) & 1
        if (lo <= hi + 1e-9).all() and hi.sum() >= cost - 1e-9 and ((members @ got) >= ji.floors).all():
            best = max(best, float(got.sum()))
    return best


@pytest.fixture(scope="module", params=[1, 2, 3])
def case(request):
    ji = joint_instance(request.param, caps=(3.0, 5.0, np.inf), floors=False)
    cp = solve_joint_benefit_cpsat(ji, 0.0, SolveOptions(time_limit_s=30, seed=1))
    search = joint_benefit_by_price(ji, SolveOptions(mip_rel_gap=0.0))
    return ji, cp, search


def test_cpsat_agrees_with_the_price_bisection_and_brute_force(case):
    ji, cp, search = case
    exact = brute_force_benefit(ji)
    loose = brute_force_benefit(ji, allowance=cp.allowance)
    assert cp.result.status == "optimal"
    assert exact <= cp.result.objective <= loose
    assert search.defended_weight == pytest.approx(exact)
    assert search.upper_bound == pytest.approx(exact)  # the bracket is closed
    assert search.defended_weight == pytest.approx(cp.result.objective)


def test_the_benefit_rule_binds_on_these_instances(case):
    ji, cp, _ = case
    free = JointInstance(ji.instance, PLAYERS, ji.point_owner, ji.site_host, np.full(3, np.inf), 0.0)
    assert cp.result.objective < brute_force_benefit(free)


def test_cpsat_plan_and_integer_shares_are_verified_independently(case):
    ji, cp, search = case
    x = cp.result.x
    assert verify_joint(ji, x, cp.contributions, cp.target, 0.0, allowance=cp.allowance).ok
    assert cp.target == pytest.approx(benefit_target(ji, x))
    assert np.allclose(cp.contributions * 100, np.rint(cp.contributions * 100))  # 0.01 M USD units
    assert meets_benefit_rule(ji, search.plan)


def test_a_band_only_widens_what_is_acceptable():
    ji = joint_instance(2, floors=False)
    tight = solve_joint_benefit_cpsat(ji, 0.0, SolveOptions(time_limit_s=30))
    loose = solve_joint_benefit_cpsat(ji, 0.3, SolveOptions(time_limit_s=30))
    assert loose.result.objective is not None and tight.result.objective is not None
    assert loose.result.objective >= tight.result.objective
    assert loose.result.x is not None and loose.contributions is not None and loose.target is not None
    assert verify_joint(
        ji, loose.result.x, loose.contributions, loose.target, 0.3, allowance=loose.allowance
    ).ok


def test_combined_solver_returns_a_verified_plan_with_floors():
    ji = joint_instance(4, floors=True)
    jp, search = solve_joint_benefit(ji, 0.0, SolveOptions(time_limit_s=30))
    assert jp.result.objective is not None
    assert jp.result.x is not None and jp.contributions is not None and jp.target is not None
    assert brute_force_benefit(ji) <= jp.result.objective <= brute_force_benefit(ji, allowance=0.01)
    assert verify_joint(ji, jp.result.x, jp.contributions, jp.target, 0.0, allowance=jp.allowance).ok
    assert search.defended_weight <= jp.result.objective + 1e-9
