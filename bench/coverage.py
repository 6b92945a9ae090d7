"""Coverage engine benchmark at continental scale (GitHub issue 3).

Ground: 100,000 defended points x 10,000 candidate sites, seeded uniform on the sphere inside
USA + Canada land (Natural Earth 1:50m), radius 350 km. Compared, on the same input, with
identical covered pairs asserted:

- ours: ``geodata.coverage.ground_coverage`` (latitude-band cap index, exact haversine boundary);
- dense: vectorised haversine over every point x site pair, chunked to bound memory;
- BallTree: ``sklearn.neighbors.BallTree(metric="haversine")`` when scikit-learn is installed
  (``pip install -e .[bench]``).

Space: a 1,000-satellite Walker constellation (53:1000/20/1, 550 km, 10 deg elevation) over
20,000 points, 180 steps over one orbital period: ours (plane-wise counting,
``geodata.space.visible_counts``) against a dense per-satellite dot-product baseline; identical
counts asserted.

Times are wall clock (best of ``--repeat`` for ours); peak memory is the peak of Python and numpy
allocations traced by ``tracemalloc`` during one extra run (C++ internals of cKDTree / BallTree
are not traced). Run: ``python bench/coverage.py`` (``--small`` for a 10x smaller smoke run).
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.sparse as sp
import shapely

from geodata import naturalearth as ne
from geodata.coverage import ground_coverage
from geodata.geometry import EARTH_RADIUS_KM, footprint_central_angle_deg, great_circle_km, unit_vectors
from geodata.orbits import Walker, satellite_positions
from geodata.space import sample_times, visible_counts


def random_points_in(territory: Any, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Uniform points on the sphere inside ``territory`` (rejection in its bounding box)."""
    shapely.prepare(territory)
    minx, miny, maxx, maxy = -170.0, 24.0, -52.0, 84.0  # mainland + Alaska, both countries
    s0, s1 = np.sin(np.radians(miny)), np.sin(np.radians(maxy))
    lon_out, lat_out = [], []
    got = 0
    while got < n:
        lon = rng.uniform(minx, maxx, 4 * n)
        lat = np.degrees(np.arcsin(rng.uniform(s0, s1, 4 * n)))
        keep = shapely.contains_xy(territory, lon, lat)
        lon_out.append(lon[keep])
        lat_out.append(lat[keep])
        got += int(keep.sum())
    return np.concatenate(lon_out)[:n], np.concatenate(lat_out)[:n]


