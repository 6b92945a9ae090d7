"""Ballistic tracks against Kepler's equation and a numerical two-body integration written here."""

from typing import Any

import numpy as np
import pytest
from scipy.integrate import solve_ivp
from scipy.optimize import brentq

from geodata.ballistic import MISSILE_CLASSES, TrajectorySpec, free_flight
from geodata.threats import LaunchArea, ballistic_tracks
from tests.geodata.ivp_event import Event

MU, R, WE = 398600.4418, 6371.0088, 7.2921159e-5
RANGES_KM = np.array([1000.0, 3000.0, 5500.0, 8000.0, 10000.0, 12000.0])


def _kepler_min_energy(d_km: float) -> tuple[float, float]:
    """Textbook minimum-energy trajectory from the surface: flight time (s) and apogee (km)."""
    psi = d_km / R
    phi = (np.pi - psi) / 4
    q = 2 * np.sin(psi / 2) / (1 + np.sin(psi / 2))
    a = R / (2 - q)
    p = R * q * np.cos(phi) ** 2
    e = np.sqrt(1 - p / a)
    nu = np.arccos((p / R - 1) / e)  # impact true anomaly, symmetric about apogee
    ecc = 2 * np.arctan(np.sqrt((1 - e) / (1 + e)) * np.tan(nu / 2))
    m = ecc - e * np.sin(ecc)
    return 2 * (np.pi - m) / np.sqrt(MU / a**3), a * (1 + e) - R


def _integrate(r1: float, gamma: float, v: float, r_end: float = R):
    """Two-body flight in the plane from (0, r1) heading +x at angle gamma, until r = r_end."""

    def rhs(_t, s):
        r3 = np.hypot(s[0], s[1]) ** 3
        return [s[2], s[3], -MU * s[0] / r3, -MU * s[1] / r3]

    def down(_t, s):
        return np.hypot(s[0], s[1]) - r_end

    s0 = [0.0, r1, v * np.cos(gamma), v * np.sin(gamma)]
    land = Event(down, terminal=True, direction=-1)
    return solve_ivp(rhs, (0, 20_000), s0, events=land, rtol=1e-11, atol=1e-8, dense_output=True)


def _shoot(r1: float, gamma: float, psi: float, r2: float = R) -> tuple[float, Any]:
    """Speed that lands a central angle psi downrange (bisection on the integration), and its flight.

    The flight is solve_ivp's result object (scipy ships no types: ``Any``, not ``object``, whose
    attributes a type checker would refuse).
    """

    def miss(v):
        sol = _integrate(r1, gamma, v, r2)
        if not sol.t_events[0].size:
            return 1.0
        x, y = sol.y_events[0][0][:2]
        return np.arctan2(x, y) - psi

    v = brentq(miss, 1.0, np.sqrt(2 * MU / r1) * 0.999, xtol=1e-10)
    return v, _integrate(r1, gamma, v, r2)


@pytest.fixture(scope="module")
def equator_tracks():
    targets = np.degrees(RANGES_KM / R)
    return ballistic_tracks([LaunchArea.point("l", 0.0, 0.0)], targets, np.zeros_like(targets), n_samples=40)


def test_min_energy_flight_time_and_apogee_follow_keplers_equation(equator_tracks):
    ref = np.array([_kepler_min_energy(d) for d in RANGES_KM])
    np.testing.assert_allclose(equator_tracks.flight_time_s, ref[:, 0], rtol=1e-6)
    np.testing.assert_allclose(equator_tracks.apogee_km, ref[:, 1], rtol=1e-6)
    k = int(np.flatnonzero(RANGES_KM == 10000.0)[0])
    assert equator_tracks.flight_time_s[k] / 60 == pytest.approx(32.2, abs=0.05)
    assert equator_tracks.apogee_km[k] == pytest.approx(1319.0, abs=1.0)


def test_min_energy_tracks_match_a_numerical_integration(equator_tracks):
    for k, d in enumerate(RANGES_KM):
        psi = d / R
        phi = (np.pi - psi) / 4
        q = 2 * np.sin(psi / 2) / (1 + np.sin(psi / 2))
        sol = _integrate(R, phi, np.sqrt(q * MU / R))
        t_end = sol.t_events[0][0]
        x, y = sol.y_events[0][0][:2]
        assert np.arctan2(x, y) == pytest.approx(psi, abs=1e-6)
        assert equator_tracks.flight_time_s[k] == pytest.approx(t_end, abs=0.5)  # 0.5 s
        # Every sample: altitude and downrange at its time agree with the integration.
        st = sol.sol(equator_tracks.time_s[k])
        alt = np.hypot(st[0], st[1]) - R
        ang = np.degrees(np.arctan2(st[0], st[1]))
        np.testing.assert_allclose(equator_tracks.alt_km[k], alt, atol=0.05)
        np.testing.assert_allclose(equator_tracks.lon[k], ang, atol=1e-4)
        assert np.allclose(equator_tracks.lat[k], 0.0, atol=1e-9)


