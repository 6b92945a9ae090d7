r"""Walker delta constellations on circular two-body orbits over a rotating spherical Earth.

Satellite :math:`(k, j)` (plane :math:`k = 0..p-1`, slot :math:`j = 0..s-1`, :math:`s = t/p`) has

.. math::

    \Omega_k = \frac{2\pi k}{p}, \qquad
    u_{kj}(t) = \frac{2\pi j}{s} + \frac{2\pi f k}{t} + n\,t, \qquad
    n = \sqrt{\mu / (R + h)^3}

and its Earth-fixed position is the inertial one rotated by :math:`-\omega_E t` about the pole
(Greenwich on the x axis at :math:`t = 0`). No perturbations (J2, drag): over the hours that
coverage statistics need, J2 moves the node of a 500 km orbit by about 0.3° per hour at most,
small against footprints of 10-20°.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from geodata.geometry import EARTH_RADIUS_KM

MU_EARTH_KM3_S2: float = 398600.4418
"""Earth's gravitational parameter (WGS84 / EGM96), km³/s²."""

OMEGA_EARTH_RAD_S: float = 7.2921159e-5
"""Earth's rotation rate (sidereal), rad/s."""

_WALKER_RE = re.compile(
    r"^\s*(?P<i>[-+]?\d+(?:\.\d*)?)\s*:\s*(?P<t>\d+)\s*/\s*(?P<p>\d+)\s*/\s*(?P<f>\d+)\s*$"
)


@dataclass(frozen=True)
class Walker:
    """A Walker delta pattern ``i:t/p/f``.

    Attributes
    ----------
    inclination_deg
        Orbit inclination, degrees, in [0, 180].
    t
        Total number of satellites.
    p
        Number of equally spaced orbital planes (``t`` divisible by ``p``).
    f
        Relative phasing, ``0 <= f < p``.
    """

    inclination_deg: float
    t: int
    p: int
    f: int

    def __post_init__(self) -> None:
        if not 0.0 <= self.inclination_deg <= 180.0:
            raise ValueError(f"Walker inclination {self.inclination_deg} not in [0, 180] degrees")
        if self.t < 1 or self.p < 1:
            raise ValueError(f"Walker {self}: t and p must be positive")
        if self.t % self.p:
            raise ValueError(f"Walker {self}: t={self.t} is not divisible by p={self.p}")
        if not 0 <= self.f < self.p:
            raise ValueError(f"Walker {self}: phasing f={self.f} must satisfy 0 <= f < p={self.p}")

    @classmethod
    def parse(cls, text: str) -> Walker:
        """Parse ``"i:t/p/f"``, e.g. ``"53:24/3/1"``.

        Raises
        ------
        ValueError
            Naming the string, when it is malformed or violates the Walker rules.
        """
        m = _WALKER_RE.match(str(text))
        if m is None:
            raise ValueError(
                f"bad Walker constellation {text!r}: expected 'i:t/p/f' such as '53:24/3/1' "
                "(inclination in degrees, total satellites, planes, phasing)"
            )
        try:
            return cls(float(m["i"]), int(m["t"]), int(m["p"]), int(m["f"]))
        except ValueError as exc:
            raise ValueError(f"bad Walker constellation {text!r}: {exc}") from None

    @property
    def per_plane(self) -> int:
        """Satellites per plane, ``t / p``."""
        return self.t // self.p

    def __str__(self) -> str:
        i = self.inclination_deg
        return f"{int(i) if float(i).is_integer() else i:g}:{self.t}/{self.p}/{self.f}"


def mean_motion_rad_s(altitude_km: float) -> float:
    r"""Circular-orbit mean motion :math:`n = \sqrt{\mu / (R + h)^3}`, rad/s."""
    a = EARTH_RADIUS_KM + float(altitude_km)
    return float(np.sqrt(MU_EARTH_KM3_S2 / a**3))


def orbital_period_s(altitude_km: float) -> float:
    r"""Circular-orbit period :math:`2\pi / n`, seconds."""
    return 2.0 * np.pi / mean_motion_rad_s(altitude_km)


def satellite_positions(walker: Walker, altitude_km: float, times_s: ArrayLike) -> np.ndarray:
    """Earth-fixed unit vectors of the sub-satellite points.

    Parameters
    ----------
    walker
        The constellation.
    altitude_km
        Orbit altitude above the sphere, km.
    times_s
        1-D times since epoch, seconds.

    Returns
    -------
    numpy.ndarray
        Shape ``(walker.t, n_times, 3)``; satellite index ``k * (t/p) + j`` (plane-major).
        :func:`geodata.geometry.lonlat_from_unit_vectors` turns them into lon/lat.
    """
    t = np.atleast_1d(np.asarray(times_s, dtype=float))
    n = mean_motion_rad_s(altitude_km)
    k = np.repeat(np.arange(walker.p), walker.per_plane)
    j = np.tile(np.arange(walker.per_plane), walker.p)
    raan = 2.0 * np.pi * k / walker.p
    u0 = 2.0 * np.pi * j / walker.per_plane + 2.0 * np.pi * walker.f * k / walker.t
    u = u0[:, None] + n * t[None, :]
    inc = np.radians(walker.inclination_deg)
    # Earth-fixed right ascension of the node: the Earth turns under the fixed plane.
    node = raan[:, None] - OMEGA_EARTH_RAD_S * t[None, :]
    cu, su = np.cos(u), np.sin(u)
    cn, sn = np.cos(node), np.sin(node)
    ci, si = np.cos(inc), np.sin(inc)
    return np.stack((cn * cu - sn * su * ci, sn * cu + cn * su * ci, su * si), axis=-1)
