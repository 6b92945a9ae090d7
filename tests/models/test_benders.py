"""Benders cuts, Lagrangian fixing and the site-space solver against brute force and exact solves."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest
import scipy.sparse as sp

from models import CoverInstance, SolveOptions, solve_cover
from models.api import DECOMPOSE_MIN_NONZEROS, choose_method
from models.benders import solve_max_cover_benders
from models.decompose import fix_sites, site_column_generation
from models.lagrangian import benders_cut, count_bound

OPTS = SolveOptions(time_limit_s=60, mip_rel_gap=1e-9, threads=1, seed=0)


def random_instance(seed: int, m: int = 40, n: int = 10, p: int = 3, density: float = 0.25) -> CoverInstance:
    rng = np.random.default_rng(seed)
    a = sp.csr_array((rng.random((m, n)) < density).astype(np.int8))
    w = rng.integers(1, 100, m).astype(float)
    return CoverInstance(w=w, c=np.ones(n), a=a, count=p)


def planar_instance(seed: int, m: int, n: int, p: int, radius: float = 0.18) -> CoverInstance:
    """Points and sites uniform in the unit square; a site covers the points within ``radius``."""
    rng = np.random.default_rng(seed)
    pts, sites = rng.random((m, 2)), rng.random((n, 2))
    d = np.linalg.norm(pts[:, None, :] - sites[None, :, :], axis=2)
    w = np.round(rng.lognormal(np.log(100.0), 1.0, m))
    return CoverInstance(w=w, c=np.ones(n), a=sp.csr_array((d <= radius).astype(np.int8)), count=p)


def all_plans(n: int, p: int):
    for k in range(p + 1):
        for combo in itertools.combinations(range(n), k):
            y = np.zeros(n, dtype=bool)
            y[list(combo)] = True
            yield y


def count_of(inst: CoverInstance) -> int:
    """The instance's site count p (these instances all have one)."""
    assert inst.count is not None
    return inst.count


def brute_force(inst: CoverInstance) -> tuple[float, list[np.ndarray]]:
    plans = list(all_plans(inst.n, count_of(inst)))
    values = [inst.evaluate(y)[0] for y in plans]
    return max(values), [y for y, v in zip(plans, values, strict=True) if v == max(values)]


@pytest.mark.parametrize("seed", range(6))
def test_closed_form_cuts_never_cut_off_a_plan(seed: int) -> None:
    inst = random_instance(seed)
    rng = np.random.default_rng(100 + seed)
    a = sp.csr_array(inst.a, dtype=float)
    plans = list(all_plans(inst.n, count_of(inst)))
    values = np.array([inst.evaluate(y)[0] for y in plans])
    points = [rng.random(inst.n) * (rng.random(inst.n) < 0.5) for _ in range(4)]  # fractional
    points += [plans[k] for k in rng.choice(len(plans), 4, replace=False)]  # integer
    for y_bar in points:
        const, coef = benders_cut(inst.w, a, y_bar)
        rhs = np.array([const + coef @ y for y in plans])
        assert (rhs >= values - 1e-9).all()  # valid at every plan, the optimal ones included
        if np.isin(y_bar, (0, 1)).all():  # tight at the integer point it was separated at
            assert const + coef @ y_bar == pytest.approx(inst.evaluate(y_bar.astype(bool))[0])


@pytest.mark.parametrize("seed", range(6))
def test_lagrangian_bound_and_forced_bounds_hold(seed: int) -> None:
    inst = random_instance(seed, m=50, n=11, p=4)
    best, _ = brute_force(inst)
    at = sp.csr_array(sp.csr_array(inst.a, dtype=float).T)
    rng = np.random.default_rng(seed)
    plans = list(all_plans(inst.n, count_of(inst)))
    values = np.array([inst.evaluate(y)[0] for y in plans])
    for _ in range(5):
        lam = inst.w * rng.random(inst.m)
        u, rc = count_bound(inst.w, at, lam, count_of(inst))
        assert u >= best - 1e-9
        forced = u + np.minimum(rc, 0.0)
        for j in range(inst.n):  # every plan with site j is bounded by j's forced-in bound
            with_j = [v for y, v in zip(plans, values, strict=True) if y[j]]
            assert max(with_j) <= forced[j] + 1e-9


@pytest.mark.parametrize("seed", range(4))
def test_fixing_keeps_every_optimal_site(seed: int) -> None:
    inst = random_instance(seed, m=60, n=12, p=4)
    best, optima = brute_force(inst)
    lp = site_column_generation(inst, OPTS)
    assert lp.bound >= best - 1e-6
    free, fixed_bound = fix_sites(lp, best - 1e-6, 0.0)
    assert fixed_bound <= best + 1e-6 or np.isinf(fixed_bound)
    assert any((y <= free).all() for y in optima)  # an optimal plan survives the fixing


