import numpy as np
import pytest

from geodata.geometry import EARTH_RADIUS_KM, great_circle_km
from geodata.threats import (
    LaunchArea,
    ballistic_tracks,
    corridor_summary,
    engagement_coverage,
    sensor_tracking,
)
from tests.geodata.raytrace_ref import horizon_km, ray_arcs_km


@pytest.fixture(scope="module")
def tracks():
    areas = [LaunchArea.point("west", 0.0, 0.0), LaunchArea.point("north", 20.0, 30.0)]
    return ballistic_tracks(areas, [10.0, 20.0], [0.0, 10.0], ["t0", "t1"], n_samples=60)


def test_track_shape_and_profile(tracks):
    assert tracks.lon.shape == (4, 60)
    d = great_circle_km(0.0, 0.0, 10.0, 0.0)
    assert tracks.range_km[0] == pytest.approx(d)
    assert 480 < tracks.flight_time_s[0] < 520  # ~8.4 min over ~1,100 km (minimum energy)
    assert 200 < tracks.apogee_km[0] < 300
    # On the equator the track stays on the equator, symmetric in altitude about apogee.
    assert np.allclose(tracks.lat[0], 0.0, atol=1e-9)
    assert (np.diff(tracks.lon[0]) > 0).all()
    np.testing.assert_allclose(tracks.alt_km[0], tracks.alt_km[0][::-1], atol=1e-6)
    assert tracks.alt_km[0].max() == pytest.approx(tracks.apogee_km[0], rel=1e-3)
    assert np.argmax(tracks.alt_km[0]) in (29, 30)
    assert tracks.area.tolist() == [0, 0, 1, 1] and tracks.target.tolist() == [0, 1, 0, 1]


def test_flight_time_keeps_growing_with_range():
    lon = np.array([30.0, 50.0, 70.0, 90.0, 108.0])
    t = ballistic_tracks([LaunchArea.point("far", 0.0, 0.0)], lon, np.zeros(5))
    assert (np.diff(t.flight_time_s) > 60).all()  # no 16.5 min plateau beyond 4,800 km


def _visible_brute(sensor, height_km, eps, lon, lat, alt_km, range_km):
    """Independent line of sight: arc within the test's own ray trace, slant range within range."""
    d = great_circle_km(sensor[0], sensor[1], lon, lat)
    grid = np.concatenate(([1e-3], np.geomspace(0.01, 3000.0, 120)))
    if eps == 0.0:
        los = horizon_km(height_km, grid)
    else:
        los = ray_arcs_km(height_km, eps, grid)
    limit = np.interp(alt_km, grid, los)
    r = EARTH_RADIUS_KM
    a, b = r + height_km, r + alt_km
    slant = np.sqrt(a * a + b * b - 2 * a * b * np.cos(d / r))
    return (d <= limit) & (slant <= range_km), np.abs(d - limit) < 2.0


def test_sensor_tracking_matches_line_of_sight_brute_force(tracks):
    sensors = [(10.0, 0.0, 0.03, 1500.0, 0.0), (5.0, 5.0, 0.02, 800.0, 0.0), (15.0, 20.0, 0.03, 3000.0, 3.0)]
    got = sensor_tracking(
        tracks,
        [s[0] for s in sensors],
        [s[1] for s in sensors],
        [s[2] * 1000 for s in sensors],
        [s[3] for s in sensors],
        [s[4] for s in sensors],
    )
    expected = np.zeros_like(got)
    edge = np.zeros_like(got)
    for lon, lat, h, r, eps in sensors:
        vis, near = _visible_brute((lon, lat), h, eps, tracks.lon, tracks.lat, tracks.alt_km, r)
        expected |= vis
        edge |= near
    assert 0 < expected.sum() < expected.size and edge.mean() < 0.05
    np.testing.assert_array_equal(got[~edge], expected[~edge])


def test_corridor_summary_warning_time(tracks):
    tracked = sensor_tracking(tracks, [10.0], [0.0], [30.0], [1500.0])
    df = corridor_summary(tracks, tracked)
    assert list(df["launch_area"]) == ["west", "west", "north", "north"]
    assert list(df["target_id"]) == ["t0", "t1", "t0", "t1"]
    row = df.iloc[0]
    first = np.flatnonzero(tracked[0])[0]
    assert row["warning_time_s"] == pytest.approx(tracks.flight_time_s[0] - tracks.time_s[0, first])
    assert row["tracked_fraction"] == pytest.approx(tracked[0].mean())
    assert 0 < row["warning_time_s"] < row["flight_time_s"]
    untracked = corridor_summary(tracks, np.zeros_like(tracked))
    assert (untracked["warning_time_s"] == 0).all() and (untracked["tracked_fraction"] == 0).all()


def test_engagement_matches_brute_force(tracks):
    rng = np.random.default_rng(3)
    slon, slat = rng.uniform(-2, 25, 40), rng.uniform(-5, 35, 40)
    rng_km = rng.uniform(100, 600, 40)
    lo, hi = 20.0, 150.0
    got_any = engagement_coverage(tracks, slon, slat, rng_km, lo, hi).toarray()
    got_all = engagement_coverage(tracks, slon, slat, rng_km, lo, hi, mode="all").toarray()
    d = great_circle_km(
        slon[None, None, :], slat[None, None, :], tracks.lon[..., None], tracks.lat[..., None]
    )
    r, h = EARTH_RADIUS_KM, tracks.alt_km[..., None]
    slant = np.sqrt(r**2 + (r + h) ** 2 - 2 * r * (r + h) * np.cos(d / r))
    per_track = ((slant <= rng_km) & (h >= lo) & (h <= hi)).any(axis=1)  # (tracks, sites)
    exp_any = np.zeros((2, 40), dtype=bool)
    exp_all = np.ones((2, 40), dtype=bool)
    for t in range(4):
        exp_any[tracks.target[t]] |= per_track[t]
        exp_all[tracks.target[t]] &= per_track[t]
    assert exp_any.sum() > exp_all.sum() > 0
    np.testing.assert_array_equal(got_any, exp_any)
    np.testing.assert_array_equal(got_all, exp_all)


def test_launch_area_from_polygon():
    import shapely

    area = LaunchArea.from_polygon("box", shapely.box(0, 0, 3, 3), 100.0)
    assert len(area.lon) > 4
    tiny = LaunchArea.from_polygon("dot", shapely.box(0, 0, 0.01, 0.01), 100.0)
    assert len(tiny.lon) == 1
    with pytest.raises(ValueError):
        LaunchArea("bad", (), ())
