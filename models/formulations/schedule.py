r"""The multi-period build-out: what to fund each year so the most is defended over the years.

Life-cycle arithmetic (:math:`\alpha, \sigma, \rho`, existing sites) is in :mod:`models.schedule`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np
import scipy.sparse as sp

from models import engines
from models.formulations.base import Formulation, labels, type_matrix
from models.instance import PlanRules
from models.linear import LinearModel, ModelError, Sense, VarBlock, VarKind
from models.names import EXCLUSIVE, INTERCEPTOR_COVER, SENSOR_COVER, TYPE_MAX, TYPE_MIN, Y
from models.presolve import presolve_layered
from models.result import SolveOptions, SolveResult
from models.schedule import ScheduleInstance
from models.solve import expand_result, solve_formulation

Z = "z"
"""Site funded in a year: ``z[j, s]``."""
U = "u"
"""Site in service in a year: ``u[j, tau]``."""
IN_SERVICE = "in_service"
"""``u[j, tau] = sum_s sigma(tau - s) z[j, s] + e[j, tau]``."""
V = "v"
"""Site funded by a year: ``v[j, s] = sum_{s' <= s} z[j, s']`` (binary; at most 1: built once)."""
FUNDED_BY = "funded_by"
"""``z[j, s] = v[j, s] - v[j, s - 1]``."""
ANNUAL_BUDGET = "annual_budget"
"""Spending of year ``tau`` (cumulated with carry-over) within its budget."""
MILESTONE_SHARE = "milestone_share"
"""``sum_i w[i] y[i, tau] >= share W`` from the milestone's year on."""
MILESTONE_TYPE = "milestone_type"
"""``sum_{j in t} u[j, tau] >= count`` from the milestone's year on."""


class YearValue(Protocol):
    r"""What a year of service is worth: the interface through which other measures plug in.

    :func:`schedule` links the service variables :math:`u_{j	au}` to a value model through three
    calls. :class:`CoverageValue` (the default) is population under layered coverage; an
    engagement model (expected leakers against a design raid, as a piecewise-linear function of
    the interceptors in service) would implement the same three methods. Only the coverage value
    exists today; milestones on the defended share need it.
    """

    def add(self, model: LinearModel, u: VarBlock, discount: np.ndarray) -> VarBlock | None:
        """Declare the value's variables and rows over every year and set the objective."""

    def columns(self, service: np.ndarray) -> np.ndarray:
        """Values of the variables ``add`` declared, for a ``(n, T)`` service matrix (warm starts)."""

    def year_value(self, in_service: np.ndarray) -> float:
        """One year's value (in the objective's unit) from a boolean mask of the sites in service."""


@dataclass(frozen=True, eq=False)
class CoverageValue:
    r"""Population under layered coverage, the default :class:`YearValue`.

    :math:`\sum_i (w_i / W) y_{i\tau}` with :math:`y_{i\tau} \le \sum_j a^S_{ij} u_{j\tau}` and
    :math:`y_{i\tau} \le \sum_j a^K_{ij} u_{j\tau}`. Weights are shares of :math:`W`: people
    (~1e7 each) next to costs (~1e2) upset HiGHS's numerics, and the objective reads as
    discounted share-years.
    """

    inst: ScheduleInstance

    def add(self, model: LinearModel, u: VarBlock, discount: np.ndarray) -> VarBlock:
        """Declare ``y[i, tau]`` and the two cover rows per point and year."""
        base, big_t = self.inst.base, self.inst.years
        # y may be continuous: u is integral when z is, so the optimal y is too (as in `layered`).
        ids = labels([(d, int(t)) for d in base.demand_ids for t in range(big_t)])
        y = model.add_vars(Y, ids, lb=0.0, ub=1.0, integral_at_optimum=True)
        model.set_objective({y: np.kron(base.w / self.inst.total_weight, discount)})
        eye = sp.eye_array(base.m * big_t)
        model.add_constraints(SENSOR_COVER, ids, {y: eye, u: -_kron_years(base.a_sensor, big_t)}, ub=0.0)
        model.add_constraints(
            INTERCEPTOR_COVER, ids, {y: eye, u: -_kron_years(base.a_interceptor, big_t)}, ub=0.0
        )
        return y

    def columns(self, service: np.ndarray) -> np.ndarray:
        """Defended (1) or not (0) per point and year."""
        on = service > 0.5
        base = self.inst.base
        return np.column_stack([base.defended(on[:, k]) for k in range(on.shape[1])]).astype(float).ravel()

    def year_value(self, in_service: np.ndarray) -> float:
        """Defended share of the total weight."""
        base = self.inst.base
        return float(base.w[base.defended(in_service)].sum() / self.inst.total_weight)


