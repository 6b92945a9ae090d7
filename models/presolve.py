r"""Presolve for covering instances: fewer points, fewer sites, the same optimum.

Four reductions, each safe for the formulations it is applied to:

* **drop** points that cannot count: weight 0 (and not required), or not reachable by any site
  (for the layered model: by no sensor, or by no interceptor);
* **merge** points with identical coverage (and the same required flag and partner group)
  into one point carrying the summed weight;
* **remove dominated sites**: site ``j`` is dominated by ``k`` when both have the same type,
  :math:`c_k \le c_j` and ``k`` covers every point ``j`` covers (in every layer). Any plan
  using ``j`` is then matched by one using ``k`` instead (or dropping ``j`` if both are chosen)
  at no more cost and no less coverage. Ties are broken by (cost, −coverage, index), a strict
  order, so removing every dominated site at once is safe. This reasoning needs *single*
  coverage: it is not applied to backup or expected coverage (two sites beat one there), nor
  to a type with a minimum quota, nor in favour of a site that excludes another;
* **drop dominated rows** (minimum-cost covering only): required point ``i`` needs no row of its
  own when another required point ``k`` is covered by a subset of ``i``'s sites
  (:math:`\emptyset \ne C_k \subseteq C_i`): any plan covering ``k`` covers ``i``. Row and site
  dominance are applied in turn until neither removes anything (each can enable the other).

:class:`Reduction` maps a plan back to the original sites and reports what was removed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np
import scipy.sparse as sp

from models.instance import CoverInstance, LayeredInstance, PlanRules


@dataclass(frozen=True)
class PresolveReport:
    """What presolve removed from an instance (counts), carried by :class:`~models.result.SolveResult`."""

    points_before: int
    sites_before: int
    points_dropped_unreachable: int
    points_dropped_zero_weight: int
    sites_dropped_dominated: int
    points_dropped_dominated: int
    points_merged: int
    points_after: int
    sites_after: int

    def to_dict(self) -> dict[str, int]:
        """JSON-ready form."""
        return asdict(self)


@dataclass(frozen=True, eq=False)
class Reduction:
    """How a reduced instance relates to the original one.

    Attributes
    ----------
    row_of
        For each original point, its row in the reduced instance (``-1``: dropped).
    kept_sites
        Original indices of the sites kept, in reduced order.
    n_sites
        Number of sites of the original instance.
    report
        What was removed: counts of dropped, merged and dominated items.
    """

    row_of: np.ndarray
    kept_sites: np.ndarray
    n_sites: int
    report: PresolveReport

    def expand(self, x_reduced: np.ndarray) -> np.ndarray:
        """Map a plan over the kept sites to a plan over the original sites."""
        x = np.zeros(self.n_sites, dtype=bool)
        x[self.kept_sites] = np.asarray(x_reduced, dtype=bool)
        return x

    def restrict(self, x_full: np.ndarray) -> np.ndarray:
        """Map a plan over the original sites to the kept sites (dropped sites are lost)."""
        return np.asarray(x_full, dtype=bool)[self.kept_sites]


def _row_keys(mats: list[sp.csr_array], extra: list[np.ndarray]) -> np.ndarray:
    """Group id of each row: rows with identical patterns in every matrix and equal extras."""
    m = mats[0].shape[0]
    cols = [(a.indptr, a.indices.astype(np.int64)) for a in mats]
    extras = np.stack(extra, axis=1) if extra else np.zeros((m, 0), dtype=np.int64)
    groups: dict[tuple, int] = {}
    out = np.empty(m, dtype=np.int64)
    # One Python step per row (never per point×site pair): the exact row pattern is the key.
    for i in range(m):
        key = tuple(ix[ip[i] : ip[i + 1]].tobytes() for ip, ix in cols) + tuple(extras[i].tolist())
        out[i] = groups.setdefault(key, len(groups))
    return out


def _dominated(
    mats: list[sp.csr_array],
    c: np.ndarray,
    site_type: np.ndarray | None,
    protected: np.ndarray,
    no_dominators: np.ndarray,
) -> np.ndarray:
    """Boolean mask of sites dominated by another site (see the module docstring)."""
    n = c.shape[0]
    st = np.zeros(n, np.int64) if site_type is None else site_type
    csc = [sp.csc_array(a, dtype=np.float64) for a in mats]
    sizes = [np.diff(a.indptr) for a in csc]
    total = sum(sizes)
    big = float(max(a.shape[0] for a in csc) + 1)
    # Overlaps |C_j ∩ C_k| of every layer, packed in one sparse matrix (base big) so that one
    # union pattern holds all layers.
    packed = None
    for a in csc:
        o = sp.csr_array(a.T @ a)
        packed = o if packed is None else packed * big + o
    dominated = np.zeros(n, dtype=bool)
    # A site covering nothing is dominated by doing without it (kept when protected).
    dominated |= (total == 0) & ~protected
    if packed is None or packed.nnz == 0:
        return dominated
    coo = packed.tocoo()
    j, k, v = coo.row.astype(np.int64), coo.col.astype(np.int64), coo.data
    overlaps = []
    for _ in range(len(csc)):
        overlaps.append(np.mod(v, big))
        v = np.floor_divide(v, big)
    overlaps.reverse()
    subset = np.ones(j.shape[0], dtype=bool)
    for layer, ov in enumerate(overlaps):
        subset &= np.rint(ov) >= sizes[layer][j]
    order_better = (c[k] < c[j]) | (
        (c[k] == c[j]) & ((total[k] > total[j]) | ((total[k] == total[j]) & (k < j)))
    )
    ok = (j != k) & subset & (c[k] <= c[j]) & (st[j] == st[k]) & order_better
    ok &= ~protected[j] & ~no_dominators[k] & (total[j] > 0)
    dominated[j[ok]] = True
    return dominated


def _dominated_rows(a: sp.csr_array, max_pairs: int = 20_000_000) -> np.ndarray:
    r"""Rows ``i`` with another row ``k``, :math:`\emptyset \ne C_k \subseteq C_i` (ties: lower index wins).

    Overlaps :math:`|C_i \cap C_k|` come from :math:`A A^\top`, computed a block of rows at a time
    so that memory stays near ``max_pairs`` overlapping pairs whatever the instance size.
    """
    m = a.shape[0]
    a = sp.csr_array(a, dtype=np.float64)
    size = np.diff(a.indptr)
    at = sp.csc_array(a.T)
    # Overlapping pairs per row (an upper bound on its row of A A^T): the sum of its sites' degrees.
    est = a @ np.diff(sp.csc_array(a).indptr).astype(np.float64)
    out = np.zeros(m, dtype=bool)
    start = 0
    while start < m:
        stop = start + max(1, int(np.searchsorted(np.cumsum(est[start:]), max_pairs)))
        block = sp.coo_array(a[start:stop] @ at)
        i = block.row.astype(np.int64) + start
        k = block.col.astype(np.int64)
        sub = (i != k) & (size[k] > 0) & (np.rint(block.data) == size[k])
        sub &= (size[k] < size[i]) | (k < i)
        out[i[sub]] = True
        start = stop
    return out


def _reduce(
    mats: list[sp.csr_array],
    w: np.ndarray,
    c: np.ndarray,
    required: np.ndarray,
    partner: np.ndarray,
    site_type: np.ndarray | None,
    rules: PlanRules,
    *,
    relevant: np.ndarray,
    merge: bool,
    dominance: bool,
    row_dominance: bool = False,
) -> tuple[Reduction, np.ndarray, np.ndarray, np.ndarray]:
    """Core reduction; returns ``(reduction, representative rows, merged w, merged required)``."""
    m, n = w.shape[0], c.shape[0]
    report: dict[str, Any] = {"points_before": m, "sites_before": n}
    reachable = np.ones(m, dtype=bool)
    for a in mats:
        reachable &= np.diff(a.indptr) > 0
    # Required points stay even when unreachable: the model must say infeasible and name them.
    keep = relevant & (reachable | required)
    report["points_dropped_unreachable"] = int((relevant & ~reachable & ~required).sum())
    report["points_dropped_zero_weight"] = int((~relevant).sum())

    kept_sites = np.arange(n)
    protected = np.zeros(n, dtype=bool)
    no_dom = np.zeros(n, dtype=bool)
    if rules.existing is not None:
        protected |= rules.existing
    if rules.exclusive is not None and rules.exclusive.size:
        no_dom[rules.exclusive.reshape(-1)] = True
    if rules.type_min is not None and site_type is not None:
        protected |= rules.type_min[site_type] > 0
    report["sites_dropped_dominated"] = 0
    report["points_dropped_dominated"] = 0
    while dominance or row_dominance:
        changed = False
        if row_dominance:
            rows = np.flatnonzero(keep)
            drop = _dominated_rows(sp.csr_array(sp.csr_array(mats[0][rows])[:, kept_sites]))
            keep[rows[drop]] = False
            report["points_dropped_dominated"] += int(drop.sum())
            changed |= bool(drop.any())
        if dominance:
            sub = [sp.csr_array(sp.csr_array(a[keep])[:, kept_sites]) for a in mats]
            dom = _dominated(
                sub,
                c[kept_sites],
                None if site_type is None else site_type[kept_sites],
                protected[kept_sites],
                no_dom[kept_sites],
            )
            kept_sites = kept_sites[~dom]
            report["sites_dropped_dominated"] += int(dom.sum())
            changed |= bool(dom.any())
        if not (changed and row_dominance):
            break  # site dominance alone reaches its fixed point in one pass

    rows = np.flatnonzero(keep)
    sub = [sp.csr_array(sp.csr_array(a[rows])[:, kept_sites]) for a in mats]
    if merge and rows.size:
        groups = _row_keys(sub, [required[rows].astype(np.int64), partner[rows]])
    else:
        groups = np.arange(rows.size)
    num_groups = int(groups.max()) + 1 if groups.size else 0
    rep = np.full(num_groups, -1, dtype=np.int64)
    rep[groups[::-1]] = rows[::-1]  # first original row of each group
    w_merged = np.bincount(groups, weights=w[rows], minlength=num_groups)
    req_merged = np.zeros(num_groups, dtype=bool)
    req_merged[groups[required[rows]]] = True
    row_of = np.full(m, -1, dtype=np.int64)
    row_of[rows] = groups
    report["points_merged"] = int(rows.size - num_groups)
    report["points_after"] = num_groups
    report["sites_after"] = int(kept_sites.size)
    red = Reduction(row_of=row_of, kept_sites=kept_sites, n_sites=n, report=PresolveReport(**report))
    return red, rep, w_merged, req_merged


def _reduce_rules(rules: PlanRules, red: Reduction, rep: np.ndarray) -> PlanRules:
    n_new = red.kept_sites.shape[0]
    new_index = np.full(red.n_sites, -1, dtype=np.int64)
    new_index[red.kept_sites] = np.arange(n_new)
    existing = None if rules.existing is None else rules.existing[red.kept_sites]
    exclusive = None
    if rules.exclusive is not None:
        p = new_index[rules.exclusive]
        # A pair with a removed site is vacuous: the removed site is never chosen.
        exclusive = p[(p >= 0).all(axis=1)]
    partner = None if rules.partner is None else rules.partner[rep]
    return replace(rules, existing=existing, exclusive=exclusive, partner=partner)


def presolve_layered(
    inst: LayeredInstance,
    rules: PlanRules | None = None,
    *,
    merge: bool = True,
    dominance: bool = True,
) -> tuple[LayeredInstance, PlanRules, Reduction]:
    """Reduce a layered instance; see the module docstring for what is removed and why."""
    rules = rules or PlanRules()
    m = inst.m
    partner = rules.partner if rules.partner is not None else np.full(m, -1, dtype=np.int64)
    red, rep, w_new, _ = _reduce(
        [inst.a_sensor, inst.a_interceptor],
        inst.w,
        inst.c,
        np.zeros(m, bool),
        partner,
        inst.site_type,
        rules,
        relevant=inst.w > 0,
        merge=merge,
        dominance=dominance,
    )
    ks = red.kept_sites
    out = LayeredInstance(
        w=w_new,
        c=inst.c[ks],
        a_sensor=_submatrix(inst.a_sensor, red, rep),
        a_interceptor=_submatrix(inst.a_interceptor, red, rep),
        site_type=inst.site_type[ks],
        type_max=inst.type_max,
        budget=inst.budget,
        demand_ids=inst.demand_ids[rep],
        site_ids=inst.site_ids[ks],
        type_names=inst.type_names,
    )
    return out, _reduce_rules(rules, red, rep), red


def presolve_cover(
    inst: CoverInstance,
    rules: PlanRules | None = None,
    *,
    objective: str = "max_cover",
    merge: bool = True,
    dominance: bool | None = None,
) -> tuple[CoverInstance, PlanRules, Reduction]:
    """Reduce a covering instance for one of the formulations.

    ``objective`` is ``"max_cover"``, ``"min_cost"`` (only required points matter),
    ``"backup"`` or ``"expected"`` (multi-coverage: no dominance).
    """
    rules = rules or PlanRules()
    m = inst.m
    req = inst.required_mask
    if objective == "min_cost":
        if inst.required is None:  # min-cost covering covers every point unless told otherwise
            req = np.ones(m, dtype=bool)
        relevant = req.copy()
    else:
        relevant = (inst.w > 0) | req
    if dominance is None:
        dominance = objective in ("max_cover", "min_cost")
    partner = rules.partner if rules.partner is not None else np.full(m, -1, dtype=np.int64)
    red, rep, w_new, req_new = _reduce(
        [inst.a],
        inst.w,
        inst.c,
        req,
        partner,
        inst.site_type,
        rules,
        relevant=relevant,
        merge=merge,
        dominance=dominance,
        row_dominance=bool(dominance) and objective == "min_cost",
    )
    ks = red.kept_sites
    out = CoverInstance(
        w=w_new,
        c=inst.c[ks],
        a=_submatrix(inst.a, red, rep),
        required=req_new if (inst.required is not None or objective == "min_cost") else None,
        budget=inst.budget,
        count=inst.count,
        site_type=None if inst.site_type is None else inst.site_type[ks],
        type_max=inst.type_max,
        demand_ids=inst.demand_ids[rep],
        site_ids=inst.site_ids[ks],
        type_names=inst.type_names,
    )
    return out, _reduce_rules(rules, red, rep), red


def _submatrix(a: sp.csr_array, red: Reduction, rep: np.ndarray) -> sp.csr_array:
    return sp.csr_array(sp.csr_array(a[rep])[:, red.kept_sites])
