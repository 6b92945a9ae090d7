r"""Coverage matrices: ground and sea sensors by great-circle radius, space by footprints.

Ground / sea
    :math:`a_{ij} = 1 \iff d(i, j) \le r_j`, :math:`d` the haversine great-circle distance on the
    sphere of radius :math:`R = 6371.0088` km (error against the WGS84 geodesic at most 0.562 %,
    see :func:`geodata.geometry.great_circle_km`). Computed through a spherical-cap index
    (:mod:`geodata.spatial`) in time proportional to the covered pairs; exactly equal to the
    brute-force definition.

Space
    A point sees a satellite when the central angle to the sub-satellite point is at most the
    footprint angle :math:`\lambda` (:func:`geodata.geometry.footprint_central_angle_deg`), i.e.
    the satellite is above the minimum elevation; figures of merit are time averages over one
    sidereal day (or the ground-track repeat cycle) in steps of 1/40 of the footprint crossing time
    (left Riemann sum, :mod:`geodata.space_time`), within 0.25 pp per point of a fine one-day
    propagation.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike

from geodata.geometry import EARTH_RADIUS_KM
from geodata.space import space_coverage_fraction, space_figures_of_merit
from geodata.spatial import CapIndex

__all__ = ["ground_coverage", "space_coverage_fraction", "space_figures_of_merit"]


def _as_1d(name: str, a: ArrayLike) -> np.ndarray:
    arr = np.asarray(a, dtype=float)
    if arr.ndim != 1:
        arr = np.atleast_1d(arr)
        if arr.ndim != 1:
            raise ValueError(f"{name} must be 1-D, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} has non-finite values")
    return arr


def ground_coverage(
    point_lon: ArrayLike,
    point_lat: ArrayLike,
    site_lon: ArrayLike,
    site_lat: ArrayLike,
    radius_km: ArrayLike,
    *,
    max_candidates: int = 1_000_000,
) -> sp.csr_array:
    r"""Sparse 0/1 coverage of points by sites within a great-circle radius.

    .. math::

        a_{ij} = 1 \iff \mathrm{great\_circle\_km}(p_i, s_j) \le r_j

    Parameters
    ----------
    point_lon, point_lat
        Defended points, degrees, shape ``(m,)``.
    site_lon, site_lat
        Candidate sites, degrees, shape ``(n,)``.
    radius_km
        Coverage radius, scalar or per site ``(n,)``, km.
    max_candidates
        Bound on candidate pairs held in memory at once.

    Returns
    -------
    scipy.sparse.csr_array
        Shape ``(m, n)``, dtype ``int8``, sorted column indices, no explicit zeros.
    """
    plon, plat = _as_1d("point_lon", point_lon), _as_1d("point_lat", point_lat)
    slon, slat = _as_1d("site_lon", site_lon), _as_1d("site_lat", site_lat)
    if plon.shape != plat.shape:
        raise ValueError(f"point_lon {plon.shape} and point_lat {plat.shape} differ in shape")
    if slon.shape != slat.shape:
        raise ValueError(f"site_lon {slon.shape} and site_lat {slat.shape} differ in shape")
    m, n = plon.size, slon.size
    radius = np.broadcast_to(np.asarray(radius_km, dtype=float), (n,))
    if np.any(~np.isfinite(radius)) or np.any(radius < 0):
        raise ValueError("radius_km must be finite and non-negative")
    if m == 0 or n == 0:
        return sp.csr_array((m, n), dtype=np.int8)
    band = float(np.median(radius)) / EARTH_RADIUS_KM / 4.0
    index = CapIndex(plon, plat, band_rad=max(band, 1e-6))
    chunks: list[np.ndarray] = []
    per_site = np.zeros(n, dtype=np.int64)
    for s, p in index.query(slon, slat, radius, max_candidates=max_candidates):
        per_site += np.bincount(s, minlength=n)
        chunks.append(p.astype(np.int32) if m < 2**31 else p)
    nnz = int(per_site.sum())
    idx_dtype = np.int32 if max(nnz, m) < 2**31 else np.int64
    rows = np.concatenate(chunks) if chunks else np.empty(0, idx_dtype)
    del chunks
    rows = rows.astype(idx_dtype, copy=False)
    indptr = np.zeros(n + 1, dtype=idx_dtype)
    np.cumsum(per_site, out=indptr[1:])
    # Pairs arrive grouped by site, which is CSC; SciPy's CSC -> CSR is one counting sort.
    csc = sp.csc_array((np.ones(nnz, dtype=np.int8), rows, indptr), shape=(m, n))
    out = csc.tocsr()
    out.has_sorted_indices = True
    return out
