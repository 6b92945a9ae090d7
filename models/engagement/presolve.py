r"""Exact reductions of an engagement instance before its MILP (notation of :mod:`.instance`).

Every step keeps at least one optimal plan of the original instance, so the reduced model's
optimum *is* the original optimum and its bound a bound on the original. A plan of the reduced
instance is lifted back by :meth:`Presolved.lift` (sites, sensors and pairs mapped to their
original indices).

1. **Sensors.** :func:`~models.formulations.engagement.dominated_sensors` (a sensor another one
   replaces at no more cost with at least as many shots at every pair) are dropped.
2. **Pairs.** With the remaining sensors :math:`S'`, pair :math:`(t, j)` allows at most
   :math:`\bar n_{tj} = \min(n_{tj}, \max_{s \in S'} f_{tjs})` shots; pairs with
   :math:`\bar n = 0` are dropped, and then every site left without a pair (not existing):
   closing it loses no shot and saves its cost.
3. **Sites.** :math:`j'` *covers* :math:`j` when both have the same type and layer,
   :math:`c_{j'} \le c_j`, :math:`c^r_{j'} \le c^r_j`, :math:`M_{j'} \ge M_j`,
   :math:`\lambda_{j'} \ge \lambda_j`, :math:`\bar n_{tj'} \ge \bar n_{tj}` and
   :math:`f_{tj's} \ge f_{tjs}` for every :math:`t` and :math:`s \in S'`; :math:`j' \succ j`
   (dominates) when it covers :math:`j` and :math:`j` does not cover it or :math:`j' < j` — a
   strict order. *Swap:* in a plan with :math:`j` open (not existing) and :math:`j' \succ j`
   closed, closing :math:`j` and opening :math:`j'` with :math:`j`'s rounds and shots keeps every
   row (cost, type count, magazine, windows, fire control, salvo) and does not lower any kill
   weight. Take an optimal plan whose open sites maximise :math:`\sum_j \pi_j y_j` for a linear
   extension :math:`\pi` of :math:`\succ`: a swap would raise it, so there
   :math:`y_j \le y_{j'}` for every :math:`j' \succ j` (rows ``site_order``). Let :math:`m_k` be
   the most sites of type :math:`k` any plan can open (its type maximum, and no more than the
   existing ones plus the cheapest others that fit in the budget left by the existing assets).
   A site with :math:`D_j \ge m_k` dominators would then open with all of them,
   :math:`D_j + 1 > m_k` sites: it is closed in that plan, so it is dropped. Dominators of a dropped
   site dominate every site it dominates (transitivity), so every order row left is between
   two sites kept.
4. **Threats.** Threats with the same value, boost survival, shot opportunities and fire control
   are interchangeable: permuting their shots keeps every row and the objective, so some optimal
   plan gives them kill weights in non-increasing order, :math:`L_t \ge L_{t'}` for
   :math:`t < t'` in a class (rows ``threat_order``, written on the shots:
   :math:`\sum_j \lambda_j x_{tj} \ge \sum_j \lambda_j x_{t'j}`). Permuting threats keeps the sites
   and sensors of the plan chosen in 1 – 3, so all the reductions hold together.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import scipy.sparse as sp

from models.engagement.instance import EngagementInstance, EngagementPlan
from models.formulations.engagement import X, Y, dominated_sensors, fire_shots
from models.linear import LinearModel
from models.names import SITE_ORDER, THREAT_ORDER
from models.rows import distinct_rows


def lift_plan(
    n_sites: int, n_sensors: int, sites: np.ndarray, sensors: np.ndarray, plan: EngagementPlan
) -> EngagementPlan:
    """A plan over the kept ``sites`` and ``sensors`` in the indices of the instance they came from."""
    y = np.zeros(n_sites, bool)
    y[sites] = plan.sites
    z = np.zeros(n_sensors, bool)
    z[sensors] = plan.sensors
    r = np.zeros(n_sites, np.int64)
    r[sites] = plan.rounds
    x = sp.csr_array(plan.shots).tocoo()
    shots = sp.csr_array((x.data, (x.row, sites[x.col])), shape=(plan.shots.shape[0], n_sites))
    return EngagementPlan(y, z, r, shots, plan.boost)


@dataclass(frozen=True, eq=False)
class Presolved:
    """A reduced instance, the maps back to the original and the order rows (module docstring)."""

    instance: EngagementInstance
    sites: np.ndarray
    sensors: np.ndarray
    pairs: np.ndarray
    site_order: np.ndarray
    threat_order: np.ndarray
    n_sites: int
    n_sensors: int
    counts: dict[str, int] = field(default_factory=dict)
    free_sensors: np.ndarray | None = None
    """Sensors of :attr:`instance` that no other dominates (computed once, passed to every branch's
    model build; ``None``: let the build compute them)."""

    def lift(self, plan: EngagementPlan) -> EngagementPlan:
        """The reduced plan in the original instance's indices."""
        return lift_plan(self.n_sites, self.n_sensors, self.sites, self.sensors, plan)

    def add_order_rows(self, m: LinearModel) -> None:
        """``site_order`` and ``threat_order`` rows on a model of :attr:`instance`."""
        inst = self.instance
        if self.site_order.size:
            n = self.site_order.shape[0]
            r = np.repeat(np.arange(n), 2)
            cols = self.site_order.ravel()
            a = sp.csr_array((np.tile([1.0, -1.0], n), (r, cols)), shape=(n, inst.n_sites))
            m.add_constraints(SITE_ORDER, [tuple(p) for p in self.site_order.tolist()], {m.var(Y): a}, ub=0.0)
        if self.threat_order.size:
            tp, jp = inst.pairs
            lam = inst.log_miss[jp]
            n = self.threat_order.shape[0]
            pos = sp.csr_array((np.ones(tp.size), (tp, np.arange(tp.size))), shape=(inst.n_threats, tp.size))
            up = sp.csr_array(pos[self.threat_order[:, 0]]) - sp.csr_array(pos[self.threat_order[:, 1]])
            a = sp.csr_array(up.multiply(lam[None, :]))
            m.add_constraints(
                THREAT_ORDER, [tuple(p) for p in self.threat_order.tolist()], {m.var(X): a}, lb=0.0
            )


