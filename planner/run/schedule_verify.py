"""A schedule's certificate: every year recomputed from the build decisions alone.

From the funding year of each chosen unit and the scenario (unit costs, satellites per pattern,
life cycles), this module recomputes with its own loops — not the model's profile matrices —
each year's acquisition, O&S and replacement spending and which units are in service; coverage
comes from direct great-circle distances and orbit averages of the units in service
(:func:`planner.run.verify.recompute_layers`, not the solver's matrices). It then checks the
budgets, the type limits, the milestones, and the model's claims (spending, service, defended
weight per year, objective).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from geodata.orbits import Walker
from planner.problem.build import CoverageProblem
from planner.run.verify import Check, recompute_layers, unit_cost
from planner.scenario.schema import Scenario, SpaceAsset

REL_TOL = 1e-6


@dataclass(frozen=True, eq=False)
class ScheduleCertificate:
    """What the recomputation found.

    Attributes
    ----------
    ok
        Every check passed.
    checks
        The checks, in order.
    spend
        ``{category: (T,) array}`` recomputed.
    service
        ``(n_chosen, T)`` boolean: chosen unit in service (rows follow ``chosen``).
    defended
        ``(m, T)`` boolean over the defended points.
    """

    ok: bool
    checks: tuple[Check, ...]
    spend: dict[str, np.ndarray]
    service: np.ndarray
    defended: np.ndarray

    def summary(self) -> dict[str, object]:
        """JSON-ready summary."""
        return {"ok": self.ok, "checks": [vars(c) for c in self.checks]}


def _om_per_year(scenario: Scenario, site: pd.Series) -> float:
    assert scenario.schedule is not None
    asset = next(a for a in scenario.asset_types if a.name == site["asset_type"])
    om = scenario.schedule.life(asset.name).om_per_year_musd
    return om * Walker.parse(site["pattern"]).t if isinstance(asset, SpaceAsset) else om


def recompute_ledger(
    scenario: Scenario, chosen: pd.DataFrame, funded_year: np.ndarray
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Spending by category ``(T,)`` and service ``(n_chosen, T)`` from funding years (calendar).

    An existing unit is taken as funded ``lead_time_years`` before the first year.
    """
    sch = scenario.schedule
    assert sch is not None
    years = list(sch.years)
    first, last = years[0], years[-1]
    spend = {c: np.zeros(len(years)) for c in ("acquisition", "operations", "replacement")}
    service = np.zeros((len(chosen), len(years)), dtype=bool)

    def pay(category: str, year: int, amount: float) -> None:
        if first <= year <= last:
            spend[category][year - first] += amount

    for k, (_, site) in enumerate(chosen.iterrows()):
        life = sch.life(site["asset_type"])
        cost, om = unit_cost(scenario, site), _om_per_year(scenario, site)
        lead, span = life.lead_time_years, max(life.lead_time_years, 1)
        start_funding = int(funded_year[k])
        for i in range(span):
            pay("acquisition", start_funding + i, cost / span)
        in_service_from = start_funding + lead
        end = (
            last
            if life.service_life_years is None or life.replace
            else min(last, in_service_from + life.service_life_years - 1)
        )
        for year in range(max(in_service_from, first), end + 1):
            service[k, year - first] = True
            pay("operations", year, om)
        if life.service_life_years and life.replace:
            retire = in_service_from + life.service_life_years
            while retire - lead <= last:
                for i in range(span):
                    pay("replacement", retire - lead + i, life.replacement_cost_fraction * cost / span)
                retire += life.service_life_years
    return spend, service


