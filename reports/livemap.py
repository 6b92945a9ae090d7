"""The interactive map of report.html: Leaflet and the plan's vector data, inlined, no network.

Leaflet 1.9.4 (BSD-2-Clause, ``reports/vendor/LEAFLET-LICENSE``) is vendored from its npm package
(``dist/leaflet.js``, ``dist/leaflet.css``) and written into the page with its licence; its CSS
image references are removed so that nothing is fetched. There is no tile layer: partners
(simplified), context land, reach circles (geodesic polygons), chosen sites, candidates and
defended points are GeoJSON embedded in the page. A button per theatre
(:func:`reports.theatres.theatres`) zooms to it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd
import shapely

from reports.bundle import PlanBundle
from reports.fmt import num, pct
from reports.geodesic import range_rings
from reports.maps import CANDIDATE, DEFENDED, UNDEFENDED, all_styles
from reports.theatres import theatres

SIMPLIFY_DEG = 0.03
"""Tolerance of the partners' outline simplification (about 3 km)."""
LAND_SIMPLIFY_DEG = 0.15
MAX_CANDIDATES = 4000
"""Candidate sites embedded at most (a layer off by default)."""
LAYER_NAMES = ("Partners", "Reach circles", "Chosen sites", "Defended points", "Candidate sites")
"""The overlay layers, in the layer control (the browser test looks for them)."""


@dataclass(frozen=True)
class LiveMap:
    """The map's markup (a ``div`` and its controls) and the script (library, data, code)."""

    html: str
    script: str


@cache
def _vendor() -> tuple[str, str, str]:
    root = resources.files("reports") / "vendor"
    js = (root / "leaflet.js").read_text(encoding="utf-8")
    js = re.sub(r"//# sourceMappingURL=\S+", "", js)
    css = (root / "leaflet.css").read_text(encoding="utf-8")
    css = re.sub(r"url\(images/[^)]*\)", "none", css)
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)  # comments (they cite bug-tracker URLs)
    licence = (root / "LEAFLET-LICENSE").read_text(encoding="utf-8")
    return js, css, licence


def _round(geom: Any, digits: int = 3) -> dict[str, Any]:
    return shapely.geometry.mapping(shapely.set_precision(geom, 10.0**-digits))


def _feature(geom: Any, props: dict[str, Any]) -> dict[str, Any]:
    shape = geom if isinstance(geom, dict) else _round(geom)
    return {"type": "Feature", "geometry": shape, "properties": props}


def _partners(bundle: PlanBundle) -> list[dict[str, Any]]:
    per = {r.iso_a3: r for r in (() if bundle.summary is None else bundle.summary.per_partner)}
    out = []
    for iso, name, geom in zip(bundle.partners["iso_a3"], bundle.partners["name"], bundle.partners.geometry,
                               strict=True):
        g = shapely.simplify(geom, SIMPLIFY_DEG, preserve_topology=True)
        r = per.get(iso)
        tip = f"{name} ({iso})"
        if r is not None:
            tip += f": {num(r.defended_weight)} of {num(r.total_weight)} defended ({pct(r.defended_share)})"
        out.append(_feature(g, {"tip": tip}))
    return out


def _land(bundle: PlanBundle, box: tuple[float, float, float, float]) -> list[dict[str, Any]]:
    if bundle.basemap is None or len(bundle.basemap) == 0:
        return []
    w, s, e, n = box
    clip = shapely.box(max(w, -180), max(s, -85), min(e, 180), min(n, 85))
    geoms = shapely.intersection(bundle.basemap.geometry.to_numpy(), clip)
    geoms = shapely.simplify(geoms[~shapely.is_empty(geoms)], LAND_SIMPLIFY_DEG)
    return [_feature(g, {}) for g in geoms if not g.is_empty]


