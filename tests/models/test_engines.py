"""Engine registry, status mapping, CP-SAT scaling, agreement between engines, diagnosis."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from models import (
    CoverInstance,
    LayeredInstance,
    PlanRules,
    SolutionStatus,
    SolveOptions,
    Termination,
    engines,
    solve_cover,
    solve_layered,
)
from models.diagnose import diagnose
from models.engines.cpsat_engine import scale_objective
from models.engines.pyomo_engine import PyomoEngine
from models.formulations.cover import min_cost_cover

ENGINES = ["highs", "pyomo", "cpsat"]
OPTS = SolveOptions(time_limit_s=30, mip_rel_gap=0.0, threads=1, seed=0)


def test_registry() -> None:
    assert set(engines.available()) == {"highs", "pyomo", "cpsat"}
    eng = engines.get("pyomo", solver="highs")
    assert isinstance(eng, PyomoEngine) and eng.solver == "highs"
    assert engines.DEFAULT_ENGINE == "highs"
    with pytest.raises(engines.UnknownEngineError, match="choose one of"):
        engines.get("gurobi-direct-typo")


def test_pyomo_reports_missing_solver() -> None:
    eng = engines.get("pyomo", solver="no_such_solver_xyz")
    assert not eng.available()
    with pytest.raises(engines.EngineUnavailableError):
        solve_cover(_geo_cover(1, 50, 10, count=2), OPTS, engine="pyomo", solver="no_such_solver_xyz")


def _geo_cover(
    seed: int, m: int, n: int, count: int | None = None, budget: float | None = None, radius: float = 0.2
) -> CoverInstance:
    rng = np.random.default_rng(seed)
    pts, sites = rng.random((m, 2)), rng.random((n, 2))
    d = np.linalg.norm(pts[:, None, :] - sites[None, :, :], axis=2)
    return CoverInstance(
        w=rng.integers(1, 100, m),
        c=rng.integers(1, 10, n),
        a=sp.csr_array(d < radius),
        count=count,
        budget=budget,
    )


def _infeasible_cover() -> CoverInstance:
    # d0..d2 are covered by one site each; only two sites may be chosen.
    a = sp.csr_array(np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0]]))
    return CoverInstance(
        w=np.array([1, 1, 1, 1]), c=np.array([1, 2, 3]), a=a, required=np.array([True] * 4), count=2
    )


@pytest.mark.parametrize("engine", ENGINES)
def test_infeasible_status_and_diagnosis(engine: str) -> None:
    res = solve_cover(_infeasible_cover(), OPTS, formulation="min_cost", engine=engine)
    assert res.termination is Termination.INFEASIBLE
    assert res.solution_status is SolutionStatus.NONE and res.x is None
    assert res.status == "infeasible" and res.diagnosis is not None
    named = {(c["constraint"], c["id"]) for c in res.diagnosis.to_dict()["conflicts"] if not c["bound"]}
    assert named == {
        ("required_cover", "d0"),
        ("required_cover", "d1"),
        ("required_cover", "d2"),
        ("count", "count"),
    }


def test_unreachable_required_point_is_named() -> None:
    a = sp.csr_array(np.array([[1, 0], [0, 0]]))
    inst = CoverInstance(
        w=np.array([1, 1]),
        c=np.array([1, 1]),
        a=a,
        required=np.array([True, True]),
        demand_ids=np.array(["Ottawa", "Nuuk"], dtype=object),
    )
    res = solve_cover(inst, OPTS, formulation="min_cost")
    assert res.status == "infeasible" and res.diagnosis is not None
    assert "point Nuuk must be covered (no candidate site covers it)" in res.diagnosis.to_dict()["summary"]


def test_existing_assets_over_budget_diagnosed() -> None:
    inst = LayeredInstance(
        w=np.array([1]),
        c=np.array([3, 4]),
        a_sensor=sp.csr_array(np.array([[1, 0]])),
        a_interceptor=sp.csr_array(np.array([[0, 1]])),
        site_type=np.array([0, 1]),
        type_max=np.array([1, 1]),
        budget=5.0,
        site_ids=np.array(["radar-A", "battery-B"], dtype=object),
    )
    res = solve_layered(inst, OPTS, rules=PlanRules(existing=np.array([True, True])))
    assert res.status == "infeasible" and res.diagnosis is not None
    texts = res.diagnosis.to_dict()["summary"]
    assert "existing site radar-A must stay" in texts and "existing site battery-B must stay" in texts
    assert "total cost must stay within 5" in texts


def test_integrality_only_infeasibility_uses_cpsat_core() -> None:
    # Every pair of three sites covers one point: the LP takes x = 1/2 each (cost 1.5 within
    # the budget 1.5) but any integer cover needs two sites (cost 2).
    a = sp.csr_array(np.array([[1, 1, 0], [0, 1, 1], [1, 0, 1]]))
    diag = diagnose(min_cost_cover(CoverInstance(w=np.ones(3), c=np.ones(3), a=a, budget=1.5)).model)
    assert diag.method == "cpsat-assumptions"
    assert {c.block for c in diag.conflicts} == {"required_cover", "budget"}


@pytest.fixture(scope="module")
def medium() -> CoverInstance:
    return _geo_cover(7, 200, 30, count=4)


@pytest.fixture(scope="module")
def medium_optimum(medium: CoverInstance) -> float:
    res = solve_cover(medium, OPTS, engine="highs")
    assert res.solution_status is SolutionStatus.OPTIMAL and res.objective is not None
    return res.objective


@pytest.mark.parametrize("engine", ["pyomo", "cpsat"])
def test_engines_agree_on_medium_instance(engine: str, medium: CoverInstance, medium_optimum: float) -> None:
    res = solve_cover(medium, OPTS, engine=engine)
    assert res.solution_status is SolutionStatus.OPTIMAL
    assert res.objective == pytest.approx(medium_optimum)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("formulation", ["max_cover", "backup", "expected"])
def test_forced_time_limit_returns_feasible_plan(engine: str, formulation: str) -> None:
    inst = _geo_cover(11, 1500, 150, budget=40.0, radius=0.15)
    res = solve_cover(
        inst,
        SolveOptions(time_limit_s=0.01, threads=1),
        formulation=formulation,
        engine=engine,
        p=0.7,
        presolve=False,
    )
    assert res.has_solution and res.x is not None and inst.is_feasible(res.x)
    assert res.objective is not None and res.objective > 0
    if res.solution_status is not SolutionStatus.OPTIMAL:
        assert res.termination in (Termination.TIME_LIMIT, Termination.UNKNOWN)
    if res.bound is not None:
        assert res.bound >= res.objective - 1e-6 and res.gap is not None


def test_scale_objective_exact_and_rounded() -> None:
    s, ci, err = scale_objective(np.array([1.25, 3.5, 2.0]), np.ones(3))
    assert s == 100 and list(ci) == [125, 350, 200] and err == 0.0
    c = np.array([np.pi, np.e, 1e6])
    s, ci, err = scale_objective(c, np.ones(3))
    assert 0 < err <= 3 * 0.5 / s  # at most half a unit per coefficient
    assert np.abs(ci / s - c).sum() == pytest.approx(err)


def test_cpsat_reports_scaling_and_stays_feasible() -> None:
    rng = np.random.default_rng(3)
    inst = CoverInstance(
        w=rng.random(40) * np.pi * 1e3,
        c=rng.random(10) * np.e,
        a=sp.csr_array(rng.random((40, 10)) < 0.3),
        budget=5.0,
    )
    ref = solve_cover(inst, OPTS, engine="highs")
    res = solve_cover(inst, OPTS, engine="cpsat")
    assert res.extra["cpsat_objective_error_bound"] > 0
    assert res.extra["cpsat_rows_rounded"] == {"budget": 1}
    assert res.bound is None  # the rounded budget row makes CP-SAT's bound unsafe
    assert res.x is not None and res.objective is not None and ref.objective is not None
    assert inst.is_feasible(res.x)
    assert res.objective <= ref.objective + 1e-6
    assert res.objective == pytest.approx(inst.evaluate(res.x)[0])
