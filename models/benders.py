r"""Maximal covering proven in site space: Benders cuts, bound fixing and an exact reduced MILP.

Maximal covering :math:`\max \sum_i w_i z_i` s.t. :math:`z_i \le \sum_{j \in N(i)} y_j`,
:math:`z_i \le 1`, :math:`y \in Y` (count, budget, type limits; :math:`y` binary) has, for a
fixed plan :math:`\bar y`, a trivial subproblem in the point variables :math:`z`. Projecting
:math:`z` out (Cordeau, Furini & Ljubić 2019, *EJOR* 275:882-896) leaves a master over the sites

.. math::

    \max\ \theta \quad \text{s.t.}\quad
    \theta \le \sum_i (w_i - \lambda_i) + \sum_j \Bigl(\sum_{i} a_{ij} \lambda_i\Bigr) y_j
    \quad \forall \lambda \in \Lambda, \qquad y \in Y,

one Benders optimality cut per dual vector :math:`\lambda \in [0, w]` of the subproblem. The
closed-form cut at :math:`\bar y` takes :math:`\lambda_i = w_i` for points :math:`\bar y` leaves
uncovered (:math:`\sum_{j \in N(i)} \bar y_j < 1`) and :math:`\lambda_i = 0` otherwise; the
LP-optimal cut takes the duals of the cover rows. Maximising one cut over :math:`Y`'s LP gives
the Lagrangian bound of :mod:`models.decompose`, and each site's reduced score
:math:`\bar c_j` in that cut bounds every plan containing :math:`j`.

The solver (:func:`solve_max_cover_benders`):

1. **Root bound.** Site column generation (:func:`models.decompose.site_column_generation`)
   gives the LP bound :math:`U` with its cut's reduced scores, and a greedy + swap plan. Under a
   time limit it may use :data:`LP_TIME_SHARE` of it; stopped unconverged on an instance with a
   count, projected subgradient steps on the count Lagrangian :math:`U(\lambda)` from its best
   multipliers lower the bound (:func:`models.lagrangian.subgradient_bound`; every iterate is a
   valid bound, and stays one with a budget or type limits too, which it drops: that only
   relaxes). Without a count no steps run.
2. **Primal.** The MILP over the LP's support and the best plan (points merged by coverage
   pattern over those few sites) gives a near-optimal plan in seconds. Under a time limit it
   is skipped when the support exceeds :data:`MAX_FREE_SITES` (as step 4 is).
3. **Fixing.** Sites whose forced-in bound :math:`U - \max(0, -\bar c_j)` does not exceed the
   best plan's value by more than the requested gap are removed (reduced-cost fixing).
4. **Exact reduced MILP.** Over the free sites :math:`F`, points are aggregated by their
   coverage pattern :math:`N(i) \cap F` (exact: points with the same pattern are covered
   together by every plan over :math:`F`; a pattern of one site becomes one row
   :math:`z_g \le y_j`, i.e. that site's own weight), points :math:`F` cannot cover are
   dropped, and HiGHS solves what is left from the best plan. Under a time limit it is skipped
   (the bound stays the last proven) above :data:`MAX_FREE_SITES` free sites, or above
   :data:`~models.decompose.FULL_LP_SHARE` of the sites after a cut-off interior-point round.
5. **Cut loop.** If the reduced MILP's plan improves the best plan, the fixing of step 3 is
   repeated with the better value and step 4 reruns on the smaller free set.

**Exactness.** Every plan either uses a removed site — then its value is at most the largest
forced-in bound over removed sites, which step 3 keeps at most ``(1 + gap)`` times the best
plan — or lies in :math:`F`, where the reduced MILP is the original problem restricted to
:math:`F` (aggregation changes no plan's value). The bound reported is therefore
:math:`\max(\text{fixed bound}, \text{MILP bound over } F)` capped by :math:`U`, valid for the
whole instance; an ``optimal`` status is a proof within the requested gap. The loop of step 5
terminates: each round either proves the plan or strictly improves it, and there are
finitely many plans.

Applies to :func:`~models.formulations.cover.max_cover` without required points or plan rules;
runs on HiGHS (highspy). HiGHS 1.15 runs no user cut or lazy-constraint callback (its callback
input carries only solutions and interrupts), so the cuts are used outside branch-and-bound.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import numpy as np
import scipy.sparse as sp

from models.decompose import (
    FULL_LP_SHARE,
    MAX_FREE_SITES,
    SiteLP,
    _restrict,
    _result,
    check_decomposable,
    fix_sites,
    site_column_generation,
)
from models.formulations.cover import max_cover
from models.heuristics import LevelObjective
from models.instance import CoverInstance
from models.lagrangian import subgradient_bound
from models.result import SolutionStatus, SolveOptions, SolveResult, Termination
from models.solve import solve_formulation

PRIMAL_TIME_SHARE = 0.25
"""Share of the remaining time the support MILP of step 2 may use."""
LP_TIME_SHARE = 0.8
"""Share of a time limit the column generation may use; an unconverged one leaves the rest to
subgradient steps (:func:`models.lagrangian.subgradient_bound`) and the MILPs."""
SUBGRADIENT_TIME_SHARE = 0.5
"""Share of the time left after an unconverged column generation spent on subgradient steps:
measured on 100,000 × 5,000, r = 250 km, p = 100, 300 steps (12 s; a trial run, longer than
:func:`~models.lagrangian.subgradient_bound`'s default of 200 steps, which the solver uses)
lowered the bound from the coverable weight (12.5 % above the best plan) to 7.2 % above it."""


def _restricted_milp(
    inst: CoverInstance,
    cols: np.ndarray,
    plan: np.ndarray,
    options: SolveOptions,
    solver_options: dict[str, Any],
) -> tuple[SolveResult, np.ndarray | None, dict]:
    """Solve max_cover over sites ``cols`` (points aggregated); the plan mapped back, and figures."""
    t = time.perf_counter()
    restricted, _, _ = _restrict(inst, cols)
    res = solve_formulation(
        max_cover(restricted),
        options,
        "highs",
        warm_start=plan[cols],
        engine_config={"solver_options": solver_options},
        use_heuristic=False,
    )
    full = None
    if res.x is not None:
        full = np.zeros(inst.n, dtype=bool)
        full[cols[res.x]] = True
    info = {
        "sites": int(cols.size),
        "patterns": int(restricted.m),
        "status": res.status,
        "bound": res.bound,
        "nodes": res.node_count,
        "seconds": time.perf_counter() - t,
    }
    return res, full, info


def _subgradient(
    inst: CoverInstance, lp: SiteLP, deadline: float | None, gap: float, info: dict[str, Any]
) -> SiteLP:
    """An unconverged column generation's bound, lowered by subgradient steps.

    The steps run on the count Lagrangian (instances with a count; a budget or type limits are
    dropped, which only relaxes).
    """
    if lp.converged or lp.bound <= lp.lower * (1 + gap) or inst.count is None:
        return lp
    t = time.perf_counter()
    seconds = None if deadline is None else SUBGRADIENT_TIME_SHARE * (deadline - t)
    at = sp.csr_array(sp.csr_array(inst.a, dtype=float).T)
    coverable = np.diff(sp.csr_array(inst.a).indptr) > 0
    # From lambda = 0 on every coverable point (the coverable-weight bound) the first steps
    # overshoot; w / 2 there starts nearer (measured: 295.5M after 300 steps, against none; a
    # trial run longer than subgradient_bound's default of 200 steps).
    start = np.where(coverable, 0.5 * inst.w, inst.w) if not lp.lam[coverable].any() else lp.lam
    u, rc, lam = subgradient_bound(inst.w, at, start, inst.count, lp.lower, seconds=seconds, gap=gap)
    info["subgradient"] = {"bound": u, "from": lp.bound, "seconds": time.perf_counter() - t}
    return replace(lp, bound=u, rc=rc, lam=lam) if u < lp.bound else lp


def _too_big(lp: SiteLP, free: int, n: int) -> bool:
    """Whether step 4's MILP over ``free`` sites is too large to run under a time limit.

    It is when there are more than :data:`MAX_FREE_SITES`, or when the dense first round's
    interior point was cut off and more than :data:`~models.decompose.FULL_LP_SHARE` of the sites
    are still free (the MILP's root LP is then about the LP interior point could not finish: on
    20,000 × 2,000, r = 350 km, p = 50, all 2,000 free, HiGHS overran a 10 s limit by 15 s).
    """
    return free > MAX_FREE_SITES or (bool(lp.info.get("ipm_cut_off")) and free > FULL_LP_SHARE * n)


def _remaining(options: SolveOptions, deadline: float | None, share: float = 1.0) -> SolveOptions:
    if deadline is None:
        return options
    return replace(options, time_limit_s=max(1.0, share * (deadline - time.perf_counter())))


def _past(deadline: float | None) -> bool:
    return deadline is not None and time.perf_counter() >= deadline


def solve_max_cover_benders(
    inst: CoverInstance,
    options: SolveOptions | None = None,
    *,
    start: np.ndarray | None = None,
    solver_options: dict[str, Any] | None = None,
    max_loops: int = 5,
) -> SolveResult:
    """Maximal covering proven in site space (see the module docstring for the steps and proof).

    ``inst`` should already be presolved (:func:`models.presolve.presolve_cover`). The result's
    ``x`` is a mask over ``inst``'s sites and its bound is valid for the whole instance;
    ``extra["benders"]`` reports each step (sites, patterns, seconds).
    """
    options = options or SolveOptions()
    check_decomposable(inst)
    solver_options = dict(solver_options or {})
    t0 = time.perf_counter()
    deadline = None if options.time_limit_s is None else t0 + options.time_limit_s
    gap = options.mip_rel_gap
    # The count's multiplier is already chosen optimally inside the column generation.
    lp_options = (
        options if deadline is None else replace(options, time_limit_s=LP_TIME_SHARE * (deadline - t0))
    )
    lp = site_column_generation(inst, lp_options, start=start)
    info: dict[str, Any] = {**lp.info, "loops": []}
    lp = _subgradient(inst, lp, deadline, options.mip_rel_gap, info)
    obj = LevelObjective(inst.w, inst.a, np.array([1.0]))
    lb, plan, upper = lp.lower, lp.plan, lp.bound
    if upper <= lb * (1 + gap):
        return _done(inst, plan, lb, upper, Termination.OPTIMAL, t0, info, 0)

    if _past(deadline):  # HiGHS may overrun a time limit of a second by minutes: no MILP then
        return _done(inst, plan, lb, upper, Termination.TIME_LIMIT, t0, info, 0)

    # Step 2: the MILP over the LP's support and the best plan (capped as step 4 is).
    cols = np.flatnonzero(lp.support | plan)
    if deadline is not None and cols.size > MAX_FREE_SITES:
        info["primal"] = {"sites": int(cols.size), "skipped": "too many support sites"}
    else:
        _, cand, info["primal"] = _restricted_milp(
            inst, cols, plan, _remaining(options, deadline, PRIMAL_TIME_SHARE), solver_options
        )
        if cand is not None and obj.value(obj.counts(cand)) > lb:
            lb, plan = obj.value(obj.counts(cand)), cand

    bound, term, nodes = upper, Termination.TIME_LIMIT, 0
    for _ in range(max_loops):
        if _past(deadline):
            break
        free, fixed_bound = fix_sites(lp, lb, gap)
        free |= plan
        if deadline is not None and _too_big(lp, int(free.sum()), inst.n):  # unlimited: prove it
            info["loops"].append({"sites": int(free.sum()), "skipped": "too many free sites"})
            break  # the bound stays the last one proven (the column generation's at first)
        cols = np.flatnonzero(free)
        res, cand, step = _restricted_milp(inst, cols, plan, _remaining(options, deadline), solver_options)
        step["fixed_bound"] = fixed_bound if np.isfinite(fixed_bound) else None
        info["loops"].append(step)
        nodes += res.node_count or 0
        improved = cand is not None and obj.value(obj.counts(cand)) > lb * (1 + gap)
        if cand is not None and obj.value(obj.counts(cand)) > lb:
            lb, plan = obj.value(obj.counts(cand)), cand
        sub_bound = res.bound if res.bound is not None else upper
        bound = min(upper, max(lb, fixed_bound, sub_bound))
        term = res.termination
        if bound <= lb * (1 + gap) or not improved or (deadline and time.perf_counter() > deadline):
            break
    if bound <= lb * (1 + gap):
        term = Termination.OPTIMAL
    return _done(inst, plan, lb, bound, term, t0, info, nodes)


def _done(
    inst: CoverInstance,
    plan: np.ndarray,
    value: float,
    bound: float,
    term: Termination,
    t0: float,
    info: dict[str, Any],
    nodes: int,
) -> SolveResult:
    status = SolutionStatus.OPTIMAL if term is Termination.OPTIMAL else SolutionStatus.FEASIBLE
    return _result(
        inst, plan, value, bound, term, status, t0, info, nodes=nodes, key="benders", raw="benders"
    )
