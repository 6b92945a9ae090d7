r"""Limits on problem size, checked from estimates before anything is built.

A scenario that is valid but huge (a 2 km candidate grid over North America, a 1 m area grid)
would otherwise run out of memory after minutes. :func:`check_size` estimates, in milliseconds
and from the geography alone, how many candidate sites, defended points, covered point–site
pairs and threat-track samples the scenario would build, and refuses in one line when an
estimate exceeds the scenario's ``limits`` (naming the field, the estimate and the limit).

The estimates (all from the shipped geography, none from building the problem):

- land sites of a type: geodesic area of its territory / spacing² (the lattice has one point per
  spacing² km², see :mod:`geodata.candidates`; measured within 1 % on USA + Canada);
- sea sites: the sea lattice built at a coarse spacing :math:`s_0 \ge s`, times
  :math:`(s_0/s)^2`;
- area-grid points: geodesic area / cell², and the cells scanned by the grid: the projected
  bounding box / cell²;
- site pairs sharing a point (the presolve's dominance test builds :math:`A^\top A`): at most
  points × (sites in reach of a point, summed over the layer's types)², and at most the layer's
  sites²; measured 2x above the true count at 10 km spacing over USA + Canada;
- covered pairs of a layer: points × min(sites, sites within reach), the sites within reach
  being the spherical cap of the reach, :math:`2\pi R^2 (1-\cos(r/R))`, over spacing²;
  separation pairs likewise; for corridor engagement, track samples × sites within reach;
- track samples: points × launch points × samples per track (launch points of a polygon:
  geodesic area / spacing² + 1).

Length: one estimate per kind of size (sites, points, pairs, samples, runs), each short, kept
together with their limits.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from planner.errors import InputError

if TYPE_CHECKING:
    import geopandas as gpd

    from planner.scenario.schema import Scenario

EARTH_RADIUS_KM = 6371.0088
SCAN_FACTOR = 10
"""Area-grid cells scanned (over the territory's projected bounding box) allowed per point of
``limits.max_points``: 2 M cells at the default. Measured: USA + CAN at 10 km, 0.6 M cells
scanned for 0.2 M points, 13-21 s and 0.4 GB (built in bands of ``geodata.layers.CHUNK_CELLS``)."""


class Limits(BaseModel):
    """Most a scenario may build; raise a limit in the scenario's ``limits:`` block if you mean it.

    Measured on this project's 2-core machine, a scenario at every default limit stays within
    about 3 GB; the solve time depends on the instance, not on these limits.
    """

    model_config = ConfigDict(
        extra="forbid", frozen=True, use_attribute_docstrings=True, validate_default=True, strict=True
    )

    max_sites: int = Field(default=200_000, ge=1)
    """Most candidate sites of one land or sea asset type (estimated before the grid is built)."""
    max_points: int = Field(default=200_000, ge=1)
    """Most defended points (populated places, explicit points, point files, area-grid cells)."""
    max_pairs: int = Field(default=20_000_000, ge=1)
    """Most covered point–site pairs over every layer and asset type (non-zeros of the model)."""
    max_track_samples: int = Field(default=5_000_000, ge=1)
    """Most samples along the notional threat tracks (points × launch points × samples)."""
    max_space_samples: int = Field(default=500_000_000, ge=1)
    """Most point × time-step × satellite samples of the constellation menus' coverage (measured:
    ~50 ns each, so the default is ~25 s; the default scenario needs 54 M)."""
    max_file_mb: float = Field(default=50.0, gt=0)
    """Largest defended-point file (CSV, GeoJSON, GeoPackage, Shapefile), MB."""


@dataclass(frozen=True)
class SizeEstimate:
    """What a scenario would build, estimated (see the module docstring)."""

    sites: dict[str, int] = field(default_factory=dict)
    """Candidate sites by the field that sets them (``asset_types[k].candidates.spacing_km``)."""
    points: int = 0
    grid_cells_scanned: int = 0
    pairs: int = 0
    overlap_pairs: int = 0
    """Site pairs sharing a point, the presolve's :math:`A^\\top A` (points × sites in reach²)."""
    track_samples: int = 0
    space_samples: int = 0
    """Point × time-step × satellite samples of every constellation option."""


