"""Solve the engagement MILP on a named engine; the plan's leakage recomputed exactly.

The model's objective is the piecewise-linear expected value lost; the result also carries the
exact figure of the returned plan (:func:`~models.engagement.instance.expected_leakage`), their
difference and the a-priori error bound, so the linearisation is never taken on trust.

Length: the boost branches (their order, time shares, cutoffs and the second pass over the ones
left open) and the reading of one branch's run are one account of what was proven; they stay
together so the bound reported can be checked in one file.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from models import engines
from models.engagement.instance import (
    NO_BOOST,
    EngagementInstance,
    EngagementPlan,
    expected_leakage,
    plan_cost,
    plan_violations,
)
from models.engagement.presolve import Presolved, presolve
from models.engagement.split import ABS_GAP, SPLIT_MAX_COLS, parts, solve_split
from models.engagement.start import first_plan
from models.engines.base import EngineRun
from models.formulations.engagement import dominated_sensors, engagement, envelope_value, plan_from_values
from models.linear import LinearModel
from models.result import SolutionStatus, SolveOptions, Termination, relative_gap

SITE_ROWS = False
"""Whether the models carry the per-pair ``site_open`` rows (implied on integers by ``magazine``
and ``stock``; see :func:`~models.formulations.engagement.engagement`)."""
START = True
"""Whether each MILP is warm-started from the restricted instance (:mod:`models.engagement.start`)."""
START_SHARE = 0.2
"""Most of a MILP's time limit its first plan may take."""
SPLIT = True
"""Whether a branch small enough, cut off by the branches before it, is solved part by part on its
sensor and scarce-site counts (:mod:`models.engagement.split`)."""
CUTOFF = True
"""Whether a boost branch (and its warm start) is cut off at the best value lost of the branches before it."""


@dataclass(frozen=True)
class EngagementSolution:
    """A solved engagement: the plan, the solver's account and the exact leakage.

    Attributes
    ----------
    plan
        The plan (``None`` when the solver found none).
    termination, solution_status
        Why the solver stopped; what solution is held.
    model_objective
        The model's (piecewise-linear) expected value lost at the plan: its envelope of
        :math:`e^{-L}` evaluated at the plan's kill weights (a solver's incumbent may carry slack).
    bound
        The solver's proven lower bound on the expected value lost (valid for the exact
        objective too: the model never over-estimates at an integer solution).
    gap
        Relative gap between the exact value lost and ``bound``: a certificate on the exact
        objective, not only on the model's.
    expected_leakers, expected_value_lost
        Exact, recomputed from the plan.
    approximation_error
        ``expected_value_lost - model_objective`` (0 up to round-off in secant mode).
    error_bound
        A-priori bound on that error (0 when every kill level is a breakpoint).
    secant
        Whether the exact (secant) linearisation was used.
    cost
        The plan's total cost.
    """

    plan: EngagementPlan | None
    termination: Termination
    solution_status: SolutionStatus
    model_objective: float | None
    bound: float | None
    gap: float | None
    expected_leakers: float | None
    expected_value_lost: float | None
    approximation_error: float | None
    error_bound: float
    secant: bool
    cost: float | None
    wall_time_s: float
    build_time_s: float
    engine: str
    solver_version: str
    n_vars: int
    n_rows: int
    presolve: dict[str, int] = field(default_factory=dict)
    """What the exact presolve removed (:mod:`models.engagement.presolve`); empty when it did not run."""

    def to_json(self) -> dict[str, Any]:
        """JSON-ready facts (the plan itself is reported elsewhere)."""
        return {
            "termination": str(self.termination),
            "solution_status": str(self.solution_status),
            "model_objective": self.model_objective,
            "bound": self.bound,
            "gap": self.gap,
            "expected_leakers": self.expected_leakers,
            "expected_value_lost": self.expected_value_lost,
            "approximation_error": self.approximation_error,
            "error_bound": self.error_bound,
            "linearisation": "secant (exact)" if self.secant else "tangent",
            "cost_musd": self.cost,
            "wall_time_s": self.wall_time_s,
            "build_time_s": self.build_time_s,
            "engine": self.engine,
            "solver_version": self.solver_version,
            "n_vars": self.n_vars,
            "n_rows": self.n_rows,
            "presolve": dict(self.presolve),
        }