def presolve(inst: EngagementInstance) -> Presolved:
    """Apply the reductions of the module docstring; the order rows are added by the solve."""
    assert inst.existing_sites is not None  # filled by EngagementInstance.__post_init__
    keep_s = np.flatnonzero(~dominated_sensors(inst))
    tp, jp = inst.pairs
    n_bar, fc = _held(inst, keep_s)
    live = n_bar > 0
    alive = (np.bincount(jp[live], minlength=inst.n_sites) > 0) | inst.existing_sites
    features = _site_features(inst, live, n_bar, fc)
    closed, order = _site_dominance(inst, features, alive)
    sites = np.flatnonzero(alive & ~closed)
    new_j = np.full(inst.n_sites, -1)
    new_j[sites] = np.arange(sites.size)
    pairs = np.flatnonzero(live & (new_j[jp] >= 0))
    reduced = _subset(inst, sites, keep_s, pairs, n_bar, fc, new_j)
    threat_order = _threat_classes(reduced)
    counts = {
        "sensors_dropped": int(inst.n_sensors - keep_s.size),
        "pairs_dropped": int(tp.size - pairs.size),
        "sites_without_shot": int((~alive).sum()),
        "sites_dominated": int((alive & closed).sum()),
        "site_order_rows": int(order.shape[0]),
        "threat_order_rows": int(threat_order.shape[0]),
    }
    return Presolved(
        reduced, sites, keep_s, pairs, new_j[order].reshape(-1, 2), threat_order,
        inst.n_sites, inst.n_sensors, counts, ~dominated_sensors(reduced),
    )  # fmt: skip