def dense_haversine(plon, plat, slon, slat, radius_km, chunk_pairs=20_000_000) -> sp.csr_array:
    """Every pair through ``great_circle_km``, ``chunk_pairs`` at a time."""
    m, n = plon.size, slon.size
    step = max(1, chunk_pairs // n)
    rows, cols = [], []
    for a in range(0, m, step):
        d = great_circle_km(plon[a : a + step, None], plat[a : a + step, None], slon, slat)
        r, c = np.nonzero(d <= radius_km)
        rows.append(r + a)
        cols.append(c)
    r, c = np.concatenate(rows), np.concatenate(cols)
    return sp.csr_array((np.ones(r.size, np.int8), (r, c)), shape=(m, n))


def balltree(plon, plat, slon, slat, radius_km) -> sp.csr_array:
    """scikit-learn BallTree, haversine metric (radians, ``[lat, lon]``)."""
    from sklearn.neighbors import BallTree

    tree = BallTree(np.radians(np.column_stack((plat, plon))), metric="haversine")
    hits = tree.query_radius(np.radians(np.column_stack((slat, slon))), r=radius_km / EARTH_RADIUS_KM)
    counts = np.fromiter((h.size for h in hits), dtype=np.int64, count=len(hits))
    indptr = np.concatenate(([0], np.cumsum(counts)))
    rows = np.concatenate(hits).astype(np.int64)
    csc = sp.csc_array((np.ones(rows.size, np.int8), rows, indptr), shape=(plon.size, slon.size))
    return csc.tocsr()


def dense_space_counts(walker, altitude_km, elev_deg, plon, plat, times, chunk=50) -> np.ndarray:
    """Per-satellite brute force: every point x satellite x time dot product."""
    sats = satellite_positions(walker, altitude_km, times)  # (t, T, 3)
    flat = sats.reshape(-1, 3).T.copy()
    cos_lam = np.cos(np.radians(footprint_central_angle_deg(altitude_km, elev_deg)))
    pts = unit_vectors(plon, plat)
    out = np.empty((pts.shape[0], times.size), dtype=np.int32)
    for a in range(0, pts.shape[0], chunk):
        seen = (pts[a : a + chunk] @ flat) >= cos_lam
        out[a : a + chunk] = seen.reshape(-1, walker.t, times.size).sum(axis=1)
    return out


def measure(fn: Callable[[], Any], repeat: int = 1) -> tuple[Any, float, float]:
    """Best wall time over ``repeat`` runs, then peak traced memory (MiB) of one more run."""
    best, result = np.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return result, best, peak / 2**20


def same_pairs(a: sp.csr_array, b: sp.csr_array) -> bool:
    a, b = sp.csr_array(a), sp.csr_array(b)
    a.sort_indices()
    b.sort_indices()
    return a.shape == b.shape and np.array_equal(a.indptr, b.indptr) and np.array_equal(a.indices, b.indices)


def table(title: str, rows: list[tuple[str, float, float, str]], ours: float) -> None:
    print(f"\n{title}")
    print(f"{'method':<34}{'time s':>10}{'vs ours':>10}{'peak MiB':>11}  identical")
    for name, t, mem, same in rows:
        print(f"{name:<34}{t:>10.3f}{t / ours:>9.1f}x{mem:>11.0f}  {same}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="10x fewer points and sites")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of ours (best kept)")
    parser.add_argument("--no-dense", action="store_true", help="skip the dense baselines")
    args = parser.parse_args()
    div = 10 if args.small else 1
    rng = np.random.default_rng(20240603)
    territory = ne.countries(["USA", "CAN"]).geometry.union_all()

    n_pts, n_sites, radius = 100_000 // div, 10_000 // div, 350.0
    plon, plat = random_points_in(territory, n_pts, rng)
    slon, slat = random_points_in(territory, n_sites, rng)
    print(f"ground: {n_pts:,} points x {n_sites:,} sites over USA+CAN, radius {radius:g} km")
    a, t_ours, m_ours = measure(lambda: ground_coverage(plon, plat, slon, slat, radius), repeat=args.repeat)
    rows = [("ours: ground_coverage (cap index)", t_ours, m_ours, "reference")]
    if not args.no_dense:
        b, t, m = measure(lambda: dense_haversine(plon, plat, slon, slat, radius))
        rows.append(("dense haversine (chunked)", t, m, str(same_pairs(a, b))))
        assert same_pairs(a, b), "dense baseline disagrees"
    try:
        import sklearn  # noqa: F401
    except ImportError:
        print("scikit-learn not installed: BallTree skipped (pip install -e .[bench])")
    else:
        b, t, m = measure(lambda: balltree(plon, plat, slon, slat, radius))
        rows.append(("sklearn BallTree (haversine)", t, m, str(same_pairs(a, b))))
        assert same_pairs(a, b), "BallTree disagrees"
    table(f"covered pairs: {a.nnz:,} ({a.nnz / n_pts / n_sites:.2%} of all)", rows, t_ours)
    if not args.no_dense:
        ratio = rows[1][1] / t_ours
        print(
            f"target: ours < 2 s ({'met' if t_ours < 2 else 'MISSED'}), "
            f">= 20x dense ({'met' if ratio >= 20 else 'MISSED'}: {ratio:.0f}x)"
        )

    walker, alt, elev = Walker.parse("53:1000/20/1"), 550.0, 10.0
    sp_pts = 20_000 // div
    qlon, qlat = random_points_in(territory, sp_pts, rng)
    times = sample_times(alt, n_steps=180)
    print(
        f"\nspace: Walker {walker} at {alt:g} km, elevation >= {elev:g} deg, {sp_pts:,} points, "
        f"{times.size} steps of {times[1] - times[0]:.1f} s (one orbital period)"
    )
    c, t_sp, m_sp = measure(lambda: visible_counts(walker, alt, elev, qlon, qlat, times), repeat=args.repeat)
    rows = [("ours: plane-wise counting", t_sp, m_sp, "reference")]
    if not args.no_dense:
        d, t, m = measure(lambda: dense_space_counts(walker, alt, elev, qlon, qlat, times))
        same = bool(np.array_equal(c, d))
        rows.append(("dense per-satellite dot products", t, m, str(same)))
        assert same, "dense space baseline disagrees"
    table(
        f"mean satellites in view {c.mean():.1f}; covered {np.mean(c > 0):.1%} of point-times",
        rows,
        t_sp,
    )


if __name__ == "__main__":
    main()
