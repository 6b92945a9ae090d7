"""The joint plan in the pipeline: a second plan chosen together with every partner's contribution.

The formulations are :mod:`models.formulations.joint_plan` (fixed-share rules: a MILP on HiGHS) and
:mod:`models.formulations.joint_benefit` (benefit-proportional shares: CP-SAT with integer shares, checked by
bisection on the price of coverage). Acceptance conditions come from the benefit game already
solved for the allocation rules: every partner defended at least as well as alone, and, with core
constraints, every coalition. The plan is verified twice, independently of the solver: against the
coverage matrices (cost, contributions, caps, band, floors:
:func:`models.formulations.joint_plan.verify_joint`) and against direct geometry
(:func:`planner.run.verify.verify_plan`); a plan failing either is refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from itertools import combinations
from typing import Any

import numpy as np

from models import SolveOptions, SolveResult
from models.costshare.rules import weight_shares
from models.formulations.coalition_placement import PlacementData, PlacementGames
from models.formulations.joint_benefit import PriceSearch, solve_joint_benefit
from models.formulations.joint_plan import JointInstance, JointPlan, solve_joint_fixed_shares, verify_joint
from planner.errors import VerificationError
from planner.problem.build import CoverageProblem
from planner.run.verify import verify_plan
from planner.scenario.schema import Scenario

CORE_AUTO_MAX = 6
"""``core_constraints: auto`` adds a floor for every coalition up to this many partners (2^n rows)."""
PRICE_CHECK_NODES = 40
"""Price intervals the benefit rule's bisection check may examine in a pipeline run."""


@dataclass(frozen=True, eq=False)
class JointOutcome:
    """The joint plan, its split and how it was checked (arrays in partner order)."""

    rule: str
    tolerance: float
    status: str
    termination: str
    engine: str
    x: np.ndarray | None
    defended_weight: float | None
    cost_musd: float | None
    contributions: np.ndarray | None
    target: np.ndarray | None
    in_kind: np.ndarray | None
    cash: np.ndarray | None
    defended: np.ndarray | None
    players: tuple[str, ...]
    caps: np.ndarray
    floors: dict[str, float]
    conditions: tuple[str, ...]
    checks: tuple[tuple[str, bool, str], ...] = ()
    grand_defended_weight: float = 0.0
    allowance_musd: float = 0.0
    price_check: dict[str, Any] | None = None
    budget_musd: float = 0.0
    without_conditions: dict[str, Any] | None = None
    wall_time_s: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def has_plan(self) -> bool:
        """Whether a plan meeting every condition was found."""
        return self.x is not None

    def rows(self) -> list[dict[str, Any]]:
        """One row per partner: contribution, rule amount, in kind, cash, cap, defended, floor."""
        out = []
        for k, p in enumerate(self.players):
            out.append({
                "partner": p,
                "contribution_musd": None if self.contributions is None else float(self.contributions[k]),
                "rule_amount_musd": None if self.target is None else float(self.target[k]),
                "in_kind_musd": None if self.in_kind is None else float(self.in_kind[k]),
                "cash_musd": None if self.cash is None else float(self.cash[k]),
                "cap_musd": float(self.caps[k]) if np.isfinite(self.caps[k]) else None,
                "defended_weight": None if self.defended is None else float(self.defended[k]),
                "defended_alone": self.floors.get(p),
            })
        return out

    def summary(self) -> dict[str, Any]:
        """JSON-ready summary."""
        return {
            "rule": self.rule, "tolerance": self.tolerance, "status": self.status,
            "termination": self.termination, "engine": self.engine,
            "defended_weight": self.defended_weight, "cost_musd": self.cost_musd,
            "grand_plan_defended_weight": self.grand_defended_weight,
            "conditions": list(self.conditions), "floors": self.floors, "partners": self.rows(),
            "verified": bool(self.checks) and all(ok for _, ok, _ in self.checks),
            "checks": [{"name": n, "ok": ok, "detail": d} for n, ok, d in self.checks],
            "budget_musd": self.budget_musd, "without_conditions": self.without_conditions,
            "allowance_musd": self.allowance_musd, "price_check": self.price_check,
            "wall_time_s": self.wall_time_s,
            "chosen_sites": [] if self.x is None else [str(s) for s in np.flatnonzero(self.x)],
        }


def _label(players: tuple[str, ...], mask: int) -> str:
    return "+".join(p for i, p in enumerate(players) if (mask >> i) & 1)


def _floors(scenario: Scenario, games: PlacementGames) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    settings = scenario.cost_sharing.joint_plan
    players = games.data.players
    n = len(players)
    masks: list[int] = []
    conditions = []
    if settings.individual_rationality:
        masks += [1 << i for i in range(n)]
        conditions.append("individual rationality: every partner defended at least as well as alone")
    core = settings.core_constraints
    if core is True or (core == "auto" and n <= CORE_AUTO_MAX):
        masks += [sum(1 << i for i in c) for k in range(2, n) for c in combinations(range(n), k)]
        conditions.append("core: every coalition of partners defended at least as well as alone")
    floors = np.array([games.value(frozenset(_label(players, m).split("+"))) for m in masks])
    return np.array(masks, dtype=np.int64), floors, tuple(conditions)


def _floors_reachable(ji: JointInstance, options: SolveOptions) -> SolveResult:
    """Solve for a plan within the budget meeting every floor, ignoring caps and split."""
    free = replace(ji, caps=np.full(ji.n_players, np.inf))
    return solve_joint_fixed_shares(free, np.full(ji.n_players, 1 / ji.n_players), 1.0, options).result


