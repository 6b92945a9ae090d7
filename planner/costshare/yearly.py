r"""Each year's bill of a build-out, and whether the split so far is in the core of what was built.

**The game of year t.** :math:`B_t` is the set of units funded by year :math:`t` (existing ones
included), :math:`K_{jt}` what unit :math:`j` has cost through :math:`t` (acquisition,
O&S, replacement), :math:`D_t` the points :math:`B_t` defends once in service, and
:math:`C_t = \sum_{j} K_{jt}` the cumulative spending. For a proper coalition :math:`S`,

.. math::
    c_t(S) = \min\{\textstyle\sum_{j \in B_t} K_{jt} x_j : x \subseteq B_t \text{ defends }
    D_t \cap o^{-1}(S)\}, \qquad c_t(N) = C_t,

what :math:`S` would have paid so far, using only what was built, to defend its own points as the
network does (the cost game of :mod:`models.formulations.coalition_placement`, restricted to
:math:`B_t` and priced at cumulative cost). **Rules** give cumulative allocations
:math:`\phi^r_t` on :math:`c_t` (fixed-share rules: shares of :math:`C_t`); year :math:`t`'s bill
is :math:`\phi^r_t - \phi^r_{t-1}`; the core check is on :math:`\phi^r_t` and :math:`c_t`.

Length: ``yearly_bills`` walks the years once, building each year's game and applying every rule to
it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from models import LayeredInstance, SolveOptions
from models.costshare import CoreCheck, Game, GameError, core_check, shapley
from models.costshare.yearly import YearlyCoreSplit, yearly_core_split
from models.formulations.coalition_placement import PlacementData, PlacementGames
from models.schedule import CATEGORIES, ScheduleInstance
from planner.costshare.bills import COALITION_ENGINE, partner_facts, rule_amounts
from planner.problem.build import CoverageProblem
from planner.scenario.schema import Scenario

YEAR_GAME_MAX_PARTNERS = 6
"""Partners up to which every year's game is solved (T · (2^n − 2) small MILPs)."""


