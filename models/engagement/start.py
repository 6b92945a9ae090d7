r"""A first plan for the engagement MILP: the same model on a few promising sites.

The solver proves the bound; an early good plan lets it prune (and fix by reduced cost) from the
start. The *restricted* instance keeps every sensor and, per type, the sites with the most shot
value :math:`\sum_t v_t n_{tj}`, a few times as many as the type can open (measured on the
benchmark at 50 x 500: keeping only the four sensors enabling the most shot value gave a plan
46 % worse; keeping them all, the optimum, in 0.5 s). Any plan of the restricted instance is a plan of the
instance (the same rows on fewer columns), so its integer columns are a valid warm start; nothing
here changes the optimum or the bound.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np
import scipy.sparse as sp

from models.engagement.instance import EngagementInstance, EngagementPlan, plan_violations
from models.engagement.presolve import Presolved, lift_plan, max_open, restrict
from models.formulations.engagement import B, R, X, Y, Z, engagement, plan_from_values
from models.linear import LinearModel

SITES_PER_SLOT = 3
"""Sites kept per type: this many per site the type can open, at least :data:`SITES_MIN`."""
SITES_MIN = 8


def restricted_sites(inst: EngagementInstance) -> np.ndarray:
    """Sites kept by the restriction (module docstring); every sensor is kept."""
    assert inst.existing_sites is not None
    tp, jp = inst.pairs
    value = np.bincount(jp, weights=inst.v[tp] * inst.max_shots.data, minlength=inst.n_sites)
    keep = inst.existing_sites.copy()
    for k, m in enumerate(max_open(inst)):
        mine = np.flatnonzero((inst.site_type == k) & (value > 0))
        top = mine[np.argsort(-value[mine], kind="stable")[: max(SITES_PER_SLOT * int(m), SITES_MIN)]]
        keep[top] = True
    return np.flatnonzero(keep)


def start_vector(model: LinearModel, inst: EngagementInstance, plan: EngagementPlan) -> np.ndarray:
    """The plan's integer columns of ``model`` (built on ``inst``); NaN where the solver completes."""
    v = np.full(model.num_cols, np.nan)
    tp, jp = inst.pairs
    v[model.var(Y).cols] = plan.sites
    v[model.var(R).cols] = plan.rounds
    v[model.var(Z).cols] = plan.sensors
    v[model.var(B).cols] = np.arange(inst.n_boost) == plan.boost
    v[model.var(X).cols] = np.asarray(sp.csr_array(plan.shots)[tp, jp]).ravel()
    return v


def first_plan(
    model: LinearModel,
    inst: EngagementInstance,
    solve: Callable[[LinearModel], np.ndarray | None],
    boost: int | None,
    pre: Presolved | None = None,
) -> np.ndarray | None:
    """Warm start for ``model`` (built on ``inst``): the restricted instance solved by ``solve``.

    With ``pre`` (``inst`` is its reduced instance) the restricted model carries the same order
    rows, its kept sites closed under ``site_order`` (a kept site keeps its dominators), so the
    start satisfies them. ``None`` when nothing is restricted or no plan is found.
    """
    sites, sensors = restricted_sites(inst), np.arange(inst.n_sensors)
    if pre is not None and pre.site_order.size:
        keep = np.zeros(inst.n_sites, bool)
        keep[sites] = True
        while True:  # close under the order rows: y_j <= y_j' keeps j' when j is kept
            more = keep.copy()
            more[pre.site_order[keep[pre.site_order[:, 0]], 1]] = True
            if (more == keep).all():
                break
            keep = more
        sites = np.flatnonzero(keep)
    if sites.size == inst.n_sites:
        return None
    sub = restrict(inst, sites, sensors)
    m, _ = engagement(sub, boost=boost, site_rows=False)
    if pre is not None:
        new = np.full(inst.n_sites, -1)
        new[sites] = np.arange(sites.size)
        order = new[pre.site_order]
        order = order[(order >= 0).all(axis=1)]
        replace(pre, instance=sub, site_order=order).add_order_rows(m)
    values = solve(m)
    if values is None:
        return None
    plan = lift_plan(inst.n_sites, inst.n_sensors, sites, sensors, plan_from_values(sub, m, values))
    return None if plan_violations(inst, plan) else start_vector(model, inst, plan)
