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

K = 4.0 / 3.0


@pytest.fixture(scope="module")
def tracks():
    areas = [LaunchArea.point("west", 0.0, 0.0), LaunchArea.point("north", 20.0, 30.0)]
    return ballistic_tracks(areas, [10.0, 20.0], [0.0, 10.0], ["t0", "t1"], n_samples=60)


def test_track_shape_and_profile(tracks):
    assert tracks.lon.shape == (4, 60)
    d = great_circle_km(0.0, 0.0, 10.0, 0.0)
    assert tracks.range_km[0] == pytest.approx(d)
    assert tracks.apogee_km[0] == pytest.approx(0.25 * d)
    # Flat-Earth ballistic flight: T = 2 sqrt(2H/g)
    assert tracks.flight_time_s[0] == pytest.approx(2 * np.sqrt(2 * 0.25 * d / 9.80665e-3))
    assert 470 < tracks.flight_time_s[0] < 480  # ~8 min over ~1,100 km
    # On the equator the track stays on the equator, evenly spaced, parabolic in altitude.
    assert np.allclose(tracks.lat[0], 0.0, atol=1e-9)
    assert np.allclose(np.diff(tracks.lon[0]), 10.0 / 60)
    assert tracks.alt_km[0].max() == pytest.approx(0.25 * d, rel=1e-3)
    assert np.argmax(tracks.alt_km[0]) in (29, 30)
    assert tracks.area.tolist() == [0, 0, 1, 1] and tracks.target.tolist() == [0, 1, 0, 1]


def test_apogee_is_capped():
    t = ballistic_tracks([LaunchArea.point("far", 0.0, 0.0)], [90.0], [0.0], max_apogee_km=1200)
    assert t.range_km[0] > 9000 and t.apogee_km[0] == 1200.0


def _visible_brute(sensor, height_km, lon, lat, alt_km, range_km):
    """Independent line of sight: the segment must clear the k*R sphere (2-D plane geometry)."""
    d = great_circle_km(sensor[0], sensor[1], lon, lat)
    kr = K * EARTH_RADIUS_KM
    ang = d / kr  # central angle on the effective Earth
    p1 = np.stack([np.zeros_like(ang), np.full_like(ang, kr + height_km)], axis=-1)
    p2 = np.stack([(kr + alt_km) * np.sin(ang), (kr + alt_km) * np.cos(ang)], axis=-1)
    seg = p2 - p1
    u = np.clip(-np.einsum("...i,...i", p1, seg) / np.einsum("...i,...i", seg, seg), 0, 1)
    closest = np.linalg.norm(p1 + u[..., None] * seg, axis=-1)
    r = EARTH_RADIUS_KM
    a, b = r + height_km, r + alt_km
    slant = np.sqrt(a * a + b * b - 2 * a * b * np.cos(d / r))
    return (closest >= kr - 1e-9) & (slant <= range_km)


def test_sensor_tracking_matches_line_of_sight_brute_force(tracks):
    sensors = [(10.0, 0.0, 0.03, 1500.0), (5.0, 5.0, 0.02, 800.0)]
    got = sensor_tracking(
        tracks,
        [s[0] for s in sensors],
        [s[1] for s in sensors],
        [s[2] * 1000 for s in sensors],
        [s[3] for s in sensors],
    )
    expected = np.zeros_like(got)
    for lon, lat, h, r in sensors:
        expected |= _visible_brute((lon, lat), h, tracks.lon, tracks.lat, tracks.alt_km, r)
    assert 0 < expected.sum() < expected.size
    np.testing.assert_array_equal(got, expected)


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
