"""Kill chain windows against hand geometry and an independent ECEF reference."""

from __future__ import annotations

import numpy as np
import pytest

from geodata.killchain import cue_times, intercept_windows, shot_matrices
from geodata.threats import LaunchArea, ThreatTracks, ballistic_tracks

R = 6371.0088  # the project's mean Earth radius, km


def vertical_track() -> ThreatTracks:
    """One track falling straight down on (0, 0): h_i = 100 - 10 i km at t_i = 10 i s."""
    i = np.arange(10.0)
    z = np.zeros((1, 10))
    return ThreatTracks(
        area=np.array([0]),
        target=np.array([0]),
        lon=z.copy(),
        lat=z.copy(),
        alt_km=(100 - 10 * i)[None, :],
        time_s=(10 * i)[None, :],
        range_km=np.array([0.0]),
        apogee_km=np.array([100.0]),
        flight_time_s=np.array([100.0]),
        area_names=("a",),
        target_ids=np.array(["p"]),
    )


def test_hand_window_vertical_track():
    # Site under the track; 1 km/s fly-out, band 20-80 km, reaction 5 s, assessment 10 s.
    # Intercepts at i = 2..8 (h = 80..20), launch l_i = 10 i - (100 - 10 i) = 20 i - 100.
    # One shot: latest cue l_8 - 5 = 55. Second shot: tau_i + 10 <= max l = 60 -> i <= 5,
    # latest cue l_5 - 5 = -5.
    w = intercept_windows(vertical_track(), [0.0], [0.0], 1000.0, 20.0, 80.0, 1000.0, 5.0, 10.0)
    assert w.track.tolist() == [0] and w.site.tolist() == [0]
    assert w.cue1_s[0] == pytest.approx(55.0, abs=1e-6)
    assert w.cue2_s[0] == pytest.approx(-5.0, abs=1e-6)
    assert (w.first_s[0], w.last_s[0]) == (20.0, 80.0)
    assert w.shots([-10.0, 0.0, 55.0, 56.0]).tolist() == [2, 1, 1, 0]


def test_hand_cue_range_limited_sensor():
    # A 50 km radar at the impact point first sees the falling missile at h = 50 km, t = 50 s.
    cue = cue_times(vertical_track(), [0.0], [0.0], 10.0, 50.0)
    assert cue[0, 0] == pytest.approx(50.0)
    assert np.isinf(cue_times(vertical_track(), [20.0], [0.0], 10.0, 50.0)[0, 0])


def ecef(lon, lat, h):
    lon, lat = np.radians(lon), np.radians(lat)
    r = R + np.asarray(h)
    return np.stack([r * np.cos(lat) * np.cos(lon), r * np.cos(lat) * np.sin(lon), r * np.sin(lat)], -1)


def reference_window(tr: ThreatTracks, k: int, lon, lat, u_kms, lo, hi, rmax, react, assess):
    """Brute force over samples with straight-line ECEF distances (independent of the module)."""
    site = ecef(lon, lat, 0.0)
    launches, taus = [], []
    for i in range(tr.lon.shape[1]):
        d = np.linalg.norm(ecef(tr.lon[k, i], tr.lat[k, i], tr.alt_km[k, i]) - site)
        if lo <= tr.alt_km[k, i] <= hi and d <= rmax:
            taus.append(tr.time_s[k, i])
            launches.append(tr.time_s[k, i] - d / u_kms)
    if not taus:
        return None
    c1 = max(launches) - react
    c2 = max(
        (lv - react for lv, t in zip(launches, taus, strict=True) if t + assess <= max(launches)),
        default=-np.inf,
    )
    return c1, c2


def test_windows_match_ecef_reference_at_many_sites():
    areas = [LaunchArea.point("west", 150.0, 45.0), LaunchArea.point("north", 60.0, 70.0)]
    tr = ballistic_tracks(areas, [-75.0, -122.0, -100.0], [45.0, 47.0, 35.0], n_samples=64)
    rng = np.random.default_rng(7)
    slon, slat = rng.uniform(-135, -60, 60), rng.uniform(30, 65, 60)
    args = dict(u=3.0, lo=50.0, hi=1000.0, rmax=1500.0, react=30.0, assess=60.0)
    w = intercept_windows(
        tr, slon, slat, args["u"] * 1000, args["lo"], args["hi"], args["rmax"], args["react"], args["assess"]
    )
    got = {
        (int(a), int(b)): (c1, c2) for a, b, c1, c2 in zip(w.track, w.site, w.cue1_s, w.cue2_s, strict=True)
    }
    n_ref = 0
    for k in range(tr.lon.shape[0]):
        for j in range(slon.size):
            ref = reference_window(tr, k, slon[j], slat[j], *args.values())
            if ref is None:
                assert (k, j) not in got
                continue
            n_ref += 1
            assert got[(k, j)][0] == pytest.approx(ref[0], abs=1e-6)
            assert got[(k, j)][1] == pytest.approx(ref[1], abs=1e-6)
    assert n_ref > 20  # many pairs checked


def test_shot_matrices_per_threat_and_sensor():
    w = intercept_windows(vertical_track(), [0.0], [0.0], 1000.0, 20.0, 80.0, 1000.0, 5.0, 10.0)
    cue = np.array([[-10.0, 30.0, np.inf]])  # early (2 shots), late (1 shot), never
    max_shots, fc = shot_matrices(w, cue, np.array([0, 0]), n_sites=1)
    assert max_shots.toarray().tolist() == [[2], [2]]
    assert fc.toarray().tolist() == [[2, 1, 0], [2, 1, 0]]


def test_cue_is_the_first_sample_corridor_tracking_sees():
    """Kill-chain cues and corridor tracking use one line of sight (refracted, minimum elevation)."""
    from geodata.threats import sensor_tracking

    rng = np.random.default_rng(11)
    tlon, tlat = rng.uniform(-125, -70, 8), rng.uniform(28, 55, 8)
    tracks = ballistic_tracks(
        [LaunchArea.point("nea", 127.0, 40.0), LaunchArea.point("kola", 33.0, 68.0)], tlon, tlat
    )
    slon, slat = rng.uniform(-170, -50, 40), rng.uniform(25, 72, 40)
    heights, ranges, elev = rng.uniform(10, 40, 40), rng.uniform(1500, 5000, 40), rng.choice([0.0, 3.0], 40)
    cue = cue_times(tracks, slon, slat, heights, ranges, elev)
    for j in range(slon.size):
        seen = sensor_tracking(tracks, slon[j], slat[j], heights[j], ranges[j], elev[j])
        first = np.where(seen.any(axis=1), np.where(seen, tracks.time_s, np.inf).min(axis=1), np.inf)
        np.testing.assert_array_equal(cue[:, j], first)
    assert np.isfinite(cue).any() and not np.isfinite(cue).all()  # some sensors see some tracks, not all
