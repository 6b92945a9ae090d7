import json
import re
import sqlite3

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest

from reports import writers
from reports.writers import jsonable, summary_json, write_outputs
from tests.reports.conftest import NOTE, make_bundle

ALWAYS = {"plan.gpkg", "plan.csv", "points.csv", "summary.json", "report.html", "map.png", "charts.png"}


def test_all_files_are_written_into_the_scenario_folder(written):
    assert set(written) == ALWAYS
    folder = written["report.html"].parent
    assert folder.name == "tiny"
    assert sorted(p.name for p in folder.iterdir()) == sorted(ALWAYS)
    for name, path in written.items():
        assert path == folder / name and path.stat().st_size > 0
    # Nothing but the scenario folder in out_dir: no temporary or backup directory left.
    assert [p.name for p in folder.parent.iterdir()] == ["tiny"]


def test_geopackage_layers_read_back(written, bundle):
    path = written["plan.gpkg"]
    layers = dict(pyogrio.list_layers(path))
    assert layers == {"partners": "MultiPolygon", "sites": "Point", "points": "Point", "reach": "Polygon",
                      "constellations": None, "layer_styles": None}
    for name, frame in [("partners", bundle.partners), ("sites", bundle.sites), ("points", bundle.points)]:
        back = gpd.read_file(path, layer=name)
        assert len(back) == len(frame)
        assert back.crs.to_epsg() == 4326
    sites = gpd.read_file(path, layer="sites")
    assert sites["chosen"].tolist() == bundle.sites["chosen"].tolist()
    np.testing.assert_allclose(sites.geometry.x, bundle.sites.geometry.x)
    const = pyogrio.read_dataframe(path, layer="constellations")
    assert list(const["pattern"]) == ["53:24/3/1", "53:48/6/1"]
    # An attribute table in gpkg_contents is what QGIS lists as a non-spatial table.
    with sqlite3.connect(path) as con:
        kinds = dict(con.execute("SELECT table_name, data_type FROM gpkg_contents"))
    assert kinds["constellations"] == "attributes"
    assert kinds["points"] == "features"


def test_plan_csv_lists_chosen_sites_then_chosen_constellations(written):
    plan = pd.read_csv(written["plan.csv"], keep_default_na=False, na_values=[""])
    assert list(plan.columns[:8]) == [
        "site_id",
        "asset_type",
        "domain",
        "role",
        "lon",
        "lat",
        "cost_musd",
        "partner",
    ]
    assert list(plan["site_id"]) == ["R1", "B1", "SHIP1", "LEO24"]
    assert list(plan["domain"]) == ["land", "land", "sea", "space"]
    assert plan["cost_musd"].sum() == pytest.approx(750.0)
    assert plan.loc[0, ["lon", "lat"]].tolist() == [-102.0, 38.0]
    assert np.isnan(plan.loc[3, "lon"]) and plan.loc[3, "n_satellites"] == 24


def test_points_csv_has_every_point_with_a_consistent_status(written, bundle):
    pts = pd.read_csv(written["points.csv"])
    assert len(pts) == len(bundle.points)
    assert (pts["status"] == "defended").tolist() == bundle.points["defended"].tolist()
    sensor_only = pts["sensor_covered"] & ~pts["interceptor_covered"]
    assert (pts.loc[sensor_only, "status"] == "sensor only").all()
    np.testing.assert_allclose(pts["lon"], bundle.points.geometry.x)


def test_summary_json_round_trips_in_the_pipelines_order(written, bundle):
    text = written["summary.json"].read_text()
    assert text.startswith('{\n  "scenario"')  # indent 2, first key first
    back = json.loads(text)
    assert back == bundle.summary.to_json()
    assert list(back) == list(bundle.summary.to_json())


def test_jsonable_makes_numpy_and_nan_json_ready():
    out = jsonable(
        {"a": np.int64(3), "b": np.float64("nan"), "c": np.array([1.5, np.inf]), "d": (np.bool_(True),)}
    )
    assert out == {"a": 3, "b": None, "c": [1.5, None], "d": [True]}
    assert json.loads(summary_json({"x": float("nan")})) == {"x": None}
    with pytest.raises(TypeError, match="not JSON-ready"):
        jsonable({"bad": object()})


