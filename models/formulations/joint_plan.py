r"""Plan with the split in mind: choose the sites and each partner's contribution together.

The partners :math:`p ∈ N` own demand points (:math:`o(i)`) and host sites (:math:`h(j)`, ``-1``
for shared sea and space sites). A plan :math:`x` costs :math:`C(x) = \sum_j c_j x_j`; partner
:math:`p` contributes :math:`π_p`, of which the in-kind part is the fraction :math:`f` of the cost
of the sites it hosts, :math:`f H_p(x)` with :math:`H_p(x) = \sum_{h(j)=p} c_j x_j`, and the rest
is cash, capped by the partner's budget :math:`\bar B_p`.

**Fixed-share rules** (equal, GDP, population: target shares :math:`s_p` known in advance) give a
MILP (:func:`joint_fixed_shares`, solved on HiGHS by :func:`solve_joint_fixed_shares`):

.. math::

    \max\ & \sum_i w_i y_i \\
    \text{s.t. }
    & y_i \le \textstyle\sum_j a^S_{ij} x_j,\quad y_i \le \sum_j a^K_{ij} x_j
      & \forall i & \quad (\texttt{sensor\_cover}, \texttt{interceptor\_cover}) \\
    & \textstyle\sum_j c_j x_j \le B,\quad \sum_{t(j)=t} x_j \le M_t
      & & \quad (\texttt{budget}, \texttt{type\_max}) \\
    & \textstyle\sum_p π_p = \sum_j c_j x_j & & \quad (\texttt{share\_balance}) \\
    & π_p - f H_p(x) \le \bar B_p & \forall p & \quad (\texttt{cash\_cap}[p]) \\
    & (1-τ)\, s_p C(x) \le π_p \le (1+τ)\, s_p C(x) & \forall p
      & \quad (\texttt{share\_band\_lo}[p], \texttt{share\_band\_hi}[p]) \\
    & \textstyle\sum_{i: o(i) ∈ S} w_i y_i \ge v(S) & \forall S ∈ \mathcal F
      & \quad (\texttt{coalition\_floor}[S]) \\
    & x \in \{0,1\}^J,\ 0 \le y \le 1,\ π \ge 0

where :math:`\mathcal F` holds the singletons (individual rationality: every partner defended at
least as well as alone, :math:`v(\{p\})` from the benefit game) and, optionally, every coalition
(core constraints: no group of partners could defend its own points better alone). ``y`` may stay
continuous (a floor only pushes ``y`` up, and an optimal ``y`` is integral as in the layered model),
but :func:`verify_joint` never trusts it: it recomputes defended weights from ``x``.

Given the plan, the contributions reported are not the solver's (any split in the band is
optimal for it) but the rule's own split projected onto the caps and the band
(:func:`contributions_for`): the same plan is feasible for both, so nothing is lost.

Length: ``joint_fixed_shares`` builds the joint-plan MILP block by block as its docstring states it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from models.formulations.base import Formulation, labels, type_matrix
from models.heuristics import LayeredObjective, SiteRules, best_plan
from models.instance import LayeredInstance
from models.linear import LinearModel, Sense, VarKind
from models.names import BUDGET, INTERCEPTOR_COVER, SENSOR_COVER, TYPE_MAX, X, Y
from models.result import SolveOptions, SolveResult
from models.solve import solve_formulation

__all__ = [
    "CASH_CAP",
    "COALITION_FLOOR",
    "PI",
    "SHARE_BALANCE",
    "SHARE_BAND_HI",
    "SHARE_BAND_LO",
    "JointCheck",
    "JointInstance",
    "JointPlan",
    "contributions_for",
    "joint_fixed_shares",
    "solve_joint_fixed_shares",
    "verify_joint",
]

# Names of the blocks this module adds (the shared ones live in models.names).
PI = "pi"
"""Contribution of partner ``p``: ``pi[p]`` (M USD, cash plus in kind)."""
SHARE_BALANCE = "share_balance"
"""``sum_p pi[p] = sum_j c[j] x[j]``."""
CASH_CAP = "cash_cap"
"""``pi[p] - f H_p(x) <= cap[p]``."""
SHARE_BAND_LO = "share_band_lo"
"""``pi[p] >= (1 - tau) s[p] C(x)``."""
SHARE_BAND_HI = "share_band_hi"
"""``pi[p] <= (1 + tau) s[p] C(x)``."""
COALITION_FLOOR = "coalition_floor"
"""``sum_{i in S} w[i] y[i] >= v(S)``."""

REL_TOL = 1e-6


@dataclass(frozen=True, eq=False)
class JointInstance:
    """Arrays of a joint placement-and-split problem (no geography).

    Attributes
    ----------
    instance
        The layered instance; its budget is the network budget :math:`B`.
    players
        Partner ids.
    point_owner
        Index into ``players`` of each point's partner (``-1``: none).
    site_host
        Index into ``players`` of each site's host (``-1``: shared).
    caps
        Cash budget cap per partner (``inf``: none).
    in_kind_fraction
        :math:`f`: the share of a hosted site's cost credited to its host as in-kind contribution.
    floor_masks, floors
        Coalitions (bitmasks over ``players``) and the defended weight each must get at least.
    """

    instance: LayeredInstance
    players: tuple[str, ...]
    point_owner: np.ndarray
    site_host: np.ndarray
    caps: np.ndarray
    in_kind_fraction: float = 0.0
    floor_masks: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    floors: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        inst, n_p = self.instance, len(self.players)
        set_(self, "players", tuple(self.players))
        set_(self, "point_owner", np.asarray(self.point_owner, dtype=np.int64))
        set_(self, "site_host", np.asarray(self.site_host, dtype=np.int64))
        set_(self, "caps", np.asarray(self.caps, dtype=float))
        set_(self, "floor_masks", np.asarray(self.floor_masks, dtype=np.int64).reshape(-1))
        set_(self, "floors", np.asarray(self.floors, dtype=float).reshape(-1))
        if self.point_owner.shape != (inst.m,) or self.site_host.shape != (inst.n,):
            raise ValueError("point_owner and site_host must match the instance's points and sites")
        if self.caps.shape != (n_p,) or (self.caps <= 0).any():
            raise ValueError("caps: one positive value per player (inf for none)")
        if not 0.0 <= self.in_kind_fraction <= 1.0:
            raise ValueError("in_kind_fraction must lie in [0, 1]")
        if self.floor_masks.shape != self.floors.shape:
            raise ValueError("floor_masks and floors must have the same length")
        if self.floor_masks.size and (self.floor_masks.min() < 1 or self.floor_masks.max() >= 1 << n_p):
            raise ValueError("floor_masks must be non-empty coalitions of the players")

    @property
    def n_players(self) -> int:
        """Number of partners."""
        return len(self.players)

    def owner_matrix(self) -> sp.csr_array:
        """``(P, m)`` matrix ``w_i [o(i) = p]``: row ``p`` sums partner ``p``'s defended weight."""
        inst = self.instance
        own = self.point_owner >= 0
        return sp.csr_array(
            (inst.w[own], (self.point_owner[own], np.flatnonzero(own))), shape=(self.n_players, inst.m)
        )

    def host_matrix(self) -> sp.csr_array:
        """``(P, n)`` matrix ``c_j [h(j) = p]``: row ``p`` is :math:`H_p(x)`."""
        inst = self.instance
        hosted = self.site_host >= 0
        return sp.csr_array(
            (inst.c[hosted], (self.site_host[hosted], np.flatnonzero(hosted))), shape=(self.n_players, inst.n)
        )

    def floor_matrix(self) -> sp.csr_array:
        """``(|F|, m)`` matrix: row ``k`` sums the weight of coalition ``floor_masks[k]``'s points."""
        members = (self.floor_masks[:, None] >> np.arange(self.n_players)) & 1  # (|F|, P)
        return sp.csr_array(sp.csr_array(members.astype(float)) @ self.owner_matrix())

    def defended_weight(self, x: np.ndarray) -> np.ndarray:
        """Each partner's defended weight under plan ``x`` (recomputed from the matrices)."""
        d = self.instance.defended(x).astype(float)
        return self.owner_matrix() @ d

    def in_kind(self, x: np.ndarray) -> np.ndarray:
        """In-kind credit of each partner under plan ``x``: :math:`f H_p(x)`."""
        return self.in_kind_fraction * (self.host_matrix() @ np.asarray(x, dtype=float))


