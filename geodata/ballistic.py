r"""Two-body ballistic trajectories: a notional boost phase, then Keplerian free flight.

Free flight (spherical Earth, point mass, no drag)
    From burnout at radius :math:`r_1` with flight-path angle :math:`\gamma` (above the local
    horizontal) to a point at radius :math:`r_2` a central angle :math:`\psi` downrange, the orbit
    equation :math:`1/r = \mu/h^2 + A\cos\theta + B\sin\theta` gives the burnout speed through

    .. math::

        Q = \frac{r_1 v^2}{\mu} = \frac{1 - \cos\psi}
            {\cos\gamma\,\big(\rho\cos\gamma - \cos(\gamma + \psi)\big)},
        \qquad \rho = r_1 / r_2,

    then :math:`p = r_1 Q\cos^2\gamma`, :math:`a = r_1/(2 - Q)`, :math:`e = \sqrt{1 - p/a}`,
    :math:`e\cos\nu_1 = Q\cos^2\gamma - 1`, :math:`e\sin\nu_1 = Q\sin\gamma\cos\gamma`. Time follows
    from Kepler's equation :math:`M = E - e\sin E`, :math:`t = \Delta M / n`, :math:`n = \sqrt{\mu/a^3}`.
    The **minimum-energy** angle minimises :math:`Q`: :math:`\tan 2\gamma = \sin\psi / (\rho -
    \cos\psi)`, which is :math:`\gamma = (\pi - \psi)/4` for :math:`r_1 = r_2`; **lofted** and
    **depressed** trajectories add or subtract ``loft_deg`` to that angle.

Boost (notional)
    From the launch point to burnout at altitude :math:`h_b` after :math:`t_b` seconds, along the
    great circle to the target, on a straight climb at the burnout angle (at least 10°): downrange
    :math:`s_b = h_b / \tan\gamma`, with altitude and downrange
    growing as :math:`(t/t_b)^2` (constant acceleration). Tracks shorter than four boost ranges get
    a proportionally smaller boost. The boost only places the burnout point; its velocity is the
    free flight's.

Earth rotation (optional)
    Launch and burnout are fixed on the rotating Earth; the free flight is a Keplerian arc in the
    inertial frame from the burnout point at :math:`t_b` to where the target is at impact
    :math:`T` (iterated: :math:`T` moves the target by :math:`\omega_E T`), and the track is drawn
    back in Earth-fixed coordinates.

Notional and illustrative: the classes in :data:`MISSILE_CLASSES` are round numbers from public
descriptions of boost durations and burnout altitudes, not data about any real missile.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from geodata.geometry import EARTH_RADIUS_KM
from geodata.orbits import MU_EARTH_KM3_S2, OMEGA_EARTH_RAD_S

TrajectoryKind = Literal["minimum_energy", "lofted", "depressed"]

_MIN_CLIMB_RAD = np.radians(10.0)  # steepest-descent guard for the notional boost's downrange


@dataclass(frozen=True)
class TrajectorySpec:
    """Notional trajectory parameters of a missile class.

    Attributes
    ----------
    name
        Label.
    kind
        ``minimum_energy`` (default), ``lofted`` or ``depressed``.
    loft_deg
        For ``lofted`` / ``depressed``: degrees added to / subtracted from the minimum-energy
        burnout flight-path angle.
    boost_s
        Boost duration, s (0: free flight from the launch point).
    burnout_alt_km
        Burnout altitude, km (0 with ``boost_s`` 0).
    earth_rotation
        Launch on the rotating Earth and draw the track in Earth-fixed coordinates.
    """

    name: str = "keplerian"
    kind: TrajectoryKind = "minimum_energy"
    loft_deg: float = 0.0
    boost_s: float = 0.0
    burnout_alt_km: float = 0.0
    earth_rotation: bool = False

    def __post_init__(self) -> None:
        if self.kind not in ("minimum_energy", "lofted", "depressed"):
            raise ValueError(f"trajectory kind {self.kind!r}: use minimum_energy, lofted or depressed")
        if not 0.0 <= self.loft_deg < 60.0:
            raise ValueError(f"loft_deg {self.loft_deg} must be in [0, 60)")
        if self.boost_s < 0 or self.burnout_alt_km < 0:
            raise ValueError("boost_s and burnout_alt_km must be non-negative")
        if (self.boost_s == 0) != (self.burnout_alt_km == 0):
            raise ValueError("give both boost_s and burnout_alt_km, or neither")

    @property
    def angle_offset_rad(self) -> float:
        """Offset from the minimum-energy flight-path angle, radians."""
        sign = {"minimum_energy": 0.0, "lofted": 1.0, "depressed": -1.0}[self.kind]
        return sign * np.radians(self.loft_deg)


MISSILE_CLASSES: dict[str, TrajectorySpec] = {
    "keplerian": TrajectorySpec(),
    "srbm": TrajectorySpec("srbm", boost_s=60.0, burnout_alt_km=30.0),
    "irbm": TrajectorySpec("irbm", boost_s=120.0, burnout_alt_km=100.0),
    "icbm": TrajectorySpec("icbm", boost_s=180.0, burnout_alt_km=200.0),
}
"""Notional classes: public descriptions give boosts of about 1 min (short range), 2 min
(intermediate) and 3 min (intercontinental, burnout near 200 km). Illustrative only."""


def minimum_energy_angle(psi: np.ndarray, r1: np.ndarray | float, r2: np.ndarray | float) -> np.ndarray:
    r"""Burnout flight-path angle of least speed, :math:`\frac12\arctan\frac{\sin\psi}{\rho - \cos\psi}`."""
    return 0.5 * np.arctan2(np.sin(psi), r1 / r2 - np.cos(psi))


@dataclass(frozen=True, eq=False)
class FreeFlight:
    r"""Keplerian arcs, one per track (arrays of equal shape).

    Attributes
    ----------
    r1, psi, gamma
        Burnout radius (km), central angle to impact (rad), burnout flight-path angle (rad).
    q, a, e, nu1
        :math:`r_1 v^2/\mu`, semi-major axis (km), eccentricity, true anomaly at burnout (rad).
    time_s, apogee_radius_km
        Free-flight time and the highest radius on the arc.
    """

    r1: np.ndarray
    psi: np.ndarray
    gamma: np.ndarray
    q: np.ndarray
    a: np.ndarray
    e: np.ndarray
    nu1: np.ndarray
    time_s: np.ndarray
    apogee_radius_km: np.ndarray

    def mean_anomaly(self, nu: np.ndarray) -> np.ndarray:
        """Mean anomaly at true anomaly ``nu`` (Kepler: ``E - e sin E``), radians."""
        ecc = np.arctan2(np.sqrt(1 - self.e**2) * np.sin(nu), self.e + np.cos(nu))
        return ecc - self.e * np.sin(ecc)

    def at_times(self, tau: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Central angle from burnout (rad) and radius (km) at times ``tau`` (s) since burnout.

        ``tau`` broadcasts against ``(n, 1)``; Kepler's equation is solved by Newton's method.
        """
        a, e = self.a[:, None], self.e[:, None]
        n = np.sqrt(MU_EARTH_KM3_S2 / a**3)
        m = self.mean_anomaly(self.nu1)[:, None] + n * tau
        ecc = m + e * np.sin(m)
        for _ in range(30):
            step = (ecc - e * np.sin(ecc) - m) / (1 - e * np.cos(ecc))
            ecc = ecc - step
            if np.all(np.abs(step) < 1e-13):
                break
        nu = 2 * np.arctan2(np.sqrt(1 + e) * np.sin(ecc / 2), np.sqrt(1 - e) * np.cos(ecc / 2))
        theta = np.mod(nu - self.nu1[:, None] + np.pi, 2 * np.pi) - np.pi
        return np.clip(theta, 0.0, self.psi[:, None]), a * (1 - e * np.cos(ecc))