def _kron_years(a: sp.csr_array, big_t: int) -> sp.csr_array:
    """``a ⊗ I_T``: row ``(i, tau)``, column ``(j, tau)`` (both major-minor)."""
    return sp.csr_array(sp.kron(a, sp.eye_array(big_t), format="csr"))


def _per_site(big_t: int, n: int) -> sp.csr_array:
    """``I_n ⊗ 1_T^T``: sums a site's funding over the years."""
    return sp.csr_array(sp.kron(sp.eye_array(n), np.ones((1, big_t)), format="csr"))


def _year_rows(coef: np.ndarray, taus: np.ndarray, big_t: int) -> sp.csr_array:
    """Rows ``k``: ``coef ⊗ e_{taus[k]}`` over a (item, year) block."""
    rows = [sp.kron(coef[None, :], sp.csr_array(([1.0], ([0], [int(t)])), shape=(1, big_t))) for t in taus]
    return sp.csr_array(sp.vstack(rows, format="csr"))


def schedule(
    inst: ScheduleInstance, rules: PlanRules | None = None, value: YearValue | None = None
) -> Formulation:
    r"""Multi-period layered maximal covering under annual budgets and life cycles.

    Years :math:`\tau \in \{0..T-1\}` with budgets :math:`B_\tau` and discount weights
    :math:`\delta_\tau`; sites :math:`j` with unit costs :math:`c_j`, O&S :math:`o_j`, types
    :math:`t(j)`; life-cycle profiles :math:`\alpha_t, \sigma_t, \rho_t` of the age
    :math:`d = \tau - s` (:mod:`models.schedule`); existing sites' fixed service :math:`e_{j\tau}`
    and spending :math:`f_\tau`. Spending of site :math:`j` in year :math:`\tau` when funded in
    :math:`s`: :math:`k_{j\tau s} = c_j(\alpha(\tau-s) + \rho(\tau-s)) + o_j\sigma(\tau-s)`.

    .. math::

        \max\ & \sum_\tau \delta_\tau \sum_i w_i y_{i\tau} \\
        \text{s.t. }
        & u_{j\tau} = \textstyle\sum_{s \le \tau} \sigma_{t(j)}(\tau - s) z_{js} + e_{j\tau}
          & \forall j, \tau & \quad (\texttt{in\_service}[j,\tau]) \\
        & z_{js} = v_{js} - v_{j,s-1},\ v_{j,-1} = 0 & \forall j, s
          & \quad (\texttt{funded\_by}[j,s]) \\
        & y_{i\tau} \le \textstyle\sum_j a^S_{ij} u_{j\tau},\quad
          y_{i\tau} \le \textstyle\sum_j a^K_{ij} u_{j\tau}
          & \forall i, \tau & \quad (\texttt{sensor\_cover}, \texttt{interceptor\_cover}) \\
        & \textstyle\sum_{j,s} k_{j\tau s} z_{js} + f_\tau \le B_\tau
          \quad\text{(with carry-over: } \textstyle\sum_{\tau' \le \tau} \text{ on both sides)}
          & \forall \tau & \quad (\texttt{annual\_budget}[\tau]) \\
        & \textstyle\sum_{t(j) = t} \sum_s z_{js} \le M_t - E_t & \forall t & \quad (\texttt{type\_max}[t]) \\
        & \textstyle\sum_i w_i y_{i\tau} \ge \underline s_k W & \forall k, \tau \ge \tau_k
          & \quad (\texttt{milestone\_share}[k,\tau]) \\
        & \textstyle\sum_{t(j) = t_k} u_{j\tau} \ge n_k & \forall k, \tau \ge \tau_k
          & \quad (\texttt{milestone\_type}[k,\tau]) \\
        & v_{js} \in \{0,1\},\ z_{js} \ge 0,\ z_{js} = 0 \text{ for existing } j
          \text{ and for } s + \ell_{t(j)} \ge T \text{ (no service in the horizon; kept with a
          quota)},\ 0 \le u, y \le 1

    Optional rules (:class:`~models.instance.PlanRules`): exclusive pairs
    :math:`\sum_s (z_{js} + z_{ks}) \le 1` and quotas :math:`\sum_{t(j)=t}\sum_s z_{js} \ge N_t - E_t`
    (existing sites count toward both). :math:`E_t` counts type :math:`t`'s existing sites.
    With :math:`T = 1` and no lead time this is exactly :func:`models.formulations.layered.layered`.
    The value of a year (:math:`\sum_i w_i y_{i\tau}` with the two cover rows) comes from ``value``
    (:class:`YearValue`; default :class:`CoverageValue`, whose objective is in shares of :math:`W`).
    """
    rules = rules or PlanRules()
    base, big_t, n = inst.base, inst.years, inst.n
    assert inst.existing is not None  # filled by ScheduleInstance.__post_init__
    num_types = base.type_max.shape[0]
    acq, srv, rep = inst.site_profiles()
    e_acq, e_om, e_rep, e_srv = inst.existing_profiles()
    years = np.arange(big_t)

    model = LinearModel("schedule", Sense.MAXIMIZE)
    zid = labels([(sid, int(s)) for sid in base.site_ids for s in years])
    # Funding too late to serve within the horizon only costs (kept when a quota may need it).
    quota = np.zeros(num_types, bool) if rules.type_min is None else rules.type_min > 0
    late = (years[None, :] + inst.lead[base.site_type][:, None] >= big_t) & ~quota[base.site_type][:, None]
    ub_z = np.where(inst.existing[:, None] | late, 0.0, 1.0).ravel()
    # z is continuous and v binary: branching on "funded by year s" (v) splits the schedules far
    # more evenly than branching on "funded in year s" (z); z = v_s - v_{s-1} is then integral.
    z = model.add_vars(Z, zid, lb=0.0, ub=ub_z, integral_at_optimum=True)
    u = model.add_vars(U, zid, lb=0.0, ub=1.0, integral_at_optimum=True)
    value = value or CoverageValue(inst)
    y = value.add(model, u, inst.discount)
    if inst.share_milestones and not isinstance(value, CoverageValue):
        raise ModelError("defended-share milestones need the coverage value (CoverageValue)")

    sigma = sp.block_diag([sp.csr_array(srv[j]) for j in range(n)], format="csr")
    model.add_constraints(
        IN_SERVICE, zid, {u: sp.eye_array(n * big_t), z: -sigma}, lb=e_srv.ravel(), ub=e_srv.ravel()
    )
    once = _per_site(big_t, n)
    v = model.add_vars(V, zid, kind=VarKind.BINARY, ub=np.repeat(np.where(inst.existing, 0.0, 1.0), big_t))
    step = sp.kron(sp.eye_array(n), sp.eye_array(big_t) - sp.eye_array(big_t, k=-1))
    model.add_constraints(FUNDED_BY, zid, {z: sp.eye_array(n * big_t), v: -step}, lb=0.0, ub=0.0)

    k = acq + rep + inst.om[:, None, None] * srv  # (n, tau, s)
    spend = sp.csr_array(np.transpose(k, (1, 0, 2)).reshape(big_t, n * big_t))
    fixed = (e_acq + e_om + e_rep).sum(axis=0)
    budget = inst.budget - fixed
    if inst.carry_over:
        lower = sp.csr_array(np.tril(np.ones((big_t, big_t))))
        spend, budget = sp.csr_array(lower @ spend), np.cumsum(inst.budget) - np.cumsum(fixed)
    model.add_constraints(ANNUAL_BUDGET, labels([int(v) for v in inst.year_labels]), {z: spend}, ub=budget)

    types = type_matrix(base.site_type, num_types)
    n_existing = types @ inst.existing.astype(float)
    model.add_constraints(
        TYPE_MAX,
        labels(list(base.type_names)),
        {z: sp.csr_array(types @ once)},
        ub=base.type_max - n_existing,
    )
    _add_rules(model, z, rules, once, types, n_existing, base.type_names, base.site_ids)
    _add_milestones(model, inst, y, u, types)

    def service(plan: np.ndarray) -> np.ndarray:
        return inst.ledger(inst.funding_years(plan))["service"]

    def complete(plan: np.ndarray) -> np.ndarray:
        on = service(plan)
        by = np.cumsum(plan.reshape(n, big_t), axis=1).ravel()
        return np.concatenate([plan.astype(float), on.ravel(), value.columns(on), by.astype(float)])

    def objective(plan: np.ndarray) -> float:
        on = service(plan) > 0.5
        return float(sum(inst.discount[k] * value.year_value(on[:, k]) for k in range(big_t)))

    return Formulation(
        model=model,
        sites=z,
        complete=complete,
        value=objective,
        feasible=lambda plan: schedule_feasible(inst, rules, plan),
        heuristic=lambda: None,
        extra={"years": big_t},
    )


