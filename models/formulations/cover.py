"""Single-layer covering: budgeted maximal covering and minimum-cost covering."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from models.formulations.base import Formulation, labels, type_matrix
from models.formulations.rules import (
    add_partner_shares,
    add_site_rules,
    partner_totals,
    rules_feasible,
)
from models.heuristics import LevelObjective, SiteRules, best_plan, greedy_set_cover
from models.instance import CoverInstance, PlanRules
from models.linear import LinearModel, Sense, VarBlock, VarKind
from models.names import BUDGET, COUNT, COVER, REQUIRED_COVER, TYPE_MAX, X, Y


def add_plan_limits(model: LinearModel, x: VarBlock, inst: CoverInstance) -> None:
    r"""Add the instance's limits.

    :math:`\sum_j c_j x_j \le B` (``budget``), :math:`\sum_j x_j \le p` (``count``),
    :math:`\sum_{t(j)=t} x_j \le M_t` (``type_max[t]``).
    """
    if inst.budget is not None:
        model.add_constraints(BUDGET, labels([BUDGET]), {x: inst.c}, ub=float(inst.budget))
    if inst.count is not None:
        model.add_constraints(COUNT, labels([COUNT]), {x: np.ones(inst.n)}, ub=float(inst.count))
    if inst.site_type is not None and inst.type_max is not None:
        model.add_constraints(
            TYPE_MAX,
            labels(list(inst.type_names)),
            {x: type_matrix(inst.site_type, inst.type_max.shape[0])},
            ub=inst.type_max.astype(float),
        )


def add_required(model: LinearModel, x: VarBlock, inst: CoverInstance, required: np.ndarray) -> None:
    r"""Add :math:`\sum_j a_{ij} x_j \ge 1` for every required point (``required_cover[i]``)."""
    idx = np.flatnonzero(required)
    if idx.size:
        model.add_constraints(REQUIRED_COVER, inst.demand_ids[idx], {x: inst.a[idx]}, lb=1.0)


def site_rules(inst: CoverInstance, rules: PlanRules, start: np.ndarray | None = None) -> SiteRules:
    """The heuristics' view of the instance limits and the rules (``start`` sites are kept)."""
    existing = rules.existing
    if start is not None:
        existing = start if existing is None else (existing | start)
    return SiteRules(
        c=inst.c,
        budget=inst.budget,
        count=inst.count,
        site_type=inst.site_type,
        type_max=inst.type_max,
        existing=existing,
        exclusive=rules.exclusive,
    )


def _start_with_required(inst: CoverInstance, rules: PlanRules) -> np.ndarray | None:
    """A plan covering the required points (greedy set cover), or ``None`` if none is found."""
    if not inst.required_mask.any():
        return rules.existing
    return greedy_set_cover(inst.a, inst.c, inst.required_mask, site_rules(inst, rules))


def level_heuristic(inst: CoverInstance, rules: PlanRules, increments: np.ndarray):
    """Greedy + swap on a level objective, after covering the required points."""

    def run() -> np.ndarray | None:
        base = _start_with_required(inst, rules)
        if inst.required_mask.any() and base is None:
            return None
        return best_plan(LevelObjective(inst.w, inst.a, increments), site_rules(inst, rules, base))

    return run


