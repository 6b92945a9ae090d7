"""Engagement MILP: hand cases, brute force over shot assignments, exact vs model objective."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.sparse as sp

from models.engagement import EngagementInstance, EngagementPlan, expected_leakage, plan_violations
from models.engagement.solve import solve_engagement
from models.formulations.engagement import kill_levels
from models.result import SolveOptions

OPTS = SolveOptions(time_limit_s=30, mip_rel_gap=1e-9)


def single(n_threats: int, magazine: int, shots: int, budget: float = 100.0) -> EngagementInstance:
    return EngagementInstance(
        v=np.ones(n_threats),
        area=np.zeros(n_threats),
        target=np.arange(n_threats),
        site_cost=np.array([10.0]),
        round_cost=np.array([1.0]),
        magazine=np.array([magazine]),
        sspk=np.array([0.7]),
        layer=np.array([1]),
        site_type=np.array([0]),
        type_max=np.array([1]),
        sensor_cost=np.array([5.0]),
        max_shots=sp.csr_array(np.full((n_threats, 1), shots)),
        fire_control=sp.csr_array(np.full((n_threats, 1), shots)),
        budget=budget,
    )


def test_one_threat_two_shots_leaks_009():
    sol = solve_engagement(single(1, magazine=4, shots=2), OPTS)
    assert sol.plan is not None
    assert sol.expected_leakers == pytest.approx(0.09, abs=1e-9)
    assert sol.model_objective == pytest.approx(0.09, abs=1e-7)
    assert sol.plan.shots.toarray().tolist() == [[2]]
    assert sol.plan.sensors.all()


def test_two_threats_two_round_magazine_one_shot_each():
    sol = solve_engagement(single(2, magazine=2, shots=2), OPTS)
    assert sol.plan is not None
    assert sol.plan.shots.toarray().ravel().tolist() == [1, 1]
    assert sol.expected_leakers == pytest.approx(0.6, abs=1e-9)


def test_budget_without_sensor_means_no_shot():
    # Site 10 + one round 1 = 11 fits, but the sensor (5) does not: no fire control, no shot.
    sol = solve_engagement(single(1, magazine=4, shots=2, budget=12.0), OPTS)
    assert sol.expected_leakers == pytest.approx(1.0)
    assert sol.plan is not None and sol.plan.shots.nnz == 0


def random_instance(
    seed: int,
    n_t: int = 3,
    n_j: int = 3,
    n_s: int = 2,
    n_o: int = 0,
    cap: int | None = None,
    *,
    keep: float = 0.8,
    fire: float = 0.6,
    one_layer: bool = False,
    type_max: int | None = None,
    budget: tuple[int, int] = (6, 14),
) -> EngagementInstance:
    """Seeded small instance: shot opportunities kept with probability ``keep``, fire control with
    ``fire``; every site of one type (at most ``type_max``, default all), midcourse or terminal at
    random unless ``one_layer``; budget drawn in ``budget``.
    """
    rng = np.random.default_rng(seed)
    ms = rng.integers(0, 3, size=(n_t, n_j)) * (rng.random((n_t, n_j)) < keep)
    ms = sp.csr_array(ms)
    fc = sp.csr_array((rng.random((ms.nnz, n_s)) < fire) * rng.integers(1, 3, (ms.nnz, n_s)))
    return EngagementInstance(
        v=rng.integers(1, 5, n_t).astype(float),
        area=np.zeros(n_t),
        target=np.arange(n_t),
        site_cost=rng.integers(2, 6, n_j).astype(float),
        round_cost=np.ones(n_j),
        magazine=rng.integers(1, 4, n_j),
        sspk=rng.choice([0.5, 0.7, 0.8], n_j),
        layer=np.ones(n_j, int) if one_layer else rng.integers(1, 3, n_j),
        site_type=np.zeros(n_j, int),
        type_max=np.array([n_j if type_max is None else type_max]),
        sensor_cost=rng.integers(1, 3, n_s).astype(float),
        max_shots=ms,
        fire_control=fc,
        budget=float(rng.integers(*budget)),
        boost_cost=rng.integers(2, 5, n_o).astype(float),
        boost_survival=rng.uniform(0.2, 0.9, (n_o, n_t)),
        shots_per_threat_max=cap,
    )


def brute_force(inst: EngagementInstance) -> float:
    """Best exact value lost over every shot assignment, sensor set and boost option.

    Sites and rounds are the least that the shots need (more only cost money).
    """
    tp, jp = inst.pairs
    best = float(inst.v.sum())
    ranges = [range(n + 1) for n in inst.max_shots.data]
    for shots in itertools.product(*ranges):
        x = sp.csr_array((np.array(shots), (tp, jp)), shape=inst.max_shots.shape)
        rounds = np.asarray(x.sum(axis=0)).ravel()
        for sensors in itertools.product([False, True], repeat=inst.n_sensors):
            for boost in range(-1, inst.n_boost):
                plan = EngagementPlan(rounds > 0, np.array(sensors), rounds, x, boost)
                lost = expected_leakage(inst, plan)[1]
                if lost < best - 1e-12 and not plan_violations(inst, plan):
                    best = lost
    return best


@pytest.mark.parametrize("seed", range(6))
def test_milp_matches_brute_force(seed):
    inst = random_instance(seed, n_o=1 if seed % 2 else 0, cap=2 if seed % 3 == 0 else None)
    if np.prod([n + 1 for n in inst.max_shots.data]) > 2000:
        inst = random_instance(seed + 100, n_t=2)
    sol = solve_engagement(inst, OPTS)
    assert sol.expected_value_lost == pytest.approx(brute_force(inst), abs=1e-6)
    assert sol.plan is not None and plan_violations(inst, sol.plan) == []
    # Secant mode: the model's objective is the exact value lost.
    assert sol.secant
    assert sol.approximation_error == pytest.approx(0.0, abs=1e-6)


def test_tangent_mode_bounds_and_reports_error():
    inst = random_instance(3, n_t=3, n_j=3)
    sol = solve_engagement(inst, OPTS)
    kl = kill_levels(inst.log_miss, 6, limit=3)
    assert not kl.secant
    # Tangent lines never exceed e^{-L} and touch it at every level.
    grid = np.linspace(0, 5, 200)
    env = np.max(kl.alpha[:, None] + kl.mu[:, None] * grid[None, :], axis=0)
    assert (env <= np.exp(-grid) + 1e-12).all()
    at = np.max(kl.alpha[:, None] + kl.mu[:, None] * kl.levels[None, :], axis=0)
    assert np.allclose(at, np.exp(-kl.levels))
    assert sol.expected_value_lost is not None


def test_fixed_assets_reoptimise_shots_only():
    inst = single(3, magazine=2, shots=2)
    fixed = EngagementPlan(np.array([True]), np.array([True]), np.array([2]), sp.csr_array((3, 1)))
    sol = solve_engagement(inst, OPTS, fixed=fixed)
    assert sol.plan is not None
    assert sol.plan.rounds.tolist() == [2]
    assert int(sol.plan.shots.sum()) == 2
    assert sol.expected_leakers == pytest.approx(0.3 + 0.3 + 1.0)


def test_pyomo_engine_agrees_with_highs():
    inst = random_instance(1, n_o=1)
    a = solve_engagement(inst, OPTS, engine="highs")
    b = solve_engagement(inst, OPTS, engine="pyomo")
    assert b.expected_value_lost == pytest.approx(a.expected_value_lost, abs=1e-6)


def test_late_cue_allows_one_shot_only():
    # Sensor 0 (cheap) cues late: one shot; sensor 1 (dear) early: shoot-look-shoot.
    def inst(budget: float) -> EngagementInstance:
        return EngagementInstance(
            v=np.array([1.0]),
            area=np.array([0]),
            target=np.array([0]),
            site_cost=np.array([1.0]),
            round_cost=np.array([0.0]),
            magazine=np.array([2]),
            sspk=np.array([0.7]),
            layer=np.array([2]),
            site_type=np.array([0]),
            type_max=np.array([1]),
            sensor_cost=np.array([1.0, 5.0]),
            max_shots=sp.csr_array([[2]]),
            fire_control=sp.csr_array([[1, 2]]),
            budget=budget,
        )

    assert solve_engagement(inst(2.0), OPTS).expected_leakers == pytest.approx(0.3)
    assert solve_engagement(inst(6.0), OPTS).expected_leakers == pytest.approx(0.09)


@pytest.mark.parametrize("seed", [1, 3, 5])
def test_boost_branches_match_joint_model(seed):
    inst = random_instance(seed, n_o=2)
    joint = solve_engagement(inst, OPTS, split_boost=False)
    split = solve_engagement(inst, OPTS)
    assert split.expected_value_lost == pytest.approx(joint.expected_value_lost, abs=1e-6)
    assert split.bound == pytest.approx(split.expected_value_lost, rel=1e-6)
    assert str(split.termination) == "optimal"
