"""Presolve: what it removes, and (hypothesis) that it never changes the optimum."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models import CoverInstance, LayeredInstance, SolveOptions, solve_cover, solve_layered
from models.presolve import presolve_cover, presolve_layered
from tests.models.helpers import brute_force_layered, brute_force_levels, brute_force_min_cost

OPTS = SolveOptions(time_limit_s=20, mip_rel_gap=0.0, threads=1, seed=0)


def test_reductions_reported_and_mapped_back() -> None:
    # Point 3 is unreachable; site 2 is a costlier copy of site 0 and site 1 covers a subset
    # of site 0 at the same cost: both dominated. Without them points 0, 1, 2 are identical.
    a = np.array([[1, 1, 1], [1, 1, 1], [1, 0, 1], [0, 0, 0]])
    inst = CoverInstance(w=np.array([2, 3, 4, 5]), c=np.array([1, 1, 2]), a=sp.csr_array(a), count=1)
    red_inst, _, red = presolve_cover(inst)
    assert red.report.points_merged == 2
    assert red.report.points_dropped_unreachable == 1
    assert red.report.sites_dropped_dominated == 2
    assert list(red.kept_sites) == [0]
    assert list(red_inst.w) == [9.0]  # merged weight 2 + 3 + 4
    assert list(red.expand(np.array([True]))) == [True, False, False]
    assert list(red.row_of) == [0, 0, 0, -1]


def test_dominated_rows_and_sites_in_turn_for_min_cost() -> None:
    # Point 0 is covered by {0, 1}, point 1 by {0, 1, 2}, point 2 by {2, 3}: covering point 0
    # covers point 1, so point 1's row goes. Then site 2 (cost 3) covers only point 2, like the
    # cheaper site 3: dominated. Unit costs would tie, so costs are distinct here.
    a = np.array([[1, 1, 0, 0], [1, 1, 1, 0], [0, 0, 1, 1]])
    inst = CoverInstance(w=np.zeros(3), c=np.array([1, 2, 3, 1]), a=sp.csr_array(a))
    red_inst, _, red = presolve_cover(inst, objective="min_cost")
    assert red.report.points_dropped_dominated == 1
    assert list(red.row_of) == [0, -1, 1]
    assert list(red.kept_sites) == [0, 3]  # site 1 dominated by 0, site 2 by 3
    res = solve_cover(inst, OPTS, formulation="min_cost")
    assert res.x is not None
    assert res.objective == 2.0 and list(np.flatnonzero(res.x)) == [0, 3]
    # An unreachable required point is never dropped as "dominated": the model must say infeasible.
    bad = CoverInstance(w=np.zeros(2), c=np.ones(2), a=sp.csr_array(np.array([[1, 1], [0, 0]])))
    assert presolve_cover(bad, objective="min_cost")[2].report.points_dropped_dominated == 0
    assert solve_cover(bad, OPTS, formulation="min_cost").status == "infeasible"


@st.composite
def cover_instances(draw, layered: bool = False):
    n = draw(st.integers(2, 8))
    pool = draw(st.integers(1, 6))
    m = draw(st.integers(1, 14))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    # Rows drawn from a small pool of patterns so identical points are common.
    patterns = rng.random((pool, n)) < draw(st.floats(0.1, 0.7))
    rows = patterns[rng.integers(0, pool, m)]
    w = rng.integers(0, 5, m).astype(float)
    c = rng.integers(1, 4, n).astype(float)  # few distinct costs: ties in dominance
    site_type = rng.integers(0, 2, n)
    type_max = rng.integers(1, 4, 2)
    if layered:
        rows_k = patterns[rng.integers(0, pool, m)] | rows
        return LayeredInstance(
            w=w,
            c=c,
            a_sensor=sp.csr_array(rows),
            a_interceptor=sp.csr_array(rows_k),
            site_type=site_type,
            type_max=type_max,
            budget=float(c.sum() / 2),
        )
    required = rng.random(m) < 0.2 if draw(st.booleans()) else None
    return CoverInstance(
        w=w,
        c=c,
        a=sp.csr_array(rows),
        required=required,
        budget=float(c.sum() / 2),
        site_type=site_type,
        type_max=type_max,
    )


def _min_cost_ok(inst: CoverInstance):
    req = inst.required if inst.required is not None else np.ones(inst.m, bool)
    return lambda x: inst.is_feasible(x) and not (req & (inst.coverage_counts(x) == 0)).any()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cover_instances())
def test_presolve_keeps_max_cover_optimum(inst: CoverInstance) -> None:
    best = brute_force_levels(inst, [1.0], inst.is_feasible) if _any_feasible(inst) else None
    red_inst, _, red = presolve_cover(inst)
    if best is None:
        return
    red_best = brute_force_levels(red_inst, [1.0], red_inst.is_feasible)
    assert red_best == pytest.approx(best)
    res = solve_cover(inst, OPTS)  # with presolve, mapped back
    assert res.x is not None
    assert res.objective == pytest.approx(best) and inst.is_feasible(res.x)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cover_instances())
def test_presolve_keeps_min_cost_optimum(inst: CoverInstance) -> None:
    inst = CoverInstance(
        w=inst.w, c=inst.c, a=inst.a, required=inst.required, site_type=inst.site_type, type_max=inst.type_max
    )
    best = brute_force_min_cost(inst, _min_cost_ok(inst))
    red_inst, _, _ = presolve_cover(inst, objective="min_cost")
    red_best = brute_force_min_cost(red_inst, _min_cost_ok(red_inst))
    assert red_best == best or red_best == pytest.approx(best)
    res = solve_cover(inst, OPTS, formulation="min_cost")
    if best is None:
        assert res.status == "infeasible"
    else:
        assert res.objective == pytest.approx(best)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cover_instances(layered=True))
def test_presolve_keeps_layered_optimum(inst: LayeredInstance) -> None:
    best = brute_force_layered(inst)
    red_inst, _, _ = presolve_layered(inst)
    assert brute_force_layered(red_inst) == pytest.approx(best)
    assert solve_layered(inst, OPTS).objective == pytest.approx(best)


def _any_feasible(inst: CoverInstance) -> bool:
    # The empty plan is feasible unless a point is required.
    return (
        inst.required is None
        or not inst.required.any()
        or brute_force_min_cost(inst, inst.is_feasible) is not None
    )
