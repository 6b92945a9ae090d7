"""The budgeted layered maximal-covering model (sensors and interceptors)."""

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
from models.heuristics import LayeredObjective, SiteRules, best_plan
from models.instance import LayeredInstance, PlanRules
from models.linear import LinearModel, Sense, VarKind
from models.names import BUDGET, INTERCEPTOR_COVER, SENSOR_COVER, TYPE_MAX, X, Y


def layered(
    inst: LayeredInstance,
    rules: PlanRules | None = None,
    *,
    totals: np.ndarray | None = None,
) -> Formulation:
    r"""Budgeted layered maximal covering: defend the most weight with sensors *and* interceptors.

    A point is defended only when a chosen sensor and a chosen interceptor both cover it.

    .. math::

        \max\ & \sum_{i \in I} w_i y_i \\
        \text{s.t. }
        & y_i \le \sum_{j \in J} a^S_{ij} x_j & \forall i & \quad (\texttt{sensor\_cover}[i]) \\
        & y_i \le \sum_{j \in J} a^K_{ij} x_j & \forall i & \quad (\texttt{interceptor\_cover}[i]) \\
        & \sum_{j \in J} c_j x_j \le B & & \quad (\texttt{budget}) \\
        & \sum_{j: t(j) = t} x_j \le M_t & \forall t & \quad (\texttt{type\_max}[t]) \\
        & x_j \in \{0, 1\},\ 0 \le y_i \le 1

    Optional rules (:class:`~models.instance.PlanRules`): existing assets :math:`x_j = 1`,
    exclusive pairs :math:`x_j + x_k \le 1`, per-type quotas
    :math:`\sum_{t(j) = t} x_j \ge N_t`, and a minimum defended share per partner group
    :math:`\sum_{i \in P} w_i y_i \ge s_P W_P` (``partner_share[P]``).

    Parameters
    ----------
    inst
        The instance.
    rules
        Optional side rules.
    totals
        Partner group totals :math:`W_P` (defaults to the instance's own; presolve passes the
        totals of the unreduced instance).
    """
    rules = rules or PlanRules()
    rules.check_sizes(inst.m, inst.n, inst.type_max.shape[0])
    w, c, a_s, a_k = inst.w, inst.c, inst.a_sensor, inst.a_interceptor
    totals = partner_totals(rules, w) if totals is None else totals

    model = LinearModel("layered", Sense.MAXIMIZE)
    x = model.add_vars(X, inst.site_ids, kind=VarKind.BINARY)
    # y may be continuous: with x binary both right-hand sides are integers, so an optimal
    # y_i = min(1, sensor count, interceptor count) is integral.
    y = model.add_vars(Y, inst.demand_ids, lb=0.0, ub=1.0, integral_at_optimum=True)
    model.set_objective({y: w})
    eye = sp.eye_array(inst.m, format="csr")
    model.add_constraints(SENSOR_COVER, inst.demand_ids, {y: eye, x: -a_s}, ub=0.0)
    model.add_constraints(INTERCEPTOR_COVER, inst.demand_ids, {y: eye, x: -a_k}, ub=0.0)
    if np.isfinite(inst.budget):
        model.add_constraints(BUDGET, labels([BUDGET]), {x: c}, ub=float(inst.budget))
    num_types = inst.type_max.shape[0]
    model.add_constraints(
        TYPE_MAX,
        labels(list(inst.type_names)),
        {x: type_matrix(inst.site_type, num_types)},
        ub=inst.type_max.astype(float),
    )
    add_site_rules(model, x, rules, inst.site_type, inst.type_names)
    add_partner_shares(model, y, rules, w, totals)

    def complete(plan: np.ndarray) -> np.ndarray:
        return np.concatenate([plan.astype(float), inst.defended(plan).astype(float)])

    def feasible(plan: np.ndarray) -> bool:
        return inst.is_feasible(plan) and rules_feasible(
            rules, plan, inst.site_type, inst.defended(plan), w, totals
        )

    def heuristic() -> np.ndarray:
        site_rules = SiteRules(
            c=c,
            budget=float(inst.budget) if np.isfinite(inst.budget) else None,
            site_type=inst.site_type,
            type_max=inst.type_max,
            existing=rules.existing,
            exclusive=rules.exclusive,
        )
        return best_plan(LayeredObjective(w, a_s, a_k), site_rules)

    return Formulation(
        model=model,
        sites=x,
        complete=complete,
        value=lambda plan: inst.evaluate(plan)[0],
        feasible=feasible,
        heuristic=heuristic,
    )
