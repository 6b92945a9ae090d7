"""Write every output of a plan into one folder (``out/<scenario_name>/``), all at once or not at all.

Everything is rendered and written into a temporary sibling directory, which replaces the previous
output only once every file is complete (:func:`reports.atomic.atomic_directory`): a failure at any
step leaves the previous output as it was and no partial folder behind.
"""

from __future__ import annotations

import enum
import json
import math
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from reports.allocations import write_allocations
from reports.atomic import atomic_directory
from reports.bundle import PlanBundle
from reports.charts import render_charts
from reports.errors import MissingDependencyError
from reports.geodesic import range_rings
from reports.gpkgstyle import styles, write_layer_styles
from reports.html import render_html
from reports.maps import render_map
from reports.pdf import INSTALL_HINT, html_to_pdf, pdf_available

FILES = {  # internal key -> file name; write_outputs returns file name -> path
    "gpkg": "plan.gpkg",
    "plan_csv": "plan.csv",
    "points_csv": "points.csv",
    "summary_json": "summary.json",
    "html": "report.html",
    "map_png": "map.png",
    "charts_png": "charts.png",
    "allocations_csv": "allocations.csv",
    "allocations_xlsx": "allocations.xlsx",
    "pdf": "report.pdf",
}
"""Every file :func:`write_outputs` may write, by internal key."""

PLAN_COLUMNS = (
    "site_id", "asset_type", "domain", "role", "lon", "lat", "cost_musd", "partner",
    "sensor_reach_km", "engagement_range_km", "pattern", "altitude_km", "n_satellites",
)  # fmt: skip


def jsonable(value: Any) -> Any:
    """Return ``value`` with numpy scalars and arrays, enums and paths made JSON-native.

    Non-finite floats become ``None`` (JSON has no NaN); dict order is kept.
    """
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset | np.ndarray | pd.Series):
        return [jsonable(v) for v in (sorted(value) if isinstance(value, set | frozenset) else value)]
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    if value is None or isinstance(value, str):
        return value
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    raise TypeError(f"summary value {value!r} of type {type(value).__name__} is not JSON-ready")


