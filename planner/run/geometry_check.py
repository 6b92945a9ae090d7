r"""The certificate's own geometry: space and corridor coverage recomputed without the matrix builders.

The coverage matrices come from :mod:`geodata.coverage` and :mod:`geodata.threats` (spatial indices,
plane-by-plane counting, chunked sample pairs). The certificate must not trust them, so this module
recomputes the same statements from first principles, sharing only primitives (the Walker pattern's
parser, Earth's constants, the footprint angle and the horizon formulas) and the *inputs* the builders
had (the sampling times of a constellation, the sampled threat tracks):

Space coverage
    Satellite :math:`(k, j)` of a Walker delta :math:`i:t/p/f` (:math:`s = t/p`) has right ascension
    :math:`\Omega_k = 2\pi k/p` and argument of latitude
    :math:`u_{kj}(t) = 2\pi j/s + 2\pi f k/t + n t`, :math:`n = \sqrt{\mu/(R+h)^3}`; its inertial
    unit vector is
    :math:`(\cos\Omega\cos u - \sin\Omega\sin u\cos i,\ \sin\Omega\cos u + \cos\Omega\sin u\cos i,\
    \sin u\sin i)`, turned by :math:`-\omega_E t` into the Earth-fixed frame. A point with unit vector
    :math:`\hat p` sees it when :math:`\hat p\cdot\hat s \ge \cos\lambda` (:math:`\lambda` the
    footprint's central angle). The fraction is the share of the sampling times with a satellite in
    view, by brute force over every (time, satellite, point).

Corridor engagement
    A site at :math:`R\hat q` engages a track sample at :math:`(R + h)\hat x` when the straight-line
    distance :math:`\lVert (R+h)\hat x - R\hat q\rVert` is within its engagement range and
    :math:`h_{min} \le h \le h_{max}`; a point is covered when the site engages any (or every) track
    toward it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any, Literal

import numpy as np

from geodata.geometry import EARTH_RADIUS_KM, footprint_central_angle_deg
from geodata.orbits import MU_EARTH_KM3_S2, OMEGA_EARTH_RAD_S, Walker

_CHUNK_ELEMENTS = 4_000_000
"""Largest (points × times × satellites) block evaluated at once (≈ 32 MB of float64)."""


def _unit(lon_deg: np.ndarray, lat_deg: np.ndarray) -> np.ndarray:
    lon, lat = np.radians(lon_deg), np.radians(lat_deg)
    return np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], axis=-1)


def _satellites_earth_fixed(walker: Walker, altitude_km: float, t: np.ndarray) -> np.ndarray:
    """Earth-fixed unit vectors of every satellite at times ``t``: shape ``(len(t), walker.t, 3)``."""
    s = walker.t // walker.p
    k = np.repeat(np.arange(walker.p), s)
    j = np.tile(np.arange(s), walker.p)
    raan = 2 * np.pi * k / walker.p
    n = math.sqrt(MU_EARTH_KM3_S2 / (EARTH_RADIUS_KM + altitude_km) ** 3)
    u = 2 * np.pi * j / s + 2 * np.pi * walker.f * k / walker.t + n * t[:, None]
    inc = math.radians(walker.inclination_deg)
    x = np.cos(raan) * np.cos(u) - np.sin(raan) * np.sin(u) * math.cos(inc)
    y = np.sin(raan) * np.cos(u) + np.cos(raan) * np.sin(u) * math.cos(inc)
    z = np.sin(u) * math.sin(inc)
    th = OMEGA_EARTH_RAD_S * t[:, None]
    return np.stack([np.cos(th) * x + np.sin(th) * y, -np.sin(th) * x + np.cos(th) * y, z], axis=-1)


def space_fraction(pattern: str, altitude_km: float, min_elevation_deg: float, times_s: np.ndarray,
                   lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Share of ``times_s`` during which each point sees at least one satellite of ``pattern``."""
    walker = Walker.parse(pattern)
    cos_lam = math.cos(math.radians(float(footprint_central_angle_deg(altitude_km, min_elevation_deg))))
    pts = _unit(np.asarray(lon, float), np.asarray(lat, float))
    times = np.asarray(times_s, dtype=float)
    seen = np.zeros(len(pts))
    step = max(1, _CHUNK_ELEMENTS // max(1, len(pts) * walker.t))
    for a in range(0, times.size, step):
        sats = _satellites_earth_fixed(walker, altitude_km, times[a:a + step])
        dots = np.einsum("pc,tsc->pts", pts, sats)
        seen += (dots >= cos_lam).any(axis=2).sum(axis=1)
    return seen / max(times.size, 1)


def corridor_engaged(tracks: Any, sites: Iterable[tuple[float, float]], range_km: float,
                     min_alt_km: float, max_alt_km: float, mode: Literal["any", "all"]) -> np.ndarray:
    """Targets (``tracks.n_targets``) that some chosen site engages on any (every) track toward them."""
    n_targets = int(np.asarray(tracks.target_ids).size)
    alt = np.asarray(tracks.alt_km, dtype=float)
    sample = _unit(np.asarray(tracks.lon, float), np.asarray(tracks.lat, float)) \
        * (EARTH_RADIUS_KM + alt)[..., None]
    in_band = (alt >= min_alt_km) & (alt <= max_alt_km)
    target = np.asarray(tracks.target, dtype=np.int64)
    need = np.bincount(target, minlength=n_targets)
    covered = np.zeros(n_targets, dtype=bool)
    for slon, slat in sites:  # one site at a time: "every track" means every track by this site
        q = EARTH_RADIUS_KM * _unit(np.array([slon]), np.array([slat]))[0]
        dist = np.linalg.norm(sample - q, axis=-1)
        engaged = ((dist <= range_km) & in_band).any(axis=1)
        hits = np.bincount(target[engaged], minlength=n_targets)
        covered |= (hits >= np.maximum(need, 1)) if mode == "all" else (hits > 0)
    return covered