def _add_rules(
    model: LinearModel,
    z: VarBlock,
    rules: PlanRules,
    once: sp.csr_array,
    types: sp.csr_array,
    n_existing: np.ndarray,
    type_names: tuple[str, ...],
    site_ids: np.ndarray,
) -> None:
    if rules.exclusive is not None and rules.exclusive.size:
        p = rules.exclusive
        kk, n = p.shape[0], once.shape[0]
        pair = sp.csr_array((np.ones(2 * kk), (np.repeat(np.arange(kk), 2), p.reshape(-1))), shape=(kk, n))
        ex = np.zeros(n) if rules.existing is None else rules.existing.astype(float)
        model.add_constraints(
            EXCLUSIVE,
            labels([(site_ids[a], site_ids[b]) for a, b in p]),
            {z: sp.csr_array(pair @ once)},
            ub=1.0 - pair @ ex,
        )
    if rules.type_min is not None and (rules.type_min > 0).any():
        t = np.flatnonzero(rules.type_min > 0)
        model.add_constraints(
            TYPE_MIN,
            labels([type_names[k] for k in t]),
            {z: sp.csr_array((types @ once)[t])},
            lb=rules.type_min[t] - n_existing[t],
        )


def _add_milestones(
    model: LinearModel, inst: ScheduleInstance, y: VarBlock | None, u: VarBlock, types: sp.csr_array
) -> None:
    big_t, w = inst.years, inst.base.w / inst.total_weight
    ids, rows = [], []
    for k, (tau0, share) in enumerate(inst.share_milestones):
        taus = np.arange(tau0, big_t)
        ids += [(k, inst.year_labels[t]) for t in taus]
        rows.append((_year_rows(w, taus, big_t), np.full(taus.shape, share)))
    if rows:
        assert y is not None  # share milestones need CoverageValue, whose add() returns y (schedule())
        model.add_constraints(
            MILESTONE_SHARE,
            labels(ids),
            {y: sp.csr_array(sp.vstack([r[0] for r in rows], format="csr"))},
            lb=np.concatenate([r[1] for r in rows]),
        )
    ids, rows = [], []
    for k, (tau0, t, count) in enumerate(inst.type_milestones):
        taus = np.arange(tau0, big_t)
        ids += [(k, inst.year_labels[s]) for s in taus]
        rows.append((_year_rows(types.toarray()[t], taus, big_t), np.full(taus.shape, float(count))))
    if rows:
        model.add_constraints(
            MILESTONE_TYPE,
            labels(ids),
            {u: sp.csr_array(sp.vstack([r[0] for r in rows], format="csr"))},
            lb=np.concatenate([r[1] for r in rows]),
        )


