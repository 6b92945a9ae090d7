import numpy as np
import pytest
import shapely
from scipy.spatial import cKDTree

from geodata import naturalearth as ne
from geodata.candidates import distance_to_boundary_km, land_grid, sea_grid
from geodata.geometry import arc_for_chord_km, great_circle_km, unit_vectors


@pytest.fixture(scope="module")
def usa():
    return ne.countries(["USA"]).geometry.iloc[0]


@pytest.fixture(scope="module")
def usa_sea(usa):
    return sea_grid(usa, within_km=370.0, spacing_km=60.0)


def test_land_grid_inside_and_spaced(usa):
    lon, lat = land_grid(usa, 50.0)
    assert shapely.contains_xy(usa, lon, lat).all()
    area_km2 = 9.5e6  # USA land+inland water, roughly; one point per spacing^2
    assert 0.8 * area_km2 / 2500 < lon.size < 1.2 * area_km2 / 2500
    xyz = unit_vectors(lon, lat)
    d_nn, _ = cKDTree(xyz).query(xyz, k=2)
    nn_km = arc_for_chord_km(d_nn[:, 1])
    assert np.median(nn_km) == pytest.approx(50.0, rel=0.05)
    again = land_grid(usa, 50.0)
    np.testing.assert_array_equal(lon, again[0])
    np.testing.assert_array_equal(lat, again[1])


def test_land_grid_spans_the_antimeridian_once(usa):
    lon, lat = land_grid(usa, 20.0)
    assert (lon > 170).any() and (lon < -170).any()  # Aleutians west and east of 180
    assert len(np.unique(np.column_stack((lon, lat)), axis=0)) == lon.size


def test_sea_candidates_never_on_land_and_within_distance(usa, usa_sea):
    lon, lat = usa_sea
    assert lon.size > 1000
    assert not shapely.contains_xy(ne.land_union(), lon, lat).any()
    assert not shapely.contains_xy(usa, lon, lat).any()
    # Independent distance: brute force to every boundary vertex, densified finer.
    boundary = shapely.segmentize(usa.boundary, 0.005)
    xy = shapely.get_coordinates(boundary)
    tree = cKDTree(unit_vectors(xy[:, 0], xy[:, 1]))
    chord, idx = tree.query(unit_vectors(lon, lat))
    d = great_circle_km(lon, lat, xy[idx, 0], xy[idx, 1])
    assert d.max() <= 370.0
    assert d.max() > 340.0  # the band is filled out to the limit
    # Both coasts and Alaska, both sides of the antimeridian.
    assert (lon < -150).any() and (lon > -80).any() and (lon > 170).any()


def test_sea_grid_excludes_far_ocean(usa_sea):
    lon, lat = usa_sea
    # Mid-Atlantic and mid-Pacific are farther than 370 km from any US coast.
    assert not ((np.abs(lon + 40) < 5) & (np.abs(lat - 30) < 5)).any()
    assert not ((np.abs(lon + 140) < 5) & (np.abs(lat - 30) < 5)).any()


def test_distance_to_boundary_is_an_upper_bound_within_half_step():
    square = shapely.box(-1.0, -1.0, 1.0, 1.0)
    lon, lat = np.array([0.0, 2.0, 0.0]), np.array([0.0, 0.0, 3.0])
    d = distance_to_boundary_km(square, lon, lat, densify_km=1.0)
    exact = great_circle_km(lon, lat, np.array([1.0, 1.0, 0.0]), np.array([0.0, 0.0, 1.0]))
    assert np.all(d >= exact - 1e-9) and np.all(d <= exact + 0.5)
    capped = distance_to_boundary_km(square, lon, lat, densify_km=1.0, upper_km=150.0)
    assert np.isinf(capped[2]) and np.isfinite(capped[0])


def test_bad_spacing():
    with pytest.raises(ValueError):
        land_grid(shapely.box(0, 0, 1, 1), 0.0)
    with pytest.raises(ValueError):
        sea_grid(shapely.box(0, 0, 1, 1), -5.0, 10.0)


def test_sea_distance_is_to_the_coast_not_land_borders(usa, usa_sea):
    coast = set(zip(*usa_sea, strict=True))
    lon, lat = sea_grid(usa, within_km=370.0, spacing_km=60.0, coast_only=False)
    border = set(zip(lon, lat, strict=True))
    assert coast < border
    gulf_of_california = [(x, y) for x, y in border - coast if -116 < x < -109 and 26 < y < 31]
    assert gulf_of_california  # near the Mexican land border, far from any US shore


def _great_lakes() -> list:
    """The five Great Lakes read straight from the shipped GeoJSON (not through the loaders)."""
    import json

    from shapely.geometry import shape

    path = ne.DATA_DIR / "ne_50m_lakes.geojson"
    feats = json.loads(path.read_text(encoding="utf-8"))["features"]
    names = {"Lake Superior", "Lake Michigan", "Lake Huron", "Lake Erie", "Lake Ontario"}
    polys = [shapely.make_valid(shape(f["geometry"])) for f in feats if f["properties"]["name"] in names]
    assert {f["properties"]["name"] for f in feats} >= names
    return polys


@pytest.mark.parametrize("spacing_km", [25.0, 250.0])
def test_no_land_candidate_in_a_great_lake(spacing_km):
    territory = ne.countries(["USA", "CAN"]).geometry.union_all()
    lakes = shapely.union_all(_great_lakes())
    lon, lat = land_grid(territory, spacing_km)
    assert not shapely.contains_xy(lakes, lon, lat).any()
    # The country polygons do cover the lakes: without the lake mask some points fall in them.
    raw_lon, raw_lat = land_grid(territory, spacing_km, exclude_lakes=False)
    in_lakes = shapely.contains_xy(lakes, raw_lon, raw_lat)
    assert in_lakes.sum() > (100 if spacing_km == 25.0 else 0)
    assert raw_lon.size - lon.size >= in_lakes.sum()
