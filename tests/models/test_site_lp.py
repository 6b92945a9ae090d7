"""The site LP's dense path (all sites at once, interior point) and its vectorised helpers.

Oracles: the LP relaxation rebuilt from scratch by the formulation, the exact MILP, the Python
row-by-row grouping of :func:`models.presolve._row_keys`, and :func:`count_bound` recomputing
:math:`A^\\top\\lambda` itself.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from models import CoverInstance, SolveOptions, solve_cover
from models.decompose import FULL_LP_MIN_DEGREE, FULL_LP_SHARE, _bound, _restrict, site_column_generation
from models.lagrangian import count_bound
from models.presolve import _row_keys
from models.sitemaster import SiteMaster, pattern_groups
from tests.models.test_sitemaster import _solve_lp

OPTS = SolveOptions(time_limit_s=60, mip_rel_gap=1e-9, threads=1, seed=0)


def dense_planar(seed: int, m: int = 300, n: int = 60, p: int = 4, radius: float = 0.3) -> CoverInstance:
    """Points and sites uniform in the unit square, wide disks: many sites cover each point."""
    rng = np.random.default_rng(seed)
    pts, sites = rng.random((m, 2)), rng.random((n, 2))
    d = np.linalg.norm(pts[:, None, :] - sites[None, :, :], axis=2)
    w = np.round(rng.lognormal(np.log(100.0), 1.5, m))
    return CoverInstance(w=w, c=np.ones(n), a=sp.csr_array((d <= radius).astype(np.int8)), count=p)


@pytest.mark.parametrize("seed", range(3))
def test_dense_path_gives_the_lp_bound_and_the_optimum(seed: int) -> None:
    """On dense coverage the first round holds every site; its bound is the full LP's value, above
    the exact optimum, and the site-space method still proves the MILP's optimum.
    """
    inst = dense_planar(seed)
    assert inst.a.nnz > FULL_LP_MIN_DEGREE * inst.m  # the dense path applies
    lp = site_column_generation(inst, OPTS)
    assert lp.info["full_lp_ipm"] and lp.converged and not lp.info["ipm_cut_off"]
    first = lp.info["history"][0]
    assert first["working_sites"] == inst.n
    assert first["ipm_iterations"] > 0  # HiGHS's own count: interior point did run
    full_lp, _, _ = _solve_lp(_restrict(inst, np.arange(inst.n))[0], OPTS)
    assert lp.bound == pytest.approx(full_lp, rel=1e-7)
    exact = solve_cover(inst, OPTS, method="milp")
    assert exact.status == "optimal" and exact.objective is not None
    assert lp.bound >= exact.objective - 1e-6
    ours = solve_cover(inst, OPTS, method="benders")
    assert ours.status == "optimal" and ours.objective == pytest.approx(exact.objective, rel=1e-9)
    assert ours.bound is not None and ours.bound >= exact.objective - 1e-6


@pytest.mark.parametrize("seed", range(3))
def test_interior_point_solve_equals_simplex(seed: int) -> None:
    """Both solves reach the LP optimum (HiGHS reports interior-point iterations for the one
    only), and each one's duals, spread over the points, give a Lagrangian bound equal to it
    (strong duality; a wrong dual share or sign breaks the equality).
    """
    inst = dense_planar(seed, m=200, n=30, p=5)
    at = sp.csr_array(sp.csr_array(inst.a, dtype=float).T)
    values = []
    for ipm in (False, True):
        master = SiteMaster(inst, at, OPTS)
        master.add_sites(np.arange(inst.n))
        value, _, duals = master.solve(ipm=ipm)
        values.append(value)
        assert master.optimal and (master.stats["ipm_iterations"] > 0) == ipm
        u, _ = _bound(inst, at, master.point_duals(), 0.0, float(duals["count"][0]), None)
        assert u == pytest.approx(value, rel=1e-6)
    assert values[1] == pytest.approx(values[0], rel=1e-7)


class _CutIPM(SiteMaster):
    """A SiteMaster whose interior-point solves stop after 3 iterations (as a time limit would
    stop them: no crossover, an interior iterate)."""

    def solve(
        self, time_limit_s: float | None = None, *, ipm: bool = False
    ) -> tuple[float, np.ndarray, dict]:
        self.h.setOptionValue("ipm_iteration_limit", 3 if ipm else 2**31 - 1)
        return super().solve(time_limit_s, ipm=ipm)


def test_cut_off_interior_point_falls_back_to_column_generation(monkeypatch: pytest.MonkeyPatch) -> None:
    """A dense first round stopped before crossover: its interior iterate (nearly every site
    positive) is not taken as the support; simplex rounds from the ordinary working set follow
    and reach the LP bound; the support MILP of step 2 runs over that small support (20 sites
    allowed) or is skipped above the cap (10), step 4 is skipped over most sites, and the bound
    holds either way.
    """
    import models.benders as benders
    import models.decompose as decompose

    monkeypatch.setattr(decompose, "SiteMaster", _CutIPM)
    inst = dense_planar(2, p=6)  # seed and count chosen so that the LP bound leaves a gap
    lp = site_column_generation(inst, OPTS)
    hist = lp.info["history"]
    assert lp.info["full_lp_ipm"] and lp.info["ipm_cut_off"]
    assert hist[0]["ipm_iterations"] == 3 and hist[0]["crossover_iterations"] == 0
    assert len(hist) > 1 and all(h["ipm_iterations"] == 0 for h in hist[1:])
    assert lp.converged and lp.support.sum() <= 20
    full_lp, _, _ = _solve_lp(_restrict(inst, np.arange(inst.n))[0], OPTS)
    assert lp.bound == pytest.approx(full_lp, rel=1e-7)
    exact = solve_cover(inst, OPTS, method="milp")
    assert exact.objective is not None
    for cap, skipped in ((20, False), (10, True)):
        monkeypatch.setattr(benders, "MAX_FREE_SITES", cap)
        res = benders.solve_max_cover_benders(inst, OPTS)
        primal = res.extra["benders"]["primal"]
        assert ("skipped" in primal) == skipped and primal["sites"] <= (cap if not skipped else inst.n)
        # Step 4 over more than FULL_LP_SHARE of the sites after a cut-off: skipped, not run.
        loops = res.extra["benders"]["loops"]
        assert loops and all(("skipped" in lo) == (lo["sites"] > FULL_LP_SHARE * inst.n) for lo in loops)
        assert res.objective is not None and res.bound is not None
        assert res.objective <= exact.objective + 1e-6 <= res.bound + 2e-6


@pytest.mark.parametrize("seed", range(4))
def test_pattern_groups_match_the_row_by_row_grouping(seed: int) -> None:
    rng = np.random.default_rng(seed)
    m, n = 400, 6  # few columns: many equal rows
    a = sp.csr_array((rng.random((m, n)) < 0.3).astype(np.int8))
    parent = rng.integers(-1, 4, m)
    assert np.array_equal(pattern_groups(a), _row_keys([a], []))
    assert np.array_equal(pattern_groups(a, parent), _row_keys([a], [parent]))


@pytest.mark.parametrize("seed", range(3))
def test_count_bound_with_the_callers_scores(seed: int) -> None:
    inst = dense_planar(seed, m=100, n=20, p=4)
    at = sp.csr_array(sp.csr_array(inst.a, dtype=float).T)
    lam = inst.w * np.random.default_rng(seed).random(inst.m)
    u, rc = count_bound(inst.w, at, lam, 4)
    u2, rc2 = count_bound(inst.w, at, lam, 4, np.asarray(at @ lam))
    assert u == pytest.approx(u2) and np.allclose(rc, rc2)


@pytest.mark.parametrize("seed", range(4))
def test_subgradient_bound_is_a_true_bound_and_never_looser(seed: int) -> None:
    """From the coverable-weight start and from w / 2, the bound found stays above the brute-force
    optimum, never above where it started, and its forced-in bounds hold for every plan.
    """
    import itertools

    from models.lagrangian import subgradient_bound

    inst = dense_planar(seed, m=80, n=12, p=3, radius=0.35)
    at = sp.csr_array(sp.csr_array(inst.a, dtype=float).T)
    plans = [np.isin(np.arange(inst.n), c) for c in itertools.combinations(range(inst.n), 3)]
    values = np.array([inst.evaluate(y)[0] for y in plans])
    best = float(values.max())
    coverable = np.diff(sp.csr_array(inst.a).indptr) > 0
    for start in (np.where(coverable, 0.0, inst.w), 0.5 * inst.w):
        u0, _ = count_bound(inst.w, at, start, 3)
        u, rc, lam = subgradient_bound(inst.w, at, start, 3, 0.9 * best, iterations=100)
        assert best - 1e-6 <= u <= u0 + 1e-9
        assert (lam >= 0).all() and (lam <= inst.w).all()
        assert count_bound(inst.w, at, lam, 3)[0] == pytest.approx(u)
        forced = u + np.minimum(rc, 0.0)
        for j in range(inst.n):
            assert values[[y[j] for y in plans]].max() <= forced[j] + 1e-6
    # From w / 2 it strictly improves on at least this instance family's first seed.
    if seed == 0:
        u0, _ = count_bound(inst.w, at, 0.5 * inst.w, 3)
        assert subgradient_bound(inst.w, at, 0.5 * inst.w, 3, best, iterations=100)[0] < u0


@pytest.mark.parametrize("budget", [False, True])
def test_benders_bound_after_subgradient_steps_is_true(monkeypatch: pytest.MonkeyPatch, budget: bool) -> None:
    """With the column generation cut to one round (unconverged), the subgradient steps run and
    the site-space method's bound stays above the exact optimum: on a count alone (after the
    presolve), and on a count with a budget, where the steps drop the budget (which only relaxes).
    """
    import models.benders as benders
    from models.presolve import presolve_cover

    real = benders.site_column_generation
    monkeypatch.setattr(
        benders, "site_column_generation", lambda *a, **k: real(*a, **{**k, "max_rounds": 1, "batch": 2})
    )
    ran = 0
    for seed in range(4):
        inst = dense_planar(seed, m=200, n=40, p=4, radius=0.25)
        if budget:
            c = np.random.default_rng(seed).integers(1, 4, inst.n).astype(float)
            inst = CoverInstance(w=inst.w, c=c, a=inst.a, count=4, budget=7.0)
        exact = solve_cover(inst, OPTS, method="milp")
        assert exact.objective is not None
        work = inst if budget else presolve_cover(inst, merge=True, dominance=False)[0]
        res = benders.solve_max_cover_benders(work, OPTS, max_loops=1)
        ran += "subgradient" in res.extra["benders"]
        assert res.bound is not None and res.bound >= exact.objective - 1e-6
        assert res.objective is not None and res.objective <= exact.objective + 1e-6
    assert ran  # the path was exercised


def test_subgradient_stops_within_the_requested_gap() -> None:
    """Asked for a gap, the steps stop at the first bound within it of ``lower``: the bound is
    within the gap yet above what the same steps reach without one.
    """
    from models.lagrangian import subgradient_bound

    inst = dense_planar(0, m=80, n=12, p=3, radius=0.35)
    at = sp.csr_array(sp.csr_array(inst.a, dtype=float).T)
    start = 0.5 * inst.w
    lower = 0.9 * inst.evaluate(np.isin(np.arange(inst.n), [0, 1, 2]))[0]
    u0, _ = count_bound(inst.w, at, start, 3)
    u_all = subgradient_bound(inst.w, at, start, 3, lower, iterations=100)[0]
    gap = 0.5 * (u0 + u_all) / lower - 1  # a target halfway between the start and the end
    u_gap = subgradient_bound(inst.w, at, start, 3, lower, iterations=100, gap=gap)[0]
    assert u_gap <= lower * (1 + gap) and u_gap > u_all
