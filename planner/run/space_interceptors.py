"""Pipeline stage: the space-based interceptor layer of a scenario, sized by its geometry.

For each constellation option (the scenario's menu, and the smallest shell the search finds) and
each launch area: the distribution over a sidereal day of the number of interceptors in reach
(:mod:`geodata.sbi`), the boost-layer survival of a threat in a salvo and the satellites it
spends, and the option's life-cycle cost (:mod:`geodata.sbi_sizing`). Written to
``summary.json["space_interceptors"]`` by :meth:`SpaceInterceptorResult.to_json`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import shapely

from geodata import sbi
from geodata import sbi_sizing as sz
from geodata.orbits import Walker
from geodata.threats import LaunchArea
from planner.errors import InputError
from planner.scenario.schema import Scenario
from planner.scenario.space_interceptors import SpaceInterceptors

FIELD = "space_interceptors"


@dataclass(frozen=True)
class AreaFigures:
    """One constellation option against one launch area."""

    area: str
    lat_deg: float
    """Mean latitude of the area's launch points."""
    n_points: int
    mean_in_reach: float
    mean_in_reach_exact: float
    """The same mean from the latitude-density integral (cross-check, no sampling)."""
    p_at_least: dict[int, float]
    p_at_least_worst_point: dict[int, float]
    absentee_ratio: float
    boost_survival: float
    """Probability a threat of a salvo from this area survives the boost layer."""
    satellites_spent_per_salvo: float


@dataclass(frozen=True)
class OptionFigures:
    """One constellation option: its figures per area and its life-cycle cost."""

    pattern: str
    source: str
    """``menu`` or ``search`` (the smallest shell found)."""
    n_satellites: int
    meets_target: bool
    life_cycle_cost: sz.LifeCycleCost
    areas: tuple[AreaFigures, ...]


