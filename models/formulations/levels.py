"""Coverage that counts more than once: backup coverage and expected coverage."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np
import scipy.sparse as sp

from models.formulations.base import Formulation, labels
from models.formulations.cover import add_plan_limits, add_required, level_heuristic
from models.formulations.rules import (
    add_partner_shares,
    add_site_rules,
    partner_totals,
    rules_feasible,
)
from models.instance import CoverInstance, PlanRules
from models.linear import LinearModel, ModelError, Sense, VarBlock, VarKind
from models.names import BACKUP_COVER, BACKUP_ORDER, LEVEL_COVER, U, X, Y, Z


def level_values(inst: CoverInstance, plan: np.ndarray, increments: np.ndarray) -> float:
    """``sum_i w_i g(k_i)`` with ``g(k) = sum_{l <= min(k, L)} increments[l]``."""
    g = np.concatenate([[0.0], np.cumsum(increments)])
    k = np.minimum(inst.coverage_counts(plan), len(increments))
    return float(inst.w @ g[k])


def _common(model: LinearModel, inst: CoverInstance, rules: PlanRules) -> VarBlock:
    x = model.add_vars(X, inst.site_ids, kind=VarKind.BINARY)
    add_required(model, x, inst, inst.required_mask)
    add_plan_limits(model, x, inst)
    num_types = 0 if inst.type_max is None else inst.type_max.shape[0]
    rules.check_sizes(inst.m, inst.n, num_types)
    add_site_rules(model, x, rules, inst.site_type, inst.type_names)
    return x


def _level_formulation(
    model: LinearModel,
    x: VarBlock,
    inst: CoverInstance,
    rules: PlanRules,
    totals: np.ndarray | None,
    inc: np.ndarray,
    complete: Callable[[np.ndarray], np.ndarray],
    extra: dict[str, Any],
) -> Formulation:
    """The :class:`Formulation` of a multi-coverage model whose value is :func:`level_values`."""
    return Formulation(
        model=model,
        sites=x,
        complete=complete,
        value=lambda plan: level_values(inst, plan, inc),
        feasible=lambda plan: inst.is_feasible(plan)
        and rules_feasible(rules, plan, inst.site_type, inst.coverage_counts(plan) > 0, inst.w, totals),
        heuristic=level_heuristic(inst, rules, inc),
        extra=extra,
    )


def backup_cover(
    inst: CoverInstance,
    theta: float = 0.5,
    rules: PlanRules | None = None,
    *,
    totals: np.ndarray | None = None,
) -> Formulation:
    r"""Backup coverage, Hogan & ReVelle's BACOP2 (Management Science 32(11), 1986).

    Weigh first coverage by :math:`\theta` and second (backup) coverage by :math:`1 - \theta`.

    .. math::

        \max\ & \theta \sum_i w_i y_i + (1 - \theta) \sum_i w_i u_i \\
        \text{s.t. }
        & y_i + u_i \le \sum_j a_{ij} x_j & \forall i & \quad (\texttt{backup\_cover}[i]) \\
        & u_i \le y_i & \forall i & \quad (\texttt{backup\_order}[i]) \\
        & \text{limits and rules as in } \texttt{max\_cover} \\
        & x_j \in \{0,1\},\ 0 \le y_i, u_i \le 1

    With :math:`\theta = 1` this is maximal covering; requiring every point (BACOP1) is the
    instance's ``required`` mask. Partner shares apply to first coverage :math:`y`.
    """
    if not 0.0 <= theta <= 1.0:
        raise ModelError(f"theta must lie in [0, 1], got {theta}")
    rules = rules or PlanRules()
    totals = partner_totals(rules, inst.w) if totals is None else totals
    model = LinearModel("backup", Sense.MAXIMIZE)
    x = _common(model, inst, rules)
    y = model.add_vars(Y, inst.demand_ids, lb=0.0, ub=1.0, integral_at_optimum=True)
    # With theta < 1/2 the vertex y = u = 1/2 of a once-covered point beats (1, 0): u must then
    # be binary. With theta >= 1/2 the LP optimum over (y, u) is integral for integral x.
    u_kind = VarKind.BINARY if theta < 0.5 else VarKind.CONTINUOUS
    u = model.add_vars(U, inst.demand_ids, kind=u_kind, lb=0.0, ub=1.0, integral_at_optimum=True)
    model.set_objective({y: theta * inst.w, u: (1.0 - theta) * inst.w})
    eye = sp.eye_array(inst.m, format="csr")
    model.add_constraints(BACKUP_COVER, inst.demand_ids, {y: eye, u: eye, x: -inst.a}, ub=0.0)
    model.add_constraints(BACKUP_ORDER, inst.demand_ids, {u: eye, y: -eye}, ub=0.0)
    add_partner_shares(model, y, rules, inst.w, totals)
    inc = np.array([theta, 1.0 - theta])

    def complete(plan: np.ndarray) -> np.ndarray:
        k = inst.coverage_counts(plan)
        return np.concatenate([plan.astype(float), (k >= 1).astype(float), (k >= 2).astype(float)])

    return _level_formulation(model, x, inst, rules, totals, inc, complete, {"theta": theta})


def max_levels(inst: CoverInstance) -> int:
    """Most times a point can be covered by a plan within the instance's limits."""
    deg = np.diff(inst.a.indptr)
    cap = int(deg.max(initial=0))
    if inst.count is not None:
        cap = min(cap, inst.count)
    if inst.type_max is not None:
        cap = min(cap, int(inst.type_max.sum()))
    if inst.budget is not None and inst.n:
        cheapest = np.sort(inst.c)
        cap = min(cap, int(np.searchsorted(np.cumsum(cheapest), inst.budget * (1 + 1e-12), "right")))
    return max(cap, 0)


