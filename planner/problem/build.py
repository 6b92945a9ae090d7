"""From a validated scenario to a coverage problem: ids, weights, costs and sparse coverage.

This is the one place where geography becomes arrays (``geodata`` does the geometry); the result is
packed into a :class:`models.LayeredInstance` for the solvers.

Length: the geography-to-arrays stage keeps its building blocks (partners, demand, candidates,
coverage, pricing) in one module so the CoverageProblem's columns are defined once; ``build_demand``
reads each kind of defended layer in turn.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely

from geodata import candidates as gcand
from geodata import coverage as gcov
from geodata import naturalearth as ne
from geodata import threats as gthreat
from geodata.geometry import great_circle_km, radar_horizon_km
from geodata.layers import LayerFileError, area_grid, point_layer_from_file
from geodata.orbits import Walker
from geodata.refraction import line_of_sight_arc_km
from geodata.space_time import SamplingPlan, sampling_plan
from models import LayeredInstance, PlanRules
from planner.errors import InputError
from planner.scenario.schema import LandAsset, Scenario, SeaAsset, SpaceAsset
from planner.scenario.threat_trajectory import Trajectory

Stage = Callable[[str], None]

SITE_COLUMNS = [
    "site_id",
    "asset_type",
    "domain",
    "role",
    "cost_musd",
    "lon",
    "lat",
    "partner",
    "sensor_reach_km",
    "engagement_range_km",
    "pattern",
    "altitude_km",
    "n_satellites",
    "existing",
]


@dataclass(frozen=True, eq=False)
class CoverageProblem:
    """Everything the optimiser and the reports need to know about one scenario's geography.

    Attributes
    ----------
    demand
        One row per defended point: ``demand_id``, ``name``, ``partner``, ``weight``, ``lon``, ``lat``.
    sites
        One row per candidate site (ground, sea, or a constellation option), columns ``SITE_COLUMNS``.
    a_sensor, a_interceptor
        ``(m, n)`` 0/1 CSR matrices: which candidate covers which point in each layer.
    space_fraction
        ``(m, n)`` sparse matrix of time-averaged coverage fractions, non-zero only in the columns of
        constellation options (kept for later models and reports).
    partners
        The partners' territory (``iso_a3``, ``name``, ``geometry``, ...).
    type_names, type_max
        Asset-type names in scenario order and their maximum counts (1 for a constellation menu).
    site_type
        Index into ``type_names`` of every site.
    """

    demand: pd.DataFrame
    sites: pd.DataFrame
    a_sensor: sp.csr_array
    a_interceptor: sp.csr_array
    space_fraction: sp.csr_array
    partners: gpd.GeoDataFrame
    type_names: tuple[str, ...]
    type_max: np.ndarray
    site_type: np.ndarray
    tracks: Any = None
    """Notional threat tracks (:class:`geodata.threats.ThreatTracks`) when the scenario has threats."""
    requirement: Literal["sensor_and_interceptor", "sensor", "interceptor"] = "sensor_and_interceptor"
    """Which layers defend a point (the scenario's ``requirement``), set by :func:`priced_for`."""
    budget_musd: float = float("inf")
    """The network's budget, set by :func:`priced_for`."""
    rules: PlanRules = field(default_factory=PlanRules)
    """The side rules (existing sites, quotas, separations, partner shares), set by :func:`priced_for`."""

    def sites_frame(self, chosen: np.ndarray | None = None) -> gpd.GeoDataFrame:
        """Ground and sea candidate sites as points, with a ``chosen`` flag (all False by default)."""
        s = self.sites.assign(chosen=np.zeros(len(self.sites), bool) if chosen is None else chosen)
        ground = s[s["domain"] != "space"]
        cols = [
            "site_id",
            "asset_type",
            "domain",
            "role",
            "cost_musd",
            "sensor_reach_km",
            "engagement_range_km",
            "partner",
            "chosen",
        ]
        return gpd.GeoDataFrame(
            ground[cols].reset_index(drop=True),
            geometry=gpd.points_from_xy(ground["lon"], ground["lat"]),
            crs="EPSG:4326",
        )

    def constellations_frame(self, chosen: np.ndarray | None = None) -> pd.DataFrame:
        """Constellation options of the scenario's menus with a ``chosen`` flag."""
        s = self.sites.assign(chosen=np.zeros(len(self.sites), bool) if chosen is None else chosen)
        space = s[s["domain"] == "space"]
        return space[
            ["site_id", "asset_type", "pattern", "altitude_km", "n_satellites", "cost_musd", "role", "chosen"]
        ].reset_index(drop=True)

    def to_instance(self) -> LayeredInstance:
        """Pack the problem for the solvers: its requirement, prices and budget (no scenario needed)."""
        a_s, a_k = layer_matrices(self.a_sensor, self.a_interceptor, self.requirement)
        return LayeredInstance(
            w=self.demand["weight"].to_numpy(float),
            c=self.sites["cost_musd"].to_numpy(float),
            a_sensor=a_s,
            a_interceptor=a_k,
            site_type=self.site_type,
            type_max=self.type_max,
            budget=self.budget_musd,
            demand_ids=self.demand["demand_id"].to_numpy(object),
            site_ids=self.sites["site_id"].to_numpy(object),
            type_names=self.type_names,
        )


def priced_for(problem: CoverageProblem, scenario: Scenario) -> CoverageProblem:
    """The problem with the scenario's terms: prices, counts, requirement, budget and side rules.

    The one place a scenario's prices are applied (a fresh build and a batch run reusing another
    run's coverage both come through here): a ground or sea site costs its type's
    ``unit_cost_musd``, a constellation option that times its number of satellites.

    Raises
    ------
    ValueError
        If the scenario's asset types are not the problem's.
    """
    assets = {a.name: a for a in scenario.asset_types}
    if tuple(assets) != problem.type_names:
        raise ValueError("the scenario's asset types differ from the problem's")
    sites = problem.sites.copy()
    unit = sites["asset_type"].map({n: a.unit_cost_musd for n, a in assets.items()}).to_numpy(float)
    sites["cost_musd"] = np.where(
        sites["domain"].to_numpy() == "space", unit * sites["n_satellites"].to_numpy(float), unit
    )
    type_max = np.array(
        [1 if isinstance(a, SpaceAsset) else a.max_count for a in assets.values()], dtype=np.int64
    )
    priced = replace(
        problem,
        sites=sites,
        type_max=type_max,
        requirement=scenario.requirement,
        budget_musd=scenario.budget_musd,
    )
    return replace(priced, rules=plan_rules(scenario, priced))


def layer_matrices(
    a_sensor: sp.csr_array, a_interceptor: sp.csr_array, requirement: str
) -> tuple[sp.csr_array, sp.csr_array]:
    """Return the two layer matrices the model needs for a requirement.

    With a single-layer requirement both constraints use that layer's matrix, so the layered model
    reduces exactly to the single-layer maximal-covering model.
    """
    if requirement == "sensor":
        return a_sensor, a_sensor
    if requirement == "interceptor":
        return a_interceptor, a_interceptor
    return a_sensor, a_interceptor


def sensor_reach_km(asset: LandAsset | SeaAsset) -> float:
    """Reach of a ground or sea sensor: min(instrumented range, line of sight to the target altitude).

    Line of sight: refracted in the atmosphere, straight above it, above the sensor's minimum
    elevation (:func:`geodata.refraction.line_of_sight_arc_km`); or a k-Earth when ``horizon_k``.
    """
    assert asset.sensor_range_km is not None
    if asset.horizon_k is None:
        horizon = float(
            line_of_sight_arc_km(
                asset.mast_height_m / 1000.0, asset.target_altitude_m / 1000.0, asset.min_elevation_deg
            )
        )
    else:
        horizon = float(radar_horizon_km(asset.mast_height_m, asset.target_altitude_m, asset.horizon_k))
    return min(asset.sensor_range_km, horizon)


# --------------------------------------------------------------------------- building blocks


def load_partners(scenario: Scenario) -> gpd.GeoDataFrame:
    """Load the partners' territory, naming the bad code when one is unknown."""
    known = ne.known_country_codes()
    for k, code in enumerate(scenario.partner_codes):
        if code not in known:
            try:
                ne.countries([code])
            except ne.UnknownCountryError as err:
                raise InputError(str(err), field=f"partners[{k}].iso_a3", value=code) from None
    gdf = ne.countries(list(scenario.partner_codes))
    return gdf.reset_index()


def _partner_of(lon: np.ndarray, lat: np.ndarray, partners: gpd.GeoDataFrame) -> np.ndarray:
    """ISO A3 of the partner whose territory contains each point ('' when none does)."""
    out = np.full(len(lon), "", dtype=object)
    for code, geom in zip(partners["iso_a3"], partners.geometry, strict=True):
        inside = shapely.contains_xy(geom, lon, lat) & (out == "")
        out[inside] = code
    return out


def _nearest_partner(lon: np.ndarray, lat: np.ndarray, partners: gpd.GeoDataFrame) -> np.ndarray:
    """Partner containing each point, else the partner whose representative point is nearest."""
    owner = _partner_of(lon, lat, partners)
    missing = owner == ""
    if missing.any():
        reps = partners.geometry.representative_point()
        d = great_circle_km(
            lon[missing, None], lat[missing, None], reps.x.to_numpy()[None, :], reps.y.to_numpy()[None, :]
        )
        owner[missing] = partners["iso_a3"].to_numpy()[d.argmin(axis=1)]
    return owner


def _file_points(spec: Any, k: int, partners: gpd.GeoDataFrame, base_dir: Path | None) -> pd.DataFrame:
    path = Path(spec.path)
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    try:
        pts = point_layer_from_file(path, spec.weight_column, spec.id_column, layer=spec.layer)
    except (LayerFileError, FileNotFoundError, OSError) as err:
        raise InputError(
            str(err).splitlines()[0], field=f"defended.files[{k}].path", value=spec.path
        ) from None
    lon, lat = pts.geometry.x.to_numpy(), pts.geometry.y.to_numpy()
    partner = (
        np.full(len(pts), spec.partner, dtype=object)
        if spec.partner
        else _nearest_partner(lon, lat, partners)
    )
    return pd.DataFrame(
        {
            "demand_id": f"file{k}:" + pts["point_id"].astype(str),
            "name": pts["point_id"].astype(str).to_numpy(),
            "partner": partner,
            "weight": pts["weight"].to_numpy(float),
            "lon": lon,
            "lat": lat,
        }
    )


def build_demand(
    scenario: Scenario, partners: gpd.GeoDataFrame, base_dir: Path | None = None
) -> pd.DataFrame:
    """The defended points: populated places, explicit points, point files and area grid cells.

    Relative point-file paths are read from ``base_dir`` (the scenario file's folder).
    """
    frames = []
    spec = scenario.defended
    if spec.populated_places is not None:
        places = ne.populated_places(list(scenario.partner_codes), spec.populated_places.min_population)
        frames.append(
            pd.DataFrame(
                {
                    "demand_id": places["place_id"].astype(str).to_numpy(),
                    "name": places["name"].to_numpy(),
                    "partner": places["iso_a3"].to_numpy(),
                    "weight": places["population"].to_numpy(float),
                    "lon": places.geometry.x.to_numpy(),
                    "lat": places.geometry.y.to_numpy(),
                }
            )
        )
    if spec.points:
        lon = np.array([p.lon for p in spec.points])
        lat = np.array([p.lat for p in spec.points])
        owner = _nearest_partner(lon, lat, partners)
        given = np.array([p.partner or "" for p in spec.points], dtype=object)
        frames.append(
            pd.DataFrame(
                {
                    "demand_id": [f"point:{k}:{p.name}" for k, p in enumerate(spec.points)],
                    "name": [p.name for p in spec.points],
                    "partner": np.where(given != "", given, owner),
                    "weight": [p.weight for p in spec.points],
                    "lon": lon,
                    "lat": lat,
                }
            )
        )
    for k, spec_file in enumerate(spec.files):
        frames.append(_file_points(spec_file, k, partners, base_dir))
    if spec.area_grid is not None:
        territory = _territory(partners, spec.area_grid.partners, None, "defended.area_grid.partners")
        cells = area_grid(territory, spec.area_grid.cell_km)
        lon, lat = cells.geometry.x.to_numpy(), cells.geometry.y.to_numpy()
        frames.append(
            pd.DataFrame(
                {
                    "demand_id": "cell:" + cells["point_id"].astype(str),
                    "name": "cell " + cells["point_id"].astype(str),
                    "partner": _nearest_partner(
                        lon,
                        lat,
                        partners
                        if spec.area_grid.partners is None
                        else partners[partners["iso_a3"].isin(spec.area_grid.partners)],
                    ),
                    "weight": cells["weight"].to_numpy(float),
                    "lon": lon,
                    "lat": lat,
                }
            )
        )
    demand = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    dup = demand["demand_id"].duplicated() if len(demand) else np.zeros(0, bool)
    if dup.any():
        raise InputError(
            "defended point id used twice", field="defended", value=str(demand["demand_id"][dup].iloc[0])
        )
    if demand.empty:
        raise InputError(
            "no defended point: no populated place of the partners reaches min_population",
            field="defended.populated_places.min_population",
            value=spec.populated_places.min_population if spec.populated_places else ...,
        )
    return demand


def _territory(
    partners: gpd.GeoDataFrame, restrict: tuple[str, ...] | None, k: int | None, field: str
) -> shapely.Geometry:
    if restrict is None:
        return ne.territory_union(partners)
    unknown = sorted(set(restrict) - set(partners["iso_a3"]))
    if unknown:
        raise InputError(
            f"not a partner of this scenario: {unknown[0]}",
            field=field if k is None else f"asset_types[{k}].candidates.{field}",
            value=list(restrict),
        )
    return ne.territory_union(partners, restrict)


def _ground_sites(
    scenario: Scenario, k: int, asset: LandAsset | SeaAsset, partners: gpd.GeoDataFrame
) -> pd.DataFrame:
    territory = _territory(partners, asset.candidates.partners, k, "partners")
    if isinstance(asset, SeaAsset):
        lon, lat = gcand.sea_grid(territory, asset.candidates.within_km, asset.candidates.spacing_km)
        owner = np.full(len(lon), "", dtype=object)
    else:
        lon, lat = gcand.land_grid(territory, asset.candidates.spacing_km)
        owner = _partner_of(lon, lat, partners)
    n_grid = len(lon)
    if asset.existing_sites:
        ex_lon = np.array([e.lon for e in asset.existing_sites])
        ex_lat = np.array([e.lat for e in asset.existing_sites])
        ex_owner = _partner_of(ex_lon, ex_lat, partners)
        lon, lat = np.concatenate([lon, ex_lon]), np.concatenate([lat, ex_lat])
        owner = np.concatenate([owner, ex_owner])
    if len(lon) == 0:
        where = (
            "within reach of the partners' coasts"
            if isinstance(asset, SeaAsset)
            else "inside the partners' territory"
        )
        raise InputError(
            f"asset type '{asset.name}' has no candidate site {where}; reduce the grid spacing",
            field=f"asset_types[{k}].candidates.spacing_km",
            value=asset.candidates.spacing_km,
        )
    n = len(lon)
    is_sensor = asset.role in ("sensor", "both")
    is_interceptor = asset.role in ("interceptor", "both")
    ids = [f"{asset.name}:{i:04d}" for i in range(n_grid)] + [
        f"{asset.name}:existing:{e.name or k}" for k, e in enumerate(asset.existing_sites)
    ]
    return pd.DataFrame(
        {
            "site_id": ids,
            "asset_type": asset.name,
            "domain": asset.domain,
            "role": asset.role,
            "cost_musd": np.nan,  # priced by priced_for
            "lon": lon,
            "lat": lat,
            "partner": owner,
            "sensor_reach_km": sensor_reach_km(asset) if is_sensor else np.nan,
            "engagement_range_km": asset.engagement_range_km if is_interceptor else np.nan,
            "pattern": "",
            "altitude_km": np.nan,
            "n_satellites": 0,
            "existing": np.arange(n) >= n_grid,
        }
    )


def _space_sites(asset: SpaceAsset) -> pd.DataFrame:
    walkers = [Walker.parse(p) for p in asset.constellations]
    return pd.DataFrame(
        {
            "site_id": [f"{asset.name}:{w}" for w in walkers],
            "asset_type": asset.name,
            "domain": "space",
            "role": asset.role,
            "cost_musd": np.nan,  # priced by priced_for
            "lon": np.nan,
            "lat": np.nan,
            "partner": "",
            "sensor_reach_km": np.nan,
            "engagement_range_km": np.nan,
            "pattern": [str(w) for w in walkers],
            "altitude_km": asset.altitude_km,
            "n_satellites": [w.t for w in walkers],
            "existing": False,
        }
    )


def space_fractions(asset: SpaceAsset, demand: pd.DataFrame) -> np.ndarray:
    """Time-averaged fraction of the horizon each point sees a satellite, one column per menu option.

    Horizon and step: the asset's ``horizon_s`` and ``time_step_s`` (default one sidereal day or
    the repeat cycle, step from the footprint crossing time; :func:`space_sampling`).
    """
    lon, lat = demand["lon"].to_numpy(), demand["lat"].to_numpy()
    cols = [
        gcov.space_coverage_fraction(
            Walker.parse(p),
            asset.altitude_km,
            asset.min_elevation_deg,
            lon,
            lat,
            horizon_s=asset.horizon_s,
            time_step_s=asset.time_step_s,
        )
        for p in asset.constellations
    ]
    return np.column_stack(cols)


def space_sampling(asset: SpaceAsset) -> dict[str, SamplingPlan]:
    """Horizon and time step used for each constellation option of a space asset, by pattern."""
    return {
        str(w): sampling_plan(
            w, asset.altitude_km, asset.min_elevation_deg, asset.horizon_s, asset.time_step_s
        )
        for w in map(Walker.parse, asset.constellations)
    }


def exclusive_pairs(scenario: Scenario, sites: pd.DataFrame) -> np.ndarray:
    """Pairs of sites of one type closer than the type's ``min_separation_km``, as ``(k, 2)``.

    Two existing sites never exclude each other (both are already built).
    """
    pairs = [np.zeros((0, 2), dtype=np.int64)]
    for asset in scenario.asset_types:
        sep = getattr(asset, "min_separation_km", None)
        if sep is None:
            continue
        idx = np.flatnonzero(sites["asset_type"].to_numpy() == asset.name)
        lon, lat = sites["lon"].to_numpy()[idx], sites["lat"].to_numpy()[idx]
        near = gcov.ground_coverage(lon, lat, lon, lat, np.nextafter(sep, 0)).tocoo()
        keep = near.row < near.col
        a, b = idx[near.row[keep]], idx[near.col[keep]]
        existing = sites["existing"].to_numpy(bool)
        both = existing[a] & existing[b]
        pairs.append(np.column_stack([a[~both], b[~both]]))
    return np.concatenate(pairs)


def plan_rules(scenario: Scenario, problem: CoverageProblem) -> PlanRules:
    """The scenario's side rules: existing sites, type quotas, separations, partner minimum shares."""
    type_min = np.array([getattr(a, "min_count", 0) for a in scenario.asset_types], dtype=np.int64)
    codes = list(scenario.partner_codes)
    shares = np.array([p.min_defended_share or 0.0 for p in scenario.partners])
    partner = None
    if shares.any():
        partner = np.array(
            [codes.index(c) if c in codes else -1 for c in problem.demand["partner"]], dtype=np.int64
        )
    return PlanRules(
        existing=problem.sites["existing"].to_numpy(bool),
        exclusive=exclusive_pairs(scenario, problem.sites),
        type_min=type_min,
        partner=partner,
        min_share=shares if partner is not None else None,
        partner_names=tuple(codes) if partner is not None else (),
    )


def threat_tracks(scenario: Scenario, demand: pd.DataFrame) -> Any:
    """Notional ballistic tracks from every launch area to every defended point (``None`` without)."""
    if scenario.threats is None:
        return None
    areas = []
    for spec in scenario.threats.launch_areas:
        if spec.polygon is not None:
            poly = shapely.make_valid(shapely.Polygon(spec.polygon))
            areas.append(gthreat.LaunchArea.from_polygon(spec.name, poly, spec.spacing_km))
        else:
            assert spec.lon is not None and spec.lat is not None
            areas.append(gthreat.LaunchArea.point(spec.name, spec.lon, spec.lat))
    return gthreat.ballistic_tracks(
        areas,
        demand["lon"].to_numpy(),
        demand["lat"].to_numpy(),
        demand["demand_id"].to_numpy(),
        n_samples=scenario.threats.n_samples,
        trajectory=trajectory_spec(scenario.threats.trajectory),
    )


def trajectory_spec(t: Trajectory) -> gthreat.TrajectorySpec:
    """The geodata trajectory parameters of a scenario's ``threats.trajectory`` block."""
    base = gthreat.MISSILE_CLASSES[t.missile_class]
    boost = base.boost_s if t.boost_s is None else t.boost_s
    burnout = base.burnout_alt_km if t.burnout_altitude_km is None else t.burnout_altitude_km
    return gthreat.TrajectorySpec(t.missile_class, t.kind, t.loft_deg, boost, burnout, t.earth_rotation)


def engagement_matrix(
    scenario: Scenario,
    asset: LandAsset | SeaAsset,
    tracks: Any,
    lon: np.ndarray,
    lat: np.ndarray,
    slon: np.ndarray,
    slat: np.ndarray,
) -> sp.csr_array:
    """Interceptor coverage of points by sites: terminal radius, or engagement along threat tracks."""
    assert asset.engagement_range_km is not None
    if tracks is None or scenario.threats is None or scenario.threats.interceptor_coverage == "terminal":
        return gcov.ground_coverage(lon, lat, slon, slat, asset.engagement_range_km)
    return gthreat.engagement_coverage(
        tracks,
        slon,
        slat,
        asset.engagement_range_km,
        asset.engagement_min_altitude_km,
        asset.engagement_max_altitude_km,
        mode=scenario.threats.engage,
    )


def _cheapest_defence(inst: LayeredInstance) -> float:
    """Least cost of defending any single point (a lower bound on a useful budget)."""
    big = float(inst.c.max() + 1.0)

    def row_min(a: sp.csr_array) -> np.ndarray:
        best = sp.csr_array(a.multiply(big - inst.c[None, :])).max(axis=1).toarray().ravel()
        return np.where(best > 0, big - best, np.inf)

    cheapest = row_min(inst.a_sensor) + row_min(inst.a_interceptor)
    both = sp.csr_array(inst.a_sensor.multiply(inst.a_interceptor))
    cheapest = np.minimum(cheapest, row_min(both))
    return float(cheapest.min()) if cheapest.size else float("inf")


def build_problem(
    scenario: Scenario, stage: Stage | None = None, base_dir: str | Path | None = None
) -> CoverageProblem:
    """Turn a scenario into a :class:`CoverageProblem`.

    Raises
    ------
    InputError
        For an unknown country, an asset type without candidate sites, or a scenario in which no
        point can be defended (no coverage, or not within the budget).
    """
    say = stage or (lambda _msg: None)
    say("Loading partner territory")
    partners = load_partners(scenario)
    from planner.problem.preflight import check_partner_lists
    from planner.scenario.limits import check_size

    check_partner_lists(scenario, partners)
    check_size(scenario, partners, Path(base_dir) if base_dir is not None else None)  # before any work
    say("Building defended points")
    demand = build_demand(scenario, partners, Path(base_dir) if base_dir is not None else None)
    lon, lat = demand["lon"].to_numpy(), demand["lat"].to_numpy()
    m = len(demand)
    tracks = threat_tracks(scenario, demand)

    site_frames, sensor_cols, int_cols, frac_cols, type_max = [], [], [], [], []
    for k, asset in enumerate(scenario.asset_types):
        say(f"Coverage of {asset.name}")
        is_sensor = asset.role in ("sensor", "both")
        is_interceptor = asset.role in ("interceptor", "both")
        if isinstance(asset, SpaceAsset):
            sites = _space_sites(asset)
            frac = space_fractions(asset, demand)
            cov = sp.csr_array(frac >= asset.coverage_threshold - 1e-12)
            frac_cols.append(sp.csr_array(frac))
            type_max.append(1)  # one option of the menu at most
            sensed, engaged = (cov if is_sensor else None), (cov if is_interceptor else None)
        else:
            sites = _ground_sites(scenario, k, asset, partners)
            slon, slat = sites["lon"].to_numpy(), sites["lat"].to_numpy()
            sensed = gcov.ground_coverage(lon, lat, slon, slat, sensor_reach_km(asset)) if is_sensor else None
            engaged = (
                engagement_matrix(scenario, asset, tracks, lon, lat, slon, slat) if is_interceptor else None
            )
            frac_cols.append(sp.csr_array((m, len(sites))))
            type_max.append(asset.max_count)
        empty = sp.csr_array((m, len(sites)), dtype=np.int8)
        sensor_cols.append(sensed if sensed is not None else empty)
        int_cols.append(engaged if engaged is not None else empty)
        site_frames.append(sites)

    sites = pd.concat(site_frames, ignore_index=True)[SITE_COLUMNS]
    site_type = np.repeat(np.arange(len(site_frames)), [len(f) for f in site_frames])
    problem = CoverageProblem(
        demand=demand,
        sites=sites,
        a_sensor=sp.csr_array(sp.hstack(sensor_cols, format="csr"), dtype=np.int8),
        a_interceptor=sp.csr_array(sp.hstack(int_cols, format="csr"), dtype=np.int8),
        space_fraction=sp.csr_array(sp.hstack(frac_cols, format="csr")),
        partners=partners,
        type_names=tuple(a.name for a in scenario.asset_types),
        type_max=np.asarray(type_max, dtype=np.int64),
        site_type=site_type,
        tracks=tracks,
    )
    problem = priced_for(problem, scenario)
    _check_something_defendable(scenario, problem)
    return problem


def _check_something_defendable(scenario: Scenario, problem: CoverageProblem) -> None:
    inst = problem.to_instance()
    reachable = (inst.a_sensor.sum(axis=1) > 0) & (inst.a_interceptor.sum(axis=1) > 0)
    if not reachable.any():
        layers = {
            "sensor_and_interceptor": "both a sensor and an interceptor",
            "sensor": "a sensor",
            "interceptor": "an interceptor",
        }[scenario.requirement]
        raise InputError(
            f"nothing can be defended: no defended point is within reach of {layers} "
            "at any candidate site; check ranges and candidate spacing",
            field="requirement",
            value=scenario.requirement,
        )
    cheapest = _cheapest_defence(inst)
    if cheapest > scenario.budget_musd and scenario.objective == "max_defended":
        raise InputError(
            f"nothing can be defended within the budget: the cheapest defence of any "
            f"point costs {cheapest:,.0f} M USD",
            field="budget_musd",
            value=scenario.budget_musd,
        )