def _site_features(
    inst: EngagementInstance, live: np.ndarray, n_bar: np.ndarray, fc: sp.csr_array | None
) -> sp.csr_array:
    r"""``(J, F)`` 0/1: site ``j`` allows a ``l``-th shot at ``t`` (with sensor ``s``); equal columns merged.

    :math:`j'` covers :math:`j` on windows and fire control iff its row contains :math:`j`'s.
    """
    tp, jp = inst.pairs
    if fc is None:
        p = np.repeat(np.flatnonzero(live), n_bar[live])
        lvl = np.concatenate([np.arange(k) for k in n_bar[live]]) if p.size else np.zeros(0, np.int64)
        n_l = int(n_bar.max(initial=1))  # shot levels per threat (any count, not only 1 or 2)
        col, n_col = tp[p] * n_l + lvl, inst.n_threats * n_l
        site = jp[p]
    else:
        coo = fc.tocoo()
        ok = live[coo.row]
        rows, s, f = coo.row[ok], coo.col[ok].astype(np.int64), coo.data[ok]
        n_l = int(f.max(initial=1))
        parts = [(rows[f >= k], s[f >= k], k - 1) for k in range(1, n_l + 1)]
        site = np.concatenate([jp[r] for r, _, _ in parts])
        col = np.concatenate([(tp[r] * fc.shape[1] + c) * n_l + k for r, c, k in parts])
        n_col = inst.n_threats * fc.shape[1] * n_l
    a = sp.csc_array((np.ones(site.size), (site, col)), shape=(inst.n_sites, n_col))
    a.sum_duplicates()
    used = np.flatnonzero(np.diff(a.indptr))
    a = sp.csc_array(a[:, used])
    first, _ = distinct_rows(a.T)
    return sp.csr_array(a[:, first])


def max_open(inst: EngagementInstance) -> np.ndarray:
    """``(K,)`` most sites of each type any plan can open (type maximum and budget)."""
    assert inst.existing_sites is not None and inst.existing_sensors is not None
    left = (
        inst.budget
        - inst.site_cost[inst.existing_sites].sum()
        - inst.sensor_cost[inst.existing_sensors].sum()
    )
    left += 1e-6 * max(1.0, abs(inst.budget))
    out = inst.type_max.copy()
    for k in range(out.size):
        mine = inst.site_type == k
        cost = np.sort(inst.site_cost[mine & ~inst.existing_sites])
        fit = int(np.searchsorted(np.cumsum(cost), left, side="right"))
        out[k] = min(int(out[k]), int((mine & inst.existing_sites).sum()) + fit)
    return out


def _site_dominance(
    inst: EngagementInstance, features: sp.csr_array, alive: np.ndarray, keep_rows: int = 4
) -> tuple[np.ndarray, np.ndarray]:
    """``(closed, order)``: sites with at least :math:`m_k` dominators; a few ``(j, j')`` order rows."""
    assert inst.existing_sites is not None
    closed = np.zeros(inst.n_sites, bool)
    order: list[np.ndarray] = []
    m = max_open(inst)
    lam = inst.log_miss
    for k in range(inst.type_max.size):
        js = np.flatnonzero((inst.site_type == k) & alive)
        if js.size < 2:
            continue
        a = sp.csr_array(features[js], dtype=np.float64)
        inter = (a @ a.T).toarray()  # shared features: sparse product, only (J_k, J_k) dense
        cov = inter >= np.asarray(a.sum(axis=1)).ravel()[:, None] - 0.5  # j' covers j's features

        def le(v: np.ndarray, idx: np.ndarray = js) -> np.ndarray:
            return v[idx][None, :] <= v[idx][:, None]

        weak = cov & le(inst.site_cost) & le(inst.round_cost) & le(-inst.magazine) & le(-lam)
        weak &= inst.layer[js][None, :] == inst.layer[js][:, None]
        i = np.arange(js.size)
        strict = weak & (~weak.T | (i[None, :] < i[:, None]))
        np.fill_diagonal(strict, False)
        d = strict.sum(axis=1)
        out = (d >= m[k]) & ~inst.existing_sites[js]
        closed[js[out]] = True
        # Order rows among the sites kept: each to its nearest dominators (most dominators first).
        for j in np.flatnonzero(~out & (d > 0) & ~inst.existing_sites[js]):
            dom = np.flatnonzero(strict[j])
            near = dom[np.argsort(-d[dom], kind="stable")[:keep_rows]]
            order.append(np.column_stack([np.full(near.size, js[j]), js[near]]))
    return closed, (np.concatenate(order) if order else np.zeros((0, 2), np.int64))