def expected_cover(
    inst: CoverInstance,
    p: float,
    rules: PlanRules | None = None,
    *,
    levels: int | None = None,
    totals: np.ndarray | None = None,
) -> Formulation:
    r"""Expected coverage with imperfect assets (Daskin's MEXCLP, linearised exactly by levels).

    Each covering asset independently succeeds (detects, or kills) with probability :math:`p`,
    so a point covered :math:`k` times is served with probability :math:`1 - (1 - p)^k`, whose
    increments :math:`p (1 - p)^{l - 1}` shrink with the level :math:`l`:

    .. math::

        \max\ & \sum_i \sum_{l = 1}^{L_i} w_i\, p (1 - p)^{l - 1} z_{il} \\
        \text{s.t. }
        & \sum_{l=1}^{L_i} z_{il} \le \sum_j a_{ij} x_j & \forall i & \quad (\texttt{level\_cover}[i]) \\
        & \text{limits and rules as in } \texttt{max\_cover} \\
        & x_j \in \{0,1\},\ 0 \le z_{il} \le 1

    Because the increments decrease, an optimal :math:`z` fills levels in order and is integral
    for integral :math:`x`, so the objective equals :math:`\sum_i w_i (1 - (1 - p)^{k_i})`
    exactly when :math:`L_i` reaches the most coverage a plan can give point :math:`i`
    (:math:`L_i = \min(\deg_i, L)`, :math:`L` from :func:`max_levels` unless ``levels`` caps it;
    a cap truncates the value at :math:`L` covers, and ``value`` uses the same truncation).
    Partner shares apply to first-level coverage (:math:`z_{i1}`).
    """
    if not 0.0 < p <= 1.0:
        raise ModelError(f"p must lie in (0, 1], got {p}")
    rules = rules or PlanRules()
    totals = partner_totals(rules, inst.w) if totals is None else totals
    big_l = max_levels(inst) if levels is None else int(levels)
    big_l = max(big_l, 1)
    deg = np.diff(inst.a.indptr)
    per_row = np.minimum(deg, big_l)
    rows = np.repeat(np.arange(inst.m), per_row)
    first = np.concatenate([[0], np.cumsum(per_row)[:-1]]) if inst.m else np.zeros(0, np.int64)
    level = np.arange(rows.shape[0]) - np.repeat(first, per_row) + 1  # 1-based level l
    inc = p * (1.0 - p) ** np.arange(big_l)

    model = LinearModel("expected", Sense.MAXIMIZE)
    x = _common(model, inst, rules)
    ids = labels([(inst.demand_ids[i], int(k)) for i, k in zip(rows, level, strict=True)])
    z = model.add_vars(Z, ids, lb=0.0, ub=1.0, integral_at_optimum=True)
    model.set_objective({z: inst.w[rows] * inc[level - 1]})
    nz = rows.shape[0]
    zsum = sp.csr_array((np.ones(nz), (rows, np.arange(nz))), shape=(inst.m, nz))
    model.add_constraints(LEVEL_COVER, inst.demand_ids, {z: zsum, x: -inst.a}, ub=0.0)
    if rules.partner is not None:
        # Share constraints count first coverage, y_i = z_i1: lift partner and weight to z.
        lvl1 = level == 1
        add_partner_shares(
            model, z, _lift_partner(rules, rows, lvl1), np.where(lvl1, inst.w[rows], 0.0), totals
        )

    def complete(plan: np.ndarray) -> np.ndarray:
        k = inst.coverage_counts(plan)
        return np.concatenate([plan.astype(float), (level <= k[rows]).astype(float)])

    return _level_formulation(model, x, inst, rules, totals, inc, complete, {"levels": big_l, "p": p})


def _lift_partner(rules: PlanRules, rows: np.ndarray, lvl1: np.ndarray) -> PlanRules:
    """Rules whose partner array is indexed by ``z`` columns (level 1 only; others ``-1``)."""
    assert rules.partner is not None  # called only for rules with partners
    partner = np.where(lvl1, rules.partner[rows], -1)
    return replace(rules, partner=partner)