def _bounds(
    ji: JointInstance, x: np.ndarray, shares: np.ndarray, tol: float
) -> tuple[float, np.ndarray, np.ndarray]:
    cost = float(ji.instance.c[np.asarray(x, dtype=bool)].sum())
    lo = (1.0 - tol) * shares * cost
    hi = np.minimum((1.0 + tol) * shares * cost, ji.caps + ji.in_kind(x))
    return cost, lo, hi


def contributions_for(
    ji: JointInstance, x: np.ndarray, shares: np.ndarray, tolerance: float
) -> np.ndarray | None:
    r"""The rule's split of plan ``x``'s cost, projected onto the caps and the band, or ``None``.

    Start from :math:`s_p C`, clip each to :math:`[\ell_p, u_p]` (band, and cash cap plus in-kind
    credit), then spread what is left over (or short) in proportion to the room each partner has
    in that direction. ``None`` when no split satisfies every condition:
    :math:`\ell_p > u_p` for some ``p``, or :math:`\sum \ell > C` or :math:`\sum u < C`.
    """
    shares = np.asarray(shares, dtype=float)
    cost, lo, hi = _bounds(ji, x, shares, tolerance)
    slack = REL_TOL * max(1.0, cost)
    if (lo > hi + slack).any() or lo.sum() > cost + slack or hi.sum() < cost - slack:
        return None
    hi = np.maximum(hi, lo)
    pi = np.clip(shares * cost, lo, hi)
    rest = cost - pi.sum()
    room = (hi - pi) if rest > 0 else (pi - lo)
    if abs(rest) > 0 and room.sum() > 0:
        pi = pi + rest * room / room.sum()
    return pi


