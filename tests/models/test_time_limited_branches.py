"""Solves stopped at a time limit: the tie-break fallbacks and the engagement's boost branches.

Engines are replaced by stubs that report what a stopped solver reports (no plan, a plan not
proven, a worse or infeasible plan), on a four-site instance whose answers are checked by hand;
engagement branches are stub solutions made with ``dataclasses.replace``.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace

import numpy as np
import pytest
import scipy.sparse as sp

from models import LayeredInstance, SolveOptions, engines, solve_layered
from models.engagement.instance import EngagementPlan
from models.engagement.solve import EngagementSolution, _best_branch
from models.engines.base import EngineRun
from models.engines.highs_engine import HighsEngine
from models.formulations.layered import layered
from models.linear import LinearModel
from models.result import SolutionStatus, Termination
from models.tiebreak import break_ties

OPTS = SolveOptions(time_limit_s=7.0, mip_rel_gap=1e-4, threads=1, seed=0)

# ---------------------------------------------------------------- tie-break fallbacks


def _instance() -> LayeredInstance:
    """s0 and s1 both cover points 0-1, s2 point 2, s3 point 3; every site is also a sensor.

    Budget 2.5, costs 1, 1.5, 1, 1: the best value is 3 (one of s0/s1 and one of s2/s3; three
    sites cost at least 3), four plans reach it, and the tie-break prefers s0 (cheaper) and the
    one of s2/s3 with the smaller SHA-256 number.
    """
    a_k = np.array([[1, 1, 0, 0], [1, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]], float)
    return LayeredInstance(
        w=np.ones(4),
        c=np.array([1.0, 1.5, 1.0, 1.0]),
        a_sensor=sp.csr_array(np.ones((4, 4))),
        a_interceptor=sp.csr_array(a_k),
        site_type=np.zeros(4, np.int64),
        type_max=np.array([4]),
        budget=2.5,
        demand_ids=np.array(["p0", "p1", "p2", "p3"], dtype=object),
        site_ids=np.array(["s0", "s1", "s2", "s3"], dtype=object),
        type_names=("t",),
    )


def _sha(i: str) -> float:
    return int.from_bytes(hashlib.sha256(i.encode()).digest()[:7], "big") / 2**56


FIRST = np.array([False, True, False, True])  # value 3, the costlier s1: not the preferred plan


class _Stub:
    """An engine that runs HiGHS and then reports what ``mode`` says a stopped solver reports."""

    name = "stub"

    def __init__(self, mode: str, log: list, worse: np.ndarray | None = None, real_first: bool = False):
        self.mode, self.log, self.worse, self.real_first = mode, log, worse, real_first

    def available(self) -> bool:
        return True

    def version(self) -> str:
        return "stub"

    def solve(self, model: LinearModel, options: SolveOptions, start: np.ndarray | None = None) -> EngineRun:
        run = HighsEngine().solve(model, options, start)
        self.log.append((options, start, run))
        if self.real_first and len(self.log) == 1:
            return run
        if self.mode == "no_plan":
            return replace(
                run, termination=Termination.TIME_LIMIT, solution_status=SolutionStatus.NONE, values=None
            )
        if self.mode == "stopped_with_plan":
            return replace(run, termination=Termination.TIME_LIMIT, solution_status=SolutionStatus.FEASIBLE)
        if self.mode == "worse":
            return replace(run, values=self.worse)
        return run


@pytest.fixture
def stub(monkeypatch):
    """Register the stub engine under "stub" for one test; returns (set the mode, the call log)."""
    log: list = []

    def use(mode: str, **kw) -> list:
        monkeypatch.setitem(engines._REGISTRY, "stub", lambda: _Stub(mode, log, **kw))
        return log

    return use


def test_tie_break_proven_returns_the_preferred_plan(stub):
    f = layered(_instance())
    log = stub("real")
    plan, how = break_ties(f, FIRST, _instance().c, OPTS, "stub")
    s2_first = _sha("s2") < _sha("s3")
    assert how == "optimal" and plan.tolist() == [True, False, s2_first, not s2_first]
    ((options, start, _),) = log
    assert options.mip_rel_gap == 0.0 and options.time_limit_s == 7.0  # zero gap, same time limit
    np.testing.assert_array_equal(start, f.complete(FIRST))  # started from the first plan


@pytest.mark.parametrize("mode", ["no_plan", "stopped_with_plan"])
def test_tie_break_stopped_at_its_time_limit_keeps_the_first_plan(stub, mode):
    f = layered(_instance())
    log = stub(mode)
    plan, how = break_ties(f, FIRST, _instance().c, OPTS, "stub")
    assert how == "kept: second solve time_limit" and plan is FIRST
    # The stopped solve did hold the preferred plan (s0, not s1): unproven, it is not taken.
    assert log[0][2].values[f.sites.cols][0] > 0.5 and not FIRST[0]


@pytest.mark.parametrize(
    "candidate",
    [np.array([False, False, True, False]), np.array([True, True, True, True])],
    ids=["worth 1 < 3", "over budget 4.5 > 2.5"],
)
def test_tie_break_rejects_a_worse_or_infeasible_second_plan(stub, candidate):
    f = layered(_instance())
    assert f.value(candidate) < 3 or not f.feasible(candidate)
    stub("worse", worse=f.complete(candidate))
    plan, how = break_ties(f, FIRST, _instance().c, OPTS, "stub")
    assert (plan is FIRST) and how == "kept: second plan not as good"


def test_solve_layered_reports_the_kept_plan_when_the_second_solve_stops(stub):
    inst = _instance()
    plain = solve_layered(inst, OPTS, presolve=False)
    log = stub("no_plan", real_first=True)
    res = solve_layered(inst, OPTS, engine="stub", presolve=False, tie_break=True)
    assert len(log) == 2 and res.extra["tie_break"] == "kept: second solve time_limit"
    assert res.objective == 3.0 == plain.objective
    np.testing.assert_array_equal(res.x, plain.x)


# ---------------------------------------------------------------- engagement boost branches

PLAN = EngagementPlan(
    np.ones(1, bool), np.ones(1, bool), np.ones(1, np.int64), sp.csr_array((1, 1), dtype=np.int64)
)
BASE = EngagementSolution(
    plan=PLAN,
    termination=Termination.OPTIMAL,
    solution_status=SolutionStatus.OPTIMAL,
    model_objective=10.0,
    bound=10.0,
    gap=0.0,
    expected_leakers=1.0,
    expected_value_lost=10.0,
    approximation_error=0.0,
    error_bound=0.0,
    secant=True,
    cost=5.0,
    wall_time_s=1.0,
    build_time_s=0.25,
    engine="highs",
    solver_version="x",
    n_vars=10,
    n_rows=4,
)
GAP = 1e-4


def _branch(lost: float | None, bound: float | None, term: Termination) -> EngagementSolution:
    status = {Termination.OPTIMAL: SolutionStatus.OPTIMAL}.get(term, SolutionStatus.FEASIBLE)
    if lost is None:
        return replace(
            BASE,
            plan=None,
            expected_value_lost=None,
            model_objective=None,
            cost=None,
            expected_leakers=None,
            gap=None,
            bound=bound,
            termination=term,
            solution_status=SolutionStatus.NONE,
        )
    return replace(
        BASE,
        expected_value_lost=lost,
        model_objective=lost,
        bound=bound,
        termination=term,
        solution_status=status,
    )


def test_branch_stopped_early_but_closed_by_its_bound_proves_the_best():
    best = _branch(10.0, 10.0, Termination.OPTIMAL)
    stopped = _branch(12.0, 11.0, Termination.TIME_LIMIT)  # its bound 11 > 10: cannot beat the best
    got = _best_branch([stopped, best], GAP)
    assert got.expected_value_lost == 10.0 and got.termination is Termination.OPTIMAL
    assert got.solution_status is SolutionStatus.OPTIMAL and got.bound == 10.0 and got.gap == 0.0
    assert got.wall_time_s == 2.0 and got.build_time_s == 0.5 and got.n_vars == 20 and got.n_rows == 8


def test_branch_stopped_with_a_lower_bound_leaves_a_gap():
    best = _branch(10.0, 10.0, Termination.OPTIMAL)
    stopped = _branch(12.0, 8.0, Termination.TIME_LIMIT)  # might still hold a plan worth 8
    got = _best_branch([best, stopped], GAP)
    assert got.termination is Termination.TIME_LIMIT and got.solution_status is SolutionStatus.FEASIBLE
    assert got.expected_value_lost == 10.0 and got.bound == 8.0 and got.gap == pytest.approx(0.2)


def test_the_best_plan_may_come_from_a_stopped_branch():
    stopped = _branch(10.0, 9.5, Termination.TIME_LIMIT)
    other = _branch(12.0, 12.0, Termination.OPTIMAL)
    got = _best_branch([other, stopped], GAP)
    assert got.expected_value_lost == 10.0 and got.termination is Termination.TIME_LIMIT
    assert got.bound == 9.5 and got.gap == pytest.approx(0.05)


@pytest.mark.parametrize(
    ("bound", "term", "want_bound", "want_gap"),
    [
        (None, Termination.TIME_LIMIT, None, None),  # no bound known: no certificate at all
        (9.0, Termination.TIME_LIMIT, 9.0, 0.1),
        (11.0, Termination.TIME_LIMIT, 10.0, 0.0),  # closed by its bound although it found nothing
        (None, Termination.INFEASIBLE, 10.0, 0.0),  # an infeasible branch is closed
    ],
)
def test_branch_with_no_plan(bound, term, want_bound, want_gap):
    best = _branch(10.0, 10.0, Termination.OPTIMAL)
    empty = _branch(None, bound, term)
    got = _best_branch([empty, best], GAP)
    assert got.plan is PLAN and got.expected_value_lost == 10.0
    closed = want_gap == 0.0
    assert got.termination is (Termination.OPTIMAL if closed else Termination.TIME_LIMIT)
    assert got.solution_status is (SolutionStatus.OPTIMAL if closed else SolutionStatus.FEASIBLE)
    assert got.bound == want_bound
    assert got.gap == (None if want_gap is None else pytest.approx(want_gap))


def test_all_branches_infeasible():
    sols = [_branch(None, None, Termination.INFEASIBLE) for _ in range(3)]
    got = _best_branch(sols, GAP)
    assert got.plan is None and got.termination is Termination.INFEASIBLE
    assert got.solution_status is SolutionStatus.NONE and got.bound is None and got.gap is None
    assert got.wall_time_s == 3.0


def test_all_branches_stopped_without_a_plan():
    sols = [_branch(None, 4.0, Termination.TIME_LIMIT), _branch(None, None, Termination.INFEASIBLE)]
    got = _best_branch(sols, GAP)
    assert got.plan is None and got.termination is Termination.TIME_LIMIT
    assert got.solution_status is SolutionStatus.NONE and got.bound == 4.0 and got.gap is None
