"""Attacker–defender models against brute force on small instances, and hand-checkable cases."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import scipy.sparse as sp

from models.adversary import (
    AdversaryError,
    AdversaryInstance,
    DefencePlan,
    Raid,
    Scenario,
    fortified_plan,
    interdiction_table,
    nominal_plan,
    robust_plan,
    solve_engagement,
    worst_case_raid,
)
from models.adversary.engagement import value_lost
from tests.models.adversary_oracle import (
    defender_value,
    laydowns,
    loss_sets,
    plans,
    raid,
    random_instance,
    worst_raid_value,
)

SEEDS = [0, 1, 2]


def one_site(n_classes: int = 1, magazine: int = 2, shots: int = 2) -> AdversaryInstance:
    return AdversaryInstance(
        area_names=("a",),
        inventory=np.array([5]),
        target_names=tuple("ABC"[:n_classes]),
        value=np.ones(n_classes),
        class_area=np.zeros(n_classes, int),
        class_target=np.arange(n_classes),
        shots=sp.csr_array(np.full((n_classes, 1), shots)),
        site_ids=("s",),
        site_cost=np.zeros(1),
        round_cost=np.zeros(1),
        magazine=np.array([magazine]),
        site_kind=np.zeros(1, int),
        kind_names=("k",),
        kind_pk=np.array([0.7]),
        kind_max_shots=np.array([4]),
    )


def test_one_threat_two_shots_leaks_0_09() -> None:
    inst = one_site()
    plan = DefencePlan.full(inst, np.array([True]))
    assert value_lost(inst, plan, Scenario(raid([1]))).value_lost == pytest.approx(0.09)


def test_two_threats_two_rounds_each_gets_one_shot() -> None:
    inst = one_site()
    plan = DefencePlan.full(inst, np.array([True]))
    resp = value_lost(inst, plan, Scenario(raid([2])))
    assert resp.missile_leak == pytest.approx([0.3, 0.3])


def test_hand_checked_worst_raid_concentrates() -> None:
    # Two equal targets, one site with 2 rounds: 2 missiles on one target leak 0.3 + 0.3 = 0.6,
    # one on each also 0.6; 3 missiles: one on A, two on B, rounds split 1/1 -> 0.3+0.3+1 = 1.6.
    inst = one_site(n_classes=2)
    plan = DefencePlan.full(inst, np.array([True]))
    worst = worst_case_raid(inst, plan, 3)
    assert worst.value_lost == pytest.approx(1.6)
    assert worst.proven


VARIANTS = [(s, False, None) for s in SEEDS] + [(s, True, 2) for s in (10,)]


@pytest.mark.parametrize(("seed", "per_pair", "total"), VARIANTS)
def test_defender_response_matches_enumeration(seed: int, per_pair: bool, total: int | None) -> None:
    inst = random_instance(seed, per_pair=per_pair, total=total)
    rng = np.random.default_rng(seed)
    for plan in rng.permutation(np.array(plans(inst), dtype=object))[:6]:
        for m in laydowns(inst, 3)[:: max(1, len(laydowns(inst, 3)) // 4)]:
            got = value_lost(inst, plan, Scenario(raid(list(m)))).value_lost
            assert got == pytest.approx(defender_value(inst, plan, m), abs=1e-7)


@pytest.mark.parametrize(("seed", "per_pair", "total"), VARIANTS)
def test_worst_raid_matches_enumeration(seed: int, per_pair: bool, total: int | None) -> None:
    inst = random_instance(seed, per_pair=per_pair, total=total)
    plan = DefencePlan.full(inst, np.array([True, True]), np.ones(inst.n_sensors, bool))
    for n in (2, 3):
        worst = worst_case_raid(inst, plan, n)
        assert worst.proven
        assert worst.value_lost == pytest.approx(worst_raid_value(inst, plan, n), abs=1e-7)
        # the laydown returned is one the attacker can fly, and it loses what is claimed
        assert worst.raid.size == n
        assert defender_value(inst, plan, worst.raid.counts) == pytest.approx(worst.value_lost)


@pytest.mark.parametrize("seed", SEEDS)
def test_worst_case_never_below_design_raid(seed: int) -> None:
    inst = random_instance(seed)
    rng = np.random.default_rng(seed + 100)
    plan = DefencePlan.full(inst, np.array([True, False]), np.ones(inst.n_sensors, bool))
    worst = worst_case_raid(inst, plan, 3)
    for m in laydowns(inst, 3):
        if rng.random() < 0.5:
            assert worst.value_lost >= value_lost(inst, plan, Scenario(raid(list(m)))).value_lost - 1e-9


@pytest.fixture(scope="module", params=[0, 3, 4])
def robust_case(request: pytest.FixtureRequest) -> tuple:
    inst = random_instance(request.param)
    design = raid([1, 1, 1, 0])
    nominal = nominal_plan(inst, design)
    rob = robust_plan(inst, 3, design=design, start=[worst_case_raid(inst, nominal, 3).raid])
    return inst, design, nominal, rob


def test_robust_plan_is_the_brute_force_min_max(robust_case: tuple) -> None:
    inst, _design, _nominal, rob = robust_case
    assert rob.proven
    best = min(worst_raid_value(inst, p, 3) for p in plans(inst))
    assert rob.upper_bound == pytest.approx(best, abs=1e-7)
    assert rob.lower_bound == pytest.approx(best, abs=1e-6)
    assert rob.plan.cost(inst) <= inst.budget + 1e-9


def test_robust_worst_case_never_above_nominal(robust_case: tuple) -> None:
    inst, design, nominal, rob = robust_case
    nominal_worst = worst_case_raid(inst, nominal, 3).value_lost
    assert rob.worst.value_lost <= nominal_worst + 1e-9
    # and the nominal plan is the best there is against the design raid (the price is >= 0)
    assert (
        value_lost(inst, rob.plan, Scenario(design)).value_lost
        >= value_lost(inst, nominal, Scenario(design)).value_lost - 1e-9
    )


@pytest.mark.parametrize(("seed", "per_pair", "total"), VARIANTS)
def test_interdiction_matches_enumeration(seed: int, per_pair: bool, total: int | None) -> None:
    inst = random_instance(seed, sensors=2, budget=99.0, per_pair=per_pair, total=total)
    plan = DefencePlan.full(inst, np.array([True, True]), np.ones(2, bool))
    design = raid([1, 1, 0, 1])
    table = interdiction_table(inst, plan, design, 3)
    assert [row.k for row in table] == [1, 2, 3]
    for row in table:
        truth = max(
            defender_value(inst, plan, design.counts, ls, lk) for ls, lk in loss_sets(inst, plan, row.k)
        )
        assert row.value_lost == pytest.approx(truth, abs=1e-7)
        assert len(row.assets(inst)) == row.k
    values = [row.value_lost for row in table]
    assert values == sorted(values)  # losing more never helps the defender


@pytest.mark.parametrize("seed", SEEDS[:2])
def test_fortified_plan_matches_enumeration(seed: int) -> None:
    inst = random_instance(seed, sensors=2, budget=11.0)
    design = raid([1, 1, 0, 1])
    fort = fortified_plan(inst, design, 1)
    truth = min(
        max(defender_value(inst, p, design.counts, ls, lk) for ls, lk in loss_sets(inst, p, 1))
        for p in plans(inst)
    )
    assert fort.worst.value_lost == pytest.approx(truth, abs=1e-7)
    assert fort.gap <= 1e-6


def test_master_with_plan_fixed_agrees_with_the_response() -> None:
    inst = random_instance(5)
    plan = DefencePlan.full(inst, np.array([True, True]), np.ones(1, bool))
    sol = solve_engagement(inst, [Scenario(raid([2, 0, 1, 0])), Scenario(raid([0, 1, 1, 1]))], plan)
    values = [defender_value(inst, plan, np.array(m)) for m in ([2, 0, 1, 0], [0, 1, 1, 1])]
    assert sol.objective == pytest.approx(max(values))


def test_raid_larger_than_inventories_is_refused() -> None:
    with pytest.raises(AdversaryError, match="exceeds"):
        worst_case_raid(random_instance(0), DefencePlan.full(random_instance(0), np.ones(2, bool)), 5)


def test_robust_plans_here_do_pay_a_price() -> None:
    # seed 0: the nominal plan guards the design raid's classes, the robust one the worst case
    inst = random_instance(0)
    design = raid([1, 1, 1, 0])
    nominal = nominal_plan(inst, design)
    rob = robust_plan(inst, 3, design=design)
    assert worst_case_raid(inst, nominal, 3).value_lost == pytest.approx(17.28)
    assert rob.worst.value_lost == pytest.approx(11.2)
    assert (
        value_lost(inst, rob.plan, Scenario(design)).value_lost
        > value_lost(inst, nominal, Scenario(design)).value_lost
    )


def test_adapter_agrees_with_the_engagement_milp() -> None:
    # The engagement model's own MILP (i11) and the adversary's pattern MILP on the same raid.
    from models.adversary.adapter import from_engagement, plan_from_engagement
    from models.engagement import EngagementInstance
    from models.engagement.solve import solve_engagement as solve_i11
    from models.result import SolveOptions

    rng = np.random.default_rng(7)
    n_t, n_j, n_s = 6, 3, 2
    area, target = np.array([0, 0, 1, 1, 0, 1]), np.array([0, 1, 0, 1, 0, 1])
    ms = sp.csr_array(rng.integers(1, 3, (2, 2, n_j))[area, target] * (rng.random((n_t, n_j)) < 0.8))
    ms = sp.csr_array(ms)
    # threats of one (area, target) share a track: copy the first one's rows
    ms = sp.csr_array(ms.toarray()[[0, 1, 2, 3, 0, 3]])
    ms.eliminate_zeros()
    fc_full = rng.integers(0, 3, (4, n_j, n_s))
    t_of = [0, 1, 2, 3, 0, 3]
    rows = [fc_full[t_of[t], j] for t in range(n_t) for j in ms.indices[ms.indptr[t] : ms.indptr[t + 1]]]
    e = EngagementInstance(
        v=np.array([5.0, 3.0, 5.0, 3.0, 5.0, 3.0]), area=area, target=target,
        site_cost=np.array([2.0, 3.0, 2.0]), round_cost=np.ones(3), magazine=np.array([2, 2, 3]),
        sspk=np.array([0.6, 0.8, 0.6]), layer=np.array([1, 2, 1]), site_type=np.array([0, 1, 0]),
        type_max=np.array([2, 1]), sensor_cost=np.array([1.0, 2.0]), max_shots=ms,
        fire_control=sp.csr_array(np.array(rows)), budget=14.0,
    )  # fmt: skip
    adv, cls = from_engagement(e, ["n", "s"], ["A", "B"], [4, 4])
    design = Raid(np.bincount(cls, minlength=adv.n_classes))
    assert adv.n_classes == 4 and design.size == 6
    i11 = solve_i11(e, SolveOptions(time_limit_s=30, mip_rel_gap=1e-9))
    assert i11.plan is not None
    ours = solve_engagement(adv, [Scenario(design)])
    assert ours.objective == pytest.approx(i11.expected_value_lost, abs=1e-6)
    fixed = value_lost(adv, plan_from_engagement(i11.plan), Scenario(design)).value_lost
    assert fixed == pytest.approx(i11.expected_value_lost, abs=1e-6)


def test_relevant_drops_idle_assets_and_keeps_every_value() -> None:
    inst = random_instance(2, sensors=2, budget=99.0, per_pair=True)
    wide = dataclasses.replace(
        inst,
        shots=sp.hstack([inst.shots, sp.csr_array((inst.n_classes, 1))]).tocsr(),
        site_ids=(*inst.site_ids, "idle"),
        site_cost=np.r_[inst.site_cost, 1.0],
        round_cost=np.r_[inst.round_cost, 1.0],
        magazine=np.r_[inst.magazine, 2],
        site_kind=np.r_[inst.site_kind, 0],
    )
    small, sites, _sensors = wide.relevant()
    assert small.site_ids == inst.site_ids and list(sites) == [0, 1]
    plan = DefencePlan.full(small, np.ones(2, bool), np.ones(small.n_sensors, bool))
    full_plan = DefencePlan(np.r_[plan.sites, True], np.r_[plan.rounds, 2], np.ones(2, bool))
    assert worst_case_raid(small, plan, 3).value_lost == pytest.approx(
        worst_case_raid(wide, full_plan, 3).value_lost
    )


def test_dominated_sensors_never_change_the_min_max() -> None:
    inst = random_instance(4, sensors=3, budget=12.0, per_pair=True)
    assert inst.fire_control is not None
    fc = inst.fire_control.toarray()
    fc[:, 2] = np.minimum(fc[:, 0], fc[:, 2])  # sensor 2 allows no more than sensor 0 ...
    inst = dataclasses.replace(inst, fire_control=sp.csr_array(fc), sensor_cost=np.array([1.0, 1.0, 1.0]))
    keep = inst.undominated_sensors()
    assert not keep[2] and keep[0]  # ... at the same cost: dominated
    rob = robust_plan(inst, 2)
    assert rob.upper_bound == pytest.approx(min(worst_raid_value(inst, p, 2) for p in plans(inst)), abs=1e-7)