@pytest.fixture(scope="module")
def exact_cases() -> list[tuple[CoverInstance, float]]:
    out = []
    for seed, p in itertools.product(range(3), (2, 5, 9)):
        inst = planar_instance(seed, m=300, n=40, p=p)
        exact = solve_cover(inst, OPTS, method="milp")
        assert exact.status == "optimal" and exact.objective is not None
        out.append((inst, exact.objective))
    return out


def test_reported_bound_is_a_true_bound(exact_cases: list[tuple[CoverInstance, float]]) -> None:
    for inst, optimum in exact_cases:
        res = solve_cover(inst, OPTS, method="benders")
        assert res.extra["method"] == "benders"
        assert res.x is not None and res.objective is not None and res.bound is not None
        assert res.objective == pytest.approx(inst.evaluate(res.x)[0])
        assert res.bound >= optimum - 1e-6 * optimum
        assert res.objective <= optimum + 1e-6
        assert res.status == "optimal" and res.objective == pytest.approx(optimum, rel=1e-9)


def test_bound_holds_when_stopped_early(exact_cases: list[tuple[CoverInstance, float]]) -> None:
    for inst, optimum in exact_cases[:4]:  # a bound proven after one round only is still a bound
        from models.presolve import presolve_cover

        red, _, _ = presolve_cover(inst, merge=True, dominance=False)
        res = solve_max_cover_benders(red, OPTS, max_loops=1)
        assert res.bound is not None and res.bound >= optimum - 1e-6 * optimum
        lp = site_column_generation(red, OPTS, max_rounds=1)
        assert lp.bound >= optimum - 1e-6 * optimum


def test_auto_chooses_consistently() -> None:
    small = planar_instance(0, m=100, n=20, p=3)
    assert small.a.nnz < DECOMPOSE_MIN_NONZEROS
    big = planar_instance(1, m=2000, n=150, p=5, radius=0.17)
    assert big.a.nnz >= DECOMPOSE_MIN_NONZEROS
    for inst, expected in ((small, "milp"), (big, "benders")):
        choice = choose_method(inst)
        assert choice == choose_method(inst) and choice.method == expected
        res = solve_cover(inst, SolveOptions(time_limit_s=60, threads=1))
        assert res.extra["method"] == expected
        assert res.extra["method_reason"].startswith("auto: ")
    # Large plans stay in site space (measured faster at every plan size of the grid).
    wide = CoverInstance(w=big.w, c=big.c, a=big.a, count=int(np.ceil(0.1 * big.n)))
    assert choose_method(wide).method == "benders"
    # The same instance with its rows shuffled gets the same choice (the rule reads no order).
    perm = np.random.default_rng(0).permutation(big.m)
    shuffled = CoverInstance(w=big.w[perm], c=big.c, a=sp.csr_array(big.a[perm]), count=big.count)
    assert choose_method(shuffled) == choose_method(big)


@pytest.mark.parametrize("seed", range(4))
def test_bound_at_most_coverable_weight(seed: int) -> None:
    """The bound never exceeds the weight some site covers (lambda = 0 is a valid multiplier),
    stays a true bound (brute force), and a plan covering everything is proven at once.
    """
    inst = planar_instance(seed, m=60, n=9, p=4, radius=0.45)
    coverable = float(inst.w[np.diff(sp.csr_array(inst.a).indptr) > 0].sum())
    optimum, _ = brute_force(inst)
    lp = site_column_generation(inst, OPTS, max_rounds=1)
    assert optimum - 1e-6 <= lp.bound <= coverable + 1e-6
    res = solve_max_cover_benders(inst, OPTS)
    assert res.objective == pytest.approx(optimum) and res.bound is not None
    assert optimum - 1e-6 <= res.bound <= coverable + 1e-6
    if optimum == pytest.approx(coverable):
        assert res.status == "optimal" and res.extra["benders"]["loops"] == []


def test_free_site_cap_only_under_a_time_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """The cap on step 4's free sites guards a time limit: without one the optimum is proven."""
    import models.benders as benders

    inst = planar_instance(1, m=800, n=80, p=8)  # needs step 4 (its restricted MILP over free sites)
    optimum = solve_cover(inst, OPTS, method="milp").objective
    assert optimum is not None
    assert solve_max_cover_benders(inst, OPTS).extra["benders"]["loops"]
    monkeypatch.setattr(benders, "MAX_FREE_SITES", 0)
    limited = solve_max_cover_benders(inst, OPTS)
    assert [s.get("skipped") for s in limited.extra["benders"]["loops"]] == ["too many free sites"]
    assert limited.bound is not None
    assert limited.bound >= optimum - 1e-6 * optimum  # stopped, its bound still a bound
    res = solve_max_cover_benders(inst, dataclasses.replace(OPTS, time_limit_s=None))
    assert res.status == "optimal" and res.objective == pytest.approx(optimum, rel=1e-9)
