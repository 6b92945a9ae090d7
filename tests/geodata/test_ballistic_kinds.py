"""Lofted and depressed tracks at many ranges against references written here.

References (none calls geodata): the burnout speed from the textbook free-flight range equation
(Bate, Mueller & White, symmetric arc from the surface), ``cos(psi/2) = (1 - Q cos^2 g) /
sqrt(1 + Q (Q - 2) cos^2 g)`` with ``Q = R v^2 / mu``; a planar two-body integration
(``scipy.integrate.solve_ivp``) from that burnout state until it comes back to the surface; and
Kepler's equation for the symmetric arc. The integration closes the range (it lands where the
target is), so the speed is right independently of the formula.

Measured (7 ranges 1,000-12,000 km, lofted by 5/15/25 deg, depressed by 5/10/15 deg, launch
points and azimuths drawn at random): flight time within 1.3e-8 s of the integration, apogee
within 1.6e-8 km, every sample's altitude within 7e-8 km and downrange within 1e-11 rad of the
integration at the sample's time, off the launch-target great circle by < 1e-15 rad; the
reference's own range closure 1.2e-11 rad, Kepler against the integration 1.3e-8 s. The test
allows 1e-5 (s, km) and 1e-9 rad.
"""

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from geodata.ballistic import TrajectoryKind, TrajectorySpec
from geodata.threats import LaunchArea, ballistic_tracks
from tests.geodata.ivp_event import Event
from tests.geodata.orbit_ref import MU, R, destination, q_for_range, unit

RANGES_KM = np.array([1000.0, 2000.0, 3500.0, 5500.0, 8000.0, 10000.0, 12000.0])
CASES = [("lofted", 5.0), ("lofted", 15.0), ("lofted", 25.0), ("depressed", 5.0), ("depressed", 10.0)]
CASES += [("depressed", 15.0)]


def _integrate(gamma: float, v: float):
    """Planar two-body flight from (0, R) heading +x at angle gamma: lands and apogee as events."""

    def rhs(_t, s):
        r3 = np.hypot(s[0], s[1]) ** 3
        return [s[2], s[3], -MU * s[0] / r3, -MU * s[1] / r3]

    def down(_t, s):
        return np.hypot(s[0], s[1]) - R

    def apex(_t, s):
        return s[0] * s[2] + s[1] * s[3]

    events = (Event(down, terminal=True, direction=-1), Event(apex, direction=-1))
    s0 = [0.0, R, v * np.cos(gamma), v * np.sin(gamma)]
    return solve_ivp(rhs, (0, 20_000), s0, events=events, rtol=1e-12, atol=1e-9, dense_output=True)


def _kepler(q: float, gamma: float, psi: float) -> tuple[float, float]:
    """Flight time (s) and apogee altitude (km) of the symmetric arc, by Kepler's equation."""
    a, p = R / (2 - q), R * q * np.cos(gamma) ** 2
    e = np.sqrt(1 - p / a)
    nu = np.pi - psi / 2  # burnout true anomaly: the arc is symmetric about apogee (nu = pi)
    assert p / (1 + e * np.cos(nu)) == pytest.approx(R, rel=1e-12)  # the orbit meets the surface there
    ecc = 2 * np.arctan(np.sqrt((1 - e) / (1 + e)) * np.tan(nu / 2))
    return 2 * (np.pi - (ecc - e * np.sin(ecc))) / np.sqrt(MU / a**3), a * (1 + e) - R


@pytest.fixture(scope="module")
def launches() -> list[tuple[float, float, float, float, float]]:
    """Per range: launch lon, lat, azimuth (seeded) and the target lon, lat."""
    rng = np.random.default_rng(20261129)
    out = []
    for d in RANGES_KM:
        lon, lat, az = rng.uniform(-180, 180), rng.uniform(-60, 60), rng.uniform(0, 360)
        out.append((lon, lat, az, *destination(lon, lat, az, d)))
    return out


@pytest.mark.parametrize(("kind", "loft"), CASES)
def test_lofted_and_depressed_at_many_ranges_match_two_body_integration(kind, loft, launches):
    spec = TrajectorySpec(kind=kind, loft_deg=loft)
    sign = 1.0 if kind == "lofted" else -1.0
    for k, d in enumerate(RANGES_KM):
        lon0, lat0, _, lon1, lat1 = launches[k]
        tracks = ballistic_tracks(
            [LaunchArea.point("l", lon0, lat0)], [lon1], [lat1], n_samples=30, trajectory=spec
        )
        psi = d / R
        gamma = (np.pi - psi) / 4 + sign * np.radians(loft)
        q = q_for_range(psi, gamma)
        sol = _integrate(gamma, np.sqrt(q * MU / R))
        x, y = sol.y_events[0][0][:2]
        assert np.arctan2(x, y) == pytest.approx(psi, abs=1e-9)  # range closure of the reference
        t_ref, apo_ref = sol.t_events[0][0], np.hypot(*sol.y_events[1][0][:2]) - R
        t_kep, apo_kep = _kepler(q, gamma, psi)
        assert t_kep == pytest.approx(t_ref, abs=1e-5) and apo_kep == pytest.approx(apo_ref, abs=1e-5)
        assert tracks.flight_time_s[0] == pytest.approx(t_ref, abs=1e-5)
        assert tracks.apogee_km[0] == pytest.approx(apo_ref, abs=1e-5)
        # Every sample: altitude and downrange at its time, and on the launch-target great circle.
        st = sol.sol(tracks.time_s[0])
        np.testing.assert_allclose(tracks.alt_km[0], np.hypot(st[0], st[1]) - R, atol=1e-5)
        a, b = unit(lon0, lat0), unit(lon1, lat1)
        xyz = unit(tracks.lon[0], tracks.lat[0])
        downrange = np.arctan2(np.linalg.norm(np.cross(a, xyz), axis=1), xyz @ a)
        np.testing.assert_allclose(downrange, np.arctan2(st[0], st[1]), atol=1e-9)
        normal = np.cross(a, b) / np.linalg.norm(np.cross(a, b))
        assert np.abs(xyz @ normal).max() < 1e-12
        assert (tracks.alt_km[0] > 0).all()


@pytest.mark.parametrize("d_km", RANGES_KM)
def test_loft_orders_flight_time_and_apogee_at_every_range(d_km):
    """Steeper is higher and slower at every range (against the minimum-energy Kepler reference)."""
    psi = d_km / R
    g0 = (np.pi - psi) / 4
    times, apogees = [], []
    steepening: list[tuple[TrajectoryKind, float]] = [
        ("depressed", 10.0),
        ("minimum_energy", 0.0),
        ("lofted", 10.0),
    ]
    for kind, loft in steepening:
        spec = TrajectorySpec(kind=kind, loft_deg=loft)
        tr = ballistic_tracks(
            [LaunchArea.point("l", 0.0, 0.0)], [np.degrees(psi)], [0.0], n_samples=4, trajectory=spec
        )
        times.append(tr.flight_time_s[0])
        apogees.append(tr.apogee_km[0])
    t_me, apo_me = _kepler(q_for_range(psi, g0), g0, psi)
    assert times[1] == pytest.approx(t_me, abs=1e-3) and apogees[1] == pytest.approx(apo_me, abs=1e-4)
    assert times[0] < times[1] < times[2] and apogees[0] < apogees[1] < apogees[2]
