r"""Maximal covering at scale: site column generation with point aggregation, then bound fixing.

For large maximal-covering instances the time goes into the root LP (100,000 points × 5,000
sites: HiGHS does not finish it in minutes). Yet the LP lives in *site* space, and only a few
sites matter. This module solves it by column generation over sites:

1. **Restricted LP.** Keep a working set :math:`J'` of sites (the starting plan and the best
   candidates). Over :math:`J'` only, points with the same coverage pattern are merged (few
   patterns: a few dozen disks cut the plane into a few thousand cells), points no site of
   :math:`J'` covers are dropped, and the small LP is solved with HiGHS's primal simplex. The
   LP is kept in one HiGHS model and grown in place as sites join (:mod:`models.sitemaster`):
   each round re-optimises from the last basis instead of solving from scratch (measured on
   20,000 × 2,000, r = 250 km, p = 50: 16 s of LP solves down to 4 s). When the first working
   set would hold most sites anyway and coverage is dense (:data:`FULL_LP_SHARE`,
   :data:`FULL_LP_MIN_DEGREE`), it is all sites at once, solved by interior point with crossover:
   there primal simplex from a basis was the slow part. Under a time limit that solve gets
   :data:`FULL_LP_TIME_SHARE` of it; cut off (no crossover, an interior iterate), only its
   multipliers' bound is kept and the rounds restart from the ordinary working set by simplex.
2. **Pricing with a valid bound.** The restricted LP's duals give multipliers
   :math:`\lambda_i \in [0, w_i]` for every point (the group's dual shared in proportion to
   weight; :math:`\lambda_i = w_i` for points :math:`J'` leaves uncovered), :math:`\mu` (budget),
   :math:`\tau` (count), :math:`\nu_t` (type maxima). Relaxing the cover rows
   :math:`y_i \le \sum_j a_{ij} x_j` with :math:`\lambda` gives, for *any* such multipliers, the
   upper bound

   .. math::

      U(\lambda, \mu, \tau, \nu) = \sum_i (w_i - \lambda_i) + \mu B + \tau p + \sum_t \nu_t M_t
          + \sum_j \max\bigl(0,\ \bar c_j\bigr), \qquad
      \bar c_j = \sum_i a_{ij}\lambda_i - \mu c_j - \tau - \nu_{t(j)},

   one sparse product :math:`A^\top\lambda` away. Sites with :math:`\bar c_j > 0` outside
   :math:`J'` price out and join it; when none does, the restricted LP is the full LP.
3. **Bound fixing.** Forcing site :math:`j` into a plan gives the bound
   :math:`U - \max(0, -\bar c_j)`; a site whose bound does not exceed the best plan known
   cannot be in a better plan and is removed (Lagrangian reduced-cost fixing).
4. **Exact solve.** The MILP over the remaining sites (points they cannot cover dropped,
   identical points merged) is solved by HiGHS from the best plan. Its bound, together with
   the fixing, bounds the whole instance, so an ``optimal`` status is a proof for the full
   instance.

The decomposition applies to :func:`~models.formulations.cover.max_cover` without required
points or plan rules; it always runs on HiGHS (highspy).

Length: ``site_column_generation`` is one loop of the column-generation method (price, add, fix, re-
solve); its state lives in the loop.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import scipy.sparse as sp

from models.engines.highs_engine import highs_version
from models.formulations.cover import max_cover, site_rules
from models.heuristics import LevelObjective, best_plan, swap_search
from models.instance import CoverInstance, PlanRules
from models.result import SolutionStatus, SolveOptions, SolveResult, Termination, relative_gap
from models.sitemaster import SiteMaster, pattern_groups
from models.solve import solve_formulation


class DecompositionError(ValueError):
    """The instance or options do not suit the decomposition."""


START_TIME_SHARE = 0.2
"""Most of the time limit the greedy + swap start may take (its swaps stop there; at
1,000,000 × 10,000, r = 150 km, p = 100 they took 63 s unbounded)."""
MAX_FREE_SITES = 2_000
"""Free sites above which the exact restricted MILP (here, and step 4 of :mod:`models.benders`)
is not run under a time limit (without one it runs):
over 5,000 free sites and ~100,000 point patterns (100,000 × 5,000, r = 250 km, p = 50) HiGHS
overran a 17 s time limit by minutes, and the tuned whole MILP, its equal, does not finish its
root LP within a minute there."""


def _restrict(inst: CoverInstance, cols: np.ndarray) -> tuple[CoverInstance, np.ndarray, np.ndarray]:
    """Instance over sites ``cols``: uncovered points dropped, identical points merged.

    Returns the instance, the group of each kept original point, and the kept point indices.
    """
    sub = sp.csr_array(inst.a[:, cols])
    rows = np.flatnonzero(np.diff(sub.indptr) > 0)
    sub = sp.csr_array(sub[rows])
    groups = pattern_groups(sub)
    g = int(groups.max()) + 1 if groups.size else 0
    rep = np.full(g, -1, dtype=np.int64)
    rep[groups[::-1]] = np.arange(rows.size)[::-1]
    w = np.bincount(groups, weights=inst.w[rows], minlength=g)
    restricted = CoverInstance(
        w=w,
        c=inst.c[cols],
        a=sp.csr_array(sub[rep]),
        budget=inst.budget,
        count=inst.count,
        site_type=None if inst.site_type is None else inst.site_type[cols],
        type_max=inst.type_max,
        demand_ids=inst.demand_ids[rows[rep]],
        site_ids=inst.site_ids[cols],
        type_names=inst.type_names,
    )
    return restricted, groups, rows


def _bound(
    inst: CoverInstance,
    at: sp.csr_array,
    lam: np.ndarray,
    mu: float,
    tau: float,
    nu: np.ndarray | None,
    score: np.ndarray | None = None,
) -> tuple[float, np.ndarray]:
    """The Lagrangian bound U and every site's reduced score (see the module docstring).

    ``score`` is A^T lambda when the caller has it.
    """
    score = at @ lam if score is None else score
    rc = score - mu * inst.c - tau
    const = float((inst.w - lam).sum())
    if inst.budget is not None:
        const += mu * inst.budget
    if inst.count is not None:
        const += tau * inst.count
    if nu is not None and inst.site_type is not None:
        rc = rc - nu[inst.site_type]
        const += float(nu @ inst.type_max)
    return const + float(np.maximum(rc, 0.0).sum()), rc


@dataclass(frozen=True)
class SiteLP:
    r"""What site column generation proves: the LP bound, reduced scores and the best plan.

    Attributes
    ----------
    bound
        The best Lagrangian bound :math:`U` found (the LP bound once ``converged``).
    rc
        Every site's reduced score :math:`\bar c_j` at the multipliers that gave ``bound``.
    lower
        Objective of ``plan``, the best plan known.
    plan
        The best plan known (mask over the instance's sites).
    support
        Sites with a positive value in the last restricted LP.
    converged
        Whether no site priced out in the last round (the restricted LP is the full LP).
    lam
        The cover-row multipliers :math:`\lambda \in [0, w]` that gave ``bound``.
    info
        Rounds, timings and the history of the rounds.
    """

    bound: float
    rc: np.ndarray
    lower: float
    plan: np.ndarray
    support: np.ndarray
    converged: bool
    lam: np.ndarray
    info: dict[str, Any]


def site_column_generation(
    inst: CoverInstance,
    options: SolveOptions,
    *,
    start: np.ndarray | None = None,
    batch: int | None = None,
    max_rounds: int = 60,
) -> SiteLP:
    """Steps 1-2 of the module docstring: the LP bound by site column generation.

    Stops when no site prices out, when the bound equals the restricted LP's value (it is then
    the LP bound), when it is within the requested gap of the best plan,
    at the time limit or after ``max_rounds`` rounds. With a count as the only limit the bound
    takes the count's multiplier at its optimum (never looser than the LP dual's) and sites are
    priced at the midpoint of the best and the latest multipliers when that finds any (Wentges'
    smoothing, against the degenerate duals' tailing), else at the LP duals, so that no site
    pricing out still means the restricted LP is the full LP. Every multiplier vector tried lies
    in :math:`[0, w]`, so every bound is valid whenever the loop stops.
    """
    t0 = time.perf_counter()
    deadline = None if options.time_limit_s is None else t0 + options.time_limit_s
    stop_gap = options.mip_rel_gap
    n = inst.n
    a = sp.csr_array(inst.a, dtype=float)
    at = sp.csr_array(a.T)
    obj = LevelObjective(inst.w, a, np.array([1.0]))
    rules = site_rules(inst, PlanRules())
    limit = options.time_limit_s
    swaps_until = None if limit is None else t0 + START_TIME_SHARE * limit
    plan = best_plan(obj, rules, deadline=swaps_until) if start is None else np.asarray(start, dtype=bool)
    lb = obj.value(obj.counts(plan))
    t_heur, lb_start = time.perf_counter() - t0, lb
    p = inst.count or max(1, int(plan.sum()))
    k = batch or max(5 * p, 100)

    uncovered = (a @ plan.astype(float)) == 0
    gain = at @ (inst.w * uncovered)
    work = np.zeros(n, dtype=bool)
    work[plan] = True
    work[np.argsort(-gain)[: 3 * k]] = True
    work[np.argsort(-(at @ inst.w))[:k]] = True
    full_lp = work.sum() > FULL_LP_SHARE * n and a.nnz > FULL_LP_MIN_DEGREE * inst.m
    work_sparse = work.copy()  # the ordinary first working set, should the dense round be cut off
    if full_lp:  # most sites would join, and simplex is slow on dense rows: the full LP by IPM
        work[:] = True
    ipm, ipm_cut_off = full_lp, False

    best_u, best_rc, best_lam = np.inf, np.zeros(n), inst.w.copy()
    support = plan.copy()
    history: list[dict[str, float]] = []
    converged = False
    master = SiteMaster(inst, at, options)
    # lambda = 0 on coverable points (w elsewhere) bounds by the coverable weight: when plans
    # cover nearly everything this beats the LP's multipliers before they converge.
    lam0 = np.where(np.diff(a.indptr) > 0, 0.0, inst.w)
    u0, rc0 = _bound(inst, at, lam0, 0.0, 0.0, None)
    rounds = max_rounds if u0 > lb * (1 + stop_gap) else 0  # no LP when the start is proven
    for rnd in range(rounds):
        master.add_sites(np.flatnonzero(work))
        cols = master.sites
        left = None if deadline is None else max(0.5, deadline - time.perf_counter())
        if ipm and left is not None:  # leave the fallback below time to work in
            left = max(0.5, FULL_LP_TIME_SHARE * left)
        lp_value, x_lp, duals = master.solve(left, ipm=ipm)
        lam = master.point_duals()  # lambda_i = w_i where the working set leaves i uncovered
        mu = float(duals["budget"][0]) if "budget" in duals else 0.0
        tau = float(duals["count"][0]) if "count" in duals else 0.0
        nu = duals.get("type_max")
        score = np.asarray(at @ lam, dtype=float)  # A^T lambda, once per round
        u, rc = _bound(inst, at, lam, mu, tau, nu, score)
        if u < best_u:  # valid for any lambda in [0, w], an interior iterate's too
            best_u, best_rc, best_lam = u, rc, lam
        if ipm and not master.optimal:
            # Cut off before crossover: the iterate is interior (nearly every y > 0), so neither
            # its support nor its value means anything. Fall back to the ordinary column
            # generation (the sparse working set, primal simplex) for the time left.
            history.append(
                {
                    "round": rnd,
                    "working_sites": n,
                    "bound": u,
                    "ipm_cut_off": 1.0,
                    **_ipm_stats(master),
                    "seconds": time.perf_counter() - t0,
                }
            )
            ipm, ipm_cut_off, work = False, True, work_sparse
            master = SiteMaster(inst, at, options)
            if deadline and time.perf_counter() > deadline:
                break
            continue
        smoothed = _count_only_bounds(inst, at, lam, best_lam if rnd else None, score)
        for u_c, rc_c, lam_c in smoothed:
            if u_c < best_u:
                best_u, best_rc, best_lam = u_c, rc_c, lam_c
        support = np.zeros(n, dtype=bool)
        support[cols[x_lp > 1e-6]] = True
        # A rounded LP plan, improved by swaps, sometimes beats the incumbent.
        cand = np.zeros(n, dtype=bool)
        cand[cols[np.argsort(-x_lp)[: int(round(x_lp.sum()))]]] = True
        if rules.is_feasible(cand) and obj.value(obj.counts(cand)) > lb:
            cand = swap_search(obj, rules, cand, deadline=deadline)
            lb, plan = obj.value(obj.counts(cand)), cand
        scale = max(1.0, abs(lp_value))
        price = np.where(work, -np.inf, rc)
        entering = np.flatnonzero(price > 1e-9 * scale)
        if len(smoothed) == 2:  # Wentges smoothing: price at the centre when it finds sites
            price_s = np.where(work, -np.inf, smoothed[0][1])
            if (price_s > 1e-9 * scale).any():
                price, entering = price_s, np.flatnonzero(price_s > 1e-9 * scale)
        history.append(
            {
                "round": rnd,
                "working_sites": int(work.sum()),
                "points": master.groups,
                "lp": lp_value,
                "bound": u,
                "entering": int(entering.size),
                **_ipm_stats(master),
                "seconds": time.perf_counter() - t0,
            }
        )
        if not entering.size:
            converged = master.optimal
            break
        if min(best_u, u0) <= lb * (1 + stop_gap) or (deadline and time.perf_counter() > deadline):
            break
        ipm = False
        # The bound is the restricted LP's (optimal) value: it is the LP bound.
        if master.optimal and best_u <= lp_value + 1e-9 * scale:
            converged = True
            break
        work[entering[np.argsort(-price[entering])[:k]]] = True
    if u0 < best_u:
        best_u, best_rc, best_lam = u0, rc0, lam0
    info = {
        "rounds": len(history),
        "converged": converged,
        "full_lp_ipm": bool(full_lp),
        "ipm_cut_off": ipm_cut_off,
        "lp_bound": best_u,
        "start_objective": lb_start,
        "heuristic_s": t_heur,
        "column_generation_s": time.perf_counter() - t0,
        "history": history,
    }
    return SiteLP(
        bound=best_u,
        rc=best_rc,
        lower=lb,
        plan=plan,
        support=support,
        converged=converged,
        lam=best_lam,
        info=info,
    )


FULL_LP_SHARE = 0.45
"""Share of the sites above which the first working set becomes all sites, solved by interior
point: measured on 20,000 × 2,000 (r = 350 km, p = 50: 992 sites to start), column generation
by primal simplex had not converged in 120 s where HiGHS's IPM solved the full LP in 21 s
(r = 250 km, p = 100: 60 s against 14 s)."""
FULL_LP_MIN_DEGREE = 12.0
"""Mean number of sites covering a point above which :data:`FULL_LP_SHARE` applies: on sparse
coverage primal simplex is the faster (20,000 × 2,000, r = 150 km, 6.7 sites a point, p = 100:
1.7 s against 4.2 s by IPM); the two cells above have 34 and 18."""

FULL_LP_TIME_SHARE = 0.5
"""Share of the time left the dense first round's interior point may use under a time limit;
cut off, the ordinary column generation gets the rest (an interior iterate has no usable
support, and a MILP over nearly every site overran a 10 s limit by 26 s on 20,000 × 2,000)."""


def _ipm_stats(master: SiteMaster) -> dict[str, float]:
    """HiGHS's interior-point and crossover iteration counts of the master's last solve."""
    return {k: float(master.stats.get(k, 0)) for k in ("ipm_iterations", "crossover_iterations")}


SMOOTHING = 0.5
"""Weight of the best multipliers in the smoothed pricing point (Wentges 1997)."""


def _count_only_bounds(
    inst: CoverInstance, at: sp.csr_array, lam: np.ndarray, best: np.ndarray | None, score: np.ndarray
) -> list[tuple[float, np.ndarray, np.ndarray]]:
    """Bounds with the count's multiplier chosen optimally, when a count is the only limit.

    They are taken (:func:`models.lagrangian.count_bound`) at the smoothed point and at ``lam``;
    with other limits there are none.
    """
    if inst.count is None or inst.budget is not None or inst.type_max is not None:
        return []
    from models.lagrangian import count_bound

    own = (*count_bound(inst.w, at, lam, inst.count, score), lam)  # score = A^T lam, given
    if best is None:
        return [own]
    centre = SMOOTHING * best + (1 - SMOOTHING) * lam
    return [(*count_bound(inst.w, at, centre, inst.count), centre), own]


def fix_sites(lp: SiteLP, lower: float, gap: float) -> tuple[np.ndarray, float]:
    """Step 3: the sites that may still be in a plan better than ``lower``.

    Returns their mask and the bound of every plan using a removed site (``-inf`` when none is
    removed).
    """
    forced = lp.bound - np.maximum(0.0, -lp.rc)
    free = forced > lower * (1 + gap)
    fixed_bound = float(forced[~free].max()) if (~free).any() else -np.inf
    return free, fixed_bound


def solve_max_cover_decomposed(
    inst: CoverInstance,
    options: SolveOptions | None = None,
    *,
    start: np.ndarray | None = None,
    batch: int | None = None,
    max_rounds: int = 60,
    solver_options: dict[str, Any] | None = None,
) -> SolveResult:
    """Maximal covering by site column generation, bound fixing and an exact restricted MILP.

    ``inst`` should already be presolved (:func:`models.presolve.presolve_cover`). The result's
    ``x`` is a mask over ``inst``'s sites and its bound is valid for the whole instance;
    ``extra["decomposition"]`` reports the rounds, the working set and the fixing.
    """
    options = options or SolveOptions()
    check_decomposable(inst)
    t0 = time.perf_counter()
    deadline = None if options.time_limit_s is None else t0 + options.time_limit_s
    n = inst.n
    lp = site_column_generation(inst, options, start=start, batch=batch, max_rounds=max_rounds)
    lb, plan, best_u = lp.lower, lp.plan, lp.bound
    # Bound fixing: a site whose forced-in bound is within the requested gap of the best plan
    # is removed; the largest such bound stays part of the reported bound.
    free, fixed_bound = fix_sites(lp, lb, options.mip_rel_gap)
    free |= plan
    info: dict[str, Any] = {
        **lp.info,
        "sites_free_after_fixing": int(free.sum()),
        "fixed_sites_bound": fixed_bound if np.isfinite(fixed_bound) else None,
    }
    remaining = None if deadline is None else max(1.0, deadline - time.perf_counter())
    if best_u <= lb * (1 + options.mip_rel_gap):  # the LP bound already proves the plan
        return _result(inst, plan, lb, best_u, Termination.OPTIMAL, SolutionStatus.OPTIMAL, t0, info, nodes=0)
    cols = np.flatnonzero(free)
    if deadline is not None and cols.size > MAX_FREE_SITES:
        # Under a time limit HiGHS overruns it by minutes over this many free sites: the plan and
        # the LP bound (valid for every plan) are returned instead of an exact MILP.
        info["restricted_milp"] = {"skipped": "too many free sites", "sites": int(cols.size)}
        return _result(
            inst, plan, lb, best_u, Termination.TIME_LIMIT, SolutionStatus.FEASIBLE, t0, info, nodes=0
        )
    restricted, _, _ = _restrict(inst, cols)
    res = solve_formulation(
        max_cover(restricted),
        replace(options, time_limit_s=remaining),
        "highs",
        warm_start=plan[cols],
        engine_config={"solver_options": dict(solver_options or {})},
    )
    info["restricted_milp"] = {
        "points": restricted.m,
        "sites": restricted.n,
        "seconds": res.wall_time_s,
        "status": res.status,
    }
    obj = LevelObjective(inst.w, inst.a, np.array([1.0]))
    if res.x is not None:
        cand = np.zeros(n, dtype=bool)
        cand[cols[res.x]] = True
        v = obj.value(obj.counts(cand))
        if v > lb:
            lb, plan = v, cand
    # Any plan uses only free sites (bounded by the restricted MILP) or a fixed one (bounded by
    # the best plan): the larger of the two bounds holds for the whole instance.
    bound = min(best_u, max(lb, fixed_bound, res.bound if res.bound is not None else best_u))
    status = (
        SolutionStatus.OPTIMAL if res.solution_status is SolutionStatus.OPTIMAL else (SolutionStatus.FEASIBLE)
    )
    return _result(inst, plan, lb, bound, res.termination, status, t0, info, nodes=res.node_count)


def check_decomposable(inst: CoverInstance) -> None:
    """Raise :class:`DecompositionError` unless ``inst`` is plain maximal covering."""
    if inst.required is not None and inst.required.any():
        raise DecompositionError("the decomposition does not handle required points")
    if inst.budget is None and inst.count is None and inst.type_max is None:
        raise DecompositionError("maximal covering needs a budget, a count or type limits")


def _result(
    inst: CoverInstance,
    plan: np.ndarray,
    value: float,
    bound: float,
    term: Termination,
    status: SolutionStatus,
    t0: float,
    info: dict[str, Any],
    nodes: int | None,
    key: str = "decomposition",
    raw: str = "decomposition",
) -> SolveResult:
    bound = max(bound, value)
    gap = relative_gap(value, bound)
    return SolveResult(
        termination=term,
        solution_status=status,
        objective=value,
        bound=bound,
        gap=gap,
        wall_time_s=time.perf_counter() - t0,
        engine="highs",
        solver="highs",
        solver_version=highs_version(),
        x=plan,
        node_count=nodes,
        raw_status=raw,
        extra={key: info},
    )
