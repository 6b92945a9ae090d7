"""Natural Earth loaders: countries, populated places, land, ocean and lakes, shipped with the package.

Files live in ``geodata/data/`` (see ``SOURCE.md`` there for provenance). Each file is read once
per process (:func:`functools.cache`) and every geometry is made valid with
:func:`shapely.make_valid`, since Natural Earth publishes a few invalid polygons. Countries are
keyed by ``ADM0_A3``, because ``ISO_A3`` is ``-99`` for some (France, Norway, ...). Callers get
copies, so mutating a returned frame never corrupts the cache.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import re
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

DATA_DIR = Path(__file__).resolve().parent / "data"

ATTRIBUTION: str = (
    "Made with Natural Earth. Free vector and raster map data @ naturalearthdata.com (public domain)."
)

SCALES: tuple[str, ...] = ("50m", "110m")

_FILES: dict[tuple[str, str], str] = {
    ("countries", "50m"): "ne_50m_admin_0_countries.geojson",
    ("countries", "110m"): "ne_110m_admin_0_countries.geojson",
    ("land", "50m"): "ne_50m_land.geojson",
    ("land", "110m"): "ne_110m_land.geojson",
    ("ocean", "50m"): "ne_50m_ocean.geojson",
    ("lakes", "50m"): "ne_50m_lakes.geojson",
    ("places", "50m"): "ne_50m_populated_places_simple.geojson",
}


class UnknownCountryError(ValueError):
    """A country code that is not an ``ADM0_A3`` code of the Natural Earth countries layer.

    Attributes
    ----------
    code
        The code as the caller gave it.
    """

    def __init__(self, code: str, known: frozenset[str]) -> None:
        self.code = code
        close = difflib.get_close_matches(str(code).upper(), sorted(known), n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        super().__init__(f"unknown country code {code!r}: not an ADM0_A3 code in Natural Earth admin 0{hint}")


def _path(layer: str, scale: str) -> Path:
    try:
        return DATA_DIR / _FILES[(layer, scale)]
    except KeyError:
        have = sorted(s for (lay, s) in _FILES if lay == layer)
        raise ValueError(f"no Natural Earth {layer} layer at scale {scale!r}; available: {have}") from None


def _read(layer: str, scale: str) -> gpd.GeoDataFrame:
    gdf = gpd.read_file(_path(layer, scale))
    gdf = gdf.set_crs("EPSG:4326", allow_override=True)
    gdf["geometry"] = shapely.make_valid(gdf.geometry.values)
    return gdf


@functools.cache
def _countries(scale: str) -> gpd.GeoDataFrame:
    raw = _read("countries", scale)
    out = gpd.GeoDataFrame(
        {
            "name": raw["NAME"].astype(str).to_numpy(),
            "pop_est": raw["POP_EST"].astype(float).to_numpy(),
            "pop_year": raw["POP_YEAR"].astype("Int64").to_numpy(),
            "gdp_musd": raw["GDP_MD"].astype(float).to_numpy(),
            "gdp_year": raw["GDP_YEAR"].astype("Int64").to_numpy(),
        },
        geometry=raw.geometry.values,
        index=pd.Index(raw["ADM0_A3"].astype(str).to_numpy(), name="iso_a3"),
        crs="EPSG:4326",
    )
    if out.index.has_duplicates:
        raise RuntimeError(f"duplicate ADM0_A3 codes in {_FILES[('countries', scale)]}")
    return out.sort_index()


def known_country_codes(scale: str = "50m") -> frozenset[str]:
    """All ``ADM0_A3`` codes of the Natural Earth countries layer at ``scale``."""
    return frozenset(_countries(scale).index)


def countries(codes: Sequence[str] | None = None, scale: str = "50m") -> gpd.GeoDataFrame:
    """Countries with population and GDP, indexed by ``iso_a3`` (the NE ``ADM0_A3`` code).

    Parameters
    ----------
    codes
        ``ADM0_A3`` codes (case-insensitive); the result follows this order. ``None``: all,
        sorted by code.
    scale
        ``"50m"`` or ``"110m"``.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``name``, ``pop_est``, ``pop_year``, ``gdp_musd`` (NE ``GDP_MD``, millions of
        USD), ``gdp_year``, ``geometry`` (valid (Multi)Polygons, EPSG:4326).

    Raises
    ------
    UnknownCountryError
        For the first code not in the layer, naming it and suggesting close codes.
    """
    table = _countries(scale)
    if codes is None:
        return table.copy()
    if isinstance(codes, str):
        codes = [codes]
    known = frozenset(table.index)
    wanted = []
    for code in codes:
        key = str(code).strip().upper()
        if key not in known:
            raise UnknownCountryError(code, known)
        wanted.append(key)
    return table.loc[wanted].copy()


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-")


@functools.cache
def _places() -> gpd.GeoDataFrame:
    raw = _read("places", "50m")
    iso = raw["adm0_a3"].astype(str).to_numpy()
    base = np.array([f"{i}-{_slug(n)}" for i, n in zip(iso, raw["nameascii"], strict=True)], dtype=object)
    # Two Chinese pairs share a name; the admin-1 name makes them unique and stays stable.
    dup = pd.Series(base).duplicated(keep=False).to_numpy()
    adm1 = raw["adm1name"].fillna("").to_numpy()
    ids = np.where(dup, [f"{b}-{_slug(a)}" for b, a in zip(base, adm1, strict=True)], base)
    out = gpd.GeoDataFrame(
        {
            "place_id": ids.astype(str),
            "name": raw["name"].astype(str).to_numpy(),
            "iso_a3": iso,
            "population": raw["pop_max"].astype(float).to_numpy(),
        },
        geometry=raw.geometry.values,
        crs="EPSG:4326",
    )
    if out["place_id"].duplicated().any():
        raise RuntimeError("populated place ids are not unique")
    out = out.sort_values(["population", "place_id"], ascending=[False, True], kind="stable")
    return out.reset_index(drop=True)


def populated_places(codes: Sequence[str] | None = None, min_population: float = 0) -> gpd.GeoDataFrame:
    """Natural Earth 1:50m populated places (v4.0.0), optionally filtered.

    Parameters
    ----------
    codes
        Keep places whose ``adm0_a3`` is one of these codes (validated like :func:`countries`).
    min_population
        Keep places with ``pop_max >= min_population``.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``place_id`` (stable: ``ISO-name-slug``, plus the admin-1 slug when a country has
        two places of one name), ``name``, ``iso_a3``, ``population`` (``pop_max``),
        ``geometry`` (Point); sorted by population descending, then ``place_id``.
    """
    table = _places()
    mask = table["population"].to_numpy() >= min_population
    if codes is not None:
        if isinstance(codes, str):
            codes = [codes]
        known = known_country_codes()
        keys = []
        for code in codes:
            key = str(code).strip().upper()
            if key not in known:
                raise UnknownCountryError(code, known)
            keys.append(key)
        mask &= table["iso_a3"].isin(keys).to_numpy()
    return table.loc[mask].reset_index(drop=True)


@functools.cache
def _land(scale: str) -> gpd.GeoDataFrame:
    return _read("land", scale)[["geometry"]]


@functools.cache
def _ocean(scale: str) -> gpd.GeoDataFrame:
    return _read("ocean", scale)[["geometry"]]


@functools.cache
def _lakes(scale: str) -> gpd.GeoDataFrame:
    return _read("lakes", scale)[["name", "geometry"]]


def land(scale: str = "50m") -> gpd.GeoDataFrame:
    """Natural Earth land polygons (valid), EPSG:4326. Lakes are part of the land (see :func:`lakes`)."""
    return _land(scale).copy()


def ocean(scale: str = "50m") -> gpd.GeoDataFrame:
    """Natural Earth ocean polygons (valid), EPSG:4326; only ``"50m"`` is shipped."""
    return _ocean(scale).copy()


@functools.cache
def land_union(scale: str = "50m") -> BaseGeometry:
    """All land as one prepared shapely geometry (for fast :func:`shapely.contains_xy`).

    Shared, cached object: do not mutate.
    """
    geom = shapely.union_all(_land(scale).geometry.values)
    shapely.prepare(geom)
    return geom


@functools.cache
def ocean_union(scale: str = "50m") -> BaseGeometry:
    """The ocean as one prepared shapely geometry. Shared, cached object: do not mutate."""
    geom = shapely.union_all(_ocean(scale).geometry.values)
    shapely.prepare(geom)
    return geom


def lakes(scale: str = "50m") -> gpd.GeoDataFrame:
    """Natural Earth 1:50m lakes and reservoirs (valid), columns ``name``, ``geometry``; EPSG:4326.

    The land and country polygons include them (the Great Lakes are "land" there).
    """
    return _lakes(scale).copy()


@functools.cache
def lakes_union(scale: str = "50m") -> BaseGeometry:
    """All lakes as one prepared shapely geometry. Shared, cached object: do not mutate."""
    geom = shapely.union_all(_lakes(scale).geometry.values)
    shapely.prepare(geom)
    return geom


_TERRITORY_UNIONS: dict[tuple[tuple[str, ...], str], BaseGeometry] = {}


def territory_union(partners: gpd.GeoDataFrame, codes: Sequence[str] | None = None) -> BaseGeometry:
    """Union of the territory of the rows of ``partners`` whose ``iso_a3`` is in ``codes`` (all: ``None``).

    ``partners`` is a :func:`countries` frame. Memoised by content (a union of 50m countries takes
    ~0.3 s, and the size check, the problem build and every run of a batch ask for the same ones):
    the key is the selected codes and a digest of their geometries' WKB, so equal territories from
    different frames share one entry and a changed geometry never hits a stale one. Shared object:
    do not mutate.
    """
    sel = partners if codes is None else partners[partners["iso_a3"].isin(codes)]
    geoms = sel.geometry.to_numpy()
    digest = hashlib.blake2b(b"".join(shapely.to_wkb(geoms)), digest_size=16).hexdigest()
    key = (tuple(sorted(map(str, sel["iso_a3"]))), digest)
    if key not in _TERRITORY_UNIONS:
        if len(_TERRITORY_UNIONS) > 16:
            _TERRITORY_UNIONS.clear()
        _TERRITORY_UNIONS[key] = shapely.union_all(geoms)
    return _TERRITORY_UNIONS[key]
