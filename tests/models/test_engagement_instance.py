"""Engagement instance and the exact leakage evaluator, on hand-checkable cases."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from models.engagement import (
    NO_BOOST,
    EngagementInstance,
    EngagementPlan,
    engaged,
    expected_leakage,
    fire_control_from_track,
    plan_cost,
    plan_violations,
)


def one_site(n_threats: int, magazine: int, shots: int, sspk: float = 0.7) -> EngagementInstance:
    return EngagementInstance(
        v=np.ones(n_threats),
        area=np.zeros(n_threats),
        target=np.arange(n_threats),
        site_cost=np.array([10.0]),
        round_cost=np.array([1.0]),
        magazine=np.array([magazine]),
        sspk=np.array([sspk]),
        layer=np.array([1]),
        site_type=np.array([0]),
        type_max=np.array([1]),
        sensor_cost=np.array([5.0]),
        max_shots=sp.csr_array(np.full((n_threats, 1), shots)),
        fire_control=sp.csr_array(np.full((n_threats, 1), shots)),
        budget=100.0,
        boost_cost=np.array([20.0]),
        boost_survival=np.full((1, n_threats), 0.5),
    )


def one_site_plan(
    site: bool, sensor: bool, rounds: int, shots: list[list[int]], boost: int = NO_BOOST
) -> EngagementPlan:
    """A plan on :func:`one_site`'s instance: its site and sensor bought or not, ``shots`` (T, 1)."""
    return EngagementPlan(
        np.array([site]), np.array([sensor]), np.array([rounds]), sp.csr_array(shots), boost
    )


def test_two_shots_leak_009():
    inst = one_site(1, magazine=4, shots=2)
    plan = one_site_plan(True, True, 2, [[2]])
    leakers, lost = expected_leakage(inst, plan)
    assert leakers == pytest.approx(0.09)
    assert lost == pytest.approx(0.09)
    assert plan_violations(inst, plan) == []
    assert plan_cost(inst, plan) == pytest.approx(10 + 2 + 5)


def test_two_threats_two_rounds_one_shot_each():
    inst = one_site(2, magazine=2, shots=2)
    plan = one_site_plan(True, True, 2, [[1], [1]])
    leakers, _ = expected_leakage(inst, plan)
    assert leakers == pytest.approx(0.6)
    over = one_site_plan(True, True, 2, [[2], [1]])
    assert any("rounds" in v for v in plan_violations(inst, over))


def test_boost_survival_multiplies_and_engages():
    inst = one_site(2, magazine=2, shots=1)
    plan = one_site_plan(True, True, 1, [[1], [0]], boost=0)
    leakers, _ = expected_leakage(inst, plan)
    assert leakers == pytest.approx(0.5 * 0.3 + 0.5)
    assert engaged(inst, plan).tolist() == [True, True]
    plan_none = one_site_plan(True, True, 1, [[1], [0]], boost=NO_BOOST)
    assert engaged(inst, plan_none).tolist() == [True, False]
    assert expected_leakage(inst, plan_none)[0] == pytest.approx(1.3)


def test_violations_name_what_is_broken():
    inst = one_site(1, magazine=4, shots=1)
    no_sensor = one_site_plan(True, False, 1, [[1]])
    assert any("fire-control" in v for v in plan_violations(inst, no_sensor))
    too_many = one_site_plan(True, True, 2, [[2]])
    assert any("opportunities" in v for v in plan_violations(inst, too_many))
    unbuilt = one_site_plan(False, True, 1, [[1]])
    assert any("magazine" in v for v in plan_violations(inst, unbuilt))


def test_fire_control_from_track_broadcasts_per_threat():
    ms = sp.csr_array(np.array([[1, 0, 2], [0, 1, 0]]))
    track = sp.csr_array(np.array([[1, 0], [0, 1]]))
    fc = fire_control_from_track(ms, track).toarray()
    assert fc.tolist() == [[1, 0], [2, 0], [0, 1]]


def test_bad_sspk_refused():
    with pytest.raises(ValueError, match="sspk"):
        one_site(1, 1, 1, sspk=1.0)