@dataclass(frozen=True)
class SpaceInterceptorResult:
    """The space-based interceptor layer: reach, options, and the sizing curves."""

    layer: str
    altitude_km: float
    reach: sbi.Reach
    reach_given: bool
    need: int
    salvo_size: int
    shots_per_missile: int
    sspk: float
    target_probability: float
    options: tuple[OptionFigures, ...]
    smallest: str | None
    curves: tuple[tuple[str, float, str, int, int, float], ...]
    """(area, lat_deg, pattern, satellites, k, P(N >= k)) along a size sweep, for the chart."""

    def boost_layer(self, threat_areas: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``boost_ids[o]``, ``boost_cost[o]`` and ``boost_survival[o, t]`` for the engagement model.

        ``threat_areas[t]`` names the launch area of threat ``t``; the options are
        ``self.options`` in order, the cost is the life-cycle cost (M USD, constant dollars over
        the horizon). Threats of one area are taken as one salvo, so at most ``salvo_size`` may
        come from an area: beyond, the probabilities were not computed for that many.

        Raises
        ------
        ValueError
            For an unknown area, or more threats from an area than ``salvo_size``.
        """
        names, counts = np.unique(np.asarray(threat_areas, dtype=str), return_counts=True)
        known = {a.area for a in self.options[0].areas} if self.options else set()
        for name, c in zip(names, counts, strict=True):
            if name not in known:
                raise ValueError(f"threat launch area {name!r} is not one of {sorted(known)}")
            if c > self.salvo_size:
                raise ValueError(f"{c} threats from {name!r} exceed salvo_size {self.salvo_size}")
        ids = np.array([o.pattern for o in self.options])
        cost = np.array([o.life_cycle_cost.total_musd for o in self.options])
        surv = np.ones((len(self.options), len(threat_areas)))
        for i, o in enumerate(self.options):
            by_area = {a.area: a.boost_survival for a in o.areas}
            surv[i] = [by_area[name] for name in threat_areas]
        return ids, cost, surv

    def to_json(self) -> dict[str, Any]:
        """``summary.json["space_interceptors"]``, keyed by option and launch area."""
        options = {}
        for o in self.options:
            areas = {}
            for a in o.areas:
                d = asdict(a)
                d.pop("area")
                d["p_at_least"] = {str(k): v for k, v in a.p_at_least.items()}
                d["p_at_least_worst_point"] = {str(k): v for k, v in a.p_at_least_worst_point.items()}
                d["reach_km"] = self.reach.reach_km
                if not np.isfinite(a.absentee_ratio):
                    d["absentee_ratio"] = None  # none ever in reach; JSON has no infinity
                areas[a.area] = d
            options[o.pattern] = {
                "source": o.source,
                "n_satellites": o.n_satellites,
                "meets_target": o.meets_target,
                "life_cycle_cost": asdict(o.life_cycle_cost),
                "areas": areas,
            }
        return {
            "layer": self.layer,
            "altitude_km": self.altitude_km,
            "reach_km": self.reach.reach_km,
            "reach_given": self.reach_given,
            "kv_flight_time_s": self.reach.flight_time_s,
            "kv_range_km": self.reach.kv_range_km,
            "salvo_size": self.salvo_size,
            "shots_per_missile": self.shots_per_missile,
            "interceptors_needed_at_once": self.need,
            "sspk": self.sspk,
            "target_probability": self.target_probability,
            "smallest": self.smallest,
            "options": options,
            "curves": [
                dict(zip(("area", "lat_deg", "pattern", "n_satellites", "k", "p_at_least"), c, strict=True))
                for c in self.curves
            ],
            "note": "P(N >= k): share of a sidereal day (and of the area's launch points) with at "
            "least k satellites within reach_km of the launch point, Walker geometry propagated "
            "(two-body, rotating Earth); costs in constant dollars, notional.",
        }


def _areas(scenario: Scenario, block: SpaceInterceptors) -> dict[str, sz.Area]:
    specs: Sequence[Any] = block.launch_areas or (
        scenario.threats.launch_areas if scenario.threats is not None else ()
    )
    if not specs:
        raise InputError("give launch_areas, or threats.launch_areas", field=f"{FIELD}.launch_areas")
    out: dict[str, sz.Area] = {}
    for spec in specs:
        if spec.polygon is not None:
            poly = shapely.make_valid(shapely.Polygon(spec.polygon))
            area = LaunchArea.from_polygon(spec.name, poly, spec.spacing_km)
        else:
            area = LaunchArea.point(spec.name, spec.lon, spec.lat)
        out[spec.name] = (np.asarray(area.lon), np.asarray(area.lat))
    return out


def _reach(block: SpaceInterceptors) -> sbi.Reach:
    b, kv = block.boost, block.kill_vehicle
    r = sbi.boost_reach(
        orbit_altitude_km=block.altitude_km,
        intercept_altitude_km=b.intercept_altitude_km,
        boost_duration_s=b.boost_duration_s,
        detection_latency_s=b.detection_latency_s,
        decision_latency_s=b.decision_latency_s,
        launch_latency_s=b.launch_latency_s,
        kv_delta_v_mps=kv.delta_v_mps,
        kv_acceleration_mps2=kv.acceleration_mps2,
    )
    if block.reach_km is not None:
        return sbi.Reach(r.flight_time_s, r.kv_range_km, block.reach_km)
    if r.reach_km <= 0:
        raise InputError(
            f"the kill vehicle cannot reach the missile in boost (flight time "
            f"{r.flight_time_s:.0f} s, range {r.kv_range_km:.0f} km)",
            field=f"{FIELD}.boost",
        )
    return r


def _option(
    walker: Walker,
    source: str,
    block: SpaceInterceptors,
    areas: dict[str, sz.Area],
    reach_km: float,
    need: int,
) -> OptionFigures:
    figs = []
    for name, (lon, lat) in areas.items():
        a = sbi.availability(walker, block.altitude_km, reach_km, lon, lat, need, block.time_steps)
        exact = walker.t * float(
            np.mean([sbi.reach_probability_exact(walker.inclination_deg, reach_km, la) for la in lat])
        )
        figs.append(
            AreaFigures(
                area=name,
                lat_deg=float(np.mean(lat)),
                n_points=int(lon.size),
                mean_in_reach=a.mean_in_reach,
                mean_in_reach_exact=exact,
                p_at_least=dict(enumerate(a.p_at_least)),
                p_at_least_worst_point=dict(enumerate(a.p_at_least_worst_point)),
                absentee_ratio=a.absentee_ratio,
                boost_survival=sz.boost_survival(
                    a.p_at_least, block.salvo_size, block.shots_per_missile, block.kill_vehicle.sspk
                ),
                satellites_spent_per_salvo=sz.expected_consumption(
                    a.p_at_least, block.salvo_size, block.shots_per_missile
                ),
            )
        )
    cost = sz.life_cycle_cost(
        walker.t,
        unit_cost_musd=block.unit_cost_musd,
        mass_kg=block.mass_kg,
        launch_usd_per_kg=block.launch_usd_per_kg,
        life_years=block.life_years,
        horizon_years=block.horizon_years,
        operations_musd_per_year=block.operations_musd_per_year,
    )
    meets = all(f.p_at_least[need] >= block.target_probability for f in figs)
    return OptionFigures(str(walker), source, walker.t, meets, cost, tuple(figs))


def _curves(
    walkers: Sequence[Walker], block: SpaceInterceptors, areas: dict[str, sz.Area], reach_km: float, need: int
) -> list[tuple[str, float, str, int, int, float]]:
    """P(N >= k) for k = 1 and ``need`` against size: each shell scaled by satellites per plane."""
    rows = []
    ks = sorted({1, need})
    for w in walkers:
        for s in sorted({max(1, round(w.per_plane * f)) for f in (0.1, 0.2, 0.35, 0.5, 0.75, 1.0, 1.5, 2.0)}):
            ws = Walker(w.inclination_deg, w.p * s, w.p, w.f)
            for name, (lon, lat) in areas.items():
                a = sbi.availability(ws, block.altitude_km, reach_km, lon, lat, need, block.time_steps)
                rows += [(name, float(np.mean(lat)), str(w), ws.t, k, a.p_at_least[k]) for k in ks]
    return rows


def space_interceptor_stage(scenario: Scenario) -> SpaceInterceptorResult | None:
    """Evaluate and size the scenario's space interceptor layer (``None`` without one).

    Raises
    ------
    planner.errors.InputError
        Without launch areas, or when the kill vehicle cannot reach a missile in boost.
    """
    block = scenario.space_interceptors
    if block is None:
        return None
    areas = _areas(scenario, block)
    reach = _reach(block)
    need = block.salvo_size * block.shots_per_missile
    menu = [Walker.parse(c) for c in block.constellations]
    options = [_option(w, "menu", block, areas, reach.reach_km, need) for w in menu]
    if block.search == "planes":
        found = sz.size_constellation(
            areas,
            altitude_km=block.altitude_km,
            reach_km=reach.reach_km,
            need=need,
            target=block.target_probability,
            inclinations_deg=block.inclinations_deg,
            planes=block.planes,
            n_steps=block.time_steps,
        )
        if found.walker is not None and str(found.walker) not in block.constellations:
            options.append(_option(found.walker, "search", block, areas, reach.reach_km, need))
    meeting = [o for o in options if o.meets_target]
    smallest = min(meeting, key=lambda o: o.n_satellites).pattern if meeting else None
    sweep = [Walker.parse(smallest)] if smallest is not None else menu[-1:]
    curves = _curves(sweep, block, areas, reach.reach_km, need)
    kv = block.kill_vehicle
    return SpaceInterceptorResult(
        block.name,
        block.altitude_km,
        reach,
        block.reach_km is not None,
        need,
        block.salvo_size,
        block.shots_per_missile,
        kv.sspk,
        block.target_probability,
        tuple(options),
        smallest,
        tuple(curves),
    )