def target_shares(rule: str, facts: Any, cap: float | None) -> np.ndarray:
    """Fixed target shares of a rule: ``equal``, ``gdp`` (optionally capped) or ``population``."""
    n = len(facts)
    if rule == "equal":
        return np.full(n, 1.0 / n)
    if rule == "gdp":
        return weight_shares([f.gdp_musd for f in facts], cap)
    return weight_shares([f.population for f in facts])


def joint_plan(scenario: Scenario, problem: CoverageProblem, data: PlacementData,
               games: PlacementGames, facts: Any) -> JointOutcome:
    """Solve, split and verify the joint plan the scenario asks for.

    Raises
    ------
    planner.errors.VerificationError
        When the independent recomputation disagrees with the solver (the plan is refused).
    """
    cs = scenario.cost_sharing
    settings = cs.joint_plan
    masks, floors, conditions = _floors(scenario, games)
    inst = data.instance
    if settings.budget == "pooled":
        budget = float(np.where(np.isfinite(data.caps), data.caps, scenario.budget_musd).sum())
        inst = replace(inst, budget=budget)
    ji = JointInstance(inst, data.players, data.point_owner, data.site_host, data.caps,
                       cs.in_kind_fraction, masks, floors)
    s = scenario.solver
    options = SolveOptions(time_limit_s=settings.time_limit_s, mip_rel_gap=s.mip_rel_gap,
                           threads=s.threads, seed=s.seed)
    price_check = None
    searches: list[PriceSearch] = []

    def solve(instance: JointInstance) -> JointPlan:
        if settings.rule == "benefit":
            plan, search = solve_joint_benefit(instance, settings.tolerance, options, hint=data.plan,
                                               max_nodes=PRICE_CHECK_NODES)
            searches.append(search)
            return plan
        shares = target_shares(settings.rule, facts, cs.gdp_cap_share)
        return solve_joint_fixed_shares(instance, shares, settings.tolerance, options,
                                        rule=settings.rule, warm_start=data.plan)

    reach = _floors_reachable(ji, options) if floors.size else None
    if reach is not None and reach.x is None and reach.termination.value in ("infeasible",
                                                                             "infeasible_or_unbounded"):
        # No plan meets the floors whatever the split: the rule's own solver need not run
        # (CP-SAT proves such infeasibility slowly; this MILP does at once).
        jp = JointPlan(reach, None, None, settings.rule, settings.tolerance)
    else:
        jp = solve(ji)
    if searches:
        search = searches[0]
        price_check = {
            "method": "bisection on the price of coverage (exact benefit split, no band)",
            "best_defended_weight": search.defended_weight, "upper_bound": search.upper_bound,
            "price_musd_per_unit": search.price, "intervals": search.nodes, "milps": search.milps,
            "cpsat_defended_weight": jp.extra.get("cpsat_objective", jp.result.objective),
            "plan_source": jp.extra.get("plan_source", "cp-sat"),
        }
    res = jp.result
    grand_w = float(data.instance.evaluate(data.plan)[0])
    floor_map = {_label(data.players, int(m)): float(f) for m, f in zip(masks, floors, strict=True)}
    common: dict[str, Any]  # the fields both outcomes share (a dict of mixed value types)
    common = dict(rule=settings.rule, tolerance=settings.tolerance, status=res.status,
                  termination=res.termination.value, engine=jp.result.engine, players=data.players,
                  caps=data.caps, floors=floor_map, conditions=conditions,
                  grand_defended_weight=grand_w, price_check=price_check, budget_musd=float(inst.budget),
                  wall_time_s=round(res.wall_time_s, 3), extra=dict(jp.extra))
    if res.x is None or jp.contributions is None or jp.target is None:
        without = None
        if floors.size:
            # How far the conditions are from reach: what the grand plan gives each coalition.
            got = ji.floor_matrix() @ inst.defended(data.plan).astype(float)
            without = {
                "plan": "grand plan",
                "shortfalls": {_label(data.players, int(m)): float(f - g)
                               for m, f, g in zip(masks, floors, got, strict=True) if g < f - 1e-9},
            }
        return JointOutcome(x=None, defended_weight=None, cost_musd=None, contributions=None,
                            target=None, in_kind=None, cash=None, defended=None,
                            without_conditions=without, **common)
    x = np.asarray(res.x, dtype=bool)
    check = verify_joint(ji, x, jp.contributions, jp.target, settings.tolerance,
                         allowance=jp.allowance)
    # The joint plan maximises defended weight within its budget, whatever the scenario's objective.
    # with_overrides validates the changed scenario (model_copy(update=...) would skip validation).
    joint_terms = scenario.with_overrides({"budget_musd": float(inst.budget), "objective": "max_defended"})
    cert = verify_plan(joint_terms, problem, x, res.objective)
    checks = check.checks + tuple((f"geometry:{c.name}", c.ok, c.detail) for c in cert.checks)
    failed = [c for c in checks if not c[1]]
    if failed:
        raise VerificationError("joint plan refused: " + "; ".join(f"{n}: {d}" for n, _, d in failed))
    return JointOutcome(x=x, defended_weight=cert.defended_weight, cost_musd=check.cost,
                        contributions=jp.contributions, target=jp.target, in_kind=check.in_kind,
                        cash=check.cash, defended=check.defended, checks=checks,
                        allowance_musd=jp.allowance, **common)