def _cap_km2(radius_km: float) -> float:
    return float(2 * np.pi * EARTH_RADIUS_KM**2 * (1 - np.cos(min(radius_km / EARTH_RADIUS_KM, np.pi))))


@functools.lru_cache(maxsize=32)
def _area_km2(geom: Any) -> float:
    import pyproj

    area, _ = pyproj.Geod(ellps="WGS84").geometry_area_perimeter(geom)
    return abs(area) / 1e6


@functools.lru_cache(maxsize=32)
def _land_km2(geom: Any) -> float:
    """Area of ``geom`` less its inland water (land candidates avoid Natural Earth's lakes)."""
    import shapely

    from geodata import naturalearth as ne

    return _area_km2(geom) - _area_km2(shapely.intersection(geom, ne.lakes_union()))


def _territory(partners: gpd.GeoDataFrame, restrict: tuple[str, ...] | None) -> Any:
    from geodata.naturalearth import territory_union

    return territory_union(partners, restrict)


def _sea_sites(territory: Any, within_km: float, spacing_km: float) -> int:
    s0 = max(spacing_km, min(100.0, within_km / 2))
    return int(np.ceil(_coarse_sea_count(territory, within_km, s0) * (s0 / spacing_km) ** 2))


@functools.lru_cache(maxsize=16)
def _coarse_sea_count(territory: Any, within_km: float, s0: float) -> int:
    """Sea lattice points at spacing ``s0`` (cached: a batch checks the same territory each run)."""
    from geodata.candidates import sea_grid

    lon, _ = sea_grid(territory, within_km, s0, densify_km=max(2.0, s0 / 4))  # coarse coast: an estimate
    return len(lon)


def _file_rows(spec: Any, k: int, base_dir: Path | None, limits: Limits) -> int:
    path = Path(spec.path)
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    fld = f"defended.files[{k}].path"
    if not path.is_file():
        raise InputError(f"file not found: {path}", field=fld, value=spec.path)
    size_mb = path.stat().st_size / 1e6
    if size_mb > limits.max_file_mb:
        raise InputError(
            f"{path} is {size_mb:,.1f} MB; the limit is {limits.max_file_mb:g} MB — "
            "raise `limits.max_file_mb` if you mean it",
            field=fld,
            value=spec.path,
        )
    if path.suffix.lower() == ".csv":
        return path.read_bytes().count(b"\n")
    try:
        import pyogrio

        info = pyogrio.read_info(path, layer=spec.layer)
        return int(info.get("features") or 0)
    except Exception as err:  # noqa: BLE001 - pyogrio raises several types; name the file
        first = str(err).splitlines()[0][:200] if str(err) else err.__class__.__name__
        raise InputError(
            f"cannot read {path} as a vector file: {first}", field=fld, value=spec.path
        ) from None


def _points(scenario: Scenario, partners: gpd.GeoDataFrame, base_dir: Path | None) -> tuple[int, int]:
    spec = scenario.defended
    n = len(spec.points)
    if spec.populated_places is not None:
        from geodata import naturalearth as ne

        n += len(ne.populated_places(list(scenario.partner_codes), spec.populated_places.min_population))
    n += sum(_file_rows(f, k, base_dir, scenario.limits) for k, f in enumerate(spec.files))
    scanned = 0
    if spec.area_grid is not None:
        territory = _territory(partners, spec.area_grid.partners)
        cell2 = spec.area_grid.cell_km**2
        n += int(np.ceil(_area_km2(territory) / cell2))
        scanned = _grid_cells_scanned(territory, spec.area_grid.cell_km)
    return n, scanned


def _grid_cells_scanned(territory: Any, cell_km: float) -> int:
    import geopandas as gpd

    from geodata.layers import laea_crs_for

    crs = laea_crs_for(territory)
    minx, miny, maxx, maxy = gpd.GeoSeries([territory], crs="EPSG:4326").to_crs(crs).total_bounds
    size = cell_km * 1000.0
    return int(
        (np.ceil(maxx / size) - np.floor(minx / size)) * (np.ceil(maxy / size) - np.floor(miny / size))
    )


