import numpy as np
from pyproj import Geod

from reports.geodesic import EARTH_RADIUS_KM, destination_points, haversine_km, range_rings


def test_destination_points_lie_at_the_requested_distance_on_the_sphere():
    rng = np.random.default_rng(0)
    lon = rng.uniform(-180, 180, 50)
    lat = rng.uniform(-80, 80, 50)
    bearing = rng.uniform(0, 360, 50)
    dist = rng.uniform(1, 9000, 50)
    lon2, lat2 = destination_points(lon, lat, bearing, dist)
    np.testing.assert_allclose(haversine_km(lon, lat, lon2, lat2), dist, rtol=1e-9)


def test_hand_checked_destinations():
    # A quarter of the equator east of (0, 0) is (90, 0); a quarter meridian north is the pole.
    quarter = np.pi / 2 * EARTH_RADIUS_KM
    lon, lat = destination_points([0.0, 0.0], [0.0, 0.0], [90.0, 0.0], quarter)
    np.testing.assert_allclose(lon[0], 90.0, atol=1e-9)
    np.testing.assert_allclose(lat, [0.0, 90.0], atol=1e-9)


def test_sphere_error_against_wgs84_geodesics_is_below_half_a_percent():
    lon2, lat2 = range_rings([-100.0, 10.0], [40.0, 65.0], [1500.0, 3000.0], n_vertices=64)
    geod = Geod(ellps="WGS84")
    for i, (lon0, lat0, r) in enumerate([(-100.0, 40.0, 1500.0), (10.0, 65.0, 3000.0)]):
        _, _, d_m = geod.inv(np.full(65, lon0), np.full(65, lat0), lon2[i], lat2[i])
        assert np.max(np.abs(d_m / 1000.0 - r) / r) < 0.005


def test_rings_are_closed_and_continuous_across_the_antimeridian():
    lon, lat = range_rings([179.0], [52.0], [800.0], n_vertices=128)
    assert lon.shape == (1, 129)
    np.testing.assert_allclose([lon[0, 0], lat[0, 0]], [lon[0, -1], lat[0, -1]], atol=1e-9)
    assert np.max(np.abs(np.diff(lon[0]))) < 1.0  # no 360° jump
    assert lon[0].max() > 180.0  # unwrapped, not folded back to -180


def test_ring_around_a_pole_sweeps_all_longitudes():
    lon, lat = range_rings([0.0], [85.0], [1500.0], n_vertices=360)
    assert np.isclose(abs(lon[0, -1] - lon[0, 0]), 360.0)
    # Due south (bearing 180°) the ring is at 85° minus the arc's angle.
    np.testing.assert_allclose(lat.min(), 85.0 - np.degrees(1500.0 / EARTH_RADIUS_KM), atol=1e-9)