def _rings(chosen: pd.DataFrame, column: str, kind: str, styles: dict[str, tuple[str, str]]) -> list[dict]:
    r = pd.to_numeric(chosen[column], errors="coerce").to_numpy(float)
    keep = np.isfinite(r) & (r > 0)
    if not keep.any():
        return []
    sub = chosen[keep]
    lon, lat = range_rings(sub.geometry.x.to_numpy(), sub.geometry.y.to_numpy(), r[keep], n_vertices=72)
    out = []
    for k, row in enumerate(sub.itertuples(index=False)):
        ring = np.round(np.column_stack([lon[k], lat[k]]), 3).tolist()
        out.append(_feature({"type": "Polygon", "coordinates": [ring]},
                            {"kind": kind, "color": styles[str(row.asset_type)][0],
                             "tip": f"{row.site_id}: {kind} {num(r[keep][k])} km"}))
    return out


def _sites(bundle: PlanBundle, styles: dict[str, tuple[str, str]]) -> tuple[list[dict], list[dict]]:
    facts = bundle.site_facts.set_index("site_id") if bundle.site_facts is not None else None
    chosen: list[dict] = []
    cands: list[dict] = []
    for row, g in zip(bundle.sites.itertuples(index=False), bundle.sites.geometry, strict=True):
        if not bool(row.chosen):
            if len(cands) < MAX_CANDIDATES:
                cands.append(_feature(g, {"tip": f"candidate {row.site_id}"}))
            continue
        where = row.partner or "international waters"
        tip = f"{row.site_id} ({row.asset_type}, {row.domain}, {where}); {num(row.cost_musd, 1)} M USD"
        if facts is not None and row.site_id in facts.index:
            f = facts.loc[row.site_id]
            tip += f"; near {f['nearest_place']}; {num(f['n_points'])} defended points; " \
                   f"lost without it: {num(f['marginal_weight'])}"
        chosen.append(_feature(g, {"tip": tip, "color": styles.get(str(row.asset_type), ("#555", ""))[0]}))
    return chosen, cands


def _points(bundle: PlanBundle) -> list[dict[str, Any]]:
    pts = bundle.points
    w = pd.to_numeric(pts["weight"], errors="coerce").fillna(0).to_numpy(float)
    top = w.max() if len(w) and w.max() > 0 else 1.0
    out = []
    for k, (row, g) in enumerate(zip(pts.itertuples(index=False), pts.geometry, strict=True)):
        ok = bool(row.defended)
        out.append(_feature(g, {"tip": f"{row.name} ({row.partner}): {num(w[k])}, "
                                       f"{'defended' if ok else 'undefended'}",
                                "ok": ok, "r": float(3 + 12 * np.sqrt(w[k] / top))}))
    return out


def map_data(bundle: PlanBundle) -> dict[str, Any]:
    """The map's vector data and theatres, JSON-ready (lon/lat, 3 decimals)."""
    styles = all_styles(bundle)
    chosen = bundle.chosen_sites
    sites, cands = _sites(bundle, styles)
    views: list[dict[str, Any]] = []
    for t in theatres(bundle):
        w, s, e, n = t.bounds
        views.append({"name": t.name, "bounds": [[s, w], [n, e]]})
    b = [min(v["bounds"][0][1] for v in views), min(v["bounds"][0][0] for v in views),
         max(v["bounds"][1][1] for v in views), max(v["bounds"][1][0] for v in views)] if views else \
        [-180, -80, 180, 80]
    pad = 15.0
    rings = _rings(chosen, "engagement_range_km", "engagement", styles) + \
        _rings(chosen, "sensor_reach_km", "sensor", styles) if len(chosen) else []
    return {
        "land": _land(bundle, (b[0] - pad, b[1] - pad, b[2] + pad, b[3] + pad)),
        "partners": _partners(bundle), "rings": rings, "sites": sites, "candidates": cands,
        "points": _points(bundle) if len(bundle.points) else [], "theatres": views,
        "colors": {"defended": DEFENDED, "undefended": UNDEFENDED, "candidate": CANDIDATE},
        "layers": list(LAYER_NAMES),
    }