def solve_engagement(
    inst: EngagementInstance,
    options: SolveOptions | None = None,
    engine: str = "highs",
    *,
    fixed: EngagementPlan | None = None,
    split_boost: bool = True,
    reduce: bool = True,
) -> EngagementSolution:
    """Choose sites, sensors, rounds and shots minimising the expected value lost.

    With ``fixed``, only the shots are chosen (sites, sensors, rounds and boost held). With boost
    options and ``split_boost``, one MILP per boost branch (none, then each option) replaces the
    big joint model: every branch is a plain engagement problem with its survival weights, the
    best plan over the branches is optimal when every branch is, and the proven bound is the
    least of the branches' bounds. The time limit is shared among the branches: each gets an equal
    share of the time left, so the last one inherits what the earlier ones did not use. The order
    is none, then the options from the dearest: a dear option leaves less budget for sites, is
    usually beaten and is closed quickly by the cutoff (:func:`_solve_one`), leaving the time to
    the cheap options that compete with no boost. With ``reduce``
    (and no ``fixed`` plan) the exact presolve of :mod:`models.engagement.presolve` runs first; its
    time counts in ``build_time_s`` and the time limit.
    """
    options = options or SolveOptions()
    t0 = time.perf_counter()
    pre = presolve(inst) if reduce and fixed is None else None
    pre_s = time.perf_counter() - t0
    if fixed is not None or not split_boost or inst.n_boost == 0:
        one = _solve_one(inst, _less_time(options, pre_s), engine, fixed, None, pre)
        return replace(one, build_time_s=one.build_time_s + pre_s)
    sols: list[EngagementSolution] = []
    order = [NO_BOOST, *np.argsort(-inst.boost_cost, kind="stable").tolist()]
    for n, q in enumerate(order):
        share = None  # the time left, shared equally among the branches left
        if options.time_limit_s is not None:
            share = max((options.time_limit_s - (time.perf_counter() - t0)) / (len(order) - n), 1.0)
        found = [s.expected_value_lost for s in sols if s.expected_value_lost is not None]
        cutoff = min(found) if found and engine == "highs" and CUTOFF else None
        sols.append(_solve_one(inst, replace(options, time_limit_s=share), engine, None, int(q), pre, cutoff))
    if options.time_limit_s is not None:
        deadline = t0 + options.time_limit_s
        sols = _second_pass(sols, lambda i, left, cut: _solve_one(
            inst, replace(options, time_limit_s=left), engine, None, int(order[i]), pre, cut
        ), deadline, options.mip_rel_gap, engine == "highs" and CUTOFF)  # fmt: skip
    best = _best_branch(sols, options.mip_rel_gap)
    return replace(best, build_time_s=best.build_time_s + pre_s)


SECOND_PASS_MIN_S = 5.0
"""Least time left worth a second try at a branch the first pass left open."""


def _second_pass(
    sols: list[EngagementSolution],
    solve: Callable[[int, float, float | None], EngagementSolution],
    deadline: float,
    gap: float,
    use_cutoff: bool,
) -> list[EngagementSolution]:
    """Give the time the first pass left to the branches it left open, least bound first.

    A branch that closes early leaves time the branches before it could not use (each had only its
    share). Each open branch is solved once more with all the time left, cut off at the best value
    lost so far; its result is merged with the first (:func:`_merged`), so nothing proven is lost.
    """
    sols = list(sols)
    for _ in range(len(sols)):
        left = deadline - time.perf_counter()
        lost = [s.expected_value_lost for s in sols if s.expected_value_lost is not None]
        best = min(lost, default=None)
        target = None if best is None else best * (1 - gap)
        open_ = [
            i
            for i, s in enumerate(sols)
            if s.termination not in (Termination.OPTIMAL, Termination.INFEASIBLE)
            and not (target is not None and s.bound is not None and s.bound >= target)
        ]
        if left < SECOND_PASS_MIN_S or not open_:
            break

        def bound_of(k: int) -> float:
            b = sols[k].bound
            return -math.inf if b is None else b

        i = min(open_, key=bound_of)
        sols[i] = _merged(sols[i], solve(i, left, best if use_cutoff else None))
    return sols


def _merged(old: EngagementSolution, new: EngagementSolution) -> EngagementSolution:
    """One branch solved twice: the better plan, the higher bound (both are proven), times added.

    A second run that ends infeasible (under its cutoff: no plan below the best value lost) leaves
    no bound (``None``), which :func:`_best_branch` reads for an infeasible branch as closed at any
    value, not the first run's weaker bound.
    """
    better = new if new.plan is not None and (
        old.expected_value_lost is None
        or (new.expected_value_lost is not None and new.expected_value_lost < old.expected_value_lost)
    ) else old  # fmt: skip
    bounds = [b for b in (old.bound, new.bound) if b is not None]
    bound = max(bounds) if bounds and new.termination is not Termination.INFEASIBLE else None
    if bound is not None and better.expected_value_lost is not None:
        bound = min(bound, better.expected_value_lost)
    return replace(
        better,
        termination=new.termination,
        solution_status=better.solution_status if better.plan is not None else SolutionStatus.NONE,
        bound=bound,
        gap=relative_gap(better.expected_value_lost, bound),
        wall_time_s=old.wall_time_s + new.wall_time_s,
        build_time_s=old.build_time_s + new.build_time_s,
    )


