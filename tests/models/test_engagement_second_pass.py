"""Engagement boost branches: the time the first pass leaves goes to the branches it left open."""

from __future__ import annotations

from dataclasses import replace

import pytest

import models.engagement.solve as solve_mod
from models.engagement.solve import EngagementSolution, _merged, solve_engagement
from models.result import SolutionStatus, SolveOptions, Termination
from tests.models.test_engagement_milp import random_instance

OPTS = SolveOptions(time_limit_s=60, mip_rel_gap=1e-9)


@pytest.mark.parametrize("seed", range(3))
def test_a_branch_left_open_is_solved_again_with_the_time_left(seed, monkeypatch):
    """The first pass's run of one boost branch is replaced by 'stopped early, nothing found'; the
    second pass must solve it again, so the answer is the same proven optimum as without the stop.
    """
    inst = random_instance(seed, n_o=2)
    reference = solve_engagement(inst, OPTS)
    assert reference.termination is Termination.OPTIMAL
    real = solve_mod._solve_one
    calls: list[int | None] = []

    def first_run_of_branch_one_stops(*args, **kwargs):
        sol = real(*args, **kwargs)
        boost = args[4]
        calls.append(boost)
        if calls.count(boost) == 1 and len(calls) == 2:  # the second branch, its first run
            return replace(sol, termination=Termination.TIME_LIMIT, plan=None, bound=0.0,
                           expected_value_lost=None, solution_status=SolutionStatus.NONE)  # fmt: skip
        return sol

    monkeypatch.setattr(solve_mod, "_solve_one", first_run_of_branch_one_stops)
    again = solve_engagement(inst, OPTS)
    assert len(calls) == 4 and calls[3] == calls[1]  # three branches, then branch one once more
    assert again.termination is Termination.OPTIMAL
    assert again.expected_value_lost == pytest.approx(reference.expected_value_lost, abs=1e-9)
    monkeypatch.setattr(solve_mod, "SECOND_PASS_MIN_S", 1e9)  # no time worth a second pass
    calls.clear()
    stopped = solve_engagement(inst, OPTS)
    assert len(calls) == 3 and stopped.termination is Termination.TIME_LIMIT  # what it would be


def test_merged_keeps_the_better_plan_and_the_higher_bound():
    inst = random_instance(0, n_o=1)
    sol = solve_engagement(inst, OPTS)
    assert sol.expected_value_lost is not None
    v = sol.expected_value_lost
    old: EngagementSolution = replace(sol, termination=Termination.TIME_LIMIT, bound=0.5 * v)
    new = replace(sol, termination=Termination.OPTIMAL, plan=None, expected_value_lost=None, bound=0.9 * v)
    m = _merged(old, new)
    assert m.plan is old.plan and m.expected_value_lost == v  # the plan found first is kept
    assert m.bound == pytest.approx(0.9 * v) and m.termination is Termination.OPTIMAL
    assert m.wall_time_s == pytest.approx(old.wall_time_s + new.wall_time_s)
    swapped = _merged(new, old)  # a plan found only the second time is taken, bounds never fall
    assert swapped.plan is old.plan and swapped.bound == pytest.approx(0.9 * v)


def test_a_second_run_infeasible_under_its_cutoff_closes_the_branch():
    """HiGHS may end a cut-off run 'infeasible' (no plan below the cutoff): the branch is closed, and
    the first run's weak bound no longer shows as the answer's gap."""
    inst = random_instance(0, n_o=1)
    sol = solve_engagement(inst, OPTS)
    assert sol.expected_value_lost is not None
    v = sol.expected_value_lost
    old = replace(sol, termination=Termination.TIME_LIMIT, bound=0.5 * v)
    new = replace(sol, termination=Termination.INFEASIBLE, plan=None, expected_value_lost=None, bound=None)
    m = _merged(old, new)
    assert m.plan is old.plan and m.bound is None and m.termination is Termination.INFEASIBLE
    best = solve_mod._best_branch([m], 1e-4)
    assert best.termination is Termination.OPTIMAL and best.bound == pytest.approx(v) and best.gap == 0.0
