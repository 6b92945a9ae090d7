r"""The worst-case raid against a fixed plan: an attacker who reads the defence.

The attacker sees the plan (sites, rounds, sensors: radars and batteries are not secret) and lays
down :math:`N` missiles; the defender sees the raid as it flies and fires its rounds at it as
well as it can. This is the bilevel max–min

.. math::

    \Phi(P) = \max_{m \in \mathcal M_N}\ \varphi(m), \qquad
    \varphi(m) = \min_{b \in B(P)}\ L(b; m),

with :math:`\mathcal M_N = \{m \in \mathbb Z^C_{\ge 0} : \sum_c m_c = N,\
\sum_{c: a(c) = a} m_c \le M_a\}` and :math:`\varphi(m)` the defender's best response
(:func:`models.adversary.engagement.value_lost`).

**Rank form.** Write a laydown as :math:`u_{ck} = 1` when class :math:`c` receives at least
:math:`k` missiles (:math:`u_{c,k} \le u_{c,k-1}`). A defender response :math:`b` assigns every
missile a salvo; sort the salvos of class :math:`c` by leak probability,
:math:`\ell_{c1}(b) \le \ell_{c2}(b) \le \dots`, with :math:`\ell_{ck} = 1` past the last one.
Facing :math:`m`, the defender may always fire the :math:`m_c` best salvos of :math:`b` at class
:math:`c` (a subset of a feasible response is feasible: fewer rounds), so
:math:`\varphi(m) \le \sum_{c,k} v_c\,\ell_{ck}(b)\,u_{ck}` for every :math:`b` and every
:math:`m`: linear in :math:`u`. The attacker's master problem over a set :math:`\mathcal B` of
responses,

.. math::

    \max\ \eta \quad \text{s.t. } \eta \le \sum_{c,k} v_c\,\ell_{ck}(b)\,u_{ck}\ \ \forall b \in
    \mathcal B,\quad u \in \mathcal M_N \text{ (rank form)},

is a relaxation, so its optimum :math:`\bar\eta` bounds :math:`\Phi` from above, and every
:math:`\varphi(m^*)` solved exactly bounds it from below.

**Convergence.** Each iteration solves the master (laydown :math:`m^*`, bound
:math:`\bar\eta`), then the defender's exact best response :math:`b^*` to :math:`m^*`
(value :math:`\varphi(m^*)`), and adds :math:`b^*` to :math:`\mathcal B`. The new cut evaluates
to exactly :math:`\varphi(m^*)` at :math:`m^*`, so :math:`m^*` can never again be the master's
answer with :math:`\eta > \varphi(m^*)`. There are finitely many laydowns, hence finitely many
iterations until :math:`\bar\eta = \max_r \varphi(m^r)`, the proof of optimality. Cuts are
strengthened, without losing validity, by firing the rounds :math:`b^*` leaves unused at
further missiles of other classes (:func:`fill_leftover`). Stopped early, the gap between the
bound and the best laydown found is reported.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from models.adversary.engagement import EXACT, Scenario, value_lost
from models.adversary.instance import (
    AdversaryError,
    AdversaryInstance,
    DefencePlan,
    Raid,
    check_raid_size,
)
from models.engines.highs_engine import HighsEngine
from models.linear import LinearModel, Sense, VarKind
from models.result import relative_gap

TOL = 1e-6
"""Relative tolerance at which bound and value count as equal."""


@dataclass(frozen=True, eq=False)
class WorstRaid:
    """The attacker's best laydown against a plan, with the proof of it."""

    raid: Raid
    value_lost: float
    bound: float
    iterations: int
    time_s: float
    leaks: np.ndarray
    """Leak probability of each missile of the raid under the defender's best response."""

    @property
    def gap(self) -> float:
        """Relative gap between the attacker's bound and the laydown found (0 when proven).

        Relative to the bound, the larger (``bound >= value_lost`` by construction).
        """
        gap = relative_gap(self.bound, self.value_lost)
        return math.inf if gap is None else gap

    @property
    def proven(self) -> bool:
        """Whether the laydown is proven worst."""
        return self.gap <= TOL


def rank_limits(inst: AdversaryInstance, n_missiles: int) -> np.ndarray:
    """Most missiles any laydown of ``n_missiles`` can put on each class (``(C,)`` int)."""
    return np.minimum(n_missiles, np.asarray(inst.inventory)[inst.class_area]).astype(int)