@dataclass(frozen=True)
class JointCheck:
    """The independent recomputation of a joint plan (never trusts the solver's variables).

    Attributes
    ----------
    ok
        Every check passed.
    checks
        ``(name, ok, detail)`` per check.
    cost
        Recomputed plan cost.
    defended
        Recomputed defended weight per partner.
    cash, in_kind
        Cash and in-kind part of each contribution.
    """

    ok: bool
    checks: tuple[tuple[str, bool, str], ...]
    cost: float
    defended: np.ndarray
    cash: np.ndarray
    in_kind: np.ndarray


def verify_joint(
    ji: JointInstance,
    x: np.ndarray,
    contributions: np.ndarray,
    target: np.ndarray,
    tolerance: float,
    *,
    allowance: np.ndarray | float = 0.0,
) -> JointCheck:
    r"""Recompute a joint plan from its sites and check every acceptance condition.

    Parameters
    ----------
    ji
        The joint instance.
    x
        The plan (mask over sites).
    contributions
        :math:`π_p` per partner.
    target
        The rule's exact amounts :math:`s_p C` (fixed shares) or :math:`C W_p / W` (benefit).
    tolerance
        The band :math:`τ`: :math:`|π_p - \text{target}_p| \le τ\,\text{target}_p` (+ allowance).
    allowance
        Extra absolute slack on the band per partner (integer rounding of CP-SAT shares).
    """
    x = np.asarray(x, dtype=bool)
    pi = np.asarray(contributions, dtype=float)
    inst = ji.instance
    cost = float(inst.c[x].sum())
    tol = REL_TOL * max(1.0, cost)
    weights = ji.defended_weight(x)
    kind = ji.in_kind(x)
    cash = pi - kind
    counts = np.bincount(inst.site_type[x], minlength=inst.type_max.shape[0])
    band = tolerance * np.asarray(target, dtype=float) + allowance + tol
    checks: list[tuple[str, bool, str]] = [
        ("budget", bool(cost <= inst.budget + tol), f"cost {cost:,.1f} <= budget {inst.budget:,.1f}"),
        ("type_max", bool((counts <= inst.type_max).all()), f"units per type {counts.tolist()}"),
        (
            "share_balance",
            bool(abs(pi.sum() - cost) <= tol),
            f"contributions {pi.sum():,.3f} = cost {cost:,.3f}",
        ),
        ("non_negative", bool((pi >= -tol).all()), "every contribution >= 0"),
    ]
    for p, name in enumerate(ji.players):
        if np.isfinite(ji.caps[p]):
            checks.append(
                (
                    f"cash_cap[{name}]",
                    bool(cash[p] <= ji.caps[p] + tol),
                    f"cash {cash[p]:,.1f} <= cap {ji.caps[p]:,.1f} (in kind {kind[p]:,.1f})",
                )
            )
        checks.append(
            (
                f"share_band[{name}]",
                bool(abs(pi[p] - target[p]) <= band[p]),
                f"|{pi[p]:,.2f} - {target[p]:,.2f}| <= {band[p]:,.2f}",
            )
        )
    got = ji.floor_matrix() @ inst.defended(x).astype(float)
    for k, (mask, floor) in enumerate(zip(ji.floor_masks, ji.floors, strict=True)):
        members = "+".join(p for i, p in enumerate(ji.players) if (int(mask) >> i) & 1)
        checks.append(
            (
                f"coalition_floor[{members}]",
                bool(got[k] >= floor - REL_TOL * max(1.0, floor)),
                f"defended {got[k]:,.0f} >= alone {floor:,.0f}",
            )
        )
    return JointCheck(all(c[1] for c in checks), tuple(checks), cost, weights, cash, kind)


