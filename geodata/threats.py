r"""Notional threat corridors: ballistic tracks, sensor tracking, warning time, engagement.

Everything here is notional and illustrative, meant to rank sensor and interceptor sites along
plausible approach corridors, not to model any real system.

Track
    From a launch point :math:`a` to a defended point :math:`b` (unit vectors, ground range
    :math:`D = R\Theta`, :math:`\cos\Theta = a\cdot b`): a two-body trajectory
    (:mod:`geodata.ballistic`), minimum energy by default (lofted or depressed by a named angle),
    after an optional notional boost, optionally on the rotating Earth, through the plane of
    :math:`a` and :math:`b`. Flight time and apogee of the free flight follow Kepler's equation
    (10,000 km from the surface: 32.2 min, apogee 1,319 km). Samples sit at the midpoints of
    :math:`K` equal time steps, so time fractions are midpoint sums and warning times are accurate
    to :math:`\pm T/2K`.

Sensor tracking
    A ground or sea sensor of height :math:`h_s` tracks the object at altitude :math:`h_o` and
    ground arc :math:`d` when it is in line of sight above the sensor's minimum elevation, by a
    ray trace through the standard exponential atmosphere, straight above it
    (:mod:`geodata.refraction`), and the slant range is within the sensor's range :math:`r`:

    .. math::

        d \le \Theta_{los}(h_s, h_o, \varepsilon_{min}), \qquad
        \sqrt{(R+h_s)^2 + (R+h_o)^2 - 2(R+h_s)(R+h_o)\cos(d/R)} \le r

    Satellites track too (:mod:`geodata.space_tracking`). Tracked fraction: share of the flight
    time during which at least one sensor tracks; warning time: :math:`T - t_{first}` from the
    first tracked sample to impact (0 if never tracked).

Engagement
    An interceptor site (at ground level) can engage a track when some sample lies within its
    engagement slant range and inside its altitude band :math:`[h_{min}, h_{max}]`.
    :func:`engagement_coverage` turns that into the sparse matrix "site :math:`j` can engage
    some (or every) threat track toward point :math:`i`", usable as interceptor coverage.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp
from numpy.typing import ArrayLike
from shapely.geometry.base import BaseGeometry

from geodata.ballistic import MISSILE_CLASSES, TrajectorySpec, trajectories
from geodata.geometry import (
    EARTH_RADIUS_KM,
    arc_for_chord_km,
    great_circle_km,
    lonlat_from_unit_vectors,
    unit_vectors,
)
from geodata.refraction import line_of_sight_arc_km
from geodata.spatial import CapIndex

KEPLERIAN: TrajectorySpec = MISSILE_CLASSES["keplerian"]
"""Minimum-energy free flight from the launch point, no boost, no Earth rotation."""

__all__ = [
    "KEPLERIAN",
    "MISSILE_CLASSES",
    "LaunchArea",
    "ThreatTracks",
    "TrajectorySpec",
    "ballistic_tracks",
    "corridor_summary",
    "engagement_coverage",
    "sensor_tracking",
]


@dataclass(frozen=True)
class LaunchArea:
    """A named, notional launch area: one or more launch points (degrees)."""

    name: str
    lon: tuple[float, ...]
    lat: tuple[float, ...]

    def __post_init__(self) -> None:
        if len(self.lon) != len(self.lat) or not self.lon:
            raise ValueError(f"launch area {self.name!r} needs as many lon as lat, at least one")

    @classmethod
    def point(cls, name: str, lon: float, lat: float) -> LaunchArea:
        """A single launch point."""
        return cls(name, (float(lon),), (float(lat),))

    @classmethod
    def from_polygon(cls, name: str, polygon: BaseGeometry, spacing_km: float) -> LaunchArea:
        """Launch points on a lattice about ``spacing_km`` apart inside ``polygon``.

        Falls back to the polygon's representative point when it is smaller than the spacing.
        """
        from geodata.candidates import land_grid

        lon, lat = land_grid(polygon, spacing_km)
        if lon.size == 0:
            p = polygon.representative_point()
            lon, lat = np.array([p.x]), np.array([p.y])
        return cls(name, tuple(map(float, lon)), tuple(map(float, lat)))


@dataclass(frozen=True, eq=False)
class ThreatTracks:
    """Sampled tracks, one per (launch point, target) pair.

    Attributes
    ----------
    area, target
        ``(n_tracks,)`` indices into ``area_names`` and the targets.
    lon, lat, alt_km, time_s
        ``(n_tracks, n_samples)`` sub-track point, altitude and time since launch.
    range_km, apogee_km, flight_time_s
        ``(n_tracks,)``.
    area_names, target_ids
        Labels.
    """

    area: np.ndarray
    target: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    alt_km: np.ndarray
    time_s: np.ndarray
    range_km: np.ndarray
    apogee_km: np.ndarray
    flight_time_s: np.ndarray
    area_names: tuple[str, ...]
    target_ids: np.ndarray

    @property
    def n_targets(self) -> int:
        """Number of targets (defended points)."""
        return int(self.target_ids.size)


def ballistic_tracks(
    areas: Sequence[LaunchArea],
    target_lon: ArrayLike,
    target_lat: ArrayLike,
    target_ids: ArrayLike | None = None,
    *,
    n_samples: int = 48,
    trajectory: TrajectorySpec = KEPLERIAN,
) -> ThreatTracks:
    """Two-body ballistic tracks from every launch point to every target (module docstring).

    ``trajectory`` sets the kind (minimum energy by default, lofted, depressed), the notional
    boost and Earth rotation (:class:`geodata.ballistic.TrajectorySpec`).
    """
    tlon = np.atleast_1d(np.asarray(target_lon, dtype=float))
    tlat = np.atleast_1d(np.asarray(target_lat, dtype=float))
    if tlon.shape != tlat.shape:
        raise ValueError("target_lon and target_lat differ in shape")
    if n_samples < 1:
        raise ValueError(f"n_samples must be at least 1, got {n_samples}")
    ids = np.arange(tlon.size).astype(str) if target_ids is None else np.asarray(target_ids)
    llon = np.concatenate([np.asarray(a.lon, dtype=float) for a in areas])
    llat = np.concatenate([np.asarray(a.lat, dtype=float) for a in areas])
    larea = np.repeat(np.arange(len(areas)), [len(a.lon) for a in areas])
    n_l, n_t = llon.size, tlon.size
    a = np.repeat(unit_vectors(llon, llat), n_t, axis=0)
    b = np.tile(unit_vectors(tlon, tlat), (n_l, 1))
    theta = np.arccos(np.clip(np.einsum("ij,ij->i", a, b), -1.0, 1.0))
    traj = trajectories(a, b, trajectory, n_samples)
    lon, lat = lonlat_from_unit_vectors(traj.xyz)
    return ThreatTracks(
        area=np.repeat(larea, n_t),
        target=np.tile(np.arange(n_t), n_l),
        lon=lon,
        lat=lat,
        alt_km=traj.alt_km,
        time_s=traj.time_s,
        range_km=EARTH_RADIUS_KM * theta,
        apogee_km=traj.apogee_km,
        flight_time_s=traj.flight_time_s,
        area_names=tuple(a.name for a in areas),
        target_ids=ids,
    )


def _site_sample_pairs(
    tracks: ThreatTracks, site_lon: np.ndarray, site_lat: np.ndarray, radius_km: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(site, flat sample, ground arc km) pairs with arc <= radius_km[site]."""
    index = CapIndex(
        tracks.lon.ravel(), tracks.lat.ravel(), float(np.median(radius_km)) / EARTH_RADIUS_KM / 4
    )
    sites, samples = [], []
    for s, p in index.query(site_lon, site_lat, radius_km):
        sites.append(s)
        samples.append(p)
    s = np.concatenate(sites) if sites else np.empty(0, np.int64)
    p = np.concatenate(samples) if samples else np.empty(0, np.int64)
    d = great_circle_km(site_lon[s], site_lat[s], tracks.lon.ravel()[p], tracks.lat.ravel()[p])
    return s, p, d