def summary_json(summary: dict[str, Any]) -> str:
    """Return ``summary`` as JSON text: indent 2, the pipeline's key order, no NaN, final newline."""
    return json.dumps(jsonable(summary), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def plan_frame(bundle: PlanBundle) -> pd.DataFrame:
    """Return the chosen assets, land and sea sites first, then chosen constellations.

    Columns are :data:`PLAN_COLUMNS`; constellations have domain ``'space'`` and no lon/lat.
    """
    sites = bundle.chosen_sites
    ground = pd.DataFrame({
        "site_id": sites["site_id"], "asset_type": sites["asset_type"], "domain": sites["domain"],
        "role": sites["role"], "lon": sites.geometry.x if len(sites) else [],
        "lat": sites.geometry.y if len(sites) else [], "cost_musd": sites["cost_musd"],
        "partner": sites["partner"], "sensor_reach_km": sites["sensor_reach_km"],
        "engagement_range_km": sites["engagement_range_km"],
    })  # fmt: skip
    space = bundle.chosen_constellations
    parts = [ground]
    if len(space):
        parts.append(pd.DataFrame({
            "site_id": space["site_id"], "asset_type": space["asset_type"], "domain": "space",
            "role": space["role"], "cost_musd": space["cost_musd"], "partner": "",
            "pattern": space["pattern"], "altitude_km": space["altitude_km"],
            "n_satellites": space["n_satellites"],
        }))  # fmt: skip
    frames = [p for p in parts if len(p)]
    out = pd.concat(frames, ignore_index=True) if frames else ground.iloc[0:0]
    return out.reindex(columns=list(PLAN_COLUMNS)).reset_index(drop=True)


def point_status(points: pd.DataFrame) -> pd.Series:
    """Return each point's status: defended, sensor only, interceptor only, or uncovered."""
    sensed = points["sensor_covered"].astype(bool)
    engaged = points["interceptor_covered"].astype(bool)
    status = np.select(
        [points["defended"].astype(bool), sensed & ~engaged, engaged & ~sensed, sensed & engaged],
        ["defended", "sensor only", "interceptor only", "covered, not defended"],
        default="uncovered",
    )
    return pd.Series(status, index=points.index, name="status")


def points_frame(bundle: PlanBundle) -> pd.DataFrame:
    """Return the defended points with lon/lat and a ``status`` column, without geometry."""
    pts = bundle.points
    cols = [c for c in pts.columns if c != "geometry"]
    out = pd.DataFrame(pts[cols])
    at = cols.index("partner") + 1 if "partner" in cols else len(cols)
    out.insert(at, "lon", pts.geometry.x if len(pts) else [])
    out.insert(at + 1, "lat", pts.geometry.y if len(pts) else [])
    out["status"] = point_status(pts) if len(pts) else []
    return out.reset_index(drop=True)


def reach_frame(bundle: PlanBundle) -> gpd.GeoDataFrame:
    """Sensor and engagement circles of the chosen sites as geodesic polygons (spherical Earth).

    Longitudes are unwrapped along each ring, so a circle across the antimeridian extends past ±180°
    rather than wrapping around the world.
    """
    chosen = bundle.chosen_sites
    rows, geoms = [], []
    for column, kind in (("engagement_range_km", "engagement"), ("sensor_reach_km", "sensor")):
        r = pd.to_numeric(chosen[column], errors="coerce").to_numpy(float) if len(chosen) else np.empty(0)
        keep = np.isfinite(r) & (r > 0)
        if not keep.any():
            continue
        sub = chosen[keep]
        lon, lat = range_rings(sub.geometry.x.to_numpy(), sub.geometry.y.to_numpy(), r[keep])
        for k, row in enumerate(sub.itertuples(index=False)):
            rows.append(
                {
                    "site_id": row.site_id,
                    "asset_type": row.asset_type,
                    "kind": kind,
                    "radius_km": float(r[keep][k]),
                }
            )
            geoms.append(shapely.Polygon(np.column_stack([lon[k], lat[k]])))
    frame = pd.DataFrame(rows, columns=["site_id", "asset_type", "kind", "radius_km"])
    return gpd.GeoDataFrame(frame, geometry=geoms, crs="EPSG:4326")


def _gpkg_layers(bundle: PlanBundle) -> list[tuple[str, gpd.GeoDataFrame, str]]:
    partners = bundle.partners
    if bundle.partner_facts is not None and len(bundle.partner_facts):
        extra = bundle.partner_facts.drop(columns=[c for c in ("name",) if c in bundle.partner_facts])
        partners = partners.merge(extra, on="iso_a3", how="left")
    sites = bundle.sites.assign(state=np.where(bundle.sites["chosen"].astype(bool), "chosen", "candidate"))
    if bundle.site_facts is not None and len(bundle.site_facts):
        sites = sites.merge(bundle.site_facts, on="site_id", how="left")
        near = sites["nearest_place"].fillna("")
        sites["label"] = np.where(near != "", sites["asset_type"].astype(str) + " near " + near, "")
    points = bundle.points.assign(status=point_status(bundle.points) if len(bundle.points) else [])
    return [
        ("partners", partners, "MultiPolygon"),
        ("sites", sites, "Point"),
        ("points", points, "Point"),
        ("reach", reach_frame(bundle), "Polygon"),
    ]


def _write_gpkg(bundle: PlanBundle, path: Path) -> None:
    for name, frame, geometry_type in _gpkg_layers(bundle):
        frame = frame.set_crs(4326, allow_override=True) if frame.crs is None else frame
        frame.to_file(
            path,
            layer=name,
            driver="GPKG",
            engine="pyogrio",
            geometry_type=geometry_type,
            promote_to_multi=geometry_type.startswith("Multi"),
        )
    for name, frame in bundle.layers:
        if len(frame):
            frame.to_file(path, layer=name, driver="GPKG", engine="pyogrio")
    if len(bundle.constellations.columns):
        # GDAL writes a frame without geometry as a GeoPackage attribute table ("attributes" in
        # gpkg_contents), which QGIS lists as a plain table.
        pyogrio.write_dataframe(
            pd.DataFrame(bundle.constellations), path, layer="constellations", driver="GPKG"
        )
    write_layer_styles(path, styles())


def write_outputs(
    bundle: PlanBundle, out_dir: str | Path, *, pdf: bool = False, charts: bool = True
) -> dict[str, Path]:
    """Write all outputs of ``bundle`` into the folder ``out_dir``, atomically.

    Parameters
    ----------
    bundle
        The plan to write.
    out_dir
        The run's own folder, by convention ``out/<bundle.scenario_name>``; created with its parents
        if needed. A previous folder at that path is replaced whole (never merged).
    pdf
        Also write ``report.pdf`` (needs WeasyPrint; checked before anything is written).
    charts
        Also draw ``charts.png`` (defended weight per partner, cost by asset type), embedded in the
        report too.

    Returns
    -------
    dict
        File name -> final path, for every file written: always ``plan.gpkg``, ``plan.csv``,
        ``points.csv``, ``summary.json``, ``report.html``, ``map.png``; ``charts.png`` when drawn;
        ``allocations.csv`` and ``allocations.xlsx`` when ``bundle.allocations`` is given;
        ``report.pdf`` when asked.

    Raises
    ------
    MissingDependencyError
        ``pdf=True`` without WeasyPrint; nothing is written.
    """
    if pdf and not pdf_available():
        raise MissingDependencyError(INSTALL_HINT)
    final = Path(out_dir)
    with atomic_directory(final) as tmp:
        # fails early on a summary JSON cannot hold
        summary_text = summary_json({} if bundle.summary is None else bundle.summary.to_json())
        map_png = render_map(bundle)
        charts_png = render_charts(bundle) if charts else None
        html = render_html(bundle, map_png=map_png, charts_png=charts_png)

        _write_gpkg(bundle, tmp / FILES["gpkg"])
        plan_frame(bundle).to_csv(tmp / FILES["plan_csv"], index=False, lineterminator="\n")
        points_frame(bundle).to_csv(tmp / FILES["points_csv"], index=False, lineterminator="\n")
        (tmp / FILES["summary_json"]).write_text(summary_text, encoding="utf-8")
        (tmp / FILES["html"]).write_text(html, encoding="utf-8")
        (tmp / FILES["map_png"]).write_bytes(map_png)
        if charts_png is not None:
            (tmp / FILES["charts_png"]).write_bytes(charts_png)
        if bundle.allocations is not None:
            write_allocations(bundle.allocations, tmp, title=bundle.title, note=bundle.notional_note)
        for name, data in bundle.extra_files:
            (tmp / name).write_bytes(data)
        if pdf:
            # The printed page has the static map: no need for the interactive one's script and data.
            printed = render_html(bundle, map_png=map_png, charts_png=charts_png, interactive=False)
            (tmp / FILES["pdf"]).write_bytes(html_to_pdf(printed))
        names = sorted(p.name for p in tmp.iterdir())
    return {name: final / name for name in names}
