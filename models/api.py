"""Entry points: presolve, build a formulation, solve on an engine, map the plan back."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from models import engines
from models.formulations.layered import layered
from models.formulations.rules import partner_totals
from models.instance import LayeredInstance, PlanRules
from models.presolve import presolve_layered
from models.result import SolveOptions, SolveResult
from models.solve import expand_result, solve_formulation


def _engine_config(engine: str, solver: str | None, solver_options: dict[str, Any] | None) -> dict:
    config: dict[str, Any] = {}
    if engine == "pyomo" and solver is not None:
        config["solver"] = solver
    elif engine != "pyomo" and solver not in (None, "highs", "cp-sat", "cpsat"):
        raise engines.UnknownEngineError(
            f"engine {engine!r} runs its own solver; solver={solver!r} needs engine='pyomo'"
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
        dominated sites before building (the report is in ``extra["presolve"]``).
    solver_options
        Options passed verbatim to the solver.

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
    red_inst, red_rules, red = presolve_layered(
        instance, rules, merge=presolve, dominance=presolve
    )
    form = layered(red_inst, red_rules, totals=totals)
    build = time.perf_counter() - t0
    ws = red.restrict(warm_start) if warm_start is not None else None
    res = solve_formulation(form, options, engine, warm_start=ws, engine_config=config,
                            build_time_s=build)
    if res.x is None:
        return expand_result(res, None, None, presolve=red.report)
    x_full = red.expand(res.x)
    return expand_result(res, x_full, instance.evaluate(x_full)[0], presolve=red.report)