def schedule_feasible(inst: ScheduleInstance, rules: PlanRules, plan: np.ndarray, tol: float = 1e-6) -> bool:
    """Whether a funding mask satisfies every constraint of :func:`schedule` (from the arrays)."""
    zz = np.asarray(plan, dtype=bool).reshape(inst.n, inst.years)
    assert inst.existing is not None and inst.total_weight is not None  # set by its __post_init__
    if (zz.sum(axis=1) > 1).any() or (zz.any(axis=1) & inst.existing).any():
        return False
    funded = inst.funding_years(plan)
    quota = np.zeros(inst.lead.shape, bool) if rules.type_min is None else rules.type_min > 0
    st = inst.base.site_type
    if ((funded >= 0) & (funded + inst.lead[st] >= inst.years) & ~quota[st]).any():
        return False
    built = (funded >= 0) | inst.existing
    counts = np.bincount(inst.base.site_type[built], minlength=inst.base.type_max.shape[0])
    if (counts > inst.base.type_max).any():
        return False
    if rules.type_min is not None and (counts < rules.type_min).any():
        return False
    if (
        rules.exclusive is not None
        and rules.exclusive.size
        and (built[rules.exclusive[:, 0]] & built[rules.exclusive[:, 1]]).any()
    ):
        return False
    if not inst.budget_ok(inst.spend(funded), tol):
        return False
    led = inst.ledger(funded)
    d = inst.defended_by_year(funded)
    got = inst.base.w @ d
    for tau0, share in inst.share_milestones:
        if (got[tau0:] < share * inst.total_weight * (1 - tol) - tol).any():
            return False
    for tau0, t, count in inst.type_milestones:
        mine = inst.base.site_type == t
        if (led["service"][mine][:, tau0:].sum(axis=0) < count - tol).any():
            return False
    return True


