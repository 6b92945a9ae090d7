r"""Space-based interceptors: boost-phase reach and availability from the constellation's geometry.

Reach
    A kill vehicle (KV) released from a satellite at altitude :math:`h` must hit a missile still in
    boost. Its flight time is what is left of the boost phase after detection, decision and launch
    latencies, :math:`t_f = T_b - t_{det} - t_{dec} - t_{l}`. Accelerating at :math:`a` to its
    :math:`\Delta v` and coasting, it covers

    .. math::

        D = \begin{cases} \tfrac12 a t_f^2 & t_f \le \Delta v / a \\
            \Delta v\,(t_f - \Delta v / 2a) & \text{otherwise} \end{cases}

    in the satellite's free-falling frame (gravity acts on both alike; relative motion over a few
    minutes, short against the orbit's :math:`1/n \approx 15` min, is a straight line to first
    order in :math:`n t_f`). The missile is met at altitude :math:`z` above its launch point
    (its downrange travel during boost is neglected: a few hundred km for an ICBM, which favours
    satellites on one side and penalises the other). The ground reach :math:`\rho` — the greatest
    great-circle distance from the sub-satellite point to the launch point — follows from the
    triangle Earth centre, satellite, intercept point:

    .. math::

        \cos(\rho / R) = \frac{(R+h)^2 + (R+z)^2 - D^2}{2 (R+h)(R+z)}.

Availability
    The number :math:`N(t)` of satellites whose sub-satellite point lies within :math:`\rho` of
    the launch point is counted plane by plane, as :mod:`geodata.space` does for visibility
    (points × planes × times, exact in space), over one sidereal day, during which every plane's
    node sweeps every longitude once. Its distribution over the day gives the mean, :math:`P(N \ge
    k)` and the absentee ratio :math:`t / \bar N`.

Latitude density (the exact cross-check of the mean)
    On a circular orbit of inclination :math:`i`, :math:`\sin\varphi = \sin i \sin u` with
    :math:`u` uniform in time, so latitude has density
    :math:`f(\varphi) = \cos\varphi / (\pi\sqrt{\sin^2 i - \sin^2\varphi})` for
    :math:`|\varphi| < i`, and over a day longitude is uniform. A satellite is then within
    :math:`\rho` of a point at latitude :math:`\varphi_0` with probability

    .. math::

        q = \frac{1}{2\pi}\int_0^{2\pi} \frac{\Delta(\varphi(u))}{\pi}\,du, \qquad
        \cos\Delta = \frac{\cos(\rho/R) - \sin\varphi\sin\varphi_0}{\cos\varphi\cos\varphi_0},

    (:math:`\Delta` the cap's half-width in longitude at latitude :math:`\varphi`), and
    :math:`\bar N = t\,q` exactly. For satellites spread uniformly over the sphere
    :math:`q = (1 - \cos(\rho/R))/2`: the absentee ratio is :math:`2 / (1 - \cos(\rho/R))`.

All default parameters are notional, from public figures (see
:mod:`planner.scenario.space_interceptors`); none describes a real system.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from geodata.geometry import EARTH_RADIUS_KM, unit_vectors
from geodata.orbits import OMEGA_EARTH_RAD_S, Walker
from geodata.space import counts_within

SIDEREAL_DAY_S: float = 2.0 * np.pi / OMEGA_EARTH_RAD_S
"""One turn of the Earth relative to the stars, s (86,164.1 s)."""


@dataclass(frozen=True)
class Reach:
    """Boost-phase reach of one kill vehicle.

    Attributes
    ----------
    flight_time_s
        Boost time left for the KV's flight after the latencies, s (0 when none is left).
    kv_range_km
        Straight-line distance the KV covers in that time, km.
    reach_km
        Greatest ground (great-circle) distance from the sub-satellite point to the launch point
        at which the KV still meets the missile, km (0 when it cannot).
    """

    flight_time_s: float
    kv_range_km: float
    reach_km: float


def boost_reach(
    *,
    orbit_altitude_km: float,
    intercept_altitude_km: float,
    boost_duration_s: float,
    detection_latency_s: float,
    decision_latency_s: float,
    launch_latency_s: float,
    kv_delta_v_mps: float,
    kv_acceleration_mps2: float,
) -> Reach:
    """Reach of a KV against a missile in boost (see the module docstring for the model)."""
    t_f = boost_duration_s - detection_latency_s - decision_latency_s - launch_latency_s
    if t_f <= 0 or kv_delta_v_mps <= 0 or kv_acceleration_mps2 <= 0:
        return Reach(max(t_f, 0.0), 0.0, 0.0)
    t_burn = kv_delta_v_mps / kv_acceleration_mps2
    if t_f <= t_burn:
        d_m = 0.5 * kv_acceleration_mps2 * t_f**2
    else:
        d_m = kv_delta_v_mps * (t_f - 0.5 * t_burn)
    d = d_m / 1000.0
    r1, r2 = EARTH_RADIUS_KM + orbit_altitude_km, EARTH_RADIUS_KM + intercept_altitude_km
    if d < abs(r1 - r2):
        return Reach(t_f, d, 0.0)
    cos_g = (r1**2 + r2**2 - d**2) / (2.0 * r1 * r2)
    rho = EARTH_RADIUS_KM * float(np.arccos(np.clip(cos_g, -1.0, 1.0)))
    return Reach(t_f, d, rho)


def in_reach_counts(
    walker: Walker,
    altitude_km: float,
    reach_km: float,
    point_lon: ArrayLike,
    point_lat: ArrayLike,
    times_s: ArrayLike,
) -> np.ndarray:
    r"""Number of satellites whose sub-satellite point is within ``reach_km`` of each point.

    Plane-wise count: with the plane's Earth-fixed node frame :math:`e_1, e_2` and normal
    :math:`h`, a point at out-of-plane angle :math:`\beta` and in-plane angle :math:`\alpha` is
    within :math:`\lambda = \rho / R` of the slots with :math:`|u - \alpha| \le \Delta u`,
    :math:`\cos\Delta u = \cos\lambda / \cos\beta`; the slots :math:`u_0 + 2\pi j/s` in that
    window are counted as integers in an interval (:func:`geodata.space.counts_within`, shared
    with visibility).

    Returns
    -------
    numpy.ndarray
        ``(n_points, n_times)`` ``int32`` counts.
    """
    lam = float(reach_km) / EARTH_RADIUS_KM
    if not 0.0 <= lam < np.pi / 2:
        raise ValueError(f"reach {reach_km} km must be in [0, {np.pi / 2 * EARTH_RADIUS_KM:.0f}) km")
    if lam <= 0:
        n_t = np.atleast_1d(np.asarray(times_s)).size
        return np.zeros((unit_vectors(point_lon, point_lat).shape[0], n_t), dtype=np.int32)
    return counts_within(walker, altitude_km, lam, point_lon, point_lat, times_s)


def day_times(n_steps: int = 1440, start_s: float = 0.0) -> np.ndarray:
    """``n_steps`` equally spaced times over one sidereal day, s."""
    if n_steps < 1:
        raise ValueError(f"n_steps must be at least 1, got {n_steps}")
    return start_s + np.arange(n_steps) * (SIDEREAL_DAY_S / n_steps)


@dataclass(frozen=True)
class Availability:
    r"""Distribution over a day of the number of interceptors in reach of a launch area.

    Launch point and instant are drawn uniformly (over the area's sample points and the day).

    Attributes
    ----------
    walker, altitude_km, reach_km
        The constellation, its altitude and the ground reach used.
    mean_in_reach
        :math:`\bar N`, mean number in reach.
    p_at_least
        ``p_at_least[k]`` = :math:`P(N \ge k)` for ``k = 0 .. k_max`` (``p_at_least[0] = 1``).
    p_at_least_worst_point
        The same probability at the area's worst sample point.
    n_samples
        Point-instant samples behind the figures.
    """

    walker: Walker
    altitude_km: float
    reach_km: float
    mean_in_reach: float
    p_at_least: tuple[float, ...]
    p_at_least_worst_point: tuple[float, ...]
    n_samples: int

    @property
    def absentee_ratio(self) -> float:
        r"""Satellites in the constellation per satellite in reach, :math:`t / \bar N` (inf if none)."""
        return self.walker.t / self.mean_in_reach if self.mean_in_reach > 0 else float("inf")


def availability(
    walker: Walker,
    altitude_km: float,
    reach_km: float,
    point_lon: ArrayLike,
    point_lat: ArrayLike,
    k_max: int,
    n_steps: int = 1440,
) -> Availability:
    """Propagate ``walker`` over one sidereal day and count the satellites in reach of the points."""
    counts = in_reach_counts(walker, altitude_km, reach_km, point_lon, point_lat, day_times(n_steps))
    ks = np.arange(k_max + 1)
    ge = counts[:, :, None] >= ks[None, None, :]
    per_point = ge.mean(axis=1)
    return Availability(
        walker=walker,
        altitude_km=float(altitude_km),
        reach_km=float(reach_km),
        mean_in_reach=float(counts.mean()),
        p_at_least=tuple(float(v) for v in per_point.mean(axis=0)),
        p_at_least_worst_point=tuple(float(v) for v in per_point.min(axis=0)),
        n_samples=int(counts.size),
    )


def latitude_density(inclination_deg: float, lat_deg: ArrayLike) -> np.ndarray:
    r"""Time density of a circular orbit's sub-satellite latitude, per radian.

    :math:`f(\varphi) = \cos\varphi / (\pi\sqrt{\sin^2 i - \sin^2\varphi})` for
    :math:`|\varphi| < \min(i, 180° - i)`, else 0 (integrable singularity at the turning latitude).
    """
    phi = np.radians(np.asarray(lat_deg, dtype=float))
    s2i = np.sin(np.radians(inclination_deg)) ** 2
    gap = s2i - np.sin(phi) ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(gap > 0, np.cos(phi) / (np.pi * np.sqrt(gap)), 0.0)


def reach_probability_exact(
    inclination_deg: float, reach_km: float, lat_deg: float, n_u: int = 20_000
) -> float:
    r"""Probability :math:`q` that one satellite is within ``reach_km`` of a point at ``lat_deg``.

    The latitude-density integral of the module docstring, by the midpoint rule in the argument
    of latitude :math:`u` (the substitution :math:`\sin\varphi = \sin i\sin u` removes the
    density's singularity; the integrand is continuous, so the error falls as ``n_u``
    grows — 20,000 nodes: below 1e-6 relative on the cases tested).
    """
    lam = float(reach_km) / EARTH_RADIUS_KM
    phi0 = np.radians(lat_deg)
    u = (np.arange(n_u) + 0.5) * (2.0 * np.pi / n_u)
    sin_phi = np.sin(np.radians(inclination_deg)) * np.sin(u)
    cos_phi = np.sqrt(1.0 - sin_phi**2)
    den = cos_phi * np.cos(phi0)
    with np.errstate(divide="ignore", invalid="ignore"):
        c = (np.cos(lam) - sin_phi * np.sin(phi0)) / den
    delta = np.where(den > 0, np.arccos(np.clip(c, -1.0, 1.0)), 0.0)
    return float(delta.mean() / np.pi)


def uniform_absentee_ratio(reach_km: float) -> float:
    r"""Absentee ratio :math:`2 / (1 - \cos(\rho/R))` of satellites spread uniformly over the sphere."""
    return 2.0 / (1.0 - np.cos(float(reach_km) / EARTH_RADIUS_KM))
