"""Rotating-Earth tracks against an inertial two-body integration written here (not geodata).

The model (geodata.ballistic, ``earth_rotation``): the launch point is fixed on the rotating Earth;
the free flight is the Keplerian arc, in the inertial frame, from the launch point at launch to
where the target is at impact ``T``, at the minimum-energy flight-path angle of that inertial
central angle; the track is drawn in Earth-fixed coordinates.

The reference reproduces that definition independently: the burnout speed from the textbook
free-flight range equation, the motion by ``scipy.integrate.solve_ivp`` in three inertial
dimensions (frame aligned with the Earth-fixed one at launch), ``T`` found by iterating the
integration until it lands where the target then is, and every point brought back to the
rotating Earth here: longitude minus ``omega_E t`` (``omega_E = 7.2921159e-5`` rad/s).

Measured (launch latitudes 0, 30, 60 and -45 deg; east, west and north; 3,000 and 10,000 km;
launch longitude -100 deg): flight time within 4e-4 s of the reference, every sample's ground
point within 0.7 m and altitude within 1.1 m (largest at the equator, east or west, 3,000 km,
where the module's six fixed-point iterations on T converge slowest; north: 1e-8 s, 5e-8 km); the
reference's own impact is on the target within 3e-8 km, Earth-fixed. The test allows 1e-3 s and
0.01 km. Rotation changes the flight time by 52-106 s at 10,000 km (longer eastward, shorter
westward) and moves the track by 8-432 km from the non-rotating one, so a model ignoring it fails.
"""

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from geodata.ballistic import TrajectorySpec
from geodata.threats import LaunchArea, ballistic_tracks
from tests.geodata.ivp_event import Event
from tests.geodata.orbit_ref import MU, R, destination, speed_for_range, unit

WE = 7.2921159e-5
LATS = [0.0, 30.0, 60.0, -45.0]
AZIMUTHS = {"east": 90.0, "west": 270.0, "north": 0.0}
RANGES_KM = [3000.0, 10000.0]


def _rotz(v: np.ndarray, angle) -> np.ndarray:
    c, s = np.cos(angle), np.sin(angle)
    return np.stack((c * v[..., 0] - s * v[..., 1], s * v[..., 0] + c * v[..., 1], v[..., 2]), axis=-1)


def _fly(a: np.ndarray, aim: np.ndarray):
    """Inertial 3-D two-body flight from R a toward aim (unit), minimum-energy angle, to the ground."""
    psi = np.arccos(np.clip(a @ aim, -1, 1))
    gamma = (np.pi - psi) / 4
    w = aim - (a @ aim) * a
    w /= np.linalg.norm(w)
    v = speed_for_range(psi, gamma)

    def rhs(_t, s):
        return [*s[3:], *(-MU * s[:3] / np.linalg.norm(s[:3]) ** 3)]

    def down(_t, s):
        return np.linalg.norm(s[:3]) - R

    s0 = [*(R * a), *(v * (np.cos(gamma) * w + np.sin(gamma) * a))]
    land = Event(down, terminal=True, direction=-1)
    return solve_ivp(rhs, (0, 20_000), s0, events=land, rtol=1e-12, atol=1e-9, dense_output=True)


def _reference(lon: float, lat: float, tlon: float, tlat: float):
    """Iterate the impact time T until the integration lands where the target is at T."""
    a, b = unit(lon, lat), unit(tlon, tlat)
    t = 0.0
    for _ in range(40):
        sol = _fly(a, _rotz(b, WE * t))
        if abs(sol.t_events[0][0] - t) < 1e-9:
            break
        t = sol.t_events[0][0]
    else:
        raise AssertionError("reference impact time did not converge")
    return sol


def _earth_fixed(sol, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unit vectors on the rotating Earth and altitudes (km) of the reference at times t."""
    p = sol.sol(t)[:3].T
    r = np.linalg.norm(p, axis=1)
    return _rotz(p / r[:, None], -WE * t), r - R


def _arc_km(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Great-circle distance between rows of unit vectors (atan2 form, exact near 0)."""
    return R * np.arctan2(np.linalg.norm(np.cross(u, v), axis=1), np.sum(u * v, axis=1))


CASES = [(lat, name, d) for lat in LATS for name in AZIMUTHS for d in RANGES_KM]


@pytest.mark.parametrize(("lat", "heading", "d_km"), CASES)
def test_rotating_earth_track_matches_an_inertial_integration(lat, heading, d_km):
    lon = -100.0
    tlon, tlat = destination(lon, lat, AZIMUTHS[heading], d_km)
    launch = [LaunchArea.point("l", lon, lat)]
    tr = ballistic_tracks(
        launch, [tlon], [tlat], n_samples=40, trajectory=TrajectorySpec(earth_rotation=True)
    )
    sol = _reference(lon, lat, tlon, tlat)
    t_ref = sol.t_events[0][0]
    assert tr.flight_time_s[0] == pytest.approx(t_ref, abs=1e-3)
    # The reference lands on the target on the rotating Earth.
    impact, _ = _earth_fixed(sol, np.array([t_ref]))
    assert _arc_km(impact, unit(tlon, tlat)[None, :]).max() < 1e-5
    # Every sample: ground point and altitude at its time.
    ref_xyz, ref_alt = _earth_fixed(sol, tr.time_s[0])
    got = unit(tr.lon[0], tr.lat[0])
    assert _arc_km(got, ref_xyz).max() < 0.01
    np.testing.assert_allclose(tr.alt_km[0], ref_alt, atol=0.01)
    # Rotation matters here: the non-rotating track differs in path (all) and time (east/west).
    still = ballistic_tracks(launch, [tlon], [tlat], n_samples=40)
    assert _arc_km(got, unit(still.lon[0], still.lat[0])).max() > 5.0
    if heading != "north" and d_km == 10000.0:
        shift = tr.flight_time_s[0] - still.flight_time_s[0]
        assert (30 < shift < 240) if heading == "east" else (-240 < shift < -30)