def _less_time(options: SolveOptions, spent_s: float) -> SolveOptions:
    if options.time_limit_s is None:
        return options
    return replace(options, time_limit_s=max(options.time_limit_s - spent_s, 1.0))


def _best_branch(sols: list[EngagementSolution], gap: float) -> EngagementSolution:
    """The best plan over boost branches, with the least bound and the weakest termination.

    A branch stopped early is closed anyway when its own bound shows it cannot beat the best plan.
    """
    found = [s for s in sols if s.plan is not None]
    best = (
        min(found, key=lambda s: math.inf if s.expected_value_lost is None else s.expected_value_lost)
        if found
        else sols[0]
    )
    closed = (Termination.OPTIMAL, Termination.INFEASIBLE)
    target = None if best.expected_value_lost is None else best.expected_value_lost * (1 - gap)

    def is_closed(s: EngagementSolution) -> bool:
        return s.termination in closed or (target is not None and s.bound is not None and s.bound >= target)

    done = all(is_closed(s) for s in sols)
    infeasible = Termination.INFEASIBLE
    bounds = [
        s.bound if s.bound is not None else (math.inf if s.termination is infeasible else None) for s in sols
    ]
    bound = None if any(b is None for b in bounds) else min(b for b in bounds if b is not None)
    if bound is not None and best.expected_value_lost is not None:
        bound = min(bound, best.expected_value_lost)
    bound = None if bound is not None and not math.isfinite(bound) else bound
    worst = next((s.termination for s in sols if not is_closed(s)), Termination.OPTIMAL)
    return replace(
        best,
        termination=Termination.OPTIMAL if done and found else worst if found else best.termination,
        solution_status=(SolutionStatus.OPTIMAL if done else SolutionStatus.FEASIBLE)
        if found
        else SolutionStatus.NONE,
        bound=bound,
        gap=relative_gap(best.expected_value_lost, bound),
        wall_time_s=sum(s.wall_time_s for s in sols),
        build_time_s=sum(s.build_time_s for s in sols),
        n_vars=sum(s.n_vars for s in sols),
        n_rows=sum(s.n_rows for s in sols),
    )


def _solve_one(
    inst: EngagementInstance,
    options: SolveOptions,
    engine: str,
    fixed: EngagementPlan | None,
    boost: int | None,
    pre: Presolved | None = None,
    cutoff: float | None = None,
) -> EngagementSolution:
    """One MILP: the whole problem, one boost branch, or the shots of a fixed plan.

    ``cutoff`` (HiGHS only): the best value lost of the branches solved so far, HiGHS's
    ``objective_bound``; it prunes every node that cannot beat it (see :func:`_cut_bound`).
    """
    t0 = time.perf_counter()
    work = inst if pre is None else pre.instance
    free = None if pre is None else pre.free_sensors
    model, kl = engagement(work, fixed, boost=boost, site_rows=SITE_ROWS, free_sensors=free)
    if pre is not None:
        pre.add_order_rows(model)
    build = time.perf_counter() - t0
    eng = engines.get(engine)
    # The cutoff prunes the warm start's restricted model too: a start no better than the
    # branches before it is of no use, and proving there is none costs less than finding one.
    cut = eng if cutoff is None else engines.get(engine, solver_options={"objective_bound": cutoff})
    start = None
    if fixed is None and START and engine == "highs" and options.time_limit_s is not None:
        start, options = _warm_start(model, work, cut, options, boost, pre)
    # Split only under a cutoff (a boost branch after the first): there whole parts close on their
    # LP; measured, the first branch of 20 x 200 and 50 x 500 solved faster whole (7 s vs 15 s).
    if fixed is None and SPLIT and cutoff is not None and model.num_cols <= SPLIT_MAX_COLS:
        spent = 0.0 if boost is None or boost == NO_BOOST else float(inst.boost_cost[boost])
        run, options = _split_run(model, work, free, spent, options, start, cutoff)
    else:
        run = None
    if run is None:
        run = cut.solve(model, options, start)
    plan = None if run.values is None else plan_from_values(work, model, run.values)
    if plan is not None and pre is not None:
        plan = pre.lift(plan)
    if plan is not None and plan_violations(inst, plan):
        plan = None  # never report a plan the instance rejects
    n_max = int(np.asarray(inst.max_shots.sum(axis=1)).max(initial=0))
    err_bound = kl.error_bound(n_max) * float(inst.v.max(initial=0.0))
    leakers = lost = model_obj = cost = None
    if plan is not None:
        leakers, lost = expected_leakage(inst, plan)
        model_obj = envelope_value(inst, kl, plan)
        cost = plan_cost(inst, plan)
    bound = run.bound if run.bound is not None and math.isfinite(run.bound) else None
    if bound is not None and lost is not None:
        bound = min(bound, lost)
    if cutoff is not None:
        bound = _cut_bound(run.termination, bound, run.objective, cutoff, options.mip_rel_gap)
    status = run.solution_status if plan is not None else SolutionStatus.NONE
    return EngagementSolution(
        plan=plan,
        termination=run.termination,
        solution_status=status,
        model_objective=model_obj,
        bound=bound,
        gap=relative_gap(lost, bound),
        expected_leakers=leakers,
        expected_value_lost=lost,
        approximation_error=None if lost is None or model_obj is None else lost - model_obj,
        error_bound=err_bound,
        secant=kl.secant,
        cost=cost,
        wall_time_s=run.wall_time_s,
        build_time_s=build,
        engine=engine,
        solver_version=run.solver_version,
        n_vars=model.num_cols,
        n_rows=model.num_rows,
        presolve={} if pre is None else dict(pre.counts),
    )


