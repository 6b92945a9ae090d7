import io

import geopandas as gpd
import numpy as np
import pandas as pd
from matplotlib.image import imread
from pyproj import Transformer
from shapely.geometry import MultiPolygon, box

from reports.charts import render_charts
from reports.maps import map_crs, map_extent, render_map
from tests.reports.conftest import make_bundle


def _png(data: bytes) -> np.ndarray:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return imread(io.BytesIO(data), format="png")


def test_map_is_a_png_with_content(bundle):
    img = _png(render_map(bundle, width_in=8, dpi=60))
    h, w = img.shape[:2]
    assert w > 400 and 0.4 < h / w < 1.5
    assert len(np.unique(img.reshape(-1, img.shape[2]), axis=0)) > 50  # not a blank canvas


def test_extent_covers_every_point_and_site(bundle):
    crs = map_crs(bundle)
    xmin, ymin, xmax, ymax = map_extent(bundle, crs)
    for frame in (bundle.points, bundle.sites):
        x, y = frame.to_crs(crs).geometry.x, frame.to_crs(crs).geometry.y
        assert (x > xmin).all() and (x < xmax).all() and (y > ymin).all() and (y < ymax).all()


def test_small_far_islands_do_not_stretch_the_extent(bundle):
    far = bundle.partners.copy()
    # An Aleutian-like speck beyond the antimeridian, far from every point and site.
    far.loc[0, "geometry"] = MultiPolygon([box(-110, 30, -95, 45), box(172.0, 52.0, 172.3, 52.2)])
    plain = make_bundle()
    stretched = make_bundle(partners=far)
    e0 = map_extent(plain, map_crs(plain))
    e1 = map_extent(stretched, map_crs(stretched))
    np.testing.assert_allclose(e1, e0)


def test_projection_centre_handles_the_antimeridian(bundle):
    pts = bundle.points.copy()
    pts["geometry"] = gpd.points_from_xy(
        np.linspace(175, 185, 10) - 360 * (np.linspace(175, 185, 10) > 180), np.full(10, 52.0), crs=4326
    )
    sites = bundle.sites.copy()
    sites["geometry"] = gpd.points_from_xy([176, 178, -179, -177, 179.5], [51, 52, 53, 51, 52], crs=4326)
    b = make_bundle(points=pts, sites=sites, partners=bundle.partners.iloc[0:0])
    op = map_crs(b).coordinate_operation
    assert op is not None
    lon0 = float({p.name: p.value for p in op.params}["Longitude of natural origin"])
    assert abs(((lon0 - 180.0) + 180) % 360 - 180) < 1.0
    # Points straddling 180° are neighbours on the map, not a world apart.
    crs = map_crs(b)
    x = pts.to_crs(crs).geometry.x
    assert x.max() - x.min() < 1000.0
    xmin, _, xmax, _ = map_extent(b, crs)
    assert xmax - xmin < 3000.0


def test_range_ring_is_drawn_at_its_geodesic_radius(bundle):
    # The ring vertices projected into the map CRS sit at the ring radius on the sphere:
    # checked through the inverse transform, independent of the drawing code.
    from reports.geodesic import haversine_km, range_rings

    crs = map_crs(bundle)
    fwd = Transformer.from_crs(4326, crs, always_xy=True)
    inv = Transformer.from_crs(crs, 4326, always_xy=True)
    lon, lat = range_rings([-88.0], [37.0], [300.0])
    x, y = fwd.transform(lon, lat)
    lon2, lat2 = inv.transform(x, y)
    np.testing.assert_allclose(haversine_km(-88.0, 37.0, lon2, lat2), 300.0, rtol=1e-6)


def test_charts_png_and_empty_case(bundle):
    charts = render_charts(bundle, dpi=50)
    assert charts is not None
    assert _png(charts).shape[1] > 300
    empty = make_bundle(
        summary=None,
        points=bundle.points.iloc[0:0],
        sites=bundle.sites.assign(chosen=False),
        constellations=pd.DataFrame(),
    )
    assert render_charts(empty) is None


def test_map_without_any_geometry_still_renders(bundle):
    empty = make_bundle(
        points=bundle.points.iloc[0:0],
        sites=bundle.sites.iloc[0:0],
        partners=bundle.partners.iloc[0:0],
        constellations=pd.DataFrame(),
    )
    _png(render_map(empty, width_in=6, dpi=50))
