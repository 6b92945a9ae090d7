"""Cost sharing in the pipeline: partners' data, the two coalition games, every rule, the core.

Geography becomes arrays here (who owns each defended point, who hosts each site); the games and
rules are :mod:`models.costshare` (definitions in :mod:`models.formulations.coalition_placement`), the joint
plan :mod:`planner.costshare.joint`. The result, :class:`CostShareResult`, is a value the report,
``summary.json`` and ``allocations.csv`` / ``.xlsx`` are made from.

Amounts are in M USD. The *bill* shared is the grand plan's cost :math:`c(N)`. A partner's
*benefit* is the weight (people, for populated places) the grand plan defends on its territory.
With an in-kind fraction :math:`f`, the cost of the sites a partner hosts counts for :math:`f`
of their cost towards its share: its cash due is its share less that credit.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from models import SolveOptions
from models.costshare import (
    CoreCheck,
    Game,
    GameError,
    core_check,
    least_core,
    shapley,
    shapley_estimate,
)
from models.costshare.core import tolerance
from models.costshare.registry import RULES, RuleInputs
from models.formulations.coalition_placement import PlacementData, PlacementGames
from planner.problem.build import CoverageProblem
from planner.scenario.schema import Scenario

Stage = Callable[[str], None]

COALITION_ENGINE = "highs"
"""Engine of the coalition MILPs: hundreds of small models, where Pyomo's build time would dominate."""
GAME_RULES = ("standalone", "shapley", "nucleolus", "scrb")
"""Rules that need the cost game (the others need only the partners' data and the plan)."""


@dataclass(frozen=True)
class PartnerFacts:
    """A partner's data for cost sharing, with where each figure comes from."""

    iso_a3: str
    name: str
    population: float
    population_source: str
    gdp_musd: float
    gdp_source: str
    budget_cap_musd: float | None


def partner_facts(scenario: Scenario, problem: CoverageProblem) -> tuple[PartnerFacts, ...]:
    """Population and GDP of every partner: the scenario's override, else Natural Earth's (with year)."""
    ne = problem.partners.set_index("iso_a3")
    out = []
    for p in scenario.partners:
        row = ne.loc[p.iso_a3] if p.iso_a3 in ne.index else None

        def pick(override: float | None, column: str, year: str, label: str,
                 row: Any = row) -> tuple[float, str]:
            if override is not None:
                return float(override), "scenario"
            if row is None or column not in row or pd.isna(row[column]):
                return math.nan, "unknown"
            yr = row.get(year)
            return float(row[column]), f"Natural Earth {label}" + (f" ({int(yr)})" if pd.notna(yr) else "")

        pop, pop_src = pick(p.population, "pop_est", "pop_year", "POP_EST")
        gdp, gdp_src = pick(p.gdp_musd, "gdp_musd", "gdp_year", "GDP_MD")
        name = str(row["name"]) if row is not None and "name" in row else p.iso_a3
        out.append(PartnerFacts(p.iso_a3, name, pop, pop_src, gdp, gdp_src, p.budget_musd))
    return tuple(out)


def placement_data(scenario: Scenario, problem: CoverageProblem, x: np.ndarray) -> PlacementData:
    """The arrays of the coalition games: point owners, site hosts, caps, the grand plan."""
    players = scenario.partner_codes
    index = {p: i for i, p in enumerate(players)}
    owner = np.array([index.get(p, -1) for p in problem.demand["partner"]], dtype=np.int64)
    host = np.array([index.get(p, -1) for p in problem.sites["partner"]], dtype=np.int64)
    caps = np.array([p.budget_musd if p.budget_musd is not None else np.inf for p in scenario.partners])
    return PlacementData(problem.to_instance(), players, owner, host, caps, x)


def coalition_options(scenario: Scenario) -> SolveOptions:
    """Options of each coalition MILP: the scenario's limits, one thread each (they run side by side)."""
    s = scenario.solver
    return SolveOptions(time_limit_s=s.time_limit_s, mip_rel_gap=s.mip_rel_gap, threads=1, seed=s.seed)