def _warm_start(
    model: LinearModel,
    work: EngagementInstance,
    cut: engines.Engine,
    options: SolveOptions,
    boost: int | None,
    pre: Presolved | None,
) -> tuple[np.ndarray | None, SolveOptions]:
    """A start from the restricted instance (:mod:`models.engagement.start`) and the time left."""
    assert options.time_limit_s is not None
    t0 = time.perf_counter()
    first = replace(options, time_limit_s=START_SHARE * options.time_limit_s, mip_rel_gap=1e-3)
    start = first_plan(model, work, lambda m: cut.solve(m, first, None).values, boost, pre)
    return start, replace(options, time_limit_s=max(options.time_limit_s - (time.perf_counter() - t0), 1.0))


def _split_run(
    model: LinearModel,
    work: EngagementInstance,
    free: np.ndarray | None,
    spent: float,
    options: SolveOptions,
    start: np.ndarray | None,
    cutoff: float | None,
) -> tuple[EngineRun | None, SolveOptions]:
    """The branch solved part by part (:mod:`models.engagement.split`), or ``None`` and the time left."""
    t0 = time.perf_counter()
    p = parts(work, ~dominated_sensors(work) if free is None else free, spent)
    run = solve_split(model, p, "highs", options, start, cutoff) if len(p.counts) > 1 else None
    if run is None and options.time_limit_s is not None:
        options = replace(options, time_limit_s=max(options.time_limit_s - (time.perf_counter() - t0), 1.0))
    return run, options


def _cut_bound(
    term: Termination, bound: float | None, incumbent: float | None, cutoff: float, gap: float
) -> float | None:
    """The bound of a branch solved with HiGHS's ``objective_bound`` = ``cutoff``.

    ``incumbent`` is HiGHS's own objective at the plan it holds (what it compares with the cutoff),
    not a value recomputed from the plan: a recomputed value can differ (the tangent envelope is
    not clipped at 0) and a plan the instance rejects has none, yet HiGHS's plan below the cutoff
    still means its dual bound is honest.

    HiGHS prunes every node whose bound reaches the cutoff, so an *optimal* end with no plan below
    the cutoff proves only that none exists within its gaps (relative ``gap``, absolute
    :data:`~models.engagement.split.ABS_GAP`): the branch's optimum is at least
    ``min(cutoff (1 - gap), cutoff - ABS_GAP)``, and HiGHS's own dual bound and plan then mean
    nothing more (measured: it reports its plan's value as the bound). Otherwise the usual bound
    stands.
    """
    if term is Termination.OPTIMAL and (incumbent is None or incumbent >= cutoff):
        return min(cutoff * (1 - gap), cutoff - ABS_GAP)
    if incumbent is not None and incumbent >= cutoff:
        return None  # stopped early under the cutoff: no valid bound read
    return bound