def _fund_earliest(inst: ScheduleInstance, funded: np.ndarray, j: int) -> bool:
    """Fund site ``j`` in the earliest year that keeps the budgets and serves within the horizon."""
    for s in range(inst.years - int(inst.lead[inst.base.site_type[j]])):
        funded[j] = s
        if inst.budget_ok(inst.spend(funded)):
            return True
    funded[j] = -1
    return False


def _milestone_sites(inst: ScheduleInstance, plan: np.ndarray) -> list[int]:
    """Sites for the type milestones, earliest milestone first: the plan's, else the cheapest."""
    out: list[int] = []
    st, c = inst.base.site_type, inst.base.c
    assert inst.existing is not None  # filled by ScheduleInstance.__post_init__
    for _, t, count in sorted(inst.type_milestones):
        mine = np.flatnonzero((st == t) & ~inst.existing)
        have = [j for j in mine[np.argsort(c[mine], kind="stable")] if plan[j]]
        extra = [j for j in mine[np.argsort(c[mine], kind="stable")] if not plan[j]]
        need = max(count - int(inst.existing[st == t].sum()), 0)
        out += [j for j in (have + extra)[:need] if j not in out]
    return out


def greedy_schedule(inst: ScheduleInstance, plan: np.ndarray) -> np.ndarray:
    """Fund the sites of a single-period plan, most useful first, each in the earliest year it fits.

    Sites a type milestone needs come first (the plan's own, else the cheapest of the type, in
    order of the milestones' years). Then "most useful": the site adding the most weight
    defended to those already scheduled (a site adding nothing alone, e.g. a sensor before any
    interceptor, is ranked by the weight it covers in its own layers). Each is funded in the
    earliest year whose spending stream stays within the budgets and lets it serve within the
    horizon; a site that fits no year, or whose type is full, is left out. Money left then buys
    sites outside the plan, most added weight per unit cost first. Returns funding years
    (``-1``: never). The result may still miss a milestone (then the solver starts without it).
    """
    base = inst.base
    plan = np.asarray(plan, bool)
    funded = np.full(inst.n, -1, dtype=np.int64)
    assert inst.existing is not None  # filled by ScheduleInstance.__post_init__
    chosen = inst.existing.copy()
    first = _milestone_sites(inst, plan)
    for j in first:
        chosen[j] = _fund_earliest(inst, funded, j)
    left = [int(j) for j in np.flatnonzero(plan & ~inst.existing) if j not in first]
    own = base.w @ (base.a_sensor + base.a_interceptor).toarray()
    now = base.w[base.defended(chosen)].sum()
    while left:
        gains = []
        for j in left:
            trial = chosen.copy()
            trial[j] = True
            gains.append((base.w[base.defended(trial)].sum() - now, own[j], -base.c[j]))
        pick = left.pop(max(range(len(left)), key=lambda q: gains[q]))
        used = np.bincount(base.site_type[chosen], minlength=base.type_max.shape[0])
        if used[base.site_type[pick]] < base.type_max[base.site_type[pick]] and _fund_earliest(
            inst, funded, pick
        ):
            chosen[pick] = True
            now = base.w[base.defended(chosen)].sum()
    _fill(inst, funded, chosen)
    return funded


