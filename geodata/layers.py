r"""Defended layers: weighted points from user files, and equal-area grids over a territory.

Every layer is a :class:`geopandas.GeoDataFrame` in EPSG:4326 with columns ``point_id`` (str),
``weight`` (float, non-negative) and ``geometry`` (Point).

Area grids use a Lambert azimuthal equal-area projection on the WGS84 ellipsoid centred on the
territory (``+proj=laea``), so every cell's area is exact on the ellipsoid up to GEOS's planar
polygon area in the projected plane (areas are preserved by the projection; only shapes distort,
and the cells are squares in the projected plane). Cell weights are the areas, in km², of the
cell's intersection with the territory; their sum equals the territory's area.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from shapely.geometry.base import BaseGeometry

from geodata.geometry import lonlat_from_unit_vectors, unit_vectors

_LON_NAMES = ("lon", "longitude", "lng", "long", "x")
_LAT_NAMES = ("lat", "latitude", "y")
MAX_WEIGHT = 1e15
"""Largest weight of a defended point read from a file (sums of weights must stay finite)."""


class LayerFileError(ValueError):
    """A defended-layer file that cannot be used, with the file, column and value at fault."""


def _pick(columns: pd.Index, wanted: str | None, aliases: tuple[str, ...], path: Path) -> str:
    if wanted is not None:
        if wanted not in columns:
            raise LayerFileError(f"{path}: no column {wanted!r}; columns are {list(columns)}")
        return wanted
    lower = {str(c).lower(): c for c in columns}
    for name in aliases:
        if name in lower:
            return lower[name]
    raise LayerFileError(f"{path}: no coordinate column among {list(aliases)}; columns are {list(columns)}")


def point_layer_from_file(
    path: str | Path,
    weight_column: str,
    id_column: str | None = None,
    *,
    lon_column: str | None = None,
    lat_column: str | None = None,
    layer: str | None = None,
) -> gpd.GeoDataFrame:
    """Read weighted defended points from GeoJSON, GeoPackage, Shapefile or CSV.

    Parameters
    ----------
    path
        ``.geojson``/``.json``/``.gpkg``/``.shp`` (read with pyogrio, reprojected to EPSG:4326)
        or ``.csv`` (longitude and latitude columns in degrees WGS84).
    weight_column
        Column holding each point's weight (population, value, ...); finite, non-negative.
    id_column
        Column of unique point ids; default: ``"<file stem>-<row number>"``.
    lon_column, lat_column
        CSV coordinate columns; default: the first of ``lon/longitude/lng/long/x`` and
        ``lat/latitude/y`` (case-insensitive).
    layer
        Layer name inside a multi-layer GeoPackage.

    Returns
    -------
    geopandas.GeoDataFrame
        ``point_id``, ``weight``, ``geometry`` (Point, EPSG:4326), in file order.

    Raises
    ------
    LayerFileError
        Naming the file, and the column, row and value at fault.
    FileNotFoundError
        When ``path`` does not exist.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"defended-layer file not found: {path}")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        table = _read_csv(path, id_column)
        lon_name = _pick(table.columns, lon_column, _LON_NAMES, path)
        lat_name = _pick(table.columns, lat_column, _LAT_NAMES, path)
        lon = _numeric(table[lon_name], path, lon_name)
        lat = _numeric(table[lat_name], path, lat_name)
        geometry = gpd.points_from_xy(lon, lat, crs="EPSG:4326")
    elif suffix in {".geojson", ".json", ".gpkg", ".shp"}:
        try:
            table = gpd.read_file(path, layer=layer) if layer else gpd.read_file(path)
        except Exception as exc:  # pyogrio raises several types; name the file either way
            raise LayerFileError(f"{path}: cannot read as a vector file: {exc}") from exc
        if table.crs is None:
            table = table.set_crs("EPSG:4326")
        table = table.to_crs("EPSG:4326")
        kinds = set(table.geom_type.dropna())
        if kinds - {"Point"}:
            raise LayerFileError(f"{path}: defended points must be Point geometries, found {sorted(kinds)}")
        if table.geometry.isna().any() or table.geometry.is_empty.any():
            bad = int(np.flatnonzero(table.geometry.isna() | table.geometry.is_empty)[0])
            raise LayerFileError(f"{path}: row {bad} has no geometry")
        geometry = table.geometry.values
        lon, lat = shapely.get_x(geometry), shapely.get_y(geometry)
    else:
        raise LayerFileError(f"{path}: unsupported file type {suffix!r}; use .csv, .geojson, .gpkg or .shp")
    _check_range(lon, -180.0, 360.0, path, "longitude")
    _check_range(lat, -90.0, 90.0, path, "latitude")
    if weight_column not in table.columns:
        raise LayerFileError(f"{path}: no weight column {weight_column!r}; columns are {list(table.columns)}")
    weight = _numeric(table[weight_column], path, weight_column)
    if (weight > MAX_WEIGHT).any():  # sums of weights must stay finite
        row = int(np.flatnonzero(weight > MAX_WEIGHT)[0])
        raise LayerFileError(f"{path}: column {weight_column!r} row {row}: weight {weight[row]} above "
                             f"{MAX_WEIGHT:g}")
    if (weight < 0).any():
        row = int(np.flatnonzero(weight < 0)[0])
        raise LayerFileError(f"{path}: column {weight_column!r} row {row}: negative weight {weight[row]}")
    if id_column is None:
        ids = np.array([f"{path.stem}-{i}" for i in range(len(table))], dtype=object)
    else:
        if id_column not in table.columns:
            raise LayerFileError(f"{path}: no id column {id_column!r}; columns are {list(table.columns)}")
        ids = table[id_column].astype(str).to_numpy()
        dup = pd.Series(ids).duplicated()
        if dup.any():
            row = int(np.flatnonzero(dup)[0])
            raise LayerFileError(f"{path}: column {id_column!r} row {row}: duplicate id {ids[row]!r}")
    return gpd.GeoDataFrame(
        {"point_id": ids.astype(str), "weight": weight}, geometry=geometry, crs="EPSG:4326"
    )


