"""A solver's word is checked: the values it returns must reproduce the objective it reports.

HiGHS 1.16.0, given a starting solution, was measured to report the optimum's objective with the
start's column values (min-cost covering, seeds 22 and 155 below: objective 2,400 reported, the
returned plan costing 2,500). pyproject pins highspy below 1.16; these tests hold on any version.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from models import CoverInstance, SolutionStatus, SolveOptions, Termination, engines, solve_cover
from models.engines.base import EngineRun

OPTS = SolveOptions(threads=1, seed=0, time_limit_s=60)


def _set_cover(seed: int) -> CoverInstance:
    rng = np.random.default_rng(seed)
    m, n = int(rng.integers(20, 80)), int(rng.integers(10, 40))
    a = sp.csr_array((rng.random((m, n)) < rng.uniform(0.05, 0.2)).astype(float))
    a = sp.csr_array(a[np.diff(a.indptr) > 0])
    c = rng.choice([100.0, 200.0, 300.0, 500.0], n)
    return CoverInstance(w=np.zeros(a.shape[0]), c=c, a=a, required=np.ones(a.shape[0], dtype=bool))


@pytest.mark.parametrize("seed", [22, 155, 3, 7])
def test_highs_with_a_start_agrees_with_cpsat(seed: int) -> None:
    inst = _set_cover(seed)
    ours = solve_cover(inst, OPTS, formulation="min_cost", engine="highs")  # greedy start passed
    ref = solve_cover(inst, OPTS, formulation="min_cost", engine="cpsat", presolve=False)
    assert ref.status == "optimal"
    assert ours.status == "optimal" and ours.objective == pytest.approx(ref.objective)
    assert float(inst.c[ours.x].sum()) == pytest.approx(ours.objective)  # the plan costs what is said
    assert ours.extra["solver_objective"] == pytest.approx(ours.objective)


class _StaleEngine:
    """Says "optimal at ``claim``" but hands back the start's values (the HiGHS 1.16 symptom)."""

    name = "stale"

    def __init__(self, claim: float) -> None:
        self.claim = claim
        self.calls: list[bool] = []

    def available(self) -> bool:
        return True

    def version(self) -> str:
        return "0"

    def solve(self, model, options, start=None) -> EngineRun:
        self.calls.append(start is not None)
        values = np.asarray(start, float) if start is not None else np.ones(model.num_cols)
        return EngineRun(
            termination=Termination.OPTIMAL,
            solution_status=SolutionStatus.OPTIMAL,
            objective=self.claim,
            bound=self.claim,
            values=values,
            wall_time_s=0.0,
            solver="stale",
            solver_version="0",
            raw_status="optimal",
        )


def test_values_that_contradict_the_objective_are_not_called_optimal(monkeypatch) -> None:
    inst = _set_cover(22)
    stub = _StaleEngine(claim=1.0)  # no plan costs 1: every value vector contradicts the claim
    monkeypatch.setitem(engines._REGISTRY, "stale", lambda **kw: stub)
    res = solve_cover(inst, OPTS, formulation="min_cost", engine="stale", presolve=False)
    assert stub.calls == [True, False]  # retried once without the start
    assert res.extra["solver_values_disagree"] is True and res.extra["resolved_without_start"]
    assert res.solution_status is SolutionStatus.FEASIBLE  # the claim is not taken on trust
    assert float(inst.c[res.x].sum()) == pytest.approx(res.objective)
    assert res.gap is not None and res.gap > 0