@dataclass(frozen=True, eq=False)
class YearlyBills:
    r"""Each partner's bill each year under each rule, and the per-year core checks.

    Attributes
    ----------
    years
        Calendar years.
    players
        Partner codes.
    cumulative
        ``{rule: (P, T) array}`` cumulative allocations :math:`\phi^r_t`.
    core
        ``{rule: [CoreCheck | None per year]}`` (``None``: no game that year or beyond the limit).
    games
        The year games (``None`` beyond :data:`YEAR_GAME_MAX_PARTNERS`).
    reference_rule
        The rule whose core check is each year's ``core_ok``.
    lp
        The yearly split chosen by LP to keep every year in the core (``None`` when off).
    """

    years: tuple[int, ...]
    players: tuple[str, ...]
    cumulative: dict[str, np.ndarray]
    core: dict[str, list[CoreCheck | None]]
    games: tuple[Game, ...] | None
    reference_rule: str
    lp: YearlyCoreSplit | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    def _k(self, year: int) -> int:
        return self.years.index(year)

    def year_bills(self, year: int) -> dict[str, dict[str, float]]:
        """``{rule: {partner: amount}}`` of one year (the LP split as ``core_lp``)."""
        k = self._k(year)
        out = {}
        for rule, cum in self.cumulative.items():
            prev = cum[:, k - 1] if k else 0.0
            out[rule] = dict(zip(self.players, (cum[:, k] - prev).tolist(), strict=True))
        if self.lp is not None:
            out["core_lp"] = dict(self.lp.contributions[year])
        return out

    def core_ok(self, year: int) -> bool | None:
        """Whether the reference rule's cumulative split is in the core of year ``year``'s game."""
        chk = self.core.get(self.reference_rule, [None] * len(self.years))[self._k(year)]
        return None if chk is None else bool(chk.in_core)

    def blocking(self, year: int) -> tuple[str, ...] | None:
        """The coalition that would object that year under the reference rule."""
        chk = self.core.get(self.reference_rule, [None] * len(self.years))[self._k(year)]
        return None if chk is None else chk.blocking_coalition

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict (``summary.json["schedule"]["bills"]``)."""
        return {
            "reference_rule": self.reference_rule,
            "cumulative": {
                r: {p: c[i].tolist() for i, p in enumerate(self.players)} for r, c in self.cumulative.items()
            },
            "core": {
                r: [None if c is None else c.to_dict() for c in checks] for r, checks in self.core.items()
            },
            "year_games": None if self.games is None else [g.to_dict() for g in self.games],
            "core_lp": None if self.lp is None else self.lp.to_json(),
            "notes": list(self.notes),
        }


def _year_game(
    players: tuple[str, ...],
    inst: LayeredInstance,
    owner: np.ndarray,
    built: np.ndarray,
    cost: np.ndarray,
    options: SolveOptions,
) -> Game:
    r"""The game :math:`c_t` (module docstring): the placement cost game on the built units alone.

    :class:`~models.formulations.coalition_placement.PlacementGames` solves it (one min-cost MILP
    per proper coalition, warm-started); the built units are its grand plan, so
    :math:`c_t(N) = \sum_{j \in B_t} K_{jt}`.
    """
    idx = np.flatnonzero(built)
    sub = LayeredInstance(
        w=inst.w,
        c=cost[idx],
        a_sensor=inst.a_sensor[:, idx],
        a_interceptor=inst.a_interceptor[:, idx],
        site_type=inst.site_type[idx],
        type_max=np.maximum(inst.type_max, np.bincount(inst.site_type[idx], minlength=inst.type_max.size)),
        budget=np.inf,
    )
    hosts = np.full(idx.size, -1)  # where a unit stands does not enter the cost game
    data = PlacementData(sub, players, owner, hosts, np.full(len(players), np.inf), np.ones(idx.size, bool))
    games = PlacementGames(data, options, engine=COALITION_ENGINE)
    return games.games(which=("cost",), exact_up_to=YEAR_GAME_MAX_PARTNERS)["cost"]


def yearly_bills(
    scenario: Scenario,
    problem: CoverageProblem,
    inst: ScheduleInstance,
    funded: np.ndarray,
    ledger: dict[str, np.ndarray],
) -> YearlyBills:
    """Every rule's yearly bills, the per-year core checks and the LP split (module docstring)."""
    sch, cs = scenario.schedule, scenario.cost_sharing
    assert sch is not None
    facts = partner_facts(scenario, problem)
    players = scenario.partner_codes
    index = {p: i for i, p in enumerate(players)}
    owner = np.array([index.get(p, -1) for p in problem.demand["partner"]], dtype=np.int64)
    per_site = np.sum([ledger[c] for c in CATEGORIES], axis=0)  # (n, T)
    cum_site = np.cumsum(per_site, axis=1)
    spend = per_site.sum(axis=0)
    exact = len(players) <= YEAR_GAME_MAX_PARTNERS
    options = SolveOptions(
        time_limit_s=scenario.solver.time_limit_s, mip_rel_gap=1e-6, threads=1, seed=scenario.solver.seed
    )
    notes: list[str] = []
    computed: set[str] = set()
    games, cumulative = [], {r: np.zeros((len(players), inst.years)) for r in cs.rules}
    core: dict[str, list[CoreCheck | None]] = {r: [] for r in cs.rules}
    w = problem.demand["weight"].to_numpy(float)
    assert inst.existing is not None  # filled by ScheduleInstance.__post_init__
    for k in range(inst.years):
        total = float(cum_site[:, k].sum())
        built = ((funded >= 0) & (funded <= k)) | inst.existing
        game = None
        if exact and total > 0:
            game = _year_game(players, inst.base, owner, built, cum_site[:, k], options)
            games.append(game)
        elif exact:
            games.append(Game(players, "cost", np.zeros(1 << len(players))))
        target = inst.base.defended(built)
        benefit: np.ndarray = np.bincount(
            owner[target & (owner >= 0)], weights=w[target & (owner >= 0)], minlength=len(players)
        )
        if benefit.sum() <= 0:
            benefit = np.ones(len(players))
        shap = shapley(game) if game is not None else None
        for rule in cs.rules:
            if total <= 0:
                core[rule].append(None)
                continue
            try:
                amounts = rule_amounts(rule, game, total, facts, benefit, cs.gdp_cap_share, shap)
            except GameError as err:
                amounts = None
                notes.append(f"{sch.years[k]}: rule {rule!r} not computed ({err.reason}).")
            if amounts is None:
                core[rule].append(None)
                continue
            computed.add(rule)
            cumulative[rule][:, k] = [amounts[p] for p in players]
            core[rule].append(core_check(game, amounts) if game is not None else None)
    cumulative = {r: c for r, c in cumulative.items() if r in computed}
    core = {r: c for r, c in core.items() if r in computed}
    if not exact:
        notes.append(
            f"{len(players)} partners: the year games (2^n coalitions each year) are not "
            f"solved beyond {YEAR_GAME_MAX_PARTNERS}; game rules and core checks are skipped."
        )
    ref = sch.core_contributions.reference_rule
    if ref not in cumulative:
        ref = next(iter(cumulative))
    lp = None
    if exact and sch.core_contributions.enabled:
        yearly = np.diff(cumulative[ref], axis=1, prepend=0.0)
        reference = {
            y: dict(zip(players, yearly[:, k].tolist(), strict=True)) for k, y in enumerate(sch.years)
        }
        lp = yearly_core_split(sch.years, games, spend, reference)
        notes.append(_lp_note(lp, ref))
    return YearlyBills(
        tuple(sch.years),
        tuple(players),
        cumulative,
        core,
        tuple(games) if exact else None,
        ref,
        lp,
        tuple(notes),
    )


def _lp_note(lp: YearlyCoreSplit, ref: str) -> str:
    if lp.all_years_in_core:
        return (
            f"Core LP: yearly contributions exist that keep every year's cumulative split in the "
            f"core; the one closest to the {ref} rule's yearly bills differs from them by "
            f"{lp.deviation_musd:,.1f} M USD in total."
        )
    return (
        f"Core LP: no yearly split keeps every year in the core; the most stable one leaves a "
        f"coalition paying up to {lp.epsilon:,.1f} M USD more than it would have alone in some year."
    )