@dataclass(frozen=True)
class JointPlan:
    """A joint plan and its split.

    Attributes
    ----------
    result
        The solve (status, objective = defended weight, bound, gap, ``x``); ``x`` is ``None``
        when no plan meets every condition.
    contributions
        :math:`π_p` per partner (``None`` without a plan).
    target
        The rule's exact amounts for the plan (``None`` without a plan).
    rule
        Name of the rule followed.
    tolerance
        The band :math:`τ`.
    allowance
        Absolute slack on the band (integer rounding), 0 for the MILP.
    """

    result: SolveResult
    contributions: np.ndarray | None
    target: np.ndarray | None
    rule: str
    tolerance: float
    allowance: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


def joint_fixed_shares(ji: JointInstance, shares: np.ndarray, tolerance: float) -> Formulation:
    """Build the fixed-share joint MILP of the module docstring."""
    inst = ji.instance
    shares = np.asarray(shares, dtype=float)
    if shares.shape != (ji.n_players,) or (shares < 0).any() or abs(shares.sum() - 1) > 1e-9:
        raise ValueError("shares: one non-negative share per partner, summing to 1")
    if tolerance < 0:
        raise ValueError("tolerance must be non-negative")
    model = LinearModel("joint_fixed_shares", Sense.MAXIMIZE)
    x = model.add_vars(X, inst.site_ids, kind=VarKind.BINARY)
    y = model.add_vars(Y, inst.demand_ids, lb=0.0, ub=1.0, integral_at_optimum=True)
    pi = model.add_vars(PI, labels(list(ji.players)), lb=0.0)
    model.set_objective({y: inst.w})
    eye = sp.eye_array(inst.m, format="csr")
    model.add_constraints(SENSOR_COVER, inst.demand_ids, {y: eye, x: -inst.a_sensor}, ub=0.0)
    model.add_constraints(INTERCEPTOR_COVER, inst.demand_ids, {y: eye, x: -inst.a_interceptor}, ub=0.0)
    if np.isfinite(inst.budget):
        model.add_constraints(BUDGET, labels([BUDGET]), {x: inst.c}, ub=float(inst.budget))
    model.add_constraints(
        TYPE_MAX,
        labels(list(inst.type_names)),
        {x: type_matrix(inst.site_type, inst.type_max.shape[0])},
        ub=inst.type_max.astype(float),
    )
    players = labels(list(ji.players))
    n_p = ji.n_players
    model.add_constraints(
        SHARE_BALANCE, labels([SHARE_BALANCE]), {pi: np.ones(n_p), x: -inst.c}, lb=0.0, ub=0.0
    )
    capped = np.flatnonzero(np.isfinite(ji.caps))
    if capped.size:
        sel = sp.csr_array(sp.eye_array(n_p, format="csr")[capped])
        model.add_constraints(
            CASH_CAP,
            players[capped],
            {pi: sel, x: -ji.in_kind_fraction * ji.host_matrix()[capped]},
            ub=ji.caps[capped],
        )
    # s_p C(x) as a (P, n) matrix: row p is s_p c.
    share_cost = sp.csr_array(np.outer(shares, inst.c))
    ident = sp.eye_array(n_p, format="csr")
    model.add_constraints(SHARE_BAND_LO, players, {pi: ident, x: -(1 - tolerance) * share_cost}, lb=0.0)
    model.add_constraints(SHARE_BAND_HI, players, {pi: ident, x: -(1 + tolerance) * share_cost}, ub=0.0)
    if ji.floors.size:
        ids = labels(
            ["+".join(p for i, p in enumerate(ji.players) if (int(m) >> i) & 1) for m in ji.floor_masks]
        )
        model.add_constraints(COALITION_FLOOR, ids, {y: ji.floor_matrix()}, lb=ji.floors)

    def plan_ok(plan: np.ndarray) -> bool:
        plan = np.asarray(plan, dtype=bool)
        if not inst.is_feasible(plan):
            return False
        got = ji.floor_matrix() @ inst.defended(plan).astype(float)
        if (got < ji.floors - REL_TOL * np.maximum(1.0, ji.floors)).any():
            return False
        return contributions_for(ji, plan, shares, tolerance) is not None

    def complete(plan: np.ndarray) -> np.ndarray:
        pis = contributions_for(ji, plan, shares, tolerance)
        return np.concatenate(
            [plan.astype(float), inst.defended(plan).astype(float), np.zeros(n_p) if pis is None else pis]
        )

    def heuristic() -> np.ndarray:
        rules = SiteRules(
            c=inst.c,
            budget=float(inst.budget) if np.isfinite(inst.budget) else None,
            site_type=inst.site_type,
            type_max=inst.type_max,
        )
        return best_plan(LayeredObjective(inst.w, inst.a_sensor, inst.a_interceptor), rules)

    return Formulation(
        model=model,
        sites=x,
        complete=complete,
        value=lambda plan: inst.evaluate(plan)[0],
        feasible=plan_ok,
        heuristic=heuristic,
    )


def solve_joint_fixed_shares(
    ji: JointInstance,
    shares: np.ndarray,
    tolerance: float,
    options: SolveOptions | None = None,
    *,
    rule: str = "fixed",
    engine: str = "highs",
    warm_start: np.ndarray | None = None,
) -> JointPlan:
    """Solve the fixed-share joint MILP and split the plan's cost by the rule (projected).

    ``warm_start`` (e.g. the unconstrained plan) is used when it meets every condition; the
    greedy + swap plan is tried too. Without any plan meeting them, the result has no ``x``
    (``termination`` says whether the conditions were proven infeasible).
    """
    t0 = time.perf_counter()
    shares = np.asarray(shares, dtype=float)
    form = joint_fixed_shares(ji, shares, tolerance)
    res = solve_formulation(
        form, options, engine, warm_start=warm_start, build_time_s=time.perf_counter() - t0
    )
    if res.x is None:
        return JointPlan(res, None, None, rule, tolerance)
    x = np.asarray(res.x, dtype=bool)
    cost = float(ji.instance.c[x].sum())
    return JointPlan(res, contributions_for(ji, x, shares, tolerance), shares * cost, rule, tolerance)
