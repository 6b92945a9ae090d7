r"""Candidate-site grids over land and over the sea near a partner's coast.

Both grids are subsets of one global, deterministic lattice: rows of constant latitude every
:math:`\Delta\varphi = s / (R\pi/180)` degrees (:math:`s` the spacing in km), and on the row at
latitude :math:`\varphi` the :math:`m = \max(1, \mathrm{round}(360\cos\varphi / \Delta\varphi))`
longitudes :math:`-180 + 360\,i/m`, so neighbours on a row are :math:`s` km apart up to the
rounding and each row closes around the globe without a seam. Points are kept by
:func:`shapely.contains_xy`. Territories are handled in [-180, 180]: a territory split at the
antimeridian (the Aleutians, Chukotka, Fiji) is gridded part by part in its own bounding boxes,
so no point appears twice and no part spans the globe.
"""

from __future__ import annotations

import numpy as np
import shapely
from scipy.spatial import cKDTree
from shapely.geometry.base import BaseGeometry

from geodata.geometry import (
    KM_PER_DEGREE,
    chord_for_arc_km,
    great_circle_km,
    unit_vectors,
)
from geodata.naturalearth import lakes_union, land_union, ocean_union


def _lattice(boxes: np.ndarray, spacing_km: float) -> tuple[np.ndarray, np.ndarray]:
    """Lattice points inside any of ``boxes`` (rows ``minx, miny, maxx, maxy``), deduplicated."""
    if spacing_km <= 0:
        raise ValueError(f"spacing_km must be positive, got {spacing_km}")
    dlat = spacing_km / KM_PER_DEGREE
    keys: list[np.ndarray] = []
    n_rows = int(np.floor(90.0 / dlat))
    for minx, miny, maxx, maxy in boxes:
        r0 = max(int(np.ceil(miny / dlat)), -n_rows)
        r1 = min(int(np.floor(maxy / dlat)), n_rows)
        if r1 < r0:
            continue
        rows = np.arange(r0, r1 + 1)
        m = np.maximum(1, np.round(360.0 * np.cos(np.radians(rows * dlat)) / dlat)).astype(np.int64)
        c0 = np.ceil((minx + 180.0) * m / 360.0).astype(np.int64)
        c1 = np.minimum(np.floor((maxx + 180.0) * m / 360.0).astype(np.int64), m - 1)
        count = np.maximum(c1 - c0 + 1, 0)
        row_of = np.repeat(rows, count)
        start = np.repeat(c0 - np.cumsum(count) + count, count)
        col = np.arange(count.sum()) + start
        keys.append(np.column_stack((row_of, col)))
    if not keys:
        return np.empty(0), np.empty(0)
    rc = np.unique(np.concatenate(keys), axis=0)  # sorted by row then column: deterministic
    lat = rc[:, 0] * dlat
    m = np.maximum(1, np.round(360.0 * np.cos(np.radians(lat)) / dlat))
    lon = -180.0 + 360.0 * rc[:, 1] / m
    return lon, lat


def _part_boxes(territory: BaseGeometry, pad_km: float = 0.0) -> np.ndarray:
    parts = shapely.get_parts(territory)
    boxes = shapely.bounds(parts)
    if pad_km > 0:
        dlat = pad_km / KM_PER_DEGREE
        far_lat = np.minimum(np.maximum(np.abs(boxes[:, 1]), np.abs(boxes[:, 3])) + dlat, 89.0)
        dlon = np.minimum(dlat / np.cos(np.radians(far_lat)), 180.0)
        boxes = boxes + np.column_stack((-dlon, -np.full_like(dlon, dlat), dlon, np.full_like(dlon, dlat)))
        boxes[:, [0, 2]] = np.clip(boxes[:, [0, 2]], -180.0, 180.0)
        boxes[:, [1, 3]] = np.clip(boxes[:, [1, 3]], -90.0, 90.0)
    return boxes


