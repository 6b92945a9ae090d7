"""Space-based interceptor reach and availability against references written here.

The references propagate every satellite on its own (rotation matrices, no plane-wise counting),
solve the reach triangle by root finding, and use the closed-form spherical cap.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.optimize import brentq

from geodata import sbi
from geodata.orbits import Walker

R = 6371.0088
MU = 398600.4418
W_E = 7.2921159e-5


def propagate(inc_deg: float, t: int, p: int, f: int, alt_km: float, times: np.ndarray) -> np.ndarray:
    """Earth-fixed unit vectors (sats, times, 3) of a Walker i:t/p/f, each satellite rotated by matrices."""
    n = np.sqrt(MU / (R + alt_km) ** 3)
    s = t // p
    out = np.empty((t, times.size, 3))
    inc = np.radians(inc_deg)
    rx = np.array([[1, 0, 0], [0, np.cos(inc), -np.sin(inc)], [0, np.sin(inc), np.cos(inc)]])
    for k in range(p):
        for j in range(s):
            u = 2 * np.pi * j / s + 2 * np.pi * f * k / t + n * times
            in_plane = np.stack((np.cos(u), np.sin(u), np.zeros_like(u)))  # (3, times)
            node = 2 * np.pi * k / p - W_E * times
            v = rx @ in_plane
            x = np.cos(node) * v[0] - np.sin(node) * v[1]
            y = np.sin(node) * v[0] + np.cos(node) * v[1]
            out[k * s + j] = np.stack((x, y, v[2]), axis=-1)
    return out


def unit(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    lo, la = np.radians(lon), np.radians(lat)
    return np.stack((np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)), axis=-1)


def brute_counts(pos: np.ndarray, lon: np.ndarray, lat: np.ndarray, reach_km: float) -> np.ndarray:
    cosd = np.einsum("snk,pk->psn", pos, unit(lon, lat))
    return (cosd >= np.cos(reach_km / R)).sum(axis=1)


@pytest.mark.parametrize(
    ("h", "z", "tb", "lat", "dv", "acc"),
    [
        (400, 200, 240, 60, 4000, 100),
        (500, 100, 180, 30, 6000, 150),
        (300, 250, 300, 45, 3000, 50),
        (450, 150, 300, 60, 2500, 20),
        (450, 150, 300, 60, 6000, 20),
    ],
)
def test_reach_solves_the_triangle(h, z, tb, lat, dv, acc):
    r = sbi.boost_reach(
        orbit_altitude_km=h,
        intercept_altitude_km=z,
        boost_duration_s=tb,
        detection_latency_s=lat / 2,
        decision_latency_s=lat / 2,
        launch_latency_s=0.0,
        kv_delta_v_mps=dv,
        kv_acceleration_mps2=acc,
    )
    t_f = tb - lat
    # Independent: integrate the KV's motion (constant acceleration, then coast) numerically.
    ts = np.linspace(0, t_f, 200_001)
    speed = np.minimum(acc * ts, dv)
    d = np.trapezoid(speed, ts) / 1000.0
    assert r.flight_time_s == pytest.approx(t_f)
    assert r.kv_range_km == pytest.approx(d, rel=1e-6)
    sat = np.array([0.0, 0.0, R + h])

    def dist(g: float) -> float:
        return float(np.linalg.norm((R + z) * np.array([np.sin(g), 0.0, np.cos(g)]) - sat)) - d

    g = brentq(dist, 0.0, np.pi / 2)
    assert r.reach_km == pytest.approx(R * g, rel=1e-6)


def test_no_reach_when_the_boost_is_over_or_too_short():
    kw = dict(
        orbit_altitude_km=500,
        intercept_altitude_km=100,
        detection_latency_s=60,
        decision_latency_s=60,
        launch_latency_s=0,
        kv_delta_v_mps=4000,
        kv_acceleration_mps2=100,
    )
    assert sbi.boost_reach(boost_duration_s=100, **kw).reach_km == 0.0
    # 5 s of flight covers 1.25 km: not even the 400 km down to the missile.
    assert sbi.boost_reach(boost_duration_s=125, **kw).reach_km == 0.0


@pytest.fixture(scope="module")
def walker_60_24():
    times = sbi.day_times(1440)
    return times, propagate(60, 24, 4, 1, 1200, times)


def test_p_at_least_one_60_24_4_1_at_40n_matches_the_issue(walker_60_24):
    """P(N >= 1) for 60:24/4/1 at 1,200 km, 40 N, reach 800 km: 0.105 within 0.01."""
    times, pos = walker_60_24
    lon = np.linspace(-180, 180, 8, endpoint=False)
    lat = np.full(lon.size, 40.0)
    a = sbi.availability(Walker.parse("60:24/4/1"), 1200, 800, lon, lat, 3, n_steps=1440)
    assert a.p_at_least[1] == pytest.approx(0.105, abs=0.01)
    ref = brute_counts(pos, lon, lat, 800)
    assert a.p_at_least[1] == pytest.approx((ref >= 1).mean(), abs=1e-12)
    assert a.mean_in_reach == pytest.approx(ref.mean(), abs=1e-12)


@pytest.mark.parametrize("reach", [300.0, 800.0, 2000.0])
def test_counts_equal_per_satellite_propagation_at_many_points(walker_60_24, reach):
    times, pos = walker_60_24
    rng = np.random.default_rng(12)
    lon = rng.uniform(-180, 180, 25)
    lat = rng.uniform(-75, 75, 25)
    got = sbi.in_reach_counts(Walker.parse("60:24/4/1"), 1200, reach, lon, lat, times)
    ref = brute_counts(pos, lon, lat, reach)
    # Boundary cases (a satellite exactly at the reach) may round either way: allow a handful.
    assert (got != ref).mean() < 1e-4
    assert got.sum() > 0


def test_latitude_density_against_propagation():
    """Histogram of sub-satellite latitudes of 53:60/6/1 over a day against the module's density."""
    times = sbi.day_times(2000)
    pos = propagate(53, 60, 6, 1, 550, times)
    lat = np.degrees(np.arcsin(np.clip(pos[..., 2], -1, 1))).ravel()
    edges = np.arange(-50.0, 50.01, 5.0)  # inside the turning latitudes (singular at +-53)
    frac = np.histogram(lat, bins=edges)[0] / lat.size
    for a, b, got in zip(edges[:-1], edges[1:], frac, strict=True):
        mass = quad(lambda x: float(sbi.latitude_density(53, np.degrees(x))), np.radians(a), np.radians(b))[0]
        assert got == pytest.approx(mass, rel=0.01, abs=2e-4), (a, b)
    assert float(sbi.latitude_density(53, 60.0)) == 0.0


