r"""Loss of assets: the :math:`k` sites or sensors whose loss hurts most, and plans that hold up.

**Interdiction** (the r-interdiction models of Church, Scaparra and Middleton, 2004, with the
defender's recourse of Brown, Carlyle, Salmerón and Wood, 2006). Against a fixed plan :math:`P`
and the design raid :math:`m^0`, the attacker removes :math:`k` of the plan's assets
(:math:`\delta_j = 1` for a lost site, :math:`\delta_k = 1` for a lost sensor) and the defender
fires what survives as well as it can:

.. math::

    \Psi_k(P) = \max_{\delta \in \{0,1\}^{A(P)},\ \sum \delta = k}\
    \min_{b \in B(P \setminus \delta)} L(b; m^0).

A response :math:`b` computed for some loss set fires salvo :math:`t` (leak :math:`\ell_t`)
from sites :math:`U_t` under fire control from sensors :math:`F_{c(t)j}`. Under any other loss set,
the same salvo less the shots of lost sites is still feasible, and leaks at most
:math:`\ell_t` if nothing it used is lost and at most 1 otherwise, so

.. math::

    \varphi(\delta) \le \sum_t v_{c(t)} w_t, \quad
    w_t \le \min\Big(1,\ \ell_t + (1 - \ell_t)\textstyle\sum_{j \in U_t}
    \big(\delta_j + \lambda_{c(t)j,n_{tj}}\big)\Big), \quad \lambda_{cjl} \le \delta_k\ \
    \forall k: f_{cjk} \ge l,

(:math:`\lambda_{cjl} = 1` only when every built sensor allowing site :math:`j` at least
:math:`l` shots at class :math:`c` is lost) is a valid
cut, linear in :math:`\delta`, and exact at the loss set it was computed for. The attacker's
master over the cuts found so far bounds :math:`\Psi_k` from above; each exact response bounds
it from below; a loss set cannot recur with a bound above its value, and loss sets are
finitely many, so the cutting plane ends with a proof (the argument of
:mod:`models.adversary.raid`). Cuts stay valid for every :math:`k`, so the table for
:math:`k = 1 \dots K` reuses them.

**Fortification-style plan.** The plan best under any :math:`k` losses,
:math:`\min_P \Psi_k(P)`, is solved by the column-and-constraint generation of
:mod:`models.adversary.robust` with loss sets in place of raids: the master carries one copy of
the shots per loss set generated (a loss set naming sites the new plan does not build removes
fewer assets, so the master stays a relaxation: losses only hurt the defender).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from models.adversary.engagement import EXACT, Response, Scenario, solve_engagement, value_lost
from models.adversary.instance import AdversaryInstance, DefencePlan, Raid
from models.adversary.raid import TOL
from models.engines.highs_engine import HighsEngine
from models.linear import LinearModel, Sense, VarKind
from models.result import relative_gap


@dataclass(frozen=True, eq=False)
class Interdiction:
    """The worst loss of ``k`` assets of a plan, with the proof of it."""

    k: int
    lost_sites: np.ndarray
    lost_sensors: np.ndarray
    value_lost: float
    bound: float
    iterations: int

    @property
    def gap(self) -> float:
        """Relative gap between the attacker's bound and the loss set found.

        Relative to the bound, the larger (``bound >= value_lost`` by construction).
        """
        gap = relative_gap(self.bound, self.value_lost)
        return math.inf if gap is None else gap

    def assets(self, inst: AdversaryInstance) -> list[str]:
        """Ids of the lost sites and sensors."""
        return [inst.site_ids[j] for j in np.flatnonzero(self.lost_sites)] + [
            inst.sensor_ids[k] for k in np.flatnonzero(self.lost_sensors)
        ]


@dataclass(frozen=True, eq=False)
class _Cut:
    missile_class: np.ndarray
    leak: np.ndarray
    used: sp.csr_array  # (missiles, J) 0/1: site j fired at missile t
    pairs: sp.csr_array  # (missiles, pairs) 0/1: the shot opportunities it used


def _cut_of(inst: AdversaryInstance, resp: Response) -> _Cut:
    shots = sp.csr_array(resp.shots)
    shots.eliminate_zeros()
    used = sp.coo_array(shots)
    c = resp.missile_class[used.row]
    lo, hi = inst.shots.indptr[c], inst.shots.indptr[c + 1]
    pair = np.array(
        [
            lo_ + np.searchsorted(inst.shots.indices[lo_:hi_], j)
            for lo_, hi_, j in zip(lo, hi, used.col, strict=True)
        ],
        dtype=int,
    )
    shape = (len(resp.missile_class), inst.shots.nnz)
    pairs = sp.csr_array((used.data, (used.row, pair)), shape=shape)
    return _Cut(resp.missile_class, resp.missile_leak, sp.csr_array(used > 0, dtype=float), pairs)


def _master(
    inst: AdversaryInstance, plan: DefencePlan, k: int, cuts: list[_Cut]
) -> tuple[np.ndarray, np.ndarray, float]:
    sites, sensors = np.flatnonzero(plan.sites), np.flatnonzero(plan.sensors)
    n_a = len(sites) + len(sensors)
    model = LinearModel("interdiction", Sense.MAXIMIZE)
    d = model.add_vars(
        "lost",
        [("site", inst.site_ids[j]) for j in sites] + [("sensor", inst.sensor_ids[s]) for s in sensors],
        kind=VarKind.BINARY,
    )
    eta = model.add_vars("eta", ["eta"], lb=0.0)
    model.set_objective({eta: np.ones(1)})
    model.add_constraints("losses", ["losses"], {d: np.ones(n_a)}, lb=min(k, n_a), ub=min(k, n_a))
    col_of_site = np.full(inst.n_sites, -1)
    col_of_site[sites] = np.arange(len(sites))
    lam, kmax = None, int(inst.shots.data.max(initial=1))
    if inst.n_sensors:
        # lam[p, l] = 1 only when every built sensor allowing l shots at pair p is lost
        assert inst.fire_control is not None  # __post_init__ sets it whenever there are sensors
        lam = model.add_vars("no_fire_control", list(range(inst.shots.nnz * kmax)), ub=1.0)
        fc = sp.coo_array(inst.fire_control[:, sensors])  # pairs × built sensors: shots allowed
        row_p = np.concatenate([fc.row] * kmax)
        col_s = np.concatenate([fc.col] * kmax)
        level = np.repeat(np.arange(1, kmax + 1), fc.nnz)
        ok = np.concatenate([fc.data] * kmax) >= level
        row_p, col_s, level = row_p[ok], col_s[ok], level[ok]
        m = len(row_p)
        a_lam = sp.csr_array((np.ones(m), (np.arange(m), row_p * kmax + level - 1)), shape=(m, lam.size))
        a_d = sp.csr_array((-np.ones(m), (np.arange(m), len(sites) + col_s)), shape=(m, n_a))
        model.add_constraints("fire_control_lost", list(range(m)), {lam: a_lam, d: a_d}, ub=0.0)
    for r, cut in enumerate(cuts):
        n_t = len(cut.leak)
        w = model.add_vars(f"w@{r}", list(range(n_t)), ub=1.0)
        v = inst.class_value[cut.missile_class] / inst.value_scale
        model.add_constraints(f"response_cut@{r}", [r], {eta: np.ones(1), w: -v}, ub=0.0)
        hit = cut.leak < 1.0
        rows = np.flatnonzero(hit)
        used = sp.coo_array(cut.used[rows][:, sites] if len(sites) else sp.csr_array((len(rows), 0)))
        scale = 1.0 - cut.leak[rows]
        terms = {
            w: sp.csr_array((np.ones(len(rows)), (np.arange(len(rows)), rows)), shape=(len(rows), n_t)),
            d: sp.csr_array((-scale[used.row], (used.row, used.col)), shape=(len(rows), n_a)),
        }
        if lam is not None:
            pu = sp.coo_array(cut.pairs[rows])  # value: shots fired at the pair
            col = pu.col * kmax + pu.data.astype(int) - 1
            terms[lam] = sp.csr_array((-scale[pu.row], (pu.row, col)), shape=(len(rows), lam.size))
        model.add_constraints(f"salvo_lost@{r}", rows.tolist(), terms, ub=cut.leak[rows])
    run = HighsEngine().solve(model, EXACT)
    assert run.values is not None, run.raw_status
    assert run.objective is not None  # an incumbent (values) comes with its objective
    dv = run.values[d.cols] > 0.5
    lost_sites = np.zeros(inst.n_sites, bool)
    lost_sites[sites[dv[: len(sites)]]] = True
    lost_sensors = np.zeros(inst.n_sensors, bool)
    lost_sensors[sensors[dv[len(sites) :]]] = True
    bound = run.bound if run.bound is not None else float(run.objective)
    return lost_sites, lost_sensors, float(bound) * inst.value_scale


def interdict(
    inst: AdversaryInstance,
    plan: DefencePlan,
    design: Raid,
    k: int,
    *,
    cuts: list[_Cut] | None = None,
    max_iterations: int = 500,
    stop_above: float | None = None,
    time_limit_s: float | None = None,
) -> Interdiction:
    """The ``k`` assets of ``plan`` whose loss raises the design raid's expected damage most.

    ``cuts`` (a list, extended in place) carries responses between calls on the same plan;
    the search stops early once a loss set costs more than ``stop_above``.
    """
    t0 = time.perf_counter()
    cuts = cuts if cuts is not None else []
    if not cuts:
        cuts.append(_cut_of(inst, value_lost(inst, plan, Scenario(design))))
    best: tuple[float, np.ndarray, np.ndarray] | None = None
    bound, it = float("inf"), 0
    while it < max_iterations:
        it += 1
        ls, lk, bound = _master(inst, plan, k, cuts)
        resp = value_lost(inst, plan, Scenario(design, ls, lk))
        if best is None or resp.value_lost > best[0]:
            best = (resp.value_lost, ls, lk)
        if bound - best[0] <= TOL * max(1.0, abs(bound)):
            break
        if stop_above is not None and best[0] > stop_above:
            break
        if time_limit_s is not None and time.perf_counter() - t0 > time_limit_s:
            break
        cuts.append(_cut_of(inst, resp))
    assert best is not None
    return Interdiction(k, best[1], best[2], best[0], max(bound, best[0]), it)


def interdiction_table(
    inst: AdversaryInstance, plan: DefencePlan, design: Raid, k_max: int
) -> list[Interdiction]:
    """The worst loss of ``k`` assets for ``k = 1 … k_max`` (cuts shared between the ``k``)."""
    n_assets = int(plan.sites.sum() + plan.sensors.sum())
    cuts: list[_Cut] = []
    return [interdict(inst, plan, design, k, cuts=cuts) for k in range(1, min(k_max, n_assets) + 1)]


@dataclass(frozen=True, eq=False)
class FortifiedPlan:
    """The plan best under any ``k`` losses, with its worst loss set and the bounds."""

    k: int
    plan: DefencePlan
    worst: Interdiction
    lower_bound: float
    iterations: int
    time_s: float

    @property
    def gap(self) -> float:
        """Relative gap between the plan's worst ``k``-loss damage and the master's bound."""
        gap = relative_gap(self.worst.value_lost, self.lower_bound)
        return math.inf if gap is None else gap


def fortified_plan(
    inst: AdversaryInstance,
    design: Raid,
    k: int,
    *,
    max_iterations: int = 50,
    time_limit_s: float | None = None,
    incumbent: tuple[DefencePlan, Interdiction] | None = None,
) -> FortifiedPlan:
    """The plan minimising the design raid's damage after the worst loss of ``k`` assets.

    With ``time_limit_s`` the masters stop at the limit (the gap to their bound is reported);
    ``incumbent`` (a plan with its proven worst loss) is the answer if nothing better is proven.
    """
    from models.adversary.robust import master_options

    t0 = time.perf_counter()
    scen = [Scenario(design)]
    best: tuple[DefencePlan, Interdiction] | None = incumbent
    lower, it = 0.0, 0
    while it < max_iterations:
        it += 1
        master = solve_engagement(inst, scen, options=master_options(time_limit_s, t0))
        lower = max(lower, master.bound)
        above = master.objective + TOL * max(1.0, abs(master.objective))
        left = None if time_limit_s is None else max(0.0, time_limit_s - (time.perf_counter() - t0))
        worst = interdict(inst, master.plan, design, k, stop_above=above, time_limit_s=left)
        if worst.gap <= TOL and (best is None or worst.value_lost < best[1].value_lost):
            best = (master.plan, worst)
        if best is not None and best[1].value_lost - lower <= TOL * max(1.0, abs(best[1].value_lost)):
            break
        if time_limit_s is not None and time.perf_counter() - t0 > time_limit_s:
            break
        scen.append(Scenario(design, worst.lost_sites, worst.lost_sensors))
    if best is None:  # stopped before any plan's worst loss was proven: prove the last one's
        best = (master.plan, interdict(inst, master.plan, design, k))
    return FortifiedPlan(k, best[0], best[1], min(lower, best[1].value_lost), it, time.perf_counter() - t0)
