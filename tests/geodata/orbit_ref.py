"""Independent two-body references shared by the trajectory tests (none calls geodata).

Spherical Earth of radius ``R`` (km), ``MU`` in km^3/s^2; the burnout speed of a symmetric
surface-to-surface arc from the textbook free-flight range equation (Bate, Mueller & White):
``cos(psi/2) = (1 - Q cos^2 g) / sqrt(1 + Q (Q - 2) cos^2 g)`` with ``Q = R v^2 / mu``.
"""

import numpy as np
from scipy.optimize import brentq

MU, R = 398600.4418, 6371.0088


def unit(lon_deg, lat_deg) -> np.ndarray:
    """Unit vectors (Earth-fixed) of longitudes and latitudes in degrees."""
    lo, la = np.radians(lon_deg), np.radians(lat_deg)
    return np.stack((np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)), axis=-1)


def destination(lon: float, lat: float, az_deg: float, d_km: float) -> tuple[float, float]:
    """Point d_km along the great circle leaving (lon, lat) at azimuth az (spherical trigonometry)."""
    p1, l1, az, c = np.radians(lat), np.radians(lon), np.radians(az_deg), d_km / R
    p2 = np.arcsin(np.sin(p1) * np.cos(c) + np.cos(p1) * np.sin(c) * np.cos(az))
    l2 = l1 + np.arctan2(np.sin(az) * np.sin(c) * np.cos(p1), np.cos(c) - np.sin(p1) * np.sin(p2))
    return float(np.degrees(l2)), float(np.degrees(p2))


def q_for_range(psi: float, gamma: float) -> float:
    """Q = R v^2 / mu of the symmetric surface-to-surface arc of range psi at angle gamma."""
    c2 = np.cos(gamma) ** 2

    def miss(q: float) -> float:
        return 2 * np.arccos(np.clip((1 - q * c2) / np.sqrt(1 + q * (q - 2) * c2), -1, 1)) - psi

    return brentq(miss, 1e-9, 2 - 1e-9, xtol=1e-15)


def speed_for_range(psi: float, gamma: float) -> float:
    """Burnout speed (km/s) of that arc."""
    return float(np.sqrt(q_for_range(psi, gamma) * MU / R))
