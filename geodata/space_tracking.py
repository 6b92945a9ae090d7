r"""Threat tracking by a Walker constellation: line of sight above the atmosphere, within range.

A satellite at :math:`S` (Earth-fixed, :mod:`geodata.orbits`) tracks an object at :math:`O` when
the straight segment between them clears the sphere of radius :math:`R + h_{atm}` (the Earth
plus an atmosphere margin) and :math:`|O - S| \le r_{max}`:

.. math::

    u^* = \operatorname{clip}\!\left(\frac{-S\cdot(O - S)}{|O - S|^2}, 0, 1\right), \qquad
    |S + u^*(O - S)| \ge R + h_{atm}

(so an object inside the margin layer is never tracked from space). Which satellites are in view
depends on when the launch happens relative to the constellation: :data:`DEFAULT_EPOCHS` launch
times spread over a sidereal day are evaluated and the corridor figures averaged over them
(:func:`geodata.threats.corridor_summary` with a 3-D ``tracked``). Notional: a sensor's field of
regard, revisit and detection physics are not modelled.
"""

from __future__ import annotations

import numpy as np

from geodata.geometry import EARTH_RADIUS_KM, unit_vectors
from geodata.orbits import Walker, satellite_positions
from geodata.space_time import SIDEREAL_DAY_S
from geodata.threats import ThreatTracks

DEFAULT_EPOCHS: int = 12
"""Launch times, evenly spread over a sidereal day, over which the space figures are averaged."""

_MAX_CELLS = 1_500_000  # satellites x samples per chunk


def launch_epochs_s(n: int = DEFAULT_EPOCHS) -> np.ndarray:
    """``n`` launch times evenly spread over one sidereal day, s since the constellation epoch."""
    return np.arange(n) * (SIDEREAL_DAY_S / n)


def segment_clears(s: np.ndarray, o: np.ndarray, radius_km: float) -> np.ndarray:
    """Whether the segments from ``s`` to ``o`` (``(..., 3)`` km) stay outside the sphere."""
    d = o - s
    dd = np.einsum("...i,...i", d, d)
    u = np.clip(-np.einsum("...i,...i", s, d) / np.where(dd > 0, dd, 1.0), 0.0, 1.0)
    closest = s + u[..., None] * d
    return np.einsum("...i,...i", closest, closest) >= radius_km**2


def space_tracking(
    tracks: ThreatTracks,
    walker: Walker,
    altitude_km: float,
    range_km: float | None = None,
    atmosphere_margin_km: float = 20.0,
    epochs_s: np.ndarray | None = None,
) -> np.ndarray:
    """Samples tracked by at least one satellite, ``(n_epochs, n_tracks, n_samples)`` bool.

    Epoch ``e`` launches every track at ``epochs_s[e]`` seconds after the constellation epoch
    (default :func:`launch_epochs_s`).
    """
    epochs = launch_epochs_s() if epochs_s is None else np.atleast_1d(np.asarray(epochs_s, float))
    obj = (
        unit_vectors(tracks.lon.ravel(), tracks.lat.ravel())
        * (EARTH_RADIUS_KM + tracks.alt_km.ravel())[:, None]
    )
    t_rel = tracks.time_s.ravel()
    limit = np.inf if range_km is None else float(range_km)
    radius = EARTH_RADIUS_KM + atmosphere_margin_km
    out = np.zeros((epochs.size, t_rel.size), dtype=bool)
    chunk = max(1, _MAX_CELLS // walker.t)
    for e, t0 in enumerate(epochs):
        for a in range(0, t_rel.size, chunk):
            sl = slice(a, a + chunk)
            sat = satellite_positions(walker, altitude_km, t0 + t_rel[sl]) * (EARTH_RADIUS_KM + altitude_km)
            o = obj[sl][None, :, :]
            near = np.einsum("...i,...i", o - sat, o - sat) <= limit**2
            out[e, sl] = (near & segment_clears(sat, o, radius)).any(axis=0)
    return out.reshape(epochs.size, *tracks.lon.shape)
