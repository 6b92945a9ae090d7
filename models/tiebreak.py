r"""Deterministic choice among plans of equal value: results that do not depend on history.

A covering MILP often has several optimal plans (a site that adds nothing, two sites that reach
the same weight). Which one the solver returns depends on its path — and a warm start from a
neighbouring run of a batch changes the path, so a batch resumed after a kill could report a
different plan for the same scenario. The tie is broken by a second, lexicographic solve:

.. math::

    \min_{x} \; \sum_j r_j x_j \quad \text{s.t.}\quad \text{every constraint of the model},\;
    f(x, y) \ge v^\ast - \tau,

where :math:`f` is the model's objective, :math:`v^\ast` the value of the plan found first and
:math:`\tau = 10^{-9} \max(1, |v^\ast|)`, with
:math:`r_j = c_j / \max_k c_k + 0.01\,u_j`: among equal-value plans the cheapest, ties between
those broken by :math:`u_j \in [0, 1)`, a fixed pseudo-random number per site id (SHA-256 of the
id). With generic :math:`u` the minimiser is unique, so once proven optimal it depends on the
model alone, not on any start. Why a second solve rather than a perturbed objective: the first
solve stops at ``mip_rel_gap`` (1e-4 by default), far coarser than any perturbation small enough
not to change the optimum, so a perturbation alone would not decide ties.

The choice is made among the sites the presolve keeps (it drops a dominated site in favour of
its dominator, itself deterministically). The second solve starts from the first plan (always
feasible for it) and is run to a zero gap within the same time limit; when it does not finish,
or its plan falls short of :math:`v^\ast` by more than :math:`\tau`, the first plan is kept and
``extra["tie_break"]`` says so.
"""

from __future__ import annotations

import copy
import hashlib
import math
from dataclasses import replace
from typing import Any

import numpy as np

from models import engines
from models.formulations.base import Formulation
from models.linear import INF, Sense
from models.result import SolveOptions, Termination

TIE_BREAK_ROW = "tie_break_value"
"""Name of the constraint block holding the first solve's value."""


def site_order(ids: np.ndarray) -> np.ndarray:
    """A fixed pseudo-random number in [0, 1) per site id (SHA-256 of ``str(id)``)."""
    return np.array(
        [int.from_bytes(hashlib.sha256(str(i).encode()).digest()[:7], "big") / 2**56 for i in ids],
        dtype=float,
    )


def tie_break_weights(f: Formulation, cost: np.ndarray) -> np.ndarray:
    r"""The secondary objective :math:`r_j` of every site (see the module docstring)."""
    scale = float(cost.max()) if cost.size and cost.max() > 0 else 1.0
    return cost / scale + 0.01 * site_order(f.sites.ids)


def break_ties(
    f: Formulation,
    plan: np.ndarray,
    cost: np.ndarray,
    options: SolveOptions,
    engine: str,
    engine_config: dict[str, Any] | None = None,
) -> tuple[np.ndarray, str]:
    r"""Return the plan of least :math:`\sum_j r_j x_j` among those worth ``f.value(plan)``.

    Returns
    -------
    tuple
        The plan, and ``"optimal"`` (proven), or ``"kept: <why>"`` when the first plan is kept.
    """
    model = f.model
    if model.sense is not Sense.MAXIMIZE or not model.num_cols:
        return plan, "kept: not a maximisation"
    value = f.value(plan)
    if not math.isfinite(value):
        return plan, "kept: value not finite"
    tau = 1e-9 * max(1.0, abs(value))
    m2 = copy.deepcopy(model)
    terms = {m2.var(name): coef for name, coef in model.objective.items()}
    m2.add_constraints(TIE_BREAK_ROW, ["value"], terms, lb=value - tau - model.objective_offset, ub=INF)
    sites = m2.var(f.sites.name)
    m2.set_objective({sites: -tie_break_weights(f, cost)})
    eng = engines.get(engine, **(engine_config or {}))
    run = eng.solve(m2, replace(options, mip_rel_gap=0.0), f.complete(plan))
    if run.values is None:
        return plan, f"kept: second solve {run.termination.value}"
    candidate = run.values[f.sites.cols] > 0.5
    if not f.feasible(candidate) or f.value(candidate) < value - tau:
        return plan, "kept: second plan not as good"
    if run.termination is not Termination.OPTIMAL:
        return plan, f"kept: second solve {run.termination.value}"
    return candidate, "optimal"
