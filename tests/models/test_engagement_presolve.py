"""Engagement presolve: every reduction keeps the optimum (brute force, with vs without), hand cases."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import scipy.sparse as sp

from models.engagement import EngagementInstance, plan_violations
from models.engagement.presolve import max_open, presolve
from models.engagement.solve import solve_engagement
from models.result import SolveOptions
from models.rows import distinct_rows
from tests.models.test_engagement_milp import brute_force, random_instance

OPTS = SolveOptions(time_limit_s=30, mip_rel_gap=1e-9)


def symmetric_instance(seed: int, n_o: int = 0) -> EngagementInstance:
    """Threats on two tracks (copies), sites with dearer, weaker copies: reductions to find."""
    rng = np.random.default_rng(seed)
    n_tr, n_base, n_s = 2, 2, 2
    base = rng.integers(0, 3, (n_tr, n_base)) * (rng.random((n_tr, n_base)) < 0.9)
    weaker = np.minimum(base, rng.integers(0, 3, (n_tr, n_base)))  # a copy never better
    per_track = np.hstack([base, weaker])  # sites 2, 3 copy 0, 1 with fewer shots
    track = rng.integers(0, n_tr, 4)
    ms = sp.csr_array(per_track[track])
    fc_track = rng.integers(0, 3, (n_tr, per_track.shape[1], n_s))
    fc_track[:, n_base:] = np.minimum(fc_track[:, n_base:], fc_track[:, :n_base])
    t, j = ms.nonzero()
    order = np.lexsort((j, t))
    fc = sp.csr_array(fc_track[track[t[order]], j[order]])
    cost = rng.integers(2, 5, n_base).astype(float)
    return EngagementInstance(
        v=rng.integers(1, 3, n_tr)[track].astype(float),  # value by track: interchangeable threats
        area=np.zeros(track.size),
        target=np.arange(track.size),
        site_cost=np.concatenate([cost, cost + rng.integers(0, 2, n_base)]),
        round_cost=np.ones(2 * n_base),
        magazine=np.tile(rng.integers(1, 4, n_base), 2),
        sspk=np.tile(rng.choice([0.5, 0.7], n_base), 2),
        layer=np.ones(2 * n_base, int),
        site_type=np.tile(np.arange(n_base), 2),
        type_max=np.array([1, 1]),
        sensor_cost=rng.integers(1, 3, n_s).astype(float),
        max_shots=ms,
        fire_control=fc,
        budget=float(rng.integers(6, 14)),
        boost_cost=rng.integers(2, 5, n_o).astype(float),
        boost_survival=rng.uniform(0.2, 0.9, (n_o, n_tr))[:, track] if n_o else None,
    )


@pytest.mark.parametrize("seed", range(8))
def test_presolve_keeps_the_optimum(seed):
    inst = symmetric_instance(seed, n_o=seed % 2)
    full = solve_engagement(inst, OPTS, reduce=False)
    red = solve_engagement(inst, OPTS)
    assert red.expected_value_lost == pytest.approx(full.expected_value_lost, abs=1e-9)
    assert str(red.termination) == "optimal"
    assert red.plan is not None and plan_violations(inst, red.plan) == []
    assert red.plan.sites.shape == (inst.n_sites,) and red.plan.shots.shape == inst.max_shots.shape


def test_presolve_reduces_the_symmetric_instances():
    found = {k: 0 for k in ("sites_dominated", "threat_order_rows", "sites_without_shot")}
    for seed in range(8):
        counts = presolve(symmetric_instance(seed)).counts
        for k in found:
            found[k] += counts[k]
    assert all(v > 0 for v in found.values()), found


@pytest.mark.parametrize("seed", [106, 108, 109, 117])  # small enough to enumerate; sites dominated
def test_presolve_matches_brute_force(seed):
    inst = symmetric_instance(seed)
    if np.prod([n + 1 for n in inst.max_shots.data]) > 600:
        inst = replace(inst, max_shots=sp.csr_array(inst.max_shots.minimum(1)))
    assert presolve(inst).counts["threat_order_rows"] > 0
    assert solve_engagement(inst, OPTS).expected_value_lost == pytest.approx(brute_force(inst), abs=1e-9)


def hand(existing: bool = False) -> EngagementInstance:
    # Site 0 covers site 1 (one threat fewer) and site 2 (one shot fewer), same cost; type max 1.
    return EngagementInstance(
        v=np.array([1.0, 1.0]),
        area=np.array([0, 0]),
        target=np.array([0, 1]),
        site_cost=np.array([5.0, 5.0, 5.0, 1.0]),
        round_cost=np.array([1.0] * 4),
        magazine=np.array([4] * 4),
        sspk=np.array([0.7] * 4),
        layer=np.array([1] * 4),
        site_type=np.array([0, 0, 0, 1]),
        type_max=np.array([1, 1]),
        sensor_cost=np.array([1.0]),
        max_shots=sp.csr_array([[2, 2, 1, 0], [2, 0, 1, 0]]),
        fire_control=sp.csr_array([[2], [2], [1], [2], [1]]),
        budget=20.0,
        existing_sites=np.array([False, False, existing, False]),
    )


def test_hand_case_dominated_sites_closed():
    pre = presolve(hand())
    # Site 3 has no shot; sites 1 and 2 have site 0 as dominator and at most 1 of the type opens.
    assert pre.sites.tolist() == [0]
    assert pre.counts["sites_without_shot"] == 1 and pre.counts["sites_dominated"] == 2
    # Threats differ on sites 1 and 2 only: once those are gone they are interchangeable.
    assert pre.threat_order.tolist() == [[0, 1]]
    sol = solve_engagement(hand(), OPTS)
    assert sol.plan is not None and sol.plan.sites.tolist() == [True, False, False, False]
    assert sol.expected_leakers == pytest.approx(2 * 0.09)


def test_existing_dominated_site_is_kept():
    pre = presolve(hand(existing=True))
    assert 2 in pre.sites.tolist() and 1 not in pre.sites.tolist()
    assert pre.site_order.size == 0  # never an order row out of an existing site


def test_three_shots_without_fire_control_keep_the_optimum():
    """Without fire control a pair may allow three shots: the third shot at threat 0 must not be
    read as the first at threat 1 (it was: site 1 was wrongly dominated and closed).
    """
    inst = EngagementInstance(
        v=np.array([1.0, 1.0]),
        area=np.zeros(2),
        target=np.arange(2),
        site_cost=np.ones(2),
        round_cost=np.zeros(2),
        magazine=np.array([3, 3]),
        sspk=np.array([0.5, 0.5]),
        layer=np.ones(2, int),
        site_type=np.zeros(2, int),
        type_max=np.array([1]),
        sensor_cost=np.zeros(0),
        max_shots=sp.csr_array([[3, 2], [0, 1]]),
        fire_control=None,
        budget=10.0,
    )
    pre = presolve(inst)
    assert 1 in pre.sites.tolist()  # site 0 does not cover site 1's shot at threat 1
    exact = solve_engagement(inst, OPTS, reduce=False).expected_value_lost
    assert exact == pytest.approx(0.75)  # site 1: two shots at threat 0, one at threat 1
    assert solve_engagement(inst, OPTS).expected_value_lost == pytest.approx(exact)


def test_max_open_counts_type_maximum_and_budget():
    inst = hand()
    # Type 0: three sites at 5 within 20: 4 would fit but the type maximum is 1; type 1: one site.
    assert max_open(inst).tolist() == [1, 1]
    wide = replace(inst, type_max=np.array([3, 1]), budget=12.0)
    assert max_open(wide).tolist() == [2, 1]  # 5 + 5 fits in 12, a third does not


def test_distinct_rows_against_a_dictionary():
    rng = np.random.default_rng(7)
    base = rng.integers(0, 3, (6, 9)) * (rng.random((6, 9)) < 0.5)
    a = sp.csr_array(base[rng.integers(0, 6, 200)])
    first, group = distinct_rows(a)
    seen: dict[bytes, int] = {}
    for i, row in enumerate(a.toarray()):
        seen.setdefault(row.tobytes(), i)
    assert sorted(seen.values()) == first.tolist()
    dense = a.toarray()
    assert (dense == dense[first[group]]).all()
    assert np.all(np.diff(first) > 0)


def wide_instance(seed: int) -> EngagementInstance:
    """Twelve sites of one type (the start restricts to eight), three threats, two sensors."""
    return random_instance(seed, n_j=12, keep=0.7, fire=0.7, one_layer=True, type_max=2, budget=(8, 16))


@pytest.mark.parametrize("seed", range(4))
def test_warm_start_is_a_plan_and_keeps_the_optimum(seed, monkeypatch):
    from models.engagement import solve as solve_mod
    from models.engagement.start import first_plan, restricted_sites
    from models.engines.highs_engine import HighsEngine
    from models.formulations.engagement import engagement

    inst = wide_instance(seed)
    pre = presolve(inst)
    work = pre.instance
    model, _ = engagement(work, site_rows=False)
    pre.add_order_rows(model)
    start = first_plan(model, work, lambda m: HighsEngine().solve(m, OPTS, None).values, None, pre)
    restricted = restricted_sites(work).size < work.n_sites
    assert restricted == (seed in (2, 3))  # seeds 0, 1 keep at most eight sites after presolve
    if restricted:
        assert start is not None
        # The start's integer columns, completed by the solver, satisfy every row of the model.
        fixed = np.isfinite(start)
        run = HighsEngine().solve(model, OPTS, start)
        assert run.values is not None and model.max_violation(run.values) < 1e-6
        assert fixed.sum() < model.num_cols
    with_start = solve_engagement(inst, OPTS)
    monkeypatch.setattr(solve_mod, "START", False)
    without = solve_engagement(inst, OPTS)
    assert with_start.expected_value_lost == pytest.approx(without.expected_value_lost, abs=1e-9)


def test_cut_bound_reads_a_cutoff_branch():
    from models.engagement.solve import _cut_bound
    from models.result import Termination

    # Optimal with no plan below the cutoff: only "not below the cutoff" is proven.
    assert _cut_bound(Termination.OPTIMAL, 173.0, 173.0, 26.0, 1e-4) == pytest.approx(26.0 * (1 - 1e-4))
    assert _cut_bound(Termination.OPTIMAL, None, None, 26.0, 1e-4) == pytest.approx(26.0 * (1 - 1e-4))
    # A plan below the cutoff: HiGHS's own bound stands.
    assert _cut_bound(Termination.OPTIMAL, 20.0, 20.0, 26.0, 1e-4) == 20.0
    assert _cut_bound(Termination.TIME_LIMIT, 19.0, 20.0, 26.0, 1e-4) == 19.0
    # The absolute gap when it is the larger: HiGHS closes within either.
    assert _cut_bound(Termination.OPTIMAL, None, None, 1e-3, 1e-4) == pytest.approx(1e-3 - 1e-6)
    # Stopped early with nothing below the cutoff: no bound is claimed.
    assert _cut_bound(Termination.TIME_LIMIT, 30.0, 40.0, 26.0, 1e-4) is None
