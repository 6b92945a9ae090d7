"""The joint plan with fixed-share rules: brute force, and the independent verification."""

import numpy as np
import pytest
import scipy.sparse as sp

from models import LayeredInstance, SolveOptions
from models.formulations.joint_plan import (
    JointInstance,
    contributions_for,
    solve_joint_fixed_shares,
    verify_joint,
)
from models.result import Termination
from tests.models.helpers import all_plans

PLAYERS = ("A", "B", "C")


def joint_instance(
    seed: int,
    *,
    m: int = 14,
    n: int = 9,
    budget: float = 25.0,
    caps=(6.0, 9.0, np.inf),
    f: float = 0.2,
    floors: bool = True,
) -> JointInstance:
    rng = np.random.default_rng(seed)
    inst = LayeredInstance(
        w=rng.integers(1, 100, m).astype(float),
        c=rng.integers(2, 10, n).astype(float),
        a_sensor=sp.csr_array((rng.random((m, n)) < 0.3).astype(int)),
        a_interceptor=sp.csr_array((rng.random((m, n)) < 0.3).astype(int)),
        site_type=np.zeros(n, int),
        type_max=np.array([n]),
        budget=budget,
    )
    owner = rng.integers(0, 3, m)
    host = rng.integers(-1, 3, n)
    masks, lows = np.zeros(0, np.int64), np.zeros(0)
    if floors:  # each partner must get at least a fifth of its reachable weight
        reach = inst.defended(np.ones(n, bool))
        masks = np.array([1, 2, 4])
        lows = np.array([0.2 * inst.w[(owner == p) & reach].sum() for p in range(3)])
    return JointInstance(inst, PLAYERS, owner, host, np.array(caps), f, masks, lows)


def split_exists(ji, x, shares, tol):
    """Independent of the module: an LP with box constraints and one equality is feasible iff..."""
    cost = float(ji.instance.c[x].sum())
    hosted = np.array([ji.instance.c[x & (ji.site_host == p)].sum() for p in range(ji.n_players)])
    lo = (1 - tol) * shares * cost
    hi = np.minimum((1 + tol) * shares * cost, ji.caps + ji.in_kind_fraction * hosted)
    return bool((lo <= hi + 1e-9).all() and hi.sum() >= cost - 1e-9)


def brute_force(ji, shares, tol):
    inst = ji.instance
    best = None
    for x in all_plans(inst.n):
        if not inst.is_feasible(x):
            continue
        d = inst.defended(x)
        got = np.array([inst.w[d & (ji.point_owner == p)].sum() for p in range(3)])
        members = (ji.floor_masks[:, None] >> np.arange(3)) & 1
        if ((members @ got) < ji.floors - 1e-9).any() or not split_exists(ji, x, shares, tol):
            continue
        w = float(inst.w[d].sum())
        best = w if best is None else max(best, w)
    return best


SHARES = np.array([0.5, 0.3, 0.2])


@pytest.fixture(scope="module", params=[0, 1, 2, 3, 4])
def solved(request):
    ji = joint_instance(request.param)
    return ji, solve_joint_fixed_shares(ji, SHARES, 0.1, SolveOptions(mip_rel_gap=0.0), rule="test")


def test_fixed_share_joint_plan_matches_brute_force(solved):
    ji, jp = solved
    want = brute_force(ji, SHARES, 0.1)
    if want is None:
        assert jp.result.x is None
    else:
        assert jp.result.objective == pytest.approx(want)


def test_joint_plan_respects_every_cap_and_condition(solved):
    ji, jp = solved
    if jp.result.x is None:
        pytest.skip("no feasible plan for this seed (covered by the brute-force test)")
    x = jp.result.x
    inst = ji.instance
    cost = inst.c[x].sum()
    pi = jp.contributions
    hosted = np.array([inst.c[x & (ji.site_host == p)].sum() for p in range(3)])
    assert pi.sum() == pytest.approx(cost)
    assert (pi - ji.in_kind_fraction * hosted <= ji.caps + 1e-6).all()
    assert (np.abs(pi - SHARES * cost) <= 0.1 * SHARES * cost + 1e-6).all()
    d = inst.defended(x)
    assert all(inst.w[d & (ji.point_owner == p)].sum() >= ji.floors[p] - 1e-9 for p in range(3))
    assert cost <= inst.budget
    assert verify_joint(ji, x, pi, jp.target, 0.1).ok


def test_verification_catches_a_tampered_split(solved):
    ji, jp = solved
    if jp.result.x is None:
        pytest.skip("no plan")
    x, pi = jp.result.x, jp.contributions
    names = lambda chk: {n for n, ok, _ in chk.checks if not ok}  # noqa: E731
    assert "share_balance" in names(verify_joint(ji, x, pi + 1.0, jp.target, 0.1))
    over = pi.copy()
    over[0] += 0.3 * jp.target[0] + 1.0
    over[1] -= 0.3 * jp.target[0] + 1.0
    assert "share_band[A]" in names(verify_joint(ji, x, over, jp.target, 0.1))
    starved = np.zeros(ji.instance.n, dtype=bool)
    assert any(
        n.startswith("coalition_floor")
        for n in names(verify_joint(ji, starved, np.zeros(3), np.zeros(3), 0.1))
    )


def test_a_cash_cap_binds_and_the_rest_is_spread():
    ji = joint_instance(7, caps=(1.0, np.inf, np.inf), f=0.0, floors=False)
    x = np.ones(ji.instance.n, dtype=bool)
    cost = ji.instance.c.sum()
    pi = contributions_for(ji, x, np.array([0.5, 0.3, 0.2]), 1.0)
    assert pi is not None
    assert pi[0] == pytest.approx(1.0)
    assert pi.sum() == pytest.approx(cost)
    assert pi[1] / pi[2] == pytest.approx(0.3 / 0.2)  # the excess is spread by room, here by share
    assert contributions_for(ji, x, np.array([0.5, 0.3, 0.2]), 0.1) is None  # the band forbids it


def test_unreachable_floors_are_infeasible():
    ji = joint_instance(3)
    ji = JointInstance(
        ji.instance,
        PLAYERS,
        ji.point_owner,
        ji.site_host,
        ji.caps,
        0.0,
        np.array([7]),
        np.array([ji.instance.w.sum() + 1]),
    )
    jp = solve_joint_fixed_shares(ji, SHARES, 0.1)
    assert jp.result.x is None and jp.result.termination is Termination.INFEASIBLE


def test_shares_must_sum_to_one():
    with pytest.raises(ValueError, match="summing to 1"):
        solve_joint_fixed_shares(joint_instance(0), np.array([0.5, 0.5, 0.5]), 0.1)


def test_caps_and_band_bind_on_these_instances(solved):
    ji, jp = solved
    free = JointInstance(ji.instance, PLAYERS, ji.point_owner, ji.site_host, np.full(3, np.inf), 0.0)
    assert jp.result.objective < brute_force(free, SHARES, 1.0)
