"""A plan's proof of its own correctness: coverage and cost recomputed from the chosen sites alone.

The recomputation does not use the solver, nor the sparse coverage matrices the solver saw, nor the
code that built them: ground and sea coverage come from direct great-circle distances between the
chosen sites and every defended point (the matrices come from a spatial index), space and corridor
coverage from the certificate's own propagation and slant ranges (:mod:`planner.run.geometry_check`),
reaches from the scenario's asset parameters, costs from unit costs and constellation sizes. A plan
whose recomputation disagrees with the solver's claim is refused (:class:`planner.errors.VerificationError`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from geodata.geometry import great_circle_km, radar_horizon_km
from geodata.orbits import Walker
from geodata.refraction import line_of_sight_arc_km
from geodata.space_time import sampling_plan
from planner.errors import VerificationError
from planner.problem.build import CoverageProblem
from planner.run.geometry_check import corridor_engaged, space_fraction
from planner.scenario.schema import LandAsset, Scenario, SeaAsset, SpaceAsset

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


def _sensor_reach_km(asset: LandAsset | SeaAsset) -> float:
    """min(instrumented range, line of sight to the target altitude), from geodata's horizon formulas."""
    assert asset.sensor_range_km is not None
    if asset.horizon_k is None:
        los = line_of_sight_arc_km(asset.mast_height_m / 1000.0, asset.target_altitude_m / 1000.0,
                                   asset.min_elevation_deg)
    else:
        los = radar_horizon_km(asset.mast_height_m, asset.target_altitude_m, asset.horizon_k)
    return min(asset.sensor_range_km, float(los))


def _space_fraction(asset: SpaceAsset, pattern: str, demand: pd.DataFrame) -> tuple[np.ndarray, int]:
    """Recomputed space coverage of every point, and the number of sampling times it used."""
    plan = sampling_plan(Walker.parse(pattern), asset.altitude_km, asset.min_elevation_deg,
                         asset.horizon_s, asset.time_step_s)
    frac = space_fraction(pattern, asset.altitude_km, asset.min_elevation_deg, plan.times(),
                          demand["lon"].to_numpy(), demand["lat"].to_numpy())
    return frac, plan.n_steps