def _subset(
    inst: EngagementInstance,
    sites: np.ndarray,
    sensors: np.ndarray,
    pairs: np.ndarray,
    n_bar: np.ndarray,
    fc: sp.csr_array | None,
    new_j: np.ndarray,
) -> EngagementInstance:
    """The instance on the kept sites, sensors and pairs (pairs keep their CSR order)."""
    assert inst.existing_sites is not None and inst.existing_sensors is not None
    assert inst.site_ids is not None and inst.sensor_ids is not None
    tp, jp = inst.pairs
    ms = sp.csr_array((n_bar[pairs], (tp[pairs], new_j[jp[pairs]])), shape=(inst.n_threats, sites.size))
    return replace(
        inst,
        site_cost=inst.site_cost[sites],
        round_cost=inst.round_cost[sites],
        magazine=inst.magazine[sites],
        sspk=inst.sspk[sites],
        layer=inst.layer[sites],
        site_type=inst.site_type[sites],
        sensor_cost=inst.sensor_cost[sensors],
        max_shots=ms,
        fire_control=None if fc is None else sp.csr_array(fc[pairs]),
        existing_sites=inst.existing_sites[sites],
        existing_sensors=inst.existing_sensors[sensors],
        site_ids=inst.site_ids[sites],
        sensor_ids=inst.sensor_ids[sensors],
    )


def _threat_classes(inst: EngagementInstance) -> np.ndarray:
    """``(n, 2)`` consecutive ``(t, t')``, ``t < t'``, of interchangeable threats (module docstring)."""
    assert inst.boost_survival is not None
    n_t = inst.n_threats
    tp, jp = inst.pairs
    parts = [inst.max_shots, sp.csr_array(inst.v[:, None] + 1.0), sp.csr_array(inst.boost_survival.T + 1.0)]
    if inst.fire_control is not None:
        coo = inst.fire_control.tocoo()
        n_s = inst.fire_control.shape[1]
        flat = (coo.data, (tp[coo.row], jp[coo.row] * n_s + coo.col))
        parts.append(sp.csr_array(flat, shape=(n_t, inst.n_sites * n_s)))
    _, group = distinct_rows(sp.hstack(parts, format="csr"))
    order = np.argsort(group, kind="stable")
    g = group[order]
    same = g[1:] == g[:-1]
    return np.column_stack([order[:-1][same], order[1:][same]]).astype(np.int64)


def restrict(inst: EngagementInstance, sites: np.ndarray, sensors: np.ndarray) -> EngagementInstance:
    """The instance on ``sites`` and ``sensors`` only (a sub-problem: its plans are plans of ``inst``)."""
    n_bar, fc = _held(inst, sensors)
    new_j = np.full(inst.n_sites, -1)
    new_j[sites] = np.arange(sites.size)
    pairs = np.flatnonzero((n_bar > 0) & (new_j[inst.pairs[1]] >= 0))
    return _subset(inst, sites, sensors, pairs, n_bar, fc, new_j)


def _held(inst: EngagementInstance, sensors: np.ndarray) -> tuple[np.ndarray, sp.csr_array | None]:
    r"""``(n_bar, fc)``: :math:`\bar n_p` with only ``sensors``, and their fire-control columns."""
    if inst.fire_control is None:
        return inst.max_shots.data.copy(), None
    allowed = np.zeros(inst.n_sensors, bool)
    allowed[sensors] = True
    fca, n_bar = fire_shots(inst, allowed)
    return n_bar, sp.csr_array(fca[:, sensors])
