"""Salvo survival, consumption, life-cycle cost and sizing against hand cases and brute force."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from geodata import sbi
from geodata.orbits import Walker
from geodata.sbi_sizing import (
    boost_survival,
    expected_consumption,
    life_cycle_cost,
    size_constellation,
)


def test_single_missile_single_shot_by_hand():
    # P(N >= 1) = 0.9, SSPK 0.8: survives with 0.1 + 0.9 * 0.2 = 0.28.
    assert boost_survival([1.0, 0.9], 1, 1, 0.8) == pytest.approx(0.28)
    # Two shots: P(N=0)=0.1, P(N=1)=0.4, P(N>=2)=0.5 -> 0.1 + 0.4*0.5 + 0.5*0.25.
    assert boost_survival([1.0, 0.9, 0.5], 1, 2, 0.5) == pytest.approx(0.425)
    assert expected_consumption([1.0, 0.9, 0.5], 1, 2) == pytest.approx(0.4 + 2 * 0.5)


def brute_survival(p_exact: np.ndarray, k: int, shots: int, sspk: float) -> float:
    """Every way of dealing n interceptors to k threats, at most `shots` each, as evenly as possible."""
    total = 0.0
    for n, pn in enumerate(p_exact):
        best = None
        for alloc in itertools.product(range(shots + 1), repeat=k):
            if sum(alloc) != min(n, k * shots):
                continue
            spread = max(alloc) - min(alloc)
            if best is None or spread < best[0]:
                best = (spread, alloc)
        assert best is not None
        total += pn * np.mean([(1 - sspk) ** m for m in best[1]])
    return total


@pytest.mark.parametrize(("k", "shots"), [(2, 1), (3, 2), (4, 1), (2, 3)])
def test_salvo_survival_against_enumeration(k, shots):
    rng = np.random.default_rng(k * 10 + shots)
    need = k * shots
    p_exact = rng.dirichlet(np.ones(need + 1))
    ge = tuple(np.cumsum(p_exact[::-1])[::-1])  # P(N >= n), a sequence as Availability.p_at_least
    got = boost_survival(ge, k, shots, 0.6)
    assert got == pytest.approx(brute_survival(p_exact, k, shots, 0.6), abs=1e-12)
    assert expected_consumption(ge, k, shots) == pytest.approx(np.dot(p_exact, np.arange(need + 1)))


def test_survival_refuses_short_distributions():
    with pytest.raises(ValueError, match="k = 0..4"):
        boost_survival([1.0, 0.5], 4, 1, 0.5)


def test_life_cycle_cost_under_the_cbo_figures():
    # 7,800 satellites, $22 M + 1,000 kg at $500/kg, 5-year life over 20 years: 4 buys.
    c = life_cycle_cost(
        7800,
        unit_cost_musd=22,
        mass_kg=1000,
        launch_usd_per_kg=500,
        life_years=5,
        horizon_years=20,
        operations_musd_per_year=1000,
    )
    assert c.purchases == 4
    assert c.launch_cost_musd == pytest.approx(0.5)
    assert c.total_musd == pytest.approx(7800 * 4 * 22.5 + 20_000)
    assert (
        life_cycle_cost(
            10, unit_cost_musd=1, mass_kg=0, launch_usd_per_kg=0, life_years=6, horizon_years=20
        ).purchases
        == 4
    )


def brute_p_at_least(walker: Walker, alt: float, reach: float, lon, lat, k: int) -> float:
    """Per-satellite count over the day (the module's own times), P(N >= k) pooled over points."""
    times = sbi.day_times(360)
    n = np.sqrt(398600.4418 / (6371.0088 + alt) ** 3)
    s = walker.per_plane
    kk = np.repeat(np.arange(walker.p), s)
    jj = np.tile(np.arange(s), walker.p)
    u = (2 * np.pi * jj / s + 2 * np.pi * walker.f * kk / walker.t)[:, None] + n * times
    node = (2 * np.pi * kk / walker.p)[:, None] - 7.2921159e-5 * times
    i = np.radians(walker.inclination_deg)
    sat_lat = np.arcsin(np.sin(i) * np.sin(u))
    sat_lon = node + np.arctan2(np.cos(i) * np.sin(u), np.cos(u))
    lo, la = np.radians(np.asarray(lon))[:, None, None], np.radians(np.asarray(lat))[:, None, None]
    cosd = np.sin(la) * np.sin(sat_lat) + np.cos(la) * np.cos(sat_lat) * np.cos(sat_lon - lo)
    counts = (cosd >= np.cos(reach / 6371.0088)).sum(axis=1)
    return float((counts >= k).mean())


def test_sizing_returns_a_pattern_that_meets_the_target_and_one_fewer_per_plane_does_not():
    areas = {
        "a": (np.array([10.0, 20.0]), np.array([40.0, 42.0])),
        "b": (np.array([-100.0]), np.array([30.0])),
    }
    res = size_constellation(
        areas,
        altitude_km=500,
        reach_km=900,
        need=2,
        target=0.8,
        inclinations_deg=[45, 55],
        planes=[6, 8],
        n_steps=360,
    )
    w = res.walker
    assert w is not None
    for lon, lat in areas.values():
        assert brute_p_at_least(w, 500, 900, lon, lat, 2) >= 0.8 - 1e-9
    # One satellite fewer per plane misses the target in some area (the search's bisection).
    if w.per_plane > 1:
        fewer = Walker(w.inclination_deg, w.t - w.p, w.p, w.f)
        assert min(brute_p_at_least(fewer, 500, 900, lo, la, 2) for lo, la in areas.values()) < 0.8
    assert all(t >= w.t for _, t, ok in res.evaluated if ok >= 0.8)


def test_sizing_gives_none_when_no_shell_reaches_the_area():
    areas = {"polar": (np.array([0.0]), np.array([80.0]))}
    res = size_constellation(
        areas, altitude_km=500, reach_km=500, need=1, target=0.9, inclinations_deg=[45], planes=[6]
    )
    assert res.walker is None and res.per_area == {}