def _launch_points(scenario: Scenario) -> int:
    import shapely

    total = 0
    for spec in scenario.threats.launch_areas if scenario.threats else ():
        if spec.polygon is None:
            total += 1
        else:
            poly = shapely.make_valid(shapely.Polygon(spec.polygon))
            total += int(np.ceil(_area_km2(poly) / spec.spacing_km**2)) + 1
    return total


def estimate_size(
    scenario: Scenario, partners: gpd.GeoDataFrame, base_dir: Path | None = None
) -> SizeEstimate:
    """Estimate what ``scenario`` would build over ``partners`` (see the module docstring)."""
    from planner.scenario.schema import SeaAsset, SpaceAsset

    n_points, scanned = _points(scenario, partners, base_dir)
    samples = 0
    corridor = scenario.threats is not None and scenario.threats.interceptor_coverage == "corridor"
    if scenario.threats is not None:
        samples = n_points * _launch_points(scenario) * scenario.threats.n_samples
    sites: dict[str, int] = {}
    pairs = space = 0
    reach = {"sensor": 0, "interceptor": 0}  # sites in reach of one point, per layer
    layer_sites = {"sensor": 0, "interceptor": 0}
    for k, asset in enumerate(scenario.asset_types):
        for layer, roles in (("sensor", ("sensor", "both")), ("interceptor", ("interceptor", "both"))):
            if asset.role in roles:
                layer_sites[layer] += len(asset.constellations) if isinstance(asset, SpaceAsset) else 0
        if isinstance(asset, SpaceAsset):
            pairs += 2 * n_points * len(asset.constellations)
            space += n_points * _space_steps(asset)
            continue
        c = asset.candidates
        territory = _territory(partners, c.partners)
        n = (
            _sea_sites(territory, asset.candidates.within_km, c.spacing_km)
            if isinstance(asset, SeaAsset)
            else int(np.ceil(_land_km2(territory) / c.spacing_km**2))
        )
        n += len(asset.existing_sites)
        sites[f"asset_types[{k}].candidates.spacing_km"] = n
        for layer, roles in (("sensor", ("sensor", "both")), ("interceptor", ("interceptor", "both"))):
            if asset.role in roles:
                layer_sites[layer] += n

        def near(radius_km: float, n: int = n, s: float = c.spacing_km) -> int:
            return min(n, int(np.ceil(_cap_km2(radius_km) / s**2)) + 1)

        if asset.sensor_range_km is not None:
            pairs += n_points * near(asset.sensor_range_km)
            reach["sensor"] += near(asset.sensor_range_km)
        if asset.engagement_range_km is not None:
            pairs += n_points * near(asset.engagement_range_km)
            reach["interceptor"] += near(asset.engagement_range_km)
            if corridor:
                pairs += samples * near(asset.engagement_range_km)
        if asset.min_separation_km is not None:
            pairs += n * near(asset.min_separation_km) // 2
    overlaps = sum(min(n_points * reach[layer] ** 2, layer_sites[layer] ** 2) for layer in reach)
    return SizeEstimate(
        sites=sites,
        points=n_points,
        grid_cells_scanned=scanned,
        pairs=pairs,
        overlap_pairs=overlaps,
        track_samples=samples,
        space_samples=space,
    )


def _space_steps(asset: Any) -> int:
    """Time steps × satellites summed over a space asset's menu (its sampling plans)."""
    from geodata.orbits import Walker
    from planner.problem.build import space_sampling

    return sum(plan.n_steps * Walker.parse(p).t for p, plan in space_sampling(asset).items())


def _millions(n: int) -> str:
    if n >= 1e9:
        return f"{n / 1e9:,.0f} billion"
    return f"{n / 1e6:,.1f} M" if n >= 1e6 else f"{n:,}"


