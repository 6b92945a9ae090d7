r"""The engagement stage end to end: design plan, leakage curve, saturation, Monte Carlo check.

"Engaged" counts the missiles that receive at least one shot; "defeated" is the expected number
killed (engaged missiles still leak with probability :math:`\prod (1 - p)`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import LineString

from geodata.killchain import first_intercept_sample
from geodata.threats import ThreatTracks
from models.engagement import (
    LAYERS,
    EngagementInstance,
    EngagementPlan,
    engaged,
    expected_leakage,
    leak_probability,
    plan_cost,
)
from models.engagement.instance import NO_BOOST
from models.engagement.solve import EngagementSolution, solve_engagement
from models.result import SolveOptions
from planner.errors import VerificationError
from planner.problem.build import CoverageProblem
from planner.run.engagement import (
    ChainAssets,
    ChainGeometry,
    Raid,
    build_instance,
    chain_assets,
    chain_geometry,
    lay_down,
    scaled_raid,
    trimmed,
)
from planner.run.montecarlo import MonteCarloResult, SensorParams, SiteParams, simulate
from planner.scenario.schema import Scenario


@dataclass(frozen=True)
class RaidPoint:
    """One point of the leakage curve (the plan held, shots re-optimised)."""

    raid_size: int
    expected_leakers: float
    expected_value_lost: float
    shots_fired: int
    shots_per_layer: dict[str, int]
    rounds_left: int
    engaged: int
    expected_defeated: float
    saturated: bool

    def to_json(self) -> dict[str, Any]:
        """JSON-ready point."""
        return dict(self.__dict__)


def _shots_per_layer(inst: EngagementInstance, plan: EngagementPlan) -> dict[str, int]:
    fired = np.asarray(plan.shots.sum(axis=0)).ravel()
    return {name: int(fired[inst.layer == k].sum()) for k, name in enumerate(LAYERS)}


def _saturated(inst: EngagementInstance, plan: EngagementPlan) -> bool:
    """Some built site fired every round while a threat in its window could take another shot."""
    fired = np.asarray(plan.shots.sum(axis=0)).ravel()
    empty = plan.sites & (fired >= plan.rounds) & (plan.rounds > 0)
    if not empty.any():
        return False
    t, j = inst.pairs
    x = np.asarray(plan.shots[t, j]).ravel()
    room = x < inst.max_shots.data
    if inst.shots_per_threat_max is not None:
        per_t = np.asarray(plan.shots.sum(axis=1)).ravel()
        room &= per_t[t] < inst.shots_per_threat_max
    return bool((room & empty[j]).any())


def raid_point(inst: EngagementInstance, plan: EngagementPlan) -> RaidPoint:
    """Figures of one raid against a plan (leakage recomputed exactly)."""
    fired = int(plan.shots.sum())
    leakers, lost = expected_leakage(inst, plan)
    return RaidPoint(
        raid_size=inst.n_threats,
        expected_leakers=leakers,
        expected_value_lost=lost,
        shots_fired=fired,
        shots_per_layer=_shots_per_layer(inst, plan),
        rounds_left=int(plan.rounds.sum()) - fired,
        engaged=int(engaged(inst, plan).sum()),
        expected_defeated=inst.n_threats - leakers,
        saturated=_saturated(inst, plan),
    )


@dataclass(frozen=True, eq=False)
class EngagementOutcome:
    """The engagement stage's result: ``summary.json["engagement"]`` and what the reports draw."""

    design_raid: dict[str, int]
    instance: EngagementInstance
    raid: Raid
    solution: EngagementSolution
    plan: EngagementPlan
    curve: tuple[RaidPoint, ...]
    monte_carlo: MonteCarloResult
    assets: ChainAssets
    geometry: ChainGeometry
    time_s: float
    tracks: ThreatTracks
    boost_end_s: np.ndarray
    """``(n_tracks,)`` end of boost of every track."""
    _site_lonlat: tuple[np.ndarray, np.ndarray]

    @property
    def design_point(self) -> RaidPoint:
        """Figures of the design raid."""
        return raid_point(self.instance, self.plan)

    @property
    def saturation_raid_size(self) -> int | None:
        """Smallest listed raid size at which the first magazine runs dry (``None``: none does)."""
        return next((p.raid_size for p in self.curve if p.saturated), None)

    def tracks_frame(self) -> gpd.GeoDataFrame:
        """Design-raid tracks as lines: threat, launch area, target, shots, probability of leaking."""
        inst, plan, tr = self.instance, self.plan, self.tracks
        assert inst.threat_ids is not None  # ids filled by EngagementInstance.__post_init__
        p_leak = leak_probability(inst, plan)
        shots = np.asarray(plan.shots.sum(axis=1)).ravel()
        geom = [
            LineString(np.column_stack([tr.lon[k], tr.lat[k], tr.alt_km[k] * 1000.0]))
            for k in self.raid.track
        ]
        return gpd.GeoDataFrame(
            {
                "threat_id": [str(t) for t in inst.threat_ids],
                "launch_area": [tr.area_names[a] for a in self.raid.area],
                "target_id": [str(tr.target_ids[t]) for t in self.raid.target],
                "value": inst.v,
                "shots": shots,
                "p_leak": p_leak,
                "flight_time_s": tr.flight_time_s[self.raid.track],
            },
            geometry=geom,
            crs="EPSG:4326",
        )

    def intercepts_frame(self) -> gpd.GeoDataFrame:
        """First intercept point of every (threat, site) engagement of the design plan (3-D, metres)."""
        inst, plan, tr = self.instance, self.plan, self.tracks
        assert inst.threat_ids is not None and inst.site_ids is not None  # set by its __post_init__
        sites = self.site_lonlat
        cue = self.geometry.cue[:, plan.sensors].min(axis=1, initial=np.inf)
        x = plan.shots.tocoo()
        rows = []
        for t, j, n in zip(x.row, x.col, x.data, strict=True):
            k, it = int(self.raid.track[t]), self.assets.interceptor(int(j))
            i = first_intercept_sample(
                tr,
                k,
                sites[0][j],
                sites[1][j],
                it.avg_flyout_speed_mps,
                it.min_intercept_altitude_km,
                it.max_intercept_altitude_km,
                it.max_slant_range_km,
                it.reaction_time_s,
                float(cue[k]),
                float(self.boost_end_s[k]),
                it.layer == "boost",
            )
            if i is None:
                continue
            rows.append(
                {
                    "threat_id": str(inst.threat_ids[t]),
                    "site_id": str(inst.site_ids[j]),
                    "layer": it.layer,
                    "shots": int(n),
                    "time_s": float(tr.time_s[k, i]),
                    "alt_km": float(tr.alt_km[k, i]),
                    "lon": float(tr.lon[k, i]),
                    "lat": float(tr.lat[k, i]),
                }
            )
        df = pd.DataFrame(
            rows, columns=["threat_id", "site_id", "layer", "shots", "time_s", "alt_km", "lon", "lat"]
        )
        return gpd.GeoDataFrame(
            df, geometry=gpd.points_from_xy(df["lon"], df["lat"], df["alt_km"] * 1000.0), crs="EPSG:4326"
        )

    @property
    def site_lonlat(self) -> tuple[np.ndarray, np.ndarray]:
        """Longitude and latitude of every candidate interceptor site of the instance."""
        return self._site_lonlat

    def to_json(self) -> dict[str, Any]:
        """``summary.json["engagement"]``."""
        d = self.design_point
        inst, plan = self.instance, self.plan
        assert inst.site_ids is not None and inst.sensor_ids is not None  # set by its __post_init__
        chosen = np.flatnonzero(plan.sites)
        return {
            "design_raid": self.design_raid,
            "design_raid_size": self.raid.size,
            "expected_leakers": d.expected_leakers,
            "expected_value_lost": d.expected_value_lost,
            "value_unit": "target weight",
            "engaged": d.engaged,
            "expected_defeated": d.expected_defeated,
            "shots_fired": d.shots_fired,
            "shots_per_layer": d.shots_per_layer,
            "cost_musd": plan_cost(inst, plan),
            "budget_musd": inst.budget,
            "sites": [
                {
                    "site_id": str(inst.site_ids[j]),
                    "type": inst.type_names[inst.site_type[j]],
                    "layer": LAYERS[inst.layer[j]],
                    "rounds": int(plan.rounds[j]),
                }
                for j in chosen
            ],
            "sensors": [str(s) for s in inst.sensor_ids[plan.sensors]],
            "raid_curve": [p.to_json() for p in self.curve],
            "saturation_raid_size": self.saturation_raid_size,
            "monte_carlo": self.monte_carlo.to_json(),
            "solve": self.solution.to_json(),
            "time_s": self.time_s,
        }