@dataclass(frozen=True, eq=False)
class CostShareResult:
    """Every partner's bill under every rule, the core check, the what-ifs and the joint plan.

    Attributes
    ----------
    facts
        Partners' data with sources.
    cost_game, value_game
        The games (``None`` beyond the exact limit: only sampled Shapley values are given).
    bill_musd
        :math:`c(N)`, the grand plan's cost.
    min_cost_musd
        Least cost of the grand plan's coverage (at most ``bill_musd``).
    defended
        Defended weight of each partner in the grand plan.
    in_kind
        In-kind credit of each partner (M USD).
    allocations
        ``{rule: {partner: amount}}`` in rule order.
    core
        ``{rule: CoreCheck}`` on the cost game (empty beyond the exact limit).
    core_empty
        Whether the cost game's core is empty (``None`` when unknown).
    least_core_epsilon
        The cost game's least-core :math:`ε^*` (``None`` when unknown).
    shapley_half_width
        95 % half-width of the sampled Shapley value (``None`` when exact).
    value_shapley
        Shapley value of the benefit game: the defended weight each partner brings.
    whatif
        One row per partner: what the others achieve and cost without it.
    coalitions
        One row per coalition evaluated: ``c(S)``, ``v(S)``, pooled budget, solve status.
    joint
        The joint plan (see :mod:`planner.costshare.joint`), ``None`` when not computed.
    notes
        Plain-language statements on method and caveats, shown in the report.
    times
        Seconds spent per step.
    weight_label
        ``"people"`` when the defended weights are populations, else ``"weight"``.
    """

    facts: tuple[PartnerFacts, ...]
    cost_game: Game | None
    value_game: Game | None
    bill_musd: float
    min_cost_musd: float
    defended: np.ndarray
    in_kind: np.ndarray
    allocations: dict[str, dict[str, float]]
    core: dict[str, CoreCheck]
    core_empty: bool | None
    least_core_epsilon: float | None
    shapley_half_width: dict[str, float] | None
    value_shapley: dict[str, float] | None
    whatif: pd.DataFrame
    coalitions: pd.DataFrame
    joint: Any = None
    notes: tuple[str, ...] = ()
    times: dict[str, float] = field(default_factory=dict)
    weight_label: str = "people"

    @property
    def players(self) -> tuple[str, ...]:
        """Partner codes, in scenario order."""
        return tuple(f.iso_a3 for f in self.facts)

    def allocations_frame(self) -> pd.DataFrame:
        """The allocations table: one row per rule and partner (plus the joint plan's split)."""
        rows = []
        per = "usd_per_defended_person" if self.weight_label == "people" else "usd_per_defended_weight"
        caps = {f.iso_a3: f.budget_cap_musd for f in self.facts}
        for rule, amounts in self.allocations.items():
            check = self.core.get(rule)
            for k, p in enumerate(self.players):
                amount = float(amounts[p])
                rows.append({
                    "rule": rule,
                    "partner": p,
                    "amount_musd": amount,
                    "share": amount / self.bill_musd if self.bill_musd else math.nan,
                    "in_kind_credit_musd": float(self.in_kind[k]),
                    "cash_due_musd": amount - float(self.in_kind[k]),
                    "defended_weight": float(self.defended[k]),
                    per: amount * 1e6 / self.defended[k] if self.defended[k] > 0 else math.nan,
                    "ci95_half_width_musd": (self.shapley_half_width or {}).get(p, 0.0)
                    if rule == "shapley" else 0.0,
                    "in_core": None if check is None else bool(check.in_core),
                    "above_cap": None if (cap := caps[p]) is None else bool(amount > cap * (1 + 1e-6)),
                })
        if self.joint is not None and self.joint.contributions is not None:
            for k, p in enumerate(self.players):
                amount = float(self.joint.contributions[k])
                dw = float(self.joint.defended[k])
                rows.append({
                    "rule": f"joint_plan_{self.joint.rule}",
                    "partner": p,
                    "amount_musd": amount,
                    "share": amount / self.joint.cost_musd if self.joint.cost_musd else math.nan,
                    "in_kind_credit_musd": float(self.joint.in_kind[k]),
                    "cash_due_musd": float(self.joint.cash[k]),
                    "defended_weight": dw,
                    per: amount * 1e6 / dw if dw > 0 else math.nan,
                    "ci95_half_width_musd": 0.0,
                    "in_core": None,
                    "above_cap": None if (cap := caps[p]) is None
                    else bool(float(self.joint.cash[k]) > cap * (1 + 1e-6)),
                })
        return pd.DataFrame(rows)

    def summary(self) -> dict[str, Any]:
        """JSON-ready summary (``summary.json["cost_sharing"]``)."""
        from planner.costshare.checks import partner_checks

        return {
            "partners": [vars(f) for f in self.facts],
            "bill_musd": self.bill_musd,
            "min_cost_of_same_coverage_musd": self.min_cost_musd,
            "exact": self.cost_game is not None,
            "allocations": self.allocations,
            "core": {rule: chk.to_dict() for rule, chk in self.core.items()},
            "core_empty": self.core_empty,
            "least_core_epsilon": self.least_core_epsilon,
            "shapley_ci95_half_width": self.shapley_half_width,
            "value_shapley": self.value_shapley,
            "cost_game": None if self.cost_game is None else self.cost_game.to_dict(),
            "value_game": None if self.value_game is None else self.value_game.to_dict(),
            "whatif": self.whatif.to_dict(orient="records"),
            "joint_plan": None if self.joint is None else self.joint.summary(),
            "notes": list(self.notes),
            "times": self.times,
            "checks": partner_checks(self).to_json(),
            "weight_label": self.weight_label,
        }