def _read_csv(path: Path, id_column: str | None) -> pd.DataFrame:
    """``pd.read_csv`` with its errors (ragged rows, empty file, bad bytes) as one-line errors."""
    try:
        table = pd.read_csv(path, dtype={id_column: str} if id_column else None)
    except pd.errors.EmptyDataError:
        raise LayerFileError(f"{path}: the CSV file is empty (no header row)") from None
    except pd.errors.ParserError as exc:  # e.g. "Expected 3 fields in line 5, saw 4"
        msg = str(exc).strip().splitlines()[-1][:200]
        raise LayerFileError(f"{path}: not a regular CSV table: {msg}") from None
    except UnicodeDecodeError as exc:
        raise LayerFileError(f"{path}: not UTF-8 text (byte 0x{exc.object[exc.start]:02x})") from None
    if table.empty:
        raise LayerFileError(f"{path}: the CSV file has a header but no rows")
    return table


def _numeric(col: pd.Series, path: Path, name: str) -> np.ndarray:
    values = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise LayerFileError(f"{path}: column {name!r} row {row}: not a finite number: {col.iloc[row]!r}")
    return values


def _check_range(values: np.ndarray, lo: float, hi: float, path: Path, what: str) -> None:
    bad = (values < lo) | (values > hi) | ~np.isfinite(values)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise LayerFileError(f"{path}: row {row}: {what} {values[row]} outside [{lo}, {hi}]")


def laea_crs_for(territory: BaseGeometry) -> pyproj.CRS:
    """Lambert azimuthal equal-area CRS centred on a territory (seam-safe centre).

    The centre is the normalised, area-weighted mean of the parts' centroid unit vectors, so a
    territory split at the antimeridian is centred correctly.
    """
    parts = shapely.get_parts(territory)
    cent = shapely.centroid(parts)
    w = shapely.area(parts) * np.cos(np.radians(shapely.get_y(cent)))
    v = (unit_vectors(shapely.get_x(cent), shapely.get_y(cent)) * w[:, None]).sum(axis=0)
    lon0, lat0 = lonlat_from_unit_vectors(v)
    return pyproj.CRS.from_proj4(
        f"+proj=laea +lat_0={float(lat0):.6f} +lon_0={float(lon0):.6f} +datum=WGS84 +units=m"
    )


