"""The one value the planner hands to the reports: everything a report shows, nothing it computes.

The pipeline builds a :class:`PlanBundle` and calls :func:`reports.write_outputs`. The bundle is checked
on construction, so a pipeline that drifts from the contract fails at the hand-over with a message
naming the field and the missing columns, not deep inside a map or a template.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import pandas as pd

from reports.errors import BundleError
from reports.summary import PlanSummary

NATURAL_EARTH_ATTRIBUTION = "Made with Natural Earth. Free vector and raster map data @ naturalearthdata.com."

PARTNER_COLUMNS = ("iso_a3", "name", "geometry")
SITE_COLUMNS = (
    "site_id", "asset_type", "domain", "role", "cost_musd", "sensor_reach_km",
    "engagement_range_km", "partner", "chosen", "geometry",
)  # fmt: skip
CONSTELLATION_COLUMNS = (
    "site_id", "asset_type", "pattern", "altitude_km", "n_satellites", "cost_musd", "role", "chosen",
)  # fmt: skip
POINT_COLUMNS = (
    "demand_id", "name", "partner", "weight", "sensor_covered", "interceptor_covered", "defended",
    "space_fraction", "geometry",
)  # fmt: skip

_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


@dataclass(frozen=True)
class ReportSection:
    """An extra block appended to the HTML report.

    Attributes
    ----------
    title
        Heading of the section (escaped when rendered).
    html
        Trusted HTML fragment produced by domeplan itself (never user input): rendered verbatim.
    key
        Anchor id of the section (``#key``, listed in the table of contents); default: from the title.
    wide
        Print the section on landscape pages (for tables too wide for a portrait A4 page).
    """

    title: str
    html: str
    key: str = ""
    wide: bool = False

    @property
    def anchor(self) -> str:
        """The section's HTML id: ``key``, else the title as a slug (``Cost sharing`` -> ``cost-sharing``)."""
        slug = re.sub(r"[^a-z0-9]+", "-", (self.key or self.title).lower()).strip("-")
        return slug or "section"


# eq=False: the generated __eq__ would compare DataFrames with ``==``, which raises; a bundle is a
# value to hand over, not to compare.
@dataclass(frozen=True, eq=False)
class PlanBundle:
    """Everything the reports show about one plan, in WGS84 (EPSG:4326).

    Attributes
    ----------
    scenario_name
        Safe file-name slug (letters, digits, ``.``, ``_``, ``-``); names the output folder.
    title
        Human title of the report.
    notional_note
        The "all asset parameters are notional and illustrative" banner, shown prominently.
    partners
        Partner territories: ``iso_a3``, ``name``, (Multi)Polygon ``geometry``.
    sites
        Ground and sea candidate sites: ``site_id``, ``asset_type``, ``domain`` (``'land'``/``'sea'``),
        ``role`` (``'sensor'``, ``'interceptor'``, ``'sensor+interceptor'``), ``cost_musd``,
        ``sensor_reach_km`` (min(range, line of sight)) and ``engagement_range_km`` (NaN where not
        applicable), ``partner`` (``iso_a3``, ``''`` at sea), ``chosen`` (bool), Point ``geometry``.
    constellations
        Space options: ``site_id``, ``asset_type``, ``pattern`` (Walker ``'53:24/3/1'``),
        ``altitude_km``, ``n_satellites``, ``cost_musd``, ``role``, ``chosen``. May be an empty frame
        without columns when the scenario has no space layer.
    points
        Defended points: ``demand_id``, ``name``, ``partner``, ``weight``, ``sensor_covered``,
        ``interceptor_covered``, ``defended`` (bools), ``space_fraction`` (NaN without a space layer),
        Point ``geometry``.
    summary
        The figures of the run (:class:`reports.summary.PlanSummary`: status, objective, cost,
        per-partner and per-layer tables, timings, solver, versions, verification), written as
        ``summary.json``; ``None`` renders dashes and writes ``{}``.
    sections
        Extra report sections appended after the standard ones.
    basemap
        Context land polygons drawn light grey under the partners (e.g. Natural Earth land), or
        ``None``. The bundle carries it because reports never read geodata themselves.
    allocations
        Cost-share table, one row per partner and one column per allocation rule (M USD), written to
        ``allocations.csv`` / ``allocations.xlsx`` when given.
    attribution
        Data attribution printed under the map and in the report footer.
    site_facts
        Why each chosen ground or sea site (``site_id``, ``nearest_place``, ``nearest_place_km``,
        ``n_points``, ``points``, ``marginal_weight``), or ``None``: the report's "Why each site"
        table and attributes of the GeoPackage's ``sites`` layer.
    partner_facts
        Partner attributes for the GeoPackage (``iso_a3`` and e.g. ``population``, ``gdp_musd``,
        ``budget_cap_musd``, ``bill_<rule>_musd``), or ``None``.
    layers
        Extra GeoPackage layers ``(name, frame)`` written to ``plan.gpkg`` (e.g. threat tracks
        and intercept points); each frame in EPSG:4326.
    extra_files
        Further files rendered by a report module (e.g. ``schedule.csv``), as ``(name, bytes)``
        pairs, written into the same folder with the rest.
    """

    scenario_name: str
    title: str
    notional_note: str
    partners: gpd.GeoDataFrame
    sites: gpd.GeoDataFrame
    constellations: pd.DataFrame
    points: gpd.GeoDataFrame
    summary: PlanSummary | None
    sections: tuple[ReportSection, ...] = ()
    basemap: gpd.GeoDataFrame | None = None
    allocations: pd.DataFrame | None = None
    attribution: str = NATURAL_EARTH_ATTRIBUTION
    site_facts: pd.DataFrame | None = None
    partner_facts: pd.DataFrame | None = None
    layers: tuple[tuple[str, gpd.GeoDataFrame], ...] = ()
    extra_files: tuple[tuple[str, bytes], ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.scenario_name, str) or not _SLUG.match(self.scenario_name):
            raise BundleError(
                f"PlanBundle.scenario_name = {self.scenario_name!r}: not a safe folder name "
                "(use letters, digits, '.', '_' or '-', starting with a letter or digit)"
            )
        _check_geo("partners", self.partners, PARTNER_COLUMNS, ("Polygon", "MultiPolygon"))
        _check_geo("sites", self.sites, SITE_COLUMNS, ("Point",))
        _check_geo("points", self.points, POINT_COLUMNS, ("Point",))
        if not isinstance(self.constellations, pd.DataFrame):
            raise BundleError(
                "PlanBundle.constellations: expected a pandas DataFrame, "
                f"got {type(self.constellations).__name__}"
            )
        if len(self.constellations) or len(self.constellations.columns):
            _check_columns("constellations", self.constellations, CONSTELLATION_COLUMNS)
        if self.basemap is not None:
            _check_geo("basemap", self.basemap, ("geometry",), ("Polygon", "MultiPolygon"))
        if self.summary is not None and not isinstance(self.summary, PlanSummary):
            raise BundleError(
                f"PlanBundle.summary: expected a PlanSummary or None, got {type(self.summary).__name__}"
            )
        bad = [s for s in self.sections if not isinstance(s, ReportSection)]
        if not isinstance(self.sections, tuple) or bad:
            raise BundleError(
                "PlanBundle.sections: expected a tuple of ReportSection, "
                f"got {type(self.sections).__name__} with {len(bad)} foreign item(s)"
            )

    @property
    def chosen_sites(self) -> gpd.GeoDataFrame:
        """Return the chosen ground and sea sites."""
        return self.sites[self.sites["chosen"].astype(bool)]

    @property
    def chosen_constellations(self) -> pd.DataFrame:
        """Return the chosen space options (empty frame without a space layer)."""
        if "chosen" not in self.constellations.columns:
            return self.constellations.iloc[0:0]
        return self.constellations[self.constellations["chosen"].astype(bool)]


def _check_columns(name: str, frame: pd.DataFrame, required: Iterable[str]) -> None:
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise BundleError(f"PlanBundle.{name}: missing columns {missing} (have: {list(frame.columns)})")


def _check_geo(name: str, frame: Any, required: Iterable[str], geom_types: tuple[str, ...]) -> None:
    if not isinstance(frame, gpd.GeoDataFrame):
        raise BundleError(f"PlanBundle.{name}: expected a GeoDataFrame, got {type(frame).__name__}")
    _check_columns(name, frame, required)
    if frame.geometry.name != "geometry":
        raise BundleError(
            f"PlanBundle.{name}: the active geometry column is {frame.geometry.name!r}, expected 'geometry'"
        )
    if len(frame) == 0:
        return
    if frame.crs is None or frame.crs.to_epsg() != 4326:
        raise BundleError(
            f"PlanBundle.{name}: CRS is {frame.crs!r}, expected EPSG:4326 "
            "(call .to_crs(4326) or .set_crs(4326) before building the bundle)"
        )
    types = frame.geometry.geom_type
    wrong = sorted(set(types.dropna()) - set(geom_types))
    if wrong or types.isna().any():
        found = wrong + (["missing"] if types.isna().any() else [])
        raise BundleError(f"PlanBundle.{name}: geometries must be {'/'.join(geom_types)}, found {found}")