def max_cover(
    inst: CoverInstance,
    rules: PlanRules | None = None,
    *,
    totals: np.ndarray | None = None,
) -> Formulation:
    r"""Budgeted maximal covering (Church & ReVelle's MCLP with a budget and/or a count).

    .. math::

        \max\ & \sum_{i} w_i y_i \\
        \text{s.t. }
        & y_i \le \sum_{j} a_{ij} x_j & \forall i & \quad (\texttt{cover}[i]) \\
        & \sum_j a_{ij} x_j \ge 1 & \forall i \in R & \quad (\texttt{required\_cover}[i]) \\
        & \sum_j c_j x_j \le B,\ \ \sum_j x_j \le p,\ \
          \sum_{t(j)=t} x_j \le M_t & & \quad (\texttt{budget}, \texttt{count}, \texttt{type\_max}[t]) \\
        & x_j \in \{0,1\},\ 0 \le y_i \le 1

    Each limit is present only when the instance sets it; :class:`~models.instance.PlanRules`
    adds existing assets, exclusive pairs, type quotas and partner shares.
    """
    rules = rules or PlanRules()
    totals = partner_totals(rules, inst.w) if totals is None else totals
    model = LinearModel("max_cover", Sense.MAXIMIZE)
    x = model.add_vars(X, inst.site_ids, kind=VarKind.BINARY)
    # y may be continuous: with x binary the right-hand side is an integer, so an optimal
    # y_i = min(1, coverage count) is integral.
    y = model.add_vars(Y, inst.demand_ids, lb=0.0, ub=1.0, integral_at_optimum=True)
    model.set_objective({y: inst.w})
    model.add_constraints(COVER, inst.demand_ids, {y: sp.eye_array(inst.m, format="csr"), x: -inst.a}, ub=0.0)
    add_required(model, x, inst, inst.required_mask)
    add_plan_limits(model, x, inst)
    num_types = 0 if inst.type_max is None else inst.type_max.shape[0]
    rules.check_sizes(inst.m, inst.n, num_types)
    add_site_rules(model, x, rules, inst.site_type, inst.type_names)
    add_partner_shares(model, y, rules, inst.w, totals)

    def covered(plan: np.ndarray) -> np.ndarray:
        return inst.coverage_counts(plan) > 0

    return Formulation(
        model=model,
        sites=x,
        complete=lambda plan: np.concatenate([plan.astype(float), covered(plan).astype(float)]),
        value=lambda plan: inst.evaluate(plan)[0],
        feasible=lambda plan: (
            inst.is_feasible(plan)
            and rules_feasible(rules, plan, inst.site_type, covered(plan), inst.w, totals)
        ),
        heuristic=level_heuristic(inst, rules, np.array([1.0])),
    )


def min_cost_cover(inst: CoverInstance, rules: PlanRules | None = None) -> Formulation:
    r"""Minimum-cost covering of the required points (the set-covering problem).

    .. math::

        \min\ & \sum_{j} c_j x_j \\
        \text{s.t. }
        & \sum_j a_{ij} x_j \ge 1 & \forall i \in R & \quad (\texttt{required\_cover}[i]) \\
        & \sum_j c_j x_j \le B,\ \ \sum_j x_j \le p,\ \
          \sum_{t(j)=t} x_j \le M_t & & \quad (\texttt{budget}, \texttt{count}, \texttt{type\_max}[t]) \\
        & x_j \in \{0,1\}

    :math:`R` is the instance's required points, or every point when none is marked. Weights
    play no part. Partner shares in ``rules`` are ignored (there is no ``y``).
    """
    rules = rules or PlanRules()
    req = inst.required_mask if inst.required is not None else np.ones(inst.m, dtype=bool)
    model = LinearModel("min_cost", Sense.MINIMIZE)
    x = model.add_vars(X, inst.site_ids, kind=VarKind.BINARY)
    model.set_objective({x: inst.c})
    add_required(model, x, inst, req)
    add_plan_limits(model, x, inst)
    num_types = 0 if inst.type_max is None else inst.type_max.shape[0]
    rules.check_sizes(inst.m, inst.n, num_types)
    add_site_rules(model, x, rules, inst.site_type, inst.type_names)
    no_shares = PlanRules(existing=rules.existing, exclusive=rules.exclusive, type_min=rules.type_min)

    def feasible(plan: np.ndarray) -> bool:
        ok = inst.is_feasible(plan) and not (req & (inst.coverage_counts(plan) == 0)).any()
        return ok and rules_feasible(no_shares, plan, inst.site_type, req, inst.w, None)

    return Formulation(
        model=model,
        sites=x,
        complete=lambda plan: plan.astype(float),
        value=lambda plan: float(inst.c[np.asarray(plan, bool)].sum()),
        feasible=feasible,
        heuristic=lambda: greedy_set_cover(inst.a, inst.c, req, site_rules(inst, rules)),
    )
