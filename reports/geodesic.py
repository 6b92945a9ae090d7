r"""Range circles on the sphere, for drawing.

A range ring of radius :math:`r` around :math:`(\lambda_1, \varphi_1)` is the set of destination
points at angular distance :math:`\delta = r / R` for every bearing :math:`\theta`:

.. math::

    \varphi_2 = \arcsin(\sin\varphi_1 \cos\delta + \cos\varphi_1 \sin\delta \cos\theta)

    \lambda_2 = \lambda_1 + \operatorname{atan2}(\sin\theta \sin\delta \cos\varphi_1,\;
                 \cos\delta - \sin\varphi_1 \sin\varphi_2)

with the mean Earth radius :math:`R = 6371.0088` km. Against WGS84 geodesics the radius is off by at
most about 0.5 % (the sphere's error), well under a marker's width on a continental map.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

EARTH_RADIUS_KM = 6371.0088
"""IUGG mean Earth radius."""


def destination_points(
    lon: ArrayLike, lat: ArrayLike, bearing_deg: ArrayLike, distance_km: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Return the points reached from ``(lon, lat)`` along ``bearing_deg`` after ``distance_km``.

    All arguments broadcast together (degrees, kilometres on the mean sphere). Longitudes are
    returned as ``lon + Δλ`` with ``Δλ ∈ (-180, 180]``, i.e. not wrapped into ``[-180, 180)``.
    """
    phi1 = np.radians(np.asarray(lat, dtype=float))
    lam1 = np.radians(np.asarray(lon, dtype=float))
    theta = np.radians(np.asarray(bearing_deg, dtype=float))
    delta = np.asarray(distance_km, dtype=float) / EARTH_RADIUS_KM
    sin_phi2 = np.sin(phi1) * np.cos(delta) + np.cos(phi1) * np.sin(delta) * np.cos(theta)
    phi2 = np.arcsin(np.clip(sin_phi2, -1.0, 1.0))
    dlam = np.arctan2(np.sin(theta) * np.sin(delta) * np.cos(phi1), np.cos(delta) - np.sin(phi1) * sin_phi2)
    return np.degrees(lam1 + dlam), np.degrees(phi2)


def range_rings(
    lon: ArrayLike, lat: ArrayLike, radius_km: ArrayLike, n_vertices: int = 128
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Return closed rings of ``n_vertices + 1`` vertices around each centre.

    Parameters
    ----------
    lon, lat
        Centres in degrees, shape ``(k,)``.
    radius_km
        Ring radii in km, shape ``(k,)`` or scalar.
    n_vertices
        Vertices per ring (bearings evenly spaced from 0°).

    Returns
    -------
    tuple of ndarray
        ``(ring_lon, ring_lat)``, each of shape ``(k, n_vertices + 1)``; the last vertex repeats the
        first. Longitudes are unwrapped along each ring (continuous across the antimeridian), so a
        ring that encloses a pole sweeps 360° of longitude.
    """
    lon = np.atleast_1d(np.asarray(lon, dtype=float))
    lat = np.atleast_1d(np.asarray(lat, dtype=float))
    radius = np.broadcast_to(np.asarray(radius_km, dtype=float), lon.shape)
    bearings = np.linspace(0.0, 360.0, n_vertices + 1)
    ring_lon, ring_lat = destination_points(lon[:, None], lat[:, None], bearings[None, :], radius[:, None])
    return np.unwrap(ring_lon, period=360.0, axis=1), ring_lat


def haversine_km(lon1: ArrayLike, lat1: ArrayLike, lon2: ArrayLike, lat2: ArrayLike) -> NDArray:
    """Return great-circle distances in km on the mean sphere (broadcasting)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dlam = np.radians(np.asarray(lon2, dtype=float) - np.asarray(lon1, dtype=float))
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlam / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
