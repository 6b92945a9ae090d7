"""The layered sensor + interceptor model: known optimum, brute force, early stops, limits."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from models import LayeredInstance, SolutionStatus, SolveOptions, Termination, engines, solve_layered
from models.engines.base import EngineRun
from tests.models.helpers import brute_force_layered, random_layered

ENGINES = ["highs", "pyomo", "cpsat"]
OPTS = SolveOptions(time_limit_s=30, mip_rel_gap=0.0, threads=1, seed=0)


def hand_instance(budget: float = 4.0, battery_max: int = 2) -> LayeredInstance:
    """Four points, five sites (types: 0 radar, 1 battery, 2 ship with both roles).

    Points P0..P3 weigh 10, 6, 5, 3.
      s0 radar   cost 2  senses P0, P1
      s1 radar   cost 2  senses P2, P3
      s2 battery cost 1  intercepts P0
      s3 battery cost 1  intercepts P1, P2
      s4 ship    cost 3  senses and intercepts P2, P3
    Budget 4, at most 1 radar, ``battery_max`` batteries, 1 ship.

    Budget 4 affords one of: {s0, s2, s3} defends P0, P1 = 16; {s4, s3} defends P2, P3 = 8;
    {s1, s2, s3} defends P2 = 5; {s4, s2} defends nothing (s4's sensor sees P2, P3, s2
    intercepts P0 only); s0 + s4 or s1 + s4 cost 5. So the optimum is 16 with {s0, s2, s3}.
    With one battery only: {s0, s2} = 10 beats {s0, s3} = 6, {s4, s3} = 8, {s1, s3} = 5: 10.
    """
    sense = np.array([[1, 0, 0, 0, 0], [1, 0, 0, 0, 0], [0, 1, 0, 0, 1], [0, 1, 0, 0, 1]])
    kill = np.array([[0, 0, 1, 0, 0], [0, 0, 0, 1, 0], [0, 0, 0, 1, 1], [0, 0, 0, 0, 1]])
    return LayeredInstance(
        w=np.array([10, 6, 5, 3]),
        c=np.array([2, 2, 1, 1, 3]),
        a_sensor=sp.csr_array(sense),
        a_interceptor=sp.csr_array(kill),
        site_type=np.array([0, 0, 1, 1, 2]),
        type_max=np.array([1, battery_max, 1]),
        budget=budget,
        site_ids=np.array(["s0", "s1", "s2", "s3", "s4"], dtype=object),
    )


@pytest.mark.parametrize("engine", ENGINES)
def test_hand_instance_known_optimum(engine: str) -> None:
    inst = hand_instance()
    res = solve_layered(inst, OPTS, engine=engine)
    assert res.termination is Termination.OPTIMAL
    assert res.solution_status is SolutionStatus.OPTIMAL
    assert res.objective == pytest.approx(16.0)
    assert list(inst.site_ids[res.x]) == ["s0", "s2", "s3"]  # the optimum is unique
    assert res.bound == pytest.approx(16.0)
    assert res.gap == pytest.approx(0.0, abs=1e-9)
    assert res.engine == engine and res.solver_version


@pytest.mark.parametrize("engine", ENGINES)
def test_type_max_binds(engine: str) -> None:
    inst = hand_instance(battery_max=1)
    res = solve_layered(inst, OPTS, engine=engine)
    assert res.objective == pytest.approx(10.0)
    assert list(inst.site_ids[res.x]) == ["s0", "s2"]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("seed", range(6))
def test_brute_force_agrees(engine: str, seed: int) -> None:
    inst = random_layered(seed, m=25, n=10 + seed % 3)
    res = solve_layered(inst, OPTS, engine=engine)
    assert res.solution_status is SolutionStatus.OPTIMAL and res.x is not None
    assert res.objective == pytest.approx(brute_force_layered(inst))
    assert res.objective == pytest.approx(inst.evaluate(res.x)[0])
    assert inst.is_feasible(res.x)


@pytest.mark.parametrize("engine", ENGINES)
def test_budget_and_type_max_honoured(engine: str) -> None:
    for seed in range(10, 14):
        inst = random_layered(seed, m=40, n=12, density=0.4, budget_frac=0.3)
        res = solve_layered(inst, OPTS, engine=engine)
        x = res.x
        assert inst.c[x].sum() <= inst.budget + 1e-9
        counts = np.bincount(inst.site_type[x], minlength=3)
        assert (counts <= inst.type_max).all()


def test_unreachable_and_zero_weight_points_dropped() -> None:
    inst = LayeredInstance(
        w=np.array([5, 0, 7, 2]),
        c=np.array([1, 1]),
        a_sensor=sp.csr_array(np.array([[1, 0], [1, 0], [0, 0], [1, 1]])),
        a_interceptor=sp.csr_array(np.array([[0, 1], [0, 1], [0, 1], [0, 0]])),
        site_type=np.array([0, 1]),
        type_max=np.array([1, 1]),
        budget=2,
    )
    res = solve_layered(inst, OPTS, engine="pyomo")
    report = res.presolve
    assert report is not None
    assert report.points_dropped_zero_weight == 1  # point 1
    assert report.points_dropped_unreachable == 2  # point 2 (no sensor), point 3 (no interceptor)
    assert res.objective == pytest.approx(5.0)


@pytest.fixture(scope="module")
def bigger() -> LayeredInstance:
    """Points and sites on a unit square, coverage by distance: a geographic-like instance."""
    rng = np.random.default_rng(42)
    m, n = 3000, 300
    pts, sites = rng.random((m, 2)), rng.random((n, 2))
    d = np.linalg.norm(pts[:, None, :] - sites[None, :, :], axis=2)
    site_type = rng.integers(0, 3, n)
    a_s = (d < 0.12) & (site_type != 1)
    a_k = (d < 0.06) & (site_type != 0)
    return LayeredInstance(
        w=rng.integers(1, 1000, m),
        c=rng.integers(5, 20, n),
        a_sensor=sp.csr_array(a_s),
        a_interceptor=sp.csr_array(a_k),
        site_type=site_type,
        type_max=np.array([10, 30, 10]),
        budget=300,
    )


@pytest.mark.parametrize("engine", ENGINES)
def test_tiny_time_limit_still_returns_a_feasible_plan(engine: str, bigger: LayeredInstance) -> None:
    res = solve_layered(bigger, SolveOptions(time_limit_s=0.001, threads=1), engine=engine)
    assert res.has_solution and res.x is not None and res.objective is not None
    assert res.solution_status in (SolutionStatus.FEASIBLE, SolutionStatus.OPTIMAL)
    assert bigger.is_feasible(res.x)
    assert res.objective == pytest.approx(bigger.evaluate(res.x)[0])
    assert res.objective > 0
    if res.bound is not None:
        assert res.bound >= res.objective - 1e-6
        assert res.gap == pytest.approx((res.bound - res.objective) / res.objective)


class _NoIncumbentEngine:
    """An engine stopped by its time limit before finding anything, having proved a bound."""

    name = "stub"

    def __init__(self, bound: float) -> None:
        self.bound = bound

    def available(self) -> bool:
        return True

    def version(self) -> str:
        return "0"

    def solve(self, model, options, start=None) -> EngineRun:
        return EngineRun(
            termination=Termination.TIME_LIMIT,
            solution_status=SolutionStatus.NONE,
            objective=None,
            bound=self.bound,
            values=None,
            wall_time_s=0.0,
            solver="stub",
            solver_version="0",
            raw_status="stopped",
        )


def test_no_incumbent_falls_back_to_greedy_plan(bigger: LayeredInstance, monkeypatch) -> None:
    monkeypatch.setitem(engines._REGISTRY, "stub", lambda **kw: _NoIncumbentEngine(1e6))
    res = solve_layered(bigger, SolveOptions(time_limit_s=1.0), engine="stub")
    assert res.termination is Termination.TIME_LIMIT
    assert res.solution_status is SolutionStatus.FEASIBLE
    assert res.extra["plan_source"] == "heuristic"
    assert res.x is not None and res.objective is not None
    assert bigger.is_feasible(res.x)
    assert res.objective == pytest.approx(bigger.evaluate(res.x)[0]) and res.objective > 0
    assert res.bound == 1e6
    assert res.gap == pytest.approx((1e6 - res.objective) / res.objective)


def test_warm_start_used_when_feasible() -> None:
    inst = hand_instance()
    ws = np.array([1, 0, 1, 1, 0], dtype=bool)
    res = solve_layered(inst, OPTS, engine="pyomo", warm_start=ws)
    assert res.extra["warm_start_feasible"] is True
    bad = np.ones(5, dtype=bool)
    res2 = solve_layered(inst, OPTS, engine="pyomo", warm_start=bad)
    assert res2.extra["warm_start_feasible"] is False
    assert res2.objective == pytest.approx(16.0)