_CODE = """
(function () {
  var D = JSON.parse(document.getElementById('domeplan-map-data').textContent);
  var map = L.map('map-live', {preferCanvas: false, worldCopyJump: false, attributionControl: true});
  map.attributionControl.setPrefix(false).addAttribution('Natural Earth; Leaflet (BSD-2)');
  var tip = function (f, layer) {
    if (f.properties && f.properties.tip) { layer.bindTooltip(f.properties.tip); } };
  L.geoJSON({type: 'FeatureCollection', features: D.land}, {interactive: false,
    style: {color: '#d9d9d3', weight: 0, fillColor: '#e2e2dd', fillOpacity: 1}}).addTo(map);
  var layers = {};
  layers['Partners'] = L.geoJSON({type: 'FeatureCollection', features: D.partners},
    {style: {color: '#9c8f76', weight: 1, fillColor: '#fbf1d6', fillOpacity: 0.9}, onEachFeature: tip});
  layers['Reach circles'] = L.geoJSON({type: 'FeatureCollection', features: D.rings}, {
    style: function (f) { var e = f.properties.kind === 'engagement';
      return {color: f.properties.color, weight: 1, dashArray: e ? null : '5 4',
              fillColor: f.properties.color, fillOpacity: e ? 0.15 : 0}; }, onEachFeature: tip});
  layers['Candidate sites'] = L.geoJSON({type: 'FeatureCollection', features: D.candidates}, {
    pointToLayer: function (f, ll) { return L.circleMarker(ll, {radius: 1.5, color: D.colors.candidate,
      weight: 0, fillOpacity: 0.6}); }, onEachFeature: tip});
  layers['Defended points'] = L.geoJSON({type: 'FeatureCollection', features: D.points}, {
    pointToLayer: function (f, ll) { var c = f.properties.ok ? D.colors.defended : D.colors.undefended;
      return L.circleMarker(ll, {radius: f.properties.r, color: '#fff', weight: 0.6, fillColor: c,
        fillOpacity: 0.75}); }, onEachFeature: tip});
  layers['Chosen sites'] = L.geoJSON({type: 'FeatureCollection', features: D.sites}, {
    pointToLayer: function (f, ll) { return L.circleMarker(ll, {radius: 6, color: '#000', weight: 1,
      fillColor: f.properties.color, fillOpacity: 1}); }, onEachFeature: tip});
  ['Partners', 'Reach circles', 'Defended points', 'Chosen sites'].forEach(function (k) {
    layers[k].addTo(map); });
  L.control.layers(null, layers, {collapsed: false}).addTo(map);
  L.control.scale({imperial: false}).addTo(map);
  var tools = document.getElementById('map-theatres');
  var fit = function (b) { map.fitBounds(b, {padding: [20, 20]}); };
  D.theatres.forEach(function (t, i) {
    var b = document.createElement('button'); b.type = 'button'; b.textContent = t.name;
    b.addEventListener('click', function () { fit(t.bounds); }); tools.appendChild(b);
  });
  if (D.theatres.length) { fit(D.theatres[0].bounds); } else { map.setView([20, 0], 2); }
  window.domeplanMap = {map: map, layers: layers};
  document.getElementById('map-live').setAttribute('data-layers', Object.keys(layers).join('|'));
})();
"""


def _script_json(data: dict[str, Any]) -> str:
    # Inside <script>, "</" would end the element: escape it (and keep the JSON valid).
    return json.dumps(data, separators=(",", ":"), allow_nan=False).replace("</", "<\\/")


def live_map(bundle: PlanBundle) -> LiveMap:
    """The interactive map of a plan, self-contained (library, style and data inline)."""
    js, css, licence = _vendor()
    data = map_data(bundle)
    label = "Zoom to theatre: " if len(data["theatres"]) > 1 else "Zoom to the plan: "
    html = (
        f"<style>{css}</style>\n"
        f'<div class="map-tools" id="map-theatres"><span class="muted">{label}</span></div>\n'
        '<div id="map-live" role="application" aria-label="Interactive map of the plan"></div>\n'
        '<p class="note">Pan, zoom and hover for details; the layer control switches partners, reach '
        "circles (engagement filled, sensor dashed; geodesic), chosen sites, defended points (green) "
        "and undefended ones (red), and candidate sites. No map tiles: everything is in this file.</p>"
    )
    script = (
        f"<!-- Leaflet 1.9.4, https://leafletjs.com\n{licence.replace('--', '- -')}\n-->\n"
        f"<script>{js}</script>\n"
        f'<script type="application/json" id="domeplan-map-data">{_script_json(data)}</script>\n'
        f"<script>{_CODE}</script>"
    )
    return LiveMap(html, script)
