"""Entry points: presolve, build a formulation, solve on an engine, map the plan back.

Length: ``solve_cover`` validates, presolves, chooses the method (the reported ``auto`` rule) and
maps the plan back in one place, so the choice and its reason stay readable together.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from models import engines
from models.formulations.base import Formulation
from models.formulations.cover import max_cover, min_cost_cover
from models.formulations.layered import layered
from models.formulations.levels import backup_cover, expected_cover, level_values, max_levels
from models.formulations.rules import partner_totals
from models.instance import CoverInstance, LayeredInstance, PlanRules
from models.linear import ModelError
from models.presolve import presolve_cover, presolve_layered
from models.result import SolveOptions, SolveResult
from models.solve import expand_result, solve_formulation


def _engine_config(engine: str, solver: str | None, solver_options: dict[str, Any] | None) -> dict:
    config: dict[str, Any] = {}
    choice = engines.capabilities(engine).solver_choice
    if choice and solver is not None:
        config["solver"] = solver
    elif not choice and solver not in (None, "highs", "cp-sat", "cpsat"):
        raise engines.UnknownEngineError(
            f"engine {engine!r} runs its own solver; solver={solver!r} needs an engine that "
            "chooses solvers (pyomo)"
        )
    if solver_options:
        config["solver_options"] = dict(solver_options)
    return config


def solve_layered(
    instance: LayeredInstance,
    options: SolveOptions | None = None,
    *,
    engine: str = engines.DEFAULT_ENGINE,
    solver: str | None = None,
    warm_start: np.ndarray | None = None,
    rules: PlanRules | None = None,
    presolve: bool = True,
    solver_options: dict[str, Any] | None = None,
    tie_break: bool = False,
) -> SolveResult:
    """Solve the budgeted layered maximal-covering model (:func:`models.formulations.layered`).

    Parameters
    ----------
    instance
        The instance.
    options
        Shared solve options (time limit, gap, threads, seed).
    engine
        ``"highs"`` (sparse arrays to highspy), ``"pyomo"`` (any Pyomo solver, see ``solver``)
        or ``"cpsat"``.
    solver
        For ``engine="pyomo"``: the Pyomo solver name (default ``"highs"``).
    warm_start
        A plan (boolean mask over the sites) to start from; used when feasible.
    rules
        Side rules: existing assets, exclusive pairs, type quotas, partner shares.
    presolve
        Drop points no plan can defend and zero-weight points, merge identical points and remove
        dominated sites before building (the report is ``result.presolve``).
    solver_options
        Options passed verbatim to the solver.
    tie_break
        Among plans of the value found, return the one :mod:`models.tiebreak` prefers (a second
        solve), so that the plan does not depend on the warm start or the solver's path.

    Returns
    -------
    SolveResult
        ``x`` is a boolean mask over the instance's sites and ``objective`` equals
        ``instance.evaluate(x)[0]``. Stopped early, the result holds the best plan known
        (the solver's incumbent or the greedy + swap plan) and the gap to the best bound.
    """
    options = options or SolveOptions()
    config = _engine_config(engine, solver, solver_options)
    rules = rules or PlanRules()
    t0 = time.perf_counter()
    totals = partner_totals(rules, instance.w)
    red_inst, red_rules, red = presolve_layered(instance, rules, merge=presolve, dominance=presolve)
    form = layered(red_inst, red_rules, totals=totals)
    build = time.perf_counter() - t0
    ws = red.restrict(warm_start) if warm_start is not None else None
    res = solve_formulation(form, options, engine, warm_start=ws, engine_config=config, build_time_s=build)
    if res.x is None:
        return expand_result(res, None, None, presolve_report=red.report)
    if tie_break:
        from models.tiebreak import break_ties

        t1 = time.perf_counter()
        x_tb, how = break_ties(form, np.asarray(res.x, bool), red_inst.c, options, engine, config)
        res = replace(
            res,
            x=x_tb,
            extra={**res.extra, "tie_break": how, "tie_break_s": round(time.perf_counter() - t1, 3)},
        )
    assert res.x is not None  # checked above; tie-breaking keeps a plan
    x_full = red.expand(res.x)
    return expand_result(res, x_full, instance.evaluate(x_full)[0], presolve_report=red.report)


COVER_FORMULATIONS = ("max_cover", "min_cost", "backup", "expected")
METHODS = ("auto", "milp", "decompose", "benders")
"""Methods accepted by :func:`solve_cover`."""
DECOMPOSE_MIN_NONZEROS = 20_000
"""Covered pairs from which ``method="auto"`` leaves the whole MILP for the site-space method."""


@dataclass(frozen=True)
class MethodChoice:
    """What ``method="auto"`` runs, and why (reported in ``SolveResult.extra``)."""

    method: str
    reason: str


def plan_size(instance: CoverInstance) -> float:
    """How many sites a plan may hold: the count, or the budget over the mean site cost."""
    sizes = [float(instance.n)]
    if instance.count is not None:
        sizes.append(float(instance.count))
    if instance.budget is not None and instance.c.size and instance.c.mean() > 0:
        sizes.append(float(instance.budget) / float(instance.c.mean()))
    return min(sizes)


def choose_method(instance: CoverInstance) -> MethodChoice:
    """The method ``method="auto"`` runs for plain maximal covering on HiGHS (measured rule).

    Measured side by side on the grid of ``bench/solve_grid.py`` (README): below
    :data:`DECOMPOSE_MIN_NONZEROS` covered pairs the whole MILP with HiGHS's defaults solves in
    well under a second. Above it the site-space method (:mod:`models.benders`) proved the
    optimum first on every instance where either proved it, at every plan size: since its
    restricted LP is re-optimised in place (:mod:`models.sitemaster`), also at p = 100 of 2,000
    sites (20,000 points, r = 150 km: 0.7 s against 3.3 s for HiGHS with an interior-point root
    and presolve off, in the README's grid at commit 07cfedb, its narrowest margin, 4.7×), where the
    whole MILP used to be picked. Where neither proves the optimum within the cap (five cells of
    that grid) neither is known to be faster, so the rule stands.
    """
    nnz, k = int(instance.a.nnz), plan_size(instance)
    if nnz < DECOMPOSE_MIN_NONZEROS:
        return MethodChoice("milp", f"{nnz:,} covered pairs < {DECOMPOSE_MIN_NONZEROS:,}: whole MILP")
    return MethodChoice(
        "benders", f"{nnz:,} covered pairs, plans of {k:.0f} of {instance.n:,} sites: site space"
    )


def build_cover(
    instance: CoverInstance,
    formulation: str = "max_cover",
    rules: PlanRules | None = None,
    *,
    theta: float = 0.5,
    p: float | None = None,
    levels: int | None = None,
    totals: np.ndarray | None = None,
) -> Formulation:
    """Build one of the covering formulations by name (see :data:`COVER_FORMULATIONS`)."""
    if formulation == "max_cover":
        return max_cover(instance, rules, totals=totals)
    if formulation == "min_cost":
        return min_cost_cover(instance, rules)
    if formulation == "backup":
        return backup_cover(instance, theta, rules, totals=totals)
    if formulation == "expected":
        if p is None:
            raise ModelError("expected coverage needs p, each asset's probability of success")
        return expected_cover(instance, p, rules, levels=levels, totals=totals)
    raise ModelError(f"unknown formulation {formulation!r}; choose one of {', '.join(COVER_FORMULATIONS)}")


def cover_value(
    instance: CoverInstance,
    x: np.ndarray,
    formulation: str,
    *,
    theta: float = 0.5,
    p: float | None = None,
    levels: int | None = None,
) -> float:
    """Objective of plan ``x`` under a covering formulation, from the instance alone."""
    x = np.asarray(x, dtype=bool)
    if formulation == "max_cover":
        return instance.evaluate(x)[0]
    if formulation == "min_cost":
        return float(instance.c[x].sum())
    if formulation == "backup":
        return level_values(instance, x, np.array([theta, 1.0 - theta]))
    if p is None:
        raise ModelError("expected coverage needs p, each asset's probability of success")
    big_l = max(max_levels(instance) if levels is None else int(levels), 1)
    return level_values(instance, x, float(p) * (1.0 - float(p)) ** np.arange(big_l))


def solve_cover(
    instance: CoverInstance,
    options: SolveOptions | None = None,
    *,
    formulation: str = "max_cover",
    engine: str = engines.DEFAULT_ENGINE,
    solver: str | None = None,
    warm_start: np.ndarray | None = None,
    rules: PlanRules | None = None,
    presolve: bool = True,
    theta: float = 0.5,
    p: float | None = None,
    levels: int | None = None,
    solver_options: dict[str, Any] | None = None,
    method: str = "auto",
) -> SolveResult:
    """Solve a covering formulation on an engine (see :func:`solve_layered` for the rest).

    Parameters
    ----------
    formulation
        ``"max_cover"`` (:func:`~models.formulations.cover.max_cover`), ``"min_cost"``
        (:func:`~models.formulations.cover.min_cost_cover`), ``"backup"``
        (:func:`~models.formulations.levels.backup_cover`, weight ``theta`` on first coverage)
        or ``"expected"`` (:func:`~models.formulations.levels.expected_cover`, success
        probability ``p``, optional cap ``levels``).
    method
        ``"milp"``: the whole model to the engine. ``"decompose"``: site column generation, bound
        fixing and an exact restricted MILP (:mod:`models.decompose`; maximal covering without
        required points or rules, HiGHS only). ``"benders"``: the same bound in site space,
        then a primal MILP over the LP support, fixing with the better plan and an exact reduced
        MILP (:mod:`models.benders`). ``"auto"`` picks by :func:`choose_method` for plain maximal
        covering on highs (the whole MILP otherwise); ``extra["method"]`` and
        ``extra["method_reason"]`` report the choice.

    Returns
    -------
    SolveResult
        ``x`` is a boolean mask over the instance's sites; ``objective`` is recomputed from it
        on the unreduced instance (:func:`cover_value`).
    """
    options = options or SolveOptions()
    config = _engine_config(engine, solver, solver_options)
    rules = rules or PlanRules()
    if formulation not in COVER_FORMULATIONS:
        build_cover(instance, formulation)  # raises the naming error
    if method not in METHODS:
        raise ModelError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    simple = (
        formulation == "max_cover"
        and not instance.required_mask.any()
        and rules.is_empty
        and engines.capabilities(engine).in_process_highs
    )
    if method in ("decompose", "benders") and not simple:
        raise ModelError(
            f"method={method!r} needs max_cover on the highs engine, without required points or plan rules"
        )
    reason = "requested" if method != "auto" else "auto: not plain maximal covering on highs"
    if method == "auto" and simple:
        choice = choose_method(instance)
        method, reason = choice.method, f"auto: {choice.reason}"
    elif method == "auto":
        method = "milp"
    if method in ("decompose", "benders"):
        res = _solve_decomposed(instance, options, warm_start, presolve, solver_options, method)
        return replace(res, extra={**res.extra, "method_reason": reason})
    t0 = time.perf_counter()
    if formulation == "expected" and levels is None:
        levels = max_levels(instance)
    totals = partner_totals(rules, instance.w)
    red_inst, red_rules, red = presolve_cover(
        instance, rules, objective=formulation, merge=presolve, dominance=None if presolve else False
    )
    form = build_cover(red_inst, formulation, red_rules, theta=theta, p=p, levels=levels, totals=totals)
    build = time.perf_counter() - t0
    ws = red.restrict(warm_start) if warm_start is not None else None
    res = solve_formulation(form, options, engine, warm_start=ws, engine_config=config, build_time_s=build)
    if res.x is None:
        return expand_result(
            res,
            None,
            None,
            presolve_report=red.report,
            formulation=formulation,
            method=method,
            method_reason=reason,
        )
    x_full = red.expand(res.x)
    value = cover_value(instance, x_full, formulation, theta=theta, p=p, levels=levels)
    return expand_result(
        res,
        x_full,
        value,
        presolve_report=red.report,
        formulation=formulation,
        method=method,
        method_reason=reason,
    )


def _solve_decomposed(
    instance: CoverInstance,
    options: SolveOptions,
    warm_start: np.ndarray | None,
    presolve: bool,
    solver_options: dict[str, Any] | None,
    method: str = "decompose",
) -> SolveResult:
    from models.benders import solve_max_cover_benders
    from models.decompose import solve_max_cover_decomposed

    t0 = time.perf_counter()
    # Dominance is left to the decomposition's bound fixing (cheaper at scale than A^T A).
    red_inst, _, red = presolve_cover(instance, merge=presolve, dominance=False)
    build = time.perf_counter() - t0
    start = None
    if warm_start is not None:
        ws = red.restrict(warm_start)
        start = ws if red_inst.is_feasible(ws) else None
    solve = solve_max_cover_benders if method == "benders" else solve_max_cover_decomposed
    res = solve(red_inst, options, start=start, solver_options=solver_options)
    res = replace(res, build_time_s=build)
    assert res.x is not None  # the decomposition always returns its incumbent plan
    x_full = red.expand(res.x)
    return expand_result(
        res,
        x_full,
        instance.evaluate(x_full)[0],
        presolve_report=red.report,
        formulation="max_cover",
        method=method,
    )