@pytest.mark.parametrize(("kind", "loft"), [("lofted", 12.0), ("depressed", 8.0)])
def test_lofted_and_depressed_match_a_shooting_integration(kind, loft):
    spec = TrajectorySpec(kind=kind, loft_deg=loft)
    d = 8000.0
    t = ballistic_tracks([LaunchArea.point("l", 0.0, 0.0)], [np.degrees(d / R)], [0.0], trajectory=spec)
    psi = d / R
    gamma = (np.pi - psi) / 4 + np.radians(loft if kind == "lofted" else -loft)
    _, sol = _shoot(R, gamma, psi)
    t_ref = sol.t_events[0][0]
    apo = np.hypot(*sol.sol(np.linspace(0, t_ref, 4001))[:2]).max() - R
    assert t.flight_time_s[0] == pytest.approx(t_ref, rel=1e-4)
    assert t.apogee_km[0] == pytest.approx(apo, rel=1e-4)
    me = _kepler_min_energy(d)[0]
    assert (t.flight_time_s[0] > me) == (kind == "lofted")


@pytest.mark.parametrize("h1", [30.0, 200.0])
def test_free_flight_from_burnout_altitude_matches_shooting(h1):
    psi, r1 = 8000.0 / R, R + h1
    arc = free_flight(np.array([r1]), np.array([R]), np.array([psi]), np.array([np.radians(25.0)]))
    v, sol = _shoot(r1, np.radians(25.0), psi)
    assert arc.time_s[0] == pytest.approx(sol.t_events[0][0], rel=1e-5)
    assert arc.q[0] == pytest.approx(r1 * v * v / MU, rel=1e-6)
    # The module's minimum-energy angle needs the least speed: nearby angles need more.
    from geodata.ballistic import minimum_energy_angle

    g = float(minimum_energy_angle(np.array(psi), r1, R))
    speeds = [_shoot(r1, g + dg, psi)[0] for dg in (-0.02, 0.0, 0.02)]
    assert speeds[1] < speeds[0] and speeds[1] < speeds[2]


def test_boost_phase_shifts_flight_time_by_a_few_minutes():
    targets = np.degrees(RANGES_KM / R)
    icbm = MISSILE_CLASSES["icbm"]
    t = ballistic_tracks([LaunchArea.point("l", 0.0, 0.0)], targets, np.zeros_like(targets), trajectory=icbm)
    ref = np.array([_kepler_min_energy(d)[0] for d in RANGES_KM])
    shift = t.flight_time_s - ref
    sel = RANGES_KM >= 3000
    assert (shift[sel] > 100).all() and (shift[sel] < icbm.boost_s).all()
    assert (np.abs(t.flight_time_s[sel] / ref[sel] - 1) < 0.2).all()
    assert t.alt_km[:, 0].max() < icbm.burnout_alt_km  # climbing at first
    assert (t.apogee_km > icbm.burnout_alt_km).all()


def test_earth_rotation_track_is_planar_inertially_and_lands_on_target():
    from geodata.geometry import great_circle_km

    spec = TrajectorySpec(earth_rotation=True)
    lon_t, lat_t = [90.0, -90.0, 100.0], [0.0, 0.0, 50.0]  # 10,000 km east, west; and north-east
    launch = [LaunchArea.point("l", 0.0, 0.0)]
    tr = ballistic_tracks(launch, lon_t, lat_t, n_samples=600, trajectory=spec)
    base = ballistic_tracks(launch, lon_t, lat_t, n_samples=600)
    east, west = (tr.flight_time_s - base.flight_time_s)[:2]
    assert 30 < east < 180 and -180 < west < -30  # about +/- 1-2 min at 10,000 km
    for k in range(3):
        lam = np.radians(tr.lon[k]) + WE * tr.time_s[k]  # back to the inertial frame
        ph = np.radians(tr.lat[k])
        xyz = np.column_stack((np.cos(ph) * np.cos(lam), np.cos(ph) * np.sin(lam), np.sin(ph)))
        _, _, vt = np.linalg.svd(xyz)
        assert np.abs(xyz @ vt[-1]).max() < 1e-9  # one plane through the centre
        # The last sample is half a step (under 0.1 % of the flight) before impact at the target.
        assert great_circle_km(tr.lon[k, -1], tr.lat[k, -1], lon_t[k], lat_t[k]) < 15.0
    # Mid-course the rotating-Earth track drifts off the great circle by a few hundred km.
    mid = tr.lon.shape[1] // 2
    drift = great_circle_km(tr.lon[2, mid], tr.lat[2, mid], base.lon[2, mid], base.lat[2, mid])
    assert 100 < drift < 600