def _slant_km(d_km: np.ndarray, h1_km: np.ndarray, h2_km: np.ndarray) -> np.ndarray:
    r1, r2 = EARTH_RADIUS_KM + h1_km, EARTH_RADIUS_KM + h2_km
    return np.sqrt(np.maximum(r1**2 + r2**2 - 2 * r1 * r2 * np.cos(d_km / EARTH_RADIUS_KM), 0.0))


def _los_arc_km(h1_km: ArrayLike, h2_km: ArrayLike, min_elevation_deg: ArrayLike = 0.0) -> np.ndarray:
    """Ground arc of line of sight from sensors at ``h1_km`` to objects at ``h2_km`` (refracted).

    Ray trace through the standard atmosphere above ``min_elevation_deg`` at the sensor
    (:func:`geodata.refraction.line_of_sight_arc_km`), one table per (height, elevation).
    """
    h1, h2, eps = np.broadcast_arrays(
        *(np.asarray(x, dtype=float) for x in (h1_km, h2_km, min_elevation_deg))
    )
    out = np.empty(h1.shape)
    keys = np.stack((h1.ravel(), eps.ravel()), axis=1)
    uniq, inv = np.unique(keys, axis=0, return_inverse=True)
    flat, h2f = out.reshape(-1), h2.ravel()
    for g, (h, e) in enumerate(uniq):
        sel = inv.ravel() == g
        flat[sel] = line_of_sight_arc_km(h, h2f[sel], e)
    return out