def fill_leftover(
    inst: AdversaryInstance, plan: DefencePlan, used: np.ndarray, slots: list[np.ndarray], limits: np.ndarray
) -> list[np.ndarray]:
    """Add salvos from the rounds a response left unused, classes by value, one missile a pass.

    Any salvo fired from leftover rounds within windows and tracks keeps the response feasible,
    so the cut it gives stays valid; it only gets stronger.
    """
    left = np.where(plan.sites, plan.rounds, 0).astype(float) - used
    out = [list(s[s < 1.0]) for s in slots]  # an unengaged missile holds no salvo
    allowed = inst.allowed(plan.sites, plan.sensors)
    ptr = inst.shots.indptr
    pairs = [np.arange(ptr[c], ptr[c + 1])[allowed[ptr[c] : ptr[c + 1]] > 0] for c in range(inst.n_classes)]
    order = np.argsort(-inst.class_value, kind="stable")
    active = [c for c in order if len(pairs[c]) and len(out[c]) < limits[c]]
    while active:
        nxt = []
        for c in active:
            leak, took = _salvo(inst, inst.shots.indices[pairs[c]], allowed[pairs[c]], left)
            if took is None:
                continue
            left[inst.shots.indices[pairs[c]]] -= took
            out[c].append(leak)
            if len(out[c]) < limits[c]:
                nxt.append(c)
        active = nxt
    return [np.sort(np.asarray(s, float)) for s in out]


def _salvo(
    inst: AdversaryInstance, sites: np.ndarray, s: np.ndarray, left: np.ndarray
) -> tuple[float, np.ndarray | None]:
    """A greedy salvo from leftover rounds at one missile: (leak, shots per site) or no shot."""
    fired = np.minimum(s, left[sites]).astype(int)
    kinds = inst.site_kind[sites]
    took = np.zeros_like(fired)
    total = inst.max_shots_per_missile if inst.max_shots_per_missile is not None else 1 << 30
    leak = 1.0
    for q in np.argsort(inst.kind_pk)[::-1]:  # most lethal kind first
        idx = np.flatnonzero(kinds == q)
        idx = idx[np.argsort(-left[sites[idx]], kind="stable")]
        want = min(int(inst.kind_max_shots[q]), total)
        for i in idx:
            k = min(want, int(fired[i]))
            took[i], want = k, want - k
        total -= int(took[idx].sum())
        leak *= (1.0 - inst.kind_pk[q]) ** took[idx].sum()
    return (leak, took) if took.sum() else (1.0, None)


def _cut(
    inst: AdversaryInstance, slots: list[np.ndarray], limits: np.ndarray, ranks: np.ndarray
) -> np.ndarray:
    r"""Coefficients :math:`v_c \ell_{ck}` over the rank variables."""
    coef = np.ones(int(limits.sum()))
    start = np.concatenate([[0], np.cumsum(limits)[:-1]])
    for c, s in enumerate(slots):
        k = min(len(s), limits[c])
        if k:
            coef[start[c] : start[c] + k] = s[:k]
    return coef * inst.class_value[ranks]


def _master(
    inst: AdversaryInstance,
    n_missiles: int,
    limits: np.ndarray,
    ranks: np.ndarray,
    open_cls: np.ndarray,
    open_cap: np.ndarray,
    cuts: list[np.ndarray],
) -> tuple[np.ndarray, float]:
    """Solve the attacker's master problem; return (missiles per class, bound).

    Ranks ``u`` cover the classes the plan can engage; a class it cannot engage loses its value
    per missile in every response, so those classes enter as integer counts ``o`` (one per
    launch area: the most valuable such class dominates the others of its area).
    """
    n_u, n_o = int(limits.sum()), len(open_cls)
    model = LinearModel("worst_raid", Sense.MAXIMIZE)
    u = model.add_vars("u", list(range(n_u)), kind=VarKind.BINARY)
    o = model.add_vars("open", open_cls.tolist(), kind=VarKind.INTEGER, ub=open_cap.astype(float))
    eta = model.add_vars("eta", ["eta"], lb=0.0)
    model.set_objective({eta: np.ones(1)})
    first = np.concatenate([[0], np.cumsum(limits)[:-1]])
    chain = np.setdiff1d(np.arange(1, n_u), first)  # u[c, k] <= u[c, k-1]
    if len(chain):
        d = sp.csr_array(
            (
                np.r_[np.ones(len(chain)), -np.ones(len(chain))],
                (np.r_[np.arange(len(chain)), np.arange(len(chain))], np.r_[chain, chain - 1]),
            ),
            shape=(len(chain), n_u),
        )
        model.add_constraints("rank_order", chain.tolist(), {u: d}, ub=0.0)
    n_a = len(inst.area_names)
    inv_u = sp.csr_array((np.ones(n_u), (inst.class_area[ranks], np.arange(n_u))), shape=(n_a, n_u))
    inv_o = sp.csr_array((np.ones(n_o), (inst.class_area[open_cls], np.arange(n_o))), shape=(n_a, n_o))
    model.add_constraints(
        "inventory", list(inst.area_names), {u: inv_u, o: inv_o}, ub=np.asarray(inst.inventory, float)
    )
    model.add_constraints(
        "raid_size", ["raid_size"], {u: np.ones(n_u), o: np.ones(n_o)}, lb=n_missiles, ub=n_missiles
    )
    n_r = len(cuts)
    cut = sp.csr_array(-np.vstack(cuts) / inst.value_scale)
    v_open = np.tile(inst.class_value[open_cls] / inst.value_scale, (n_r, 1))
    model.add_constraints(
        "response_cut", list(range(n_r)), {eta: np.ones((n_r, 1)), u: cut, o: -v_open}, ub=0.0
    )
    run = HighsEngine().solve(model, EXACT)
    if run.values is None:
        raise AdversaryError(f"no laydown of {n_missiles} missiles fits ({run.raw_status})")
    assert run.objective is not None  # an incumbent (values) comes with its objective
    counts = np.bincount(ranks, weights=run.values[u.cols], minlength=inst.n_classes).astype(float)
    counts[open_cls] += run.values[o.cols]
    bound = run.bound if run.bound is not None else float(run.objective)
    return np.round(counts).astype(int), float(bound) * inst.value_scale