def free_flight(r1_km: ArrayLike, r2_km: ArrayLike, psi: ArrayLike, gamma: ArrayLike) -> FreeFlight:
    """The Keplerian arc from ``r1`` at angle ``gamma`` to ``r2`` a central angle ``psi`` away.

    Raises
    ------
    ValueError
        When no ellipse joins the two points at that angle (too lofted or depressed).
    """
    r1, r2, psi, gamma = np.broadcast_arrays(
        *(np.asarray(x, dtype=float) for x in (r1_km, r2_km, psi, gamma))
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        q = (1 - np.cos(psi)) / (np.cos(gamma) * (r1 / r2 * np.cos(gamma) - np.cos(gamma + psi)))
    bad = ~((q > 0) & (q < 2)) | (gamma <= -np.pi / 2) | (gamma >= np.pi / 2)
    if np.any(bad & (psi > 0)):
        raise ValueError(
            "no elliptic free flight reaches the target at that flight-path angle; reduce loft_deg"
        )
    q = np.where(psi > 0, q, 1.0)
    p = r1 * q * np.cos(gamma) ** 2
    a = r1 / (2 - q)
    e = np.sqrt(np.maximum(1 - p / a, 0.0))
    nu1 = np.arctan2(q * np.sin(gamma) * np.cos(gamma), q * np.cos(gamma) ** 2 - 1)
    arc = FreeFlight(r1, psi, gamma, q, a, e, nu1, np.zeros_like(r1), np.zeros_like(r1))
    m1, m2 = arc.mean_anomaly(nu1), arc.mean_anomaly(nu1 + psi)
    dm = np.mod(m2 - m1, 2 * np.pi)
    time = np.where(psi > 0, dm / np.sqrt(MU_EARTH_KM3_S2 / a**3), 0.0)
    # The apse (nu = pi) lies on the arc when nu1 < pi <= nu1 + psi (mod 2 pi).
    through = np.mod(np.pi - nu1, 2 * np.pi) <= psi
    apogee = np.where(through, a * (1 + e), np.maximum(r1, r2))
    return FreeFlight(r1, psi, gamma, q, a, e, nu1, time, apogee)


def _rotz(v: np.ndarray, angle: np.ndarray) -> np.ndarray:
    c, s = np.cos(angle), np.sin(angle)
    x, y = v[..., 0], v[..., 1]
    return np.stack((c * x - s * y, s * x + c * y, v[..., 2]), axis=-1)


def _slerp(a: np.ndarray, b: np.ndarray, ang: np.ndarray) -> np.ndarray:
    """Points at central angle ``ang`` from unit ``a`` toward ``b`` (``(n, 3)``, ``ang`` ``(n, k)``)."""
    w = b - np.einsum("ij,ij->i", a, b)[:, None] * a
    norm = np.linalg.norm(w, axis=1)
    # Antipodal (or equal) points: any great circle will do; take the one heading east (or +x).
    east = np.cross(np.array([0.0, 0.0, 1.0]), a)
    east[np.linalg.norm(east, axis=1) < 1e-9] = (1.0, 0.0, 0.0)
    east /= np.linalg.norm(east, axis=1)[:, None]
    w = np.where(norm[:, None] > 1e-9, w / np.where(norm > 1e-9, norm, 1.0)[:, None], east)
    return np.cos(ang)[..., None] * a[:, None, :] + np.sin(ang)[..., None] * w[:, None, :]


@dataclass(frozen=True, eq=False)
class Trajectories:
    """Sampled trajectories: Earth-fixed ``xyz`` (unit vectors), ``alt_km`` and ``time_s`` per sample."""

    xyz: np.ndarray
    alt_km: np.ndarray
    time_s: np.ndarray
    flight_time_s: np.ndarray
    apogee_km: np.ndarray
    boost_s: np.ndarray


def _boost(spec: TrajectorySpec, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Boost time, burnout altitude, downrange angle and burnout flight-path angle per track."""
    R = EARTH_RADIUS_KM
    r1 = np.full_like(theta, R + spec.burnout_alt_km)
    sb = np.zeros_like(theta)
    for _ in range(4):  # downrange depends on the burnout angle, which depends on the rest
        psi = np.maximum(theta - sb, 0.0)
        gam = minimum_energy_angle(psi, r1, R) + spec.angle_offset_rad
        sb = (r1 - R) / R / np.tan(np.clip(gam, _MIN_CLIMB_RAD, np.pi / 2))
    scale = np.clip(theta / np.maximum(4 * sb, 1e-12), 0.0, 1.0) if spec.boost_s > 0 else np.zeros_like(theta)
    hb, sb = spec.burnout_alt_km * scale, sb * scale
    psi = np.maximum(theta - sb, 0.0)
    gam = minimum_energy_angle(psi, R + hb, R) + spec.angle_offset_rad
    return spec.boost_s * scale, hb, sb, gam


def trajectories(a: np.ndarray, b: np.ndarray, spec: TrajectorySpec, n_samples: int) -> Trajectories:
    """Trajectories from unit vectors ``a`` (launch) to ``b`` (target), each ``(n, 3)``.

    Samples sit at the midpoints of ``n_samples`` equal steps of the whole flight.
    """
    R = EARTH_RADIUS_KM
    theta = np.arccos(np.clip(np.einsum("ij,ij->i", a, b), -1.0, 1.0))
    tb, hb, sb, gam = _boost(spec, theta)
    burn = _slerp(a, b, sb[:, None])[:, 0, :]
    x1, x2 = burn, b
    if spec.earth_rotation:
        x1 = _rotz(burn, OMEGA_EARTH_RAD_S * tb)
        total = tb.copy()
        for _ in range(6):  # the target moves while the missile flies
            x2 = _rotz(b, OMEGA_EARTH_RAD_S * total)
            psi = np.arccos(np.clip(np.einsum("ij,ij->i", x1, x2), -1.0, 1.0))
            gam = minimum_energy_angle(psi, R + hb, R) + spec.angle_offset_rad
            total = tb + free_flight(R + hb, R, psi, gam).time_s
    psi = np.arccos(np.clip(np.einsum("ij,ij->i", x1, x2), -1.0, 1.0))
    gam = minimum_energy_angle(psi, R + hb, R) + spec.angle_offset_rad
    arc = free_flight(R + hb, R, psi, gam)
    flight = tb + arc.time_s
    t = flight[:, None] * (np.arange(n_samples) + 0.5)[None, :] / n_samples
    boosting = t < tb[:, None]
    frac = np.where(boosting, (t / np.where(tb > 0, tb, 1.0)[:, None]) ** 2, 1.0)
    ang, r = arc.at_times(np.maximum(t - tb[:, None], 0.0))
    inertial = _slerp(x1, x2, ang)
    if spec.earth_rotation:
        inertial = _rotz(inertial, -OMEGA_EARTH_RAD_S * t)
    xyz = np.where(boosting[..., None], _slerp(a, b, sb[:, None] * frac), inertial)
    alt = np.where(boosting, hb[:, None] * frac, r - R)
    apogee = np.maximum(arc.apogee_radius_km - R, hb)
    return Trajectories(xyz, alt, t, flight, apogee, tb)