def verify_schedule(
    scenario: Scenario,
    problem: CoverageProblem,
    funded: np.ndarray,
    claimed_spend: dict[str, np.ndarray],
    claimed_defended_weight: np.ndarray,
    claimed_objective: float | None,
    discount: np.ndarray,
) -> ScheduleCertificate:
    """Recompute a schedule from its build decisions (``funded``: year index per site, ``-1`` never)."""
    sch = scenario.schedule
    assert sch is not None
    first = sch.first_year
    existing = problem.sites["existing"].to_numpy(bool)
    idx = np.flatnonzero((funded >= 0) | existing)
    chosen = problem.sites.iloc[idx]
    lead = np.array([sch.life(t).lead_time_years for t in chosen["asset_type"]])
    year = np.where(existing[idx], first - lead, first + np.maximum(funded[idx], 0))
    spend, service = recompute_ledger(scenario, chosen, year)
    # Coverage of each chosen unit alone (direct geometry), then OR over the units in service.
    layers = [
        recompute_layers(scenario, problem.demand, chosen.iloc[[k]], problem.tracks)
        for k in range(len(chosen))
    ]
    m, big_t = len(problem.demand), len(sch.years)
    defended = np.zeros((m, big_t), dtype=bool)
    for t in range(big_t):
        on = np.flatnonzero(service[:, t])
        sensed = np.any([layers[k][0] for k in on], axis=0) if on.size else np.zeros(m, bool)
        engaged = np.any([layers[k][1] for k in on], axis=0) if on.size else np.zeros(m, bool)
        defended[:, t] = sensed & engaged
    w = problem.demand["weight"].to_numpy(float)
    got = w @ defended
    checks = _checks(
        scenario,
        problem,
        chosen,
        spend,
        service,
        got,
        claimed_spend,
        claimed_defended_weight,
        claimed_objective,
        discount,
    )
    return ScheduleCertificate(all(c.ok for c in checks), tuple(checks), spend, service, defended)


def _close(a: np.ndarray | float, b: np.ndarray | float) -> bool:
    a, b = np.asarray(a, float), np.asarray(b, float)
    return bool(np.all(np.abs(a - b) <= REL_TOL * np.maximum(1.0, np.maximum(np.abs(a), np.abs(b)))))


def _checks(
    scenario: Scenario,
    problem: CoverageProblem,
    chosen: pd.DataFrame,
    spend: dict[str, np.ndarray],
    service: np.ndarray,
    got: np.ndarray,
    claimed_spend: dict[str, np.ndarray],
    claimed_weight: np.ndarray,
    claimed_objective: float | None,
    discount: np.ndarray,
) -> list[Check]:
    sch = scenario.schedule
    assert sch is not None
    total = sum(spend.values())
    budgets = np.array(sch.budgets())
    lhs, rhs = (np.cumsum(total), np.cumsum(budgets)) if sch.carry_over else (total, budgets)
    over = np.flatnonzero(lhs > rhs + REL_TOL * np.maximum(1.0, rhs))
    what = "cumulative spending within cumulative budget" if sch.carry_over else "spending within budget"
    checks = [
        Check(
            "annual_budget",
            over.size == 0,
            f"{what} in every year" if not over.size else f"over budget in {[sch.years[k] for k in over]}",
        )
    ]
    for c, arr in spend.items():
        checks.append(
            Check(
                f"spend[{c}]",
                _close(arr, claimed_spend[c]),
                f"recomputed {arr.sum():,.1f} vs model {claimed_spend[c].sum():,.1f} M USD",
            )
        )
    checks.append(
        Check(
            "defended_by_year",
            _close(got, claimed_weight),
            "defended weight of every year recomputed from geometry",
        )
    )
    if claimed_objective is not None:
        checks.append(
            Check(
                "objective",
                _close(float(discount @ got), claimed_objective),
                f"discounted value {float(discount @ got):,.0f} vs solver {claimed_objective:,.0f}",
            )
        )
    counts = chosen["asset_type"].value_counts()
    for asset in scenario.asset_types:
        limit = 1 if isinstance(asset, SpaceAsset) else asset.max_count
        n = int(counts.get(asset.name, 0))
        checks.append(Check(f"count[{asset.name}]", n <= limit, f"{n} <= {limit}"))
    total_w = float(problem.demand["weight"].sum())
    types = chosen["asset_type"].to_numpy()
    for m in (m for m in sch.milestones if m.enforce):  # reported-only milestones are not checks
        k = m.year - sch.first_year
        if m.min_defended_share is not None:
            share = got[k:] / total_w
            ok = bool((share >= m.min_defended_share - REL_TOL).all())
            detail = f"lowest share from {m.year}: {share.min():.1%} (needs {m.min_defended_share:.0%})"
        else:
            have = service[types == m.asset_type][:, k:].sum(axis=0)
            ok = bool((have >= m.min_count).all())
            detail = (
                f"fewest {m.asset_type} in service from {m.year}: {int(have.min())} (needs {m.min_count})"
            )
        checks.append(Check(f"milestone[{m.label}]", ok, detail))
    return checks