def _rule_inputs(game: Game | None, bill: float, facts: tuple[PartnerFacts, ...],
                 defended: np.ndarray, cap: float | None, shap: dict[str, float] | None) -> RuleInputs:
    """The registry's inputs: with an exact game its grand value is the bill."""
    players = tuple(f.iso_a3 for f in facts)
    return RuleInputs(
        players=players, bill=bill if game is None else float(game.grand), game=game,
        gdp={f.iso_a3: f.gdp_musd for f in facts}, population={f.iso_a3: f.population for f in facts},
        benefit=dict(zip(players, np.asarray(defended, dtype=float).tolist(), strict=True)),
        cap=cap, shapley=shap)


def rule_amounts(rule: str, game: Game | None, bill: float, facts: tuple[PartnerFacts, ...],
                 defended: np.ndarray, cap: float | None, shap: dict[str, float] | None
                 ) -> dict[str, float] | None:
    """One registry rule's split of ``bill`` (``None`` when it needs every coalition and has no game).

    Raises
    ------
    GameError
        When the rule cannot be computed from these inputs (e.g. a cap it cannot meet).
    """
    if "game" in RULES[rule].needs and game is None and not (rule == "shapley" and shap):
        return None
    inputs = _rule_inputs(game, bill, facts, defended, cap, shap)
    return {p: float(v) for p, v in RULES[rule].apply(inputs).items()}


