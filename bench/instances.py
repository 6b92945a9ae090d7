"""Seeded maximal-covering instances over North America for the solve benchmark.

Points and candidate sites are uniform on the sphere inside USA + Canada land (Natural Earth
1:50m, the same sampler as ``bench/coverage.py``); weights are log-normal (a population-like
heavy tail, median 1,000); coverage is every site within ``radius_km`` great-circle km
(``geodata.coverage.ground_coverage``).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from bench.coverage import random_points_in
from geodata import naturalearth as ne
from geodata.coverage import ground_coverage
from models import CoverInstance


def north_america(
    m: int,
    n: int,
    *,
    seed: int = 0,
    radius_km: float = 350.0,
    count: int | None = 20,
    budget: float | None = None,
) -> CoverInstance:
    """An ``m`` points × ``n`` sites covering instance (unit site costs unless ``budget``)."""
    rng = np.random.default_rng(seed)
    territory = ne.countries(["USA", "CAN"]).geometry.union_all()
    plon, plat = random_points_in(territory, m, rng)
    slon, slat = random_points_in(territory, n, rng)
    a = ground_coverage(plon, plat, slon, slat, radius_km)
    w = np.round(rng.lognormal(np.log(1000.0), 1.5, m))
    c = np.ones(n) if budget is None else np.round(rng.uniform(50, 150, n))
    return CoverInstance(w=w, c=c, a=sp.csr_array(a), count=count, budget=budget)