def check_size(scenario: Scenario, partners: gpd.GeoDataFrame, base_dir: Path | None = None) -> SizeEstimate:
    """Estimate the problem's size and refuse it in one line when it exceeds ``scenario.limits``.

    Raises
    ------
    InputError
        Naming the field that drives the size, the estimate, the limit and how to raise it.
    """
    lim = scenario.limits
    est = estimate_size(scenario, partners, base_dir)
    for fld, n in est.sites.items():
        if n > lim.max_sites:
            value = _field_value(scenario, fld)
            raise InputError(
                f"gives ~{_millions(n)} candidate sites; the limit is "
                f"{lim.max_sites:,} — raise `limits.max_sites` if you mean it",
                field=fld,
                value=value,
            )
    grid = scenario.defended.area_grid
    if est.points > lim.max_points:
        fld = "defended.area_grid.cell_km" if grid is not None else "defended"
        raise InputError(
            f"gives ~{_millions(est.points)} defended points; the limit is "
            f"{lim.max_points:,} — raise `limits.max_points` if you mean it",
            field=fld,
            value=grid.cell_km if grid is not None else ...,
        )
    if grid is not None and est.grid_cells_scanned > SCAN_FACTOR * lim.max_points:
        raise InputError(
            f"scans ~{_millions(est.grid_cells_scanned)} grid cells over the "
            f"territory's bounding box; the limit is {SCAN_FACTOR} × limits.max_points = "
            f"{SCAN_FACTOR * lim.max_points:,} — raise `limits.max_points` if you mean it",
            field="defended.area_grid.cell_km",
            value=grid.cell_km,
        )
    if est.track_samples > lim.max_track_samples:
        raise InputError(
            f"gives ~{_millions(est.track_samples)} threat-track samples ({est.points:,} "
            f"points × launch points × samples); the limit is "
            f"{lim.max_track_samples:,} — raise `limits.max_track_samples` if you "
            "mean it",
            field="threats",
        )
    if est.space_samples > lim.max_space_samples:
        k = next(k for k, a in enumerate(scenario.asset_types) if a.domain == "space")
        raise InputError(
            f"gives ~{_millions(est.space_samples)} coverage samples ({est.points:,} points × "
            f"time steps × satellites); the limit is {lim.max_space_samples:,} — use fewer points, "
            "a longer time_step_s, or raise `limits.max_space_samples` if you mean it",
            field=f"asset_types[{k}]",
        )
    if est.pairs > lim.max_pairs:
        raise InputError(
            f"gives ~{_millions(est.pairs)} covered point–site pairs ({est.points:,} "
            f"points); the limit is {lim.max_pairs:,} — raise `limits.max_pairs` "
            "if you mean it",
            field="asset_types",
        )
    if est.overlap_pairs > lim.max_pairs:
        raise InputError(
            f"gives ~{_millions(est.overlap_pairs)} pairs of candidate sites sharing a point "
            f"({est.points:,} points × sites in reach²: the presolve compares them); the limit is "
            f"{lim.max_pairs:,} — use a coarser spacing or raise `limits.max_pairs` if you mean it",
            field="asset_types",
        )
    return est


def _field_value(scenario: Scenario, fld: str) -> Any:
    k = int(fld.split("[", 1)[1].split("]", 1)[0])
    return scenario.asset_types[k].candidates.spacing_km  # type: ignore[union-attr]  # fld names a ground asset


class BatchLimits(BaseModel):
    """Most a batch file may ask for; raise it in the batch's ``limits:`` block if you mean it."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, use_attribute_docstrings=True, validate_default=True, strict=True
    )

    max_runs: int = Field(default=10_000, ge=1)
    """Most runs in one batch (named scenarios plus every sweep's combinations), counted before any
    run is resolved (each resolved run holds a validated scenario: ~1 ms and a few kB)."""


def check_runs(spec: Any, file: str | Path) -> int:
    """Count a batch's runs from its value lists alone and refuse more than ``spec.limits.max_runs``.

    Raises
    ------
    InputError
        Naming the sweep that contributes most, the count and the limit.
    """
    counts = {
        f"sweeps[{k}]": (
            len(sw.parameters[0].values)
            if sw.mode == "zip"
            else int(np.prod([len(p.values) for p in sw.parameters], dtype=object))
        )
        for k, sw in enumerate(spec.sweeps)
    }
    total = len(spec.scenarios) + sum(counts.values())
    limit = spec.limits.max_runs
    if total > limit:
        worst = max(counts, key=counts.__getitem__) if counts else "scenarios"
        raise InputError(
            f"the batch has {total:,} runs ({worst}: {counts.get(worst, total):,}); the "
            f"limit is {limit:,} — raise `limits.max_runs` if you mean it",
            file=file,
            field=worst,
        )
    return total
