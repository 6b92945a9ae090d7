r"""Radar line of sight through a standard exponential atmosphere, geometric above it.

Atmosphere
    Refractivity :math:`N(h) = N_0 e^{-h/H}` (index :math:`n = 1 + 10^{-6}N`), :math:`N_0 = 315`
    (ITU-R P.453 mean surface value) and :math:`H = 4RN_0 10^{-6} = 8.03` km, the scale height
    whose surface gradient (:math:`-39.2` N/km) is the standard one behind the 4/3-Earth rule. So
    near the surface the model bends rays like a 4/3 Earth (10 m mast: 13.0 km), and the bending
    dies out with the air: above ~100 km the ray is a straight line, whereas a 4/3 Earth keeps
    bending it through vacuum (30 m mast to a 100 km target: 1,330 km instead of 1,213 km).

Ray trace
    In a spherically stratified medium :math:`n(r)\,r\cos\varepsilon(r) = c` along a ray
    (Bouguer), and the ground arc covered between radii :math:`r_a` and :math:`r_b` is

    .. math:: \Theta = \int_{r_a}^{r_b} \frac{c\,dr}{r\sqrt{n^2 r^2 - c^2}}

    computed with :math:`r = r_a + x^2` (which removes the square-root singularity at a turning
    point) by the trapezoid rule on 4,001 nodes up to 200 km, and in closed form
    :math:`\arccos(c/r_b) - \arccos(c/r_{top})` above (:math:`n = 1`). The horizon ray of a sensor
    at height :math:`h_s` grazes the surface (:math:`c = n(0)R`): the reach to a target at
    :math:`h_t` is :math:`R[\Theta(0 \to h_s) + \Theta(0 \to h_t)]`. With a minimum elevation
    :math:`\varepsilon > 0` the ray leaves the sensor at :math:`\varepsilon`
    (:math:`c = n(h_s)(R + h_s)\cos\varepsilon`) and the reach is :math:`R\,\Theta(h_s \to h_t)`.
    Tables are built once per (sensor height, elevation) and interpolated in target altitude.
"""

from __future__ import annotations

import functools

import numpy as np
from numpy.typing import ArrayLike

from geodata.geometry import EARTH_RADIUS_KM

SURFACE_REFRACTIVITY: float = 315.0
"""Mean surface refractivity :math:`N_0`, N-units (ITU-R P.453)."""

SCALE_HEIGHT_KM: float = 4.0 * EARTH_RADIUS_KM * SURFACE_REFRACTIVITY * 1e-6
"""Scale height (8.03 km) whose surface gradient equals the standard 4/3-Earth gradient."""

TOP_KM: float = 200.0
"""Above this altitude the ray is taken as straight (refractivity below 1e-10)."""

_NODES = 4001


def refractive_index(h_km: ArrayLike) -> np.ndarray:
    """:math:`n(h) = 1 + 10^{-6} N_0 e^{-h/H}`."""
    h = np.asarray(h_km, dtype=float)
    return 1.0 + 1e-6 * SURFACE_REFRACTIVITY * np.exp(-h / SCALE_HEIGHT_KM)


def _trace(h0_km: float, c: float) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative ground arc (rad) from altitude ``h0_km`` up to ``TOP_KM`` along the ray ``c``."""
    r0 = EARTH_RADIUS_KM + h0_km
    x = np.linspace(0.0, np.sqrt(max(TOP_KM - h0_km, 1e-9)), _NODES)
    r = r0 + x * x
    nr = refractive_index(r - EARTH_RADIUS_KM) * r
    with np.errstate(divide="ignore", invalid="ignore"):
        g = 2.0 * x * c / (r * np.sqrt(np.maximum(nr * nr - c * c, 0.0)))
    g[0] = 2.0 * g[1] - g[2] if not np.isfinite(g[0]) or g[0] == 0.0 else g[0]
    g[0] = max(g[0], 0.0)
    arc = np.concatenate(([0.0], np.cumsum(0.5 * (g[1:] + g[:-1]) * np.diff(x))))
    return r - EARTH_RADIUS_KM, arc


@functools.lru_cache(maxsize=512)
def _table(h0_km: float, c: float) -> tuple[np.ndarray, np.ndarray, float]:
    alt, arc = _trace(h0_km, c)
    return alt, arc, float(np.arccos(min(c / (EARTH_RADIUS_KM + TOP_KM), 1.0)))


def _arc_above(h0_km: float, c: float, h_km: np.ndarray) -> np.ndarray:
    """Ground arc (rad) from ``h0_km`` to each altitude ``h_km >= h0_km`` along the ray ``c``."""
    alt, arc, top_angle = _table(round(h0_km, 9), round(c, 9))
    r = EARTH_RADIUS_KM + np.maximum(h_km, h0_km)
    inside = np.interp(np.minimum(h_km, TOP_KM), alt, arc)
    beyond = arc[-1] + np.arccos(np.minimum(c / r, 1.0)) - top_angle
    return np.where(h_km <= TOP_KM, inside, beyond)


def horizon_arc_km(h_km: ArrayLike) -> np.ndarray:
    """Ground arc (km) from the surface point where the grazing ray touches to altitude ``h_km``."""
    h = np.asarray(h_km, dtype=float)
    c = float(refractive_index(0.0)) * EARTH_RADIUS_KM
    return EARTH_RADIUS_KM * _arc_above(0.0, c, h)


def line_of_sight_arc_km(
    sensor_height_km: float, target_alt_km: ArrayLike, min_elevation_deg: float = 0.0
) -> np.ndarray:
    """Farthest ground arc (km) at which a target at ``target_alt_km`` is in view of the sensor.

    ``min_elevation_deg`` 0: the refracted horizon (the ray grazing the surface, so an elevated
    sensor may look slightly below its horizontal); above 0: the ray leaving the sensor at that
    elevation (targets below the sensor are then out of view). Elevations are measured from the
    sensor's local horizontal, as radars state their limits.
    """
    hs = float(sensor_height_km)
    ht = np.asarray(target_alt_km, dtype=float)
    if hs < 0 or np.any(ht < 0):
        raise ValueError("heights and altitudes must be non-negative")
    if not 0.0 <= min_elevation_deg < 90.0:
        raise ValueError(f"min_elevation_deg {min_elevation_deg} must be in [0, 90)")
    R = EARTH_RADIUS_KM
    if min_elevation_deg == 0.0:
        return horizon_arc_km(hs) + horizon_arc_km(ht)
    eps = np.radians(min_elevation_deg)
    c = float(refractive_index(hs)) * (R + hs) * np.cos(eps)
    return np.where(ht >= hs, R * _arc_above(hs, c, ht), 0.0)