def recompute_layers(
    scenario: Scenario, demand: pd.DataFrame, chosen: pd.DataFrame, tracks: Any = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (sensor-covered, interceptor-covered, marginal) masks over ``demand`` for ``chosen``.

    Computed with the certificate's own geometry (:mod:`planner.run.geometry_check`), never with the
    matrix builders. ``marginal`` marks points whose recomputed space coverage lies within one
    sampling step of the threshold (where rounding may tip either way). With threat corridors,
    interceptor coverage is recomputed from the tracks (``tracks``).
    """
    assets = {a.name: a for a in scenario.asset_types}
    lon, lat = demand["lon"].to_numpy(), demand["lat"].to_numpy()
    sensed = np.zeros(len(demand), dtype=bool)
    engaged = np.zeros(len(demand), dtype=bool)
    marginal = np.zeros(len(demand), dtype=bool)
    threats = scenario.threats
    corridor = threats is not None and threats.interceptor_coverage == "corridor" and tracks is not None
    for _, site in chosen.iterrows():  # a plan has tens of sites: a loop over sites is fine
        asset = assets[site["asset_type"]]
        is_sensor = asset.role in ("sensor", "both")
        is_interceptor = asset.role in ("interceptor", "both")
        if isinstance(asset, SpaceAsset):
            frac, steps = _space_fraction(asset, site["pattern"], demand)
            covered = frac >= asset.coverage_threshold - 1e-12
            marginal |= np.abs(frac - asset.coverage_threshold) <= 1.0 / steps + 1e-12
            sensed |= covered if is_sensor else False
            engaged |= covered if is_interceptor else False
            continue
        d = great_circle_km(lon, lat, site["lon"], site["lat"])
        if is_sensor:
            sensed |= d <= _sensor_reach_km(asset)
        assert asset.engagement_range_km is not None or not is_interceptor
        if is_interceptor and corridor:
            assert threats is not None and asset.engagement_range_km is not None
            engaged |= corridor_engaged(tracks, [(site["lon"], site["lat"])], asset.engagement_range_km,
                                        asset.engagement_min_altitude_km, asset.engagement_max_altitude_km,
                                        threats.engage)
        elif is_interceptor:
            assert asset.engagement_range_km is not None
            engaged |= d <= asset.engagement_range_km
    if scenario.requirement == "sensor":
        engaged = sensed
    elif scenario.requirement == "interceptor":
        sensed = engaged
    return sensed, engaged, marginal


def unit_cost(scenario: Scenario, site: pd.Series) -> float:
    """Cost of one chosen site from the scenario: unit cost, times satellites for a constellation."""
    asset = next(a for a in scenario.asset_types if a.name == site["asset_type"])
    if isinstance(asset, SpaceAsset):
        return asset.unit_cost_musd * Walker.parse(site["pattern"]).t
    return asset.unit_cost_musd


def _rule_checks(scenario: Scenario, problem: CoverageProblem, x: np.ndarray, chosen: pd.DataFrame,
                 defended: np.ndarray) -> list[Check]:
    """Existing sites kept, separations respected, partners' minimum shares met."""
    checks = []
    existing = problem.sites["existing"].to_numpy(bool)
    if existing.any():
        dropped = int((existing & ~x).sum())
        checks.append(Check("existing_sites", dropped == 0, f"{dropped} existing sites dropped"))
    for asset in scenario.asset_types:
        sep = getattr(asset, "min_separation_km", None)
        if sep is None:
            continue
        mine = chosen[(chosen["asset_type"] == asset.name) & ~chosen["existing"].astype(bool)]
        others = chosen[chosen["asset_type"] == asset.name]
        d = great_circle_km(mine["lon"].to_numpy()[:, None], mine["lat"].to_numpy()[:, None],
                            others["lon"].to_numpy()[None, :], others["lat"].to_numpy()[None, :])
        d[mine.index.to_numpy()[:, None] == others.index.to_numpy()[None, :]] = np.inf
        closest = float(d.min()) if d.size else float("inf")
        checks.append(Check(f"separation[{asset.name}]", closest >= sep,
                            f"closest pair {closest:,.0f} km >= {sep:,.0f} km"))
    if scenario.objective == "max_defended":
        w = problem.demand["weight"].to_numpy(float)
        for p in scenario.partners:
            if not p.min_defended_share:
                continue
            mine = problem.demand["partner"].to_numpy() == p.iso_a3
            share = w[mine & defended].sum() / max(w[mine].sum(), 1e-300)
            checks.append(Check(f"min_defended_share[{p.iso_a3}]",
                                share >= p.min_defended_share - REL_TOL,
                                f"{share:.1%} defended >= {p.min_defended_share:.1%}"))
    return checks


def verify_plan(
    scenario: Scenario, problem: CoverageProblem, x: np.ndarray, claimed_objective: float | None
) -> Certificate:
    """Recompute a plan's coverage and cost from its chosen sites and check the solver's claims."""
    x = np.asarray(x, dtype=bool)
    chosen = problem.sites[x]
    sensed, engaged, marginal = recompute_layers(scenario, problem.demand, chosen, problem.tracks)
    defended = sensed & engaged
    w = problem.demand["weight"].to_numpy(float)
    weight = float(w[defended].sum())
    cost = float(sum(unit_cost(scenario, s) for _, s in chosen.iterrows()))

    min_cost = scenario.objective == "min_cost"
    within = cost <= scenario.budget_musd * (1 + REL_TOL)
    checks = [Check("budget", within or min_cost,
                    f"cost {cost:,.1f} {'<=' if within else '>'} budget {scenario.budget_musd:,.1f} M USD"
                    + (" (min_cost: the budget is reported, not imposed)" if min_cost else ""))]
    counts = chosen["asset_type"].value_counts()
    for asset in scenario.asset_types:
        n = int(counts.get(asset.name, 0))
        limit = 1 if isinstance(asset, SpaceAsset) else asset.max_count
        low = 0 if isinstance(asset, SpaceAsset) else asset.min_count
        what = "constellation options" if isinstance(asset, SpaceAsset) else "units"
        checks.append(Check(f"count[{asset.name}]", low <= n <= limit, f"{low} <= {n} {what} <= {limit}"))
    checks += _rule_checks(scenario, problem, x, chosen, defended)

    differ = problem.to_instance().defended(x) != defended
    agree, near = int((differ & ~marginal).sum()), int((differ & marginal).sum())
    checks.append(Check("coverage_matrix", agree == 0,
                        f"{agree} points differ between the coverage matrices and direct geometry"
                        + (f" ({near} more within one time step of the space threshold)" if near else "")))
    if min_cost:
        inst = problem.to_instance()
        defendable = np.asarray((inst.a_sensor.sum(axis=1) > 0) & (inst.a_interceptor.sum(axis=1) > 0))
        missing = int((defendable.ravel() & ~defended).sum())
        checks.append(Check("full_coverage", missing == 0,
                            f"{missing} defendable points left undefended"))
        if claimed_objective is not None:
            checks.append(Check("objective", _close(cost, claimed_objective),
                                f"recomputed cost {cost:,.1f} vs solver {claimed_objective:,.1f} M USD"))
    elif claimed_objective is not None:
        checks.append(Check("objective", _close(weight, claimed_objective),
                            f"recomputed defended weight {weight:,.0f} vs solver {claimed_objective:,.0f}"))
    ok = all(c.ok for c in checks)
    return Certificate(ok, tuple(checks), weight, cost, sensed, engaged, defended)