def _open_classes(inst: AdversaryInstance, engaged: np.ndarray, limits: np.ndarray) -> np.ndarray:
    """Per launch area, the most valuable class the plan cannot engage (if any)."""
    out = []
    for a in range(len(inst.area_names)):
        cand = np.flatnonzero(~engaged & (inst.class_area == a) & (limits > 0))
        if len(cand):
            out.append(cand[np.argmax(inst.class_value[cand])])
    return np.asarray(out, int)


def _seed_cuts(
    inst: AdversaryInstance,
    plan: DefencePlan,
    limits: np.ndarray,
    ranks: np.ndarray,
    engaged: np.ndarray,
    count: int,
) -> list[np.ndarray]:
    """Responses to concentrated raids on the most valuable engaged classes (valid, strong cuts)."""
    cuts = []
    for c in [c for c in np.argsort(-inst.class_value, kind="stable") if engaged[c]][:count]:
        counts = np.zeros(inst.n_classes, int)
        counts[c] = limits[c]
        resp = value_lost(inst, plan, Scenario(Raid(counts)))
        used = np.asarray(resp.shots.sum(axis=0)).ravel()
        slots = fill_leftover(inst, plan, used, resp.class_leaks(inst.n_classes), limits)
        cuts.append(_cut(inst, slots, limits, ranks))
    return cuts


def worst_case_raid(
    inst: AdversaryInstance,
    plan: DefencePlan,
    n_missiles: int,
    *,
    max_iterations: int = 500,
    time_limit_s: float | None = None,
    seeds: int = 6,
    stop_above: float | None = None,
) -> WorstRaid:
    """The laydown of ``n_missiles`` that loses the most expected value against ``plan``.

    Solved exactly by the cutting plane of the module docstring, seeded with the responses to
    ``seeds`` concentrated raids. Stopped by ``max_iterations`` or ``time_limit_s``, or as
    soon as a laydown loses more than ``stop_above``, the best laydown found is returned with
    its gap.
    """
    check_raid_size(inst, n_missiles)
    t0 = time.perf_counter()
    allowed = inst.allowed(plan.sites, plan.sensors)
    engaged = np.bincount(inst.pair_class, weights=allowed > 0, minlength=inst.n_classes) > 0
    full = rank_limits(inst, n_missiles)
    limits = np.where(engaged, full, 0)
    ranks = np.repeat(np.arange(inst.n_classes), limits)
    open_cls = _open_classes(inst, engaged, full)
    open_cap = full[open_cls]
    cuts = [inst.class_value[ranks]]  # no shots at all: every missile leaks
    cuts += _seed_cuts(inst, plan, limits, ranks, engaged, seeds)
    best: tuple[float, Raid, np.ndarray] | None = None
    bound = float("inf")
    it = 0
    while it < max_iterations:
        it += 1
        counts, bound = _master(inst, n_missiles, limits, ranks, open_cls, open_cap, cuts)
        raid = Raid(counts)
        resp = value_lost(inst, plan, Scenario(raid))
        if best is None or resp.value_lost > best[0]:
            best = (resp.value_lost, raid, resp.missile_leak)
        if bound - best[0] <= TOL * max(1.0, abs(bound)):
            break
        if stop_above is not None and best[0] > stop_above:
            break
        used = np.asarray(resp.shots.sum(axis=0)).ravel()
        slots = fill_leftover(inst, plan, used, resp.class_leaks(inst.n_classes), limits)
        cuts.append(_cut(inst, slots, limits, ranks))
        if time_limit_s is not None and time.perf_counter() - t0 > time_limit_s:
            break
    assert best is not None
    return WorstRaid(best[1], best[0], max(bound, best[0]), it, time.perf_counter() - t0, best[2])