def _options(scenario: Scenario, gap: float | None = None) -> SolveOptions:
    s = scenario.solver
    assert scenario.threats is not None and scenario.threats.engagement is not None  # stage runs if set
    spec = scenario.threats.engagement
    return SolveOptions(
        time_limit_s=spec.time_limit_s,
        mip_rel_gap=s.mip_rel_gap if gap is None else gap,
        threads=s.threads,
        seed=s.seed,
    )


def verify_by_simulation(
    scenario: Scenario,
    problem: CoverageProblem,
    assets: ChainAssets,
    inst: EngagementInstance,
    raid: Raid,
    plan: EngagementPlan,
    analytic: float,
) -> MonteCarloResult:
    """Fly the plan in the simulator (its own windows from the raw tracks)."""
    spec, tracks, sites = assets.spec, problem.tracks, problem.sites
    cls = {c.name: c for c in spec.missile_classes}
    built = np.flatnonzero(plan.sites)
    sp_ = []
    for j in built:
        it = assets.interceptor(int(j))
        row = assets.site_rows[j]
        sp_.append(
            SiteParams(
                float(sites["lon"].iat[row]),
                float(sites["lat"].iat[row]),
                it.avg_flyout_speed_mps / 1000,
                it.min_intercept_altitude_km,
                it.max_intercept_altitude_km,
                it.max_slant_range_km,
                it.reaction_time_s,
                it.assessment_time_s,
                it.sspk,
                it.layer == "boost",
                int(plan.rounds[j]),
            )
        )
    heights = {a.name: getattr(a, "mast_height_m", 0.0) / 1000 for a in scenario.asset_types}
    elevations = {a.name: getattr(a, "min_elevation_deg", 0.0) for a in scenario.asset_types}
    se = []
    for s in np.flatnonzero(plan.sensors):
        row, st = assets.sensor_rows[s], spec.sensors[int(assets.sensor_kind[s])]
        se.append(
            SensorParams(
                float(sites["lon"].iat[row]),
                float(sites["lat"].iat[row]),
                heights[st.asset_type],
                st.range_km,
                elevations[st.asset_type],
            )
        )
    trs = [
        {"lon": tracks.lon[k], "lat": tracks.lat[k], "alt": tracks.alt_km[k], "time": tracks.time_s[k]}
        for k in raid.track
    ]
    boost = np.array([cls[spec.launch_area_class[tracks.area_names[a]]].boost_duration_s for a in raid.area])
    shots = plan.shots.toarray()[:, built]
    space = None
    if plan.boost != NO_BOOST and inst.boost_survival is not None:
        space = inst.boost_survival[int(plan.boost)]
    return simulate(
        trs,
        boost,
        sp_,
        se,
        shots,
        analytic,
        trials=spec.monte_carlo_trials,
        seed=scenario.solver.seed,
        space_survival=space,
    )