def land_grid(
    territory: BaseGeometry, spacing_km: float, exclude_lakes: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Lattice points about ``spacing_km`` apart inside ``territory``, off inland water.

    Parameters
    ----------
    territory
        (Multi)Polygon in lon/lat degrees, e.g. ``countries(["USA"]).geometry.union_all()``.
    spacing_km
        Spacing between neighbouring points, km (geodesic, see module docstring).
    exclude_lakes
        Drop points inside the Natural Earth 1:50m lakes (the country and land polygons
        include the Great Lakes and every other lake).

    Returns
    -------
    tuple of numpy.ndarray
        ``(lon, lat)`` degrees, sorted by latitude then longitude.
    """
    lon, lat = _lattice(_part_boxes(territory), spacing_km)
    shapely.prepare(territory)
    keep = shapely.contains_xy(territory, lon, lat)
    if exclude_lakes:
        keep[keep] = ~shapely.contains_xy(lakes_union(), lon[keep], lat[keep])
    return lon[keep], lat[keep]


def coast_vertices(
    territory: BaseGeometry,
    densify_km: float = 2.0,
    coast_only: bool = True,
    coast_tolerance_km: float = 5.0,
) -> np.ndarray:
    """Vertices of the territory's boundary at most ``densify_km`` apart, ``(k, 2)`` lon/lat.

    With ``coast_only`` only vertices within ``coast_tolerance_km`` (taken as degrees of
    latitude, so at most that many km) of the Natural Earth 1:50m ocean are kept: the coast,
    without land borders (the US-Canada border is not a coast) nor lake shores (lakes are land).
    """
    if densify_km <= 0:
        raise ValueError(f"densify_km must be positive, got {densify_km}")
    boundary = shapely.segmentize(territory.boundary, densify_km / KM_PER_DEGREE)
    xy = shapely.get_coordinates(boundary)
    if coast_only and xy.size:
        sea = ocean_union()
        xy = xy[shapely.dwithin(sea, shapely.points(xy), coast_tolerance_km / KM_PER_DEGREE)]
    return xy


def distance_to_boundary_km(
    territory: BaseGeometry,
    lon: np.ndarray,
    lat: np.ndarray,
    densify_km: float = 2.0,
    upper_km: float | None = None,
    coast_only: bool = False,
) -> np.ndarray:
    """Great-circle distance from points to the boundary (or coast) of ``territory``, from above.

    The boundary is densified to vertices at most ``densify_km`` apart (:func:`coast_vertices`)
    and the nearest vertex is found with a KD-tree on unit vectors; the exact haversine to that
    vertex is returned. So the result is never below the true distance to the densified boundary
    and exceeds it by at most ``densify_km / 2``.

    Parameters
    ----------
    territory
        (Multi)Polygon in lon/lat degrees.
    lon, lat
        Points, degrees.
    densify_km
        Boundary sampling step, km.
    upper_km
        If given, points farther than this get ``inf`` (a faster, bounded search).
    coast_only
        Measure to the coast only (see :func:`coast_vertices`).

    Returns
    -------
    numpy.ndarray
        Distances in km; ``inf`` beyond ``upper_km`` or when there is no boundary vertex.
    """
    lon = np.atleast_1d(np.asarray(lon, dtype=float))
    lat = np.atleast_1d(np.asarray(lat, dtype=float))
    xy = coast_vertices(territory, densify_km, coast_only=coast_only)
    d = np.full(lon.shape, np.inf)
    if xy.size == 0 or lon.size == 0:
        return d
    tree = cKDTree(unit_vectors(xy[:, 0], xy[:, 1]))
    bound = np.inf if upper_km is None else float(chord_for_arc_km(upper_km)) * (1 + 1e-6) + 1e-12
    chord, idx = tree.query(unit_vectors(lon, lat), distance_upper_bound=bound)
    near = np.isfinite(chord)
    # The exact haversine to the nearest vertex, not the chord, decides the kept set.
    d[near] = great_circle_km(lon[near], lat[near], xy[idx[near], 0], xy[idx[near], 1])
    return d


def sea_grid(
    territory: BaseGeometry,
    within_km: float,
    spacing_km: float,
    scale: str = "50m",
    densify_km: float | None = None,
    coast_only: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Sea lattice points within ``within_km`` of a partner's coast, never on land.

    A point is kept when it lies on the global lattice (module docstring), is not inside the
    Natural Earth land at ``scale`` nor inside ``territory``, and its great-circle distance to
    the nearest vertex of the densified coast is at most ``within_km``. That distance is
    measured from above (:func:`distance_to_boundary_km`), so every point returned is truly
    within ``within_km``; points within the last ``densify_km / 2`` of the limit may be left out.

    Parameters
    ----------
    territory
        Partner land, (Multi)Polygon in lon/lat degrees.
    within_km
        Maximum distance to the coast, km (e.g. 370 for 200 nautical miles).
    spacing_km
        Lattice spacing, km.
    scale
        Natural Earth land scale used to exclude land (``"50m"`` or ``"110m"``).
    densify_km
        Coast sampling step; default ``min(2, spacing_km / 4)`` km.
    coast_only
        Measure from the coast (default) rather than the whole boundary, so sea off a
        neighbour's shore is not claimed through a land border.

    Returns
    -------
    tuple of numpy.ndarray
        ``(lon, lat)`` degrees, sorted by latitude then longitude.
    """
    if within_km <= 0:
        raise ValueError(f"within_km must be positive, got {within_km}")
    step = densify_km if densify_km is not None else min(2.0, spacing_km / 4.0)
    lon, lat = _lattice(_part_boxes(territory, pad_km=within_km), spacing_km)
    shapely.prepare(territory)
    land = land_union(scale)
    wet = ~shapely.contains_xy(land, lon, lat) & ~shapely.contains_xy(territory, lon, lat)
    lon, lat = lon[wet], lat[wet]
    if lon.size == 0:
        return lon, lat
    d = distance_to_boundary_km(
        territory, lon, lat, densify_km=step, upper_km=within_km, coast_only=coast_only
    )
    keep = d <= within_km
    return lon[keep], lat[keep]