def compute_cost_sharing(
    scenario: Scenario,
    problem: CoverageProblem,
    x: np.ndarray,
    *,
    stage: Stage | None = None,
) -> CostShareResult:
    """Build both coalition games for the grand plan ``x`` and apply every rule the scenario asks.

    Up to ``cost_sharing.exact_up_to`` partners every coalition is solved and every rule is exact;
    beyond, the cost game's Shapley value is sampled (``n_permutations`` orders, 95 % CLT interval)
    and the rules that need every coalition (nucleolus, SCRB, stand-alone, the core) are skipped
    (said in ``notes``).
    """
    say = stage or (lambda _msg: None)
    cs = scenario.cost_sharing
    t0 = time.perf_counter()
    facts = partner_facts(scenario, problem)
    data = placement_data(scenario, problem, x)
    games = PlacementGames(data, coalition_options(scenario), engine=COALITION_ENGINE)
    players = data.players
    n = len(players)
    exact = n <= cs.exact_up_to
    notes: list[str] = []
    cost_game = value_game = None
    half: dict[str, float] | None = None
    say(f"Cost sharing: {'all ' + str(2 ** n - 1) if exact else 'sampled'} coalitions of {n} partners")
    _track_progress(games, say, 2 ** n - 1 if exact else None)
    if exact:
        built = games.games(workers=cs.workers, exact_up_to=cs.exact_up_to)
        cost_game, value_game = built["cost"], built["value"]
        shap = shapley(cost_game)
        value_shap: dict[str, float] | None = shapley(value_game)
    else:
        est = shapley_estimate(players, games.cost_cache(), kind="cost", exact_up_to=cs.exact_up_to,
                               n_permutations=cs.n_permutations, seed=scenario.solver.seed,
                               workers=cs.workers)
        shap, half, value_shap = est.values, est.half_width, None
        notes.append(f"{n} partners exceed the exact limit of {cs.exact_up_to}: the Shapley value is "
                     f"estimated from {est.n_permutations} random orders of arrival ({est.n_evaluated} "
                     "coalitions solved), with a 95 % confidence interval; rules needing every "
                     "coalition (stand-alone, nucleolus, SCRB, the core) are not computed.")
    t1 = time.perf_counter()
    bill = float(data.instance.c[data.plan].sum())
    defended = data.defended_weight(data.plan)
    in_kind = cs.in_kind_fraction * np.bincount(
        data.site_host[data.plan & (data.site_host >= 0)],
        weights=data.instance.c[data.plan & (data.site_host >= 0)], minlength=n)
    cap = cs.gdp_cap_share
    allocations: dict[str, dict[str, float]] = {}
    for rule in cs.rules:
        try:
            amounts = rule_amounts(rule, cost_game, bill, facts, defended, cap, shap)
        except GameError as err:
            notes.append(f"Rule {rule!r} not computed: {err.reason}.")
            continue
        if amounts is not None:
            allocations[rule] = amounts
    core: dict[str, CoreCheck] = {}
    eps = empty = None
    if cost_game is not None and n >= 2:
        eps = float(least_core(cost_game)[0])
        empty = bool(eps > tolerance(cost_game))
        core = {rule: core_check(cost_game, a, epsilon=eps) for rule, a in allocations.items()}
    min_cost = games.min_cost_grand.value
    t2 = time.perf_counter()
    notes += _method_notes(scenario, data, games, bill, min_cost, facts)
    for rule, amounts in allocations.items():
        owed = [p for k, p in enumerate(players) if amounts[p] < in_kind[k] - 1e-9]
        if owed:
            notes.append(f"Under the {rule} rule the in-kind credit of {', '.join(owed)} exceeds "
                         "its share: its cash due is negative (the others owe it the difference).")
    whatif = _whatif(games, data, value_shap)
    result = CostShareResult(
        facts=facts, cost_game=cost_game, value_game=value_game, bill_musd=bill,
        min_cost_musd=min_cost, defended=defended, in_kind=in_kind, allocations=allocations,
        core=core, core_empty=empty, least_core_epsilon=eps, shapley_half_width=half,
        value_shapley=value_shap, whatif=whatif, coalitions=_coalitions(games),
        notes=tuple(notes),
        times={"games_s": round(t1 - t0, 3), "rules_s": round(t2 - t1, 3)},
        weight_label="people" if not scenario.defended.points else "weight",
    )
    if cs.joint_plan.enabled and n >= 2:
        from planner.costshare.joint import joint_plan

        say(f"Joint plan ({cs.joint_plan.rule} rule)")
        t3 = time.perf_counter()
        joint = joint_plan(scenario, problem, data, games, facts)
        result = replace(result, joint=joint,
                         times={**result.times, "joint_s": round(time.perf_counter() - t3, 3)})
    return result