def run_engagement(
    scenario: Scenario,
    problem: CoverageProblem,
    say: Callable[[str], None] = lambda _m: None,
    space: Any = None,
) -> EngagementOutcome:
    """Plan against the design raid, draw the leakage curve, verify by simulation.

    ``space`` (the space-interceptor stage's result) enters as the boost layer: the plan may buy one
    of its constellations (:func:`planner.run.engagement.boost_options`).

    Raises
    ------
    planner.errors.VerificationError
        If the analytic expected leakers fall outside the simulation's 99 % interval.
    """
    t0 = time.perf_counter()
    assert scenario.threats is not None and scenario.threats.engagement is not None  # stage runs if set
    spec = scenario.threats.engagement
    weight = problem.demand["weight"].to_numpy(float)
    say("Kill chain: intercept windows and cues")
    assets = chain_assets(scenario, problem)
    geo = chain_geometry(scenario, problem, assets)
    raid = lay_down(problem.tracks, weight, spec.design_raid)
    inst = build_instance(scenario, problem, assets, geo, raid, space)
    say(f"Engagement plan against the design raid ({raid.size} missiles)")
    sol = solve_engagement(inst, _options(scenario), scenario.solver.engine)
    if sol.plan is None:
        raise VerificationError(f"engagement: the solver found no plan ({sol.termination})")
    plan = trimmed(inst, sol.plan)
    curve = []
    for size in spec.raid_sizes:
        say(f"Leakage curve: raid of {size}")
        r = lay_down(problem.tracks, weight, scaled_raid(spec.design_raid, size))
        ri = build_instance(scenario, problem, assets, geo, r, space)
        rs = solve_engagement(ri, _options(scenario, gap=1e-6), scenario.solver.engine, fixed=plan)
        if rs.plan is None:
            raise VerificationError(f"engagement: no shot plan for a raid of {size} ({rs.termination})")
        curve.append(raid_point(ri, rs.plan))
    say("Monte Carlo verification")
    assert sol.expected_leakers is not None  # recomputed with the plan (solve_engagement)
    mc = verify_by_simulation(scenario, problem, assets, inst, raid, plan, float(sol.expected_leakers))
    if not mc.agrees:
        raise VerificationError(
            f"engagement plan refused: analytic expected leakers {mc.analytic_leakers:.4f} outside the "
            f"simulation's 99% interval [{mc.ci99[0]:.4f}, {mc.ci99[1]:.4f}] ({mc.trials} trials)"
        )
    cls = {c.name: c.boost_duration_s for c in spec.missile_classes}
    tr = problem.tracks
    boost = np.array([cls[spec.launch_area_class[tr.area_names[a]]] for a in tr.area])
    rows = assets.site_rows
    lonlat = (problem.sites["lon"].to_numpy()[rows], problem.sites["lat"].to_numpy()[rows])
    return EngagementOutcome(
        spec.design_raid,
        inst,
        raid,
        sol,
        plan,
        tuple(curve),
        mc,
        assets,
        geo,
        round(time.perf_counter() - t0, 3),
        tr,
        boost,
        lonlat,
    )