FILL_ATTEMPTS = 25
"""Sites outside the plan the warm start tries to add (each try re-ranks every candidate)."""


def _fill(inst: ScheduleInstance, funded: np.ndarray, chosen: np.ndarray) -> None:
    """Add sites outside the plan while money is left: best added weight per unit cost first."""
    base = inst.base
    tried = chosen.copy()
    for _ in range(FILL_ATTEMPTS):
        now = base.w[base.defended(chosen)].sum()
        used = np.bincount(base.site_type[chosen], minlength=base.type_max.shape[0])
        best, best_ratio = -1, 0.0
        for j in np.flatnonzero(~tried & (used[base.site_type] < base.type_max[base.site_type])):
            trial = chosen.copy()
            trial[j] = True
            gain = base.w[base.defended(trial)].sum() - now
            if gain > 0 and gain / max(base.c[j], 1e-9) > best_ratio:
                best, best_ratio = int(j), gain / max(base.c[j], 1e-9)
        if best < 0:
            break
        tried[best] = True
        chosen[best] = _fund_earliest(inst, funded, best)


def solve_schedule(
    inst: ScheduleInstance,
    options: SolveOptions | None = None,
    *,
    engine: str = engines.DEFAULT_ENGINE,
    rules: PlanRules | None = None,
    single_period_plan: np.ndarray | None = None,
    presolve: bool = True,
    value: YearValue | None = None,
) -> SolveResult:
    """Solve :func:`schedule`; ``result.x`` is the ``(n·T,)`` funding mask over the original sites.

    ``single_period_plan`` (a site mask) is scheduled by :func:`greedy_schedule` as the warm start.
    Presolve merges points with identical coverage and drops sites dominated within their type
    (same life cycle; cost, hence O&S, no lower) — valid in every year since coverage depends
    only on the sites in service. With a ``value`` other than coverage nothing is presolved (its
    arrays refer to the original sites) and the objective is in that value's unit.
    """
    options = options or SolveOptions()
    rules = rules or PlanRules()
    t0 = time.perf_counter()
    assert inst.existing is not None and inst.total_weight is not None  # set by its __post_init__
    rules = replace(rules, existing=inst.existing, partner=None, min_share=None)
    presolve = presolve and value is None
    red_base, red_rules, red = presolve_layered(inst.base, rules, merge=presolve, dominance=presolve)
    ks = red.kept_sites
    red_inst = replace(
        inst, base=red_base, om=inst.om[ks], existing=inst.existing[ks], total_weight=inst.total_weight
    )
    form = schedule(red_inst, red_rules, value)
    if single_period_plan is not None:
        start = greedy_schedule(red_inst, red.restrict(single_period_plan))
        form = replace(form, heuristic=lambda: red_inst.plan_mask(start))
    build = time.perf_counter() - t0
    res = solve_formulation(form, options, engine, build_time_s=build)
    if res.x is None:
        return expand_result(res, None, None, presolve_report=red.report)
    full = np.full(inst.n, -1, dtype=np.int64)
    full[ks] = red_inst.funding_years(res.x)
    if value is not None:
        return expand_result(res, inst.plan_mask(full), res.objective, presolve_report=red.report)
    big_w = inst.total_weight  # back from share-years to weight-years
    res = replace(
        res,
        objective=_scaled(res.objective, big_w),
        bound=None if res.bound is None else res.bound * big_w,
        extra={
            **res.extra,
            "start_objective": _scaled(res.extra.get("start_objective"), big_w),
            "heuristic_objective": _scaled(res.extra.get("heuristic_objective"), big_w),
            "solver_objective": _scaled(res.extra.get("solver_objective"), big_w),
        },
    )
    return expand_result(res, inst.plan_mask(full), inst.value(full), presolve_report=red.report)


def _scaled(value: float | None, factor: float) -> float | None:
    return None if value is None else value * factor
