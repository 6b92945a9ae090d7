"""``domeplan coverage``: a scenario's coverage matrices and per-point figures of merit, without solving.

What it writes (in ``OUT/<name>/coverage/``, atomically) is meant for analysts and for other tools:

* ``sites.csv``, ``demand.csv``, ``coverage_sensor.csv``, ``coverage_interceptor.csv`` — exactly the
  input format of ``domeplan optimize`` (``site_id, cost[, type]``; ``demand_id, weight``;
  ``demand_id, site_id``), so the coverage can be optimised, edited, or compared with another tool's;
* ``coverage.npz`` — the two sparse matrices (rows = ``demand.csv`` order, columns = ``sites.csv``);
* ``figures_of_merit.csv`` and ``coverage.gpkg`` (layers ``points`` and ``sites``) — per point: how
  many candidate sensors and interceptors reach it, whether it can be defended at all, and for every
  constellation option the STK-style figures of merit (time-averaged coverage, time with at least two
  satellites in view, mean and maximum revisit gap over the horizon: one sidereal day or the
  ground-track repeat cycle by default, step from the footprint crossing time); per site: points and
  weight it reaches;
* ``coverage_map.png`` — points coloured by how many candidate sites can defend them.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp

from geodata.coverage import space_figures_of_merit
from geodata.orbits import Walker
from planner.problem.build import CoverageProblem, layer_matrices
from planner.scenario.schema import Scenario, SpaceAsset


@dataclass(frozen=True, eq=False)
class CoverageTables:
    """The figures ``domeplan coverage`` writes.

    Attributes
    ----------
    points
        One row per defended point: ids, weight, ``n_sensor_sites``, ``n_interceptor_sites``,
        ``defendable`` and, per constellation option ``<site_id>``, ``<site_id>:coverage_fraction``,
        ``<site_id>:fraction_ge_2``, ``<site_id>:mean_gap_s``, ``<site_id>:max_gap_s``.
    sites
        One row per candidate: ``site_id``, ``type``, ``cost`` plus location and reach columns,
        ``points_sensed``, ``weight_sensed``, ``points_engaged``, ``weight_engaged``.
    a_sensor, a_interceptor
        The layer matrices after the scenario's requirement is applied (what the optimiser sees).
    """

    points: pd.DataFrame
    sites: pd.DataFrame
    a_sensor: sp.csr_array
    a_interceptor: sp.csr_array


def _space_fom(scenario: Scenario, problem: CoverageProblem) -> pd.DataFrame:
    lon = problem.demand["lon"].to_numpy()
    lat = problem.demand["lat"].to_numpy()
    cols: dict[str, np.ndarray] = {}
    for asset in scenario.asset_types:
        if not isinstance(asset, SpaceAsset):
            continue
        for pattern in asset.constellations:
            walker = Walker.parse(pattern)
            fom = space_figures_of_merit(walker, asset.altitude_km, asset.min_elevation_deg, lon, lat,
                                         horizon_s=asset.horizon_s, time_step_s=asset.time_step_s)
            key = f"{asset.name}:{walker}"
            for c in ("coverage_fraction", "fraction_ge_2", "mean_gap_s", "max_gap_s"):
                cols[f"{key}:{c}"] = fom[c].to_numpy()
    return pd.DataFrame(cols, index=problem.demand.index)


def coverage_tables(scenario: Scenario, problem: CoverageProblem) -> CoverageTables:
    """Compute the per-point and per-site figures of merit of a problem."""
    a_s, a_k = layer_matrices(problem.a_sensor, problem.a_interceptor, scenario.requirement)
    w = problem.demand["weight"].to_numpy(float)
    n_s = np.asarray(a_s.sum(axis=1)).ravel()
    n_k = np.asarray(a_k.sum(axis=1)).ravel()
    points = problem.demand.assign(n_sensor_sites=n_s, n_interceptor_sites=n_k,
                                   defendable=(n_s > 0) & (n_k > 0))
    points = pd.concat([points, _space_fom(scenario, problem)], axis=1)
    sites = problem.sites.rename(columns={"cost_musd": "cost", "asset_type": "type"}).assign(
        points_sensed=np.asarray(a_s.sum(axis=0)).ravel(),
        weight_sensed=a_s.T @ w,
        points_engaged=np.asarray(a_k.sum(axis=0)).ravel(),
        weight_engaged=a_k.T @ w,
    )
    return CoverageTables(points, sites, a_s, a_k)


def _pairs(a: sp.csr_array, demand_ids: np.ndarray, site_ids: np.ndarray) -> pd.DataFrame:
    coo = a.tocoo()
    return pd.DataFrame({"demand_id": demand_ids[coo.row], "site_id": site_ids[coo.col]})


def write_coverage(scenario: Scenario, problem: CoverageProblem, tables: CoverageTables,
                   out_dir: str | Path, map_png: bytes | None = None) -> dict[str, Path]:
    """Write the coverage files into ``out_dir`` atomically; return ``{file name: path}``."""
    from reports.atomic import atomic_directory

    out_dir = Path(out_dir)
    demand_ids = problem.demand["demand_id"].to_numpy(object)
    site_ids = problem.sites["site_id"].to_numpy(object)
    pts, sites = tables.points, tables.sites
    site_cols = ["site_id", "cost", "type", "domain", "role", "lon", "lat", "partner",
                 "sensor_reach_km", "engagement_range_km", "pattern", "altitude_km", "n_satellites",
                 "points_sensed", "weight_sensed", "points_engaged", "weight_engaged"]
    with atomic_directory(out_dir) as tmp:
        sites[site_cols].to_csv(tmp / "sites.csv", index=False)
        pts[["demand_id", "weight", "name", "partner", "lon", "lat"]].to_csv(tmp / "demand.csv",
                                                                             index=False)
        _pairs(tables.a_sensor, demand_ids, site_ids).to_csv(tmp / "coverage_sensor.csv", index=False)
        _pairs(tables.a_interceptor, demand_ids, site_ids).to_csv(tmp / "coverage_interceptor.csv",
                                                                  index=False)
        buf = io.BytesIO()
        np.savez_compressed(  # numeric and text arrays only: no pickle needed to read them back
            buf,
            allow_pickle=False,
            **_npz_arrays(tables),
            demand_ids=demand_ids.astype(str),
            site_ids=site_ids.astype(str),
        )
        (tmp / "coverage.npz").write_bytes(buf.getvalue())
        pts.to_csv(tmp / "figures_of_merit.csv", index=False)
        gpkg = tmp / "coverage.gpkg"
        gpd.GeoDataFrame(pts, geometry=gpd.points_from_xy(pts["lon"], pts["lat"]),
                         crs="EPSG:4326").to_file(gpkg, layer="points", driver="GPKG")
        ground = sites[sites["domain"] != "space"]
        gpd.GeoDataFrame(ground[site_cols], geometry=gpd.points_from_xy(ground["lon"], ground["lat"]),
                         crs="EPSG:4326").to_file(gpkg, layer="sites", driver="GPKG")
        if map_png is not None:
            (tmp / "coverage_map.png").write_bytes(map_png)
    return {p.name: p for p in sorted(out_dir.iterdir())}


def _npz_arrays(tables: CoverageTables) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    for name, a in (("sensor", tables.a_sensor), ("interceptor", tables.a_interceptor)):
        a = sp.csr_array(a)
        out |= {f"{name}_data": a.data, f"{name}_indices": a.indices, f"{name}_indptr": a.indptr,
                f"{name}_shape": np.asarray(a.shape)}
    return out


def read_npz_layer(path: str | Path, layer: str) -> sp.csr_array:
    """Read one layer (``sensor`` or ``interceptor``) back from ``coverage.npz``."""
    with np.load(path, allow_pickle=False) as z:
        return sp.csr_array((z[f"{layer}_data"], z[f"{layer}_indices"], z[f"{layer}_indptr"]),
                            shape=tuple(z[f"{layer}_shape"]))


def coverage_map(scenario: Scenario, problem: CoverageProblem, tables: CoverageTables) -> bytes:
    """Map every candidate site and the points that some sensor and some interceptor can reach."""
    from geodata import naturalearth as ne
    from planner.run.pipeline import NOTIONAL_NOTE
    from reports import PlanBundle
    from reports.maps import render_map

    pts = tables.points
    points = gpd.GeoDataFrame(
        {"demand_id": pts["demand_id"], "name": pts["name"], "partner": pts["partner"],
         "weight": pts["weight"], "sensor_covered": pts["n_sensor_sites"] > 0,
         "interceptor_covered": pts["n_interceptor_sites"] > 0, "defended": pts["defendable"],
         "space_fraction": np.nan},
        geometry=gpd.points_from_xy(pts["lon"], pts["lat"]), crs="EPSG:4326")
    partners = gpd.GeoDataFrame(problem.partners[["iso_a3", "name", "geometry"]],
                                geometry="geometry", crs="EPSG:4326")
    bundle = PlanBundle(
        scenario_name=scenario.name,
        title=f"{scenario.display_title} — coverage of every candidate (no plan solved)",
        notional_note=NOTIONAL_NOTE,
        partners=partners,
        sites=problem.sites_frame(),
        constellations=problem.constellations_frame(),
        points=points,
        summary=None,
        basemap=ne.land(),
    )
    return render_map(bundle, point_labels=("defendable point", "beyond reach of every candidate"),
                      legend_title="Coverage", candidate_label="candidate site")