@pytest.mark.parametrize(
    ("inc", "lat0", "reach"), [(45, 40, 500), (60, 40, 800), (53, 0, 600), (97, 70, 1000)]
)
def test_exact_mean_against_propagated_mean(inc, lat0, reach):
    t, p = 120, 12
    times = sbi.day_times(1440)
    pos = propagate(inc, t, p, 1, 500, times)
    lon = np.linspace(-180, 180, 12, endpoint=False)
    ref = brute_counts(pos, lon, np.full(lon.size, float(lat0)), reach).mean()
    exact = t * sbi.reach_probability_exact(inc, reach, lat0)
    assert exact == pytest.approx(ref, rel=0.03)


@pytest.mark.parametrize("reach", [300.0, 600.0, 1000.0, 2500.0])
def test_uniform_absentee_ratio_is_the_spherical_cap(reach):
    """2 / (1 - cos(rho/R)): closed form, the exact integral over the sphere, and propagation."""
    closed = 2.0 / (1.0 - np.cos(reach / R))
    assert sbi.uniform_absentee_ratio(reach) == pytest.approx(closed, rel=1e-12)
    # Launch points uniform over the sphere see any shell as uniform: average q over area.
    lats = np.linspace(-89.5, 89.5, 180)
    q = np.array([sbi.reach_probability_exact(70, reach, la) for la in lats])
    w = np.cos(np.radians(lats))
    assert 1.0 / (np.sum(q * w) / np.sum(w)) == pytest.approx(closed, rel=0.01)
    # Propagated polar shell, launch points on a Fibonacci lattice (uniform in area).
    n = 400
    k = np.arange(n) + 0.5
    lat_f = np.degrees(np.arcsin(1 - 2 * k / n))
    lon_f = (np.degrees(np.pi * (1 + 5**0.5) * k) + 180) % 360 - 180
    a = sbi.availability(Walker.parse("90:240/12/1"), 500, reach, lon_f, lat_f, 1, n_steps=360)
    assert a.absentee_ratio == pytest.approx(closed, rel=0.03)
