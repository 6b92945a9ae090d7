"""Side rules shared by every formulation: existing assets, exclusive pairs, quotas, partner shares."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from models.formulations.base import labels, type_matrix
from models.instance import PlanRules
from models.linear import LinearModel, VarBlock
from models.names import EXCLUSIVE, EXISTING, PARTNER_SHARE, TYPE_MIN


def _selector(idx: np.ndarray, n: int) -> sp.csr_array:
    return sp.csr_array((np.ones(idx.shape[0]), (np.arange(idx.shape[0]), idx)), shape=(idx.shape[0], n))


def add_site_rules(
    model: LinearModel,
    x: VarBlock,
    rules: PlanRules,
    site_type: np.ndarray | None,
    type_names: tuple[str, ...],
) -> None:
    r"""Add the site-side rules.

    .. math::
        x_j = 1 \quad j \in E \quad (\texttt{existing}[j]) \qquad
        x_j + x_k \le 1 \quad \{j, k\} \in X \quad (\texttt{exclusive}[j, k]) \qquad
        \sum_{j: t(j) = t} x_j \ge N_t \quad (\texttt{type\_min}[t])
    """
    n = x.size
    if rules.existing is not None and rules.existing.any():
        idx = np.flatnonzero(rules.existing)
        # A row, not a fixed bound, so an infeasibility diagnosis can name the existing asset.
        model.add_constraints(EXISTING, x.ids[idx], {x: _selector(idx, n)}, lb=1.0)
    if rules.exclusive is not None and rules.exclusive.size:
        p = rules.exclusive
        k = p.shape[0]
        mat = sp.csr_array((np.ones(2 * k), (np.repeat(np.arange(k), 2), p.reshape(-1))), shape=(k, n))
        ids = labels([(x.ids[a], x.ids[b]) for a, b in p])
        model.add_constraints(EXCLUSIVE, ids, {x: mat}, ub=1.0)
    if rules.type_min is not None and site_type is not None and (rules.type_min > 0).any():
        t = np.flatnonzero(rules.type_min > 0)
        tm = type_matrix(site_type, rules.type_min.shape[0])[t]
        model.add_constraints(TYPE_MIN, labels([type_names[k] for k in t]), {x: tm}, lb=rules.type_min[t])


def partner_totals(rules: PlanRules, w: np.ndarray) -> np.ndarray | None:
    """Total weight of each partner group, ``None`` without partner shares."""
    if rules.partner is None or rules.min_share is None:
        return None
    p = rules.partner
    inside = p >= 0
    return np.bincount(p[inside], weights=w[inside], minlength=rules.min_share.shape[0])


def add_partner_shares(
    model: LinearModel,
    y: VarBlock,
    rules: PlanRules,
    w: np.ndarray,
    totals: np.ndarray | None,
) -> None:
    r"""Add :math:`\sum_{i \in P} w_i y_i \ge s_P W_P` for each group (``partner_share[P]``).

    ``totals`` (:math:`W_P`) is passed in so a presolved instance keeps the original totals.
    """
    if rules.partner is None or rules.min_share is None or totals is None:
        return
    groups = np.flatnonzero(rules.min_share > 0)
    if not groups.size:
        return
    p = rules.partner
    inside = np.isin(p, groups)
    row_of = np.full(rules.min_share.shape[0], -1)
    row_of[groups] = np.arange(groups.shape[0])
    mat = sp.csr_array(
        (w[inside], (row_of[p[inside]], np.flatnonzero(inside))), shape=(groups.shape[0], y.size)
    )
    ids = labels([rules.partner_names[g] for g in groups])
    model.add_constraints(PARTNER_SHARE, ids, {y: mat}, lb=rules.min_share[groups] * totals[groups])


def rules_feasible(
    rules: PlanRules,
    x: np.ndarray,
    site_type: np.ndarray | None,
    served: np.ndarray,
    w: np.ndarray,
    totals: np.ndarray | None,
    tol: float = 1e-6,
) -> bool:
    """Whether plan ``x`` (serving the points in ``served``) satisfies the rules."""
    x = np.asarray(x, dtype=bool)
    if rules.existing is not None and (rules.existing & ~x).any():
        return False
    if rules.exclusive is not None and rules.exclusive.size:
        if (x[rules.exclusive[:, 0]] & x[rules.exclusive[:, 1]]).any():
            return False
    if rules.type_min is not None and site_type is not None:
        used = np.bincount(site_type[x], minlength=rules.type_min.shape[0])
        if (used < rules.type_min).any():
            return False
    if rules.partner is not None and rules.min_share is not None and totals is not None:
        p = rules.partner
        inside = (p >= 0) & served
        got = np.bincount(p[inside], weights=w[inside], minlength=rules.min_share.shape[0])
        if (got < rules.min_share * totals - tol * np.maximum(1.0, totals)).any():
            return False
    return True