def _track_progress(games: PlacementGames, say: Stage, total: int | None) -> None:
    """Report coalition counts and an ETA while the games are solved (wraps the instance's methods)."""
    from planner.costshare.progress import CoalitionProgress

    cost = CoalitionProgress(say, "cost", total, lambda: len(games.cost_solves))
    value = CoalitionProgress(say, "value", total, lambda: len(games.value_solves))
    games.cost = cost.wrap(games.cost)  # type: ignore[method-assign, assignment]  # same call signature
    games.value = value.wrap(games.value)  # type: ignore[method-assign, assignment]  # same call signature


def _method_notes(scenario: Scenario, data: PlacementData, games: PlacementGames, bill: float,
                  min_cost: float, facts: tuple[PartnerFacts, ...]) -> list[str]:
    notes = []
    if min_cost < bill - 1e-6 * max(1.0, bill):
        notes.append(f"The plan costs {bill:,.0f} M USD; the same coverage could be bought for "
                     f"{min_cost:,.0f} M USD (the plan maximises coverage within the budget, not "
                     "thrift). The bill shared is what the plan costs.")
    pooled = data.pooled_budget((1 << len(data.players)) - 1)
    if pooled < float(data.instance.budget) - 1e-9:
        notes.append(f"The partners' caps add up to {pooled:,.0f} M USD, below the network budget of "
                     f"{scenario.budget_musd:,.0f}: the benefit game's grand coalition has only "
                     "the caps to spend.")
    uncapped = [f.iso_a3 for f in facts if f.budget_cap_musd is None]
    if uncapped:
        notes.append(f"No budget cap for {', '.join(uncapped)}: alone, such a partner is taken to "
                     f"afford the whole network budget ({scenario.budget_musd:,.0f} M USD).")
    for kind, members, status, gap in games.unproven():
        gap_txt = f", gap {gap:.2%}" if gap is not None else ""
        notes.append(f"The {kind} of coalition {'+'.join(members)} was not proven optimal "
                     f"({status}{gap_txt}): its value is the best plan found.")
    srcs = sorted({f.population_source for f in facts} | {f.gdp_source for f in facts})
    notes.append("Partners' data: " + "; ".join(srcs) + ".")
    return notes


def _coalitions(games: PlacementGames) -> pd.DataFrame:
    data = games.data
    masks = sorted(set(games.cost_solves) | set(games.value_solves),
                   key=lambda m: (bin(m).count("1"), m))
    rows = []
    for m in masks:
        members = tuple(p for i, p in enumerate(data.players) if (m >> i) & 1)
        c, v = games.cost_solves.get(m), games.value_solves.get(m)
        rows.append({
            "coalition": "+".join(members),
            "size": len(members),
            "pooled_budget_musd": data.pooled_budget(m),
            "defended_alone": None if v is None else v.value,
            "cost_of_plan_coverage_musd": None if c is None else c.value,
            "value_status": None if v is None else v.status,
            "cost_status": None if c is None else c.status,
        })
    return pd.DataFrame(rows)


def _whatif(games: PlacementGames, data: PlacementData, value_shap: dict[str, float] | None) -> pd.DataFrame:
    """Without each partner: what the others defend alone and cost, and what the partner adds."""
    players = data.players
    grand = frozenset(players)
    rows = []
    vc, cc = games.value, games.cost  # each coalition is solved once, then remembered
    v_n, c_n = vc(grand), cc(grand)
    for p in players:
        rest = grand - {p}
        v_rest = vc(rest) if rest else 0.0
        c_rest = cc(rest) if rest else 0.0
        rows.append({
            "partner": p,
            "defended_in_plan": float(data.defended_weight(data.plan)[players.index(p)]),
            "defended_alone": vc(frozenset({p})),
            "others_defend_without": v_rest,
            "value_added": v_n - v_rest,
            "value_shapley": None if value_shap is None else value_shap[p],
            "others_cost_without_musd": c_rest,
            "cost_added_musd": c_n - c_rest,
        })
    return pd.DataFrame(rows)