def sensor_sample_pairs(
    tracks: ThreatTracks,
    sensor_lon: ArrayLike,
    sensor_lat: ArrayLike,
    sensor_height_m: ArrayLike,
    range_km: ArrayLike,
    min_elevation_deg: ArrayLike = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """``(sensor, flat sample)`` pairs in which a ground or sea sensor holds a track sample.

    A sensor holds a sample in refracted line of sight above its minimum elevation
    (:func:`_los_arc_km`) within its slant range. The one test of what a ground sensor sees:
    corridor tracking (:func:`sensor_tracking`) and kill-chain cues
    (:func:`geodata.killchain.cue_times`) both use it.
    """
    slon = np.atleast_1d(np.asarray(sensor_lon, dtype=float))
    slat = np.atleast_1d(np.asarray(sensor_lat, dtype=float))
    hs = np.broadcast_to(np.asarray(sensor_height_m, dtype=float) / 1000.0, slon.shape)
    rng = np.broadcast_to(np.asarray(range_km, dtype=float), slon.shape)
    eps = np.broadcast_to(np.asarray(min_elevation_deg, dtype=float), slon.shape)
    if slon.size == 0 or tracks.lon.size == 0:
        empty = np.empty(0, np.int64)
        return empty, empty
    # Candidate ground radius: both the horizon and the slant range bound the ground arc.
    top = np.full(slon.shape, float(tracks.alt_km.max()))
    reach = np.minimum(_los_arc_km(hs, top, eps), arc_for_chord_km(rng / EARTH_RADIUS_KM))
    s, p, d = _site_sample_pairs(tracks, slon, slat, reach * (1 + 1e-9))
    ho = tracks.alt_km.ravel()[p]
    ok = (d <= _los_arc_km(hs[s], ho, eps[s])) & (_slant_km(d, hs[s], ho) <= rng[s])
    return s[ok], p[ok]


def sensor_tracking(
    tracks: ThreatTracks,
    sensor_lon: ArrayLike,
    sensor_lat: ArrayLike,
    sensor_height_m: ArrayLike,
    range_km: ArrayLike,
    min_elevation_deg: ArrayLike = 0.0,
) -> np.ndarray:
    """Which samples at least one ground or sea sensor tracks, ``(n_tracks, n_samples)`` bool.

    A sensor tracks a sample in refracted line of sight above its minimum elevation within its
    slant range (:func:`sensor_sample_pairs`).
    """
    tracked = np.zeros(tracks.lon.size, dtype=bool)
    _, p = sensor_sample_pairs(tracks, sensor_lon, sensor_lat, sensor_height_m, range_km, min_elevation_deg)
    tracked[p] = True
    return tracked.reshape(tracks.lon.shape)


def corridor_summary(tracks: ThreatTracks, tracked: np.ndarray) -> pd.DataFrame:
    """Per track: launch area, target, range, apogee, flight time, tracked fraction, warning.

    ``warning_time_s`` is the time from the first tracked sample to impact, 0 if never tracked.
    ``tracked`` is ``(n_tracks, n_samples)``, or ``(n_epochs, n_tracks, n_samples)`` for launch
    times that matter (space sensors): then both figures are means over the epochs.
    """
    tr = tracked if tracked.ndim == 3 else tracked[None]
    any_track = tr.any(axis=2)
    first = np.argmax(tr, axis=2)
    t_first = np.take_along_axis(np.broadcast_to(tracks.time_s, tr.shape), first[..., None], axis=2)[..., 0]
    warning = np.where(any_track, tracks.flight_time_s[None, :] - t_first, 0.0)
    return pd.DataFrame(
        {
            "launch_area": np.asarray(tracks.area_names, dtype=object)[tracks.area],
            "target_id": tracks.target_ids[tracks.target],
            "range_km": tracks.range_km,
            "apogee_km": tracks.apogee_km,
            "flight_time_s": tracks.flight_time_s,
            "tracked_fraction": tr.mean(axis=2).mean(axis=0),
            "warning_time_s": warning.mean(axis=0),
        }
    )


def engagement_coverage(
    tracks: ThreatTracks,
    site_lon: ArrayLike,
    site_lat: ArrayLike,
    engage_range_km: ArrayLike,
    min_alt_km: ArrayLike,
    max_alt_km: ArrayLike,
    mode: Literal["any", "all"] = "any",
) -> sp.csr_array:
    """Interceptor coverage by engagement: ``(n_targets, n_sites)`` sparse 0/1.

    ``[i, j] = 1`` when site ``j`` can engage some (``mode="any"``) or every (``"all"``) threat
    track toward target ``i``.
    A site engages a track when a sample lies within ``engage_range_km`` slant range of the site
    and its altitude is within ``[min_alt_km, max_alt_km]`` (each scalar or per site).
    """
    slon = np.atleast_1d(np.asarray(site_lon, dtype=float))
    slat = np.atleast_1d(np.asarray(site_lat, dtype=float))
    rng = np.broadcast_to(np.asarray(engage_range_km, dtype=float), slon.shape)
    lo = np.broadcast_to(np.asarray(min_alt_km, dtype=float), slon.shape)
    hi = np.broadcast_to(np.asarray(max_alt_km, dtype=float), slon.shape)
    shape = (tracks.n_targets, slon.size)
    if slon.size == 0 or tracks.lon.size == 0:
        return sp.csr_array(shape, dtype=np.int8)
    s, p, d = _site_sample_pairs(tracks, slon, slat, arc_for_chord_km(rng / EARTH_RADIUS_KM) * (1 + 1e-9))
    ho = tracks.alt_km.ravel()[p]
    ok = (ho >= lo[s]) & (ho <= hi[s]) & (_slant_km(d, np.zeros_like(d), ho) <= rng[s])
    track = p[ok] // tracks.lon.shape[1]
    # One entry per (track, site) engaged, then counted per (target, site).
    tr, site = np.divmod(np.unique(track.astype(np.int64) * slon.size + s[ok]), slon.size)
    per = sp.csr_array((np.ones(tr.size), (tracks.target[tr], site)), shape=shape)
    per.sum_duplicates()
    if mode == "all":
        need = np.bincount(tracks.target, minlength=tracks.n_targets)
        row = np.repeat(np.arange(shape[0]), np.diff(per.indptr))
        per.data = (per.data >= need[row]).astype(float)
    elif mode != "any":
        raise ValueError(f"mode must be 'any' or 'all', got {mode!r}")
    out = sp.csr_array(per, dtype=np.int8)
    out.data[:] = np.minimum(out.data, 1)
    out.eliminate_zeros()
    return out
