import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from reports.bundle import PlanBundle, ReportSection
from reports.errors import BundleError
from tests.reports.conftest import make_bundle


def test_valid_bundle_exposes_chosen_assets(bundle):
    assert list(bundle.chosen_sites["site_id"]) == ["R1", "B1", "SHIP1"]
    assert list(bundle.chosen_constellations["site_id"]) == ["LEO24"]


@pytest.mark.parametrize("name", ["", "../evil", "a/b", ".hidden", "has space"])
def test_unsafe_scenario_name_is_refused(name):
    with pytest.raises(BundleError, match="scenario_name"):
        make_bundle(scenario_name=name)


def test_missing_column_is_named(bundle):
    with pytest.raises(BundleError, match=r"sites: missing columns \['cost_musd'\]"):
        make_bundle(sites=bundle.sites.drop(columns="cost_musd"))


def test_wrong_crs_is_refused(bundle):
    with pytest.raises(BundleError, match="points: CRS"):
        make_bundle(points=bundle.points.to_crs(3857))


def test_polygon_where_points_expected_is_refused(bundle):
    bad = bundle.sites.copy()
    bad["geometry"] = [
        box(x - 0.1, y - 0.1, x + 0.1, y + 0.1) for x, y in zip(bad.geometry.x, bad.geometry.y, strict=True)
    ]
    with pytest.raises(BundleError, match="sites: geometries must be Point"):
        make_bundle(sites=bad)


def test_plain_dataframe_is_not_a_geodataframe(bundle):
    with pytest.raises(BundleError, match="partners: expected a GeoDataFrame"):
        make_bundle(partners=pd.DataFrame(bundle.partners.drop(columns="geometry")))


def test_no_space_layer_may_be_an_empty_frame(bundle):
    b = make_bundle(constellations=pd.DataFrame())
    assert len(b.chosen_constellations) == 0


def test_sections_must_be_report_sections():
    with pytest.raises(BundleError, match="sections"):
        make_bundle(sections=[ReportSection("a", "<p>b</p>")])


def test_empty_frames_are_accepted(bundle):
    empty_pts = gpd.GeoDataFrame(bundle.points.iloc[0:0], geometry="geometry", crs=None)
    b = make_bundle(points=empty_pts)
    assert isinstance(b, PlanBundle) and len(b.points) == 0
