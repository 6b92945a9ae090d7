"""A plan's proof of its own correctness: coverage and cost recomputed from the chosen sites alone.

The recomputation does not use the solver, nor the sparse coverage matrices the solver saw: ground and
sea coverage come from direct great-circle distances between the chosen sites and every defended point
(the matrices come from a spatial index), reaches come from the scenario's asset parameters, costs from
unit costs and constellation sizes. A plan whose recomputation disagrees with the solver's claim is
refused (:class:`planner.errors.VerificationError`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from geodata.geometry import great_circle_km
from geodata.orbits import Walker
from planner.errors import VerificationError
from planner.problem import CoverageProblem, engagement_matrix, sensor_reach_km, space_fractions
from planner.scenario import Scenario, SpaceAsset

REL_TOL = 1e-6


@dataclass(frozen=True)
class Check:
    """One verified statement about the plan."""

    name: str
    ok: bool
    detail: str


@dataclass(frozen=True, eq=False)
class Certificate:
    """What the independent recomputation found.

    Attributes
    ----------
    ok
        Every check passed.
    checks
        The individual checks, in order.
    defended_weight, cost_musd
        Recomputed defended weight and cost.
    sensor_covered, interceptor_covered, defended
        Recomputed boolean masks over the defended points.
    """

    ok: bool
    checks: tuple[Check, ...]
    defended_weight: float
    cost_musd: float
    sensor_covered: np.ndarray
    interceptor_covered: np.ndarray
    defended: np.ndarray

    def summary(self) -> dict:
        """JSON-ready summary."""
        return {
            "ok": self.ok,
            "recomputed_defended_weight": self.defended_weight,
            "recomputed_cost_musd": self.cost_musd,
            "checks": [asdict(c) for c in self.checks],
        }

    def raise_if_failed(self) -> None:
        """Refuse a plan whose recomputation disagrees with the solver."""
        failed = [c for c in self.checks if not c.ok]
        if failed:
            raise VerificationError("plan refused: " + "; ".join(f"{c.name}: {c.detail}"
                                                                 for c in failed))


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= REL_TOL * max(1.0, abs(a), abs(b))


def recompute_layers(
    scenario: Scenario, demand: pd.DataFrame, chosen: pd.DataFrame, tracks: Any = None
) -> tuple[np.ndarray, np.ndarray]:
    """Return (sensor-covered, interceptor-covered) masks over ``demand`` for the ``chosen`` sites.

    With threat corridors, interceptor coverage is recomputed from the tracks (``tracks``) for each
    chosen site alone.
    """
    assets = {a.name: a for a in scenario.asset_types}
    lon, lat = demand["lon"].to_numpy(), demand["lat"].to_numpy()
    sensed = np.zeros(len(demand), dtype=bool)
    engaged = np.zeros(len(demand), dtype=bool)
    corridor = scenario.threats is not None and scenario.threats.interceptor_coverage == "corridor"
    for _, site in chosen.iterrows():  # a plan has tens of sites: a loop over sites is fine
        asset = assets[site["asset_type"]]
        is_sensor = asset.role in ("sensor", "both")
        is_int = asset.role in ("interceptor", "both")
        if isinstance(asset, SpaceAsset):
            one = asset.model_copy(update={"constellations": (site["pattern"],)})
            covered = space_fractions(one, demand)[:, 0] >= asset.coverage_threshold - 1e-12
            sensed |= covered if is_sensor else False
            engaged |= covered if is_int else False
            continue
        d = great_circle_km(lon, lat, site["lon"], site["lat"])
        if is_sensor:
            sensed |= d <= sensor_reach_km(asset)
        if is_int and corridor:
            engaged |= engagement_matrix(scenario, asset, tracks, lon, lat, np.array([site["lon"]]),
                                         np.array([site["lat"]])).toarray()[:, 0] > 0
        elif is_int:
            assert asset.engagement_range_km is not None
            engaged |= d <= asset.engagement_range_km
    if scenario.requirement == "sensor":
        engaged = sensed
    elif scenario.requirement == "interceptor":
        sensed = engaged
    return sensed, engaged


def unit_cost(scenario: Scenario, site: pd.Series) -> float:
    """Cost of one chosen site from the scenario: unit cost, times satellites for a constellation."""
    asset = next(a for a in scenario.asset_types if a.name == site["asset_type"])
    if isinstance(asset, SpaceAsset):
        return asset.unit_cost_musd * Walker.parse(site["pattern"]).t
    return asset.unit_cost_musd


def verify_plan(
    scenario: Scenario, problem: CoverageProblem, x: np.ndarray, claimed_objective: float | None
) -> Certificate:
    """Recompute a plan's coverage and cost from its chosen sites and check the solver's claims."""
    x = np.asarray(x, dtype=bool)
    chosen = problem.sites[x]
    sensed, engaged = recompute_layers(scenario, problem.demand, chosen, problem.tracks)
    defended = sensed & engaged
    w = problem.demand["weight"].to_numpy(float)
    weight = float(w[defended].sum())
    cost = float(sum(unit_cost(scenario, s) for _, s in chosen.iterrows()))

    checks = [Check("budget", cost <= scenario.budget_musd * (1 + REL_TOL),
                    f"cost {cost:,.1f} <= budget {scenario.budget_musd:,.1f} M USD")]
    counts = chosen["asset_type"].value_counts()
    for asset in scenario.asset_types:
        n = int(counts.get(asset.name, 0))
        limit = 1 if isinstance(asset, SpaceAsset) else asset.max_count
        what = "constellation options" if isinstance(asset, SpaceAsset) else "units"
        checks.append(Check(f"max_count[{asset.name}]", n <= limit, f"{n} {what} <= {limit}"))

    inst_defended = problem.to_instance(scenario).defended(x)
    agree = int((inst_defended != defended).sum())
    checks.append(Check("coverage_matrix", agree == 0,
                        f"{agree} points differ between the coverage matrices and direct geometry"))
    if claimed_objective is not None:
        checks.append(Check("objective", _close(weight, claimed_objective),
                            f"recomputed defended weight {weight:,.0f} vs solver {claimed_objective:,.0f}"))
    ok = all(c.ok for c in checks)
    return Certificate(ok, tuple(checks), weight, cost, sensed, engaged, defended)
