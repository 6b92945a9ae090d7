"""The solve pipeline: starting plan → engine → plan, objective recomputed, one SolveResult.

Whatever the engine does, the result holds the best plan known: the solver's incumbent, or
the starting plan (greedy + swaps, or the caller's warm start) when the solver was stopped
without one, with the gap against the best bound the solver proved.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace
from typing import Any

import numpy as np

from models import engines
from models.engines.base import EngineRun
from models.formulations.base import Formulation
from models.linear import Sense
from models.presolve import PresolveReport
from models.result import SolutionStatus, SolveOptions, SolveResult, Termination, relative_gap

_NO_PLAN = (Termination.INFEASIBLE, Termination.INFEASIBLE_OR_UNBOUNDED, Termination.UNBOUNDED)


def _better(sense: Sense, a: float, b: float) -> bool:
    """Whether objective ``a`` is strictly better than ``b`` (beyond round-off)."""
    tol = 1e-9 * max(1.0, abs(a), abs(b))
    return a > b + tol if sense is Sense.MAXIMIZE else a < b - tol


def values_disagree(f: Formulation, run: EngineRun) -> bool:
    """Whether the engine's column values fail to reproduce the objective it reported.

    A solver that says "optimal, objective z" must hand back values whose objective is z; when
    it does not, its plan cannot be called optimal on its word.
    """
    if run.values is None or run.objective is None or not f.model.num_cols:
        return False
    z = f.model.objective_value(run.values)
    return abs(z - run.objective) > 1e-6 * max(1.0, abs(z), abs(run.objective))


def starting_plan(
    f: Formulation, warm_start: np.ndarray | None = None, *, use_heuristic: bool = True
) -> tuple[np.ndarray | None, dict[str, Any]]:
    """Return the best feasible plan among the caller's warm start and the heuristic's plan."""
    info: dict[str, Any] = {}
    candidates: list[tuple[str, np.ndarray]] = []
    n = f.sites.size
    if warm_start is not None:
        ws = np.asarray(warm_start, dtype=bool)
        if ws.shape != (n,):
            raise ValueError(f"warm_start has shape {ws.shape}, expected {(n,)}")
        ok = f.feasible(ws)
        info["warm_start_feasible"] = ok
        if ok:
            candidates.append(("warm_start", ws))
    if use_heuristic:
        t0 = time.perf_counter()
        h = f.heuristic()
        info["heuristic_s"] = time.perf_counter() - t0
        if h is not None and f.feasible(h):
            info["heuristic_objective"] = f.value(h)
            candidates.append(("heuristic", h))
        else:
            info["heuristic_objective"] = None
    best: tuple[str, np.ndarray] | None = None
    for name, plan in candidates:
        if best is None or _better(f.model.sense, f.value(plan), f.value(best[1])):
            best = (name, plan)
    if best is None:
        return None, info
    info["start_source"] = best[0]
    info["start_objective"] = f.value(best[1])
    return best[1], info


def solve_formulation(
    f: Formulation,
    options: SolveOptions | None = None,
    engine: str = engines.DEFAULT_ENGINE,
    *,
    warm_start: np.ndarray | None = None,
    engine_config: dict[str, Any] | None = None,
    use_heuristic: bool = True,
    build_time_s: float = 0.0,
    diagnose: bool = True,
) -> SolveResult:
    """Solve a built formulation on a named engine and return its normalised result.

    ``result.x`` is a boolean mask over ``f.sites``; ``result.objective`` is recomputed from
    that plan by ``f.value`` (never taken on trust from the engine). An infeasible model is
    diagnosed (``result.diagnosis``, see :mod:`models.diagnose`) unless ``diagnose`` is false.
    """
    options = options or SolveOptions()
    eng = engines.get(engine, **(engine_config or {}))
    start_plan, info = starting_plan(f, warm_start, use_heuristic=use_heuristic)
    start = f.complete(start_plan) if start_plan is not None else None
    run: EngineRun = eng.solve(f.model, options, start) if f.model.num_cols else _trivial_run(f, eng)
    sense = f.model.sense
    stale = values_disagree(f, run)
    if stale and start is not None:
        # HiGHS 1.16 can report "optimal" with the *start's* column values; a second run
        # without the start gives values that match (measured; pyproject pins < 1.16).
        run = eng.solve(f.model, options, None)
        stale = values_disagree(f, run)
        info["resolved_without_start"] = True

    extra: dict[str, Any] = {**f.extra, **info, **run.extra}
    extra["solver_objective"] = run.objective
    if stale:
        extra["solver_values_disagree"] = True
    plan: np.ndarray | None = None
    source = None
    if run.values is not None:
        candidate = run.values[f.sites.cols] > 0.5
        if f.feasible(candidate):
            plan, source = candidate, "solver"
        else:
            # Never report a plan the instance itself rejects; keep the evidence.
            extra["solver_plan_rejected"] = True
    if run.termination not in _NO_PLAN and start_plan is not None:
        if plan is None or _better(sense, f.value(start_plan), f.value(plan)):
            plan, source = start_plan, info.get("start_source")

    objective = f.value(plan) if plan is not None else None
    bound = run.bound if run.bound is not None and math.isfinite(run.bound) else None
    if objective is not None and bound is not None:
        # The recomputed objective can pass the bound by round-off only; never show a negative gap.
        bound = max(bound, objective) if sense is Sense.MAXIMIZE else min(bound, objective)
    gap = relative_gap(objective, bound)
    if plan is None:
        status = SolutionStatus.NONE
    elif run.termination is Termination.OPTIMAL and (
        (source == "solver" and not stale) or (gap is not None and gap <= options.mip_rel_gap)
    ):
        status = SolutionStatus.OPTIMAL
    else:
        status = SolutionStatus.FEASIBLE
    extra["plan_source"] = source
    diagnosis = None
    if diagnose and run.termination in (Termination.INFEASIBLE, Termination.INFEASIBLE_OR_UNBOUNDED):
        from models.diagnose import diagnose as _diagnose

        diagnosis = _diagnose(f.model)
    return SolveResult(
        termination=run.termination,
        solution_status=status,
        objective=objective,
        bound=bound,
        gap=gap,
        wall_time_s=run.wall_time_s,
        engine=engine,
        solver=run.solver,
        solver_version=run.solver_version,
        x=plan,
        node_count=run.node_count,
        raw_status=run.raw_status,
        build_time_s=build_time_s,
        diagnosis=diagnosis,
        extra=extra,
    )


def _trivial_run(f: Formulation, eng: engines.Engine) -> EngineRun:
    """A model without variables (presolve removed every site): feasible iff 0 fits every row."""
    arr = f.model.arrays
    ok = bool((arr.row_lb <= 1e-9).all() and (arr.row_ub >= -1e-9).all())
    return EngineRun(
        termination=Termination.OPTIMAL if ok else Termination.INFEASIBLE,
        solution_status=SolutionStatus.OPTIMAL if ok else SolutionStatus.NONE,
        objective=arr.offset if ok else None,
        bound=arr.offset if ok else None,
        values=np.zeros(0) if ok else None,
        wall_time_s=0.0,
        solver=getattr(eng, "name", "none"),
        solver_version=eng.version(),
        raw_status="empty model",
    )


def expand_result(result: SolveResult, x_full: np.ndarray | None, objective: float | None,
                  presolve_report: PresolveReport | None = None, **extra: Any) -> SolveResult:
    """Return ``result`` with its plan mapped back to the unreduced instance."""
    bound = result.bound
    if objective is not None and bound is not None and result.objective is not None:
        # The reduced model's bound shifts with any constant the reduction removed.
        bound = bound + (objective - result.objective)
    return replace(
        result,
        x=x_full,
        objective=objective,
        bound=bound,
        gap=relative_gap(objective, bound),
        presolve=presolve_report if presolve_report is not None else result.presolve,
        extra={**result.extra, **extra},
    )