def area_grid(
    territory: BaseGeometry, cell_km: float, *, crs: pyproj.CRS | str | None = None
) -> gpd.GeoDataFrame:
    """Equal-area square cells over a territory, as centroid points weighted by area.

    Parameters
    ----------
    territory
        (Multi)Polygon in lon/lat degrees: a partner's land, or land plus an approach corridor.
    cell_km
        Side of each square cell in the equal-area plane, km (cell area ``cell_km**2`` km²).
    crs
        Equal-area projected CRS in metres; default :func:`laea_crs_for` the territory.

    Returns
    -------
    geopandas.GeoDataFrame
        ``point_id`` (``r<row>c<col>``), ``weight`` (km² of the cell inside the territory),
        ``geometry`` (centroid of that clipped cell, EPSG:4326). Cells with less than 1e-9 km²
        inside are dropped. Ordered by row, then column.
    """
    if cell_km <= 0:
        raise ValueError(f"cell_km must be positive, got {cell_km}")
    crs = laea_crs_for(territory) if crs is None else pyproj.CRS(crs)
    projected = gpd.GeoSeries([territory], crs="EPSG:4326").to_crs(crs).iloc[0]
    projected = shapely.make_valid(projected)
    parts = shapely.get_parts(projected)
    shapely.prepare(projected)
    size = cell_km * 1000.0
    minx, miny, maxx, maxy = projected.bounds
    cols = np.arange(np.floor(minx / size), np.ceil(maxx / size)).astype(np.int64)
    rows = np.arange(np.floor(miny / size), np.ceil(maxy / size)).astype(np.int64)
    tree = shapely.STRtree(parts)
    # Rows in bands of at most ~CHUNK_CELLS boxes: memory stays bounded by the band, not the
    # territory's bounding box (which can be 20x its area for a long, thin or scattered territory).
    step = max(1, CHUNK_CELLS // max(cols.size, 1))
    bands = [_grid_band(projected, parts, tree, rows[k : k + step], cols, size)
             for k in range(0, rows.size, step)]
    rr, cc, area, x, y = (np.concatenate([b[i] for b in bands]) for i in range(5))
    to_ll = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    lon, lat = to_ll.transform(x, y)
    ids = [f"r{r}c{c}" for r, c in zip(rr, cc, strict=True)]
    return gpd.GeoDataFrame(
        {"point_id": ids, "weight": area / 1e6},
        geometry=gpd.points_from_xy(lon, lat),
        crs="EPSG:4326",
    )


CHUNK_CELLS = 250_000
"""Grid cells built at once by :func:`area_grid` (about 0.2 GB of shapely boxes)."""


def _grid_band(projected: BaseGeometry, parts: np.ndarray, tree: shapely.STRtree, rows: np.ndarray,
               cols: np.ndarray, size: float) -> tuple[np.ndarray, ...]:
    """Cells of ``rows`` x ``cols`` with territory inside: row, col, area (m²), centroid x, y."""
    rr, cc = np.meshgrid(rows, cols, indexing="ij")
    rr, cc = rr.ravel(), cc.ravel()
    boxes = shapely.box(cc * size, rr * size, (cc + 1) * size, (rr + 1) * size)
    inside = shapely.contains(projected, boxes)
    touching = ~inside & shapely.intersects(projected, boxes)
    area = np.where(inside, size * size, 0.0)
    cent = shapely.centroid(boxes)
    # Clip boundary cells against only the parts they meet (an index over parts keeps it cheap).
    b_idx, p_idx = tree.query(boxes[touching], predicate="intersects")
    pieces = shapely.intersection(boxes[touching][b_idx], parts[p_idx])
    cells = np.flatnonzero(touching)[b_idx]
    piece_area = shapely.area(pieces)
    np.add.at(area, cells, piece_area)
    # Clipped centroid: area-weighted mean of the pieces' centroids.
    pc = shapely.centroid(pieces)
    sx = np.zeros(boxes.size)
    sy = np.zeros(boxes.size)
    np.add.at(sx, cells, shapely.get_x(pc) * piece_area)
    np.add.at(sy, cells, shapely.get_y(pc) * piece_area)
    x, y = shapely.get_x(cent), shapely.get_y(cent)
    edge = touching & (area > 0)
    x[edge], y[edge] = sx[edge] / area[edge], sy[edge] / area[edge]
    keep = area > 1e-3  # m², i.e. 1e-9 km²
    return rr[keep], cc[keep], area[keep], x[keep], y[keep]
