"""plan.gpkg for QGIS: reach circles, embedded layer styles that match the layers' attributes."""

from __future__ import annotations

import math
import sqlite3
import xml.etree.ElementTree as ET

import geopandas as gpd
import numpy as np


def _haversine_km(lon1, lat1, lon2, lat2):
    r = 6371.0088
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * r * math.asin(math.sqrt(a))


def test_reach_layer_holds_geodesic_circles_of_the_chosen_sites(written, bundle):
    reach = gpd.read_file(written["plan.gpkg"], layer="reach")
    chosen = bundle.chosen_sites.set_index("site_id")
    expected = sum(np.isfinite(chosen[c]).sum() for c in ("sensor_reach_km", "engagement_range_km"))
    assert len(reach) == expected and set(reach["kind"]) == {"sensor", "engagement"}
    for r in reach.itertuples(index=False):
        site = chosen.loc[r.site_id].geometry
        col = "sensor_reach_km" if r.kind == "sensor" else "engagement_range_km"
        assert r.radius_km == chosen.loc[r.site_id, col]
        for lon, lat in list(r.geometry.exterior.coords)[::16]:  # every vertex on the circle
            assert abs(_haversine_km(site.x, site.y, lon, lat) - r.radius_km) < 1e-6 * r.radius_km + 1e-6


def test_every_layer_has_a_default_style_whose_categories_exist(written):
    path = written["plan.gpkg"]
    with sqlite3.connect(path) as con:
        rows = con.execute(
            "SELECT f_table_name, f_geometry_column, useAsDefault, styleQML FROM layer_styles"
        ).fetchall()
        geom = dict(con.execute("SELECT table_name, column_name FROM gpkg_geometry_columns"))
    styled = {name for name, *_ in rows}
    assert styled == {"partners", "sites", "points", "reach"}
    for name, column, default, qml in rows:
        assert default and column == geom[name]
        root = ET.fromstring(qml.split("\n", 1)[1])  # after the DOCTYPE line
        renderer = root.find("renderer-v2")
        assert renderer is not None
        if renderer.get("type") == "categorizedSymbol":
            attr = renderer.get("attr")
            values = set(gpd.read_file(path, layer=name)[attr].astype(str))
            categories = {c.get("value") for c in renderer.iter("category")}
            assert values <= categories, (name, values - categories)  # every feature gets a colour
            assert len(list(renderer.iter("symbol"))) == len(categories)


def test_partner_and_site_attributes(small_run, tmp_path):
    from planner.run.pipeline import plan_bundle
    from reports.writers import _write_gpkg

    bundle = plan_bundle(small_run)
    path = tmp_path / "plan.gpkg"
    _write_gpkg(bundle, path)
    partners = gpd.read_file(path, layer="partners").set_index("iso_a3")
    cs = small_run.cost_sharing
    for f in cs.facts:
        assert partners.loc[f.iso_a3, "budget_cap_musd"] == f.budget_cap_musd
        assert partners.loc[f.iso_a3, "population"] == f.population
        for rule, amounts in cs.allocations.items():
            assert partners.loc[f.iso_a3, f"bill_{rule}_musd"] == amounts[f.iso_a3]
    sites = gpd.read_file(path, layer="sites")
    chosen = sites[sites["state"] == "chosen"]
    ground = bundle.chosen_sites
    assert len(chosen) == len(ground)
    assert chosen["label"].str.contains(" near ").all() and chosen["marginal_weight"].notna().all()
    assert sites.loc[sites["state"] == "candidate", "label"].fillna("").eq("").all()
