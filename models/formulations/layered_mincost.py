r"""Least cost to defend given points with both layers: the cost side of a coalition game.

A point is defended when a chosen sensor and a chosen interceptor both cover it, so "defend every
required point at least cost" is a set-covering problem whose rows are the required points
*twice*, once per layer. Stacking the two layers' rows,

.. math::
    A = \begin{pmatrix} A^S_R \\ A^K_R \end{pmatrix},

turns it into the single-layer minimum-cost cover :math:`\min c^\top x` s.t. :math:`A x \ge 1`
within the per-type maximum counts, which :func:`models.api.solve_cover` (``"min_cost"``) already
presolves (identical rows merged, sites dominated in *both* layers at once dropped), starts with
Chvátal's greedy and solves.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import scipy.sparse as sp

from models.api import solve_cover
from models.formulations.base import labels
from models.instance import CoverInstance, LayeredInstance, PlanRules
from models.result import SolutionStatus, SolveOptions, SolveResult, Termination

__all__ = ["solve_layered_min_cost", "stacked_cover"]


def stacked_cover(inst: LayeredInstance, required: np.ndarray) -> CoverInstance:
    """Return the single-layer covering instance whose rows are the required points, per layer.

    Row ``k < r`` is "required point ``k`` seen by a sensor", row ``r + k`` "reached by an
    interceptor" (``r`` the number of required points). Every row is required; weights are 0
    (only the cost matters). Site costs, types and maximum counts are the instance's.
    """
    req = np.flatnonzero(np.asarray(required, dtype=bool))
    if req.shape[0] and req.max() >= inst.m:
        raise ValueError("required refers to a point outside the instance")
    a = sp.csr_array(sp.vstack([inst.a_sensor[req], inst.a_interceptor[req]], format="csr"))
    ids = inst.demand_ids[req]
    return CoverInstance(
        w=np.zeros(2 * req.shape[0]),
        c=inst.c,
        a=a,
        required=np.ones(2 * req.shape[0], dtype=bool),
        site_type=inst.site_type,
        type_max=inst.type_max,
        demand_ids=labels([("sensor", i) for i in ids] + [("interceptor", i) for i in ids]),
        site_ids=inst.site_ids,
        type_names=inst.type_names,
    )


def solve_layered_min_cost(
    inst: LayeredInstance,
    required: np.ndarray,
    options: SolveOptions | None = None,
    *,
    engine: str = "highs",
    warm_start: np.ndarray | None = None,
    presolve: bool = True,
    solver_options: dict[str, Any] | None = None,
    rules: PlanRules | None = None,
) -> SolveResult:
    """Least cost of a plan defending every ``required`` point (sensor and interceptor).

    The instance's budget is ignored (the answer *is* a budget); per-type maximum counts hold.

    Parameters
    ----------
    inst
        The layered instance.
    required
        Boolean mask over the instance's points.
    options, engine, solver_options
        As for :func:`models.solve_layered`.
    warm_start
        A plan (mask over the instance's sites), used when it defends every required point.
    rules
        Side rules on the sites (existing assets, exclusive pairs, type quotas); partner shares do
        not apply (every required point is defended).
    presolve
        Merge identical rows and drop dominated sites first.

    Returns
    -------
    SolveResult
        ``x`` is a mask over ``inst``'s sites and ``objective`` its cost, recomputed. With no
        required point the empty plan is optimal at cost 0; a required point no plan can defend
        gives ``Termination.INFEASIBLE`` and no plan.
    """
    req = np.asarray(required, dtype=bool)
    if not req.any():
        return SolveResult(
            Termination.OPTIMAL,
            SolutionStatus.OPTIMAL,
            0.0,
            0.0,
            0.0,
            0.0,
            engine,
            "none",
            "",
            x=np.zeros(inst.n, dtype=bool),
            extra={"reason": "no required point"},
        )
    if rules is not None:
        rules = replace(rules, partner=None, min_share=None, partner_names=())
    return solve_cover(
        stacked_cover(inst, req),
        options,
        formulation="min_cost",
        engine=engine,
        warm_start=warm_start,
        presolve=presolve,
        solver_options=solver_options,
        rules=rules,
    )
