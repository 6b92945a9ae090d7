import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geodata import naturalearth as ne
from geodata.layers import LayerFileError, area_grid, laea_crs_for, point_layer_from_file


@pytest.fixture
def points_frame():
    return pd.DataFrame(
        {
            "name": ["a", "b", "c"],
            "lon": [-75.0, -80.5, 179.9],
            "lat": [40.0, 35.0, 52.0],
            "pop": [100.0, 0.0, 2.5],
        }
    )


def test_csv_layer(tmp_path, points_frame):
    path = tmp_path / "pts.csv"
    points_frame.to_csv(path, index=False)
    layer = point_layer_from_file(path, "pop", "name")
    assert list(layer.columns) == ["point_id", "weight", "geometry"]
    assert layer["point_id"].tolist() == ["a", "b", "c"]
    assert layer["weight"].tolist() == [100.0, 0.0, 2.5]
    assert shapely.get_x(layer.geometry.values).tolist() == [-75.0, -80.5, 179.9]
    assert layer.crs.to_epsg() == 4326
    default_ids = point_layer_from_file(path, "pop")
    assert default_ids["point_id"].tolist() == ["pts-0", "pts-1", "pts-2"]


@pytest.mark.parametrize("suffix", [".geojson", ".gpkg"])
def test_vector_layers_reprojected(tmp_path, points_frame, suffix):
    gdf = gpd.GeoDataFrame(
        points_frame, geometry=gpd.points_from_xy(points_frame.lon, points_frame.lat), crs=4326
    ).to_crs(3857)
    path = tmp_path / f"pts{suffix}"
    gdf.to_file(path)
    layer = point_layer_from_file(path, "pop", "name")
    np.testing.assert_allclose(shapely.get_y(layer.geometry.values), [40.0, 35.0, 52.0])
    assert layer.crs.to_epsg() == 4326


def test_layer_errors_name_file_column_and_value(tmp_path, points_frame):
    path = tmp_path / "bad.csv"
    bad = points_frame.astype({"pop": object})
    bad.loc[1, "pop"] = "many"
    bad.to_csv(path, index=False)
    with pytest.raises(LayerFileError, match=r"bad\.csv.*'pop' row 1.*many"):
        point_layer_from_file(path, "pop")
    with pytest.raises(LayerFileError, match="no weight column 'people'"):
        point_layer_from_file(path, "people")
    neg = points_frame.assign(pop=[1.0, -2.0, 3.0])
    neg.to_csv(path, index=False)
    with pytest.raises(LayerFileError, match="negative weight -2"):
        point_layer_from_file(path, "pop")
    points_frame.assign(name=["a", "a", "b"]).to_csv(path, index=False)
    with pytest.raises(LayerFileError, match="duplicate id 'a'"):
        point_layer_from_file(path, "pop", "name")
    points_frame.assign(lat=[40.0, 95.0, 0.0]).to_csv(path, index=False)
    with pytest.raises(LayerFileError, match="latitude 95"):
        point_layer_from_file(path, "pop")
    (tmp_path / "x.txt").write_text("lon,lat,pop\n0,0,1\n")
    with pytest.raises(LayerFileError, match="unsupported"):
        point_layer_from_file(tmp_path / "x.txt", "pop")
    with pytest.raises(FileNotFoundError):
        point_layer_from_file(tmp_path / "missing.csv", "pop")


def test_polygons_are_refused(tmp_path):
    gdf = gpd.GeoDataFrame({"w": [1.0]}, geometry=[shapely.box(0, 0, 1, 1)], crs=4326)
    path = tmp_path / "poly.geojson"
    gdf.to_file(path)
    with pytest.raises(LayerFileError, match="Polygon"):
        point_layer_from_file(path, "w")


def test_area_grid_conserves_area_and_stays_inside():
    iceland = ne.countries(["ISL"]).geometry.iloc[0]
    grid = area_grid(iceland, 25.0)
    # Independent ellipsoidal area: the cylindrical equal-area projection.
    area = gpd.GeoSeries([iceland], crs=4326).to_crs("+proj=cea +datum=WGS84").area.iloc[0] / 1e6
    assert grid["weight"].sum() == pytest.approx(area, rel=1e-4)
    assert grid["weight"].max() == pytest.approx(625.0, rel=1e-9)
    assert (grid["weight"] > 0).all() and grid["point_id"].is_unique
    # Interior cells carry full weight; boundary-cell centroids may sit just off a concave shore.
    inside = shapely.contains_xy(iceland, *shapely.get_coordinates(grid.geometry.values).T)
    assert inside.mean() > 0.9


def test_area_grid_across_the_antimeridian():
    fiji = ne.countries(["FJI"]).geometry.iloc[0]
    op = laea_crs_for(fiji).coordinate_operation
    assert op is not None
    lon_0 = float({p.name: p.value for p in op.params}["Longitude of natural origin"])
    assert abs(abs(lon_0) - 180) < 5  # centred near 180, not near 0
    grid = area_grid(fiji, 10.0)
    area = gpd.GeoSeries([fiji], crs=4326).to_crs("+proj=cea +datum=WGS84 +lon_0=180").area.iloc[0]
    assert grid["weight"].sum() == pytest.approx(area / 1e6, rel=1e-3)
    lon = shapely.get_x(grid.geometry.values)
    assert (lon > 170).any() and (lon < -170).any()