def test_html_is_self_contained(written):
    html = written["report.html"].read_text()
    assert not re.search(r"<script[^>]*\ssrc\s*=", html, re.I) and "<script" in html  # inline only
    # Outside the inlined library (its SVG namespace and licence name URLs it never fetches),
    # no URL at all; the browser test checks that nothing is requested.
    outside = re.sub(r"<script.*?</script>|<!--.*?-->", "", html, flags=re.S | re.I)
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", outside, re.I)
    assert not re.search(r"https?://", outside)
    assert "@import" not in html and not re.search(r"url\(\s*['\"]?(https?:)?//", html)
    srcs = re.findall(r'<img[^>]*\ssrc="([^"]*)"', html)
    assert len(srcs) == 2 and all(s.startswith("data:image/png;base64,") for s in srcs)


def test_html_contains_the_key_figures(written, bundle):
    html = written["report.html"].read_text()
    s = bundle.summary
    share = f"{100 * s.defended_share:.1f} %"
    for needle in [
        bundle.title,
        NOTE,
        share,
        "750.0",
        "1,000.0",
        "75.0 %",
        "optimal",
        "Alphaland",
        "Betaland",
        "SHIP1",
        "53:24/3/1",
        "sha256:0123abcd",
        f"{s.total_weight:,.0f}",
        "Made with Natural Earth",
        "passed",
        "<p id='extra-section'>shares <b>here</b></p>",
        "highs",
        "1.15.1",
    ]:
        assert needle in html, needle


def test_failure_inside_leaves_previous_output_intact(tmp_path, monkeypatch, bundle, fast_images):
    write_outputs(bundle, tmp_path / "tiny")
    before = {p.name: p.read_bytes() for p in (tmp_path / "tiny").iterdir()}

    def broken(*args, **kwargs):
        raise RuntimeError("template exploded")

    monkeypatch.setattr(writers, "render_html", broken)
    with pytest.raises(RuntimeError, match="template exploded"):
        write_outputs(bundle, tmp_path / "tiny")
    assert [p.name for p in tmp_path.iterdir()] == ["tiny"]
    assert {p.name: p.read_bytes() for p in (tmp_path / "tiny").iterdir()} == before


def test_failure_on_first_write_leaves_nothing(tmp_path, monkeypatch, bundle, fast_images):
    def broken(*args, **kwargs):
        raise OSError("gpkg driver failed")

    monkeypatch.setattr(writers, "_write_gpkg", broken)
    with pytest.raises(OSError, match="gpkg driver failed"):
        write_outputs(bundle, tmp_path / "out" / "tiny")
    assert [p.name for p in (tmp_path / "out").iterdir()] == []


def test_minimal_bundle_without_space_layer_or_optional_summary(tmp_path):
    b = make_bundle(constellations=pd.DataFrame(), summary=None, sections=())
    out = write_outputs(b, tmp_path / "tiny")
    layers = dict(pyogrio.list_layers(out["plan.gpkg"]))
    assert "constellations" not in layers
    assert json.loads(out["summary.json"].read_text()) == {}
    assert pd.read_csv(out["plan.csv"])["site_id"].tolist() == ["R1", "B1", "SHIP1"]
    assert "\u2014" in out["report.html"].read_text()  # missing figures shown as dashes


def test_allocations_are_written_when_given(tmp_path, fast_images):
    alloc = pd.DataFrame(
        {"equal": [375.0, 375.0], "by_weight": [500.25, 249.75]},
        index=pd.Index(["AAA", "BBB"], name="partner"),
    )
    out = write_outputs(make_bundle(allocations=alloc), tmp_path / "tiny", charts=False)
    assert "charts_png" not in out
    back = pd.read_csv(out["allocations.csv"], index_col="partner")
    pd.testing.assert_frame_equal(back, alloc)
    assert out["allocations.xlsx"].read_bytes()[:2] == b"PK"
