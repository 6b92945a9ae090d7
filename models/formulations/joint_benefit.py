r"""The joint plan under the benefit-proportional split, which is bilinear: CP-SAT, and a check.

Notation of :mod:`models.formulations.joint_plan`. Under the benefit rule partner :math:`p`'s target share of
the cost is its share of the defended weight, :math:`C(x)\,W_p(x) / W(x)` with
:math:`W_p = \sum_{o(i)=p} w_i y_i` and :math:`W = \sum_p W_p`; the band reads

.. math::
    (1-τ)\, C W_p \le π_p W \le (1+τ)\, C W_p \qquad \forall p,

products of decision quantities on both sides. Here ``y`` must be the *exact* defended indicator
(a partner could otherwise lower its bill by under-reporting its benefit):
:math:`s_i = \max_{j: a^S_{ij}=1} x_j`, :math:`k_i = \max_{j: a^K_{ij}=1} x_j`,
:math:`y_i = \min(s_i, k_i)`.

**CP-SAT** (:func:`solve_joint_benefit_cpsat`) states it as is, with integer shares: costs scaled
to integers (the smallest power of ten up to 10³), contributions :math:`π_p` integers in that unit,
weights integers (exact when they are integers already, else scaled to a total of 10⁶ and rounded),
finer contribution units by ``share_digits``,
:math:`P_p = π_p W` and :math:`Q_p = C W_p` by ``add_multiplication_equality``, and the band in
per-mille with a rounding allowance of one contribution unit:

.. math::
    1000\,P_p \le (1000 + t)\,Q_p + 1000\,W, \qquad 1000\,P_p \ge (1000 - t)\,Q_p - 1000\,W.

**The check: bisection on the price of coverage** (:func:`joint_benefit_by_price`, for
:math:`τ = 0`). With :math:`λ(x) = C(x)/W(x)` the price of a unit of defended weight, the exact
split is :math:`π_p = λ(x) W_p(x)`, and the cash caps read :math:`λ(x) W_p - f H_p \le \bar B_p`.
For a price interval :math:`I = [λ^-, λ^+]` the MILP

.. math::
    G(I, \hat λ) = \max\ W \ \text{s.t.}\ λ^- W \le C(x) \le λ^+ W,\quad
    \hat λ\, W_p - f H_p(x) \le \bar B_p\ (\forall p),\ \text{budget, types, floors, exact } y

is linear. With :math:`\hat λ = λ^-` it *relaxes* the benefit rule on the plans priced in
:math:`I` (an upper bound); its plan, recomputed, either meets the exact rule (then it is the best
plan priced in :math:`I`) or not, and :math:`I` is halved (geometrically). With
:math:`\hat λ = λ^+` every plan it returns meets the rule (an incumbent). Intervals whose bound
does not beat the incumbent are dropped; the search ends with the best plan found and the largest
bound left open, so it *brackets* the optimum, independently of CP-SAT.
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from models.formulations.base import Formulation, labels, type_matrix
from models.formulations.joint_plan import COALITION_FLOOR, JointInstance, JointPlan
from models.linear import LinearModel, Sense, VarKind
from models.names import BUDGET, TYPE_MAX, X, Y
from models.result import SolutionStatus, SolveOptions, SolveResult, Termination, relative_gap
from models.solve import solve_formulation

__all__ = [
    "PriceSearch",
    "benefit_target",
    "joint_benefit_by_price",
    "meets_benefit_rule",
    "price_milp",
    "solve_joint_benefit",
    "solve_joint_benefit_cpsat",
]

SENSED = "sensed"
"""Exact sensor-covered indicator ``s[i]`` (price MILP)."""
ENGAGED = "engaged"
"""Exact interceptor-covered indicator ``k[i]`` (price MILP)."""
PRICE_CAP = "price_cap"
"""``C(x) <= lambda W`` (price MILP)."""
BENEFIT_CAP = "benefit_cap"
"""``lambda W_p - f H_p(x) <= cap[p]`` (price MILP)."""
_INT_LIMIT = 2**62


def benefit_target(ji: JointInstance, x: np.ndarray) -> np.ndarray:
    """The exact benefit-proportional split :math:`C W_p / W` of plan ``x`` (zeros if ``W = 0``)."""
    x = np.asarray(x, dtype=bool)
    w_p = ji.defended_weight(x)
    total = w_p.sum()
    cost = float(ji.instance.c[x].sum())
    return cost * w_p / total if total > 0 else np.zeros(ji.n_players)


def _cost_scale(c: np.ndarray, max_digits: int = 3) -> tuple[int, bool]:
    for d in range(max_digits + 1):
        s = 10**d
        if np.all(np.abs(c * s - np.rint(c * s)) <= 1e-9 * np.maximum(1.0, c * s)):
            return s, True
    return 10**max_digits, False


def _cp_model() -> Any:
    try:
        from ortools.sat.python import cp_model
    except ImportError as exc:  # pragma: no cover - ortools is a runtime dependency
        raise ImportError("the benefit-proportional joint plan needs OR-Tools: pip install ortools") from exc
    return cp_model


def solve_joint_benefit_cpsat(
    ji: JointInstance,
    tolerance: float,
    options: SolveOptions | None = None,
    *,
    hint: np.ndarray | None = None,
    share_digits: int = 2,
    isolate: bool | None = None,
) -> JointPlan:
    """Solve the benefit-proportional joint plan on CP-SAT (see the module docstring).

    Contributions are integers in units of ``10**-share_digits`` of the cost unit (costs in
    whole M USD and ``share_digits=2``: shares to the 0.01 M USD), so the rounding allowance of
    the band is that small.

    OR-Tools and highspy cannot share a process (they ship clashing HiGHS libraries, see
    :mod:`models.engines.cpsat_engine`): unless CP-SAT is already loaded here (or
    ``isolate=False``), the model is built and solved in a fresh worker process
    (:mod:`models.engines.cpsat_worker`), the instance and the result pickled over pipes.

    Returns
    -------
    JointPlan
        ``contributions`` in M USD (integers in the cost unit), ``target`` the exact split
        :math:`C W_p / W` in real weights, ``allowance`` the absolute slack of the band: one
        contribution unit plus how far rounding the weights moved the targets (0 when the
        weights are integers). ``extra`` holds the scales.
    """
    options = options or SolveOptions()
    if isolate is None:
        isolate = "ortools.sat.python.cp_model" not in sys.modules
    if isolate:
        return _in_worker(ji, tolerance, options, hint, share_digits)
    return _solve_here(ji, tolerance, options, hint, share_digits)


def _in_worker(ji: JointInstance, tolerance: float, options: SolveOptions, hint: np.ndarray | None,
               share_digits: int) -> JointPlan:
    from models.engines.cpsat_worker import call

    t0 = time.perf_counter()
    result = call("models.formulations.joint_benefit:_solve_here", ji, tolerance, options, hint, share_digits)
    result.extra["cpsat_process_s"] = time.perf_counter() - t0
    return result


def _solve_here(ji: JointInstance, tolerance: float, options: SolveOptions, hint: np.ndarray | None,
                share_digits: int) -> JointPlan:
    cp_model = _cp_model()
    inst = ji.instance
    m, n, n_p = inst.m, inst.n, ji.n_players
    t0 = time.perf_counter()
    cscale, exact_cost = _cost_scale(inst.c)
    cscale *= 10**share_digits
    c_int = np.rint(inst.c * cscale).astype(np.int64)
    total_c = int(c_int.sum())
    w = inst.w
    w_total = float(w.sum())
    integral = bool(np.all(np.abs(w - np.rint(w)) <= 1e-9))
    wscale = 1.0 if integral and w_total * max(total_c, 1) * 4000 < _INT_LIMIT else 1e6 / max(w_total, 1e-12)
    w_int = np.rint(w * wscale).astype(np.int64)
    w_tot_int = int(w_int.sum())
    t_milli = math.floor(tolerance * 1000 + 1e-9)
    f_milli = math.floor(ji.in_kind_fraction * 1000 + 1e-9)

    model = cp_model.CpModel()
    x = [model.new_bool_var(f"x[{j}]") for j in range(n)]
    a_s = sp.csr_array(inst.a_sensor)
    a_k = sp.csr_array(inst.a_interceptor)
    y = []
    for i in range(m):  # one max/min equality per point: CP-SAT's API is per constraint
        cols_s = a_s.indices[a_s.indptr[i]:a_s.indptr[i + 1]]
        cols_k = a_k.indices[a_k.indptr[i]:a_k.indptr[i + 1]]
        if cols_s.size == 0 or cols_k.size == 0 or w_int[i] == 0:
            y.append(0)
            continue
        s = model.new_bool_var(f"s[{i}]")
        k = model.new_bool_var(f"k[{i}]")
        model.add_max_equality(s, [x[j] for j in cols_s])
        model.add_max_equality(k, [x[j] for j in cols_k])
        yi = model.new_bool_var(f"y[{i}]")
        model.add_min_equality(yi, [s, k])
        y.append(yi)
    cost = model.new_int_var(0, total_c, "C")
    model.add(cost == sum(int(c_int[j]) * x[j] for j in range(n)))
    if np.isfinite(inst.budget):
        model.add(cost <= math.floor(inst.budget * cscale + 1e-9))
    for t in range(inst.type_max.shape[0]):
        members = np.flatnonzero(inst.site_type == t)
        if members.size > inst.type_max[t]:
            model.add(sum(x[j] for j in members) <= int(inst.type_max[t]))
    owner = ji.point_owner
    wp = []
    for p in range(n_p):
        pts = np.flatnonzero(owner == p)
        v = model.new_int_var(0, int(w_int[pts].sum()), f"W[{p}]")
        model.add(v == sum(int(w_int[i]) * y[i] for i in pts if not isinstance(y[i], int)))
        wp.append(v)
    wv = model.new_int_var(0, w_tot_int, "W")
    model.add(wv == sum(wp))
    pi = [model.new_int_var(0, total_c, f"pi[{p}]") for p in range(n_p)]
    model.add(sum(pi) == cost)
    host = ji.site_host
    for p in range(n_p):
        if np.isfinite(ji.caps[p]):
            hosted = np.flatnonzero(host == p)
            model.add(1000 * pi[p] - f_milli * sum(int(c_int[j]) * x[j] for j in hosted)
                      <= 1000 * math.floor(ji.caps[p] * cscale + 1e-9))
        prod_pw = model.new_int_var(0, total_c * w_tot_int, f"P[{p}]")
        prod_cw = model.new_int_var(0, total_c * w_tot_int, f"Q[{p}]")
        model.add_multiplication_equality(prod_pw, [pi[p], wv])
        model.add_multiplication_equality(prod_cw, [cost, wp[p]])
        model.add(1000 * prod_pw <= (1000 + t_milli) * prod_cw + 1000 * wv)
        model.add(1000 * prod_pw >= (1000 - t_milli) * prod_cw - 1000 * wv)
    for mask, floor in zip(ji.floor_masks, ji.floors, strict=True):
        in_mask = [p for p in range(n_p) if (int(mask) >> p) & 1]
        # Integer weights: the floor is exact; scaled weights: allow the rounding of each point.
        slack = 0.0 if wscale == 1.0 else 0.5 * float(np.isin(owner, in_mask).sum())
        model.add(sum(wp[p] for p in in_mask) >= math.ceil(floor * wscale - slack - 1e-9))
    model.maximize(wv)
    if hint is not None:
        for j, v in enumerate(np.asarray(hint, dtype=bool)):
            model.add_hint(x[j], bool(v))

    solver = cp_model.CpSolver()
    prm = solver.parameters
    prm.num_workers = int(options.threads or 2)
    prm.random_seed = int(options.seed)
    if options.time_limit_s is not None:
        prm.max_time_in_seconds = float(options.time_limit_s)
    prm.relative_gap_limit = float(options.mip_rel_gap)
    build = time.perf_counter() - t0
    t1 = time.perf_counter()
    status = solver.solve(model)
    wall = time.perf_counter() - t1
    name = solver.status_name(status)
    has = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    term = {cp_model.OPTIMAL: Termination.OPTIMAL, cp_model.INFEASIBLE: Termination.INFEASIBLE,
            cp_model.MODEL_INVALID: Termination.ERROR,
            cp_model.FEASIBLE: Termination.TIME_LIMIT if options.time_limit_s else Termination.UNKNOWN,
            }.get(status, Termination.TIME_LIMIT if options.time_limit_s else Termination.UNKNOWN)
    plan = np.array([solver.value(v) for v in x], dtype=bool) if has else None
    objective = inst.evaluate(plan)[0] if plan is not None else None
    bound = float(solver.best_objective_bound) / wscale if has else None
    if objective is not None and bound is not None:
        bound = max(bound, objective)
    sol = SolutionStatus.NONE if plan is None else (
        SolutionStatus.OPTIMAL if status == cp_model.OPTIMAL else SolutionStatus.FEASIBLE)
    extra = {"cost_scale": cscale, "cost_exact": exact_cost, "weight_scale": wscale,
             "tolerance_milli": t_milli, "in_kind_milli": f_milli}
    res = SolveResult(term, sol, objective, bound, relative_gap(objective, bound), wall, "cpsat",
                      "cp-sat", _ortools_version(), x=plan, raw_status=name, build_time_s=build,
                      extra=extra)
    if plan is None:
        return JointPlan(res, None, None, "benefit", tolerance, extra=extra)
    contributions = np.array([solver.value(v) for v in pi], dtype=float) / cscale
    target = benefit_target(ji, plan)
    allowance = 1.0 / cscale
    if wscale != 1.0:  # how far rounding the weights moved the targets
        w_r = np.bincount(owner[owner >= 0], weights=(w_int / wscale * inst.defended(plan))[owner >= 0],
                          minlength=n_p)
        alt = float(inst.c[plan].sum()) * w_r / w_r.sum() if w_r.sum() > 0 else target
        allowance += float(np.abs(alt - target).max())
    extra["allowance_musd"] = allowance
    return JointPlan(res, contributions, target, "benefit", tolerance, allowance, extra=extra)


def _ortools_version() -> str:
    try:
        from importlib.metadata import version  # as the CP-SAT engine reports it

        return version("ortools")
    except ImportError:  # pragma: no cover - PackageNotFoundError is an ImportError
        return "unknown"


# ---------------------------------------------------------------------------- the price check


def price_milp(ji: JointInstance, low: float, high: float, cap_price: float) -> Formulation:
    r"""The MILP :math:`G(I, \hat λ)` of the module docstring, with exact defended indicators."""
    inst = ji.instance
    m = inst.m
    model = LinearModel("joint_benefit_price", Sense.MAXIMIZE)
    x = model.add_vars(X, inst.site_ids, kind=VarKind.BINARY)
    s = model.add_vars(SENSED, inst.demand_ids, lb=0.0, ub=1.0, integral_at_optimum=True)
    k = model.add_vars(ENGAGED, inst.demand_ids, lb=0.0, ub=1.0, integral_at_optimum=True)
    y = model.add_vars(Y, inst.demand_ids, lb=0.0, ub=1.0, integral_at_optimum=True)
    model.set_objective({y: inst.w})
    eye = sp.eye_array(m, format="csr")
    for var, a, name in ((s, inst.a_sensor, SENSED), (k, inst.a_interceptor, ENGAGED)):
        coo = sp.coo_array(a)
        nnz = coo.nnz
        # s_i >= x_j for every covering pair and s_i <= sum_j a_ij x_j: s_i = OR_j x_j exactly.
        pick_i = sp.csr_array((np.ones(nnz), (np.arange(nnz), coo.row)), shape=(nnz, m))
        pick_j = sp.csr_array((np.ones(nnz), (np.arange(nnz), coo.col)), shape=(nnz, inst.n))
        pairs = labels(list(zip(coo.row.tolist(), coo.col.tolist(), strict=True)))
        model.add_constraints(f"{name}_lb", pairs, {var: pick_i, x: -pick_j}, lb=0.0)
        model.add_constraints(f"{name}_ub", inst.demand_ids, {var: eye, x: -sp.csr_array(a)}, ub=0.0)
    model.add_constraints("defended_lb", inst.demand_ids, {y: eye, s: -eye, k: -eye}, lb=-1.0)
    model.add_constraints("defended_ub_s", inst.demand_ids, {y: eye, s: -eye}, ub=0.0)
    model.add_constraints("defended_ub_k", inst.demand_ids, {y: eye, k: -eye}, ub=0.0)
    if np.isfinite(inst.budget):
        model.add_constraints(BUDGET, labels([BUDGET]), {x: inst.c}, ub=float(inst.budget))
    model.add_constraints(TYPE_MAX, labels(list(inst.type_names)),
                          {x: type_matrix(inst.site_type, inst.type_max.shape[0])},
                          ub=inst.type_max.astype(float))
    model.add_constraints(PRICE_CAP, labels(["low", "high"]),
                          {x: np.vstack([inst.c, inst.c]), y: -np.vstack([low * inst.w, high * inst.w])},
                          lb=np.array([0.0, -np.inf]), ub=np.array([np.inf, 0.0]))
    capped = np.flatnonzero(np.isfinite(ji.caps))
    if capped.size:
        model.add_constraints(BENEFIT_CAP, labels([ji.players[p] for p in capped]),
                              {y: cap_price * ji.owner_matrix()[capped],
                               x: -ji.in_kind_fraction * ji.host_matrix()[capped]},
                              ub=ji.caps[capped])
    if ji.floors.size:
        ids = labels([int(mk) for mk in ji.floor_masks])
        model.add_constraints(COALITION_FLOOR, ids, {y: ji.floor_matrix()}, lb=ji.floors)

    def feasible(plan: np.ndarray) -> bool:
        plan = np.asarray(plan, dtype=bool)
        if not inst.is_feasible(plan):
            return False
        d = inst.defended(plan).astype(float)
        weight, cost = float(inst.w @ d), float(inst.c[plan].sum())
        tol = 1e-6 * max(1.0, cost)
        if not low * weight - tol <= cost <= high * weight + tol:
            return False
        if (cap_price * (ji.owner_matrix() @ d) - ji.in_kind(plan) > ji.caps + tol).any():
            return False
        return bool((ji.floor_matrix() @ d >= ji.floors - 1e-6 * np.maximum(1.0, ji.floors)).all())

    def complete(plan: np.ndarray) -> np.ndarray:
        plan = np.asarray(plan, dtype=bool)
        xs = plan.astype(float)
        sv = (inst.a_sensor @ xs > 0).astype(float)
        kv = (inst.a_interceptor @ xs > 0).astype(float)
        return np.concatenate([xs, sv, kv, sv * kv])

    return Formulation(model=model, sites=x, complete=complete,
                       value=lambda plan: inst.evaluate(plan)[0], feasible=feasible,
                       heuristic=lambda: np.zeros(inst.n, dtype=bool))


def meets_benefit_rule(ji: JointInstance, x: np.ndarray, tol: float = 1e-6) -> bool:
    """Whether plan ``x`` meets every condition with the exact benefit split (:math:`τ = 0`)."""
    x = np.asarray(x, dtype=bool)
    inst = ji.instance
    if not inst.is_feasible(x):
        return False
    d = inst.defended(x).astype(float)
    cost = float(inst.c[x].sum())
    if (benefit_target(ji, x) - ji.in_kind(x) > ji.caps + tol * max(1.0, cost)).any():
        return False
    return bool((ji.floor_matrix() @ d >= ji.floors - tol * np.maximum(1.0, ji.floors)).all())


@dataclass(frozen=True)
class PriceSearch:
    """The outcome of the bisection on the price of coverage.

    Attributes
    ----------
    plan
        The best plan found meeting the exact benefit rule (``None`` if none was found).
    defended_weight
        Its defended weight (the lower end of the bracket).
    upper_bound
        No plan meeting the rule defends more (the upper end of the bracket, up to the MILPs'
        own gap).
    price
        The plan's price :math:`C/W`.
    contributions
        The exact benefit-proportional split :math:`C W_p / W` of that plan.
    nodes
        Price intervals examined.
    milps
        MILPs solved.
    """

    plan: np.ndarray | None
    defended_weight: float
    upper_bound: float
    price: float | None
    contributions: np.ndarray | None
    nodes: int = 0
    milps: int = 0
    trace: list[tuple[float, float, float]] = field(default_factory=list)


def joint_benefit_by_price(
    ji: JointInstance,
    options: SolveOptions | None = None,
    *,
    engine: str = "highs",
    max_nodes: int = 200,
    rel_width: float = 1e-9,
) -> PriceSearch:
    r"""Bracket the benefit-rule optimum (:math:`τ = 0`) by bisection on the price of coverage.

    The first interval is :math:`[\min_j c_j / \sum_i w_i,\ B / \min_{w_i > 0} w_i]`, which
    holds the price of every plan that defends something. Intervals are examined best bound
    first and halved at their geometric mean until their bound no longer beats the incumbent,
    they are narrower than ``rel_width`` (relative), or ``max_nodes`` is reached.
    """
    inst = ji.instance
    pos_w = inst.w[inst.w > 0]
    pos_c = inst.c[inst.c > 0]
    if not pos_w.size:
        return PriceSearch(np.zeros(inst.n, bool), 0.0, 0.0, None, np.zeros(ji.n_players))
    budget = float(inst.budget) if np.isfinite(inst.budget) else float(inst.c.sum())
    low0 = float(pos_c.min() / inst.w.sum()) if pos_c.size else 0.0
    high0 = max(budget / float(pos_w.min()), low0)
    empty = np.zeros(inst.n, dtype=bool)  # the empty plan meets the rule if floors allow
    best_x: np.ndarray | None = empty if meets_benefit_rule(ji, empty) else None
    best_w = 0.0 if best_x is not None else -1.0
    milps = 0
    trace: list[tuple[float, float, float]] = []

    def bound(low: float, high: float) -> tuple[float, np.ndarray | None]:
        nonlocal milps
        milps += 1
        res = solve_formulation(price_milp(ji, low, high, low), options, engine)
        ub = res.bound if res.bound is not None else (res.objective if res.objective is not None else -1.0)
        if res.x is None and res.termination in (Termination.INFEASIBLE,
                                                 Termination.INFEASIBLE_OR_UNBOUNDED):
            ub = -1.0
        return float(ub), (np.asarray(res.x, dtype=bool) if res.x is not None else None)

    ub0, x0 = bound(low0, high0)
    open_nodes: list[tuple[float, float, float, np.ndarray | None]] = [(ub0, low0, high0, x0)]
    nodes = 0
    closed_bound = -1.0  # bounds of intervals closed without beating the incumbent do not count
    while open_nodes and nodes < max_nodes:
        open_nodes.sort(key=lambda t: -t[0])
        ub, low, high, x = open_nodes.pop(0)
        nodes += 1
        trace.append((low, high, ub))
        if ub <= best_w + 1e-9 * max(1.0, best_w):
            continue
        if x is not None and meets_benefit_rule(ji, x):
            w = inst.evaluate(x)[0]
            if w > best_w:
                best_w, best_x = w, x
            if w >= ub - 1e-9 * max(1.0, ub):
                continue  # the relaxation's plan is feasible: the interval is solved
        milps += 1
        safe = solve_formulation(price_milp(ji, low, high, high), options, engine)
        if safe.x is not None and meets_benefit_rule(ji, safe.x):
            w = inst.evaluate(safe.x)[0]
            if w > best_w:
                best_w, best_x = w, np.asarray(safe.x, dtype=bool)
        if high <= low * (1 + rel_width):
            closed_bound = max(closed_bound, ub)  # cannot split further: keep its bound
            continue
        mid = math.sqrt(low * high) if low > 0 else high / 2
        for lo_, hi_ in ((low, mid), (mid, high)):
            ub_c, x_c = bound(lo_, hi_)
            if ub_c > best_w + 1e-9 * max(1.0, best_w):
                open_nodes.append((ub_c, lo_, hi_, x_c))
    upper = max([best_w, closed_bound] + [t[0] for t in open_nodes])
    if best_x is None:
        return PriceSearch(None, 0.0, upper, None, None, nodes, milps, trace)
    cost = float(inst.c[best_x].sum())
    return PriceSearch(best_x, best_w, upper, cost / best_w if best_w > 0 else None,
                       benefit_target(ji, best_x), nodes, milps, trace)



def solve_joint_benefit(
    ji: JointInstance,
    tolerance: float,
    options: SolveOptions | None = None,
    *,
    hint: np.ndarray | None = None,
    max_nodes: int = 40,
) -> tuple[JointPlan, PriceSearch]:
    """The benefit-rule joint plan: the price bisection first, then CP-SAT hinted with its plan.

    A plan meeting the exact split (:math:`τ = 0`) meets every band, so the bisection's plan is a
    valid answer too: the better of the two is returned (CP-SAT's on ties), with the search for
    the report. When the bisection's plan wins, its contributions are the exact split and its
    bound is the bisection's (a bound for :math:`τ = 0` only, hence the status ``feasible``).
    """
    options = options or SolveOptions()
    search = joint_benefit_by_price(ji, options, max_nodes=max_nodes)
    start = search.plan if search.plan is not None and search.defended_weight > 0 else hint
    jp = solve_joint_benefit_cpsat(ji, tolerance, options, hint=start)
    got = jp.result.objective if jp.result.x is not None else None
    if search.plan is None or (got is not None and got >= search.defended_weight * (1 - 1e-12)):
        return jp, search
    res = jp.result
    weight, _ = ji.instance.evaluate(search.plan)
    optimal = tolerance == 0 and search.upper_bound <= weight * (1 + 1e-9)
    best = SolveResult(
        termination=Termination.OPTIMAL if optimal else res.termination,
        solution_status=SolutionStatus.OPTIMAL if optimal else SolutionStatus.FEASIBLE,
        objective=weight, bound=max(search.upper_bound, weight) if tolerance == 0 else res.bound,
        gap=relative_gap(weight, search.upper_bound) if tolerance == 0 else res.gap,
        wall_time_s=res.wall_time_s, engine="highs", solver="highs (price bisection)",
        solver_version=res.solver_version, x=search.plan, raw_status=res.raw_status,
        extra={**res.extra, "plan_source": "price bisection", "cpsat_objective": got},
    )
    target = benefit_target(ji, search.plan)
    return JointPlan(best, target, target, "benefit", tolerance, 0.0, extra=best.extra), search
