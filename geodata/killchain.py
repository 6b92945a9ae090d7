r"""The kill chain per (threat track, interceptor site): cue, intercept window, shots that fit.

Notional and illustrative. Works on any sampled :class:`geodata.threats.ThreatTracks` (sample
times :math:`\tau_i`, altitudes :math:`h_i`, sub-track points).

Cue
    A fire-control sensor :math:`s` (height :math:`h_s`, range :math:`\rho_s`) *holds a track*
    of track :math:`k` from the first sample it sees (refracted line of sight above its minimum
    elevation and slant range :math:`\le \rho_s`, exactly as corridor tracking,
    :func:`geodata.threats.sensor_sample_pairs`):
    :math:`c_{ks} = \min\{\tau_i : \text{seen}\}` (:math:`+\infty` if never). The track is
    assumed held from then on (an incoming missile closes on the radar).

Window
    Site :math:`j` (ground level) can intercept at sample :math:`i` when
    :math:`h^{min}_j \le h_i \le h^{max}_j` and the slant distance :math:`d_{ij} \le R_j`. The
    interceptor flies out at average speed :math:`u_j`, so it must leave at
    :math:`\ell_i = \tau_i - d_{ij}/u_j`, and it can leave only after the cue plus the reaction
    time :math:`\Delta_j`: sample :math:`i` is in the window for cue :math:`c` when
    :math:`\ell_i \ge c + \Delta_j`. Hence the latest cue allowing

    * one shot: :math:`c^1_{kj} = \max_i \ell_i - \Delta_j`;
    * a second shot after a look (shoot-look-shoot): the first shot intercepts at
      :math:`\tau_i`, the kill is assessed for :math:`a_j`, and a second interceptor must still
      leave in time for some sample :math:`i'`:
      :math:`\ell_{i'} \ge \tau_i + a_j`. So
      :math:`c^2_{kj} = \max\{\ell_i - \Delta_j : \tau_i + a_j \le \max_{i'} \ell_{i'}\}`.

    A sensor with cue :math:`c` gives :math:`[c \le c^1] + [c \le c^2]` shots (0, 1 or 2).
    Windows are resolved at the track's sampling step (intercepts only at samples).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike

from geodata.geometry import EARTH_RADIUS_KM, arc_for_chord_km, great_circle_km
from geodata.spatial import CapIndex
from geodata.threats import ThreatTracks, sensor_sample_pairs


def slant_km(arc_km: ArrayLike, h1_km: ArrayLike, h2_km: ArrayLike) -> np.ndarray:
    """Straight-line distance between two points at altitudes ``h1``, ``h2`` and ground arc ``arc``."""
    r1, r2 = EARTH_RADIUS_KM + np.asarray(h1_km), EARTH_RADIUS_KM + np.asarray(h2_km)
    c = np.cos(np.asarray(arc_km) / EARTH_RADIUS_KM)
    return np.sqrt(np.maximum(r1**2 + r2**2 - 2 * r1 * r2 * c, 0.0))


def _pairs(tracks: ThreatTracks, lon: np.ndarray, lat: np.ndarray, radius_km: np.ndarray):
    """(site, flat sample, ground arc) pairs within ``radius_km[site]`` of the site."""
    flat_lon, flat_lat = tracks.lon.ravel(), tracks.lat.ravel()
    if lon.size == 0 or flat_lon.size == 0:
        e = np.empty(0, np.int64)
        return e, e, np.empty(0)
    index = CapIndex(flat_lon, flat_lat, float(np.median(radius_km)) / EARTH_RADIUS_KM / 4)
    found = list(index.query(lon, lat, radius_km * (1 + 1e-9)))
    s = np.concatenate([f[0] for f in found]) if found else np.empty(0, np.int64)
    p = np.concatenate([f[1] for f in found]) if found else np.empty(0, np.int64)
    return s, p, great_circle_km(lon[s], lat[s], flat_lon[p], flat_lat[p])


def cue_times(
    tracks: ThreatTracks,
    sensor_lon: ArrayLike,
    sensor_lat: ArrayLike,
    sensor_height_m: ArrayLike,
    range_km: ArrayLike,
    min_elevation_deg: ArrayLike = 0.0,
) -> np.ndarray:
    """``(n_tracks, S)`` time at which each sensor first holds each track (``inf``: never).

    A sensor holds a sample as in corridor tracking (:func:`geodata.threats.sensor_sample_pairs`:
    refracted line of sight above its minimum elevation, within its slant range).
    """
    n_sensors = np.atleast_1d(np.asarray(sensor_lon, dtype=float)).size
    cue = np.full((tracks.lon.shape[0], n_sensors), np.inf)
    s, p = sensor_sample_pairs(tracks, sensor_lon, sensor_lat, sensor_height_m, range_km, min_elevation_deg)
    np.minimum.at(cue, (p // tracks.lon.shape[1], s), tracks.time_s.ravel()[p])
    return cue


@dataclass(frozen=True, eq=False)
class Windows:
    """Intercept windows of every (track, site) pair that has one (module docstring).

    Attributes
    ----------
    track, site
        ``(P,)`` indices of each pair.
    cue1_s, cue2_s
        ``(P,)`` latest cue for one shot, and for shoot-look-shoot (``-inf`` when it never fits).
    first_s, last_s
        ``(P,)`` earliest and latest intercept time over the geometric window (cue ignored).
    first_sample
        ``(P,)`` sample index of the earliest geometric intercept (for maps).
    """

    track: np.ndarray
    site: np.ndarray
    cue1_s: np.ndarray
    cue2_s: np.ndarray
    first_s: np.ndarray
    last_s: np.ndarray
    first_sample: np.ndarray

    def shots(self, cue_s: ArrayLike) -> np.ndarray:
        """Shots that fit for a cue at ``cue_s`` (per pair, broadcast): 0, 1 or 2."""
        c = np.asarray(cue_s, dtype=float)
        return (c <= self.cue1_s).astype(np.int64) + (c <= self.cue2_s)


def intercept_windows(
    tracks: ThreatTracks,
    site_lon: ArrayLike,
    site_lat: ArrayLike,
    flyout_speed_mps: ArrayLike,
    min_alt_km: ArrayLike,
    max_alt_km: ArrayLike,
    max_slant_km: ArrayLike,
    reaction_s: ArrayLike,
    assess_s: ArrayLike,
    boost_end_s: ArrayLike | None = None,
    boost_layer: ArrayLike | None = None,
) -> Windows:
    r"""Intercept windows of every track against every site (each parameter scalar or per site).

    With ``boost_end_s`` (per track) and ``boost_layer`` (per site, bool), a boost-layer site
    intercepts only while the missile boosts (:math:`\tau_i \le` boost end), any other only after.
    """
    slon = np.atleast_1d(np.asarray(site_lon, dtype=float))
    slat = np.atleast_1d(np.asarray(site_lat, dtype=float))

    def per_site(a: ArrayLike) -> np.ndarray:
        return np.broadcast_to(np.asarray(a, dtype=float), slon.shape)

    u = per_site(flyout_speed_mps) / 1000.0
    lo, hi, rmax = per_site(min_alt_km), per_site(max_alt_km), per_site(max_slant_km)
    react, assess = per_site(reaction_s), per_site(assess_s)
    n_smp = tracks.lon.shape[1]
    s, p, d = _pairs(tracks, slon, slat, arc_for_chord_km(rmax / EARTH_RADIUS_KM))
    h = tracks.alt_km.ravel()[p]
    dist = slant_km(d, 0.0, h)
    ok = (h >= lo[s]) & (h <= hi[s]) & (dist <= rmax[s])
    if boost_end_s is not None:
        in_boost = tracks.time_s.ravel()[p] <= np.asarray(boost_end_s, dtype=float)[p // n_smp]
        ok &= in_boost == np.broadcast_to(np.asarray(boost_layer, dtype=bool), slon.shape)[s]
    s, p, dist = s[ok], p[ok], dist[ok]
    tau = tracks.time_s.ravel()[p]
    launch = tau - dist / u[s]
    # Group by (track, site), samples in time order within a group.
    key = (p // n_smp) * slon.size + s
    order = np.lexsort((p, key))
    key, s, p, tau, launch = key[order], s[order], p[order], tau[order], launch[order]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if key.size else np.empty(0, np.int64)
    grp = np.cumsum(np.r_[False, key[1:] != key[:-1]]) if key.size else np.empty(0, np.int64)
    if key.size == 0:
        e = np.empty(0)
        ei = np.empty(0, np.int64)
        return Windows(ei, ei, e, e, e, e, ei)
    gs = s[starts]
    l_max = np.maximum.reduceat(launch, starts)
    second = tau + assess[s] <= l_max[grp]
    c2 = np.full(starts.size, -np.inf)
    np.maximum.at(c2, grp[second], launch[second] - react[s[second]])
    return Windows(
        track=key[starts] // slon.size,
        site=gs,
        cue1_s=l_max - react[gs],
        cue2_s=c2,
        first_s=tau[starts],
        last_s=np.maximum.reduceat(tau, starts),
        first_sample=p[starts] % n_smp,
    )


def shot_matrices(
    windows: Windows, cue: np.ndarray, threat_track: np.ndarray, n_sites: int
) -> tuple[sp.csr_array, sp.csr_array]:
    """Shot opportunities and fire control of a raid.

    Parameters
    ----------
    windows
        From :func:`intercept_windows`.
    cue
        ``(n_tracks, S)`` from :func:`cue_times`.
    threat_track
        ``(T,)`` track flown by each threat (several threats may fly the same track).
    n_sites
        Number of sites the windows were computed for.

    Returns
    -------
    max_shots, fire_control
        ``(T, J)`` shots that fit with the best sensor, and ``(n_pairs, S)`` shots each sensor's
        cue allows (pairs in ``max_shots``' CSR order), as
        :class:`models.engagement.EngagementInstance` expects.
    """
    n_tr, n_s = cue.shape
    # Per (track, site) pair and sensor: shots that sensor's cue allows.
    wp, ws = np.nonzero(np.isfinite(cue[windows.track]))
    shots = (cue[windows.track[wp], ws] <= windows.cue1_s[wp]).astype(np.int64) + (
        cue[windows.track[wp], ws] <= windows.cue2_s[wp]
    )
    keep = shots > 0
    wp, ws, shots = wp[keep], ws[keep], shots[keep]
    per_pair = sp.csr_array((shots, (wp, ws)), shape=(windows.track.size, n_s))
    best = np.zeros(windows.track.size, np.int64)
    np.maximum.at(best, wp, shots)
    # Expand tracks to threats: every threat on track k inherits k's pairs.
    by_track = sp.csr_array(
        (np.arange(windows.track.size) + 1, (windows.track, windows.site)), shape=(n_tr, n_sites)
    )
    rows = sp.csr_array(by_track[threat_track])
    rows.sort_indices()
    t = np.repeat(np.arange(threat_track.size), np.diff(rows.indptr))
    pair = rows.data - 1
    has = best[pair] > 0
    t, j, pair = t[has], rows.indices[has], pair[has]
    max_shots = sp.csr_array((best[pair], (t, j)), shape=(threat_track.size, n_sites))
    max_shots.sort_indices()
    return max_shots, sp.csr_array(per_pair[pair], dtype=np.int64)


def first_intercept_sample(
    tracks: ThreatTracks,
    track: int,
    site_lon: float,
    site_lat: float,
    flyout_speed_mps: float,
    min_alt_km: float,
    max_alt_km: float,
    max_slant_km: float,
    reaction_s: float,
    cue_s: float,
    boost_end_s: float | None = None,
    boost_layer: bool = False,
) -> int | None:
    """Sample of the first intercept of ``track`` by a site cued at ``cue_s`` (``None``: none)."""
    d = great_circle_km(site_lon, site_lat, tracks.lon[track], tracks.lat[track])
    h, tau = tracks.alt_km[track], tracks.time_s[track]
    dist = slant_km(d, 0.0, h)
    ok = (h >= min_alt_km) & (h <= max_alt_km) & (dist <= max_slant_km)
    ok &= tau - dist / (flyout_speed_mps / 1000.0) >= cue_s + reaction_s
    if boost_end_s is not None:
        ok &= (tau <= boost_end_s) == boost_layer
    idx = np.flatnonzero(ok)
    return int(idx[0]) if idx.size else None
